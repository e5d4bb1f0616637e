/* The store of compiled patterns of bounce-rules-cache.h: each request
   for a pattern is answered with the file's code when it holds the
   pattern with these flags (bounce-rules-cache-file.c), else by compiling
   it; what was asked for, in order, is what the file is rewritten with
   when it did not hold exactly that.

   The patterns are in the order the rules asked for them (one asked for
   twice is there twice), which is the order they ask again next time:
   each request is first compared with the file's next entry, and only
   a request out of that order (edited rules) builds the hash table of
   them all. */

#include "lib.h"
#include "array.h"
#include "buffer.h"
#include "hash.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-cache-private.h"

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

static void cache_hash(struct bounce_rules_cache *cache)
{
	struct cache_entry *const *entry;
	unsigned int i;

	cache_file_read_entries(cache);
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

	cache_file_read_entries(cache);
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
		if (cache_file_read(cache) < 0)
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

/* The wanted patterns compiled afresh, serialised and written with their
   literals: codes decoded from the old file carry their own copy of the
   character tables, and PCRE2 serialises only codes sharing one. */
static void cache_update(struct bounce_rules_cache *cache)
{
	struct cache_entry *const *entries;
	unsigned int i, count;
	pcre2_code **codes;
	uint8_t *blob;
	PCRE2_SIZE blob_size;
	const char *error;
	int ret = 0;

	entries = array_get(&cache->wanted, &count);
	if (count == 0)
		return;
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
	if (ret < 0)
		return;
	if (blob_size <= UINT32_MAX) {
		for (i = 0; i < count; i++)
			cache_entry_literals(cache, entries[i]);
		cache_file_write(cache, blob, blob_size);
	}
	pcre2_serialize_free(blob);
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
			cache_update(cache);
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
