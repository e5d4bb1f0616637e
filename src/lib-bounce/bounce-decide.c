/* Turns one recipient's evidence into a category. The most reliable
   evidence wins (docs/taxonomy.md): a DSN Action, then a status code the
   rules call definite, then the diagnostic's phrases (adjusted by "when"
   rules for what the status class and the SMTP command say), then a
   status the rules let the text refine, then the bare reply code. */

#include "lib.h"
#include "str.h"
#include "bounce-taxonomy.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-decide.h"

static void decide_rule(struct bounce_context *ctx,
			struct bounce_recipient *rcpt,
			const struct bounce_rule *rule)
{
	bounce_context_set_category(ctx, rcpt, rule->category, rule->code,
				    rule->id);
}

static bool action_is_success(const char *action)
{
	return action != NULL &&
		(strcmp(action, "delivered") == 0 ||
		 strcmp(action, "relayed") == 0 ||
		 strcmp(action, "expanded") == 0);
}

static bool status_is_generic(const char *status)
{
	/* x.0.0 says only the class */
	return strcmp(status + 1, ".0.0") == 0;
}

/* The status to judge by. The diagnostic quotes the receiving server's
   own reply; the DSN's Status field is the reporting MTA's summary of it
   (often a generic x.0.0, sometimes a guess), so a specific code in the
   diagnostic wins. When the diagnostic quotes several, the last one is
   the remote's (relays such as Amazon SES put their own first). */
static const char *decide_status(struct bounce_context *ctx,
				 const struct bounce_recipient *rcpt,
				 const char *diagnostic)
{
	const char *p, *found, *best = NULL;

	if (diagnostic != NULL) {
		p = diagnostic;
		while ((found = bounce_status_find(ctx->pool, p)) != NULL) {
			/* a success code quoted in a failure's text is an
			   earlier step of the dialogue */
			if (!status_is_generic(found) && found[0] != '2')
				best = found;
			p = strstr(p, found);
			i_assert(p != NULL);
			p += strlen(found);
		}
	}
	if (best == NULL)
		return rcpt->status;
	return best;
}

/* How far a passage reaches from where the text names the recipient,
   and how many places are read: bounds the work on huge notifications. */
#define DECIDE_PASSAGE_MAX_LINES 16
#define DECIDE_PASSAGE_MAX_PLACES 8
/* Bytes of text either side of the recipient searched for the SMTP
   command. */
#define DECIDE_COMMAND_WINDOW 2048

static const char *decide_text_lower(struct bounce_context *ctx)
{
	if (ctx->text_lower == NULL)
		ctx->text_lower = p_strdup(ctx->pool, t_str_lcase(ctx->text));
	return ctx->text_lower;
}

static bool
text_names_other_recipient(struct bounce_context *ctx,
			   const struct bounce_recipient *rcpt,
			   const char *line, size_t len)
{
	const struct bounce_recipient *other;
	const char *l = t_str_lcase(t_strndup(line, len));

	array_foreach(&ctx->report->recipients, other) {
		if (other != rcpt && other->address[0] != '\0' &&
		    strstr(l, other->address) != NULL)
			return TRUE;
	}
	return FALSE;
}

static const char *line_start(const char *text, const char *p)
{
	while (p > text && p[-1] != '\n')
		p--;
	return p;
}

static const char *line_end(const char *p)
{
	while (*p != '\0' && *p != '\n')
		p++;
	return p;
}

static bool line_is_blank(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return FALSE;
	}
	return TRUE;
}

/* The lines around one place the text names the recipient: its
   paragraph, but not past a line naming another failed recipient. */
static void
decide_passage_at(struct bounce_context *ctx,
		  const struct bounce_recipient *rcpt, const char *text,
		  const char *at, const char **start_r, const char **end_r)
{
	const char *start = line_start(text, at), *end = line_end(at);
	const char *p, *q;
	unsigned int n;

	for (n = 0; start > text && n < DECIDE_PASSAGE_MAX_LINES; n++) {
		q = start - 1;
		p = line_start(text, q);
		if (line_is_blank(p, q) ||
		    text_names_other_recipient(ctx, rcpt, p, q - p))
			break;
		start = p;
	}
	for (n = 0; *end == '\n' && n < DECIDE_PASSAGE_MAX_LINES; n++) {
		p = end + 1;
		q = line_end(p);
		if (line_is_blank(p, q) ||
		    text_names_other_recipient(ctx, rcpt, p, q - p))
			break;
		end = q;
	}
	*start_r = start;
	*end_r = end;
}

/* What a notification without a diagnostic for the recipient says where
   its text names the address: those passages, joined. NULL when the text
   does not name it. */
