#ifndef BOUNCE_ADDRESS_H
#define BOUNCE_ADDRESS_H

/* Which addresses a notification names, and which of them can be a
   failed recipient (bounce-address.c). */

#include "bounce-context.h"

/* Whether the notification comes from a mail system: a null return path,
   or a mailer daemon or postmaster as its author. */
bool bounce_address_from_mail_system(struct bounce_context *ctx);
/* Whether its author is a mail system by name (MAILER-DAEMON, postmaster,
   "Mail Delivery System"): unlike a null return path, which vacation
   programs use too, this says the message is no person's reply. */
bool bounce_address_author_is_mail_system(struct bounce_context *ctx);

/* Whether X-Failed-Recipients lists the failed addresses. */
bool bounce_address_failed_listed(struct bounce_context *ctx);
/* Whether address is one the notification's own machinery uses, never a
   failed recipient found in its text: a mailer daemon, the notification's
   author and addressee (the sender, or the list's bounce address), the
   envelope recipient, the list a returned list message was posted to -
   unless X-Failed-Recipients lists it. */
bool bounce_address_is_own(struct bounce_context *ctx, const char *address);
/* Whether address can never be a failed recipient, even where the text
   names no other: a mailer daemon, or the list whose bounce address the
   notification was sent to (news@ for news-bounces@, owner-news@...). */
bool bounce_address_never_failed(struct bounce_context *ctx,
				 const char *address);

/* The failed recipient of a notice that names it only in the returned
   original: the original's sole addressee (To, without Cc), else the
   "for" clause of its newest Received field; an address of the
   notification's own (above) is none. NULL when there is none. */
const char *bounce_address_from_original(struct bounce_context *ctx);

/* Whether address is on a host only its own site knows (no dot in its
   domain, or a private top level: .local, .internal, .lan...). */
bool bounce_address_is_internal(const char *address);

#endif
