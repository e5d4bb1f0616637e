/* What a process that delivers many messages (lmtp) keeps from one
   delivery to the next: the classifier of the last settings used, while
   the files its rules were read from are unchanged, so that a delivery
   neither loads the rules (from their cache or their files) nor reads
   the screen kept beside them. Pigeonhole unloads its plugins after each
   delivery; this one is linked to stay loaded (-z nodelete), and the
   classifier it keeps is freed when the process ends. */

#include "lib.h"
#include "str.h"
#include "array.h"

#include "ext-bounce-common.h"

static struct {
	/* the settings it was made with (ext_bounce_keep_key()) */
	char *key;
	struct bounce_classifier *cls;
	bool atexit_added;
} kept;

const char *ext_bounce_keep_key(const struct ext_bounce_context *ectx)
{
	const struct ext_bounce_type_override *override;
	const struct bounce_settings *set = &ectx->set;
	string_t *key = t_str_new(256);

	str_printfa(key, "%s\n%s\n%zu %zu %"PRIuUOFF_T, set->rules_path,
		    set->rules_cache_path == NULL ? "" : set->rules_cache_path,
		    set->max_part_text, set->max_total_text,
		    set->max_message_size);
	array_foreach(&ectx->type_overrides, override) {
		str_printfa(key, "\n%s=%s", override->category,
			    bounce_type_to_str(override->type));
	}
	return str_c(key);
}

static void ext_bounce_keep_free(void)
{
	bounce_classifier_deinit(&kept.cls);
	i_free(kept.key);
}

struct bounce_classifier *ext_bounce_keep_find(const char *key)
{
	if (kept.cls == NULL || strcmp(kept.key, key) != 0)
		return NULL;
	if (!bounce_classifier_is_current(kept.cls)) {
		/* rules edited: the next load reads them */
		ext_bounce_keep_free();
		return NULL;
	}
	return kept.cls;
}

void ext_bounce_keep_put(const char *key, struct bounce_classifier *cls)
{
	ext_bounce_keep_free();
	kept.key = i_strdup(key);
	kept.cls = cls;
	if (!kept.atexit_added) {
		kept.atexit_added = TRUE;
		lib_atexit(ext_bounce_keep_free);
	}
}
