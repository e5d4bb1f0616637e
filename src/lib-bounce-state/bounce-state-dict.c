/* Per-address state (bounce-state.h): the dict underneath, reading what
   it holds for an address or for everyone, and committing. */

#include "lib.h"
#include "array.h"
#include "dovecot-compat.h"
#include "hash.h"
#include "str.h"
#include "strnum.h"
#include "home-expand.h"
#include "ioloop.h"

#include <sys/stat.h>

#include "bounce-state-private.h"

/* The least a file dict stores per address ("shared/bounce-state/",
   a short user and address, "/returned" and its value): below this
   size it cannot hold too many addresses and is not counted. */
#define STATE_FILE_MIN_ADDRESS_BYTES 60
#define STATE_FILE_WARNED_KEY DICT_PATH_SHARED"bounce-meta/file-size-warned"

void state_window(const struct bounce_state *state, time_t now,
		  unsigned long long *first_day_r,
		  unsigned long long *today_r)
{
	unsigned long long today = now / STATE_DAY_SECS;

	/* The window holds today and the days before it */
	*today_r = today;
	*first_day_r = today < state->window_days ? 0 :
		today - state->window_days + 1;
}

const char *state_address_prefix(const struct bounce_state *state,
				 const char *address)
{
	i_assert(state->user_prefix != NULL);
	return t_strconcat(state->user_prefix,
			   dict_escape_string(t_str_lcase(address)), "/",
			   NULL);
}

const char *state_key(const struct bounce_state *state, const char *address,
		      const char *name)
{
	return t_strconcat(state_address_prefix(state, address), name, NULL);
}

const char *state_day_name(const char *what, unsigned long long day)
{
	return t_strdup_printf("%s/%llu", what, day);
}

void state_stored_add(struct state_stored *stored, pool_t pool,
		      const char *name, const char *value,
		      unsigned long long first_day, unsigned long long today)
{
	struct state_day *day;
	unsigned long long num;
	unsigned int count;
	const char *p;

	name = p_strdup(pool, name);
	array_push_back(&stored->names, &name);
	if (strcmp(name, "returned") == 0)
		stored->returned = p_strdup(pool, value);
	else if (strcmp(name, "soft-last") == 0)
		stored->soft_last = p_strdup(pool, value);
	else if ((p = strchr(name, '/')) != NULL &&
		 str_to_ullong(p + 1, &num) == 0) {
		if (num < first_day) {
			array_push_back(&stored->old_names, &name);
		} else if (num <= today && strncmp(name, "soft/", 5) == 0 &&
			   str_to_uint(value, &count) == 0 && count > 0) {
			day = array_append_space(&stored->days);
			day->day = num;
			day->count = count;
		}
	}
}

static void state_stored_init(struct state_stored *stored_r, pool_t pool)
{
	i_zero(stored_r);
	p_array_init(&stored_r->days, pool, 4);
	p_array_init(&stored_r->names, pool, 8);
	p_array_init(&stored_r->old_names, pool, 2);
}

static int
state_read_iterate(struct bounce_state *state, const char *address,
		   unsigned long long first_day, unsigned long long today,
		   pool_t pool, struct state_stored *stored,
		   const char **error_r)
{
	struct dict_iterate_context *iter;
	const char *prefix, *key, *value, *error;
	size_t prefix_len;

	prefix = state_address_prefix(state, address);
	prefix_len = strlen(prefix);
	iter = dict_iterate_init(state->dict, &state->op_set, prefix,
				 DICT_ITERATE_FLAG_RECURSE);
	while (dict_iterate(iter, &key, &value)) {
		if (strncmp(key, prefix, prefix_len) == 0) {
			state_stored_add(stored, pool, key + prefix_len,
					 value, first_day, today);
		}
	}
	if (dict_iterate_deinit(&iter, &error) < 0) {
		*error_r = t_strdup_printf("dict iteration of %s failed: %s",
					   prefix, error);
		return -1;
	}
	return 0;
}

