/* Each notification counted once (bounce-state-once.c), in a file dict:
   a notification recorded again counts nothing and finds what it did;
   different notifications all count; an address named twice counts once;
   recipients without an address are remembered too; old notifications
   are forgotten after the window (a week at least) and a day, however
   many there were, and no value grows with their number; and
   deliveries at once (8 processes) count one notification once and
   different ones each. */

#include "lib.h"
#include "array.h"
#include "ioloop.h"
#include "dict.h"
#include "bounce-state.h"
#include "../test-common.h"

#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

#define DAY (24*3600)
#define T0 ((time_t)1700000000)
#define ID1 "00000000000000000000000000000001"
#define ID2 "00000000000000000000000000000002"

static struct bounce_state *
state_open_window(const char *name, unsigned int limit, unsigned int window)
{
	struct bounce_state_settings set;
	struct bounce_state *state;
	const char *error;

	i_zero(&set);
	set.dict_uri = t_strdup_printf("file:%s/%s", test_dir, name);
	set.username = "bounces";
	set.soft_limit = limit;
	set.soft_window = window;
	if (bounce_state_init(&set, &state, &error) < 0)
		i_fatal("bounce_state_init: %s", error);
	return state;
}

static struct bounce_state *state_open(const char *name, unsigned int limit)
{
	return state_open_window(name, limit, 30*DAY);
}

static struct bounce_recipient *
rcpt_new(const char *address, enum bounce_type type)
{
	struct bounce_recipient *rcpt = p_new(test_pool,
					       struct bounce_recipient, 1);

	rcpt->address = p_strdup(test_pool, address);
	rcpt->type = type;
	rcpt->category = type == BOUNCE_TYPE_HARD ? "bad-mailbox" :
		"quota-issues";
	return rcpt;
}

static struct bounce_state_notification
record_at(struct bounce_state *state, const char *id,
	  struct bounce_recipient *const *rcpts, unsigned int count,
	  time_t now, unsigned int usecs)
{
	struct bounce_state_notification result;
	struct timeval tv = { .tv_sec = now, .tv_usec = usecs };
	const char *error;

	if (bounce_state_record_notification(state, id,
			(const struct bounce_recipient *const *)rcpts, count,
			&tv, test_pool, &result, &error) < 0)
		i_fatal("bounce_state_record_notification: %s", error);
	return result;
}

static unsigned int softcount(struct bounce_state *state, const char *addr,
			      time_t now)
{
	struct bounce_state_address result;
	const char *error;

	if (bounce_state_lookup(state, addr, now, test_pool, &result,
				&error) < 0)
		i_fatal("bounce_state_lookup: %s", error);
	return result.softcount;
}

static int find(struct bounce_state *state, const char *id,
		struct bounce_recipient *const *rcpts, unsigned int count,
		time_t now, struct bounce_state_notification *result_r)
{
	const char *error;
	int ret;

	ret = bounce_state_notification_find(state, id,
		(const struct bounce_recipient *const *)rcpts, count, now,
		test_pool, result_r, &error);
	if (ret < 0)
		i_fatal("bounce_state_notification_find: %s", error);
	return ret;
}

