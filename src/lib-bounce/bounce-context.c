/* The report a recogniser fills: its recipients, merged by address, and
   the category each is given. */

#include "lib.h"
#include "array.h"
#include "bounce-taxonomy.h"
#include "bounce-context.h"

struct bounce_recipient *
bounce_context_add_recipient(struct bounce_context *ctx, const char *address)
{
	struct bounce_recipient *rcpt;

	if (address[0] != '\0') {
		array_foreach_modifiable(&ctx->report->recipients, rcpt) {
			if (strcmp(rcpt->address, address) == 0)
				return rcpt;
		}
	}
	rcpt = array_append_space(&ctx->report->recipients);
	rcpt->address = p_strdup(ctx->pool, address);
	return rcpt;
}

void bounce_context_set_category(struct bounce_context *ctx,
				 struct bounce_recipient *rcpt,
				 int category_idx, unsigned int code,
				 const char *rule)
{
	const struct bounce_category_def *def;

	i_assert(category_idx >= 0);
	def = bounce_category_get(category_idx);
	rcpt->category = def->name;
	rcpt->code = code != 0 ? code : def->code;
	rcpt->type = ctx->category_types[category_idx];
	rcpt->rule = rule;
}
