/* The rules cache's file (bounce-rules-cache.h). It holds
   CACHE_MAGIC, then in native byte order: a checksum of everything after
   it (FNV-1a over 64-bit words: cheap, and enough to notice damage), the
   number of patterns, the size of their list (so that a load using the
   image below need not read it), for each its compile flags, length and
   source and
   its required literals (their number, CACHE_NO_LITERALS when none are
   known, then each one's length and text), the size of the rules' image
   (bounce-rules-image.c; 0 when there is none) and the image, and last
   the size of PCRE2's serialisation of their compiled code and that
   serialisation (which carries PCRE2's own version check). Strings end
   in a NUL, so that the entries point into the file's contents instead
   of copying them. */

#include "lib.h"
#include "array.h"
#include "buffer.h"
#include "hostpid.h"
#include "write-full.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-cache-private.h"

#include <stdio.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "dovecot-bounce rules cache 6\n"
#define CACHE_MAX_SIZE (64 * 1024 * 1024)
#define CACHE_NO_LITERALS 0xffffffffU


static uint64_t cache_checksum(const unsigned char *p, size_t size)
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

static bool
cache_get(const unsigned char **p, const unsigned char *end, void *dest,
	  size_t size)
{
	if ((size_t)(end - *p) < size)
		return FALSE;
	memcpy(dest, *p, size);
	*p += size;
	return TRUE;
}

/* Whether the file can be trusted as much as the rules: PCRE2 does not
   check decoded code, so only its owner may have written it. */
