/* Telling ordinary mail by its header (bounce-screen.c): no notification
   the classifier recognises is screened out, ordinary mail is, what the
   rules add to a header's marks counts at once, and the screen kept
   beside the rules cache follows the rules files. */

#include "lib.h"
#include "array.h"
#include "buffer.h"
#include "istream.h"
#include "bounce-screen.h"
#include "../test-common.h"

#include <stdio.h>
#include <dirent.h>
#include <utime.h>
#include <sys/stat.h>

/* A person's message: no mark of a notification */
#define PLAIN_HEAD \
	"From: Alice Example <alice@example.net>\n" \
	"To: bob@example.org\n" \
	"Subject: Minutes of the meeting\n" \
	"Date: Tue, 1 Dec 2026 09:12:00 +0000\n" \
	"Message-ID: <m1@example.net>\n"
#define PLAIN_BODY \
	"MIME-Version: 1.0\n" \
	"Content-Type: text/plain; charset=utf-8\n\n" \
	"See you on Monday.\n"

static bool screen_str(struct bounce_screen *screen, const char *msg,
		       const char *envelope_from)
{
	struct istream *input = i_stream_create_from_data(msg, strlen(msg));
	bool ret;

	ret = bounce_screen_message(screen, input, envelope_from);
	i_stream_unref(&input);
	return ret;
}

static bool screen_file(struct bounce_screen *screen, const char *path)
{
	struct istream *input = i_stream_create_file(path, IO_BLOCK_SIZE);
	bool ret;

	ret = bounce_screen_message(screen, input, NULL);
	i_stream_unref(&input);
	return ret;
}

static bool has_failed_recipient(const struct bounce_report *report)
{
	return bounce_report_primary(report) != NULL;
}

/* Whether the report's most severe failed recipient is address */
static bool failed_is(const struct bounce_report *report, const char *address)
{
	const struct bounce_recipient *rcpt = bounce_report_primary(report);

	return rcpt != NULL && strcmp(rcpt->address, address) == 0;
}

/* Every sample the classifier finds a failed recipient in bears a mark
   in its header, and the one ordinary sample does not. */
static void test_screen_samples(void)
{
	struct bounce_screen *screen = bounce_classifier_get_screen(test_cls);
	struct bounce_report *report;
	struct dirent *d;
	unsigned int bounces = 0, screened = 0;
	DIR *dir;

	dir = opendir(test_samples_dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	while ((d = readdir(dir)) != NULL) {
		const char *name = d->d_name;
		size_t len = strlen(name);

		if (len < 4 || strcmp(name + len - 4, ".eml") != 0)
			continue;
		T_BEGIN {
			const char *path = t_strconcat(test_samples_dir, "/",
						       name, NULL);

			report = test_classify_sample(name);
			if (has_failed_recipient(report)) {
				bounces++;
				if (!screen_file(screen, path)) {
					printf("\n    %s screened out\n", name);
					CU_FAIL("a bounce screened out");
				}
			} else if (!screen_file(screen, path)) {
				screened++;
			}
		} T_END;
	}
	(void)closedir(dir);
	CU_ASSERT(bounces > 50);
	/* is-not-bounce-01 and -02 */
	CU_ASSERT(screened >= 2);
	CU_ASSERT(!screen_file(screen, t_strconcat(test_samples_dir,
		"/is-not-bounce-02.eml", NULL)));
}

/* The screen a classifier with set's rules cache writes beside it, read
   back from that file. */
static struct bounce_screen *screen_from_file(struct bounce_settings *set)
{
	struct bounce_classifier *cls;
	struct bounce_screen *screen;

	cls = test_classifier_init(set);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cls);
	(void)bounce_classifier_get_screen(cls);
	bounce_classifier_deinit(&cls);
	CU_ASSERT_EQUAL_FATAL(bounce_screen_open(set, &screen), 1);
	return screen;
}

struct screen_corpus_counts {
	struct bounce_classifier *all;
	struct bounce_screen *screen;
	unsigned int messages, notifications, screened_out;
};

