/* Reads spool files back: parsed with libxml2 (no network, no entity
   expansion), validated against the shipped schema, records mapped back
   to the structs they were written from. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "iso8601-date.h"
#include "bounce-feed-private.h"

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

struct bounce_feed_schema {
	xmlSchemaPtr schema;
};

struct bounce_feed_spool_file {
	pool_t pool;
	xmlDocPtr doc;
	ARRAY_TYPE(bounce_feed_entry) entries;
};

static const int feed_parse_options =
	XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
	XML_PARSE_NOWARNING;

/* The last error libxml2 reported, as one line. */
static const char *xml_last_error(const char *fallback)
{
	xmlErrorPtr err = xmlGetLastError();
	const char *msg;

	if (err == NULL || err->message == NULL)
		return fallback;
	msg = t_str_trim(err->message, "\r\n ");
	if (err->line > 0)
		return t_strdup_printf("line %d: %s", err->line, msg);
	return t_strdup(msg);
}

static void xml_silent(void *ctx ATTR_UNUSED, const char *msg ATTR_UNUSED,
		       ...)
{
	/* errors are fetched with xmlGetLastError() and reported once */
}

int bounce_feed_schema_load(const char *path,
			    struct bounce_feed_schema **schema_r,
			    const char **error_r)
{
	xmlSchemaParserCtxtPtr ctxt;
	xmlSchemaPtr schema;

	xmlResetLastError();
	ctxt = xmlSchemaNewParserCtxt(path);
	if (ctxt == NULL) {
		*error_r = t_strdup_printf("%s: %s", path,
			xml_last_error("cannot read the schema"));
		return -1;
	}
	xmlSchemaSetParserErrors(ctxt, xml_silent, xml_silent, NULL);
	schema = xmlSchemaParse(ctxt);
	xmlSchemaFreeParserCtxt(ctxt);
	if (schema == NULL) {
		*error_r = t_strdup_printf("%s: %s", path,
			xml_last_error("not a valid schema"));
		return -1;
	}
	*schema_r = i_new(struct bounce_feed_schema, 1);
	(*schema_r)->schema = schema;
	return 0;
}

void bounce_feed_schema_free(struct bounce_feed_schema **_schema)
{
	struct bounce_feed_schema *schema = *_schema;

	if (schema == NULL)
		return;
	*_schema = NULL;
	xmlSchemaFree(schema->schema);
	i_free(schema);
}

int bounce_feed_schema_validate(struct bounce_feed_schema *schema,
				xmlDocPtr doc, const char **error_r)
{
	xmlSchemaValidCtxtPtr vctxt;
	int ret;

	xmlResetLastError();
	vctxt = xmlSchemaNewValidCtxt(schema->schema);
	if (vctxt == NULL)
		i_fatal_status(FATAL_OUTOFMEM, "xmlSchemaNewValidCtxt() failed");
	xmlSchemaSetValidErrors(vctxt, xml_silent, xml_silent, NULL);
	ret = xmlSchemaValidateDoc(vctxt, doc);
	xmlSchemaFreeValidCtxt(vctxt);
	if (ret != 0) {
		*error_r = t_strdup_printf("not valid against the schema: %s",
			xml_last_error("invalid"));
		return -1;
	}
	return 0;
}

static bool node_is(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
		strcmp((const char *)node->ns->href,
		       BOUNCE_FEED_NAMESPACE) == 0 &&
		strcmp((const char *)node->name, name) == 0;
}

static const char *node_text(pool_t pool, xmlNodePtr node)
{
	xmlChar *content = xmlNodeGetContent(node);
	const char *text = p_strdup(pool, (const char *)content);

	xmlFree(content);
	return text;
}

static const char *node_attr(pool_t pool, xmlNodePtr node, const char *name)
{
	xmlChar *value = xmlGetProp(node, BAD_CAST name);
	const char *text = p_strdup(pool, (const char *)value);

	xmlFree(value);
	return text;
}

static void read_original(pool_t pool, xmlNodePtr node,
			  struct bounce_report *report)
{
	struct bounce_header *hdr;

	for (node = node->children; node != NULL; node = node->next) {
		if (node_is(node, "message-id"))
			report->orig_message_id = node_text(pool, node);
		else if (node_is(node, "list-id"))
			report->orig_list_id = node_text(pool, node);
		else if (node_is(node, "header")) {
			hdr = array_append_space(&report->orig_headers);
			hdr->name = node_attr(pool, node, "name");
			hdr->value = node_text(pool, node);
		}
	}
}

/* The schema has already been checked: every element is where it may be,
   numbers are numbers and times are times. */
static void read_record(pool_t pool, xmlNodePtr rnode,
			struct bounce_feed_entry *entry)
{
	struct bounce_recipient *rcpt = &entry->rcpt;
	struct bounce_report *report = &entry->report;
	struct bounce_feed_record *rec = &entry->record;
	const char *time_str, *text;
	xmlNodePtr node;
	int tz;