static void test_once_repeat(void)
{
	struct bounce_state *state = state_open("once.dict", 3);
	struct bounce_recipient *rcpts[1] = {
		rcpt_new("A@example.org", BOUNCE_TYPE_SOFT)
	};
	struct bounce_state_notification n, again;

	CU_ASSERT_EQUAL(find(state, ID1, rcpts, 1, T0, &n), 0);
	n = record_at(state, ID1, rcpts, 1, T0, 42);
	CU_ASSERT_FALSE(n.repeat);
	CU_ASSERT_EQUAL(n.time.tv_sec, T0);
	CU_ASSERT_EQUAL(n.time.tv_usec, 42);
	CU_ASSERT_STRING_EQUAL(n.states[0].address, "a@example.org");
	CU_ASSERT_EQUAL(n.states[0].softcount, 1);

	/* again, later: nothing counted, what it did and when */
	again = record_at(state, ID1, rcpts, 1, T0 + 3600, 7);
	CU_ASSERT(again.repeat);
	CU_ASSERT_EQUAL(again.time.tv_sec, T0);
	CU_ASSERT_EQUAL(again.time.tv_usec, 42);
	CU_ASSERT_EQUAL(again.states[0].softcount, 1);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&again.states[0]), "active");
	CU_ASSERT_EQUAL(softcount(state, "a@example.org", T0 + 3600), 1);
	CU_ASSERT_EQUAL(find(state, ID1, rcpts, 1, T0 + 3600, &again), 1);
	CU_ASSERT(again.repeat);

	/* a different notification counts */
	n = record_at(state, ID2, rcpts, 1, T0 + 3600, 0);
	CU_ASSERT_FALSE(n.repeat);
	CU_ASSERT_EQUAL(n.states[0].softcount, 2);
	bounce_state_deinit(&state);
}

static void test_once_returned(void)
{
	struct bounce_state *state = state_open("once-returned.dict", 2);
	struct bounce_recipient *rcpts[1] = {
		rcpt_new("b@example.org", BOUNCE_TYPE_SOFT)
	};
	struct bounce_state_notification n;

	(void)record_at(state, ID1, rcpts, 1, T0, 0);
	n = record_at(state, ID2, rcpts, 1, T0, 1);
	/* the limit reached by this one, in its own transaction */
	CU_ASSERT(n.states[0].returned);
	CU_ASSERT_STRING_EQUAL(n.states[0].returned_reason,
			       "2 soft bounces within 30 days");
	/* and found so again, with its reason */
	n = record_at(state, ID2, rcpts, 1, T0 + 10, 0);
	CU_ASSERT(n.repeat);
	CU_ASSERT(n.states[0].returned);
	CU_ASSERT_EQUAL(n.states[0].softcount, 2);
	CU_ASSERT_STRING_EQUAL(n.states[0].returned_reason,
			       "2 soft bounces within 30 days");
	bounce_state_deinit(&state);
}

static void test_once_recipients(void)
{
	struct bounce_state *state = state_open("once-rcpts.dict", 10);
	struct bounce_recipient *rcpts[4] = {
		rcpt_new("c@example.org", BOUNCE_TYPE_SOFT),
		rcpt_new("", BOUNCE_TYPE_OTHER),
		rcpt_new("C@EXAMPLE.ORG", BOUNCE_TYPE_SOFT),
		rcpt_new("d@example.org", BOUNCE_TYPE_HARD),
	};
	struct bounce_state_notification n;

	n = record_at(state, ID1, rcpts, 4, T0, 0);
	/* named twice, failed once */
	CU_ASSERT_EQUAL(softcount(state, "c@example.org", T0), 1);
	CU_ASSERT_EQUAL(n.states[0].softcount, 1);
	CU_ASSERT_EQUAL(n.states[2].softcount, 1);
	CU_ASSERT_PTR_NULL(n.states[1].address);
	CU_ASSERT(n.states[3].returned);

	n = record_at(state, ID1, rcpts, 4, T0, 0);
	CU_ASSERT(n.repeat);
	CU_ASSERT_EQUAL(n.count, 4);
	CU_ASSERT_PTR_NULL(n.states[1].address);
	CU_ASSERT_EQUAL(n.states[2].softcount, 1);
	CU_ASSERT_STRING_EQUAL(n.states[3].returned_reason,
			       "hard bounce (bad-mailbox)");
	CU_ASSERT_EQUAL(softcount(state, "c@example.org", T0), 1);

	/* only recipients without an address: remembered all the same */
	n = record_at(state, ID2, &rcpts[1], 1, T0, 0);
	CU_ASSERT_FALSE(n.repeat);
	n = record_at(state, ID2, &rcpts[1], 1, T0, 0);
	CU_ASSERT(n.repeat);
	bounce_state_deinit(&state);
}