static int
state_lookup_key(struct bounce_state *state, pool_t pool, const char *key,
		 const char **value_r, const char **error_r)
{
	/* dict_lookup() reads the error even on success */
	const char *error = NULL;
	int ret;

	*value_r = NULL;
	ret = dict_lookup(state->dict, &state->op_set, pool, key,
			  value_r, &error);
	if (ret < 0) {
		*error_r = t_strdup_printf("dict lookup of %s failed: %s",
					   key, error);
		return -1;
	}
	if (ret == 0)
		*value_r = NULL;
	return 0;
}

static int
state_read_lookup(struct bounce_state *state, const char *address,
		  unsigned long long first_day, unsigned long long today,
		  pool_t pool, struct state_stored *stored,
		  const char **error_r)
{
	const char *value, *name;
	unsigned long long day, last;
	int ret = 0;

	if (state_lookup_key(state, pool, state_key(state, address,
			     "soft-last"), &stored->soft_last, error_r) < 0 ||
	    state_lookup_key(state, pool, state_key(state, address,
			     "returned"), &stored->returned, error_r) < 0)
		return -1;
	/* Two deliveries around midnight can leave the marker a day behind
	   the newest count (the later day's marker set first, the earlier
	   day's over it): a day's slack keeps that count until it leaves
	   the window. A marker that is no number hides nothing. */
	if (stored->soft_last == NULL ||
	    (str_to_ullong(stored->soft_last, &last) == 0 &&
	     last + 1 < first_day))
		return 0;
	/* Every day of the window, not only up to the marker's: it may be
	   a day behind the newest count (see above). */
	for (day = first_day; day <= today && ret == 0; day++) {
		name = state_day_name("soft", day);
		ret = state_lookup_key(state, pool,
				       state_key(state, address, name),
				       &value, error_r);
		if (ret == 0 && value != NULL) {
			state_stored_add(stored, pool, name, value,
					 first_day, today);
		}
	}
	return ret;
}

int state_read(struct bounce_state *state, const char *address,
	       time_t now, pool_t pool, struct state_stored *stored_r,
	       const char **error_r)
{
	unsigned long long first_day, today;

	state_window(state, now, &first_day, &today);
	state_stored_init(stored_r, pool);
	if (state->read_mode == STATE_READ_ITERATE) {
		if (state_read_iterate(state, address, first_day, today,
				       pool, stored_r, error_r) == 0) {
			state->iterated = TRUE;
			return 0;
		}
		if (state->iterated)
			return -1;
		/* A proxy whose dict cannot iterate (Redis): lookups, for
		   as long as this state is open. When the dict is not
		   there at all, they fail too. */
		e_debug(state->event, "%s: reading keys one by one", *error_r);
		state->read_mode = STATE_READ_LOOKUP;
		state_stored_init(stored_r, pool);
	}
	return state_read_lookup(state, address, first_day, today,
				 pool, stored_r, error_r);
}

void state_result(const struct state_stored *stored, const char *address,
		  pool_t pool, struct bounce_state_address *result_r)
{
	const struct state_day *day;
	const char *p;
	long long t;

	i_zero(result_r);
	result_r->address = p_strdup(pool, t_str_lcase(address));
	if (stored->returned != NULL) {
		result_r->returned = TRUE;
		p = strchr(stored->returned, ' ');
		if (p == NULL || str_to_llong(t_strdup_until(stored->returned,
							     p), &t) < 0) {
			result_r->returned_reason =
				p_strdup(pool, stored->returned);
		} else {
			result_r->returned_time = (time_t)t;
			result_r->returned_reason = p_strdup(pool, p + 1);
		}
	}
	if (array_is_created(&stored->days)) {
		array_foreach(&stored->days, day)
			result_r->softcount += day->count;
	}
}

struct state_commit_result {
	enum dict_commit_ret ret;
	char *error;
};

static void
state_commit_callback(const struct dict_commit_result *result,
		      struct state_commit_result *ctx)
{
	ctx->ret = result->ret;
	ctx->error = i_strdup(result->error);
}

/* The synchronous dict_transaction_commit() crashes the Redis driver of
   Dovecot 2.3.19; an asynchronous commit followed by dict_wait() works
   with every driver. */
