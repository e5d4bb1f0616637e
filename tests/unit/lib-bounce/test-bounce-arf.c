/* RFC 5965 abuse reports (bounce-arf.c): the complainant, from the
   report's fields or the returned message, is a complaint. */

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

#define ARF_HEAD \
	"From: feedback@isp.example\nSubject: Abuse report\n" \
	"MIME-Version: 1.0\nContent-Type: multipart/report; " \
	"report-type=feedback-report; boundary=\"f\"\n\n" \
	"--f\nContent-Type: text/plain\n\nA complaint.\n" \
	"--f\nContent-Type: message/feedback-report\n\n" \
	"Feedback-Type: Abuse\nUser-Agent: x/1.0\nVersion: 1\n" \
	"Reporting-MTA: dns; fbl.isp.example\n" \
	"Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\n"
#define ARF_ORIGINAL \
	"\n--f\nContent-Type: message/rfc822\n\n" \
	"From: news@example.net\nTo: Reader <reader@isp.example>\n" \
	"Message-ID: <n1@example.net>\n\nhello, user unknown\n--f--\n"

static void test_arf_original_rcpt_to(void)
{
	struct bounce_report *report;
	const struct bounce_recipient *r;

	report = test_classify(ARF_HEAD
		"Original-Rcpt-To: <Reader@ISP.example>\n" ARF_ORIGINAL, NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "arf");
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	TEST_ASSERT_RCPT(report, 0, "reader@isp.example", "complaint",
			 "complaint");
	r = test_rcpt(report, 0);
	CU_ASSERT_EQUAL(r->code, 200);
	CU_ASSERT_STRING_EQUAL(r->diagnostic, "feedback-type: abuse");
	CU_ASSERT_STRING_EQUAL(report->reporting_mta, "fbl.isp.example");
	CU_ASSERT_STRING_EQUAL(report->arrival_date,
			       "Thu, 8 Mar 2005 14:00:00 EDT");
	CU_ASSERT(null_strcmp(report->orig_message_id,
			      "<n1@example.net>") == 0);
	/* a complaint outranks every bounce */
	CU_ASSERT_PTR_EQUAL(bounce_report_primary(report), r);
}

static void test_arf_complainant_from_original(void)
{
	struct bounce_report *report;

	/* no Original-Rcpt-To: the To of the returned message */
	report = test_classify(ARF_HEAD ARF_ORIGINAL, NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "arf");
	TEST_ASSERT_RCPT(report, 0, "reader@isp.example", "complaint",
			 "complaint");

	/* several Removal-Recipient fields */
	report = test_classify(ARF_HEAD
		"Removal-Recipient: one@isp.example\n"
		"Removal-Recipient: two@isp.example\n" ARF_ORIGINAL, NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 2);
	TEST_ASSERT_RCPT(report, 1, "two@isp.example", "complaint",
			 "complaint");
}

static void test_arf_without_address(void)
{
	struct bounce_report *report;

	/* redacted or missing everywhere: still a complaint, no address */
	report = test_classify(ARF_HEAD
		"\n--f\nContent-Type: text/rfc822-headers\n\n"
		"From: news@example.net\nTo: undisclosed-recipients:;\n"
		"--f--\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "arf");
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	TEST_ASSERT_RCPT(report, 0, "", "complaint", "complaint");
}

static void test_arf_samples(void)
{
	CU_ASSERT(test_sample_is("arf-01.eml", "arf", 0,
				 "redacted@example.net",
				 "complaint", "complaint"));
	CU_ASSERT(test_sample_is("arf-02.eml", "arf", 0,
		"this-local-part-does-not-exist-on-yahoo@yahoo.com",
		"complaint", "complaint"));
}

/* Microsoft's JMRP: the reported message itself (or attached), the
   complainant in X-HmXmrOriginalRecipient. */
static void test_arf_jmrp(void)
{
	struct bounce_report *report;

	report = test_classify(
		"Return-Path: staff@hotmail.com\n"
		"X-HmXmrOriginalRecipient: Jane@Hotmail.example\n"
		"From: news@example.org\nTo: jane@hotmail.example\n"
		"Subject: News\n\nThe news.\n", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "jmrp");
	TEST_ASSERT_RCPT(report, 0, "jane@hotmail.example", "complaint",
			 "complaint");

	report = test_classify(
		"From: staff@hotmail.com\n"
		"Subject: complaint about message from 192.0.2.1\n"
		"To: fbl@example.org\nMIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=\"j\"\n\n--j\n"
		"Content-Type: message/rfc822\n\n"
		"X-HmXmrOriginalRecipient: <joe@hotmail.example>\n"
		"From: news@example.org\nTo: joe@hotmail.example\n"
		"Subject: News\n\nThe news.\n--j--\n", NULL);
	TEST_ASSERT_RCPT(report, 0, "joe@hotmail.example", "complaint",
			 "complaint");
	CU_ASSERT_EQUAL(array_count(&report->recipients), 1);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-arf", NULL, NULL);

	CU_add_test(suite, "Original-Rcpt-To", test_arf_original_rcpt_to);
	CU_add_test(suite, "complainant from the original",
		    test_arf_complainant_from_original);
	CU_add_test(suite, "no address", test_arf_without_address);
	CU_add_test(suite, "samples", test_arf_samples);
	CU_add_test(suite, "Microsoft JMRP", test_arf_jmrp);
}

int main(void)
{
	return test_main(add_suites);
}
