/* The compiled-patterns cache of bounce-rules-cache.c: used when it holds
   the rules' patterns, never trusted over the rules themselves. */

#include "lib.h"
#include "bounce-taxonomy.h"
#include "bounce-rules.h"
#include "bounce-private.h"
#include "../test-common.h"

#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "array.h"
#include "istream.h"
#include "str.h"

#include <dirent.h>

#define CACHE_MAGIC "dovecot-bounce rules cache 6\n"

static struct bounce_rules *load(const char *rules_path, const char *cache)
{
	struct bounce_rules *rules;
	const char *error;

	if (bounce_rules_load_cached(rules_path, cache, bounce_category_names(),
				     &rules, &error) < 0) {
		CU_FAIL(error);
		return NULL;
	}
	return rules;
}

/* The category of the rule whose phrase is in text, or NULL */
static const char *phrase(struct bounce_rules *rules, const char *text)
{
	const struct bounce_rule *rule =
		bounce_rules_match_phrase(rules, text);

	return rule == NULL ? NULL : rule->id;
}

static bool cache_valid(const char *path)
{
	char buf[sizeof(CACHE_MAGIC) - 1];
	struct stat st;
	bool ret;
	int fd;

	if (stat(path, &st) < 0 || (st.st_mode & 0777) != 0644)
		return FALSE;
	fd = open(path, O_RDONLY);
	if (fd == -1)
		return FALSE;
	ret = read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) &&
		memcmp(buf, CACHE_MAGIC, sizeof(buf)) == 0;
	i_close_fd(&fd);
	return ret;
}

static void test_cache_shipped_rules(void)
{
	const char *cache = t_strconcat(test_dir, "/shipped.cache", NULL);
	const char *text = "550 5.1.1 <a@b.example>: Recipient address "
		"rejected: User unknown in virtual mailbox table";
	struct bounce_rules *rules, *cached;
	const char *want;

	rules = load(test_rules_path, NULL);
	want = phrase(rules, text);
	CU_ASSERT_PTR_NOT_NULL(want);

	/* written by the first load, used by the second: the same answers */
	cached = load(test_rules_path, cache);
	CU_ASSERT_FALSE(bounce_rules_from_image(cached));
	CU_ASSERT_TRUE(cache_valid(cache));
	bounce_rules_free(&cached);
	cached = load(test_rules_path, cache);
	CU_ASSERT_TRUE(bounce_rules_from_image(cached));
	CU_ASSERT_STRING_EQUAL(phrase(cached, text), want);
	CU_ASSERT_PTR_NULL(phrase(cached, "all is well"));
	bounce_rules_free(&cached);
	bounce_rules_free(&rules);
}

/* Every recipient of a sample as one line: what the classifier decided
   and which rule decided it */
static const char *
classify_summary(struct bounce_classifier *cls, const char *path)
{
	struct istream *input = i_stream_create_file(path, IO_BLOCK_SIZE);
	struct bounce_report *report;
	const struct bounce_recipient *rcpt;
	string_t *str = t_str_new(256);

	report = bounce_classify(cls, test_pool, input, NULL);
	i_stream_unref(&input);
	array_foreach(&report->recipients, rcpt) {
		str_printfa(str, "%s %s %s %u %s|", rcpt->address,
			    bounce_type_to_str(rcpt->type), rcpt->category,
			    rcpt->code, rcpt->rule);
	}
	return str_c(str);
}

/* The patterns and their literals read back from the cache decide every
   sample as the rules compiled from their text do. */