static void test_once_forgotten(void)
{
	struct bounce_state *state = state_open("once-old.dict", 100);
	struct bounce_recipient *rcpts[1] = {
		rcpt_new("e@example.org", BOUNCE_TYPE_SOFT)
	};
	struct bounce_state_notification n;

	(void)record_at(state, ID1, rcpts, 1, T0, 0);
	/* kept for the window (30 days) and a day */
	(void)record_at(state, ID2, rcpts, 1, T0 + 30*DAY, 0);
	CU_ASSERT_EQUAL(find(state, ID1, rcpts, 1, T0 + 30*DAY, &n), 1);
	/* then gone: the next delivery removed it */
	(void)record_at(state, "00000000000000000000000000000003", rcpts, 1,
			T0 + 32*DAY, 0);
	CU_ASSERT_EQUAL(find(state, ID1, rcpts, 1, T0 + 32*DAY, &n), 0);
	CU_ASSERT_EQUAL(find(state, ID2, rcpts, 1, T0 + 32*DAY, &n), 1);
	bounce_state_deinit(&state);

	/* a window shorter than MTAs retry: a week all the same */
	state = state_open_window("once-short.dict", 100, DAY);
	(void)record_at(state, ID1, rcpts, 1, T0, 0);
	(void)record_at(state, ID2, rcpts, 1, T0 + 7*DAY, 0);
	CU_ASSERT_EQUAL(find(state, ID1, rcpts, 1, T0 + 7*DAY, &n), 1);
	bounce_state_deinit(&state);
}

/* The longest line of a file, or 0 */
static size_t longest_line(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, longest = 0;
	int c;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF) {
		if (c == '\n') {
			longest = I_MAX(longest, len);
			len = 0;
		} else {
			len++;
		}
	}
	fclose(f);
	return I_MAX(longest, len);
}

static const char *nth_id(unsigned int n)
{
	return t_strdup_printf("%032x", n + 1);
}

static void test_once_many(void)
{
	struct bounce_state *state = state_open("once-many.dict", 100000);
	struct bounce_recipient *rcpts[1] = {
		rcpt_new("g@example.org", BOUNCE_TYPE_SOFT)
	};
	struct bounce_recipient **many;
	struct bounce_state_notification n;
	unsigned int i, found = 0;

	/* 250 notifications in one hour: no value anywhere near the 64 kB
	   a dict server takes */
	for (i = 0; i < 250; i++) T_BEGIN {
		(void)record_at(state, nth_id(i), rcpts, 1, T0 + i, 0);
	} T_END;
	CU_ASSERT(longest_line(t_strdup_printf("%s/once-many.dict",
					       test_dir)) < 8*1024);
	for (i = 0; i < 250; i++) T_BEGIN {
		found += find(state, nth_id(i), rcpts, 1, T0 + 300, &n);
	} T_END;
	CU_ASSERT_EQUAL(found, 250);
	CU_ASSERT_EQUAL(softcount(state, "g@example.org", T0 + 300), 250);

	/* a month later, a delivery forgets all of them */
	(void)record_at(state, "ffffffffffffffffffffffffffffffff", rcpts, 1,
			T0 + 32*DAY, 0);
	found = 0;
	for (i = 0; i < 250; i++) T_BEGIN {
		found += find(state, nth_id(i), rcpts, 1, T0 + 32*DAY, &n);
	} T_END;
	CU_ASSERT_EQUAL(found, 0);

	/* a notification of 2000 recipients: what it did is kept for
	   those that fit, the others are found as they are; none is
	   counted again */
	many = t_new(struct bounce_recipient *, 2000);
	for (i = 0; i < 2000; i++) {
		many[i] = rcpt_new(t_strdup_printf("r%u@example.org", i),
				   BOUNCE_TYPE_SOFT);
	}
	n = record_at(state, ID1, many, 2000, T0 + 33*DAY, 0);
	CU_ASSERT_EQUAL(n.states[1999].softcount, 1);
	CU_ASSERT(longest_line(t_strdup_printf("%s/once-many.dict",
					       test_dir)) < 60*1024);
	n = record_at(state, ID1, many, 2000, T0 + 33*DAY + 60, 0);
	CU_ASSERT(n.repeat);
	CU_ASSERT_EQUAL(n.states[0].softcount, 1);
	CU_ASSERT_EQUAL(n.states[1999].softcount, 1);
	CU_ASSERT_EQUAL(softcount(state, "r1999@example.org",
				  T0 + 33*DAY + 60), 1);
	bounce_state_deinit(&state);
}

