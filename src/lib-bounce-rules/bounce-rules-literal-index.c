/* The literal index of bounce-rules-literal.h: the phrase patterns'
   required literals, hashed by their first three characters, so that
   one pass over a text finds every pattern one of whose literals it
   contains (ASCII case-insensitively). */

#include "lib.h"
#include "array.h"
#include "bounce-rules-literal.h"

#define LITERAL_HASH_SIZE 4096
/* Room an index starts with: most are an alternation's few literals, and
   the big ones are reserved at once (bounce_literal_index_reserve()). */
#define LITERAL_INDEX_INIT_COUNT 16
/* A text up to this long is lowercased on the stack, not the data
   stack: most are a header's value or a diagnostic. */
#define LITERAL_STACK_TEXT 512

struct literal_entry {
	const char *literal;
	unsigned int len, id, hash;
	/* the first three characters, compared before the rest: a
	   bucket's entries mostly start otherwise */
	uint32_t head;
};

struct bounce_literal_index {
	pool_t pool;
	ARRAY(struct literal_entry) entries;
	/* entries of hash h (masked): [bucket[h], bucket[h+1]) once sorted
	   (only then allocated: most indexes of a delivery are never
	   scanned) */
	unsigned int *bucket;
	unsigned int mask;
	bool sorted;
};

/* ASCII only, whatever the locale: as PCRE2's default tables */
static inline unsigned char literal_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static inline uint32_t literal_head(const unsigned char *p)
{
	return p[0] | (p[1] << 8) | ((uint32_t)p[2] << 16);
}

static unsigned int literal_hash(const unsigned char *p)
{
	return ((p[0] * 961U) + (p[1] * 31U) + p[2]) &
		(LITERAL_HASH_SIZE - 1);
}

struct bounce_literal_index *bounce_literal_index_create(void)
{
	struct bounce_literal_index *index;
	pool_t pool;

	pool = pool_alloconly_create("bounce literal index", 4096);
	index = p_new(pool, struct bounce_literal_index, 1);
	index->pool = pool;
	p_array_init(&index->entries, pool, LITERAL_INDEX_INIT_COUNT);
	return index;
}

void bounce_literal_index_add_static(struct bounce_literal_index *index,
				     const char *literal, unsigned int id)
{
	struct literal_entry *entry;
	size_t len = strlen(literal);

	i_assert(len >= RULES_LITERAL_MIN_LEN);
	entry = array_append_space(&index->entries);
	entry->literal = literal;
	entry->len = len;
	entry->id = id;
	entry->hash = literal_hash((const unsigned char *)literal);
	entry->head = literal_head((const unsigned char *)literal);
	index->sorted = FALSE;
}

void bounce_literal_index_add_one(struct bounce_literal_index *index,
				  const char *literal, unsigned int id)
{
	bounce_literal_index_add_static(index, p_strdup(index->pool, literal),
					id);
}

void bounce_literal_index_reserve(struct bounce_literal_index *index,
				  unsigned int count)
{
	/* an empty index: its array is made this big at once, instead of
	   doubling (and copying) its way there */
	if (array_count(&index->entries) == 0 &&
	    count > LITERAL_INDEX_INIT_COUNT)
		p_array_init(&index->entries, index->pool, count);
}

void bounce_literal_index_add(struct bounce_literal_index *index,
			      const char *const *literals, unsigned int id)
{
	for (; *literals != NULL; literals++)
		bounce_literal_index_add_one(index, *literals, id);
}

unsigned int bounce_literal_index_count(struct bounce_literal_index *index)
{
	return array_count(&index->entries);
}

const char *bounce_literal_index_get(struct bounce_literal_index *index,
				     unsigned int idx, unsigned int *id_r)
{
	const struct literal_entry *entry = array_idx(&index->entries, idx);

	*id_r = entry->id;
	return entry->literal;
}

/* A counting sort by hash: one pass to count, one to place, cheaper
   than comparing entries when the index is built once per delivery. The
   table has about two buckets per entry: a small index (an alternation's
   few literals) needs no 16 kB table, nor the pages it would touch. */
static void literal_index_sort(struct bounce_literal_index *index)
{
	const struct literal_entry *entries;
	struct literal_entry *sorted;
	unsigned int i, h, count, size, *next;

	entries = array_get(&index->entries, &count);
	for (size = 64; size < count * 2 && size < LITERAL_HASH_SIZE; )
		size <<= 1;
	if (index->bucket == NULL || size > index->mask + 1)
		index->bucket = p_new(index->pool, unsigned int, size + 1);
	else
		memset(index->bucket, 0, sizeof(unsigned int) * (size + 1));
	index->mask = size - 1;
	for (i = 0; i < count; i++)
		index->bucket[(entries[i].hash & index->mask) + 1]++;
	for (h = 0; h < size; h++)
		index->bucket[h + 1] += index->bucket[h];
	T_BEGIN {
		next = t_malloc_no0(sizeof(unsigned int) * size);
		memcpy(next, index->bucket, sizeof(unsigned int) * size);
		sorted = t_new(struct literal_entry, count + 1);
		for (i = 0; i < count; i++)
			sorted[next[entries[i].hash & index->mask]++] = entries[i];
		array_clear(&index->entries);
		array_append(&index->entries, sorted, count);
	} T_END;
	index->sorted = TRUE;
}

