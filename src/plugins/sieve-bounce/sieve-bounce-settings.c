/* The settings struct registered with Dovecot 2.4
   (sieve-bounce-settings.h); the config process checks the values. */

#include "lib.h"
#include "settings.h"
#include "settings-parser.h"

#include "bounce.h"
#include "bounce-state.h"
#include "sieve-bounce-settings.h"

/* The settings module: the config process looks these up in
   lib90_sieve_bounce_settings.so */
extern const char *sieve_bounce_settings_version;
extern const struct setting_parser_info *sieve_bounce_settings_set_infos[];
const char *sieve_bounce_settings_version = DOVECOT_ABI_VERSION;

static bool
sieve_bounce_settings_check(void *_set, pool_t pool, const char **error_r);

#undef DEF
#define DEF(type, name) \
	SETTING_DEFINE_STRUCT_##type(#name, name, struct sieve_bounce_settings)

static const struct setting_define sieve_bounce_setting_defines[] = {
	/* sieve_bounce { dict NAME { ... } } */
	{ .type = SET_FILTER_NAME, .key = "sieve_bounce" },

	DEF(STR, sieve_bounce_rules),
	DEF(STR, sieve_bounce_rules_cache),
	DEF(SIZE, sieve_bounce_max_part_text),
	DEF(SIZE, sieve_bounce_max_total_text),
	DEF(SIZE, sieve_bounce_max_message_size),
	DEF(UINT, sieve_bounce_soft_limit),
	DEF(TIME, sieve_bounce_soft_window),
	DEF(STR, sieve_bounce_feed_dir),

	DEF(ENUM, sieve_bounce_type_bad_mailbox),
	DEF(ENUM, sieve_bounce_type_bad_domain),
	DEF(ENUM, sieve_bounce_type_inactive_mailbox),
	DEF(ENUM, sieve_bounce_type_quota_issues),
	DEF(ENUM, sieve_bounce_type_dns_failure),
	DEF(ENUM, sieve_bounce_type_no_answer_from_host),
	DEF(ENUM, sieve_bounce_type_routing_issues),
	DEF(ENUM, sieve_bounce_type_rate_limited),
	DEF(ENUM, sieve_bounce_type_message_expired),
	DEF(ENUM, sieve_bounce_type_message_too_large),
	DEF(ENUM, sieve_bounce_type_spam_related),
	DEF(ENUM, sieve_bounce_type_policy_related),
	DEF(ENUM, sieve_bounce_type_relaying_issues),
	DEF(ENUM, sieve_bounce_type_role_based_address),
	DEF(ENUM, sieve_bounce_type_auto_reply),
	DEF(ENUM, sieve_bounce_type_challenge_response),
	DEF(ENUM, sieve_bounce_type_unsubscribe),
	DEF(ENUM, sieve_bounce_type_complaint),
	DEF(ENUM, sieve_bounce_type_suppressed),
	DEF(ENUM, sieve_bounce_type_delivered),
	DEF(ENUM, sieve_bounce_type_other),

	SETTING_DEFINE_LIST_END
};

/* The types a category may be given; "" keeps its own */
#define TYPES ":hard:soft:other:complaint:none"

static const struct sieve_bounce_settings sieve_bounce_default_settings = {
	.sieve_bounce_rules = BOUNCE_RULES_PATH,
	.sieve_bounce_rules_cache = "",
	.sieve_bounce_max_part_text = BOUNCE_DEFAULT_MAX_PART_TEXT,
	.sieve_bounce_max_total_text = BOUNCE_DEFAULT_MAX_TOTAL_TEXT,
	.sieve_bounce_max_message_size = BOUNCE_DEFAULT_MAX_MESSAGE_SIZE,
	.sieve_bounce_soft_limit = BOUNCE_STATE_DEFAULT_SOFT_LIMIT,
	.sieve_bounce_soft_window = BOUNCE_STATE_DEFAULT_SOFT_WINDOW,
	.sieve_bounce_feed_dir = "",

	.sieve_bounce_type_bad_mailbox = TYPES,
	.sieve_bounce_type_bad_domain = TYPES,
	.sieve_bounce_type_inactive_mailbox = TYPES,
	.sieve_bounce_type_quota_issues = TYPES,
	.sieve_bounce_type_dns_failure = TYPES,
	.sieve_bounce_type_no_answer_from_host = TYPES,
	.sieve_bounce_type_routing_issues = TYPES,
	.sieve_bounce_type_rate_limited = TYPES,
	.sieve_bounce_type_message_expired = TYPES,
	.sieve_bounce_type_message_too_large = TYPES,
	.sieve_bounce_type_spam_related = TYPES,
	.sieve_bounce_type_policy_related = TYPES,
	.sieve_bounce_type_relaying_issues = TYPES,
	.sieve_bounce_type_role_based_address = TYPES,
	.sieve_bounce_type_auto_reply = TYPES,
	.sieve_bounce_type_challenge_response = TYPES,
	.sieve_bounce_type_unsubscribe = TYPES,
	.sieve_bounce_type_complaint = TYPES,
	.sieve_bounce_type_suppressed = TYPES,
	.sieve_bounce_type_delivered = TYPES,
	.sieve_bounce_type_other = TYPES,
};

const struct setting_parser_info sieve_bounce_setting_parser_info = {
	.name = "sieve_bounce",

	.defines = sieve_bounce_setting_defines,
	.defaults = &sieve_bounce_default_settings,

	.struct_size = sizeof(struct sieve_bounce_settings),
	.pool_offset1 = 1 + offsetof(struct sieve_bounce_settings, pool),

	.check_func = sieve_bounce_settings_check,
};

const struct setting_parser_info *sieve_bounce_settings_set_infos[] = {
	&sieve_bounce_setting_parser_info,
	NULL
};

static bool
sieve_bounce_settings_check(void *_set, pool_t pool ATTR_UNUSED,
			    const char **error_r)
{
	struct sieve_bounce_settings *set = _set;

	if (set->sieve_bounce_soft_limit == 0) {
		*error_r = "sieve_bounce_soft_limit must be at least 1";
		return FALSE;
	}
	if (set->sieve_bounce_soft_window < 24 * 3600) {
		*error_r = "sieve_bounce_soft_window must be 1 day or more";
		return FALSE;
	}
	return TRUE;
}
