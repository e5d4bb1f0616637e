/* The compiled-patterns cache of bounce-rules-cache.h. The file holds
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
   of copying them.

   The patterns are in the order the rules asked for them (one asked for
   twice is there twice), which is the order they ask again next time:
   each request is first compared with the file's next entry, and only
   a request out of that order (edited rules) builds the hash table of
   them all. */

#include "lib.h"
#include "array.h"
#include "buffer.h"
#include "hash.h"
#include "hostpid.h"
#include "write-full.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-cache.h"

#include <stdio.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "dovecot-bounce rules cache 6\n"
#define CACHE_MAX_SIZE (64 * 1024 * 1024)
#define CACHE_NO_LITERALS 0xffffffffU

struct cache_entry {
	uint32_t flags;
	const char *source;
	/* the same source with other flags */
	struct cache_entry *next;
	/* its place in the file (codes[]), -1 for a new pattern */
	int file_idx;
	/* the source's required literals once extracted or read (NULL:
	   none known) */
	const char *const *literals;
	bool literals_known;
};

/* The file mapped into memory: a delivery touches only what it uses of
   it, and the pages are the page cache's, neither copied nor faulted in
   one by one. The file is only ever replaced by rename(), never
   truncated, so the mapping stays whole. */
struct bounce_rules_cache_data {
	void *map;
	size_t size;
};

struct bounce_rules_cache {
	pool_t pool;
	const char *path;
	/* the file's contents, which its entries' strings point into */
	struct bounce_rules_cache_data *data;
	/* the file's codes, decoded and not handed out yet, and its
	   entries in file order (made from entries_data when first needed:
	   a load from the image needs only the codes), and the one
	   expected next */
	pcre2_code **codes;
	struct cache_entry *file_entries;
	unsigned int file_count, file_next;
	const unsigned char *entries_data;
	size_t entries_size;
	bool entries_read;
	/* the entry asked for last (the literals follow the code) */
	struct cache_entry *last;
	/* source => its entries, one per set of flags; built when first
	   needed */
	HASH_TABLE(const char *, struct cache_entry *) entries;
	/* the patterns asked for, in order: what the file should hold,
	   and the code each request got */
	ARRAY(struct cache_entry *) wanted;
	ARRAY(const pcre2_code *) handed;
	/* the rules' image in the file, and the one to write */
	const unsigned char *image;
	size_t image_size;
	buffer_t *new_image;
	bool stale;
	/* the rules were built from the file's image */
	bool image_used;
};

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

/* Adds entry unless one with its source and flags is there already. */
static bool cache_insert(struct bounce_rules_cache *cache,
			 struct cache_entry *entry)
{
	struct cache_entry *first;

	if (!hash_table_is_created(cache->entries))
		return TRUE;

	first = hash_table_lookup(cache->entries, entry->source);
	for (struct cache_entry *e = first; e != NULL; e = e->next) {
		if (e->flags == entry->flags)
			return FALSE;
	}
	entry->next = first;
	if (first == NULL)
		hash_table_insert(cache->entries, entry->source, entry);
	else
		hash_table_update(cache->entries, entry->source, entry);
	return TRUE;
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
static void cache_read_entries(struct bounce_rules_cache *cache)
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

static void cache_hash(struct bounce_rules_cache *cache)
{
	struct cache_entry *const *entry;
	unsigned int i;

	cache_read_entries(cache);
	hash_table_create(&cache->entries, cache->pool,
			  cache->file_count + 64, str_hash, strcmp);
	for (i = 0; i < cache->file_count; i++)
		(void)cache_insert(cache, &cache->file_entries[i]);
	/* those compiled so far; the file's are in already */
	array_foreach(&cache->wanted, entry)
		(void)cache_insert(cache, *entry);
}

static bool
cache_entry_is(const struct cache_entry *entry, uint32_t flags,
	       const char *source)
{
	return entry->flags == flags && strcmp(entry->source, source) == 0;
}

static struct cache_entry *
cache_lookup(struct bounce_rules_cache *cache, uint32_t flags,
	     const char *source)
{
	struct cache_entry *entry;

	if (!hash_table_is_created(cache->entries))
		cache_hash(cache);
	entry = hash_table_lookup(cache->entries, source);
	while (entry != NULL && entry->flags != flags)
		entry = entry->next;
	return entry;
}

/* The entry for the next pattern the rules ask for: the file's next one
   when the rules are as they were, else the one the hash table finds. */
static struct cache_entry *
cache_lookup_next(struct bounce_rules_cache *cache, uint32_t flags,
		  const char *source)
{
	struct cache_entry *entry;

	cache_read_entries(cache);
	if (cache->file_next < cache->file_count &&
	    cache_entry_is(&cache->file_entries[cache->file_next],
			   flags, source))
		return &cache->file_entries[cache->file_next++];
	entry = cache_lookup(cache, flags, source);
	/* a file entry: the ones after it are likely next */
	if (entry != NULL && entry >= cache->file_entries &&
	    entry < cache->file_entries + cache->file_count)
		cache->file_next = entry - cache->file_entries + 1;
	return entry;
}

static pcre2_code *
cache_compile_source(const char *pattern, uint32_t flags, const char **error_r)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE erroffset;
	pcre2_code *re;
	int errcode;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, flags,
			   &errcode, &erroffset, NULL);
	if (re == NULL) {
		(void)pcre2_get_error_message(errcode, msg, sizeof(msg));
		*error_r = t_strdup_printf("invalid pattern at offset %zu: %s",
					   (size_t)erroffset, msg);
	}
	return re;
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