	entry->node = rnode;
	entry->id = node_attr(pool, rnode, "id");
	time_str = node_attr(pool, rnode, "time");
	if (!iso8601_date_parse((const unsigned char *)time_str,
				strlen(time_str), &rec->time, &tz))
		rec->time = 0;
	p_array_init(&report->orig_headers, pool, 2);
	p_array_init(&report->recipients, pool, 1);
	rec->report = report;
	rec->rcpt = rcpt;
	for (node = rnode->children; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (node_is(node, "original")) {
			read_original(pool, node, report);
			continue;
		}
		text = node_text(pool, node);
		if (node_is(node, "user"))
			rec->user = text;
		else if (node_is(node, "recipient"))
			rcpt->address = text;
		else if (node_is(node, "type"))
			(void)bounce_type_from_str(text, &rcpt->type);
		else if (node_is(node, "category"))
			rcpt->category = text;
		else if (node_is(node, "code"))
			rcpt->code = strtoul(text, NULL, 10);
		else if (node_is(node, "status"))
			rcpt->status = text;
		else if (node_is(node, "reply"))
			rcpt->reply = text;
		else if (node_is(node, "action"))
			rcpt->action = text;
		else if (node_is(node, "diagnostic"))
			rcpt->diagnostic = text;
		else if (node_is(node, "remote-mta"))
			rcpt->remote_mta = text;
		else if (node_is(node, "rule"))
			rcpt->rule = text;
		else if (node_is(node, "format"))
			report->format = text;
		else if (node_is(node, "reporting-mta"))
			report->reporting_mta = text;
		else if (node_is(node, "arrival-date"))
			report->arrival_date = text;
		else if (node_is(node, "state"))
			rec->state = text;
		else if (node_is(node, "softcount"))
			rec->softcount = strtoul(text, NULL, 10);
		else if (node_is(node, "returned-reason"))
			rec->returned_reason = text;
	}
	array_push_back(&report->recipients, rcpt);
}

int bounce_feed_spool_read(const char *spool_dir, const char *name,
			   struct bounce_feed_schema *schema,
			   struct bounce_feed_spool_file **file_r,
			   const char **error_r)
{
	struct bounce_feed_spool_file *file;
	struct bounce_feed_entry *entry;
	const char *path, *error;
	xmlNodePtr root, node;
	xmlDocPtr doc;

	path = t_strdup_printf("%s/new/%s", spool_dir, name);
	xmlResetLastError();
	doc = xmlReadFile(path, NULL, feed_parse_options);
	if (doc == NULL) {
		*error_r = t_strdup_printf("%s: %s", path,
			xml_last_error("cannot be parsed"));
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !node_is(root, "feed")) {
		*error_r = t_strdup_printf("%s: not a bounce feed document",
					   path);
		xmlFreeDoc(doc);
		return -1;
	}
	if (bounce_feed_schema_validate(schema, doc, &error) < 0) {
		*error_r = t_strdup_printf("%s: %s", path, error);
		xmlFreeDoc(doc);
		return -1;
	}
	file = i_new(struct bounce_feed_spool_file, 1);
	file->pool = pool_alloconly_create("bounce feed file", 4096);
	file->doc = doc;
	p_array_init(&file->entries, file->pool, 4);
	for (node = root->children; node != NULL; node = node->next) {
		if (!node_is(node, "record"))
			continue;
		entry = array_append_space(&file->entries);
		read_record(file->pool, node, entry);
	}
	*file_r = file;
	return 0;
}

const ARRAY_TYPE(bounce_feed_entry) *
bounce_feed_spool_file_entries(struct bounce_feed_spool_file *file)
{
	return &file->entries;
}

void bounce_feed_spool_file_free(struct bounce_feed_spool_file **_file)
{
	struct bounce_feed_spool_file *file = *_file;

	if (file == NULL)
		return;
	*_file = NULL;
	xmlFreeDoc(file->doc);
	pool_unref(&file->pool);
	i_free(file);
}

int bounce_feed_document_write(const struct bounce_feed_entry *const *entries,
			       unsigned int count,
			       struct bounce_feed_schema *schema,
			       string_t *dest, const char **error_r)
{
	xmlDocPtr doc;
	xmlNodePtr root, node, copy;
	xmlNsPtr ns;
	xmlChar *mem;
	const char *error;
	unsigned int i;
	int size, ret = 0;

	doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewDocNode(doc, NULL, BAD_CAST "feed", NULL);
	ns = xmlNewNs(root, BAD_CAST BOUNCE_FEED_NAMESPACE, NULL);
	xmlSetNs(root, ns);
	xmlNewProp(root, BAD_CAST "version", BAD_CAST "1");
	xmlDocSetRootElement(doc, root);
	for (i = 0; i < count; i++) {
		node = bounce_feed_entry_node(entries[i]);
		/* cloned into the new document's scope, so the records use
		   its namespace declaration instead of repeating their own */
		if (xmlDOMWrapCloneNode(NULL, node->doc, node, &copy, doc,
					root, 1, 0) != 0 || copy == NULL)
			i_fatal_status(FATAL_OUTOFMEM, "xmlDOMWrapCloneNode() failed");
		xmlAddChild(root, copy);
	}
	if (bounce_feed_schema_validate(schema, doc, &error) < 0) {
		*error_r = t_strdup_printf("the collected document is %s",
					   error);
		ret = -1;
	} else {
		xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
		if (mem == NULL) {
			*error_r = "libxml2 could not write the document";
			ret = -1;
		} else {
			str_append_data(dest, mem, size);
			xmlFree(mem);
		}
	}
	xmlFreeDoc(doc);
	return ret;
}
