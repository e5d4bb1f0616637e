/* crash-inject: an LD_PRELOAD library that kills the process it is
   loaded into with SIGKILL at a chosen moment, so that a test can stop a
   real dovecot-lda at every point where it changes something on disk or
   on a server: each write, sync, rename, link and unlink is an event,
   numbered from 1 in the order the process makes them.

   Every state a process killed at any moment leaves behind is the state
   after some prefix of these events (what happens between two of them
   stays in its memory), plus a write cut short: so killing before each
   event, and inside each write, reaches every such state.

   Dovecot takes some locks of its own by creating a file: the mail
   index's "dovecot.index.log.newlock", Maildir's "dovecot-uidlist.lock".
   A process killed while it holds one leaves it behind, and the next one
   waits two or three minutes before it takes it for stale: that delays
   a retry and changes nothing else, but a test cannot wait for it each
   time. A kill due while such a file (a name ending in ".lock" or
   ".newlock", written and not yet renamed or removed) is held is
   therefore made just after it is released.

   Environment:
     CRASH_PROG=NAME     only a process of this name (program_invocation_
                         short_name) counts events; others are left alone
     CRASH_AT=N          SIGKILL just before event N (0 or unset: never),
                         or before the first event after a lock file
                         held then is released
     CRASH_HALF=1        if that event is a write of more than one byte,
                         write its first half first: the kill lands
                         inside it
     CRASH_CHANCE=P      instead: kill before each event with P per mille
                         (a lookup sent to Redis or a dict server, which
                         changes nothing, is no such event), inside it
                         half of the time;
                         CRASH_SEED=S seeds the choices
     CRASH_LOG=FILE      append one line per event: "N call target len",
                         the target being the path or what the
                         descriptor is open on (a command sent to a Redis
                         or dict server adds its name: "socket:[...]:GET",
                         "socket:[...]:lookup"); a
                         process killed here dies before its last logged
                         event, and inside it when a line "N half"
                         follows

   Only the calls made through the C library are seen, which is how
   Dovecot makes all of these. The settings are read when the library is
   loaded, before Dovecot clears the environment. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ctype.h>
#include <limits.h>
#include <sys/uio.h>

static int crash_enabled = -1;
static unsigned long crash_at, crash_count, crash_chance;
static unsigned int crash_seed;
static int crash_half;
static int crash_log_fd = -1;
/* a lock file of Dovecot's, written and not yet released */
static char crash_held[PATH_MAX];

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_link)(const char *, const char *);
static int (*real_linkat)(int, const char *, int, const char *, int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);

/* At load time: Dovecot clears the environment early in main() */
static void __attribute__((constructor)) crash_init(void)
{
	const char *prog, *value;

	real_write = dlsym(RTLD_NEXT, "write");
	real_writev = dlsym(RTLD_NEXT, "writev");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_pwritev = dlsym(RTLD_NEXT, "pwritev");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_rename = dlsym(RTLD_NEXT, "rename");
	real_renameat = dlsym(RTLD_NEXT, "renameat");
	real_link = dlsym(RTLD_NEXT, "link");
	real_linkat = dlsym(RTLD_NEXT, "linkat");
	real_unlink = dlsym(RTLD_NEXT, "unlink");
	real_unlinkat = dlsym(RTLD_NEXT, "unlinkat");

	prog = getenv("CRASH_PROG");
	crash_enabled = prog == NULL ||
		strcmp(prog, program_invocation_short_name) == 0;
	if (!crash_enabled)
		return;
	value = getenv("CRASH_AT");
	crash_at = value == NULL ? 0 : strtoul(value, NULL, 10);
	value = getenv("CRASH_HALF");
	crash_half = value != NULL && strcmp(value, "1") == 0;
	value = getenv("CRASH_CHANCE");
	crash_chance = value == NULL ? 0 : strtoul(value, NULL, 10);
	value = getenv("CRASH_SEED");
	crash_seed = value == NULL ? 1 : strtoul(value, NULL, 10);
	value = getenv("CRASH_LOG");
	if (value != NULL && *value != '\0') {
		crash_log_fd = open(value, O_WRONLY | O_APPEND | O_CREAT |
				    O_CLOEXEC, 0666);
	}
}

static const char *fd_target(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, buf, size - 1);
	if (len < 0)
		len = snprintf(buf, size, "fd%d", fd);
	buf[len] = '\0';
	return buf;
}

