/* bounce-classify: classify message files, directories, Maildirs, mboxes
   or standard input, one line per failed recipient. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "istream.h"
#include "dovecot-compat.h"
#include "bounce.h"
#include "tool-input.h"
#include "tool-rules.h"

#include <stdio.h>
#include <getopt.h>
#include <unistd.h>

enum output_format {
	OUTPUT_TSV,
	OUTPUT_JSON,
};

struct classify_context {
	struct bounce_classifier *cls;
	enum output_format format;
	const char *envelope_to;
	string_t *out;
	/* a message's report, cleared after each: its blocks are kept
	   instead of allocated and zeroed anew for every message */
	pool_t pool;
};

static void usage(void) ATTR_NORETURN;
static void usage(void)
{
	fprintf(stderr,
"usage: bounce-classify [--format=tsv|json] [--envelope-to=ADDR]\n"
"                       [--rules=FILE] [--rules-cache=FILE]\n"
"                       [--type CATEGORY=TYPE]... PATH...\n"
"PATH is a message file, a directory of them, a Maildir, an mbox file,\n"
"or - for standard input.\n");
	exit(2);
}

static void tsv_field(string_t *out, const char *value)
{
	const char *p;

	if (value == NULL)
		value = "";
	for (p = value; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			str_append_c(out, ' ');
		else
			str_append_c(out, *p);
	}
}

static void print_tsv(struct classify_context *ctx, const char *name,
		      unsigned int idx, const struct bounce_recipient *rcpt)
{
	string_t *out = ctx->out;

	tsv_field(out, name);
	str_printfa(out, "\t%u\t", idx);
	if (rcpt == NULL) {
		str_append(out, "\tnone\t\t0\t\t\t\t\n");
		return;
	}
	tsv_field(out, rcpt->address);
	str_printfa(out, "\t%s\t%s\t%u\t", bounce_type_to_str(rcpt->type),
		    rcpt->category, rcpt->code);
	tsv_field(out, rcpt->status);
	str_append_c(out, '\t');
	tsv_field(out, rcpt->reply);
	str_append_c(out, '\t');
	tsv_field(out, rcpt->action);
	str_append_c(out, '\t');
	tsv_field(out, rcpt->diagnostic);
	str_append_c(out, '\n');
}

static void json_field(string_t *out, const char *key, const char *value)
{
	str_printfa(out, ",\"%s\":", key);
	if (value == NULL) {
		str_append(out, "null");
		return;
	}
	str_append_c(out, '"');
	json_append_escaped(out, value);
	str_append_c(out, '"');
}

static void print_json(struct classify_context *ctx, const char *name,
		       unsigned int idx, const struct bounce_report *report,
		       const struct bounce_recipient *rcpt)
{
	const struct bounce_header *hdr;
	string_t *out = ctx->out;
	bool first = TRUE;

	str_append(out, "{\"file\":\"");
	json_append_escaped(out, name);
	str_printfa(out, "\",\"index\":%u", idx);
	json_field(out, "recipient", rcpt == NULL ? "" : rcpt->address);
	json_field(out, "type", bounce_type_to_str(rcpt == NULL ?
		BOUNCE_TYPE_NONE : rcpt->type));
	json_field(out, "category", rcpt == NULL ? NULL : rcpt->category);
	str_printfa(out, ",\"code\":%u", rcpt == NULL ? 0 : rcpt->code);
	json_field(out, "status", rcpt == NULL ? NULL : rcpt->status);
	json_field(out, "reply", rcpt == NULL ? NULL : rcpt->reply);
	json_field(out, "action", rcpt == NULL ? NULL : rcpt->action);
	json_field(out, "diagnostic", rcpt == NULL ? NULL : rcpt->diagnostic);
	json_field(out, "remote_mta", rcpt == NULL ? NULL : rcpt->remote_mta);
	json_field(out, "rule", rcpt == NULL ? NULL : rcpt->rule);
	json_field(out, "format", report->format);
	json_field(out, "reporting_mta", report->reporting_mta);
	json_field(out, "arrival_date", report->arrival_date);
	json_field(out, "original_message_id", report->orig_message_id);
	json_field(out, "original_list_id", report->orig_list_id);
	str_append(out, ",\"original_headers\":{");
	array_foreach(&report->orig_headers, hdr) {
		if (!first)
			str_append_c(out, ',');
		first = FALSE;
		str_append_c(out, '"');
		json_append_escaped(out, hdr->name);
		str_append(out, "\":\"");
		json_append_escaped(out, hdr->value);
		str_append_c(out, '"');
	}
	str_printfa(out, "},\"truncated\":%s}\n",
		    report->truncated ? "true" : "false");
}

