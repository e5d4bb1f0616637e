#ifndef BOUNCE_DECIDE_H
#define BOUNCE_DECIDE_H

/* The decision: a recipient's evidence, as the recognisers found it,
   turned into its category, code, type and deciding rule
   (bounce-decide.c). */

#include "bounce-context.h"

void bounce_decide(struct bounce_context *ctx, struct bounce_recipient *rcpt);

#endif
