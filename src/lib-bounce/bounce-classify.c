/* The classifier's entry points: load the rules, then for each message
   parse it once, let the recognisers find the failed recipients and their
   evidence, and decide each recipient's category. */

#include "lib.h"

#include <ctype.h>
#include "array.h"
#include "str.h"
#include "istream.h"
#include "message-address.h"
#include "bounce-taxonomy.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-address.h"
#include "bounce-recognise.h"
#include "bounce-decide.h"
#include "bounce-private.h"
#include "bounce-screen.h"

int bounce_classifier_init(const struct bounce_settings *set,
			   struct bounce_classifier **cls_r,
			   const char **error_r)
{
	struct bounce_classifier *cls;
	struct bounce_rules *rules;
	unsigned int i, n = bounce_category_count();
	pool_t pool;

	if (set->rules_path == NULL || set->rules_path[0] == '\0') {
		*error_r = "no rules file given";
		return -1;
	}
	if (bounce_rules_load_cached(set->rules_path, set->rules_cache_path,
				     bounce_category_names(), &rules,
				     error_r) < 0)
		return -1;

	pool = pool_alloconly_create("bounce classifier", 1024);
	cls = p_new(pool, struct bounce_classifier, 1);
	cls->pool = pool;
	cls->rules = rules;
	cls->set = *set;
	cls->set.rules_path = p_strdup(pool, set->rules_path);
	cls->set.rules_cache_path = p_strdup(pool, set->rules_cache_path);
	if (cls->set.max_part_text == 0)
		cls->set.max_part_text = BOUNCE_DEFAULT_MAX_PART_TEXT;
	if (cls->set.max_total_text == 0)
		cls->set.max_total_text = BOUNCE_DEFAULT_MAX_TOTAL_TEXT;
	if (cls->set.max_message_size == 0)
		cls->set.max_message_size = BOUNCE_DEFAULT_MAX_MESSAGE_SIZE;
	cls->category_types = p_new(pool, enum bounce_type, n);
	for (i = 0; i < n; i++)
		cls->category_types[i] = bounce_category_get(i)->type;
	*cls_r = cls;
	return 0;
}

void bounce_classifier_deinit(struct bounce_classifier **_cls)
{
	struct bounce_classifier *cls = *_cls;

	if (cls == NULL)
		return;
	*_cls = NULL;
	bounce_screen_free(&cls->screen);
	bounce_rules_free(&cls->rules);
	pool_unref(&cls->pool);
}

int bounce_classifier_set_type(struct bounce_classifier *cls,
			       const char *category, enum bounce_type type,
			       const char **error_r)
{
	int idx = bounce_category_find(category);

	if (idx < 0) {
		*error_r = t_strdup_printf("unknown category '%s'", category);
		return -1;
	}
	i_assert(type < BOUNCE_TYPE_COUNT);
	cls->category_types[idx] = type;
	return 0;
}

void bounce_classifier_read_all(struct bounce_classifier *cls)
{
	cls->read_all = TRUE;
}

/* The notification's own text: its text parts, up to where a quoted
   original begins. */
static const char *
classify_notification_text(struct bounce_context *ctx, const char **rest_r)
{
	const struct bounce_part *part;
	string_t *text = str_new(ctx->pool, 1024);
	size_t end;

	array_foreach(&ctx->parsed->parts, part) {
		if (part->kind != BOUNCE_PART_TEXT)
			continue;
		if (str_len(text) > 0)
			str_append_c(text, '\n');
		str_append_str(text, part->text);
	}
	end = bounce_rules_original_offset(ctx->rules, str_c(text),
					   str_len(text));
	/* (copied: the truncation ends the string where the rest begins) */
	*rest_r = t_strdup(str_c(text) + end);
	str_truncate(text, end);
	return str_c(text);
}

/* A plain-text bounce quotes the original after its marker line: its
   header block, when there is one, identifies the original. */