/* The text lowercased for the scan. U+212A KELVIN SIGN and U+017F LATIN
   SMALL LETTER LONG S become the 'k' and 's' they match caselessly; any
   other non-ASCII byte stays, and equals no literal's. */
static size_t literal_lower_text(const char *text, size_t len,
				 unsigned char *lower)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x80)
			lower[n++] = literal_lower(p[i]);
		else if (p[i] == 0xe2 && i + 2 < len && p[i + 1] == 0x84 &&
			 p[i + 2] == 0xaa) {
			lower[n++] = 'k';
			i += 2;
		} else if (p[i] == 0xc5 && i + 1 < len && p[i + 1] == 0xbf) {
			lower[n++] = 's';
			i++;
		} else {
			lower[n++] = p[i];
		}
	}
	return n;
}

static void
literal_scan_lower(const struct bounce_literal_index *index,
		   const unsigned char *lower, size_t len, bool *found)
{
	const struct literal_entry *entries, *entry;
	unsigned int h, j;
	uint32_t head;
	size_t i;

	entries = array_front(&index->entries);
	for (i = 0; i + RULES_LITERAL_MIN_LEN <= len; i++) {
		h = literal_hash(lower + i) & index->mask;
		if (index->bucket[h] == index->bucket[h + 1])
			continue;
		head = literal_head(lower + i);
		for (j = index->bucket[h]; j < index->bucket[h + 1]; j++) {
			entry = &entries[j];
			if (entry->head == head && !found[entry->id] &&
			    entry->len <= len - i &&
			    memcmp(lower + i + 3, entry->literal + 3,
				   entry->len - 3) == 0)
				found[entry->id] = TRUE;
		}
	}
}

static void
literal_index_scan(struct bounce_literal_index *index, const char *text,
		   size_t len, bool *found)
{
	unsigned char stack_lower[LITERAL_STACK_TEXT];

	if (!index->sorted)
		literal_index_sort(index);
	/* rules without phrases have an empty index */
	if (array_count(&index->entries) == 0)
		return;
	if (len <= sizeof(stack_lower)) {
		len = literal_lower_text(text, len, stack_lower);
		literal_scan_lower(index, stack_lower, len, found);
		return;
	}
	T_BEGIN {
		unsigned char *lower = t_malloc_no0(len);

		len = literal_lower_text(text, len, lower);
		literal_scan_lower(index, lower, len, found);
	} T_END;
}

bool bounce_text_is_ascii(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)text[i] >= 0x80)
			return FALSE;
	}
	return TRUE;
}

bool bounce_literal_index_scan(struct bounce_literal_index *index,
			       const char *text, size_t len, bool *found)
{
	if (!bounce_text_is_ascii(text, len))
		return FALSE;
	literal_index_scan(index, text, len, found);
	return TRUE;
}

bool bounce_literal_index_scan_any(struct bounce_literal_index *index,
				   const char *text, size_t len, bool *found)
{
	literal_index_scan(index, text, len, found);
	return bounce_text_is_ascii(text, len);
}

bool bounce_literal_index_scan_any_lower(struct bounce_literal_index *index,
					 const char *text, size_t len,
					 bool *found,
					 const unsigned char **lower_r,
					 size_t *lower_len_r)
{
	unsigned char *lower = t_malloc_no0(len + 1);

	if (!index->sorted)
		literal_index_sort(index);
	*lower_len_r = literal_lower_text(text, len, lower);
	*lower_r = lower;
	if (array_count(&index->entries) > 0)
		literal_scan_lower(index, lower, *lower_len_r, found);
	return bounce_text_is_ascii(text, len);
}

static bool
lower_text_has_one(const unsigned char *lower, size_t len,
		   const char *literal)
{
	const unsigned char *p = lower, *last;
	size_t lit_len = strlen(literal);

	if (lit_len > len)
		return FALSE;
	last = lower + len - lit_len;
	while (p <= last &&
	       (p = memchr(p, literal[0], last - p + 1)) != NULL) {
		if (memcmp(p + 1, literal + 1, lit_len - 1) == 0)
			return TRUE;
		p++;
	}
	return FALSE;
}

bool bounce_lower_text_has(const unsigned char *lower, size_t len,
			   const char *const *literals)
{
	for (; *literals != NULL; literals++) {
		if (lower_text_has_one(lower, len, *literals))
			return TRUE;
	}
	return FALSE;
}

void bounce_literal_index_free(struct bounce_literal_index **_index)
{
	struct bounce_literal_index *index = *_index;

	if (index == NULL)
		return;
	*_index = NULL;
	pool_unref(&index->pool);
}
