/* Per-address state in a Dovecot dict (bounce-state.h): reading an
   address, counting a bounce, taking it back. */

#include "lib.h"
#include "array.h"
#include "dovecot-compat.h"
#include "str.h"
#include "strnum.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>

#include "bounce-state-private.h"

int bounce_state_init(const struct bounce_state_settings *set,
		      struct bounce_state **state_r, const char **error_r)
{
	struct bounce_state *state;
	struct dict *dict;
	const char *error;

	if (set->soft_limit == 0) {
		*error_r = "soft limit must be at least 1";
		return -1;
	}
	if (set->username != NULL && set->username[0] == '\0') {
		*error_r = "no user name to keep the state under";
		return -1;
	}
	if (dovecot_compat_dict_init(set->dict_uri, set->base_dir,
				     set->event_parent, &dict, &error) < 0) {
		*error_r = error;
		return -1;
	}
	state = i_new(struct bounce_state, 1);
	state->dict = dict;
	state->event = event_create(set->event_parent);
	event_set_append_log_prefix(state->event, "bounce state: ");
	/* Which drivers iterate cheaply is known only by name: the file
	   dict iterates over every key it holds, Redis not at all. Others
	   (SQL, through the proxy) read an address in one iteration; a
	   proxy whose dict cannot iterate falls back to lookups. */
	if (str_begins_with(set->dict_uri, "file:")) {
		/* the path ends where its parameters start, as the file
		   dict reads it (file:PATH:lock=fcntl) */
		const char *path = set->dict_uri + 5;
		const char *params = strchr(path, ':');

		state->file_path = params == NULL ? i_strdup(path) :
			i_strdup_until(path, params);
		state->create_lock_path = i_strconcat(state->file_path,
						      ".create-lock", NULL);
		state->read_mode = STATE_READ_LOOKUP;
	} else if (str_begins_with(set->dict_uri, "redis:")) {
		state->read_mode = STATE_READ_LOOKUP;
	} else {
		state->read_mode = STATE_READ_ITERATE;
	}
	state->username = i_strdup(set->username);
	if (set->username != NULL) {
		state->user_prefix = i_strconcat(STATE_ROOT,
			dict_escape_string(set->username), "/", NULL);
	}
	state->home_dir = i_strdup(set->home_dir);
	state->op_set.username = state->username;
	state->op_set.home_dir = state->home_dir;
	state->soft_limit = set->soft_limit;
	state->window_days = (set->soft_window + STATE_DAY_SECS - 1) /
		STATE_DAY_SECS;
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
	dovecot_compat_dict_deinit(&state->dict);
	event_unref(&state->event);
	i_free(state->file_path);
	i_free(state->create_lock_path);
	i_free(state->username);
	i_free(state->user_prefix);
	i_free(state->home_dir);
	i_free(state);
}

const char *bounce_state_name(const struct bounce_state_address *addr)
{
	return addr->returned ? "returned" : "active";
}

const char *bounce_state_key_prefix(const char *username)
{
	if (username == NULL)
		return &STATE_ROOT[strlen(DICT_PATH_SHARED)];
	return t_strconcat(&STATE_ROOT[strlen(DICT_PATH_SHARED)],
			   dict_escape_string(username), "/", NULL);
}

