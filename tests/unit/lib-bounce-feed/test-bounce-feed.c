/* The report feed: the record writer (escaping, what XML forbids, huge
   texts), the schema, the spool (atomic files, nothing left in tmp/),
   reading back and archiving, CSV. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "unichar.h"
#include "dovecot-compat.h"
#include "bounce-feed-private.h"
#include "../test-common.h"

#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

static struct bounce_feed_schema *schema;

/* A report and recipient with every field set, texts as given. */
static struct bounce_report report;
static struct bounce_recipient rcpt;

static void fill_record(struct bounce_feed_record *rec,
			const char *diagnostic)
{
	struct bounce_header *hdr;

	i_zero(&report);
	i_zero(&rcpt);
	p_array_init(&report.recipients, test_pool, 1);
	p_array_init(&report.orig_headers, test_pool, 2);
	report.format = "dsn";
	report.reporting_mta = "mx.example.org";
	report.arrival_date = "Thu, 29 Apr 2021 23:45:41 +0900";
	report.orig_message_id = "<campaign-7.1@lists.example.net>";
	report.orig_list_id = "News <news.lists.example.net>";
	hdr = array_append_space(&report.orig_headers);
	hdr->name = "X-Campaign-Id";
	hdr->value = "spring-2026";
	rcpt.address = "kijitora@example.org";
	rcpt.type = BOUNCE_TYPE_SOFT;
	rcpt.category = "quota-issues";
	rcpt.code = 22;
	rcpt.action = "failed";
	rcpt.status = "4.2.2";
	rcpt.reply = "452";
	rcpt.diagnostic = diagnostic;
	rcpt.remote_mta = "mx.example.org";
	rcpt.rule = "phrases/quota-issues.rules:4";
	array_push_back(&report.recipients, &rcpt);

	i_zero(rec);
	rec->time = 1782000000;
	rec->user = "jdoe";
	rec->report = &report;
	rec->rcpt = &rcpt;
	rec->state = "returned";
	rec->softcount = 3;
	rec->returned_reason = "3 soft bounces in 30 days";
}

/* One record written as a document, parsed back; NULL when it is not
   well-formed. */
static xmlDocPtr write_doc(const struct bounce_feed_record *rec,
			   string_t *out)
{
	struct bounce_feed_writer *writer;
	const char *error;

	writer = bounce_feed_writer_init(out);
	bounce_feed_write(writer, "1782000000.M1P1Q1.host.xml/1", rec);
	CU_ASSERT_EQUAL(bounce_feed_writer_finish(&writer, &error), 0);
	return xmlReadMemory(str_c(out), str_len(out), NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR);
}

/* The text of the first element called name. */
static xmlChar *doc_text(xmlDocPtr doc, const char *name,
			 bool *truncated_r)
{
	xmlNodePtr node = xmlDocGetRootElement(doc);
	xmlChar *attr;

	/* depth-first: records hold the elements, original the headers */
	while (node != NULL) {
		if (node->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)node->name, name) == 0) {
			attr = xmlGetProp(node, BAD_CAST "truncated");
			*truncated_r = attr != NULL &&
				strcmp((const char *)attr, "true") == 0;
			xmlFree(attr);
			return xmlNodeGetContent(node);
		}
		if (node->children != NULL)
			node = node->children;
		else {
			while (node != NULL && node->next == NULL)
				node = node->parent;
			if (node != NULL)
				node = node->next;
		}
	}
	return NULL;
}

static bool doc_valid(xmlDocPtr doc)
{
	const char *error;

	if (bounce_feed_schema_validate(schema, doc, &error) < 0) {
		printf("\n    %s\n", error);
		return FALSE;
	}
	return TRUE;
}

