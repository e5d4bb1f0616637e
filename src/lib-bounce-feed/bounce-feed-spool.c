/* The spool: maildir-style directories. A delivery writes its records to
   DIR/tmp/NAME, syncs it and links it into DIR/new/NAME, so a file in
   new/ is always complete; bounce-feed reads new/ and moves what it
   delivered to DIR/cur. Names are unique per host, process, time and
   call; should one still exist (a clock step, a forked process sharing
   its parent's pid) another name is taken, and a file in new/ is never
   replaced. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "hostpid.h"
#include "mkdir-parents.h"
#include "write-full.h"
#include "time-util.h"
#include "bounce-feed-private.h"
#include "bounce-feed-libxml.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_DIR_MODE 0770
#define SPOOL_FILE_MODE 0660
/* names taken before giving up: each try has a new counter and time */
#define SPOOL_NAME_TRIES 10

static const char *spool_host(void)
{
	string_t *host = t_str_new(64);
	const char *p;

	/* a name part must not hold '/', and ':' is kept for maildir
	   flags, should anyone treat new/ as a Maildir */
	for (p = my_hostname; *p != '\0'; p++) {
		if (i_isalnum(*p) || *p == '.' || *p == '-')
			str_append_c(host, *p);
		else
			str_append_c(host, '_');
	}
	return str_c(host);
}

static const char *spool_unique_name(void)
{
	static unsigned int counter = 0;
	struct timeval tv;

	i_gettimeofday(&tv);
	return t_strdup_printf("%010ld.M%06ldP%sQ%u.%s.xml", (long)tv.tv_sec,
			       (long)tv.tv_usec, my_pid, ++counter,
			       spool_host());
}

static int spool_mkdirs(const char *spool_dir, const char **error_r)
{
	static const char *const subdirs[] = { "tmp", "new", "cur" };
	const char *path;
	unsigned int i;

	if (mkdir_parents(spool_dir, SPOOL_DIR_MODE) < 0 && errno != EEXIST) {
		*error_r = t_strdup_printf("mkdir(%s) failed: %m", spool_dir);
		return -1;
	}
	for (i = 0; i < N_ELEMENTS(subdirs); i++) {
		path = t_strdup_printf("%s/%s", spool_dir, subdirs[i]);
		if (mkdir(path, SPOOL_DIR_MODE) < 0 && errno != EEXIST) {
			*error_r = t_strdup_printf("mkdir(%s) failed: %m",
						   path);
			return -1;
		}
	}
	return 0;
}

/* The rename is durable only once the directory holding it is synced. */
static int spool_sync_dir(const char *path, const char **error_r)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);

	if (fd == -1) {
		*error_r = t_strdup_printf("open(%s) failed: %m", path);
		return -1;
	}
	if (fsync(fd) < 0) {
		*error_r = t_strdup_printf("fsync(%s) failed: %m", path);
		i_close_fd(&fd);
		return -1;
	}
	i_close_fd(&fd);
	return 0;
}

/* Returns 0 when written, -1 on error, 1 when the name is taken. */
static int spool_write_file(const char *tmp_path, const string_t *data,
			    const char **error_r)
{
	int fd;

	fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL, SPOOL_FILE_MODE);
	if (fd == -1 && errno == EEXIST)
		return 1;
	if (fd == -1) {
		*error_r = t_strdup_printf("open(%s) failed: %m", tmp_path);
		return -1;
	}
	if (write_full(fd, str_data(data), str_len(data)) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %m", tmp_path);
		i_close_fd(&fd);
		return -1;
	}
	if (fdatasync(fd) < 0) {
		*error_r = t_strdup_printf("fdatasync(%s) failed: %m",
					   tmp_path);
		i_close_fd(&fd);
		return -1;
	}
	if (close(fd) < 0) {
		*error_r = t_strdup_printf("close(%s) failed: %m", tmp_path);
		return -1;
	}
	return 0;
}

/* Moves tmp_path to new_path without replacing an existing file.
   Returns 0 when moved, -1 on error, 1 when new_path exists. */
static int spool_move_new(const char *tmp_path, const char *new_path,
			  const char **error_r)
{
	if (link(tmp_path, new_path) == 0) {
		i_unlink(tmp_path);
		return 0;
	}
	if (errno == EEXIST)
		return 1;
	if (errno != EPERM && errno != ENOSYS && errno != EOPNOTSUPP) {
		*error_r = t_strdup_printf("link(%s, %s) failed: %m",
					   tmp_path, new_path);
		return -1;
	}
	/* a file system without hard links: the name is unique enough */
	if (rename(tmp_path, new_path) < 0) {
		*error_r = t_strdup_printf("rename(%s, %s) failed: %m",
					   tmp_path, new_path);
		return -1;
	}
	return 0;
}

/* Writes the records under a fresh name. Returns 0 when written, -1 on
   error, 1 when the name turned out to be taken. */
