#ifndef BOUNCE_RULES_PARSE_H
#define BOUNCE_RULES_PARSE_H

/* Reading the rules files into rules: bounce-rules-parse.c reads the
   files, bounce-rules-grammar.c a line's directive, bounce-rules-format.c
   a format block. Each pattern is compiled as it is read, so that a bad
   one is reported at its line. */

struct bounce_rules;
struct bounce_rules_cache;
struct bounce_format;

struct rules_parser {
	struct bounce_rules *rules;
	/* compiles the patterns, or takes them from an earlier load */
	struct bounce_rules_cache *cache;
	/* the file being read, its name without its directory (as rule
	   ids give it) and the line */
	const char *path;
	const char *name;
	unsigned int linenum;
	const char *error;
	/* the format block being read */
	struct bounce_format *format;
	/* includes being read within each other */
	unsigned int depth;
	/* the order category-order gives the next group it names */
	unsigned int order_next;
};

/* bounce-rules-parse.c: reads the rules file path, and the files it
   includes, into rules. error_r names the file and line at fault. */
int rules_parse(struct bounce_rules *rules, struct bounce_rules_cache *cache,
		const char *path, const char **error_r);

/* bounce-rules-grammar.c: splits off the line's first word (blank
   separated); the rest begins after the blanks following it. */
const char *rules_next_word(const char **line);
/* "file:line" of the line being parsed, as rule ids give it */
const char *rules_location(struct rules_parser *parser);
/* Parses a directive (word) and its arguments (line), other than an
   include or a format block. */
int rules_parse_directive(struct rules_parser *parser, const char *word,
			  const char *line);

/* bounce-rules-format.c: "format NAME" begins a format block, whose
   indented lines rules_format_parse_line() parses; it is finished (-1:
   it has no recipient pattern) by the next unindented line or the end of
   its file. */
int rules_format_begin(struct rules_parser *parser, const char *line);
int rules_format_parse_line(struct rules_parser *parser, const char *line);
int rules_format_finish(struct rules_parser *parser);

#endif
