/* The "bounce" test (vnd.bounce.txt, section 4).

   Syntax:
     bounce [:type / :category / :code / :status / :recipient /
             :diagnostic / :state / :softcount]
            [COMPARATOR] [MATCH-TYPE] [<key-list>]

   Code: BOUNCE <field: byte> [optional operands] [<key-list>]. The field
   byte comes first and is 0 when there is no key list: an absent key
   list cannot be told from the optional-operand block by its first byte,
   so the field says whether one follows. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "dovecot-compat.h"

#include "sieve-common.h"
#include "sieve-ast.h"
#include "sieve-binary.h"
#include "sieve-code.h"
#include "sieve-commands.h"
#include "sieve-comparators.h"
#include "sieve-match-types.h"
#include "sieve-validator.h"
#include "sieve-generator.h"
#include "sieve-interpreter.h"
#include "sieve-runtime-trace.h"
#include "sieve-dump.h"
#include "sieve-match.h"
#include "sieve-stringlist.h"

#include "ext-bounce-common.h"

/* The field byte: 0 = any failed recipient, no key list follows */
#define TST_BOUNCE_NO_FIELD 0
#define TST_BOUNCE_FIELD_CODE(field) ((field) + 1)

static bool
tst_bounce_registered(struct sieve_validator *valdtr,
		      const struct sieve_extension *ext,
		      struct sieve_command_registration *cmd_reg);
static bool
tst_bounce_pre_validate(struct sieve_validator *valdtr,
			struct sieve_command *tst);
static bool
tst_bounce_validate(struct sieve_validator *valdtr, struct sieve_command *tst);
static bool
tst_bounce_generate(const struct sieve_codegen_env *cgenv,
		    struct sieve_command *tst);

const struct sieve_command_def tst_bounce = {
	.identifier = "bounce",
	.type = SCT_TEST,
	/* the key list is optional: checked in validate */
	.positional_args = -1,
	.subtests = 0,
	.block_allowed = FALSE,
	.block_required = FALSE,
	.registered = tst_bounce_registered,
	.pre_validate = tst_bounce_pre_validate,
	.validate = tst_bounce_validate,
	.generate = tst_bounce_generate,
};

static bool
tst_bounce_operation_dump(const struct sieve_dumptime_env *denv,
			  sieve_size_t *address);
static int
tst_bounce_operation_execute(const struct sieve_runtime_env *renv,
			     sieve_size_t *address);

const struct sieve_operation_def tst_bounce_operation = {
	.mnemonic = "BOUNCE",
	.ext_def = &bounce_extension,
	.code = EXT_BOUNCE_OPERATION_BOUNCE,
	.dump = tst_bounce_operation_dump,
	.execute = tst_bounce_operation_execute,
};

/*
 * Field tags: each is detached from the AST once recorded, so that only
 * the comparator and match type reach the optional-operand block.
 */

struct tst_bounce_data {
	struct sieve_ast_argument *field_tag;
	enum ext_bounce_field field;
};

static bool
tst_bounce_validate_field_tag(struct sieve_validator *valdtr,
			      struct sieve_ast_argument **arg,
			      struct sieve_command *tst);

static const struct sieve_argument_def field_tags[EXT_BOUNCE_FIELD_COUNT] = {
	{ .identifier = "type", .validate = tst_bounce_validate_field_tag },
	{ .identifier = "category", .validate = tst_bounce_validate_field_tag },
	{ .identifier = "code", .validate = tst_bounce_validate_field_tag },
	{ .identifier = "status", .validate = tst_bounce_validate_field_tag },
	{ .identifier = "recipient", .validate = tst_bounce_validate_field_tag },
	{ .identifier = "diagnostic", .validate = tst_bounce_validate_field_tag },
	{ .identifier = "state", .validate = tst_bounce_validate_field_tag },
	{ .identifier = "softcount", .validate = tst_bounce_validate_field_tag },
};