static void test_every_field(void)
{
	struct bounce_feed_record rec;
	string_t *out = t_str_new(2048);
	xmlChar *text;
	xmlDocPtr doc;
	bool truncated;

	fill_record(&rec, "smtp; 452 4.2.2 mailbox full");
	doc = write_doc(&rec, out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT(doc_valid(doc));
	text = doc_text(doc, "returned-reason", &truncated);
	CU_ASSERT_STRING_EQUAL(text, "3 soft bounces in 30 days");
	xmlFree(text);
	text = doc_text(doc, "header", &truncated);
	CU_ASSERT_STRING_EQUAL(text, "spring-2026");
	xmlFree(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(str_c(out),
		"<record id=\"1782000000.M1P1Q1.host.xml/1\" "
		"time=\"2026-06-21T00:00:00Z\">"));
	CU_ASSERT_PTR_NOT_NULL(strstr(str_c(out), "<code>22</code>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(str_c(out), "<softcount>3</softcount>"));
	xmlFreeDoc(doc);

	/* a bounce that says little: only what is known is written */
	rec.returned_reason = NULL;
	rec.state = "active";
	rec.softcount = 1;
	rcpt.status = rcpt.reply = rcpt.action = NULL;
	rcpt.diagnostic = rcpt.remote_mta = NULL;
	rcpt.address = "";
	report.orig_message_id = report.orig_list_id = NULL;
	array_clear(&report.orig_headers);
	str_truncate(out, 0);
	doc = write_doc(&rec, out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT(doc_valid(doc));
	CU_ASSERT_PTR_NULL(strstr(str_c(out), "<original"));
	CU_ASSERT_PTR_NULL(strstr(str_c(out), "<returned-reason"));
	xmlFreeDoc(doc);
}

static void test_escaping(void)
{
	static const char *const texts[] = {
		"<b>550</b> user & \"unknown\" 'here'",
		"]]> <![CDATA[ x ]]>",
		"&amp; &#0; &lt;",
		"<!DOCTYPE x [<!ENTITY e \"boom\">]>&e;",
	};
	struct bounce_feed_record rec;
	string_t *out = t_str_new(2048);
	struct bounce_header *hdr;
	xmlChar *text;
	xmlDocPtr doc;
	unsigned int i;
	bool truncated;

	for (i = 0; i < N_ELEMENTS(texts); i++) {
		fill_record(&rec, texts[i]);
		hdr = array_idx_modifiable(&report.orig_headers, 0);
		hdr->name = texts[i];
		hdr->value = texts[i];
		report.orig_message_id = texts[i];
		str_truncate(out, 0);
		doc = write_doc(&rec, out);
		CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
		CU_ASSERT(doc_valid(doc));
		/* read back as written: nothing became markup */
		text = doc_text(doc, "diagnostic", &truncated);
		CU_ASSERT_STRING_EQUAL(text, texts[i]);
		CU_ASSERT_FALSE(truncated);
		xmlFree(text);
		text = doc_text(doc, "message-id", &truncated);
		CU_ASSERT_STRING_EQUAL(text, texts[i]);
		xmlFree(text);
		text = doc_text(doc, "header", &truncated);
		CU_ASSERT_STRING_EQUAL(text, texts[i]);
		xmlFree(text);
		xmlFreeDoc(doc);
	}
}

static void test_forbidden_characters(void)
{
	static const struct {
		const char *in, *out;
	} tests[] = {
		/* control characters; tab, LF and CR are allowed */
		{ "a\x01z\x0b\x1f\x7f", "a\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\x7f" },
		{ "t\tl\nc\r", "t\tl\nc\r" },
		/* invalid UTF-8: stray, cut short, overlong */
		{ "x\xffy", "x\xEF\xBF\xBDy" },
		{ "end\xc3", "end\xEF\xBF\xBD" },
		{ "\xc0\xaf", "\xEF\xBF\xBD\xEF\xBF\xBD" },
		/* U+FFFE, U+FFFF and a UTF-16 surrogate */
		{ "\xEF\xBF\xBE\xEF\xBF\xBF", "\xEF\xBF\xBD\xEF\xBF\xBD" },
		{ "s\xED\xA0\x80", "s\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" },
		/* what XML allows stays as it is */
		{ "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA7",
		  "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA7" },
	};
	struct bounce_feed_record rec;
	string_t *out = t_str_new(2048);
	const char *clean;
	xmlChar *text;
	xmlDocPtr doc;
	unsigned int i;
	bool truncated;

	for (i = 0; i < N_ELEMENTS(tests); i++) {
		clean = bounce_feed_text_clean(tests[i].in, 100, &truncated);
		CU_ASSERT_STRING_EQUAL(clean, tests[i].out);
		CU_ASSERT_FALSE(truncated);
		CU_ASSERT(uni_utf8_str_is_valid(clean));

		fill_record(&rec, tests[i].in);
		rec.user = tests[i].in;
		str_truncate(out, 0);
		doc = write_doc(&rec, out);
		CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
		CU_ASSERT(doc_valid(doc));
		text = doc_text(doc, "user", &truncated);
		/* CR is written as &#13; so that it is read back */
		CU_ASSERT_STRING_EQUAL(text, tests[i].out);
		xmlFree(text);
		xmlFreeDoc(doc);
	}
}

static void test_huge_diagnostic(void)
{
	struct bounce_feed_record rec;
	string_t *out = t_str_new(8192), *huge = t_str_new(1024 * 1024);
	xmlChar *text;
	xmlDocPtr doc;
	bool truncated;
	size_t len;

	/* 2-byte characters, so a cut at a byte count could split one */
	str_append(huge, "x");
	while (str_len(huge) < 1024 * 1024)
		str_append(huge, "\xC3\xA9");
	fill_record(&rec, str_c(huge));
	report.orig_list_id = str_c(huge);
	doc = write_doc(&rec, out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT(doc_valid(doc));
	CU_ASSERT(str_len(out) < 8 * 1024);

	text = doc_text(doc, "diagnostic", &truncated);
	len = strlen((const char *)text);
	CU_ASSERT(truncated);
	CU_ASSERT(len <= BOUNCE_FEED_MAX_DIAGNOSTIC);
	CU_ASSERT(len >= BOUNCE_FEED_MAX_DIAGNOSTIC - 1);
	CU_ASSERT(uni_utf8_str_is_valid((const char *)text));
	CU_ASSERT(strncmp((const char *)text, str_c(huge), len) == 0);
	xmlFree(text);

	text = doc_text(doc, "list-id", &truncated);
	CU_ASSERT(truncated);
	CU_ASSERT(strlen((const char *)text) <= BOUNCE_FEED_MAX_TEXT);
	xmlFree(text);
	/* short texts are not marked */
	text = doc_text(doc, "message-id", &truncated);
	CU_ASSERT_FALSE(truncated);
	xmlFree(text);
	xmlFreeDoc(doc);
}

static void test_schema_rejects(void)
{
	static const char *const docs[] = {
		/* no state */
		"<feed xmlns='" BOUNCE_FEED_NAMESPACE "' version='1'>"
		"<record id='f/1' time='2026-01-01T00:00:00Z'><user>u</user>"
		"<recipient>a@b</recipient><type>hard</type>"
		"<category>bad-mailbox</category><code>10</code>"
		"<softcount>0</softcount></record></feed>",
		/* an unknown type */
		"<feed xmlns='" BOUNCE_FEED_NAMESPACE "' version='1'>"
		"<record id='f/1' time='2026-01-01T00:00:00Z'><user>u</user>"
		"<recipient>a@b</recipient><type>bouncy</type>"
		"<category>bad-mailbox</category><code>10</code>"
		"<state>active</state><softcount>0</softcount></record></feed>",
		/* a time that is not UTC */
		"<feed xmlns='" BOUNCE_FEED_NAMESPACE "' version='1'>"
		"<record id='f/1' time='2026-01-01T00:00:00+02:00'><user>u</user>"
		"<recipient>a@b</recipient><type>hard</type>"
		"<category>bad-mailbox</category><code>10</code>"
		"<state>active</state><softcount>0</softcount></record></feed>",
		/* the same record twice */
		"<feed xmlns='" BOUNCE_FEED_NAMESPACE "' version='1'>"
		"<record id='f/1' time='2026-01-01T00:00:00Z'><user>u</user>"
		"<recipient>a@b</recipient><type>hard</type>"
		"<category>bad-mailbox</category><code>10</code>"
		"<state>active</state><softcount>0</softcount></record>"
		"<record id='f/1' time='2026-01-01T00:00:00Z'><user>u</user>"
		"<recipient>a@b</recipient><type>hard</type>"
		"<category>bad-mailbox</category><code>10</code>"
		"<state>active</state><softcount>0</softcount></record></feed>",
	};
	const char *error;
	xmlDocPtr doc;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(docs); i++) {
		doc = xmlReadMemory(docs[i], strlen(docs[i]), NULL, NULL,
				    XML_PARSE_NONET);
		CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
		CU_ASSERT_EQUAL(bounce_feed_schema_validate(schema, doc,
							    &error), -1);
		xmlFreeDoc(doc);
	}
}

static unsigned int dir_count(const char *path)
{
	struct dirent *d;
	unsigned int count = 0;
	DIR *dir = opendir(path);

	if (dir == NULL)
		return UINT_MAX;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] != '.')
			count++;
	}
	closedir(dir);
	return count;
}

static void test_spool(void)
{
	const char *spool = t_strdup_printf("%s/spool", test_dir);
	struct bounce_feed_record recs[3];
	struct bounce_report *sample;
	ARRAY_TYPE(const_string) names;
	const struct bounce_feed_entry *entry;
	struct bounce_feed_spool_file *file;
	const char *const *namep, *error;
	unsigned int i, n_records = 0;

	/* a real bounce with all its recipients, and hand-made records */
	sample = test_classify_sample("rfc3464-03.eml");
	CU_ASSERT_FATAL(array_count(&sample->recipients) > 0);
	for (i = 0; i < 20; i++) {
		fill_record(&recs[0], "550 5.1.1 \x01 unknown");
		recs[1] = recs[0];
		recs[1].rcpt = array_idx(&sample->recipients, 0);
		recs[1].report = sample;
		recs[2] = recs[1];
		recs[2].time += i;
		CU_ASSERT_EQUAL(bounce_feed_spool_write(spool, recs, 1 + i % 3,
							&error), 0);
		n_records += 1 + i % 3;
	}
	/* every file is complete in new/, nothing is left in tmp/ */
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/tmp", NULL)), 0);
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/new", NULL)), 20);

	t_array_init(&names, 32);
	CU_ASSERT_EQUAL_FATAL(bounce_feed_spool_list(spool, test_pool, &names,
						     &error), 0);
	CU_ASSERT_EQUAL(array_count(&names), 20);
	array_foreach(&names, namep) {
		if (bounce_feed_spool_read(spool, *namep, schema, &file,
					   &error) < 0) {
			printf("\n    %s\n", error);
			CU_FAIL("spool file not valid");
			continue;
		}
		array_foreach(bounce_feed_spool_file_entries(file), entry) {
			n_records--;
			/* the id names the file and the record */
			CU_ASSERT(str_begins_with(entry->id,
				t_strconcat(*namep, "/", NULL)));
			CU_ASSERT_STRING_EQUAL(entry->record.user, "jdoe");
			CU_ASSERT_STRING_EQUAL(entry->record.state, "returned");
			CU_ASSERT_EQUAL(entry->record.softcount, 3);
		}
		entry = array_idx(bounce_feed_spool_file_entries(file), 0);
		/* read back as written, forbidden character replaced */
		CU_ASSERT_EQUAL(entry->record.time, 1782000000);
		CU_ASSERT_STRING_EQUAL(entry->rcpt.diagnostic,
				       "550 5.1.1 \xEF\xBF\xBD unknown");
		CU_ASSERT_STRING_EQUAL(entry->rcpt.category, "quota-issues");
		CU_ASSERT_EQUAL(entry->rcpt.type, BOUNCE_TYPE_SOFT);
		CU_ASSERT_EQUAL(entry->rcpt.code, 22);
		CU_ASSERT_STRING_EQUAL(entry->report.orig_list_id,
				       "News <news.lists.example.net>");
		bounce_feed_spool_file_free(&file);
	}
	CU_ASSERT_EQUAL(n_records, 0);

	/* archived files leave new/ */
	namep = array_idx(&names, 0);
	CU_ASSERT_EQUAL(bounce_feed_spool_ack(spool, *namep, &error), 0);
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/new", NULL)), 19);
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/cur", NULL)), 1);
	CU_ASSERT_EQUAL(bounce_feed_spool_ack(spool, *namep, &error), -1);
}

/* Writers in parallel while a reader watches new/: every file it ever
   sees there is whole and valid, and no two writers share a file. The
   forked writers keep their parent's pid and counter, so their names
   can collide: none may fail or replace another's file. */
#define PARALLEL_WRITERS 4
#define FILES_PER_WRITER 40
#define RECORDS_PER_FILE 10
static void test_spool_parallel(void)
{
	const char *spool = t_strdup_printf("%s/spool-parallel", test_dir);
	struct bounce_feed_record recs[RECORDS_PER_FILE];
	struct bounce_feed_spool_file *file;
	ARRAY_TYPE(const_string) names;
	string_t *diag = t_str_new(64 * 1024);
	const char *const *namep, *error;
	pid_t pids[PARALLEL_WRITERS];
	unsigned int i, j, k, running, bad = 0, reads = 0;
	int status, failures = 0;
	pool_t pool;

	/* large files (about 50 kB), so that a partly written one would be
	   seen */
	while (str_len(diag) < 60 * 1024)
		str_append(diag, "550 5.1.1 user unknown; ");
	for (i = 0; i < PARALLEL_WRITERS; i++) {
		pids[i] = fork();
		CU_ASSERT_FATAL(pids[i] >= 0);
		if (pids[i] > 0)
			continue;
		for (j = 0; j < FILES_PER_WRITER; j++) {
			fill_record(&recs[0], str_c(diag));
			for (k = 1; k < RECORDS_PER_FILE; k++)
				recs[k] = recs[0];
			if (bounce_feed_spool_write(spool, recs,
						    RECORDS_PER_FILE,
						    &error) < 0) {
				i_error("%s", error);
				_exit(1);
			}
		}
		_exit(0);
	}
	running = PARALLEL_WRITERS;
	while (running > 0) {
		pool = pool_alloconly_create("names", 8192);
		p_array_init(&names, pool, 64);
		if (bounce_feed_spool_list(spool, pool, &names, &error) == 0) {
			array_foreach(&names, namep) {
				reads++;
				if (bounce_feed_spool_read(spool, *namep,
						schema, &file, &error) < 0) {
					printf("\n    %s\n", error);
					bad++;
					continue;
				}
				if (array_count(bounce_feed_spool_file_entries(
						file)) != RECORDS_PER_FILE)
					bad++;
				bounce_feed_spool_file_free(&file);
			}
		}
		pool_unref(&pool);
		while (running > 0 && waitpid(-1, &status, WNOHANG) > 0) {
			running--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failures++;
		}
	}
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(reads > 0);
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/new", NULL)),
			PARALLEL_WRITERS * FILES_PER_WRITER);
	CU_ASSERT_EQUAL(dir_count(t_strconcat(spool, "/tmp", NULL)), 0);
}

