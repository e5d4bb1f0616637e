/* What the test, the action and the variables share: the context the
   extension's load callback fills (ext-bounce-settings.h), and the
   classification of the message, computed once per delivery. */

#include "lib.h"
#include "ioloop.h"
#include "dict.h"
#include "array.h"
#include "istream.h"
#include "message-size.h"
#include "smtp-address.h"
#include "mail-storage.h"

#include "sieve-common.h"
#include "sieve-extensions.h"
#include "sieve-message.h"
#include "sieve-interpreter.h"
#include "sieve-result.h"
#include "sieve-runtime-trace.h"
#include "sieve-ext-variables.h"

#include "ext-bounce-common.h"

/* The rules are compiled when a message first needs them, not when the
   extension is loaded: a delivery whose scripts never classify anything
   (a user's script that does not use the extension) does not pay for
   them. Rules that cannot be loaded do not make scripts that require the
   extension fail to compile with a misleading "unknown extension": the
   reason is logged once and every use fails at run time. A process that
   delivers many messages keeps the classifier (ext-bounce-keep.c). */
static struct bounce_classifier *
ext_bounce_classifier_kept(struct ext_bounce_context *ectx)
{
	if (ectx->cls == NULL && !ectx->keep_looked) {
		ectx->keep_looked = TRUE;
		T_BEGIN {
			ectx->cls = ext_bounce_keep_find(
				ext_bounce_keep_key(ectx));
		} T_END;
	}
	return ectx->cls;
}

static int
ext_bounce_classifier_get(struct sieve_instance *svinst,
			  struct ext_bounce_context *ectx,
			  struct bounce_classifier **cls_r)
{
	const struct ext_bounce_type_override *override;
	struct bounce_classifier *cls;
	const char *error;

	if (ext_bounce_classifier_kept(ectx) == NULL &&
	    ectx->load_error == NULL) {
		if (bounce_classifier_init(&ectx->set, &cls, &error) < 0) {
			ectx->load_error = p_strdup_printf(ectx->pool,
				"cannot load the rules from %s: %s",
				ectx->set.rules_path, error);
			e_error(svinst->event, "vnd.bounce: %s",
				ectx->load_error);
		} else {
			array_foreach(&ectx->type_overrides, override) {
				if (bounce_classifier_set_type(cls,
					override->category, override->type,
					&error) < 0)
					i_unreached(); /* names from the library */
			}
			e_debug(svinst->event,
				"vnd.bounce: rules loaded from %s",
				ectx->set.rules_path);
			T_BEGIN {
				ext_bounce_keep_put(ext_bounce_keep_key(ectx),
						    cls);
			} T_END;
			ectx->cls = cls;
		}
	}
	*cls_r = ectx->cls;
	return ectx->cls == NULL ? -1 : 0;
}

void ext_bounce_unload(const struct sieve_extension *ext)
{
	struct ext_bounce_context *ectx = ext->context;

	if (ectx == NULL)
		return;
	/* the classifier is the process's (ext-bounce-keep.c) */
	bounce_screen_free(&ectx->screen);
	bounce_state_deinit(&ectx->state);
	dict_drivers_unregister_builtin();
	pool_unref(&ectx->pool);
}

/*
 * Per-address state
 */

int ext_bounce_state_get(const struct sieve_extension *ext,
			 struct bounce_state **state_r, const char **error_r)
{
	struct ext_bounce_context *ectx = ext->context;
	const char *error;

	/* A failure is not remembered: the next delivery tries again (a
	   Redis server may be back). */
	if (ectx->state == NULL) {
		if (ectx->state_error != NULL) {
			*error_r = ectx->state_error;
			return -1;
		}
		if (bounce_state_init(&ectx->state_set, &ectx->state,
				      &error) < 0) {
			*error_r = t_strdup_printf(
				"cannot open the state dict: %s", error);
			return -1;
		}
	}
	*state_r = ectx->state;
	return 0;
}

unsigned int ext_bounce_failed_index(const struct ext_bounce_message *msg,
				     const struct bounce_recipient *rcpt)
{
	const struct bounce_recipient *const *rcpts;
	unsigned int i, count;

	rcpts = array_get(&msg->failed, &count);
	for (i = 0; i < count; i++) {
		if (rcpts[i] == rcpt)
			return i;
	}
	i_unreached();
}

/*
 * Classification of the message
 */

static const char *ext_bounce_envelope_to(struct sieve_message_context *msgctx)
{
	const struct smtp_address *addr;

	/* A VERP return path survives as the original recipient when the
	   MTA has already rewritten the final one to the local user. */
	addr = sieve_message_get_orig_recipient(msgctx);
	return addr == NULL ? NULL : smtp_address_encode(addr);
}

