/* Which literal text every match of a phrase pattern contains (the
   trigram index over those literals is bounce-rules-literal-index.c).
   Phrase patterns are mostly words with alternatives and optional
   parts, so one pass over a diagnostic tells which few patterns can
   match at all; PCRE2 runs only those.
   The extraction reads a subset of PCRE2's syntax (literals, escaped
   punctuation, classes, groups, alternation, lookarounds, quantifiers)
   and gives up on anything else, so a literal it returns is always
   required. A second set, from another part of the pattern, spares
   most of the runs the first set lets through.

   The literals are those an ASCII text must contain: an alternative
   that needs a non-ASCII character (a word in French, Russian or
   Japanese) cannot match one, and needs no literal. So they filter a
   non-ASCII text only for a pattern without such characters (whose
   literals are then required of any text). Caselessly only two
   non-ASCII characters match ASCII ones, U+212A KELVIN SIGN ('k') and
   U+017F LATIN SMALL LETTER LONG S ('s'); in a pattern they are read as
   unknown text, in a scanned text as the letters they match. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-rules-literal.h"

struct literal_parser {
	const unsigned char *p;
	size_t pos;
	/* the literals any text must contain: a non-ASCII character is
	   unknown text, not one an ASCII text lacks */
	bool any_text;
	bool fail;
};

enum literal_atom {
	/* one literal character */
	LITERAL_ATOM_CHAR,
	/* consumes text that is not a known literal */
	LITERAL_ATOM_OTHER,
	/* consumes nothing (anchor, \b, lookaround) */
	LITERAL_ATOM_EMPTY,
	/* a group whose alternatives the parser read */
	LITERAL_ATOM_GROUP,
	/* a character no ASCII text contains */
	LITERAL_ATOM_NOT_ASCII,
};

static void
literal_alternation(struct literal_parser *lp, ARRAY_TYPE(const_string) *set,
		    bool *known_r, ARRAY_TYPE(const_string) *second,
		    bool *second_known_r);

/* ASCII only, whatever the locale: as PCRE2's default tables */
static inline bool literal_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool literal_isalnum(unsigned char c)
{
	return literal_isdigit(c) || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z');
}

static inline unsigned char literal_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The minimum count of a quantifier at lp's position: -1 when there is
   none, else 0 or 1 (for "at least once"). */
static int literal_quantifier(struct literal_parser *lp)
{
	const unsigned char *p = lp->p + lp->pos;
	bool required;
	size_t i;

	switch (*p) {
	case '?':
	case '*':
		required = FALSE;
		i = 1;
		break;
	case '+':
		required = TRUE;
		i = 1;
		break;
	case '{':
		/* {n}, {n,} or {n,m}; anything else may be literal text,
		   which depends on the PCRE2 version: give up */
		if (!literal_isdigit(p[1])) {
			lp->fail = TRUE;
			return -1;
		}
		required = FALSE;
		for (i = 1; literal_isdigit(p[i]); i++) {
			if (p[i] != '0')
				required = TRUE;
		}
		if (p[i] == ',') {
			for (i++; literal_isdigit(p[i]); i++) ;
		}
		if (p[i] != '}') {
			lp->fail = TRUE;
			return -1;
		}
		i++;
		break;
	default:
		return -1;
	}
	/* lazy or possessive */
	if (p[i] == '?' || p[i] == '+')
		i++;
	lp->pos += i;
	return required ? 1 : 0;
}

static void literal_class(struct literal_parser *lp)
{
	const unsigned char *p = lp->p;
	const char *end;

	lp->pos++;
	if (p[lp->pos] == '^')
		lp->pos++;
	if (p[lp->pos] == ']')
		lp->pos++;
	for (;;) {
		switch (p[lp->pos]) {
		case '\0':
			lp->fail = TRUE;
			return;
		case '\\':
			if (p[lp->pos + 1] == '\0' || p[lp->pos + 1] == 'Q' ||
			    p[lp->pos + 1] == 'E') {
				lp->fail = TRUE;
				return;
			}
			lp->pos += 2;
			break;
		case '[':
			if (p[lp->pos + 1] == ':') {
				/* [:alpha:] */
				end = strstr((const char *)p + lp->pos + 2,
					     ":]");
				if (end == NULL) {
					lp->fail = TRUE;
					return;
				}
				lp->pos = (const unsigned char *)end + 2 - p;
			} else {
				lp->pos++;
			}
			break;
		case ']':
			lp->pos++;
			return;
		default:
			lp->pos++;
			break;
		}
	}
}

