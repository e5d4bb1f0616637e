/* bounce-state: the per-address state that classify keeps in a Dovecot
   dict (bounce-state.h), listed, shown and reset, per mailbox user.

   bounce-state [--dict URI | -c DOVECOT_CONF] [--user NAME]
                [--soft-limit N] [--soft-window DAYS]
                list | show ADDRESS | reset ADDRESS | users */

#include "lib.h"
#include "array.h"
#include "dovecot-compat.h"
#include "hash.h"
#include "str.h"
#include "ioloop.h"
#include "strnum.h"
#include "iso8601-date.h"
#include "settings-parser.h"
#include "dict.h"
#include "bounce-state.h"
#include "tool-config.h"
#include "tool-state-redis.h"

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#define DEFAULT_CONFIG_PATH "/etc/dovecot/dovecot.conf"

struct state_tool {
	pool_t pool;
	struct bounce_state_settings set;
	const char *config_path;
	bool redis;
};

static void ATTR_NORETURN usage(void)
{
	fprintf(stderr,
"usage: bounce-state [--dict URI | -c DOVECOT_CONF] [--user NAME]\n"
"                    [--soft-limit N] [--soft-window DAYS]\n"
"                    list | show ADDRESS | reset ADDRESS | users\n"
"  --dict URI         the dict (file:PATH, redis:host=..., proxy:PATH:NAME)\n"
"  -c DOVECOT_CONF    read plugin/sieve_bounce_dict (and the soft limit and\n"
"                     window) with doveconf; the default configuration\n"
"                     when neither is given\n"
"  --user NAME        the mailbox user whose state it is; needed when the\n"
"                     dict holds several users' state\n");
	exit(2);
}

static int
settings_from_config(const char *config_path,
		     struct bounce_state_settings *set)
{
	static const char *const names[] = {
		"sieve_bounce_dict", "sieve_bounce_soft_limit",
		"sieve_bounce_soft_window", "/base_dir", NULL
	};
	const char *values[N_ELEMENTS(names)], *error;
	unsigned int secs;

	if (tool_config_read(config_path, names, values) < 0)
		return -1;
	if (values[0][0] == '\0' || strchr(values[0], '%') != NULL ||
	    strstr(values[0], "~/") != NULL) {
		i_error("%s: sieve_bounce_dict is %s: give the user's "
			"dict with --dict", config_path,
			values[0][0] == '\0' ? "not set (a file in each "
			"user's home)" : "per user");
		return -1;
	}
	set->dict_uri = values[0];
	if (values[1][0] != '\0' &&
	    (str_to_uint(values[1], &set->soft_limit) < 0 ||
	     set->soft_limit == 0)) {
		i_error("%s: invalid sieve_bounce_soft_limit %s",
			config_path, values[1]);
		return -1;
	}
	if (values[2][0] != '\0') {
		if (str_parse_get_interval(values[2], &secs, &error) < 0) {
			i_error("%s: invalid sieve_bounce_soft_window %s: %s",
				config_path, values[2], error);
			return -1;
		}
		set->soft_window = secs;
	}
	/* proxy::NAME: the dict server's socket in base_dir */
	if (values[3][0] != '\0')
		set->base_dir = values[3];
	return 0;
}

static void print_address(const struct bounce_state_address *addr)
{
	printf("%s\t%s\t%u", addr->address, bounce_state_name(addr),
	       addr->softcount);
	if (addr->returned) {
		printf("\t%s\t%s", iso8601_date_create(addr->returned_time),
		       addr->returned_reason);
	}
	printf("\n");
}

/* Names found in Redis keys, once each: users (the first part of
   "USER/ADDR/NAME") or addresses (the first of "ADDR/NAME" where NAME
   says the address is returned or has had soft bounces) */
struct redis_names_context {
	pool_t pool;
	HASH_TABLE(const char *, void *) seen;
	ARRAY_TYPE(const_string) names;
	bool addresses;
};

