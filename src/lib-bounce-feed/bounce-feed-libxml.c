/* Looks up the feed writer's libxml2 functions (bounce-feed-libxml.h). */

#include "lib.h"
#define BOUNCE_FEED_LIBXML_NO_MACROS
#include "bounce-feed-libxml.h"

#include <dlfcn.h>

struct bounce_libxml bounce_libxml;
static bool libxml_loaded = FALSE;

int bounce_feed_libxml_load(const char **error_r)
{
	void *handle, *sym;

	if (libxml_loaded)
		return 0;
	/* kept for the process's life, as a linked library would be */
	handle = dlopen(LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		*error_r = t_strdup_printf("dlopen(%s) failed: %s",
					   LIBXML2_SONAME, dlerror());
		return -1;
	}
#define BOUNCE_LIBXML_LOOKUP(name) \
	sym = dlsym(handle, #name); \
	memcpy(&bounce_libxml.name, &sym, sizeof(sym)); \
	if (sym == NULL) { \
		*error_r = t_strdup_printf("%s has no %s()", \
					   LIBXML2_SONAME, #name); \
		return -1; \
	}
	BOUNCE_LIBXML_FUNCS(BOUNCE_LIBXML_LOOKUP)
	libxml_loaded = TRUE;
	return 0;
}
