/* Grows a real message to a given size. lib-mail's parser finds where the
   padding goes, so the result stays a well-formed message whose evidence
   is the original's. */

#include "lib.h"
#include "str.h"
#include "buffer.h"
#include "base64.h"
#include "istream.h"
#include "rfc822-parser.h"
#include "rfc2231-parser.h"
#include "message-parser.h"
#include "message-header-parser.h"
#include "bench-sized.h"

#define PADDING_LINE "Padding line %07u: this paragraph only makes the " \
	"notification longer."
#define BASE64_LINE_LEN 76

struct part_info {
	const char *content_type;	/* lowercased; text/plain when none */
	const char *encoding;		/* lowercased; "" when none */
	const char *boundary;		/* NULL unless multipart */
};

const char *bench_padding_name(enum bench_padding padding)
{
	switch (padding) {
	case BENCH_PADDING_TEXT:
		return "text";
	case BENCH_PADDING_ATTACHMENT:
		return "base64 attachment";
	}
	i_unreached();
}

static void
part_parse_content_type(const struct message_header_line *hdr,
			struct part_info *info_r)
{
	struct rfc822_parser_context parser;
	const char *const *params;
	string_t *str = t_str_new(64);

	rfc822_parser_init(&parser, hdr->full_value, hdr->full_value_len, NULL);
	rfc822_skip_lwsp(&parser);
	if (rfc822_parse_content_type(&parser, str) >= 0) {
		info_r->content_type = t_str_lcase(str_c(str));
		rfc2231_parse(&parser, &params);
		for (; *params != NULL; params += 2) {
			if (strcasecmp(params[0], "boundary") == 0)
				info_r->boundary = t_strdup(params[1]);
		}
	}
	rfc822_parser_deinit(&parser);
}

/* The headers of one part that decide where padding may go. */
static void part_get_info(const unsigned char *msg,
			  const struct message_part *part,
			  struct part_info *info_r)
{
	struct istream *input;
	struct message_header_parser_ctx *hparser;
	struct message_header_line *hdr;

	i_zero(info_r);
	info_r->content_type = "text/plain";
	info_r->encoding = "";
	input = i_stream_create_from_data(msg + part->physical_pos,
					  part->header_size.physical_size);
	hparser = message_parse_header_init(input, NULL,
		MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE);
	while (message_parse_header_next(hparser, &hdr) > 0) {
		if (hdr->eoh)
			break;
		if (hdr->continues) {
			hdr->use_full_value = TRUE;
			continue;
		}
		if (strcasecmp(hdr->name, "Content-Type") == 0) {
			part_parse_content_type(hdr, info_r);
		} else if (strcasecmp(hdr->name,
				      "Content-Transfer-Encoding") == 0) {
			info_r->encoding = t_str_lcase(t_strndup(
				hdr->full_value, hdr->full_value_len));
		}
	}
	message_parse_header_deinit(&hparser);
	i_stream_unref(&input);
}

static uoff_t part_end(const struct message_part *part)
{
	return part->physical_pos + part->header_size.physical_size +
		part->body_size.physical_size;
}

/* The first text/plain leaf outside any message/rfc822 part. Its body can
   take plain lines unless it is base64. */
