/* The message walk (bounce-mime.c): top headers decoded to UTF-8, the
   notification's text parts decoded (transfer encoding, charset, HTML),
   the report parts by kind, and of the returned original only its header
   block. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "istream.h"
#include "bounce-taxonomy.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-recognise.h"
#include "bounce-decide.h"
#include "bounce-private.h"
#include "../test-common.h"

#include <stdio.h>

static void parse(const char *msg, const struct bounce_settings *set,
		  struct bounce_parsed *parsed_r)
{
	struct bounce_settings defaults = {
		.max_part_text = BOUNCE_DEFAULT_MAX_PART_TEXT,
		.max_total_text = BOUNCE_DEFAULT_MAX_TOTAL_TEXT,
		.max_message_size = BOUNCE_DEFAULT_MAX_MESSAGE_SIZE,
	};
	struct istream *input = i_stream_create_from_data(msg, strlen(msg));

	bounce_parse_message(set != NULL ? set : &defaults, test_pool, input,
			     parsed_r);
	i_stream_unref(&input);
}

static const struct bounce_part *
part_idx(const struct bounce_parsed *parsed, unsigned int n)
{
	if (n >= array_count(&parsed->parts))
		return NULL;
	return array_idx(&parsed->parts, n);
}

static bool part_has(const struct bounce_parsed *parsed, unsigned int n,
		     const char *text)
{
	const struct bounce_part *part = part_idx(parsed, n);

	return part != NULL && strstr(str_c(part->text), text) != NULL;
}

static void test_mime_headers(void)
{
	struct bounce_parsed parsed;

	parse("From: =?ISO-8859-1?Q?Andr=E9?= <a@example.org>\n"
	      "Subject: =?UTF-8?B?w6ljaGVj?= de\n livraison\n"
	      "Content-Type: TEXT/Plain; charset=us-ascii\n\nbody\n",
	      NULL, &parsed);
	CU_ASSERT_STRING_EQUAL(bounce_parsed_header(&parsed, "from"),
			       "André <a@example.org>");
	/* decoded, unfolded */
	CU_ASSERT_STRING_EQUAL(bounce_parsed_header(&parsed, "Subject"),
			       "échec de livraison");
	CU_ASSERT_STRING_EQUAL(parsed.content_type, "text/plain");
	CU_ASSERT_PTR_NULL(parsed.report_type);
	CU_ASSERT_EQUAL_FATAL(array_count(&parsed.parts), 1);
	CU_ASSERT_EQUAL(part_idx(&parsed, 0)->kind, BOUNCE_PART_TEXT);
	CU_ASSERT(part_has(&parsed, 0, "body"));
	CU_ASSERT_FALSE(parsed.truncated);
}

static void test_mime_decoding(void)
{
	struct bounce_parsed parsed;

	parse("Content-Type: multipart/mixed; boundary=x\n\n"
	      "--x\nContent-Type: text/plain; charset=iso-8859-1\n"
	      "Content-Transfer-Encoding: base64\n\n"
	      "Qm/udGUgcGxlaW5lIC0gbWFpbGJveCBmdWxs\n"
	      "--x\nContent-Type: text/plain; charset=utf-8\n"
	      "Content-Transfer-Encoding: quoted-printable\n\n"
	      "Zustellung fehlgeschlagen: Empf=C3=A4nger unbe=\nkannt\n"
	      "--x\nContent-Type: text/html\n\n"
	      "<html><body><p>User <b>unknown</b></p>"
	      "<script>var x = 'no';</script></body></html>\n"
	      "--x\nContent-Type: image/png\n\nPNGDATA\n"
	      "--x--\n", NULL, &parsed);
	CU_ASSERT_EQUAL_FATAL(array_count(&parsed.parts), 3);
	CU_ASSERT(part_has(&parsed, 0, "Boîte pleine - mailbox full"));
	CU_ASSERT(part_has(&parsed, 1, "Empfänger unbekannt"));
	/* HTML as text: the words, not the markup */
	CU_ASSERT(part_has(&parsed, 2, "User unknown"));
	CU_ASSERT_FALSE(part_has(&parsed, 2, "<b>"));
}