static enum literal_atom
literal_group(struct literal_parser *lp, ARRAY_TYPE(const_string) *set,
	      bool *known_r)
{
	const unsigned char *p = lp->p;
	bool empty = FALSE;

	lp->pos++;
	if (p[lp->pos] == '*') {
		/* (*VERB) */
		lp->fail = TRUE;
		return LITERAL_ATOM_OTHER;
	}
	if (p[lp->pos] == '?') {
		unsigned char c = p[lp->pos + 1];

		if (c == ':' || c == '>') {
			lp->pos += 2;
		} else if (c == '=' || c == '!') {
			lp->pos += 2;
			empty = TRUE;
		} else if (c == '<' &&
			   (p[lp->pos + 2] == '=' || p[lp->pos + 2] == '!')) {
			lp->pos += 3;
			empty = TRUE;
		} else if (c == '<' || c == '\'' ||
			   (c == 'P' && p[lp->pos + 2] == '<')) {
			/* a named group */
			unsigned char close = c == '\'' ? '\'' : '>';

			lp->pos += c == 'P' ? 3 : 2;
			while (literal_isalnum(p[lp->pos]) || p[lp->pos] == '_')
				lp->pos++;
			if (p[lp->pos] != close) {
				lp->fail = TRUE;
				return LITERAL_ATOM_OTHER;
			}
			lp->pos++;
		} else {
			/* options, conditions, recursion, comments ... */
			lp->fail = TRUE;
			return LITERAL_ATOM_OTHER;
		}
	}
	literal_alternation(lp, set, known_r, NULL, NULL);
	if (lp->fail)
		return LITERAL_ATOM_OTHER;
	if (p[lp->pos] != ')') {
		lp->fail = TRUE;
		return LITERAL_ATOM_OTHER;
	}
	lp->pos++;
	return empty ? LITERAL_ATOM_EMPTY : LITERAL_ATOM_GROUP;
}

/* A UTF-8 character at lp's position, read whole so that a quantifier
   after it applies to all of it. */
static enum literal_atom literal_not_ascii(struct literal_parser *lp)
{
	const unsigned char *p = lp->p + lp->pos;
	unsigned int len, i;

	len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			len = 0;
	}
	if (len == 0) {
		/* not UTF-8: PCRE2 refuses the pattern anyway */
		lp->fail = TRUE;
		return LITERAL_ATOM_OTHER;
	}
	lp->pos += len;
	/* the two that match ASCII letters caselessly */
	if ((len == 3 && memcmp(p, "\xe2\x84\xaa", 3) == 0) ||
	    (len == 2 && memcmp(p, "\xc5\xbf", 2) == 0))
		return LITERAL_ATOM_OTHER;
	return lp->any_text ? LITERAL_ATOM_OTHER : LITERAL_ATOM_NOT_ASCII;
}

static enum literal_atom
literal_atom(struct literal_parser *lp, char *chr_r,
	     ARRAY_TYPE(const_string) *group, bool *group_known_r)
{
	unsigned char c = lp->p[lp->pos];

	switch (c) {
	case '\\':
		c = lp->p[lp->pos + 1];
		lp->pos += 2;
		if (c == '\0' || c >= 0x80)
			break;
		if (!literal_isalnum(c)) {
			/* escaped punctuation is itself */
			*chr_r = (char)c;
			return LITERAL_ATOM_CHAR;
		}
		if (strchr("bBAzZG", c) != NULL)
			return LITERAL_ATOM_EMPTY;
		if (strchr("sSwWdDhHvVR", c) != NULL)
			return LITERAL_ATOM_OTHER;
		/* back references, \Q...\E, \x, \p, \K ...: give up */
		break;
	case '[':
		literal_class(lp);
		return LITERAL_ATOM_OTHER;
	case '.':
		lp->pos++;
		return LITERAL_ATOM_OTHER;
	case '^':
	case '$':
		lp->pos++;
		return LITERAL_ATOM_EMPTY;
	case '(':
		return literal_group(lp, group, group_known_r);
	case '*':
	case '+':
	case '?':
	case '{':
		break;
	default:
		if (c >= 0x80)
			return literal_not_ascii(lp);
		lp->pos++;
		*chr_r = (char)literal_lower(c);
		return LITERAL_ATOM_CHAR;
	}
	lp->fail = TRUE;
	return LITERAL_ATOM_OTHER;
}

