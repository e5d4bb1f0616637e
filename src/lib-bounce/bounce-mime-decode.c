/* Decoding (transfer encoding, charset conversion, UTF-8 validation, a
   copy) was most of what parsing a message cost, and most of what it
   decodes comes out as it went in: a header line in ASCII without encoded
   words, and a body's ASCII text in a part without transfer encoding in
   UTF-8 or ASCII. Those are given back as they are; the rest goes through
   lib-mail's decoder, whose view of the current part (its transfer
   encoding and charset, read from the same header lines) is followed here
   to know which is which. */

#include "lib.h"
#include "str.h"
#include "rfc822-parser.h"
#include "rfc2231-parser.h"
#include "charset-utf8.h"
#include "message-header-parser.h"
#include "message-decoder.h"
#include "bounce-charsets.h"
#include "bounce-mime-decode.h"

#include <ctype.h>

struct bounce_mime_decoder {
	/* made for the first line or body that needs it */
	struct message_decoder_context *decoder;
	bool header_only;

	/* the current part, as the decoder reads its header */
	const struct message_part *part;
	enum message_cte cte;
	bool content_type_seen;
	bool charset_utf8;
	/* The last body the decoder decoded may have ended within a
	   character, whose first bytes it keeps for the next body it
	   decodes, of whichever part (a reset does not drop them): until
	   it decodes one that ends in ASCII, every body goes through it. */
	bool pending;
};

/* kept between messages (a nested parse makes its own) */
static struct bounce_mime_decoder *kept_decoder;

static void bounce_mime_decoder_free(struct bounce_mime_decoder **_dec)
{
	struct bounce_mime_decoder *dec = *_dec;

	*_dec = NULL;
	if (dec->decoder != NULL)
		message_decoder_deinit(&dec->decoder);
	i_free(dec);
}

static void bounce_mime_decoder_deinit(void)
{
	if (kept_decoder != NULL)
		bounce_mime_decoder_free(&kept_decoder);
}

struct bounce_mime_decoder *bounce_mime_decoder_begin(bool header_only)
{
	struct bounce_mime_decoder *dec = kept_decoder;
	static bool atexit_set = FALSE;

	if (dec == NULL) {
		dec = i_new(struct bounce_mime_decoder, 1);
		if (!atexit_set) {
			lib_atexit(bounce_mime_decoder_deinit);
			atexit_set = TRUE;
		}
	} else {
		kept_decoder = NULL;
		/* (the first part may lie where the last message's last
		   one did, which the decoder would take for the same) */
		if (dec->decoder != NULL)
			message_decoder_decode_reset(dec->decoder);
	}
	i_assert(!dec->pending);
	dec->header_only = header_only;
	dec->part = NULL;
	return dec;
}

void bounce_mime_decoder_end(struct bounce_mime_decoder **_dec)
{
	struct bounce_mime_decoder *dec = *_dec;

	*_dec = NULL;
	if (dec->pending && dec->decoder != NULL) {
		/* nothing else drops the kept bytes */
		message_decoder_deinit(&dec->decoder);
	}
	dec->pending = FALSE;
	if (kept_decoder == NULL)
		kept_decoder = dec;
	else
		bounce_mime_decoder_free(&dec);
}

static void decoder_part(struct bounce_mime_decoder *dec,
			 const struct message_part *part)
{
	/* as the decoder resets itself for each part */
	if (part == dec->part)
		return;
	dec->part = part;
	dec->cte = MESSAGE_CTE_78BIT;
	dec->content_type_seen = FALSE;
	dec->charset_utf8 = TRUE;
}

