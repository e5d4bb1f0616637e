#ifndef EXT_BOUNCE_SETTINGS_H
#define EXT_BOUNCE_SETTINGS_H

/* Loading the extension: the callbacks whose types differ between the
   Dovecot release lines (with sieve_bounce_extension_load(),
   sieve-bounce-extension.h), and the settings, read where each line keeps
   them. One file per line defines them:
   ext-bounce-settings-2.3.c (plugin { } keys through sieve_setting_get())
   and ext-bounce-settings-2.4.c (the struct registered by
   sieve-bounce-settings.c, through settings_get()). Both fill the context
   with the helpers of ext-bounce-settings.c. */

#include "ext-bounce-common.h"

#if DOVECOT_PREREQ(2, 4, 0)
int ext_bounce_load(const struct sieve_extension *ext, void **context);
#else
bool ext_bounce_load(const struct sieve_extension *ext, void **context);
#endif

/* The prefix of the settings that change a category's type: the category
   follows, with '_' for '-'. */
#define EXT_BOUNCE_TYPE_SETTING_PREFIX "sieve_bounce_type_"

/* A context holding the defaults */
struct ext_bounce_context *
ext_bounce_context_new(const struct sieve_extension *ext,
		       const struct sieve_extension *var_ext);
/* A path setting: NULL for "", "~/" meaning the home */
const char *
ext_bounce_settings_path(struct sieve_instance *svinst, const char *path);
/* A sieve_bounce_type_* setting: "" keeps the category's type. Returns 0,
   or -1 with error_r. */
int ext_bounce_settings_type(struct ext_bounce_context *ectx,
			     const char *setting, const char *value,
			     const char **error_r);
/* The state's dict URI: by default ("") a file dict in the home, and
   "file:~/" the home too; unset (no dict) without a home. */
void ext_bounce_settings_dict(struct sieve_instance *svinst,
			      struct ext_bounce_context *ectx,
			      const char *uri);

#endif
