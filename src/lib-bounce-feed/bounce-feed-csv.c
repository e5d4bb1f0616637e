/* The feed as RFC 4180 CSV, for spreadsheets and list-manager imports:
   one header line, one line per record, CRLF line ends. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-feed-private.h"

static const char *const csv_columns[] = {
	"id", "time", "user", "recipient", "type", "category", "code",
	"status", "reply", "action", "diagnostic", "remote_mta", "rule",
	"format", "reporting_mta", "arrival_date", "message_id", "list_id",
	"campaign_headers", "state", "softcount", "returned_reason",
};

/* Quoted when it holds a comma, quote or line break (RFC 4180 2.6), a
   quote doubled (2.7). Values are kept exactly: an import must see what
   the XML says. */
static void csv_field(string_t *dest, const char *value, bool first)
{
	const char *p;

	if (!first)
		str_append_c(dest, ',');
	if (value == NULL || value[0] == '\0')
		return;
	if (strpbrk(value, ",\"\r\n") == NULL) {
		str_append(dest, value);
		return;
	}
	str_append_c(dest, '"');
	for (p = value; *p != '\0'; p++) {
		if (*p == '"')
			str_append_c(dest, '"');
		str_append_c(dest, *p);
	}
	str_append_c(dest, '"');
}

void bounce_feed_csv_header(string_t *dest)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(csv_columns); i++)
		csv_field(dest, csv_columns[i], i == 0);
	str_append(dest, "\r\n");
}

/* "Name: value" lines, as in the message */
static const char *csv_headers(const struct bounce_report *report)
{
	const struct bounce_header *hdr;
	string_t *str = t_str_new(128);

	array_foreach(&report->orig_headers, hdr) {
		if (str_len(str) > 0)
			str_append(str, "\r\n");
		str_printfa(str, "%s: %s", hdr->name, hdr->value);
	}
	return str_c(str);
}

void bounce_feed_csv_record(string_t *dest, const char *id,
			    const struct bounce_feed_record *rec)
{
	const struct bounce_recipient *rcpt = rec->rcpt;
	const struct bounce_report *report = rec->report;
	bool truncated;

	/* the same text the XML holds, so both agree */
#define TEXT(s) ((s) == NULL ? NULL : \
	bounce_feed_text_clean(s, BOUNCE_FEED_MAX_TEXT, &truncated))
	csv_field(dest, TEXT(id), TRUE);
	csv_field(dest, bounce_feed_time_str(rec->time), FALSE);
	csv_field(dest, TEXT(rec->user), FALSE);
	csv_field(dest, TEXT(rcpt->address), FALSE);
	csv_field(dest, bounce_type_to_str(rcpt->type), FALSE);
	csv_field(dest, TEXT(rcpt->category), FALSE);
	csv_field(dest, dec2str(rcpt->code), FALSE);
	csv_field(dest, TEXT(rcpt->status), FALSE);
	csv_field(dest, TEXT(rcpt->reply), FALSE);
	csv_field(dest, TEXT(rcpt->action), FALSE);
	csv_field(dest, rcpt->diagnostic == NULL ? NULL :
		  bounce_feed_text_clean(rcpt->diagnostic,
					 BOUNCE_FEED_MAX_DIAGNOSTIC,
					 &truncated), FALSE);
	csv_field(dest, TEXT(rcpt->remote_mta), FALSE);
	csv_field(dest, TEXT(rcpt->rule), FALSE);
	csv_field(dest, TEXT(report->format), FALSE);
	csv_field(dest, TEXT(report->reporting_mta), FALSE);
	csv_field(dest, TEXT(report->arrival_date), FALSE);
	csv_field(dest, TEXT(report->orig_message_id), FALSE);
	csv_field(dest, TEXT(report->orig_list_id), FALSE);
	csv_field(dest, bounce_feed_text_clean(csv_headers(report),
		  BOUNCE_FEED_MAX_DIAGNOSTIC, &truncated), FALSE);
	csv_field(dest, TEXT(rec->state), FALSE);
	csv_field(dest, dec2str(rec->softcount), FALSE);
	csv_field(dest, TEXT(rec->returned_reason), FALSE);
#undef TEXT
	str_append(dest, "\r\n");
}
