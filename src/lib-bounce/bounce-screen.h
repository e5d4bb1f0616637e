#ifndef BOUNCE_SCREEN_H
#define BOUNCE_SCREEN_H

/* The screen of bounce.h as the classifier builds and uses it
   (bounce-screen.c, bounce-screen-file.c). */

#include "bounce.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct bounce_rules;
struct bounce_parsed;

/* One header test: a header of that name matches re. The tests of one
   group must all hold (a format's header match lines); the screen
   passes a message when some group holds. */
struct bounce_screen_test {
	const char *header;
	pcre2_code *re;
	/* one of these occurs in every ASCII value re matches (caselessly),
	   so re need not run over one that has none; NULL: none known.
	   literals_any_text: in every value, ASCII or not (re is all
	   ASCII, bounce_literal_index_scan_any()) */
	const char *const *literals;
	bool literals_any_text;
	unsigned int group;
	/* bytes of header values re has been run over, until it is
	   JIT-compiled (bounce-screen.c) */
	size_t scanned;
};
ARRAY_DEFINE_TYPE(bounce_screen_test, struct bounce_screen_test);

struct bounce_screen {
	pool_t pool;
	ARRAY_TYPE(bounce_screen_test) tests;
	/* the header names the tests look at, each once */
	ARRAY_TYPE(const_string) headers;
	/* the tests' literals, each numbered by its test; NULL when no
	   test has any */
	struct bounce_literal_index *literals;
	pcre2_match_data *md;
	/* the limits the header is parsed with */
	struct bounce_settings set;
	/* the codes were decoded from a file (else the rules own them) */
	bool own_codes;
	/* the file, mapped while the screen's header names and literals
	   point into it (bounce_screen_free() unmaps it) */
	void *map;
	size_t map_size;
};

/* An empty screen (bounce-screen-file.c fills it, then calls
   bounce_screen_index()). */
struct bounce_screen *bounce_screen_alloc(const struct bounce_settings *set);
/* Indexes the tests' header names and literals, once they are added (a
   test whose literals the index cannot take loses them: it always
   runs). */
void bounce_screen_index(struct bounce_screen *screen);
/* The screen of the rules: their header marks, and each format's header
   match lines as one group (a format matching only the body adds
   none). The rules own the patterns and must outlive the screen. */
struct bounce_screen *
bounce_screen_create(struct bounce_rules *rules,
		     const struct bounce_settings *set);
/* Whether a message with this top-level header may be a notification;
   envelope_from as for bounce_screen_message(). */
bool bounce_screen_parsed(struct bounce_screen *screen,
			  const struct bounce_parsed *parsed,
			  const char *envelope_from);

/* bounce-screen-file.c: the file a screen is kept in beside the rules
   cache: its path, and writing it (unless it holds this screen of
   these rules already). Failing to write only costs the next delivery
   the rules' loading. */
const char *bounce_screen_file_path(const char *rules_cache_path);
void bounce_screen_file_update(struct bounce_screen *screen,
			       struct bounce_rules *rules,
			       const char *rules_path, const char *path);

#endif
