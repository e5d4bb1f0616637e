/* The identity of a notification (bounce.h): what makes two deliveries
   "the same notification", so that it is counted once.

   What stays the same when a notification is delivered again, and what
   does not:
   - an MTA retrying a delivery that failed or was cut off (LMTP timeout,
     temporary failure, crashed delivery agent) delivers the queued
     message as it is: byte for byte the same;
   - a remote MTA sending a notification again (its SMTP session broke
     after the data was sent) sends the same message, which our MTAs
     then prefix with other trace fields: Received, Return-Path,
     Delivered-To, X-Original-To, authentication and spam results;
   - two different notifications differ in what their author wrote: the
     Message-ID, the Date, the text and the report (each names the
     returned message, its queue id, the arrival date, the recipient).
   Message-ID alone is not enough: some MTAs send none, some reuse one
   (a constant, or the returned message's own), and a forged one would
   hide a real failure. So the identity is a digest of the fields the
   author sets once (Message-ID, Date, From) and of the body, and never
   of the trace fields; and of the envelope recipient, which a retry
   keeps and which names the failed address when it is a VERP address. Line ends are taken without CRs. Only the first
   BOUNCE_IDENTITY_MAX_BODY bytes of the body are hashed, then its size:
   a notification's own words and report come first, a returned
   original after them. Two notifications alike in all of this are one:
   a byte-identical repetition with no Message-ID and no Date is counted
   once. */

#include "lib.h"
#include "str.h"
#include "istream.h"
#include "hex-binary.h"
#include "sha2.h"
#include "message-header-parser.h"

#include "bounce.h"

#define BOUNCE_IDENTITY_MAX_BODY (1024 * 1024)
/* Bytes of SHA-256 kept: 128 bits */
#define BOUNCE_IDENTITY_BYTES (BOUNCE_NOTIFICATION_ID_LEN / 2)

static const char *const identity_fields[] = {
	"Message-ID", "Date", "From"
};

struct identity_context {
	struct sha256_ctx sha;
	/* the first of each identity field, unfolded, NULL when absent */
	const char *values[N_ELEMENTS(identity_fields)];
	/* the body without CRs: bytes hashed, bytes in all */
	uoff_t hashed, body_size;
};

/* Hashes data without its CRs, up to the body limit; counts every byte
   but CRs */
static void identity_body(struct identity_context *ctx,
			  const unsigned char *data, size_t size)
{
	const unsigned char *p, *end = data + size;
	size_t n;

	while (data < end) {
		p = memchr(data, '\r', end - data);
		n = (p == NULL ? end : p) - data;
		if (ctx->hashed < BOUNCE_IDENTITY_MAX_BODY) {
			size_t h = I_MIN(n, BOUNCE_IDENTITY_MAX_BODY -
					 ctx->hashed);
			sha256_loop(&ctx->sha, data, h);
			ctx->hashed += h;
		}
		ctx->body_size += n;
		if (p == NULL)
			break;
		data = p + 1;
	}
}

static void identity_header(struct identity_context *ctx,
			    const struct message_header_line *hdr)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(identity_fields); i++) {
		if (strcasecmp(hdr->name, identity_fields[i]) == 0 &&
		    ctx->values[i] == NULL) {
			ctx->values[i] = t_strndup(hdr->full_value,
						   hdr->full_value_len);
			break;
		}
	}
}

static int identity_read_header(struct identity_context *ctx,
				struct istream *input, const char **error_r)
{
	struct message_header_parser_ctx *parser;
	struct message_header_line *hdr;
	int ret;

	parser = message_parse_header_init(input, NULL,
		MESSAGE_HEADER_PARSER_FLAG_SKIP_INITIAL_LWSP |
		MESSAGE_HEADER_PARSER_FLAG_DROP_CR |
		MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE);
	while ((ret = message_parse_header_next(parser, &hdr)) > 0) {
		if (hdr->eoh)
			break;
		if (hdr->continues) {
			hdr->use_full_value = TRUE;
			continue;
		}
		identity_header(ctx, hdr);
	}
	message_parse_header_deinit(&parser);
	if (ret < 0 && input->stream_errno != 0) {
		*error_r = t_strdup_printf("read(%s) failed: %s",
					   i_stream_get_name(input),
					   i_stream_get_error(input));
		return -1;
	}
	i_assert(ret != 0);
	return 0;
}

static int identity_read_body(struct identity_context *ctx,
			      struct istream *input, const char **error_r)
{
	const unsigned char *data;
	size_t size;
	int ret;

	while ((ret = i_stream_read_more(input, &data, &size)) > 0) {
		identity_body(ctx, data, size);
		i_stream_skip(input, size);
	}
	i_assert(ret != 0);
	if (input->stream_errno != 0) {
		*error_r = t_strdup_printf("read(%s) failed: %s",
					   i_stream_get_name(input),
					   i_stream_get_error(input));
		return -1;
	}
	return 0;
}

/* The author's fields and the envelope recipient, each named and its
   length given, so that no bytes can move between fields or into the
   body and hash alike */
static void identity_fields_hash(struct identity_context *ctx,
				 const char *envelope_to)
{
	static const char domain[] = "dovecot-bounce notification 1";
	string_t *str = t_str_new(256);
	const char *value;
	unsigned int i;

	str_printfa(str, "%s\n", domain);
	for (i = 0; i < N_ELEMENTS(identity_fields); i++) {
		if (ctx->values[i] == NULL) {
			str_printfa(str, "%s -\n", identity_fields[i]);
			continue;
		}
		value = t_str_trim(ctx->values[i], " \t");
		str_printfa(str, "%s %zu:%s\n", identity_fields[i],
			    strlen(value), value);
	}
	if (envelope_to == NULL)
		str_append(str, "envelope-to -\n");
	else {
		str_printfa(str, "envelope-to %zu:%s\n", strlen(envelope_to),
			    envelope_to);
	}
	sha256_loop(&ctx->sha, str_data(str), str_len(str));
}

int bounce_notification_id(struct istream *input, const char *envelope_to,
			   const char **id_r, const char **error_r)
{
	struct identity_context ctx;
	unsigned char digest[SHA256_RESULTLEN];
	const char *size;

	i_zero(&ctx);
	sha256_init(&ctx.sha);
	if (identity_read_header(&ctx, input, error_r) < 0)
		return -1;
	identity_fields_hash(&ctx, envelope_to);
	if (identity_read_body(&ctx, input, error_r) < 0)
		return -1;
	if (ctx.body_size > ctx.hashed) {
		size = t_strdup_printf("\nsize %"PRIuUOFF_T, ctx.body_size);
		sha256_loop(&ctx.sha, size, strlen(size));
	}
	sha256_result(&ctx.sha, digest);
	*id_r = binary_to_hex(digest, BOUNCE_IDENTITY_BYTES);
	return 0;
}
