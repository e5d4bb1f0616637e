/* Message sources for the tools. mbox is split at "From " lines that
   follow a blank line (or start the file), as every mbox reader does. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "buffer.h"
#include "istream.h"
#include "tool-input.h"

#include <dirent.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

static int path_cmp(const char *const *a, const char *const *b)
{
	return strcmp(*a, *b);
}

static bool input_is_mbox(struct istream *input)
{
	const unsigned char *data;
	size_t size;

	if (i_stream_read_bytes(input, &data, &size, 5) <= 0)
		return FALSE;
	return memcmp(data, "From ", 5) == 0;
}

static void mbox_emit(const char *name, unsigned int n, bool last,
		      buffer_t *buf, tool_input_callback_t *callback,
		      void *context)
{
	struct istream *msg;

	msg = i_stream_create_from_data(buf->data, buf->used);
	/* A file of one message behind a "From " line (as mail clients
	   save them) is a message file, not an mbox of one. */
	callback(n == 1 && last ? name : t_strdup_printf("%s:%u", name, n),
		 msg, context);
	i_stream_unref(&msg);
}

static int walk_mbox(const char *name, struct istream *input,
		     tool_input_callback_t *callback, void *context)
{
	buffer_t *buf = buffer_create_dynamic(default_pool, 65536);
	const char *line;
	unsigned int n = 0;
	bool prev_blank = TRUE;

	while ((line = i_stream_read_next_line(input)) != NULL) {
		if (prev_blank && strncmp(line, "From ", 5) == 0) {
			if (n > 0) {
				mbox_emit(name, n, FALSE, buf, callback,
					  context);
			}
			buffer_set_used_size(buf, 0);
			n++;
			prev_blank = FALSE;
			continue;
		}
		prev_blank = line[0] == '\0';
		buffer_append(buf, line, strlen(line));
		buffer_append_c(buf, '\n');
	}
	if (n > 0)
		mbox_emit(name, n, TRUE, buf, callback, context);
	buffer_free(&buf);
	if (input->stream_errno != 0) {
		i_error("read(%s) failed: %s", name, i_stream_get_error(input));
		return -1;
	}
	return 0;
}

static int walk_stream(const char *name, struct istream *input,
		       tool_input_callback_t *callback, void *context)
{
	if (input_is_mbox(input))
		return walk_mbox(name, input, callback, context);
	callback(name, input, context);
	if (input->stream_errno != 0) {
		i_error("read(%s) failed: %s", name, i_stream_get_error(input));
		return -1;
	}
	return 0;
}

/* A message file is read whole into this buffer, kept from one file to
   the next, when it is at most this large; a larger one is read through
   a file stream as it is parsed. */
#define TOOL_INPUT_FILE_MAX (1024 * 1024)

/* (not a buffer_t: it would clear what read() is about to fill) */
static unsigned char *file_buf;
static size_t file_buf_size;

static void file_buf_free(void)
{
	i_free(file_buf);
}

/* Reads the regular file open as fd whole into file_buf, with a single
   read() unless it fills the buffer: Linux returns a short read of a
   regular file only at its end. Returns 1 and the size read when read,
   0 when it is larger than TOOL_INPUT_FILE_MAX, -1 on error. */
static int read_whole_file(int fd, size_t *size_r)
{
	size_t size = 0;
	ssize_t ret;

	if (file_buf == NULL) {
		file_buf_size = 65536;
		file_buf = i_malloc(file_buf_size);
		lib_atexit(file_buf_free);
	}
	for (;;) {
		if (size == file_buf_size) {
			if (size >= TOOL_INPUT_FILE_MAX)
				return 0;
			file_buf = i_realloc(file_buf, file_buf_size,
					     file_buf_size * 2);
			file_buf_size *= 2;
		}
		ret = read(fd, file_buf + size, file_buf_size - size);
		if (ret < 0)
			return -1;
		size += ret;
		if (size < file_buf_size) {
			*size_r = size;
			return 1;
		}
	}
}

/* regular: the path is known to name a regular file (else it may be a
   pipe, a device, ...), which can be read whole */
static int walk_file(const char *path, bool regular,
		     tool_input_callback_t *callback, void *context)
{
	struct istream *input;
	size_t size;
	int fd, ret = 0;

	fd = open(path, O_RDONLY);
	if (fd == -1) {
		i_error("open(%s) failed: %m", path);
		return -1;
	}
	if (regular)
		ret = read_whole_file(fd, &size);
	if (ret < 0) {
		i_error("read(%s) failed: %m", path);
		i_close_fd(&fd);
		return -1;
	}
	if (ret > 0) {
		i_close_fd(&fd);
		input = i_stream_create_from_data(file_buf, size);
	} else {
		/* (a file stream reads from the start with pread()) */
		input = i_stream_create_fd_autoclose(&fd, 65536);
	}
	i_stream_set_name(input, path);
	ret = walk_stream(path, input, callback, context);
	i_stream_unref(&input);
	return ret;
}

/* Regular files of a directory, sorted, without dot files. */
static int dir_files(const char *dir, ARRAY_TYPE(const_string) *files)
{
	struct dirent *d;
	struct stat st;
	const char *path;
	DIR *dirp;

	dirp = opendir(dir);
	if (dirp == NULL) {
		i_error("opendir(%s) failed: %m", dir);
		return -1;
	}
	while ((d = readdir(dirp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		path = t_strdup_printf("%s/%s", dir, d->d_name);
		/* the entry's type, where the file system gives it, spares
		   a stat() per file */
		if (d->d_type == DT_REG ||
		    (d->d_type != DT_DIR &&
		     stat(path, &st) == 0 && S_ISREG(st.st_mode)))
			array_push_back(files, &path);
	}
	if (closedir(dirp) < 0)
		i_error("closedir(%s) failed: %m", dir);
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int walk_dir(const char *path, tool_input_callback_t *callback,
		    void *context)
{
	ARRAY_TYPE(const_string) files;
	const char *const *file;
	int ret = 0;

	t_array_init(&files, 128);
	if (is_dir(t_strconcat(path, "/cur", NULL)) &&
	    is_dir(t_strconcat(path, "/new", NULL))) {
		/* Maildir */
		if (dir_files(t_strconcat(path, "/cur", NULL), &files) < 0 ||
		    dir_files(t_strconcat(path, "/new", NULL), &files) < 0)
			ret = -1;
	} else if (dir_files(path, &files) < 0) {
		return -1;
	}
	array_sort(&files, path_cmp);
	array_foreach(&files, file) {
		T_BEGIN {
			if (walk_file(*file, TRUE, callback, context) < 0)
				ret = -1;
		} T_END;
	}
	return ret;
}

int tool_input_walk(const char *path, tool_input_callback_t *callback,
		    void *context)
{
	struct istream *input;
	struct stat st;
	int ret;

	if (strcmp(path, "-") == 0) {
		input = i_stream_create_fd(STDIN_FILENO, 65536);
		i_stream_set_name(input, "<stdin>");
		ret = walk_stream("-", input, callback, context);
		i_stream_unref(&input);
		return ret;
	}
	if (stat(path, &st) < 0) {
		/* open() reports it */
		st.st_mode = 0;
	} else if (S_ISDIR(st.st_mode)) {
		T_BEGIN {
			ret = walk_dir(path, callback, context);
		} T_END;
		return ret;
	}
	return walk_file(path, S_ISREG(st.st_mode), callback, context);
}
