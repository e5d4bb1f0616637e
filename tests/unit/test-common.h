#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <CUnit/Basic.h>
#include "bounce.h"

/* What every unit test program shares: libdovecot initialised, the
   shipped rules (test_rules_path) loaded once, a pool the reports are
   allocated from, and a scratch directory removed at exit; the samples
   of tests/samples are in test_samples_dir, the second corpus in
   test_corpus_dir, and the Sisimai corpus, when it is beside the source
   tree, in test_sisimai_dir. */
extern struct bounce_classifier *test_cls;
extern pool_t test_pool;
extern const char *test_dir;
extern const char *const test_rules_path;
extern const char *const test_samples_dir;
extern const char *const test_corpus_dir;
extern const char *const test_sisimai_dir;

/* Runs the suites added by add_suites and returns the exit status:
   0 when every assertion held. */
int test_main(void (*add_suites)(void));

/* Classify a message given as a string or as bytes (with the shipped
   rules), or a sample of tests/samples by its file name. */
struct bounce_report *test_classify(const char *msg, const char *envelope_to);
struct bounce_report *test_classify_data(const void *data, size_t size);
struct bounce_report *test_classify_sample(const char *name);
/* The same with another classifier. */
struct bounce_report *
test_classify_with(struct bounce_classifier *cls, pool_t pool,
		   const void *data, size_t size, const char *envelope_to);

/* Calls callback with the path of every .eml file in dir and in its
   folders, each in a data stack frame of its own, and returns how many
   there were (none in a dir that cannot be read). */
unsigned int test_foreach_message(const char *dir,
				  void (*callback)(const char *path,
						   void *context),
				  void *context);

/* Write text to test_dir/name and return the path. */
const char *test_write_file(const char *name, const char *text);
/* A classifier with other settings; the rules path is relative to
   test_dir unless absolute. Fails the test when it cannot load. */
struct bounce_classifier *
test_classifier_init(const struct bounce_settings *set);

/* The n'th recipient (from 0), or NULL. */
const struct bounce_recipient *
test_rcpt(const struct bounce_report *report, unsigned int n);

/* Whether the sample's recipient idx is the row the project promises
   for it (format as recognised; address, type, category); prints what
   differs. */
bool test_sample_is(const char *sample, const char *format, unsigned int idx,
		    const char *address, const char *type,
		    const char *category);

/* The start of a Postfix-like RFC 3464 report, up to the per-recipient
   blocks of its message/delivery-status part (boundary "b1"). */
#define TEST_DSN_HEAD \
	"From: MAILER-DAEMON@mx.example (Mail Delivery System)\n" \
	"To: sender@example.net\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\n" \
	"\tboundary=\"b1\"\n\n" \
	"--b1\nContent-Type: text/plain\n\nThe mail system\n\n" \
	"--b1\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; mx.example\n" \
	"Arrival-Date: Thu, 29 Apr 2021 23:45:41 +0900\n\n"

/* Asserts the n'th recipient's address, type and category, the row the
   project promises for it. */
#define TEST_ASSERT_RCPT(report, n, addr, type_, category_) \
	do { \
		const struct bounce_recipient *_rcpt = test_rcpt(report, n); \
		CU_ASSERT_PTR_NOT_NULL_FATAL(_rcpt); \
		CU_ASSERT_STRING_EQUAL(_rcpt->address, addr); \
		CU_ASSERT_STRING_EQUAL(bounce_type_to_str(_rcpt->type), \
				       type_); \
		CU_ASSERT_STRING_EQUAL(_rcpt->category, category_); \
	} while (0)

#endif
