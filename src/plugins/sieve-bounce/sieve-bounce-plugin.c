/* The Pigeonhole plugin: registers vnd.bounce and nothing else. */

#include "lib.h"

#include "sieve-common.h"
#include "sieve-extensions.h"

#include "ext-bounce-common.h"
#include "sieve-bounce-plugin.h"

/* Pigeonhole refuses to load a plugin built for another ABI. */
const char *sieve_bounce_plugin_version = PIGEONHOLE_ABI_VERSION;

void sieve_bounce_plugin_load(struct sieve_instance *svinst, void **context)
{
	const struct sieve_extension *ext;

	/* Not enabled here: the administrator enables it with
	   sieve_extensions or sieve_global_extensions. */
	ext = sieve_extension_register(svinst, &bounce_extension, FALSE);
	e_debug(svinst->event, "vnd.bounce: Sieve bounce plugin for %s %s "
		"loaded", PIGEONHOLE_NAME, PIGEONHOLE_VERSION_FULL);
	*context = (void *)ext;
}

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
