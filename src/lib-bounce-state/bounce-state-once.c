/* Counting each notification once (bounce-state.h).

   What a notification did to the addresses of its failed recipients is
   remembered under its identity, in the same dict transaction as the
   counts: a notification is either counted and remembered, or neither,
   wherever the delivery stops. A later delivery of it (an MTA's retry,
   a remote MTA sending it again) finds what it did and counts nothing.
   Checking and writing take turns under a lock on this host, so that
   two deliveries of one notification at once count it once too.

   Keys, under shared/bounce-seen/USER/ (USER dict-escaped), each
   KIND/NAME (the SQL dict maps give them one table):
     n/ID        what notification ID did: "1", the time it was counted,
                 then per failed recipient its address, state ("active",
                 "returned", "-" without an address), soft count and the
                 reason it was returned; tab-separated, each tab-escaped
     hour/H-C    IDs counted in hour H (hours since the epoch), in
                 chunks C of SEEN_CHUNK_IDS, so that no value grows with
                 the number of bounces (a dict server takes lines of
                 64 kB at most)
     list/hours  "H:N" for each hour that has N such chunks
   A notification is remembered for the soft window, at least
   SEEN_MIN_KEEP_DAYS (longer than MTAs retry), and a day; then later
   deliveries remove it with its hour's chunks: a delivery of it after
   that would count it in a window that no longer holds its first count.
   Lists that two hosts write at once may lose an ID: its key then
   stays, and nothing is counted twice. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strnum.h"
#include "strescape.h"
#include "file-lock.h"

#include <fcntl.h>
#include <unistd.h>

#include "bounce-state-private.h"

#define SEEN_ROOT DICT_PATH_SHARED"bounce-seen/"
#define SEEN_FORMAT "1"
#define SEEN_HOUR_SECS 3600
/* Kept at least this long: longer than MTAs retry (Postfix gives up
   after 5 days) */
#define SEEN_MIN_KEEP_DAYS 7
/* IDs in one chunk of an hour's list (some 3 kB) */
#define SEEN_CHUNK_IDS 100
/* Chunks one delivery removes at most */
#define SEEN_MAX_EXPIRE 24
/* What a notification did is kept for this many bytes of its
   recipients (a DSN may name hundreds): a later delivery finds the
   address state of the others as it is then (nothing counted again) */
#define SEEN_MAX_VALUE (48*1024)
/* The lock where the dict is not a file: in the home directory */
#define SEEN_LOCK_FILE ".bounce-state.lock"
#define SEEN_LOCK_TIMEOUT_SECS 60

static const char *seen_key(const struct bounce_state *state,
			    const char *name)
{
	i_assert(state->username != NULL);
	return t_strconcat(SEEN_ROOT, dict_escape_string(state->username),
			   "/", name, NULL);
}

static int
seen_lookup(struct bounce_state *state, pool_t pool, const char *name,
	    const char **value_r, const char **error_r)
{
	const char *key = seen_key(state, name), *error = NULL;
	int ret;

	ret = dict_lookup(state->dict, &state->op_set, pool, key, value_r,
			  &error);
	if (ret < 0) {
		*error_r = t_strdup_printf("dict lookup of %s failed: %s",
					   key, error);
		return -1;
	}
	if (ret == 0)
		*value_r = NULL;
	return 0;
}

/* The host-wide lock: beside a file dict (the one its first counts of a
   day are made under), in the home directory for other dicts. Without
   either, or in a home that cannot be written, nothing is locked.
   Returns 0 (fd_r -1 when not locked), or -1 with error_r. */
static int
seen_lock(struct bounce_state *state, int *fd_r, struct file_lock **lock_r,
	  const char **error_r)
{
	struct file_lock_settings lock_set = {
		.lock_method = FILE_LOCK_METHOD_FLOCK,
	};
	const char *path, *error;
	int ret;

	*fd_r = -1;
	*lock_r = NULL;
	if (state->create_lock_path != NULL)
		path = state->create_lock_path;
	else if (state->home_dir != NULL)
		path = t_strconcat(state->home_dir, "/"SEEN_LOCK_FILE, NULL);
	else
		return 0;
	*fd_r = open(path, O_RDWR | O_CREAT, 0600);
	if (*fd_r == -1 && state->create_lock_path == NULL &&
	    (errno == EACCES || errno == EPERM || errno == EROFS ||
	     errno == ENOENT)) {
		/* A home the user cannot write: counted without taking
		   turns, rather than not at all (two deliveries of one
		   notification at once may then both count it) */
		if (!state->seen_lock_warned) {
			e_warning(state->event, "open(%s) failed: %m: "
				  "deliveries do not take turns", path);
			state->seen_lock_warned = TRUE;
		}
		return 0;
	}
	if (*fd_r == -1) {
		*error_r = t_strdup_printf("open(%s) failed: %m", path);
		return -1;
	}
	ret = file_wait_lock(*fd_r, path, F_WRLCK, &lock_set,
			     SEEN_LOCK_TIMEOUT_SECS, lock_r, &error);
	if (ret <= 0) {
		*error_r = ret < 0 ? error : t_strdup_printf(
			"%s: still locked after %u seconds", path,
			SEEN_LOCK_TIMEOUT_SECS);
		i_close_fd(fd_r);
		return -1;
	}
	return 0;
}

