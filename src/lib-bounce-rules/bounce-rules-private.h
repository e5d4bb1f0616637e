#ifndef BOUNCE_RULES_PRIVATE_H
#define BOUNCE_RULES_PRIVATE_H

/* The loaded rules' structures, which the library's files share, and
   what each file offers the others. bounce-rules.h is the contract with
   the library's users. */

#include "array.h"
#include "hash.h"
#include "bounce-rules.h"
#include "bounce-rules-source.h"

struct bounce_rules_cache;
struct bounce_rules_cache_data;
struct bounce_literal_index;

struct rule_pattern {
	pcre2_code *re;
	/* bytes run over so far, until it is JIT-compiled */
	size_t scanned;
	/* phrases: whether the literal index knows literals one of which
	   every match in an ASCII text contains (else the pattern always
	   runs), and the pattern's number there; the same for any text
	   (bounce_rules_literals_any_text(), the same number when the
	   pattern has no non-ASCII character) */
	bool prefiltered, any_prefiltered;
	unsigned int literal_id, any_literal_id;
	/* a second set of literals every match contains one of too
	   (bounce_rules_literals_second()) or NULL, looked for only when
	   the first is found; in an ASCII text, or with second_any_text
	   in any */
	const char *const *second_literals;
	bool second_any_text;
	/* a set without the prefilter (the subjects): the pattern's
	   literals or NULL, for the header screen
	   (bounce_rules_header_marks()), and whether they hold for any
	   text */
	const char *const *literals;
	bool literals_any_text;
};

struct rule_set {
	ARRAY(struct bounce_rule) rules;
	/* each rule's pattern, or with alternation one pattern for all */
	ARRAY(struct rule_pattern) patterns;
	bool alternation;
	bool prefilter;
	string_t *source;
	struct rule_pattern all;
	/* with alternation: every pattern's required literals, one of
	   which each match contains, unless some pattern has none known
	   (unfiltered) */
	struct bounce_literal_index *literals;
	bool unfiltered;
};

/* What one pass over a text found (bounce-rules-literal.h), so that the
   phrase patterns that cannot match it are not run. */
struct phrase_filter {
	/* per literal_id */
	const bool *found;
	bool ascii;
	/* the text as the scan read it (lowercase ASCII) */
	const unsigned char *lower;
	size_t lower_len;
};

struct status_rule {
	char pattern[16];	/* "5.1.1", "5.1.*", "5.*.*" */
	unsigned int specificity;
	struct bounce_rule rule;
};

struct reply_rule {
	char code[4];
	struct bounce_rule rule;
};

struct phrase_group {
	const char *name;
	unsigned int order, seq;
	struct rule_set set;
};

/* "when CONDITION[+CONDITION...] GROUP CATEGORY": a phrase of GROUP
   decides CATEGORY instead when the recipient's evidence meets every
   condition: "temporary", "reply", "after-COMMAND", "no-command" or
   "status=PATTERN". */
struct when_rule {
	const char *const *conditions;
	const char *group;
	struct bounce_rule rule;
};

struct bounce_rules {
	pool_t pool;
	pcre2_match_data *md;
	/* the category names rules may use, by index (the classifier's
	   taxonomy) */
	const char *const *categories;
	unsigned int category_count;

	/* Phrase groups ("category" or "category/label"), tried in the
	   order category-order names them, the rest in file order. */
	ARRAY(struct phrase_group) phrases;

	ARRAY(struct status_rule) status;
	ARRAY(struct reply_rule) reply;
	ARRAY(struct when_rule) when;
	struct rule_set subjects, originals, keep_headers, commands;
	ARRAY(pcre2_code *) verp;
	ARRAY_TYPE(bounce_format) formats;
	/* "notification FIELD PATTERN" lines; with the subject rules the
	   header marks, made when first asked for */
	ARRAY_TYPE(bounce_format_match) notifications;
	ARRAY_TYPE(bounce_format_match) header_marks;

	/* pcre2_code => bytes run over, until JIT-compiled (for the
	   formats' patterns, which bounce_rules_exec() runs) */
	HASH_TABLE(const pcre2_code *, void *) scanned;

