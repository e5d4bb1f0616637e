/* Messages a person's mail system sent back instead of a bounce:
   RFC 3834 auto-replies and the usual out-of-office forms, and the
   Subject rules of the rules file (challenge-response, unsubscribe).
   The recipient that "failed" is the one who answered. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "message-address.h"
#include "bounce-taxonomy.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-address.h"
#include "bounce-recognise.h"

static const char *autoreply_sender(struct bounce_context *ctx)
{
	const struct message_address *addr;
	const char *value;

	value = bounce_parsed_header(ctx->parsed, "From");
	if (value == NULL)
		value = bounce_parsed_header(ctx->parsed, "Sender");
	if (value == NULL)
		return "";
	addr = message_address_parse(pool_datastack_create(),
				     (const unsigned char *)value,
				     strlen(value), 1, 0);
	if (addr == NULL)
		return "";
	value = bounce_message_address(ctx->pool, addr);
	return value == NULL ? "" : value;
}

/* Header evidence of an automatic reply, as RFC 3834 and the common
   pre-RFC autoresponders write it. */
static bool autoreply_headers(const struct bounce_parsed *parsed)
{
	const char *value;

	value = bounce_parsed_header(parsed, "Auto-Submitted");
	if (value != NULL && strncasecmp(value, "auto-replied", 12) == 0)
		return TRUE;
	if (bounce_parsed_header(parsed, "X-Autoreply") != NULL ||
	    bounce_parsed_header(parsed, "X-Autorespond") != NULL ||
	    bounce_parsed_header(parsed, "X-Autoresponder") != NULL)
		return TRUE;
	value = bounce_parsed_header(parsed, "Precedence");
	return value != NULL && strcasecmp(value, "auto_reply") == 0;
}

bool bounce_recognise_autoreply(struct bounce_context *ctx)
{
	static const char *const challenge_groups[] = {
		"challenge-response", NULL
	};
	const struct bounce_rule *rule = NULL, *challenge = NULL;
	struct bounce_recipient *rcpt;
	const char *subject, *rule_id;
	int category;

	/* A mail system's notice is nobody's reply, though some mark it
	   "Auto-Submitted: auto-replied" (Exim does). */
	if (bounce_address_author_is_mail_system(ctx))
		return FALSE;
	subject = bounce_parsed_header(ctx->parsed, "Subject");
	if (subject != NULL)
		rule = bounce_rules_match_subject(ctx->rules, subject);
	/* A challenge-response system's request says so in its text,
	   whatever its Subject ("Re: ...") and headers (RFC 3834's, as an
	   auto-reply's) say. */
	if ((rule == NULL ||
	     rule->category == bounce_category_find("auto-reply")) &&
	    ctx->text[0] != '\0')
		challenge = bounce_rules_match_phrase_in(ctx->rules, ctx->text,
							 challenge_groups);
	if (challenge != NULL) {
		category = challenge->category;
		rule_id = challenge->id;
	} else if (rule != NULL) {
		category = rule->category;
		rule_id = rule->id;
	} else if (autoreply_headers(ctx->parsed)) {
		category = bounce_category_find("auto-reply");
		rule_id = "rfc3834";
	} else {
		return FALSE;
	}
	ctx->report->format = bounce_category_get(category)->name;
	T_BEGIN {
		rcpt = bounce_context_add_recipient(ctx,
						    autoreply_sender(ctx));
	} T_END;
	if (subject != NULL) {
		rcpt->diagnostic = bounce_text_fold(ctx->pool, subject,
						    strlen(subject));
	}
	bounce_context_set_category(ctx, rcpt, category,
			    challenge != NULL ? challenge->code :
			    rule == NULL ? 0 : rule->code, rule_id);
	return TRUE;
}
