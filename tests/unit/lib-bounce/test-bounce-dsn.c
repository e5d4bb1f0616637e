/* RFC 3464 delivery status notifications (bounce-dsn.c): the recipient
   blocks, their evidence, the fields written inline into the text, and
   real reports from the MTAs and providers of tests/samples. */

#include "lib.h"
#include "array.h"
#include "bounce-taxonomy.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-recognise.h"
#include "bounce-decide.h"
#include "bounce-private.h"
#include "../test-common.h"

#define ORIGINAL \
	"--b1\nContent-Type: message/rfc822\n\n" \
	"From: sender@example.net\nTo: quoted@example.com\n" \
	"Message-ID: <orig-1@example.net>\nList-Id: <news.example.net>\n" \
	"X-Campaign-Id: spring-42\nSubject: News\n\n" \
	"Your mailbox is full and user unknown: quoted@example.com\n" \
	"--b1--\n"

static void test_dsn_recipients(void)
{
	const struct bounce_recipient *r;
	struct bounce_report *report;

	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; Hard@Example.org\n"
		"Action: failed\nStatus: 5.1.1\n"
		"Remote-MTA: dns; mx.example.org\n"
		"Diagnostic-Code: smtp; 550 5.1.1 <hard@example.org>: "
		"Recipient address rejected: User unknown\n\n"
		"Final-Recipient: rfc822; soft@example.org\n"
		"Action: failed\nStatus: 5.2.2\n"
		"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\n"
		"Final-Recipient: rfc822; ok@example.org\n"
		"Action: relayed\nStatus: 2.0.0\n\n"
		ORIGINAL, NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "dsn");
	CU_ASSERT_FALSE(report->truncated);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 3);
	TEST_ASSERT_RCPT(report, 0, "hard@example.org", "hard", "bad-mailbox");
	r = test_rcpt(report, 0);
	CU_ASSERT_EQUAL(r->code, 10);
	CU_ASSERT_STRING_EQUAL(r->status, "5.1.1");
	CU_ASSERT_STRING_EQUAL(r->reply, "550");
	CU_ASSERT_STRING_EQUAL(r->action, "failed");
	CU_ASSERT_STRING_EQUAL(r->remote_mta, "mx.example.org");
	CU_ASSERT_STRING_EQUAL(r->diagnostic, "550 5.1.1 <hard@example.org>: "
			       "Recipient address rejected: User unknown");
	CU_ASSERT_PTR_NOT_NULL(r->rule);
	TEST_ASSERT_RCPT(report, 1, "soft@example.org", "soft",
			 "quota-issues");
	CU_ASSERT_EQUAL(test_rcpt(report, 1)->code, 22);
	TEST_ASSERT_RCPT(report, 2, "ok@example.org", "none", "delivered");
	CU_ASSERT_EQUAL(test_rcpt(report, 2)->code, 0);

	CU_ASSERT_STRING_EQUAL(report->reporting_mta, "mx.example");
	CU_ASSERT_STRING_EQUAL(report->arrival_date,
			       "Thu, 29 Apr 2021 23:45:41 +0900");
	/* the most severe recipient speaks for the message */
	CU_ASSERT_STRING_EQUAL(bounce_report_primary(report)->address,
			       "hard@example.org");
}

static void test_dsn_quoted_original_is_not_evidence(void)
{
	struct bounce_report *report;

	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; user@example.org\n"
		"Action: failed\nStatus: 5.0.0\n\n" ORIGINAL, NULL);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "user@example.org");
	/* "mailbox is full" and "user unknown" are only in the original */
	CU_ASSERT_STRING_NOT_EQUAL(test_rcpt(report, 0)->category,
				   "quota-issues");
	CU_ASSERT_NOT_EQUAL(test_rcpt(report, 0)->type, BOUNCE_TYPE_HARD);
	/* but the original is what the bounce is about */
	CU_ASSERT_PTR_NOT_NULL_FATAL(report->orig_message_id);
	CU_ASSERT_STRING_EQUAL(report->orig_message_id, "<orig-1@example.net>");
}

