#ifndef BOUNCE_FEED_H
#define BOUNCE_FEED_H

/* The report feed: one XML record per failed recipient, written by each
   delivery into a maildir-style spool (DIR/tmp, DIR/new, DIR/cur) and
   collected by bounce-feed into one document. The format is described by
   conf.d/bounce-feed.xsd. No Sieve in here. */

#include "bounce.h"

#define BOUNCE_FEED_NAMESPACE "urn:x-dovecot-bounce:feed:1"
/* Bytes kept of a diagnostic and of any other text; longer texts are cut
   at a character boundary and marked truncated="true". */
#define BOUNCE_FEED_MAX_DIAGNOSTIC 4096
#define BOUNCE_FEED_MAX_TEXT 998

struct bounce_feed_record {
	time_t time;
	const char *user;		/* mailbox user */
	/* per-message fields: reporting MTA, arrival, original Message-ID,
	   List-Id, campaign headers */
	const struct bounce_report *report;
	/* recipient, type, category, code, status, reply, action,
	   diagnostic, remote MTA, rule */
	const struct bounce_recipient *rcpt;
	/* address state after this bounce: "active", "returned" */
	const char *state;
	unsigned int softcount;		/* soft count after this bounce */
	const char *returned_reason;	/* NULL unless returned */
};

/* Writes one spool file holding all records of one delivery: a temporary
   file in DIR/tmp, fsync, rename into DIR/new, so readers never see half a
   record and parallel deliveries never interleave. Creates the
   directories when missing. Records of one delivery should share one
   time. Returns 0, or -1 with error_r saying why (the caller then
   tempfails the delivery). */
int bounce_feed_spool_write(const char *spool_dir,
			    const struct bounce_feed_record *records,
			    unsigned int count, const char **error_r);

/* Whether a spool file is made durable before it is linked into DIR/new
   (the file synced, then the directory). A delivery follows Dovecot's
   mail_fsync, so that a record survives a crash of the system exactly
   when the message it came with does. */
enum bounce_feed_fsync {
	/* file and directory synced (mail_fsync = optimized or always) */
	BOUNCE_FEED_FSYNC,
	/* left to the kernel (mail_fsync = never) */
	BOUNCE_FEED_FSYNC_NEVER,
};

/* Writes the records of one notification as one spool file whose name
   is made from time (when it was counted, for the spool's order) and key
   (the notification's identity, and whatever else tells its records
   apart, e.g. the user). When
   that file is already in DIR/new or, consumed, in DIR/cur, writes
   nothing: writing the same records again, after a crash or a failure
   anywhere, leaves exactly one complete file. Concurrent writers of one
   key take turns. Returns 1 when written, 0 when it was there already,
   -1 with error_r. */
int bounce_feed_spool_write_once(const char *spool_dir, const char *key,
				 const struct timeval *time,
				 const struct bounce_feed_record *records,
				 unsigned int count,
				 enum bounce_feed_fsync fsync_mode,
				 const char **error_r);

/* The reading side. A record as read back; id is "FILE/N", stable for
   the record's life in the spool, so a consumer can also deduplicate. */
struct bounce_feed_entry {
	const char *id;
	struct bounce_feed_record record;
	struct bounce_report report;
	struct bounce_recipient rcpt;
	/* the record's element, valid while its spool file is read */
	void *node;
};
ARRAY_DEFINE_TYPE(bounce_feed_entry, struct bounce_feed_entry);

struct bounce_feed_schema;
struct bounce_feed_spool_file;

/* Load the XML Schema (bounce-feed.xsd). */
int bounce_feed_schema_load(const char *path,
			    struct bounce_feed_schema **schema_r,
			    const char **error_r);
void bounce_feed_schema_free(struct bounce_feed_schema **schema);

/* The names of the spool files in DIR/new, oldest first. Returns 0, or -1
   with error_r. */
int bounce_feed_spool_list(const char *spool_dir, pool_t pool,
			   ARRAY_TYPE(const_string) *names_r,
			   const char **error_r);
/* Parse and validate one spool file of DIR/new. Returns 0, or -1 with
   error_r (the file is then left where it is). */
int bounce_feed_spool_read(const char *spool_dir, const char *name,
			   struct bounce_feed_schema *schema,
			   struct bounce_feed_spool_file **file_r,
			   const char **error_r);
const ARRAY_TYPE(bounce_feed_entry) *
bounce_feed_spool_file_entries(struct bounce_feed_spool_file *file);
void bounce_feed_spool_file_free(struct bounce_feed_spool_file **file);
/* Move a consumed spool file from DIR/new to the archive DIR/cur. */
int bounce_feed_spool_ack(const char *spool_dir, const char *name,
			  const char **error_r);
/* Make the moves durable (sync new/ and cur/), once after a batch. */
int bounce_feed_spool_ack_sync(const char *spool_dir, const char **error_r);

/* One <feed> document of records read from the spool: validated against
   the schema, then appended to dest. The entries' files must still be
   open. Returns 0, or -1 with error_r. */
int bounce_feed_document_write(const struct bounce_feed_entry *const *entries,
			       unsigned int count,
			       struct bounce_feed_schema *schema,
			       string_t *dest, const char **error_r);

/* Writing records: a writer appends a <feed> document to a string,
   record by record (the spool files are such documents). These and the
   CSV calls take temporary memory from the data stack of the caller's
   frame (dest may live there too): wrap long loops in T_BEGIN/T_END. */
struct bounce_feed_writer;

struct bounce_feed_writer *bounce_feed_writer_init(string_t *dest);
void bounce_feed_write(struct bounce_feed_writer *writer, const char *id,
		       const struct bounce_feed_record *record);
/* Ends the document. Returns 0, or -1 with error_r when libxml2 failed. */
int bounce_feed_writer_finish(struct bounce_feed_writer **writer,
			      const char **error_r);

/* RFC 4180 CSV: the header line, and one line per record. */
void bounce_feed_csv_header(string_t *dest);
void bounce_feed_csv_record(string_t *dest, const char *id,
			    const struct bounce_feed_record *record);

/* Replace what XML 1.0 forbids (control characters, invalid UTF-8,
   U+FFFE/U+FFFF, surrogates) with U+FFFD and cut at max_bytes on a
   character boundary (*truncated_r then TRUE). Exposed for the tests. */
const char *bounce_feed_text_clean(const char *text, size_t max_bytes,
				   bool *truncated_r);

#endif
