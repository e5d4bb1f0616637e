/* Writes feed records with libxml2's xmlTextWriter, which escapes every
   text; what XML cannot hold at all is replaced before it gets there. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-feed.h"
#include "bounce-feed-private.h"

#include <time.h>
#include "bounce-feed-libxml.h"

struct bounce_feed_writer {
	xmlTextWriterPtr xml;
	string_t *dest;
	bool failed;
};

static int feed_output_write(void *context, const char *buffer, int len)
{
	string_t *dest = context;

	str_append_data(dest, buffer, len);
	return len;
}

static void check(struct bounce_feed_writer *writer, int ret)
{
	if (ret < 0)
		writer->failed = TRUE;
}

const char *bounce_feed_time_str(time_t t)
{
	struct tm *tm = gmtime(&t);
	char buf[64];

	if (tm == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", tm) == 0)
		return "1970-01-01T00:00:00Z";
	return t_strdup(buf);
}

struct bounce_feed_writer *bounce_feed_writer_init(string_t *dest)
{
	struct bounce_feed_writer *writer;
	xmlOutputBufferPtr out;
	const char *error;

	/* bounce_feed_spool_write() loads libxml2 first, and fails the
	   delivery when it cannot; a tool links it */
	if (bounce_feed_libxml_load(&error) < 0)
		i_fatal("%s", error);
	writer = i_new(struct bounce_feed_writer, 1);
	writer->dest = dest;
	out = xmlOutputBufferCreateIO(feed_output_write, NULL, dest, NULL);
	if (out == NULL)
		i_fatal_status(FATAL_OUTOFMEM, "xmlOutputBufferCreateIO() failed");
	/* the writer owns out from here on */
	writer->xml = xmlNewTextWriter(out);
	if (writer->xml == NULL)
		i_fatal_status(FATAL_OUTOFMEM, "xmlNewTextWriter() failed");
	check(writer, xmlTextWriterSetIndent(writer->xml, 1));
	check(writer, xmlTextWriterSetIndentString(writer->xml,
						   BAD_CAST "  "));
	check(writer, xmlTextWriterStartDocument(writer->xml, "1.0", "UTF-8",
						 NULL));
	check(writer, xmlTextWriterStartElementNS(writer->xml, NULL,
		BAD_CAST "feed", BAD_CAST BOUNCE_FEED_NAMESPACE));
	check(writer, xmlTextWriterWriteAttribute(writer->xml,
		BAD_CAST "version", BAD_CAST "1"));
	return writer;
}

static void write_attr(struct bounce_feed_writer *writer, const char *name,
		       const char *value)
{
	bool truncated;

	value = bounce_feed_text_clean(value, BOUNCE_FEED_MAX_TEXT,
				       &truncated);
	check(writer, xmlTextWriterWriteAttribute(writer->xml,
		BAD_CAST name, BAD_CAST value));
}

/* <name [truncated="true"]>text</name>; nothing for NULL */
static void write_text_max(struct bounce_feed_writer *writer,
			   const char *name, const char *text,
			   size_t max_bytes)
{
	bool truncated;

	if (text == NULL)
		return;
	text = bounce_feed_text_clean(text, max_bytes, &truncated);
	check(writer, xmlTextWriterStartElement(writer->xml, BAD_CAST name));
	if (truncated) {
		check(writer, xmlTextWriterWriteAttribute(writer->xml,
			BAD_CAST "truncated", BAD_CAST "true"));
	}
	check(writer, xmlTextWriterWriteString(writer->xml, BAD_CAST text));
	check(writer, xmlTextWriterEndElement(writer->xml));
}

static void write_text(struct bounce_feed_writer *writer, const char *name,
		       const char *text)
{
	write_text_max(writer, name, text, BOUNCE_FEED_MAX_TEXT);
}

static void write_original(struct bounce_feed_writer *writer,
			   const struct bounce_report *report)
{
	const struct bounce_header *hdr;
	const char *text;
	bool truncated;

	if (report->orig_message_id == NULL && report->orig_list_id == NULL &&
	    array_is_empty(&report->orig_headers))
		return;
	check(writer, xmlTextWriterStartElement(writer->xml,
						BAD_CAST "original"));
	write_text(writer, "message-id", report->orig_message_id);
	write_text(writer, "list-id", report->orig_list_id);
	array_foreach(&report->orig_headers, hdr) {
		check(writer, xmlTextWriterStartElement(writer->xml,
							BAD_CAST "header"));
		write_attr(writer, "name", hdr->name);
		text = bounce_feed_text_clean(hdr->value, BOUNCE_FEED_MAX_TEXT,
					      &truncated);
		if (truncated) {
			check(writer, xmlTextWriterWriteAttribute(writer->xml,
				BAD_CAST "truncated", BAD_CAST "true"));
		}
		check(writer, xmlTextWriterWriteString(writer->xml,
						       BAD_CAST text));
		check(writer, xmlTextWriterEndElement(writer->xml));
	}
	check(writer, xmlTextWriterEndElement(writer->xml));
}

void bounce_feed_write(struct bounce_feed_writer *writer, const char *id,
		       const struct bounce_feed_record *rec)
{
	const struct bounce_recipient *rcpt = rec->rcpt;
	const struct bounce_report *report = rec->report;

	/* no T_BEGIN here: libxml2 may flush into dest at any call, and
	   dest may be a data stack string of the caller's frame */
	check(writer, xmlTextWriterStartElement(writer->xml,
						BAD_CAST "record"));
	write_attr(writer, "id", id);
	write_attr(writer, "time", bounce_feed_time_str(rec->time));
	write_text(writer, "user", rec->user == NULL ? "" : rec->user);
	write_text(writer, "recipient", rcpt->address);
	write_text(writer, "type", bounce_type_to_str(rcpt->type));
	write_text(writer, "category", rcpt->category);
	check(writer, xmlTextWriterWriteFormatElement(writer->xml,
		BAD_CAST "code", "%u", rcpt->code));
	write_text(writer, "status", rcpt->status);
	write_text(writer, "reply", rcpt->reply);
	write_text(writer, "action", rcpt->action);
	write_text_max(writer, "diagnostic", rcpt->diagnostic,
		       BOUNCE_FEED_MAX_DIAGNOSTIC);
	write_text(writer, "remote-mta", rcpt->remote_mta);
	write_text(writer, "rule", rcpt->rule);
	write_text(writer, "format", report->format);
	write_text(writer, "reporting-mta", report->reporting_mta);
	write_text(writer, "arrival-date", report->arrival_date);
	write_original(writer, report);
	/* the caller always knows; never an invalid record */
	write_text(writer, "state", rec->state == NULL ?
		   "unknown" : rec->state);
	check(writer, xmlTextWriterWriteFormatElement(writer->xml,
		BAD_CAST "softcount", "%u", rec->softcount));
	write_text(writer, "returned-reason", rec->returned_reason);
	check(writer, xmlTextWriterEndElement(writer->xml));
	check(writer, xmlTextWriterFlush(writer->xml));
}

int bounce_feed_writer_finish(struct bounce_feed_writer **_writer,
			      const char **error_r)
{
	struct bounce_feed_writer *writer = *_writer;
	int ret = 0;

	*_writer = NULL;
	/* closes the open elements */
	check(writer, xmlTextWriterEndDocument(writer->xml));
	check(writer, xmlTextWriterFlush(writer->xml));
	xmlFreeTextWriter(writer->xml);
	if (writer->failed) {
		*error_r = "libxml2 could not write the feed document";
		ret = -1;
	}
	i_free(writer);
	return ret;
}