int bounce_state_lookup(struct bounce_state *state, const char *address,
			time_t now, pool_t pool,
			struct bounce_state_address *result_r,
			const char **error_r)
{
	struct state_stored stored;

	if (state_read(state, address, now, pool_datastack_create(),
		       &stored, error_r) < 0)
		return -1;
	state_result(&stored, address, pool, result_r);
	return 0;
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
state_soft_reason(struct bounce_state *state, unsigned int softcount)
{
	return t_strdup_printf("%u soft bounces within %u days",
			       softcount, state->window_days);
}

/* Why recording this bounce on top of before returns the address, or
   NULL */
static const char *
state_return_reason(struct bounce_state *state,
		    const struct bounce_recipient *rcpt,
		    const struct bounce_state_address *before)
{
	const char *reason;

	if (before->returned)
		return NULL;
	reason = state_immediate_reason(rcpt);
	if (reason == NULL && rcpt->type == BOUNCE_TYPE_SOFT &&
	    before->softcount + 1 >= state->soft_limit)
		reason = state_soft_reason(state, before->softcount + 1);
	return reason;
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
	reason = state_return_reason(state, rcpt, result_r);
	if (rcpt->type == BOUNCE_TYPE_SOFT)
		result_r->softcount++;
	if (reason != NULL) {
		result_r->returned = TRUE;
		result_r->returned_time = now;
		result_r->returned_reason = p_strdup(pool, reason);
	}
	return 0;
}

static int
state_commit(struct bounce_state *state,
	     struct dict_transaction_context **trans, const char *what,
	     const char **error_r)
{
	return state_commit_ret(state, trans, what, error_r) < 0 ? -1 : 0;
}

/* The day's count did not exist, so the increment found nothing: the
   file dict increments only existing keys. Two deliveries both creating
   it would both write "1", so for a file dict they take turns under a
   lock file beside it and the second one finds the key. (Redis creates
   the key itself; in SQL soft-time made the row before.) */
static int
state_count_first(struct bounce_state *state, const char *key,
		  const char **error_r)
{
	struct dict_transaction_context *trans;
	int ret = 0, fd = -1;

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

int state_record_plan(struct bounce_state *state,
		      const struct bounce_recipient *rcpt, time_t now,
		      bool count_set, pool_t pool,
		      struct state_record_plan *plan_r,
		      struct bounce_state_address *result_r,
		      bool *new_address_r, const char **error_r)
{
	const struct state_day *day;
	unsigned long long first_day, today;
	const char *reason;

	i_assert(rcpt->address[0] != '\0');
	i_zero(plan_r);
	plan_r->rcpt = rcpt;
	plan_r->now = now;
	state_window(state, now, &first_day, &today);
	if (state_read(state, rcpt->address, now, pool_datastack_create(),
		       &plan_r->stored, error_r) < 0)
		return -1;
	state_result(&plan_r->stored, rcpt->address, pool, result_r);
	*new_address_r = plan_r->stored.returned == NULL &&
		plan_r->stored.soft_last == NULL;
	/* Returned already, the first reason stays. A soft bounce that
	   reaches the limit on top of the counts read now returns the
	   address with its count. */
	reason = state_return_reason(state, rcpt, result_r);
	plan_r->reason = reason == NULL ? NULL : p_strdup(pool, reason);
	if (rcpt->type == BOUNCE_TYPE_SOFT)
		result_r->softcount++;
	if (reason != NULL) {
		result_r->returned = TRUE;
		result_r->returned_time = now;
		result_r->returned_reason = plan_r->reason;
		result_r->returned_here = TRUE;
	}
	/* A bounce that changes nothing (of type other, a hard bounce of a
	   returned address) writes nothing, which for a file dict spares
	   rewriting the file. */
	if (rcpt->type != BOUNCE_TYPE_SOFT && reason == NULL)
		return 0;
	if (count_set && state->file_path != NULL) {
		plan_r->set_count = TRUE;
		array_foreach(&plan_r->stored.days, day) {
			if (day->day == today)
				plan_r->set_count = FALSE;
		}
	}
	return 1;
}

void state_record_apply(struct bounce_state *state,
			struct dict_transaction_context *trans,
			const struct state_record_plan *plan)
{
	const char *address = plan->rcpt->address;
	const char *today_str, *count_key, *const *namep;
	unsigned long long first_day, today;

	state_window(state, plan->now, &first_day, &today);
	if (plan->rcpt->type == BOUNCE_TYPE_SOFT) {
		today_str = t_strdup_printf("%llu", today);
		/* The marker with or before the count, so that no reader
		   finds a count without it */
		if (null_strcmp(plan->stored.soft_last, today_str) != 0) {
			dict_set(trans, state_key(state, address,
						  "soft-last"), today_str);
		}
		dict_set(trans, state_key(state, address,
				state_day_name("soft-time", today)),
			 dec2str(plan->now));
		count_key = state_key(state, address,
				      state_day_name("soft", today));
		if (plan->set_count)
			dict_set(trans, count_key, "1");
		else
			dict_atomic_inc(trans, count_key, 1);
	}
	if (plan->reason != NULL) {
		dict_set(trans, state_key(state, address, "returned"),
			 t_strdup_printf("%lld %s", (long long)plan->now,
					 plan->reason));
	}
	/* Days that left the window, where an iteration saw them: the
	   table does not grow with an address's history */
	array_foreach(&plan->stored.old_names, namep)
		dict_unset(trans, state_key(state, address, *namep));
}

int bounce_state_record(struct bounce_state *state,
			const struct bounce_recipient *rcpt, time_t now,
			pool_t pool, struct bounce_state_address *result_r,
			const char **error_r)
{
	struct dict_transaction_context *trans;
	struct state_record_plan plan;
	struct bounce_state_address predicted;
	const char *reason, *count_key;
	unsigned long long first_day, today;
	bool new_address;
	int ret;

	if (rcpt->address[0] == '\0') {
		*error_r = "no address to record";
		return -1;
	}
	/* everything read before the transaction: a Redis transaction
	   takes no lookups */
	ret = state_record_plan(state, rcpt, now, FALSE, pool, &plan,
				&predicted, &new_address, error_r);
	if (ret <= 0) {
		if (ret == 0)
			*result_r = predicted;
		return ret;
	}
	reason = plan.reason;
	trans = dict_transaction_begin(state->dict, &state->op_set);
	state_record_apply(state, trans, &plan);
	state_window(state, now, &first_day, &today);
	count_key = state_key(state, rcpt->address,
			      state_day_name("soft", today));
	ret = state_commit_ret(state, &trans, "bounce", error_r);
	if (ret < 0)
		return -1;
	if (ret == 0 && state_count_first(state, count_key, error_r) < 0)
		return -1;
	if (new_address)
		state_file_size_check(state);

	if (rcpt->type != BOUNCE_TYPE_SOFT) {
		*result_r = predicted;
		return 0;
	}
	/* The count now includes every concurrent delivery's bounce;
	   concurrent deliveries may have added to it meanwhile */
	if (bounce_state_lookup(state, rcpt->address, now, pool,
				result_r, error_r) < 0)
		return -1;
	result_r->returned_here = reason != NULL;
	if (!result_r->returned &&
	    result_r->softcount >= state->soft_limit) {
		reason = state_soft_reason(state, result_r->softcount);
		trans = dict_transaction_begin(state->dict, &state->op_set);
		dict_set(trans, state_key(state, rcpt->address, "returned"),
			 t_strdup_printf("%lld %s", (long long)now, reason));
		if (state_commit(state, &trans, "returned", error_r) < 0)
			return -1;
		result_r->returned = TRUE;
		result_r->returned_time = now;
		result_r->returned_reason = p_strdup(pool, reason);
		result_r->returned_here = TRUE;
	}
	return 0;
}

int bounce_state_unrecord(struct bounce_state *state,
			  const struct bounce_recipient *rcpt, time_t now,
			  const struct bounce_state_address *result,
			  const char **error_r)
{
	struct dict_transaction_context *trans;

	/* soft-last and soft-time stay: they cost only a lookup */
	trans = dict_transaction_begin(state->dict, &state->op_set);
	if (rcpt->type == BOUNCE_TYPE_SOFT) {
		dict_atomic_inc(trans, state_key(state, rcpt->address,
			state_day_name("soft", now / STATE_DAY_SECS)), -1);
	}
	if (result->returned_here) {
		dict_unset(trans, state_key(state, rcpt->address,
					    "returned"));
	}
	return state_commit(state, &trans, "undo", error_r);
}
