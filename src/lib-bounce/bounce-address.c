/* Which addresses a notification names, and which of them can be a
   failed recipient. Reporting the sender's, the list's or the mailer
   daemon's own address as failed would count them against themselves,
   which is worse than reporting nothing. */

#include "lib.h"
#include "array.h"
#include "dovecot-compat.h"
#include "str.h"
#include "message-address.h"
#include "bounce-mime.h"
#include "bounce-status.h"
#include "bounce-address.h"

#include <ctype.h>

bool bounce_address_from_mail_system(struct bounce_context *ctx)
{
	const char *value;

	value = bounce_parsed_header(ctx->parsed, "Return-Path");
	if (value != NULL && strstr(value, "<>") != NULL)
		return TRUE;
	return bounce_address_author_is_mail_system(ctx);
}

bool bounce_address_author_is_mail_system(struct bounce_context *ctx)
{
	const char *value;

	value = bounce_parsed_header(ctx->parsed, "From");
	if (value == NULL)
		return FALSE;
	value = t_str_lcase(value);
	return strstr(value, "mailer-daemon@") != NULL ||
		strstr(value, "postmaster@") != NULL ||
		strstr(value, "mail delivery s") != NULL;
}

static void
address_header_list(struct bounce_context *ctx,
		    const ARRAY_TYPE(bounce_header) *headers, const char *name,
		    ARRAY_TYPE(const_string) *addrs)
{
	const struct bounce_header *hdr;
	const struct message_address *addr;
	const char *norm;

	array_foreach(headers, hdr) {
		if (strcasecmp(hdr->name, name) != 0)
			continue;
		addr = message_address_parse(pool_datastack_create(),
					     (const unsigned char *)hdr->value,
					     strlen(hdr->value), 64, 0);
		for (; addr != NULL; addr = addr->next) {
			norm = bounce_message_address(ctx->pool, addr);
			if (norm != NULL)
				array_push_back(addrs, &norm);
		}
	}
}

static bool address_listed(const ARRAY_TYPE(const_string) *list,
			   const char *address)
{
	const char *const *p;

	array_foreach(list, p) {
		if (strcmp(*p, address) == 0)
			return TRUE;
	}
	return FALSE;
}

/* A List-Post field's mailto: address. */
static void
address_list_post(struct bounce_context *ctx,
		  const ARRAY_TYPE(bounce_header) *headers,
		  ARRAY_TYPE(const_string) *addrs)
{
	const struct bounce_header *hdr;
	const char *value, *addr;

	array_foreach(headers, hdr) {
		if (strcasecmp(hdr->name, "List-Post") != 0)
			continue;
		value = strstr(t_str_lcase(hdr->value), "mailto:");
		if (value == NULL)
			continue;
		addr = bounce_address_normalize(ctx->pool,
						t_strcut(value + 7, '>'));
		if (addr != NULL)
			array_push_back(addrs, &addr);
	}
}

/* The list's address a List-Id names (RFC 2919: "<name.domain>" is the
   list name@domain, as the common list managers make it). */
static void
address_list_id(struct bounce_context *ctx,
		const ARRAY_TYPE(bounce_header) *headers,
		ARRAY_TYPE(const_string) *addrs)
{
	const char *value, *start, *end, *dot, *addr;

	value = bounce_headers_find(headers, "List-Id");
	if (value == NULL)
		return;
	start = strrchr(value, '<');
	start = start == NULL ? value : start + 1;
	end = strchr(start, '>');
	if (end == NULL)
		end = start + strlen(start);
	dot = memchr(start, '.', end - start);
	if (dot == NULL || dot == start || dot + 1 >= end)
		return;
	addr = bounce_address_normalize(ctx->pool, t_strconcat(
		t_strdup_until(start, dot), "@", t_strdup_until(dot + 1, end),
		NULL));
	if (addr != NULL)
		array_push_back(addrs, &addr);
}