static void screen_check_file(const char *path, void *context)
{
	struct screen_corpus_counts *counts = context;
	struct istream *input = i_stream_create_file(path, IO_BLOCK_SIZE);
	struct bounce_report *report;

	report = bounce_classify(counts->all, test_pool, input, NULL);
	i_stream_unref(&input);
	counts->messages++;
	if (array_count(&report->recipients) > 0 ||
	    strcmp(report->format, "none") != 0) {
		counts->notifications++;
		if (!screen_file(counts->screen, path)) {
			printf("\n    %s (%s) screened out\n",
			       path, report->format);
			CU_FAIL("a notification screened out");
		}
	} else if (!screen_file(counts->screen, path)) {
		counts->screened_out++;
	}
}

/* Every message of dir (and of its folders) that the classifier reading
   every message in full calls a notification - it finds a recipient in
   it, or a report, a format or an auto-reply - passes the screen. */
static void
screen_check_dir(struct bounce_classifier *all, struct bounce_screen *screen,
		 const char *path, struct screen_corpus_counts *counts)
{
	counts->all = all;
	counts->screen = screen;
	CU_ASSERT(test_foreach_message(path, screen_check_file, counts) > 0);
}

/* Whether two screens' tests have the same literals, and how many of
   them have some. */
static bool screen_literals_equal(struct bounce_screen *a,
				  struct bounce_screen *b,
				  unsigned int *with_r)
{
	const struct bounce_screen_test *ta, *tb;
	unsigned int i, j, count;

	*with_r = 0;
	ta = array_get(&a->tests, &count);
	tb = array_get(&b->tests, &i);
	if (i != count)
		return FALSE;
	for (i = 0; i < count; i++) {
		if ((ta[i].literals == NULL) != (tb[i].literals == NULL) ||
		    ta[i].literals_any_text != tb[i].literals_any_text)
			return FALSE;
		if (ta[i].literals == NULL)
			continue;
		(*with_r)++;
		for (j = 0; ta[i].literals[j] != NULL; j++) {
			if (tb[i].literals[j] == NULL ||
			    strcmp(ta[i].literals[j], tb[i].literals[j]) != 0)
				return FALSE;
		}
		if (tb[i].literals[j] != NULL)
			return FALSE;
	}
	return TRUE;
}

/* The screen has no false negatives on the corpora: the second corpus
   (tests/corpus), and the Sisimai corpus when it is beside the tree. */
static void test_screen_corpora(void)
{
	struct bounce_settings set = { .rules_path = test_rules_path };
	struct bounce_screen *screen = bounce_classifier_get_screen(test_cls);
	struct bounce_screen *file_screen;
	struct screen_corpus_counts counts;
	struct bounce_classifier *all, *file_cls;
	unsigned int with;
	struct stat st;

	all = test_classifier_init(&set);
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	bounce_classifier_read_all(all);

	i_zero(&counts);
	screen_check_dir(all, screen, test_corpus_dir, &counts);
	printf("\n    tests/corpus: %u messages, %u notifications, "
	       "%u screened out ", counts.messages, counts.notifications,
	       counts.screened_out);
	CU_ASSERT(counts.messages > 150);
	CU_ASSERT(counts.notifications > 100);
	/* its non-bounces include ordinary mail */
	CU_ASSERT(counts.screened_out > 0);

	if (stat(test_sisimai_dir, &st) == 0) {
		i_zero(&counts);
		screen_check_dir(all, screen, test_sisimai_dir, &counts);
		printf("\n    sisimai: %u messages, %u notifications, "
		       "%u screened out ", counts.messages,
		       counts.notifications, counts.screened_out);
		CU_ASSERT(counts.notifications > 500);
	} else {
		printf("\n    no Sisimai corpus at %s ", test_sisimai_dir);
	}
	/* the same screen read from its file beside the rules cache, with
	   its tests' literals */
	set.rules_cache_path = t_strconcat(test_dir, "/corpora.cache", NULL);
	file_screen = screen_from_file(&set);
	/* and the same literals from rules built from the cache's image */
	file_cls = test_classifier_init(&set);
	CU_ASSERT_PTR_NOT_NULL_FATAL(file_cls);
	CU_ASSERT(screen_literals_equal(file_screen, screen, &with));
	CU_ASSERT(with > 10);
	CU_ASSERT(screen_literals_equal(
		file_screen, bounce_classifier_get_screen(file_cls), &with));
	bounce_classifier_deinit(&file_cls);
	i_zero(&counts);
	screen_check_dir(all, file_screen, test_corpus_dir, &counts);
	CU_ASSERT(counts.notifications > 100);
	CU_ASSERT(counts.screened_out > 0);
	bounce_screen_free(&file_screen);

	bounce_classifier_deinit(&all);
	p_clear(test_pool);
}

