#ifndef BOUNCE_CONTEXT_H
#define BOUNCE_CONTEXT_H

/* What the recognisers are given and fill (bounce-recognise.h): the
   parsed message, and the report they add failed recipients to. The
   classifier makes one per message, runs the recognisers over it, then
   decides each recipient (bounce-decide.h); a recogniser only ever calls
   this context, never the classifier. */

#include "bounce.h"

struct bounce_rules;
struct bounce_parsed;

struct bounce_context {
	pool_t pool;
	struct bounce_rules *rules;
	/* Per category index: its type, after the site's overrides. */
	const enum bounce_type *category_types;

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

	/* Made when first needed (bounce-address.c): the addresses
	   X-Failed-Recipients lists, and those of the notification's own
	   machinery, which are never a failed recipient found in its text */
	bool own_addresses_set;
	ARRAY_TYPE(const_string) failed_addresses, own_addresses;
	/* the lists a list manager's bounce address belongs to */
	ARRAY_TYPE(const_string) list_addresses;
};

/* The report's recipient with this address, added when it has none; ""
   (no address known) always adds one. */
struct bounce_recipient *
bounce_context_add_recipient(struct bounce_context *ctx, const char *address);
/* Give a recipient a category (a taxonomy index), its code (0: the
   category's own), the type the site gives the category, and the rule
   that decided. */
void bounce_context_set_category(struct bounce_context *ctx,
				 struct bounce_recipient *rcpt,
				 int category_idx, unsigned int code,
				 const char *rule);

#endif
