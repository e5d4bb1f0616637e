/* The rules' image in the rules cache: what loading the rules files
   built, so that a delivery rebuilds it in one pass over the cache
   instead of reading and parsing some thirty files. Its head says what
   it was made from: the rules file, the category names (a rule's
   category is an index into them), and the files read and include
   patterns expanded with what stat() said of them, which the loader
   checks before it builds the rules from the body. Patterns are named
   by their place in the cache, which holds their compiled code.

   Numbers are 32 bits (file identities 64), in native byte order like
   the rest of the cache, which is checksummed as a whole; a string is
   its length, its bytes and a NUL (IMAGE_NONE for NULL), and the rules
   built from an image point into it. The image describes the structures
   of bounce-rules-private.h: changing them, or what loading builds,
   must change IMAGE_VERSION. This file reads an image;
   bounce-rules-image-write.c writes one. */

#include "lib.h"
#include "array.h"
#include "buffer.h"
#include "bounce-rules-private.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-cache.h"
#include "bounce-rules-image.h"

struct image_reader {
	struct bounce_rules *rules;
	struct bounce_rules_cache *cache;
	const unsigned char *p, *end;
	bool failed;
};

/* size bytes into dest; zeros once the image is found short */
static void r_bytes(struct image_reader *r, void *dest, size_t size)
{
	if (r->failed || (size_t)(r->end - r->p) < size) {
		r->failed = TRUE;
		memset(dest, 0, size);
		return;
	}
	memcpy(dest, r->p, size);
	r->p += size;
}

static uint32_t r_u32(struct image_reader *r)
{
	uint32_t value;

	r_bytes(r, &value, sizeof(value));
	return value;
}

static uint64_t r_u64(struct image_reader *r)
{
	uint64_t value;

	r_bytes(r, &value, sizeof(value));
	return value;
}

/* A number of items that follow, each taking at least a byte */
static uint32_t r_count(struct image_reader *r)
{
	uint32_t count = r_u32(r);

	if (count > (size_t)(r->end - r->p)) {
		r->failed = TRUE;
		return 0;
	}
	return count;
}

/* A string or NULL, pointing into the image */
static const char *r_str_or_null(struct image_reader *r)
{
	uint32_t len = r_u32(r);
	const char *str;

	if (r->failed || len == IMAGE_NONE)
		return NULL;
	if (len >= (size_t)(r->end - r->p) || r->p[len] != '\0') {
		r->failed = TRUE;
		return NULL;
	}
	str = (const char *)r->p;
	r->p += len + 1;
	return str;
}

static const char *r_str(struct image_reader *r)
{
	const char *str = r_str_or_null(r);

	if (str == NULL) {
		r->failed = TRUE;
		return "";
	}
	return str;
}

static const char *const *r_strv(struct image_reader *r, pool_t pool)
{
	const char **strv;
	uint32_t i, count = r_u32(r);

	if (r->failed || count == IMAGE_NONE)
		return NULL;
	if (count > (size_t)(r->end - r->p)) {
		r->failed = TRUE;
		return NULL;
	}
	strv = p_new(pool, const char *, count + 1);
	for (i = 0; i < count; i++)
		strv[i] = r_str(r);
	return strv;
}

static pcre2_code *r_re_or_null(struct image_reader *r)
{
	uint32_t idx = r_u32(r);
	pcre2_code *re;

	if (r->failed || idx == IMAGE_NONE)
		return NULL;
	if (!bounce_rules_cache_take(r->cache, idx, &re)) {
		r->failed = TRUE;
		return NULL;
	}
	return re;
}

static pcre2_code *r_re(struct image_reader *r)
{
	pcre2_code *re = r_re_or_null(r);

	if (re == NULL)
		r->failed = TRUE;
	return re;
}

static void r_rule(struct image_reader *r, struct bounce_rule *rule)
{
	uint32_t category = r_u32(r);

	/* a rule without a category (commands, headers) has -1 */
	if (category != IMAGE_NONE && category >= r->rules->category_count)
		r->failed = TRUE;
	rule->category = (int)category;
	rule->code = r_u32(r);
	rule->id = r_str(r);
	rule->refine = r_u32(r) != 0;
	rule->refine_groups = r_strv(r, r->rules->pool);
	rule->group = r_str_or_null(r);
}

