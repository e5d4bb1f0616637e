#ifndef BOUNCE_RULES_CACHE_H
#define BOUNCE_RULES_CACHE_H

/* A file of the rules' patterns compiled by PCRE2 and serialised, so that
   a delivery process decodes them instead of compiling them again, and
   of an image of the loaded rules (bounce-rules-image.c), from which a
   delivery builds them while their files are unchanged. Each pattern is
   looked up by its source text, so an edited rule is simply compiled; a
   cache PCRE2 cannot decode (another PCRE2 version), one that is
   damaged, or one that anybody but its owner (root or this user) could
   have written is ignored. After the rules are parsed the file is
   rewritten, if it can be: the cache is never a reason for the rules to
   fail to load. */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct bounce_rules_cache;
struct bounce_rules_cache_data;

/* path NULL: no cache, patterns are just compiled. */
struct bounce_rules_cache *bounce_rules_cache_open(const char *path);
/* The compiled pattern, owned by the caller: from the cache when it holds
   this source with these flags, else compiled. NULL with error_r for an
   invalid pattern. */
pcre2_code *bounce_rules_cache_compile(struct bounce_rules_cache *cache,
				       const char *pattern, uint32_t flags,
				       const char **error_r);
/* The pattern's required literals, as bounce_rules_literals() extracts
   them: from the cache when it holds the pattern. Valid until the cache
   is closed. */
const char *const *
bounce_rules_cache_literals(struct bounce_rules_cache *cache,
			    const char *pattern, uint32_t flags);
/* The image of the rules stored with the patterns (bounce-rules-image.c),
   or NULL; valid until the cache is closed. */
const unsigned char *
bounce_rules_cache_image(struct bounce_rules_cache *cache, size_t *size_r);
/* The file's code number idx, once: FALSE when there is none or it was
   taken. */
bool bounce_rules_cache_take(struct bounce_rules_cache *cache,
			     unsigned int idx, pcre2_code **re_r);
/* Where the code bounce_rules_cache_compile() returned is in the file
   the cache writes, or -1. */
int bounce_rules_cache_index(struct bounce_rules_cache *cache,
			     const pcre2_code *re);
/* The file is to be written with this image of the rules. */
void bounce_rules_cache_set_image(struct bounce_rules_cache *cache,
				  const buffer_t *image);
/* The rules were built from the image: the file is as it should be, and
   the caller takes its contents (which the image's strings point into),
   to free them with bounce_rules_cache_data_free(). */
struct bounce_rules_cache_data *
bounce_rules_cache_keep_data(struct bounce_rules_cache *cache);
void bounce_rules_cache_data_free(struct bounce_rules_cache_data **data);
/* Frees the cache; with update, first rewrites the file if it did not
   hold exactly the patterns asked for. */
void bounce_rules_cache_close(struct bounce_rules_cache **cache, bool update);

#endif
