/* Whether a classifier kept for many messages (by a process that
   delivers many) still has the rules its files hold: the rules' stamp
   (bounce_rules_stamp(): the files as they were when the rules were
   read) is written out when first asked, and compared with the files
   once a second at most: a process delivering many messages a second
   would otherwise stat() some forty files for each of them, for an edit
   made once in a while; the deliveries that start a second after an
   edit see it. */

#include "lib.h"
#include "buffer.h"
#include "bounce-rules.h"
#include "bounce-private.h"

#include <time.h>

bool bounce_classifier_is_current(struct bounce_classifier *cls)
{
	time_t now = time(NULL);

	if (cls->stamp == NULL) {
		cls->stamp = buffer_create_dynamic(cls->pool, 1024);
		bounce_rules_stamp(cls->rules, cls->stamp);
	} else if (cls->stamp_checked == now) {
		return TRUE;
	}
	if (!bounce_rules_stamp_unchanged(cls->stamp->data,
					  cls->stamp->used))
		return FALSE;
	cls->stamp_checked = now;
	return TRUE;
}
