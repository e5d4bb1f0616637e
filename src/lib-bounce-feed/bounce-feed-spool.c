/* The spool: maildir-style directories. A delivery writes its records to
   DIR/tmp/NAME, syncs it and links it into DIR/new/NAME, so a file in
   new/ is always complete; bounce-feed reads new/ and moves what it
   delivered to DIR/cur. Names are unique per host, process, time and
   call; should one still exist (a clock step, a forked process sharing
   its parent's pid) another name is taken, and a file in new/ is never
   replaced.

   A notification's records are written under a name made from its
   identity instead (bounce_feed_spool_write_once()), so that writing
   them again finds them there: a delivery retried after a crash or a
   failure finishes the file the first attempt left unfinished in tmp/,
   or leaves alone the one it completed, in new/ or already in cur/.
   Writers of one name take turns under a lock on the file in tmp/; the
   spool's directories are made when a write finds them missing, not
   tried for every record, and the caller says whether the file and
   new/ are synced (as Dovecot's mail_fsync does for the message). */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "hostpid.h"
#include "mkdir-parents.h"
#include "write-full.h"
#include "time-util.h"
#include "hex-binary.h"
#include "sha2.h"
#include "bounce-feed-private.h"
#include "bounce-feed-libxml.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_DIR_MODE 0770
#define SPOOL_FILE_MODE 0660
/* names taken before giving up: each try has a new counter and time */
#define SPOOL_NAME_TRIES 10
/* times a writer of a fixed name finds the file in tmp/ replaced while
   it waited for its lock, before giving up */
#define SPOOL_LOCK_TRIES 10

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

/* Moves tmp_path to new_path without replacing an existing file, making
   the spool's directories if new/ is missing. Returns 0 when moved, -1
   on error, 1 when new_path exists. */