/* The literals of an index; each one's pattern number below ids. */
static void
r_literals(struct image_reader *r, struct bounce_literal_index **index_r,
	   unsigned int ids)
{
	const char *literal;
	uint32_t i, count = r_u32(r), id;

	if (r->failed || count == IMAGE_NONE)
		return;
	if (count > (size_t)(r->end - r->p)) {
		r->failed = TRUE;
		return;
	}
	if (*index_r == NULL)
		*index_r = bounce_literal_index_create();
	bounce_literal_index_reserve(*index_r, count);
	for (i = 0; i < count && !r->failed; i++) {
		literal = r_str(r);
		id = r_u32(r);
		if (r->failed || id >= ids ||
		    strlen(literal) < RULES_LITERAL_MIN_LEN) {
			r->failed = TRUE;
			return;
		}
		/* the image outlives the rules' indexes */
		bounce_literal_index_add_static(*index_r, literal, id);
	}
}

static void r_set(struct image_reader *r, struct rule_set *set)
{
	struct rule_pattern *pat;
	uint32_t flags, i, count, patterns;

	flags = r_u32(r);
	set->alternation = (flags & SET_ALTERNATION) != 0;
	set->prefilter = (flags & SET_PREFILTER) != 0;
	set->unfiltered = (flags & SET_UNFILTERED) != 0;
	count = r_count(r);
	if (count > 0) {
		/* as adding the first rule does, but of the size needed and
		   in the rules' pool */
		p_array_init(&set->rules, r->rules->pool, count);
		p_array_init(&set->patterns, r->rules->pool, count);
	}
	for (i = 0; i < count && !r->failed; i++)
		r_rule(r, array_append_space(&set->rules));
	patterns = r_count(r);
	/* an alternation has one pattern for all, the others one each */
	if (patterns != (set->alternation ? 0 : count)) {
		r->failed = TRUE;
		return;
	}
	for (i = 0; i < patterns && !r->failed; i++) {
		pat = array_append_space(&set->patterns);
		pat->re = r_re(r);
		flags = r_u32(r);
		pat->prefiltered = (flags & PATTERN_PREFILTERED) != 0;
		pat->any_prefiltered = (flags & PATTERN_ANY_PREFILTERED) != 0;
		pat->second_any_text = (flags & PATTERN_SECOND_ANY_TEXT) != 0;
		pat->literal_id = r_u32(r);
		pat->any_literal_id = r_u32(r);
		pat->second_literals = r_strv(r, r->rules->pool);
		pat->literals = r_strv(r, r->rules->pool);
		pat->literals_any_text = r_u32(r) != 0;
		if ((pat->literal_id >= r->rules->literal_count ||
		     pat->any_literal_id >= r->rules->literal_count) &&
		    set->prefilter)
			r->failed = TRUE;
	}
	set->all.re = r_re_or_null(r);
	/* a set's own index marks one flag: its number is 0 */
	r_literals(r, &set->literals, 1);
}

static void r_stat(struct image_reader *r, struct rules_source *src)
{
	src->dev = r_u64(r);
	src->ino = r_u64(r);
	src->size = r_u64(r);
	src->mtime = (int64_t)r_u64(r);
	src->mtime_nsec = (int64_t)r_u64(r);
	src->ctime = (int64_t)r_u64(r);
	src->ctime_nsec = (int64_t)r_u64(r);
}

/* The files and include patterns the image was made from. */
static void r_sources(struct image_reader *r, pool_t pool,
		      ARRAY_TYPE(rules_source) *sources)
{
	struct rules_source *src;
	uint32_t i, count, kind;

	count = r_count(r);
	p_array_init(sources, pool, I_MAX(count, 1));
	for (i = 0; i < count && !r->failed; i++) {
		src = array_append_space(sources);
		kind = r_u32(r);
		src->path = r_str(r);
		if (kind == RULES_SOURCE_FILE) {
			src->kind = RULES_SOURCE_FILE;
			r_stat(r, src);
		} else if (kind == RULES_SOURCE_GLOB) {
			src->kind = RULES_SOURCE_GLOB;
			src->dir_known = r_u32(r) != 0;
			if (src->dir_known)
				r_stat(r, src);
			src->matches = r_strv(r, pool);
			if (src->matches == NULL)
				r->failed = TRUE;
		} else {
			r->failed = TRUE;
		}
	}
}

/* Match lines; header NULL (the body) only where body_ok. */
static void
r_matches(struct image_reader *r, ARRAY_TYPE(bounce_format_match) *matches,
	  bool body_ok)
{
	struct bounce_format_match *match;
	uint32_t i, count;

	count = r_count(r);
	if (!array_is_created(matches))
		p_array_init(matches, r->rules->pool, I_MAX(count, 1));
	for (i = 0; i < count && !r->failed; i++) {
		match = array_append_space(matches);
		match->header = r_str_or_null(r);
		match->re = r_re(r);
		match->literals = r_strv(r, r->rules->pool);
		match->literals_any_text = r_u32(r) != 0;
		if (match->header == NULL && !body_ok)
			r->failed = TRUE;
	}
}

