/* The address state as a delivery's scripts see it: the notification's
   identity and what an earlier delivery of it counted (bounce-state.h,
   "Counting each notification once"), so that the header and the
   variables say so and the message is filed and tagged as that delivery
   did it; otherwise the state each failed address will have once this
   bounce is counted. */

#include "lib.h"
#include "ioloop.h"
#include "array.h"
#include "istream.h"
#include "smtp-address.h"
#include "mail-storage.h"

#include "sieve-common.h"
#include "sieve-message.h"
#include "sieve-interpreter.h"
#include "sieve-result.h"
#include "sieve-runtime-trace.h"

#include "ext-bounce-common.h"

int ext_bounce_notification_id(struct sieve_message_context *msgctx,
			       struct ext_bounce_message *msg,
			       const char **error_r)
{
	struct mail *mail = sieve_message_get_mail(msgctx);
	const struct smtp_address *orig_rcpt;
	struct istream *input;
	const char *id;
	int ret;

	if (msg->notification_id != NULL)
		return 0;
	if (mail_get_stream(mail, NULL, NULL, &input) < 0) {
		*error_r = t_strdup_printf("failed to read the message: %s",
			mailbox_get_last_internal_error(mail->box, NULL));
		return -1;
	}
	/* A stream of our own, read from the start: the mail's stream
	   stays where the storage expects it. */
	input = i_stream_create_limit(input, UOFF_T_MAX);
	/* the envelope recipient the classifier was given */
	orig_rcpt = sieve_message_get_orig_recipient(msgctx);
	ret = bounce_notification_id(input, orig_rcpt == NULL ? NULL :
				     smtp_address_encode(orig_rcpt),
				     &id, error_r);
	i_stream_unref(&input);
	if (ret < 0)
		return -1;
	msg->notification_id = p_strdup(msg->pool, id);
	return 0;
}

int ext_bounce_once_get(const struct sieve_runtime_env *renv,
			const struct sieve_extension *ext,
			struct ext_bounce_message *msg)
{
	struct bounce_state_notification *seen;
	const struct bounce_recipient *const *rcpts;
	struct bounce_state *state;
	unsigned int count;
	const char *error;
	int ret;

	if (msg->seen_looked_up)
		return SIEVE_EXEC_OK;
	if (ext_bounce_notification_id(renv->msgctx, msg, &error) < 0) {
		return sieve_runtime_mail_error(renv,
			sieve_message_get_mail(renv->msgctx),
			"vnd.bounce: %s", error);
	}
	if (ext_bounce_state_get(ext, &state, &error) < 0) {
		sieve_runtime_error(renv, NULL, "vnd.bounce: address state "
				    "is not available: %s", error);
		return SIEVE_EXEC_TEMP_FAILURE;
	}
	rcpts = array_get(&msg->failed, &count);
	seen = p_new(msg->pool, struct bounce_state_notification, 1);
	ret = bounce_state_notification_find(state, msg->notification_id,
					     rcpts, count, ioloop_time,
					     msg->pool, seen, &error);
	if (ret < 0) {
		sieve_runtime_error(renv, NULL, "vnd.bounce: address state "
				    "is not available: %s", error);
		return SIEVE_EXEC_TEMP_FAILURE;
	}
	msg->seen = ret > 0 ? seen : NULL;
	msg->seen_looked_up = TRUE;
	if (msg->seen != NULL) {
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
			"notification %s was counted by an earlier delivery",
			msg->notification_id);
	}
	return SIEVE_EXEC_OK;
}

int ext_bounce_get_rcpt_state(const struct sieve_runtime_env *renv,
			      const struct sieve_extension *ext,
			      struct ext_bounce_message *msg, unsigned int idx,
			      const struct bounce_state_address **state_r)
{
	pool_t pool = sieve_result_pool(renv->result);
	const struct bounce_recipient *const *rcpts;
	struct bounce_state *state;
	const char *error;
	unsigned int i, count;
	int ret;

	rcpts = array_get(&msg->failed, &count);
	i_assert(idx < count);
	if (msg->states == NULL) {
		/* A notification counted before: the state it left */
		if ((ret = ext_bounce_once_get(renv, ext, msg)) <= 0)
			return ret;
		if (msg->seen != NULL)
			msg->states = msg->seen->states;
	}
	if (msg->states == NULL) {
		if (ext_bounce_state_get(ext, &state, &error) < 0) {
			sieve_runtime_error(renv, NULL,
				"vnd.bounce: address state is not "
				"available: %s", error);
			return SIEVE_EXEC_TEMP_FAILURE;
		}
		msg->states = p_new(pool, struct bounce_state_address, count);
		for (i = 0; i < count; i++) {
			if (rcpts[i]->address[0] == '\0')
				continue;
			if (bounce_state_predict(state, rcpts[i], ioloop_time,
					pool, &msg->states[i], &error) < 0) {
				msg->states = NULL;
				sieve_runtime_error(renv, NULL,
					"vnd.bounce: address state is not "
					"available: %s", error);
				return SIEVE_EXEC_TEMP_FAILURE;
			}
		}
	}
	*state_r = msg->states[idx].address == NULL ? NULL :
		&msg->states[idx];
	return SIEVE_EXEC_OK;
}
