/* bounce-bench: how fast the classifier is. Loads the rules once, reads
   the messages into memory, then classifies them over and over in this
   one process (one thread, so one core), timing CPU time only: reading
   files and loading rules are not part of the figure. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "buffer.h"
#include "istream.h"
#include "bounce.h"
#include "../src/tools/tool-input.h"
#include "../src/tools/tool-rules.h"
#include "bench-sized.h"

#include <stdio.h>
#include <getopt.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define BENCH_DEFAULT_SECONDS 3.0
#define BENCH_SWEEP_DEFAULT_SECONDS 1.0
/* decimal units, as disk and network rates are quoted */
#define KB 1000.0
#define MB 1000000.0

struct bench_msg {
	const char *name;
	unsigned char *data;
	size_t size;
};
ARRAY_DEFINE_TYPE(bench_msg, struct bench_msg);

struct bench_input {
	pool_t pool;
	ARRAY_TYPE(bench_msg) msgs;
};

struct bench_options {
	unsigned int rounds;	/* 0: run for seconds */
	double seconds;
	bool markdown;
	const char *label;
};

struct bench_result {
	unsigned int rounds;
	uint64_t messages, bytes;
	double cpu, wall;
	/* per round: messages with a failed recipient, recipients */
	unsigned int failed, recipients;
	/* the largest report pool any one message needed */
	size_t pool_used, pool_alloc;
	const char *pool_msg;
	/* in 1024 bytes, as getrusage()'s ru_maxrss */
	long rss_before, rss_peak;
};

static void usage(void) ATTR_NORETURN;
static void usage(void)
{
	fprintf(stderr,
"usage: bounce-bench [--rounds N | --seconds S] [--rules FILE]\n"
"                    [--markdown] [--label NAME] [--size-sweep] PATH...\n"
"Reads every message of PATH (a file, directory, Maildir or mbox) into\n"
"memory, then classifies them all for N rounds or S seconds of CPU time\n"
"(default %.0f). --size-sweep grows the first message to 1 kB .. 10 MB\n"
"(padded text, then a base64 attachment) and measures each size\n"
"(default %.0f s each). kB and MB are 1000 and 1000000 bytes.\n",
		BENCH_DEFAULT_SECONDS, BENCH_SWEEP_DEFAULT_SECONDS);
	exit(2);
}

static double clock_seconds(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) < 0)
		i_fatal("clock_gettime() failed: %m");
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_peak_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		i_fatal("getrusage() failed: %m");
	return ru.ru_maxrss;
}

/* Start a new peak RSS measurement (Linux: clear_refs 5 resets the
   high-water mark getrusage() reports). FALSE when it cannot. */
static bool rss_peak_reset(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	bool ret;

	if (fd == -1)
		return FALSE;
	ret = write(fd, "5", 1) == 1;
	i_close_fd(&fd);
	return ret;
}

static void load_message(const char *name, struct istream *input,
			 void *context)
{
	struct bench_input *in = context;
	const unsigned char *data;
	struct bench_msg *msg;
	buffer_t *buf;
	size_t size;

	/* an mbox hands all its messages over in one data stack frame */
	T_BEGIN {
		buf = t_buffer_create(65536);
		while (i_stream_read_more(input, &data, &size) > 0) {
			buffer_append(buf, data, size);
			i_stream_skip(input, size);
		}
		/* on a read error the walker reports it */
		if (input->stream_errno == 0) {
			msg = array_append_space(&in->msgs);
			msg->name = p_strdup(in->pool, name);
			msg->size = buf->used;
			msg->data = p_malloc(in->pool, I_MAX(buf->used, 1));
			memcpy(msg->data, buf->data, buf->used);
		}
	} T_END;
}

static void
bench_round(struct bounce_classifier *cls, const ARRAY_TYPE(bench_msg) *msgs,
	    struct bench_result *res)
{
	const struct bench_msg *msg;
	struct bounce_report *report;
	struct istream *input;
	pool_t pool;
	size_t used;

	/* As bounce-classify does: one pool for the reports, cleared after
	   each message. */
	pool = pool_alloconly_create("bench report", 8192);
	res->failed = res->recipients = 0;
	array_foreach(msgs, msg) {
		input = i_stream_create_from_data(msg->data, msg->size);
		report = bounce_classify(cls, pool, input, NULL);
		if (bounce_report_primary(report) != NULL)
			res->failed++;
		res->recipients += array_count(&report->recipients);
		used = pool_alloconly_get_total_used_size(pool);
		if (used > res->pool_used) {
			res->pool_used = used;
			res->pool_alloc = pool_alloconly_get_total_alloc_size(pool);
			res->pool_msg = msg->name;
		}
		i_stream_unref(&input);
		p_clear(pool);
		res->bytes += msg->size;
	}
	pool_unref(&pool);
	res->messages += array_count(msgs);
	res->rounds++;
}

/* One untimed round (so lazy set-up and the data stack's growth are not
   counted), then whole rounds until the count or the time is reached. */
