/* Reading the Dovecot configuration the tools are given with -c. */

#include "lib.h"
#include "array.h"
#include "istream.h"
#include "tool-config.h"

#include <unistd.h>
#include <sys/wait.h>

int tool_config_read(const char *config_path, const char *const *names,
		     const char **values_r)
{
	ARRAY_TYPE(const_string) argv;
	struct istream *input;
	const char *line, *arg;
	unsigned int i = 0;
	int fd[2], status;
	pid_t pid;

	t_array_init(&argv, 8);
	arg = "doveconf"; array_push_back(&argv, &arg);
	arg = "-c"; array_push_back(&argv, &arg);
	array_push_back(&argv, &config_path);
	arg = "-h"; array_push_back(&argv, &arg);
	for (; names[i] != NULL; i++) {
		arg = names[i][0] == '/' ? names[i] + 1 :
			t_strconcat("plugin/", names[i], NULL);
		array_push_back(&argv, &arg);
		values_r[i] = "";
	}
	array_append_zero(&argv);

	if (pipe(fd) < 0)
		i_fatal("pipe() failed: %m");
	if ((pid = fork()) < 0)
		i_fatal("fork() failed: %m");
	if (pid == 0) {
		if (dup2(fd[1], STDOUT_FILENO) < 0)
			i_fatal("dup2() failed: %m");
		i_close_fd(&fd[0]);
		i_close_fd(&fd[1]);
		execvp("doveconf", (char *const *)array_front(&argv));
		i_fatal("execvp(doveconf) failed: %m");
	}
	i_close_fd(&fd[1]);
	input = i_stream_create_fd_autoclose(&fd[0], 1024);
	for (i = 0; (line = i_stream_read_next_line(input)) != NULL; i++) {
		if (names[i] != NULL)
			values_r[i] = t_strdup(line);
		else
			break;
	}
	i_stream_unref(&input);
	if (waitpid(pid, &status, 0) < 0)
		i_fatal("waitpid() failed: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		i_error("doveconf -c %s could not read the configuration",
			config_path);
		return -1;
	}
	return 0;
}
