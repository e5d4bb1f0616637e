/* From evidence to category (bounce-decide.c), with a small rules file
   written here so that the order of evidence is what is tested, not the
   shipped phrases: the DSN Action, a definite status, phrases refining a
   generic status (only the groups it names), a specific code in the
   diagnostic over the Status field, "when" conditions, the bare reply
   code, the text near the recipient, and the fallback. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-taxonomy.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-rules.h"
#include "bounce-recognise.h"
#include "bounce-decide.h"
#include "bounce-private.h"
#include "../test-common.h"

static struct bounce_classifier *dec_cls;

#define DECIDE_RULES \
	"category-order quota-issues bad-mailbox spam-related\n" \
	"status 5.1.1 bad-mailbox\n" \
	"status 5.0.0 other refine\n" \
	"status 5.7.1 policy-related refine spam-related\n" \
	"reply 552 quota-issues\n" \
	"phrase quota-issues mailbox (?:is )?full\n" \
	"phrase bad-mailbox/unknown user unknown\n" \
	"phrase spam-related blocked as spam\n" \
	"command mail in reply to mail from command\n" \
	"when after-mail bad-mailbox policy-related\n" \
	"when status=*.2.1 bad-mailbox/unknown inactive-mailbox\n" \
	"when temporary quota-issues rate-limited\n" \
	"when no-command+reply bad-mailbox/unknown policy-related\n" \
	"command rcpt in reply to rcpt to command\n" \
	"status 5.1.0 bad-mailbox refine\n" \
	"phrase policy-related/generic rejected\n"

/* A delivery report up to its text part's body (boundary "b") */
#define REPORT_HEAD \
	"From: MAILER-DAEMON@mx.example\n" \
	"Content-Type: multipart/report; report-type=delivery-status;" \
	" boundary=b\n\n" \
	"--b\nContent-Type: text/plain\n\n"

static int decide_suite_init(void)
{
	struct bounce_settings set = { .rules_path = "decide.rules" };

	test_write_file("decide.rules", DECIDE_RULES);
	dec_cls = test_classifier_init(&set);
	return dec_cls == NULL ? -1 : 0;
}

static int decide_suite_clean(void)
{
	bounce_classifier_deinit(&dec_cls);
	return 0;
}

/* One DSN recipient block with these fields (Status and Diagnostic-Code
   left out when NULL); returns the recipient. */
static const struct bounce_recipient *
decide_dsn_with(struct bounce_classifier *cls, const char *action,
		const char *status, const char *diagnostic)
{
	string_t *msg = t_str_new(1024);
	struct bounce_report *report;

	str_append(msg, TEST_DSN_HEAD "Final-Recipient: rfc822; "
		   "rcpt@example.org\n");
	str_printfa(msg, "Action: %s\n", action);
	if (status != NULL)
		str_printfa(msg, "Status: %s\n", status);
	if (diagnostic != NULL)
		str_printfa(msg, "Diagnostic-Code: smtp; %s\n", diagnostic);
	str_append(msg, "\n--b1--\n");
	report = test_classify_with(cls, test_pool, str_data(msg),
				    str_len(msg), NULL);
	CU_ASSERT_EQUAL(array_count(&report->recipients), 1);
	return test_rcpt(report, 0);
}

static const struct bounce_recipient *
decide_dsn(const char *action, const char *status, const char *diagnostic)
{
	return decide_dsn_with(dec_cls, action, status, diagnostic);
}

#define ASSERT_DECIDED(r, category_, rule_) \
	do { \
		CU_ASSERT_PTR_NOT_NULL_FATAL(r); \
		CU_ASSERT_STRING_EQUAL((r)->category, category_); \
		CU_ASSERT_STRING_EQUAL((r)->rule, rule_); \
	} while (0)