static int cache_read(struct bounce_rules_cache *cache)
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

struct bounce_rules_cache *bounce_rules_cache_open(const char *path)
{
	struct bounce_rules_cache *cache;
	pool_t pool;

	pool = pool_alloconly_create("bounce rules cache", 4096);
	cache = p_new(pool, struct bounce_rules_cache, 1);
	cache->pool = pool;
	p_array_init(&cache->wanted, pool, 256);
	p_array_init(&cache->handed, pool, 256);
	if (path != NULL && *path != '\0') {
		cache->path = p_strdup(pool, path);
		if (cache_read(cache) < 0)
			cache->stale = TRUE;
	}
	return cache;
}

pcre2_code *bounce_rules_cache_compile(struct bounce_rules_cache *cache,
				       const char *pattern, uint32_t flags,
				       const char **error_r)
{
	struct cache_entry *entry;
	pcre2_code *re;

	entry = cache_lookup_next(cache, flags, pattern);
	if (entry != NULL && entry->file_idx >= 0 &&
	    cache->codes[entry->file_idx] != NULL) {
		re = cache->codes[entry->file_idx];
		cache->codes[entry->file_idx] = NULL;
	} else {
		re = cache_compile_source(pattern, flags, error_r);
		if (re == NULL)
			return NULL;
		if (entry == NULL) {
			entry = p_new(cache->pool, struct cache_entry, 1);
			entry->file_idx = -1;
			entry->flags = flags;
			entry->source = p_strdup(cache->pool, pattern);
			(void)cache_insert(cache, entry);
		}
		cache->stale = TRUE;
	}
	/* every request, a pattern asked for twice too: the file then
	   answers each in turn */
	array_push_back(&cache->wanted, &entry);
	array_push_back(&cache->handed, (const pcre2_code **)&re);
	cache->last = entry;
	return re;
}

static void
cache_entry_literals(struct bounce_rules_cache *cache, struct cache_entry *entry)
{
	if (!entry->literals_known) {
		entry->literals = bounce_rules_literals(cache->pool,
							entry->source);
		entry->literals_known = TRUE;
	}
}

const char *const *
bounce_rules_cache_literals(struct bounce_rules_cache *cache,
			    const char *pattern, uint32_t flags)
{
	struct cache_entry *entry = cache->last;

	/* asked for right after the code, as a rule is added */
	if (entry == NULL || !cache_entry_is(entry, flags, pattern))
		entry = cache_lookup(cache, flags, pattern);
	if (entry == NULL)
		return bounce_rules_literals(cache->pool, pattern);
	cache_entry_literals(cache, entry);
	return entry->literals;
}

const unsigned char *
bounce_rules_cache_image(struct bounce_rules_cache *cache, size_t *size_r)
{
	*size_r = cache->image_size;
	return cache->image;
}

bool bounce_rules_cache_take(struct bounce_rules_cache *cache,
			     unsigned int idx, pcre2_code **re_r)
{
	if (idx >= cache->file_count || cache->codes[idx] == NULL)
		return FALSE;
	*re_r = cache->codes[idx];
	cache->codes[idx] = NULL;
	return TRUE;
}

int bounce_rules_cache_index(struct bounce_rules_cache *cache,
			     const pcre2_code *re)
{
	const pcre2_code *const *handed;
	unsigned int count;

	/* From the end: a code freed while loading (an alternation's
	   member, compiled alone to check it) may have left its address
	   to a later one. */
	handed = array_get(&cache->handed, &count);
	while (count > 0) {
		if (handed[--count] == re)
			return (int)count;
	}
	return -1;
}

