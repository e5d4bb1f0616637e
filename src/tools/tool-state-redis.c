/* Listing for Redis dicts: Dovecot's redis driver cannot iterate, so
   bounce-state asks the server itself (SCAN) for the keys the library
   writes, and reads each address through the dict as usual. */

#include "lib.h"
#include "array.h"
#include "dovecot-compat.h"
#include "str.h"
#include "dict.h"
#include "tool-state-redis.h"

#include <hiredis/hiredis.h>

#define REDIS_DEFAULT_HOST "127.0.0.1"
#define REDIS_DEFAULT_PORT 6379
#define REDIS_TIMEOUT_SECS 30
#define REDIS_SCAN_COUNT "1000"

struct redis_uri {
	const char *host, *prefix, *password;
	unsigned int port, db;
};

static int redis_uri_parse(const char *uri, struct redis_uri *uri_r,
			   const char **error_r)
{
	const char *const *args, *value;

	i_zero(uri_r);
	uri_r->host = REDIS_DEFAULT_HOST;
	uri_r->port = REDIS_DEFAULT_PORT;
	uri_r->prefix = "";
	/* the driver's own syntax: key=value pairs separated by ':' */
	for (args = t_strsplit(uri, ":"); *args != NULL; args++) {
		if (str_begins_with(*args, "host="))
			uri_r->host = *args + 5;
		else if (str_begins_with(*args, "port=")) {
			value = *args + 5;
			if (str_to_uint(value, &uri_r->port) < 0) {
				*error_r = t_strdup_printf(
					"invalid port: %s", value);
				return -1;
			}
		} else if (str_begins_with(*args, "db=")) {
			value = *args + 3;
			if (str_to_uint(value, &uri_r->db) < 0) {
				*error_r = t_strdup_printf(
					"invalid db: %s", value);
				return -1;
			}
		} else if (str_begins_with(*args, "prefix="))
			uri_r->prefix = *args + 7;
		else if (str_begins_with(*args, "password="))
			uri_r->password = *args + 9;
		/* timeouts and expiry do not matter for a listing */
	}
	return 0;
}

/* SCAN's MATCH is a glob: the prefix is taken literally */
static const char *redis_glob_escape(const char *str)
{
	string_t *dest = t_str_new(strlen(str) + 8);

	for (; *str != '\0'; str++) {
		if (strchr("*?[]\\", *str) != NULL)
			str_append_c(dest, '\\');
		str_append_c(dest, *str);
	}
	return str_c(dest);
}

static bool redis_reply_ok(redisContext *ctx, redisReply *reply,
			   const char *what, const char **error_r)
{
	if (reply == NULL) {
		*error_r = t_strdup_printf("%s: %s", what, ctx->errstr);
		return FALSE;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		*error_r = t_strdup_printf("%s: %s", what, reply->str);
		freeReplyObject(reply);
		return FALSE;
	}
	return TRUE;
}

static int redis_select(redisContext *ctx, const struct redis_uri *uri,
			const char **error_r)
{
	redisReply *reply;

	if (uri->password != NULL) {
		reply = redisCommand(ctx, "AUTH %s", uri->password);
		if (!redis_reply_ok(ctx, reply, "AUTH", error_r))
			return -1;
		freeReplyObject(reply);
	}
	if (uri->db != 0) {
		reply = redisCommand(ctx, "SELECT %u", uri->db);
		if (!redis_reply_ok(ctx, reply, "SELECT", error_r))
			return -1;
		freeReplyObject(reply);
	}
	return 0;
}

static int redis_scan(redisContext *ctx, const char *key_prefix,
		      tool_state_redis_key_callback_t *callback,
		      void *context, const char **error_r)
{
	const char *pattern, *cursor = "0";
	size_t prefix_len = strlen(key_prefix);
	redisReply *reply, *keys;
	size_t i;

	pattern = t_strconcat(redis_glob_escape(key_prefix), "*", NULL);
	do {
		reply = redisCommand(ctx, "SCAN %s MATCH %s COUNT "
				     REDIS_SCAN_COUNT, cursor, pattern);
		if (!redis_reply_ok(ctx, reply, "SCAN", error_r))
			return -1;
		if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
		    reply->element[0]->type != REDIS_REPLY_STRING ||
		    reply->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(reply);
			*error_r = "SCAN: unexpected reply";
			return -1;
		}
		keys = reply->element[1];
		for (i = 0; i < keys->elements; i++) T_BEGIN {
			if (keys->element[i]->type == REDIS_REPLY_STRING &&
			    keys->element[i]->len > prefix_len) {
				callback(keys->element[i]->str + prefix_len,
					 context);
			}
		} T_END;
		cursor = t_strdup(reply->element[0]->str);
		freeReplyObject(reply);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

int tool_state_redis_keys(const char *uri, const char *key_prefix,
			  tool_state_redis_key_callback_t *callback,
			  void *context, const char **error_r)
{
	struct redis_uri ruri;
	struct timeval timeout = { REDIS_TIMEOUT_SECS, 0 };
	redisContext *ctx;
	int ret;

	i_assert(str_begins_with(uri, "redis:"));
	if (redis_uri_parse(uri + 6, &ruri, error_r) < 0)
		return -1;
	ctx = redisConnectWithTimeout(ruri.host, ruri.port, timeout);
	if (ctx == NULL) {
		*error_r = "redis: out of memory";
		return -1;
	}
	if (ctx->err != 0) {
		*error_r = t_strdup_printf("redis %s:%u: %s", ruri.host,
					   ruri.port, ctx->errstr);
		redisFree(ctx);
		return -1;
	}
	/* the driver stores shared/KEY as PREFIX + KEY */
	ret = redis_select(ctx, &ruri, error_r);
	if (ret == 0) {
		ret = redis_scan(ctx, t_strconcat(ruri.prefix, key_prefix,
						  NULL),
				 callback, context, error_r);
	}
	redisFree(ctx);
	return ret;
}
