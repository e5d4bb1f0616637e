#ifndef BOUNCE_RECOGNISE_H
#define BOUNCE_RECOGNISE_H

/* The recognisers, one file each: each adds the failed recipients it
   finds, with their evidence, to the context's report, and returns TRUE
   when it understood the message. The classifier tries them in turn
   (bounce-classify.c). */

#include "bounce-context.h"

/* RFC 3464 delivery status notifications (bounce-dsn.c) */
bool bounce_recognise_dsn(struct bounce_context *ctx);
/* RFC 5965 abuse reports (bounce-arf.c) */
bool bounce_recognise_arf(struct bounce_context *ctx);
/* RFC 3834 auto-replies, and the Subject rules' challenge-response and
   unsubscribe requests (bounce-autoreply.c) */
bool bounce_recognise_autoreply(struct bounce_context *ctx);
/* The plain-text formats the rules describe (bounce-format.c) */
bool bounce_recognise_format(struct bounce_context *ctx);
/* A DSN's one recipient whose Final-Recipient is a host only the
   receiving site knows (jane@mbx01.example.local), with no
   Original-Recipient the sender wrote, takes the one address the
   notification's text names as failed, when it names one: that is the
   address the sender knows (bounce-format.c). */
void bounce_format_replace_internal(struct bounce_context *ctx);

#endif
