/* The Pigeonhole plugin: registers vnd.bounce and nothing else (its load
   function, whose type differs between the release lines, is in
   ext-bounce-settings-2.[34].c). */

#include "lib.h"

#include "sieve-common.h"
#include "sieve-extensions.h"

#include "ext-bounce-settings.h"
#include "sieve-bounce-plugin.h"

/* Pigeonhole refuses to load a plugin built for another ABI. */
const char *sieve_bounce_plugin_version = PIGEONHOLE_ABI_VERSION;

void sieve_bounce_plugin_unload(struct sieve_instance *svinst ATTR_UNUSED,
				void *context)
{
	const struct sieve_extension *ext = context;

	if (ext != NULL)
		sieve_extension_unregister(ext);
}

void sieve_bounce_plugin_init(void)
{
}

void sieve_bounce_plugin_deinit(void)
{
}
