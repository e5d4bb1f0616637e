/* Plain-text bounce formats: a "format NAME" line and the indented
   lines under it, each a pattern: "match HEADER|body" (all must match
   for the format to be used), "start" and "end" (where recipients are
   looked for), "recipient" (a line naming one, with named groups rcpt
   and diag) and "skip" (lines that are not diagnostic text). */

#include "lib.h"
#include "array.h"
#include "bounce-rules-private.h"
#include "bounce-rules-parse.h"

int rules_format_begin(struct rules_parser *parser, const char *line)
{
	struct bounce_rules *rules = parser->rules;
	struct bounce_format *fmt;
	const char *arg;

	arg = rules_next_word(&line);
	if (*arg == '\0') {
		parser->error = "format: name missing";
		return -1;
	}
	fmt = array_append_space(&rules->formats);
	fmt->name = p_strdup(rules->pool, arg);
	fmt->id = rules_location(parser);
	p_array_init(&fmt->matches, rules->pool, 4);
	parser->format = fmt;
	return 0;
}

static int pattern_has_group(const pcre2_code *re, const char *name)
{
	PCRE2_SPTR first, last;

	return pcre2_substring_nametable_scan(re, (PCRE2_SPTR)name, &first,
					      &last) > 0 ? 1 : 0;
}

int rules_format_parse_line(struct rules_parser *parser, const char *line)
{
	struct bounce_format *fmt = parser->format;
	const char *word = rules_next_word(&line), *error;
	pcre2_code **target = NULL, *re;
	struct bounce_format_match *match;

	if (*line == '\0') {
		parser->error = t_strdup_printf("%s: pattern missing", word);
		return -1;
	}
	if (strcmp(word, "match") == 0) {
		const char *field = rules_next_word(&line);

		if (*line == '\0') {
			parser->error = "match: pattern missing";
			return -1;
		}
		re = rules_compile_pattern(parser->cache, line,
					   PCRE2_MULTILINE, &error);
		if (re == NULL) {
			parser->error = error;
			return -1;
		}
		match = array_append_space(&fmt->matches);
		match->header = strcasecmp(field, "body") == 0 ? NULL :
			p_strdup(parser->rules->pool, field);
		match->re = re;
		if (match->header != NULL) {
			rules_pattern_literals_keep(parser->rules,
				parser->cache, line, PCRE2_MULTILINE,
				&match->literals, &match->literals_any_text);
		}
		return 0;
	}
	if (strcmp(word, "start") == 0)
		target = &fmt->start;
	else if (strcmp(word, "end") == 0)
		target = &fmt->end;
	else if (strcmp(word, "recipient") == 0)
		target = &fmt->recipient;
	else if (strcmp(word, "skip") == 0)
		target = &fmt->skip;
	else {
		parser->error = t_strdup_printf(
			"unknown format directive '%s'", word);
		return -1;
	}
	if (*target != NULL) {
		parser->error = t_strdup_printf("%s given twice", word);
		return -1;
	}
	re = rules_compile_pattern(parser->cache, line, 0, &error);
	if (re == NULL) {
		parser->error = error;
		return -1;
	}
	*target = re;
	if (target == &fmt->recipient) {
		/* (?J) alternatives may name a group more than once */
		fmt->rcpt_group = pattern_has_group(re, "rcpt");
		fmt->diag_group = pattern_has_group(re, "diag");
		if (fmt->rcpt_group <= 0) {
			parser->error = "recipient: pattern has no (?<rcpt>...) group";
			return -1;
		}
	}
	return 0;
}

int rules_format_finish(struct rules_parser *parser)
{
	struct bounce_format *fmt = parser->format;

	parser->format = NULL;
	if (fmt == NULL || fmt->recipient != NULL)
		return 0;
	parser->error = t_strdup_printf("format %s has no recipient pattern",
					fmt->name);
	return -1;
}

static void pcre2_code_free_p(pcre2_code **re)
{
	if (*re != NULL)
		pcre2_code_free(*re);
	*re = NULL;
}

void rules_format_free(struct bounce_format *fmt)
{
	struct bounce_format_match *match;

	array_foreach_modifiable(&fmt->matches, match)
		pcre2_code_free_p(&match->re);
	pcre2_code_free_p(&fmt->start);
	pcre2_code_free_p(&fmt->end);
	pcre2_code_free_p(&fmt->recipient);
	pcre2_code_free_p(&fmt->skip);
}

const ARRAY_TYPE(bounce_format) *
bounce_rules_formats(struct bounce_rules *rules)
{
	return &rules->formats;
}
