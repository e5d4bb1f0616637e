/* The "classify" action (vnd.bounce.txt, section 5).

   Syntax:
     classify [:noflags] [:noheader]

   At run time the operation tags the message at once (the header through
   the edited message, the keywords as a side effect on every later store)
   and records the "classify" action. The action's execute step is the one
   place, once per delivery, for what must outlast the delivery. */

#include "lib.h"
#include "ioloop.h"
#include "array.h"
#include "str.h"
#include "str-sanitize.h"
#include "time-util.h"

#include "sieve-common.h"
#include "sieve-code.h"
#include "sieve-commands.h"
#include "sieve-validator.h"
#include "sieve-generator.h"
#include "sieve-interpreter.h"
#include "sieve-runtime-trace.h"
#include "sieve-dump.h"
#include "sieve-message.h"
#include "sieve-actions.h"
#include "sieve-result.h"
#include "sieve-execute.h"
#include "edit-mail.h"
#include "mail-namespace.h"
#include "mail-storage-private.h"

#include "bounce-feed.h"
#include "ext-bounce-common.h"

#define CLASSIFY_HEADER "X-Bounce-Classification"
/* Longest address written into the header field */
#define CLASSIFY_HEADER_MAX_ADDRESS 256
/* Recipients logged one by one; the rest are counted */
#define CLASSIFY_LOG_MAX_RECIPIENTS 20

/*
 * Command
 */

enum cmd_classify_optional {
	OPT_END,
	OPT_NOFLAGS,
	OPT_NOHEADER,
};

static const struct sieve_argument_def classify_noflags_tag = {
	.identifier = "noflags",
};

static const struct sieve_argument_def classify_noheader_tag = {
	.identifier = "noheader",
};

static bool
cmd_classify_registered(struct sieve_validator *valdtr,
			const struct sieve_extension *ext,
			struct sieve_command_registration *cmd_reg)
{
	sieve_validator_register_tag(valdtr, cmd_reg, ext,
				     &classify_noflags_tag, OPT_NOFLAGS);
	sieve_validator_register_tag(valdtr, cmd_reg, ext,
				     &classify_noheader_tag, OPT_NOHEADER);
	return TRUE;
}

static bool
cmd_classify_generate(const struct sieve_codegen_env *cgenv,
		      struct sieve_command *cmd)
{
	sieve_operation_emit(cgenv->sblock, cmd->ext, &cmd_classify_operation);
	return sieve_generate_arguments(cgenv, cmd, NULL);
}

const struct sieve_command_def cmd_classify = {
	.identifier = "classify",
	.type = SCT_COMMAND,
	.positional_args = 0,
	.subtests = 0,
	.block_allowed = FALSE,
	.block_required = FALSE,
	.registered = cmd_classify_registered,
	.generate = cmd_classify_generate,
};

/*
 * Operation
 */

static bool
cmd_classify_operation_dump(const struct sieve_dumptime_env *denv,
			    sieve_size_t *address);
static int
cmd_classify_operation_execute(const struct sieve_runtime_env *renv,
			       sieve_size_t *address);

const struct sieve_operation_def cmd_classify_operation = {
	.mnemonic = "CLASSIFY",
	.ext_def = &bounce_extension,
	.code = EXT_BOUNCE_OPERATION_CLASSIFY,
	.dump = cmd_classify_operation_dump,
	.execute = cmd_classify_operation_execute,
};

static bool
cmd_classify_operation_dump(const struct sieve_dumptime_env *denv,
			    sieve_size_t *address)
{
	int opt_code = 0, opt;

	sieve_code_dumpf(denv, "CLASSIFY");
	sieve_code_descend(denv);

	while ((opt = sieve_opr_optional_dump(denv, address, &opt_code)) > 0) {
		switch (opt_code) {
		case OPT_NOFLAGS:
			sieve_code_dumpf(denv, "noflags: no IMAP keywords");
			break;
		case OPT_NOHEADER:
			sieve_code_dumpf(denv, "noheader: no "
					 CLASSIFY_HEADER " header");
			break;
		default:
			return FALSE;
		}
	}
	return opt == 0;
}

/*
 * Keywords: a side effect on every store (fileinto, keep, implicit keep)
 * added after classify. Never emitted into the binary, so no operand.
 */

static const char *const classify_keywords[BOUNCE_TYPE_COUNT] = {
	[BOUNCE_TYPE_HARD] = "$BounceHard",
	[BOUNCE_TYPE_SOFT] = "$BounceSoft",
	[BOUNCE_TYPE_OTHER] = "$BounceOther",
	[BOUNCE_TYPE_COMPLAINT] = "$BounceComplaint",
};