/* Whether two reports name the same recipients alike */
static bool reports_equal(const struct bounce_report *a,
			  const struct bounce_report *b)
{
	const struct bounce_recipient *ra, *rb;
	unsigned int i, count;

	ra = array_get(&a->recipients, &count);
	rb = array_get(&b->recipients, &i);
	if (i != count || strcmp(a->format, b->format) != 0)
		return FALSE;
	for (i = 0; i < count; i++) {
		if (null_strcmp(ra[i].address, rb[i].address) != 0 ||
		    ra[i].type != rb[i].type || ra[i].code != rb[i].code ||
		    null_strcmp(ra[i].category, rb[i].category) != 0 ||
		    null_strcmp(ra[i].rule, rb[i].rule) != 0)
			return FALSE;
	}
	return TRUE;
}

static void screened_alike_file(const char *path, void *context)
{
	unsigned int *passed = context;
	struct istream *input = i_stream_create_file(path, IO_BLOCK_SIZE);
	struct bounce_report *from, *screened;

	if (bounce_screen_message(bounce_classifier_get_screen(test_cls),
				  input, "sender@example.net")) {
		(*passed)++;
		i_stream_seek(input, 0);
		from = bounce_classify_from(test_cls, test_pool, input,
					    "sender@example.net", NULL);
		i_stream_seek(input, 0);
		screened = bounce_classify_screened(test_cls, test_pool, input,
						    "sender@example.net",
						    NULL);
		if (!reports_equal(from, screened)) {
			printf("\n    %s: classified otherwise once screened",
			       path);
			CU_FAIL("classified otherwise once screened");
		}
	}
	i_stream_unref(&input);
	p_clear(test_pool);
}

/* A delivery screens the header, then has the message classified
   without the classifier screening it again: the same classification
   for every message the screen lets through. */
static void test_screen_classify_screened(void)
{
	unsigned int passed = 0;

	(void)test_foreach_message(test_samples_dir, screened_alike_file,
				   &passed);
	(void)test_foreach_message(test_corpus_dir, screened_alike_file,
				   &passed);
	CU_ASSERT(passed > 200);
}

/* Each mark the standards give a notification, alone in an otherwise
   ordinary message's header, makes it pass. */
static void test_screen_standard_marks(void)
{
	static const char *const marks[] = {
		"Return-Path: <>\n",
		"Auto-Submitted: auto-replied\n",
		"Auto-Submitted: auto-generated (vacation)\n",
		"X-Failed-Recipients: a@example.org\n",
		"X-Autoreply: yes\n",
		"X-Autorespond: yes\n",
		"Precedence: auto_reply\n",
	};
	struct bounce_screen *screen = bounce_classifier_get_screen(test_cls);
	unsigned int i;

	CU_ASSERT(!screen_str(screen, PLAIN_HEAD PLAIN_BODY, NULL));
	CU_ASSERT(!screen_str(screen, PLAIN_HEAD PLAIN_BODY,
			      "alice@example.net"));
	/* the null return path as the envelope gives it */
	CU_ASSERT(screen_str(screen, PLAIN_HEAD PLAIN_BODY, ""));
	for (i = 0; i < N_ELEMENTS(marks); i++) {
		CU_ASSERT(screen_str(screen, t_strconcat(PLAIN_HEAD, marks[i],
			PLAIN_BODY, NULL), NULL));
	}
	/* RFC 3834: "no" says a person sent it */
	CU_ASSERT(!screen_str(screen, PLAIN_HEAD "Auto-Submitted: no\n"
			      PLAIN_BODY, NULL));
	CU_ASSERT(!screen_str(screen, PLAIN_HEAD "Return-Path: "
			      "<alice@example.net>\n" PLAIN_BODY, NULL));
	/* a report */
	CU_ASSERT(screen_str(screen, PLAIN_HEAD "MIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status;"
		" boundary=b\n\n--b--\n", NULL));
	/* a newsletter's header is no mark */
	CU_ASSERT(!screen_str(screen, PLAIN_HEAD "Precedence: bulk\n"
		"List-Unsubscribe: <mailto:u@example.net>\n" PLAIN_BODY,
		NULL));
}

