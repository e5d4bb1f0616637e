/* Dicts by URI on both release lines (dovecot-compat.h). */

#include "lib.h"
#include "dict.h"
#include "dovecot-compat.h"

#if !DOVECOT_PREREQ(2, 4, 0)

int dovecot_compat_dict_init(const char *uri, const char *base_dir,
			     struct event *event_parent,
			     struct dict **dict_r, const char **error_r)
{
	struct dict_settings set;
	const char *error;

	i_zero(&set);
	set.base_dir = base_dir;
	set.event_parent = event_parent;
	if (dict_init(uri, &set, dict_r, &error) < 0) {
		*error_r = t_strdup_printf("dict_init(%s) failed: %s",
					   uri, error);
		return -1;
	}
	return 0;
}

void dovecot_compat_dict_deinit(struct dict **dict)
{
	dict_deinit(dict);
}

#else

#include "array.h"
#include "str.h"
#include "strescape.h"
#include "settings.h"
#include "master-service.h"

/* Each dict opened from a URI keeps the settings it was made from. */
struct compat_dict {
	struct compat_dict *next;
	struct dict *dict;
	struct settings_simple set;
};
static struct compat_dict *compat_dicts = NULL;

/* Defined by lib-dict without a header: the drivers' settings, read here
   through their defines. */
extern const struct setting_parser_info dict_file_setting_parser_info;
extern const struct setting_parser_info redis_setting_parser_info;
extern const struct setting_parser_info dict_proxy_setting_parser_info;

/* The parameters of a 2.3 redis URI and the settings they became */
static const struct {
	const char *param, *setting, *unit;
} redis_params[] = {
	{ "host", "redis_host", "" },
	{ "port", "redis_port", "" },
	{ "path", "redis_socket_path", "" },
	{ "prefix", "redis_key_prefix", "" },
	{ "db", "redis_db_id", "" },
	{ "password", "redis_password", "" },
	{ "expire_secs", "redis_expire", "s" },
	{ "timeout_msecs", "redis_request_timeout", "ms" },
};

static void
set_push(ARRAY_TYPE(const_string) *set, const char *driver,
	 const char *key, const char *value)
{
	const char *name = t_strdup_printf("dict/%s/%s", driver, key);

	array_push_back(set, &name);
	array_push_back(set, &value);
}

static int
dict_uri_to_settings(const char *uri, const char *base_dir,
		     ARRAY_TYPE(const_string) *set, const char **error_r)
{
	const char *p = strchr(uri, ':'), *driver, *args, *const *arg;
	const char *key = "dict";
	unsigned int i;

	if (p == NULL) {
		*error_r = "no driver: before the first ':'";
		return -1;
	}
	driver = t_strdup_until(uri, p);
	args = p + 1;
	array_push_back(set, &key);
	array_push_back(set, &driver);
	set_push(set, driver, "dict_driver", driver);
	if (strcmp(driver, "file") == 0) {
		set_push(set, driver, "dict_file_path", args);
	} else if (strcmp(driver, "redis") == 0) {
		for (arg = t_strsplit(args, ":"); *arg != NULL; arg++) {
			if (**arg == '\0')
				continue;
			p = strchr(*arg, '=');
			for (i = 0; p != NULL && i < N_ELEMENTS(redis_params); i++) {
				if (strncmp(*arg, redis_params[i].param,
					    p - *arg) == 0 &&
				    redis_params[i].param[p - *arg] == '\0')
					break;
			}
			if (p == NULL || i == N_ELEMENTS(redis_params)) {
				*error_r = t_strdup_printf(
					"unknown redis parameter: %s", *arg);
				return -1;
			}
			set_push(set, driver, redis_params[i].setting,
				 t_strconcat(p + 1, redis_params[i].unit, NULL));
		}
	} else if (strcmp(driver, "proxy") == 0) {
		/* proxy:[SOCKET]:NAME */
		p = strchr(args, ':');
		if (p == NULL) {
			*error_r = "proxy: needs [SOCKET]:NAME";
			return -1;
		}
		if (p != args) {
			const char *path = t_strdup_until(args, p);
			if (path[0] != '/' && base_dir != NULL)
				path = t_strconcat(base_dir, "/", path, NULL);
			set_push(set, driver, "dict_proxy_socket_path", path);
		}
		set_push(set, driver, "dict_proxy_name", p + 1);
	} else {
		*error_r = t_strdup_printf("driver %s: with Dovecot 2.4 a URI "
			"names a file, redis or proxy dict only", driver);
		return -1;
	}
	array_append_zero(set);
	return 0;
}

int dovecot_compat_dict_init(const char *uri, const char *base_dir,
			     struct event *event_parent,
			     struct dict **dict_r, const char **error_r)
{
	ARRAY_TYPE(const_string) set;
	struct compat_dict *cdict;
	struct event *event;
	const char *error;
	int ret;

	/* 2.4's dict client reads the master service's settings: without
	   one (a program not started by dovecot_compat_tool_init()) it
	   would crash */
	if (master_service == NULL && str_begins_with(uri, "proxy:")) {
		*error_r = t_strdup_printf("dict %s: with Dovecot 2.4 this "
			"program cannot use a proxy dict", uri);
		return -1;
	}
	t_array_init(&set, 16);
	if (dict_uri_to_settings(uri, base_dir, &set, &error) < 0) {
		*error_r = t_strdup_printf("dict %s: %s", uri, error);
		return -1;
	}
	cdict = i_new(struct compat_dict, 1);
	settings_simple_init(&cdict->set, array_front(&set));
	/* the dict's event under event_parent, its settings these alone */
	event = event_create(event_parent);
	event_set_ptr(event, SETTINGS_EVENT_ROOT, cdict->set.root);
	event_set_ptr(event, SETTINGS_EVENT_INSTANCE, cdict->set.instance);
	ret = dict_init_auto(event, &cdict->dict, &error);
	event_unref(&event);
	if (ret <= 0) {
		*error_r = t_strdup_printf("dict_init(%s) failed: %s",
					   uri, error);
		settings_simple_deinit(&cdict->set);
		i_free(cdict);
		return -1;
	}
	cdict->next = compat_dicts;
	compat_dicts = cdict;
	*dict_r = cdict->dict;
	return 0;
}

