/* Plain-text bounce formats described in the rules (bounce-format.c):
   match, start, end, recipient (with rcpt and diag groups) and skip, with
   a small rules file written here; then the shipped formats on real
   samples (qmail, Exim, KDDI, DragonFly, Sendmail 5, Amazon SES JSON, fml,
   James, Verizon's MMSC, the "Full details follow" notifier, IMail, Exim's
   malformed addresses, Postfix's SMTP server errors, InterScan's notice). */

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

static struct bounce_classifier *fmt_cls;

#define FORMAT_RULES \
	"phrase bad-mailbox no such (?:user|mailbox)\n" \
	"phrase quota-issues mailbox (?:is )?full\n" \
	"status 5.1.1 bad-mailbox\n" \
	"format acme\n" \
	"  match From ^acme-daemon@\n" \
	"  match body ^ACME mailer report$\n" \
	"  start ^Failed:$\n" \
	"  end ^-- original --$\n" \
	"  recipient ^\\* <(?<rcpt>[^>]+)> (?<diag>.*)$\n" \
	"  skip ^\\s*\\(retry log\\)\n" \
	"# no header match: the body's marker is enough\n" \
	"format beta\n" \
	"  match body ^BETA failure\n" \
	"  recipient ^to (?<rcpt>\\S+@\\S+)$\n"

#define ACME_HEAD "From: acme-daemon@mx.example\nSubject: failure\n\n" \
	"ACME mailer report\n"

static int format_suite_init(void)
{
	struct bounce_settings set = { .rules_path = "format.rules" };

	test_write_file("format.rules", FORMAT_RULES);
	fmt_cls = test_classifier_init(&set);
	return fmt_cls == NULL ? -1 : 0;
}

static int format_suite_clean(void)
{
	bounce_classifier_deinit(&fmt_cls);
	return 0;
}

static struct bounce_report *fmt_classify(const char *msg)
{
	return test_classify_with(fmt_cls, test_pool, msg, strlen(msg), NULL);
}

static void test_format_scan(void)
{
	struct bounce_report *report;

	report = fmt_classify(ACME_HEAD
		"* <before@example.org> not yet started\n"
		"Failed:\n"
		"* <One@Example.org> no such user\n"
		"  (retry log) mailbox full\n"
		"  as the server said\n"
		"* <two@example.org> 552 sorry,\n"
		"  the mailbox is full\n"
		"-- original --\n"
		"* <quoted@example.org> no such user\n");
	CU_ASSERT_STRING_EQUAL(report->format, "acme");
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 2);
	TEST_ASSERT_RCPT(report, 0, "one@example.org", "hard", "bad-mailbox");
	/* skipped lines are not part of the diagnostic */
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->diagnostic,
			       "no such user as the server said");
	TEST_ASSERT_RCPT(report, 1, "two@example.org", "soft", "quota-issues");
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 1)->diagnostic,
			       "552 sorry, the mailbox is full");
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 1)->reply, "552");
}

static void test_format_match(void)
{
	struct bounce_report *report;

	/* every match must hold: not from the daemon, not acme */
	report = fmt_classify("From: someone@example.org\n\n"
		"ACME mailer report\nFailed:\n"
		"* <x@example.org> no such user\n");
	CU_ASSERT_STRING_EQUAL(report->format, "none");
	CU_ASSERT_EQUAL(array_count(&report->recipients), 0);

	/* matches, but no recipient line: the next format is tried */
	report = fmt_classify(ACME_HEAD "BETA failure\nFailed:\n"
			      "nobody here\nto b@example.org\n");
	CU_ASSERT_STRING_EQUAL(report->format, "beta");
	TEST_ASSERT_RCPT(report, 0, "b@example.org", "other", "other");

	/* a recipient line whose address is not one */
	report = fmt_classify("Subject: x\n\nBETA failure\nto nobody@\n");
	CU_ASSERT_EQUAL(array_count(&report->recipients), 0);
}

