/* The rules files' directives, each line's words: phrase, subject,
   command, when, keep-header, original, status, reply, verp and
   category-order, and their arguments (categories, group names,
   conditions). The syntax is described in conf.d/bounce.rules. */

#include "lib.h"
#include "array.h"
#include "dovecot-compat.h"
#include "str.h"
#include "bounce-rules-private.h"
#include "bounce-rules-parse.h"

#include <ctype.h>

const char *rules_location(struct rules_parser *parser)
{
	/* every rule has one: no printf per rule */
	return p_strconcat(parser->rules->pool, parser->name, ":",
			   dec2str(parser->linenum), NULL);
}

static int
rules_add_rule(struct rules_parser *parser, struct rule_set *set,
	       const struct bounce_rule *rule, const char *pattern)
{
	return rule_set_add(parser->rules, parser->cache, set, rule, pattern,
			    &parser->error);
}

/* The index of a category the classifier named, or -1. */
static int rules_category_find(struct bounce_rules *rules, const char *name)
{
	unsigned int i;

	for (i = 0; i < rules->category_count; i++) {
		if (strcmp(rules->categories[i], name) == 0)
			return (int)i;
	}
	return -1;
}

/* "category[/label][:code]"; the label names a phrase group. */
static int
rules_parse_category(struct rules_parser *parser, const char *arg,
		     struct bounce_rule *rule_r)
{
	const char *p = strchr(arg, ':');
	const char *name = p == NULL ? arg : t_strdup_until(arg, p);
	const char *slash = strchr(name, '/');

	if (slash != NULL)
		name = t_strdup_until(name, slash);

	i_zero(rule_r);
	rule_r->category = rules_category_find(parser->rules, name);
	if (rule_r->category < 0) {
		parser->error = t_strdup_printf("unknown category '%s'", name);
		return -1;
	}
	if (p != NULL && str_to_uint(p + 1, &rule_r->code) < 0) {
		parser->error = t_strdup_printf("invalid code '%s'", p + 1);
		return -1;
	}
	rule_r->id = rules_location(parser);
	return 0;
}

/* A group name as category-order, refine and when use it: a category,
   or a category's labelled group. */
static bool rules_group_valid(struct rules_parser *parser, const char *name)
{
	const char *slash = strchr(name, '/');

	if (rules_category_find(parser->rules, slash == NULL ? name :
				t_strdup_until(name, slash)) >= 0)
		return TRUE;
	parser->error = t_strdup_printf("unknown category '%s'", name);
	return FALSE;
}

const char *rules_next_word(const char **line)
{
	const char *p = *line, *start;

	while (*p == ' ' || *p == '\t')
		p++;
	start = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	*line = p;
	while (**line == ' ' || **line == '\t')
		(*line)++;
	return t_strdup_until(start, p);
}

static int
rules_parse_conditions(struct rules_parser *parser, const char *arg,
		       const char *const **conditions_r)
{
	ARRAY_TYPE(const_string) conds;
	const char *const *words = t_strsplit(arg, "+"), *cond;
	unsigned int spec;

	p_array_init(&conds, parser->rules->pool, 2);
	for (; *words != NULL; words++) {
		if (strcmp(*words, "temporary") == 0 ||
		    strcmp(*words, "reply") == 0 ||
		    strcmp(*words, "no-command") == 0 ||
		    (str_begins_with(*words, "after-") && (*words)[6] != '\0')) {
			/* fine as it is */
		} else if (str_begins_with(*words, "status=")) {
			if (!rules_status_pattern_valid(*words + 7, &spec)) {
				parser->error = t_strdup_printf(
					"invalid status pattern '%s'",
					*words + 7);
				return -1;
			}
		} else {
			parser->error = t_strdup_printf(
				"unknown condition '%s'", *words);
			return -1;
		}
		cond = p_strdup(parser->rules->pool, t_str_lcase(*words));
		array_push_back(&conds, &cond);
	}
	array_append_zero(&conds);
	*conditions_r = array_front(&conds);
	return 0;
}