static bool
tst_bounce_registered(struct sieve_validator *valdtr,
		      const struct sieve_extension *ext,
		      struct sieve_command_registration *cmd_reg)
{
	unsigned int i;

	sieve_comparators_link_tag(valdtr, cmd_reg, SIEVE_MATCH_OPT_COMPARATOR);
	sieve_match_types_link_tags(valdtr, cmd_reg, SIEVE_MATCH_OPT_MATCH_TYPE);
	for (i = 0; i < N_ELEMENTS(field_tags); i++) {
		sieve_validator_register_tag(valdtr, cmd_reg, ext,
					     &field_tags[i], 0);
	}
	return TRUE;
}

static bool
tst_bounce_pre_validate(struct sieve_validator *valdtr ATTR_UNUSED,
			struct sieve_command *tst)
{
	tst->data = p_new(sieve_command_pool(tst), struct tst_bounce_data, 1);
	return TRUE;
}

static bool
tst_bounce_validate_field_tag(struct sieve_validator *valdtr,
			      struct sieve_ast_argument **arg,
			      struct sieve_command *tst)
{
	struct tst_bounce_data *data = tst->data;
	const struct sieve_argument_def *def = (*arg)->argument->def;

	if (data->field_tag != NULL) {
		sieve_argument_validate_error(valdtr, *arg,
			"the bounce test takes only one of :type, :category, "
			":code, :status, :recipient, :diagnostic, :state "
			"and :softcount, "
			"but both :%s and :%s were given",
			sieve_ast_argument_tag(data->field_tag),
			sieve_ast_argument_tag(*arg));
		return FALSE;
	}
	i_assert(def >= field_tags && def < field_tags + N_ELEMENTS(field_tags));
	data->field_tag = *arg;
	data->field = (enum ext_bounce_field)(def - field_tags);

	*arg = sieve_ast_arguments_detach(*arg, 1);
	return TRUE;
}

/* The match type and comparator tags given, if any */
static void
tst_bounce_find_match_tags(struct sieve_command *tst,
			   struct sieve_ast_argument **mcht_r,
			   struct sieve_ast_argument **cmp_r)
{
	struct sieve_ast_argument *arg = sieve_command_first_argument(tst);

	*mcht_r = *cmp_r = NULL;
	for (; arg != NULL && arg != tst->first_positional;
	     arg = sieve_ast_argument_next(arg)) {
		if (arg->argument == NULL)
			continue;
		if (sieve_argument_is_match_type(arg))
			*mcht_r = arg;
		else if (sieve_argument_is_comparator(arg))
			*cmp_r = arg;
	}
}

static bool
tst_bounce_is_value_match(struct sieve_ast_argument *mcht_arg)
{
	const struct sieve_match_type_context *mtctx;
	const char *name;

	if (mcht_arg == NULL || mcht_arg->argument->data == NULL)
		return FALSE;
	mtctx = mcht_arg->argument->data;
	/* relational names its instances "value-ge", "value-lt", .. */
	name = sieve_match_type_name(mtctx->match_type);
	return str_begins_with(name, "value");
}

