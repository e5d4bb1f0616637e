#ifndef BOUNCE_STATE_H
#define BOUNCE_STATE_H

/* Per-address state kept in a Dovecot dict: soft bounces counted per day
   within a window, and whether (when, why) the address was returned. No
   Sieve in here.

   Every key carries the mailbox user whose deliveries keep it, so that
   one dict (a database, a Redis server) can hold many users' state
   without one user's bounces touching another's. Keys, under
   shared/bounce-state/USER/ADDR/ (USER as given, ADDR lowercased, both
   dict-escaped):
     returned      "UNIXTIME REASON", set once; cleared only by a reset
     soft-last     DAY of the latest soft bounce (days since the epoch,
                   UTC), set with or before its count; a store that
                   cannot iterate (file, Redis) reads the day keys only
                   when it is at most a day older than the window
     soft-time/DAY UNIXTIME of that day's latest soft bounce, set in the
                   same transaction before the count: in SQL it makes
                   the day's row, so that the count's increment finds it
     soft/DAY      soft bounces on that day, counted with
                   dict_atomic_inc so that concurrent deliveries never
                   lose a count (the file dict increments only existing
                   keys: its first count of a day is made under a lock
                   file beside it, DICT.create-lock)
   Nothing else lives under shared/bounce-state/: other per-user data
   takes its own prefix, shared/bounce-NAME/USER/: what notifications
   were counted is kept under shared/bounce-seen/USER/
   (bounce-state-once.c). The SQL dict maps
   (conf.d/2.3/dovecot-dict-bounce-*.conf.ext) give each key a table: a key
   without a map is an error there. */

#include "bounce.h"

struct event;

#define BOUNCE_STATE_DEFAULT_SOFT_LIMIT 3
#define BOUNCE_STATE_DEFAULT_SOFT_WINDOW (30*24*3600)
/* The default dict: a file of this name in the home directory */
#define BOUNCE_STATE_DEFAULT_DICT_FILE ".bounce-state.dict"
/* Most days looked up for a window */
#define BOUNCE_STATE_MAX_WINDOW_DAYS 366
/* A file dict holding more addresses than this logs a warning, once */
#define BOUNCE_STATE_FILE_WARN_ADDRESSES 5000

struct bounce_state_settings {
	const char *dict_uri;
	/* For relative paths and ~/ in dict URIs */
	const char *home_dir;
	/* The user whose state this is: part of every key. Only
	   bounce_state_users() may be called without one. */
	const char *username;
	const char *base_dir;
	/* Warnings (a file dict grown too big) are logged here */
	struct event *event_parent;
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
/* Counting each notification once: a notification (its identity: the
   classifier's bounce_notification_id()) is counted by the first
   delivery that records it, and what that did to each failed
   recipient's address is kept, in the same dict transaction as the
   counts, for the soft window (a week at least) and a day; later
   deliveries of it count nothing and find what the first did. */
struct bounce_state_notification {
	/* an earlier delivery counted it */
	bool repeat;
	/* when it was counted */
	struct timeval time;
	/* per failed recipient as given: its address's state with this
	   notification counted; address NULL for a recipient without
	   one */
	struct bounce_state_address *states;
	unsigned int count;
};

/* What notification id did when it was counted: returns 1 with result_r
   (repeat set), 0 when it was not counted, -1 with error_r. */
int bounce_state_notification_find(struct bounce_state *state,
				   const char *id,
				   const struct bounce_recipient *const *rcpts,
				   unsigned int count, time_t now, pool_t pool,
				   struct bounce_state_notification *result_r,
				   const char **error_r);
/* Counts notification id: each failed recipient's address as
   bounce_state_record() does (an address named twice once), the
   addresses and the notification in one dict transaction. When it was
   counted before, stores nothing and result_r says what it did
   (repeat). Deliveries on one host take turns (a lock beside a file
   dict, in the home directory otherwise), so that two deliveries of
   one notification at once count it once. Returns 0, or -1 with
   error_r. */
int bounce_state_record_notification(struct bounce_state *state,
				     const char *id,
				     const struct bounce_recipient *const *rcpts,
				     unsigned int count,
				     const struct timeval *now, pool_t pool,
				     struct bounce_state_notification *result_r,
				     const char **error_r);
/* Forget everything about the address: active again, count 0. */
int bounce_state_reset(struct bounce_state *state, const char *address,
		       time_t now, const char **error_r);
/* The user's addresses that are returned or have soft bounces within
   the window, in no order. Needs a dict that can iterate (file, SQL);
   for others a caller that finds the keys itself (Redis: SCAN for
   bounce_state_key_prefix()) passes their addresses to
   bounce_state_list_names(). */
int bounce_state_list(struct bounce_state *state, time_t now, pool_t pool,
		      ARRAY_TYPE(bounce_state_address) *addresses_r,
		      const char **error_r);
/* The same for the addresses named. */
int bounce_state_list_names(struct bounce_state *state,
			    const ARRAY_TYPE(const_string) *names, time_t now,
			    pool_t pool,
			    ARRAY_TYPE(bounce_state_address) *addresses_r,
			    const char **error_r);
/* The users the dict holds state for (a dict that can iterate). */
int bounce_state_users(struct bounce_state *state, pool_t pool,
		       ARRAY_TYPE(const_string) *users_r,
		       const char **error_r);
/* The keys' prefix without the dict's "shared/": "bounce-state/", and
   with a user "bounce-state/USER/" (escaped). An address's keys follow
   it as ADDR/NAME. */
const char *bounce_state_key_prefix(const char *username);

#endif