/* The list a list manager's bounce address belongs to: a notice to
   news-bounces+VERP@, news-owner@, news-request@, owner-news@ or ezmlm's
   news-return-N-@ is about mail the list news@ sent, and a text that
   names news@ ("Your message to <news@...> could not be delivered")
   names the list, not a failed recipient. */
static const char *address_list_of(pool_t pool, const char *addr)
{
	static const char *const suffixes[] = {
		"-bounces", "-bounce", "-owner", "-admin", "-request",
		"-errors",
	};
	const char *at = strchr(addr, '@'), *local, *p;
	size_t len, slen;
	unsigned int i;

	if (at == NULL || at == addr)
		return NULL;
	local = t_strdup_until(addr, at);
	if ((p = strchr(local, '+')) != NULL)
		local = t_strdup_until(local, p);
	if ((p = strstr(local, "-return-")) != NULL)
		return p_strconcat(pool, t_strdup_until(local, p), at, NULL);
	if (str_begins_with(local, "owner-") && local[6] != '\0')
		return p_strconcat(pool, local + 6, at, NULL);
	len = strlen(local);
	for (i = 0; i < N_ELEMENTS(suffixes); i++) {
		slen = strlen(suffixes[i]);
		if (len > slen &&
		    strcmp(local + len - slen, suffixes[i]) == 0) {
			return p_strconcat(pool, t_strndup(local, len - slen),
					   at, NULL);
		}
	}
	return NULL;
}

/* A notice the list manager writes itself (From: news-admin@, as FML
   does) is about the list: it may well name it. */
static void address_lists_of(struct bounce_context *ctx)
{
	ARRAY_TYPE(const_string) authors;
	const char *const *addr, *list;

	t_array_init(&authors, 2);
	address_header_list(ctx, &ctx->parsed->headers, "From", &authors);
	array_foreach(&authors, addr) {
		if (address_list_of(pool_datastack_create(), *addr) != NULL)
			return;
	}
	array_foreach(&ctx->own_addresses, addr) {
		list = address_list_of(ctx->pool, *addr);
		if (list != NULL)
			array_push_back(&ctx->list_addresses, &list);
	}
}

static void address_own_init(struct bounce_context *ctx)
{
	static const char *const names[] = {
		"From", "To", "Sender", "Reply-To", "Return-Path",
	};
	const struct bounce_parsed *parsed = ctx->parsed;
	const char *addr;
	unsigned int i;

	if (ctx->own_addresses_set)
		return;
	ctx->own_addresses_set = TRUE;
	p_array_init(&ctx->failed_addresses, ctx->pool, 4);
	p_array_init(&ctx->own_addresses, ctx->pool, 8);
	p_array_init(&ctx->list_addresses, ctx->pool, 2);
	address_header_list(ctx, &parsed->headers, "X-Failed-Recipients",
			    &ctx->failed_addresses);
	for (i = 0; i < N_ELEMENTS(names); i++) {
		address_header_list(ctx, &parsed->headers, names[i],
				    &ctx->own_addresses);
	}
	address_list_post(ctx, &parsed->headers, &ctx->own_addresses);
	address_list_post(ctx, &parsed->orig_headers, &ctx->own_addresses);
	address_list_id(ctx, &parsed->headers, &ctx->own_addresses);
	address_list_id(ctx, &parsed->orig_headers, &ctx->own_addresses);
	if (ctx->envelope_to != NULL) {
		addr = bounce_address_normalize(ctx->pool, ctx->envelope_to);
		if (addr != NULL)
			array_push_back(&ctx->own_addresses, &addr);
	}
	address_lists_of(ctx);
}

bool bounce_address_failed_listed(struct bounce_context *ctx)
{
	address_own_init(ctx);
	return array_count(&ctx->failed_addresses) > 0;
}

bool bounce_address_is_own(struct bounce_context *ctx, const char *address)
{
	address_own_init(ctx);
	if (address_listed(&ctx->failed_addresses, address))
		return FALSE;
	return str_begins_with(address, "mailer-daemon@") ||
		address_listed(&ctx->own_addresses, address) ||
		address_listed(&ctx->list_addresses, address);
}

