/* The screen kept beside the rules cache, so that a delivery can tell
   ordinary mail without loading the rules: the header tests' names and
   groups and their patterns as PCRE2 serialised them, with the rules
   file they came from and the rules' stamp (bounce_rules_stamp()), which
   says while it is used whether the rules files are as they were.

   The file holds SCREEN_MAGIC, then in native byte order a checksum of
   everything after it (FNV-1a over 64-bit words), the rules file's path,
   the stamp's size and the stamp, the number of tests, each test's
   header name, group and required literals (their number, or
   SCREEN_NONE when none are known, each one, and whether they hold for
   any text or only for an ASCII one), and the size of the
   serialised patterns and those (which carry PCRE2's own version
   check). Strings are their length, their bytes and a NUL; a screen
   read from the file keeps it mapped, its strings pointing into it.
   Like the rules cache, it is used only when its owner is root or this
   user and nobody else may write it: PCRE2 does not check decoded
   code. */

#include "lib.h"
#include "array.h"
#include "buffer.h"
#include "hostpid.h"
#include "write-full.h"
#include "bounce-rules.h"
#include "bounce-private.h"
#include "bounce-screen.h"

#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define SCREEN_MAGIC "dovecot-bounce screen 3\n"
#define SCREEN_NONE 0xffffffffU
#define SCREEN_MAX_SIZE (16 * 1024 * 1024)

const char *bounce_screen_file_path(const char *rules_cache_path)
{
	return t_strconcat(rules_cache_path, ".screen", NULL);
}

static uint64_t screen_checksum(const unsigned char *p, size_t size)
{
	uint64_t sum = 14695981039346656037ULL, word;

	for (; size >= sizeof(word); p += sizeof(word), size -= sizeof(word)) {
		memcpy(&word, p, sizeof(word));
		sum = (sum ^ word) * 1099511628211ULL;
	}
	for (; size > 0; p++, size--)
		sum = (sum ^ *p) * 1099511628211ULL;
	return sum;
}

static void put_u32(buffer_t *buf, uint32_t value)
{
	buffer_append(buf, &value, sizeof(value));
}

static void put_str(buffer_t *buf, const char *str)
{
	put_u32(buf, strlen(str));
	buffer_append(buf, str, strlen(str) + 1);
}

/* The file's contents after its checksum up to the serialised patterns:
   what tells whether a file holds this screen of these rules. */
static void
screen_encode_head(struct bounce_screen *screen, struct bounce_rules *rules,
		   const char *rules_path, buffer_t *buf)
{
	const struct bounce_screen_test *test;
	const char *const *lit;
	uint32_t stamp_size;
	size_t size_pos;

	put_str(buf, rules_path);
	size_pos = buf->used;
	put_u32(buf, 0);
	bounce_rules_stamp(rules, buf);
	stamp_size = buf->used - size_pos - sizeof(stamp_size);
	buffer_write(buf, size_pos, &stamp_size, sizeof(stamp_size));
	put_u32(buf, array_count(&screen->tests));
	array_foreach(&screen->tests, test) {
		put_str(buf, test->header);
		put_u32(buf, test->group);
		if (test->literals == NULL) {
			put_u32(buf, SCREEN_NONE);
			continue;
		}
		put_u32(buf, str_array_length(test->literals));
		for (lit = test->literals; *lit != NULL; lit++)
			put_str(buf, *lit);
		put_u32(buf, test->literals_any_text ? 1 : 0);
	}
}

static int
screen_encode(struct bounce_screen *screen, struct bounce_rules *rules,
	      const char *rules_path, buffer_t *buf)
{
	const struct bounce_screen_test *test;
	const pcre2_code **codes;
	uint8_t *blob;
	PCRE2_SIZE blob_size;
	unsigned int i = 0, count = array_count(&screen->tests);
	uint64_t sum = 0;
	size_t sum_pos;

	if (count == 0)
		return -1;
	codes = t_new(const pcre2_code *, count);
	array_foreach(&screen->tests, test)
		codes[i++] = test->re;
	if (pcre2_serialize_encode(codes, count, &blob, &blob_size,
				   NULL) != (int32_t)count)
		return -1;
	buffer_append(buf, SCREEN_MAGIC, sizeof(SCREEN_MAGIC) - 1);
	sum_pos = buf->used;
	buffer_append(buf, &sum, sizeof(sum));
	screen_encode_head(screen, rules, rules_path, buf);
	if (blob_size > UINT32_MAX) {
		pcre2_serialize_free(blob);
		return -1;
	}
	put_u32(buf, blob_size);
	buffer_append(buf, blob, blob_size);
	pcre2_serialize_free(blob);
	sum = screen_checksum(CONST_PTR_OFFSET(buf->data, sum_pos + sizeof(sum)),
			      buf->used - sum_pos - sizeof(sum));
	buffer_write(buf, sum_pos, &sum, sizeof(sum));
	return 0;
}

