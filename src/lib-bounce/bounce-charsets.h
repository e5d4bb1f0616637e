#ifndef BOUNCE_CHARSETS_H
#define BOUNCE_CHARSETS_H

/* Charsets kept loaded while the process lives (bounce-charsets.c). */

/* Keep a conversion from this charset open, so that its iconv module
   stays loaded for the next message that uses it. Called with every
   charset a message names before lib-mail converts from it: a Content-Type
   charset parameter, or the charset of an encoded word. */
void bounce_charsets_keep(const char *name, size_t len);
/* The charsets of the encoded words ("=?charset?B?...?=") in a raw
   header value. */
void bounce_charsets_keep_encoded(const unsigned char *value, size_t len);

#endif