static void test_spool_unwritable(void)
{
	const char *file = test_write_file("not-a-dir", "x");
	struct bounce_feed_record rec;
	const char *error = NULL;

	fill_record(&rec, "x");
	/* fails, and says where (root may write anywhere else) */
	CU_ASSERT_EQUAL(bounce_feed_spool_write(t_strconcat(file, "/spool",
							    NULL),
						&rec, 1, &error), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(error);
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "not-a-dir"));
}

static void test_document(void)
{
	const char *spool = t_strdup_printf("%s/spool-doc", test_dir);
	struct bounce_feed_record recs[2];
	const struct bounce_feed_entry *entries[4];
	struct bounce_feed_spool_file *files[2];
	ARRAY_TYPE(const_string) names;
	string_t *out = t_str_new(4096);
	const char *error;
	unsigned int i, n = 0;
	xmlDocPtr doc;

	fill_record(&recs[0], "first");
	recs[1] = recs[0];
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(bounce_feed_spool_write(spool, recs, 2,
							&error), 0);
	}
	t_array_init(&names, 4);
	CU_ASSERT_EQUAL_FATAL(bounce_feed_spool_list(spool, test_pool, &names,
						     &error), 0);
	CU_ASSERT_EQUAL_FATAL(array_count(&names), 2);
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(bounce_feed_spool_read(spool,
			array_idx_elem(&names, i), schema, &files[i],
			&error), 0);
		entries[n++] = array_idx(bounce_feed_spool_file_entries(
			files[i]), 0);
		entries[n++] = array_idx(bounce_feed_spool_file_entries(
			files[i]), 1);
	}
	CU_ASSERT_EQUAL(bounce_feed_document_write(entries, n, schema, out,
						   &error), 0);
	doc = xmlReadMemory(str_c(out), str_len(out), NULL, NULL,
			    XML_PARSE_NONET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT(doc_valid(doc));
	xmlFreeDoc(doc);
	/* one namespace declaration, on the root */
	CU_ASSERT_PTR_NOT_NULL(strstr(str_c(out), "xmlns="));
	CU_ASSERT_PTR_NULL(strstr(strstr(str_c(out), "xmlns=") + 1,
				  "xmlns="));
	/* an empty feed is a valid document too */
	str_truncate(out, 0);
	CU_ASSERT_EQUAL(bounce_feed_document_write(entries, 0, schema, out,
						   &error), 0);
	doc = xmlReadMemory(str_c(out), str_len(out), NULL, NULL,
			    XML_PARSE_NONET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT(doc_valid(doc));
	xmlFreeDoc(doc);
	for (i = 0; i < 2; i++)
		bounce_feed_spool_file_free(&files[i]);
}

static void test_csv(void)
{
	struct bounce_feed_record rec;
	string_t *out = t_str_new(1024);
	const char *line;

	bounce_feed_csv_header(out);
	CU_ASSERT(str_begins_with(str_c(out), "id,time,user,recipient,type,"));
	CU_ASSERT(str_c(out)[str_len(out) - 2] == '\r');

	str_truncate(out, 0);
	fill_record(&rec, "550 \"no\", said\nthe server");
	rcpt.status = NULL;
	bounce_feed_csv_record(out, "f/1", &rec);
	line = str_c(out);
	CU_ASSERT(str_begins_with(line, "f/1,2026-06-21T00:00:00Z,jdoe,"
			     "kijitora@example.org,soft,quota-issues,22,,452,"
			     "failed,\"550 \"\"no\"\", said\nthe server\","));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, ",X-Campaign-Id: spring-2026,"
		"returned,3,3 soft bounces in 30 days\r\n"));
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-feed", NULL, NULL);
	const char *error;

	if (bounce_feed_schema_load(TEST_FEED_SCHEMA_PATH, &schema,
				    &error) < 0)
		i_fatal("%s", error);
	CU_add_test(suite, "every field", test_every_field);
	CU_add_test(suite, "escaping", test_escaping);
	CU_add_test(suite, "forbidden characters", test_forbidden_characters);
	CU_add_test(suite, "huge diagnostic", test_huge_diagnostic);
	CU_add_test(suite, "schema rejects", test_schema_rejects);
	CU_add_test(suite, "spool", test_spool);
	CU_add_test(suite, "spool written in parallel",
		    test_spool_parallel);
	CU_add_test(suite, "unwritable spool", test_spool_unwritable);
	CU_add_test(suite, "document", test_document);
	CU_add_test(suite, "csv", test_csv);
}

int main(void)
{
	int ret = test_main(add_suites);

	bounce_feed_schema_free(&schema);
	return ret;
}
