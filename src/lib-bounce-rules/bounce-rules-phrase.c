/* Phrase groups: a category's phrases, or a labelled group of them
   ("category/label"), tried in the order category-order names them and
   the rest in the order the files first name them. Before a diagnostic
   is matched, one pass over it finds which phrase patterns' required
   literals it contains (bounce-rules-literal.c); the others cannot match
   and are not run. */

#include "lib.h"
#include "array.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-private.h"

struct phrase_group *
rules_phrase_group(struct bounce_rules *rules, const char *name)
{
	struct phrase_group *group;
	unsigned int seq = array_count(&rules->phrases);

	if (rules->last_group < seq) {
		group = array_idx_modifiable(&rules->phrases, rules->last_group);
		if (strcmp(group->name, name) == 0)
			return group;
	}
	array_foreach_modifiable(&rules->phrases, group) {
		if (strcmp(group->name, name) == 0) {
			rules->last_group = array_foreach_idx(&rules->phrases,
							      group);
			return group;
		}
	}
	rules->last_group = seq;

	group = array_append_space(&rules->phrases);
	group->set.prefilter = TRUE;
	group->seq = seq;
	group->name = p_strdup(rules->pool, name);
	group->order = UINT_MAX;
	return group;
}

bool rules_group_covers(const char *filter, const char *group)
{
	size_t len = strlen(filter);

	return strncmp(filter, group, len) == 0 &&
		(group[len] == '\0' || group[len] == '/');
}

static int phrase_group_cmp(const struct phrase_group *a,
			    const struct phrase_group *b)
{
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq ? 1 : 0);
}

void rules_phrases_sort(struct bounce_rules *rules)
{
	/* groups not named in category-order keep their file order */
	array_sort(&rules->phrases, phrase_group_cmp);
}

const struct bounce_rule *
bounce_rules_match_phrase(struct bounce_rules *rules, const char *text)
{
	return bounce_rules_match_phrase_in(rules, text, NULL);
}

static bool groups_cover(const char *const *groups, const char *group)
{
	for (; *groups != NULL; groups++) {
		if (rules_group_covers(*groups, group))
			return TRUE;
	}
	return FALSE;
}

const struct bounce_rule *
bounce_rules_match_phrase_in(struct bounce_rules *rules, const char *text,
			     const char *const *groups)
{
	const struct bounce_rule *rule = NULL;
	struct phrase_group *group;
	struct phrase_filter filter;
	size_t len = strlen(text);

	T_BEGIN {
		/* Which patterns can match at all (for a non-ASCII text,
		   known only of the patterns without a non-ASCII
		   character) */
		memset(rules->literal_found, 0, rules->literal_count);
		filter.found = rules->literal_found;
		filter.ascii = bounce_literal_index_scan_any_lower(
			rules->literals, text, len, rules->literal_found,
			&filter.lower, &filter.lower_len);
		array_foreach_modifiable(&rules->phrases, group) {
			if (groups != NULL &&
			    !groups_cover(groups, group->name))
				continue;
			rule = rule_set_match(rules, &group->set, text,
					      &filter);
			if (rule != NULL)
				break;
		}
	} T_END;
	return rule;
}
