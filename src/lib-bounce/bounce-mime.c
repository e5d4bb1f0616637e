/* Walks the message with lib-mail's parser and decoder and keeps what a
   classification needs: the top headers, the notification's text parts,
   the machine-readable reports, and the headers of the returned original.
   Bodies inside the returned original are never kept: words there are
   not evidence. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "istream.h"
#include "rfc822-parser.h"
#include "rfc2231-parser.h"
#include "message-parser.h"
#include "message-header-parser.h"
#include "mail-html2text.h"
#include "bounce-charsets.h"
#include "bounce-mime-decode.h"
#include "bounce-mime.h"

#include <ctype.h>

/* Raw body bytes decoded at a time. */
#define BOUNCE_DECODE_CHUNK 8192

enum part_role {
	ROLE_IGNORE = 0,
	ROLE_TEXT,
	ROLE_HTML,
	ROLE_REPORT,		/* kept as bounce_part of a report kind */
	ROLE_ORIGINAL,		/* inside the returned original */
};

struct mime_walk {
	const struct bounce_settings *set;
	pool_t pool;
	struct bounce_parsed *parsed;

	struct message_part *part;
	const char *content_type;	/* of the current part */
	const char *report_type;
	enum part_role role;
	struct bounce_part *out;
	/* the message is a multipart (its body may hold no parts) */
	bool multipart;
	struct mail_html2text *html;
	/* the current part's headers are the returned original's */
	bool orig_headers;
	bool have_orig;
	size_t total_text;
};

