/* Writes the rules' image (the format is described in
   bounce-rules-image.c), naming each pattern by its place in the cache
   file being written. */

#include "lib.h"
#include "array.h"
#include "buffer.h"
#include "bounce-rules-private.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-cache.h"
#include "bounce-rules-image.h"

struct image_writer {
	const struct bounce_rules *rules;
	struct bounce_rules_cache *cache;
	buffer_t *buf;
	bool failed;
};

static void w_u32(struct image_writer *w, uint32_t value)
{
	buffer_append(w->buf, &value, sizeof(value));
}

static void w_u64(struct image_writer *w, uint64_t value)
{
	buffer_append(w->buf, &value, sizeof(value));
}

static void w_str(struct image_writer *w, const char *str)
{
	size_t len;

	if (str == NULL) {
		w_u32(w, IMAGE_NONE);
		return;
	}
	len = strlen(str);
	w_u32(w, len);
	buffer_append(w->buf, str, len + 1);
}

static void w_strv(struct image_writer *w, const char *const *strv)
{
	if (strv == NULL) {
		w_u32(w, IMAGE_NONE);
		return;
	}
	w_u32(w, str_array_length(strv));
	for (; *strv != NULL; strv++)
		w_str(w, *strv);
}

static void w_re(struct image_writer *w, const pcre2_code *re)
{
	int idx;

	if (re == NULL) {
		w_u32(w, IMAGE_NONE);
		return;
	}
	idx = bounce_rules_cache_index(w->cache, re);
	if (idx < 0)
		w->failed = TRUE;
	w_u32(w, idx < 0 ? IMAGE_NONE : (uint32_t)idx);
}

static void w_rule(struct image_writer *w, const struct bounce_rule *rule)
{
	w_u32(w, (uint32_t)rule->category);
	w_u32(w, rule->code);
	w_str(w, rule->id);
	w_u32(w, rule->refine ? 1 : 0);
	w_strv(w, rule->refine_groups);
	w_str(w, rule->group);
}

static void
w_literals(struct image_writer *w, struct bounce_literal_index *index)
{
	unsigned int i, count, id;
	const char *literal;

	if (index == NULL) {
		w_u32(w, IMAGE_NONE);
		return;
	}
	count = bounce_literal_index_count(index);
	w_u32(w, count);
	for (i = 0; i < count; i++) {
		literal = bounce_literal_index_get(index, i, &id);
		w_str(w, literal);
		w_u32(w, id);
	}
}

static void w_set(struct image_writer *w, const struct rule_set *set)
{
	const struct bounce_rule *rule;
	const struct rule_pattern *pat;

	/* alternations are compiled by now */
	i_assert(set->source == NULL);
	w_u32(w, (set->alternation ? SET_ALTERNATION : 0) |
	      (set->prefilter ? SET_PREFILTER : 0) |
	      (set->unfiltered ? SET_UNFILTERED : 0));
	if (!array_is_created(&set->rules)) {
		w_u32(w, 0);
		w_u32(w, 0);
	} else {
		w_u32(w, array_count(&set->rules));
		array_foreach(&set->rules, rule)
			w_rule(w, rule);
		w_u32(w, array_count(&set->patterns));
		array_foreach(&set->patterns, pat) {
			w_re(w, pat->re);
			w_u32(w, (pat->prefiltered ? PATTERN_PREFILTERED : 0) |
			      (pat->any_prefiltered ?
			       PATTERN_ANY_PREFILTERED : 0) |
			      (pat->second_any_text ?
			       PATTERN_SECOND_ANY_TEXT : 0));
			w_u32(w, pat->literal_id);
			w_u32(w, pat->any_literal_id);
			w_strv(w, pat->second_literals);
			w_strv(w, pat->literals);
			w_u32(w, pat->literals_any_text ? 1 : 0);
		}
	}
	w_re(w, set->all.re);
	w_literals(w, set->literals);
}

