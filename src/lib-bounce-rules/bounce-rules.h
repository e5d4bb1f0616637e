#ifndef BOUNCE_RULES_H
#define BOUNCE_RULES_H

/* The rules file: the data that turns evidence into categories and that
   describes plain-text bounce formats. Syntax in conf.d/bounce.rules. */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
/* the literal prefilter, which the header screen uses too */
#include "bounce-rules-literal.h"

struct bounce_rules;

struct bounce_rule {
	int category;		/* index into the categories loaded with */
	unsigned int code;	/* 0 = the category's own code */
	const char *id;		/* "file:line" */
	/* status rules: diagnostic phrases may refine this status; with
	   refine_groups (NULL-terminated) only phrases of those groups */
	bool refine;
	const char *const *refine_groups;
	/* phrase rules: their group ("category" or "category/label");
	   command rules: the SMTP command's name */
	const char *group;
};

struct bounce_format_match {
	const char *header;	/* NULL: the notification text */
	pcre2_code *re;
	/* the literals one of which every match in an ASCII text contains
	   (bounce_rules_literals()), or NULL when none are known; and
	   whether they hold for any text (the pattern is all ASCII) */
	const char *const *literals;
	bool literals_any_text;
};
ARRAY_DEFINE_TYPE(bounce_format_match, struct bounce_format_match);

struct bounce_format {
	const char *name, *id;
	/* All must match (the message's header or text). */
	ARRAY_TYPE(bounce_format_match) matches;
	/* Recipients are looked for after "start" (optional) and before
	   "end" (optional); "recipient" matches a line naming one, with
	   named groups rcpt and, optionally, diag; "skip" lines are not
	   diagnostic text. */
	pcre2_code *start, *end, *recipient, *skip;
	/* > 0 when the recipient pattern has such named groups */
	int rcpt_group, diag_group;
};
ARRAY_DEFINE_TYPE(bounce_format, struct bounce_format);

/* Load the rules file path (and what it includes). categories are the
   category names rules may use, NULL-terminated; a rule's category is its
   index there. The list must outlive the rules. */
int bounce_rules_load(const char *path, const char *const *categories,
		      struct bounce_rules **rules_r, const char **error_r);
/* The same, taking compiled patterns from the cache file cache_path when
   it holds them and rewriting it when it did not (bounce-rules-cache.h);
   cache_path NULL: no cache. */
int bounce_rules_load_cached(const char *path, const char *cache_path,
			     const char *const *categories,
			     struct bounce_rules **rules_r,
			     const char **error_r);
void bounce_rules_free(struct bounce_rules **rules);
/* Whether the rules were built from the cache's image of them, without
   reading the rules files (they had not changed since it was made). */
bool bounce_rules_from_image(const struct bounce_rules *rules);

/* The first rule (by category order, then file order) whose phrase is in
   text. */
const struct bounce_rule *
bounce_rules_match_phrase(struct bounce_rules *rules, const char *text);
/* Like bounce_rules_match_phrase(), trying only the groups that groups
   names (a category names all its labelled groups); NULL = all. */
const struct bounce_rule *
bounce_rules_match_phrase_in(struct bounce_rules *rules, const char *text,
			     const char *const *groups);
/* The command rule matching text closest to offset near (the SMTP
   command a reply in text answered), or NULL. */
const struct bounce_rule *
bounce_rules_find_command(struct bounce_rules *rules, const char *text,
			  size_t near);
/* What "when" conditions are asked about: the status judged by (NULL =
   unknown), whether the failure is temporary, whether the text quotes an
   SMTP reply code (a server's reply, relayed), and the SMTP command the
   reply answered (lowercase, NULL = unknown). Finding the command scans
   the text, so it is asked for only when a condition needs it. */
struct bounce_when_facts {
	const char *status;
	bool temporary;
	bool reply;
	const char *(*command)(void *context);
	void *context;
};
/* The first "when" rule whose group covers the phrase group and whose
   conditions all hold. */
const struct bounce_rule *
bounce_rules_match_when(struct bounce_rules *rules,
			const struct bounce_when_facts *facts,
			const char *group);
/* The most specific status rule for an x.y.z code. */
const struct bounce_rule *
bounce_rules_match_status(struct bounce_rules *rules, const char *status);
const struct bounce_rule *
bounce_rules_match_reply(struct bounce_rules *rules, const char *reply);
/* A Subject rule (auto-reply, challenge-response, unsubscribe ...). */
const struct bounce_rule *
bounce_rules_match_subject(struct bounce_rules *rules, const char *subject);
/* Whether a header of the returned original is reported (campaign and
   list identifiers). */
bool bounce_rules_keep_header(struct bounce_rules *rules, const char *name);
/* Where the quoted original message begins in a plain-text bounce: the
   offset of the marker line, or len when there is none. */
size_t bounce_rules_original_offset(struct bounce_rules *rules,
				    const char *text, size_t len);
/* The address a VERP envelope recipient encodes (local@domain as the
   pattern's groups give them, not normalized), or NULL. */
const char *bounce_rules_verp_decode(struct bounce_rules *rules, pool_t pool,
				     const char *envelope_to);

const ARRAY_TYPE(bounce_format) *
bounce_rules_formats(struct bounce_rules *rules);
/* What else the rules look for in a message's header: the fields and
   patterns of the "notification" lines, then the subject rules' patterns
   (header "Subject"); a mark holds when any header of its name matches.
   With the formats' header match lines, what tells ordinary mail from a
   notification by its header alone. */
const ARRAY_TYPE(bounce_format_match) *
bounce_rules_header_marks(struct bounce_rules *rules);

/* A stamp of what the rules were read from (each file's stat(), each
   include pattern's expansion), appended to dest; and whether those are
   still as a stamp says (FALSE too for what is no stamp), so that rules
   kept in memory, or what was derived from them, can be reused. */
void bounce_rules_stamp(struct bounce_rules *rules, buffer_t *dest);
bool bounce_rules_stamp_unchanged(const void *stamp, size_t size);

/* pcre2_match() of re over subject from offset with md, JIT-compiling re
   once *scanned, the bytes it has been run over and a kilobyte for each
   run, reaches the threshold
   at which machine code pays for itself (a delivery matching one message
   rarely gets there; a process matching many soon does). Returns what
   pcre2_match() returns. */
int bounce_pattern_match_counted(pcre2_code *re, pcre2_match_data *md,
				 size_t *scanned, const char *subject,
				 size_t len, size_t offset);

/* Match helpers over the rules' shared match data. */
int bounce_rules_exec(struct bounce_rules *rules, const pcre2_code *re,
		      const char *subject, size_t len, size_t offset);
/* After a successful bounce_rules_exec() of re: the span of the named
   group (of the first that matched, when (?J) repeats the name). */
bool bounce_rules_named_group(struct bounce_rules *rules,
			      const pcre2_code *re, const char *name,
			      size_t *start_r, size_t *end_r);
/* After a successful bounce_rules_exec(): group n's span. */
bool bounce_rules_group(struct bounce_rules *rules, int n,
			size_t *start_r, size_t *end_r);

#endif
