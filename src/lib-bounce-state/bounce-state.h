#ifndef BOUNCE_STATE_H
#define BOUNCE_STATE_H

/* Per-address state kept in a Dovecot dict: soft bounces counted per day
   within a window, and whether (when, why) the address was returned. No
   Sieve in here.

   Keys, under shared/bounce/ADDR/ (ADDR lowercased, dict-escaped):
     soft/DAY   soft bounces on that day (days since the epoch, UTC),
                counted with dict_atomic_inc so concurrent deliveries
                never lose a count (the file dict increments only
                existing keys: the first count of a day is made under a
                lock file beside the dict, DICT.create-lock)
     soft-last  DAY of the latest soft bounce, set before its count;
                the day keys are looked up only when it is there and
                at most a day older than the window's first day
     returned   "UNIXTIME REASON", set once; cleared only by a reset
   shared/bounce-index/ADDR names the addresses for listing (drivers
   that iterate, e.g. file and SQL; Redis does not: a caller that can
   find the index keys itself passes their addresses to
   bounce_state_list_names()). */

#include "bounce.h"

#define BOUNCE_STATE_DEFAULT_SOFT_LIMIT 3
#define BOUNCE_STATE_DEFAULT_SOFT_WINDOW (30*24*3600)
/* The default dict: a file of this name in the home directory */
#define BOUNCE_STATE_DEFAULT_DICT_FILE ".bounce-state.dict"
/* Most days looked up for a window */
#define BOUNCE_STATE_MAX_WINDOW_DAYS 366

struct bounce_state_settings {
	const char *dict_uri;
	/* For relative paths and ~/ in dict URIs */
	const char *home_dir;
	const char *username;
	const char *base_dir;
	unsigned int soft_limit;
	/* seconds; rounded up to whole days */
	unsigned int soft_window;
};

struct bounce_state_address {
	const char *address;
	bool returned;
	time_t returned_time;
	const char *returned_reason;	/* NULL unless returned */
	/* soft bounces within the window */
	unsigned int softcount;
	/* bounce_state_record(): this bounce returned the address */
	bool returned_here;
};
ARRAY_DEFINE_TYPE(bounce_state_address, struct bounce_state_address);

struct bounce_state;

/* The caller registers the dict drivers it wants first, and runs an
   ioloop (commits wait on it). */
int bounce_state_init(const struct bounce_state_settings *set,
		      struct bounce_state **state_r, const char **error_r);
void bounce_state_deinit(struct bounce_state **state);

/* "active" or "returned" */
const char *bounce_state_name(const struct bounce_state_address *addr);

/* The address's state now. Returns 0, or -1 with error_r. */
int bounce_state_lookup(struct bounce_state *state, const char *address,
			time_t now, pool_t pool,
			struct bounce_state_address *result_r,
			const char **error_r);
/* The state the address would have once this bounce is counted, without
   storing anything (what the Sieve test sees). */
int bounce_state_predict(struct bounce_state *state,
			 const struct bounce_recipient *rcpt, time_t now,
			 pool_t pool, struct bounce_state_address *result_r,
			 const char **error_r);
/* Count the bounce: a soft bounce is added to today's count; a hard
   bounce, a complaint, an unsubscribe request or reaching the soft limit
   returns the address. result_r is the state afterwards (counting bounces
   other deliveries stored meanwhile). Returns 0, or -1 with error_r. */
int bounce_state_record(struct bounce_state *state,
			const struct bounce_recipient *rcpt, time_t now,
			pool_t pool, struct bounce_state_address *result_r,
			const char **error_r);
/* Take back what bounce_state_record() stored for rcpt (result is what
   it returned), when the delivery fails after all: the soft count goes
   down by one, and the returned state it set is cleared. */
int bounce_state_unrecord(struct bounce_state *state,
			  const struct bounce_recipient *rcpt, time_t now,
			  const struct bounce_state_address *result,
			  const char **error_r);
/* Forget everything about the address: active again, count 0. */
int bounce_state_reset(struct bounce_state *state, const char *address,
		       time_t now, const char **error_r);
/* All addresses ever recorded (and not reset), in no order. */
int bounce_state_list(struct bounce_state *state, time_t now, pool_t pool,
		      ARRAY_TYPE(bounce_state_address) *addresses_r,
		      const char **error_r);
/* The same for the addresses named by index keys found otherwise. */
int bounce_state_list_names(struct bounce_state *state,
			    const ARRAY_TYPE(const_string) *names, time_t now,
			    pool_t pool,
			    ARRAY_TYPE(bounce_state_address) *addresses_r,
			    const char **error_r);
/* The index keys' prefix, without the dict's "shared/". */
const char *bounce_state_index_key_prefix(void);

#endif
