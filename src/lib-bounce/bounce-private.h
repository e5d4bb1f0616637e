#ifndef BOUNCE_PRIVATE_H
#define BOUNCE_PRIVATE_H

/* What the classifier's modules share. Not installed. */

#include "bounce.h"
#include "bounce-rules.h"

struct bounce_classifier {
	pool_t pool;
	struct bounce_settings set;
	struct bounce_rules *rules;
	/* Per category: its type, after the site's overrides. */
	enum bounce_type *category_types;
};

/* --- taxonomy (bounce-taxonomy.c) --- */

struct bounce_category_def {
	const char *name;
	unsigned int code;
	enum bounce_type type;
};

/* Index of a category name, or -1. */
int bounce_category_find(const char *name);
const struct bounce_category_def *bounce_category_get(unsigned int idx);
unsigned int bounce_category_count(void);

/* --- the parsed message (bounce-mime.c) --- */

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
/* First top-level header of that name, or NULL. */
const char *bounce_parsed_header(const struct bounce_parsed *parsed,
				 const char *name);
const char *bounce_headers_find(const ARRAY_TYPE(bounce_header) *headers,
				const char *name);
/* Parse header-style "Name: value" lines (DSN fields, rfc822-headers,
   quoted originals) with lib-mail's header parser. Stops at the first
   blank line; *pos_r is where the next block starts. */
void bounce_parse_fields(pool_t pool, const unsigned char *data, size_t size,
			 ARRAY_TYPE(bounce_header) *fields, size_t *pos_r);

/* --- evidence helpers (bounce-status.c) --- */

/* Find an enhanced status code (x.y.z, class 2, 4 or 5) in text. */
const char *bounce_status_find(pool_t pool, const char *text);
/* Find a leading SMTP reply code (2xx/4xx/5xx) in a diagnostic. */
const char *bounce_reply_find(pool_t pool, const char *text);
/* Fold whitespace to single spaces, trim, and drop control chars. */
const char *bounce_text_fold(pool_t pool, const char *text, size_t len);
/* Lowercase the address, strip <>, "rfc822;" and surrounding space.
   Returns NULL when it does not look like an address. */
const char *bounce_address_normalize(pool_t pool, const char *str);
struct message_address;
/* A parsed address (lib-mail's message-address.h) normalized as above;
   NULL for a group or an address without a domain. */
const char *bounce_message_address(pool_t pool,
				   const struct message_address *addr);

/* --- recognisers: each fills report->recipients (with evidence only)
   and returns TRUE when it understood the message --- */

struct bounce_context {
	struct bounce_classifier *cls;
	pool_t pool;
	const struct bounce_parsed *parsed;
	struct bounce_report *report;
	const char *envelope_to;
	/* The notification's human-readable text, with the quoted original
	   cut off; "" when none. */
	const char *text;
	/* The same lowercased, made when first needed (bounce-decide.c) */
	const char *text_lower;
	/* a plain-text format's match lines held (bounce-format.c) */
	bool format_matched;
};

bool bounce_recognise_dsn(struct bounce_context *ctx);
bool bounce_recognise_arf(struct bounce_context *ctx);
bool bounce_recognise_autoreply(struct bounce_context *ctx);
bool bounce_recognise_format(struct bounce_context *ctx);

/* Add a recipient with the given evidence; returns it so the caller can
   fill the rest. Merges with an existing entry for the same address. */
struct bounce_recipient *
bounce_context_add_recipient(struct bounce_context *ctx, const char *address);

/* Decide category, code, type and rule of a recipient from its evidence
   (bounce-decide.c). */
void bounce_decide(struct bounce_context *ctx, struct bounce_recipient *rcpt);
void bounce_set_category(struct bounce_context *ctx,
			 struct bounce_recipient *rcpt, int category_idx,
			 unsigned int code, const char *rule);

#endif
