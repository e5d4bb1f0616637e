#ifndef BOUNCE_RULES_SOURCE_H
#define BOUNCE_RULES_SOURCE_H

/* What the rules were read from, in the order it was read: a file and
   what stat() said of it, or an include pattern and the files it
   expanded to. The rules' image in the cache holds this list, and is
   used only while every entry is as it was. */

#include "array.h"

#include <glob.h>

enum rules_source_kind {
	RULES_SOURCE_FILE = 1,
	RULES_SOURCE_GLOB,
};

struct rules_source {
	enum rules_source_kind kind;
	const char *path;
	/* files, and for globs the directory whose entries they match
	   (dir_known): while its stat() is as it was, so is what the
	   pattern expands to */
	bool dir_known;
	uint64_t dev, ino, size;
	int64_t mtime, mtime_nsec, ctime, ctime_nsec;
	/* globs: NULL-terminated */
	const char *const *matches;
};
ARRAY_DEFINE_TYPE(rules_source, struct rules_source);

/* Reads the whole file path into data stack memory, NUL-terminated, and
   adds it to sources (strings in pool). */
int rules_source_read_file(pool_t pool, ARRAY_TYPE(rules_source) *sources,
			   const char *path, char **data_r, size_t *size_r,
			   const char **error_r);
/* Expands an include pattern and adds it to sources: 1 with gl_r filled,
   0 when nothing matches (gl_r empty; both to be globfree()d), -1 when
   glob() fails (then nothing is added). */
int rules_source_glob(pool_t pool, ARRAY_TYPE(rules_source) *sources,
		      const char *pattern, glob_t *gl_r);
/* Whether every file and include pattern is as it was when read. */
bool rules_sources_unchanged(const ARRAY_TYPE(rules_source) *sources);

#endif