static bool cache_trusted(const struct stat *st)
{
	return S_ISREG(st->st_mode) &&
		(st->st_uid == 0 || st->st_uid == geteuid()) &&
		(st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

static bool
cache_get_string(const unsigned char **p, const unsigned char *end,
		 const char **str_r)
{
	uint32_t len;

	if (!cache_get(p, end, &len, sizeof(len)) ||
	    len >= (size_t)(end - *p) || (*p)[len] != '\0')
		return FALSE;
	*str_r = (const char *)*p;
	*p += len + 1;
	return TRUE;
}

static bool
cache_get_literals(struct bounce_rules_cache *cache, const unsigned char **p,
		   const unsigned char *end, struct cache_entry *entry)
{
	const char **literals;
	uint32_t count, i;

	if (!cache_get(p, end, &count, sizeof(count)))
		return FALSE;
	entry->literals_known = TRUE;
	if (count == CACHE_NO_LITERALS)
		return TRUE;
	/* 0: a pattern no ASCII text can match needs none */
	if (count > (size_t)(end - *p))
		return FALSE;
	literals = p_new(cache->pool, const char *, count + 1);
	for (i = 0; i < count; i++) {
		if (!cache_get_string(p, end, &literals[i]) ||
		    strlen(literals[i]) < RULES_LITERAL_MIN_LEN)
			return FALSE;
	}
	entry->literals = literals;
	return TRUE;
}

/* The file's entries' sources and literals. Damaged (the checksum
   matched, so another writer's format): the file's codes are not used
   through them, and it is rewritten. */
void cache_file_read_entries(struct bounce_rules_cache *cache)
{
	const unsigned char *p = cache->entries_data, *end;
	struct cache_entry *entry;
	unsigned int i;

	if (cache->entries_read)
		return;
	/* no file: no entries (and no pointer to add a size to) */
	end = p == NULL ? NULL : p + cache->entries_size;
	cache->entries_read = TRUE;
	cache->file_entries = p_new(cache->pool, struct cache_entry,
				    cache->file_count + 1);
	for (i = 0; i < cache->file_count; i++) {
		entry = &cache->file_entries[i];
		entry->file_idx = i;
		if (!cache_get(&p, end, &entry->flags, sizeof(entry->flags)) ||
		    !cache_get_string(&p, end, &entry->source) ||
		    !cache_get_literals(cache, &p, end, entry))
			break;
	}
	if (i < cache->file_count || p != end) {
		for (; i < cache->file_count; i++) {
			cache->file_entries[i].file_idx = i;
			cache->file_entries[i].source = "";
		}
		cache->file_next = cache->file_count;
		cache->stale = TRUE;
	}
}

static int cache_parse(struct bounce_rules_cache *cache,
		       const unsigned char *data, size_t size)
{
	const unsigned char *p = data, *end = data + size, *blob, *image;
	pcre2_code **codes;
	uint64_t sum;
	uint32_t count, entries_size, image_size, blob_size;
	int32_t ret;

	if (size < sizeof(CACHE_MAGIC) - 1 ||
	    memcmp(p, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) != 0)
		return -1;
	p += sizeof(CACHE_MAGIC) - 1;
	if (!cache_get(&p, end, &sum, sizeof(sum)) ||
	    cache_checksum(p, end - p) != sum ||
	    !cache_get(&p, end, &count, sizeof(count)) ||
	    count > (size_t)(end - p) ||
	    !cache_get(&p, end, &entries_size, sizeof(entries_size)) ||
	    entries_size > (size_t)(end - p))
		return -1;
	cache->entries_data = p;
	cache->entries_size = entries_size;
	p += entries_size;
	if (!cache_get(&p, end, &image_size, sizeof(image_size)) ||
	    image_size > (size_t)(end - p))
		return -1;
	image = p;
	p += image_size;
	if (!cache_get(&p, end, &blob_size, sizeof(blob_size)) ||
	    blob_size != (size_t)(end - p))
		return -1;
	blob = p;
	if (count == 0 ||
	    pcre2_serialize_get_number_of_codes(blob) != (int32_t)count)
		return -1;
	codes = p_new(cache->pool, pcre2_code *, count);
	ret = pcre2_serialize_decode(codes, count, blob, NULL);
	if (ret != (int32_t)count) {
		/* another PCRE2 version or build */
		return -1;
	}
	cache->codes = codes;
	cache->file_count = count;
	if (image_size > 0) {
		cache->image = image;
		cache->image_size = image_size;
	}
	return 0;
}

int cache_file_read(struct bounce_rules_cache *cache)
{
	struct stat st;
	void *map;
	int fd, result = -1;

	fd = open(cache->path, O_RDONLY);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == 0 && cache_trusted(&st) &&
	    st.st_size > 0 && st.st_size <= CACHE_MAX_SIZE) {
		map = mmap(NULL, st.st_size, PROT_READ,
			   MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (map != MAP_FAILED) {
			cache->data = i_new(struct bounce_rules_cache_data, 1);
			cache->data->map = map;
			cache->data->size = st.st_size;
			result = cache_parse(cache, map, st.st_size);
		}
	}
	i_close_fd(&fd);
	return result;
}

void bounce_rules_cache_data_free(struct bounce_rules_cache_data **_data)
{
	struct bounce_rules_cache_data *data = *_data;

	if (data == NULL)
		return;
	*_data = NULL;
	if (munmap(data->map, data->size) < 0)
		i_error("munmap(rules cache) failed: %m");
	i_free(data);
}

static void cache_append_string(buffer_t *buf, const char *str)
{
	uint32_t len = strlen(str);

	buffer_append(buf, &len, sizeof(len));
	buffer_append(buf, str, len + 1);
}

static void
cache_append_literals(buffer_t *buf, const struct cache_entry *entry)
{
	const char *const *lit;
	uint32_t count;

	i_assert(entry->literals_known);
	count = entry->literals == NULL ? CACHE_NO_LITERALS :
		str_array_length(entry->literals);
	buffer_append(buf, &count, sizeof(count));
	for (lit = entry->literals; lit != NULL && *lit != NULL; lit++)
		cache_append_string(buf, *lit);
}

static void
cache_encode(struct bounce_rules_cache *cache, buffer_t *buf,
	     const uint8_t *blob, size_t blob_size)
{
	struct cache_entry *const *entries;
	unsigned int i, count;
	uint64_t sum = 0;
	uint32_t value;
	size_t sum_pos, size_pos;

	entries = array_get(&cache->wanted, &count);
	buffer_append(buf, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1);
	sum_pos = buf->used;
	buffer_append(buf, &sum, sizeof(sum));
	value = count;
	buffer_append(buf, &value, sizeof(value));
	size_pos = buf->used;
	buffer_append(buf, &value, sizeof(value));
	for (i = 0; i < count; i++) {
		value = entries[i]->flags;
		buffer_append(buf, &value, sizeof(value));
		cache_append_string(buf, entries[i]->source);
		cache_append_literals(buf, entries[i]);
	}
	value = buf->used - size_pos - sizeof(value);
	buffer_write(buf, size_pos, &value, sizeof(value));
	if (cache->new_image != NULL && cache->new_image->used <= UINT32_MAX) {
		value = cache->new_image->used;
		buffer_append(buf, &value, sizeof(value));
		buffer_append_buf(buf, cache->new_image, 0, SIZE_MAX);
	} else {
		value = 0;
		buffer_append(buf, &value, sizeof(value));
	}
	value = blob_size;
	buffer_append(buf, &value, sizeof(value));
	buffer_append(buf, blob, blob_size);
	sum = cache_checksum(CONST_PTR_OFFSET(buf->data,
					      sum_pos + sizeof(sum)),
			     buf->used - sum_pos - sizeof(sum));
	buffer_write(buf, sum_pos, &sum, sizeof(sum));
}

/* A new file replaces the old one whole, so that parallel deliveries
   read either. Failing (a directory this user may not write) only means
   the next load compiles again. */
void cache_file_write(struct bounce_rules_cache *cache,
		      const uint8_t *blob, size_t blob_size)
{
	const char *tmp_path;
	buffer_t *buf;
	int fd;

	i_assert(blob_size <= UINT32_MAX);
	buf = t_buffer_create(64 * 1024);
	cache_encode(cache, buf, blob, blob_size);
	tmp_path = t_strdup_printf("%s.%s.%s.tmp", cache->path, my_hostname,
				   my_pid);
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd == -1)
		return;
	if (fchmod(fd, 0644) < 0 ||
	    write_full(fd, buf->data, buf->used) < 0) {
		i_close_fd(&fd);
		i_unlink_if_exists(tmp_path);
		return;
	}
	if (close(fd) < 0 || rename(tmp_path, cache->path) < 0)
		i_unlink_if_exists(tmp_path);
}