/* The shipped rules' marks: subject rules, formats' header lines (all of
   a format's), notification lines; encoded words decoded first. */
static void test_screen_rules_marks(void)
{
	struct bounce_screen *screen = bounce_classifier_get_screen(test_cls);

	CU_ASSERT(screen_str(screen, "From: a@example.net\n"
		"Subject: Out of office until Monday\n\nback soon\n", NULL));
	CU_ASSERT(screen_str(screen, "From: a@example.net\n"
		"Subject: =?utf-8?B?QXV0byByZXBseTogaGk=?=\n\nback soon\n",
		NULL));
	CU_ASSERT(screen_str(screen, "From: MAILER-DAEMON@mx.example\n"
		"Subject: hi\n\ntext\n", NULL));
	CU_ASSERT(screen_str(screen, "From: bob@example.org\n"
		"Subject: Fwd: Undelivered Mail Returned to Sender\n\nfyi\n",
		NULL));
	/* the fml format wants X-MLServer, From and Message-ID */
	CU_ASSERT(screen_str(screen, "From: cats-admin@example.org\n"
		"X-MLServer: fml [fml 4.0.3]\n"
		"Message-ID: <200504292334.FMLAAA.cats@example.org>\n"
		"Subject: You are not member\n\ntext\n", NULL));
	CU_ASSERT(!screen_str(screen, "From: cats-admin@example.org\n"
		"X-MLServer: fml [fml 4.0.3]\n"
		"Message-ID: <200504292334.AAA.cats@example.org>\n"
		"Subject: Meeting\n\ntext\n", NULL));
}

/* Header values that are not ASCII: a test of an all-ASCII pattern is
   passed over when its literals are missing (U+212A is a 'k'), one with
   non-ASCII characters runs. */
static void screen_check_not_ascii(struct bounce_screen *screen)
{
	CU_ASSERT(screen_str(screen, "From: J\xc3\xbcrgen <postmaster@mx.example>\n"
		"Subject: hi\n\ntext\n", NULL));
	CU_ASSERT(screen_str(screen, "From: a@example.net\n"
		"Subject: Mail delivery failed \xe2\x80\x94 returning message\n"
		"\ntext\n", NULL));
	CU_ASSERT(screen_str(screen, "From: a@example.net\n"
		"Subject: \xe4\xb8\x8d\xe9\x81\x94\xe3\x81\xae\xe3\x81"
		"\x8a\xe7\x9f\xa5\xe3\x82\x89\xe3\x81\x9b\n\ntext\n", NULL));
	CU_ASSERT(screen_str(screen, "From: MAILER-DAEMON@mx.example\n"
		"Subject: caf\xc3\xa9\n\ntext\n", NULL));
	CU_ASSERT(screen_str(screen, "From: a@example.net\n"
		"Subject: Spambloc\xe2\x84\xaa" "er: please confirm\n\ntext\n",
		NULL));
	CU_ASSERT(!screen_str(screen, "From: J\xc3\xbcrgen <j@example.net>\n"
		"Subject: Caf\xc3\xa9 on Monday\n\ntext\n", NULL));
}

