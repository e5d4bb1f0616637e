#include "lib.h"
#include "array.h"
#include "istream.h"
#include "test-common.h"

struct bounce_classifier *test_cls;
pool_t test_pool;

struct bounce_report *test_classify_data(const void *data, size_t size)
{
	struct istream *input = i_stream_create_from_data(data, size);
	struct bounce_report *report;

	report = bounce_classify(test_cls, test_pool, input, NULL);
	i_stream_unref(&input);
	return report;
}

struct bounce_report *test_classify(const char *msg, const char *envelope_to)
{
	struct istream *input = i_stream_create_from_data(msg, strlen(msg));
	struct bounce_report *report;

	report = bounce_classify(test_cls, test_pool, input, envelope_to);
	i_stream_unref(&input);
	return report;
}

const struct bounce_recipient *
test_rcpt(const struct bounce_report *report, unsigned int n)
{
	if (n >= array_count(&report->recipients))
		return NULL;
	return array_idx(&report->recipients, n);
}

int test_main(void (*add_suites)(void))
{
	struct bounce_settings set = { .rules_path = TEST_RULES_PATH };
	const char *error;
	unsigned int failures;

	lib_init();
	if (bounce_classifier_init(&set, &test_cls, &error) < 0)
		i_fatal("%s", error);
	test_pool = pool_alloconly_create("test", 1024 * 1024);
	if (CU_initialize_registry() != CUE_SUCCESS)
		i_fatal("CUnit: %s", CU_get_error_msg());
	add_suites();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() +
		CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	pool_unref(&test_pool);
	bounce_classifier_deinit(&test_cls);
	lib_deinit();
	return failures == 0 ? 0 : 1;
}
