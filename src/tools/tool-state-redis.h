#ifndef TOOL_STATE_REDIS_H
#define TOOL_STATE_REDIS_H

/* The addresses a Redis dict (URI "redis:...") holds state for, found
   with SCAN since Dovecot's redis driver cannot iterate. */
int tool_state_redis_addresses(const char *uri, pool_t pool,
			       ARRAY_TYPE(const_string) *addresses_r,
			       const char **error_r);

#endif
