/* The classification contract: categories, their numeric codes and
   default types (docs/taxonomy.md). Rules may name only these. */

#include "lib.h"
#include "bounce-taxonomy.h"

static const struct bounce_category_def categories[] = {
	{ "bad-mailbox", 10, BOUNCE_TYPE_HARD },
	{ "bad-domain", 10, BOUNCE_TYPE_HARD },
	{ "inactive-mailbox", 20, BOUNCE_TYPE_SOFT },
	{ "quota-issues", 22, BOUNCE_TYPE_SOFT },
	{ "dns-failure", 21, BOUNCE_TYPE_SOFT },
	{ "no-answer-from-host", 29, BOUNCE_TYPE_SOFT },
	{ "routing-issues", 20, BOUNCE_TYPE_SOFT },
	{ "rate-limited", 20, BOUNCE_TYPE_SOFT },
	{ "message-expired", 40, BOUNCE_TYPE_OTHER },
	{ "message-too-large", 23, BOUNCE_TYPE_OTHER },
	{ "spam-related", 51, BOUNCE_TYPE_OTHER },
	{ "policy-related", 50, BOUNCE_TYPE_OTHER },
	{ "relaying-issues", 54, BOUNCE_TYPE_OTHER },
	{ "role-based-address", 20, BOUNCE_TYPE_SOFT },
	{ "auto-reply", 60, BOUNCE_TYPE_OTHER },
	{ "challenge-response", 100, BOUNCE_TYPE_OTHER },
	{ "unsubscribe", 90, BOUNCE_TYPE_HARD },
	{ "complaint", 200, BOUNCE_TYPE_COMPLAINT },
	{ "suppressed", 122, BOUNCE_TYPE_OTHER },
	{ "delivered", 0, BOUNCE_TYPE_NONE },
	{ "other", 40, BOUNCE_TYPE_OTHER },
};

static const char *type_names[BOUNCE_TYPE_COUNT] = {
	[BOUNCE_TYPE_NONE] = "none",
	[BOUNCE_TYPE_HARD] = "hard",
	[BOUNCE_TYPE_SOFT] = "soft",
	[BOUNCE_TYPE_OTHER] = "other",
	[BOUNCE_TYPE_COMPLAINT] = "complaint",
};

int bounce_category_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(categories); i++) {
		if (strcmp(categories[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

const struct bounce_category_def *bounce_category_get(unsigned int idx)
{
	i_assert(idx < N_ELEMENTS(categories));
	return &categories[idx];
}

unsigned int bounce_category_count(void)
{
	return N_ELEMENTS(categories);
}

const char *const *bounce_category_names(void)
{
	static const char *names[N_ELEMENTS(categories) + 1];
	unsigned int i;

	if (names[0] == NULL) {
		for (i = 0; i < N_ELEMENTS(categories); i++)
			names[i] = categories[i].name;
	}
	return names;
}

const char *bounce_type_to_str(enum bounce_type type)
{
	i_assert(type < BOUNCE_TYPE_COUNT);
	return type_names[type];
}

bool bounce_type_from_str(const char *str, enum bounce_type *type_r)
{
	unsigned int i;

	for (i = 0; i < BOUNCE_TYPE_COUNT; i++) {
		if (strcasecmp(type_names[i], str) == 0) {
			*type_r = i;
			return TRUE;
		}
	}
	return FALSE;
}