static void classify_one(const char *name, struct istream *input,
			 void *context)
{
	struct classify_context *ctx = context;
	const struct bounce_recipient *rcpt;
	struct bounce_report *report;
	unsigned int i = 0;

	report = bounce_classify(ctx->cls, ctx->pool, input, ctx->envelope_to);
	str_truncate(ctx->out, 0);
	if (array_count(&report->recipients) == 0) {
		if (ctx->format == OUTPUT_TSV)
			print_tsv(ctx, name, 0, NULL);
		else
			print_json(ctx, name, 0, report, NULL);
	}
	array_foreach(&report->recipients, rcpt) {
		i++;
		if (ctx->format == OUTPUT_TSV)
			print_tsv(ctx, name, i, rcpt);
		else
			print_json(ctx, name, i, report, rcpt);
	}
	fwrite(str_data(ctx->out), 1, str_len(ctx->out), stdout);
	p_clear(ctx->pool);
}

static int parse_type_override(struct bounce_classifier *cls, const char *arg)
{
	const char *eq = strchr(arg, '='), *error;
	enum bounce_type type;

	if (eq == NULL || !bounce_type_from_str(eq + 1, &type)) {
		i_error("--type %s: expected CATEGORY=hard|soft|other|complaint|none",
			arg);
		return -1;
	}
	if (bounce_classifier_set_type(cls, t_strdup_until(arg, eq), type,
				       &error) < 0) {
		i_error("--type %s: %s", arg, error);
		return -1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "envelope-to", required_argument, NULL, 'e' },
		{ "rules", required_argument, NULL, 'r' },
		{ "rules-cache", required_argument, NULL, 'c' },
		{ "type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bounce_settings set;
	struct classify_context ctx;
	ARRAY_TYPE(const_string) overrides;
	const char *error, *const *override;
	int c, i, ret = 0;

	lib_init();
	i_zero(&set);
	i_zero(&ctx);
	i_array_init(&overrides, 4);
	while ((c = getopt_long(argc, argv, "f:e:r:c:t:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "tsv") == 0)
				ctx.format = OUTPUT_TSV;
			else if (strcmp(optarg, "json") == 0)
				ctx.format = OUTPUT_JSON;
			else
				usage();
			break;
		case 'e':
			ctx.envelope_to = optarg;
			break;
		case 'r':
			set.rules_path = optarg;
			break;
		case 'c':
			set.rules_cache_path = optarg;
			break;
		case 't':
			array_push_back(&overrides, (const char **)&optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (set.rules_path == NULL)
		set.rules_path = tool_rules_default_path(argv[0]);

	if (bounce_classifier_init(&set, &ctx.cls, &error) < 0) {
		i_error("%s", error);
		array_free(&overrides);
		lib_deinit();
		return 2;
	}
	array_foreach(&overrides, override) {
		if (parse_type_override(ctx.cls, *override) < 0)
			ret = 2;
	}
	array_free(&overrides);
	if (ret == 0) {
		ctx.out = str_new(default_pool, 4096);
		ctx.pool = pool_alloconly_create("bounce report", 8192);
		for (i = optind; i < argc; i++) {
			T_BEGIN {
				if (tool_input_walk(argv[i], classify_one,
						    &ctx) < 0)
					ret = 1;
			} T_END;
		}
		pool_unref(&ctx.pool);
		str_free(&ctx.out);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		i_error("write(stdout) failed: %m");
		ret = 1;
	}
	bounce_classifier_deinit(&ctx.cls);
	lib_deinit();
	return ret;
}
