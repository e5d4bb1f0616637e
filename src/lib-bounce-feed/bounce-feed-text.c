/* Text for the feed: only what XML 1.0 allows, and not more of it than a
   record should carry. Message text is hostile: it may hold control
   characters and any bytes at all. */

#include "lib.h"
#include "str.h"
#include "unichar.h"
#include "bounce-feed.h"

static bool xml_char_allowed(unichar_t chr)
{
	/* XML 1.0, production [2] Char */
	return chr == 0x9 || chr == 0xa || chr == 0xd ||
		(chr >= 0x20 && chr <= 0xd7ff) ||
		(chr >= 0xe000 && chr <= 0xfffd) ||
		(chr >= 0x10000 && chr <= 0x10ffff);
}

const char *bounce_feed_text_clean(const char *text, size_t max_bytes,
				   bool *truncated_r)
{
	size_t len = strlen(text), pos = 0, n;
	string_t *out = t_str_new(I_MIN(len, max_bytes) + 1);
	const char *bytes;
	unichar_t chr;
	int ret;

	*truncated_r = FALSE;
	while (pos < len) {
		ret = uni_utf8_get_char_n(text + pos, len - pos, &chr);
		if (ret > 0 && xml_char_allowed(chr)) {
			bytes = text + pos;
			n = ret;
		} else {
			/* an invalid byte is replaced on its own, so what
			   follows it is still read as text */
			bytes = UNICODE_REPLACEMENT_CHAR_UTF8;
			n = strlen(UNICODE_REPLACEMENT_CHAR_UTF8);
			if (ret <= 0)
				ret = 1;
		}
		if (str_len(out) + n > max_bytes) {
			*truncated_r = TRUE;
			break;
		}
		str_append_data(out, bytes, n);
		pos += ret;
	}
	return str_c(out);
}