int state_commit_ret(struct bounce_state *state,
		     struct dict_transaction_context **trans,
		     const char *what, const char **error_r)
{
	struct state_commit_result result = {
		.ret = DICT_COMMIT_RET_FAILED
	};

	dict_transaction_commit_async(trans, state_commit_callback, &result);
	dict_wait(state->dict);
	if (result.ret < 0) {
		*error_r = t_strdup_printf("dict commit (%s) failed: %s", what,
			result.error == NULL ? "unknown error" : result.error);
	}
	i_free(result.error);
	return result.ret < 0 ? -1 : (result.ret == DICT_COMMIT_RET_OK ? 1 : 0);
}

int state_iterate_all(struct bounce_state *state,
		      void (*callback)(const char *rest, void *context),
		      void *context, const char **error_r)
{
	struct dict_iterate_context *iter;
	const char *key, *value, *error;
	size_t root_len = strlen(STATE_ROOT);

	iter = dict_iterate_init(state->dict, &state->op_set, STATE_ROOT,
				 DICT_ITERATE_FLAG_RECURSE |
				 DICT_ITERATE_FLAG_NO_VALUE);
	while (dict_iterate(iter, &key, &value)) T_BEGIN {
		if (strncmp(key, STATE_ROOT, root_len) == 0)
			callback(key + root_len, context);
	} T_END;
	if (dict_iterate_deinit(&iter, &error) < 0) {
		*error_r = t_strdup_printf("dict iteration failed: %s", error);
		return -1;
	}
	return 0;
}

void state_names_add(const char *rest, void *context)
{
	struct state_names_context *ctx = context;
	const char *p, *name;

	p = strchr(rest, '/');
	if (p != NULL && ctx->addresses) {
		/* an address: it is returned or has had soft bounces */
		p = strchr(p + 1, '/');
		if (p == NULL || (strcmp(p + 1, "returned") != 0 &&
				  strcmp(p + 1, "soft-last") != 0))
			return;
	}
	if (p == NULL)
		return;
	name = t_strdup_until(rest, p);
	if (hash_table_lookup(ctx->seen, name) != NULL)
		return;
	name = p_strdup(ctx->pool, name);
	hash_table_insert(ctx->seen, name, POINTER_CAST(1));
}

void state_file_size_check(struct bounce_state *state)
{
	struct state_names_context ctx;
	struct dict_transaction_context *trans;
	const char *path, *warned, *error;
	unsigned int count;
	struct stat st;

	if (state->file_path == NULL || state->size_checked)
		return;
	state->size_checked = TRUE;
	path = state->file_path;
	if (str_begins_with(path, "~/") && state->home_dir != NULL)
		path = home_expand_tilde(path, state->home_dir);
	if (stat(path, &st) < 0 ||
	    st.st_size < (off_t)BOUNCE_STATE_FILE_WARN_ADDRESSES *
			 STATE_FILE_MIN_ADDRESS_BYTES)
		return;
	if (state_lookup_key(state, pool_datastack_create(),
			     STATE_FILE_WARNED_KEY, &warned, &error) < 0 ||
	    warned != NULL)
		return;

	/* The file is in memory already: counting costs less than having
	   read it */
	i_zero(&ctx);
	ctx.pool = pool_alloconly_create("bounce state count", 4096);
	ctx.addresses = TRUE;
	hash_table_create(&ctx.seen, ctx.pool, 0, str_hash, strcmp);
	if (state_iterate_all(state, state_names_add, &ctx, &error) < 0)
		count = 0;
	else
		count = hash_table_count(ctx.seen);
	hash_table_destroy(&ctx.seen);
	pool_unref(&ctx.pool);
	if (count <= BOUNCE_STATE_FILE_WARN_ADDRESSES)
		return;

	e_warning(state->event, "The file dict %s holds %u addresses: "
		  "every delivery of a bounce reads and rewrites it whole, "
		  "more slowly with every address. Beyond %u addresses keep "
		  "the state in SQL or Redis: set sieve_bounce_dict (see "
		  "90-sieve-bounce.conf). This is logged once.", path, count,
		  BOUNCE_STATE_FILE_WARN_ADDRESSES);
	trans = dict_transaction_begin(state->dict, &state->op_set);
	dict_set(trans, STATE_FILE_WARNED_KEY, dec2str(ioloop_time));
	if (state_commit_ret(state, &trans, "warning logged", &error) < 0)
		e_error(state->event, "%s", error);
}
