/* RFC 5965 abuse reports: the recipient complained. The complainant is
   named by Original-Rcpt-To, or else by the To of the returned message.
   Also the older reports of Microsoft's Junk Mail Reporting Program. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "message-address.h"
#include "bounce-taxonomy.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-recognise.h"

static void arf_add(struct bounce_context *ctx, const char *addr,
		    const char *feedback_type)
{
	struct bounce_recipient *rcpt;
	int idx = bounce_category_find("complaint");

	rcpt = bounce_context_add_recipient(ctx, addr);
	rcpt->action = "failed";
	if (feedback_type != NULL) {
		rcpt->diagnostic = p_strdup_printf(ctx->pool,
			"feedback-type: %s", feedback_type);
	}
	bounce_context_set_category(ctx, rcpt, idx, 0, "arf");
}

static void arf_add_header_addresses(struct bounce_context *ctx,
				     const char *value,
				     const char *feedback_type)
{
	const struct message_address *addr;
	const char *norm;

	addr = message_address_parse(pool_datastack_create(),
				     (const unsigned char *)value,
				     strlen(value), 64, 0);
	for (; addr != NULL; addr = addr->next) {
		norm = bounce_message_address(ctx->pool, addr);
		if (norm != NULL)
			arf_add(ctx, norm, feedback_type);
	}
}

/* Microsoft's Junk Mail Reporting Program (Outlook.com, Hotmail) sends
   the reported message itself, or attached, from staff@hotmail.com with
   no feedback report: the complainant is its X-HmXmrOriginalRecipient
   field. */
static bool arf_recognise_jmrp(struct bounce_context *ctx)
{
	const char *value, *addr;

	value = bounce_parsed_header(ctx->parsed, "X-HmXmrOriginalRecipient");
	if (value == NULL) {
		value = bounce_headers_find(&ctx->parsed->orig_headers,
					    "X-HmXmrOriginalRecipient");
	}
	if (value == NULL)
		return FALSE;
	addr = bounce_address_normalize(ctx->pool, value);
	if (addr == NULL)
		return FALSE;
	ctx->report->format = "jmrp";
	arf_add(ctx, addr, "abuse");
	return TRUE;
}

bool bounce_recognise_arf(struct bounce_context *ctx)
{
	const struct bounce_part *part;
	const struct bounce_header *field;
	ARRAY_TYPE(bounce_header) fields;
	const char *feedback_type, *value, *addr;
	size_t pos;
	bool found = FALSE;

	p_array_init(&fields, ctx->pool, 16);
	array_foreach(&ctx->parsed->parts, part) {
		if (part->kind == BOUNCE_PART_FEEDBACK_REPORT) {
			bounce_parse_fields(ctx->pool, str_data(part->text),
					    str_len(part->text), &fields, &pos);
			found = TRUE;
		}
	}
	if (!found)
		return arf_recognise_jmrp(ctx);

	ctx->report->format = "arf";
	feedback_type = bounce_headers_find(&fields, "Feedback-Type");
	if (feedback_type != NULL)
		feedback_type = t_str_lcase(feedback_type);
	value = bounce_headers_find(&fields, "Reporting-MTA");
	if (value != NULL) {
		const char *p = strchr(value, ';');
		ctx->report->reporting_mta = p == NULL ? value :
			p_strdup(ctx->pool, t_str_trim(p + 1, " \t"));
	}
	ctx->report->arrival_date =
		bounce_headers_find(&fields, "Arrival-Date");
	if (ctx->report->arrival_date == NULL) {
		ctx->report->arrival_date =
			bounce_headers_find(&fields, "Received-Date");
	}

	T_BEGIN {
		array_foreach(&fields, field) {
			if (strcasecmp(field->name, "Original-Rcpt-To") != 0 &&
			    strcasecmp(field->name, "Removal-Recipient") != 0)
				continue;
			addr = bounce_address_normalize(ctx->pool,
							field->value);
			if (addr != NULL)
				arf_add(ctx, addr, feedback_type);
		}
		if (array_count(&ctx->report->recipients) == 0) {
			value = bounce_headers_find(&ctx->parsed->orig_headers,
						    "To");
			if (value != NULL)
				arf_add_header_addresses(ctx, value,
							 feedback_type);
		}
	} T_END;
	if (array_count(&ctx->report->recipients) == 0)
		arf_add(ctx, "", feedback_type);
	return TRUE;
}
