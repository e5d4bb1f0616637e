/* Telling ordinary mail by its header alone (bounce.h). The marks the
   standards give a notification are known here; what the rules look for
   in a header (their header marks, and each format's header match
   lines) is asked of them, and kept beside the rules cache
   (bounce-screen-file.c) so that a delivery can screen a message
   without loading the rules at all. A test's pattern runs only over a
   header value holding one of its required literals (the rules'
   literal prefilter, bounce-rules-literal.h), or when none are known:
   PCRE2's interpreter costs far more than one pass over the values. */

#include "lib.h"
#include "array.h"
#include "istream.h"
#include "bounce-rules.h"
#include "bounce-mime.h"
#include "bounce-screen.h"

#include <sys/mman.h>

static void screen_init(struct bounce_screen *screen,
			const struct bounce_settings *set)
{
	screen->set = *set;
	screen->set.rules_path = NULL;
	screen->set.rules_cache_path = NULL;
	if (screen->set.max_message_size == 0)
		screen->set.max_message_size = BOUNCE_DEFAULT_MAX_MESSAGE_SIZE;
	/* only whether a pattern matches is asked */
	screen->md = pcre2_match_data_create(1, NULL);
}

struct bounce_screen *bounce_screen_alloc(const struct bounce_settings *set)
{
	struct bounce_screen *screen;
	pool_t pool;

	pool = pool_alloconly_create("bounce screen", 1024);
	screen = p_new(pool, struct bounce_screen, 1);
	screen->pool = pool;
	p_array_init(&screen->tests, pool, 32);
	p_array_init(&screen->headers, pool, 8);
	screen_init(screen, set);
	return screen;
}

static bool screen_literals_valid(const char *const *literals)
{
	for (; *literals != NULL; literals++) {
		if (strlen(*literals) < RULES_LITERAL_MIN_LEN)
			return FALSE;
	}
	return TRUE;
}

static bool
screen_header_tested(struct bounce_screen *screen, const char *name)
{
	const char *header;

	array_foreach_elem(&screen->headers, header) {
		if (strcasecmp(header, name) == 0)
			return TRUE;
	}
	return FALSE;
}

void bounce_screen_index(struct bounce_screen *screen)
{
	struct bounce_screen_test *test;
	const char *const *lit;
	unsigned int id = 0, literal_count = 0;
	bool prefiltered = FALSE;

	array_foreach_modifiable(&screen->tests, test) {
		if (test->literals != NULL &&
		    !screen_literals_valid(test->literals))
			test->literals = NULL;
		if (test->literals == NULL)
			test->literals_any_text = FALSE;
		if (test->literals != NULL) {
			/* none at all: no ASCII value can match */
			literal_count += str_array_length(test->literals);
			prefiltered = TRUE;
		}
	}
	if (prefiltered) {
		screen->literals = bounce_literal_index_create();
		bounce_literal_index_reserve(screen->literals, literal_count);
	}
	array_foreach_modifiable(&screen->tests, test) {
		if (!screen_header_tested(screen, test->header))
			array_push_back(&screen->headers, &test->header);

		if (test->literals != NULL) {
			/* the screen's pool, or the rules', outlives it */
			for (lit = test->literals; *lit != NULL; lit++) {
				bounce_literal_index_add_static(screen->literals,
								*lit, id);
			}
		}
		id++;
	}
}

struct bounce_screen *
bounce_screen_create(struct bounce_rules *rules,
		     const struct bounce_settings *set)
{
	struct bounce_screen *screen = bounce_screen_alloc(set);
	const struct bounce_format_match *match;
	const struct bounce_format *fmt;
	struct bounce_screen_test *test;
	unsigned int group = 0;
	bool header_lines;

	array_foreach(bounce_rules_header_marks(rules), match) {
		test = array_append_space(&screen->tests);
		test->header = match->header;
		test->re = match->re;
		test->literals = match->literals;
		test->literals_any_text = match->literals_any_text;
		test->group = group++;
	}
	array_foreach(bounce_rules_formats(rules), fmt) {
		header_lines = FALSE;
		array_foreach(&fmt->matches, match) {
			if (match->header == NULL)
				continue;
			test = array_append_space(&screen->tests);
			test->header = match->header;
			test->re = match->re;
			test->literals = match->literals;
			test->literals_any_text = match->literals_any_text;
			test->group = group;
			header_lines = TRUE;
		}
		if (header_lines)
			group++;
	}
	bounce_screen_index(screen);
	return screen;
}

void bounce_screen_free(struct bounce_screen **_screen)
{
	struct bounce_screen *screen = *_screen;
	struct bounce_screen_test *test;

	if (screen == NULL)
		return;
	*_screen = NULL;
	if (screen->own_codes) {
		array_foreach_modifiable(&screen->tests, test)
			pcre2_code_free(test->re);
	}
	bounce_literal_index_free(&screen->literals);
	pcre2_match_data_free(screen->md);
	/* a screen read from its file (bounce-screen-file.c) */
	if (screen->map != NULL && munmap(screen->map, screen->map_size) < 0)
		i_error("munmap(bounce screen) failed: %m");
	pool_unref(&screen->pool);
}

/* "no" (RFC 3834 section 5) is the one value that says a person sent
   it; a value cut or decorated (comments, parameters) still counts. */
static bool auto_submitted(const char *value)
{
	while (*value == ' ' || *value == '\t')
		value++;
	if (strncasecmp(value, "no", 2) != 0)
		return TRUE;
	value += 2;
	return *value != '\0' && *value != ' ' && *value != '\t' &&
		*value != ';' && *value != '(';
}