static void crash_log(const char *call, const char *target, size_t len)
{
	char line[4200];
	int n;

	if (crash_log_fd == -1)
		return;
	n = snprintf(line, sizeof(line), "%lu %s %s %zu\n",
		     crash_count, call, target, len);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)real_write(crash_log_fd, line, n);
}

static int is_lock_file(const char *path)
{
	size_t len = strlen(path);

	return (len > 5 && strcmp(path + len - 5, ".lock") == 0) ||
		(len > 8 && strcmp(path + len - 8, ".newlock") == 0);
}

/* Counts an event; returns 1 if it is the one to crash at. released is
   the path an unlink or rename takes away. */
static int crash_event_release(const char *call, const char *target,
			       size_t len, const char *released)
{
	if (crash_enabled < 0)
		crash_init();
	if (!crash_enabled)
		return 0;
	crash_count++;
	crash_log(call, target, len);
	if (crash_held[0] != '\0') {
		/* the release itself is made; the kill is due before the
		   next event */
		if (released != NULL && strcmp(released, crash_held) == 0)
			crash_held[0] = '\0';
		return 0;
	}
	if (is_lock_file(target) && strcmp(call, "unlink") != 0) {
		snprintf(crash_held, sizeof(crash_held), "%s", target);
		return 0;
	}
	if (crash_chance > 0) {
		size_t tlen = strlen(target);

		if ((tlen > 4 && strcmp(target + tlen - 4, ":GET") == 0) ||
		    (tlen > 7 && strcmp(target + tlen - 7, ":lookup") == 0))
			return 0;
		if ((unsigned long)(rand_r(&crash_seed) % 1000) >=
		    crash_chance)
			return 0;
		crash_half = rand_r(&crash_seed) % 2;
		return 1;
	}
	return crash_at != 0 && crash_count >= crash_at;
}

/* The path as the descriptor-based events name it */
static const char *real_path(const char *path, char *buf)
{
	return realpath(path, buf) == NULL ? path : buf;
}

static int crash_event(const char *call, const char *target, size_t len)
{
	return crash_event_release(call, target, len, NULL);
}

/* killed_half: inside a write, which the log notes */
static void crash_now_half(int killed_half)
{
	char line[64];
	int n;

	if (killed_half && crash_log_fd != -1) {
		n = snprintf(line, sizeof(line), "%lu half\n", crash_count);
		(void)real_write(crash_log_fd, line, n);
	}
	raise(SIGKILL);
	_exit(137);
}

static void crash_now(void)
{
	crash_now_half(0);
}

/* A command sent on a socket, its name appended to the target so that
   the log tells lookups from writes: Redis's ("*N\r\n$L\r\nCMD...")
   as it is, a dict server's (a letter: L lookup, I iterate, B begin,
   S set, A increment, U unset, C commit...) as "lookup" for L and I and
   as the letter otherwise */
static void socket_command(const void *data, size_t size, char *target,
			   size_t target_size)
{
	const char *p = data, *end = p + size, *cmd;
	size_t len, used = strlen(target);
	int lines = 0;

	if (size == 0)
		return;
	if (p[0] != '*') {
		if (used + 8 < target_size && isalpha((unsigned char)p[0])) {
			snprintf(target + used, target_size - used, ":%s",
				 p[0] == 'L' || p[0] == 'I' ? "lookup" :
				 (char[]){ p[0], '\0' });
		}
		return;
	}
	while (p < end && lines < 2) {
		if (*p++ == '\n')
			lines++;
	}
	for (cmd = p; p < end && *p != '\r' && p - cmd < 16; p++) ;
	len = p - cmd;
	if (lines == 2 && len > 0 && used + len + 2 < target_size)
		snprintf(target + used, target_size - used, ":%.*s",
			 (int)len, cmd);
}

static int fd_event_data(const char *call, int fd, size_t len,
			 const void *data, size_t data_size)
{
	char buf[4096];

	if (crash_enabled == 0)
		return 0;
	if (crash_enabled < 0) {
		crash_init();
		if (!crash_enabled)
			return 0;
	}
	if (fd == crash_log_fd)
		return 0;
	fd_target(fd, buf, sizeof(buf));
	if (strncmp(buf, "socket:", 7) == 0)
		socket_command(data, data_size, buf, sizeof(buf));
	return crash_event(call, buf, len);
}