static void test_cache_classifies_alike(void)
{
	struct bounce_settings set;
	struct bounce_classifier *cached;
	struct dirent *d;
	unsigned int compared = 0;
	DIR *dir;

	i_zero(&set);
	set.rules_path = test_rules_path;
	set.rules_cache_path = t_strconcat(test_dir, "/alike.cache", NULL);
	/* the first load writes the cache, the second reads it */
	cached = test_classifier_init(&set);
	bounce_classifier_deinit(&cached);
	CU_ASSERT_TRUE_FATAL(cache_valid(set.rules_cache_path));
	cached = test_classifier_init(&set);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cached);
	/* built from the image of the rules, not from their files */
	CU_ASSERT_TRUE(bounce_rules_from_image(cached->rules));

	dir = opendir(test_samples_dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	while ((d = readdir(dir)) != NULL) {
		size_t len = strlen(d->d_name);

		if (len < 4 || strcmp(d->d_name + len - 4, ".eml") != 0)
			continue;
		T_BEGIN {
			const char *path = t_strconcat(test_samples_dir, "/",
						       d->d_name, NULL);
			const char *want = classify_summary(test_cls, path);
			const char *got = classify_summary(cached, path);

			if (strcmp(want, got) != 0) {
				i_error("%s: %s, through the cache %s",
					d->d_name, want, got);
				CU_FAIL("classified otherwise through the cache");
			}
		} T_END;
		compared++;
	}
	(void)closedir(dir);
	CU_ASSERT(compared >= 90);
	bounce_classifier_deinit(&cached);
}

static void test_cache_follows_rules(void)
{
	const char *cache = t_strconcat(test_dir, "/edited.cache", NULL);
	const char *path;
	struct bounce_rules *rules;

	path = test_write_file("edited.rules",
			       "phrase quota-issues mailbox is full\n");
	rules = load(path, cache);
	bounce_rules_free(&rules);
	CU_ASSERT_TRUE(cache_valid(cache));

	/* an edited rule is compiled from its new text, not taken from the
	   cache */
	path = test_write_file("edited.rules",
			       "phrase quota-issues mailbox is overfull\n");
	rules = load(path, cache);
	CU_ASSERT_PTR_NULL(phrase(rules, "the mailbox is full"));
	CU_ASSERT_PTR_NOT_NULL(phrase(rules, "the mailbox is overfull"));
	bounce_rules_free(&rules);

	/* a bad pattern still fails the load at its line */
	path = test_write_file("edited.rules",
			       "phrase quota-issues mailbox (is full\n");
	CU_ASSERT_EQUAL(bounce_rules_load_cached(path, cache,
						 bounce_category_names(),
						 &rules, &path), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(path, "edited.rules:1"));
}

/* The image of the rules is used only while the files are as they were:
   a file edited, added to an included directory or removed from it, or
   replaced, makes the next load read the files again. */
