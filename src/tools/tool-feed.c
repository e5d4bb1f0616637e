/* bounce-feed: collect the report feed's spool into one XML document (or
   CSV) on stdout, all of it or one mailbox user's records; with --ack,
   move what was printed to the archive. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "istream.h"
#include "iso8601-date.h"
#include "bounce-feed.h"
#include "tool-config.h"

#include <stdio.h>
#include <getopt.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum feed_format {
	FEED_FORMAT_XML,
	FEED_FORMAT_CSV,
};

struct feed_file {
	char *name;
	struct bounce_feed_spool_file *file;
	/* every record of the file was printed: it may be archived */
	bool consumed;
};

struct feed_context {
	const char *spool_dir;
	enum feed_format format;
	bool ack;
	bool have_since;
	time_t since;
	/* only this mailbox user's records */
	const char *user;

	struct bounce_feed_schema *schema;
	ARRAY(struct feed_file) files;
	ARRAY(const struct bounce_feed_entry *) entries;
};

static void usage(void) ATTR_NORETURN;
static void usage(void)
{
	fprintf(stderr,
"usage: bounce-feed [--spool DIR | -c DOVECOT_CONF] [--user NAME]\n"
"                   [--since TIME] [--ack] [--format=xml|csv] [--schema FILE]\n"
"TIME is seconds since the epoch, YYYY-MM-DD, an ISO 8601 date and time,\n"
"or an age such as 90m, 12h, 7d. --user keeps the records of that mailbox\n"
"user's deliveries only.\n");
	exit(2);
}

static const char *feed_default_schema_path(const char *argv0)
{
	const char *path = getenv("BOUNCE_FEED_SCHEMA"), *p;

	if (path != NULL && path[0] != '\0')
		return path;
	if (access(BOUNCE_FEED_SCHEMA_PATH, R_OK) == 0)
		return BOUNCE_FEED_SCHEMA_PATH;
	if (access(BOUNCE_SRCDIR_FEED_SCHEMA_PATH, R_OK) == 0)
		return BOUNCE_SRCDIR_FEED_SCHEMA_PATH;
	/* relocated build tree: look beside the program */
	p = strrchr(argv0, '/');
	if (p != NULL) {
		path = t_strconcat(t_strdup_until(argv0, p),
				   "/../conf.d/bounce-feed.xsd", NULL);
		if (access(path, R_OK) == 0)
			return path;
	}
	return BOUNCE_FEED_SCHEMA_PATH;
}

static bool parse_since(const char *str, time_t *since_r)
{
	static const struct {
		char suffix;
		unsigned int secs;
	} units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 7 * 86400 },
	};
	const char *date;
	time_t now = time(NULL);
	uintmax_t num;
	size_t len = strlen(str);
	unsigned int i;
	int tz;

	if (str_to_uintmax(str, &num) == 0) {
		*since_r = (time_t)num;
		return TRUE;
	}
	if (len > 1 && str_to_uintmax(t_strndup(str, len - 1), &num) == 0) {
		for (i = 0; i < N_ELEMENTS(units); i++) {
			if (str[len - 1] == units[i].suffix &&
			    num <= (uintmax_t)now / units[i].secs) {
				*since_r = now - (time_t)(num * units[i].secs);
				return TRUE;
			}
		}
		return FALSE;
	}
	/* a date alone is midnight UTC */
	date = len == 10 ? t_strconcat(str, "T00:00:00Z", NULL) : str;
	return iso8601_date_parse((const unsigned char *)date, strlen(date),
				  since_r, &tz);
}

/* sieve_bounce_feed_dir as doveconf reads it from the configuration. */
static int feed_dir_from_config(const char *config_path, const char **dir_r)
{
	static const char *const names[] = { "sieve_bounce_feed_dir", NULL };
	const char *values[N_ELEMENTS(names)], *value;

	if (tool_config_read(config_path, names, values) < 0)
		return -1;
	value = values[0];
	if (value[0] == '\0') {
		i_error("%s: sieve_bounce_feed_dir is not set", config_path);
		return -1;
	}
	if (strchr(value, '%') != NULL || value[0] == '~') {
		i_error("%s: sieve_bounce_feed_dir %s is per user: "
			"give the directory with --spool", config_path, value);
		return -1;
	}
	*dir_r = value;
	return 0;
}

