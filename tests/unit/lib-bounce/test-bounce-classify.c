/* The whole classification (bounce-classify.c): which recogniser speaks,
   X-Failed-Recipients, VERP envelope recipients, the returned original's
   identifiers, the primary recipient, and where the evidence is taken
   from. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-taxonomy.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-recognise.h"
#include "bounce-decide.h"
#include "bounce-private.h"
#include "../test-common.h"

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

static void test_failed_recipients_header(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: Exim <exim@mx.example>\n"
		"X-Failed-Recipients: gone@example.org\n"
		/* (a Subject saying delivery failed would let the text name
		   the address: format failure-subject) */
		"Subject: Your message to gone@example.org\n\n"
		"This message was created automatically by mail delivery "
		"software.\n\nA message that you sent could not be "
		"delivered.\n\n  gone@example.org\n"
		"    SMTP error from remote mail server after RCPT TO:"
		"<gone@example.org>:\n    550 5.1.1 No such user here\n",
		NULL);
	CU_ASSERT_FATAL(test_rcpt(report, 0) != NULL);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "gone@example.org");
	TEST_ASSERT_RCPT(report, 0, "gone@example.org", "hard", "bad-mailbox");
	CU_ASSERT_STRING_EQUAL(report->format, "x-failed-recipients");
}

static void test_verp(void)
{
	struct bounce_report *report;

	/* a DSN naming no recipient: the VERP envelope names it */
	report = test_classify(TEST_DSN_HEAD "Action: failed\nStatus: 5.1.1\n"
		"Final-Recipient: rfc822; <>\n\n--b1--\n",
		"bounces+jane=example.org@lists.example");
	CU_ASSERT_FATAL(test_rcpt(report, 0) != NULL);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "jane@example.org");
	report = test_classify(TEST_DSN_HEAD "Action: failed\nStatus: 5.1.1\n"
		"Final-Recipient: rfc822; <>\n\n--b1--\n", NULL);
	CU_ASSERT_FATAL(test_rcpt(report, 0) != NULL);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address, "");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 30);

	/* an address the message names wins over the envelope's */
	report = test_classify(TEST_DSN_HEAD "Action: failed\nStatus: 5.1.1\n"
		"Final-Recipient: rfc822; named@example.org\n\n--b1--\n",
		"bounces+jane=example.org@lists.example");
	TEST_ASSERT_RCPT(report, 0, "named@example.org", "hard",
			 "bad-mailbox");
	CU_ASSERT_EQUAL(array_count(&report->recipients), 1);

	/* an envelope recipient that is no VERP address names nobody */
	report = test_classify(TEST_DSN_HEAD "Action: failed\nStatus: 5.2.2\n"
		"Final-Recipient: rfc822; <>\n\n--b1--\n",
		"bounces@lists.example");
	/* nobody to act on: code 30, type other, whatever the cause */
	TEST_ASSERT_RCPT(report, 0, "", "other", "quota-issues");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 30);
}

static void test_original_identifiers(void)
{
	struct bounce_report *report;

	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; user@example.org\n"
		"Action: failed\nStatus: 5.1.1\n\n"
		"--b1\nContent-Type: text/rfc822-headers\n\n"
		"From: sender@example.net\nTo: user@example.org\n"
		"Message-ID:   <orig-1@example.net>  \n"
		"List-Id: News <news.example.net>\n"
		"X-Campaign-Id: spring-42\nSubject: News\n\n--b1--\n", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(report->orig_message_id);
	CU_ASSERT_STRING_EQUAL(report->orig_message_id, "<orig-1@example.net>");
	CU_ASSERT_PTR_NOT_NULL_FATAL(report->orig_list_id);
	CU_ASSERT_STRING_EQUAL(report->orig_list_id,
			       "News <news.example.net>");
	/* the rules' keep-header decides which others are reported */
	CU_ASSERT(null_strcmp(bounce_headers_find(&report->orig_headers,
		"X-Campaign-Id"), "spring-42") == 0);
	CU_ASSERT_PTR_NULL(bounce_headers_find(&report->orig_headers,
					       "Subject"));
}

