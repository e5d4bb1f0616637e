#ifndef BOUNCE_RULES_CACHE_H
#define BOUNCE_RULES_CACHE_H

/* A file of the rules' patterns compiled by PCRE2 and serialised, so that
   a delivery process decodes them instead of compiling them again. Each
   pattern is looked up by its source text, so an edited rule is simply
   compiled; a cache PCRE2 cannot decode (another PCRE2 version), one that
   is damaged, or one that anybody but its owner (root or this user) could
   have written is ignored. After the rules are loaded the file is
   rewritten when it did not hold exactly their patterns, if it can be:
   the cache is never a reason for the rules to fail to load. */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct bounce_rules_cache;

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
/* Frees the cache; with update, first rewrites the file if it did not
   hold exactly the patterns asked for. */
void bounce_rules_cache_close(struct bounce_rules_cache **cache, bool update);

#endif
