/* Per-address state (bounce-state.h): what spans many keys or many
   addresses: resetting an address, listing a user's addresses, the users
   a dict holds. */

#include "lib.h"
#include "array.h"
#include "dovecot-compat.h"
#include "hash.h"
#include "str.h"
#include "strnum.h"

#include "bounce-state-private.h"

int bounce_state_reset(struct bounce_state *state, const char *address,
		       time_t now, const char **error_r)
{
	struct dict_transaction_context *trans;
	struct state_stored stored;
	const char *prefix, *const *namep;
	unsigned long long first_day, today, day;

	if (state_read(state, address, now, pool_datastack_create(),
		       &stored, error_r) < 0)
		return -1;
	prefix = state_address_prefix(state, address);
	trans = dict_transaction_begin(state->dict, &state->op_set);
	if (state->read_mode == STATE_READ_ITERATE) {
		/* every key the address has */
		array_foreach(&stored.names, namep) {
			dict_unset(trans, t_strconcat(prefix, *namep, NULL));
		}
	} else {
		/* Soft counts older than the window no longer matter */
		state_window(state, now, &first_day, &today);
		for (day = first_day; day <= today; day++) {
			dict_unset(trans, t_strdup_printf("%ssoft/%llu",
							  prefix, day));
			dict_unset(trans, t_strdup_printf("%ssoft-time/%llu",
							  prefix, day));
		}
		dict_unset(trans, t_strconcat(prefix, "soft-last", NULL));
		dict_unset(trans, t_strconcat(prefix, "returned", NULL));
	}
	return state_commit_ret(state, &trans, "reset", error_r) < 0 ? -1 : 0;
}

struct state_list_entry {
	const char *returned;
	unsigned int softcount;
};

struct state_list_context {
	pool_t pool;
	HASH_TABLE(const char *, struct state_list_entry *) hash;
	unsigned long long first_day, today;
};

static void
state_list_add(struct state_list_context *ctx, const char *rest,
	       const char *value)
{
	struct state_list_entry *entry;
	const char *p, *name, *address;
	unsigned long long day;
	unsigned int count;

	p = strchr(rest, '/');
	if (p == NULL)
		return;
	address = t_strdup_until(rest, p);
	name = p + 1;
	entry = hash_table_lookup(ctx->hash, address);
	if (entry == NULL) {
		entry = p_new(ctx->pool, struct state_list_entry, 1);
		address = p_strdup(ctx->pool, address);
		hash_table_insert(ctx->hash, address, entry);
	}
	if (strcmp(name, "returned") == 0)
		entry->returned = p_strdup(ctx->pool, value);
	else if (str_begins_with(name, "soft/") &&
		 str_to_ullong(name + 5, &day) == 0 &&
		 day >= ctx->first_day && day <= ctx->today &&
		 str_to_uint(value, &count) == 0)
		entry->softcount += count;
}

int bounce_state_list(struct bounce_state *state, time_t now, pool_t pool,
		      ARRAY_TYPE(bounce_state_address) *addresses_r,
		      const char **error_r)
{
	struct state_list_context ctx;
	struct hash_iterate_context *hiter;
	struct dict_iterate_context *iter;
	struct state_list_entry *entry;
	struct state_stored stored;
	struct bounce_state_address *addr;
	const char *key, *value, *address, *error;
	size_t prefix_len = strlen(state->user_prefix);
	int ret = 0;

	i_zero(&ctx);
	state_window(state, now, &ctx.first_day, &ctx.today);
	p_array_init(addresses_r, pool, 16);
	/* Every key of the user at once: the addresses come in no order,
	   their keys apart (in SQL, one table after the other) */
	ctx.pool = pool_alloconly_create("bounce state list", 4096);
	hash_table_create(&ctx.hash, ctx.pool, 0, str_hash, strcmp);
	iter = dict_iterate_init(state->dict, &state->op_set,
				 state->user_prefix, DICT_ITERATE_FLAG_RECURSE);
	while (dict_iterate(iter, &key, &value)) T_BEGIN {
		if (strncmp(key, state->user_prefix, prefix_len) == 0) {
			state_list_add(&ctx, key + prefix_len, value);
		}
	} T_END;
	if (dict_iterate_deinit(&iter, &error) < 0) {
		*error_r = t_strdup_printf("dict iteration failed: %s", error);
		ret = -1;
	}
	hiter = hash_table_iterate_init(ctx.hash);
	while (ret == 0 &&
	       hash_table_iterate(hiter, ctx.hash, &address, &entry)) {
		/* reset, taken back, or bounced only long ago */
		if (entry->returned == NULL && entry->softcount == 0)
			continue;
		i_zero(&stored);
		stored.returned = entry->returned;
		addr = array_append_space(addresses_r);
		state_result(&stored, dict_unescape_string(address), pool,
			     addr);
		addr->softcount = entry->softcount;
	}
	hash_table_iterate_deinit(&hiter);
	hash_table_destroy(&ctx.hash);
	pool_unref(&ctx.pool);
	return ret;
}

int bounce_state_list_names(struct bounce_state *state,
			    const ARRAY_TYPE(const_string) *names, time_t now,
			    pool_t pool,
			    ARRAY_TYPE(bounce_state_address) *addresses_r,
			    const char **error_r)
{
	struct bounce_state_address *addr;
	const char *const *name;

	p_array_init(addresses_r, pool, array_count(names) + 1);
	array_foreach(names, name) {
		addr = array_append_space(addresses_r);
		if (bounce_state_lookup(state, *name, now, pool, addr,
					error_r) < 0)
			return -1;
		if (!addr->returned && addr->softcount == 0)
			array_pop_back(addresses_r);
	}
	return 0;
}

int bounce_state_users(struct bounce_state *state, pool_t pool,
		       ARRAY_TYPE(const_string) *users_r,
		       const char **error_r)
{
	struct state_names_context ctx;
	struct hash_iterate_context *iter;
	const char *name;
	void *value;
	int ret;

	i_zero(&ctx);
	ctx.pool = pool_alloconly_create("bounce state users", 1024);
	hash_table_create(&ctx.seen, ctx.pool, 0, str_hash, strcmp);
	ret = state_iterate_all(state, state_names_add, &ctx, error_r);
	p_array_init(users_r, pool, hash_table_count(ctx.seen) + 1);
	iter = hash_table_iterate_init(ctx.seen);
	while (ret == 0 && hash_table_iterate(iter, ctx.seen, &name, &value)) {
		name = p_strdup(pool, dict_unescape_string(name));
		array_push_back(users_r, &name);
	}
	hash_table_iterate_deinit(&iter);
	hash_table_destroy(&ctx.seen);
	pool_unref(&ctx.pool);
	return ret;
}