static void w_stat(struct image_writer *w, const struct rules_source *src)
{
	w_u64(w, src->dev);
	w_u64(w, src->ino);
	w_u64(w, src->size);
	w_u64(w, (uint64_t)src->mtime);
	w_u64(w, (uint64_t)src->mtime_nsec);
	w_u64(w, (uint64_t)src->ctime);
	w_u64(w, (uint64_t)src->ctime_nsec);
}

static void w_sources(struct image_writer *w)
{
	const struct rules_source *src;

	w_u32(w, array_count(&w->rules->sources));
	array_foreach(&w->rules->sources, src) {
		w_u32(w, src->kind);
		w_str(w, src->path);
		if (src->kind == RULES_SOURCE_FILE) {
			w_stat(w, src);
		} else {
			w_u32(w, src->dir_known ? 1 : 0);
			if (src->dir_known)
				w_stat(w, src);
			w_strv(w, src->matches);
		}
	}
}

static void
w_matches(struct image_writer *w, const ARRAY_TYPE(bounce_format_match) *matches)
{
	const struct bounce_format_match *match;

	w_u32(w, array_count(matches));
	array_foreach(matches, match) {
		w_str(w, match->header);
		w_re(w, match->re);
		w_strv(w, match->literals);
		w_u32(w, match->literals_any_text ? 1 : 0);
	}
}

static void w_format(struct image_writer *w, const struct bounce_format *fmt)
{
	w_str(w, fmt->name);
	w_str(w, fmt->id);
	w_matches(w, &fmt->matches);
	w_re(w, fmt->start);
	w_re(w, fmt->end);
	w_re(w, fmt->recipient);
	w_re(w, fmt->skip);
	w_u32(w, (uint32_t)fmt->rcpt_group);
	w_u32(w, (uint32_t)fmt->diag_group);
}

bool bounce_rules_image_write(const struct bounce_rules *rules,
			      struct bounce_rules_cache *cache,
			      const char *path, buffer_t *buf)
{
	struct image_writer w = { .rules = rules, .cache = cache, .buf = buf };
	const struct phrase_group *group;
	const struct status_rule *st;
	const struct reply_rule *rr;
	const struct when_rule *wr;
	const struct bounce_format *fmt;
	pcre2_code *const *re;

	w_u32(&w, IMAGE_VERSION);
	w_str(&w, path);
	w_strv(&w, rules->categories);
	w_sources(&w);
	w_u32(&w, rules->literal_count);

	w_u32(&w, array_count(&rules->phrases));
	array_foreach(&rules->phrases, group) {
		w_str(&w, group->name);
		w_u32(&w, group->order);
		w_u32(&w, group->seq);
		w_set(&w, &group->set);
	}
	w_u32(&w, array_count(&rules->status));
	array_foreach(&rules->status, st) {
		w_str(&w, st->pattern);
		w_u32(&w, st->specificity);
		w_rule(&w, &st->rule);
	}
	w_u32(&w, array_count(&rules->reply));
	array_foreach(&rules->reply, rr) {
		w_str(&w, rr->code);
		w_rule(&w, &rr->rule);
	}
	w_u32(&w, array_count(&rules->when));
	array_foreach(&rules->when, wr) {
		w_strv(&w, wr->conditions);
		w_str(&w, wr->group);
		w_rule(&w, &wr->rule);
	}
	w_set(&w, &rules->subjects);
	w_set(&w, &rules->originals);
	w_set(&w, &rules->keep_headers);
	w_set(&w, &rules->commands);
	w_u32(&w, array_count(&rules->verp));
	array_foreach(&rules->verp, re)
		w_re(&w, *re);
	w_u32(&w, array_count(&rules->formats));
	array_foreach(&rules->formats, fmt)
		w_format(&w, fmt);
	w_matches(&w, &rules->notifications);
	w_literals(&w, rules->literals);
	return !w.failed;
}

void bounce_rules_image_write_stamp(const struct bounce_rules *rules,
				    buffer_t *buf)
{
	struct image_writer w = { .rules = rules, .buf = buf };

	w_u32(&w, IMAGE_VERSION);
	w_sources(&w);
}