static int spool_write_name(const char *spool_dir, const char *name,
			    const struct bounce_feed_record *records,
			    unsigned int count, const char **error_r)
{
	struct bounce_feed_writer *writer;
	const char *tmp_path, *new_dir, *new_path, *error;
	string_t *data;
	unsigned int i;
	int ret;

	data = t_str_new(2048 * (count + 1));
	writer = bounce_feed_writer_init(data);
	for (i = 0; i < count; i++) {
		bounce_feed_write(writer, t_strdup_printf("%s/%u", name, i + 1),
				  &records[i]);
	}
	if (bounce_feed_writer_finish(&writer, &error) < 0) {
		*error_r = t_strdup_printf("%s/tmp/%s: %s", spool_dir, name,
					   error);
		return -1;
	}

	tmp_path = t_strdup_printf("%s/tmp/%s", spool_dir, name);
	new_dir = t_strdup_printf("%s/new", spool_dir);
	new_path = t_strdup_printf("%s/%s", new_dir, name);
	if ((ret = spool_write_file(tmp_path, data, error_r)) != 0) {
		if (ret < 0)
			i_unlink_if_exists(tmp_path);
		return ret;
	}
	if ((ret = spool_move_new(tmp_path, new_path, error_r)) != 0) {
		i_unlink_if_exists(tmp_path);
		return ret;
	}
	if (spool_sync_dir(new_dir, error_r) < 0) {
		/* not known to survive a crash: the delivery is retried,
		   so the records must not stay behind to be read twice */
		i_unlink_if_exists(new_path);
		return -1;
	}
	return 0;
}

static int spool_write(const char *spool_dir,
		       const struct bounce_feed_record *records,
		       unsigned int count, const char **error_r)
{
	unsigned int try;
	int ret;

	if (bounce_feed_libxml_load(error_r) < 0 ||
	    spool_mkdirs(spool_dir, error_r) < 0)
		return -1;
	for (try = 0; try < SPOOL_NAME_TRIES; try++) {
		ret = spool_write_name(spool_dir, spool_unique_name(),
				       records, count, error_r);
		if (ret <= 0)
			return ret;
	}
	*error_r = t_strdup_printf("%s: no unused file name in %u tries",
				   spool_dir, SPOOL_NAME_TRIES);
	return -1;
}

int bounce_feed_spool_write(const char *spool_dir,
			    const struct bounce_feed_record *records,
			    unsigned int count, const char **error_r)
{
	int ret;

	if (count == 0)
		return 0;
	T_BEGIN {
		ret = spool_write(spool_dir, records, count, error_r);
	} T_END_PASS_STR_IF(ret < 0, error_r);
	return ret;
}

static int name_cmp(const char *const *a, const char *const *b)
{
	return strcmp(*a, *b);
}

int bounce_feed_spool_list(const char *spool_dir, pool_t pool,
			   ARRAY_TYPE(const_string) *names_r,
			   const char **error_r)
{
	const char *new_dir = t_strdup_printf("%s/new", spool_dir);
	const char *name;
	struct dirent *d;
	DIR *dir;

	dir = opendir(new_dir);
	if (dir == NULL) {
		*error_r = t_strdup_printf("opendir(%s) failed: %m", new_dir);
		return -1;
	}
	errno = 0;
	while ((d = readdir(dir)) != NULL) {
		/* dot files are no records; the writer never makes them */
		if (d->d_name[0] == '.')
			continue;
		name = p_strdup(pool, d->d_name);
		array_push_back(names_r, &name);
		errno = 0;
	}
	if (errno != 0) {
		*error_r = t_strdup_printf("readdir(%s) failed: %m", new_dir);
		(void)closedir(dir);
		return -1;
	}
	if (closedir(dir) < 0) {
		*error_r = t_strdup_printf("closedir(%s) failed: %m", new_dir);
		return -1;
	}
	/* the names start with the time, zero-padded */
	array_sort(names_r, name_cmp);
	return 0;
}

int bounce_feed_spool_ack(const char *spool_dir, const char *name,
			  const char **error_r)
{
	const char *new_path, *cur_dir, *cur_path;

	new_path = t_strdup_printf("%s/new/%s", spool_dir, name);
	cur_dir = t_strdup_printf("%s/cur", spool_dir);
	cur_path = t_strdup_printf("%s/%s", cur_dir, name);
	if (mkdir(cur_dir, SPOOL_DIR_MODE) < 0 && errno != EEXIST) {
		*error_r = t_strdup_printf("mkdir(%s) failed: %m", cur_dir);
		return -1;
	}
	if (rename(new_path, cur_path) < 0) {
		*error_r = t_strdup_printf("rename(%s, %s) failed: %m",
					   new_path, cur_path);
		return -1;
	}
	return 0;
}

int bounce_feed_spool_ack_sync(const char *spool_dir, const char **error_r)
{
	/* a crash must not bring archived files back into new/, where
	   they would be printed again */
	if (spool_sync_dir(t_strdup_printf("%s/cur", spool_dir),
			   error_r) < 0 ||
	    spool_sync_dir(t_strdup_printf("%s/new", spool_dir),
			   error_r) < 0)
		return -1;
	return 0;
}
