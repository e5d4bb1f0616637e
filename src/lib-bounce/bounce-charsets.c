/* glibc unloads an iconv module (dlclose(), and with it munmap()s that
   every CPU's TLB must see) soon after the last conversion using it ends,
   and lib-mail ends its conversion at the end of each part and of each
   encoded word: a process classifying many messages in ISO-2022-JP or
   ISO-8859-1 loaded and unloaded the same modules for each of them (a
   third of the CPU time over the sample corpus). One open conversion per
   charset met keeps its modules loaded until the process ends. */

#include "lib.h"
#include "array.h"
#include "charset-utf8.h"
#include "bounce-charsets.h"

#include <ctype.h>

/* Charsets remembered at most, those that could not be opened included:
   a hostile stream of made-up names only stops the keeping. */
#define BOUNCE_CHARSETS_MAX 64
/* a longer name is no charset iconv knows */
#define BOUNCE_CHARSET_NAME_MAX 40

struct kept_charset {
	char *name;
	/* NULL when the charset could not be opened */
	struct charset_translation *trans;
};

static ARRAY(struct kept_charset) kept_charsets;

static void bounce_charsets_deinit(void)
{
	struct kept_charset *kept;

	array_foreach_modifiable(&kept_charsets, kept) {
		if (kept->trans != NULL)
			charset_to_utf8_end(&kept->trans);
		i_free(kept->name);
	}
	array_free(&kept_charsets);
}

void bounce_charsets_keep(const char *name, size_t len)
{
	struct kept_charset *kept;
	const char *str;

	if (len == 0 || len > BOUNCE_CHARSET_NAME_MAX)
		return;
	if (!array_is_created(&kept_charsets)) {
		i_array_init(&kept_charsets, 8);
		lib_atexit(bounce_charsets_deinit);
	}
	array_foreach_modifiable(&kept_charsets, kept) {
		if (strncasecmp(kept->name, name, len) == 0 &&
		    kept->name[len] == '\0')
			return;
	}
	if (array_count(&kept_charsets) >= BOUNCE_CHARSETS_MAX)
		return;
	str = t_strndup(name, len);
	/* UTF-8 and ASCII are converted without iconv */
	if (charset_is_utf8(str))
		return;
	kept = array_append_space(&kept_charsets);
	kept->name = i_strdup(str);
	if (charset_to_utf8_begin(str, NULL, &kept->trans) < 0)
		kept->trans = NULL;
}

void bounce_charsets_keep_encoded(const unsigned char *value, size_t len)
{
	const unsigned char *p = value, *end = value + len;
	const unsigned char *start, *name_end;

	while ((p = memchr(p, '=', end - p)) != NULL) {
		if (++p == end)
			break;
		if (*p != '?')
			continue;
		start = ++p;
		/* the charset ends at '?' or at a language ('*'); an
		   encoding letter and '?' follow */
		while (p < end && *p != '?' && *p != '*' && *p > ' ')
			p++;
		if (p == start)
			continue;
		name_end = p;
		while (p < end && *p != '?' && *p > ' ')
			p++;
		if (end - p >= 3 && p[0] == '?' && p[2] == '?' &&
		    (i_toupper(p[1]) == 'B' || i_toupper(p[1]) == 'Q')) {
			T_BEGIN {
				bounce_charsets_keep((const char *)start,
						     name_end - start);
			} T_END;
		}
	}
}
