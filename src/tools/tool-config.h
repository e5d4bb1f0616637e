#ifndef TOOL_CONFIG_H
#define TOOL_CONFIG_H

/* The values of plugin settings (names without "plugin/"; "/NAME" for a
   global setting) as doveconf -h prints them from config_path, in the
   order asked, "" when unset.
   Returns 0, or -1 after logging why. */
int tool_config_read(const char *config_path, const char *const *names,
		     const char **values_r);

#endif
