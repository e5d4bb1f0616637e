/* Loading on Dovecot 2.4 / Pigeonhole 2.4 (ext-bounce-settings.h): the
   settings are the struct sieve-bounce-settings.c registers, which the
   config process has checked, and the dict a named filter inside
   sieve_bounce { }. The config process knows them only from the settings
   module: without it (or with one of another build) nothing can be read.
   The extension then loads all the same and every use of it fails at run
   time with the reason, so that the message is still delivered (implicit
   keep) and Sieve keeps working for scripts that do not use it. */

#include "lib.h"
#include "dict.h"
#include "settings.h"
#include "dovecot-compat.h"

#include "sieve-common.h"
#include "sieve-extensions.h"
#include "sieve-ext-variables.h"

#include "sieve-bounce-settings.h"
#include "ext-bounce-settings.h"
#include "sieve-bounce-extension.h"

static void
ext_bounce_settings_apply(struct sieve_instance *svinst,
			  struct ext_bounce_context *ectx,
			  const struct sieve_bounce_settings *set)
{
	const struct setting_define *def;
	const char *error;

	if (set->sieve_bounce_rules[0] != '\0') {
		ectx->set.rules_path = p_strdup(ectx->pool,
						set->sieve_bounce_rules);
	}
	ectx->set.rules_cache_path = p_strdup(ectx->pool,
		ext_bounce_settings_path(svinst,
					 set->sieve_bounce_rules_cache));
	ectx->set.max_part_text = set->sieve_bounce_max_part_text;
	ectx->set.max_total_text = set->sieve_bounce_max_total_text;
	ectx->set.max_message_size = set->sieve_bounce_max_message_size;
	ectx->state_set.soft_limit = set->sieve_bounce_soft_limit;
	ectx->state_set.soft_window = set->sieve_bounce_soft_window;
	ectx->feed_dir = p_strdup(ectx->pool, ext_bounce_settings_path(svinst,
		set->sieve_bounce_feed_dir));

	for (def = sieve_bounce_setting_parser_info.defines;
	     def->key != NULL; def++) {
		if (!str_begins_with(def->key, EXT_BOUNCE_TYPE_SETTING_PREFIX))
			continue;
		/* the config process checked the value */
		if (ext_bounce_settings_type(ectx, def->key,
			*(const char *const *)CONST_PTR_OFFSET(set, def->offset),
			&error) < 0)
			i_panic("vnd.bounce: %s", error);
	}
}

int ext_bounce_load(const struct sieve_extension *ext, void **context)
{
	struct sieve_instance *svinst = ext->svinst;
	const struct sieve_extension *var_ext;
	const struct sieve_bounce_settings *set;
	struct ext_bounce_context *ectx;
	struct event *event;
	const char *uri = NULL, *error;
	int ret;

	if (sieve_ext_variables_get_extension(svinst, &var_ext) < 0)
		return -1;
	ectx = ext_bounce_context_new(ext, var_ext);
	dict_drivers_register_builtin();
	*context = ectx;

	event = event_create(svinst->event);
	settings_event_add_filter_name(event, "sieve_bounce");
	if (settings_get(event, &sieve_bounce_setting_parser_info, 0,
			 &set, &error) < 0) {
		ectx->load_error = p_strdup_printf(ectx->pool,
			"its settings cannot be read (%s): is the settings "
			"module %s installed, and from the same build as "
			"the plugin?", error, SIEVE_BOUNCE_SETTINGS_MODULE);
		event_unref(&event);
		return 0;
	}
	ext_bounce_settings_apply(svinst, ectx, set);
	settings_free(set);

	ret = dovecot_compat_dict_uri_from_settings(event, 0, &uri, &error);
	event_unref(&event);
	if (ret < 0) {
		ectx->state_error = p_strdup_printf(ectx->pool,
			"sieve_bounce { dict }: %s", error);
		return 0;
	}
	ext_bounce_settings_dict(svinst, ectx, uri);
	if (ectx->state_set.dict_uri == NULL) {
		ectx->state_error = "no dict in sieve_bounce { } and no home "
			"directory for the default";
	}
	return 0;
}

int sieve_bounce_extension_load(struct sieve_instance *svinst,
				void **context)
{
	const struct sieve_extension *ext;

	/* Not enabled here: the administrator enables it with
	   sieve_extensions or sieve_global_extensions. */
	if (sieve_extension_register(svinst, &bounce_extension, FALSE,
				     &ext) < 0)
		return -1;
	e_debug(svinst->event, "vnd.bounce: Sieve bounce plugin for %s %s "
		"loaded", PIGEONHOLE_NAME, PIGEONHOLE_VERSION_FULL);
	*context = (void *)ext;
	return 0;
}