int rules_parse_directive(struct rules_parser *parser, const char *word,
			  const char *line)
{
	struct bounce_rules *rules = parser->rules;
	struct bounce_rule rule;
	const char *arg, *error;

	if (strcmp(word, "category-order") == 0) {
		while (*line != '\0') {
			arg = rules_next_word(&line);
			if (!rules_group_valid(parser, arg))
				return -1;
			rules_phrase_group(rules, arg)->order =
				parser->order_next++;
		}
		return 0;
	}
	if (strcmp(word, "phrase") == 0 || strcmp(word, "subject") == 0) {
		const char *name = rules_next_word(&line);

		if (rules_parse_category(parser, name, &rule) < 0)
			return -1;
		if (*line == '\0') {
			parser->error = "pattern missing";
			return -1;
		}
		if (word[0] == 's')
			return rules_add_rule(parser, &rules->subjects,
					      &rule, line);
		if (strchr(name, ':') != NULL)
			name = t_strdup_until(name, strchr(name, ':'));
		rule.group = p_strdup(rules->pool, name);
		return rules_add_rule(parser,
				      &rules_phrase_group(rules, name)->set,
				      &rule, line);
	}
	if (strcmp(word, "command") == 0) {
		arg = rules_next_word(&line);
		if (*arg == '\0' || *line == '\0') {
			parser->error = "command: name or pattern missing";
			return -1;
		}
		i_zero(&rule);
		rule.category = -1;
		rule.id = rules_location(parser);
		rule.group = p_strdup(rules->pool, t_str_lcase(arg));
		return rules_add_rule(parser, &rules->commands, &rule, line);
	}
	if (strcmp(word, "when") == 0) {
		struct when_rule *wr;
		const char *condition = rules_next_word(&line);
		const char *group = rules_next_word(&line);

		if (*condition == '\0' || *group == '\0') {
			parser->error = "when: condition or group missing";
			return -1;
		}
		if (!rules_group_valid(parser, group))
			return -1;
		wr = array_append_space(&rules->when);
		if (rules_parse_conditions(parser, condition,
					   &wr->conditions) < 0)
			return -1;
		wr->group = p_strdup(rules->pool, group);
		if (rules_parse_category(parser, rules_next_word(&line),
					 &wr->rule) < 0)
			return -1;
		if (*line != '\0') {
			parser->error = t_strdup_printf("unexpected '%s'", line);
			return -1;
		}
		return 0;
	}
	if (strcmp(word, "keep-header") == 0) {
		i_zero(&rule);
		rule.category = -1;
		rule.id = rules_location(parser);
		return rules_add_rule(parser, &rules->keep_headers, &rule,
				      line);
	}
	if (strcmp(word, "original") == 0) {
		i_zero(&rule);
		rule.category = -1;
		rule.id = rules_location(parser);
		/* Markers are whole lines: anchor them there. */
		return rules_add_rule(parser, &rules->originals, &rule,
				      t_strconcat("(?m)^[ \t]*(?:", line, ")",
						  NULL));
	}
	if (strcmp(word, "status") == 0) {
		struct status_rule *st;
		unsigned int spec;

		arg = rules_next_word(&line);
		if (!rules_status_pattern_valid(arg, &spec)) {
			parser->error = t_strdup_printf(
				"invalid status pattern '%s'", arg);
			return -1;
		}
		st = array_append_space(&rules->status);
		i_assert(strlen(arg) < sizeof(st->pattern));
		memcpy(st->pattern, arg, strlen(arg) + 1);
		st->specificity = spec;
		if (rules_parse_category(parser, rules_next_word(&line),
					 &st->rule) < 0)
			return -1;
		arg = rules_next_word(&line);
		if (strcmp(arg, "refine") == 0)
			st->rule.refine = TRUE;
		else if (*arg != '\0') {
			parser->error = t_strdup_printf("unexpected '%s'", arg);
			return -1;
		}
		if (*line != '\0') {
			/* refine GROUP...: only these phrases may */
			ARRAY_TYPE(const_string) groups;

			p_array_init(&groups, rules->pool, 4);
			while (*line != '\0') {
				arg = rules_next_word(&line);
				if (!rules_group_valid(parser, arg))
					return -1;
				arg = p_strdup(rules->pool, arg);
				array_push_back(&groups, &arg);
			}
			array_append_zero(&groups);
			st->rule.refine_groups = array_front(&groups);
		}
		return 0;
	}
	if (strcmp(word, "reply") == 0) {
		struct reply_rule *rr;

		arg = rules_next_word(&line);
		if (strlen(arg) != 3 || !i_isdigit(arg[0]) ||
		    !i_isdigit(arg[1]) || !i_isdigit(arg[2])) {
			parser->error = t_strdup_printf(
				"invalid reply code '%s'", arg);
			return -1;
		}
		rr = array_append_space(&rules->reply);
		memcpy(rr->code, arg, 4);
		if (rules_parse_category(parser, rules_next_word(&line),
					 &rr->rule) < 0)
			return -1;
		arg = rules_next_word(&line);
		if (strcmp(arg, "refine") == 0)
			rr->rule.refine = TRUE;
		return 0;
	}
	if (strcmp(word, "verp") == 0) {
		pcre2_code *re = rules_compile_pattern(parser->cache, line, 0,
						       &error);

		if (re == NULL) {
			parser->error = error;
			return -1;
		}
		array_push_back(&rules->verp, &re);
		if (pcre2_substring_number_from_name(re, (PCRE2_SPTR)"local") <= 0 ||
		    pcre2_substring_number_from_name(re, (PCRE2_SPTR)"domain") <= 0) {
			parser->error = "verp: pattern needs (?<local>) and (?<domain>) groups";
			return -1;
		}
		return 0;
	}
	if (strcmp(word, "notification") == 0) {
		struct bounce_format_match *match;
		pcre2_code *re;

		arg = rules_next_word(&line);
		if (*arg == '\0' || *line == '\0') {
			parser->error = "notification: field or pattern missing";
			return -1;
		}
		if (strcasecmp(arg, "body") == 0) {
			parser->error = "notification: a header field, not the body";
			return -1;
		}
		/* compiled as a format's match line is */
		re = rules_compile_pattern(parser->cache, line,
					   PCRE2_MULTILINE, &error);
		if (re == NULL) {
			parser->error = error;
			return -1;
		}
		match = array_append_space(&rules->notifications);
		match->header = p_strdup(rules->pool, arg);
		match->re = re;
		rules_pattern_literals_keep(rules, parser->cache, line,
					    PCRE2_MULTILINE, &match->literals,
					    &match->literals_any_text);
		return 0;
	}
	parser->error = t_strdup_printf("unknown directive '%s'", word);
	return -1;
}