void dovecot_compat_dict_deinit(struct dict **_dict)
{
	struct compat_dict **cdictp, *cdict;
	struct dict *dict = *_dict;

	if (dict == NULL)
		return;
	for (cdictp = &compat_dicts; *cdictp != NULL;
	     cdictp = &(*cdictp)->next) {
		if ((*cdictp)->dict == dict)
			break;
	}
	i_assert(*cdictp != NULL);
	cdict = *cdictp;
	*cdictp = cdict->next;
	dict_deinit(_dict);
	settings_simple_deinit(&cdict->set);
	i_free(cdict);
}

/* The value of a setting in a struct that settings_get() returned, as a
   string; NULL for a setting of another type. */
static const char *
settings_value(const struct setting_parser_info *info, const void *set,
	       const char *key)
{
	const struct setting_define *def;
	const void *value;

	for (def = info->defines; def->key != NULL; def++) {
		if (strcmp(def->key, key) == 0)
			break;
	}
	i_assert(def->key != NULL);
	value = CONST_PTR_OFFSET(set, def->offset);
	switch (def->type) {
	case SET_STR:
	case SET_STR_NOVARS:
		return *(const char *const *)value;
	case SET_UINT:
	case SET_TIME:
	case SET_TIME_MSECS:
		return dec2str(*(const unsigned int *)value);
	case SET_IN_PORT:
		return dec2str(*(const in_port_t *)value);
	default:
		i_unreached();
	}
}

static void
settings_struct_free(const struct setting_parser_info *info, const void *set)
{
	pool_t pool = *(const pool_t *)CONST_PTR_OFFSET(set,
		info->pool_offset1 - 1);

	pool_unref(&pool);
}

static int
dict_driver_uri(struct event *event, enum settings_get_flags flags,
		const char *driver, const char **uri_r, const char **error_r)
{
	const struct setting_parser_info *info;
	string_t *uri = t_str_new(128);
	const void *set;
	unsigned int i;

	if (strcmp(driver, "file") == 0)
		info = &dict_file_setting_parser_info;
	else if (strcmp(driver, "redis") == 0)
		info = &redis_setting_parser_info;
	else if (strcmp(driver, "proxy") == 0)
		info = &dict_proxy_setting_parser_info;
	else {
		*error_r = t_strdup_printf("dict driver %s is not supported "
					   "(file, redis or proxy)", driver);
		return -1;
	}
	/* the function, not the macro: it checks the struct's type */
	if ((settings_get)(event, info, flags, __FILE__, __LINE__,
			   &set, error_r) < 0)
		return -1;
	str_printfa(uri, "%s:", driver);
	if (info == &dict_file_setting_parser_info) {
		str_append(uri, settings_value(info, set, "dict_file_path"));
	} else if (info == &redis_setting_parser_info) {
		for (i = 0; i < N_ELEMENTS(redis_params); i++) {
			const char *value = settings_value(info, set,
				redis_params[i].setting);
			if (value[0] == '\0' || strcmp(value, "0") == 0)
				continue;
			if (strchr(value, ':') != NULL) {
				*error_r = t_strdup_printf(
					"%s must not contain ':'",
					redis_params[i].setting);
				settings_struct_free(info, set);
				return -1;
			}
			str_printfa(uri, "%s=%s:", redis_params[i].param, value);
		}
		str_truncate(uri, str_len(uri) - 1);
	} else {
		str_printfa(uri, "%s:%s",
			settings_value(info, set, "dict_proxy_socket_path"),
			settings_value(info, set, "dict_proxy_name"));
	}
	/* the struct's pool holds its strings */
	*uri_r = t_strdup(str_c(uri));
	settings_struct_free(info, set);
	return 0;
}

int dovecot_compat_dict_uri_from_settings(struct event *event,
					  enum settings_get_flags flags,
					  const char **uri_r,
					  const char **error_r)
{
	const struct dict_settings *dict_set;
	const char *name, *driver;
	struct event *dict_event;
	int ret;

	if (settings_get(event, &dict_setting_parser_info, flags,
			 &dict_set, error_r) < 0)
		return -1;
	if (array_is_empty(&dict_set->dicts)) {
		settings_free(dict_set);
		return 0;
	}
	name = t_strdup(array_idx_elem(&dict_set->dicts, 0));
	settings_free(dict_set);

	dict_event = event_create(event);
	settings_event_add_list_filter_name(dict_event, "dict", name);
	if (settings_get(dict_event, &dict_setting_parser_info, flags,
			 &dict_set, error_r) < 0) {
		event_unref(&dict_event);
		return -1;
	}
	driver = t_strdup(dict_set->dict_driver);
	settings_free(dict_set);
	ret = dict_driver_uri(dict_event, flags, driver, uri_r, error_r);
	event_unref(&dict_event);
	if (ret < 0) {
		*error_r = t_strdup_printf("dict %s: %s", name, *error_r);
		return -1;
	}
	return 1;
}

#endif