static void test_mime_report_parts(void)
{
	struct bounce_parsed parsed;

	parse("Content-Type: Multipart/Report; Report-Type=Delivery-Status;"
	      " boundary=r\n\n"
	      "--r\nContent-Type: text/plain\n\nnotice\n"
	      "--r\nContent-Type: message/delivery-status\n\n"
	      "Final-Recipient: rfc822; a@example.org\n"
	      "--r\nContent-Type: message/feedback-report\n\n"
	      "Feedback-Type: abuse\n"
	      "--r\nContent-Type: message/rfc822\n\n"
	      "From: sender@example.net\nMessage-ID: <m1@example.net>\n"
	      "Content-Type: multipart/mixed; boundary=i\n\n"
	      "--i\nContent-Type: text/plain\n\nquoted: user unknown\n"
	      "--i\nContent-Type: message/rfc822\n\n"
	      "Message-ID: <inner@example.net>\n\ninner\n--i--\n"
	      "--r--\n", NULL, &parsed);
	CU_ASSERT_STRING_EQUAL(parsed.content_type, "multipart/report");
	CU_ASSERT_STRING_EQUAL(parsed.report_type, "delivery-status");
	CU_ASSERT_EQUAL_FATAL(array_count(&parsed.parts), 3);
	CU_ASSERT_EQUAL(part_idx(&parsed, 0)->kind, BOUNCE_PART_TEXT);
	CU_ASSERT_EQUAL(part_idx(&parsed, 1)->kind,
			BOUNCE_PART_DELIVERY_STATUS);
	CU_ASSERT(part_has(&parsed, 1, "Final-Recipient: rfc822; "
			   "a@example.org"));
	CU_ASSERT_EQUAL(part_idx(&parsed, 2)->kind,
			BOUNCE_PART_FEEDBACK_REPORT);
	/* the original's own headers, not those of what it contains, and
	   none of its bodies */
	CU_ASSERT(null_strcmp(bounce_headers_find(&parsed.orig_headers,
		"Message-ID"), "<m1@example.net>") == 0);
	CU_ASSERT_EQUAL(array_count(&parsed.orig_headers), 3);
}

static void test_mime_rfc822_headers(void)
{
	struct bounce_parsed parsed;

	parse("Content-Type: multipart/report; report-type=delivery-status;"
	      " boundary=r\n\n"
	      "--r\nContent-Type: text/rfc822-headers\n\n"
	      "From: sender@example.net\nTo: rcpt@example.org\n"
	      "Message-ID: <h1@example.net>\n\n--r--\n", NULL, &parsed);
	CU_ASSERT_EQUAL_FATAL(array_count(&parsed.parts), 1);
	CU_ASSERT_EQUAL(part_idx(&parsed, 0)->kind,
			BOUNCE_PART_ORIGINAL_HEADERS);
	CU_ASSERT(null_strcmp(bounce_headers_find(&parsed.orig_headers,
		"To"), "rcpt@example.org") == 0);
	CU_ASSERT(null_strcmp(bounce_headers_find(&parsed.orig_headers,
		"Message-ID"), "<h1@example.net>") == 0);
}

static void test_mime_limits(void)
{
	struct bounce_settings set = {
		.max_part_text = 64,
		.max_total_text = 100,
		.max_message_size = BOUNCE_DEFAULT_MAX_MESSAGE_SIZE,
	};
	struct bounce_parsed parsed;
	const struct bounce_part *part;
	size_t total = 0;
	string_t *msg = t_str_new(4096);
	unsigned int i;

	str_append(msg, "Content-Type: multipart/mixed; boundary=x\n\n");
	for (i = 0; i < 5; i++) {
		str_append(msg, "--x\nContent-Type: text/plain\n\n");
		str_append(msg, "0123456789 0123456789 0123456789 0123456789 "
			   "0123456789 0123456789 0123456789\n");
	}
	str_append(msg, "--x--\n");
	parse(str_c(msg), &set, &parsed);
	CU_ASSERT(parsed.truncated);
	array_foreach(&parsed.parts, part) {
		CU_ASSERT(str_len(part->text) <= set.max_part_text);
		total += str_len(part->text);
	}
	CU_ASSERT(total <= set.max_total_text);
	CU_ASSERT(total > 0);
}

