/* Per-address state in a Dovecot dict (bounce-state.h). */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strescape.h"
#include "dict.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>

#include "bounce-state.h"

#define STATE_PREFIX DICT_PATH_SHARED"bounce/"
#define STATE_INDEX_PREFIX DICT_PATH_SHARED"bounce-index/"
#define DAY_SECS (24*3600)

struct bounce_state {
	struct dict *dict;
	/* file: dicts: serialises creating a day's counter */
	char *create_lock_path;
	struct dict_op_settings op_set;
	char *username, *home_dir;
	unsigned int soft_limit;
	unsigned int window_days;
};

int bounce_state_init(const struct bounce_state_settings *set,
		      struct bounce_state **state_r, const char **error_r)
{
	struct bounce_state *state;
	struct dict_settings dict_set;
	struct dict *dict;
	const char *error;

	if (set->soft_limit == 0) {
		*error_r = "soft limit must be at least 1";
		return -1;
	}
	i_zero(&dict_set);
	dict_set.base_dir = set->base_dir;
	if (dict_init(set->dict_uri, &dict_set, &dict, &error) < 0) {
		*error_r = t_strdup_printf("dict_init(%s) failed: %s",
					   set->dict_uri, error);
		return -1;
	}
	state = i_new(struct bounce_state, 1);
	state->dict = dict;
	if (str_begins(set->dict_uri, "file:")) {
		state->create_lock_path = i_strconcat(set->dict_uri + 5,
						      ".create-lock", NULL);
	}
	state->username = i_strdup(set->username);
	state->home_dir = i_strdup(set->home_dir);
	state->op_set.username = state->username;
	state->op_set.home_dir = state->home_dir;
	state->soft_limit = set->soft_limit;
	state->window_days = (set->soft_window + DAY_SECS - 1) / DAY_SECS;
	if (state->window_days == 0)
		state->window_days = 1;
	if (state->window_days > BOUNCE_STATE_MAX_WINDOW_DAYS)
		state->window_days = BOUNCE_STATE_MAX_WINDOW_DAYS;
	*state_r = state;
	return 0;
}

void bounce_state_deinit(struct bounce_state **_state)
{
	struct bounce_state *state = *_state;

	if (state == NULL)
		return;
	*_state = NULL;
	dict_wait(state->dict);
	dict_deinit(&state->dict);
	i_free(state->create_lock_path);
	i_free(state->username);
	i_free(state->home_dir);
	i_free(state);
}

const char *bounce_state_name(const struct bounce_state_address *addr)
{
	return addr->returned ? "returned" : "active";
}

