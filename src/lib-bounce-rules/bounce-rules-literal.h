#ifndef BOUNCE_RULES_LITERAL_H
#define BOUNCE_RULES_LITERAL_H

/* A prefilter for the phrase patterns: the literal text every match of a
   pattern must contain, and an index that finds in one pass over a text
   which patterns' literals it contains. A pattern whose literals are all
   absent cannot match, so it need not be run. */

/* Literals are at least this long: shorter ones occur almost anywhere. */
#define RULES_LITERAL_MIN_LEN 3

/* The literals (lowercase ASCII), one of which every match of pattern
   contains when an ASCII text is matched caselessly. NULL when no such
   set is known: the pattern must always be run. Constructs the
   extraction does not know make it give up, never guess. */
const char *const *
bounce_rules_literals(pool_t pool, const char *pattern);
/* The literals one of which every match contains in any text, ASCII or
   not: those of bounce_rules_literals() for a pattern without non-ASCII
   characters; in one with them, such a character is unknown text. */
const char *const *
bounce_rules_literals_any_text(pool_t pool, const char *pattern);

/* A second set of literals, one of which every match contains besides
   one of bounce_rules_literals() (in an ASCII text, or in any text for a
   pattern without non-ASCII characters): another part of the pattern,
   or NULL when no alternative of it has another. A text holding a
   literal of the first set but none of this one is spared the run. */
const char *const *
bounce_rules_literals_second(pool_t pool, const char *pattern);

/* Whether text has no byte outside ASCII. */
bool bounce_text_is_ascii(const char *text, size_t len);

struct bounce_literal_index;

struct bounce_literal_index *bounce_literal_index_create(void);
/* Register the literals of pattern number id. */
void bounce_literal_index_add(struct bounce_literal_index *index,
			      const char *const *literals, unsigned int id);
/* Register one literal (lowercase, at least RULES_LITERAL_MIN_LEN long)
   of pattern number id. */
void bounce_literal_index_add_one(struct bounce_literal_index *index,
				  const char *literal, unsigned int id);
/* The same without a copy: literal must outlive the index. */
void bounce_literal_index_add_static(struct bounce_literal_index *index,
				     const char *literal, unsigned int id);
/* Room for count literals in an empty index (one built from a known
   list). */
void bounce_literal_index_reserve(struct bounce_literal_index *index,
				  unsigned int count);
/* The registered literals, for storing the index: their number, and
   each one with its pattern's number. */
unsigned int bounce_literal_index_count(struct bounce_literal_index *index);
const char *bounce_literal_index_get(struct bounce_literal_index *index,
				     unsigned int idx, unsigned int *id_r);
/* Set found[id] for every pattern one of whose literals text contains
   (ASCII case-insensitively). found must have room for every id. Returns
   FALSE, without looking, when the text is not ASCII: non-ASCII letters
   may match ASCII ones caselessly (U+212A KELVIN SIGN is a 'k'). */
bool bounce_literal_index_scan(struct bounce_literal_index *index,
			       const char *text, size_t len, bool *found);
/* The same over any text, which it returns whether is ASCII. Over one
   that is not, found[] holds only for literals of
   bounce_rules_literals_any_text(): those of bounce_rules_literals()
   leave out what only a non-ASCII text can match (a word in French or
   Japanese). An ASCII literal is matched caselessly only by ASCII
   letters and U+212A and U+017F, which the scan reads as 'k' and 's'. */
bool bounce_literal_index_scan_any(struct bounce_literal_index *index,
				   const char *text, size_t len, bool *found);
/* The same, giving the text as the scan read it (lowercase ASCII, U+212A
   and U+017F as 'k' and 's'), in the data stack, to look for more
   literals in. */
bool bounce_literal_index_scan_any_lower(struct bounce_literal_index *index,
					 const char *text, size_t len,
					 bool *found,
					 const unsigned char **lower_r,
					 size_t *lower_len_r);
/* Whether such a text contains one of literals. */
bool bounce_lower_text_has(const unsigned char *lower, size_t len,
			   const char *const *literals);
void bounce_literal_index_free(struct bounce_literal_index **index);

#endif
