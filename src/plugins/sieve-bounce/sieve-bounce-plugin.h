#ifndef SIEVE_BOUNCE_PLUGIN_H
#define SIEVE_BOUNCE_PLUGIN_H

/* Loaded by Pigeonhole with sieve_plugins = sieve_bounce: the module
   name comes from the file name lib90_sieve_bounce_plugin.so. */

extern const char *sieve_bounce_plugin_version;

/* Per sieve instance (sieve_bounce_plugin_load(): ext-bounce-settings.h) */
void sieve_bounce_plugin_unload(struct sieve_instance *svinst, void *context);

/* Per process */
void sieve_bounce_plugin_init(void);
void sieve_bounce_plugin_deinit(void);

#endif
