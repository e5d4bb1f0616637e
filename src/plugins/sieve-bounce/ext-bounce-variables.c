/* The "bounce" variables namespace (vnd.bounce.txt, section 6):
   ${bounce.type}, ${bounce.category}, ${bounce.code}, ${bounce.status},
   ${bounce.recipient}, ${bounce.diagnostic}, ${bounce.state} and
   ${bounce.softcount} of the primary recipient; ${bounce.count}, the
   number of failed recipients; ${bounce.repeat}, "yes" when an earlier
   delivery counted this notification, and ${bounce.notification}, its
   identity. Read-only.

   Code: the namespace operand followed by the variable's index (a byte),
   so an unknown name is a compile-time error and never reaches run
   time. */

#include "lib.h"
#include "array.h"
#include "str.h"

#include "sieve-common.h"
#include "sieve-ast.h"
#include "sieve-binary.h"
#include "sieve-code.h"
#include "sieve-commands.h"
#include "sieve-validator.h"
#include "sieve-generator.h"
#include "sieve-interpreter.h"
#include "sieve-runtime-trace.h"
#include "sieve-dump.h"

#include "sieve-ext-variables.h"

#include "ext-bounce-common.h"

/* The fields of enum ext_bounce_field, then the others (their index is
   compiled into scripts: new ones go last) */
enum bounce_variable {
	BOUNCE_VARIABLE_COUNT = EXT_BOUNCE_FIELD_COUNT,
	BOUNCE_VARIABLE_REPEAT,
	BOUNCE_VARIABLE_NOTIFICATION,

	BOUNCE_VARIABLE_TOTAL
};

static const char *bounce_variable_name(unsigned int index)
{
	switch (index) {
	case BOUNCE_VARIABLE_COUNT:
		return "count";
	case BOUNCE_VARIABLE_REPEAT:
		return "repeat";
	case BOUNCE_VARIABLE_NOTIFICATION:
		return "notification";
	default:
		return ext_bounce_field_name(index);
	}
}

static bool
vnspc_bounce_validate(struct sieve_validator *valdtr,
		      const struct sieve_variables_namespace *nspc ATTR_UNUSED,
		      struct sieve_ast_argument *arg,
		      struct sieve_command *cmd ATTR_UNUSED,
		      ARRAY_TYPE(sieve_variable_name) *var_name,
		      void **var_data, bool assignment)
{
	const struct sieve_variable_name *elements;
	unsigned int i, count;
	const char *name;

	elements = array_get(var_name, &count);
	i_assert(count > 0);
	if (count != 2 || elements[1].num_variable >= 0) {
		sieve_argument_validate_error(valdtr, arg,
			"vnd.bounce: invalid variable name in the bounce "
			"namespace: expected one of bounce.type, "
			"bounce.category, bounce.code, bounce.status, "
			"bounce.recipient, bounce.diagnostic, bounce.state, "
			"bounce.softcount, bounce.count, bounce.repeat, "
			"bounce.notification");
		return FALSE;
	}
	name = str_c(elements[1].identifier);
	for (i = 0; i < BOUNCE_VARIABLE_TOTAL; i++) {
		if (strcasecmp(name, bounce_variable_name(i)) == 0)
			break;
	}
	if (i == BOUNCE_VARIABLE_TOTAL) {
		sieve_argument_validate_error(valdtr, arg,
			"vnd.bounce: unknown variable bounce.%s (known: type, "
			"category, code, status, recipient, diagnostic, state, "
			"softcount, count, repeat, notification)",
			name);
		return FALSE;
	}
	if (assignment) {
		sieve_argument_validate_error(valdtr, arg,
			"vnd.bounce: cannot assign to bounce.%s: the bounce "
			"variables are read-only", bounce_variable_name(i));
		return FALSE;
	}
	*var_data = POINTER_CAST(i);
	return TRUE;
}

static const struct sieve_variables_namespace_def bounce_namespace;

static bool
vnspc_bounce_generate(const struct sieve_codegen_env *cgenv,
		      const struct sieve_variables_namespace *nspc,
		      struct sieve_ast_argument *arg ATTR_UNUSED,
		      struct sieve_command *cmd ATTR_UNUSED, void *var_data)
{
	const struct sieve_extension *ext = SIEVE_OBJECT_EXTENSION(nspc);
	const struct ext_bounce_context *ectx;

	if (ext == NULL || ext->context == NULL)
		return FALSE;
	ectx = ext->context;