static const char *
decide_passage(struct bounce_context *ctx, const struct bounce_recipient *rcpt)
{
	const char *text = ctx->text, *lower, *p, *start, *end, *done;
	unsigned int places = 0;
	string_t *str;

	if (rcpt->address[0] == '\0' || text[0] == '\0')
		return NULL;
	lower = decide_text_lower(ctx);
	str = t_str_new(256);
	done = text;
	for (p = strstr(lower, rcpt->address);
	     p != NULL && places++ < DECIDE_PASSAGE_MAX_PLACES;
	     p = strstr(p + 1, rcpt->address)) {
		if (text + (p - lower) < done)
			continue;
		decide_passage_at(ctx, rcpt, text, text + (p - lower),
				  &start, &end);
		if (start < done)
			start = done;
		if (str_len(str) > 0)
			str_append_c(str, '\n');
		str_append_data(str, start, end - start);
		done = end;
	}
	if (str_len(str) == 0)
		return NULL;
	return bounce_text_fold(ctx->pool, str_c(str), str_len(str));
}

/* The SMTP command the failing reply answered, as the "command" rules
   recognise it: in the diagnostic, else in the notification's text near
   where it names the recipient. NULL when nothing says. */
static const char *decide_command(struct bounce_context *ctx,
				  const struct bounce_recipient *rcpt,
				  const char *diagnostic)
{
	struct bounce_rules *rules = ctx->rules;
	const struct bounce_rule *rule = NULL;
	const char *lower, *p = NULL, *start, *end, *window;
	size_t len, near;

	if (diagnostic != NULL)
		rule = bounce_rules_find_command(rules, diagnostic, 0);
	if (rule == NULL && ctx->text[0] != '\0') {
		lower = decide_text_lower(ctx);
		len = strlen(lower);
		if (rcpt->address[0] != '\0')
			p = strstr(lower, rcpt->address);
		if (p == NULL)
			p = lower;
		start = p - lower > DECIDE_COMMAND_WINDOW ?
			p - DECIDE_COMMAND_WINDOW : lower;
		end = (size_t)(lower + len - p) > DECIDE_COMMAND_WINDOW ?
			p + DECIDE_COMMAND_WINDOW : lower + len;
		/* folded, so that a phrase broken over lines matches */
		window = bounce_text_fold(pool_datastack_create(), start,
					  end - start);
		near = p == lower ? 0 :
			strlen(bounce_text_fold(pool_datastack_create(), start,
						p - start));
		rule = bounce_rules_find_command(rules, window, near);
	}
	return rule == NULL ? NULL : rule->group;
}

struct decide_command_context {
	struct bounce_context *ctx;
	const struct bounce_recipient *rcpt;
	const char *diagnostic;
	bool found;
	const char *command;
};

static const char *decide_command_lazy(void *context)
{
	struct decide_command_context *cctx = context;

	if (!cctx->found) {
		cctx->command = decide_command(cctx->ctx, cctx->rcpt,
					       cctx->diagnostic);
		cctx->found = TRUE;
	}
	return cctx->command;
}

/* What "when" rules may ask about this recipient. */
static void
decide_facts(const struct bounce_recipient *rcpt, const char *status,
	     const char *diagnostic, struct decide_command_context *cctx,
	     struct bounce_when_facts *facts_r)
{
	i_zero(facts_r);
	facts_r->status = status;
	/* the status class, or without one the reply's */
	facts_r->temporary = status != NULL ? status[0] == '4' :
		(rcpt->reply != NULL && rcpt->reply[0] == '4');
	facts_r->reply = rcpt->reply != NULL ||
		bounce_reply_find(pool_datastack_create(), diagnostic) != NULL;
	facts_r->command = decide_command_lazy;
	facts_r->context = cctx;
}

/* Whether a phrase is of a group labelled "generic": words a refusal
   uses whatever its cause ("rejected", "denied", "internal error", "gave
   up"). */
static bool decide_phrase_is_generic(const struct bounce_rule *phrase)
{
	const char *label = strchr(phrase->group, '/');

	return label != NULL && strcmp(label + 1, "generic") == 0;
}

/* Whether text gives no evidence at all: no status code, no phrase. */
static bool decide_says_nothing(struct bounce_context *ctx, const char *text)
{
	bool nothing;

	if (text == NULL)
		return TRUE;
	T_BEGIN {
		nothing = bounce_status_find(pool_datastack_create(),
					     text) == NULL &&
			bounce_rules_match_phrase_in(ctx->rules, text,
						     NULL) == NULL;
	} T_END;
	return nothing;
}

