/* libFuzzer target over bounce_classify(). An input is one raw message,
   optionally preceded by its envelope recipient: when the input starts
   with "RCPT ", the rest of that first line is the envelope recipient and
   the message follows it; otherwise the whole input is the message and
   there is no envelope recipient. The shipped rules are loaded once. */

#include "lib.h"
#include "istream.h"
#include "bounce.h"

#include <stdint.h>

#define FUZZ_RCPT_PREFIX "RCPT "
/* Checked while the classifier runs: what it may allocate for one
   message, whatever the input (as in the unit tests' hostile inputs). */
#define FUZZ_MAX_POOL (8 * 1024 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bounce_classifier *fuzz_cls;

/* Frees everything at exit, so a leak checker sees only real leaks. */
static void fuzz_deinit(void)
{
	bounce_classifier_deinit(&fuzz_cls);
	lib_deinit();
}

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	struct bounce_settings set = { .rules_path = getenv("FUZZ_RULES") };
	const char *error;

	if (set.rules_path == NULL)
		set.rules_path = FUZZ_RULES_PATH;
	lib_init();
	if (bounce_classifier_init(&set, &fuzz_cls, &error) < 0)
		i_fatal("%s", error);
	if (atexit(fuzz_deinit) != 0)
		i_fatal("atexit() failed");
	return 0;
}

/* Splits the optional "RCPT address" line off data. */
static const char *
fuzz_split_envelope(const uint8_t **data, size_t *size)
{
	const size_t plen = strlen(FUZZ_RCPT_PREFIX);
	const uint8_t *nl;
	const char *rcpt;

	if (*size < plen || memcmp(*data, FUZZ_RCPT_PREFIX, plen) != 0)
		return NULL;
	nl = memchr(*data + plen, '\n', *size - plen);
	if (nl == NULL)
		nl = *data + *size;
	rcpt = t_strndup(*data + plen, nl - (*data + plen));
	if (nl < *data + *size)
		nl++;
	*size -= nl - *data;
	*data = nl;
	return rcpt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		pool_t pool = pool_alloconly_create("fuzz", 16 * 1024);
		const char *envelope_to = fuzz_split_envelope(&data, &size);
		struct istream *input = i_stream_create_from_data(data, size);
		struct bounce_report *report;
		const struct bounce_recipient *rcpt;

		report = bounce_classify(fuzz_cls, pool, input, envelope_to);
		/* what every caller relies on: a report, a format, and for
		   each recipient an address and a category */
		if (report == NULL || report->format == NULL)
			i_panic("bounce_classify() returned no report");
		array_foreach(&report->recipients, rcpt) {
			if (rcpt->address == NULL || rcpt->category == NULL ||
			    rcpt->type >= BOUNCE_TYPE_COUNT)
				i_panic("incomplete recipient in the report");
		}
		(void)bounce_report_primary(report);
		if (pool_alloconly_get_total_used_size(pool) > FUZZ_MAX_POOL)
			i_panic("one message took %zu bytes of pool",
				pool_alloconly_get_total_used_size(pool));
		i_stream_unref(&input);
		pool_unref(&pool);
	} T_END;
	return 0;
}
