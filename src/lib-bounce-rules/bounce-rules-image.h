#ifndef BOUNCE_RULES_IMAGE_H
#define BOUNCE_RULES_IMAGE_H

/* The rules' image in the rules cache, which the loader writes after
   parsing the rules files and builds the rules from while it is fresh.
   It knows how to store and restore the rules' structures; whether it
   is fresh is the loader's question, answered from its head. */

#include "bounce-rules-source.h"

struct bounce_rules;
struct bounce_rules_cache;

/* The format's version and markers, shared by reading and writing. */
#define IMAGE_VERSION 9
#define IMAGE_NONE 0xffffffffU
#define SET_ALTERNATION 0x01
#define SET_PREFILTER 0x02
#define SET_UNFILTERED 0x04
#define PATTERN_PREFILTERED 0x01
#define PATTERN_ANY_PREFILTERED 0x02
#define PATTERN_SECOND_ANY_TEXT 0x04

/* bounce-rules-image-write.c: appends the rules' image to buf, naming
   each pattern by its place in the cache file being written. FALSE when
   a pattern has no place there (then the image is not to be used). */
bool bounce_rules_image_write(const struct bounce_rules *rules,
			      struct bounce_rules_cache *cache,
			      const char *path, buffer_t *buf);

/* A stamp of the files and include patterns the rules were read from
   (bounce_rules_stamp()), in the image's format: written by
   bounce-rules-image-write.c; read back into sources_r (arrays in pool)
   by bounce-rules-image.c, FALSE when data is no stamp of this format. */
void bounce_rules_image_write_stamp(const struct bounce_rules *rules,
				    buffer_t *buf);
bool bounce_rules_image_read_stamp(pool_t pool, const unsigned char *data,
				   size_t size,
				   ARRAY_TYPE(rules_source) *sources_r);

/* bounce-rules-image.c: what an image was made of (the rules file it
   was loaded from, the category names its rules' indexes refer to, the
   files and include patterns read; strings point into the image), and
   where the rules built from them are in it. */
struct bounce_rules_image_head {
	const char *path;
	const char *const *categories;
	ARRAY_TYPE(rules_source) sources;
	const unsigned char *body;
	size_t body_size;
};
/* Reads an image's head, its arrays in pool. FALSE when data is not an
   image of this format. */
bool bounce_rules_image_read_head(pool_t pool, const unsigned char *data,
				  size_t size,
				  struct bounce_rules_image_head *head_r);
/* Builds the rules from the image whose head was read. Returns 1 when
   done, -1 when the image does not fit the cache (the rules are then
   half built and must be freed). */
int bounce_rules_image_read(struct bounce_rules *rules,
			    struct bounce_rules_cache *cache,
			    const struct bounce_rules_image_head *head);

#endif
