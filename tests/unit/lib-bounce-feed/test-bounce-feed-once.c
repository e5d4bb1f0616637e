/* A notification's spool file (bounce_feed_spool_write_once()): written
   again, after a crash or a failure at any step, or by several writers at
   once, it is there exactly once, complete and valid. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "write-full.h"
#include "unlink-directory.h"
#include "dovecot-compat.h"
#include "bounce-feed-private.h"
#include "../test-common.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

static struct bounce_feed_schema *schema;
static struct bounce_report report;
static struct bounce_recipient rcpts[3];
static struct bounce_feed_record records[3];
static struct timeval tv;

static void fill_records(time_t time)
{
	static const char *const addresses[] = {
		"a@example.org", "b@example.org", "c@example.org"
	};
	unsigned int i;

	tv.tv_sec = time;
	tv.tv_usec = 123456;
	i_zero(&report);
	p_array_init(&report.recipients, test_pool, 3);
	p_array_init(&report.orig_headers, test_pool, 1);
	report.format = "dsn";
	report.orig_message_id = "<campaign-1@lists.example.net>";
	for (i = 0; i < N_ELEMENTS(rcpts); i++) {
		i_zero(&rcpts[i]);
		rcpts[i].address = addresses[i];
		rcpts[i].type = BOUNCE_TYPE_SOFT;
		rcpts[i].category = "quota-issues";
		rcpts[i].code = 22;
		rcpts[i].status = "4.2.2";
		array_push_back(&report.recipients, &rcpts[i]);
		i_zero(&records[i]);
		records[i].time = time;
		records[i].user = "jdoe";
		records[i].report = &report;
		records[i].rcpt = &rcpts[i];
		records[i].state = "active";
		records[i].softcount = i + 1;
	}
}

static unsigned int dir_count(const char *path)
{
	struct dirent *d;
	unsigned int count = 0;
	DIR *dir = opendir(path);

	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] != '.')
			count++;
	}
	closedir(dir);
	return count;
}

/* The only file in DIR/sub, or NULL */
static const char *only_file(const char *spool, const char *sub)
{
	const char *dir_path = t_strdup_printf("%s/%s", spool, sub);
	const char *name = NULL;
	struct dirent *d;
	DIR *dir = opendir(dir_path);

	if (dir == NULL)
		return NULL;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if (name != NULL) {
			name = NULL;
			break;
		}
		name = t_strdup(d->d_name);
	}
	closedir(dir);
	return name;
}

/* new/ holds exactly one file, valid, with the three records in order */
static void assert_one_valid_file(const char *spool)
{
	struct bounce_feed_spool_file *file;
	const struct bounce_feed_entry *entries;
	const char *name, *error;
	unsigned int count;

	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/new", NULL)), 1);
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/tmp", NULL)), 0);
	name = only_file(spool, "new");
	CU_ASSERT_PTR_NOT_NULL_FATAL(name);
	if (bounce_feed_spool_read(spool, name, schema, &file, &error) < 0) {
		printf("\n    %s\n", error);
		CU_FAIL_FATAL("spool file not valid");
	}
	entries = array_get(bounce_feed_spool_file_entries(file), &count);
	CU_ASSERT_EQUAL_FATAL(count, 3);
	CU_ASSERT_STRING_EQUAL(entries[0].rcpt.address, "a@example.org");
	CU_ASSERT_STRING_EQUAL(entries[2].rcpt.address, "c@example.org");
	CU_ASSERT_EQUAL(entries[2].record.softcount, 3);
	CU_ASSERT_STRING_EQUAL(entries[1].id,
			       t_strdup_printf("%s/2", name));
	bounce_feed_spool_file_free(&file);
}

