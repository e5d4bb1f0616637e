#ifndef BOUNCE_MIME_DECODE_H
#define BOUNCE_MIME_DECODE_H

/* lib-mail's decoder as bounce-mime.c uses it, doing less where the
   output is known without it (bounce-mime-decode.c): a header line in
   ASCII without encoded words, and a body's ASCII text in a part that is
   neither transfer-encoded nor in a charset other than UTF-8 or ASCII,
   are given back as they are. The output is the decoder's. */

#include "message-parser.h"

struct bounce_mime_decoder;

/* One decoder per message parsed: the last one's is made ready again
   (creating lib-mail's decoder zeroes 16 kB of buffers). header_only
   when only the top header block is read. */
struct bounce_mime_decoder *bounce_mime_decoder_begin(bool header_only);
void bounce_mime_decoder_end(struct bounce_mime_decoder **dec);

/* A header line (or the end of a header block, hdr NULL, size 0) as
   message_decoder_decode_next_block() gives it; FALSE when the line
   continues on the next one, which will give it whole. */
bool bounce_mime_decode_header(struct bounce_mime_decoder *dec,
			       struct message_block *raw,
			       struct message_block *block_r);
/* A piece of a part's body; FALSE when the part's transfer encoding is
   unknown, whose body is not decoded. */
bool bounce_mime_decode_body(struct bounce_mime_decoder *dec,
			     const struct message_block *raw,
			     struct message_block *block_r);

#endif
