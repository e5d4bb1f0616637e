/* Turns one recipient's evidence into a category. The most reliable
   evidence wins (docs/taxonomy.md): a DSN Action, then a status code the
   rules call definite, then the diagnostic's phrases, then a status the
   rules let the text refine, then the bare reply code. */

#include "lib.h"
#include "bounce-private.h"

void bounce_set_category(struct bounce_context *ctx,
			 struct bounce_recipient *rcpt, int category_idx,
			 unsigned int code, const char *rule)
{
	const struct bounce_category_def *def;

	i_assert(category_idx >= 0);
	def = bounce_category_get(category_idx);
	rcpt->category = def->name;
	rcpt->code = code != 0 ? code : def->code;
	rcpt->type = ctx->cls->category_types[category_idx];
	rcpt->rule = rule;
}

static void decide_rule(struct bounce_context *ctx,
			struct bounce_recipient *rcpt,
			const struct bounce_rule *rule)
{
	bounce_set_category(ctx, rcpt, rule->category, rule->code, rule->id);
}

static bool action_is_success(const char *action)
{
	return action != NULL &&
		(strcmp(action, "delivered") == 0 ||
		 strcmp(action, "relayed") == 0 ||
		 strcmp(action, "expanded") == 0);
}

void bounce_decide(struct bounce_context *ctx, struct bounce_recipient *rcpt)
{
	struct bounce_rules *rules = ctx->cls->rules;
	const struct bounce_rule *status_rule = NULL, *phrase = NULL, *rule;

	if (rcpt->category != NULL)
		return;
	if (rcpt->status == NULL)
		rcpt->status = bounce_status_find(ctx->pool, rcpt->diagnostic);
	if (rcpt->reply == NULL)
		rcpt->reply = bounce_reply_find(ctx->pool, rcpt->diagnostic);

	if (action_is_success(rcpt->action) ||
	    (rcpt->action == NULL && rcpt->status != NULL &&
	     rcpt->status[0] == '2')) {
		bounce_set_category(ctx, rcpt,
				    bounce_category_find("delivered"), 0,
				    "dsn-action");
		return;
	}

	if (rcpt->status != NULL)
		status_rule = bounce_rules_match_status(rules, rcpt->status);
	if (status_rule != NULL && !status_rule->refine) {
		decide_rule(ctx, rcpt, status_rule);
		return;
	}
	if (rcpt->diagnostic != NULL)
		phrase = bounce_rules_match_phrase(rules, rcpt->diagnostic);
	/* Without a diagnostic of its own, the notification's text speaks
	   for the recipient. */
	if (phrase == NULL && rcpt->diagnostic == NULL && ctx->text[0] != '\0')
		phrase = bounce_rules_match_phrase(rules, ctx->text);
	if (phrase != NULL) {
		decide_rule(ctx, rcpt, phrase);
		return;
	}
	if (status_rule != NULL) {
		decide_rule(ctx, rcpt, status_rule);
		return;
	}
	if (rcpt->reply != NULL &&
	    (rule = bounce_rules_match_reply(rules, rcpt->reply)) != NULL) {
		decide_rule(ctx, rcpt, rule);
		return;
	}
	/* A bounce whose cause cannot be told: a transient one if all we
	   know says temporary. */
	bounce_set_category(ctx, rcpt, bounce_category_find("other"),
			    (rcpt->status != NULL && rcpt->status[0] == '4') ||
			    (rcpt->reply != NULL && rcpt->reply[0] == '4') ||
			    (rcpt->action != NULL &&
			     strcmp(rcpt->action, "delayed") == 0) ? 70 : 40,
			    "fallback");
}