/* Whether word (lowercase) occurs in [p, end), in any case. */
static bool mem_has_word(const unsigned char *p, const unsigned char *end,
			 const char *word)
{
	size_t len = strlen(word);

	for (; (size_t)(end - p) >= len; p++) {
		if (i_tolower(*p) == word[0] &&
		    strncasecmp((const char *)p, word, len) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
parse_content_type(struct mime_walk *walk, const unsigned char *value,
		   size_t value_len)
{
	struct rfc822_parser_context parser;
	const char *const *params;
	string_t *str = t_str_new(64);

	rfc822_parser_init(&parser, value, value_len, NULL);
	rfc822_skip_lwsp(&parser);
	if (rfc822_parse_content_type(&parser, str) < 0)
		return;
	walk->content_type = p_strdup(walk->pool, t_str_lcase(str_c(str)));
	/* (a part's parameters other than its charset are not asked for) */
	if (walk->part->parent != NULL &&
	    !mem_has_word(parser.data, parser.end, "charset")) {
		rfc822_parser_deinit(&parser);
		return;
	}
	rfc2231_parse(&parser, &params);
	for (; *params != NULL; params += 2) {
		if (strcasecmp(params[0], "charset") == 0) {
			bounce_charsets_keep(params[1], strlen(params[1]));
		} else if (walk->part->parent == NULL &&
			   strcasecmp(params[0], "report-type") == 0) {
			/* only the top part's report-type is kept */
			walk->report_type = p_strdup(walk->pool,
				t_str_lcase(params[1]));
		}
	}
	rfc822_parser_deinit(&parser);
}

/* A part whose ancestors include a message/rfc822 container is part of the
   returned original. */
static unsigned int part_rfc822_depth(const struct message_part *part)
{
	unsigned int depth = 0;

	for (part = part->parent; part != NULL; part = part->parent) {
		if ((part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0)
			depth++;
	}
	return depth;
}

static void walk_part_start(struct mime_walk *walk, struct message_part *part)
{
	unsigned int depth = part_rfc822_depth(part);

	walk->part = part;
	walk->content_type = NULL;
	walk->report_type = NULL;
	walk->out = NULL;
	walk->role = depth > 0 ? ROLE_ORIGINAL : ROLE_IGNORE;
	/* The first returned message's own headers identify it. */
	walk->orig_headers = depth == 1 && !walk->have_orig &&
		part->parent != NULL &&
		(part->parent->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0;
}

static struct bounce_part *
walk_new_part(struct mime_walk *walk, enum bounce_part_kind kind)
{
	struct bounce_part *out = array_append_space(&walk->parsed->parts);

	out->kind = kind;
	out->content_type = walk->content_type;
	out->text = str_new(walk->pool, 256);
	return out;
}

static void walk_headers_end(struct mime_walk *walk)
{
	struct bounce_parsed *parsed = walk->parsed;
	const char *ct = walk->content_type;

	if (walk->orig_headers)
		walk->have_orig = TRUE;
	if (walk->part->parent == NULL) {
		parsed->content_type = ct != NULL ? ct : "text/plain";
		parsed->report_type = walk->report_type;
	}
	if (walk->role == ROLE_ORIGINAL)
		return;

	if (walk->part->parent == NULL && ct != NULL &&
	    strncmp(ct, "multipart/", 10) == 0) {
		walk->multipart = TRUE;
	} else if (ct == NULL || strcmp(ct, "text/plain") == 0) {
		walk->role = ROLE_TEXT;
		walk->out = walk_new_part(walk, BOUNCE_PART_TEXT);
	} else if (strcmp(ct, "text/html") == 0) {
		walk->role = ROLE_HTML;
		walk->out = walk_new_part(walk, BOUNCE_PART_TEXT);
		walk->html = mail_html2text_init(0);
	} else if (strcmp(ct, "message/delivery-status") == 0 ||
		   strcmp(ct, "message/global-delivery-status") == 0) {
		walk->role = ROLE_REPORT;
		walk->out = walk_new_part(walk, BOUNCE_PART_DELIVERY_STATUS);
	} else if (strcmp(ct, "message/feedback-report") == 0) {
		walk->role = ROLE_REPORT;
		walk->out = walk_new_part(walk, BOUNCE_PART_FEEDBACK_REPORT);
	} else if (strcmp(ct, "text/rfc822-headers") == 0 ||
		   strcmp(ct, "message/global-headers") == 0 ||
		   strcmp(ct, "message/global") == 0) {
		/* message/global is not parsed as a container by lib-mail:
		   its header block is all we want of it anyway. */
		walk->role = ROLE_REPORT;
		walk->out = walk_new_part(walk, BOUNCE_PART_ORIGINAL_HEADERS);
	} else if (strncmp(ct, "text/", 5) == 0 &&
		   strcmp(ct, "text/calendar") != 0) {
		walk->role = ROLE_TEXT;
		walk->out = walk_new_part(walk, BOUNCE_PART_TEXT);
	}
}

static void walk_part_end(struct mime_walk *walk)
{
	if (walk->html != NULL)
		mail_html2text_deinit(&walk->html);
	walk->out = NULL;
}

static void
walk_header(struct mime_walk *walk, const struct message_header_line *hdr)
{
	struct bounce_header *h;
	ARRAY_TYPE(bounce_header) *dest;
	size_t len = I_MIN(hdr->full_value_len, BOUNCE_MAX_HEADER_VALUE);

	/* the end of the header block is no header */
	if (hdr->eoh)
		return;
	if (strcasecmp(hdr->name, "Content-Type") == 0)
		parse_content_type(walk, hdr->full_value, hdr->full_value_len);

	if (walk->part->parent == NULL)
		dest = &walk->parsed->headers;
	else if (walk->orig_headers)
		dest = &walk->parsed->orig_headers;
	else
		return;
	h = array_append_space(dest);
	h->name = p_strdup(walk->pool, hdr->name);
	h->value = p_strndup(walk->pool, hdr->full_value, len);
	if (len < hdr->full_value_len)
		walk->parsed->truncated = TRUE;
}

/* Bytes of text the current part may still add. */
static size_t walk_text_room(const struct mime_walk *walk)
{
	return I_MIN(walk->set->max_part_text - str_len(walk->out->text),
		     walk->set->max_total_text - walk->total_text);
}

static void walk_body(struct mime_walk *walk, const unsigned char *data,
		      size_t size)
{
	string_t *text;
	size_t room, before;

	if (walk->out == NULL)
		return;
	text = walk->out->text;
	room = walk_text_room(walk);
	if (room == 0) {
		walk->parsed->truncated = TRUE;
		return;
	}
	if (walk->html != NULL) {
		/* the text is cut, not the markup: how much of a part fits
		   does not depend on how much of it is given at once */
		before = str_len(text);
		mail_html2text_more(walk->html, data, size, text);
		if (str_len(text) - before > room) {
			str_truncate(text, before + room);
			walk->parsed->truncated = TRUE;
		}
		walk->total_text += str_len(text) - before;
		return;
	}
	if (size > room) {
		size = room;
		walk->parsed->truncated = TRUE;
	}
	str_append_data(text, data, size);
	walk->total_text += size;
}

/* Decoding (transfer encoding, charset) is most of the parsing cost, so
   only what is kept is decoded: not the returned original beyond its own
   header block, not a body that is not kept, and not the rest of a body
   once its text is full. */
static bool
walk_wants_block(const struct mime_walk *walk, const struct message_block *raw)
{
	if (walk->role == ROLE_ORIGINAL && !walk->orig_headers)
		return FALSE;
	if (raw->hdr != NULL || raw->size == 0)
		return TRUE;
	if (walk->out == NULL)
		return FALSE;
	return walk_text_room(walk) > 0 || !walk->parsed->truncated;
}

/* An in-memory message is one block however large: decode a kept body in
   pieces, so that decoding stops (and the decoder's buffers stay small)
   once the part's text is full. */
static void
walk_decode_body(struct mime_walk *walk, struct bounce_mime_decoder *decoder,
		 const struct message_block *raw)
{
	struct message_block chunk = *raw, block;
	size_t left = raw->size;

	do {
		chunk.size = I_MIN(left, BOUNCE_DECODE_CHUNK);
		left -= chunk.size;
		if (!bounce_mime_decode_body(decoder, &chunk, &block))
			break;	/* unknown transfer encoding */
		/* (a piece may decode to nothing, e.g. an incomplete base64
		   quantum) */
		if (block.size > 0)
			walk_body(walk, block.data, block.size);
		chunk.data += chunk.size;
	} while (left > 0 && walk_wants_block(walk, raw));
}

/* Without a returned message/rfc822, a text/rfc822-headers part is the
   original's header block. */
static void parse_original_headers_part(struct bounce_parsed *parsed,
					pool_t pool)
{
	const struct bounce_part *part;
	size_t pos;

	if (array_count(&parsed->orig_headers) > 0)
		return;
	array_foreach(&parsed->parts, part) {
		if (part->kind == BOUNCE_PART_ORIGINAL_HEADERS) {
			bounce_parse_fields(pool, str_data(part->text),
					    str_len(part->text),
					    &parsed->orig_headers, &pos);
			return;
		}
	}
}

/* A multipart whose boundary never occurs in its body (a broken or
   rewritten boundary parameter, or one on a line that does not continue
   the header) has no parts, and lib-mail gives none of its body: read
   that body as text of the notification. */
static void
parse_boundless_multipart(struct mime_walk *walk, struct istream *input,
			  uoff_t start_offset, const struct message_part *part)
{
	struct bounce_part *out;
	const unsigned char *data;
	uoff_t offset = start_offset + part->physical_pos +
		part->header_size.physical_size;
	uoff_t left = part->body_size.physical_size;
	size_t size, room;

	if (left == 0)
		return;
	i_stream_seek(input, offset);
	if (input->v_offset != offset)
		return;
	walk->out = out = walk_new_part(walk, BOUNCE_PART_TEXT);
	while (left > 0 && i_stream_read_more(input, &data, &size) > 0) {
		room = walk_text_room(walk);
		if (room == 0) {
			walk->parsed->truncated = TRUE;
			break;
		}
		size = I_MIN(size, I_MIN(room, left));
		str_append_data(out->text, data, size);
		walk->total_text += size;
		left -= size;
		i_stream_skip(input, size);
	}
	walk->out = NULL;
}

/* The multiparts of the notification (not of the returned original)
   that hold no parts. */
static void
parse_boundless_multiparts(struct mime_walk *walk, struct istream *input,
			   uoff_t start_offset, const struct message_part *part)
{
	for (; part != NULL; part = part->next) {
		if ((part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0)
			continue;
		if ((part->flags & MESSAGE_PART_FLAG_MULTIPART) == 0)
			continue;
		if (part->children == NULL) {
			parse_boundless_multipart(walk, input, start_offset,
						  part);
		} else {
			parse_boundless_multiparts(walk, input, start_offset,
						   part->children);
		}
	}
}

/* The first returned message: the child of the first message/rfc822
   part that is not itself inside a returned message. */
static const struct message_part *
find_returned_message(const struct message_part *part)
{
	const struct message_part *found;

	for (; part != NULL; part = part->next) {
		if ((part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0)
			return part->children;
		found = find_returned_message(part->children);
		if (found != NULL)
			return found;
	}
	return NULL;
}

static void
parse_init(const struct bounce_settings *set, pool_t pool,
	   struct bounce_parsed *parsed_r, struct mime_walk *walk_r)
{
	i_zero(parsed_r);
	p_array_init(&parsed_r->headers, pool, 32);
	p_array_init(&parsed_r->parts, pool, 4);
	p_array_init(&parsed_r->orig_headers, pool, 16);
	parsed_r->content_type = "text/plain";

	i_zero(walk_r);
	walk_r->set = set;
	walk_r->pool = pool;
	walk_r->parsed = parsed_r;
}

void bounce_parse_message(const struct bounce_settings *set, pool_t pool,
			  struct istream *input, struct bounce_parsed *parsed_r)
{
	const struct message_parser_settings pset = {
		.hdr_flags = MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE,
	};
	struct message_parser_ctx *parser;
	struct bounce_mime_decoder *decoder;
	struct message_block raw, block;
	struct message_part *parts;
	const struct message_part *orig;
	struct mime_walk walk;
	uoff_t start_offset;
	pool_t part_pool;

	parse_init(set, pool, parsed_r, &walk);
	start_offset = input->v_offset;
	part_pool = pool_alloconly_create("bounce message parts", 4096);
	parser = message_parser_init(part_pool, input, &pset);
	decoder = bounce_mime_decoder_begin(FALSE);
	while (message_parser_parse_next_block(parser, &raw) > 0) {
		if (raw.part != walk.part) {
			walk_part_end(&walk);
			walk_part_start(&walk, raw.part);
		}
		/* nested or numerous beyond what lib-mail parses */
		if ((raw.part->flags & MESSAGE_PART_FLAG_OVERFLOW) != 0)
			parsed_r->truncated = TRUE;
		if (!walk_wants_block(&walk, &raw)) {
			/* skipped */
		} else if (raw.hdr == NULL && raw.size > 0) {
			walk_decode_body(&walk, decoder, &raw);
		} else if (!bounce_mime_decode_header(decoder, &raw, &block)) {
			continue;
		} else if (block.hdr != NULL) {
			walk_header(&walk, block.hdr);
		} else {
			walk_headers_end(&walk);
		}
		if (input->v_offset > set->max_message_size) {
			parsed_r->truncated = TRUE;
			break;
		}
	}
	walk_part_end(&walk);
	bounce_mime_decoder_end(&decoder);
	message_parser_deinit(&parser, &parts);
	if (walk.multipart && parts != NULL)
		parse_boundless_multiparts(&walk, input, start_offset, parts);
	if (parts != NULL && (orig = find_returned_message(parts)) != NULL) {
		parsed_r->original_offset = start_offset + orig->physical_pos;
		parsed_r->original_size = orig->header_size.physical_size +
			orig->body_size.physical_size;
	}
	pool_unref(&part_pool);
	parse_original_headers_part(parsed_r, pool);
}

/* The header alone, for the screen: lib-mail's header parser without the
   message parser, whose part tree and pool a header does not need (a
   third of reading the header of an ordinary message). */
void bounce_parse_header(const struct bounce_settings *set, pool_t pool,
			 struct istream *input, struct bounce_parsed *parsed_r)
{
	struct message_header_parser_ctx *hparser;
	struct bounce_mime_decoder *decoder;
	struct message_header_line *hdr;
	struct message_block raw, block;
	struct message_part root;
	struct mime_walk walk;

	parse_init(set, pool, parsed_r, &walk);
	i_zero(&root);
	walk_part_start(&walk, &root);
	i_zero(&raw);
	raw.part = &root;
	hparser = message_parse_header_init(input, NULL,
		MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE);
	decoder = bounce_mime_decoder_begin(TRUE);
	while (message_parse_header_next(hparser, &hdr) > 0) {
		raw.hdr = hdr;
		if (!bounce_mime_decode_header(decoder, &raw, &block))
			continue;
		walk_header(&walk, block.hdr);
		if (hdr->eoh)
			break;
		if (input->v_offset > set->max_message_size) {
			parsed_r->truncated = TRUE;
			break;
		}
	}
	walk_headers_end(&walk);
	walk_part_end(&walk);
	message_parse_header_deinit(&hparser);
	bounce_mime_decoder_end(&decoder);
}