static void test_format_quoted_original(void)
{
	struct bounce_report *report;

	/* the shipped "original" rules cut the quoted message off: the words
	   after it are no evidence */
	report = test_classify("From: MAILER-DAEMON@mx.example\n"
		"Subject: failure notice\n\n"
		"Hi. This is the qmail-send program at mx.example.\n"
		"I'm afraid I wasn't able to deliver your message to the "
		"following addresses.\n\n"
		"<gone@example.org>:\nSorry, I couldn't deliver it.\n\n"
		"--- Below this line is a copy of the message.\n\n"
		"From: sender@example.net\nTo: gone@example.org\n"
		"Message-ID: <q1@example.net>\n\n"
		"Your mailbox is full; no such user\n", NULL);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "gone@example.org");
	CU_ASSERT_STRING_NOT_EQUAL(test_rcpt(report, 0)->category,
				   "quota-issues");
	CU_ASSERT_STRING_NOT_EQUAL(test_rcpt(report, 0)->category,
				   "bad-mailbox");
	CU_ASSERT(null_strcmp(report->orig_message_id,
			      "<q1@example.net>") == 0);
}

static void test_format_samples(void)
{
	CU_ASSERT(test_sample_is("lhost-qmail-01.eml", "qmail", 0,
				 "kijitora@example.ne.jp", "hard",
				 "bad-mailbox"));
	CU_ASSERT(test_sample_is("lhost-qmail-02.eml", "qmail", 1,
				 "filtered@example.jp", "hard",
				 "bad-mailbox"));
	CU_ASSERT(test_sample_is("lhost-exim-02.eml", "generic", 1,
				 "sabatora@example.jp", "hard",
				 "bad-mailbox"));
	CU_ASSERT(test_sample_is("lhost-exim-03.eml", "generic", 0,
				 "kijitora@example.or.jp", "other",
				 "policy-related"));
	CU_ASSERT(test_sample_is("lhost-kddi-01.eml", "kddi", 0,
				 "kijitora@x0000000000000.dion.ne.jp", "soft",
				 "quota-issues"));
	CU_ASSERT(test_sample_is("lhost-dragonfly-01.eml", "dragonfly", 0,
				 "pseudo-local-part@google.example.com",
				 "other", "policy-related"));
	CU_ASSERT(test_sample_is("lhost-v5sendmail-02.eml", "sendmail-v5", 0,
				 "kijitora@neko.example.org", "hard",
				 "bad-domain"));
	CU_ASSERT(test_sample_is("lhost-trendmicro-01.eml", "trendmicro", 0,
				 "kijitora@example.co.jp", "hard",
				 "bad-mailbox"));
	CU_ASSERT(test_sample_is("lhost-amazonses-09.eml", "amazonses", 0,
				 "bounce@simulator.amazonses.com", "hard",
				 "bad-mailbox"));
	CU_ASSERT(test_sample_is("lhost-trendmicro-02.eml",
				 "trendmicro-notice", 0,
				 "kijitora@neko.example.jp", "hard",
				 "bad-mailbox"));
	CU_ASSERT(test_sample_is("lhost-imailserver-04.eml", "imail", 0,
				 "kijitora@example.com", "other",
				 "message-expired"));
	CU_ASSERT(test_sample_is("lhost-exim-52.eml", "exim-malformed", 0,
				 "neko@example.net", "other", "other"));
	CU_ASSERT(test_sample_is("lhost-postfix-75.eml", "postfix-smtpd", 0,
				 "kijitora@libsisimai.net", "soft",
				 "routing-issues"));
	CU_ASSERT(test_sample_is("lhost-x6-02.eml", "error-details", 0,
				 "kijitora@libsisimai.org", "hard",
				 "bad-mailbox"));
	CU_ASSERT(test_sample_is("lhost-fml-02.eml", "fml", 0,
				 "neko-nyaan@example.org", "other",
				 "policy-related"));
	CU_ASSERT(test_sample_is("lhost-verizon-01.eml", "verizon-mmsc", 0,
				 "0000000000@vzwpix.com", "hard",
				 "bad-mailbox"));
}

/* The returned original's addressee stands in only for a mail system's
   notice that names nobody: a reply quoting a message under "Original
   Message", from a sender whose name merely says "Mailer", is mail. */
static void test_format_original_addressee(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: Newsletter Mailer <news@example.net>\n"
		"Subject: Re: your question\n\n"
		"Thanks, we will look into it.\n\n"
		"-----Original Message-----\n"
		"From: reader@example.org\n"
		"To: news@example.net\n"
		"Subject: your question\n\n"
		"Why did my mail fail?\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 0);

	report = test_classify(
		"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example>\n"
		"Subject: Returned mail: Cannot send message for 4 days\n\n"
		"   ----- Transcript of session follows -----\n"
		"421 example.com (smtp)... Deferred: Connection timed out\n\n"
		"   ----- Unsent message follows -----\n"
		"From: sender@example.org\n"
		"To: lost@example.com\n"
		"Subject: hello\n\n"
		"hello\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "original-recipient");
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "lost@example.com");
}

