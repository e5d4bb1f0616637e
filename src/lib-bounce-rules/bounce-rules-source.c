/* The files the rules are read from: reading one, expanding an include
   pattern, and telling later whether each is still as it was (what the
   rules' image in the cache is checked by before it is used). */

#include "lib.h"
#include "array.h"
#include "bounce-rules-source.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static void rules_source_set_stat(struct rules_source *src,
				  const struct stat *st)
{
	src->dev = st->st_dev;
	src->ino = st->st_ino;
	src->size = st->st_size;
	src->mtime = st->st_mtim.tv_sec;
	src->mtime_nsec = st->st_mtim.tv_nsec;
	src->ctime = st->st_ctim.tv_sec;
	src->ctime_nsec = st->st_ctim.tv_nsec;
}

static bool rules_source_stat_equal(const struct rules_source *src,
				    const struct stat *st)
{
	return src->dev == (uint64_t)st->st_dev &&
		src->ino == (uint64_t)st->st_ino &&
		src->size == (uint64_t)st->st_size &&
		src->mtime == st->st_mtim.tv_sec &&
		src->mtime_nsec == st->st_mtim.tv_nsec &&
		src->ctime == st->st_ctim.tv_sec &&
		src->ctime_nsec == st->st_ctim.tv_nsec;
}

/* Reads the whole file into data stack memory, NUL-terminated: rules
   files are small, and one read() each is what a delivery can afford
   for some thirty of them. */
int rules_source_read_file(pool_t pool, ARRAY_TYPE(rules_source) *sources,
			   const char *path, char **data_r, size_t *size_r,
			   const char **error_r)
{
	struct rules_source *src;
	struct stat st;
	char *data;
	size_t size, pos = 0;
	ssize_t ret;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd == -1) {
		*error_r = t_strdup_printf("open(%s) failed: %m", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %m", path);
		i_close_fd(&fd);
		return -1;
	}
	/* what the cache's image of the rules checks the file by */
	src = array_append_space(sources);
	src->kind = RULES_SOURCE_FILE;
	src->path = p_strdup(pool, path);
	rules_source_set_stat(src, &st);
	/* one byte more than the size, to see a file that grew */
	size = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	data = t_malloc_no0(size + 1);
	for (;;) {
		ret = read(fd, data + pos, size - pos);
		if (ret < 0) {
			*error_r = t_strdup_printf("read(%s) failed: %m", path);
			i_close_fd(&fd);
			return -1;
		}
		if (ret == 0)
			break;
		pos += ret;
		if (pos == size) {
			char *bigger = t_malloc_no0(size * 2 + 1);

			memcpy(bigger, data, pos);
			data = bigger;
			size *= 2;
		}
	}
	i_close_fd(&fd);
	data[pos] = '\0';
	*data_r = data;
	*size_r = pos;
	return 0;
}

static int rules_glob(const char *pattern, glob_t *gl_r)
{
	i_zero(gl_r);
	switch (glob(pattern, GLOB_BRACE, NULL, gl_r)) {
	case 0:
		return 1;
	case GLOB_NOMATCH:
		gl_r->gl_pathc = 0;
		return 0;
	default:
		globfree(gl_r);
		return -1;
	}
}

/* The directory an include pattern matches names in, when only its last
   component has wildcards (then the directory's stat() tells whether
   the expansion can have changed); else NULL. */
static const char *rules_glob_dir(const char *pattern)
{
	const char *slash = strrchr(pattern, '/');
	const char *dir;

	if (slash == NULL || strpbrk(slash + 1, "*?[{") == NULL)
		return NULL;
	dir = t_strdup_until(pattern, slash);
	return strpbrk(dir, "*?[{}\\") == NULL ? dir : NULL;
}

int rules_source_glob(pool_t pool, ARRAY_TYPE(rules_source) *sources,
		      const char *pattern, glob_t *gl_r)
{
	struct rules_source *src;
	struct stat dir_st;
	const char *dir, **matches;
	bool dir_known;
	size_t i;
	int ret;

	/* before the expansion: a change after it must show */
	dir = rules_glob_dir(pattern);
	dir_known = dir != NULL && stat(dir, &dir_st) == 0;
	ret = rules_glob(pattern, gl_r);
	if (ret < 0)
		return -1;

	src = array_append_space(sources);
	src->kind = RULES_SOURCE_GLOB;
	src->path = p_strdup(pool, pattern);
	if (dir_known) {
		src->dir_known = TRUE;
		rules_source_set_stat(src, &dir_st);
	}
	matches = p_new(pool, const char *, gl_r->gl_pathc + 1);
	for (i = 0; i < gl_r->gl_pathc; i++)
		matches[i] = p_strdup(pool, gl_r->gl_pathv[i]);
	src->matches = matches;
	return ret;
}

/* Whether the pattern expands as it did: without looking when its
   directory is as it was. */
static bool rules_glob_unchanged(const struct rules_source *src)
{
	const char *const *match = src->matches;
	const char *dir;
	struct stat st;
	glob_t gl;
	size_t i;
	bool same;

	dir = src->dir_known ? rules_glob_dir(src->path) : NULL;
	if (dir != NULL && stat(dir, &st) == 0 &&
	    rules_source_stat_equal(src, &st))
		return TRUE;
	if (strpbrk(src->path, "*?[{\\") == NULL) {
		/* a plain path (most includes) expands to itself while it
		   exists: glob() would lstat() it too, at many times the
		   cost */
		same = lstat(src->path, &st) == 0;
		return same ? match[0] != NULL && match[1] == NULL &&
			strcmp(match[0], src->path) == 0 :
			match[0] == NULL;
	}
	if (rules_glob(src->path, &gl) < 0)
		return FALSE;
	same = gl.gl_pathc == str_array_length(match);
	for (i = 0; i < gl.gl_pathc && same; i++)
		same = strcmp(match[i], gl.gl_pathv[i]) == 0;
	globfree(&gl);
	return same;
}

bool rules_sources_unchanged(const ARRAY_TYPE(rules_source) *sources)
{
	const struct rules_source *src;
	struct stat st;

	array_foreach(sources, src) {
		switch (src->kind) {
		case RULES_SOURCE_FILE:
			if (stat(src->path, &st) < 0 ||
			    !rules_source_stat_equal(src, &st))
				return FALSE;
			break;
		case RULES_SOURCE_GLOB:
			if (!rules_glob_unchanged(src))
				return FALSE;
			break;
		default:
			return FALSE;
		}
	}
	return TRUE;
}
