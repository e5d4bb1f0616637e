/* Answers a person's mail system sent instead of a bounce
   (bounce-autoreply.c): RFC 3834 auto-replies, the pre-RFC headers, and
   the Subject rules (auto-reply, challenge-response, unsubscribe). The
   one who answered is the recipient. */

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

static void test_autoreply_rfc3834(void)
{
	struct bounce_report *report;
	const struct bounce_recipient *r;

	report = test_classify(
		"From: Jane Doe <Jane@Example.org>\nTo: news@example.net\n"
		"Auto-Submitted: auto-replied (vacation)\nSubject: Re: News\n\n"
		"I am away until Monday.\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "auto-reply");
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	TEST_ASSERT_RCPT(report, 0, "jane@example.org", "other", "auto-reply");
	r = test_rcpt(report, 0);
	CU_ASSERT_EQUAL(r->code, 60);
	CU_ASSERT_STRING_EQUAL(r->diagnostic, "Re: News");
	CU_ASSERT_STRING_EQUAL(r->rule, "rfc3834");
}

static void test_autoreply_other_headers(void)
{
	static const char *const headers[] = {
		"X-Autoreply: yes\n",
		"X-Autorespond: Re: News\n",
		"Precedence: auto_reply\n",
	};
	struct bounce_report *report;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(headers); i++) {
		report = test_classify(t_strconcat(
			"From: away@example.org\nSubject: Re: News\n",
			headers[i], "\nNot here.\n", NULL), NULL);
		TEST_ASSERT_RCPT(report, 0, "away@example.org", "other",
				 "auto-reply");
	}
}

static void test_autoreply_subjects(void)
{
	static const char *const localised[] = {
		"Automatische Antwort: News",
		"Automatisch antwoord: News",
		"Resposta autom\xc3\xa1tica: News",
		"\xd0\x90\xd0\xb2\xd1\x82\xd0\xbe\xd0\xbe\xd1\x82"
		"\xd0\xb2\xd0\xb5\xd1\x82: News",
	};
	struct bounce_report *report;
	unsigned int i;

	report = test_classify("From: <boss@example.org>\n"
		"Subject: Out of Office: back on Monday\n\nAway.\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "boss@example.org", "other", "auto-reply");
	/* the rule that matched, so an operator can see why */
	CU_ASSERT_PTR_NOT_NULL(strstr(test_rcpt(report, 0)->rule,
				      "auto-reply.rules:"));

	/* Outlook's prefixes in other languages (UTF-8 subjects) */
	for (i = 0; i < N_ELEMENTS(localised); i++) {
		report = test_classify(t_strconcat(
			"From: away@example.org\nSubject: ", localised[i],
			"\n\nAway.\n", NULL), NULL);
		TEST_ASSERT_RCPT(report, 0, "away@example.org", "other",
				 "auto-reply");
	}

	report = test_classify("From: filter@example.org\n"
		"Subject: Please confirm your email address\n\nClick.\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "filter@example.org", "other",
			 "challenge-response");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 100);

	report = test_classify("From: Reader <reader@example.org>\n"
		"Subject: unsubscribe\n\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "reader@example.org", "hard",
			 "unsubscribe");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 90);
}

static void test_autoreply_not(void)
{
	struct bounce_report *report;

	/* automatic, but not an answer: a notification is no auto-reply */
	report = test_classify("From: cron@example.org\n"
		"Auto-Submitted: auto-generated\nSubject: backup done\n\n"
		"ok\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 0);
	CU_ASSERT_STRING_EQUAL(report->format, "none");

	/* an auto-reply without a usable sender: no address */
	report = test_classify("From: undisclosed-recipients:;\n"
		"Auto-Submitted: auto-replied\nSubject: away\n\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "", "other", "auto-reply");

	/* ordinary mail, whatever its words */
	CU_ASSERT_EQUAL(array_count(&test_classify_sample(
		"is-not-bounce-01.eml")->recipients), 0);
	CU_ASSERT_EQUAL(array_count(&test_classify_sample(
		"is-not-bounce-02.eml")->recipients), 0);
}

/* A challenge-response request is one by its text, whatever its Subject
   and headers; a newsletter asking to be on the reader's list is not. */
static void test_autoreply_challenge(void)
{
	struct bounce_report *report;

	report = test_classify(
		"From: Jane Doe <jane@example.org>\nTo: news@example.net\n"
		"Auto-Submitted: auto-replied\nSubject: Re: News\n\n"
		"I apologize for this automatic reply to your email.\n"
		"To control spam, I now allow incoming messages only from "
		"senders I have approved beforehand.\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "jane@example.org", "other",
			 "challenge-response");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->code, 100);

	report = test_classify(
		"From: verify@example.com\nTo: news@example.net\n"
		"Subject: Re: News\n\n"
		"Your message has been held. To release your message for "
		"delivery, please click the link below to confirm that you "
		"are a real sender.\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "verify@example.com", "other",
			 "challenge-response");

	report = test_classify(
		"From: news@example.com\nTo: reader@example.net\n"
		"List-Unsubscribe: <mailto:leave@example.com>\n"
		"Subject: This week's news\n\n"
		"To make sure our mail reaches you, add news@example.com to "
		"your safe senders list.\n", NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 0);
}

static void test_autoreply_samples(void)
{
	CU_ASSERT(test_sample_is("rfc3834-01.eml", "auto-reply", 0,
				 "kijitora@example.net", "other",
				 "auto-reply"));
	CU_ASSERT(test_sample_is("rfc3834-02.eml", "auto-reply", 0,
				 "nekonyaan@example.org", "other",
				 "auto-reply"));
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-autoreply", NULL, NULL);

	CU_add_test(suite, "RFC 3834", test_autoreply_rfc3834);
	CU_add_test(suite, "pre-RFC headers", test_autoreply_other_headers);
	CU_add_test(suite, "Subject rules", test_autoreply_subjects);
	CU_add_test(suite, "not an auto-reply", test_autoreply_not);
	CU_add_test(suite, "challenge-response by text",
		    test_autoreply_challenge);
	CU_add_test(suite, "samples", test_autoreply_samples);
}

int main(void)
{
	return test_main(add_suites);
}