static void test_cache_image_follows_files(void)
{
	const char *cache = t_strconcat(test_dir, "/image.cache", NULL);
	const ARRAY_TYPE(bounce_format_match) *marks;
	const struct bounce_format_match *mark;
	const char *main_path, *inc, *error;
	struct bounce_rules *rules;

	(void)mkdir(t_strconcat(test_dir, "/image.d", NULL), 0700);
	inc = test_write_file("image.d/a.rules",
			      "phrase quota-issues mailbox is full\n"
			      "notification X-Bounce-Test ^yes\n");
	main_path = test_write_file("image.rules",
		"reply 552 quota-issues\ninclude image.d/*.rules\n");
	rules = load(main_path, cache);
	CU_ASSERT_FALSE(bounce_rules_from_image(rules));
	bounce_rules_free(&rules);
	rules = load(main_path, cache);
	CU_ASSERT_TRUE(bounce_rules_from_image(rules));
	CU_ASSERT_STRING_EQUAL(phrase(rules, "the mailbox is full"),
			       "a.rules:1");
	/* the notification lines too */
	marks = bounce_rules_header_marks(rules);
	CU_ASSERT_EQUAL_FATAL(array_count(marks), 1);
	mark = array_idx(marks, 0);
	CU_ASSERT_STRING_EQUAL(mark->header, "X-Bounce-Test");
	bounce_rules_free(&rules);

	/* edited in place */
	test_write_file("image.d/a.rules",
			"phrase quota-issues mailbox is FULL\n"
			"phrase bad-mailbox no such user\n");
	rules = load(main_path, cache);
	CU_ASSERT_FALSE(bounce_rules_from_image(rules));
	CU_ASSERT_STRING_EQUAL(phrase(rules, "no such user"), "a.rules:2");
	bounce_rules_free(&rules);
	rules = load(main_path, cache);
	CU_ASSERT_TRUE(bounce_rules_from_image(rules));
	CU_ASSERT_STRING_EQUAL(phrase(rules, "no such user"), "a.rules:2");
	bounce_rules_free(&rules);

	/* a file added to the included directory */
	test_write_file("image.d/b.rules",
			"phrase inactive-mailbox account is disabled\n");
	rules = load(main_path, cache);
	CU_ASSERT_FALSE(bounce_rules_from_image(rules));
	CU_ASSERT_STRING_EQUAL(phrase(rules, "account is disabled"),
			       "b.rules:1");
	bounce_rules_free(&rules);

	/* and removed again */
	CU_ASSERT_EQUAL(unlink(t_strconcat(test_dir, "/image.d/b.rules",
					   NULL)), 0);
	rules = load(main_path, cache);
	CU_ASSERT_FALSE(bounce_rules_from_image(rules));
	CU_ASSERT_PTR_NULL(phrase(rules, "account is disabled"));
	bounce_rules_free(&rules);

	/* a file the pattern does not match changes the directory, not
	   what the rules are made of */
	test_write_file("image.d/README", "local rules go here\n");
	rules = load(main_path, cache);
	CU_ASSERT_TRUE(bounce_rules_from_image(rules));
	bounce_rules_free(&rules);

	/* replaced by another file of the same contents: read again */
	rules = load(main_path, cache);
	CU_ASSERT_TRUE(bounce_rules_from_image(rules));
	bounce_rules_free(&rules);
	test_write_file("image.d/a.tmp", "phrase quota-issues mailbox is FULL\n"
			"phrase bad-mailbox no such user\n");
	CU_ASSERT_EQUAL(rename(t_strconcat(test_dir, "/image.d/a.tmp", NULL),
			       inc), 0);
	rules = load(main_path, cache);
	CU_ASSERT_FALSE(bounce_rules_from_image(rules));
	CU_ASSERT_STRING_EQUAL(phrase(rules, "no such user"), "a.rules:2");
	bounce_rules_free(&rules);

	/* a plain include (no wildcard): used from the image while its
	   file is there, and an error once it is gone, as without a
	   cache */
	test_write_file("image-local.rules",
			"phrase bad-domain host not found\n");
	main_path = test_write_file("image.rules",
		"reply 552 quota-issues\ninclude image.d/*.rules\n"
		"include image-local.rules\n");
	rules = load(main_path, cache);
	CU_ASSERT_FALSE(bounce_rules_from_image(rules));
	bounce_rules_free(&rules);
	rules = load(main_path, cache);
	CU_ASSERT_TRUE(bounce_rules_from_image(rules));
	CU_ASSERT_STRING_EQUAL(phrase(rules, "host not found"),
			       "image-local.rules:1");
	bounce_rules_free(&rules);
	CU_ASSERT_EQUAL(unlink(t_strconcat(test_dir, "/image-local.rules",
					   NULL)), 0);
	CU_ASSERT(bounce_rules_load_cached(main_path, cache,
					   bounce_category_names(),
					   &rules, &error) < 0);

	/* the same cache for another rules file: that file's rules */
	rules = load(test_write_file("other.rules",
			"phrase bad-domain host not found\n"), cache);
	CU_ASSERT_FALSE(bounce_rules_from_image(rules));
	CU_ASSERT_PTR_NULL(phrase(rules, "no such user"));
	CU_ASSERT_STRING_EQUAL(phrase(rules, "host not found"),
			       "other.rules:1");
	bounce_rules_free(&rules);
}

/* A rule's category is its index in the names the rules are loaded with:
   an image made with other names (another taxonomy, or the same in
   another order) is not used, and the rules are read again. */
