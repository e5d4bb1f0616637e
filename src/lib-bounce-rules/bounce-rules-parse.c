/* Reads the rules files: each file's lines (comments and blank lines
   skipped, trailing blanks cut), the files an include names, and each
   line to the grammar (bounce-rules-grammar.c) or, when indented, to the
   format block it belongs to (bounce-rules-format.c). */

#include "lib.h"
#include "array.h"
#include "bounce-rules-private.h"
#include "bounce-rules-parse.h"

#include <glob.h>

#define RULES_MAX_INCLUDE_DEPTH 8

static int rules_parse_file(struct rules_parser *parser, const char *path);

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

static int rules_parse_line(struct rules_parser *parser, const char *line)
{
	const char *word;
	bool indented = line[0] == ' ' || line[0] == '\t';

	if (indented) {
		if (parser->format == NULL) {
			parser->error = "indented line outside a format block";
			return -1;
		}
		return rules_format_parse_line(parser, line);
	}
	if (rules_format_finish(parser) < 0)
		return -1;

	word = rules_next_word(&line);
	if (strcmp(word, "include") == 0)
		return rules_include(parser, line);
	if (strcmp(word, "format") == 0)
		return rules_format_begin(parser, line);
	return rules_parse_directive(parser, word, line);
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

int rules_parse(struct bounce_rules *rules, struct bounce_rules_cache *cache,
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

