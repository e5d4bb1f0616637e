/* Plain-text bounces: the formats described in the rules file. A format
   matches when all its "match" patterns do; its recipients are the lines
   its "recipient" pattern finds between "start" and "end", and the lines
   that follow each one are that recipient's diagnostic. */

#include "lib.h"
#include "array.h"
#include "dovecot-compat.h"
#include "str.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-address.h"
#include "bounce-recognise.h"

#define FORMAT_MAX_DIAGNOSTIC 4096

static bool
format_matches(struct bounce_context *ctx, const struct bounce_format *fmt)
{
	struct bounce_rules *rules = ctx->rules;
	const struct bounce_format_match *match;
	const struct bounce_header *hdr;
	bool found;

	array_foreach(&fmt->matches, match) {
		if (match->header == NULL) {
			if (bounce_rules_exec(rules, match->re, ctx->text,
					      strlen(ctx->text), 0) <= 0)
				return FALSE;
			continue;
		}
		/* any header of that name */
		found = FALSE;
		array_foreach(&ctx->parsed->headers, hdr) {
			if (strcasecmp(hdr->name, match->header) == 0 &&
			    bounce_rules_exec(rules, match->re, hdr->value,
					      strlen(hdr->value), 0) > 0) {
				found = TRUE;
				break;
			}
		}
		if (!found)
			return FALSE;
	}
	return TRUE;
}

static bool line_matches(struct bounce_context *ctx, const pcre2_code *re,
			 const char *line, size_t len)
{
	return re != NULL &&
		bounce_rules_exec(ctx->rules, re, line, len, 0) > 0;
}

static void
format_append_diag(string_t *diag, const char *data, size_t len)
{
	if (str_len(diag) >= FORMAT_MAX_DIAGNOSTIC)
		return;
	if (str_len(diag) > 0)
		str_append_c(diag, ' ');
	str_append_data(diag, data,
			I_MIN(len, FORMAT_MAX_DIAGNOSTIC - str_len(diag)));
}

static void format_finish_recipient(struct bounce_context *ctx,
				    struct bounce_recipient *rcpt,
				    string_t *diag)
{
	if (rcpt == NULL || str_len(diag) == 0)
		return;
	if (rcpt->diagnostic == NULL) {
		rcpt->diagnostic = bounce_text_fold(ctx->pool, str_c(diag),
						    str_len(diag));
	}
	str_truncate(diag, 0);
}

/* Scans the text for the format's recipients; with exclude_own, not
   the notification's own addresses (bounce-address.h). */
static bool
format_scan(struct bounce_context *ctx, const struct bounce_format *fmt,
	    bool exclude_own)
{
	struct bounce_rules *rules = ctx->rules;
	struct bounce_recipient *rcpt = NULL;
	const char *text = ctx->text, *line, *nl, *addr;
	string_t *diag = t_str_new(256);
	size_t len, start, end;
	bool started = fmt->start == NULL, found = FALSE;

	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line) - 1;
		len = nl - line + (*nl != '\n');
		if (len > 0 && line[len-1] == '\r')
			len--;

		if (!started) {
			started = line_matches(ctx, fmt->start, line, len);
			if (!started || fmt->recipient == NULL)
				continue;
		}
		if (line_matches(ctx, fmt->end, line, len))
			break;
		if (line_matches(ctx, fmt->recipient, line, len) &&
		    bounce_rules_named_group(rules, fmt->recipient, "rcpt",
					     &start, &end)) {
			addr = bounce_address_normalize(ctx->pool,
				t_strndup(line + start, end - start));
			if (addr != NULL &&
			    !bounce_address_never_failed(ctx, addr) &&
			    !(exclude_own &&
			      bounce_address_is_own(ctx, addr))) {
				format_finish_recipient(ctx, rcpt, diag);
				rcpt = bounce_context_add_recipient(ctx, addr);
				found = TRUE;
				if (fmt->diag_group > 0 &&
				    bounce_rules_named_group(rules,
						fmt->recipient, "diag",
						&start, &end))
					format_append_diag(diag, line + start,
							   end - start);
				continue;
			}
		}
		if (rcpt != NULL && len > 0 &&
		    !line_matches(ctx, fmt->skip, line, len))
			format_append_diag(diag, line, len);
	}
	format_finish_recipient(ctx, rcpt, diag);
	return found;
}

bool bounce_recognise_format(struct bounce_context *ctx)
{
	const struct bounce_format *fmt;
	bool found = FALSE, listed;

	listed = bounce_address_failed_listed(ctx);
	array_foreach(bounce_rules_formats(ctx->rules), fmt) {
		if (!format_matches(ctx, fmt))
			continue;
		ctx->format_matched = TRUE;
		/* When the text names no address but the notification's own,
		   one of them failed after all (people do mail themselves) -
		   unless X-Failed-Recipients says which did. The mailer
		   daemon's never did. */
		T_BEGIN {
			found = format_scan(ctx, fmt, TRUE) ||
				(!listed && format_scan(ctx, fmt, FALSE));
		} T_END;
		if (found) {
			ctx->report->format = fmt->name;
			return TRUE;
		}
	}
	return FALSE;
}

void bounce_format_replace_internal(struct bounce_context *ctx)
{
	struct bounce_recipient *rcpt;
	const struct bounce_recipient *named;
	struct bounce_report report;
	struct bounce_context text_ctx;

	if (array_count(&ctx->report->recipients) != 1)
		return;
	rcpt = array_idx_modifiable(&ctx->report->recipients, 0);
	if (rcpt->address[0] == '\0' ||
	    !bounce_address_is_internal(rcpt->address))
		return;
	/* what the text names, read into a report of its own */
	i_zero(&report);
	report.format = "none";
	p_array_init(&report.recipients, ctx->pool, 2);
	p_array_init(&report.orig_headers, ctx->pool, 1);
	text_ctx = *ctx;
	text_ctx.report = &report;
	if (!bounce_recognise_format(&text_ctx) ||
	    array_count(&report.recipients) != 1)
		return;
	named = array_idx(&report.recipients, 0);
	if (named->address[0] != '\0' &&
	    !bounce_address_is_internal(named->address))
		rcpt->address = named->address;
}
