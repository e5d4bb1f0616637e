/* A notification's identity (bounce-identity.c): alike for every
   delivery of one notification, different for different notifications. */

#include "lib.h"
#include "str.h"
#include "istream.h"
#include "../test-common.h"

static const char *id_to(const char *msg, const char *envelope_to)
{
	struct istream *input = i_stream_create_from_data(msg, strlen(msg));
	const char *id, *error;

	if (bounce_notification_id(input, envelope_to, &id, &error) < 0) {
		CU_FAIL(error);
		id = "";
	}
	i_stream_unref(&input);
	return id;
}

static const char *id_of(const char *msg)
{
	return id_to(msg, "bounces@lists.example.net");
}

#define NOTIFICATION_HEAD \
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\n" \
	"To: bounces@lists.example.net\n" \
	"Subject: Undelivered Mail Returned to Sender\n"
#define NOTIFICATION_BODY \
	"\n<user@example.org>: host mx.example.org said: 552 5.2.2 " \
	"Mailbox full (in reply to RCPT TO command)\n"

static const char *crlf(const char *msg)
{
	string_t *str = t_str_new(strlen(msg) * 2);

	for (; *msg != '\0'; msg++) {
		if (*msg == '\n')
			str_append_c(str, '\r');
		str_append_c(str, *msg);
	}
	return str_c(str);
}

static const char *notification(const char *fields)
{
	return t_strconcat(NOTIFICATION_HEAD, fields, NOTIFICATION_BODY, NULL);
}

static void test_identity_form(void)
{
	const char *id = id_of(notification("Message-ID: <a@mx>\n"));
	const char *p;

	CU_ASSERT_EQUAL(strlen(id), BOUNCE_NOTIFICATION_ID_LEN);
	for (p = id; *p != '\0'; p++)
		CU_ASSERT(strchr("0123456789abcdef", *p) != NULL);
	/* the same input, the same identity */
	CU_ASSERT_STRING_EQUAL(id, id_of(notification("Message-ID: <a@mx>\n")));
}

static void test_identity_delivered_again(void)
{
	const char *msg = notification("Message-ID: <a@mx.example.org>\n"
				       "Date: Mon, 2 Nov 2026 10:00:00 +0000\n");
	const char *id = id_of(msg);

	/* delivered again through other hops: new trace fields above */
	CU_ASSERT_STRING_EQUAL(id, id_of(t_strconcat(
		"Return-Path: <>\n"
		"Delivered-To: bounces@lists.example.net\n"
		"Received: from mx2.example.org by mx.example.net; "
		"Mon, 2 Nov 2026 10:05:00 +0000\n"
		"Authentication-Results: mx.example.net; spf=none\n",
		msg, NULL)));
	/* the fields folded otherwise, another field order */
	CU_ASSERT_STRING_EQUAL(id, id_of(t_strconcat(
		"Date: Mon, 2 Nov 2026\n 10:00:00 +0000\n"
		"Message-ID:\n <a@mx.example.org>\n",
		NOTIFICATION_HEAD, NOTIFICATION_BODY, NULL)));
	/* CRLF line ends instead of LF */
	CU_ASSERT_STRING_EQUAL(id, id_of(crlf(msg)));
}

static void test_identity_different(void)
{
	const char *a = id_of(notification("Message-ID: <a@mx>\n"));

	/* another Message-ID */
	CU_ASSERT_STRING_NOT_EQUAL(a, id_of(notification("Message-ID: <b@mx>\n")));
	/* the same Message-ID reused for another notification */
	CU_ASSERT_STRING_NOT_EQUAL(a, id_of(t_strconcat(NOTIFICATION_HEAD,
		"Message-ID: <a@mx>\n",
		"\n<other@example.org>: host mx.example.org said: 552 5.2.2 "
		"Mailbox full (in reply to RCPT TO command)\n", NULL)));
	/* no Message-ID: the Date tells two alike texts apart */
	CU_ASSERT_STRING_NOT_EQUAL(
		id_of(notification("Date: Mon, 2 Nov 2026 10:00:00 +0000\n")),
		id_of(notification("Date: Mon, 2 Nov 2026 11:00:00 +0000\n")));
	/* another author */
	CU_ASSERT_STRING_NOT_EQUAL(a, id_of(t_strconcat(
		"From: postmaster@mx2.example.org\n",
		notification("Message-ID: <a@mx>\n"), NULL)));
	/* delivered to another (VERP) address, or with none given */
	CU_ASSERT_STRING_NOT_EQUAL(a, id_to(notification("Message-ID: <a@mx>\n"),
		"bounces+jane=example.org@lists.example.net"));
	CU_ASSERT_STRING_NOT_EQUAL(a, id_to(notification("Message-ID: <a@mx>\n"),
					    NULL));
	/* no bytes may move between the fields and the body unnoticed */
	CU_ASSERT_STRING_NOT_EQUAL(
		id_of("Message-ID: <a@mx>\n\nX"),
		id_of("Message-ID: <a@mx>X\n\n"));
}

static void test_identity_large_body(void)
{
	string_t *a = t_str_new(2*1024*1024 + 256);
	string_t *b;

	str_append(a, "Message-ID: <big@mx>\n\n");
	while (str_len(a) < 1024*1024 + 1000)
		str_append(a, "0123456789abcdef0123456789abcdef0123456789\n");
	b = t_str_new(str_len(a) + 16);
	str_append_str(b, a);
	/* beyond the hashed part only the size counts */
	str_append(a, "tail one\n");
	str_append(b, "tail two\n");
	CU_ASSERT_STRING_EQUAL(id_of(str_c(a)), id_of(str_c(b)));
	str_append(b, "longer\n");
	CU_ASSERT_STRING_NOT_EQUAL(id_of(str_c(a)), id_of(str_c(b)));
}

static void test_identity_samples(void)
{
	static const char *const samples[] = {
		"lhost-postfix-01.eml", "lhost-gmail-01.eml",
		"lhost-exim-01.eml", "lhost-qmail-01.eml",
		"rfc3464-03.eml", "arf-01.eml",
	};
	const char *ids[N_ELEMENTS(samples)];
	unsigned int i, j;

	/* real notifications of different MTAs: all told apart */
	for (i = 0; i < N_ELEMENTS(samples); i++) {
		struct istream *input = i_stream_create_file(t_strdup_printf(
			"%s/%s", test_samples_dir, samples[i]), 4096);
		const char *error;

		CU_ASSERT_EQUAL_FATAL(bounce_notification_id(input, NULL,
							     &ids[i], &error), 0);
		i_stream_unref(&input);
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(ids[i], ids[j]);
	}
}

static void test_identity_read_error(void)
{
	struct istream *input = i_stream_create_file(t_strdup_printf(
		"%s/no-such-message", test_dir), 4096);
	const char *id, *error;

	CU_ASSERT_EQUAL(bounce_notification_id(input, NULL, &id, &error), -1);
	CU_ASSERT(strstr(error, "no-such-message") != NULL);
	i_stream_unref(&input);
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-identity", NULL, NULL);

	CU_add_test(suite, "32 hex digits, stable", test_identity_form);
	CU_add_test(suite, "delivered again: the same",
		    test_identity_delivered_again);
	CU_add_test(suite, "different notifications: different",
		    test_identity_different);
	CU_add_test(suite, "bodies beyond the hashed part",
		    test_identity_large_body);
	CU_add_test(suite, "samples of different MTAs", test_identity_samples);
	CU_add_test(suite, "unreadable input", test_identity_read_error);
}

int main(void)
{
	return test_main(add_suites);
}