static void seen_unlock(int *fd, struct file_lock **lock)
{
	file_lock_free(lock);
	i_close_fd(fd);
}

static const char *
seen_value(const struct timeval *time,
	   const struct bounce_state_address *states, unsigned int count)
{
	string_t *str = t_str_new(64 + count * 64);
	unsigned int i;

	str_printfa(str, SEEN_FORMAT"\t%lld.%06ld", (long long)time->tv_sec,
		    (long)time->tv_usec);
	for (i = 0; i < count && str_len(str) < SEEN_MAX_VALUE; i++) {
		str_append_c(str, '\t');
		if (states[i].address == NULL) {
			str_append(str, "\t-\t0\t");
			continue;
		}
		str_append_tabescaped(str, states[i].address);
		str_printfa(str, "\t%s\t%u\t", bounce_state_name(&states[i]),
			    states[i].softcount);
		if (states[i].returned_reason != NULL) {
			str_append_tabescaped(str,
					      states[i].returned_reason);
		}
	}
	return str_c(str);
}

/* The states the notification gave its recipients, matched by address
   (in case the rules classify it otherwise now). A recipient it did not
   have gets the address's state as it is. */
static int
seen_parse(struct bounce_state *state, const char *id, const char *value,
	   const struct bounce_recipient *const *rcpts, unsigned int count,
	   time_t now, pool_t pool, struct bounce_state_notification *result_r,
	   const char **error_r)
{
	const char *const *fields = t_strsplit_tabescaped(value);
	unsigned int i, j, nfields = str_array_length(fields);
	const char *usecs;
	unsigned int usec = 0;
	bool *used;
	long long t;

	usecs = nfields < 2 ? NULL : strchr(fields[1], '.');
	if (nfields < 2 || strcmp(fields[0], SEEN_FORMAT) != 0 ||
	    usecs == NULL ||
	    str_to_llong(t_strdup_until(fields[1], usecs), &t) < 0 ||
	    str_to_uint(usecs + 1, &usec) < 0 || usec >= 1000000 ||
	    (nfields - 2) % 4 != 0) {
		*error_r = t_strdup_printf("%s: invalid value '%s'",
					   seen_key(state, t_strconcat(
						"n/", id, NULL)), value);
		return -1;
	}
	result_r->repeat = TRUE;
	result_r->time.tv_sec = (time_t)t;
	result_r->time.tv_usec = usec;
	used = t_new(bool, nfields / 4 + 1);
	for (i = 0; i < count; i++) {
		struct bounce_state_address *st = &result_r->states[i];

		if (rcpts[i]->address[0] == '\0')
			continue;
		for (j = 2; j + 3 < nfields; j += 4) {
			if (!used[j / 4] &&
			    strcasecmp(fields[j], rcpts[i]->address) == 0)
				break;
		}
		if (j + 3 >= nfields) {
			if (bounce_state_lookup(state, rcpts[i]->address,
						now, pool, st, error_r) < 0)
				return -1;
			continue;
		}
		used[j / 4] = TRUE;
		st->address = p_strdup(pool, t_str_lcase(rcpts[i]->address));
		st->returned = strcmp(fields[j + 1], "returned") == 0;
		if (str_to_uint(fields[j + 2], &st->softcount) < 0)
			st->softcount = 0;
		if (st->returned) {
			st->returned_reason = p_strdup(pool, fields[j + 3]);
			st->returned_time = result_r->time.tv_sec;
		}
	}
	return 0;
}

static void
seen_result_init(struct bounce_state_notification *result_r,
		 unsigned int count, time_t now, pool_t pool)
{
	i_zero(result_r);
	result_r->time.tv_sec = now;
	result_r->count = count;
	result_r->states = p_new(pool, struct bounce_state_address,
				 count + 1);
}