static void
classify_inline_original(struct bounce_context *ctx, const char *rest)
{
	ARRAY_TYPE(bounce_header) *orig;
	const char *p;
	size_t pos;

	p = strchr(rest, '\n');
	if (p == NULL)
		return;
	p++;
	while (*p == '\n' || *p == '\r' || *p == ' ')
		p++;
	orig = (ARRAY_TYPE(bounce_header) *)&ctx->parsed->orig_headers;
	bounce_parse_fields(ctx->pool, (const unsigned char *)p, strlen(p),
			    orig, &pos);
}

static const char *msgid_normalize(pool_t pool, const char *value)
{
	const char *p = value, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return p_strndup(pool, p, end - p);
}

static void classify_original_ids(struct bounce_context *ctx)
{
	struct bounce_report *report = ctx->report;
	const struct bounce_header *hdr;

	array_foreach(&ctx->parsed->orig_headers, hdr) {
		if (strcasecmp(hdr->name, "Message-ID") == 0 &&
		    report->orig_message_id == NULL) {
			report->orig_message_id =
				msgid_normalize(ctx->pool, hdr->value);
		} else if (strcasecmp(hdr->name, "List-Id") == 0 &&
			   report->orig_list_id == NULL) {
			report->orig_list_id =
				msgid_normalize(ctx->pool, hdr->value);
		}
		if (bounce_rules_keep_header(ctx->rules, hdr->name))
			array_push_back(&report->orig_headers, hdr);
	}
}

/* X-Failed-Recipients names the addresses; the text says why. */
static bool classify_failed_recipients_header(struct bounce_context *ctx)
{
	const struct bounce_header *hdr;
	const struct message_address *addr;
	struct bounce_recipient *rcpt;
	const char *norm;
	bool found = FALSE;

	array_foreach(&ctx->parsed->headers, hdr) {
		if (strcasecmp(hdr->name, "X-Failed-Recipients") != 0)
			continue;
		addr = message_address_parse(pool_datastack_create(),
					     (const unsigned char *)hdr->value,
					     strlen(hdr->value), 256, 0);
		for (; addr != NULL; addr = addr->next) {
			norm = bounce_message_address(ctx->pool, addr);
			if (norm == NULL)
				continue;
			rcpt = bounce_context_add_recipient(ctx, norm);
			found = TRUE;
			(void)rcpt;
		}
	}
	if (found)
		ctx->report->format = "x-failed-recipients";
	return found;
}

/* A DSN recipient block whose address is no address (a pipe or a file
   Exim delivered to, sendmail's "@host") takes the address the
   X-Failed-Recipients header or the text names in its place, in order. */
static void classify_dsn_fill_addresses(struct bounce_context *ctx)
{
	struct bounce_report *report = ctx->report;
	const struct bounce_recipient *named;
	struct bounce_recipient *rcpt, *cand;
	const char *format = report->format;
	unsigned int i, count = array_count(&report->recipients), next;
	bool unnamed = FALSE;

	array_foreach(&report->recipients, named) {
		if (named->address[0] == '\0')
			unnamed = TRUE;
	}
	if (!unnamed)
		return;

	if (!classify_failed_recipients_header(ctx))
		(void)bounce_recognise_format(ctx);
	report->format = format;
	next = count;
	for (i = 0; i < count && next < array_count(&report->recipients); i++) {
		rcpt = array_idx_modifiable(&report->recipients, i);
		if (rcpt->address[0] != '\0')
			continue;
		cand = array_idx_modifiable(&report->recipients, next++);
		rcpt->address = cand->address;
		if (rcpt->diagnostic == NULL)
			rcpt->diagnostic = cand->diagnostic;
	}
	array_delete(&report->recipients, count,
		     array_count(&report->recipients) - count);
}

static bool classify_has_part(const struct bounce_parsed *parsed,
			      enum bounce_part_kind kind)
{
	const struct bounce_part *part;

	array_foreach(&parsed->parts, part) {
		if (part->kind == kind)
			return TRUE;
	}
	return FALSE;
}

