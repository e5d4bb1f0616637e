/* Status codes: the x.y.z patterns of status and when rules ("5.1.1",
   "5.1.*", "5.*.*"), the status rules tried most specific first, and
   the reply-code rules. */

#include "lib.h"
#include "array.h"
#include "bounce-rules-private.h"

#include <ctype.h>

bool rules_status_pattern_valid(const char *pattern, unsigned int *spec_r)
{
	unsigned int i, parts = 1, spec = 0;
	bool digit = FALSE;

	if (strlen(pattern) >= sizeof(((struct status_rule *)0)->pattern))
		return FALSE;
	if (pattern[0] != '2' && pattern[0] != '4' && pattern[0] != '5' &&
	    pattern[0] != '*')
		return FALSE;
	for (i = 0; pattern[i] != '\0'; i++) {
		if (pattern[i] == '.') {
			if (!digit && pattern[i-1] != '*')
				return FALSE;
			parts++;
			digit = FALSE;
		} else if (pattern[i] == '*') {
			if (i > 0 && pattern[i-1] != '.')
				return FALSE;
		} else if (i_isdigit(pattern[i])) {
			if (!digit)
				spec++;
			digit = TRUE;
		} else {
			return FALSE;
		}
	}
	*spec_r = spec;
	return parts == 3;
}

bool rules_status_pattern_match(const char *pattern, const char *status)
{
	/* Compare field by field; '*' matches a whole field. */
	while (*pattern != '\0') {
		if (*pattern == '*') {
			pattern++;
			while (*status != '\0' && *status != '.')
				status++;
		} else {
			while (*pattern != '\0' && *pattern != '.') {
				if (*pattern++ != *status++)
					return FALSE;
			}
			if (*status != '\0' && *status != '.')
				return FALSE;
		}
		if (*pattern != *status)
			return FALSE;
		if (*pattern == '.') {
			pattern++;
			status++;
		}
	}
	return *status == '\0';
}

static int status_rule_cmp(const struct status_rule *a,
			   const struct status_rule *b)
{
	/* Most specific first; file order among equals (stable by id). */
	if (a->specificity != b->specificity)
		return a->specificity > b->specificity ? -1 : 1;
	return 0;
}

void rules_status_sort(struct bounce_rules *rules)
{
	array_sort(&rules->status, status_rule_cmp);
}

const struct bounce_rule *
bounce_rules_match_status(struct bounce_rules *rules, const char *status)
{
	const struct status_rule *st;

	array_foreach(&rules->status, st) {
		if (rules_status_pattern_match(st->pattern, status))
			return &st->rule;
	}
	return NULL;
}

const struct bounce_rule *
bounce_rules_match_reply(struct bounce_rules *rules, const char *reply)
{
	const struct reply_rule *rr;

	array_foreach(&rules->reply, rr) {
		if (strcmp(rr->code, reply) == 0)
			return &rr->rule;
	}
	return NULL;
}