int bounce_state_notification_find(struct bounce_state *state,
				   const char *id,
				   const struct bounce_recipient *const *rcpts,
				   unsigned int count, time_t now, pool_t pool,
				   struct bounce_state_notification *result_r,
				   const char **error_r)
{
	const char *value;

	seen_result_init(result_r, count, now, pool);
	if (seen_lookup(state, pool_datastack_create(),
			t_strconcat("n/", id, NULL), &value, error_r) < 0)
		return -1;
	if (value == NULL)
		return 0;
	if (seen_parse(state, id, value, rcpts, count, now, pool, result_r,
		       error_r) < 0)
		return -1;
	return 1;
}

struct seen_hour {
	uint64_t hour;
	unsigned int chunks;
};
ARRAY_DEFINE_TYPE(seen_hour, struct seen_hour);

static bool
seen_hours_parse(const char *value, ARRAY_TYPE(seen_hour) *hours)
{
	const char *const *words, *p;
	struct seen_hour h;
	unsigned long long hour;

	if (value == NULL)
		return TRUE;
	for (words = t_strsplit_spaces(value, " "); *words != NULL; words++) {
		p = strchr(*words, ':');
		if (p == NULL ||
		    str_to_ullong(t_strdup_until(*words, p), &hour) < 0 ||
		    str_to_uint(p + 1, &h.chunks) < 0)
			return FALSE;
		h.hour = hour;
		array_push_back(hours, &h);
	}
	return TRUE;
}

static const char *seen_chunk_name(uint64_t hour, unsigned int chunk)
{
	return t_strdup_printf("hour/%"PRIu64"-%u", hour, chunk);
}

/* What remembering a notification in its hour's list changes: the
   hour's last chunk or a new one, the list of hours, and the
   notifications of hours that left the keeping period, which go (their
   chunks from the last, SEEN_MAX_EXPIRE at most). */
struct seen_track {
	const char *chunk_key, *chunk;
	/* NULL: unchanged */
	const char *hours;
	ARRAY_TYPE(const_string) unset;
};

static int
seen_expire_chunk(struct bounce_state *state, uint64_t hour,
		  unsigned int chunk, struct seen_track *track,
		  const char **error_r)
{
	const char *name = seen_chunk_name(hour, chunk);
	const char *list, *key, *const *ids;

	if (seen_lookup(state, pool_datastack_create(), name, &list,
			error_r) < 0)
		return -1;
	if (list != NULL) {
		for (ids = t_strsplit_spaces(list, " "); *ids != NULL; ids++) {
			key = seen_key(state, t_strconcat("n/", *ids, NULL));
			array_push_back(&track->unset, &key);
		}
	}
	key = seen_key(state, name);
	array_push_back(&track->unset, &key);
	return 0;
}

static int
seen_track_plan(struct bounce_state *state, const char *id, time_t now,
		struct seen_track *track_r, const char **error_r)
{
	ARRAY_TYPE(seen_hour) hours;
	struct seen_hour *h;
	const char *value, *list;
	uint64_t cur = now / SEEN_HOUR_SECS;
	uint64_t keep = (uint64_t)24 *
		(I_MAX(state->window_days, SEEN_MIN_KEEP_DAYS) + 1);
	string_t *kept = t_str_new(256);
	unsigned int budget = SEEN_MAX_EXPIRE, cur_chunks = 0;

	i_zero(track_r);
	t_array_init(&track_r->unset, 8);
	t_array_init(&hours, 32);
	if (seen_lookup(state, pool_datastack_create(), "list/hours", &value,
			error_r) < 0)
		return -1;
	/* An invalid list is replaced: its notifications stay stored */
	if (!seen_hours_parse(value, &hours))
		array_clear(&hours);
	array_foreach_modifiable(&hours, h) {
		while (h->hour + keep < cur && h->chunks > 0 && budget > 0) {
			if (seen_expire_chunk(state, h->hour, --h->chunks,
					      track_r, error_r) < 0)
				return -1;
			budget--;
		}
		if (h->hour == cur) {
			cur_chunks = h->chunks;
			continue;
		}
		if (h->chunks > 0) {
			str_printfa(kept, "%s%"PRIu64":%u",
				    str_len(kept) > 0 ? " " : "", h->hour,
				    h->chunks);
		}
	}

