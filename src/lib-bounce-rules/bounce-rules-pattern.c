/* A rules pattern: compiled with the flags every rule's pattern has
   (from the cache's code when it holds it), run over a text, and the
   spans of its groups after a match. A pattern is JIT-compiled only once
   it has been run over some text: a delivery process classifies one
   message, for which compiling patterns to machine code would cost more
   than the matching itself. */

#include "lib.h"
#include "hash.h"
#include "bounce-rules-cache.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-private.h"

/* Bytes of text a pattern is run over before it is JIT-compiled.
   Compiling one costs about what the interpreter spends on this much
   text, so a delivery, classifying one message, rarely pays for it and
   a run over many messages soon does. */
#define RULES_JIT_AFTER_BYTES (16 * 1024)
/* What a run costs the interpreter beyond its text, in bytes of text:
   each start position it tries sets up its frames anew, so a pattern
   run often over short texts (a format's lines, diagnostics) cost far
   more than its bytes said. It is JIT-compiled after 16 runs at most. */
#define RULES_JIT_RUN_BYTES 1024
#define RULES_COMPILE_FLAGS \
	(PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)

pcre2_code *
rules_compile_pattern(struct bounce_rules_cache *cache, const char *pattern,
		      uint32_t flags, const char **error_r)
{
	return bounce_rules_cache_compile(cache, pattern,
					  RULES_COMPILE_FLAGS | flags, error_r);
}

const char *const *
rules_pattern_literals(struct bounce_rules_cache *cache, const char *pattern)
{
	return bounce_rules_cache_literals(cache, pattern, RULES_COMPILE_FLAGS);
}

bool rules_pattern_is_ascii(const char *pattern)
{
	return bounce_text_is_ascii(pattern, strlen(pattern));
}

void rules_pattern_literals_keep(struct bounce_rules *rules,
				 struct bounce_rules_cache *cache,
				 const char *pattern, uint32_t flags,
				 const char *const **literals_r,
				 bool *any_text_r)
{
	const char *const *literals;

	literals = bounce_rules_cache_literals(cache, pattern,
					       RULES_COMPILE_FLAGS | flags);
	if (literals == NULL) {
		*literals_r = NULL;
		*any_text_r = FALSE;
		return;
	}
	*literals_r = (const char *const *)
		p_strarray_dup(rules->pool, literals);
	*any_text_r = rules_pattern_is_ascii(pattern);
}

int bounce_pattern_match_counted(pcre2_code *re, pcre2_match_data *md,
				 size_t *scanned, const char *subject,
				 size_t len, size_t offset)
{
	if (*scanned < RULES_JIT_AFTER_BYTES &&
	    (*scanned += len - offset + RULES_JIT_RUN_BYTES) >=
	    RULES_JIT_AFTER_BYTES) {
		/* JIT is an optimisation: without it (unsupported CPU, no
		   executable memory) the interpreter gives the same
		   answers. */
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	}
	return pcre2_match(re, (PCRE2_SPTR)subject, len, offset, 0, md, NULL);
}

int rules_exec_counted(struct bounce_rules *rules, pcre2_code *re,
		       size_t *scanned, const char *subject, size_t len,
		       size_t offset)
{
	int ret;

	ret = bounce_pattern_match_counted(re, rules->md, scanned, subject,
					   len, offset);
	/* No match, and also match-limit and similar errors on hostile
	   input: a rule that cannot decide did not match. */
	return ret < 0 ? 0 : 1;
}

int bounce_rules_exec(struct bounce_rules *rules, const pcre2_code *re,
		      const char *subject, size_t len, size_t offset)
{
	size_t scanned, before;
	int ret;

	before = scanned = POINTER_CAST_TO(
		hash_table_lookup(rules->scanned, re), size_t);
	ret = rules_exec_counted(rules, (pcre2_code *)re, &scanned, subject,
				 len, offset);
	if (scanned != before)
		hash_table_update(rules->scanned, re, POINTER_CAST(scanned));
	return ret;
}

bool bounce_rules_named_group(struct bounce_rules *rules,
			      const pcre2_code *re, const char *name,
			      size_t *start_r, size_t *end_r)
{
	PCRE2_SPTR first, last, entry;
	uint32_t entry_size;
	int n;

	if (pcre2_substring_nametable_scan(re, (PCRE2_SPTR)name, &first,
					   &last) < 0)
		return FALSE;
	(void)pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
	/* the first of the same-named groups that took part in the match */
	for (entry = first; entry <= last; entry += entry_size) {
		n = (entry[0] << 8) | entry[1];
		if (bounce_rules_group(rules, n, start_r, end_r))
			return TRUE;
	}
	return FALSE;
}

bool bounce_rules_group(struct bounce_rules *rules, int n,
			size_t *start_r, size_t *end_r)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rules->md);

	if (n < 0 || (uint32_t)n >= pcre2_get_ovector_count(rules->md) ||
	    ov[2*n] == PCRE2_UNSET)
		return FALSE;
	*start_r = ov[2*n];
	*end_r = ov[2*n + 1];
	return TRUE;
}
