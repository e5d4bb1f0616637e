/* The module Pigeonhole loads (sieve_plugins = sieve_bounce). It only
   opens the extension's own module, sieve-bounce-extension.so beside it,
   and hands Pigeonhole's calls on to it. Dovecot opens a plugin with
   RTLD_NOW, which binds every function the module calls from Dovecot,
   Pigeonhole, PCRE2 and libc (some 270) as each delivery starts: more
   than 3% of delivering an ordinary message, which calls few of them.
   The extension's module is opened with lazy binding, so that a delivery
   binds only what it calls. */

/* dladdr() */
#define _GNU_SOURCE

#include "lib.h"

#include "sieve-common.h"

#include <dlfcn.h>

#include "sieve-bounce-extension.h"
#include "sieve-bounce-plugin.h"

#define SIEVE_BOUNCE_EXTENSION_MODULE "sieve-bounce-extension.so"

/* Pigeonhole refuses to load a plugin built for another ABI. */
const char *sieve_bounce_plugin_version = PIGEONHOLE_ABI_VERSION;

static sieve_bounce_extension_load_func_t *extension_load;
static sieve_bounce_extension_unload_func_t *extension_unload;

/* The extension's module: kept open for the process, as this one is. */
static int extension_module_open(const char **error_r)
{
	Dl_info info;
	const char *path, *slash;
	void *handle;

	if (extension_load != NULL)
		return 0;
	/* beside this module, wherever sieve_plugin_dir put it */
	if (dladdr(&sieve_bounce_plugin_version, &info) == 0 ||
	    info.dli_fname == NULL ||
	    (slash = strrchr(info.dli_fname, '/')) == NULL) {
		*error_r = "Cannot find the plugin's own path";
		return -1;
	}
	path = t_strconcat(t_strdup_until(info.dli_fname, slash + 1),
			   SIEVE_BOUNCE_EXTENSION_MODULE, NULL);
	handle = dlopen(path, RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE);
	if (handle == NULL) {
		*error_r = t_strdup_printf("dlopen(%s) failed: %s",
					   path, dlerror());
		return -1;
	}
	extension_load = (sieve_bounce_extension_load_func_t *)
		dlsym(handle, "sieve_bounce_extension_load");
	extension_unload = (sieve_bounce_extension_unload_func_t *)
		dlsym(handle, "sieve_bounce_extension_unload");
	if (extension_load == NULL || extension_unload == NULL) {
		extension_load = NULL;
		*error_r = t_strdup_printf("%s is not the extension's module "
					   "(built for another version?)", path);
		return -1;
	}
	return 0;
}

#if DOVECOT_PREREQ(2, 4, 0)
int sieve_bounce_plugin_load(struct sieve_instance *svinst, void **context)
{
	const char *error;

	*context = NULL;
	if (extension_module_open(&error) < 0) {
		e_error(svinst->event, "vnd.bounce: %s", error);
		return -1;
	}
	return extension_load(svinst, context);
}
#else
void sieve_bounce_plugin_load(struct sieve_instance *svinst, void **context)
{
	const char *error;

	*context = NULL;
	if (extension_module_open(&error) < 0) {
		/* the extension stays unknown: a script requiring it fails
		   to compile, with this error logged before */
		e_error(svinst->event, "vnd.bounce: %s", error);
		return;
	}
	extension_load(svinst, context);
}
#endif

void sieve_bounce_plugin_unload(struct sieve_instance *svinst, void *context)
{
	if (extension_unload != NULL)
		extension_unload(svinst, context);
}

void sieve_bounce_plugin_init(void)
{
}

void sieve_bounce_plugin_deinit(void)
{
}
