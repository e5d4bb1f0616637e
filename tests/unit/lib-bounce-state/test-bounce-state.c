/* Per-address state in a file dict: the soft limit, the window's expiry,
   hard bounces, complaints and unsubscribe requests returning at once,
   reset and listing, users kept apart, the key layout the SQL maps
   follow, and the warning of a file dict grown too big. */

#include "lib.h"
#include "array.h"
#include "ioloop.h"
#include "dict.h"
#include "bounce-state.h"
#include "../test-common.h"

#include <stdio.h>
#include <sys/stat.h>

#define DAY (24*3600)
/* A fixed "now", well past the epoch */
#define T0 ((time_t)1700000000)

static struct bounce_state *
state_open_user(const char *name, const char *user, unsigned int limit,
		unsigned int window)
{
	struct bounce_state_settings set;
	struct bounce_state *state;
	const char *error;

	i_zero(&set);
	set.dict_uri = t_strdup_printf("file:%s/%s", test_dir, name);
	set.username = user;
	set.soft_limit = limit;
	set.soft_window = window;
	if (bounce_state_init(&set, &state, &error) < 0)
		i_fatal("bounce_state_init: %s", error);
	return state;
}

static struct bounce_state *
state_open(const char *name, unsigned int limit, unsigned int window)
{
	return state_open_user(name, "bounces", limit, window);
}

static struct bounce_state_address
record(struct bounce_state *state, const char *addr, enum bounce_type type,
       const char *category, time_t now)
{
	struct bounce_recipient rcpt;
	struct bounce_state_address result;
	const char *error;

	i_zero(&rcpt);
	rcpt.address = addr;
	rcpt.type = type;
	rcpt.category = category;
	if (bounce_state_record(state, &rcpt, now, test_pool,
				&result, &error) < 0)
		i_fatal("bounce_state_record: %s", error);
	return result;
}

static struct bounce_state_address
lookup(struct bounce_state *state, const char *addr, time_t now)
{
	struct bounce_state_address result;
	const char *error;

	if (bounce_state_lookup(state, addr, now, test_pool,
				&result, &error) < 0)
		i_fatal("bounce_state_lookup: %s", error);
	return result;
}