static int spool_move_new(const char *spool_dir, const char *tmp_path,
			  const char *new_path, const char **error_r)
{
	int ret = link(tmp_path, new_path);

	if (ret < 0 && errno == ENOENT) {
		if (spool_mkdirs(spool_dir, error_r) < 0)
			return -1;
		ret = link(tmp_path, new_path);
	}
	if (ret == 0) {
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
	if ((ret = spool_move_new(spool_dir, tmp_path, new_path,
				  error_r)) != 0) {
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

/* The fixed name: the time given, for the order of the spool, and 128
   bits of SHA-256 of the key */
static const char *
spool_fixed_name(const struct timeval *time, const char *key)
{
	unsigned char digest[SHA256_RESULTLEN];

	sha256_get_digest(key, strlen(key), digest);
	return t_strdup_printf("%010ld.M%06ldN%s.xml", (long)time->tv_sec,
			       (long)time->tv_usec,
			       binary_to_hex(digest, 16));
}

/* Whether the file is in new/ or, consumed, in cur/. new/ first: a
   consumer moves files from there to cur/. Returns 1 if so, 0 if not,
   -1 on error. */
static int spool_has_name(const char *spool_dir, const char *name,
			  const char **error_r)
{
	static const char *const subdirs[] = { "new", "cur" };
	const char *path;
	struct stat st;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(subdirs); i++) {
		path = t_strdup_printf("%s/%s/%s", spool_dir, subdirs[i],
				       name);
		if (stat(path, &st) == 0)
			return 1;
		if (errno != ENOENT) {
			*error_r = t_strdup_printf("stat(%s) failed: %m",
						   path);
			return -1;
		}
	}
	return 0;
}

/* Opens and locks tmp_path, the file that is still there once locked
   (a writer that finished while we waited unlinked the one we opened).
   The spool's directories are made when tmp/ is missing, rather than
   tried for every record. Returns the fd, or -1 with error_r. */
static int spool_lock_tmp(const char *spool_dir, const char *tmp_path,
			  const char **error_r)
{
	struct stat st1, st2;
	unsigned int try;
	int fd;

	for (try = 0; try < SPOOL_LOCK_TRIES; try++) {
		fd = open(tmp_path, O_RDWR | O_CREAT, SPOOL_FILE_MODE);
		if (fd == -1 && errno == ENOENT) {
			if (spool_mkdirs(spool_dir, error_r) < 0)
				return -1;
			fd = open(tmp_path, O_RDWR | O_CREAT, SPOOL_FILE_MODE);
		}
		if (fd == -1) {
			*error_r = t_strdup_printf("open(%s) failed: %m",
						   tmp_path);
			return -1;
		}
		if (flock(fd, LOCK_EX) < 0) {
			*error_r = t_strdup_printf("flock(%s) failed: %m",
						   tmp_path);
			i_close_fd(&fd);
			return -1;
		}
		if (fstat(fd, &st1) < 0) {
			*error_r = t_strdup_printf("fstat(%s) failed: %m",
						   tmp_path);
			i_close_fd(&fd);
			return -1;
		}
		if (stat(tmp_path, &st2) < 0) {
			if (errno != ENOENT) {
				*error_r = t_strdup_printf(
					"stat(%s) failed: %m", tmp_path);
				i_close_fd(&fd);
				return -1;
			}
		} else if (st1.st_ino == st2.st_ino &&
			   CMP_DEV_T(st1.st_dev, st2.st_dev)) {
			return fd;
		}
		i_close_fd(&fd);
	}
	*error_r = t_strdup_printf("%s: replaced %u times while waiting "
				   "for its lock", tmp_path, SPOOL_LOCK_TRIES);
	return -1;
}

/* Under the lock on fd (tmp_path): the records in tmp_path, from its
   start, synced, then linked into new/ and the directory synced (neither
   with BOUNCE_FEED_FSYNC_NEVER). */
static int spool_finish_locked(int fd, const char *spool_dir,
			       const char *tmp_path, const char *new_dir,
			       const char *new_path, const string_t *data,
			       enum bounce_feed_fsync fsync_mode,
			       const char **error_r)
{
	int ret;

	/* what an attempt that died left there */
	if (ftruncate(fd, 0) < 0) {
		*error_r = t_strdup_printf("ftruncate(%s) failed: %m",
					   tmp_path);
		return -1;
	}
	if (pwrite_full(fd, str_data(data), str_len(data), 0) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %m", tmp_path);
		return -1;
	}
	if (fsync_mode != BOUNCE_FEED_FSYNC_NEVER && fdatasync(fd) < 0) {
		*error_r = t_strdup_printf("fdatasync(%s) failed: %m",
					   tmp_path);
		return -1;
	}
	if ((ret = spool_move_new(spool_dir, tmp_path, new_path,
				  error_r)) < 0)
		return -1;
	if (ret > 0) {
		/* someone wrote it without taking turns: theirs stays */
		i_unlink_if_exists(tmp_path);
	}
	/* When the sync fails the file stays: whoever writes the name
	   again finds it, and the delivery is retried. */
	if (fsync_mode == BOUNCE_FEED_FSYNC_NEVER)
		return 0;
	return spool_sync_dir(new_dir, error_r);
}

static int spool_write_once(const char *spool_dir, const char *key,
			    const struct timeval *time,
			    const struct bounce_feed_record *records,
			    unsigned int count,
			    enum bounce_feed_fsync fsync_mode,
			    const char **error_r)
{
	struct bounce_feed_writer *writer;
	const char *name, *tmp_path, *new_dir, *new_path, *error;
	string_t *data;
	unsigned int i;
	int fd, ret;

	if (bounce_feed_libxml_load(error_r) < 0)
		return -1;
	name = spool_fixed_name(time, key);
	tmp_path = t_strdup_printf("%s/tmp/%s", spool_dir, name);
	if ((ret = spool_has_name(spool_dir, name, error_r)) != 0) {
		/* A writer that died between linking and unlinking left
		   it in tmp/; anyone writing it now finds it done. */
		if (ret > 0)
			i_unlink_if_exists(tmp_path);
		return ret < 0 ? -1 : 0;
	}

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

	new_dir = t_strdup_printf("%s/new", spool_dir);
	new_path = t_strdup_printf("%s/%s", new_dir, name);
	if ((fd = spool_lock_tmp(spool_dir, tmp_path, error_r)) == -1)
		return -1;
	/* Another writer may have finished while we waited: then the file
	   we hold is an empty one of ours. A failed write is left to
	   whoever locks the name next, who starts it over. */
	if ((ret = spool_has_name(spool_dir, name, error_r)) == 0) {
		ret = spool_finish_locked(fd, spool_dir, tmp_path, new_dir,
					  new_path, data, fsync_mode,
					  error_r) < 0 ? -1 : 1;
	} else if (ret > 0) {
		i_unlink_if_exists(tmp_path);
		ret = 0;
	}
	i_close_fd(&fd);
	return ret;
}

int bounce_feed_spool_write_once(const char *spool_dir, const char *key,
				 const struct timeval *time,
				 const struct bounce_feed_record *records,
				 unsigned int count,
				 enum bounce_feed_fsync fsync_mode,
				 const char **error_r)
{
	int ret;

	i_assert(count > 0);
	T_BEGIN {
		ret = spool_write_once(spool_dir, key, time, records, count,
				       fsync_mode, error_r);
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
