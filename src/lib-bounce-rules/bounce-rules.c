/* Loading the rules, in one path: open the rules cache; while its image
   of the rules is fresh (made from this rules file, for these category
   names, and every file read then is as it was), build the rules from it
   (bounce-rules-image.c); else read and parse the files into rules
   (bounce-rules-parse.c), compile what they join into one pattern and
   put them in order, and with a cache store their image in it for the
   next load. Answering the classifier's questions is the other files'
   part: phrases (bounce-rules-phrase.c), status and reply codes
   (bounce-rules-status.c), the rest (bounce-rules-match.c) and formats
   (bounce-rules-format.c). */

#include "lib.h"
#include "array.h"
#include "hash.h"
#include "bounce-rules-literal.h"
#include "bounce-rules-cache.h"
#include "bounce-rules-private.h"
#include "bounce-rules-parse.h"
#include "bounce-rules-image.h"

static struct bounce_rules *rules_create(const char *const *categories)
{
	struct bounce_rules *rules;
	pool_t pool = pool_alloconly_create("bounce rules", 16384);

	rules = p_new(pool, struct bounce_rules, 1);
	rules->pool = pool;
	rules->categories = categories;
	rules->category_count = str_array_length(categories);
	p_array_init(&rules->phrases, pool, 32);
	p_array_init(&rules->status, pool, 64);
	p_array_init(&rules->reply, pool, 16);
	p_array_init(&rules->when, pool, 8);
	p_array_init(&rules->verp, pool, 2);
	p_array_init(&rules->formats, pool, 32);
	p_array_init(&rules->notifications, pool, 4);
	p_array_init(&rules->sources, pool, 48);
	hash_table_create_direct(&rules->scanned, default_pool, 0);
	rules->literals = bounce_literal_index_create();
	/* walked through match by match, or run on every header */
	rules->commands.alternation = TRUE;
	rules->originals.alternation = TRUE;
	rules->keep_headers.alternation = TRUE;
	return rules;
}

static bool
categories_equal(const char *const *a, const char *const *b)
{
	for (; *a != NULL && *b != NULL; a++, b++) {
		if (strcmp(*a, *b) != 0)
			return FALSE;
	}
	return *a == NULL && *b == NULL;
}

/* The image's list of files and include patterns, for the rules' stamp:
   its strings point into the image, which the rules keep. */
static void rules_keep_sources(struct bounce_rules *rules,
			       const ARRAY_TYPE(rules_source) *sources)
{
	struct rules_source *src;

	array_append_array(&rules->sources, sources);
	array_foreach_modifiable(&rules->sources, src) {
		if (src->matches != NULL) {
			src->matches = (const char *const *)
				p_strarray_dup(rules->pool, src->matches);
		}
	}
}

/* Builds the rules from the cache's image of them. FALSE when the image
   cannot be used (none, made from other files or categories, or not
   fitting the cache: then *rules is replaced by an empty one). */
static bool
rules_read_image(struct bounce_rules **rules,
		 struct bounce_rules_cache *cache, const char *path)
{
	const char *const *categories = (*rules)->categories;
	const unsigned char *image;
	size_t size;
	int ret;

	image = bounce_rules_cache_image(cache, &size);
	if (image == NULL)
		return FALSE;
	T_BEGIN {
		struct bounce_rules_image_head head;

		/* made from this rules file, for these categories, and its
		   files are as they were */
		if (!bounce_rules_image_read_head(pool_datastack_create(),
						  image, size, &head) ||
		    strcmp(head.path, path) != 0 ||
		    !categories_equal(head.categories, categories) ||
		    !rules_sources_unchanged(&head.sources))
			ret = 0;
		else
			ret = bounce_rules_image_read(*rules, cache, &head);
		if (ret > 0)
			rules_keep_sources(*rules, &head.sources);
	} T_END;
	if (ret > 0) {
		(*rules)->image_data = bounce_rules_cache_keep_data(cache);
		return TRUE;
	}
	if (ret < 0) {
		/* half built: start again from the files */
		bounce_rules_free(rules);
		*rules = rules_create(categories);
	}
	return FALSE;
}

/* Compiles what the parsed rules join into one pattern, and puts them
   in the order they are tried. */
