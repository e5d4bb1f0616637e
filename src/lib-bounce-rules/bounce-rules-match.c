/* The questions the classifier asks of the rules besides phrases and
   status codes: which "when" rule turns a phrase's category into
   another, which SMTP command a reply answered, a Subject rule, whether
   a header is kept, where a quoted original begins, the address a VERP
   recipient encodes, and what is looked for in a message's header. */

#include "lib.h"
#include "array.h"
#include "dovecot-compat.h"
#include "bounce-rules-private.h"

static bool when_condition_holds(const char *cond,
				 const struct bounce_when_facts *facts)
{
	if (strcmp(cond, "temporary") == 0)
		return facts->temporary;
	if (strcmp(cond, "reply") == 0)
		return facts->reply;
	if (strcmp(cond, "no-command") == 0)
		return facts->command(facts->context) == NULL;
	if (str_begins_with(cond, "after-")) {
		const char *command = facts->command(facts->context);

		return command != NULL && strcmp(cond + 6, command) == 0;
	}
	i_assert(str_begins_with(cond, "status="));
	return facts->status != NULL &&
		rules_status_pattern_match(cond + 7, facts->status);
}

const struct bounce_rule *
bounce_rules_match_when(struct bounce_rules *rules,
			const struct bounce_when_facts *facts,
			const char *group)
{
	const struct when_rule *wr;
	const char *const *cond;

	array_foreach(&rules->when, wr) {
		if (!rules_group_covers(wr->group, group))
			continue;
		for (cond = wr->conditions; *cond != NULL; cond++) {
			if (!when_condition_holds(*cond, facts))
				break;
		}
		if (*cond == NULL)
			return &wr->rule;
	}
	return NULL;
}

const struct bounce_rule *
bounce_rules_find_command(struct bounce_rules *rules, const char *text,
			  size_t near)
{
	const struct bounce_rule *best = NULL;
	size_t len = strlen(text), offset = 0, start, end, dist;
	size_t best_dist = SIZE_MAX;
	int idx;

	if (rules->commands.all.re == NULL ||
	    !rule_set_may_match(&rules->commands, text, len))
		return NULL;
	while (offset <= len &&
	       rules_exec_counted(rules, rules->commands.all.re,
				  &rules->commands.all.scanned, text, len,
				  offset) > 0) {
		(void)bounce_rules_group(rules, 0, &start, &end);
		idx = rule_set_mark(rules, &rules->commands);
		if (idx >= 0) {
			dist = start > near ? start - near : near - start;
			if (dist < best_dist) {
				best_dist = dist;
				best = array_idx(&rules->commands.rules, idx);
			}
		}
		offset = end > start ? end : start + 1;
	}
	return best;
}

const struct bounce_rule *
bounce_rules_match_subject(struct bounce_rules *rules, const char *subject)
{
	return rule_set_match(rules, &rules->subjects, subject, NULL);
}

bool bounce_rules_keep_header(struct bounce_rules *rules, const char *name)
{
	return rule_set_match(rules, &rules->keep_headers, name,
			      NULL) != NULL;
}

size_t bounce_rules_original_offset(struct bounce_rules *rules,
				    const char *text, size_t len)
{
	size_t start;

	if (rule_set_first(rules, &rules->originals, text, len, NULL,
			   &start) < 0)
		return len;
	return start;
}

const char *bounce_rules_verp_decode(struct bounce_rules *rules, pool_t pool,
				     const char *envelope_to)
{
	pcre2_code *const *re;
	PCRE2_UCHAR *local, *domain;
	PCRE2_SIZE llen, dlen;
	const char *addr;

	array_foreach(&rules->verp, re) {
		if (bounce_rules_exec(rules, *re, envelope_to,
				      strlen(envelope_to), 0) <= 0)
			continue;
		if (pcre2_substring_get_byname(rules->md, (PCRE2_SPTR)"local",
					       &local, &llen) != 0)
			continue;
		if (pcre2_substring_get_byname(rules->md, (PCRE2_SPTR)"domain",
					       &domain, &dlen) != 0) {
			pcre2_substring_free(local);
			continue;
		}
		addr = p_strdup_printf(pool, "%s@%s", (const char *)local,
				       (const char *)domain);
		pcre2_substring_free(local);
		pcre2_substring_free(domain);
		return addr;
	}
	return NULL;
}

static void
header_marks_add_set(struct bounce_rules *rules, const struct rule_set *set,
		     const char *header)
{
	const struct rule_pattern *pat;
	struct bounce_format_match *mark;

	if (set->all.re != NULL) {
		mark = array_append_space(&rules->header_marks);
		mark->header = header;
		mark->re = set->all.re;
		return;
	}
	if (!array_is_created(&set->patterns))
		return;
	array_foreach(&set->patterns, pat) {
		mark = array_append_space(&rules->header_marks);
		mark->header = header;
		mark->re = pat->re;
		mark->literals = pat->literals;
		mark->literals_any_text = pat->literals_any_text;
	}
}

const ARRAY_TYPE(bounce_format_match) *
bounce_rules_header_marks(struct bounce_rules *rules)
{
	if (!array_is_created(&rules->header_marks)) {
		p_array_init(&rules->header_marks, rules->pool,
			     array_count(&rules->notifications) + 8);
		array_append_array(&rules->header_marks,
				   &rules->notifications);
		header_marks_add_set(rules, &rules->subjects, "Subject");
	}
	return &rules->header_marks;
}
