/* Header fields as the classifier keeps them (bounce-mime.h): looking
   one up by name, and reading a block of them out of a text (a delivery
   status report's blocks, a text/rfc822-headers part). */

#include "lib.h"
#include "array.h"
#include "istream.h"
#include "message-header-parser.h"
#include "bounce-mime.h"

const char *bounce_headers_find(const ARRAY_TYPE(bounce_header) *headers,
				const char *name)
{
	const struct bounce_header *hdr;

	array_foreach(headers, hdr) {
		if (strcasecmp(hdr->name, name) == 0)
			return hdr->value;
	}
	return NULL;
}

const char *bounce_parsed_header(const struct bounce_parsed *parsed,
				 const char *name)
{
	return bounce_headers_find(&parsed->headers, name);
}

void bounce_parse_fields(pool_t pool, const unsigned char *data, size_t size,
			 ARRAY_TYPE(bounce_header) *fields, size_t *pos_r)
{
	struct istream *input;
	struct message_header_parser_ctx *hparser;
	struct message_header_line *hdr;
	struct bounce_header *field;
	size_t skip = 0, len;

	/* Blank lines before a block belong to no block. */
	while (skip < size && (data[skip] == '\n' || data[skip] == '\r'))
		skip++;
	input = i_stream_create_from_data(data + skip, size - skip);
	hparser = message_parse_header_init(input, NULL,
		MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE);
	while (message_parse_header_next(hparser, &hdr) > 0) {
		if (hdr->eoh)
			break;
		if (hdr->continues) {
			hdr->use_full_value = TRUE;
			continue;
		}
		if (hdr->name_len == 0)
			continue;
		len = I_MIN(hdr->full_value_len, BOUNCE_MAX_HEADER_VALUE);
		field = array_append_space(fields);
		field->name = p_strdup(pool, hdr->name);
		field->value = p_strndup(pool, hdr->full_value, len);
	}
	message_parse_header_deinit(&hparser);
	*pos_r = skip + input->v_offset;
	i_stream_unref(&input);
}
