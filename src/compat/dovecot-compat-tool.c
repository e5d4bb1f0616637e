/* Starting and ending a command-line tool (dovecot-compat.h). */

#include "lib.h"
#include "dovecot-compat.h"

#if DOVECOT_PREREQ(2, 4, 0)
#  include "master-service.h"
#  include "master-service-settings.h"

void dovecot_compat_tool_init(const char *name, int *argc, char **argv[])
{
	const enum master_service_flags flags =
		MASTER_SERVICE_FLAG_STANDALONE |
		MASTER_SERVICE_FLAG_NO_CONFIG_SETTINGS |
		MASTER_SERVICE_FLAG_DONT_SEND_STATS |
		MASTER_SERVICE_FLAG_NO_SSL_INIT |
		MASTER_SERVICE_FLAG_NO_INIT_DATASTACK_FRAME;
	const char *error;

	/* 2.4's dict client reads the master service's settings (base_dir)
	   when it opens a proxy dict: the built-in ones do, since a tool is
	   given the socket's full path. Not finished with
	   master_service_init_finish(), which would turn the tool's exit()
	   on a usage error into an abort(). */
	master_service = master_service_init(name, flags, argc, argv, "");
	if (master_service_settings_read_simple(master_service, &error) < 0)
		i_fatal("%s", error);
}

void dovecot_compat_tool_deinit(void)
{
	master_service_deinit(&master_service);
}
#else
void dovecot_compat_tool_init(const char *name ATTR_UNUSED,
			      int *argc ATTR_UNUSED,
			      char **argv[] ATTR_UNUSED)
{
	lib_init();
}

void dovecot_compat_tool_deinit(void)
{
	lib_deinit();
}
#endif
