#ifndef BOUNCE_H
#define BOUNCE_H

/* The bounce classifier: one raw message in, one result per failed
   recipient out. No Sieve in here; the plugin and the tools share it.
   Needs lib_init() (libdovecot) before use. */

#include "array.h"

struct istream;

enum bounce_type {
	BOUNCE_TYPE_NONE = 0,
	BOUNCE_TYPE_HARD,
	BOUNCE_TYPE_SOFT,
	BOUNCE_TYPE_OTHER,
	BOUNCE_TYPE_COMPLAINT,

	BOUNCE_TYPE_COUNT
};

struct bounce_settings {
	/* Rules file (may include others). */
	const char *rules_path;
	/* File caching the rules' compiled patterns, NULL = none. */
	const char *rules_cache_path;
	/* Bytes of decoded text kept per MIME part and in total, and bytes of
	   raw message read at most. 0 = the defaults below. */
	size_t max_part_text;
	size_t max_total_text;
	uoff_t max_message_size;
};

#define BOUNCE_DEFAULT_MAX_PART_TEXT (64 * 1024)
#define BOUNCE_DEFAULT_MAX_TOTAL_TEXT (512 * 1024)
#define BOUNCE_DEFAULT_MAX_MESSAGE_SIZE ((uoff_t)64 * 1024 * 1024)

struct bounce_recipient {
	/* Lowercased address; "" when the message names none. */
	const char *address;
	enum bounce_type type;
	const char *category;
	unsigned int code;

	/* Evidence as found; NULL when unknown. */
	const char *action;	/* DSN Action: failed, delayed, delivered.. */
	const char *status;	/* enhanced status code x.y.z */
	const char *reply;	/* SMTP reply code */
	const char *diagnostic;	/* UTF-8, whitespace folded to one line */
	const char *remote_mta;

	/* The rule that decided the category ("file:line", or a built-in
	   name such as "dsn-action"), so an operator can see why. */
	const char *rule;
};
ARRAY_DEFINE_TYPE(bounce_recipient, struct bounce_recipient);

struct bounce_header {
	const char *name, *value;
};
ARRAY_DEFINE_TYPE(bounce_header, struct bounce_header);

struct bounce_report {
	/* Ordered as the message lists them. Empty for an ordinary
	   message. */
	ARRAY_TYPE(bounce_recipient) recipients;

	/* Which recogniser understood the message: "dsn", "arf",
	   "auto-reply", a format name from the rules, or "none". */
	const char *format;
	const char *reporting_mta;
	const char *arrival_date;

	/* What identifies the returned original message. */
	const char *orig_message_id;
	const char *orig_list_id;
	ARRAY_TYPE(bounce_header) orig_headers; /* campaign/list headers */

	/* A scan limit was reached: the result is from what was read. */
	bool truncated;
};

struct bounce_classifier;

/* Load and compile the rules. Returns 0 on success, -1 with error_r. */
int bounce_classifier_init(const struct bounce_settings *set,
			   struct bounce_classifier **cls_r,
			   const char **error_r);
void bounce_classifier_deinit(struct bounce_classifier **cls);

/* Whether the files the classifier's rules were read from are as they
   were then, so that a process classifying many messages may keep it
   (some thirty stat()s). */
bool bounce_classifier_is_current(struct bounce_classifier *cls);

/* Give every recipient of a category another type (site policy, e.g.
   spam-related = hard). Returns -1 with error_r for an unknown category. */
int bounce_classifier_set_type(struct bounce_classifier *cls,
			       const char *category, enum bounce_type type,
			       const char **error_r);

/* Classify one message read from input (to its end or the size limit).
   envelope_to is the envelope recipient, or NULL: a VERP address there
   names the failed recipient when the message does not. Everything is
   allocated from pool. Never fails: unreadable input gives a report
   without recipients (type none). */
struct bounce_report *
bounce_classify(struct bounce_classifier *cls, pool_t pool,
		struct istream *input, const char *envelope_to);
/* The same for a message whose envelope sender is known: "" is the null
   return path (RFC 5321 4.5.5), which marks a notification whatever its
   header says; NULL: unknown, as for bounce_classify(). */
struct bounce_report *
bounce_classify_from(struct bounce_classifier *cls, pool_t pool,
		     struct istream *input, const char *envelope_from,
		     const char *envelope_to);
/* The same for a message the caller has screened already (its header
   may be a notification's: bounce_screen_message() with the same
   envelope sender): the classifier does not screen it again. */
struct bounce_report *
bounce_classify_screened(struct bounce_classifier *cls, pool_t pool,
			 struct istream *input, const char *envelope_from,
			 const char *envelope_to);

/* Telling ordinary mail by its header alone (bounce-screen.c). The
   classifier finds failed recipients only in a message whose header
   bears a mark of a notification: one the standards give - a report's
   Content-Type (RFC 6522 multipart/report, or a delivery-status or
   feedback-report part at the top), the null return path (in the
   Return-Path field, or as the envelope sender), RFC 3834's
   Auto-Submitted other than "no" and the X-Autoreply fields written
   before it, Exim's X-Failed-Recipients - or one the rules look for: a
   subject rule's Subject, all of a format's header match lines, a
   "notification" line (the shipped ones mark mail systems' senders and
   subjects, and responses: In-Reply-To, References, "Re:"). A format
   whose match lines are all body lines, a report or notice carried
   inside another message and a challenge-response request's text are
   looked for only in a message so marked; any other message is none. */
struct bounce_screen;

/* The screen of the classifier's rules. With a rules cache, it is also
   written beside it (RULES_CACHE.screen) for bounce_screen_open(). */
struct bounce_screen *
bounce_classifier_get_screen(struct bounce_classifier *cls);
/* The screen kept beside the rules cache of set, while the rules files
   are as they were when it was written: no rules are loaded. Returns 1
   with screen_r, 0 when there is none to use (a classifier of these
   rules writes it). */
int bounce_screen_open(const struct bounce_settings *set,
		       struct bounce_screen **screen_r);
void bounce_screen_free(struct bounce_screen **screen);
/* Have the classifier read every message as a notification, screening
   none out by its header: what the screen is checked against (a
   notification it screened out would lose its failed recipients). */
void bounce_classifier_read_all(struct bounce_classifier *cls);
/* Whether the message may be a notification, from its top-level header
   (read from input, which is not read much further) and the envelope
   sender as for bounce_classify_from(). FALSE: classified, it is none. */
bool bounce_screen_message(struct bounce_screen *screen,
			   struct istream *input, const char *envelope_from);

/* The first most severe recipient (complaint, hard, soft, other), or NULL
   when nothing failed. */
const struct bounce_recipient *
bounce_report_primary(const struct bounce_report *report);

const char *bounce_type_to_str(enum bounce_type type);
bool bounce_type_from_str(const char *str, enum bounce_type *type_r);
/* Known category names, NULL-terminated. */
const char *const *bounce_category_names(void);

/* The identity of a notification delivered to envelope_to (as given to
   bounce_classify(), or NULL): BOUNCE_NOTIFICATION_ID_LEN lowercase hex
   digits, alike for every delivery of one notification (an MTA's
   retries, a remote MTA sending it again with other trace fields) and
   different for different notifications, even with one Message-ID
   (bounce-identity.c says what is hashed). Reads input to its end.
   Returns 0, or -1 with error_r when input cannot be read. */
#define BOUNCE_NOTIFICATION_ID_LEN 32
int bounce_notification_id(struct istream *input, const char *envelope_to,
			   const char **id_r, const char **error_r);

#endif