static bool header_is_report(const char *content_type)
{
	return content_type != NULL &&
		strstr(t_str_lcase(content_type), "multipart/report") != NULL;
}

/* A notification that is a bounce (a DSN, or a format's match lines held
   in a mail system's notice) but names no address of its own - Postfix's
   "Delivery report unavailable", Sendmail 5's "host (smtp)... Deferred",
   Exim's "Mail failure - rejected by local scanning code" - returned the
   message it could not deliver: its addressee is the recipient
   (bounce-address.h). When it names none either, the bounce is about an
   address nobody can tell (code 30). */
static bool classify_original_recipient(struct bounce_context *ctx)
{
	const char *addr;

	if (!classify_has_part(ctx->parsed, BOUNCE_PART_DELIVERY_STATUS) &&
	    !(ctx->format_matched && bounce_address_from_mail_system(ctx)))
		return FALSE;
	/* a text cut short may have named the address further on */
	if (ctx->parsed->truncated)
		return FALSE;
	addr = bounce_address_from_original(ctx);
	if (addr != NULL) {
		(void)bounce_context_add_recipient(ctx, addr);
		ctx->report->format = "original-recipient";
		return TRUE;
	}
	/* a mail system's notice, not a person's reply */
	if (!bounce_address_author_is_mail_system(ctx))
		return FALSE;
	(void)bounce_context_add_recipient(ctx, "");
	ctx->report->format = "notice";
	return TRUE;
}

static void classify_recognise(struct bounce_context *ctx)
{
	struct bounce_report *report = ctx->report;
	struct bounce_recipient *rcpt;
	const char *verp = NULL;

	if (bounce_recognise_arf(ctx))
		;
	else if (bounce_recognise_dsn(ctx)) {
		classify_dsn_fill_addresses(ctx);
		bounce_format_replace_internal(ctx);
	}
	else if (!bounce_recognise_format(ctx) &&
	    !classify_failed_recipients_header(ctx) &&
	    !classify_original_recipient(ctx) &&
	    !bounce_recognise_autoreply(ctx))
		return;

	if (ctx->envelope_to != NULL) {
		verp = bounce_rules_verp_decode(ctx->rules, ctx->pool,
						ctx->envelope_to);
		if (verp != NULL)
			verp = bounce_address_normalize(ctx->pool, verp);
	}
	array_foreach_modifiable(&report->recipients, rcpt) {
		if (rcpt->address[0] == '\0' && verp != NULL)
			rcpt->address = verp;
		bounce_decide(ctx, rcpt);
		/* Nobody can act on a failure without an address: it is
		   code 30 whatever its cause, and of type other, so that it
		   is not filed with the failures of known addresses. */
		if (rcpt->address[0] == '\0' &&
		    (rcpt->type == BOUNCE_TYPE_HARD ||
		     rcpt->type == BOUNCE_TYPE_SOFT ||
		     rcpt->type == BOUNCE_TYPE_OTHER)) {
			rcpt->type = BOUNCE_TYPE_OTHER;
			rcpt->code = 30;
		}
	}
}

/* What identifies a returned original is read from any message; failed
   recipients are looked for only in a notification (bounce-screen.c). */
static void classify_parsed(struct bounce_context *ctx, bool notification)
{
	const char *rest;

	ctx->text = classify_notification_text(ctx, &rest);
	if (array_count(&ctx->parsed->orig_headers) == 0 && *rest != '\0')
		classify_inline_original(ctx, rest);
	classify_original_ids(ctx);
	if (notification)
		classify_recognise(ctx);
}

static bool classify_has_report(const struct bounce_parsed *parsed)
{
	return classify_has_part(parsed, BOUNCE_PART_DELIVERY_STATUS) ||
		classify_has_part(parsed, BOUNCE_PART_FEEDBACK_REPORT);
}

/* Where an inline copy of a whole delivery report begins in the text:
   the header block that holds its multipart/report Content-Type. */