static void redis_name_add(const char *rest, void *context)
{
	struct redis_names_context *ctx = context;
	const char *p = strchr(rest, '/'), *name;

	if (p == NULL || (ctx->addresses && strcmp(p + 1, "returned") != 0 &&
			  strcmp(p + 1, "soft-last") != 0))
		return;
	name = t_strdup_until(rest, p);
	if (hash_table_lookup(ctx->seen, name) != NULL)
		return;
	name = p_strdup(ctx->pool, name);
	hash_table_insert(ctx->seen, name, POINTER_CAST(1));
	name = p_strdup(ctx->pool, dict_unescape_string(name));
	array_push_back(&ctx->names, &name);
}

static int
redis_names(const char *dict_uri, const char *key_prefix, bool addresses,
	    pool_t pool, ARRAY_TYPE(const_string) *names_r,
	    const char **error_r)
{
	struct redis_names_context ctx;
	int ret;

	i_zero(&ctx);
	ctx.pool = pool;
	ctx.addresses = addresses;
	p_array_init(&ctx.names, pool, 16);
	hash_table_create(&ctx.seen, pool, 0, str_hash, strcmp);
	ret = tool_state_redis_keys(dict_uri, key_prefix, redis_name_add,
				    &ctx, error_r);
	hash_table_destroy(&ctx.seen);
	*names_r = ctx.names;
	return ret;
}

/* The users the dict holds state for */
static int
tool_users(struct state_tool *tool, pool_t pool,
	   ARRAY_TYPE(const_string) *users_r)
{
	struct bounce_state_settings set = tool->set;
	struct bounce_state *state;
	const char *error;
	int ret;

	if (tool->redis) {
		ret = redis_names(set.dict_uri, bounce_state_key_prefix(NULL),
				  FALSE, pool, users_r, &error);
	} else {
		set.username = NULL;
		if (bounce_state_init(&set, &state, &error) < 0) {
			i_error("%s", error);
			return -1;
		}
		ret = bounce_state_users(state, pool, users_r, &error);
		bounce_state_deinit(&state);
	}
	if (ret < 0)
		i_error("finding the users: %s", error);
	return ret;
}

/* Without --user: the one user the dict holds state for. Returns 1 with
   the name, 0 when it holds none, -1 when it holds several or cannot be
   read (logged). */
static int tool_find_user(struct state_tool *tool, const char **user_r)
{
	ARRAY_TYPE(const_string) users;
	const char *const *names;
	unsigned int count;
	string_t *str;

	if (tool_users(tool, tool->pool, &users) < 0)
		return -1;
	names = array_get(&users, &count);
	if (count == 1) {
		*user_r = names[0];
		return 1;
	}
	if (count == 0)
		return 0;
	str = t_str_new(128);
	for (unsigned int i = 0; i < count && i < 5; i++) {
		if (i > 0)
			str_append(str, ", ");
		str_append(str, names[i]);
	}
	if (count > 5)
		str_append(str, ", ...");
	i_error("the dict holds the state of %u users (%s): choose one "
		"with --user", count, str_c(str));
	return -1;
}

static int cmd_list(struct state_tool *tool, struct bounce_state *state)
{
	ARRAY_TYPE(bounce_state_address) list;
	ARRAY_TYPE(const_string) names;
	const struct bounce_state_address *addr;
	pool_t pool = tool->pool;
	const char *error;
	int ret;

	if (tool->redis) {
		ret = redis_names(tool->set.dict_uri,
				  bounce_state_key_prefix(tool->set.username),
				  TRUE, pool, &names, &error);
		if (ret == 0) {
			ret = bounce_state_list_names(state, &names,
						      ioloop_time, pool,
						      &list, &error);
		}
	} else {
		ret = bounce_state_list(state, ioloop_time, pool, &list,
					&error);
	}
	if (ret < 0) {
		i_error("list: %s", error);
		return 1;
	}
	array_foreach(&list, addr)
		print_address(addr);
	return 0;
}

static int cmd_show(struct bounce_state *state, const char *address)
{
	struct bounce_state_address addr;
	const char *error;

	if (state == NULL) {
		/* no state at all */
		i_zero(&addr);
		addr.address = t_str_lcase(address);
		print_address(&addr);
		return 0;
	}
	if (bounce_state_lookup(state, address, ioloop_time,
				pool_datastack_create(), &addr, &error) < 0) {
		i_error("show %s: %s", address, error);
		return 1;
	}
	print_address(&addr);
	return 0;
}

