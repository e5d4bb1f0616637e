/* The evidence parsers of bounce-status.c. */

#include "lib.h"
#include "bounce-taxonomy.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-recognise.h"
#include "bounce-decide.h"
#include "bounce-private.h"
#include "../test-common.h"

static void test_status_find(void)
{
	CU_ASSERT_STRING_EQUAL(bounce_status_find(test_pool,
		"550 5.1.1 <a@b.example>: user unknown"), "5.1.1");
	CU_ASSERT_STRING_EQUAL(bounce_status_find(test_pool,
		"#5.7.26 dmarc"), "5.7.26");
	CU_ASSERT_STRING_EQUAL(bounce_status_find(test_pool,
		"(4.4.7)"), "4.4.7");
	/* not a class, a version number or an address */
	CU_ASSERT_PTR_NULL(bounce_status_find(test_pool, "3.1.1 fine"));
	CU_ASSERT_PTR_NULL(bounce_status_find(test_pool, "v5.1.1.2 here"));
	CU_ASSERT_PTR_NULL(bounce_status_find(test_pool, "host 192.0.2.5"));
	CU_ASSERT_PTR_NULL(bounce_status_find(test_pool, "5.1234.1"));
	CU_ASSERT_PTR_NULL(bounce_status_find(test_pool, NULL));
	CU_ASSERT_PTR_NULL(bounce_status_find(test_pool, ""));
	/* the first code in the text is the one the server gave */
	CU_ASSERT_STRING_EQUAL(bounce_status_find(test_pool,
		"Status: 4.2.2 (then 5.1.1)"), "4.2.2");
	CU_ASSERT_STRING_EQUAL(bounce_status_find(test_pool,
		"smtp; 5.0.973 requires PTR"), "5.0.973");
}

static void test_reply_find(void)
{
	CU_ASSERT_STRING_EQUAL(bounce_reply_find(test_pool,
		"550 5.1.1 user unknown"), "550");
	CU_ASSERT_STRING_EQUAL(bounce_reply_find(test_pool,
		"host mx.example said: 452-4.2.2 full"), "452");
	CU_ASSERT_PTR_NULL(bounce_reply_find(test_pool,
		"from 192.0.2.250 port 5500"));
	CU_ASSERT_PTR_NULL(bounce_reply_find(test_pool, "4.4.1 timeout"));
	CU_ASSERT_PTR_NULL(bounce_reply_find(test_pool, "error 650 x"));
	CU_ASSERT_PTR_NULL(bounce_reply_find(test_pool, ""));
	CU_ASSERT_PTR_NULL(bounce_reply_find(test_pool, NULL));
}

static void test_address_normalize(void)
{
	CU_ASSERT_STRING_EQUAL(bounce_address_normalize(test_pool,
		"rfc822; <Kijitora@Example.JP>"), "kijitora@example.jp");
	CU_ASSERT_STRING_EQUAL(bounce_address_normalize(test_pool,
		"  user@example.org.  "), "user@example.org");
	CU_ASSERT_STRING_EQUAL(bounce_address_normalize(test_pool,
		"<\"first..last.\"@example.org>"), "first..last.@example.org");
	CU_ASSERT_PTR_NULL(bounce_address_normalize(test_pool, "no address"));
	CU_ASSERT_PTR_NULL(bounce_address_normalize(test_pool, "a@b@c"));
	CU_ASSERT_PTR_NULL(bounce_address_normalize(test_pool, "@example.org"));
	CU_ASSERT_PTR_NULL(bounce_address_normalize(test_pool,
		"two words@example.org"));
}

static void test_text_fold(void)
{
	CU_ASSERT_STRING_EQUAL(bounce_text_fold(test_pool,
		" a\tb\r\n  c \n", 12), "a b c");
	CU_ASSERT_STRING_EQUAL(bounce_text_fold(test_pool, "x\0y", 3), "x y");
	CU_ASSERT_STRING_EQUAL(bounce_text_fold(test_pool, "", 0), "");
	CU_ASSERT_STRING_EQUAL(bounce_text_fold(test_pool, " \t\n", 3), "");
	/* len bounds the input: no terminating NUL needed */
	CU_ASSERT_STRING_EQUAL(bounce_text_fold(test_pool, "abcdef", 3), "abc");
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-status", NULL, NULL);

	CU_add_test(suite, "enhanced status codes", test_status_find);
	CU_add_test(suite, "SMTP reply codes", test_reply_find);
	CU_add_test(suite, "addresses", test_address_normalize);
	CU_add_test(suite, "diagnostic folding", test_text_fold);
}

int main(void)
{
	return test_main(add_suites);
}
