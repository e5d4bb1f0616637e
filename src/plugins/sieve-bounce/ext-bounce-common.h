#ifndef EXT_BOUNCE_COMMON_H
#define EXT_BOUNCE_COMMON_H

#include "sieve-common.h"

#include "bounce.h"
#include "bounce-state.h"

/*
 * Extension
 */

extern const struct sieve_extension_def bounce_extension;

struct ext_bounce_type_override {
	const char *category;
	enum bounce_type type;
};

/* Per sieve instance: the settings, read when the extension is loaded,
   and the classifier they describe, set up when first needed. */
struct ext_bounce_context {
	pool_t pool;
	const struct sieve_extension *var_ext;

	struct bounce_settings set;
	ARRAY(struct ext_bounce_type_override) type_overrides;

	/* NULL until first needed, and when it could not be set up:
	   load_error then says why (also set when the settings could not
	   be read). Scripts still compile, but every use
	   fails at run time. */
	struct bounce_classifier *cls;
	const char *load_error;
	/* the process's kept classifier was looked for (it is cls then) */
	bool keep_looked;
	/* What tells ordinary mail by its header: the one kept beside the
	   rules cache, read before the rules are loaded (screen_tried: it
	   was looked for), else the classifier's */
	struct bounce_screen *screen;
	bool screen_tried;

	/* Per-address state (the dict, the soft limit and window) and the
	   report feed's spool (sieve_bounce_feed_dir, NULL: no feed). The
	   dict is opened when first needed; state_error says why there is
	   none to open. */
	struct bounce_state_settings state_set;
	const char *feed_dir;
	struct bounce_state *state;
	const char *state_error;
};

void ext_bounce_unload(const struct sieve_extension *ext);

/* ext-bounce-keep.c: the classifier a process keeps from one delivery to
   the next, for the settings named by key (ext_bounce_keep_key()), while
   its rules files are unchanged; NULL when there is none. It remains the
   process's: a context using it does not free it. */
const char *ext_bounce_keep_key(const struct ext_bounce_context *ectx);
struct bounce_classifier *ext_bounce_keep_find(const char *key);
/* Keeps cls (made with the settings key names) in place of the one kept
   before, which is freed. */
void ext_bounce_keep_put(const char *key, struct bounce_classifier *cls);

/*
 * The classification of the message being delivered
 */

/* Cached in the message context: computed once for every test, action
   and variable of all scripts run for one delivery. */
struct ext_bounce_message {
	/* the result's, which the message context does not outlive */
	pool_t pool;
	const struct bounce_report *report;
	/* Failed recipients (type not none), in message order */
	ARRAY(const struct bounce_recipient *) failed;
	/* The first most severe one; NULL when nothing failed */
	const struct bounce_recipient *primary;

	/* Per failed recipient (same order), its state once this bounce
	   is counted; NULL until first needed */
	struct bounce_state_address *states;

	/* The notification's identity (NULL until first needed) and, once
	   looked up (seen_looked_up), what an earlier delivery of it
	   counted: NULL when none did (ext-bounce-state.c) */
	const char *notification_id;
	struct bounce_state_notification *seen;

	/* What classify already did to this message */
	bool header_added:1;
	bool flags_attached:1;
	bool seen_looked_up:1;
};

/* Returns SIEVE_EXEC_OK with msg_r, or a failure status after reporting a
   run-time error (the classifier is not available). */
int ext_bounce_get_message(const struct sieve_runtime_env *renv,
			   const struct sieve_extension *ext,
			   struct ext_bounce_message **msg_r);

/* The per-address state: opened on first use. Returns 0, or -1 with
   error_r. */
int ext_bounce_state_get(const struct sieve_extension *ext,
			 struct bounce_state **state_r, const char **error_r);
/* The state of failed recipient idx as it is with this bounce counted
   (nothing stored). NULL when the recipient has no address. Returns
   SIEVE_EXEC_OK, or a failure status after reporting a run-time error. */
int ext_bounce_get_rcpt_state(const struct sieve_runtime_env *renv,
			      const struct sieve_extension *ext,
			      struct ext_bounce_message *msg, unsigned int idx,
			      const struct bounce_state_address **state_r);
/* The notification's identity, computed once (msg->notification_id).
   Returns 0, or -1 with error_r when the message cannot be read. */
int ext_bounce_notification_id(struct sieve_message_context *msgctx,
			       struct ext_bounce_message *msg,
			       const char **error_r);
/* Looks up once whether an earlier delivery counted this notification
   (msg->seen). Returns SIEVE_EXEC_OK, or a failure status after
   reporting a run-time error. */
int ext_bounce_once_get(const struct sieve_runtime_env *renv,
			const struct sieve_extension *ext,
			struct ext_bounce_message *msg);
/* Index of rcpt among msg->failed */
unsigned int ext_bounce_failed_index(const struct ext_bounce_message *msg,
				     const struct bounce_recipient *rcpt);

/* The fields the test and the variables can read */
enum ext_bounce_field {
	EXT_BOUNCE_FIELD_TYPE = 0,
	EXT_BOUNCE_FIELD_CATEGORY,
	EXT_BOUNCE_FIELD_CODE,
	EXT_BOUNCE_FIELD_STATUS,
	EXT_BOUNCE_FIELD_RECIPIENT,
	EXT_BOUNCE_FIELD_DIAGNOSTIC,
	/* From the per-address state: ext_bounce_state_field() */
	EXT_BOUNCE_FIELD_STATE,
	EXT_BOUNCE_FIELD_SOFTCOUNT,

	EXT_BOUNCE_FIELD_COUNT
};

const char *ext_bounce_field_name(enum ext_bounce_field field);
static inline bool ext_bounce_field_is_state(enum ext_bounce_field field)
{
	return field == EXT_BOUNCE_FIELD_STATE ||
		field == EXT_BOUNCE_FIELD_SOFTCOUNT;
}
/* The field's value, or NULL when the recipient has none. Not for the
   state's fields. */
const char *ext_bounce_field_get(const struct bounce_recipient *rcpt,
				 enum ext_bounce_field field);
/* A state field's value; NULL for a recipient without state. */
const char *ext_bounce_state_field(const struct bounce_state_address *state,
				   enum ext_bounce_field field);

/*
 * Test, command, variables
 */

extern const struct sieve_command_def tst_bounce;
extern const struct sieve_operation_def tst_bounce_operation;

extern const struct sieve_command_def cmd_classify;
extern const struct sieve_operation_def cmd_classify_operation;

extern const struct sieve_operand_def bounce_namespace_operand;
void ext_bounce_variables_register(const struct sieve_extension *ext,
				   struct sieve_validator *valdtr);

/* Operation codes: index in the extension's operations array */
enum ext_bounce_opcode {
	EXT_BOUNCE_OPERATION_BOUNCE,
	EXT_BOUNCE_OPERATION_CLASSIFY,
};

#endif