bool bounce_address_never_failed(struct bounce_context *ctx,
				 const char *address)
{
	address_own_init(ctx);
	if (address_listed(&ctx->failed_addresses, address))
		return FALSE;
	return str_begins_with(address, "mailer-daemon@") ||
		address_listed(&ctx->list_addresses, address);
}

static bool header_is_report(const char *content_type)
{
	return content_type != NULL &&
		strstr(t_str_lcase(content_type), "multipart/report") != NULL;
}

/* Whether the returned original is itself a notification (a bounce
   returned or forwarded whole): its addressee is no failed recipient. */
static bool address_original_is_notification(struct bounce_context *ctx)
{
	const char *value;

	if (header_is_report(bounce_headers_find(&ctx->parsed->orig_headers,
						 "Content-Type")))
		return TRUE;
	value = bounce_headers_find(&ctx->parsed->orig_headers, "From");
	if (value == NULL)
		return FALSE;
	value = t_str_lcase(value);
	return strstr(value, "mailer-daemon") != NULL ||
		strstr(value, "postmaster") != NULL;
}

/* The address of a Received field's "for" clause (RFC 5321 4.4), with or
   without angle brackets, or NULL. */
static const char *address_received_for(pool_t pool, const char *value)
{
	const char *lower = t_str_lcase(value), *p, *end;

	for (p = strstr(lower, "for"); p != NULL; p = strstr(p + 3, "for")) {
		if ((p == lower || !i_isspace(p[-1])) || !i_isspace(p[3]))
			continue;
		p += 3;
		while (i_isspace(*p) || *p == '<')
			p++;
		for (end = p; *end != '\0' && *end != '>' && *end != ';' &&
			     !i_isspace(*end); end++) ;
		return bounce_address_normalize(pool, t_strdup_until(p, end));
	}
	return NULL;
}

const char *bounce_address_from_original(struct bounce_context *ctx)
{
	const ARRAY_TYPE(bounce_header) *orig = &ctx->parsed->orig_headers;
	const struct message_address *addr;
	const struct bounce_header *hdr;
	const char *value, *norm = NULL;

	if (bounce_headers_find(orig, "Cc") != NULL ||
	    address_original_is_notification(ctx))
		return NULL;
	value = bounce_headers_find(orig, "To");
	if (value != NULL) {
		addr = message_address_parse(pool_datastack_create(),
					     (const unsigned char *)value,
					     strlen(value), 2, 0);
		if (addr == NULL || addr->next != NULL)
			return NULL;
		norm = bounce_message_address(ctx->pool, addr);
		if (norm != NULL && !bounce_address_is_own(ctx, norm))
			return norm;
	}
	/* Without an addressee of its own (a list's post is addressed to
	   the list): the newest hop that says whom it took the message
	   for. */
	array_foreach(orig, hdr) {
		if (strcasecmp(hdr->name, "Received") != 0)
			continue;
		norm = address_received_for(ctx->pool, hdr->value);
		if (norm != NULL)
			break;
	}
	if (norm == NULL || bounce_address_is_own(ctx, norm))
		return NULL;
	return norm;
}

/* Whether an address's domain is a name only the receiving site knows:
   unqualified ("user@mailhub"), or under a name reserved or customary
   for private networks (RFC 6762 .local, RFC 8375 home.arpa, RFC 6761
   .localhost, .internal, .lan...). */
bool bounce_address_is_internal(const char *address)
{
	static const char *const internal[] = {
		"local", "localdomain", "localhost", "internal", "lan",
		"intranet", "corp", "home", "private", "arpa",
	};
	const char *domain = strrchr(address, '@'), *tld;
	unsigned int i;

	if (domain == NULL)
		return FALSE;
	tld = strrchr(domain, '.');
	if (tld == NULL)
		return TRUE;
	for (i = 0; i < N_ELEMENTS(internal); i++) {
		if (strcmp(tld + 1, internal[i]) == 0)
			return TRUE;
	}
	return FALSE;
}