static int fd_event(const char *call, int fd, size_t len)
{
	char buf[4096];

	if (crash_enabled == 0)
		return 0;
	if (crash_enabled < 0) {
		crash_init();
		if (!crash_enabled)
			return 0;
	}
	/* the event log itself */
	if (fd == crash_log_fd)
		return 0;
	return crash_event(call, fd_target(fd, buf, sizeof(buf)), len);
}

ssize_t write(int fd, const void *data, size_t size)
{
	if (real_write == NULL)
		crash_init();
	if (fd_event_data("write", fd, size, data, size)) {
		if (crash_half && size > 1)
			(void)real_write(fd, data, size / 2);
		crash_now_half(crash_half && size > 1);
	}
	return real_write(fd, data, size);
}

ssize_t pwrite(int fd, const void *data, size_t size, off_t offset)
{
	if (real_pwrite == NULL)
		crash_init();
	if (fd_event("pwrite", fd, size)) {
		if (crash_half && size > 1)
			(void)real_pwrite(fd, data, size / 2, offset);
		crash_now_half(crash_half && size > 1);
	}
	return real_pwrite(fd, data, size, offset);
}

static size_t iov_size(const struct iovec *iov, int count)
{
	size_t size = 0;
	int i;

	for (i = 0; i < count; i++)
		size += iov[i].iov_len;
	return size;
}

/* The first half of the vector's bytes */
static void writev_half(int fd, const struct iovec *iov, int count,
			off_t offset, int positioned)
{
	struct iovec half[count > 0 ? count : 1];
	size_t left = iov_size(iov, count) / 2;
	int i, n = 0;

	for (i = 0; i < count && left > 0; i++, n++) {
		half[n] = iov[i];
		if (half[n].iov_len > left)
			half[n].iov_len = left;
		left -= half[n].iov_len;
	}
	if (positioned)
		(void)real_pwritev(fd, half, n, offset);
	else
		(void)real_writev(fd, half, n);
}

ssize_t writev(int fd, const struct iovec *iov, int count)
{
	if (real_writev == NULL)
		crash_init();
	if (fd_event_data("writev", fd, iov_size(iov, count),
			  count > 0 ? iov[0].iov_base : NULL,
			  count > 0 ? iov[0].iov_len : 0)) {
		if (crash_half)
			writev_half(fd, iov, count, 0, 0);
		crash_now_half(crash_half && iov_size(iov, count) > 1);
	}
	return real_writev(fd, iov, count);
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t offset)
{
	if (real_pwritev == NULL)
		crash_init();
	if (fd_event("pwritev", fd, iov_size(iov, count))) {
		if (crash_half)
			writev_half(fd, iov, count, offset, 1);
		crash_now_half(crash_half && iov_size(iov, count) > 1);
	}
	return real_pwritev(fd, iov, count, offset);
}

int fsync(int fd)
{
	if (real_fsync == NULL)
		crash_init();
	if (fd_event("fsync", fd, 0))
		crash_now();
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	if (real_fdatasync == NULL)
		crash_init();
	if (fd_event("fdatasync", fd, 0))
		crash_now();
	return real_fdatasync(fd);
}

int rename(const char *from, const char *to)
{
	char buf[PATH_MAX];

	if (real_rename == NULL)
		crash_init();
	if (crash_event_release("rename", to, 0, real_path(from, buf)))
		crash_now();
	return real_rename(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	char buf[PATH_MAX];

	if (real_renameat == NULL)
		crash_init();
	if (crash_event_release("renameat", to, 0,
				from[0] == '/' ? real_path(from, buf) : NULL))
		crash_now();
	return real_renameat(fromfd, from, tofd, to);
}

int link(const char *from, const char *to)
{
	if (real_link == NULL)
		crash_init();
	if (crash_event("link", to, 0))
		crash_now();
	return real_link(from, to);
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	if (real_linkat == NULL)
		crash_init();
	if (crash_event("linkat", to, 0))
		crash_now();
	return real_linkat(fromfd, from, tofd, to, flags);
}

int unlink(const char *path)
{
	char buf[PATH_MAX];

	if (real_unlink == NULL)
		crash_init();
	if (crash_event_release("unlink", path, 0, real_path(path, buf)))
		crash_now();
	return real_unlink(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	char buf[PATH_MAX];

	if (real_unlinkat == NULL)
		crash_init();
	if (crash_event_release("unlinkat", path, 0,
				path[0] == '/' ? real_path(path, buf) : NULL))
		crash_now();
	return real_unlinkat(dirfd, path, flags);
}