static unsigned int literal_set_min_len(const ARRAY_TYPE(const_string) *set)
{
	const char *const *lit;
	unsigned int min = UINT_MAX;

	array_foreach(set, lit)
		min = I_MIN(min, strlen(*lit));
	return min;
}

/* Of two literal sets that a sequence requires one of, the better filter:
   longer literals, then fewer of them. */
static bool
literal_set_better(const ARRAY_TYPE(const_string) *a,
		   const ARRAY_TYPE(const_string) *b)
{
	unsigned int a_min = literal_set_min_len(a);
	unsigned int b_min = literal_set_min_len(b);

	if (a_min != b_min)
		return a_min > b_min;
	return array_count(a) < array_count(b);
}

/* The sets a sequence chooses among: the best, and at the top of the
   pattern the second best (another part of the sequence, so that every
   match contains one literal of each). */
struct literal_choice {
	ARRAY_TYPE(const_string) *best;
	bool have_best;
	/* NULL when not wanted */
	ARRAY_TYPE(const_string) *second;
	bool have_second;
};

static void
literal_consider(struct literal_choice *choice,
		 const ARRAY_TYPE(const_string) *set)
{
	if (!choice->have_best || literal_set_better(set, choice->best)) {
		if (choice->second != NULL && choice->have_best) {
			array_clear(choice->second);
			array_append_array(choice->second, choice->best);
			choice->have_second = TRUE;
		}
		array_clear(choice->best);
		array_append_array(choice->best, set);
		choice->have_best = TRUE;
	} else if (choice->second != NULL &&
		   (!choice->have_second ||
		    literal_set_better(set, choice->second))) {
		array_clear(choice->second);
		array_append_array(choice->second, set);
		choice->have_second = TRUE;
	}
}

static void literal_flush(string_t *run, struct literal_choice *choice)
{
	ARRAY_TYPE(const_string) set;
	const char *lit;

	if (str_len(run) >= RULES_LITERAL_MIN_LEN) {
		t_array_init(&set, 1);
		lit = t_strdup(str_c(run));
		array_push_back(&set, &lit);
		literal_consider(choice, &set);
	}
	str_truncate(run, 0);
}

/* One alternative: a sequence of atoms, up to '|', ')' or the end. Every
   match of it contains one literal of the set it chooses: the best of
   its runs of literal characters and of its required groups (and one of
   the second best, when second is given; second_known_r says whether
   there was one). */
static void
literal_sequence(struct literal_parser *lp, ARRAY_TYPE(const_string) *set,
		 bool *known_r, ARRAY_TYPE(const_string) *second,
		 bool *second_known_r)
{
	ARRAY_TYPE(const_string) group;
	struct literal_choice choice = {
		.best = set,
		.second = second,
	};
	string_t *run = t_str_new(64);
	enum literal_atom atom;
	bool group_known, impossible = FALSE;
	char chr = '\0';
	int min;

	while (lp->p[lp->pos] != '\0' && lp->p[lp->pos] != '|' &&
	       lp->p[lp->pos] != ')') {
		if (lp->p[lp->pos] == '(')
			t_array_init(&group, 8);
		group_known = FALSE;
		atom = literal_atom(lp, &chr, &group, &group_known);
		if (lp->fail)
			return;
		min = literal_quantifier(lp);
		if (lp->fail)
			return;
		switch (atom) {
		case LITERAL_ATOM_CHAR:
			if (min != 0)
				str_append_c(run, chr);
			/* a repeated character ends the run */
			if (min >= 0)
				literal_flush(run, &choice);
			break;
		case LITERAL_ATOM_GROUP:
			literal_flush(run, &choice);
			if (min != 0 && group_known) {
				/* a group none of whose alternatives an
				   ASCII text can match */
				if (array_count(&group) == 0)
					impossible = TRUE;
				literal_consider(&choice, &group);
			}
			break;
		case LITERAL_ATOM_NOT_ASCII:
			if (min != 0)
				impossible = TRUE;
			literal_flush(run, &choice);
			break;
		case LITERAL_ATOM_OTHER:
		case LITERAL_ATOM_EMPTY:
			literal_flush(run, &choice);
			break;
		}
	}
	literal_flush(run, &choice);
	/* No ASCII text matches it: it needs no literal at all (an empty
	   set, which no text's scan can meet). */
	if (impossible) {
		array_clear(set);
		choice.have_best = TRUE;
		if (second != NULL) {
			array_clear(second);
			choice.have_second = TRUE;
		}
	}
	*known_r = choice.have_best;
	if (second_known_r != NULL)
		*second_known_r = choice.have_second;
}

