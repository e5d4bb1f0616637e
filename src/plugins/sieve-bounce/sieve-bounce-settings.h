#ifndef SIEVE_BOUNCE_SETTINGS_H
#define SIEVE_BOUNCE_SETTINGS_H

/* The plugin's settings as Dovecot 2.4 knows them: a registered struct.
   The config process learns it from the settings module
   (lib90_sieve_bounce_settings.so in MODULEDIR/settings/, this file
   alone); the plugin reads it in ext-bounce-settings-2.4.c and the tools
   in tool-config.c. The state's dict is a named filter inside the
   sieve_bounce { } filter: sieve_bounce { dict file { path = ... } }. */

struct sieve_bounce_settings {
	pool_t pool;

	const char *sieve_bounce_rules;
	const char *sieve_bounce_rules_cache;
	uoff_t sieve_bounce_max_part_text;
	uoff_t sieve_bounce_max_total_text;
	uoff_t sieve_bounce_max_message_size;
	unsigned int sieve_bounce_soft_limit;
	unsigned int sieve_bounce_soft_window;
	const char *sieve_bounce_feed_dir;

	/* A category's type: "" keeps the default */
	const char *sieve_bounce_type_bad_mailbox;
	const char *sieve_bounce_type_bad_domain;
	const char *sieve_bounce_type_inactive_mailbox;
	const char *sieve_bounce_type_quota_issues;
	const char *sieve_bounce_type_dns_failure;
	const char *sieve_bounce_type_no_answer_from_host;
	const char *sieve_bounce_type_routing_issues;
	const char *sieve_bounce_type_rate_limited;
	const char *sieve_bounce_type_message_expired;
	const char *sieve_bounce_type_message_too_large;
	const char *sieve_bounce_type_spam_related;
	const char *sieve_bounce_type_policy_related;
	const char *sieve_bounce_type_relaying_issues;
	const char *sieve_bounce_type_role_based_address;
	const char *sieve_bounce_type_auto_reply;
	const char *sieve_bounce_type_challenge_response;
	const char *sieve_bounce_type_unsubscribe;
	const char *sieve_bounce_type_complaint;
	const char *sieve_bounce_type_suppressed;
	const char *sieve_bounce_type_delivered;
	const char *sieve_bounce_type_other;
};

extern const struct setting_parser_info sieve_bounce_setting_parser_info;

#endif