static const char *state_key(const char *address, const char *suffix)
{
	return t_strconcat(STATE_PREFIX,
			   dict_escape_string(t_str_lcase(address)), "/",
			   suffix, NULL);
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
state_lookup_returned(struct bounce_state *state, const char *address,
		      pool_t pool, struct bounce_state_address *result_r,
		      const char **error_r)
{
	const char *value, *p;
	long long t;

	if (state_lookup_key(state, pool, state_key(address, "returned"),
			     &value, error_r) < 0)
		return -1;
	if (value != NULL) {
		result_r->returned = TRUE;
		p = strchr(value, ' ');
		if (p == NULL ||
		    str_to_llong(t_strdup_until(value, p), &t) < 0) {
			result_r->returned_reason = value;
		} else {
			result_r->returned_time = (time_t)t;
			result_r->returned_reason = p + 1;
		}
	}
	return 0;
}

/* Whether the address may have soft counts within the window starting
   on first_day, from its soft-last marker. */
static int
state_soft_in_window(struct bounce_state *state, const char *address,
		     unsigned long long first_day, bool *in_window_r,
		     const char **error_r)
{
	const char *value;
	unsigned long long last;

	if (state_lookup_key(state, pool_datastack_create(),
			     state_key(address, "soft-last"), &value,
			     error_r) < 0)
		return -1;
	/* Two deliveries around midnight can leave the marker a day behind
	   the newest count (the later day's marker set first, the earlier
	   day's over it): a day's slack keeps that count until it leaves
	   the window. A marker that is no number hides nothing. */
	*in_window_r = value != NULL &&
		(str_to_ullong(value, &last) < 0 || last + 1 >= first_day);
	return 0;
}

int bounce_state_lookup(struct bounce_state *state, const char *address,
			time_t now, pool_t pool,
			struct bounce_state_address *result_r,
			const char **error_r)
{
	const char *value;
	unsigned long long day, today = now / DAY_SECS, first_day;
	unsigned int n;
	bool in_window;
	int ret = 0;

	i_zero(result_r);
	result_r->address = p_strdup(pool, t_str_lcase(address));
	/* The window holds today and the days before it */
	first_day = today < state->window_days ? 0 :
		today - state->window_days + 1;
	if (state_soft_in_window(state, address, first_day, &in_window,
				 error_r) < 0)
		return -1;
	if (state_lookup_returned(state, address, pool, result_r,
				  error_r) < 0)
		return -1;
	if (!in_window)
		return 0;
	/* Every day of the window, not only up to the marker's: it may be
	   a day behind the newest count (see above). */
	for (day = first_day; day <= today && ret == 0; day++) T_BEGIN {
		ret = state_lookup_key(state, pool_datastack_create(),
			state_key(address, t_strdup_printf("soft/%llu", day)),
			&value, error_r);
		if (ret == 0 && value != NULL && str_to_uint(value, &n) == 0)
			result_r->softcount += n;
	} T_END_PASS_STR_IF(ret < 0, error_r);
	return ret;
}

/* Why this bounce returns the address at once, or NULL */
static const char *
state_immediate_reason(const struct bounce_recipient *rcpt)
{
	const char *category = rcpt->category == NULL ? "other" :
		rcpt->category;

	switch (rcpt->type) {
	case BOUNCE_TYPE_COMPLAINT:
		return t_strdup_printf("complaint (%s)", category);
	case BOUNCE_TYPE_HARD:
		if (strcmp(category, "unsubscribe") == 0)
			return "unsubscribe request";
		return t_strdup_printf("hard bounce (%s)", category);
	default:
		return NULL;
	}
}

static const char *
state_soft_reason(struct bounce_state *state,
		  const struct bounce_state_address *addr)
{
	return t_strdup_printf("%u soft bounces within %u days",
			       addr->softcount, state->window_days);
}

int bounce_state_predict(struct bounce_state *state,
			 const struct bounce_recipient *rcpt, time_t now,
			 pool_t pool, struct bounce_state_address *result_r,
			 const char **error_r)
{
	const char *reason;

	if (bounce_state_lookup(state, rcpt->address, now, pool,
				result_r, error_r) < 0)
		return -1;
	if (rcpt->type == BOUNCE_TYPE_SOFT)
		result_r->softcount++;
	if (result_r->returned)
		return 0;
	reason = state_immediate_reason(rcpt);
	if (reason == NULL && rcpt->type == BOUNCE_TYPE_SOFT &&
	    result_r->softcount >= state->soft_limit)
		reason = state_soft_reason(state, result_r);
	if (reason != NULL) {
		result_r->returned = TRUE;
		result_r->returned_time = now;
		result_r->returned_reason = p_strdup(pool, reason);
	}
	return 0;
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

/* Commits and waits. The synchronous dict_transaction_commit() crashes
   the Redis driver of Dovecot 2.3.19; an asynchronous commit followed by
   dict_wait() works with every driver. Returns 1 when committed, 0 when
   an atomic_inc found no key, -1 with error_r. */
static int
state_commit_ret(struct bounce_state *state,
		 struct dict_transaction_context **trans, const char *what,
		 const char **error_r)
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

static int
state_commit(struct bounce_state *state,
	     struct dict_transaction_context **trans, const char *what,
	     const char **error_r)
{
	return state_commit_ret(state, trans, what, error_r) < 0 ? -1 : 0;
}

/* Add one to today's soft count. atomic_inc updates only an existing
   key in some drivers (the file dict): the first count of a day then
   creates the key. Two deliveries doing that at once would both write
   "1", so for a file dict they take turns under a lock file beside it
   and the second one finds the key. (Redis creates the key itself.) */
static int
state_count_soft(struct bounce_state *state, const char *address,
		 time_t now, const char **error_r)
{
	struct dict_transaction_context *trans;
	const char *key;
	int ret, fd = -1;

	key = state_key(address, t_strdup_printf("soft/%llu",
			(unsigned long long)(now / DAY_SECS)));
	trans = dict_transaction_begin(state->dict, &state->op_set);
	dict_atomic_inc(trans, key, 1);
	if ((ret = state_commit_ret(state, &trans, "soft count", error_r)) != 0)
		return ret < 0 ? -1 : 0;

	if (state->create_lock_path != NULL) {
		fd = open(state->create_lock_path, O_RDWR | O_CREAT, 0600);
		if (fd == -1 || flock(fd, LOCK_EX) < 0) {
			*error_r = t_strdup_printf("%s(%s) failed: %m",
				fd == -1 ? "open" : "flock",
				state->create_lock_path);
			i_close_fd(&fd);
			return -1;
		}
		/* someone may have created it meanwhile */
		trans = dict_transaction_begin(state->dict, &state->op_set);
		dict_atomic_inc(trans, key, 1);
		ret = state_commit_ret(state, &trans, "soft count", error_r);
	}
	if (ret == 0) {
		trans = dict_transaction_begin(state->dict, &state->op_set);
		dict_set(trans, key, "1");
		ret = state_commit(state, &trans, "first soft count", error_r);
	} else if (ret > 0) {
		ret = 0;
	}
	i_close_fd(&fd);
	return ret;
}

int bounce_state_record(struct bounce_state *state,
			const struct bounce_recipient *rcpt, time_t now,
			pool_t pool, struct bounce_state_address *result_r,
			const char **error_r)
{
	struct dict_transaction_context *trans;
	struct bounce_state_address before;
	const char *reason, *index_key, *indexed, *today, *soft_last = NULL;
	bool returned_here;

	if (rcpt->address[0] == '\0') {
		*error_r = "no address to record";
		return -1;
	}
	/* Only whether it is returned already: the first reason stays */
	i_zero(&before);
	if (state_lookup_returned(state, rcpt->address,
				  pool_datastack_create(), &before,
				  error_r) < 0)
		return -1;
	/* What is stored already is not stored again: an address that
	   bounces again finds its index key, its returned state and
	   today's marker there, and a bounce that changes none of them
	   (one of type other, a hard bounce of a returned address) writes
	   nothing, which for a file dict spares rewriting the file. */
	index_key = t_strconcat(STATE_INDEX_PREFIX, dict_escape_string(
		t_str_lcase(rcpt->address)), NULL);
	today = t_strdup_printf("%llu", (unsigned long long)(now / DAY_SECS));
	if (state_lookup_key(state, pool_datastack_create(), index_key,
			     &indexed, error_r) < 0)
		return -1;
	if (rcpt->type == BOUNCE_TYPE_SOFT &&
	    state_lookup_key(state, pool_datastack_create(),
			     state_key(rcpt->address, "soft-last"),
			     &soft_last, error_r) < 0)
		return -1;
	reason = before.returned ? NULL : state_immediate_reason(rcpt);

	if (indexed == NULL || reason != NULL ||
	    (rcpt->type == BOUNCE_TYPE_SOFT &&
	     null_strcmp(soft_last, today) != 0)) {
		trans = dict_transaction_begin(state->dict, &state->op_set);
		/* Index it for listing */
		dict_set(trans, index_key, "1");
		if (rcpt->type == BOUNCE_TYPE_SOFT) {
			/* Before the count, so that no reader finds a count
			   without its marker */
			dict_set(trans, state_key(rcpt->address, "soft-last"),
				 today);
		}
		if (reason != NULL) {
			dict_set(trans, state_key(rcpt->address, "returned"),
				 t_strdup_printf("%lld %s", (long long)now,
						 reason));
		}
		if (state_commit(state, &trans, "bounce", error_r) < 0)
			return -1;
	}
	returned_here = reason != NULL;
	if (rcpt->type == BOUNCE_TYPE_SOFT &&
	    state_count_soft(state, rcpt->address, now, error_r) < 0)
		return -1;

	/* The count now includes every concurrent delivery's bounce */
	if (bounce_state_lookup(state, rcpt->address, now, pool,
				result_r, error_r) < 0)
		return -1;
	if (!result_r->returned && rcpt->type == BOUNCE_TYPE_SOFT &&
	    result_r->softcount >= state->soft_limit) {
		reason = state_soft_reason(state, result_r);
		trans = dict_transaction_begin(state->dict, &state->op_set);
		dict_set(trans, state_key(rcpt->address, "returned"),
			 t_strdup_printf("%lld %s", (long long)now, reason));
		if (state_commit(state, &trans, "returned", error_r) < 0)
			return -1;
		result_r->returned = TRUE;
		result_r->returned_time = now;
		result_r->returned_reason = p_strdup(pool, reason);
		returned_here = TRUE;
	}
	result_r->returned_here = returned_here;
	return 0;
}

int bounce_state_unrecord(struct bounce_state *state,
			  const struct bounce_recipient *rcpt, time_t now,
			  const struct bounce_state_address *result,
			  const char **error_r)
{
	struct dict_transaction_context *trans;

	/* soft-last stays: a marker without counts costs only lookups */
	trans = dict_transaction_begin(state->dict, &state->op_set);
	if (rcpt->type == BOUNCE_TYPE_SOFT) {
		dict_atomic_inc(trans, state_key(rcpt->address,
			t_strdup_printf("soft/%llu",
				(unsigned long long)(now / DAY_SECS))), -1);
	}
	if (result->returned_here)
		dict_unset(trans, state_key(rcpt->address, "returned"));
	return state_commit(state, &trans, "undo", error_r);
}

int bounce_state_reset(struct bounce_state *state, const char *address,
		       time_t now, const char **error_r)
{
	struct dict_transaction_context *trans;
	unsigned long long today = now / DAY_SECS;
	unsigned int i;

	/* Soft counts older than the window no longer matter */
	trans = dict_transaction_begin(state->dict, &state->op_set);
	for (i = 0; i < state->window_days && i <= today; i++) {
		dict_unset(trans, state_key(address,
			t_strdup_printf("soft/%llu", today - i)));
	}
	dict_unset(trans, state_key(address, "soft-last"));
	dict_unset(trans, state_key(address, "returned"));
	return state_commit(state, &trans, "reset", error_r);
}

static int
bounce_state_list_one(struct bounce_state *state, const char *address,
		      time_t now, pool_t pool,
		      ARRAY_TYPE(bounce_state_address) *addresses_r,
		      const char **error_r)
{
	struct bounce_state_address *addr;

	addr = array_append_space(addresses_r);
	if (bounce_state_lookup(state, address, now, pool, addr,
				error_r) < 0)
		return -1;
	if (!addr->returned && addr->softcount == 0) {
		/* reset and not bounced since */
		array_pop_back(addresses_r);
	}
	return 0;
}

int bounce_state_list(struct bounce_state *state, time_t now, pool_t pool,
		      ARRAY_TYPE(bounce_state_address) *addresses_r,
		      const char **error_r)
{
	struct dict_iterate_context *iter;
	const char *key, *value, *error;
	int ret = 0;

	p_array_init(addresses_r, pool, 16);
	iter = dict_iterate_init(state->dict, &state->op_set,
				 STATE_INDEX_PREFIX, DICT_ITERATE_FLAG_RECURSE);
	while (ret == 0 && dict_iterate(iter, &key, &value)) {
		ret = bounce_state_list_one(state, dict_unescape_string(
				key + strlen(STATE_INDEX_PREFIX)),
				now, pool, addresses_r, error_r);
	}
	if (dict_iterate_deinit(&iter, &error) < 0 && ret == 0) {
		*error_r = t_strdup_printf("dict iteration failed: %s", error);
		ret = -1;
	}
	return ret;
}

int bounce_state_list_names(struct bounce_state *state,
			    const ARRAY_TYPE(const_string) *names, time_t now,
			    pool_t pool,
			    ARRAY_TYPE(bounce_state_address) *addresses_r,
			    const char **error_r)
{
	const char *const *name;

	p_array_init(addresses_r, pool, array_count(names) + 1);
	array_foreach(names, name) {
		if (bounce_state_list_one(state, *name, now, pool,
					  addresses_r, error_r) < 0)
			return -1;
	}
	return 0;
}

const char *bounce_state_index_key_prefix(void)
{
	return &STATE_INDEX_PREFIX[strlen(DICT_PATH_SHARED)];
}
