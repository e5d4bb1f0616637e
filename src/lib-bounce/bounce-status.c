/* Small parsers for the evidence a bounce carries: RFC 3463 enhanced
   status codes, SMTP reply codes, addresses and diagnostic text. */

#include "lib.h"

#include <ctype.h>
#include "str.h"
#include "message-address.h"
#include "bounce-status.h"

static bool status_at(const char *p, size_t *len_r)
{
	/* class "." subject(1-3 digits) "." detail(1-3 digits) */
	const char *s = p;
	unsigned int n;

	if (*s != '2' && *s != '4' && *s != '5')
		return FALSE;
	s++;
	if (*s++ != '.')
		return FALSE;
	for (n = 0; i_isdigit(*s) && n < 4; n++) s++;
	if (n == 0 || n > 3 || *s++ != '.')
		return FALSE;
	for (n = 0; i_isdigit(*s) && n < 4; n++) s++;
	if (n == 0 || n > 3)
		return FALSE;
	/* not part of a longer number or version string like 5.1.1.2 */
	if (*s == '.' && i_isdigit(s[1]))
		return FALSE;
	if (i_isalnum(*s))
		return FALSE;
	*len_r = s - p;
	return TRUE;
}

const char *bounce_status_find(pool_t pool, const char *text)
{
	const char *p;
	size_t len;

	if (text == NULL)
		return NULL;
	for (p = text; *p != '\0'; p++) {
		if (p != text && (i_isalnum(p[-1]) || p[-1] == '.' ||
				  p[-1] == '-' || p[-1] == '/'))
			continue;
		if (status_at(p, &len))
			return p_strndup(pool, p, len);
	}
	return NULL;
}

static bool reply_at(const char *text, const char *p)
{
	if ((p[0] != '2' && p[0] != '4' && p[0] != '5') ||
	    p[1] < '0' || p[1] > '5' || !i_isdigit(p[2]))
		return FALSE;
	/* not inside a word, a number, an IPv4 address or a status code */
	if (p != text && (i_isalnum(p[-1]) || p[-1] == '.' || p[-1] == '-'))
		return FALSE;
	return p[3] == '\0' || p[3] == ' ' || p[3] == '-' || p[3] == ';' ||
		p[3] == ')' || p[3] == '"' || p[3] == ',' || p[3] == ':';
}

const char *bounce_reply_find(pool_t pool, const char *text)
{
	const char *p;

	if (text == NULL)
		return NULL;
	for (p = text; *p != '\0'; p++) {
		if (reply_at(text, p))
			return p_strndup(pool, p, 3);
	}
	return NULL;
}

const char *bounce_text_fold(pool_t pool, const char *text, size_t len)
{
	string_t *str = str_new(pool, len + 1);
	bool space = FALSE;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = text[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c < 0x20 || c == 0x7f) {
			space = str_len(str) > 0;
			continue;
		}
		if (space) {
			str_append_c(str, ' ');
			space = FALSE;
		}
		str_append_c(str, c);
	}
	return str_c(str);
}

const char *bounce_address_normalize(pool_t pool, const char *str)
{
	const char *p, *end, *at;
	size_t len;
	bool quoted = FALSE;

	if (str == NULL)
		return NULL;
	/* "rfc822; user@example.org" and friends */
	p = strchr(str, ';');
	if (p != NULL && strchr(p, '@') != NULL)
		str = p + 1;
	while (*str == ' ' || *str == '\t' || *str == '<' || *str == '"' ||
	       *str == '\'' || *str == '(' || *str == '[') {
		if (*str == '"')
			quoted = TRUE;
		str++;
	}
	len = strlen(str);
	end = str + len;
	while (end > str && (end[-1] == ' ' || end[-1] == '\t' ||
			     end[-1] == '>' || end[-1] == '.' ||
			     end[-1] == ',' || end[-1] == ':' ||
			     end[-1] == ';' || end[-1] == '"' ||
			     end[-1] == '\'' || end[-1] == ')' ||
			     end[-1] == ']' || end[-1] == '\r'))
		end--;
	at = memchr(str, '@', end - str);
	if (at == NULL || at == str || at + 1 >= end)
		return NULL;
	for (p = str; p < end; p++) {
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == ',' || *p == '(' || *p == ')')
			return NULL;
	}
	if (memchr(at + 1, '@', end - at - 1) != NULL)
		return NULL;
	/* a quoted local part ("first..last"@example.org) loses both quotes,
	   not only the opening one */
	if (quoted && at - str > 1 && at[-1] == '"') {
		return p_strdup(pool, t_str_lcase(t_strconcat(
			t_strdup_until(str, at - 1),
			t_strdup_until(at, end), NULL)));
	}
	return p_strdup(pool, t_str_lcase(t_strdup_until(str, end)));
}

const char *bounce_message_address(pool_t pool,
				   const struct message_address *addr)
{
	if (addr->mailbox == NULL || addr->domain == NULL)
		return NULL;
	return bounce_address_normalize(pool, t_strconcat(
		addr->mailbox, "@", addr->domain, NULL));
}
