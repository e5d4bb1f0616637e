#ifndef BOUNCE_FEED_PRIVATE_H
#define BOUNCE_FEED_PRIVATE_H

#include "bounce-feed.h"

#include <libxml/tree.h>

struct bounce_feed_schema;

/* "YYYY-MM-DDThh:mm:ssZ", the records' time. */
const char *bounce_feed_time_str(time_t t);

/* Validate a parsed document against the schema. Returns 0, or -1 with
   error_r naming the first problem. */
int bounce_feed_schema_validate(struct bounce_feed_schema *schema,
				xmlDocPtr doc, const char **error_r);

/* The element of a record as read (xmlNodePtr in entry->node). */
static inline xmlNodePtr bounce_feed_entry_node(
	const struct bounce_feed_entry *entry)
{
	return entry->node;
}

#endif
