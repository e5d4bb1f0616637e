/* The phrase prefilter of bounce-rules-literal.c: the literals it takes
   from a pattern must occur in every match, and it gives up rather than
   guess. */

#include "lib.h"
#include "str.h"
#include "bounce-rules.h"
#include "bounce-rules-literal.h"
#include "../test-common.h"

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
	/* an alternative that needs a non-ASCII character needs no literal:
	   no ASCII text matches it (a non-ASCII text is filtered only for
	   patterns without such characters) */
	CU_ASSERT_STRING_EQUAL(literals("bo\xc3\xaete pleine"), "");
	CU_ASSERT_STRING_EQUAL(literals("\xe5\x9f\x9f\xe5\x90\x8d.*"), "");
	CU_ASSERT_STRING_EQUAL(literals(
		"bo\xc3\xaete pleine|mailbox (?:is )?full"), "mailbox ");
	CU_ASSERT_STRING_EQUAL(literals(
		"(?:\xe6\xba\x80|\xe4\xb8\x80\xe6\x9d\xaf) quota|over quota"),
		"over quota");
	/* one that is optional, or in a class, may be absent */
	CU_ASSERT_STRING_EQUAL(literals("bo[i\xc3\xae]te pleine"), "te pleine");
	CU_ASSERT_STRING_EQUAL(literals("caf\xc3\xa9?s pleins"), "s pleins");
	/* KELVIN SIGN and LONG S match 'k' and 's': unknown text, not
	   impossible */
	CU_ASSERT_STRING_EQUAL(literals("\xe2\x84\xaa" "elvin"), "elvin");
	CU_ASSERT_STRING_EQUAL(literals("mailbox \xc5\xbfull"), "mailbox ");
}

/* Every code point of range matching an ASCII character caselessly, as
   PCRE2 matches phrase patterns, added to found. Halves the range while
   one of its classes matches, so a few hundred compilations do. */
