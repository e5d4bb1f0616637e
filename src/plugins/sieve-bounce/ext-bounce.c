/* Extension vnd.bounce
 * --------------------
 *
 * Specification: vnd.bounce.txt (beside this file)
 *
 * The "bounce" test, the "classify" action and the "bounce" variables
 * namespace, on the dovecot-bounce classifier.
 */

#include "lib.h"

#include "sieve-common.h"
#include "sieve-extensions.h"
#include "sieve-commands.h"
#include "sieve-validator.h"

#include "ext-bounce-settings.h"

static bool
ext_bounce_validator_load(const struct sieve_extension *ext,
			  struct sieve_validator *valdtr);

/* Indexed by enum ext_bounce_opcode */
static const struct sieve_operation_def *ext_bounce_operations[] = {
	&tst_bounce_operation,
	&cmd_classify_operation,
};

const struct sieve_extension_def bounce_extension = {
	.name = "vnd.bounce",
	.load = ext_bounce_load,
	.unload = ext_bounce_unload,
	.validator_load = ext_bounce_validator_load,
	SIEVE_EXT_DEFINE_OPERATIONS(ext_bounce_operations),
	SIEVE_EXT_DEFINE_OPERAND(bounce_namespace_operand),
};

static bool
ext_bounce_validator_load(const struct sieve_extension *ext,
			  struct sieve_validator *valdtr)
{
	sieve_validator_register_command(valdtr, ext, &tst_bounce);
	sieve_validator_register_command(valdtr, ext, &cmd_classify);
	/* Usable only when the script also requires "variables" */
	ext_bounce_variables_register(ext, valdtr);
	return TRUE;
}