static int cmd_reset(struct bounce_state *state, const char *address)
{
	const char *error;

	if (state != NULL &&
	    bounce_state_reset(state, address, ioloop_time, &error) < 0) {
		i_error("reset %s: %s", address, error);
		return 1;
	}
	return 0;
}

static int cmd_users(struct state_tool *tool)
{
	ARRAY_TYPE(const_string) users;
	const char *const *user;

	if (tool_users(tool, tool->pool, &users) < 0)
		return 1;
	array_foreach(&users, user)
		printf("%s\n", *user);
	return 0;
}

static int tool_run(struct state_tool *tool, const char *cmd,
		    const char *address)
{
	struct bounce_state *state = NULL;
	const char *error;
	int ret;

	if (strcmp(cmd, "users") == 0)
		return cmd_users(tool);
	if (tool->set.username == NULL) {
		ret = tool_find_user(tool, &tool->set.username);
		if (ret < 0)
			return 2;
	}
	if (tool->set.username != NULL &&
	    bounce_state_init(&tool->set, &state, &error) < 0) {
		i_error("%s", error);
		return 2;
	}
	if (strcmp(cmd, "list") == 0)
		ret = state == NULL ? 0 : cmd_list(tool, state);
	else if (strcmp(cmd, "show") == 0)
		ret = cmd_show(state, address);
	else
		ret = cmd_reset(state, address);
	bounce_state_deinit(&state);
	return ret;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dict", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "soft-limit", required_argument, NULL, 'l' },
		{ "soft-window", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct state_tool tool;
	struct ioloop *ioloop;
	const char *cmd, *address = NULL;
	unsigned int limit = 0, days = 0;
	int c, ret;

	dovecot_compat_tool_init("bounce-state", &argc, &argv);
	i_zero(&tool);
	tool.set.soft_limit = BOUNCE_STATE_DEFAULT_SOFT_LIMIT;
	tool.set.soft_window = BOUNCE_STATE_DEFAULT_SOFT_WINDOW;
	while ((c = getopt_long(argc, argv, "d:c:u:l:w:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			tool.set.dict_uri = optarg;
			break;
		case 'c':
			tool.config_path = optarg;
			break;
		case 'u':
			if (optarg[0] == '\0')
				usage();
			tool.set.username = optarg;
			break;
		case 'l':
			if (str_to_uint(optarg, &limit) < 0 || limit == 0)
				usage();
			break;
		case 'w':
			if (str_to_uint(optarg, &days) < 0 || days == 0 ||
			    days > BOUNCE_STATE_MAX_WINDOW_DAYS)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind >= argc ||
	    (tool.set.dict_uri != NULL && tool.config_path != NULL))
		usage();
	cmd = argv[optind++];
	if (strcmp(cmd, "show") == 0 || strcmp(cmd, "reset") == 0) {
		if (optind + 1 != argc)
			usage();
		address = argv[optind];
	} else if ((strcmp(cmd, "list") != 0 && strcmp(cmd, "users") != 0) ||
		   optind != argc) {
		usage();
	}

	if (tool.set.dict_uri == NULL) {
		if (tool.config_path == NULL)
			tool.config_path = DEFAULT_CONFIG_PATH;
		if (settings_from_config(tool.config_path, &tool.set) < 0)
			return 2;
	}
	if (limit != 0)
		tool.set.soft_limit = limit;
	if (days != 0)
		tool.set.soft_window = days * 24 * 3600;
	tool.redis = str_begins_with(tool.set.dict_uri, "redis:");
	tool.pool = pool_alloconly_create("bounce-state", 4096);

	/* Network dicts (redis, proxy) run their I/O on an ioloop */
	ioloop = io_loop_create();
	dict_drivers_register_builtin();
	ret = tool_run(&tool, cmd, address);
	pool_unref(&tool.pool);
	dict_drivers_unregister_builtin();
	io_loop_destroy(&ioloop);
	dovecot_compat_tool_deinit();
	return ret;
}