/* James's text is in a multipart/alternative whose boundary parameter is
   on a line of its own (so no boundary): its body is read as text. */
static void test_format_boundless_multipart(void)
{
	struct bounce_report *report =
		test_classify_sample("lhost-apachejames-01.eml");

	CU_ASSERT_STRING_EQUAL(report->format, "james");
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->address,
			       "000000000000@vtext.example.com");
}

/* Notices read by their text or by their null sender and Subject,
   whatever their author is called: qmail-send's, a null sender's
   "Undeliverable:" notice, a transcript's "RCPT To:<...>" line. */
static void test_format_any_author(void)
{
	struct bounce_report *report;

	report = test_classify(
		"Return-Path: <>\nFrom: bounce@mail.example\n"
		"To: sender@example.org\nSubject: failure notice\n\n"
		"Hi. This is the qmail-send program at mail.example.\n"
		"I'm afraid I wasn't able to deliver your message to the "
		"following addresses.\nThis is a permanent error; I've given "
		"up. Sorry it didn't work out.\n\n"
		"<jane@mail.example>:\n"
		"- Sorry, no mailbox here by that name. (#5.1.1)\n\n"
		"--- Enclosed is a copy of the message.\n\n"
		"To: jane@mail.example\nFrom: sender@example.org\n\nHi\n",
		NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "qmail");
	CU_ASSERT_EQUAL(array_count(&report->recipients), 1);
	TEST_ASSERT_RCPT(report, 0, "jane@mail.example", "hard",
			 "bad-mailbox");

	report = test_classify(
		"Return-Path: <>\n"
		"From: System Administrator <admin@corp.example>\n"
		"To: sender@example.org\nSubject: Undeliverable: News\n\n"
		"Your message did not reach some or all of the intended "
		"recipients.\n\n"
		"      joe@corp.example on 5/3/2005 10:00 AM\n"
		"            The e-mail account does not exist at the "
		"organization this message was sent to.\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "null-sender");
	TEST_ASSERT_RCPT(report, 0, "joe@corp.example", "hard",
			 "bad-mailbox");

	report = test_classify(
		"From: MDaemon@mx.example\nTo: sender@example.org\n"
		"Subject: Permanent Delivery Failure\n\n"
		"The attached message had PERMANENT fatal delivery errors!\n\n"
		"--- Session Transcript ---\n"
		" Attempting SMTP connection to [192.0.2.1:25]\n"
		" RCPT To:<ann@example.com>\n"
		" 550 5.2.2 <ann@example.com>: mailbox full\n"
		"--- End Transcript ---\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "ann@example.com", "soft",
			 "quota-issues");

	/* an empty From is a mailer daemon's, an empty address after a
	   name is not */
	report = test_classify(
		"From: <>\nTo: sender@example.org\nSubject: hello\n\n"
		"Unknown user: ann@example.com\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "generic");
	report = test_classify(
		"From: Bob <>\nTo: sender@example.org\nSubject: hello\n\n"
		"Unknown user: ann@example.com\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "none");

	/* a person's Subject alone is no notice */
	report = test_classify(
		"Return-Path: <reader@example.org>\n"
		"From: reader@example.org\nTo: news@example.net\n"
		"Subject: Re: Undeliverable: News\n\n"
		"Why did this fail?\n\n  joe@corp.example\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 0);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-format", format_suite_init,
				       format_suite_clean);

	CU_add_test(suite, "start, end, recipient, skip", test_format_scan);
	CU_add_test(suite, "match", test_format_match);
	CU_add_test(suite, "quoted original", test_format_quoted_original);
	CU_add_test(suite, "shipped formats on samples", test_format_samples);
	CU_add_test(suite, "notices of any author", test_format_any_author);
	CU_add_test(suite, "the returned original's addressee",
		    test_format_original_addressee);
	CU_add_test(suite, "multipart without its boundary",
		    test_format_boundless_multipart);
}

int main(void)
{
	return test_main(add_suites);
}