static bool
tst_bounce_validate(struct sieve_validator *valdtr, struct sieve_command *tst)
{
	struct tst_bounce_data *data = tst->data;
	struct sieve_ast_argument *keys = tst->first_positional;
	struct sieve_ast_argument *mcht_arg, *cmp_arg;
	const struct sieve_match_type mcht_default =
		SIEVE_MATCH_TYPE_DEFAULT(is_match_type);
	const struct sieve_comparator cmp_default =
		SIEVE_COMPARATOR_DEFAULT(i_ascii_casemap_comparator);

	tst_bounce_find_match_tags(tst, &mcht_arg, &cmp_arg);

	if (keys == NULL) {
		if (data->field_tag != NULL) {
			sieve_argument_validate_error(valdtr, data->field_tag,
				"the bounce test needs a key list after :%s",
				sieve_ast_argument_tag(data->field_tag));
			return FALSE;
		}
		if (mcht_arg != NULL || cmp_arg != NULL) {
			sieve_command_validate_error(valdtr, tst,
				"the bounce test needs a key list when a "
				"comparator or match type is given");
			return FALSE;
		}
		return TRUE;
	}

	if (sieve_ast_argument_next(keys) != NULL) {
		sieve_argument_validate_error(valdtr,
			sieve_ast_argument_next(keys),
			"the bounce test takes at most one positional "
			"argument (a key list), but more were given");
		return FALSE;
	}
	if (!sieve_validate_positional_argument(valdtr, tst, keys, "key list",
						1, SAAT_STRING_LIST))
		return FALSE;
	if (!sieve_validator_argument_activate(valdtr, tst, keys, FALSE))
		return FALSE;

	if (data->field_tag == NULL)
		data->field = EXT_BOUNCE_FIELD_TYPE;

	if ((data->field == EXT_BOUNCE_FIELD_CODE ||
	     data->field == EXT_BOUNCE_FIELD_SOFTCOUNT) && cmp_arg == NULL &&
	    tst_bounce_is_value_match(mcht_arg)) {
		/* "9" > "10" as text: almost certainly not what was meant */
		sieve_argument_validate_warning(valdtr, mcht_arg,
			"the bounce test compares :%s values as text "
			"with :value unless :comparator \"i;ascii-numeric\" "
			"is given", ext_bounce_field_name(data->field));
	}

	return sieve_match_type_validate(valdtr, tst, keys, &mcht_default,
					 &cmp_default);
}

static bool
tst_bounce_generate(const struct sieve_codegen_env *cgenv,
		    struct sieve_command *tst)
{
	struct tst_bounce_data *data = tst->data;
	unsigned int field = tst->first_positional == NULL ?
		TST_BOUNCE_NO_FIELD : TST_BOUNCE_FIELD_CODE(data->field);

	sieve_operation_emit(cgenv->sblock, tst->ext, &tst_bounce_operation);
	sieve_binary_emit_byte(cgenv->sblock, field);
	return sieve_generate_arguments(cgenv, tst, NULL);
}

/*
 * Code dump
 */

static bool
tst_bounce_read_field(struct sieve_binary_block *sblock, sieve_size_t *address,
		      unsigned int *field_r)
{
	if (!sieve_binary_read_byte(sblock, address, field_r))
		return FALSE;
	return *field_r <= TST_BOUNCE_FIELD_CODE(EXT_BOUNCE_FIELD_COUNT - 1);
}

static bool
tst_bounce_operation_dump(const struct sieve_dumptime_env *denv,
			  sieve_size_t *address)
{
	unsigned int field;

	sieve_code_dumpf(denv, "BOUNCE");
	sieve_code_descend(denv);

	sieve_code_mark(denv);
	if (!tst_bounce_read_field(denv->sblock, address, &field))
		return FALSE;
	if (field == TST_BOUNCE_NO_FIELD) {
		sieve_code_dumpf(denv, "any failed recipient");
		return TRUE;
	}
	sieve_code_dumpf(denv, "field: %s", ext_bounce_field_name(field - 1));

	/* only the comparator and match type are optional */
	if (sieve_match_opr_optional_dump(denv, address, NULL) != 0)
		return FALSE;
	return sieve_opr_stringlist_dump(denv, address, "key list");
}

/*
 * Values: one field of every failed recipient
 */

struct tst_bounce_stringlist {
	struct sieve_stringlist strlist;
	const struct sieve_extension *ext;
	struct ext_bounce_message *msg;
	enum ext_bounce_field field;
	unsigned int index;
};

