/* Loads the rules file and compiles every pattern once, or builds the
   rules from the cache's image of them while their files are unchanged
   (bounce-rules-image.c). Phrase and
   subject patterns are run one by one: the first rule of a set is the
   one whose match starts leftmost (the earlier rule on a tie), as if they
   were one alternation. Before a diagnostic is matched, one pass over it
   finds which phrase patterns' required literals it contains
   (bounce-rules-literal.c); the others cannot match and are not run.
   The SMTP-command and original-message markers, whose matches are
   walked through, and the header names, tried on every header, are
   joined into one alternation whose (*MARK) names the rule (each pattern
   is compiled alone too, to report a bad one at its line). Patterns are
   compiled and run by bounce-rules-pattern.c. */

#include "lib.h"

#include <ctype.h>
#include "array.h"
#include "str.h"
#include "strescape.h"
#include "hash.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-cache.h"

#include <glob.h>

#define RULES_MAX_INCLUDE_DEPTH 8

#include "bounce-rules-private.h"

struct rules_parser {
	struct bounce_rules *rules;
	/* compiles the patterns, or takes them from an earlier load */
	struct bounce_rules_cache *cache;
	const char *path;
	/* the file's name without its directory, as rule ids give it */
	const char *name;
	unsigned int linenum;
	const char *error;
	struct bounce_format *format;
	unsigned int depth;
	unsigned int order_next;
};

static const char *rules_location(struct rules_parser *parser)
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

/* Split off the first whitespace-separated word. */
static const char *rules_next_word(const char **line)
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