/* Read every spool file in new/ as it is now: what arrives later is left
   for the next run. Returns 0, or -1 when some file could not be read
   (named on stderr and left in the spool). */
static int feed_read(struct feed_context *ctx)
{
	ARRAY_TYPE(const_string) names;
	const char *const *namep, *error;
	const struct bounce_feed_entry *entry;
	struct feed_file *ffile;
	struct bounce_feed_spool_file *file;
	struct stat st;
	pool_t pool;
	int ret = 0;

	if (stat(t_strdup_printf("%s/new", ctx->spool_dir), &st) < 0 &&
	    errno == ENOENT) {
		/* nothing delivered yet */
		return 0;
	}
	pool = pool_alloconly_create("spool names", 4096);
	p_array_init(&names, pool, 64);
	if (bounce_feed_spool_list(ctx->spool_dir, pool, &names,
				   &error) < 0) {
		pool_unref(&pool);
		i_error("%s", error);
		return -1;
	}
	array_foreach(&names, namep) {
		if (bounce_feed_spool_read(ctx->spool_dir, *namep, ctx->schema,
					   &file, &error) < 0) {
			i_error("%s (left in the spool)", error);
			ret = -1;
			continue;
		}
		ffile = array_append_space(&ctx->files);
		ffile->name = i_strdup(*namep);
		ffile->file = file;
		ffile->consumed = TRUE;
		array_foreach(bounce_feed_spool_file_entries(file), entry) {
			/* what is left out stays for another run */
			if ((ctx->have_since &&
			     entry->record.time < ctx->since) ||
			    (ctx->user != NULL &&
			     null_strcmp(entry->record.user, ctx->user) != 0)) {
				ffile->consumed = FALSE;
				continue;
			}
			array_push_back(&ctx->entries, &entry);
		}
	}
	pool_unref(&pool);
	return ret;
}

static int feed_print(struct feed_context *ctx)
{
	const struct bounce_feed_entry *const *entryp, *const *entries;
	const char *error;
	unsigned int count;
	string_t *out;
	int ret = 0;

	out = str_new(default_pool, 65536);
	if (ctx->format == FEED_FORMAT_CSV) {
		bounce_feed_csv_header(out);
		array_foreach(&ctx->entries, entryp) T_BEGIN {
			bounce_feed_csv_record(out, (*entryp)->id,
					       &(*entryp)->record);
		} T_END;
	} else {
		entries = array_get(&ctx->entries, &count);
		if (bounce_feed_document_write(entries, count, ctx->schema,
					       out, &error) < 0) {
			i_error("%s", error);
			ret = -1;
		}
	}
	if (ret == 0 &&
	    fwrite(str_data(out), 1, str_len(out), stdout) != str_len(out))
		ret = -1;
	str_free(&out);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		i_error("write(stdout) failed: %m");
		return -1;
	}
	/* a consumer redirecting to a file has it on disk before anything
	   is archived; pipes and terminals cannot be synced */
	if (ret == 0 && fsync(STDOUT_FILENO) < 0 &&
	    errno != EINVAL && errno != EROFS && errno != ENOTSUP) {
		i_error("fsync(stdout) failed: %m");
		return -1;
	}
	return ret;
}

static int feed_ack(struct feed_context *ctx)
{
	const struct feed_file *ffile;
	const char *error;
	int ret = 0;

	array_foreach(&ctx->files, ffile) {
		if (!ffile->consumed)
			continue;
		if (bounce_feed_spool_ack(ctx->spool_dir, ffile->name,
					  &error) < 0) {
			i_error("%s", error);
			ret = -1;
		}
	}
	if (bounce_feed_spool_ack_sync(ctx->spool_dir, &error) < 0) {
		i_error("%s", error);
		ret = -1;
	}
	return ret;
}

