#ifndef BENCH_SIZED_H
#define BENCH_SIZED_H

/* Messages of a chosen size made from a real one, to see how the
   classifier's cost grows with size. The real message's structure and
   evidence stay; only bulk is added. */

enum bench_padding {
	/* Neutral prose lines appended to the first text/plain part that is
	   not in the returned original (a long notification). */
	BENCH_PADDING_TEXT,
	/* A base64 application/octet-stream part added to the top-level
	   multipart (a large attachment); a single-part message becomes
	   multipart/mixed with its body as the first part. */
	BENCH_PADDING_ATTACHMENT,
};

const char *bench_padding_name(enum bench_padding padding);

/* A copy of base grown to at least target bytes (base as is when it is
   already that big). Returns NULL with error_r when base has no place for
   that padding (no plain text part, not multipart). */
buffer_t *bench_sized_message(const unsigned char *base, size_t base_size,
			      enum bench_padding padding, size_t target,
			      const char **error_r);

#endif