static int
tst_bounce_stringlist_next_item(struct sieve_stringlist *_strlist,
				string_t **str_r)
{
	struct tst_bounce_stringlist *strlist =
		(struct tst_bounce_stringlist *)_strlist;
	const struct bounce_recipient *const *rcpts;
	unsigned int count;
	const char *value;

	const struct bounce_state_address *state;
	int ret;

	rcpts = array_get(&strlist->msg->failed, &count);
	while (strlist->index < count) {
		if (!ext_bounce_field_is_state(strlist->field)) {
			value = ext_bounce_field_get(rcpts[strlist->index++],
						     strlist->field);
		} else {
			ret = ext_bounce_get_rcpt_state(_strlist->runenv,
				strlist->ext, strlist->msg,
				strlist->index++, &state);
			if (ret <= 0) {
				_strlist->exec_status = ret;
				return -1;
			}
			value = ext_bounce_state_field(state, strlist->field);
		}
		if (value != NULL) {
			*str_r = t_str_new_const(value, strlen(value));
			return 1;
		}
	}
	*str_r = NULL;
	return 0;
}

static void tst_bounce_stringlist_reset(struct sieve_stringlist *_strlist)
{
	struct tst_bounce_stringlist *strlist =
		(struct tst_bounce_stringlist *)_strlist;

	strlist->index = 0;
}

static struct sieve_stringlist *
tst_bounce_stringlist_create(const struct sieve_runtime_env *renv,
			     const struct sieve_extension *ext,
			     struct ext_bounce_message *msg,
			     enum ext_bounce_field field)
{
	struct tst_bounce_stringlist *strlist;

	strlist = t_new(struct tst_bounce_stringlist, 1);
	strlist->strlist.runenv = renv;
	strlist->strlist.exec_status = SIEVE_EXEC_OK;
	strlist->strlist.next_item = tst_bounce_stringlist_next_item;
	strlist->strlist.reset = tst_bounce_stringlist_reset;
	strlist->ext = ext;
	strlist->msg = msg;
	strlist->field = field;
	return &strlist->strlist;
}

/*
 * Execution
 */

static int
tst_bounce_operation_execute(const struct sieve_runtime_env *renv,
			     sieve_size_t *address)
{
	const struct sieve_extension *ext = renv->oprtn->ext;
	struct sieve_match_type mcht = SIEVE_MATCH_TYPE_DEFAULT(is_match_type);
	struct sieve_comparator cmp =
		SIEVE_COMPARATOR_DEFAULT(i_ascii_casemap_comparator);
	struct sieve_stringlist *values, *keys;
	struct ext_bounce_message *msg;
	unsigned int field;
	int match, ret;

	if (!tst_bounce_read_field(renv->sblock, address, &field)) {
		sieve_runtime_trace_error(renv, "invalid field operand");
		return SIEVE_EXEC_BIN_CORRUPT;
	}

	if (field == TST_BOUNCE_NO_FIELD) {
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS, "bounce test");
		sieve_runtime_trace_descend(renv);
		if ((ret = ext_bounce_get_message(renv, ext, &msg)) <= 0)
			return ret;
		sieve_runtime_trace_ascend(renv);
		sieve_interpreter_set_test_result(renv->interp,
						  msg->primary != NULL);
		return SIEVE_EXEC_OK;
	}
	field--;

	/* only the comparator and match type are optional */
	if (sieve_match_opr_optional_read(renv, address, NULL, &ret,
					  &cmp, &mcht) < 0)
		return ret;

	if ((ret = sieve_opr_stringlist_read(renv, address, "key list",
					     &keys)) <= 0)
		return ret;

	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS, "bounce :%s test",
			    ext_bounce_field_name(field));
	sieve_runtime_trace_descend(renv);
	if ((ret = ext_bounce_get_message(renv, ext, &msg)) <= 0)
		return ret;

	values = tst_bounce_stringlist_create(renv, ext, msg, field);
	if ((match = sieve_match(renv, &mcht, &cmp, values, keys, &ret)) < 0)
		return ret;
	sieve_runtime_trace_ascend(renv);

	sieve_interpreter_set_test_result(renv->interp, match > 0);
	return SIEVE_EXEC_OK;
}