static void test_cache_image_follows_categories(void)
{
	static const char *const names[] = {
		"quota-issues", "bad-mailbox", NULL
	};
	static const char *const reordered[] = {
		"bad-mailbox", "quota-issues", NULL
	};
	static const char *const renamed[] = {
		"mailbox-full", "bad-mailbox", NULL
	};
	const char *cache = t_strconcat(test_dir, "/categories.cache", NULL);
	const char *path, *error = "";
	const struct bounce_rule *rule;
	struct bounce_rules *rules;

	path = test_write_file("categories.rules",
			       "phrase quota-issues mailbox is full\n");
	CU_ASSERT_EQUAL_FATAL(bounce_rules_load_cached(path, cache, names,
						       &rules, &error), 0);
	bounce_rules_free(&rules);
	CU_ASSERT_EQUAL_FATAL(bounce_rules_load_cached(path, cache, names,
						       &rules, &error), 0);
	CU_ASSERT_TRUE(bounce_rules_from_image(rules));
	rule = bounce_rules_match_phrase(rules, "the mailbox is full");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rule);
	CU_ASSERT_EQUAL(rule->category, 0);
	bounce_rules_free(&rules);

	CU_ASSERT_EQUAL_FATAL(bounce_rules_load_cached(path, cache, reordered,
						       &rules, &error), 0);
	CU_ASSERT_FALSE(bounce_rules_from_image(rules));
	rule = bounce_rules_match_phrase(rules, "the mailbox is full");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rule);
	CU_ASSERT_EQUAL(rule->category, 1);
	bounce_rules_free(&rules);

	/* the image now holds the reordered names: the first are other */
	CU_ASSERT_EQUAL_FATAL(bounce_rules_load_cached(path, cache, names,
						       &rules, &error), 0);
	CU_ASSERT_FALSE(bounce_rules_from_image(rules));
	bounce_rules_free(&rules);
	/* a name the rules use is no longer there: they fail to load */
	CU_ASSERT_EQUAL(bounce_rules_load_cached(path, cache, renamed,
						 &rules, &error), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "unknown category"));
}

static void test_cache_untrusted(void)
{
	const char *cache = t_strconcat(test_dir, "/damaged.cache", NULL);
	const char *path;
	struct bounce_rules *rules;
	struct stat st;

	path = test_write_file("damaged.rules",
			       "phrase quota-issues mailbox is full\n");
	/* damaged: ignored and replaced */
	test_write_file("damaged.cache", CACHE_MAGIC "\x01\x02\x03garbage");
	rules = load(path, cache);
	CU_ASSERT_PTR_NOT_NULL(phrase(rules, "mailbox is full"));
	bounce_rules_free(&rules);
	CU_ASSERT_TRUE(cache_valid(cache));

	/* a cache others could have written is not used; it is replaced */
	CU_ASSERT_EQUAL(chmod(cache, 0666), 0);
	rules = load(path, cache);
	CU_ASSERT_PTR_NOT_NULL(phrase(rules, "mailbox is full"));
	bounce_rules_free(&rules);
	CU_ASSERT_TRUE(cache_valid(cache));

	/* a cache that cannot be written is no error */
	cache = t_strconcat(test_dir, "/missing-dir/rules.cache", NULL);
	rules = load(path, cache);
	CU_ASSERT_PTR_NOT_NULL(phrase(rules, "mailbox is full"));
	bounce_rules_free(&rules);
	CU_ASSERT_EQUAL(stat(cache, &st), -1);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-rules-cache", NULL, NULL);

	CU_add_test(suite, "the shipped rules through the cache",
		    test_cache_shipped_rules);
	CU_add_test(suite, "every sample classified alike through the cache",
		    test_cache_classifies_alike);
	CU_add_test(suite, "edited rules are compiled again",
		    test_cache_follows_rules);
	CU_add_test(suite, "the rules' image follows their files",
		    test_cache_image_follows_files);
	CU_add_test(suite, "the rules' image follows the category names",
		    test_cache_image_follows_categories);
	CU_add_test(suite, "damaged or untrusted caches are replaced",
		    test_cache_untrusted);
}

int main(void)
{
	return test_main(add_suites);
}
