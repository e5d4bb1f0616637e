#ifndef BOUNCE_RULES_CACHE_PRIVATE_H
#define BOUNCE_RULES_CACHE_PRIVATE_H

/* The rules cache's state, shared by the store of compiled patterns
   (bounce-rules-cache.c) and the file it is kept in
   (bounce-rules-cache-file.c). */

#include "array.h"
#include "hash.h"
#include "bounce-rules-cache.h"

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

/* bounce-rules-cache-file.c: maps the file and reads its header (-1 when
   it is missing, untrusted, damaged or of another PCRE2): the codes are
   decoded, the entries read when first needed */
int cache_file_read(struct bounce_rules_cache *cache);
void cache_file_read_entries(struct bounce_rules_cache *cache);
/* Replaces the file by one holding the wanted entries (their literals
   known), the new image and blob, PCRE2's serialisation of their codes. */
void cache_file_write(struct bounce_rules_cache *cache,
		      const uint8_t *blob, size_t blob_size);

#endif
