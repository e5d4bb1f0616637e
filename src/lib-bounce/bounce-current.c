/* Whether a classifier kept for many messages (by a process that
   delivers many) still has the rules its files hold: the rules' stamp
   (bounce_rules_stamp(): the files as they were when the rules were
   read) is written out when first asked, and compared with the files
   each time. */

#include "lib.h"
#include "buffer.h"
#include "bounce-rules.h"
#include "bounce-private.h"

bool bounce_classifier_is_current(struct bounce_classifier *cls)
{
	if (cls->stamp == NULL) {
		cls->stamp = buffer_create_dynamic(cls->pool, 1024);
		bounce_rules_stamp(cls->rules, cls->stamp);
	}
	return bounce_rules_stamp_unchanged(cls->stamp->data,
					    cls->stamp->used);
}