	/* while loading: the phrase group named last (a file lists a
	   group's phrases together); every file read and include pattern
	   expanded (for rules built from the image, its list of them) */
	unsigned int last_group;
	ARRAY_TYPE(rules_source) sources;
	/* the cache's contents, which rules read from its image point
	   into; NULL when the rules were parsed */
	struct bounce_rules_cache_data *image_data;

	/* the phrase patterns' literals; found[] per literal_id */
	struct bounce_literal_index *literals;
	unsigned int literal_count;
	bool *literal_found;
};

/* bounce-rules-pattern.c: a pattern compiled as every rule's is, from the
   cache's code when it holds it (NULL with error_r when invalid), and
   its required literals (bounce_rules_literals()) */
pcre2_code *
rules_compile_pattern(struct bounce_rules_cache *cache, const char *pattern,
		      uint32_t flags, const char **error_r);
const char *const *
rules_pattern_literals(struct bounce_rules_cache *cache, const char *pattern);
/* Whether pattern has no non-ASCII character: then its literals are
   required of any text, not only of an ASCII one. */
bool rules_pattern_is_ascii(const char *pattern);
/* The same, of a pattern compiled with these flags too, in the rules'
   pool (which outlives the cache), or NULL; any_text_r: whether they
   hold for any text (the pattern is all ASCII), not only an ASCII one. */
void rules_pattern_literals_keep(struct bounce_rules *rules,
				 struct bounce_rules_cache *cache,
				 const char *pattern, uint32_t flags,
				 const char *const **literals_r,
				 bool *any_text_r);
/* Runs re over subject from offset with the rules' match data, adding the
   bytes run over to *scanned and JIT-compiling re once they are many.
   1 on a match, 0 otherwise (also when the match fails on limits). */
int rules_exec_counted(struct bounce_rules *rules, pcre2_code *re,
		       size_t *scanned, const char *subject, size_t len,
		       size_t offset);

/* bounce-rules-set.c: adds a rule and its pattern to set (error_r: the
   pattern is invalid); an alternation is compiled by rule_set_compile()
   once every rule is added. */
int rule_set_add(struct bounce_rules *rules, struct bounce_rules_cache *cache,
		 struct rule_set *set, const struct bounce_rule *rule,
		 const char *pattern, const char **error_r);
int rule_set_compile(struct bounce_rules_cache *cache, struct rule_set *set,
		     const char **error_r);
void rule_set_free(struct rule_set *set);
/* Whether text may hold a match of the set's alternation: not when it
   lacks every pattern's literals. */
bool rule_set_may_match(struct rule_set *set, const char *text, size_t len);
/* After a match of an alternation: the rule its (*MARK) names, or -1. */
int rule_set_mark(struct bounce_rules *rules, const struct rule_set *set);
/* The index of the set's rule whose match in text starts leftmost, the
   earlier rule on a tie, and where it starts; -1 when none matches. With
   a filter, phrase patterns whose literals text lacks are skipped (for a
   text that is not ASCII, by their literals for any text). */
int rule_set_first(struct bounce_rules *rules, struct rule_set *set,
		   const char *text, size_t len,
		   const struct phrase_filter *filter, size_t *start_r);
/* The rule of rule_set_first() in the NUL-terminated text, or NULL. */
const struct bounce_rule *
rule_set_match(struct bounce_rules *rules, struct rule_set *set,
	       const char *text, const struct phrase_filter *filter);

/* bounce-rules-phrase.c: the phrase group of this name, added (after the
   others, with no order) when there is none. */
struct phrase_group *
rules_phrase_group(struct bounce_rules *rules, const char *name);
/* A group filter covers its own group and, when it names a category,
   every labelled group of that category. */
bool rules_group_covers(const char *filter, const char *group);
/* Puts the groups in the order they are tried. */
void rules_phrases_sort(struct bounce_rules *rules);

/* bounce-rules-status.c: whether pattern is an x.y.z status pattern, and
   how specific it is (the number of fields given) */
bool rules_status_pattern_valid(const char *pattern, unsigned int *spec_r);
bool rules_status_pattern_match(const char *pattern, const char *status);
/* Puts the status rules most specific first, in file order otherwise. */
void rules_status_sort(struct bounce_rules *rules);

/* bounce-rules-format.c: frees a format's patterns */
void rules_format_free(struct bounce_format *fmt);

#endif