/* One keyword per type present among the failed recipients, in the
   order of enum bounce_type; NULL-terminated. */
static const char *const *
classify_get_keywords(const struct ext_bounce_message *msg)
{
	const struct bounce_recipient *const *rcptp;
	bool present[BOUNCE_TYPE_COUNT] = { FALSE };
	ARRAY_TYPE(const_string) keywords;
	unsigned int type;

	array_foreach(&msg->failed, rcptp)
		present[(*rcptp)->type] = TRUE;

	t_array_init(&keywords, BOUNCE_TYPE_COUNT);
	for (type = 0; type < BOUNCE_TYPE_COUNT; type++) {
		if (present[type] && classify_keywords[type] != NULL)
			array_push_back(&keywords, &classify_keywords[type]);
	}
	array_append_zero(&keywords);
	return array_front(&keywords);
}

static void
seff_classify_keywords_print(const struct sieve_side_effect *seffect,
			     const struct sieve_action *action ATTR_UNUSED,
			     const struct sieve_result_print_env *rpenv,
			     bool *keep ATTR_UNUSED)
{
	const struct ext_bounce_message *msg = seffect->context;

	sieve_result_seffect_printf(rpenv, "add IMAP keywords: %s",
		t_strarray_join(classify_get_keywords(msg), " "));
}

static int
seff_classify_keywords_pre_execute(const struct sieve_side_effect *seffect,
				   const struct sieve_action_exec_env *aenv,
				   void *tr_context,
				   void **se_tr_context ATTR_UNUSED)
{
	const struct ext_bounce_message *msg = seffect->context;

	/* The keyword names are constants: act_store keeps the pointers
	   until it commits. */
	sieve_act_store_add_flags(aenv, tr_context,
				  classify_get_keywords(msg), 0);
	return SIEVE_EXEC_OK;
}

static const struct sieve_side_effect_def classify_keywords_side_effect = {
	SIEVE_OBJECT("bounce-keywords", NULL, 0),
	.to_action = &act_store,
	.print = seff_classify_keywords_print,
	.pre_execute = seff_classify_keywords_pre_execute,
};

/*
 * Header field
 */

/* Built from the classification only; the address is the one part a
   sender controls, so it is sanitized, bounded and quoted if needed.
   "repeat=yes" when an earlier delivery counted the notification. */
static const char *classify_header_value(const struct bounce_recipient *rcpt,
					 bool repeat)
{
	string_t *str = t_str_new(128);
	const char *addr, *p;

	str_printfa(str, "type=%s; category=%s; code=%u",
		    bounce_type_to_str(rcpt->type),
		    rcpt->category == NULL ? "other" : rcpt->category,
		    rcpt->code);
	if (repeat)
		str_append(str, "; repeat=yes");
	if (rcpt->address[0] == '\0')
		return str_c(str);

	addr = str_sanitize(rcpt->address, CLASSIFY_HEADER_MAX_ADDRESS);
	str_append(str, "; recipient=");
	if (strpbrk(addr, " \t;\"\\()<>,") == NULL) {
		str_append(str, addr);
		return str_c(str);
	}
	str_append_c(str, '"');
	for (p = addr; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			str_append_c(str, '\\');
		str_append_c(str, *p);
	}
	str_append_c(str, '"');
	return str_c(str);
}

static int
classify_add_header(const struct sieve_runtime_env *renv,
		    const struct ext_bounce_message *msg)
{
	struct edit_mail *edmail = sieve_message_edit(renv->msgctx);

	/* Readers of the stored message must be able to trust the field:
	   drop any the message arrived with. */
	if (edit_mail_header_delete(edmail, CLASSIFY_HEADER, 0) < 0) {
		return sieve_runtime_mail_error(renv,
			sieve_message_get_mail(renv->msgctx),
			"classify action: failed to remove existing "
			CLASSIFY_HEADER " header fields");
	}
	edit_mail_header_add(edmail, CLASSIFY_HEADER,
			     classify_header_value(msg->primary,
						   msg->seen != NULL), FALSE);
	return SIEVE_EXEC_OK;
}

/*
 * Action
 */

struct act_classify_context {
	struct ext_bounce_message *msg;
};

static int
act_classify_check_duplicate(const struct sieve_runtime_env *renv ATTR_UNUSED,
			     const struct sieve_action *act ATTR_UNUSED,
			     const struct sieve_action *act_other ATTR_UNUSED)
{
	/* One message, one classification: executed once per delivery */
	return 1;
}