static bool value_has_word(const unsigned char *p, size_t len,
			   const char *word)
{
	const unsigned char *end = p + len;
	size_t word_len = strlen(word);

	for (; (size_t)(end - p) >= word_len; p++) {
		if (i_tolower(*p) == word[0] &&
		    strncasecmp((const char *)p, word, word_len) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Whether the decoder converts the part from UTF-8 or ASCII, by the
   charset of a Content-Type value read as it reads it. */
static bool content_type_utf8(const struct message_header_line *hdr)
{
	struct rfc822_parser_context parser;
	const char *const *params;
	const char *charset = NULL;
	string_t *str;

	if (!value_has_word(hdr->full_value, hdr->full_value_len, "charset"))
		return TRUE;
	rfc822_parser_init(&parser, hdr->full_value, hdr->full_value_len,
			   NULL);
	rfc822_skip_lwsp(&parser);
	str = t_str_new(64);
	if (rfc822_parse_content_type(&parser, str) >= 0) {
		rfc2231_parse(&parser, &params);
		for (; *params != NULL; params += 2) {
			if (strcasecmp(params[0], "charset") == 0) {
				charset = params[1];
				break;
			}
		}
	}
	rfc822_parser_deinit(&parser);
	return charset == NULL || charset_is_utf8(charset);
}

/* What the decoder reads from a header line it is given. */
static void decoder_header(struct bounce_mime_decoder *dec,
			   const struct message_header_line *hdr)
{
	if (hdr->continues)
		return;
	if (hdr->name_len == 12 &&
	    strcasecmp(hdr->name, "Content-Type") == 0) {
		/* the first one only */
		if (!dec->content_type_seen) {
			dec->content_type_seen = TRUE;
			T_BEGIN {
				dec->charset_utf8 = content_type_utf8(hdr);
			} T_END;
		}
	} else if (hdr->name_len == 25 &&
		   strcasecmp(hdr->name, "Content-Transfer-Encoding") == 0) {
		dec->cte = message_decoder_parse_cte(hdr);
	}
}

/* Whether the decoder would give this header line back as it is: ASCII
   without encoded words, and no field the decoder must see to decode the
   body (none when only the header is read, whose end is no header). */
static bool
header_is_plain(const struct message_header_line *hdr, bool header_only)
{
	const unsigned char *p = hdr->full_value;
	const unsigned char *end = p + hdr->full_value_len;
	size_t i;

	if (hdr->continues)
		return FALSE;
	if (hdr->eoh)
		return header_only;
	if (!header_only &&
	    ((hdr->name_len == 12 &&
	      strcasecmp(hdr->name, "Content-Type") == 0) ||
	     (hdr->name_len == 25 &&
	      strcasecmp(hdr->name, "Content-Transfer-Encoding") == 0)))
		return FALSE;
	for (i = 0; i < hdr->name_len; i++) {
		if ((unsigned char)hdr->name[i] >= 0x80)
			return FALSE;
	}
	for (; p < end; p++) {
		if (*p >= 0x80 || (*p == '=' && p + 1 < end && p[1] == '?'))
			return FALSE;
	}
	return TRUE;
}

bool bounce_mime_decode_header(struct bounce_mime_decoder *dec,
			       struct message_block *raw,
			       struct message_block *block_r)
{
	struct message_header_line *hdr = raw->hdr;

	/* (when only the header is read, its end starts no body) */
	if (hdr != NULL ? header_is_plain(hdr, dec->header_only) :
	    dec->header_only) {
		*block_r = *raw;
		return TRUE;
	}
	if (dec->header_only && hdr->continues) {
		/* as the decoder does: the line is wanted whole */
		hdr->use_full_value = TRUE;
		return FALSE;
	}
	decoder_part(dec, raw->part);
	if (hdr != NULL) {
		decoder_header(dec, hdr);
		if (!hdr->continues && !hdr->eoh) {
			/* the decoder converts this line's encoded words */
			bounce_charsets_keep_encoded(hdr->full_value,
						     hdr->full_value_len);
		}
	}
	if (dec->decoder == NULL)
		dec->decoder = message_decoder_init(NULL, 0);
	return message_decoder_decode_next_block(dec->decoder, raw, block_r);
}

static bool data_is_ascii(const unsigned char *data, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++) {
		if (data[i] >= 0x80)
			return FALSE;
	}
	return TRUE;
}

bool bounce_mime_decode_body(struct bounce_mime_decoder *dec,
			     const struct message_block *raw,
			     struct message_block *block_r)
{
	struct message_block input = *raw;
	bool plain;

	i_assert(raw->hdr == NULL && raw->size > 0);

	/* the end of the part's header went through the decoder: it knows
	   the part, and so does dec */
	i_assert(raw->part == dec->part && dec->decoder != NULL);
	plain = (dec->cte == MESSAGE_CTE_78BIT ||
		 dec->cte == MESSAGE_CTE_BINARY) && dec->charset_utf8;
	if (plain && !dec->pending && data_is_ascii(raw->data, raw->size)) {
		/* ASCII is valid UTF-8: converted, it is the same */
		*block_r = *raw;
		return TRUE;
	}
	if (!message_decoder_decode_next_block(dec->decoder, &input,
					       block_r))
		return FALSE;
	/* a charset converted by iconv or a transfer encoding may have
	   kept bytes whatever they were */
	dec->pending = !plain || raw->data[raw->size - 1] >= 0x80;
	return TRUE;
}