/* Whether the file can be trusted as much as the rules. */
static bool screen_file_trusted(const struct stat *st)
{
	return S_ISREG(st->st_mode) &&
		(st->st_uid == 0 || st->st_uid == geteuid()) &&
		(st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* The file mapped (its size into size_r), or MAP_FAILED: a delivery
   touches the page cache's pages instead of copying them, and leaves no
   buffer behind in the heap for the storage's allocations to clear. */
static void *screen_file_map(const char *path, size_t *size_r)
{
	struct stat st;
	void *map = MAP_FAILED;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd == -1)
		return MAP_FAILED;
	if (fstat(fd, &st) == 0 && screen_file_trusted(&st) &&
	    st.st_size > 0 && st.st_size <= SCREEN_MAX_SIZE) {
		*size_r = st.st_size;
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	}
	i_close_fd(&fd);
	return map;
}

static void screen_file_unmap(void *map, size_t size)
{
	if (map != MAP_FAILED && munmap(map, size) < 0)
		i_error("munmap(bounce screen) failed: %m");
}

void bounce_screen_file_update(struct bounce_screen *screen,
			       struct bounce_rules *rules,
			       const char *rules_path, const char *path)
{
	const size_t head_pos = sizeof(SCREEN_MAGIC) - 1 + sizeof(uint64_t);
	buffer_t *buf, *head;
	const char *tmp_path;
	size_t old_size = 0;
	void *old;
	bool same;
	int fd;

	/* a file of this screen of these rules needs no rewriting */
	head = t_buffer_create(4096);
	screen_encode_head(screen, rules, rules_path, head);
	old = screen_file_map(path, &old_size);
	same = old != MAP_FAILED && old_size >= head_pos + head->used &&
		memcmp(old, SCREEN_MAGIC, sizeof(SCREEN_MAGIC) - 1) == 0 &&
		memcmp(CONST_PTR_OFFSET(old, head_pos), head->data,
		       head->used) == 0;
	screen_file_unmap(old, old_size);
	if (same)
		return;

	buf = t_buffer_create(32 * 1024);
	if (screen_encode(screen, rules, rules_path, buf) < 0)
		return;
	tmp_path = t_strdup_printf("%s.%s.%s.tmp", path, my_hostname, my_pid);
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == -1)
		return;
	if (fchmod(fd, 0644) < 0 ||
	    write_full(fd, buf->data, buf->used) < 0) {
		i_close_fd(&fd);
		i_unlink_if_exists(tmp_path);
		return;
	}
	if (close(fd) < 0 || rename(tmp_path, path) < 0)
		i_unlink_if_exists(tmp_path);
}

struct screen_reader {
	const unsigned char *p, *end;
	bool failed;
};

static uint32_t get_u32(struct screen_reader *r)
{
	uint32_t value = 0;

	if (r->failed || (size_t)(r->end - r->p) < sizeof(value)) {
		r->failed = TRUE;
		return 0;
	}
	memcpy(&value, r->p, sizeof(value));
	r->p += sizeof(value);
	return value;
}

static const unsigned char *get_bytes(struct screen_reader *r, size_t size)
{
	const unsigned char *p = r->p;

	if (r->failed || (size_t)(r->end - r->p) < size) {
		r->failed = TRUE;
		return NULL;
	}
	r->p += size;
	return p;
}

static const char *get_str(struct screen_reader *r)
{
	uint32_t len = get_u32(r);
	const unsigned char *p;

	if (len == UINT32_MAX)
		r->failed = TRUE;
	p = get_bytes(r, (size_t)len + 1);
	if (p == NULL || p[len] != '\0') {
		r->failed = TRUE;
		return "";
	}
	return (const char *)p;
}

/* A test's literals (the strings pointing into the file), the list in
   pool; NULL when none are known. */