static int
rules_compile(struct bounce_rules *rules, struct bounce_rules_cache *cache,
	      const char **error_r)
{
	const char *error = NULL;
	int ret = 0;

	T_BEGIN {
		if (rule_set_compile(cache, &rules->originals, &error) < 0 ||
		    rule_set_compile(cache, &rules->commands, &error) < 0 ||
		    rule_set_compile(cache, &rules->keep_headers, &error) < 0)
			ret = -1;
	} T_END_PASS_STR_IF(ret < 0, &error);
	if (ret < 0) {
		*error_r = error;
		return -1;
	}
	rules_status_sort(rules);
	rules_phrases_sort(rules);
	return 0;
}

/* Stores the rules' image in the cache, for the next load. */
static void
rules_write_image(struct bounce_rules *rules, struct bounce_rules_cache *cache,
		  const char *path)
{
	buffer_t *image;

	T_BEGIN {
		image = t_buffer_create(32 * 1024);
		if (bounce_rules_image_write(rules, cache, path, image))
			bounce_rules_cache_set_image(cache, image);
	} T_END;
}

int bounce_rules_load_cached(const char *path, const char *cache_path,
			     const char *const *categories,
			     struct bounce_rules **rules_r,
			     const char **error_r)
{
	bool cached = cache_path != NULL && *cache_path != '\0';
	struct bounce_rules_cache *cache;
	struct bounce_rules *rules;
	const char *error;
	int ret = 0;

	/* without a cache file it only compiles patterns */
	cache = bounce_rules_cache_open(cache_path);
	rules = rules_create(categories);
	/* from the image while it is fresh, else from the files */
	if (!cached || !rules_read_image(&rules, cache, path)) {
		ret = rules_parse(rules, cache, path, &error);
		if (ret == 0)
			ret = rules_compile(rules, cache, &error);
		if (ret == 0 && cached)
			rules_write_image(rules, cache, path);
	}
	/* rewritten when it did not hold what this load needed */
	bounce_rules_cache_close(&cache, ret == 0);
	if (ret < 0) {
		*error_r = t_strdup(error);
		bounce_rules_free(&rules);
		return -1;
	}
	rules->md = pcre2_match_data_create(32, NULL);
	rules->literal_found = p_new(rules->pool, bool,
				     rules->literal_count + 1);
	*rules_r = rules;
	return 0;
}

int bounce_rules_load(const char *path, const char *const *categories,
		      struct bounce_rules **rules_r, const char **error_r)
{
	return bounce_rules_load_cached(path, NULL, categories,
					rules_r, error_r);
}

bool bounce_rules_from_image(const struct bounce_rules *rules)
{
	return rules->image_data != NULL;
}

void bounce_rules_free(struct bounce_rules **_rules)
{
	struct bounce_rules *rules = *_rules;
	struct bounce_format *fmt;
	struct bounce_format_match *match;
	struct phrase_group *group;
	pcre2_code **re;

	if (rules == NULL)
		return;
	*_rules = NULL;
	array_foreach_modifiable(&rules->phrases, group)
		rule_set_free(&group->set);
	rule_set_free(&rules->subjects);
	rule_set_free(&rules->originals);
	rule_set_free(&rules->commands);
	rule_set_free(&rules->keep_headers);
	array_foreach_modifiable(&rules->verp, re)
		pcre2_code_free(*re);
	array_foreach_modifiable(&rules->formats, fmt)
		rules_format_free(fmt);
	array_foreach_modifiable(&rules->notifications, match)
		pcre2_code_free(match->re);
	if (rules->md != NULL)
		pcre2_match_data_free(rules->md);
	hash_table_destroy(&rules->scanned);
	bounce_literal_index_free(&rules->literals);
	/* the rules' strings may point into it; the rules are in the pool */
	bounce_rules_cache_data_free(&rules->image_data);
	pool_unref(&rules->pool);
}

void bounce_rules_stamp(struct bounce_rules *rules, buffer_t *dest)
{
	bounce_rules_image_write_stamp(rules, dest);
}

bool bounce_rules_stamp_unchanged(const void *stamp, size_t size)
{
	bool ret;

	T_BEGIN {
		ARRAY_TYPE(rules_source) sources;

		ret = bounce_rules_image_read_stamp(pool_datastack_create(),
						    stamp, size, &sources) &&
			rules_sources_unchanged(&sources);
	} T_END;
	return ret;
}