static void test_dsn_address_fields(void)
{
	struct bounce_report *report;

	/* Original-Recipient when Final-Recipient names no address,
	   X-Actual-Recipient when neither does */
	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; <>\n"
		"Original-Recipient: rfc822;<Orig@Example.org>\n"
		"Action: failed\nStatus: 5.1.1\n\n"
		"Final-Recipient: x-unknown; nothing here\n"
		"X-Actual-Recipient: rfc822; actual@example.org\n"
		"Action: failed\nStatus: 5.1.1\n\n--b1--\n", NULL);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 2);
	TEST_ASSERT_RCPT(report, 0, "orig@example.org", "hard", "bad-mailbox");
	TEST_ASSERT_RCPT(report, 1, "actual@example.org", "hard",
			 "bad-mailbox");

	/* Final-Recipient rewritten by the receiving site, to a host only
	   it knows or to another mailbox of its domain: the sender wrote
	   Original-Recipient. Forwarded elsewhere, the target failed. */
	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; user@mailcluster.local\n"
		"Original-Recipient: rfc822; user@example.com\n"
		"Action: failed\nStatus: 5.2.2\n\n"
		"Final-Recipient: rfc822; jane@mailhub\n"
		"Original-Recipient: rfc822; jdoe@example.com\n"
		"Action: failed\nStatus: 5.2.2\n\n"
		"Final-Recipient: rfc822; jane.doe@example.net\n"
		"Original-Recipient: rfc822; jane@example.net\n"
		"Action: failed\nStatus: 5.2.2\n\n"
		"Final-Recipient: rfc822; jane@elsewhere.example\n"
		"Original-Recipient: rfc822; jane@example.org\n"
		"Action: failed\nStatus: 5.2.2\n\n"
		"Final-Recipient: rfc822; joe@mx1.example.com\n"
		"Original-Recipient: rfc822; joe@example.com\n"
		"Action: failed\nStatus: 5.2.2\n\n"
		"Final-Recipient: rfc822; ann@example.com\n"
		"Original-Recipient: rfc822; ann@sub.example.com\n"
		"Action: failed\nStatus: 5.2.2\n\n--b1--\n", NULL);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 6);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "user@example.com");
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 1)->address,
			       "jdoe@example.com");
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 2)->address,
			       "jane@example.net");
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 3)->address,
			       "jane@elsewhere.example");
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 4)->address,
			       "joe@example.com");
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 5)->address,
			       "ann@example.com");

	/* two blocks for one address are one recipient */
	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; twice@example.org\n"
		"Action: failed\nStatus: 5.2.2\n\n"
		"Final-Recipient: rfc822; TWICE@example.org\n"
		"Action: failed\nStatus: 5.2.2\n\n--b1--\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 1);
}

static void test_dsn_delayed_and_temporary(void)
{
	struct bounce_report *report;

	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; slow@example.org\n"
		"Action: delayed\nStatus: 4.4.1\n"
		"Diagnostic-Code: X-Postfix; connect to mx.example.org"
		"[192.0.2.1]:25: Connection refused\n\n--b1--\n", NULL);
	/* a delay is no failure yet: of type other, a transient bounce
	   (code 70) of the cause it names */
	TEST_ASSERT_RCPT(report, 0, "slow@example.org", "other",
			 "no-answer-from-host");
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->action, "delayed");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 70);
	/* the same cause, failed */
	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; slow@example.org\n"
		"Action: failed\nStatus: 4.4.1\n"
		"Diagnostic-Code: X-Postfix; connect to mx.example.org"
		"[192.0.2.1]:25: Connection refused\n\n--b1--\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "slow@example.org", "soft",
			 "no-answer-from-host");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 29);
	/* a mailbox full, delayed: still not soft */
	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; full@example.org\n"
		"Action: delayed\nStatus: 4.2.2\n"
		"Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n\n--b1--\n",
		NULL);
	TEST_ASSERT_RCPT(report, 0, "full@example.org", "other",
			 "quota-issues");

	/* the diagnostic refines a generic status */
	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; big@example.org\n"
		"Action: failed\nStatus: 5.0.0\n"
		"Diagnostic-Code: smtp; 552 5.3.4 Message size exceeds "
		"fixed limit\n\n--b1--\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "big@example.org", "other",
			 "message-too-large");
}

