#ifndef BOUNCE_MIME_H
#define BOUNCE_MIME_H

/* The message as the recognisers read it: parsed once with lib-mail, its
   text parts decoded to UTF-8 within the scan limits (bounce-mime.c). */

#include "bounce.h"

enum bounce_part_kind {
	BOUNCE_PART_TEXT = 0,	/* human-readable notification text */
	BOUNCE_PART_DELIVERY_STATUS,
	BOUNCE_PART_FEEDBACK_REPORT,
	BOUNCE_PART_ORIGINAL_HEADERS, /* text/rfc822-headers */
};

struct bounce_part {
	enum bounce_part_kind kind;
	const char *content_type;
	/* Decoded UTF-8, at most max_part_text bytes. */
	string_t *text;
};
ARRAY_DEFINE_TYPE(bounce_part, struct bounce_part);

struct bounce_parsed {
	/* Top-level headers, decoded to UTF-8, in message order. */
	ARRAY_TYPE(bounce_header) headers;
	const char *content_type;	/* lowercased, no parameters */
	const char *report_type;	/* multipart/report's report-type */

	/* Parts that are not inside the returned original message. */
	ARRAY_TYPE(bounce_part) parts;
	/* Headers of the returned original (message/rfc822 child or
	   text/rfc822-headers), decoded. */
	ARRAY_TYPE(bounce_header) orig_headers;

	/* Where the first returned message lies in the input (absolute
	   offset), its size 0 when there is none. */
	uoff_t original_offset, original_size;

	bool truncated;
};

void bounce_parse_message(const struct bounce_settings *set, pool_t pool,
			  struct istream *input, struct bounce_parsed *parsed_r);
/* A header value longer than this is cut: no evidence needs more. */
#define BOUNCE_MAX_HEADER_VALUE 8192

/* The top-level header block alone (headers, content_type, report_type),
   read and decoded exactly as bounce_parse_message() reads it; input is
   left where the body begins. */
void bounce_parse_header(const struct bounce_settings *set, pool_t pool,
			 struct istream *input, struct bounce_parsed *parsed_r);
/* Header fields (bounce-mime-fields.c): first top-level header of that
   name, or NULL. */
const char *bounce_parsed_header(const struct bounce_parsed *parsed,
				 const char *name);
const char *bounce_headers_find(const ARRAY_TYPE(bounce_header) *headers,
				const char *name);
/* Parse header-style "Name: value" lines (DSN fields, rfc822-headers,
   quoted originals) with lib-mail's header parser. Stops at the first
   blank line; *pos_r is where the next block starts. */
void bounce_parse_fields(pool_t pool, const unsigned char *data, size_t size,
			 ARRAY_TYPE(bounce_header) *fields, size_t *pos_r);

#endif
