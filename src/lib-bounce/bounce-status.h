#ifndef BOUNCE_STATUS_H
#define BOUNCE_STATUS_H

/* Small readers of evidence: status and reply codes, folded text,
   addresses (bounce-status.c). */

/* Find an enhanced status code (x.y.z, class 2, 4 or 5) in text. */
const char *bounce_status_find(pool_t pool, const char *text);
/* Find a leading SMTP reply code (2xx/4xx/5xx) in a diagnostic. */
const char *bounce_reply_find(pool_t pool, const char *text);
/* Fold whitespace to single spaces, trim, and drop control chars. */
const char *bounce_text_fold(pool_t pool, const char *text, size_t len);
/* Lowercase the address, strip <>, "rfc822;" and surrounding space.
   Returns NULL when it does not look like an address. */
const char *bounce_address_normalize(pool_t pool, const char *str);
struct message_address;
/* A parsed address (lib-mail's message-address.h) normalized as above;
   NULL for a group or an address without a domain. */
const char *bounce_message_address(pool_t pool,
				   const struct message_address *addr);

#endif
