/* The recognisers and the whole classification, with the shipped rules:
   DSN, ARF, auto-replies, X-Failed-Recipients, VERP, the returned
   original, and hostile input. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-private.h"
#include "test-common.h"

#define DSN_HEAD \
	"From: MAILER-DAEMON@mx.example (Mail Delivery System)\n" \
	"To: sender@example.net\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\n" \
	"\tboundary=\"b1\"\n\n" \
	"--b1\nContent-Type: text/plain\n\nThe mail system\n\n" \
	"--b1\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; mx.example\n" \
	"Arrival-Date: Thu, 29 Apr 2021 23:45:41 +0900\n\n"

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

	report = test_classify(DSN_HEAD
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
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 3);
	r = test_rcpt(report, 0);
	CU_ASSERT_STRING_EQUAL(r->address, "hard@example.org");
	CU_ASSERT_EQUAL(r->type, BOUNCE_TYPE_HARD);
	CU_ASSERT_STRING_EQUAL(r->category, "bad-mailbox");
	CU_ASSERT_EQUAL(r->code, 10);
	CU_ASSERT_STRING_EQUAL(r->status, "5.1.1");
	CU_ASSERT_STRING_EQUAL(r->reply, "550");
	CU_ASSERT_STRING_EQUAL(r->action, "failed");
	CU_ASSERT_STRING_EQUAL(r->remote_mta, "mx.example.org");
	CU_ASSERT_PTR_NOT_NULL(r->rule);
	r = test_rcpt(report, 1);
	CU_ASSERT_EQUAL(r->type, BOUNCE_TYPE_SOFT);
	CU_ASSERT_STRING_EQUAL(r->category, "quota-issues");
	CU_ASSERT_EQUAL(r->code, 22);
	r = test_rcpt(report, 2);
	CU_ASSERT_EQUAL(r->type, BOUNCE_TYPE_NONE);
	CU_ASSERT_STRING_EQUAL(r->category, "delivered");

	CU_ASSERT_STRING_EQUAL(report->reporting_mta, "mx.example");
	CU_ASSERT_STRING_EQUAL(report->orig_message_id, "<orig-1@example.net>");
	CU_ASSERT_STRING_EQUAL(report->orig_list_id, "<news.example.net>");
	CU_ASSERT_STRING_EQUAL(bounce_headers_find(&report->orig_headers,
		"X-Campaign-Id"), "spring-42");
	/* the most severe recipient speaks for the message */
	CU_ASSERT_STRING_EQUAL(bounce_report_primary(report)->address,
			       "hard@example.org");
}

static void test_quoted_original_is_not_evidence(void)
{
	struct bounce_report *report;

	report = test_classify(DSN_HEAD
		"Final-Recipient: rfc822; user@example.org\n"
		"Action: failed\nStatus: 5.0.0\n\n" ORIGINAL, NULL);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "user@example.org");
	/* "mailbox is full" and "user unknown" are only in the original */
	CU_ASSERT_STRING_NOT_EQUAL(test_rcpt(report, 0)->category,
				   "quota-issues");
	CU_ASSERT_NOT_EQUAL(test_rcpt(report, 0)->type, BOUNCE_TYPE_HARD);
}

static void test_arf_complaint(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: feedback@isp.example\nSubject: Abuse report\n"
		"MIME-Version: 1.0\nContent-Type: multipart/report; "
		"report-type=feedback-report; boundary=\"f\"\n\n"
		"--f\nContent-Type: text/plain\n\nA complaint.\n"
		"--f\nContent-Type: message/feedback-report\n\n"
		"Feedback-Type: abuse\nUser-Agent: x/1.0\nVersion: 1\n"
		"Original-Rcpt-To: <Reader@ISP.example>\n\n"
		"--f\nContent-Type: message/rfc822\n\n"
		"From: news@example.net\nTo: reader@isp.example\n"
		"Message-ID: <n1@example.net>\n\nhello\n--f--\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "arf");
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "reader@isp.example");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->type, BOUNCE_TYPE_COMPLAINT);
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 200);
}

static void test_autoreply(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: Jane Doe <Jane@Example.org>\nTo: news@example.net\n"
		"Auto-Submitted: auto-replied\nSubject: Re: News\n\n"
		"I am away until Monday.\n", NULL);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "jane@example.org");
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->category, "auto-reply");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 60);
}

static void test_ordinary_message(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: friend@example.org\nTo: me@example.net\n"
		"Subject: lunch?\n\nShall we? The user unknown joke again.\n",
		NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 0);
	CU_ASSERT_PTR_NULL(bounce_report_primary(report));
}