static void test_once(void)
{
	const char *spool = t_strdup_printf("%s/once", test_dir);
	const char *name, *error;

	fill_records(1782000000);
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "n1/jdoe", &tv,
			records, 3, BOUNCE_FEED_FSYNC, &error), 1);
	assert_one_valid_file(spool);
	/* the name starts with the time, then the key's digest */
	name = only_file(spool, "new");
	CU_ASSERT_PTR_NOT_NULL_FATAL(name);
	CU_ASSERT(str_begins_with(name, "1782000000.M123456N"));
	CU_ASSERT_EQUAL(strlen(name), strlen("1782000000.M123456N.xml") + 32);

	/* again: nothing new */
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "n1/jdoe", &tv,
			records, 3, BOUNCE_FEED_FSYNC, &error), 0);
	assert_one_valid_file(spool);

	/* consumed into cur/: still nothing new */
	CU_ASSERT_EQUAL(bounce_feed_spool_ack(spool, name, &error), 0);
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "n1/jdoe", &tv,
			records, 3, BOUNCE_FEED_FSYNC, &error), 0);
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/new", NULL)), 0);
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/cur", NULL)), 1);

	/* another key (notification, user): another file */
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "n1/other", &tv,
			records, 3, BOUNCE_FEED_FSYNC, &error), 1);
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "n2/jdoe", &tv,
			records, 3, BOUNCE_FEED_FSYNC, &error), 1);
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/new", NULL)), 2);
}

/* What a writer killed at each step leaves in tmp/ (nothing, an empty
   file, half the document, all of it unsynced), and what one killed
   after linking leaves (the file in new/ and in tmp/): the next writer
   of the key ends with one complete file. */
static void test_once_after_crash(void)
{
	static const unsigned int cut[] = { 0, 1, 2, 3, 4 };
	const char *spool, *tmp_name, *error;
	string_t *data;
	unsigned int i, len;
	int fd;

	fill_records(1782000100);
	for (i = 0; i < N_ELEMENTS(cut); i++) {
		spool = t_strdup_printf("%s/crash-%u", test_dir, i);
		/* the document a complete write makes, to cut */
		CU_ASSERT_EQUAL_FATAL(bounce_feed_spool_write_once(spool, "k", &tv,
					records, 3, BOUNCE_FEED_FSYNC, &error), 1);
		tmp_name = only_file(spool, "new");
		CU_ASSERT_PTR_NOT_NULL_FATAL(tmp_name);
		data = t_str_new(4096);
		fd = open(t_strdup_printf("%s/new/%s", spool, tmp_name),
			  O_RDONLY);
		CU_ASSERT_FATAL(fd != -1);
		len = read(fd, buffer_append_space_unsafe(data, 4000), 4000);
		buffer_set_used_size(data, len);
		i_close_fd(&fd);

		if (cut[i] < 4) {
			/* died before linking: nothing in new/ */
			CU_ASSERT_EQUAL(unlink(t_strdup_printf("%s/new/%s",
					spool, tmp_name)), 0);
		}
		if (cut[i] > 0) {
			fd = open(t_strdup_printf("%s/tmp/%s", spool, tmp_name),
				  O_WRONLY | O_CREAT, 0600);
			CU_ASSERT_FATAL(fd != -1);
			len = cut[i] == 1 ? 0 : cut[i] == 2 ? str_len(data) / 2 :
				str_len(data);
			CU_ASSERT_EQUAL(write_full(fd, str_data(data), len), 0);
			i_close_fd(&fd);
		}
		CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "k", &tv,
					records, 3, BOUNCE_FEED_FSYNC, &error),
				cut[i] < 4 ? 1 : 0);
		assert_one_valid_file(spool);
	}
}