/* Whether reading only the header (for the screen) gives the top headers
   and content type that reading the whole message does. */
static bool header_as_message(struct istream *input)
{
	const struct bounce_settings set = {
		.max_part_text = BOUNCE_DEFAULT_MAX_PART_TEXT,
		.max_total_text = BOUNCE_DEFAULT_MAX_TOTAL_TEXT,
		.max_message_size = BOUNCE_DEFAULT_MAX_MESSAGE_SIZE,
	};
	struct bounce_parsed full, head;
	const struct bounce_header *a, *b;
	unsigned int i, count;

	bounce_parse_message(&set, test_pool, input, &full);
	i_stream_seek(input, 0);
	bounce_parse_header(&set, test_pool, input, &head);
	a = array_get(&full.headers, &count);
	b = array_get(&head.headers, &i);
	if (i != count || strcmp(full.content_type, head.content_type) != 0)
		return FALSE;
	for (i = 0; i < count; i++) {
		if (strcmp(a[i].name, b[i].name) != 0 ||
		    strcmp(a[i].value, b[i].value) != 0)
			return FALSE;
	}
	return TRUE;
}

static bool header_as_message_str(const char *msg)
{
	struct istream *input = i_stream_create_from_data(msg, strlen(msg));
	bool ret = header_as_message(input);

	i_stream_unref(&input);
	return ret;
}

static void header_as_message_file(const char *path,
				   void *context ATTR_UNUSED)
{
	struct istream *input = i_stream_create_file(path, IO_BLOCK_SIZE);

	if (!header_as_message(input)) {
		printf("\n    %s: its header alone reads otherwise\n", path);
		CU_FAIL("header read otherwise");
	}
	i_stream_unref(&input);
	p_clear(test_pool);
}

static unsigned int header_as_message_dir(const char *path)
{
	return test_foreach_message(path, header_as_message_file, NULL);
}

/* The screen reads the header alone, without decoding a line that needs
   no decoding (Content-Type and Content-Transfer-Encoding too, which a
   whole message's decoder must see for the body): the same headers. */
static void test_mime_header_only(void)
{
	CU_ASSERT(header_as_message_str(
		"From: =?ISO-8859-1?Q?Andr=E9?= <a@example.org>\n"
		"Subject: =?UTF-8?B?w6ljaGVj?= de\n livraison\n"
		"X-Long: a\n\tb\n c\n"
		"Content-Type: multipart/report;\n"
		" report-type=delivery-status; boundary=\"b1\"\n"
		"Content-Transfer-Encoding: 7bit\n\n--b1\n\nx\n--b1--\n"));
	CU_ASSERT(header_as_message_str(
		"Subject: caf\xc3\xa9\nContent-Type: text/plain; "
		"charset=\"=?utf-8?q?x?=\"\nContent-Transfer-Encoding: "
		"base64\n\nZm9v\n"));
	CU_ASSERT(header_as_message_str("\nno header\n"));
	CU_ASSERT(header_as_message_str("Subject: no body"));
	CU_ASSERT(header_as_message_dir(test_samples_dir) > 50);
	CU_ASSERT(header_as_message_dir(test_corpus_dir) > 150);
	(void)header_as_message_dir(test_sisimai_dir);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-mime", NULL, NULL);

	CU_add_test(suite, "top headers", test_mime_headers);
	CU_add_test(suite, "transfer encodings, charsets, HTML",
		    test_mime_decoding);
	CU_add_test(suite, "report parts and the original",
		    test_mime_report_parts);
	CU_add_test(suite, "text/rfc822-headers", test_mime_rfc822_headers);
	CU_add_test(suite, "text limits", test_mime_limits);
	CU_add_test(suite, "the header alone", test_mime_header_only);
}

int main(void)
{
	return test_main(add_suites);
}