static void test_screen_not_ascii(void)
{
	struct bounce_settings set = { .rules_path = test_rules_path };
	struct bounce_screen *screen;

	screen_check_not_ascii(bounce_classifier_get_screen(test_cls));
	/* read from its file */
	set.rules_cache_path = t_strconcat(test_dir, "/ascii.cache", NULL);
	screen = screen_from_file(&set);
	screen_check_not_ascii(screen);
	bounce_screen_free(&screen);
}

/* What an administrator adds to the rules counts: a format with a From
   line makes its sender's messages pass; a format of body lines alone
   reads only a message that bears a mark, which a notification line can
   give. */
static void test_screen_site_rules(void)
{
	const char *rules_path, *msg;
	struct bounce_settings set;
	struct bounce_classifier *cls;
	struct bounce_report *report;
	struct istream *input;

	msg = "From: Alerts <alerts@relay.example>\n"
		"To: lists@example.org\n"
		"Subject: Your mail\n\n"
		"Failed: dave@example.com (mailbox unavailable)\n";
	test_write_file("screen-site.d.rules",
		"format site\n"
		"  match From ^Alerts\n"
		"  recipient ^Failed: (?<rcpt>\\S+@\\S+) \\((?<diag>.*)\\)$\n");
	rules_path = test_write_file("screen-site.rules", t_strdup_printf(
		"include %s\ninclude screen-site.d.rules\n", test_rules_path));
	i_zero(&set);
	set.rules_path = rules_path;
	cls = test_classifier_init(&set);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cls);
	CU_ASSERT(screen_str(bounce_classifier_get_screen(cls), msg, NULL));
	report = test_classify_with(cls, test_pool, msg, strlen(msg), NULL);
	CU_ASSERT(failed_is(report, "dave@example.com"));
	bounce_classifier_deinit(&cls);

	/* the same format matching the body only */
	test_write_file("screen-site.d.rules",
		"format site\n"
		"  match body ^Failed: \n"
		"  recipient ^Failed: (?<rcpt>\\S+@\\S+) \\((?<diag>.*)\\)$\n");
	cls = test_classifier_init(&set);
	CU_ASSERT(!screen_str(bounce_classifier_get_screen(cls), msg, NULL));
	report = test_classify_with(cls, test_pool, msg, strlen(msg), NULL);
	CU_ASSERT_PTR_NULL(bounce_report_primary(report));
	/* delivered with the null return path it is read */
	input = i_stream_create_from_data(msg, strlen(msg));
	report = bounce_classify_from(cls, test_pool, input, "", NULL);
	i_stream_unref(&input);
	CU_ASSERT(failed_is(report, "dave@example.com"));
	bounce_classifier_deinit(&cls);

	/* and with a notification line for its sender */
	test_write_file("screen-site.d.rules",
		"notification From alerts@relay\\.example\n"
		"format site\n"
		"  match body ^Failed: \n"
		"  recipient ^Failed: (?<rcpt>\\S+@\\S+) \\((?<diag>.*)\\)$\n");
	cls = test_classifier_init(&set);
	CU_ASSERT(screen_str(bounce_classifier_get_screen(cls), msg, NULL));
	report = test_classify_with(cls, test_pool, msg, strlen(msg), NULL);
	CU_ASSERT(failed_is(report, "dave@example.com"));
	bounce_classifier_deinit(&cls);
}

/* The screen beside the rules cache: written by a classifier of the
   rules, used without them while their files are as they were, not
   after an edit (until a classifier writes it again), nor when others
   could have written it. */