/* Writers of one key at once: one file, and each returns success */
#define ONCE_WRITERS 8
#define ONCE_ROUNDS 20
static void test_once_parallel(void)
{
	const char *spool = t_strdup_printf("%s/once-parallel", test_dir);
	pid_t pids[ONCE_WRITERS];
	unsigned int i, round, written;
	int status, fds[2], failures = 0;
	char c;

	fill_records(1782000200);
	for (round = 0; round < ONCE_ROUNDS; round++) {
		const char *key = t_strdup_printf("round-%u", round);

		CU_ASSERT_FATAL(pipe(fds) == 0);
		for (i = 0; i < ONCE_WRITERS; i++) {
			pids[i] = fork();
			CU_ASSERT_FATAL(pids[i] >= 0);
			if (pids[i] > 0)
				continue;
			const char *error;
			int ret;

			/* start together */
			i_close_fd(&fds[1]);
			if (read(fds[0], &c, 1) < 0)
				_exit(3);
			ret = bounce_feed_spool_write_once(spool, key, &tv,
				records, 3, BOUNCE_FEED_FSYNC, &error);
			if (ret < 0)
				i_error("%s", error);
			_exit(ret < 0 ? 2 : ret);
		}
		i_close_fd(&fds[0]);
		i_close_fd(&fds[1]);
		written = 0;
		for (i = 0; i < ONCE_WRITERS; i++) {
			CU_ASSERT(waitpid(pids[i], &status, 0) == pids[i]);
			if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
				failures++;
			else
				written += WEXITSTATUS(status);
		}
		CU_ASSERT_EQUAL(written, 1);
		CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/new", NULL)),
				round + 1);
		CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/tmp", NULL)), 0);
	}
	CU_ASSERT_EQUAL(failures, 0);
}

/* mail_fsync = never: the same file, unsynced; the spool's directories,
   made by the first write, are made again when they are gone */
static void test_once_nosync(void)
{
	const char *spool = t_strdup_printf("%s/once-nosync", test_dir);
	const char *error;

	fill_records(1782000400);
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "n1/jdoe", &tv,
			records, 3, BOUNCE_FEED_FSYNC_NEVER, &error), 1);
	assert_one_valid_file(spool);
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "n1/jdoe", &tv,
			records, 3, BOUNCE_FEED_FSYNC_NEVER, &error), 0);

	/* new/ removed, then the whole spool */
	CU_ASSERT_EQUAL(unlink_directory(t_strconcat(spool, "/new", NULL),
					 UNLINK_DIRECTORY_FLAG_RMDIR,
					 &error), 1);
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "n1/jdoe", &tv,
			records, 3, BOUNCE_FEED_FSYNC, &error), 1);
	assert_one_valid_file(spool);
	CU_ASSERT_EQUAL(unlink_directory(spool, UNLINK_DIRECTORY_FLAG_RMDIR,
					 &error), 1);
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(spool, "n1/jdoe", &tv,
			records, 3, BOUNCE_FEED_FSYNC, &error), 1);
	assert_one_valid_file(spool);
}

static void test_once_unwritable(void)
{
	const char *file = test_write_file("once-not-a-dir", "x");
	const char *error = NULL;

	fill_records(1782000300);
	CU_ASSERT_EQUAL(bounce_feed_spool_write_once(
		t_strconcat(file, "/spool", NULL), "k", &tv, records, 1,
		BOUNCE_FEED_FSYNC, &error), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(error);
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "once-not-a-dir"));
}

static int suite_init(void)
{
	const char *error;

	if (bounce_feed_schema_load(TEST_FEED_SCHEMA_PATH, &schema,
				    &error) < 0) {
		printf("%s\n", error);
		return 1;
	}
	return 0;
}

static int suite_clean(void)
{
	bounce_feed_schema_free(&schema);
	return 0;
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-feed-once", suite_init,
				       suite_clean);

	CU_add_test(suite, "written once, found again", test_once);
	CU_add_test(suite, "finished after a crash at each step",
		    test_once_after_crash);
	CU_add_test(suite, "writers of one key at once", test_once_parallel);
	CU_add_test(suite, "unsynced, directories made again",
		    test_once_nosync);
	CU_add_test(suite, "unwritable spool", test_once_unwritable);
}

int main(void)
{
	return test_main(add_suites);
}
