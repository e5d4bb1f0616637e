#ifndef SIEVE_BOUNCE_EXTENSION_H
#define SIEVE_BOUNCE_EXTENSION_H

/* The entry points of the extension's module (sieve-bounce-extension.so),
   which the plugin (sieve-bounce-plugin.c) opens and calls: they register
   vnd.bounce with a Sieve instance and unregister it. Their types follow
   Pigeonhole's plugin callbacks, which differ between the release lines;
   ext-bounce-settings-2.[34].c defines the load. */

struct sieve_instance;

#if DOVECOT_PREREQ(2, 4, 0)
typedef int
sieve_bounce_extension_load_func_t(struct sieve_instance *svinst,
				   void **context);
#else
typedef void
sieve_bounce_extension_load_func_t(struct sieve_instance *svinst,
				   void **context);
#endif
typedef void
sieve_bounce_extension_unload_func_t(struct sieve_instance *svinst,
				     void *context);

sieve_bounce_extension_load_func_t sieve_bounce_extension_load;
sieve_bounce_extension_unload_func_t sieve_bounce_extension_unload;

#endif