static void test_primary(void)
{
	struct bounce_report *report;

	report = test_classify(TEST_DSN_HEAD
		"Final-Recipient: rfc822; ok@example.org\n"
		"Action: delivered\nStatus: 2.0.0\n\n"
		"Final-Recipient: rfc822; full@example.org\n"
		"Action: failed\nStatus: 4.2.2\n\n"
		"Final-Recipient: rfc822; gone@example.org\n"
		"Action: failed\nStatus: 5.1.1\n\n"
		"Final-Recipient: rfc822; also-gone@example.org\n"
		"Action: failed\nStatus: 5.1.1\n\n--b1--\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 4);
	/* the first of the most severe */
	CU_ASSERT_STRING_EQUAL(bounce_report_primary(report)->address,
			       "gone@example.org");
}

static void test_type_names(void)
{
	const char *const *names = bounce_category_names();
	enum bounce_type type;
	unsigned int i;

	for (type = 0; type < BOUNCE_TYPE_COUNT; type++) {
		enum bounce_type type2;

		CU_ASSERT(bounce_type_from_str(bounce_type_to_str(type),
					       &type2) && type2 == type);
	}
	CU_ASSERT_FALSE(bounce_type_from_str("fatal", &type));
	/* every category of the contract, and nothing else */
	for (i = 0; names[i] != NULL; i++)
		CU_ASSERT(bounce_category_find(names[i]) >= 0);
	CU_ASSERT_EQUAL(i, 21);
	CU_ASSERT_EQUAL(bounce_category_find("no-such-category"), -1);
}

/* A plain-text notice that only warns of a delay (Exim's wording) is no
   failure yet, whatever cause it quotes. */
static void test_delay_warning(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
		"To: sender@example.org\n"
		"Subject: Warning: message 1uAbCd-000123-Ef delayed 24 hours\n"
		"\n"
		"This message was created automatically by mail delivery "
		"software.\nA message that you sent has not yet been "
		"delivered to one or more of its\nrecipients after more "
		"than 24 hours on the queue on mx.example.net.\n\n"
		"The address to which the message has not yet been "
		"delivered is:\n\n  jane@example.com\n"
		"    Delay reason: SMTP error from remote mail server after "
		"RCPT TO:<jane@example.com>:\n"
		"    452 4.2.2 Mailbox full\n\n"
		"No action is required on your part. Delivery attempts will "
		"continue for\nsome time.\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "jane@example.com", "other",
			 "quota-issues");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 70);
}

/* Addresses a notice names that are never its failed recipient: the
   mailer daemon's, the list's, the sender's; and a notice that names the
   recipient only in the returned original's header, or nobody. */
static void test_notice_addresses(void)
{
	struct bounce_report *report;

	/* relayed through a list: To is the list, the text names it too */
	report = test_classify(
		"Return-Path: <>\n"
		"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n"
		"To: list@lists.example.org\n"
		"List-Id: <list.lists.example.org>\n"
		"Subject: Undelivered Mail Returned to Sender\n\n"
		"Your message to list@lists.example.org could not be "
		"delivered to one or more recipients.\n\n"
		"MAILER-DAEMON@mx.example.com\n\n"
		"<member@example.com>: host mx.example.com said: 550 5.1.1 "
		"User unknown (in reply to RCPT TO command)\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 1);
	TEST_ASSERT_RCPT(report, 0, "member@example.com", "hard",
			 "bad-mailbox");

	/* Exim: the recipient only in the original's Received field */
	report = test_classify(
		"From: Mail Delivery System <Mailer-Daemon@test.example>\n"
		"To: sender@example.org\n"
		"Auto-Submitted: auto-replied\n"
		"Subject: Mail failure - rejected by local scanning code\n\n"
		"A message that you sent was rejected by the local scanning "
		"code that\nchecks incoming messages on this system.\n\n"
		"------ This is a copy of your message, including all the "
		"headers. ------\n\n"
		"Received: from sender by mx.test.example with local\n"
		"\tid 10HmaZ-000000005vi-0000\n\tfor userx@test.example;\n"
		"\tTue, 2 Mar 1999 09:44:33 +0000\n"
		"From: sender@example.org\n\nTest.\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 1);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "userx@test.example");

	/* and naming nobody: a bounce of code 30, not an auto-reply */
	report = test_classify(
		"From: Mail Delivery System <Mailer-Daemon@test.example>\n"
		"To: sender@example.org\n"
		"Auto-Submitted: auto-replied\n"
		"Subject: Mail failure - no recipient addresses\n\n"
		"A message that you sent contained no recipient addresses, "
		"and therefore no\ndelivery could be attempted.\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 1);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address, "");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->type, BOUNCE_TYPE_OTHER);
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 30);
}

/* A bounce a mailing list relayed to its owner, attached whole: the
   attached notice is classified, not the list's notification. */
static void test_forwarded_bounce(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: news-bounces@lists.example.org\n"
		"To: news-owner@lists.example.org\n"
		"Subject: Uncaught bounce notification\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=\"m\"\n\n--m\n"
		"Content-Type: text/plain\n\n"
		"The attached message was received as a bounce, but either "
		"the bounce format was not recognized, or no member addresses "
		"could be extracted from it.\n--m\n"
		"Content-Type: message/rfc822\n\n"
		"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n"
		"To: news-bounces@lists.example.org\n"
		"Subject: Returned mail: User unknown\n\n"
		"The following addresses had permanent fatal errors:\n"
		"<member@example.com>\n"
		"    (reason: 550 5.1.1 User unknown)\n"
		"--m--\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 1);
	TEST_ASSERT_RCPT(report, 0, "member@example.com", "hard",
			 "bad-mailbox");
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-classify", NULL, NULL);

	CU_add_test(suite, "ordinary message", test_ordinary_message);
	CU_add_test(suite, "X-Failed-Recipients",
		    test_failed_recipients_header);
	CU_add_test(suite, "VERP envelope recipient", test_verp);
	CU_add_test(suite, "original identifiers", test_original_identifiers);
	CU_add_test(suite, "primary recipient", test_primary);
	CU_add_test(suite, "types and categories", test_type_names);
	CU_add_test(suite, "delay warnings", test_delay_warning);
	CU_add_test(suite, "addresses a notice names", test_notice_addresses);
	CU_add_test(suite, "a bounce forwarded whole", test_forwarded_bounce);
}

int main(void)
{
	return test_main(add_suites);
}
