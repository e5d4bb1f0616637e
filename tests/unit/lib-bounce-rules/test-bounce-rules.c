/* Loading and matching the rules file (bounce-rules.c). */

#include "lib.h"
#include "bounce-taxonomy.h"
#include "bounce-rules.h"
#include "../test-common.h"

#include <sys/stat.h>
#include <time.h>
#include <utime.h>
#include <unistd.h>
#include "array.h"
#include "buffer.h"

#define write_rules test_write_file

static struct bounce_rules *load_ok(const char *path)
{
	struct bounce_rules *rules = NULL;
	const char *error;

	if (bounce_rules_load(path, bounce_category_names(),
			      &rules, &error) < 0)
		CU_FAIL_FATAL(error);
	return rules;
}

static const char *load_error(const char *text)
{
	struct bounce_rules *rules;
	const char *error;

	if (bounce_rules_load(write_rules("bad.rules", text),
			      bounce_category_names(), &rules, &error) == 0) {
		bounce_rules_free(&rules);
		return "";
	}
	return error;
}

static void test_errors_name_the_line(void)
{
	const char *error;

	error = load_error("# comment\nphrase no-such-category x\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "bad.rules:2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "unknown category"));

	error = load_error("\n\nphrase bad-mailbox (unclosed\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "bad.rules:3"));

	error = load_error("status 5.x.1 bad-mailbox\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "invalid status pattern"));

	error = load_error("reply 55 bad-mailbox\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "invalid reply code"));

	error = load_error("frobnicate\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "unknown directive"));

	error = load_error("format broken\n  match From x\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "no recipient pattern"));

	error = load_error("notification From\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "field or pattern missing"));

	error = load_error("notification body ^Delivery failed\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "not the body"));

	error = load_error("include does-not-exist.rules\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "not found"));

	/* an error in an included file names that file and its line */
	write_rules("broken-inc.rules", "reply 550 bad-mailbox\n"
		    "phrase bad-mailbox [unclosed\n");
	error = load_error("# top\ninclude broken-inc.rules\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "broken-inc.rules:2"));

	/* the rules a classifier is made from are checked the same way */
	CU_ASSERT_PTR_NOT_NULL(strstr(load_error("status 5.1.1\n"),
				      "bad.rules:1"));
}

static void test_classifier_init_errors(void)
{
	struct bounce_settings set;
	struct bounce_classifier *cls;
	const char *error;

	i_zero(&set);
	CU_ASSERT_EQUAL(bounce_classifier_init(&set, &cls, &error), -1);
	set.rules_path = t_strconcat(test_dir, "/missing.rules", NULL);
	CU_ASSERT_EQUAL(bounce_classifier_init(&set, &cls, &error), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "missing.rules"));
	set.rules_path = write_rules("bad-cls.rules", "\nfrobnicate\n");
	CU_ASSERT_EQUAL(bounce_classifier_init(&set, &cls, &error), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "bad-cls.rules:2"));
}

static void test_phrases_and_groups(void)
{
	struct bounce_rules *rules;
	const struct bounce_rule *rule;

	rules = load_ok(write_rules("groups.rules",
		"category-order quota-issues policy-related/generic\n"
		"phrase policy-related/generic rejected\n"
		"phrase quota-issues:22 mailbox (?:is )?full\n"
		"phrase bad-mailbox user unknown\n"));
	/* the group order decides, not the position in the text */
	rule = bounce_rules_match_phrase(rules, "rejected: mailbox is full");
	CU_ASSERT_FATAL(rule != NULL);
	CU_ASSERT_STRING_EQUAL(bounce_category_get(rule->category)->name,
			       "quota-issues");
	CU_ASSERT_STRING_EQUAL(rule->id, "groups.rules:3");
	rule = bounce_rules_match_phrase(rules, "REJECTED by policy");
	CU_ASSERT_FATAL(rule != NULL);
	CU_ASSERT_STRING_EQUAL(rule->id, "groups.rules:2");
	/* groups not named in category-order come after, in file order */
	rule = bounce_rules_match_phrase(rules, "User Unknown, rejected");
	CU_ASSERT_FATAL(rule != NULL);
	CU_ASSERT_STRING_EQUAL(rule->id, "groups.rules:2");
	CU_ASSERT_PTR_NULL(bounce_rules_match_phrase(rules, "all fine"));
	bounce_rules_free(&rules);
}

/* A non-ASCII diagnostic is filtered by the literals of the patterns
   without a non-ASCII character; the others are run over it. */
static void test_phrases_non_ascii(void)
{
	struct bounce_rules *rules;
	const struct bounce_rule *rule;

	rules = load_ok(write_rules("nonascii.rules",
		"phrase quota-issues bo\xc3\xaete pleine|mailbox (?:is )?full\n"
		"phrase bad-mailbox user unknown\n"));
	rule = bounce_rules_match_phrase(rules, "BO\xc3\x8eTE PLEINE");
	CU_ASSERT_FATAL(rule != NULL);
	CU_ASSERT_STRING_EQUAL(rule->id, "nonascii.rules:1");
	rule = bounce_rules_match_phrase(rules,
		"\xc3\xa9" "chec: Mailbox is full");
	CU_ASSERT_FATAL(rule != NULL);
	CU_ASSERT_STRING_EQUAL(rule->id, "nonascii.rules:1");
	rule = bounce_rules_match_phrase(rules,
		"destinataire inconnu \xe2\x80\x94 user unknown");
	CU_ASSERT_FATAL(rule != NULL);
	CU_ASSERT_STRING_EQUAL(rule->id, "nonascii.rules:2");
	/* KELVIN SIGN and LONG S match 'k' and 's' */
	rule = bounce_rules_match_phrase(rules,
		"\xc3\xa9" "chec: u\xc5\xbf" "er un\xe2\x84\xaanown");
	CU_ASSERT_FATAL(rule != NULL);
	CU_ASSERT_STRING_EQUAL(rule->id, "nonascii.rules:2");
	CU_ASSERT_PTR_NULL(bounce_rules_match_phrase(rules,
		"\xc3\xa9" "chec: all fine"));
	bounce_rules_free(&rules);
}

/* Rules may have no phrase at all (a site's own small set): matching a
   text against them finds nothing, and does not fail. */
static void test_no_phrases(void)
{
	struct bounce_rules *rules;

	rules = load_ok(write_rules("nophrase.rules",
		"status 5.*.* bad-mailbox\nstatus 4.*.* routing-issues\n"));
	CU_ASSERT_PTR_NULL(bounce_rules_match_phrase(rules,
		"550 5.1.1 user unknown"));
	CU_ASSERT_PTR_NOT_NULL(bounce_rules_match_status(rules, "5.1.1"));
	bounce_rules_free(&rules);
}

static void test_status_wildcards(void)
{
	struct bounce_rules *rules;
	const struct bounce_rule *rule;

	rules = load_ok(write_rules("status.rules",
		"status 5.*.* other refine\n"
		"status *.2.2 quota-issues\n"
		"status 5.1.1 bad-mailbox\n"
		"status 5.1.* bad-mailbox refine\n"));
	rule = bounce_rules_match_status(rules, "5.1.1");
	CU_ASSERT(rule != NULL && !rule->refine);
	rule = bounce_rules_match_status(rules, "5.1.3");
	CU_ASSERT(rule != NULL && rule->refine &&
		  strcmp(rule->id, "status.rules:4") == 0);
	rule = bounce_rules_match_status(rules, "4.2.2");
	CU_ASSERT(rule != NULL && strcmp(bounce_category_get(
		rule->category)->name, "quota-issues") == 0);
	rule = bounce_rules_match_status(rules, "5.7.26");
	CU_ASSERT(rule != NULL && strcmp(rule->id, "status.rules:1") == 0);
	CU_ASSERT_PTR_NULL(bounce_rules_match_status(rules, "4.4.7"));
	bounce_rules_free(&rules);
}

static void test_include_and_misc(void)
{
	struct bounce_rules *rules;
	const char *text;

	(void)mkdir(t_strdup_printf("%s/local.d", test_dir), 0700);
	write_rules("local.d/a.rules", "reply 552 quota-issues\n");
	write_rules("local.d/b.rules",
		    "subject auto-reply ^out of office\n"
		    "verp ^bounce-(?<local>[^=]+)=(?<domain>[^@]+)@\n"
		    "keep-header ^X-Campaign-Id$\n"
		    "original ^--- original message ---$\n");
	rules = load_ok(write_rules("main.rules",
		"include local.d/*.rules\ninclude empty.d/*.rules\n"));
	CU_ASSERT_PTR_NOT_NULL(bounce_rules_match_reply(rules, "552"));
	CU_ASSERT_PTR_NULL(bounce_rules_match_reply(rules, "550"));
	CU_ASSERT_PTR_NOT_NULL(bounce_rules_match_subject(rules,
		"Out of Office: back Monday"));
	/* as the groups give it: the classifier normalizes the address */
	CU_ASSERT_STRING_EQUAL(bounce_rules_verp_decode(rules, test_pool,
		"bounce-Jane=Example.org@lists.example"), "Jane@Example.org");
	CU_ASSERT_PTR_NULL(bounce_rules_verp_decode(rules, test_pool,
		"postmaster@example.org"));
	CU_ASSERT(bounce_rules_keep_header(rules, "X-Campaign-Id"));
	CU_ASSERT(!bounce_rules_keep_header(rules, "Subject"));
	text = "reason\n--- original message ---\nTo: x@y.example\n";
	CU_ASSERT_EQUAL(bounce_rules_original_offset(rules, text,
		strlen(text)), 7);
	bounce_rules_free(&rules);
}

/* The header marks: the notification lines, then each subject rule's
   pattern for the Subject; a header of the mark's name is matched
   against it. */
static void test_header_marks(void)
{
	const ARRAY_TYPE(bounce_format_match) *marks;
	const struct bounce_format_match *mark;
	struct bounce_rules *rules;
	const char *value;

	rules = load_ok(write_rules("marks.rules",
		"subject auto-reply ^out of office\n"
		"notification From ^mailer-daemon@\n"
		"subject unsubscribe ^unsubscribe\n"
		"notification X-Report \\S\n"));
	marks = bounce_rules_header_marks(rules);
	CU_ASSERT_EQUAL_FATAL(array_count(marks), 4);
	mark = array_idx(marks, 0);
	CU_ASSERT_STRING_EQUAL(mark->header, "From");
	value = "MAILER-DAEMON@mx.example";
	CU_ASSERT(bounce_rules_exec(rules, mark->re, value, strlen(value),
				    0) > 0);
	mark = array_idx(marks, 1);
	CU_ASSERT_STRING_EQUAL(mark->header, "X-Report");
	mark = array_idx(marks, 2);
	CU_ASSERT_STRING_EQUAL(mark->header, "Subject");
	value = "Out of office until Monday";
	CU_ASSERT(bounce_rules_exec(rules, mark->re, value, strlen(value),
				    0) > 0);
	CU_ASSERT(bounce_rules_exec(rules, mark->re, "Minutes", 7, 0) <= 0);
	mark = array_idx(marks, 3);
	CU_ASSERT_STRING_EQUAL(mark->header, "Subject");
	/* asked again: the same array */
	CU_ASSERT_PTR_EQUAL(bounce_rules_header_marks(rules), marks);
	bounce_rules_free(&rules);
}

/* A stamp holds while every file the rules were read from, and every
   include pattern's expansion, is as it was. */
static void test_stamp(void)
{
	struct bounce_rules *rules;
	buffer_t *stamp = buffer_create_dynamic(default_pool, 256), *stamp2;
	const char *cache, *error;
	unsigned int i;
	struct utimbuf ut = { .actime = 1000000000, .modtime = 1000000000 };
	const char *main_path, *inc;

	(void)mkdir(t_strdup_printf("%s/stamp.d", test_dir), 0700);
	inc = write_rules("stamp.d/a.rules", "reply 552 quota-issues\n"
			  "phrase quota-issues mailbox is full\n");
	main_path = write_rules("stamp.rules", "include stamp.d/*.rules\n");
	rules = load_ok(main_path);
	bounce_rules_stamp(rules, stamp);
	bounce_rules_free(&rules);
	CU_ASSERT(bounce_rules_stamp_unchanged(stamp->data, stamp->used));
	/* not a stamp */
	CU_ASSERT(!bounce_rules_stamp_unchanged(stamp->data, 3));
	CU_ASSERT(!bounce_rules_stamp_unchanged("", 0));

	/* an included file touched */
	CU_ASSERT_EQUAL(utime(inc, &ut), 0);
	CU_ASSERT(!bounce_rules_stamp_unchanged(stamp->data, stamp->used));
	rules = load_ok(main_path);
	buffer_set_used_size(stamp, 0);
	bounce_rules_stamp(rules, stamp);
	bounce_rules_free(&rules);
	CU_ASSERT(bounce_rules_stamp_unchanged(stamp->data, stamp->used));

	/* rules built from the cache's image: the same stamp */
	cache = t_strconcat(test_dir, "/stamp.cache", NULL);
	for (i = 0; i < 2; i++) {
		if (bounce_rules_load_cached(main_path, cache,
					     bounce_category_names(), &rules,
					     &error) < 0)
			CU_FAIL_FATAL(error);
		CU_ASSERT_EQUAL(bounce_rules_from_image(rules), i == 1);
		stamp2 = buffer_create_dynamic(default_pool, 256);
		bounce_rules_stamp(rules, stamp2);
		CU_ASSERT(buffer_cmp(stamp, stamp2));
		buffer_free(&stamp2);
		bounce_rules_free(&rules);
	}

	/* a file added to the included directory */
	write_rules("stamp.d/b.rules", "reply 550 bad-mailbox\n");
	CU_ASSERT(!bounce_rules_stamp_unchanged(stamp->data, stamp->used));
	buffer_free(&stamp);
}

/* A classifier kept for many messages (bounce_classifier_is_current())
   looks at its files once a second at most: an edit is seen once the
   second it was last looked at in has passed. */
static void test_classifier_current(void)
{
	struct bounce_settings set;
	struct bounce_classifier *cls;
	struct utimbuf ut = { .actime = 1000000000, .modtime = 1000000000 };
	const char *error;
	time_t before, checked;

	i_zero(&set);
	set.rules_path = write_rules("current.rules",
				     "reply 552 quota-issues\n");
	if (bounce_classifier_init(&set, &cls, &error) < 0)
		CU_FAIL_FATAL(error);
	before = time(NULL);
	CU_ASSERT(bounce_classifier_is_current(cls));
	checked = time(NULL);
	CU_ASSERT_EQUAL(utime(set.rules_path, &ut), 0);
	if (before == checked && time(NULL) == checked) {
		/* the same second: not looked at again */
		CU_ASSERT(bounce_classifier_is_current(cls));
	}
	while (time(NULL) == checked)
		usleep(10000);
	CU_ASSERT(!bounce_classifier_is_current(cls));
	bounce_classifier_deinit(&cls);
}

/* Lines as an administrator's editor may leave them: CRLF endings,
   blank lines holding only blanks or a CR, trailing blanks, no newline
   at the end. Rule ids give the file's name and the line's number. */
static void test_line_endings(void)
{
	struct bounce_rules *rules;
	const struct bounce_rule *rule;

	rules = load_ok(write_rules("crlf.rules",
		"# comment\r\n\r\n  \t\r\n"
		"phrase quota-issues mailbox is full  \r\n"
		"\t# indented comment\n"
		"reply 552 quota-issues\r\n"
		"phrase bad-mailbox no such user"));
	rule = bounce_rules_match_phrase(rules, "550 mailbox is full");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rule);
	CU_ASSERT_STRING_EQUAL(rule->id, "crlf.rules:4");
	/* the trailing blanks and the CR are not part of the pattern */
	CU_ASSERT_PTR_NOT_NULL(bounce_rules_match_phrase(rules,
		"mailbox is full."));
	rule = bounce_rules_match_reply(rules, "552");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rule);
	CU_ASSERT_STRING_EQUAL(rule->id, "crlf.rules:6");
	rule = bounce_rules_match_phrase(rules, "550 No such user here");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rule);
	CU_ASSERT_STRING_EQUAL(rule->id, "crlf.rules:7");
	bounce_rules_free(&rules);

	/* a rules file that is a directory is an error, not empty rules */
	(void)mkdir(t_strdup_printf("%s/dir.rules", test_dir), 0700);
	CU_ASSERT_PTR_NOT_NULL(strstr(load_error("include dir.rules\n"),
				      "dir.rules"));
}

/* The sets tried as one alternation skip text lacking every pattern's
   literals, yet find each match they would find without that check. */
static void test_alternation_prefilter(void)
{
	const struct bounce_rule *rule;
	struct bounce_rules *rules;
	const char *text;

	rules = load_ok(write_rules("alternation.rules",
		"command rcpt after RCPT TO\n"
		"command data in reply to (?:end of )?DATA command\n"
		"keep-header ^X-(?:Campaign|Job)-?Id$\n"));
	rule = bounce_rules_find_command(rules,
		"550 5.1.1 unknown user (In Reply To end of data command)", 0);
	CU_ASSERT(rule != NULL && strcmp(rule->group, "data") == 0);
	CU_ASSERT_PTR_NULL(bounce_rules_find_command(rules,
		"550 5.1.1 unknown user", 0));
	/* the nearer of two commands */
	text = "after rcpt to: nobody; in reply to DATA command: x@y";
	rule = bounce_rules_find_command(rules, text, strlen(text) - 3);
	CU_ASSERT(rule != NULL && strcmp(rule->group, "data") == 0);
	CU_ASSERT(bounce_rules_keep_header(rules, "x-jobid"));
	CU_ASSERT(!bounce_rules_keep_header(rules, "X-Mailer"));
	/* non-ASCII text is matched without the check */
	CU_ASSERT_PTR_NOT_NULL(bounce_rules_find_command(rules,
		"\xc3\xa9" "chec after rcpt to", 0));
	bounce_rules_free(&rules);

	/* a pattern without known literals: the set is always run */
	rules = load_ok(write_rules("alternation.rules",
		"command rcpt after RCPT TO\n"
		"command mail ^\\d\\d\\d\\b\n"));
	rule = bounce_rules_find_command(rules, "553 no", 0);
	CU_ASSERT(rule != NULL && strcmp(rule->group, "mail") == 0);
	bounce_rules_free(&rules);
}

static void test_type_override(void)
{
	struct bounce_report *report;
	const char *error;
	const char *msg =
		"From: MAILER-DAEMON@mx.example\n"
		"Subject: Undelivered Mail Returned to Sender\n"
		"Content-Type: multipart/report; report-type=delivery-status;"
		" boundary=b\n\n--b\nContent-Type: text/plain\n\nfailed\n"
		"--b\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example\n\n"
		"Final-Recipient: rfc822; u@example.org\nAction: failed\n"
		"Status: 5.7.1\nDiagnostic-Code: smtp; 550 5.7.1 Message "
		"rejected as spam by Content Filtering\n--b--\n";

	report = test_classify(msg, NULL);
	CU_ASSERT_STRING_EQUAL(test_rcpt(report, 0)->category, "spam-related");
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->type, BOUNCE_TYPE_OTHER);
	CU_ASSERT_EQUAL(bounce_classifier_set_type(test_cls, "spam-related",
		BOUNCE_TYPE_HARD, &error), 0);
	report = test_classify(msg, NULL);
	CU_ASSERT_EQUAL(test_rcpt(report, 0)->type, BOUNCE_TYPE_HARD);
	CU_ASSERT_EQUAL(bounce_classifier_set_type(test_cls, "spam-related",
		BOUNCE_TYPE_OTHER, &error), 0);
	CU_ASSERT_EQUAL(bounce_classifier_set_type(test_cls, "no-such",
		BOUNCE_TYPE_HARD, &error), -1);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-rules", NULL, NULL);

	CU_add_test(suite, "errors name file and line",
		    test_errors_name_the_line);
	CU_add_test(suite, "classifier init errors",
		    test_classifier_init_errors);
	CU_add_test(suite, "phrase groups and order", test_phrases_and_groups);
	CU_add_test(suite, "phrases over a non-ASCII text",
		    test_phrases_non_ascii);
	CU_add_test(suite, "status wildcards", test_status_wildcards);
	CU_add_test(suite, "rules without phrases", test_no_phrases);
	CU_add_test(suite, "CRLF, blank lines, no final newline",
		    test_line_endings);
	CU_add_test(suite, "include, subject, verp, keep-header, original",
		    test_include_and_misc);
	CU_add_test(suite, "alternations skip text without their literals",
		    test_alternation_prefilter);
	CU_add_test(suite, "category type overrides", test_type_override);
	CU_add_test(suite, "header marks: notification lines and subjects",
		    test_header_marks);
	CU_add_test(suite, "a stamp follows the rules files", test_stamp);
	CU_add_test(suite, "a kept classifier sees an edit within a second",
		    test_classifier_current);
}

int main(void)
{
	return test_main(add_suites);
}
