/* The extension's module: what the plugin loads (sieve-bounce-plugin.c).
   Its load, whose type differs between the release lines, is in
   ext-bounce-settings-2.[34].c. */

#include "lib.h"

#include "sieve-common.h"
#include "sieve-extensions.h"

#include "sieve-bounce-extension.h"

void sieve_bounce_extension_unload(struct sieve_instance *svinst ATTR_UNUSED,
				   void *context)
{
	const struct sieve_extension *ext = context;

	if (ext != NULL)
		sieve_extension_unregister(ext);
}
