#ifndef BOUNCE_STATE_PRIVATE_H
#define BOUNCE_STATE_PRIVATE_H

#include "hash.h"
#include "dict.h"
#include "bounce-state.h"

#define STATE_ROOT DICT_PATH_SHARED"bounce-state/"
#define STATE_DAY_SECS (24*3600)

enum state_read_mode {
	/* one iteration over the address's keys (SQL: one query per
	   table), every day at once */
	STATE_READ_ITERATE,
	/* a lookup per key, the days only when soft-last says there are
	   any in the window: for dicts that cannot iterate (Redis) or
	   iterate over everything they hold (file) */
	STATE_READ_LOOKUP,
};

struct bounce_state {
	struct dict *dict;
	struct event *event;
	/* file: dicts: the file, and the lock that serialises creating a
	   day's counter */
	char *file_path, *create_lock_path;
	struct dict_op_settings op_set;
	char *username, *home_dir;
	/* shared/bounce-state/USER/, NULL without a user */
	char *user_prefix;
	unsigned int soft_limit;
	unsigned int window_days;
	enum state_read_mode read_mode;
	/* an iteration worked: a later failure is an error, not a dict
	   that cannot iterate */
	bool iterated:1;
	bool size_checked:1;
	/* bounce-state-once.c: the lock in the home could not be made */
	bool seen_lock_warned:1;
};

struct state_day {
	unsigned long long day;
	unsigned int count;
};

/* What the dict holds for one address */
struct state_stored {
	const char *returned, *soft_last;
	/* soft counts of the window's days */
	ARRAY(struct state_day) days;
	/* iteration: every key's name (ADDR/ stripped), and those of
	   days before the window, which may go */
	ARRAY_TYPE(const_string) names, old_names;
};

/* The window of "now": its first day and today */
void state_window(const struct bounce_state *state, time_t now,
		  unsigned long long *first_day_r,
		  unsigned long long *today_r);
/* shared/bounce-state/USER/ADDR/, and one key of it (NAME: "returned",
   "soft/DAY", ...) */
const char *state_address_prefix(const struct bounce_state *state,
				 const char *address);
const char *state_key(const struct bounce_state *state, const char *address,
		      const char *name);
/* "WHAT/DAY" */
const char *state_day_name(const char *what, unsigned long long day);
/* Reads what the dict holds for the address. */
int state_read(struct bounce_state *state, const char *address,
	       time_t now, pool_t pool, struct state_stored *stored_r,
	       const char **error_r);
/* Adds one key of an address (NAME: "returned", "soft/DAY", ...) to
   stored. */
void state_stored_add(struct state_stored *stored, pool_t pool,
		      const char *name, const char *value,
		      unsigned long long first_day, unsigned long long today);
/* The address's state from what is stored */
void state_result(const struct state_stored *stored, const char *address,
		  pool_t pool, struct bounce_state_address *result_r);
/* Counting rcpt's bounce (a soft count, "returned") in two steps, so
   that everything is read before a transaction starts (a Redis
   transaction takes no lookups): the plan reads what the dict holds for
   the address; result_r is the address's state with this bounce
   counted, as far as nothing else is counted meanwhile, new_address_r
   whether the dict held nothing for it. count_set: a caller holding
   the lock that a file dict counts under (DICT.create-lock) sets the
   day's first count instead of incrementing it, since that dict
   increments only existing keys. Returns 1 when there is something to
   write, 0 when the bounce changes nothing stored, -1 with error_r.
   The plan lives in the data stack frame of the call. */
struct state_record_plan {
	const struct bounce_recipient *rcpt;
	time_t now;
	struct state_stored stored;
	/* why this bounce returns the address, NULL: it does not */
	const char *reason;
	bool set_count;
};
int state_record_plan(struct bounce_state *state,
		      const struct bounce_recipient *rcpt, time_t now,
		      bool count_set, pool_t pool,
		      struct state_record_plan *plan_r,
		      struct bounce_state_address *result_r,
		      bool *new_address_r, const char **error_r);
/* Then its changes, added to trans */
void state_record_apply(struct bounce_state *state,
			struct dict_transaction_context *trans,
			const struct state_record_plan *plan);
/* Commits and waits. Returns 1 when committed, 0 when an atomic_inc
   found no key, -1 with error_r. */
int state_commit_ret(struct bounce_state *state,
		     struct dict_transaction_context **trans,
		     const char *what, const char **error_r);
/* Calls the callback with the "USER/ADDR/NAME" of every key under
   shared/bounce-state/. Returns 0, or -1 with error_r. */
int state_iterate_all(struct bounce_state *state,
		      void (*callback)(const char *rest, void *context),
		      void *context, const char **error_r);
/* A state_iterate_all() callback collecting names once each, escaped:
   users (USER), or addresses (USER/ADDR) that are returned or have had
   soft bounces */
struct state_names_context {
	pool_t pool;
	HASH_TABLE(const char *, void *) seen;
	bool addresses;
};
void state_names_add(const char *rest, void *context);
/* A file dict that has just grown: warn once when it holds more than
   BOUNCE_STATE_FILE_WARN_ADDRESSES addresses. */
void state_file_size_check(struct bounce_state *state);

#endif
