#include "lib.h"
#include "array.h"
#include "istream.h"
#include "unlink-directory.h"
#include "test-common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

struct bounce_classifier *test_cls;
pool_t test_pool;
const char *test_dir;
const char *const test_rules_path = TEST_RULES_PATH;
const char *const test_samples_dir = TEST_SAMPLES_DIR;
const char *const test_corpus_dir = TEST_CORPUS_DIR;
const char *const test_sisimai_dir = TEST_SISIMAI_DIR;

struct bounce_report *
test_classify_with(struct bounce_classifier *cls, pool_t pool,
		   const void *data, size_t size, const char *envelope_to)
{
	struct istream *input = i_stream_create_from_data(data, size);
	struct bounce_report *report;

	report = bounce_classify(cls, pool, input, envelope_to);
	i_stream_unref(&input);
	return report;
}

struct bounce_report *test_classify_data(const void *data, size_t size)
{
	return test_classify_with(test_cls, test_pool, data, size, NULL);
}

struct bounce_report *test_classify(const char *msg, const char *envelope_to)
{
	return test_classify_with(test_cls, test_pool, msg, strlen(msg),
				  envelope_to);
}

struct bounce_report *test_classify_sample(const char *name)
{
	const char *path = t_strconcat(TEST_SAMPLES_DIR "/", name, NULL);
	struct istream *input = i_stream_create_file(path, IO_BLOCK_SIZE);
	struct bounce_report *report;

	report = bounce_classify(test_cls, test_pool, input, NULL);
	/* a missing sample is a broken test, not an empty report */
	if (input->stream_errno != 0) {
		i_error("%s: %s", path, i_stream_get_error(input));
		CU_FAIL("sample not readable");
	}
	i_stream_unref(&input);
	return report;
}

static bool str_eq(const char *a, const char *b)
{
	return null_strcmp(a, b) == 0;
}

bool test_sample_is(const char *sample, const char *format, unsigned int idx,
		    const char *address, const char *type,
		    const char *category)
{
	struct bounce_report *report = test_classify_sample(sample);
	const struct bounce_recipient *rcpt = test_rcpt(report, idx);

	if (rcpt != NULL && str_eq(report->format, format) &&
	    str_eq(rcpt->address, address) &&
	    str_eq(bounce_type_to_str(rcpt->type), type) &&
	    str_eq(rcpt->category, category))
		return TRUE;
	printf("\n    %s #%u: want %s %s %s %s, got %s %s %s %s\n",
	       sample, idx, format, address, type, category, report->format,
	       rcpt == NULL ? "(none)" : rcpt->address,
	       rcpt == NULL ? "" : bounce_type_to_str(rcpt->type),
	       rcpt == NULL ? "" : rcpt->category);
	return FALSE;
}

unsigned int test_foreach_message(const char *path,
				  void (*callback)(const char *path,
						   void *context),
				  void *context)
{
	struct dirent *d;
	struct stat st;
	unsigned int count = 0;
	DIR *dir;

	dir = opendir(path);
	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		const char *name = d->d_name;
		size_t len = strlen(name);

		if (name[0] == '.')
			continue;
		T_BEGIN {
			const char *file = t_strconcat(path, "/", name, NULL);

			if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
				count += test_foreach_message(file, callback,
							      context);
			} else if (len > 4 &&
				   strcmp(name + len - 4, ".eml") == 0) {
				callback(file, context);
				count++;
			}
		} T_END;
	}
	(void)closedir(dir);
	return count;
}

const char *test_write_file(const char *name, const char *text)
{
	const char *path = t_strdup_printf("%s/%s", test_dir, name);
	FILE *f = fopen(path, "w");

	if (f == NULL)
		i_fatal("fopen(%s) failed: %m", path);
	if (fputs(text, f) < 0 || fclose(f) != 0)
		i_fatal("write(%s) failed: %m", path);
	return path;
}

struct bounce_classifier *
test_classifier_init(const struct bounce_settings *set)
{
	struct bounce_settings set2 = *set;
	struct bounce_classifier *cls;
	const char *error;

	if (set2.rules_path[0] != '/')
		set2.rules_path = t_strconcat(test_dir, "/", set2.rules_path,
					      NULL);
	if (bounce_classifier_init(&set2, &cls, &error) < 0) {
		i_error("%s", error);
		CU_FAIL("classifier init failed");
		return NULL;
	}
	return cls;
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
	struct bounce_settings set = { .rules_path = test_rules_path };
	char dir[] = "/tmp/bounce-test.XXXXXX";
	const char *error;
	unsigned int failures;

	lib_init();
	if (mkdtemp(dir) == NULL)
		i_fatal("mkdtemp(%s) failed: %m", dir);
	test_dir = dir;
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
	if (unlink_directory(dir, UNLINK_DIRECTORY_FLAG_RMDIR, &error) < 0)
		i_error("%s", error);
	lib_deinit();
	return failures == 0 ? 0 : 1;
}