static void
bench_run(struct bounce_classifier *cls, const ARRAY_TYPE(bench_msg) *msgs,
	  const struct bench_options *opts, struct bench_result *res_r)
{
	double cpu_start, wall_start;

	i_zero(res_r);
	res_r->rss_before = rss_peak_kb();
	bench_round(cls, msgs, res_r);
	res_r->rounds = 0;
	res_r->messages = res_r->bytes = 0;

	cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	wall_start = clock_seconds(CLOCK_MONOTONIC);
	do {
		bench_round(cls, msgs, res_r);
		res_r->cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
	} while (opts->rounds > 0 ? res_r->rounds < opts->rounds :
		 res_r->cpu < opts->seconds);
	res_r->wall = clock_seconds(CLOCK_MONOTONIC) - wall_start;
	res_r->rss_peak = rss_peak_kb();
}

static double res_rate(const struct bench_result *res, double amount)
{
	return res->cpu > 0 ? amount / res->cpu : 0;
}

static void print_result(const struct bench_options *opts,
			 const struct bench_result *res, unsigned int count,
			 uoff_t round_bytes)
{
	if (opts->markdown) {
		printf("| input | messages | MB | msgs/s | MB/s | peak RSS |\n"
		       "|---|--:|--:|--:|--:|--:|\n"
		       "| %s | %u | %.2f | %.0f | %.1f | %.1f MB |\n",
		       opts->label, count, round_bytes / MB,
		       res_rate(res, res->messages),
		       res_rate(res, res->bytes) / MB,
		       res->rss_peak * 1024 / MB);
		return;
	}
	printf("input        %s: %u messages, %.2f MB\n",
	       opts->label, count, round_bytes / MB);
	printf("result       %u with a failed recipient, %u recipients "
	       "(each round)\n", res->failed, res->recipients);
	printf("classified   %"PRIu64" messages, %.1f MB in %u rounds\n",
	       res->messages, res->bytes / MB, res->rounds);
	printf("time         %.3f s CPU (%.3f s wall)\n", res->cpu, res->wall);
	printf("rate         %.0f msgs/s, %.2f MB/s, %.1f us/msg\n",
	       res_rate(res, res->messages), res_rate(res, res->bytes) / MB,
	       res->messages == 0 ? 0 : res->cpu * 1e6 / res->messages);
	printf("peak RSS     %.1f MB (%.1f MB before classifying: rules and "
	       "messages loaded)\n", res->rss_peak * 1024 / MB,
	       res->rss_before * 1024 / MB);
	printf("report pool  at most %.1f kB used, %.1f kB allocated (%s)\n",
	       res->pool_used / KB, res->pool_alloc / KB,
	       res->pool_msg == NULL ? "-" : res->pool_msg);
}

static const char *result_summary(struct bounce_classifier *cls,
				  const unsigned char *data, size_t size)
{
	const struct bounce_recipient *rcpt;
	struct bounce_report *report;
	struct istream *input;
	const char *ret;
	pool_t pool;

	pool = pool_alloconly_create("bench report", 8192);
	input = i_stream_create_from_data(data, size);
	report = bounce_classify(cls, pool, input, NULL);
	rcpt = bounce_report_primary(report);
	ret = rcpt == NULL ? "none" :
		t_strdup_printf("%s/%s%s", bounce_type_to_str(rcpt->type),
				rcpt->category,
				report->truncated ? " (truncated)" : "");
	i_stream_unref(&input);
	pool_unref(&pool);
	return ret;
}

/* One size of the sweep. Run in a child process, so its peak RSS is its
   own and not what an earlier, larger size left in the heap. */
static int
sweep_one(struct bounce_classifier *cls, const struct bench_msg *base,
	  enum bench_padding padding, size_t size,
	  const struct bench_options *opts)
{
	ARRAY_TYPE(bench_msg) one;
	struct bench_msg *msg;
	struct bench_result res;
	const char *error;
	buffer_t *buf;

	buf = bench_sized_message(base->data, base->size, padding, size,
				  &error);
	if (buf == NULL) {
		i_error("%s padding of %s: %s", bench_padding_name(padding),
			base->name, error);
		return -1;
	}
	i_array_init(&one, 1);
	msg = array_append_space(&one);
	msg->name = base->name;
	msg->data = buffer_get_modifiable_data(buf, NULL);
	msg->size = buf->used;
	/* the peak from here on: the message itself is in it */
	if (!rss_peak_reset())
		i_warning("peak RSS could not be reset: it includes set-up");
	bench_run(cls, &one, opts, &res);
	printf("| %s | %.0f kB | %.0f | %.1f | %.1f | %.2f | %.1f MB | %s |\n",
	       bench_padding_name(padding), msg->size / KB,
	       res_rate(&res, res.messages), res_rate(&res, res.bytes) / MB,
	       res.cpu * 1e6 / res.messages, res.cpu * 1e9 / res.bytes,
	       res.rss_peak * 1024 / MB,
	       result_summary(cls, msg->data, msg->size));
	array_free(&one);
	buffer_free(&buf);
	return 0;
}