#define PARALLEL_PROCS 8
#define PARALLEL_EACH 40

/* PARALLEL_PROCS processes record PARALLEL_EACH notifications each, all
   at once: the same ones in the same order (same) or each its own.
   Returns how many processes failed. */
static unsigned int record_in_parallel(const char *dict_name, bool same)
{
	unsigned int i, j, failures = 0;
	pid_t pids[PARALLEL_PROCS];
	int status, fds[2];
	char c;

	if (pipe(fds) < 0)
		i_fatal("pipe() failed: %m");
	for (i = 0; i < PARALLEL_PROCS; i++) {
		if ((pids[i] = fork()) < 0)
			i_fatal("fork() failed: %m");
		if (pids[i] > 0)
			continue;
		/* a process of its own: its own dict, its own ioloop */
		struct ioloop *ioloop = io_loop_create();
		struct bounce_state *state = state_open(dict_name, 10000);
		struct bounce_recipient *rcpts[1] = {
			rcpt_new("f@example.org", BOUNCE_TYPE_SOFT)
		};

		i_close_fd(&fds[1]);
		if (read(fds[0], &c, 1) < 0)
			_exit(3);
		for (j = 0; j < PARALLEL_EACH; j++) T_BEGIN {
			(void)record_at(state, t_strdup_printf("%016x%016x",
					same ? 0 : i + 1, j), rcpts, 1, T0, 0);
		} T_END;
		bounce_state_deinit(&state);
		io_loop_destroy(&ioloop);
		_exit(0);
	}
	/* start them together */
	i_close_fd(&fds[0]);
	i_close_fd(&fds[1]);
	for (i = 0; i < PARALLEL_PROCS; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failures++;
	}
	return failures;
}

static void test_once_parallel(void)
{
	struct bounce_state *state;

	/* each notification delivered 8 times at once: counted once (and
	   the day's first count made once) */
	CU_ASSERT_EQUAL(record_in_parallel("once-same.dict", TRUE), 0);
	state = state_open("once-same.dict", 10000);
	CU_ASSERT_EQUAL(softcount(state, "f@example.org", T0),
			PARALLEL_EACH);
	bounce_state_deinit(&state);

	/* 8 deliveries of different notifications at once: each counted */
	CU_ASSERT_EQUAL(record_in_parallel("once-different.dict", FALSE), 0);
	state = state_open("once-different.dict", 10000);
	CU_ASSERT_EQUAL(softcount(state, "f@example.org", T0),
			PARALLEL_PROCS * PARALLEL_EACH);
	bounce_state_deinit(&state);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-state-once", NULL, NULL);

	/* dict commits wait on an ioloop, as in every real caller */
	(void)io_loop_create();
	dict_drivers_register_builtin();

	CU_add_test(suite, "recorded again: a repeat", test_once_repeat);
	CU_add_test(suite, "the limit, and the repeat of the bounce that "
		    "reached it", test_once_returned);
	CU_add_test(suite, "an address named twice, none at all",
		    test_once_recipients);
	CU_add_test(suite, "forgotten after the window (a week at least)",
		    test_once_forgotten);
	CU_add_test(suite, "many notifications, many recipients",
		    test_once_many);
	CU_add_test(suite, "8 deliveries at once", test_once_parallel);
}

int main(void)
{
	return test_main(add_suites);
}