static void
act_classify_print(const struct sieve_action *action,
		   const struct sieve_result_print_env *rpenv,
		   bool *keep ATTR_UNUSED)
{
	const struct act_classify_context *ctx = action->context;
	const struct bounce_recipient *primary = ctx->msg->primary;

	sieve_result_action_printf(rpenv,
		"classify bounce: type=%s category=%s code=%u recipient=<%s> "
		"(%u failed recipient%s)",
		bounce_type_to_str(primary->type), primary->category,
		primary->code, str_sanitize(primary->address, 256),
		array_count(&ctx->msg->failed),
		array_count(&ctx->msg->failed) == 1 ? "" : "s");
}

static void
act_classify_log(const struct sieve_action_exec_env *aenv,
		 const struct ext_bounce_message *msg,
		 const struct bounce_state_notification *counted,
		 bool record_written)
{
	const struct bounce_recipient *const *rcpts, *rcpt;
	const struct bounce_state_address *states = counted->states;
	unsigned int i, count;

	rcpts = array_get(&msg->failed, &count);
	if (counted->repeat) {
		/* once, however many recipients */
		sieve_result_global_log(aenv,
			"bounce classified: a repeat of notification %s, "
			"counted at %s: nothing counted again (%u failed "
			"recipient%s)%s", msg->notification_id,
			t_strfgmtime("%Y-%m-%dT%H:%M:%SZ",
				     counted->time.tv_sec),
			count, count == 1 ? "" : "s", record_written ?
			"; its feed record was missing and is written now" :
			"");
		return;
	}
	for (i = 0; i < count && i < CLASSIFY_LOG_MAX_RECIPIENTS; i++) {
		rcpt = rcpts[i];
		sieve_result_global_log(aenv,
			"bounce classified: type=%s category=%s code=%u "
			"recipient=<%s> status=%s format=%s rule=%s "
			"state=%s softcount=%u",
			bounce_type_to_str(rcpt->type), rcpt->category,
			rcpt->code, str_sanitize(rcpt->address, 256),
			rcpt->status == NULL ? "-" :
			str_sanitize(rcpt->status, 32),
			msg->report->format,
			rcpt->rule == NULL ? "-" : rcpt->rule,
			states[i].address == NULL ? "-" :
			bounce_state_name(&states[i]), states[i].softcount);
	}
	if (count > CLASSIFY_LOG_MAX_RECIPIENTS) {
		sieve_result_global_log(aenv,
			"bounce classified: %u more failed recipients",
			count - CLASSIFY_LOG_MAX_RECIPIENTS);
	}
}

/* The feed record is made as durable as the message it comes with:
   Dovecot syncs a saved message unless mail_fsync is "never". */
static enum bounce_feed_fsync
act_classify_feed_fsync(const struct sieve_execute_env *eenv)
{
	struct mail_user *user = eenv->scriptenv->user;
	struct mail_namespace *ns;

	ns = user == NULL ? NULL : mail_namespace_find_inbox(user->namespaces);
	if (ns != NULL && ns->storage != NULL &&
	    ns->storage->set->parsed_fsync_mode == FSYNC_MODE_NEVER)
		return BOUNCE_FEED_FSYNC_NEVER;
	return BOUNCE_FEED_FSYNC;
}