static void test_screen_file(void)
{
	const char *rules_path, *cache, *screen_path;
	struct bounce_settings set;
	struct bounce_classifier *cls;
	struct bounce_screen *screen;
	struct utimbuf ut = { .actime = 1000000000, .modtime = 1000000000 };
	struct stat st;

	rules_path = test_write_file("screen-file.rules", t_strdup_printf(
		"include %s\nsubject auto-reply ^gone fishing\n",
		test_rules_path));
	cache = t_strconcat(test_dir, "/screen-file.cache", NULL);
	screen_path = t_strconcat(cache, ".screen", NULL);
	i_zero(&set);
	set.rules_path = rules_path;
	set.rules_cache_path = cache;

	CU_ASSERT_EQUAL(bounce_screen_open(&set, &screen), 0);
	cls = test_classifier_init(&set);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cls);
	(void)bounce_classifier_get_screen(cls);
	bounce_classifier_deinit(&cls);
	CU_ASSERT_EQUAL(stat(screen_path, &st), 0);

	CU_ASSERT_EQUAL_FATAL(bounce_screen_open(&set, &screen), 1);
	CU_ASSERT(!screen_str(screen, PLAIN_HEAD PLAIN_BODY, NULL));
	CU_ASSERT(screen_str(screen, "From: a@example.net\n"
		"Subject: Gone fishing\n\n.\n", NULL));
	/* the test's literal ("gone fishing") is missing, but caselessly
	   U+017F is an 's': a value that is not ASCII runs the pattern */
	CU_ASSERT(screen_str(screen, "From: a@example.net\n"
		"Subject: Gone fi\xc5\xbfhing\n\n.\n", NULL));
	CU_ASSERT(!screen_str(screen, "From: a@example.net\n"
		"Subject: Gone f\xc3\xaeshing\n\n.\n", NULL));
	CU_ASSERT(screen_str(screen, "From: postmaster@mx.example\n"
		"Subject: hi\n\n.\n", NULL));
	CU_ASSERT(screen_str(screen, PLAIN_HEAD "X-Failed-Recipients: a@b\n"
		PLAIN_BODY, NULL));
	bounce_screen_free(&screen);

	/* another rules file with the same cache: not its screen */
	set.rules_path = test_rules_path;
	CU_ASSERT_EQUAL(bounce_screen_open(&set, &screen), 0);
	set.rules_path = rules_path;

	/* an edited rules file: not used until written again */
	CU_ASSERT_EQUAL(utime(rules_path, &ut), 0);
	CU_ASSERT_EQUAL(bounce_screen_open(&set, &screen), 0);
	cls = test_classifier_init(&set);
	(void)bounce_classifier_get_screen(cls);
	bounce_classifier_deinit(&cls);
	CU_ASSERT_EQUAL(bounce_screen_open(&set, &screen), 1);
	bounce_screen_free(&screen);

	/* one others may write is not trusted */
	CU_ASSERT_EQUAL(chmod(screen_path, 0666), 0);
	CU_ASSERT_EQUAL(bounce_screen_open(&set, &screen), 0);
	CU_ASSERT_EQUAL(chmod(screen_path, 0644), 0);
	CU_ASSERT_EQUAL(bounce_screen_open(&set, &screen), 1);
	bounce_screen_free(&screen);

	/* nor a damaged one */
	test_write_file("screen-file.cache.screen",
			"dovecot-bounce screen 3\nxxxxxxxxxxxxxxxxxxxxxxxxx");
	CU_ASSERT_EQUAL(chmod(screen_path, 0644), 0);
	CU_ASSERT_EQUAL(bounce_screen_open(&set, &screen), 0);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-screen", NULL, NULL);

	CU_add_test(suite, "no sample bounce is screened out",
		    test_screen_samples);
	CU_add_test(suite, "no notification of the corpora is screened out",
		    test_screen_corpora);
	CU_add_test(suite, "the standards' marks", test_screen_standard_marks);
	CU_add_test(suite, "the shipped rules' marks",
		    test_screen_rules_marks);
	CU_add_test(suite, "header values not ASCII", test_screen_not_ascii);
	CU_add_test(suite, "a site's rules count", test_screen_site_rules);
	CU_add_test(suite, "the screen beside the rules cache",
		    test_screen_file);
	CU_add_test(suite, "what passes the screen is classified alike",
		    test_screen_classify_screened);
}

int main(void)
{
	return test_main(add_suites);
}
