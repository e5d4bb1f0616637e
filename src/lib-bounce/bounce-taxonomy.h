#ifndef BOUNCE_TAXONOMY_H
#define BOUNCE_TAXONOMY_H

/* The categories of the classification contract (docs: taxonomy), by
   index: rules name them, recipients are given them. */

#include "bounce.h"

struct bounce_category_def {
	const char *name;
	unsigned int code;
	enum bounce_type type;
};

/* Index of a category name, or -1. */
int bounce_category_find(const char *name);
const struct bounce_category_def *bounce_category_get(unsigned int idx);
unsigned int bounce_category_count(void);

#endif
