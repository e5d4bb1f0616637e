#ifndef DOVECOT_COMPAT_H
#define DOVECOT_COMPAT_H

/* What differs between the Dovecot release lines this tree builds against
   (2.3.19 and 2.4), for the code below the plugin: the tree uses 2.4's
   names, and these shims give them on 2.3. The Sieve plugin's differences
   are in its settings file for each line
   (src/plugins/sieve-bounce/ext-bounce-settings-2.[34].c). */

#if DOVECOT_PREREQ(2, 4, 0)
#  include "json-generator.h"	/* json_append_escaped() */
#  include "str-parse.h"	/* str_parse_get_interval() */
#  include "settings.h"		/* enum settings_get_flags */
#else
#  include "json-parser.h"
#  include "settings-parser.h"
#  define str_begins_with(str, prefix) \
	str_begins(str, prefix)
#  define str_parse_get_interval(str, secs_r, error_r) \
	settings_get_time(str, secs_r, error_r)
#endif

struct dict;
struct event;

/* Opens a dict given as a URI, the way 2.3 names them: file:PATH,
   redis:host=...:port=...:prefix=..., proxy:SOCKET:NAME (2.3 takes any
   driver's URI; 2.4 has no URIs, and these three become the settings of
   a dict filter). base_dir: where a relative proxy socket is;
   event_parent: the dict's event's parent, or NULL. Returns 0, or -1 with
   error_r. The dict is closed with dovecot_compat_dict_deinit(). */
int dovecot_compat_dict_init(const char *uri, const char *base_dir,
			     struct event *event_parent,
			     struct dict **dict_r, const char **error_r);
void dovecot_compat_dict_deinit(struct dict **dict);

/* Starts a command-line tool that may open a dict: lib_init(), and on 2.4
   a standalone master service on built-in settings as well, without
   which 2.4's dict client cannot open a proxy dict. name: the tool's.
   dovecot_compat_tool_deinit() ends it. */
void dovecot_compat_tool_init(const char *name, int *argc, char **argv[]);
void dovecot_compat_tool_deinit(void);

#if DOVECOT_PREREQ(2, 4, 0)
/* The URI of the dict that event's settings configure with a named filter
   (dict NAME { dict_driver = file, redis or proxy ... }); flags: for
   settings_get(). Returns 1 with uri_r, 0 when no dict is configured, -1
   with error_r. */
int dovecot_compat_dict_uri_from_settings(struct event *event,
					  enum settings_get_flags flags,
					  const char **uri_r,
					  const char **error_r);
#endif

#endif
