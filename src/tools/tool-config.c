/* Reading the Dovecot configuration the tools are given with -c
   (tool-config.h): doveconf answers differently on each release line. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "istream.h"
#include "dovecot-compat.h"
#include "tool-config.h"

#include <unistd.h>
#include <sys/wait.h>

/* Runs doveconf -c config_path ARGS... with its stdout on fd_out.
   Returns 0, or -1 after logging why. */
static int
doveconf_run(const char *config_path, const char *const *args, int fd_out)
{
	ARRAY_TYPE(const_string) argv;
	const char *arg;
	int status;
	pid_t pid;

	t_array_init(&argv, 8);
	arg = "doveconf"; array_push_back(&argv, &arg);
	arg = "-c"; array_push_back(&argv, &arg);
	array_push_back(&argv, &config_path);
	for (; *args != NULL; args++)
		array_push_back(&argv, args);
	array_append_zero(&argv);

	if ((pid = fork()) < 0)
		i_fatal("fork() failed: %m");
	if (pid == 0) {
		if (dup2(fd_out, STDOUT_FILENO) < 0)
			i_fatal("dup2() failed: %m");
		execvp("doveconf", (char *const *)array_front(&argv));
		i_fatal("execvp(doveconf) failed: %m");
	}
	if (waitpid(pid, &status, 0) < 0)
		i_fatal("waitpid() failed: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		i_error("doveconf -c %s could not read the configuration",
			config_path);
		return -1;
	}
	return 0;
}

/* doveconf -h: the values of the settings names names (those of
   plugin { } with "plugin/" in 2.3), values_r[i] for names[i]; only those
   for which want(names[i]) (all for NULL). Returns 0, or -1 after logging
   why. */
static int
doveconf_values(const char *config_path, const char *const *names,
		bool (*want)(const char *name), const char **values_r)
{
	ARRAY_TYPE(const_string) args;
	ARRAY(unsigned int) asked;
	struct istream *input;
	const char *line, *arg;
	unsigned int i, n;
	int fd[2], ret;

	t_array_init(&args, 8);
	t_array_init(&asked, 8);
	arg = "-h"; array_push_back(&args, &arg);
	for (i = 0; names[i] != NULL; i++) {
		if (want != NULL && !want(names[i]))
			continue;
		arg = names[i][0] == '/' ? names[i] + 1 :
			t_strconcat("plugin/", names[i], NULL);
		array_push_back(&args, &arg);
		array_push_back(&asked, &i);
		values_r[i] = "";
	}
	if (array_is_empty(&asked))
		return 0;
	array_append_zero(&args);

	if (pipe(fd) < 0)
		i_fatal("pipe() failed: %m");
	/* the values are a few short lines: the pipe holds them until
	   doveconf has exited */
	ret = doveconf_run(config_path, array_front(&args), fd[1]);
	i_close_fd(&fd[1]);
	input = i_stream_create_fd_autoclose(&fd[0], 1024);
	for (n = 0; (line = i_stream_read_next_line(input)) != NULL &&
		    n < array_count(&asked); n++)
		values_r[*array_idx(&asked, n)] = t_strdup(line);
	i_stream_unref(&input);
	return ret;
}

#if !DOVECOT_PREREQ(2, 4, 0)

int tool_config_read(const char *config_path, const char *const *names,
		     const char **values_r)
{
	return doveconf_values(config_path, names, NULL, values_r);
}

#else

#include "settings.h"
#include "sieve-bounce-settings.h"

#include <stdlib.h>

/* A setting of the struct as a string */
static const char *
tool_config_value(const struct sieve_bounce_settings *set, const char *name)
{
	const struct setting_define *def;
	const void *value;

	for (def = sieve_bounce_setting_parser_info.defines;
	     def->key != NULL; def++) {
		if (strcmp(def->key, name) == 0)
			break;
	}
	if (def->key == NULL)
		i_panic("tool_config_read(): no setting %s", name);
	value = CONST_PTR_OFFSET(set, def->offset);
	switch (def->type) {
	case SET_STR:
	case SET_ENUM:
		return *(const char *const *)value;
	case SET_UINT:
		return dec2str(*(const unsigned int *)value);
	case SET_TIME:
		return t_strdup_printf("%us", *(const unsigned int *)value);
	case SET_SIZE:
		return dec2str(*(const uoff_t *)value);
	default:
		i_unreached();
	}
}

static int
tool_config_get(struct event *event, const char *config_path,
		const char *const *names, const char **values_r)
{
	const struct sieve_bounce_settings *set;
	const char *error;
	unsigned int i;
	int ret;

	/* not expanded: a value for each user keeps its %{variables} */
	if (settings_get(event, &sieve_bounce_setting_parser_info,
			 SETTINGS_GET_FLAG_NO_EXPAND, &set, &error) < 0) {
		i_error("%s: %s", config_path, error);
		return -1;
	}
	for (i = 0; names[i] != NULL; i++) {
		if (names[i][0] == '/')
			continue;
		if (strcmp(names[i], "sieve_bounce_dict") != 0) {
			values_r[i] = t_strdup(tool_config_value(set, names[i]));
			continue;
		}
		ret = dovecot_compat_dict_uri_from_settings(event,
			SETTINGS_GET_FLAG_NO_EXPAND, &values_r[i], &error);
		if (ret < 0) {
			i_error("%s: sieve_bounce { dict }: %s",
				config_path, error);
			settings_free(set);
			return -1;
		}
		if (ret == 0)
			values_r[i] = "";
	}
	settings_free(set);
	return 0;
}

static bool setting_is_global(const char *name)
{
	return name[0] == '/';
}

int tool_config_read(const char *config_path, const char *const *names,
		     const char **values_r)
{
	/* doveconf -F writes the binary form only for a program it runs
	   (DOVECOT_CONFIG_FD): one that copies it out */
	static const char *const args[] = {
		"-F", "/bin/sh", "-c",
		"exec cat \"/proc/self/fd/$DOVECOT_CONFIG_FD\"", NULL
	};
	const char *const *protocols, *tmpdir, *error;
	struct settings_root *root;
	struct event *event;
	string_t *path;
	int fd, ret;

	/* the configuration as doveconf gives it to Dovecot's programs, in
	   a file settings_read() maps */
	tmpdir = getenv("TMPDIR");
	path = t_str_new(128);
	str_printfa(path, "%s/bounce-config.XXXXXX",
		    tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp");
	if ((fd = mkstemp(str_c_modifiable(path))) < 0)
		i_fatal("mkstemp(%s) failed: %m", str_c(path));
	i_unlink(str_c(path));
	if (doveconf_values(config_path, names, setting_is_global,
			    values_r) < 0 ||
	    doveconf_run(config_path, args, fd) < 0) {
		i_close_fd(&fd);
		return -1;
	}

	root = settings_root_init();
	if (settings_read(root, fd, config_path, NULL, NULL, 0,
			  &protocols, &error) < 0) {
		i_error("%s: %s", config_path, error);
		ret = -1;
	} else {
		event = event_create(NULL);
		event_set_ptr(event, SETTINGS_EVENT_ROOT, root);
		settings_event_add_filter_name(event, "sieve_bounce");
		ret = tool_config_get(event, config_path, names, values_r);
		event_unref(&event);
	}
	settings_root_deinit(&root);
	i_close_fd(&fd);
	return ret;
}

#endif
