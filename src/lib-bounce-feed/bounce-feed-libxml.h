#ifndef BOUNCE_FEED_LIBXML_H
#define BOUNCE_FEED_LIBXML_H

/* The libxml2 functions the feed writer calls, looked up in libxml2 when
   the first record is written. The Sieve plugin does not link libxml2:
   loading it, with the ICU and libstdc++ it needs, would cost every
   delivery about a millisecond, and a delivery writes records only when
   it classifies a bounce and a feed is configured. The tools link
   libxml2 anyway; for them the lookup finds the library loaded. */

#include <libxml/xmlwriter.h>

#define BOUNCE_LIBXML_FUNCS(F) \
	F(xmlOutputBufferCreateIO) \
	F(xmlNewTextWriter) \
	F(xmlFreeTextWriter) \
	F(xmlTextWriterSetIndent) \
	F(xmlTextWriterSetIndentString) \
	F(xmlTextWriterStartDocument) \
	F(xmlTextWriterEndDocument) \
	F(xmlTextWriterStartElement) \
	F(xmlTextWriterStartElementNS) \
	F(xmlTextWriterEndElement) \
	F(xmlTextWriterWriteAttribute) \
	F(xmlTextWriterWriteString) \
	F(xmlTextWriterWriteFormatElement) \
	F(xmlTextWriterFlush)

#define BOUNCE_LIBXML_FIELD(name) __typeof__(&name) name;
struct bounce_libxml {
	BOUNCE_LIBXML_FUNCS(BOUNCE_LIBXML_FIELD)
};
extern struct bounce_libxml bounce_libxml;

/* Loads libxml2 unless it is loaded. Returns 0, or -1 with error_r; the
   functions below may be called only after it returned 0. */
int bounce_feed_libxml_load(const char **error_r);

#ifndef BOUNCE_FEED_LIBXML_NO_MACROS
#  define xmlOutputBufferCreateIO bounce_libxml.xmlOutputBufferCreateIO
#  define xmlNewTextWriter bounce_libxml.xmlNewTextWriter
#  define xmlFreeTextWriter bounce_libxml.xmlFreeTextWriter
#  define xmlTextWriterSetIndent bounce_libxml.xmlTextWriterSetIndent
#  define xmlTextWriterSetIndentString \
	bounce_libxml.xmlTextWriterSetIndentString
#  define xmlTextWriterStartDocument bounce_libxml.xmlTextWriterStartDocument
#  define xmlTextWriterEndDocument bounce_libxml.xmlTextWriterEndDocument
#  define xmlTextWriterStartElement bounce_libxml.xmlTextWriterStartElement
#  define xmlTextWriterStartElementNS \
	bounce_libxml.xmlTextWriterStartElementNS
#  define xmlTextWriterEndElement bounce_libxml.xmlTextWriterEndElement
#  define xmlTextWriterWriteAttribute \
	bounce_libxml.xmlTextWriterWriteAttribute
#  define xmlTextWriterWriteString bounce_libxml.xmlTextWriterWriteString
#  define xmlTextWriterWriteFormatElement \
	bounce_libxml.xmlTextWriterWriteFormatElement
#  define xmlTextWriterFlush bounce_libxml.xmlTextWriterFlush
#endif

#endif
