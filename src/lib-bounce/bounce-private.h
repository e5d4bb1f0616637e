#ifndef BOUNCE_PRIVATE_H
#define BOUNCE_PRIVATE_H

/* The classifier's own state (bounce-classify.c). Not installed. */

#include "bounce.h"

struct bounce_rules;

struct bounce_classifier {
	pool_t pool;
	struct bounce_settings set;
	struct bounce_rules *rules;
	/* Per category: its type, after the site's overrides. */
	enum bounce_type *category_types;
	/* what tells ordinary mail by its header; made when first used */
	struct bounce_screen *screen;
	/* every message is read as a notification
	   (bounce_classifier_read_all()) */
	bool read_all;
	/* the rules' stamp, taken when first asked whether it is current
	   (bounce-current.c) */
	buffer_t *stamp;
	/* when the files were last found as the stamp says */
	time_t stamp_checked;
};

#endif
