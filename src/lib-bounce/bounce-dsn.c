/* RFC 3464 delivery status notifications: a message/delivery-status part
   (or, from MTAs that inline it, the same fields in the text), one block
   of per-message fields and one block per recipient. */

#include "lib.h"

#include <ctype.h>
#include "array.h"
#include "str.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-address.h"
#include "bounce-recognise.h"

/* Strip the address/diagnostic type ("rfc822;", "smtp;", "dns;"). */
static const char *dsn_value(const char *value)
{
	const char *p = strchr(value, ';');

	if (p == NULL)
		return value;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *dsn_lcase_word(pool_t pool, const char *value)
{
	const char *p = value;

	while (i_isalpha(*p) || *p == '-')
		p++;
	return p == value ? NULL : p_strdup(pool, t_str_lcase(t_strdup_until(value, p)));
}

static bool dsn_same_domain(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');

	return da != NULL && db != NULL && strcmp(da, db) == 0;
}

/* Whether final is orig's mailbox on one of the domain's own hosts
   (jane@mx1.example.com for jane@example.com). */
static bool dsn_routed_to_host(const char *final, const char *orig)
{
	const char *df = strrchr(final, '@'), *dorig = strrchr(orig, '@');
	size_t flen, olen;

	if (df == NULL || dorig == NULL || df - final != dorig - orig ||
	    strncmp(final, orig, df - final) != 0)
		return FALSE;
	flen = strlen(df + 1);
	olen = strlen(dorig + 1);
	return flen > olen + 1 && df[1 + flen - olen - 1] == '.' &&
		strcmp(df + 1 + flen - olen, dorig + 1) == 0;
}

/* The address the sender wrote, of the two a recipient block may name.
   Final-Recipient is the address the reporting MTA tried: usually the
   one the sender wrote, or the target it was forwarded to elsewhere
   (which is what failed). But when the receiving site rewrote its own
   address - to a host only it knows (user@mailcluster.local), or to
   another mailbox of the same domain (an alias it expanded) - the
   sender knows only Original-Recipient. So too when it routed the
   mailbox to one of its hosts (jane@mx1.example.com for
   jane@example.com). */
static const char *dsn_recipient_address(const char *final, const char *orig)
{
	if (final == NULL)
		return orig;
	if (orig == NULL || strcmp(final, orig) == 0)
		return final;
	if (bounce_address_is_internal(final) && !bounce_address_is_internal(orig))
		return orig;
	if (dsn_same_domain(final, orig) || dsn_routed_to_host(final, orig))
		return orig;
	return final;
}

static void
dsn_add_recipient(struct bounce_context *ctx,
		  const ARRAY_TYPE(bounce_header) *fields)
{
	struct bounce_recipient *rcpt;
	const char *final, *orig, *addr = NULL, *value;

	final = bounce_headers_find(fields, "Final-Recipient");
	orig = bounce_headers_find(fields, "Original-Recipient");
	if (final != NULL)
		final = bounce_address_normalize(ctx->pool, dsn_value(final));
	if (orig != NULL)
		orig = bounce_address_normalize(ctx->pool, dsn_value(orig));
	addr = dsn_recipient_address(final, orig);
	if (addr == NULL) {
		value = bounce_headers_find(fields, "X-Actual-Recipient");
		if (value != NULL)
			addr = bounce_address_normalize(ctx->pool,
							dsn_value(value));
	}
	rcpt = bounce_context_add_recipient(ctx, addr == NULL ? "" : addr);

	value = bounce_headers_find(fields, "Action");
	if (value != NULL && rcpt->action == NULL)
		rcpt->action = dsn_lcase_word(ctx->pool, value);
	value = bounce_headers_find(fields, "Status");
	if (value != NULL && rcpt->status == NULL)
		rcpt->status = bounce_status_find(ctx->pool, value);
	value = bounce_headers_find(fields, "Diagnostic-Code");
	if (value != NULL && rcpt->diagnostic == NULL) {
		value = dsn_value(value);
		rcpt->diagnostic = bounce_text_fold(ctx->pool, value,
						    strlen(value));
	}
	value = bounce_headers_find(fields, "Remote-MTA");
	if (value != NULL && rcpt->remote_mta == NULL) {
		value = dsn_value(value);
		rcpt->remote_mta = bounce_text_fold(ctx->pool, value,
						    strlen(value));
	}
}

static bool dsn_is_recipient_block(const ARRAY_TYPE(bounce_header) *fields)
{
	return bounce_headers_find(fields, "Final-Recipient") != NULL ||
		bounce_headers_find(fields, "Original-Recipient") != NULL;
}

/* Some MTAs write the recipients' fields without the blank line between
   them: a recipient field that repeats within a block starts the next
   recipient. */
static void
dsn_add_recipient_blocks(struct bounce_context *ctx,
			 const ARRAY_TYPE(bounce_header) *fields)
{
	ARRAY_TYPE(bounce_header) block;
	const struct bounce_header *field;

	t_array_init(&block, 16);
	array_foreach(fields, field) {
		if ((strcasecmp(field->name, "Final-Recipient") == 0 ||
		     strcasecmp(field->name, "Original-Recipient") == 0) &&
		    bounce_headers_find(&block, field->name) != NULL) {
			if (dsn_is_recipient_block(&block))
				dsn_add_recipient(ctx, &block);
			array_clear(&block);
		}
		array_push_back(&block, field);
	}
	if (dsn_is_recipient_block(&block))
		dsn_add_recipient(ctx, &block);
}

static bool dsn_parse(struct bounce_context *ctx, const unsigned char *data,
		      size_t size)
{
	struct bounce_report *report = ctx->report;
	ARRAY_TYPE(bounce_header) fields;
	const char *value;
	size_t pos = 0, next;
	bool found = FALSE;

	t_array_init(&fields, 16);
	while (pos < size) {
		array_clear(&fields);
		bounce_parse_fields(ctx->pool, data + pos, size - pos,
				    &fields, &next);
		if (next == 0)
			break;
		pos += next;
		if (dsn_is_recipient_block(&fields)) {
			dsn_add_recipient_blocks(ctx, &fields);
			found = TRUE;
			continue;
		}
		value = bounce_headers_find(&fields, "Reporting-MTA");
		if (value != NULL && report->reporting_mta == NULL) {
			report->reporting_mta = p_strdup(ctx->pool,
							 dsn_value(value));
		}
		value = bounce_headers_find(&fields, "Arrival-Date");
		if (value != NULL && report->arrival_date == NULL)
			report->arrival_date = p_strdup(ctx->pool, value);
	}
	return found;
}

static bool dsn_is_field_line(const char *p)
{
	return strncasecmp(p, "Reporting-MTA:", 14) == 0 ||
		strncasecmp(p, "Final-Recipient:", 16) == 0 ||
		strncasecmp(p, "Original-Recipient:", 19) == 0;
}

/* The text from p on without the "> " quoting of a forwarded message. */
static const char *dsn_unquote(const char *p)
{
	string_t *str = t_str_new(strlen(p));
	const char *nl;

	for (; *p != '\0'; p = nl + 1) {
		if (*p == '>') {
			p++;
			if (*p == ' ')
				p++;
		}
		nl = strchr(p, '\n');
		if (nl == NULL) {
			str_append(str, p);
			break;
		}
		str_append_data(str, p, nl - p + 1);
	}
	return str_c(str);
}

/* Some MTAs write the DSN fields into the text itself; a bounce forwarded
   inline has them quoted. */
static bool dsn_parse_inline(struct bounce_context *ctx)
{
	const char *text = ctx->text, *p, *q;

	for (p = text; p != NULL && *p != '\0'; ) {
		if (dsn_is_field_line(p))
			return dsn_parse(ctx, (const unsigned char *)p,
					 strlen(p));
		if (*p == '>') {
			q = p + 1;
			while (*q == ' ')
				q++;
			if (dsn_is_field_line(q)) {
				q = dsn_unquote(p);
				return dsn_parse(ctx, (const unsigned char *)q,
						 strlen(q));
			}
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return FALSE;
}

bool bounce_recognise_dsn(struct bounce_context *ctx)
{
	const struct bounce_part *part;
	bool found = FALSE;

	array_foreach(&ctx->parsed->parts, part) {
		if (part->kind != BOUNCE_PART_DELIVERY_STATUS)
			continue;
		T_BEGIN {
			if (dsn_parse(ctx, str_data(part->text),
				      str_len(part->text)))
				found = TRUE;
		} T_END;
	}
	if (!found) T_BEGIN {
		found = dsn_parse_inline(ctx);
	} T_END;
	if (found)
		ctx->report->format = "dsn";
	return found;
}
