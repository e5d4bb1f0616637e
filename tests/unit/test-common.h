#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <CUnit/Basic.h>
#include "bounce.h"

/* The shipped rules, loaded once for the whole test program. */
extern struct bounce_classifier *test_cls;
extern pool_t test_pool;

/* Runs the suites added by add_suites and returns the exit status:
   0 when every assertion held. */
int test_main(void (*add_suites)(void));

/* Classify a message given as a string (with the shipped rules). */
struct bounce_report *test_classify(const char *msg, const char *envelope_to);
struct bounce_report *test_classify_data(const void *data, size_t size);
/* The n'th recipient (from 0), or NULL. */
const struct bounce_recipient *
test_rcpt(const struct bounce_report *report, unsigned int n);

#endif
