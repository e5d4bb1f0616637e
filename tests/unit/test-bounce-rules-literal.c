/* The phrase prefilter of bounce-rules-literal.c: the literals it takes
   from a pattern must occur in every match, and it gives up rather than
   guess. */

#include "lib.h"
#include "str.h"
#include "bounce-rules-literal.h"
#include "test-common.h"

/* The literals of pattern, joined with '|', or NULL */
static const char *literals(const char *pattern)
{
	const char *const *lits = bounce_rules_literals(test_pool, pattern);

	return lits == NULL ? NULL : t_strarray_join(lits, "|");
}

static void test_literals_found(void)
{
	CU_ASSERT_STRING_EQUAL(literals(
		"host or domain name not found|\\bnxdomain\\b|name or service not known"),
		"host or domain name not found|nxdomain|name or service not known");
	/* the best required part: " full" beats the group {mail, account} */
	CU_ASSERT_STRING_EQUAL(literals("(?:mail ?box|account)(?: is)? full"),
			       " full");
	/* a required group when nothing outside it is long enough */
	CU_ASSERT_STRING_EQUAL(literals("(?:over|exceed(?:ed|s)?) quota"),
			       " quota");
	CU_ASSERT_STRING_EQUAL(literals("(?:unknown|invalid) \\S+"),
			       "unknown|invalid");
	/* an optional or repeated character ends a literal */
	CU_ASSERT_STRING_EQUAL(literals("colou?r"), "colo");
	CU_ASSERT_STRING_EQUAL(literals("abc+def"), "abc");
	/* lookarounds, anchors and classes are not text that must occur */
	CU_ASSERT_STRING_EQUAL(literals("(?<!sending )quota exceeded"),
			       "quota exceeded");
	CU_ASSERT_STRING_EQUAL(literals("^[]x]abc$"), "abc");
	CU_ASSERT_STRING_EQUAL(literals("(?<name>user) unknown\\."),
			       " unknown.");
	/* matched caselessly: kept in lowercase */
	CU_ASSERT_STRING_EQUAL(literals("Mailbox FULL"), "mailbox full");
	/* a non-ASCII character is not part of a literal */
	CU_ASSERT_STRING_EQUAL(literals("bo\xc3\xaete pleine"), "te pleine");
}

static void test_literals_unknown(void)
{
	/* nothing long enough must occur */
	CU_ASSERT_PTR_NULL(literals("[a-z]+@[a-z]+"));
	CU_ASSERT_PTR_NULL(literals("ab"));
	CU_ASSERT_PTR_NULL(literals("(?:mailbox )?ful?"));
	/* an empty alternative matches anywhere */
	CU_ASSERT_PTR_NULL(literals("abc|"));
	CU_ASSERT_PTR_NULL(literals("abcd|\\d+"));
	/* constructs it does not read: it gives up */
	CU_ASSERT_PTR_NULL(literals("(?-i)mailbox"));
	CU_ASSERT_PTR_NULL(literals("(\\w+) \\1 mailbox"));
	CU_ASSERT_PTR_NULL(literals("\\Qmailbox\\E"));
	CU_ASSERT_PTR_NULL(literals("(*UTF)mailbox"));
	CU_ASSERT_PTR_NULL(literals("x{,3}mailbox"));
	CU_ASSERT_PTR_NULL(literals("\xe5\x9f\x9f\xe5\x90\x8d.*"));
}

static void test_index_scan(void)
{
	struct bounce_literal_index *index = bounce_literal_index_create();
	const char *const lits0[] = { "mailbox full", "over quota", NULL };
	const char *const lits1[] = { "nxdomain", NULL };
	const char *const lits2[] = { "box", NULL };
	bool found[3];

	bounce_literal_index_add(index, lits0, 0);
	bounce_literal_index_add(index, lits1, 1);
	bounce_literal_index_add(index, lits2, 2);

	memset(found, 0, sizeof(found));
	CU_ASSERT_TRUE(bounce_literal_index_scan(index,
		"550 User's MAILBOX FULL", 23, found));
	CU_ASSERT_TRUE(found[0]);
	CU_ASSERT_FALSE(found[1]);
	CU_ASSERT_TRUE(found[2]);

	/* at the very end of the text, and not past its length */
	memset(found, 0, sizeof(found));
	CU_ASSERT_TRUE(bounce_literal_index_scan(index,
		"dns: NXDOMAIN", 13, found));
	CU_ASSERT_FALSE(found[0]);
	CU_ASSERT_TRUE(found[1]);
	memset(found, 0, sizeof(found));
	CU_ASSERT_TRUE(bounce_literal_index_scan(index,
		"dns: NXDOMAIN", 12, found));
	CU_ASSERT_FALSE(found[1]);

	/* a non-ASCII text is not looked at: the caller runs every
	   pattern */
	memset(found, 0, sizeof(found));
	CU_ASSERT_FALSE(bounce_literal_index_scan(index,
		"over quota \xe2\x84\xaa", 14, found));
	bounce_literal_index_free(&index);
	CU_ASSERT_PTR_NULL(index);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-rules-literal", NULL, NULL);

	CU_add_test(suite, "literals every match contains",
		    test_literals_found);
	CU_add_test(suite, "patterns without known literals",
		    test_literals_unknown);
	CU_add_test(suite, "finding the literals in a text", test_index_scan);
}

int main(void)
{
	return test_main(add_suites);
}