static const char *classify_inline_report(const char *text)
{
	const char *line, *start, *prev, *p;

	for (line = text; *line != '\0'; ) {
		if (strncasecmp(line, "Content-Type:", 13) == 0) {
			p = line + 13;
			while (*p == ' ' || *p == '\t')
				p++;
			if (strncasecmp(p, "multipart/report", 16) == 0)
				break;
		}
		p = strchr(line, '\n');
		if (p == NULL)
			return NULL;
		line = p + 1;
	}
	if (*line == '\0')
		return NULL;
	/* back over the header lines (and their continuations) above it */
	for (start = line; start > text; start = prev) {
		prev = start - 1;
		while (prev > text && prev[-1] != '\n')
			prev--;
		if (*prev == ' ' || *prev == '\t')
			continue;
		for (p = prev; i_isalnum(*p) || *p == '-'; p++) ;
		if (p == prev || *p != ':')
			break;
	}
	return start;
}

/* A notification with no report of its own that carries a whole delivery
   report - a bounce a relay wrapped or a person forwarded, attached or
   inline - is classified by that report. */
static bool classify_embedded_report(struct bounce_classifier *cls,
				     struct bounce_context *ctx,
				     struct istream *input)
{
	const struct bounce_parsed *parsed = ctx->parsed;
	const struct bounce_part *part;
	struct bounce_report *report = ctx->report;
	struct bounce_parsed inner;
	struct bounce_context inner_ctx;
	struct istream *sub = NULL;
	string_t *text;
	const char *start;

	if (classify_has_report(parsed))
		return FALSE;
	if (parsed->original_size > 0 &&
	    header_is_report(bounce_headers_find(&parsed->orig_headers,
						 "Content-Type"))) {
		sub = i_stream_create_range(input, parsed->original_offset,
					    parsed->original_size);
	} else {
		text = t_str_new(1024);
		array_foreach(&parsed->parts, part) {
			if (part->kind == BOUNCE_PART_TEXT)
				str_append_str(text, part->text);
		}
		start = classify_inline_report(str_c(text));
		if (start == NULL)
			return FALSE;
		sub = i_stream_create_from_data(start, strlen(start));
	}
	bounce_parse_message(&cls->set, ctx->pool, sub, &inner);
	i_stream_unref(&sub);
	if (!classify_has_report(&inner))
		return FALSE;

	inner_ctx = *ctx;
	inner_ctx.parsed = &inner;
	inner_ctx.text_lower = NULL;
	inner_ctx.format_matched = FALSE;
	inner_ctx.own_addresses_set = FALSE;
	classify_parsed(&inner_ctx, TRUE);
	if (array_count(&report->recipients) > 0) {
		report->truncated = inner.truncated;
		return TRUE;
	}
	/* nothing there after all: the notification's own text decides */
	report->format = "none";
	report->orig_message_id = NULL;
	report->orig_list_id = NULL;
	array_clear(&report->orig_headers);
	return FALSE;
}

/* A message that is no bounce itself but carries one whole - a bounce a
   mailing list relayed to its owner, or a person forwarded as an
   attachment: the returned message is a mail system's notice - is
   classified by that notice. */
static void classify_forwarded_bounce(struct bounce_classifier *cls,
				      struct bounce_context *ctx,
				      struct istream *input)
{
	const struct bounce_parsed *parsed = ctx->parsed;
	struct bounce_report *report = ctx->report;
	struct bounce_parsed inner;
	struct bounce_context inner_ctx;
	struct istream *sub;
	const char *from;

	if (parsed->original_size == 0)
		return;
	from = bounce_headers_find(&parsed->orig_headers, "From");
	if (from == NULL)
		return;
	from = t_str_lcase(from);
	if (strstr(from, "mailer-daemon@") == NULL &&
	    strstr(from, "postmaster@") == NULL &&
	    strstr(from, "mail delivery s") == NULL)
		return;