	sieve_variables_opr_namespace_variable_emit(cgenv->sblock,
		ectx->var_ext, ext, &bounce_namespace);
	sieve_binary_emit_byte(cgenv->sblock, POINTER_CAST_TO(var_data,
							      unsigned int));
	return TRUE;
}

static bool
vnspc_bounce_read_index(struct sieve_binary_block *sblock,
			sieve_size_t *address, unsigned int *index_r)
{
	return sieve_binary_read_byte(sblock, address, index_r) &&
		*index_r < BOUNCE_VARIABLE_TOTAL;
}

static bool
vnspc_bounce_dump_variable(const struct sieve_dumptime_env *denv,
			   const struct sieve_variables_namespace *nspc ATTR_UNUSED,
			   const struct sieve_operand *oprnd,
			   sieve_size_t *address)
{
	unsigned int index;

	if (!vnspc_bounce_read_index(denv->sblock, address, &index))
		return FALSE;
	if (oprnd->field_name != NULL) {
		sieve_code_dumpf(denv, "%s: VAR ${bounce.%s}",
				 oprnd->field_name, bounce_variable_name(index));
	} else {
		sieve_code_dumpf(denv, "VAR ${bounce.%s}",
				 bounce_variable_name(index));
	}
	return TRUE;
}

static int
vnspc_bounce_read_variable(const struct sieve_runtime_env *renv,
			   const struct sieve_variables_namespace *nspc,
			   const struct sieve_operand *oprnd,
			   sieve_size_t *address, string_t **str_r)
{
	const struct sieve_extension *ext = SIEVE_OBJECT_EXTENSION(nspc);
	struct ext_bounce_message *msg;
	const struct bounce_state_address *state;
	const char *value;
	unsigned int index;
	int ret;

	if (!vnspc_bounce_read_index(renv->sblock, address, &index)) {
		sieve_runtime_trace_operand_error(renv, oprnd,
			"bounce variable operand corrupt: invalid index");
		return SIEVE_EXEC_BIN_CORRUPT;
	}
	/* Only skipping the operand */
	if (str_r == NULL)
		return SIEVE_EXEC_OK;

	if ((ret = ext_bounce_get_message(renv, ext, &msg)) <= 0)
		return ret;

	if (index == BOUNCE_VARIABLE_COUNT)
		value = dec2str(array_count(&msg->failed));
	else if (msg->primary == NULL)
		value = index == EXT_BOUNCE_FIELD_TYPE ? "none" :
			index == BOUNCE_VARIABLE_REPEAT ? "no" : NULL;
	else if (index == BOUNCE_VARIABLE_REPEAT ||
		 index == BOUNCE_VARIABLE_NOTIFICATION) {
		if ((ret = ext_bounce_once_get(renv, ext, msg)) <= 0)
			return ret;
		value = index == BOUNCE_VARIABLE_NOTIFICATION ?
			msg->notification_id :
			msg->seen != NULL ? "yes" : "no";
	} else if (!ext_bounce_field_is_state(index))
		value = ext_bounce_field_get(msg->primary, index);
	else {
		if ((ret = ext_bounce_get_rcpt_state(renv, ext, msg,
				ext_bounce_failed_index(msg, msg->primary),
				&state)) <= 0)
			return ret;
		value = ext_bounce_state_field(state, index);
	}

	if (value == NULL)
		value = "";
	*str_r = t_str_new_const(value, strlen(value));
	return SIEVE_EXEC_OK;
}

static const struct sieve_variables_namespace_def bounce_namespace = {
	SIEVE_OBJECT("bounce", &bounce_namespace_operand, 0),
	.validate = vnspc_bounce_validate,
	.generate = vnspc_bounce_generate,
	.dump_variable = vnspc_bounce_dump_variable,
	.read_variable = vnspc_bounce_read_variable,
};

static const struct sieve_extension_objects bounce_namespaces =
	SIEVE_VARIABLES_DEFINE_NAMESPACE(bounce_namespace);

const struct sieve_operand_def bounce_namespace_operand = {
	.name = "bounce-namespace",
	.ext_def = &bounce_extension,
	.class = &sieve_variables_namespace_operand_class,
	.interface = &bounce_namespaces,
};

void ext_bounce_variables_register(const struct sieve_extension *ext,
				   struct sieve_validator *valdtr)
{
	const struct ext_bounce_context *ectx = ext->context;

	sieve_variables_namespace_register(ectx->var_ext, valdtr, ext,
					   &bounce_namespace);
}