static const char *const *
get_literals(struct screen_reader *r, pool_t pool)
{
	const char **literals;
	uint32_t i, count = get_u32(r);

	if (r->failed || count == SCREEN_NONE)
		return NULL;
	if (count > (size_t)(r->end - r->p)) {
		r->failed = TRUE;
		return NULL;
	}
	literals = p_new(pool, const char *, count + 1);
	for (i = 0; i < count && !r->failed; i++)
		literals[i] = get_str(r);
	return literals;
}

/* Builds the screen from a file's contents; FALSE when they are not a
   screen of these rules as they are now. */
static bool
screen_decode(struct bounce_screen *screen, const char *rules_path,
	      const unsigned char *data, size_t size)
{
	struct screen_reader r = { .p = data, .end = data + size };
	struct bounce_screen_test *test;
	const unsigned char *stamp, *blob;
	pcre2_code **codes;
	uint64_t sum;
	uint32_t i, count, stamp_size, blob_size;

	if (size < sizeof(SCREEN_MAGIC) - 1 + sizeof(sum) ||
	    memcmp(data, SCREEN_MAGIC, sizeof(SCREEN_MAGIC) - 1) != 0)
		return FALSE;
	r.p += sizeof(SCREEN_MAGIC) - 1;
	memcpy(&sum, r.p, sizeof(sum));
	r.p += sizeof(sum);
	if (screen_checksum(r.p, r.end - r.p) != sum ||
	    strcmp(get_str(&r), rules_path) != 0)
		return FALSE;
	stamp_size = get_u32(&r);
	stamp = get_bytes(&r, stamp_size);
	if (stamp == NULL || !bounce_rules_stamp_unchanged(stamp, stamp_size))
		return FALSE;
	count = get_u32(&r);
	if (count == 0 || count > (size_t)(r.end - r.p))
		return FALSE;
	for (i = 0; i < count && !r.failed; i++) {
		test = array_append_space(&screen->tests);
		test->header = get_str(&r);
		test->group = get_u32(&r);
		test->literals = get_literals(&r, screen->pool);
		if (test->literals != NULL)
			test->literals_any_text = get_u32(&r) != 0;
	}
	blob_size = get_u32(&r);
	blob = get_bytes(&r, blob_size);
	if (r.failed || r.p != r.end ||
	    pcre2_serialize_get_number_of_codes(blob) != (int32_t)count)
		return FALSE;
	codes = t_new(pcre2_code *, count);
	if (pcre2_serialize_decode(codes, count, blob, NULL) != (int32_t)count)
		return FALSE;
	i = 0;
	array_foreach_modifiable(&screen->tests, test)
		test->re = codes[i++];
	screen->own_codes = TRUE;
	bounce_screen_index(screen);
	return TRUE;
}

int bounce_screen_open(const struct bounce_settings *set,
		       struct bounce_screen **screen_r)
{
	struct bounce_screen *screen;
	size_t size = 0;
	void *map;
	bool ok = FALSE;

	*screen_r = NULL;
	if (set->rules_cache_path == NULL || *set->rules_cache_path == '\0' ||
	    set->rules_path == NULL)
		return 0;
	screen = bounce_screen_alloc(set);
	T_BEGIN {
		map = screen_file_map(
			bounce_screen_file_path(set->rules_cache_path), &size);
		ok = map != MAP_FAILED &&
			screen_decode(screen, set->rules_path, map, size);
		if (ok) {
			/* the tests' strings point into it */
			screen->map = map;
			screen->map_size = size;
		} else {
			screen_file_unmap(map, size);
		}
	} T_END;
	if (!ok) {
		/* none of its codes are owned yet */
		bounce_screen_free(&screen);
		return 0;
	}
	*screen_r = screen;
	return 1;
}

struct bounce_screen *bounce_classifier_get_screen(struct bounce_classifier *cls)
{
	if (cls->screen == NULL) {
		cls->screen = bounce_screen_create(cls->rules, &cls->set);
		if (cls->set.rules_cache_path != NULL &&
		    *cls->set.rules_cache_path != '\0') T_BEGIN {
			bounce_screen_file_update(cls->screen, cls->rules,
				cls->set.rules_path,
				bounce_screen_file_path(cls->set.rules_cache_path));
		} T_END;
	}
	return cls->screen;
}
