/* A set of rules of one kind, each with its pattern. Phrase and subject
   patterns are run one by one: the first rule of a set is the one whose
   match starts leftmost (the earlier rule on a tie), as if they were one
   alternation; a phrase pattern none of whose required literals a text
   contains (bounce-rules-literal.c) is not run over it. The SMTP-command
   and original-message markers, whose matches are walked through, and
   the header names, tried on every header, are joined into one
   alternation whose (*MARK) names the rule (each pattern is compiled
   alone too, to report a bad one at its line). */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-private.h"

/* A phrase pattern's literals for a non-ASCII text: without non-ASCII
   characters, those it has for an ASCII one. */
static void
rule_pattern_add_any_text(struct bounce_rules *rules,
			  struct rule_pattern *pat, const char *pattern)
{
	const char *const *literals;

	if (rules_pattern_is_ascii(pattern)) {
		pat->any_literal_id = pat->literal_id;
		pat->any_prefiltered = pat->prefiltered;
		return;
	}
	literals = bounce_rules_literals_any_text(rules->pool, pattern);
	pat->any_literal_id = rules->literal_count++;
	pat->any_prefiltered = literals != NULL;
	if (literals != NULL) {
		bounce_literal_index_add(rules->literals, literals,
					 pat->any_literal_id);
	}
}

/* A phrase pattern's second literals, looked for in a text that holds
   one of its first: most runs of a pattern whose first literal is there
   did not match. They are not in the index, whose scan of every text
   they would slow more than they spare (most are short words). (Not kept
   in the cache file: extracted again only when the rules are parsed.) */
static void
rule_pattern_add_second(struct bounce_rules *rules, struct rule_pattern *pat,
			const char *pattern)
{
	if (!pat->prefiltered)
		return;
	pat->second_literals = bounce_rules_literals_second(rules->pool,
							    pattern);
	pat->second_any_text = rules_pattern_is_ascii(pattern);
}

static void
rule_set_add_literals(struct bounce_rules_cache *cache, struct rule_set *set,
		      const char *pattern)
{
	const char *const *literals;

	if (set->unfiltered)
		return;
	literals = rules_pattern_literals(cache, pattern);
	if (literals == NULL) {
		set->unfiltered = TRUE;
		bounce_literal_index_free(&set->literals);
		return;
	}
	if (set->literals == NULL)
		set->literals = bounce_literal_index_create();
	bounce_literal_index_add(set->literals, literals, 0);
}

int rule_set_add(struct bounce_rules *rules, struct bounce_rules_cache *cache,
		 struct rule_set *set, const struct bounce_rule *rule,
		 const char *pattern, const char **error_r)
{
	pcre2_code *re;

	/* Compile alone first, so a bad pattern is reported at its line
	   and cannot break out of its alternative. */
	re = rules_compile_pattern(cache, pattern, 0, error_r);
	if (re == NULL)
		return -1;
	if (!array_is_created(&set->rules)) {
		i_array_init(&set->rules, 16);
		i_array_init(&set->patterns, 16);
	}
	if (set->alternation) {
		pcre2_code_free(re);
		if (set->source == NULL)
			set->source = str_new(default_pool, 256);
		else
			str_append_c(set->source, '|');
		str_printfa(set->source, "(?:%s)(*MARK:%u)", pattern,
			    array_count(&set->rules));
		rule_set_add_literals(cache, set, pattern);
	} else {
		struct rule_pattern *pat = array_append_space(&set->patterns);

		pat->re = re;
		if (set->prefilter) {
			const char *const *literals =
				rules_pattern_literals(cache, pattern);

			pat->literal_id = rules->literal_count++;
			pat->prefiltered = literals != NULL;
			if (literals != NULL) {
				bounce_literal_index_add(rules->literals,
							 literals,
							 pat->literal_id);
			}
			rule_pattern_add_any_text(rules, pat, pattern);
			rule_pattern_add_second(rules, pat, pattern);
		} else {
			rules_pattern_literals_keep(rules, cache, pattern, 0,
						    &pat->literals,
						    &pat->literals_any_text);
		}
	}
	array_push_back(&set->rules, rule);
	return 0;
}