static const struct message_part *
find_text_part(const unsigned char *msg, const struct message_part *part)
{
	const struct message_part *found;
	struct part_info info;

	for (; part != NULL; part = part->next) {
		if ((part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0)
			continue;
		if (part->children != NULL) {
			found = find_text_part(msg, part->children);
			if (found != NULL)
				return found;
			continue;
		}
		part_get_info(msg, part, &info);
		if (strcmp(info.content_type, "text/plain") == 0 &&
		    strstr(info.encoding, "base64") == NULL)
			return part;
	}
	return NULL;
}

/* Lines of at least size bytes in all, each followed (or, when the text
   before does not end a line, preceded) by eol. */
static void
append_padding_text(buffer_t *out, size_t size, const char *eol,
		    bool line_ended)
{
	size_t start = out->used;
	unsigned int n = 0;

	while (out->used - start < size) {
		if (!line_ended)
			buffer_append(out, eol, strlen(eol));
		str_printfa(out, PADDING_LINE, ++n);
		if (line_ended)
			buffer_append(out, eol, strlen(eol));
	}
}

/* size bytes of base64 text (76 columns) of deterministic noise, so
   every run decodes the same data. The last line has no eol. */
static void
append_padding_base64(buffer_t *out, size_t size, const char *eol)
{
	size_t line_bytes = BASE64_LINE_LEN / 4 * 3;
	size_t lines = (size + BASE64_LINE_LEN) /
		(BASE64_LINE_LEN + strlen(eol)) + 1;
	size_t raw_size = lines * line_bytes;
	unsigned char *raw = i_malloc(raw_size);
	uint32_t state = 2463534242U;
	size_t i;

	for (i = 0; i < raw_size; i++) {
		/* xorshift32 */
		state ^= state << 13;
		state ^= state >> 17;
		state ^= state << 5;
		raw[i] = state & 0xff;
	}
	base64_scheme_encode(&base64_scheme,
			     strcmp(eol, "\r\n") == 0 ? BASE64_ENCODE_FLAG_CRLF : 0,
			     BASE64_LINE_LEN, raw, raw_size, out);
	i_free(raw);
	while (out->used > 0 &&
	       (((const char *)out->data)[out->used - 1] == '\n' ||
		((const char *)out->data)[out->used - 1] == '\r'))
		buffer_set_used_size(out, out->used - 1);
}

static int
build_text(const unsigned char *base, size_t base_size,
	   const struct message_part *parts, size_t pad, const char *eol,
	   buffer_t *out, const char **error_r)
{
	const struct message_part *part;
	uoff_t pos;

	part = find_text_part(base, parts);
	if (part == NULL) {
		*error_r = "no plain text part outside the returned original";
		return -1;
	}
	/* In a multipart the body ends before the eol that belongs to the
	   next boundary line. */
	pos = part_end(part);
	i_assert(pos <= base_size);
	buffer_append(out, base, pos);
	append_padding_text(out, pad, eol, pos > 0 && base[pos - 1] == '\n');
	buffer_append(out, base + pos, base_size - pos);
	return 0;
}

/* The header fields of a single-part message, split: the Content-*
   fields describe its body and go to inner, the others to outer. */
static void
split_header(const unsigned char *base, const struct message_part *part,
	     buffer_t *outer, buffer_t *inner, bool *have_mime_version_r)
{
	struct message_header_parser_ctx *hparser;
	struct message_header_line *hdr;
	struct istream *input;
	buffer_t *dest = NULL;
	uoff_t start = 0;

	*have_mime_version_r = FALSE;
	input = i_stream_create_from_data(base, part->header_size.physical_size);
	hparser = message_parse_header_init(input, NULL, 0);
	while (message_parse_header_next(hparser, &hdr) > 0) {
		if (hdr->continued)
			continue;
		/* a field ends where the next one (or the blank line) starts */
		if (dest != NULL)
			buffer_append(dest, base + start, hdr->name_offset - start);
		if (hdr->eoh)
			break;
		start = hdr->name_offset;
		dest = strncasecmp(hdr->name, "Content-", 8) == 0 ? inner : outer;
		if (strcasecmp(hdr->name, "MIME-Version") == 0)
			*have_mime_version_r = TRUE;
	}
	message_parse_header_deinit(&hparser);
	i_stream_unref(&input);
}

/* A single-part message made multipart/mixed, its body the first part
   and the padding a base64 attachment after it, as a mail client
   attaching a file to it would. */
static void
build_wrapped(const unsigned char *base, size_t base_size,
	      const struct message_part *parts, size_t pad, const char *eol,
	      buffer_t *out)
{
	const char *boundary = "bench-padding-boundary";
	buffer_t *inner = t_buffer_create(256);
	size_t body_start = parts->header_size.physical_size;
	size_t target = base_size + pad, trailer;
	bool have_mime_version;

	split_header(base, parts, out, inner, &have_mime_version);
	if (!have_mime_version)
		str_printfa(out, "MIME-Version: 1.0%s", eol);
	str_printfa(out, "Content-Type: multipart/mixed; boundary=\"%s\"%s%s"
		    "--%s%s", boundary, eol, eol, boundary, eol);
	buffer_append_buf(out, inner, 0, SIZE_MAX);
	buffer_append(out, eol, strlen(eol));
	buffer_append(out, base + body_start, base_size - body_start);
	if (base_size > body_start && base[base_size - 1] != '\n')
		buffer_append(out, eol, strlen(eol));
	str_printfa(out, "--%s%s"
		    "Content-Type: application/octet-stream; name=\"padding.bin\"%s"
		    "Content-Transfer-Encoding: base64%s"
		    "Content-Disposition: attachment; filename=\"padding.bin\"%s%s",
		    boundary, eol, eol, eol, eol, eol);
	trailer = strlen(eol) * 2 + strlen(boundary) + 4;
	append_padding_base64(out, target > out->used + trailer ?
			      target - out->used - trailer : 1, eol);
	str_printfa(out, "%s--%s--%s", eol, boundary, eol);
}

static int
build_attachment(const unsigned char *base, size_t base_size,
		 const struct message_part *parts, size_t pad, const char *eol,
		 buffer_t *out, const char **error_r)
{
	const struct message_part *last;
	struct part_info info;
	size_t hdr_start;
	uoff_t pos;

	part_get_info(base, parts, &info);
	if (info.boundary == NULL || parts->children == NULL) {
		if ((parts->flags & MESSAGE_PART_FLAG_MULTIPART) != 0) {
			*error_r = "a multipart message without parts";
			return -1;
		}
		build_wrapped(base, base_size, parts, pad, eol, out);
		return 0;
	}
	for (last = parts->children; last->next != NULL; last = last->next) ;
	/* A new last part: between the last one's body and the eol that
	   leads the closing boundary. */
	pos = part_end(last);
	i_assert(pos <= base_size);
	buffer_append(out, base, pos);
	hdr_start = out->used;
	str_printfa(out, "%s--%s%s"
		    "Content-Type: application/octet-stream; name=\"padding.bin\"%s"
		    "Content-Transfer-Encoding: base64%s"
		    "Content-Disposition: attachment; filename=\"padding.bin\"%s%s",
		    eol, info.boundary, eol, eol, eol, eol, eol);
	append_padding_base64(out, pad > out->used - hdr_start ?
			      pad - (out->used - hdr_start) : 1, eol);
	buffer_append(out, base + pos, base_size - pos);
	return 0;
}

buffer_t *bench_sized_message(const unsigned char *base, size_t base_size,
			      enum bench_padding padding, size_t target,
			      const char **error_r)
{
	const struct message_parser_settings pset = { .flags = 0 };
	struct message_parser_ctx *parser;
	struct message_block block;
	struct message_part *parts;
	struct istream *input;
	const unsigned char *nl;
	const char *eol;
	buffer_t *out;
	pool_t pool;
	size_t pad;
	int ret;

	out = buffer_create_dynamic(default_pool, I_MAX(target, base_size) + 4096);
	if (target <= base_size) {
		buffer_append(out, base, base_size);
		return out;
	}
	pad = target - base_size;
	/* the line ending the message itself uses */
	nl = memchr(base, '\n', base_size);
	eol = nl != NULL && nl > base && nl[-1] == '\r' ? "\r\n" : "\n";

	pool = pool_alloconly_create("bench message parts", 4096);
	input = i_stream_create_from_data(base, base_size);
	parser = message_parser_init(pool, input, &pset);
	while (message_parser_parse_next_block(parser, &block) > 0) ;
	message_parser_deinit(&parser, &parts);
	i_stream_unref(&input);

	T_BEGIN {
		if (padding == BENCH_PADDING_TEXT) {
			ret = build_text(base, base_size, parts, pad, eol, out,
					 error_r);
		} else {
			ret = build_attachment(base, base_size, parts, pad,
					       eol, out, error_r);
		}
	} T_END_PASS_STR_IF(ret < 0, error_r);
	pool_unref(&pool);
	if (ret < 0)
		buffer_free(&out);
	return out;
}