/* Grow the first message to each size, with each kind of padding. Time
   per byte should stay flat: nothing may be worse than linear in size. */
static int size_sweep(struct bounce_classifier *cls,
		      const struct bench_msg *base,
		      const struct bench_options *opts)
{
	static const size_t sizes[] = {
		1000, 10000, 100000, 1000000, 10000000
	};
	enum bench_padding padding;
	unsigned int i;
	int status, ret = 0;
	pid_t pid;

	printf("Size sweep from %s (%zu bytes); %s per size.\n\n", base->name,
	       base->size, opts->rounds > 0 ?
	       t_strdup_printf("%u rounds", opts->rounds) :
	       t_strdup_printf("%.1f s", opts->seconds));
	printf("| padding | size | msgs/s | MB/s | us/msg | ns/byte | "
	       "peak RSS | result |\n"
	       "|---|--:|--:|--:|--:|--:|--:|---|\n");
	fflush(stdout);
	for (padding = BENCH_PADDING_TEXT;
	     padding <= BENCH_PADDING_ATTACHMENT && ret == 0; padding++) {
		for (i = 0; i < N_ELEMENTS(sizes) && ret == 0; i++) {
			if ((pid = fork()) < 0)
				i_fatal("fork() failed: %m");
			if (pid == 0) T_BEGIN {
				status = sweep_one(cls, base, padding,
						   sizes[i], opts);
				fflush(stdout);
				_exit(status < 0 ? 1 : 0);
			} T_END;
			if (waitpid(pid, &status, 0) < 0)
				i_fatal("waitpid() failed: %m");
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				ret = -1;
		}
	}
	printf("\nPeak RSS is each size's own process, the message in "
	       "memory included.\n");
	return ret;
}

static void
label_default(struct bench_options *opts, int argc, char *argv[])
{
	const char *p;

	if (opts->label != NULL)
		return;
	if (argc == 1) {
		p = strrchr(argv[0], '/');
		opts->label = p == NULL || p[1] == '\0' ? argv[0] : p + 1;
	} else {
		opts->label = t_strdup_printf("%d paths", argc);
	}
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "rounds", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rules", required_argument, NULL, 'r' },
		{ "markdown", no_argument, NULL, 'm' },
		{ "label", required_argument, NULL, 'l' },
		{ "size-sweep", no_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench_options opts;
	struct bounce_settings set;
	struct bounce_classifier *cls;
	struct bench_result res;
	struct bench_input in;
	const struct bench_msg *msg;
	const char *error;
	bool sweep = FALSE, have_seconds = FALSE;
	uoff_t round_bytes = 0;
	int c, i, ret = 0;

	lib_init();
	i_zero(&opts);
	i_zero(&set);
	while ((c = getopt_long(argc, argv, "n:s:r:ml:zh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			if (str_to_uint(optarg, &opts.rounds) < 0 ||
			    opts.rounds == 0)
				usage();
			break;
		case 's':
			opts.seconds = strtod(optarg, NULL);
			if (opts.seconds <= 0)
				usage();
			have_seconds = TRUE;
			break;
		case 'r':
			set.rules_path = optarg;
			break;
		case 'm':
			opts.markdown = TRUE;
			break;
		case 'l':
			opts.label = optarg;
			break;
		case 'z':
			sweep = TRUE;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || (opts.rounds > 0 && have_seconds))
		usage();
	if (!have_seconds) {
		opts.seconds = sweep ? BENCH_SWEEP_DEFAULT_SECONDS :
			BENCH_DEFAULT_SECONDS;
	}
	if (set.rules_path == NULL)
		set.rules_path = tool_rules_default_path(argv[0]);
	label_default(&opts, argc - optind, argv + optind);

	if (bounce_classifier_init(&set, &cls, &error) < 0) {
		i_error("%s", error);
		lib_deinit();
		return 2;
	}
	in.pool = pool_alloconly_create("bench messages", 1024 * 1024);
	i_array_init(&in.msgs, 1024);
	for (i = optind; i < argc; i++) {
		T_BEGIN {
			if (tool_input_walk(argv[i], load_message, &in) < 0)
				ret = 1;
		} T_END;
	}
	array_foreach(&in.msgs, msg)
		round_bytes += msg->size;

	if (array_count(&in.msgs) == 0) {
		i_error("no messages to classify");
		ret = 2;
	} else if (sweep) {
		if (size_sweep(cls, array_front(&in.msgs), &opts) < 0)
			ret = 1;
	} else {
		bench_run(cls, &in.msgs, &opts, &res);
		print_result(&opts, &res, array_count(&in.msgs), round_bytes);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		i_error("write(stdout) failed: %m");
		ret = 1;
	}
	array_free(&in.msgs);
	pool_unref(&in.pool);
	bounce_classifier_deinit(&cls);
	lib_deinit();
	return ret;
}