/* The marks the standards give a notification: a report (RFC 6522's
   multipart/report of RFC 3464 delivery status or RFC 5965 feedback, or
   such a report at the top), the null return path of RFC 5321 4.5.5,
   RFC 3834's Auto-Submitted and the headers autoresponders wrote before
   it, Exim's X-Failed-Recipients. */
static bool screen_standard_marks(const struct bounce_parsed *parsed)
{
	const struct bounce_header *hdr;
	const char *ct = parsed->content_type;

	if (strcmp(ct, "multipart/report") == 0 ||
	    strcmp(ct, "message/delivery-status") == 0 ||
	    strcmp(ct, "message/global-delivery-status") == 0 ||
	    strcmp(ct, "message/feedback-report") == 0)
		return TRUE;
	array_foreach(&parsed->headers, hdr) {
		switch (hdr->name[0]) {
		case 'R':
		case 'r':
			if (strcasecmp(hdr->name, "Return-Path") == 0 &&
			    strstr(hdr->value, "<>") != NULL)
				return TRUE;
			break;
		case 'A':
		case 'a':
			if (strcasecmp(hdr->name, "Auto-Submitted") == 0 &&
			    auto_submitted(hdr->value))
				return TRUE;
			break;
		case 'X':
		case 'x':
			if (strcasecmp(hdr->name, "X-Failed-Recipients") == 0 ||
			    strcasecmp(hdr->name, "X-Autoreply") == 0 ||
			    strcasecmp(hdr->name, "X-Autorespond") == 0 ||
			    strcasecmp(hdr->name, "X-Autoresponder") == 0)
				return TRUE;
			break;
		case 'P':
		case 'p':
			if (strcasecmp(hdr->name, "Precedence") == 0 &&
			    strncasecmp(t_str_trim(hdr->value, " \t"),
					"auto_reply", 10) == 0)
				return TRUE;
			break;
		}
	}
	return FALSE;
}

/* A test's pattern is JIT-compiled as the rules' patterns are, once it
   has been run over enough header values: a delivery screens one
   message, a few dozen bytes per test, while a process that screens
   many (lmtp, keeping the classifier) compiles the busy ones once. */
static bool screen_match(struct bounce_screen *screen,
			 struct bounce_screen_test *test, const char *value)
{
	return bounce_pattern_match_counted(test->re, screen->md,
					    &test->scanned, value,
					    strlen(value), 0) > 0;
}

/* Which tests may hold (by test number): those without literals, and
   those one of whose literals a value of a header some test looks at
   contains. A value that is not ASCII lets the tests of its header run
   whose literals hold only for an ASCII text: the prefilter cannot tell
   for them. */
static const bool *
screen_may_hold(struct bounce_screen *screen,
		const struct bounce_parsed *parsed)
{
	const struct bounce_screen_test *tests;
	const struct bounce_header *hdr;
	unsigned int i, count;
	bool *may;

	tests = array_get(&screen->tests, &count);
	may = t_new(bool, count);
	for (i = 0; i < count; i++)
		may[i] = tests[i].literals == NULL;
	if (screen->literals == NULL)
		return may;
	array_foreach(&parsed->headers, hdr) {
		if (!screen_header_tested(screen, hdr->name) ||
		    bounce_literal_index_scan_any(screen->literals, hdr->value,
						  strlen(hdr->value), may))
			continue;
		for (i = 0; i < count; i++) {
			if (!tests[i].literals_any_text &&
			    strcasecmp(tests[i].header, hdr->name) == 0)
				may[i] = TRUE;
		}
	}
	return may;
}

/* Whether a header named as test's matches its pattern. */
static bool screen_test_holds(struct bounce_screen *screen,
			      const struct bounce_parsed *parsed,
			      struct bounce_screen_test *test)
{
	const struct bounce_header *hdr;

	array_foreach(&parsed->headers, hdr) {
		if (strcasecmp(hdr->name, test->header) == 0 &&
		    screen_match(screen, test, hdr->value))
			return TRUE;
	}
	return FALSE;
}

bool bounce_screen_parsed(struct bounce_screen *screen,
			  const struct bounce_parsed *parsed,
			  const char *envelope_from)
{
	struct bounce_screen_test *tests;
	const bool *may;
	unsigned int i, j, end, count;

	if (envelope_from != NULL && *envelope_from == '\0')
		return TRUE;
	/* a message without a header (one whose file begins with a blank
	   line) shows nothing to tell it by */
	if (array_count(&parsed->headers) == 0)
		return TRUE;
	if (screen_standard_marks(parsed))
		return TRUE;
	may = screen_may_hold(screen, parsed);
	tests = array_get_modifiable(&screen->tests, &count);
	for (i = 0; i < count; i = end) {
		for (end = i + 1; end < count; end++) {
			if (tests[end].group != tests[i].group)
				break;
		}
		/* a group holds when all its tests do: none runs when
		   the prefilter rules one out */
		for (j = i; j < end; j++) {
			if (!may[j])
				break;
		}
		if (j < end)
			continue;
		for (j = i; j < end; j++) {
			if (!screen_test_holds(screen, parsed, &tests[j]))
				break;
		}
		if (j == end)
			return TRUE;
	}
	return FALSE;
}

bool bounce_screen_message(struct bounce_screen *screen,
			   struct istream *input, const char *envelope_from)
{
	struct bounce_parsed parsed;
	bool ret;

	if (envelope_from != NULL && *envelope_from == '\0')
		return TRUE;
	T_BEGIN {
		bounce_parse_header(&screen->set, pool_datastack_create(),
				    input, &parsed);
		ret = bounce_screen_parsed(screen, &parsed, envelope_from);
	} T_END;
	return ret;
}