static void test_failed_recipients_header_and_verp(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: Mail Delivery System <Mailer-Daemon@mx.example>\n"
		"X-Failed-Recipients: gone@example.org\n"
		"Subject: Mail delivery failed: returning message to sender\n\n"
		"This message was created automatically by mail delivery "
		"software.\n\nA message that you sent could not be "
		"delivered.\n\n  gone@example.org\n"
		"    SMTP error from remote mail server after RCPT TO:"
		"<gone@example.org>:\n    550 5.1.1 No such user here\n",
		NULL);
	CU_ASSERT_FATAL(test_rcpt(report, 0) != NULL);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "gone@example.org");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->type, BOUNCE_TYPE_HARD);

	/* a DSN naming no recipient: the VERP envelope names it */
	report = test_classify(DSN_HEAD "Action: failed\nStatus: 5.1.1\n"
		"Final-Recipient: rfc822; <>\n\n--b1--\n",
		"bounces+jane=example.org@lists.example");
	CU_ASSERT_FATAL(test_rcpt(report, 0) != NULL);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "jane@example.org");
	report = test_classify(DSN_HEAD "Action: failed\nStatus: 5.1.1\n"
		"Final-Recipient: rfc822; <>\n\n--b1--\n", NULL);
	CU_ASSERT_FATAL(test_rcpt(report, 0) != NULL);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address, "");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 30);
}

/* --- hostile input: always a result, never a crash --- */

static void assert_survives(struct bounce_report *report)
{
	const struct bounce_recipient *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(report);
	CU_ASSERT_PTR_NOT_NULL(report->format);
	array_foreach(&report->recipients, r) {
		CU_ASSERT_PTR_NOT_NULL(r->address);
		CU_ASSERT_PTR_NOT_NULL(r->category);
	}
}

static void test_hostile_small(void)
{
	static const unsigned char garbage[] =
		"\0\0From: \0MAILER-DAEMON\xff\xfe\n\n\0Final-Recipient: ;\n";
	struct bounce_report *report;

	assert_survives(test_classify("", NULL));
	assert_survives(test_classify("Subject: only headers", NULL));
	report = test_classify_data(garbage, sizeof(garbage));
	assert_survives(report);
	/* a truncated DSN and an unterminated boundary */
	assert_survives(test_classify(DSN_HEAD "Final-Recipient: rfc822; "
				      "a@example.org\nStatus: 5.1", NULL));
	assert_survives(test_classify(
		"Content-Type: multipart/report; boundary=x\n\n--x\n"
		"Content-Type: message/delivery-status; charset=x-unknown-cs\n"
		"\nFinal-Recipient: rfc822; \xc3\x28@example.org\n", NULL));
}

static void test_hostile_nested(void)
{
	string_t *msg = t_str_new(65536);
	unsigned int i;

	for (i = 0; i < 200; i++) {
		str_printfa(msg, "Content-Type: multipart/mixed; boundary=b%u"
			    "\n\n--b%u\n", i, i);
	}
	str_append(msg, "Content-Type: text/plain\n\nuser unknown\n");
	assert_survives(test_classify(str_c(msg), NULL));
}

static void test_hostile_huge(void)
{
	struct bounce_report *report;
	string_t *msg = t_str_new(2 * 1024 * 1024);
	unsigned int i;

	/* a 1 MB header line */
	str_append(msg, "Subject: ");
	for (i = 0; i < 1024 * 1024; i++)
		str_append_c(msg, 'x');
	str_append(msg, "\n\nbody\n");
	report = test_classify(str_c(msg), NULL);
	assert_survives(report);
	CU_ASSERT(report->truncated);

	/* 10,000 recipients in one DSN */
	str_truncate(msg, 0);
	str_append(msg, DSN_HEAD);
	for (i = 0; i < 10000; i++) {
		str_printfa(msg, "Final-Recipient: rfc822; u%u@example.org\n"
			    "Action: failed\nStatus: 5.1.1\n\n", i);
	}
	report = test_classify(str_c(msg), NULL);
	assert_survives(report);
	CU_ASSERT(report->truncated);

	/* 100,000 short fields */
	str_truncate(msg, 0);
	str_append(msg, DSN_HEAD);
	for (i = 0; i < 100000; i++)
		str_append(msg, "X: y\n");
	assert_survives(test_classify(str_c(msg), NULL));
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-classify", NULL, NULL);

	CU_add_test(suite, "DSN recipients and evidence", test_dsn_recipients);
	CU_add_test(suite, "quoted original is not evidence",
		    test_quoted_original_is_not_evidence);
	CU_add_test(suite, "ARF complaint", test_arf_complaint);
	CU_add_test(suite, "RFC 3834 auto-reply", test_autoreply);
	CU_add_test(suite, "ordinary message", test_ordinary_message);
	CU_add_test(suite, "X-Failed-Recipients and VERP",
		    test_failed_recipients_header_and_verp);
	CU_add_test(suite, "hostile: small", test_hostile_small);
	CU_add_test(suite, "hostile: 200 nested multiparts", test_hostile_nested);
	CU_add_test(suite, "hostile: huge", test_hostile_huge);
}

int main(void)
{
	return test_main(add_suites);
}