static void test_decide_status(void)
{
	const struct bounce_recipient *r;

	/* a definite status wins over the words */
	r = decide_dsn("failed", "5.1.1", "mailbox is full");
	ASSERT_DECIDED(r, "bad-mailbox", "decide.rules:2");
	CU_ASSERT_EQUAL(r->type, BOUNCE_TYPE_HARD);
	/* a generic one is refined by them */
	r = decide_dsn("failed", "5.0.0", "mailbox is full");
	ASSERT_DECIDED(r, "quota-issues", "decide.rules:6");
	/* and stands when they say nothing */
	r = decide_dsn("failed", "5.0.0", "no reason given");
	ASSERT_DECIDED(r, "other", "decide.rules:3");
	/* refined only by the groups it names */
	r = decide_dsn("failed", "5.7.1", "user unknown");
	ASSERT_DECIDED(r, "policy-related", "decide.rules:4");
	r = decide_dsn("failed", "5.7.1", "blocked as spam");
	ASSERT_DECIDED(r, "spam-related", "decide.rules:8");
	/* the remote's specific code in the diagnostic beats the reporting
	   MTA's summary in Status */
	r = decide_dsn("failed", "5.0.0", "550 5.1.1 gone");
	ASSERT_DECIDED(r, "bad-mailbox", "decide.rules:2");
	CU_ASSERT_STRING_EQUAL(r->reply, "550");
	/* words every refusal uses (a "generic" group) refine a status
	   naming no cause, not one about the address */
	r = decide_dsn("failed", "5.0.0", "554 Rejected");
	ASSERT_DECIDED(r, "policy-related", "decide.rules:16");
	r = decide_dsn("failed", "5.0.0", "550 5.1.0 Recipient rejected");
	ASSERT_DECIDED(r, "bad-mailbox", "decide.rules:15");
}

static void test_decide_when(void)
{
	const struct bounce_recipient *r;

	r = decide_dsn("failed", NULL,
		       "553 user unknown (in reply to MAIL FROM command)");
	ASSERT_DECIDED(r, "policy-related", "decide.rules:10");
	r = decide_dsn("failed", NULL,
		       "550 user unknown (in reply to RCPT TO command)");
	ASSERT_DECIDED(r, "bad-mailbox", "decide.rules:7");
	r = decide_dsn("failed", "5.2.1", "user unknown");
	ASSERT_DECIDED(r, "inactive-mailbox", "decide.rules:11");
	/* temporary: a 4.x.x status, or without one a 4xx reply */
	r = decide_dsn("delayed", "4.2.2", "mailbox full, try later");
	ASSERT_DECIDED(r, "rate-limited", "decide.rules:12");
	r = decide_dsn("delayed", NULL, "452 mailbox full, try later");
	ASSERT_DECIDED(r, "rate-limited", "decide.rules:12");
	/* a reply relayed without the command it answered, and the
	   reporting server's own words */
	r = decide_dsn("failed", NULL, "550 user unknown");
	ASSERT_DECIDED(r, "policy-related", "decide.rules:13");
	r = decide_dsn("failed", NULL, "user unknown");
	ASSERT_DECIDED(r, "bad-mailbox", "decide.rules:7");
}

static void test_decide_reply_and_fallback(void)
{
	const struct bounce_recipient *r;

	r = decide_dsn("failed", NULL, "552 sorry");
	ASSERT_DECIDED(r, "quota-issues", "decide.rules:5");
	CU_ASSERT_EQUAL(r->type, BOUNCE_TYPE_SOFT);
	CU_ASSERT_EQUAL(r->code, 22);

	r = decide_dsn("failed", NULL, NULL);
	ASSERT_DECIDED(r, "other", "fallback");
	CU_ASSERT_EQUAL(r->code, 40);
	CU_ASSERT_EQUAL(r->type, BOUNCE_TYPE_OTHER);
	/* all we know says temporary: a transient bounce */
	r = decide_dsn("delayed", NULL, "");
	ASSERT_DECIDED(r, "other", "fallback");
	CU_ASSERT_EQUAL(r->code, 70);

	/* success, whatever the text */
	r = decide_dsn("delivered", "2.0.0", "user unknown");
	ASSERT_DECIDED(r, "delivered", "dsn-action");
	CU_ASSERT_EQUAL(r->type, BOUNCE_TYPE_NONE);
	r = decide_dsn("expanded", NULL, NULL);
	ASSERT_DECIDED(r, "delivered", "dsn-action");
}