int rule_set_compile(struct bounce_rules_cache *cache, struct rule_set *set,
		     const char **error_r)
{
	if (set->source == NULL)
		return 0;
	set->all.re = rules_compile_pattern(cache, str_c(set->source), 0,
					    error_r);
	str_free(&set->source);
	return set->all.re == NULL ? -1 : 0;
}

void rule_set_free(struct rule_set *set)
{
	struct rule_pattern *pat;

	if (set->all.re != NULL)
		pcre2_code_free(set->all.re);
	bounce_literal_index_free(&set->literals);
	if (set->source != NULL)
		str_free(&set->source);
	if (array_is_created(&set->rules))
		array_free(&set->rules);
	if (array_is_created(&set->patterns)) {
		array_foreach_modifiable(&set->patterns, pat)
			pcre2_code_free(pat->re);
		array_free(&set->patterns);
	}
}

bool rule_set_may_match(struct rule_set *set, const char *text, size_t len)
{
	bool found = FALSE;

	if (set->literals == NULL ||
	    !bounce_literal_index_scan(set->literals, text, len, &found))
		return TRUE;
	return found;
}

int rule_set_mark(struct bounce_rules *rules, const struct rule_set *set)
{
	PCRE2_SPTR mark = pcre2_get_mark(rules->md);
	unsigned int idx;

	if (mark == NULL || str_to_uint((const char *)mark, &idx) < 0 ||
	    idx >= array_count(&set->rules))
		return -1;
	return (int)idx;
}

/* Whether the filter's text may hold a match of the phrase pattern. */
static bool
rule_pattern_may_match(const struct rule_pattern *pat,
		       const struct phrase_filter *filter)
{
	if (filter->ascii ? pat->prefiltered && !filter->found[pat->literal_id] :
	    pat->any_prefiltered && !filter->found[pat->any_literal_id])
		return FALSE;
	if (pat->second_literals == NULL ||
	    (!filter->ascii && !pat->second_any_text))
		return TRUE;
	return bounce_lower_text_has(filter->lower, filter->lower_len,
				     pat->second_literals);
}

int rule_set_first(struct bounce_rules *rules, struct rule_set *set,
		   const char *text, size_t len,
		   const struct phrase_filter *filter, size_t *start_r)
{
	struct rule_pattern *pat;
	size_t start, end, best_start = SIZE_MAX;
	unsigned int i, count;
	int best = -1;

	if (set->alternation) {
		if (set->all.re == NULL ||
		    !rule_set_may_match(set, text, len) ||
		    rules_exec_counted(rules, set->all.re, &set->all.scanned,
				       text, len, 0) <= 0)
			return -1;
		(void)bounce_rules_group(rules, 0, start_r, &end);
		return rule_set_mark(rules, set);
	}
	if (!array_is_created(&set->patterns))
		return -1;
	pat = array_get_modifiable(&set->patterns, &count);
	for (i = 0; i < count && best_start > 0; i++) {
		if (filter != NULL && !rule_pattern_may_match(&pat[i], filter))
			continue;
		if (rules_exec_counted(rules, pat[i].re, &pat[i].scanned,
				       text, len, 0) <= 0)
			continue;
		(void)bounce_rules_group(rules, 0, &start, &end);
		if (start < best_start) {
			best_start = start;
			best = (int)i;
		}
	}
	*start_r = best_start;
	return best;
}

const struct bounce_rule *
rule_set_match(struct bounce_rules *rules, struct rule_set *set,
	       const char *text, const struct phrase_filter *filter)
{
	size_t start;
	int idx;

	idx = rule_set_first(rules, set, text, strlen(text), filter, &start);
	return idx < 0 ? NULL : array_idx(&set->rules, idx);
}