static void
decide_category(struct bounce_context *ctx, struct bounce_recipient *rcpt)
{
	struct bounce_rules *rules = ctx->rules;
	const struct bounce_rule *status_rule = NULL, *phrase = NULL, *rule;
	const char *const *groups = NULL;
	struct bounce_when_facts facts;
	const char *status, *diagnostic = rcpt->diagnostic;
	bool own_diagnostic;

	if (diagnostic != NULL && diagnostic[0] == '\0')
		diagnostic = NULL;
	if (rcpt->status == NULL)
		rcpt->status = bounce_status_find(ctx->pool, rcpt->diagnostic);
	if (rcpt->reply == NULL)
		rcpt->reply = bounce_reply_find(ctx->pool, rcpt->diagnostic);
	/* Text with neither a code nor a phrase is no diagnostic (a plain
	   notification's banner or a truncated first line): the passage
	   naming the recipient is read instead. */
	if (rcpt->status == NULL && rcpt->reply == NULL &&
	    decide_says_nothing(ctx, diagnostic))
		diagnostic = NULL;
	own_diagnostic = diagnostic != NULL;

	if (action_is_success(rcpt->action) ||
	    (rcpt->action == NULL && rcpt->status != NULL &&
	     rcpt->status[0] == '2')) {
		bounce_context_set_category(ctx, rcpt,
				    bounce_category_find("delivered"), 0,
				    "dsn-action");
		return;
	}

	/* Without a diagnostic of its own, what the notification's text
	   says where it names the recipient stands in for one. */
	if (diagnostic == NULL) T_BEGIN {
		diagnostic = decide_passage(ctx, rcpt);
	} T_END;
	/* When that says nothing either, the whole text speaks for a
	   notification's only recipient. */
	if (!own_diagnostic && ctx->text[0] != '\0' &&
	    array_count(&ctx->report->recipients) == 1 &&
	    decide_says_nothing(ctx, diagnostic)) {
		diagnostic = bounce_text_fold(ctx->pool, ctx->text,
					      strlen(ctx->text));
	}

	status = decide_status(ctx, rcpt, diagnostic);
	if (status != NULL)
		status_rule = bounce_rules_match_status(rules, status);
	if (status_rule != NULL && !status_rule->refine) {
		decide_rule(ctx, rcpt, status_rule);
		return;
	}
	if (status_rule != NULL)
		groups = status_rule->refine_groups;
	if (diagnostic != NULL)
		phrase = bounce_rules_match_phrase_in(rules, diagnostic, groups);
	/* Else the whole text speaks for a notification's only recipient. */
	if (phrase == NULL && !own_diagnostic && ctx->text[0] != '\0' &&
	    array_count(&ctx->report->recipients) == 1)
		phrase = bounce_rules_match_phrase_in(rules, ctx->text, groups);
	/* Words that many causes use say less than a status of the
	   addressing subject (RFC 3463 X.1.XXX): "550 5.1.0 Recipient
	   rejected" is about the address. (Other subjects are misused too
	   often for that: 5.4.1 for Microsoft's refusals, 4.2.1 for a busy
	   server's.) */
	if (phrase != NULL && status_rule != NULL &&
	    decide_phrase_is_generic(phrase) &&
	    strncmp(status + 1, ".1.", 3) == 0) {
		decide_rule(ctx, rcpt, status_rule);
		return;
	}
	if (phrase != NULL) {
		T_BEGIN {
			struct decide_command_context cctx = {
				.ctx = ctx, .rcpt = rcpt,
				.diagnostic = diagnostic,
			};

			decide_facts(rcpt, status, diagnostic, &cctx, &facts);
			rule = bounce_rules_match_when(rules, &facts,
						       phrase->group);
		} T_END;
		decide_rule(ctx, rcpt, rule != NULL ? rule : phrase);
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
	bounce_context_set_category(ctx, rcpt, bounce_category_find("other"),
			    (status != NULL && status[0] == '4') ||
			    (rcpt->reply != NULL && rcpt->reply[0] == '4') ||
			    (rcpt->action != NULL &&
			     strcmp(rcpt->action, "delayed") == 0) ? 70 : 40,
			    "fallback");
}

/* Whether the notification only warns that delivery to the recipient is
   delayed: its DSN Action says so, or, without one, its text does (the
   warning phrases, "message-expired/delayed"). */
static bool decide_is_delay(struct bounce_context *ctx,
			    const struct bounce_recipient *rcpt)
{
	static const char *const delay_groups[] = {
		"message-expired/delayed", NULL
	};
	bool delay;

	if (rcpt->action != NULL)
		return strcmp(rcpt->action, "delayed") == 0;
	if (ctx->text[0] == '\0')
		return FALSE;
	T_BEGIN {
		delay = bounce_rules_match_phrase_in(ctx->rules, ctx->text,
						     delay_groups) != NULL;
	} T_END;
	return delay;
}

void bounce_decide(struct bounce_context *ctx, struct bounce_recipient *rcpt)
{
	if (rcpt->category != NULL)
		return;
	decide_category(ctx, rcpt);
	/* A delay is no failure yet, whatever cause it names: counting it
	   would count the same cause again when the message fails. It is a
	   transient bounce (code 70) of the cause's category. */
	if ((rcpt->type == BOUNCE_TYPE_HARD ||
	     rcpt->type == BOUNCE_TYPE_SOFT ||
	     rcpt->type == BOUNCE_TYPE_OTHER) && decide_is_delay(ctx, rcpt)) {
		rcpt->type = BOUNCE_TYPE_OTHER;
		rcpt->code = 70;
	}
}
