/* feed-write: what a delivery does for the feed, without a delivery.
   Classifies each MESSAGE with the shipped rules (or --rules FILE, for a
   user who cannot read the source tree) and writes its failed
   recipients as one spool file, so the tests of bounce-feed read what
   the library really writes.

   feed-write --spool DIR [--time EPOCH] [--user USER] [--state STATE]
              [--softcount N] [--reason TEXT] [--rules FILE] MESSAGE... */

#include "lib.h"
#include "array.h"
#include "istream.h"
#include "bounce-feed.h"

#include <stdio.h>
#include <getopt.h>
#include <time.h>

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "time", required_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "state", required_argument, NULL, 'S' },
		{ "softcount", required_argument, NULL, 'n' },
		{ "reason", required_argument, NULL, 'r' },
		{ "rules", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	struct bounce_settings set = { .rules_path = TEST_RULES_PATH };
	struct bounce_feed_record proto, *rec;
	ARRAY(struct bounce_feed_record) records;
	const struct bounce_recipient *rcpt;
	struct bounce_classifier *cls;
	struct bounce_report *report;
	struct istream *input;
	const char *spool = NULL, *error;
	unsigned int softcount = 0, count;
	pool_t pool;
	int c, i, ret = 0;

	lib_init();
	i_zero(&proto);
	proto.time = time(NULL);
	proto.user = "user";
	proto.state = "active";
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			spool = optarg;
			break;
		case 't':
			proto.time = strtol(optarg, NULL, 10);
			break;
		case 'u':
			proto.user = optarg;
			break;
		case 'S':
			proto.state = optarg;
			break;
		case 'n':
			if (str_to_uint(optarg, &softcount) < 0)
				i_fatal("--softcount %s: not a number", optarg);
			proto.softcount = softcount;
			break;
		case 'r':
			proto.returned_reason = optarg;
			break;
		case 'R':
			set.rules_path = optarg;
			break;
		default:
			i_fatal("usage: feed-write --spool DIR [options] MESSAGE...");
		}
	}
	if (spool == NULL || optind >= argc)
		i_fatal("usage: feed-write --spool DIR [options] MESSAGE...");
	if (bounce_classifier_init(&set, &cls, &error) < 0)
		i_fatal("%s", error);

	for (i = optind; i < argc; i++) {
		pool = pool_alloconly_create("feed-write", 8192);
		input = i_stream_create_file(argv[i], IO_BLOCK_SIZE);
		report = bounce_classify(cls, pool, input, NULL);
		if (input->stream_errno != 0) {
			/* the classifier reads what it can; a test must
			   not pass on a message that was never read */
			i_fatal("%s: %s", argv[i], i_stream_get_error(input));
		}
		i_stream_unref(&input);
		p_array_init(&records, pool, 4);
		array_foreach(&report->recipients, rcpt) {
			rec = array_append_space(&records);
			*rec = proto;
			rec->report = report;
			rec->rcpt = rcpt;
		}
		count = array_count(&records);
		if (bounce_feed_spool_write(spool, array_get(&records, &count),
					    count, &error) < 0) {
			i_error("%s: %s", argv[i], error);
			ret = 1;
		}
		pool_unref(&pool);
	}
	bounce_classifier_deinit(&cls);
	lib_deinit();
	return ret;
}