/* One --ack run at a time: two consumers must not both print a record. */
static int feed_lock(const char *spool_dir, int *fd_r)
{
	const char *path = t_strdup_printf("%s/bounce-feed.lock", spool_dir);
	int fd;

	fd = open(path, O_RDWR | O_CREAT, 0660);
	if (fd == -1) {
		i_error("open(%s) failed: %m", path);
		return -1;
	}
	if (flock(fd, LOCK_EX) < 0) {
		i_error("flock(%s) failed: %m", path);
		i_close_fd(&fd);
		return -1;
	}
	*fd_r = fd;
	return 0;
}

/* --ack moves files from new/ to cur/: find out before printing
   anything whether it can. */
static int feed_check_writable(const char *spool_dir)
{
	const char *const subdirs[] = { "new", "cur" };
	const char *path;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(subdirs); i++) {
		path = t_strdup_printf("%s/%s", spool_dir, subdirs[i]);
		if (mkdir(path, 0770) < 0 && errno != EEXIST) {
			i_error("mkdir(%s) failed: %m", path);
			return -1;
		}
		if (access(path, W_OK | X_OK) < 0) {
			i_error("--ack: %s is not writable: %m", path);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 'S' },
		{ "user", required_argument, NULL, 'u' },
		{ "ack", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "schema", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct feed_context ctx;
	struct feed_file *ffile;
	const char *config_path = NULL, *schema_path = NULL, *error;
	struct stat st;
	int c, lock_fd = -1, ret = 0;

	lib_init();
	i_zero(&ctx);
	while ((c = getopt_long(argc, argv, "s:c:S:u:af:x:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			ctx.spool_dir = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'S':
			if (!parse_since(optarg, &ctx.since)) {
				i_error("--since %s: expected seconds since "
					"the epoch, YYYY-MM-DD, an ISO 8601 "
					"time or an age (90m, 12h, 7d)",
					optarg);
				exit(2);
			}
			ctx.have_since = TRUE;
			break;
		case 'u':
			if (optarg[0] == '\0')
				usage();
			ctx.user = optarg;
			break;
		case 'a':
			ctx.ack = TRUE;
			break;
		case 'f':
			if (strcmp(optarg, "xml") == 0)
				ctx.format = FEED_FORMAT_XML;
			else if (strcmp(optarg, "csv") == 0)
				ctx.format = FEED_FORMAT_CSV;
			else
				usage();
			break;
		case 'x':
			schema_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (ctx.spool_dir != NULL && config_path != NULL))
		usage();
	if (ctx.spool_dir == NULL) {
		if (config_path == NULL)
			config_path = "/etc/dovecot/dovecot.conf";
		if (feed_dir_from_config(config_path, &ctx.spool_dir) < 0)
			return 2;
	}
	if (stat(ctx.spool_dir, &st) < 0) {
		i_error("stat(%s) failed: %m", ctx.spool_dir);
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		i_error("%s is not a directory", ctx.spool_dir);
		return 2;
	}
	if (schema_path == NULL)
		schema_path = feed_default_schema_path(argv[0]);
	if (bounce_feed_schema_load(schema_path, &ctx.schema, &error) < 0) {
		i_error("%s", error);
		return 2;
	}
	if (ctx.ack && (feed_check_writable(ctx.spool_dir) < 0 ||
			feed_lock(ctx.spool_dir, &lock_fd) < 0)) {
		bounce_feed_schema_free(&ctx.schema);
		return 2;
	}

	i_array_init(&ctx.files, 64);
	i_array_init(&ctx.entries, 256);
	/* 1: some spool files were skipped, the document holds (and --ack
	   archived) the rest; 2: no document, nothing archived */
	if (feed_read(&ctx) < 0)
		ret = 1;
	if (feed_print(&ctx) < 0)
		ret = 2;
	else if (ctx.ack && feed_ack(&ctx) < 0)
		ret = 1;

	array_foreach_modifiable(&ctx.files, ffile) {
		bounce_feed_spool_file_free(&ffile->file);
		i_free(ffile->name);
	}
	array_free(&ctx.files);
	array_free(&ctx.entries);
	if (lock_fd != -1)
		i_close_fd(&lock_fd);
	bounce_feed_schema_free(&ctx.schema);
	lib_deinit();
	return ret;
}