void bounce_rules_cache_set_image(struct bounce_rules_cache *cache,
				  const buffer_t *image)
{
	if (cache->new_image == NULL)
		cache->new_image = buffer_create_dynamic(cache->pool,
							 image->used);
	buffer_set_used_size(cache->new_image, 0);
	buffer_append_buf(cache->new_image, image, 0, SIZE_MAX);
}

struct bounce_rules_cache_data *
bounce_rules_cache_keep_data(struct bounce_rules_cache *cache)
{
	struct bounce_rules_cache_data *data = cache->data;

	i_assert(data != NULL);
	cache->data = NULL;
	cache->image_used = TRUE;
	return data;
}

static void cache_append_string(buffer_t *buf, const char *str)
{
	uint32_t len = strlen(str);

	buffer_append(buf, &len, sizeof(len));
	buffer_append(buf, str, len + 1);
}

static void
cache_append_literals(struct bounce_rules_cache *cache, buffer_t *buf,
		      struct cache_entry *entry)
{
	const char *const *lit;
	uint32_t count;

	cache_entry_literals(cache, entry);
	count = entry->literals == NULL ? CACHE_NO_LITERALS :
		str_array_length(entry->literals);
	buffer_append(buf, &count, sizeof(count));
	for (lit = entry->literals; lit != NULL && *lit != NULL; lit++)
		cache_append_string(buf, *lit);
}

/* The file's contents for the wanted patterns, compiled afresh: codes
   decoded from the old file carry their own copy of the character
   tables, and PCRE2 serialises only codes sharing one. */
static int cache_encode(struct bounce_rules_cache *cache, buffer_t *buf)
{
	struct cache_entry *const *entries;
	unsigned int i, count;
	pcre2_code **codes;
	uint8_t *blob;
	PCRE2_SIZE blob_size;
	uint64_t sum = 0;
	uint32_t value;
	const char *error;
	size_t sum_pos, size_pos;
	int ret = 0;

	entries = array_get(&cache->wanted, &count);
	if (count == 0)
		return -1;
	codes = t_new(pcre2_code *, count);
	for (i = 0; i < count && ret == 0; i++) {
		codes[i] = cache_compile_source(entries[i]->source,
						entries[i]->flags, &error);
		if (codes[i] == NULL)
			ret = -1;
	}
	if (ret == 0 &&
	    pcre2_serialize_encode((const pcre2_code **)codes, count, &blob,
				   &blob_size, NULL) != (int32_t)count)
		ret = -1;
	for (i = 0; i < count && codes[i] != NULL; i++)
		pcre2_code_free(codes[i]);
	if (ret < 0 || blob_size > UINT32_MAX)
		return -1;

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
		cache_append_literals(cache, buf, entries[i]);
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
	pcre2_serialize_free(blob);
	sum = cache_checksum(CONST_PTR_OFFSET(buf->data,
					      sum_pos + sizeof(sum)),
			     buf->used - sum_pos - sizeof(sum));
	buffer_write(buf, sum_pos, &sum, sizeof(sum));
	return 0;
}

/* A new file replaces the old one whole, so that parallel deliveries
   read either. Failing (a directory this user may not write) only means
   the next load compiles again. */
static void cache_write(struct bounce_rules_cache *cache)
{
	const char *tmp_path;
	buffer_t *buf;
	int fd;

	buf = t_buffer_create(64 * 1024);
	if (cache_encode(cache, buf) < 0)
		return;
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

void bounce_rules_cache_close(struct bounce_rules_cache **_cache, bool update)
{
	struct bounce_rules_cache *cache = *_cache;
	unsigned int i;

	if (cache == NULL)
		return;
	*_cache = NULL;
	/* patterns the rules no longer have make the file stale too, and
	   so does a new image of the rules */
	if (update && cache->path != NULL && !cache->image_used &&
	    (cache->stale || cache->new_image != NULL ||
	     array_count(&cache->wanted) != cache->file_count)) {
		T_BEGIN {
			cache_write(cache);
		} T_END;
	}
	/* only the file's codes may not have been handed out */
	for (i = 0; i < cache->file_count; i++) {
		if (cache->codes[i] != NULL)
			pcre2_code_free(cache->codes[i]);
	}
	if (hash_table_is_created(cache->entries))
		hash_table_destroy(&cache->entries);
	bounce_rules_cache_data_free(&cache->data);
	pool_unref(&cache->pool);
}
