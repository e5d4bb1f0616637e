/* Hostile and broken input: whatever arrives, the classifier returns a
   report, keeps its memory bounded, calls nothing without evidence a
   hard, soft or complaint result, and says when a scan limit cut the
   reading short. The inputs are made here, not kept as files. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "unichar.h"
#include "bounce-taxonomy.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-recognise.h"
#include "bounce-decide.h"
#include "bounce-private.h"
#include "../test-common.h"

/* What one classification may allocate, whatever the input: the kept
   text (BOUNCE_DEFAULT_MAX_TOTAL_TEXT) and what is parsed from it, with
   room to spare; far below the inputs' own size. */
#define HOSTILE_MAX_POOL (8 * 1024 * 1024)

static bool str_is_utf8(const char *str)
{
	return str == NULL || uni_utf8_str_is_valid(str);
}

/* Classify data in a pool of its own and check the result. */
static void hostile_check(const void *data, size_t size, bool want_truncated)
{
	pool_t pool = pool_alloconly_create("hostile", 64 * 1024);
	const struct bounce_recipient *r;
	struct bounce_report *report;

	report = test_classify_with(test_cls, pool, data, size, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(report);
	CU_ASSERT_PTR_NOT_NULL(report->format);
	CU_ASSERT(pool_alloconly_get_total_used_size(pool) < HOSTILE_MAX_POOL);
	CU_ASSERT(report->truncated == want_truncated);
	if (report->truncated != want_truncated) {
		printf("\n    truncated=%d, expected %d\n",
		       report->truncated, want_truncated);
	}
	array_foreach(&report->recipients, r) {
		CU_ASSERT_PTR_NOT_NULL(r->address);
		CU_ASSERT_PTR_NOT_NULL(r->category);
		CU_ASSERT(r->type == BOUNCE_TYPE_NONE ||
			  r->type == BOUNCE_TYPE_OTHER);
		CU_ASSERT(str_is_utf8(r->address) && str_is_utf8(r->category) &&
			  str_is_utf8(r->diagnostic) &&
			  str_is_utf8(r->status) && str_is_utf8(r->action) &&
			  str_is_utf8(r->remote_mta));
	}
	CU_ASSERT(str_is_utf8(report->reporting_mta) &&
		  str_is_utf8(report->orig_message_id));
	pool_unref(&pool);
}

static void hostile_check_str(const char *msg, bool want_truncated)
{
	hostile_check(msg, strlen(msg), want_truncated);
}

static void test_hostile_empty(void)
{
	struct bounce_report *report;

	report = test_classify("", NULL);
	CU_ASSERT_STRING_EQUAL(report->format, "none");
	CU_ASSERT_EQUAL(array_count(&report->recipients), 0);
	hostile_check_str("", FALSE);
	hostile_check_str("\n", FALSE);
	hostile_check_str("\r\n\r\n\r\n", FALSE);
}

static void test_hostile_only_headers(void)
{
	hostile_check_str("Subject: only headers", FALSE);
	hostile_check_str("From: MAILER-DAEMON@mx.example\n"
		"Subject: Undelivered Mail Returned to Sender\n"
		"Content-Type: multipart/report; "
		"report-type=delivery-status; boundary=x\n", FALSE);
	hostile_check_str("From: MAILER-DAEMON@mx.example\n"
		"X-Failed-Recipients: \n"
		"Content-Type: multipart/report; boundary=\n\n", FALSE);
}

static void test_hostile_binary(void)
{
	static const unsigned char head[] =
		"\0\0From: \0MAILER-DAEMON\xff\xfe\n\n\0Final-Recipient: ;\n";
	unsigned char *data;
	uint32_t seed = 12345;
	size_t i, size = 256 * 1024;

	hostile_check(head, sizeof(head), FALSE);

	/* random bytes, one in eight a NUL, behind a bounce's headers */
	data = i_malloc(size);
	i = strlen(TEST_DSN_HEAD);
	memcpy(data, TEST_DSN_HEAD, i);
	for (; i < size; i++) {
		seed = seed * 1103515245 + 12345;
		data[i] = (seed >> 16) % 8 == 0 ? '\0' : (seed >> 8) & 0xff;
	}
	hostile_check(data, size, TRUE);
	/* and without them */
	hostile_check(data + 300, size - 300, TRUE);
	i_free(data);
}

static void test_hostile_charsets(void)
{
	hostile_check_str(
		"From: =?x-unknown-cs?B?bWFpbGVyLWRhZW1vbg==?= "
		"<MAILER-DAEMON@mx.example>\n"
		"Subject: =?utf-8?B?/w==?= \xc3\x28 failure\n"
		"Content-Type: multipart/report; report-type=delivery-status;"
		" boundary=x\n\n"
		"--x\nContent-Type: text/plain; charset=x-unknown-cs\n"
		"Content-Transfer-Encoding: quoted-printable\n\n"
		"=FF=FE broken \xe2\x82 text =C3=28 and =\n"
		"--x\nContent-Type: message/delivery-status; charset=bogus\n"
		"Content-Transfer-Encoding: base64\n\n"
		"UmVwb3J0aW5nLU1UQTogZG5zOyD/\n!!not base64!!\n\n"
		"--x\nContent-Type: text/plain; charset=\"iso-2022-jp\"\n\n"
		"\x1b$B$3$s$K\x1b(\xff\n"
		"--x\nContent-Type: message/delivery-status; charset=utf-8\n\n"
		"Reporting-MTA: dns; \xff\xfe.example\n\n"
		"Final-Recipient: rfc822; \xc3\x28@example.org\n"
		"Action: f\xc3\x28iled\n"
		"Remote-MTA: dns; \xed\xa0\x80.example\n"
		"Diagnostic-Code: smtp; \xf8\x88\x80\x80\x80 \xc0\xaf\n\n"
		"Final-Recipient: rfc822; user@\xe9xample.org\n"
		"Action: failed\n\n--x--\n", FALSE);
}

static void test_hostile_truncated_dsn(void)
{
	hostile_check_str(TEST_DSN_HEAD "Final-Recipient: rfc822; "
			  "a@example.org\nAction: failed\nStatus: 5.1", FALSE);
	hostile_check_str(TEST_DSN_HEAD "Final-Recipient: rfc822; "
			  "a@exam", FALSE);
	hostile_check_str(TEST_DSN_HEAD "Final-Recipient:", FALSE);
	hostile_check_str(TEST_DSN_HEAD "Final-Recipient: rfc822;\n"
			  "Action: failed\nStatus: 5.", FALSE);
	/* cut inside the headers of the notification itself */
	hostile_check_str("From: MAILER-DAEMON@mx.example\nContent-Type: "
			  "multipart/report; report-type=deliv", FALSE);
}

static void test_hostile_nested(void)
{
	string_t *msg = t_str_new(65536);
	unsigned int i;

	/* deeper than lib-mail's parser follows: what it does not look
	   into is a limit reached */
	for (i = 0; i < 200; i++) {
		str_printfa(msg, "Content-Type: multipart/mixed; boundary=b%u"
			    "\n\n--b%u\n", i, i);
	}
	str_append(msg, "Content-Type: message/delivery-status\n\n"
		   "Final-Recipient: rfc822; deep@example.org\n"
		   "Action: failed\n\n");
	hostile_check(str_data(msg), str_len(msg), TRUE);

	/* message/rfc822 in message/rfc822, 200 times */
	str_truncate(msg, 0);
	str_append(msg, "From: MAILER-DAEMON@mx.example\n");
	for (i = 0; i < 200; i++)
		str_append(msg, "Content-Type: message/rfc822\n\n");
	str_append(msg, "Subject: inner\n\nuser unknown\n");
	hostile_check(str_data(msg), str_len(msg), TRUE);
}

static void test_hostile_long_header(void)
{
	string_t *msg = t_str_new(2 * 1024 * 1024 + 1024);

	/* a 1 MB header line */
	str_append(msg, "From: MAILER-DAEMON@mx.example\nSubject: ");
	while (str_len(msg) < 1024 * 1024)
		str_append(msg, "undeliverable mail ");
	str_append(msg, "\n\nbody\n");
	hostile_check(str_data(msg), str_len(msg), TRUE);

	/* a 1 MB field of a delivery status */
	str_truncate(msg, 0);
	str_append(msg, TEST_DSN_HEAD "Final-Recipient: rfc822; "
		   "long@example.org\nAction: failed\nDiagnostic-Code: smtp; ");
	while (str_len(msg) < 1024 * 1024)
		str_append(msg, "xxxxxxxxxxxxxxxx");
	str_append(msg, "\n\n--b1--\n");
	hostile_check(str_data(msg), str_len(msg), TRUE);

	/* a 1 MB address */
	str_truncate(msg, 0);
	str_append(msg, TEST_DSN_HEAD "Final-Recipient: rfc822; ");
	while (str_len(msg) < 1024 * 1024)
		str_append(msg, "aaaaaaaaaaaaaaaa");
	str_append(msg, "@example.org\nAction: failed\n\n--b1--\n");
	hostile_check(str_data(msg), str_len(msg), TRUE);
}

static void test_hostile_many_recipients(void)
{
	struct bounce_report *report;
	string_t *msg = t_str_new(1024 * 1024);
	unsigned int i;

	str_append(msg, TEST_DSN_HEAD);
	for (i = 0; i < 10000; i++) {
		str_printfa(msg, "Final-Recipient: rfc822; u%u@example.org\n"
			    "Action: failed\n\n", i);
	}
	str_append(msg, "--b1--\n");
	hostile_check(str_data(msg), str_len(msg), TRUE);

	/* the same with real evidence: the recipients read are
	   classified, the rest is cut off and said so */
	str_truncate(msg, 0);
	str_append(msg, TEST_DSN_HEAD);
	for (i = 0; i < 10000; i++) {
		str_printfa(msg, "Final-Recipient: rfc822; u%u@example.org\n"
			    "Action: failed\nStatus: 5.1.1\n\n", i);
	}
	str_append(msg, "--b1--\n");
	report = test_classify(str_c(msg), NULL);
	CU_ASSERT(report->truncated);
	CU_ASSERT(array_count(&report->recipients) > 100);
	CU_ASSERT(array_count(&report->recipients) < 10000);
	TEST_ASSERT_RCPT(report, 0, "u0@example.org", "hard", "bad-mailbox");
}

static void test_hostile_unterminated(void)
{
	hostile_check_str("From: MAILER-DAEMON@mx.example\n"
		"Content-Type: multipart/report; report-type=delivery-status;"
		" boundary=\"never\"\n\n"
		"preamble without any boundary line\n"
		"Final-Recipient: looks like a field\n", FALSE);
	hostile_check_str("From: MAILER-DAEMON@mx.example\n"
		"Content-Type: multipart/report; boundary=a\n\n"
		"--a\nContent-Type: multipart/alternative; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\nsome text\n"
		"--a\nContent-Type: message/delivery-status\n\n"
		"Final-Recipient: rfc822; x@example.org\nAction: failed\n"
		"--b\n--c--\n--a", FALSE);
	hostile_check_str("Content-Type: multipart/report; boundary=\"\"\n\n"
			  "--\n--\n----\n", FALSE);
}

static void test_hostile_many_fields(void)
{
	string_t *msg = t_str_new(1024 * 1024);
	unsigned int i;

	str_append(msg, TEST_DSN_HEAD);
	for (i = 0; i < 100000; i++)
		str_append(msg, "X: y\n");
	str_append(msg, "\n--b1--\n");
	hostile_check(str_data(msg), str_len(msg), TRUE);

	/* as many blank-line separated blocks */
	str_truncate(msg, 0);
	str_append(msg, TEST_DSN_HEAD);
	for (i = 0; i < 100000; i++)
		str_append(msg, "Action: failed\n\n");
	hostile_check(str_data(msg), str_len(msg), TRUE);
}

/* The settings' limits are honoured, and said to be reached. */
static void test_hostile_settings_limits(void)
{
	struct bounce_settings set = {
		.rules_path = test_rules_path,
		.max_part_text = 100,
		.max_message_size = 4096,
	};
	struct bounce_classifier *cls = test_classifier_init(&set);
	struct bounce_report *report;
	string_t *msg = t_str_new(8192);

	if (cls == NULL)
		return;
	str_append(msg, TEST_DSN_HEAD "Final-Recipient: rfc822; "
		   "a@example.org\nAction: failed\nStatus: 5.1.1\n\n");
	report = test_classify_with(cls, test_pool, str_data(msg),
				    str_len(msg), NULL);
	/* the part's first 100 bytes hold the recipient, not its status */
	CU_ASSERT(report->truncated);

	str_truncate(msg, 0);
	str_append(msg, "From: someone@example.org\nSubject: hi\n\n");
	while (str_len(msg) < 8000)
		str_append(msg, "a line of an ordinary message\n");
	report = test_classify_with(cls, test_pool, str_data(msg),
				    str_len(msg), NULL);
	CU_ASSERT(report->truncated);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 0);
	bounce_classifier_deinit(&cls);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-hostile", NULL, NULL);

	CU_add_test(suite, "empty input", test_hostile_empty);
	CU_add_test(suite, "only headers", test_hostile_only_headers);
	CU_add_test(suite, "binary garbage with NUL bytes",
		    test_hostile_binary);
	CU_add_test(suite, "invalid UTF-8, unknown charsets",
		    test_hostile_charsets);
	CU_add_test(suite, "truncated DSN", test_hostile_truncated_dsn);
	CU_add_test(suite, "200 nested multiparts", test_hostile_nested);
	CU_add_test(suite, "1 MB header line", test_hostile_long_header);
	CU_add_test(suite, "10,000 recipients", test_hostile_many_recipients);
	CU_add_test(suite, "unterminated boundaries",
		    test_hostile_unterminated);
	CU_add_test(suite, "100,000 short fields", test_hostile_many_fields);
	CU_add_test(suite, "settings' limits", test_hostile_settings_limits);
}

int main(void)
{
	return test_main(add_suites);
}