	/* the hour's last chunk, or a new one when it is full */
	list = NULL;
	if (cur_chunks > 0 &&
	    seen_lookup(state, pool_datastack_create(),
			seen_chunk_name(cur, cur_chunks - 1), &list,
			error_r) < 0)
		return -1;
	if (list != NULL &&
	    str_array_length(t_strsplit_spaces(list, " ")) < SEEN_CHUNK_IDS) {
		track_r->chunk_key = seen_key(state,
			seen_chunk_name(cur, cur_chunks - 1));
		track_r->chunk = t_strconcat(list, " ", id, NULL);
	} else {
		track_r->chunk_key = seen_key(state,
			seen_chunk_name(cur, cur_chunks));
		track_r->chunk = id;
		cur_chunks++;
	}
	str_printfa(kept, "%s%"PRIu64":%u", str_len(kept) > 0 ? " " : "",
		    cur, cur_chunks);
	if (null_strcmp(value, str_c(kept)) != 0)
		track_r->hours = str_c(kept);
	return 0;
}

static void
seen_track_apply(struct bounce_state *state,
		 struct dict_transaction_context *trans,
		 const struct seen_track *track)
{
	const char *const *keyp;

	array_foreach(&track->unset, keyp)
		dict_unset(trans, *keyp);
	if (track->hours != NULL)
		dict_set(trans, seen_key(state, "list/hours"), track->hours);
	dict_set(trans, track->chunk_key, track->chunk);
}

/* The index of an earlier recipient with the same address, or i */
static unsigned int
seen_first_of_address(const struct bounce_recipient *const *rcpts,
		      unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++) {
		if (strcasecmp(rcpts[j]->address, rcpts[i]->address) == 0)
			return j;
	}
	return i;
}

static int
seen_record_locked(struct bounce_state *state, const char *id,
		   const struct bounce_recipient *const *rcpts,
		   unsigned int count, const struct timeval *now, pool_t pool,
		   struct bounce_state_notification *result_r,
		   bool *new_address_r, const char **error_r)
{
	struct dict_transaction_context *trans;
	struct state_record_plan *plans;
	struct seen_track track;
	unsigned int i, j;
	bool new_address;
	int ret;

	if ((ret = bounce_state_notification_find(state, id, rcpts, count,
						  now->tv_sec, pool, result_r,
						  error_r)) != 0)
		return ret < 0 ? -1 : 0;
	result_r->time = *now;

	/* Everything is read before the transaction starts: a Redis
	   transaction takes no lookups */
	plans = t_new(struct state_record_plan, count);
	for (i = 0; i < count; i++) {
		if (rcpts[i]->address[0] == '\0')
			continue;
		/* an address the notification names twice failed once */
		if ((j = seen_first_of_address(rcpts, i)) < i) {
			result_r->states[i] = result_r->states[j];
			continue;
		}
		ret = state_record_plan(state, rcpts[i], now->tv_sec, TRUE,
					pool, &plans[i], &result_r->states[i],
					&new_address, error_r);
		if (ret < 0)
			return -1;
		if (ret == 0)
			plans[i].rcpt = NULL;
		if (new_address)
			*new_address_r = TRUE;
	}
	if (seen_track_plan(state, id, now->tv_sec, &track, error_r) < 0)
		return -1;

	trans = dict_transaction_begin(state->dict, &state->op_set);
	for (i = 0; i < count; i++) {
		if (plans[i].rcpt != NULL)
			state_record_apply(state, trans, &plans[i]);
	}
	seen_track_apply(state, trans, &track);
	dict_set(trans, seen_key(state, t_strconcat("n/", id, NULL)),
		 seen_value(now, result_r->states, count));
	ret = state_commit_ret(state, &trans, "notification", error_r);
	if (ret == 0) {
		/* an increment found no count: only a reset at the same
		   moment removes one the lock showed there */
		e_warning(state->event, "notification %s: a soft count was "
			  "removed while it was counted", id);
	}
	return ret < 0 ? -1 : 0;
}

int bounce_state_record_notification(struct bounce_state *state,
				     const char *id,
				     const struct bounce_recipient *const *rcpts,
				     unsigned int count,
				     const struct timeval *now, pool_t pool,
				     struct bounce_state_notification *result_r,
				     const char **error_r)
{
	/* a copy: waiting for the dict runs the ioloop, which moves the
	   caller's ioloop_timeval */
	struct timeval time = *now;
	struct file_lock *lock;
	bool new_address = FALSE;
	int fd, ret;

	if (seen_lock(state, &fd, &lock, error_r) < 0)
		return -1;
	T_BEGIN {
		ret = seen_record_locked(state, id, rcpts, count, &time, pool,
					 result_r, &new_address, error_r);
	} T_END_PASS_STR_IF(ret < 0, error_r);
	seen_unlock(&fd, &lock);
	if (ret == 0 && new_address)
		state_file_size_check(state);
	return ret;
}