	sub = i_stream_create_range(input, parsed->original_offset,
				    parsed->original_size);
	bounce_parse_message(&cls->set, ctx->pool, sub, &inner);
	i_stream_unref(&sub);

	report->format = "none";
	report->orig_message_id = NULL;
	report->orig_list_id = NULL;
	array_clear(&report->orig_headers);
	inner_ctx = *ctx;
	inner_ctx.parsed = &inner;
	inner_ctx.text_lower = NULL;
	inner_ctx.format_matched = FALSE;
	inner_ctx.own_addresses_set = FALSE;
	classify_parsed(&inner_ctx, TRUE);
	if (array_count(&report->recipients) > 0) {
		report->truncated = inner.truncated;
		return;
	}
	/* nothing there either */
	report->format = "none";
	report->orig_message_id = NULL;
	report->orig_list_id = NULL;
	array_clear(&report->orig_headers);
}

/* screened: the caller's screen said the message may be a notification,
   so that the classifier's own (built from the rules, and compared with
   the file kept beside their cache) is not needed */
static struct bounce_report *
classify_message(struct bounce_classifier *cls, pool_t pool,
		 struct istream *input, const char *envelope_from,
		 const char *envelope_to, bool screened)
{
	struct bounce_report *report;
	struct bounce_parsed parsed;
	struct bounce_context ctx;
	bool notification;

	report = p_new(pool, struct bounce_report, 1);
	p_array_init(&report->recipients, pool, 4);
	p_array_init(&report->orig_headers, pool, 4);
	report->format = "none";

	T_BEGIN {
		bounce_parse_message(&cls->set, pool, input, &parsed);
		notification = cls->read_all || screened ||
			bounce_screen_parsed(bounce_classifier_get_screen(cls),
					     &parsed, envelope_from);
		i_zero(&ctx);
		ctx.pool = pool;
		ctx.rules = cls->rules;
		ctx.category_types = cls->category_types;
		ctx.parsed = &parsed;
		ctx.report = report;
		ctx.envelope_to = envelope_to;
		if (!notification)
			classify_parsed(&ctx, FALSE);
		else if (!classify_embedded_report(cls, &ctx, input)) {
			classify_parsed(&ctx, TRUE);
			if (array_count(&report->recipients) == 0)
				classify_forwarded_bounce(cls, &ctx, input);
		}
		report->truncated = report->truncated || parsed.truncated;
	} T_END;
	return report;
}

struct bounce_report *
bounce_classify_from(struct bounce_classifier *cls, pool_t pool,
		     struct istream *input, const char *envelope_from,
		     const char *envelope_to)
{
	return classify_message(cls, pool, input, envelope_from, envelope_to,
				FALSE);
}

struct bounce_report *
bounce_classify_screened(struct bounce_classifier *cls, pool_t pool,
			 struct istream *input, const char *envelope_from,
			 const char *envelope_to)
{
	return classify_message(cls, pool, input, envelope_from, envelope_to,
				TRUE);
}

struct bounce_report *
bounce_classify(struct bounce_classifier *cls, pool_t pool,
		struct istream *input, const char *envelope_to)
{
	return bounce_classify_from(cls, pool, input, NULL, envelope_to);
}

static unsigned int type_severity(enum bounce_type type)
{
	switch (type) {
	case BOUNCE_TYPE_COMPLAINT:
		return 4;
	case BOUNCE_TYPE_HARD:
		return 3;
	case BOUNCE_TYPE_SOFT:
		return 2;
	case BOUNCE_TYPE_OTHER:
		return 1;
	default:
		return 0;
	}
}

const struct bounce_recipient *
bounce_report_primary(const struct bounce_report *report)
{
	const struct bounce_recipient *rcpt, *best = NULL;

	array_foreach(&report->recipients, rcpt) {
		if (type_severity(rcpt->type) == 0)
			continue;
		if (best == NULL ||
		    type_severity(rcpt->type) > type_severity(best->type))
			best = rcpt;
	}
	return best;
}