static int
ext_bounce_unavailable(const struct sieve_runtime_env *renv,
		       struct ext_bounce_context *ectx)
{
	sieve_runtime_critical(renv, NULL, "vnd.bounce",
		"vnd.bounce: bounce classification is not available: %s",
		ectx->load_error);
	return SIEVE_EXEC_FAILURE;
}

/* The envelope sender, "" for the null return path; an unknown one
   (a test tool's) is taken as null, which screens nothing out. */
static const char *ext_bounce_envelope_from(struct sieve_message_context *msgctx)
{
	const struct smtp_address *addr = sieve_message_get_sender(msgctx);

	return smtp_address_isnull(addr) ? "" : smtp_address_encode(addr);
}

/* The screen to tell ordinary mail by: the classifier's when its rules
   are loaded (kept from an earlier delivery), else the one kept beside
   the rules cache (no rules are loaded for ordinary mail then), else the
   classifier's after all. */
static struct bounce_screen *
ext_bounce_screen_get(struct ext_bounce_context *ectx)
{
	if (ext_bounce_classifier_kept(ectx) != NULL)
		return bounce_classifier_get_screen(ectx->cls);
	if (!ectx->screen_tried) {
		ectx->screen_tried = TRUE;
		(void)bounce_screen_open(&ectx->set, &ectx->screen);
	}
	return ectx->screen;
}

static void ext_bounce_message_none(pool_t pool, struct ext_bounce_message *msg)
{
	struct bounce_report *report;

	report = p_new(pool, struct bounce_report, 1);
	p_array_init(&report->recipients, pool, 1);
	p_array_init(&report->orig_headers, pool, 1);
	report->format = "none";
	msg->report = report;
}

/* Whether the message may be a notification, by its header alone;
   -1 when the classifier is not available. */
static int
ext_bounce_screen(struct sieve_instance *svinst,
		  struct ext_bounce_context *ectx, struct istream *mail_input,
		  const char *envelope_from)
{
	struct bounce_screen *screen;
	struct bounce_classifier *cls;
	struct istream *input;
	bool notification;

	/* the null return path marks a notification: no screen to read */
	if (*envelope_from == '\0')
		return 1;
	screen = ext_bounce_screen_get(ectx);
	if (screen == NULL) {
		if (ext_bounce_classifier_get(svinst, ectx, &cls) < 0)
			return -1;
		screen = bounce_classifier_get_screen(cls);
	}
	/* a stream of our own, from the start of the mail's */
	i_stream_seek(mail_input, 0);
	input = i_stream_create_limit(mail_input, UOFF_T_MAX);
	notification = bounce_screen_message(screen, input, envelope_from);
	i_stream_unref(&input);
	return notification ? 1 : 0;
}

static int
ext_bounce_classify(const struct sieve_runtime_env *renv,
		    const struct sieve_extension *ext,
		    struct ext_bounce_message *msg)
{
	struct ext_bounce_context *ectx = ext->context;
	struct sieve_message_context *msgctx = renv->msgctx;
	pool_t pool = sieve_result_pool(renv->result);
	struct message_size hdr_size, body_size;
	const struct bounce_recipient *rcpt;
	struct bounce_classifier *cls;
	struct istream *input;
	struct mail *mail;
	const char *envelope_from;
	int ret;

	mail = sieve_message_get_mail(msgctx);
	if (mail_get_stream(mail, &hdr_size, &body_size, &input) < 0) {
		return sieve_runtime_mail_error(renv, mail,
			"vnd.bounce: failed to read the message");
	}
	envelope_from = ext_bounce_envelope_from(msgctx);
	ret = ext_bounce_screen(ext->svinst, ectx, input, envelope_from);
	if (ret < 0)
		return ext_bounce_unavailable(renv, ectx);
	if (ret == 0) {
		ext_bounce_message_none(pool, msg);
		p_array_init(&msg->failed, pool, 1);
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
			"bounce classification: not a notification "
			"(told by its header)");
		return SIEVE_EXEC_OK;
	}
	if (ext_bounce_classifier_get(ext->svinst, ectx, &cls) < 0)
		return ext_bounce_unavailable(renv, ectx);

	/* from the start: the screen read the header (and let it through,
	   which the classifier need not find out again) */
	i_stream_seek(input, 0);
	input = i_stream_create_limit(input, UOFF_T_MAX);
	msg->report = bounce_classify_screened(cls, pool, input,
					       envelope_from,
					       ext_bounce_envelope_to(msgctx));
	i_stream_unref(&input);

	p_array_init(&msg->failed, pool, 4);
	array_foreach(&msg->report->recipients, rcpt) {
		if (rcpt->type != BOUNCE_TYPE_NONE)
			array_push_back(&msg->failed, &rcpt);
	}
	msg->primary = bounce_report_primary(msg->report);

	if (msg->primary == NULL) {
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
			"bounce classification: not a bounce (format %s)",
			msg->report->format);
	} else {
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
			"bounce classification: %s %s (code %u) for <%s>, "
			"%u failed recipient(s), format %s",
			bounce_type_to_str(msg->primary->type),
			msg->primary->category, msg->primary->code,
			msg->primary->address, array_count(&msg->failed),
			msg->report->format);
	}
	return SIEVE_EXEC_OK;
}