static void r_format(struct image_reader *r, struct bounce_format *fmt)
{
	fmt->name = r_str(r);
	fmt->id = r_str(r);
	r_matches(r, &fmt->matches, TRUE);
	fmt->start = r_re_or_null(r);
	fmt->end = r_re_or_null(r);
	fmt->recipient = r_re(r);
	fmt->skip = r_re_or_null(r);
	fmt->rcpt_group = (int)r_u32(r);
	fmt->diag_group = (int)r_u32(r);
}

bool bounce_rules_image_read_stamp(pool_t pool, const unsigned char *data,
				   size_t size,
				   ARRAY_TYPE(rules_source) *sources_r)
{
	struct image_reader r = { .p = data, .end = data + size };

	if (r_u32(&r) != IMAGE_VERSION)
		return FALSE;
	r_sources(&r, pool, sources_r);
	return !r.failed && r.p == r.end;
}

bool bounce_rules_image_read_head(pool_t pool, const unsigned char *data,
				  size_t size,
				  struct bounce_rules_image_head *head_r)
{
	struct image_reader r = { .p = data, .end = data + size };

	i_zero(head_r);
	if (r_u32(&r) != IMAGE_VERSION)
		return FALSE;
	head_r->path = r_str(&r);
	head_r->categories = r_strv(&r, pool);
	r_sources(&r, pool, &head_r->sources);
	if (head_r->categories == NULL)
		r.failed = TRUE;
	head_r->body = r.p;
	head_r->body_size = r.end - r.p;
	return !r.failed;
}

int bounce_rules_image_read(struct bounce_rules *rules,
			    struct bounce_rules_cache *cache,
			    const struct bounce_rules_image_head *head)
{
	struct image_reader r = {
		.rules = rules, .cache = cache, .p = head->body,
		.end = head->body + head->body_size
	};
	struct phrase_group *group;
	struct status_rule *st;
	struct reply_rule *rr;
	struct when_rule *wr;
	const char *str;
	pcre2_code *re;
	uint32_t i, count;

	/* from here on the rules are being built */
	rules->literal_count = r_u32(&r);
	count = r_count(&r);
	/* sized at once: the groups are many, and arrays in a pool leave
	   behind what they outgrow */
	if (count > 0)
		p_array_init(&rules->phrases, rules->pool, count);
	for (i = 0; i < count && !r.failed; i++) {
		group = array_append_space(&rules->phrases);
		group->name = r_str(&r);
		group->order = r_u32(&r);
		group->seq = r_u32(&r);
		r_set(&r, &group->set);
	}
	count = r_count(&r);
	for (i = 0; i < count && !r.failed; i++) {
		st = array_append_space(&rules->status);
		str = r_str(&r);
		if (strlen(str) >= sizeof(st->pattern)) {
			r.failed = TRUE;
			break;
		}
		memcpy(st->pattern, str, strlen(str) + 1);
		st->specificity = r_u32(&r);
		r_rule(&r, &st->rule);
	}
	count = r_count(&r);
	for (i = 0; i < count && !r.failed; i++) {
		rr = array_append_space(&rules->reply);
		str = r_str(&r);
		if (strlen(str) != sizeof(rr->code) - 1) {
			r.failed = TRUE;
			break;
		}
		memcpy(rr->code, str, sizeof(rr->code));
		r_rule(&r, &rr->rule);
	}
	count = r_count(&r);
	for (i = 0; i < count && !r.failed; i++) {
		wr = array_append_space(&rules->when);
		wr->conditions = r_strv(&r, rules->pool);
		wr->group = r_str(&r);
		r_rule(&r, &wr->rule);
		if (wr->conditions == NULL)
			r.failed = TRUE;
	}
	r_set(&r, &rules->subjects);
	r_set(&r, &rules->originals);
	r_set(&r, &rules->keep_headers);
	r_set(&r, &rules->commands);
	count = r_count(&r);
	for (i = 0; i < count && !r.failed; i++) {
		re = r_re(&r);
		if (re != NULL)
			array_push_back(&rules->verp, &re);
	}
	count = r_count(&r);
	for (i = 0; i < count && !r.failed; i++)
		r_format(&r, array_append_space(&rules->formats));
	r_matches(&r, &rules->notifications, FALSE);
	r_literals(&r, &rules->literals, rules->literal_count);
	return r.failed || r.p != r.end ? -1 : 1;
}