static void test_decide_text_near_recipient(void)
{
	struct bounce_report *report;
	const char *msg =
		REPORT_HEAD
		"Delivery failed.\n\n"
		"<full@example.org>: the mailbox is full\n\n"
		"<gone@example.org>: user unknown\n\n"
		"--b\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example\n\n"
		"Final-Recipient: rfc822; full@example.org\nAction: failed\n\n"
		"Final-Recipient: rfc822; gone@example.org\nAction: failed\n\n"
		"--b--\n";

	/* no diagnostic field: each one's own paragraph speaks for it */
	report = test_classify_with(dec_cls, test_pool, msg, strlen(msg),
				    NULL);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 2);
	ASSERT_DECIDED(test_rcpt(report, 0), "quota-issues", "decide.rules:6");
	ASSERT_DECIDED(test_rcpt(report, 1), "bad-mailbox", "decide.rules:7");
}

static const struct bounce_recipient *
decide_with_diagnostic(const char *diagnostic)
{
	const char *msg = t_strdup_printf(
		REPORT_HEAD
		"*****************\n\n"
		"Delivery to <gone@example.org> failed:\n"
		"the mailbox is full\n\n"
		"--b\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example\n\n"
		"Final-Recipient: rfc822; gone@example.org\nAction: failed\n"
		"Diagnostic-Code: x-unix; %s\n\n"
		"--b--\n", diagnostic);
	struct bounce_report *report;

	report = test_classify_with(dec_cls, test_pool, msg, strlen(msg),
				    NULL);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	return test_rcpt(report, 0);
}

static void test_decide_empty_diagnostic(void)
{
	/* a diagnostic with neither a code nor a phrase says nothing: the
	   text naming the recipient does */
	ASSERT_DECIDED(decide_with_diagnostic("*****************"),
		       "quota-issues", "decide.rules:6");
	/* one with a code keeps its say */
	ASSERT_DECIDED(decide_with_diagnostic("550 *****************"),
		       "other", "fallback");
}

static void test_decide_whole_text(void)
{
	struct bounce_report *report;
	const char *msg =
		REPORT_HEAD
		"Your message could not be delivered because of\n\n"
		"550 5.1.1 see your postmaster\n\n"
		"The following recipients were affected:\n"
		"    gone@example.org\n\n"
		"--b\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example\n\n"
		"Final-Recipient: rfc822; gone@example.org\nAction: failed\n\n"
		"--b--\n";

	/* the paragraph naming the only recipient says nothing: the code
	   elsewhere in the text is its */
	report = test_classify_with(dec_cls, test_pool, msg, strlen(msg),
				    NULL);
	CU_ASSERT_EQUAL_FATAL(array_count(&report->recipients), 1);
	ASSERT_DECIDED(test_rcpt(report, 0), "bad-mailbox", "decide.rules:2");
}

static void test_decide_type_override(void)
{
	const struct bounce_recipient *r;
	const char *error;

	CU_ASSERT_EQUAL(bounce_classifier_set_type(dec_cls, "quota-issues",
		BOUNCE_TYPE_HARD, &error), 0);
	r = decide_dsn("failed", NULL, "552 sorry");
	CU_ASSERT_EQUAL(r->type, BOUNCE_TYPE_HARD);
	/* the code stays the category's */
	CU_ASSERT_EQUAL(r->code, 22);
	CU_ASSERT_EQUAL(bounce_classifier_set_type(dec_cls, "quota-issues",
		BOUNCE_TYPE_SOFT, &error), 0);
}

