#ifndef TOOL_STATE_REDIS_H
#define TOOL_STATE_REDIS_H

/* Called with the rest of each key after the prefix */
typedef void tool_state_redis_key_callback_t(const char *rest,
					     void *context);

/* Every key of a Redis dict (URI "redis:...") under key_prefix (a dict
   key without "shared/"), found with SCAN since Dovecot's redis driver
   cannot iterate. Returns 0, or -1 with error_r. */
int tool_state_redis_keys(const char *uri, const char *key_prefix,
			  tool_state_redis_key_callback_t *callback,
			  void *context, const char **error_r);

#endif