static void test_dsn_inline_fields(void)
{
	struct bounce_report *report;

	/* no message/delivery-status part: the fields are in the text */
	report = test_classify(
		"From: MAILER-DAEMON@mx.example\n"
		"Subject: Returned mail: see transcript for details\n\n"
		"The original message was received at Thu, 29 Apr 2021.\n\n"
		"Reporting-MTA: dns; mx.example\n\n"
		"Final-Recipient: RFC822; inline@example.org\n"
		"Action: failed\nStatus: 5.1.1\n"
		"Diagnostic-Code: SMTP; 550 5.1.1 User unknown\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "dsn");
	TEST_ASSERT_RCPT(report, 0, "inline@example.org", "hard",
			 "bad-mailbox");
	CU_ASSERT_STRING_EQUAL(report->reporting_mta, "mx.example");
}

/* A bounce forwarded inline, headers and all: its report decides, not
   the addresses of the forwarding's own header lines. */
static void test_dsn_embedded_inline(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: MAILER-DAEMON@relay.example\n"
		"Subject: Undelivered Mail Returned to Sender\n\n"
		"The message below could not be delivered.\n"
		"--------\n"
		"From MAILER-DAEMON  Thu Apr 29 23:34:45 2021\n"
		"Return-Path: <>\n"
		"Delivered-To: admin@relay.example\n"
		"From: MAILER-DAEMON@inner.example\n"
		"Content-Type: multipart/report; report-type=delivery-status;\n"
		"\tboundary=\"b2\"\n\n"
		"--b2\nContent-Type: text/plain\n\n"
		"<inner@example.org>: host said: 550 5.1.1 User unknown\n"
		"--b2\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; inner.example\n\n"
		"Final-Recipient: rfc822; inner@example.org\n"
		"Action: failed\nStatus: 5.1.1\n"
		"Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
		"--b2--\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "dsn");
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	TEST_ASSERT_RCPT(report, 0, "inner@example.org", "hard",
			 "bad-mailbox");
	CU_ASSERT_STRING_EQUAL(report->reporting_mta, "inner.example");
}

static void test_dsn_success(void)
{
	struct bounce_report *report;

	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; fine@example.org\n"
		"Action: delivered\nStatus: 2.0.0\n"
		"Diagnostic-Code: smtp; 250 2.0.0 Ok: queued\n\n--b1--\n",
		NULL);
	TEST_ASSERT_RCPT(report, 0, "fine@example.org", "none", "delivered");
	CU_ASSERT_PTR_NULL(bounce_report_primary(report));
}

/* Real reports: each sample's rows, as in tests/samples/expected.tsv. */
static const struct {
	const char *sample, *address, *type, *category;
} dsn_samples[] = {
	{ "lhost-postfix-01.eml", "r@p351355.pool.example.ne.jp",
	  "soft", "routing-issues" },
	{ "lhost-sendmail-01.eml", "userunknown@bouncehammer.jp",
	  "hard", "bad-mailbox" },
	{ "lhost-courier-01.eml", "kijitora@example.co.jp",
	  "hard", "bad-mailbox" },
	{ "lhost-exchange2007-01.eml", "mikeneko@example.co.jp",
	  "hard", "bad-mailbox" },
	{ "lhost-amazonses-01.eml", "shironeko@example.co.jp",
	  "other", "policy-related" },
	{ "lhost-outlook-01.eml", "kijitora@example.jp",
	  "soft", "quota-issues" },
	{ "rhost-microsoft-01.eml", "kijitora@example.com",
	  "other", "spam-related" },
	{ "rhost-gsuite-01.eml", "kijitora@example.de",
	  "hard", "bad-mailbox" },
	{ "rhost-aol-01.eml", "kijitora@example.jp", "hard", "bad-domain" },
	{ "rhost-tencent-01.eml", "nekochan@qq.example.cn",
	  "soft", "rate-limited" },
	{ "rfc3464-07.eml", "kijitora@example.net",
	  "other", "message-expired" },
	/* a relay's notice attaching the whole report it received */
	{ "lhost-x5-01.eml", "kijitora@neko.example.org",
	  "hard", "bad-mailbox" },
};

static void test_dsn_samples(void)
{
	struct bounce_report *report;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(dsn_samples); i++) {
		CU_ASSERT(test_sample_is(dsn_samples[i].sample, "dsn", 0,
			dsn_samples[i].address, dsn_samples[i].type,
			dsn_samples[i].category));
	}

	/* two recipients in one report */
	report = test_classify_sample("lhost-postfix-02.eml");
	CU_ASSERT_EQUAL(array_count(&report->recipients), 2);
	TEST_ASSERT_RCPT(report, 0, "filtered@example.co.jp", "hard",
			 "bad-mailbox");
	TEST_ASSERT_RCPT(report, 1, "userunknown@example.co.jp", "hard",
			 "bad-mailbox");
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-dsn", NULL, NULL);

	CU_add_test(suite, "recipients and evidence", test_dsn_recipients);
	CU_add_test(suite, "quoted original is not evidence",
		    test_dsn_quoted_original_is_not_evidence);
	CU_add_test(suite, "address fields", test_dsn_address_fields);
	CU_add_test(suite, "delayed and refined",
		    test_dsn_delayed_and_temporary);
	CU_add_test(suite, "fields inline in the text", test_dsn_inline_fields);
	CU_add_test(suite, "report forwarded inline", test_dsn_embedded_inline);
	CU_add_test(suite, "success DSN", test_dsn_success);
	CU_add_test(suite, "samples", test_dsn_samples);
}

int main(void)
{
	return test_main(add_suites);
}