static int
act_classify_execute(const struct sieve_action_exec_env *aenv,
		     void *tr_context ATTR_UNUSED, bool *keep ATTR_UNUSED)
{
	const struct sieve_execute_env *eenv = aenv->exec_env;
	const struct act_classify_context *ctx = aenv->action->context;
	struct ext_bounce_message *msg = ctx->msg;
	const struct sieve_extension *ext = aenv->action->ext;
	struct ext_bounce_context *ectx = ext->context;
	const struct bounce_recipient *const *rcpts;
	struct bounce_state_notification counted;
	struct bounce_feed_record *records;
	struct bounce_state *state;
	unsigned int i, count;
	const char *error;
	int ret = 0;

	/* Everything that must outlast the delivery belongs here, before
	   any store commits: a temporary failure returned from this step
	   aborts the delivery (the MTA retries), whereas one from commit
	   would come after fileinto and the implicit keep stored the
	   message.

	   Each notification is counted once, whatever fails and however
	   often it is delivered: the counts and the notification's record
	   are one dict transaction, so a delivery that stops anywhere has
	   counted all of it or nothing, and every later delivery finds it
	   counted. Then its feed file, under a name made from the
	   notification: a delivery that stopped before it was complete
	   left nothing in new/, and the retry writes it; one that
	   completed it left the one file a retry finds. */
	if (ext_bounce_state_get(ext, &state, &error) < 0 ||
	    ext_bounce_notification_id(aenv->msgctx, msg, &error) < 0) {
		sieve_result_critical(aenv,
			"failed to record the bounce",
			"failed to record the bounce "
			"(delivery deferred): %s", error);
		return SIEVE_EXEC_TEMP_FAILURE;
	}

	rcpts = array_get(&msg->failed, &count);
	if (bounce_state_record_notification(state, msg->notification_id,
					     rcpts, count, &ioloop_timeval,
					     msg->pool, &counted,
					     &error) < 0) {
		sieve_result_critical(aenv,
			"failed to record the bounce",
			"failed to record the bounce in the state dict "
			"(delivery deferred): %s", error);
		return SIEVE_EXEC_TEMP_FAILURE;
	}

	records = t_new(struct bounce_feed_record, count);
	for (i = 0; i < count; i++) {
		struct bounce_feed_record *rec = &records[i];
		const struct bounce_state_address *st = &counted.states[i];

		rec->time = counted.time.tv_sec;
		rec->user = eenv->svinst->username;
		rec->report = msg->report;
		rec->rcpt = rcpts[i];
		if (st->address != NULL) {
			rec->state = bounce_state_name(st);
			rec->softcount = st->softcount;
			rec->returned_reason = st->returned_reason;
		}
	}
	if (ectx->feed_dir != NULL && count > 0) {
		/* the user, whose state the notification was counted in */
		ret = bounce_feed_spool_write_once(ectx->feed_dir,
			t_strconcat(msg->notification_id, "/",
				    eenv->svinst->username, NULL),
			&counted.time, records, count,
			act_classify_feed_fsync(eenv), &error);
		if (ret < 0) {
			sieve_result_critical(aenv,
				"failed to record the bounce",
				"failed to write the report feed to %s "
				"(delivery deferred; the bounce is counted, "
				"the retry writes its record): %s",
				ectx->feed_dir, error);
			return SIEVE_EXEC_TEMP_FAILURE;
		}
	}
	act_classify_log(aenv, msg, &counted, counted.repeat && ret > 0);
	return SIEVE_EXEC_OK;
}

static const struct sieve_action_def act_classify = {
	.name = "classify",
	.check_duplicate = act_classify_check_duplicate,
	.print = act_classify_print,
	.execute = act_classify_execute,
};

/*
 * Execution
 */

static int
cmd_classify_operation_execute(const struct sieve_runtime_env *renv,
			       sieve_size_t *address)
{
	const struct sieve_extension *ext = renv->oprtn->ext;
	struct act_classify_context *ctx;
	struct ext_bounce_message *msg;
	bool noflags = FALSE, noheader = FALSE;
	int opt_code = 0, opt, ret;

	while ((opt = sieve_opr_optional_read(renv, address, &opt_code)) > 0) {
		switch (opt_code) {
		case OPT_NOFLAGS:
			noflags = TRUE;
			break;
		case OPT_NOHEADER:
			noheader = TRUE;
			break;
		default:
			sieve_runtime_trace_error(renv,
				"unknown optional operand");
			return SIEVE_EXEC_BIN_CORRUPT;
		}
	}
	if (opt < 0)
		return SIEVE_EXEC_BIN_CORRUPT;

	sieve_runtime_trace(renv, SIEVE_TRLVL_ACTIONS, "classify action");
	sieve_runtime_trace_descend(renv);
	if ((ret = ext_bounce_get_message(renv, ext, &msg)) <= 0)
		return ret;
	if (msg->primary == NULL) {
		sieve_runtime_trace(renv, SIEVE_TRLVL_ACTIONS,
			"not a bounce: nothing to classify");
		return SIEVE_EXEC_OK;
	}

	if (!noheader && !msg->header_added) {
		/* the header says whether it was counted before */
		if ((ret = ext_bounce_once_get(renv, ext, msg)) <= 0 ||
		    (ret = classify_add_header(renv, msg)) <= 0)
			return ret;
		msg->header_added = TRUE;
	}
	if (!noflags && !msg->flags_attached) {
		sieve_result_add_implicit_side_effect(renv->result, NULL, TRUE,
			ext, &classify_keywords_side_effect, msg);
		msg->flags_attached = TRUE;
	}

	ctx = p_new(sieve_result_pool(renv->result),
		    struct act_classify_context, 1);
	ctx->msg = msg;
	if (sieve_result_add_action(renv, ext, "classify", &act_classify, NULL,
				    ctx, 0, FALSE) < 0)
		return SIEVE_EXEC_FAILURE;
	return SIEVE_EXEC_OK;
}