static int rules_parse_file(struct rules_parser *parser, const char *path);

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
		    (str_begins(*words, "after-") && (*words)[6] != '\0')) {
			/* fine as it is */
		} else if (str_begins(*words, "status=")) {
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

static int rules_include(struct rules_parser *parser, const char *arg)
{
	const char *dir, *pattern, *path = parser->path;
	const char *name = parser->name;
	unsigned int linenum = parser->linenum;
	glob_t gl;
	size_t i;
	int ret = 0;

	if (parser->depth >= RULES_MAX_INCLUDE_DEPTH) {
		parser->error = "includes nested too deeply";
		return -1;
	}
	if (arg[0] == '/') {
		pattern = arg;
	} else {
		dir = strrchr(path, '/');
		pattern = dir == NULL ? arg :
			t_strconcat(t_strdup_until(path, dir), "/", arg, NULL);
	}
	switch (rules_source_glob(parser->rules->pool, &parser->rules->sources,
				  pattern, &gl)) {
	case 1:
		break;
	case 0:
		globfree(&gl);
		/* A glob that matches nothing is fine (an empty local.d);
		   a plain name that does not exist is not. */
		if (strpbrk(arg, "*?[{") != NULL)
			return 0;
		parser->error = t_strdup_printf("include %s: not found", arg);
		return -1;
	default:
		parser->error = t_strdup_printf("include %s: glob failed", arg);
		return -1;
	}
	parser->depth++;
	for (i = 0; i < gl.gl_pathc && ret == 0; i++) {
		T_BEGIN {
			ret = rules_parse_file(parser, gl.gl_pathv[i]);
		} T_END_PASS_STR_IF(ret < 0, &parser->error);
	}
	parser->depth--;
	globfree(&gl);
	if (ret == 0) {
		parser->path = path;
		parser->name = name;
		parser->linenum = linenum;
	}
	return ret;
}

static int pattern_has_group(const pcre2_code *re, const char *name)
{
	PCRE2_SPTR first, last;

	return pcre2_substring_nametable_scan(re, (PCRE2_SPTR)name, &first,
					      &last) > 0 ? 1 : 0;
}

static int
rules_parse_format_line(struct rules_parser *parser, const char *line)
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

static int rules_format_finish(struct rules_parser *parser)
{
	struct bounce_format *fmt = parser->format;

	parser->format = NULL;
	if (fmt == NULL || fmt->recipient != NULL)
		return 0;
	parser->error = t_strdup_printf("format %s has no recipient pattern",
					fmt->name);
	return -1;
}

static int rules_parse_line(struct rules_parser *parser, const char *line)
{
	struct bounce_rules *rules = parser->rules;
	struct bounce_rule rule;
	const char *word, *arg, *error;
	bool indented = line[0] == ' ' || line[0] == '\t';

	if (indented) {
		if (parser->format == NULL) {
			parser->error = "indented line outside a format block";
			return -1;
		}
		return rules_parse_format_line(parser, line);
	}
	if (rules_format_finish(parser) < 0)
		return -1;

	word = rules_next_word(&line);
	if (strcmp(word, "include") == 0)
		return rules_include(parser, line);
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
	if (strcmp(word, "format") == 0) {
		struct bounce_format *fmt;

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
	parser->error = t_strdup_printf("unknown directive '%s'", word);
	return -1;
}

static int rules_parse_file(struct rules_parser *parser, const char *path)
{
	const char *p, *error;
	char *data, *line, *next, *end;
	size_t size, len;
	int ret = 0;

	if (rules_source_read_file(parser->rules->pool, &parser->rules->sources,
				   path, &data, &size, &error) < 0) {
		parser->error = error;
		return -1;
	}
	parser->path = path;
	p = strrchr(path, '/');
	parser->name = p == NULL ? path : p + 1;
	parser->linenum = 0;
	end = data + size;
	for (line = data; ret == 0 && line < end; line = next) {
		next = memchr(line, '\n', end - line);
		next = next == NULL ? end : next + 1;
		parser->linenum++;
		/* a NUL ends the line, as it did when lines were strings */
		len = strnlen(line, next - line);
		/* Trailing blanks are not part of a pattern. Comments are
		   whole lines, so '#' stays usable in patterns. */
		while (len > 0 && (line[len-1] == ' ' || line[len-1] == '\t' ||
				   line[len-1] == '\r' || line[len-1] == '\n'))
			len--;
		line[len] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++) ;
		if (*p == '\0' || *p == '#')
			continue;
		T_BEGIN {
			ret = rules_parse_line(parser, line);
		} T_END_PASS_STR_IF(ret < 0, &parser->error);
	}
	if (ret < 0 && strncmp(parser->error, path, strlen(path)) != 0) {
		parser->error = t_strdup_printf("%s:%u: %s", path,
						parser->linenum, parser->error);
	}
	if (ret == 0)
		ret = rules_format_finish(parser);
	return ret;
}

static struct bounce_rules *rules_create(const char *const *categories)
{
	struct bounce_rules *rules;
	pool_t pool = pool_alloconly_create("bounce rules", 16384);

	rules = p_new(pool, struct bounce_rules, 1);
	rules->pool = pool;
	rules->categories = categories;
	rules->category_count = str_array_length(categories);
	p_array_init(&rules->phrases, pool, 32);
	p_array_init(&rules->status, pool, 64);
	p_array_init(&rules->reply, pool, 16);
	p_array_init(&rules->when, pool, 8);
	p_array_init(&rules->verp, pool, 2);
	p_array_init(&rules->formats, pool, 32);
	p_array_init(&rules->sources, pool, 48);
	hash_table_create_direct(&rules->scanned, default_pool, 0);
	rules->literals = bounce_literal_index_create();
	/* walked through match by match, or run on every header */
	rules->commands.alternation = TRUE;
	rules->originals.alternation = TRUE;
	rules->keep_headers.alternation = TRUE;
	return rules;
}

static bool
categories_equal(const char *const *a, const char *const *b)
{
	for (; *a != NULL && *b != NULL; a++, b++) {
		if (strcmp(*a, *b) != 0)
			return FALSE;
	}
	return *a == NULL && *b == NULL;
}

/* Builds the rules from the cache's image of them. FALSE when the image
   cannot be used (none, made from other files or categories, or not
   fitting the cache: then *rules is replaced by an empty one). */
static bool
rules_read_image(struct bounce_rules **rules,
		 struct bounce_rules_cache *cache, const char *path)
{
	const char *const *categories = (*rules)->categories;
	const unsigned char *image;
	size_t size;
	int ret;

	image = bounce_rules_cache_image(cache, &size);
	if (image == NULL)
		return FALSE;
	T_BEGIN {
		struct bounce_rules_image_head head;

		/* made from this rules file, for these categories, and its
		   files are as they were */
		if (!bounce_rules_image_read_head(pool_datastack_create(),
						  image, size, &head) ||
		    strcmp(head.path, path) != 0 ||
		    !categories_equal(head.categories, categories) ||
		    !rules_sources_unchanged(&head.sources))
			ret = 0;
		else
			ret = bounce_rules_image_read(*rules, cache, &head);
	} T_END;
	if (ret > 0) {
		(*rules)->image_data = bounce_rules_cache_keep_data(cache);
		return TRUE;
	}
	if (ret < 0) {
		/* half built: start again from the files */
		bounce_rules_free(rules);
		*rules = rules_create(categories);
	}
	return FALSE;
}

/* Reads and parses the files into rules; each pattern is compiled as it
   is read, so that a bad one is reported at its line. */
static int
rules_parse(struct bounce_rules *rules, struct bounce_rules_cache *cache,
	    const char *path, const char **error_r)
{
	struct rules_parser parser;
	int ret;

	i_zero(&parser);
	parser.rules = rules;
	parser.cache = cache;
	T_BEGIN {
		ret = rules_parse_file(&parser, path);
	} T_END_PASS_STR_IF(ret < 0, &parser.error);
	*error_r = parser.error;
	return ret;
}

/* Compiles what the parsed rules join into one pattern, and puts them
   in the order they are tried. */
static int
rules_compile(struct bounce_rules *rules, struct bounce_rules_cache *cache,
	      const char **error_r)
{
	const char *error = NULL;
	int ret = 0;

	T_BEGIN {
		if (rule_set_compile(cache, &rules->originals, &error) < 0 ||
		    rule_set_compile(cache, &rules->commands, &error) < 0 ||
		    rule_set_compile(cache, &rules->keep_headers, &error) < 0)
			ret = -1;
	} T_END_PASS_STR_IF(ret < 0, &error);
	if (ret < 0) {
		*error_r = error;
		return -1;
	}
	rules_status_sort(rules);
	rules_phrases_sort(rules);
	return 0;
}

/* Stores the rules' image in the cache, for the next load. */
static void
rules_write_image(struct bounce_rules *rules, struct bounce_rules_cache *cache,
		  const char *path)
{
	buffer_t *image;

	T_BEGIN {
		image = t_buffer_create(32 * 1024);
		if (bounce_rules_image_write(rules, cache, path, image))
			bounce_rules_cache_set_image(cache, image);
	} T_END;
}

int bounce_rules_load_cached(const char *path, const char *cache_path,
			     const char *const *categories,
			     struct bounce_rules **rules_r,
			     const char **error_r)
{
	bool cached = cache_path != NULL && *cache_path != '\0';
	struct bounce_rules_cache *cache;
	struct bounce_rules *rules;
	const char *error;
	int ret = 0;

	/* without a cache file it only compiles patterns */
	cache = bounce_rules_cache_open(cache_path);
	rules = rules_create(categories);
	/* from the image while it is fresh, else from the files */
	if (!cached || !rules_read_image(&rules, cache, path)) {
		ret = rules_parse(rules, cache, path, &error);
		if (ret == 0)
			ret = rules_compile(rules, cache, &error);
		if (ret == 0 && cached)
			rules_write_image(rules, cache, path);
	}
	/* rewritten when it did not hold what this load needed */
	bounce_rules_cache_close(&cache, ret == 0);
	if (ret < 0) {
		*error_r = t_strdup(error);
		bounce_rules_free(&rules);
		return -1;
	}
	rules->md = pcre2_match_data_create(32, NULL);
	rules->literal_found = p_new(rules->pool, bool,
				     rules->literal_count + 1);
	*rules_r = rules;
	return 0;
}

int bounce_rules_load(const char *path, const char *const *categories,
		      struct bounce_rules **rules_r, const char **error_r)
{
	return bounce_rules_load_cached(path, NULL, categories,
					rules_r, error_r);
}

bool bounce_rules_from_image(const struct bounce_rules *rules)
{
	return rules->image_data != NULL;
}

static void pcre2_code_free_p(pcre2_code **re)
{
	if (*re != NULL)
		pcre2_code_free(*re);
	*re = NULL;
}

void bounce_rules_free(struct bounce_rules **_rules)
{
	struct bounce_rules *rules = *_rules;
	struct bounce_format *fmt;
	struct bounce_format_match *match;
	struct phrase_group *group;
	pcre2_code **re;

	if (rules == NULL)
		return;
	*_rules = NULL;
	array_foreach_modifiable(&rules->phrases, group)
		rule_set_free(&group->set);
	rule_set_free(&rules->subjects);
	rule_set_free(&rules->originals);
	rule_set_free(&rules->commands);
	rule_set_free(&rules->keep_headers);
	array_foreach_modifiable(&rules->verp, re)
		pcre2_code_free_p(re);
	array_foreach_modifiable(&rules->formats, fmt) {
		array_foreach_modifiable(&fmt->matches, match)
			pcre2_code_free_p(&match->re);
		pcre2_code_free_p(&fmt->start);
		pcre2_code_free_p(&fmt->end);
		pcre2_code_free_p(&fmt->recipient);
		pcre2_code_free_p(&fmt->skip);
	}
	if (rules->md != NULL)
		pcre2_match_data_free(rules->md);
	hash_table_destroy(&rules->scanned);
	bounce_literal_index_free(&rules->literals);
	/* the rules' strings may point into it; the rules are in the pool */
	bounce_rules_cache_data_free(&rules->image_data);
	pool_unref(&rules->pool);
}

const ARRAY_TYPE(bounce_format) *
bounce_rules_formats(struct bounce_rules *rules)
{
	return &rules->formats;
}