static void
caseless_ascii_matches(uint32_t lo, uint32_t hi, ARRAY_TYPE(uint32_t) *found)
{
	char pattern[64], ascii[128];
	PCRE2_SIZE erroffset;
	pcre2_match_data *md;
	pcre2_code *re;
	int errcode, ret;
	unsigned int i;

	for (i = 1; i < sizeof(ascii); i++)
		ascii[i - 1] = (char)i;
	i_snprintf(pattern, sizeof(pattern), "[\\x{%x}-\\x{%x}]", lo, hi);
	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
			   &errcode, &erroffset, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(re);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	ret = pcre2_match(re, (PCRE2_SPTR)ascii, sizeof(ascii) - 1, 0, 0,
			  md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	if (ret < 0)
		return;
	if (lo == hi) {
		array_push_back(found, &lo);
		return;
	}
	caseless_ascii_matches(lo, lo + (hi - lo) / 2, found);
	caseless_ascii_matches(lo + (hi - lo) / 2 + 1, hi, found);
}

/* What the extraction assumes of the installed PCRE2: of all non-ASCII
   characters, only U+017F and U+212A match an ASCII one caselessly. */
static void test_caseless_ascii(void)
{
	ARRAY_TYPE(uint32_t) found;
	const uint32_t *cp;

	t_array_init(&found, 4);
	caseless_ascii_matches(0x80, 0xd7ff, &found);
	caseless_ascii_matches(0xe000, 0x10ffff, &found);
	CU_ASSERT_EQUAL_FATAL(array_count(&found), 2);
	cp = array_front(&found);
	CU_ASSERT_EQUAL(cp[0], 0x017f);
	CU_ASSERT_EQUAL(cp[1], 0x212a);
}

static const char *literals_any_text(const char *pattern)
{
	const char *const *lits =
		bounce_rules_literals_any_text(test_pool, pattern);

	return lits == NULL ? NULL : t_strarray_join(lits, "|");
}

/* For any text a non-ASCII character is unknown text: the alternatives
   that need one are filtered by their ASCII parts, or not at all. */
static void test_literals_any_text(void)
{
	CU_ASSERT_STRING_EQUAL(literals_any_text("Mailbox FULL"),
			       "mailbox full");
	CU_ASSERT_STRING_EQUAL(literals_any_text(
		"bo\xc3\xaete pleine|mailbox (?:is )?full"),
		"te pleine|mailbox ");
	CU_ASSERT_STRING_EQUAL(literals_any_text(
		"(?:\xe6\xba\x80|\xe4\xb8\x80\xe6\x9d\xaf) quota|over quota"),
		" quota|over quota");
	CU_ASSERT_PTR_NULL(literals_any_text("\xe5\x9f\x9f\xe5\x90\x8d.*"));
	CU_ASSERT_PTR_NULL(literals_any_text(
		"\xe5\x9f\x9f\xe5\x90\x8d|mailbox full"));
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
}

/* The second set of pattern, joined with '|', or NULL */
static const char *literals_second(const char *pattern)
{
	const char *const *lits =
		bounce_rules_literals_second(test_pool, pattern);

	return lits == NULL ? NULL : t_strarray_join(lits, "|");
}

/* A second part of the sequence every match contains too; over
   alternatives, each one's second part, or its only one. */
static void test_literals_second(void)
{
	CU_ASSERT_STRING_EQUAL(literals_second(
		"(?:mail ?box|account)(?: is)? full"), "mail|account");
	CU_ASSERT_STRING_EQUAL(literals_second(
		"(?:unknown|invalid|illegal) (?:host|domain)(?: name)?\\b"),
		"host|domain");
	CU_ASSERT_STRING_EQUAL(literals_second(
		"no such (?:user|mailbox)\\b|\\bnxdomain\\b"),
		"user|mailbox|nxdomain");
	/* the best of the others, not the first met */
	CU_ASSERT_STRING_EQUAL(literals_second(
		"abc.*(?:quota|limit).*mailbox full"), "quota|limit");
	/* a group's own alternatives give none */
	CU_ASSERT_PTR_NULL(literals_second("(?:user unknown|no such user)"));
	CU_ASSERT_PTR_NULL(literals_second("mailbox full|over quota"));
	CU_ASSERT_PTR_NULL(literals_second("[a-z]+@[a-z]+ mailbox"));
	CU_ASSERT_PTR_NULL(literals_second("(?-i)mailbox full"));
	/* an alternative no ASCII text matches adds nothing */
	CU_ASSERT_STRING_EQUAL(literals_second(
		"bo\xc3\xaete pleine|over (?:the )?quota limit"),
		"over ");
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

/* Over any text: found[] is set in a non-ASCII text too, where KELVIN
   SIGN and LONG S are read as the 'k' and 's' they match caselessly. */
static void test_index_scan_any(void)
{
	struct bounce_literal_index *index = bounce_literal_index_create();
	const char *const lits0[] = { "user unknown", NULL };
	const char *const lits1[] = { "spam", NULL };
	const char *text;
	bool found[2];

	bounce_literal_index_add(index, lits0, 0);
	bounce_literal_index_add(index, lits1, 1);

	memset(found, 0, sizeof(found));
	text = "destinataire inconnu \xe2\x80\x94 User Unknown";
	CU_ASSERT_FALSE(bounce_literal_index_scan_any(index, text,
						      strlen(text), found));
	CU_ASSERT_TRUE(found[0]);
	CU_ASSERT_FALSE(found[1]);

	memset(found, 0, sizeof(found));
	text = "u\xc5\xbf" "er un\xe2\x84\xaanown: \xc5\xbfPAM";
	CU_ASSERT_FALSE(bounce_literal_index_scan_any(index, text,
						      strlen(text), found));
	CU_ASSERT_TRUE(found[0]);
	CU_ASSERT_TRUE(found[1]);

	/* a sign cut off by the text's end is no letter */
	memset(found, 0, sizeof(found));
	text = "user un\xe2\x84\xaanown";
	CU_ASSERT_FALSE(bounce_literal_index_scan_any(index, text,
						      strlen(text) - 5, found));
	CU_ASSERT_FALSE(found[0]);

	/* an ASCII text is scanned as by bounce_literal_index_scan() */
	memset(found, 0, sizeof(found));
	CU_ASSERT_TRUE(bounce_literal_index_scan_any(index, "no spam", 7,
						     found));
	CU_ASSERT_FALSE(found[0]);
	CU_ASSERT_TRUE(found[1]);
	bounce_literal_index_free(&index);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-rules-literal", NULL, NULL);

	CU_add_test(suite, "literals every match contains",
		    test_literals_found);
	CU_add_test(suite, "patterns without known literals",
		    test_literals_unknown);
	CU_add_test(suite, "literals for any text", test_literals_any_text);
	CU_add_test(suite, "a second set of literals", test_literals_second);
	CU_add_test(suite, "finding the literals in a text", test_index_scan);
	CU_add_test(suite, "finding the literals in a non-ASCII text",
		    test_index_scan_any);
	CU_add_test(suite, "non-ASCII characters matching ASCII ones",
		    test_caseless_ascii);
}

int main(void)
{
	return test_main(add_suites);
}
