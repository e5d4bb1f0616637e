/* The compiled-patterns cache of bounce-rules-cache.c: used when it holds
   the rules' patterns, never trusted over the rules themselves. */

#include "lib.h"
#include "bounce-rules.h"
#include "test-common.h"

#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#define CACHE_MAGIC "dovecot-bounce rules cache 1\n"

static struct bounce_rules *load(const char *rules_path, const char *cache)
{
	struct bounce_rules *rules;
	const char *error;

	if (bounce_rules_load_cached(rules_path, cache, &rules, &error) < 0) {
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
	CU_ASSERT_TRUE(cache_valid(cache));
	bounce_rules_free(&cached);
	cached = load(test_rules_path, cache);
	CU_ASSERT_STRING_EQUAL(phrase(cached, text), want);
	CU_ASSERT_PTR_NULL(phrase(cached, "all is well"));
	bounce_rules_free(&cached);
	bounce_rules_free(&rules);
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
	CU_ASSERT_EQUAL(bounce_rules_load_cached(path, cache, &rules, &path),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(path, "edited.rules:1"));
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
	CU_add_test(suite, "edited rules are compiled again",
		    test_cache_follows_rules);
	CU_add_test(suite, "damaged or untrusted caches are replaced",
		    test_cache_untrusted);
}

int main(void)
{
	return test_main(add_suites);
}
