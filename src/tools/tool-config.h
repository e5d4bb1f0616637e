#ifndef TOOL_CONFIG_H
#define TOOL_CONFIG_H

/* The plugin's settings (names as 2.3 gives them: sieve_bounce_feed_dir,
   sieve_bounce_dict, ...; "/NAME" for a global setting of Dovecot's own)
   read from the Dovecot configuration config_path, in the order asked,
   "" when unset. Values are not expanded: a per-user value keeps its
   %variables or ~/.

   Dovecot 2.3: doveconf -h plugin/NAME (-h NAME for a global setting).
   Dovecot 2.4: the configuration as doveconf -F gives it to Dovecot's own
   programs, read with the settings struct the plugin registers;
   sieve_bounce_dict is then the dict filter inside sieve_bounce { } as a
   URI (dovecot-compat.h), and sieve_bounce_soft_window a number of
   seconds. Global settings still through doveconf -h.

   Returns 0, or -1 after logging why. */
int tool_config_read(const char *config_path, const char *const *names,
		     const char **values_r);

#endif