static void test_soft_limit(void)
{
	struct bounce_state *state = state_open("limit.dict", 3, 30*DAY);
	struct bounce_state_address r;

	r = record(state, "A@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "active");
	CU_ASSERT_EQUAL(r.softcount, 1);
	r = record(state, "a@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0 + 3600);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "active");
	CU_ASSERT_EQUAL(r.softcount, 2);
	/* other bounces neither count nor return */
	r = record(state, "a@example.org", BOUNCE_TYPE_OTHER,
		   "message-too-large", T0 + 2*DAY);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "active");
	CU_ASSERT_EQUAL(r.softcount, 2);
	r = record(state, "a@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0 + 5*DAY);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "returned");
	CU_ASSERT_EQUAL(r.softcount, 3);
	CU_ASSERT_EQUAL(r.returned_time, T0 + 5*DAY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.returned_reason);
	CU_ASSERT(strstr(r.returned_reason, "3 soft bounces") != NULL);

	/* stored, and it stays returned */
	r = lookup(state, "a@example.org", T0 + 200*DAY);
	CU_ASSERT(r.returned);
	CU_ASSERT_EQUAL(r.returned_time, T0 + 5*DAY);
	CU_ASSERT_EQUAL(r.softcount, 0);
	/* another address is untouched */
	r = lookup(state, "b@example.org", T0 + 5*DAY);
	CU_ASSERT(!r.returned);
	CU_ASSERT_EQUAL(r.softcount, 0);
	bounce_state_deinit(&state);
}

static void test_window_expiry(void)
{
	struct bounce_state *state = state_open("window.dict", 3, 30*DAY);
	struct bounce_state_address r;

	record(state, "w@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	record(state, "w@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
	       T0 + 10*DAY);
	/* the first one is older than 30 days now */
	r = record(state, "w@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0 + 31*DAY);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "active");
	CU_ASSERT_EQUAL(r.softcount, 2);
	r = lookup(state, "w@example.org", T0 + 45*DAY);
	CU_ASSERT_EQUAL(r.softcount, 1);
	r = record(state, "w@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0 + 32*DAY);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "returned");
	CU_ASSERT_EQUAL(r.softcount, 3);
	bounce_state_deinit(&state);
}

static void test_earlier_days(void)
{
	struct bounce_state *state = state_open("days.dict", 3, 30*DAY);
	struct bounce_state_address r;

	/* counted by deliveries on earlier days within the window */
	record(state, "e@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
	       T0 - 20*DAY);
	r = lookup(state, "e@example.org", T0);
	CU_ASSERT_EQUAL(r.softcount, 1);
	record(state, "e@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
	       T0 - 3*DAY);
	r = lookup(state, "e@example.org", T0);
	CU_ASSERT(!r.returned);
	CU_ASSERT_EQUAL(r.softcount, 2);
	r = record(state, "e@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "returned");
	CU_ASSERT_EQUAL(r.softcount, 3);

	/* a delivery that took its time before the day changed records
	   after one of the next day: the later day's count still counts
	   until it leaves the window */
	record(state, "m@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
	       T0 + DAY);
	record(state, "m@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	CU_ASSERT_EQUAL(lookup(state, "m@example.org", T0 + DAY).softcount, 2);
	CU_ASSERT_EQUAL(lookup(state, "m@example.org", T0 + 30*DAY).softcount,
			1);
	CU_ASSERT_EQUAL(lookup(state, "m@example.org", T0 + 31*DAY).softcount,
			0);
	bounce_state_deinit(&state);
}

static void test_older_than_window(void)
{
	struct bounce_state *state = state_open("old.dict", 2, 30*DAY);
	struct bounce_state_address r;

	record(state, "o@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	/* the window is today and the 29 days before it */
	CU_ASSERT_EQUAL(lookup(state, "o@example.org", T0 + 29*DAY).softcount,
			1);
	r = lookup(state, "o@example.org", T0 + 30*DAY);
	CU_ASSERT(!r.returned);
	CU_ASSERT_EQUAL(r.softcount, 0);
	/* a bounce of another type leaves it out too */
	r = record(state, "o@example.org", BOUNCE_TYPE_OTHER,
		   "message-too-large", T0 + 40*DAY);
	CU_ASSERT_EQUAL(r.softcount, 0);
	/* a new soft bounce counts alone: limit 2 not reached */
	r = record(state, "o@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0 + 40*DAY);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "active");
	CU_ASSERT_EQUAL(r.softcount, 1);
	bounce_state_deinit(&state);
}

static void test_hard_after_soft(void)
{
	struct bounce_state *state = state_open("hardsoft.dict", 3, 30*DAY);
	struct bounce_state_address r;

	record(state, "s@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
	       T0 - 2*DAY);
	record(state, "s@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
	       T0 - DAY);
	r = record(state, "s@example.org", BOUNCE_TYPE_HARD, "bad-mailbox", T0);
	CU_ASSERT(r.returned && r.returned_here);
	CU_ASSERT_STRING_EQUAL(r.returned_reason, "hard bounce (bad-mailbox)");
	CU_ASSERT_EQUAL(r.softcount, 2);
	r = lookup(state, "s@example.org", T0 + DAY);
	CU_ASSERT(r.returned);
	CU_ASSERT_EQUAL(r.returned_time, T0);
	CU_ASSERT_EQUAL(r.softcount, 2);
	/* a later soft bounce adds to them; the reason stays */
	r = record(state, "s@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0 + DAY);
	CU_ASSERT(!r.returned_here);
	CU_ASSERT_EQUAL(r.softcount, 3);
	CU_ASSERT_STRING_EQUAL(r.returned_reason, "hard bounce (bad-mailbox)");
	bounce_state_deinit(&state);
}

static void test_immediate(void)
{
	struct bounce_state *state = state_open("hard.dict", 3, 30*DAY);
	struct bounce_state_address r;

	r = record(state, "h@example.org", BOUNCE_TYPE_HARD, "bad-mailbox", T0);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "returned");
	CU_ASSERT_EQUAL(r.softcount, 0);
	CU_ASSERT_STRING_EQUAL(r.returned_reason, "hard bounce (bad-mailbox)");
	r = record(state, "c@example.org", BOUNCE_TYPE_COMPLAINT,
		   "spam-related", T0);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "returned");
	CU_ASSERT(strncmp(r.returned_reason, "complaint", 9) == 0);
	r = record(state, "u@example.org", BOUNCE_TYPE_HARD, "unsubscribe", T0);
	CU_ASSERT_STRING_EQUAL(r.returned_reason, "unsubscribe request");
	/* the first reason stays */
	r = record(state, "h@example.org", BOUNCE_TYPE_COMPLAINT,
		   "spam-related", T0 + DAY);
	CU_ASSERT_STRING_EQUAL(r.returned_reason, "hard bounce (bad-mailbox)");
	CU_ASSERT_EQUAL(r.returned_time, T0);
	bounce_state_deinit(&state);
}

static void test_predict(void)
{
	struct bounce_state *state = state_open("predict.dict", 2, 30*DAY);
	struct bounce_state_address r;
	struct bounce_recipient rcpt;
	const char *error;

	i_zero(&rcpt);
	rcpt.address = "p@example.org";
	rcpt.type = BOUNCE_TYPE_SOFT;
	rcpt.category = "quota-issues";
	record(state, "p@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	CU_ASSERT(bounce_state_predict(state, &rcpt, T0, test_pool,
				       &r, &error) == 0);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "returned");
	CU_ASSERT_EQUAL(r.softcount, 2);
	/* predicting stores nothing */
	r = lookup(state, "p@example.org", T0);
	CU_ASSERT(!r.returned);
	CU_ASSERT_EQUAL(r.softcount, 1);
	bounce_state_deinit(&state);
}

static void test_unrecord(void)
{
	struct bounce_state *state = state_open("undo.dict", 2, 30*DAY);
	ARRAY_TYPE(bounce_state_address) list;
	struct bounce_state_address r, r2;
	struct bounce_recipient rcpt;
	const char *error;

	i_zero(&rcpt);
	rcpt.address = "z@example.org";
	rcpt.type = BOUNCE_TYPE_SOFT;
	rcpt.category = "quota-issues";
	record(state, "z@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	CU_ASSERT(bounce_state_record(state, &rcpt, T0, test_pool,
				      &r, &error) == 0);
	CU_ASSERT(r.returned && r.returned_here);
	/* the delivery failed after all: as if it never came */
	CU_ASSERT(bounce_state_unrecord(state, &rcpt, T0, &r, &error) == 0);
	r2 = lookup(state, "z@example.org", T0);
	CU_ASSERT(!r2.returned);
	CU_ASSERT_EQUAL(r2.softcount, 1);
	/* the retry counts it once */
	r = record(state, "z@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	CU_ASSERT(r.returned);
	CU_ASSERT_EQUAL(r.softcount, 2);
	/* taking back a bounce that did not return the address leaves the
	   returned state alone */
	rcpt.type = BOUNCE_TYPE_HARD;
	CU_ASSERT(bounce_state_record(state, &rcpt, T0, test_pool,
				      &r, &error) == 0);
	CU_ASSERT(!r.returned_here);
	CU_ASSERT(bounce_state_unrecord(state, &rcpt, T0, &r, &error) == 0);
	CU_ASSERT(lookup(state, "z@example.org", T0).returned);

	/* an address whose only soft bounce was taken back counts 0 and is
	   not listed */
	rcpt.address = "t@example.org";
	rcpt.type = BOUNCE_TYPE_SOFT;
	CU_ASSERT(bounce_state_record(state, &rcpt, T0, test_pool,
				      &r, &error) == 0);
	CU_ASSERT(bounce_state_unrecord(state, &rcpt, T0, &r, &error) == 0);
	r2 = lookup(state, "t@example.org", T0);
	CU_ASSERT(!r2.returned);
	CU_ASSERT_EQUAL(r2.softcount, 0);
	CU_ASSERT(bounce_state_list(state, T0, test_pool, &list, &error) == 0);
	CU_ASSERT_EQUAL(array_count(&list), 1);
	bounce_state_deinit(&state);
}

static void test_reset_list(void)
{
	struct bounce_state *state = state_open("reset.dict", 3, 30*DAY);
	ARRAY_TYPE(bounce_state_address) list;
	const struct bounce_state_address *a;
	struct bounce_state_address r;
	const char *error;
	bool found_x = FALSE, found_y = FALSE;

	record(state, "x@example.org", BOUNCE_TYPE_HARD, "bad-domain", T0);
	record(state, "y@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	CU_ASSERT(bounce_state_list(state, T0, test_pool, &list, &error) == 0);
	CU_ASSERT_EQUAL(array_count(&list), 2);
	array_foreach(&list, a) {
		if (strcmp(a->address, "x@example.org") == 0)
			found_x = a->returned;
		if (strcmp(a->address, "y@example.org") == 0)
			found_y = !a->returned && a->softcount == 1;
	}
	CU_ASSERT(found_x && found_y);

	CU_ASSERT(bounce_state_reset(state, "X@example.org", T0, &error) == 0);
	r = lookup(state, "x@example.org", T0);
	CU_ASSERT(!r.returned);
	CU_ASSERT(bounce_state_reset(state, "y@example.org", T0, &error) == 0);
	r = lookup(state, "y@example.org", T0);
	CU_ASSERT_EQUAL(r.softcount, 0);
	CU_ASSERT(bounce_state_list(state, T0, test_pool, &list, &error) == 0);
	CU_ASSERT_EQUAL(array_count(&list), 0);
	/* counting starts over */
	r = record(state, "y@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	CU_ASSERT_EQUAL(r.softcount, 1);

	/* soft bounces of earlier days are forgotten too */
	record(state, "v@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
	       T0 - 5*DAY);
	record(state, "v@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
	       T0 - DAY);
	CU_ASSERT(bounce_state_reset(state, "v@example.org", T0, &error) == 0);
	r = lookup(state, "v@example.org", T0);
	CU_ASSERT(!r.returned);
	CU_ASSERT_EQUAL(r.softcount, 0);
	r = record(state, "v@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0 + DAY);
	CU_ASSERT_STRING_EQUAL(bounce_state_name(&r), "active");
	CU_ASSERT_EQUAL(r.softcount, 1);
	CU_ASSERT_EQUAL(lookup(state, "v@example.org", T0 + 2*DAY).softcount, 1);
	bounce_state_deinit(&state);
}

/* A bounce that changes nothing stored (the address is known, already
   returned, or the bounce is of type other) leaves the dict as it is: a
   file dict is not rewritten. What it stores when something changes is
   stored as before. */
static void test_unchanged_not_written(void)
{
	struct bounce_state *state = state_open("unchanged.dict", 3, 30*DAY);
	const char *path = t_strconcat(test_dir, "/unchanged.dict", NULL);
	struct bounce_state_address r;
	struct stat st1, st2;

	r = record(state, "h@example.org", BOUNCE_TYPE_HARD, "bad-mailbox", T0);
	CU_ASSERT_TRUE(r.returned_here);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st1), 0);
	/* returned already: the first reason stays, nothing is written */
	r = record(state, "h@example.org", BOUNCE_TYPE_HARD, "bad-domain",
		   T0 + 60);
	CU_ASSERT_FALSE(r.returned_here);
	CU_ASSERT_STRING_EQUAL(r.returned_reason, "hard bounce (bad-mailbox)");
	r = record(state, "h@example.org", BOUNCE_TYPE_OTHER,
		   "message-too-large", T0 + 120);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st2), 0);
	CU_ASSERT_EQUAL(st1.st_ino, st2.st_ino);
	CU_ASSERT_EQUAL(st1.st_mtime, st2.st_mtime);
	CU_ASSERT_EQUAL(st1.st_size, st2.st_size);

	/* nor is a new address with a bounce of type other: it would
	   neither count nor be listed */
	r = record(state, "o@example.org", BOUNCE_TYPE_OTHER, "other", T0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st2), 0);
	CU_ASSERT_EQUAL(st1.st_ino, st2.st_ino);
	CU_ASSERT_EQUAL(st1.st_size, st2.st_size);

	/* soft bounces are always counted, the same day too */
	r = record(state, "s@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	CU_ASSERT_EQUAL(r.softcount, 1);
	r = record(state, "s@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0 + 60);
	CU_ASSERT_EQUAL(r.softcount, 2);
	r = lookup(state, "s@example.org", T0 + 120);
	CU_ASSERT_EQUAL(r.softcount, 2);
	bounce_state_deinit(&state);
}

/* One dict, two users: what one user's deliveries record (the same
   addresses, forged bounces in the other's script) changes nothing of
   the other's state, listing or reset. */
static void test_users_apart(void)
{
	struct bounce_state *alice = state_open_user("users.dict", "alice",
						     3, 30*DAY);
	struct bounce_state *mallory = state_open_user("users.dict", "mallory",
						       3, 30*DAY);
	ARRAY_TYPE(bounce_state_address) list;
	ARRAY_TYPE(const_string) users;
	const struct bounce_state_address *first;
	struct bounce_state_address r;
	const char *const *user, *error;

	record(alice, "a@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	record(mallory, "a@example.org", BOUNCE_TYPE_HARD, "bad-mailbox", T0);
	record(mallory, "b@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	record(mallory, "b@example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	r = record(mallory, "b@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
		   T0);
	CU_ASSERT(r.returned);
	/* each file dict handle reads the file once: a fresh one sees
	   what the other wrote */
	bounce_state_deinit(&alice);
	alice = state_open_user("users.dict", "alice", 3, 30*DAY);
	r = lookup(alice, "a@example.org", T0);
	CU_ASSERT(!r.returned);
	CU_ASSERT_EQUAL(r.softcount, 1);
	r = lookup(alice, "b@example.org", T0);
	CU_ASSERT(!r.returned);
	CU_ASSERT_EQUAL(r.softcount, 0);
	CU_ASSERT(bounce_state_list(alice, T0, test_pool, &list, &error) == 0);
	CU_ASSERT_EQUAL_FATAL(array_count(&list), 1);
	first = array_front(&list);
	CU_ASSERT_STRING_EQUAL(first->address, "a@example.org");
	CU_ASSERT_EQUAL(first->softcount, 1);

	CU_ASSERT(bounce_state_users(alice, test_pool, &users, &error) == 0);
	CU_ASSERT_EQUAL(array_count(&users), 2);

	/* a reset of one user's address leaves the other's alone */
	CU_ASSERT(bounce_state_reset(alice, "a@example.org", T0, &error) == 0);
	bounce_state_deinit(&mallory);
	mallory = state_open_user("users.dict", "mallory", 3, 30*DAY);
	CU_ASSERT(lookup(mallory, "a@example.org", T0).returned);
	CU_ASSERT(bounce_state_list(mallory, T0, test_pool, &list,
				    &error) == 0);
	CU_ASSERT_EQUAL(array_count(&list), 2);

	/* alice holds nothing any more */
	CU_ASSERT(bounce_state_users(mallory, test_pool, &users, &error) == 0);
	CU_ASSERT_EQUAL_FATAL(array_count(&users), 1);
	user = array_front(&users);
	CU_ASSERT_STRING_EQUAL(*user, "mallory");
	bounce_state_deinit(&alice);
	bounce_state_deinit(&mallory);
}

static bool file_has_line(const char *path, const char *line)
{
	char buf[512];
	FILE *f = fopen(path, "r");
	bool found = FALSE;

	if (f == NULL)
		return FALSE;
	while (!found && fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		found = strcmp(buf, line) == 0;
	}
	fclose(f);
	return found;
}

/* The keys as bounce-state.h gives them, which the shipped SQL maps
   map to tables: the user and the address escaped, lowercased address */
static void test_key_layout(void)
{
	struct bounce_state *state = state_open_user("layout.dict",
						     "list/one", 3, 30*DAY);
	const char *path = t_strconcat(test_dir, "/layout.dict", NULL);
	const char *prefix = "shared/bounce-state/list\\|one/k@example.org/";
	unsigned long long day = T0 / DAY;

	record(state, "K@Example.org", BOUNCE_TYPE_SOFT, "quota-issues", T0);
	record(state, "k@example.org", BOUNCE_TYPE_HARD, "bad-mailbox",
	       T0 + 60);
	bounce_state_deinit(&state);
	CU_ASSERT(file_has_line(path, t_strdup_printf("%ssoft/%llu",
						      prefix, day)));
	CU_ASSERT(file_has_line(path, t_strdup_printf("%ssoft-time/%llu",
						      prefix, day)));
	CU_ASSERT(file_has_line(path, t_strdup_printf("%lld",
						      (long long)T0)));
	CU_ASSERT(file_has_line(path, t_strconcat(prefix, "soft-last", NULL)));
	CU_ASSERT(file_has_line(path, t_strconcat(prefix, "returned", NULL)));
	CU_ASSERT(file_has_line(path, t_strdup_printf(
		"%lld hard bounce (bad-mailbox)", (long long)T0 + 60)));
	CU_ASSERT_STRING_EQUAL(bounce_state_key_prefix("list/one"),
			       "bounce-state/list\\|one/");
}

static unsigned int warnings_seen;
static failure_callback_t *orig_error_handler;

static void ATTR_FORMAT(2, 0)
count_warnings(const struct failure_context *ctx, const char *format,
	       va_list args)
{
	va_list args2;
	const char *msg;

	va_copy(args2, args);
	msg = t_strdup_vprintf(format, args2);
	va_end(args2);
	if (ctx->type == LOG_TYPE_WARNING &&
	    strstr(msg, "sieve_bounce_dict") != NULL) {
		warnings_seen++;
		return;
	}
	orig_error_handler(ctx, format, args);
}

/* A file dict of more than BOUNCE_STATE_FILE_WARN_ADDRESSES addresses
   logs a warning naming the setting to change, once; a smaller one
   does not. */
static void test_file_size_warning(void)
{
	const char *path = t_strconcat(test_dir, "/big.dict", NULL);
	failure_callback_t *fatal, *error, *info, *debug;
	struct bounce_state *state;
	unsigned int i;
	FILE *f;

	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (i = 0; i < BOUNCE_STATE_FILE_WARN_ADDRESSES - 1; i++) {
		fprintf(f, "shared/bounce-state/bounces/user%u@example.org/"
			"returned\n%lld hard bounce (bad-mailbox)\n", i,
			(long long)T0);
	}
	fclose(f);
	i_get_failure_handlers(&fatal, &error, &info, &debug);
	orig_error_handler = error;
	i_set_error_handler(count_warnings);

	/* up to the limit: no warning */
	state = state_open("big.dict", 3, 30*DAY);
	record(state, "new1@example.org", BOUNCE_TYPE_HARD, "bad-mailbox", T0);
	bounce_state_deinit(&state);
	CU_ASSERT_EQUAL(warnings_seen, 0);
	/* one more: the warning */
	state = state_open("big.dict", 3, 30*DAY);
	record(state, "new2@example.org", BOUNCE_TYPE_HARD, "bad-mailbox", T0);
	bounce_state_deinit(&state);
	CU_ASSERT_EQUAL(warnings_seen, 1);
	/* once */
	state = state_open("big.dict", 3, 30*DAY);
	record(state, "new3@example.org", BOUNCE_TYPE_SOFT, "quota-issues",
	       T0);
	bounce_state_deinit(&state);
	CU_ASSERT_EQUAL(warnings_seen, 1);
	i_set_error_handler(orig_error_handler);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-state", NULL, NULL);

	/* dict commits wait on an ioloop, as in every real caller */
	(void)io_loop_create();
	dict_drivers_register_builtin();
	CU_add_test(suite, "soft limit", test_soft_limit);
	CU_add_test(suite, "window expiry", test_window_expiry);
	CU_add_test(suite, "soft bounces of earlier days",
		    test_earlier_days);
	CU_add_test(suite, "soft bounces older than the window",
		    test_older_than_window);
	CU_add_test(suite, "hard bounce after soft bounces",
		    test_hard_after_soft);
	CU_add_test(suite, "hard, complaint, unsubscribe", test_immediate);
	CU_add_test(suite, "predict", test_predict);
	CU_add_test(suite, "taking a bounce back", test_unrecord);
	CU_add_test(suite, "reset and list", test_reset_list);
	CU_add_test(suite, "a bounce that changes nothing writes nothing",
		    test_unchanged_not_written);
	CU_add_test(suite, "users kept apart", test_users_apart);
	CU_add_test(suite, "key layout", test_key_layout);
	CU_add_test(suite, "a big file dict warns once",
		    test_file_size_warning);
}

int main(void)
{
	return test_main(add_suites);
}
