/* Loading on Dovecot 2.3 / Pigeonhole 0.5 (ext-bounce-settings.h): the
   settings are free-form keys of the plugin { } section, read with
   sieve_setting_get(); an invalid value is logged and the default kept,
   as for Pigeonhole's own settings. */

#include "lib.h"
#include "dict.h"
#include "dovecot-compat.h"

#include "sieve-common.h"
#include "sieve-settings.h"
#include "sieve-extensions.h"
#include "sieve-ext-variables.h"

#include "ext-bounce-settings.h"
#include "sieve-bounce-extension.h"

static void ext_bounce_read_size(struct sieve_instance *svinst,
				 const char *name, size_t *value)
{
	size_t size;

	if (sieve_setting_get_size_value(svinst, name, &size))
		*value = size;
}

static void ext_bounce_read_types(struct sieve_instance *svinst,
				  struct ext_bounce_context *ectx)
{
	const char *const *names = bounce_category_names();
	const char *setting, *error;

	for (; *names != NULL; names++) {
		setting = t_strconcat(EXT_BOUNCE_TYPE_SETTING_PREFIX,
				      t_str_replace(*names, '-', '_'), NULL);
		if (ext_bounce_settings_type(ectx, setting,
				sieve_setting_get(svinst, setting),
				&error) < 0) {
			e_error(svinst->event, "vnd.bounce: %s: "
				"category keeps its default type", error);
		}
	}
}

static void ext_bounce_read_state(struct sieve_instance *svinst,
				  struct ext_bounce_context *ectx)
{
	struct bounce_state_settings *set = &ectx->state_set;
	unsigned long long limit;
	sieve_number_t window;

	ext_bounce_settings_dict(svinst, ectx,
		sieve_setting_get(svinst, "sieve_bounce_dict"));
	if (set->dict_uri == NULL) {
		ectx->state_error = "no sieve_bounce_dict set and no home "
			"directory for the default";
	}
	if (sieve_setting_get_uint_value(svinst, "sieve_bounce_soft_limit",
					 &limit)) {
		if (limit == 0 || limit > UINT_MAX) {
			e_error(svinst->event, "vnd.bounce: invalid value "
				"%llu for setting sieve_bounce_soft_limit "
				"(expected at least 1): using %u", limit,
				set->soft_limit);
		} else {
			set->soft_limit = limit;
		}
	}
	if (sieve_setting_get_duration_value(svinst,
			"sieve_bounce_soft_window", &window)) {
		if (window < 24*3600 || window > UINT_MAX) {
			e_error(svinst->event, "vnd.bounce: invalid value "
				"for setting sieve_bounce_soft_window "
				"(expected 1 day or more): using %u days",
				set->soft_window / (24*3600));
		} else {
			set->soft_window = window;
		}
	}
}

bool ext_bounce_load(const struct sieve_extension *ext, void **context)
{
	struct sieve_instance *svinst = ext->svinst;
	struct ext_bounce_context *ectx;
	size_t max_message_size;
	const char *rules;

	if (*context != NULL) {
		ext_bounce_unload(ext);
		*context = NULL;
	}
	ectx = ext_bounce_context_new(ext,
		sieve_ext_variables_get_extension(svinst));

	rules = sieve_setting_get(svinst, "sieve_bounce_rules");
	if (rules != NULL && *rules != '\0')
		ectx->set.rules_path = p_strdup(ectx->pool, rules);
	ectx->set.rules_cache_path = p_strdup(ectx->pool,
		ext_bounce_settings_path(svinst,
			sieve_setting_get(svinst, "sieve_bounce_rules_cache")));
	ext_bounce_read_size(svinst, "sieve_bounce_max_part_text",
			     &ectx->set.max_part_text);
	ext_bounce_read_size(svinst, "sieve_bounce_max_total_text",
			     &ectx->set.max_total_text);
	max_message_size = ectx->set.max_message_size;
	ext_bounce_read_size(svinst, "sieve_bounce_max_message_size",
			     &max_message_size);
	ectx->set.max_message_size = max_message_size;
	ext_bounce_read_types(svinst, ectx);
	ext_bounce_read_state(svinst, ectx);
	ectx->feed_dir = p_strdup(ectx->pool, ext_bounce_settings_path(svinst,
		sieve_setting_get(svinst, "sieve_bounce_feed_dir")));
	dict_drivers_register_builtin();

	*context = ectx;
	return TRUE;
}

void sieve_bounce_extension_load(struct sieve_instance *svinst,
				 void **context)
{
	const struct sieve_extension *ext;

	/* Not enabled here: the administrator enables it with
	   sieve_extensions or sieve_global_extensions. */
	ext = sieve_extension_register(svinst, &bounce_extension, FALSE);
	e_debug(svinst->event, "vnd.bounce: Sieve bounce plugin for %s %s "
		"loaded", PIGEONHOLE_NAME, PIGEONHOLE_VERSION_FULL);
	*context = (void *)ext;
}
