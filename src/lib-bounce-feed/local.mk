# The report feed: records written into a spool by deliveries
# (libbounce-feed), and read back, checked against the schema and printed
# by the tools (libbounce-feedread). bounce-feed.h is its contract.
noinst_LTLIBRARIES += src/lib-bounce-feed/libbounce-feed.la
src_lib_bounce_feed_libbounce_feed_la_SOURCES = \
	src/lib-bounce-feed/bounce-feed-text.c \
	src/lib-bounce-feed/bounce-feed-xml.c \
	src/lib-bounce-feed/bounce-feed-libxml.c \
	src/lib-bounce-feed/bounce-feed-spool.c
# The writer looks libxml2 up when it first writes
# (bounce-feed-libxml.h), so that the plugin need not link it.
src_lib_bounce_feed_libbounce_feed_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DLIBXML2_SONAME=\"$(LIBXML2_SONAME)\"

# Reading the feed (the schema, the spool's documents, CSV): the tools only.
noinst_LTLIBRARIES += src/lib-bounce-feed/libbounce-feedread.la
src_lib_bounce_feed_libbounce_feedread_la_SOURCES = \
	src/lib-bounce-feed/bounce-feed-read.c \
	src/lib-bounce-feed/bounce-feed-csv.c
src_lib_bounce_feed_libbounce_feedread_la_LIBADD = $(LIBXML2_LIBS)
noinst_HEADERS += \
	src/lib-bounce-feed/bounce-feed.h \
	src/lib-bounce-feed/bounce-feed-private.h \
	src/lib-bounce-feed/bounce-feed-libxml.h
