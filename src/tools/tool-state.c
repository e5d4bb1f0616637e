/* bounce-state: the per-address state that classify keeps in a Dovecot
   dict (bounce-state.h), listed, shown and reset.

   bounce-state [--dict URI | -c DOVECOT_CONF] [--soft-limit N]
                [--soft-window DAYS] list | show ADDRESS | reset ADDRESS */

#include "lib.h"
#include "array.h"
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

static void ATTR_NORETURN usage(void)
{
	fprintf(stderr,
"usage: bounce-state [--dict URI | -c DOVECOT_CONF] [--soft-limit N]\n"
"                    [--soft-window DAYS] list | show ADDRESS | reset ADDRESS\n"
"  --dict URI         the dict (file:PATH, redis:host=..., proxy:...)\n"
"  -c DOVECOT_CONF    read plugin/sieve_bounce_dict (and the soft limit and\n"
"                     window) with doveconf; the default configuration\n"
"                     when neither is given\n");
	exit(2);
}

static int
settings_from_config(const char *config_path,
		     struct bounce_state_settings *set)
{
	static const char *const names[] = {
		"sieve_bounce_dict", "sieve_bounce_soft_limit",
		"sieve_bounce_soft_window", NULL
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
		if (settings_get_time(values[2], &secs, &error) < 0) {
			i_error("%s: invalid sieve_bounce_soft_window %s: %s",
				config_path, values[2], error);
			return -1;
		}
		set->soft_window = secs;
	}
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

static int cmd_list(struct bounce_state *state, const char *dict_uri)
{
	ARRAY_TYPE(bounce_state_address) list;
	ARRAY_TYPE(const_string) names;
	const struct bounce_state_address *addr;
	pool_t pool = pool_datastack_create();
	const char *error;
	int ret;

	if (str_begins(dict_uri, "redis:")) {
		ret = tool_state_redis_addresses(dict_uri, pool, &names,
						 &error);
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

	if (bounce_state_reset(state, address, ioloop_time, &error) < 0) {
		i_error("reset %s: %s", address, error);
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dict", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "soft-limit", required_argument, NULL, 'l' },
		{ "soft-window", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bounce_state_settings set;
	struct bounce_state *state;
	struct ioloop *ioloop;
	const char *config_path = NULL, *cmd, *error;
	unsigned int limit = 0, days = 0;
	int c, ret;

	lib_init();
	i_zero(&set);
	set.soft_limit = BOUNCE_STATE_DEFAULT_SOFT_LIMIT;
	set.soft_window = BOUNCE_STATE_DEFAULT_SOFT_WINDOW;
	while ((c = getopt_long(argc, argv, "d:c:l:w:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			set.dict_uri = optarg;
			break;
		case 'c':
			config_path = optarg;
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
	if (optind >= argc || (set.dict_uri != NULL && config_path != NULL))
		usage();
	cmd = argv[optind++];
	if ((strcmp(cmd, "list") == 0 && optind != argc) ||
	    ((strcmp(cmd, "show") == 0 || strcmp(cmd, "reset") == 0) &&
	     optind + 1 != argc) ||
	    (strcmp(cmd, "list") != 0 && strcmp(cmd, "show") != 0 &&
	     strcmp(cmd, "reset") != 0))
		usage();

	if (set.dict_uri == NULL) {
		if (config_path == NULL)
			config_path = "/etc/dovecot/dovecot.conf";
		if (settings_from_config(config_path, &set) < 0)
			return 2;
	}
	if (limit != 0)
		set.soft_limit = limit;
	if (days != 0)
		set.soft_window = days * 24 * 3600;

	/* Network dicts (redis, proxy) run their I/O on an ioloop */
	ioloop = io_loop_create();
	dict_drivers_register_builtin();
	if (bounce_state_init(&set, &state, &error) < 0) {
		i_error("%s", error);
		ret = 2;
	} else {
		if (strcmp(cmd, "list") == 0)
			ret = cmd_list(state, set.dict_uri);
		else if (strcmp(cmd, "show") == 0)
			ret = cmd_show(state, argv[optind]);
		else
			ret = cmd_reset(state, argv[optind]);
		bounce_state_deinit(&state);
	}
	dict_drivers_unregister_builtin();
	io_loop_destroy(&ioloop);
	lib_deinit();
	return ret;
}