/* Alternatives: every match contains a literal of one of them, so the
   set is their union, known only when each one's is. With second (at the
   top of the pattern), a second set every match contains one literal of
   too: the union of each alternative's second best, or of its best when
   it has no other; *second_known_r when some alternative had one. */
static void
literal_alternation(struct literal_parser *lp, ARRAY_TYPE(const_string) *set,
		    bool *known_r, ARRAY_TYPE(const_string) *second,
		    bool *second_known_r)
{
	ARRAY_TYPE(const_string) alt, alt_second;
	bool known, alt_second_known;

	*known_r = TRUE;
	if (second_known_r != NULL)
		*second_known_r = FALSE;
	for (;;) {
		t_array_init(&alt, 8);
		if (second != NULL)
			t_array_init(&alt_second, 8);
		literal_sequence(lp, &alt, &known,
				 second == NULL ? NULL : &alt_second,
				 &alt_second_known);
		if (lp->fail)
			return;
		if (!known)
			*known_r = FALSE;
		else
			array_append_array(set, &alt);
		if (known && second != NULL) {
			if (alt_second_known &&
			    array_count(&alt_second) > 0) {
				array_append_array(second, &alt_second);
				*second_known_r = TRUE;
			} else {
				array_append_array(second, &alt);
			}
		}
		if (lp->p[lp->pos] != '|')
			return;
		lp->pos++;
	}
}

static const char *const *
literals_copy(pool_t pool, const ARRAY_TYPE(const_string) *set)
{
	ARRAY_TYPE(const_string) result;
	const char *const *lit, *copy;

	p_array_init(&result, pool, array_count(set) + 1);
	array_foreach(set, lit) {
		copy = p_strdup(pool, *lit);
		array_push_back(&result, &copy);
	}
	array_append_zero(&result);
	return array_front(&result);
}

/* The pattern's literals (those of an ASCII text, or with any_text of
   any), or with second the second set of them. */
static const char *const *
literals_extract(pool_t pool, const char *pattern, bool any_text,
		 bool second)
{
	ARRAY_TYPE(const_string) set, second_set;
	struct literal_parser lp;
	const char *const *result = NULL;
	bool known, second_known = FALSE;

	if (pool->datastack_pool)
		i_panic("bounce_rules_literals*() need a pool that outlives "
			"the data stack frame");
	i_zero(&lp);
	lp.p = (const unsigned char *)pattern;
	lp.any_text = any_text;
	T_BEGIN {
		t_array_init(&set, 16);
		t_array_init(&second_set, 16);
		literal_alternation(&lp, &set, &known,
				    second ? &second_set : NULL,
				    second ? &second_known : NULL);
		/* an unmatched ')' */
		if (!lp.fail && lp.p[lp.pos] != '\0')
			lp.fail = TRUE;
		if (lp.fail || !known)
			;
		else if (!second)
			result = literals_copy(pool, &set);
		else if (second_known)
			result = literals_copy(pool, &second_set);
	} T_END;
	return result;
}

const char *const *bounce_rules_literals(pool_t pool, const char *pattern)
{
	return literals_extract(pool, pattern, FALSE, FALSE);
}

const char *const *
bounce_rules_literals_any_text(pool_t pool, const char *pattern)
{
	return literals_extract(pool, pattern, TRUE, FALSE);
}

const char *const *
bounce_rules_literals_second(pool_t pool, const char *pattern)
{
	return literals_extract(pool, pattern, FALSE, TRUE);
}
