/* What the settings files of both release lines share
   (ext-bounce-settings.h). */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "home-expand.h"
#include "dovecot-compat.h"

#include "sieve-common.h"
#include "sieve-settings.h"	/* sieve_environment_get_homedir() on 2.3 */
#include "sieve-extensions.h"

#include "ext-bounce-settings.h"

struct ext_bounce_context *
ext_bounce_context_new(const struct sieve_extension *ext,
		       const struct sieve_extension *var_ext)
{
	struct sieve_instance *svinst = ext->svinst;
	struct ext_bounce_context *ectx;
	pool_t pool;

	pool = pool_alloconly_create("vnd.bounce context", 512);
	ectx = p_new(pool, struct ext_bounce_context, 1);
	ectx->pool = pool;
	ectx->var_ext = var_ext;
	ectx->set.rules_path = BOUNCE_RULES_PATH;
	ectx->set.max_part_text = BOUNCE_DEFAULT_MAX_PART_TEXT;
	ectx->set.max_total_text = BOUNCE_DEFAULT_MAX_TOTAL_TEXT;
	ectx->set.max_message_size = BOUNCE_DEFAULT_MAX_MESSAGE_SIZE;
	p_array_init(&ectx->type_overrides, pool, 4);

	ectx->state_set.username = p_strdup(pool, svinst->username);
	ectx->state_set.home_dir = p_strdup(pool,
		sieve_environment_get_homedir(svinst));
	ectx->state_set.base_dir = p_strdup(pool, svinst->base_dir);
	ectx->state_set.event_parent = svinst->event;
	ectx->state_set.soft_limit = BOUNCE_STATE_DEFAULT_SOFT_LIMIT;
	ectx->state_set.soft_window = BOUNCE_STATE_DEFAULT_SOFT_WINDOW;
	return ectx;
}

const char *
ext_bounce_settings_path(struct sieve_instance *svinst, const char *path)
{
	const char *home = sieve_environment_get_homedir(svinst);

	if (path == NULL || *path == '\0')
		return NULL;
	if (str_begins_with(path, "~/") && home != NULL)
		path = home_expand_tilde(path, home);
	return path;
}

int ext_bounce_settings_type(struct ext_bounce_context *ectx,
			     const char *setting, const char *value,
			     const char **error_r)
{
	const char *const *names = bounce_category_names();
	struct ext_bounce_type_override *override;
	const char *category;
	enum bounce_type type;

	i_assert(str_begins_with(setting, EXT_BOUNCE_TYPE_SETTING_PREFIX));
	if (value == NULL || *value == '\0')
		return 0;
	category = t_str_replace(setting +
		strlen(EXT_BOUNCE_TYPE_SETTING_PREFIX), '_', '-');
	for (; *names != NULL; names++) {
		if (strcmp(*names, category) == 0)
			break;
	}
	if (*names == NULL) {
		*error_r = t_strdup_printf("%s: no category %s",
					   setting, category);
		return -1;
	}
	if (!bounce_type_from_str(value, &type)) {
		*error_r = t_strdup_printf(
			"invalid value '%s' for setting %s (expected hard, "
			"soft, other, complaint or none)", value, setting);
		return -1;
	}
	override = array_append_space(&ectx->type_overrides);
	override->category = *names;
	override->type = type;
	return 0;
}

void ext_bounce_settings_dict(struct sieve_instance *svinst,
			      struct ext_bounce_context *ectx,
			      const char *uri)
{
	const char *home = sieve_environment_get_homedir(svinst);

	if (uri == NULL || *uri == '\0')
		uri = "file:~/"BOUNCE_STATE_DEFAULT_DICT_FILE;
	if (str_begins_with(uri, "file:~/")) {
		uri = home == NULL ? NULL :
			t_strconcat("file:", home, uri + 6, NULL);
	}
	ectx->state_set.dict_uri = p_strdup(ectx->pool, uri);
}