int ext_bounce_get_message(const struct sieve_runtime_env *renv,
			   const struct sieve_extension *ext,
			   struct ext_bounce_message **msg_r)
{
	struct ext_bounce_context *ectx = ext->context;
	struct sieve_message_context *msgctx = renv->msgctx;
	struct ext_bounce_message *msg;
	int ret;

	*msg_r = NULL;
	i_assert(ectx != NULL);

	/* The message context outlives each script of a multiscript
	   delivery, and forgets us when the message is substituted. The
	   memory comes from the result, which the message context does
	   not outlive: a classify action recorded before a substitution
	   still points to valid data. */
	msg = (struct ext_bounce_message *)
		sieve_message_context_extension_get(msgctx, ext);
	if (msg != NULL) {
		*msg_r = msg;
		return SIEVE_EXEC_OK;
	}

	msg = p_new(sieve_result_pool(renv->result),
		    struct ext_bounce_message, 1);
	msg->pool = sieve_result_pool(renv->result);
	if ((ret = ext_bounce_classify(renv, ext, msg)) <= 0)
		return ret;
	sieve_message_context_extension_set(msgctx, ext, msg);
	*msg_r = msg;
	return SIEVE_EXEC_OK;
}

/*
 * Fields
 */

static const char *const field_names[EXT_BOUNCE_FIELD_COUNT] = {
	[EXT_BOUNCE_FIELD_TYPE] = "type",
	[EXT_BOUNCE_FIELD_CATEGORY] = "category",
	[EXT_BOUNCE_FIELD_CODE] = "code",
	[EXT_BOUNCE_FIELD_STATUS] = "status",
	[EXT_BOUNCE_FIELD_RECIPIENT] = "recipient",
	[EXT_BOUNCE_FIELD_DIAGNOSTIC] = "diagnostic",
	[EXT_BOUNCE_FIELD_STATE] = "state",
	[EXT_BOUNCE_FIELD_SOFTCOUNT] = "softcount",
};

const char *ext_bounce_field_name(enum ext_bounce_field field)
{
	i_assert(field < EXT_BOUNCE_FIELD_COUNT);
	return field_names[field];
}

static const char *nonempty(const char *value)
{
	return value == NULL || *value == '\0' ? NULL : value;
}

const char *ext_bounce_field_get(const struct bounce_recipient *rcpt,
				 enum ext_bounce_field field)
{
	switch (field) {
	case EXT_BOUNCE_FIELD_TYPE:
		return bounce_type_to_str(rcpt->type);
	case EXT_BOUNCE_FIELD_CATEGORY:
		return nonempty(rcpt->category);
	case EXT_BOUNCE_FIELD_CODE:
		return dec2str(rcpt->code);
	case EXT_BOUNCE_FIELD_STATUS:
		return nonempty(rcpt->status);
	case EXT_BOUNCE_FIELD_RECIPIENT:
		return nonempty(rcpt->address);
	case EXT_BOUNCE_FIELD_DIAGNOSTIC:
		return nonempty(rcpt->diagnostic);
	case EXT_BOUNCE_FIELD_STATE:
	case EXT_BOUNCE_FIELD_SOFTCOUNT:
	case EXT_BOUNCE_FIELD_COUNT:
		break;
	}
	i_unreached();
}

const char *ext_bounce_state_field(const struct bounce_state_address *state,
				   enum ext_bounce_field field)
{
	if (state == NULL)
		return NULL;
	switch (field) {
	case EXT_BOUNCE_FIELD_STATE:
		return bounce_state_name(state);
	case EXT_BOUNCE_FIELD_SOFTCOUNT:
		return dec2str(state->softcount);
	default:
		break;
	}
	i_unreached();
}