/* The shipped rules: what real MTAs write, and the category it gets. */
static const struct {
	const char *status, *diagnostic, *category;
} shipped_cases[] = {
	/* "unknown user" is believed as the reply to RCPT TO or with a
	   x.1.x status; a filtering gateway relays it bare for mail its
	   filter refused */
	{ NULL, "550 unknown user (in reply to RCPT TO command)",
	  "bad-mailbox" },
	{ "5.1.0", "550 Unknown user kijitora@example.co.jp", "bad-mailbox" },
	{ NULL, "550 Unknown user kijitora@example.co.jp", "policy-related" },
	{ "5.0.0", "550 kijitora@example.com... No such user",
	  "policy-related" },
	/* a local delivery agent naming the user it looked up */
	{ NULL, "mail.local: unknown user: kijitora", "bad-mailbox" },
	{ NULL, "unknown user: \"kijitora\"", "bad-mailbox" },
	/* Exim's own refusal (cPanel), quoting no reply */
	{ NULL, "No Such User Here", "bad-mailbox" },
	/* Outlook.com refusing the sending IP */
	{ NULL, "550 SC-004 (COL0-MC1-F1) Unfortunately, messages from "
	  "192.0.2.1 weren't sent.", "spam-related" },
	/* T-Online refusing a blocklisted one */
	{ "4.0.0", "554 IP=192.0.2.1 - A problem occurred. (Ask your "
	  "postmaster for help or to contact tosa@rx.example to clarify.) "
	  "(BL)", "spam-related" },
	/* wordings of common receivers */
	{ NULL, "The email address you entered couldn't be found. Please "
	  "check the recipient's email address", "bad-mailbox" },
	{ "4.0.0", "450 4.2.1 The user you are trying to contact is "
	  "receiving mail too quickly.", "rate-limited" },
	{ "5.0.0", "550 Mailbox quota usage exceeded", "quota-issues" },
	{ "5.0.0", "550 This mailbox is not accepting messages",
	  "inactive-mailbox" },
	{ "5.0.0", "553 5.3.0 <rcpt@example.org>... Addressee unknown "
	  "(in reply to RCPT TO command)", "bad-mailbox" },
	{ NULL, "Your message couldn't be delivered because it was too "
	  "large", "message-too-large" },
	{ NULL, "553 sorry, that domain isn't in my list of allowed "
	  "rcpthosts (#5.7.1)", "relaying-issues" },
	/* sendmail's delivery to a program (a .forward pipe) failed */
	{ "5.5.0", "554 \"|exec /usr/bin/procmail -f- || exit 75 #user\"... "
	  "Service unavailable", "routing-issues" },
	/* in other languages */
	{ NULL, "Die Nachricht ist zu gro\xc3\x9f", "message-too-large" },
	{ NULL, "Le message est trop volumineux", "message-too-large" },
	{ NULL, "La casella di posta del destinatario \xc3\xa8 piena",
	  "quota-issues" },
	{ NULL, "Destinatario sconosciuto", "bad-mailbox" },
	{ NULL, "Die E-Mail-Adresse, die Sie eingegeben haben, wurde nicht "
	  "gefunden.", "bad-mailbox" },
	{ NULL, "No se encontr\xc3\xb3 la direcci\xc3\xb3n de correo "
	  "electr\xc3\xb3nico que escribi\xc3\xb3.", "bad-mailbox" },
	{ NULL, "Mailbox voll", "quota-issues" },
	/* a filter product's name is no policy */
	{ "5.0.0", "Message from InterScan Messaging Security Suite: unable "
	  "to deliver", "other" },
};

static void test_decide_shipped_rules(void)
{
	const struct bounce_recipient *r;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(shipped_cases); i++) {
		r = decide_dsn_with(test_cls, "failed",
				    shipped_cases[i].status,
				    shipped_cases[i].diagnostic);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		if (strcmp(r->category, shipped_cases[i].category) != 0) {
			printf("\"%s\": %s, want %s (%s)\n",
			       shipped_cases[i].diagnostic, r->category,
			       shipped_cases[i].category, r->rule);
		}
		CU_ASSERT_STRING_EQUAL(r->category,
				       shipped_cases[i].category);
	}
}

static void add_suites(void)
{
	CU_pSuite suite = CU_add_suite("bounce-decide", decide_suite_init,
				       decide_suite_clean);

	CU_add_test(suite, "status, refined by phrases", test_decide_status);
	CU_add_test(suite, "when conditions", test_decide_when);
	CU_add_test(suite, "reply code, fallback, success",
		    test_decide_reply_and_fallback);
	CU_add_test(suite, "text near the recipient",
		    test_decide_text_near_recipient);
	CU_add_test(suite, "diagnostic without evidence",
		    test_decide_empty_diagnostic);
	CU_add_test(suite, "the whole text for a lone recipient",
		    test_decide_whole_text);
	CU_add_test(suite, "type override", test_decide_type_override);
	CU_add_test(suite, "shipped rules", test_decide_shipped_rules);
}

int main(void)
{
	return test_main(add_suites);
}
