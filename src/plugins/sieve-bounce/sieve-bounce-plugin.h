#ifndef SIEVE_BOUNCE_PLUGIN_H
#define SIEVE_BOUNCE_PLUGIN_H

/* Loaded by Pigeonhole with sieve_plugins = sieve_bounce: the module
   name comes from the file name lib90_sieve_bounce_plugin.so. */
extern const char *sieve_bounce_plugin_version;

/* Per sieve instance: they load the extension's module on first use and
   call its sieve_bounce_extension_load() and _unload() */
#if DOVECOT_PREREQ(2, 4, 0)
int sieve_bounce_plugin_load(struct sieve_instance *svinst, void **context);
#else
void sieve_bounce_plugin_load(struct sieve_instance *svinst, void **context);
#endif
void sieve_bounce_plugin_unload(struct sieve_instance *svinst, void *context);

/* Per process */
void sieve_bounce_plugin_init(void);
void sieve_bounce_plugin_deinit(void);

#endif
