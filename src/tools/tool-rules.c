#include "lib.h"
#include "tool-rules.h"

#include <unistd.h>

const char *tool_rules_default_path(const char *argv0)
{
	const char *path = getenv("BOUNCE_RULES"), *p;

	if (path != NULL && path[0] != '\0')
		return path;
	if (access(BOUNCE_RULES_PATH, R_OK) == 0)
		return BOUNCE_RULES_PATH;
	if (access(BOUNCE_SRCDIR_RULES_PATH, R_OK) == 0)
		return BOUNCE_SRCDIR_RULES_PATH;
	/* relocated build tree: look beside the program */
	p = strrchr(argv0, '/');
	if (p != NULL) {
		path = t_strconcat(t_strdup_until(argv0, p),
				   "/../conf.d/bounce.rules", NULL);
		if (access(path, R_OK) == 0)
			return path;
	}
	return BOUNCE_RULES_PATH;
}
