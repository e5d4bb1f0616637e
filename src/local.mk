# The classifier library: no Sieve in it. A convenience library, linked
# into the tools, the tests, the benchmark and the plugin.
noinst_LTLIBRARIES += src/libbounce.la
src_libbounce_la_SOURCES = \
	src/bounce-taxonomy.c \
	src/bounce-rules.c \
	src/bounce-rules-literal.c \
	src/bounce-rules-cache.c \
	src/bounce-rules-image.c \
	src/bounce-mime.c \
	src/bounce-status.c \
	src/bounce-dsn.c \
	src/bounce-arf.c \
	src/bounce-autoreply.c \
	src/bounce-format.c \
	src/bounce-decide.c \
	src/bounce-classify.c \
	src/bounce-feed-text.c \
	src/bounce-feed-xml.c \
	src/bounce-feed-libxml.c \
	src/bounce-feed-spool.c \
	src/bounce-state.c
# The feed writer looks libxml2 up when it first writes
# (bounce-feed-libxml.h), so that the plugin need not link it.
src_libbounce_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DLIBXML2_SONAME=\"$(LIBXML2_SONAME)\"
src_libbounce_la_LIBADD = $(PCRE2_LIBS)

# Reading the feed (the schema, the spool's documents, CSV): the tools only.
noinst_LTLIBRARIES += src/libbounce-feedread.la
src_libbounce_feedread_la_SOURCES = \
	src/bounce-feed-read.c \
	src/bounce-feed-csv.c
src_libbounce_feedread_la_LIBADD = $(LIBXML2_LIBS)
noinst_HEADERS += \
	src/bounce.h \
	src/bounce-private.h \
	src/bounce-feed.h \
	src/bounce-feed-private.h \
	src/bounce-feed-libxml.h \
	src/bounce-state.h \
	src/bounce-rules.h \
	src/bounce-rules-literal.h \
	src/bounce-rules-cache.h \
	src/bounce-rules-private.h \
	src/tool-input.h \
	src/tool-rules.h \
	src/tool-config.h \
	src/tool-state-redis.h

TOOL_LIBS = src/libbounce-feedread.la src/libbounce.la $(LIBDOVECOT) \
	$(PCRE2_LIBS) $(LIBXML2_LIBS)
# libdovecot lives outside the linker's search path
TOOL_RPATH = -Wl,-rpath,$(dovecot_pkglibdir)

bin_PROGRAMS += src/bounce-classify
src_bounce_classify_SOURCES = \
	src/tool-classify.c \
	src/tool-input.c \
	src/tool-rules.c
src_bounce_classify_LDADD = $(TOOL_LIBS)
src_bounce_classify_LDFLAGS = $(TOOL_RPATH)

# bounce-feed: the report feed's spool as one document; it validates
# against the schema installed beside the rules.
bin_PROGRAMS += src/bounce-feed
src_bounce_feed_SOURCES = src/tool-feed.c src/tool-config.c
src_bounce_feed_CPPFLAGS = $(AM_CPPFLAGS) \
	-DBOUNCE_FEED_SCHEMA_PATH=\"$(bounce_datadir)/bounce-feed.xsd\" \
	-DBOUNCE_SRCDIR_FEED_SCHEMA_PATH=\"$(abs_top_srcdir)/conf.d/bounce-feed.xsd\"
src_bounce_feed_LDADD = $(TOOL_LIBS)
src_bounce_feed_LDFLAGS = $(TOOL_RPATH)
feedschemadir = $(bounce_datadir)
feedschema_DATA = conf.d/bounce-feed.xsd

# "make corpus-score": classifies the Sisimai corpus beside the source tree
# and prints the summary of shared/tools/corpus-score.
corpus_dir = $(abs_top_srcdir)/../shared/corpus/sisimai
corpus_score = $(abs_top_srcdir)/../shared/tools/corpus-score
corpus-score: src/bounce-classify$(EXEEXT)
	@if [ ! -d "$(corpus_dir)" ] || [ ! -x "$(corpus_score)" ]; then \
		echo "corpus-score: skipped, no corpus at $(corpus_dir)"; \
	else \
		./src/bounce-classify --rules=$(abs_top_srcdir)/conf.d/bounce.rules \
			"$(corpus_dir)" > corpus-score.tsv && \
		"$(corpus_score)" corpus-score.tsv; \
	fi
PHONY += corpus-score
CLEANFILES += corpus-score.tsv

# bounce-state: lists, shows and resets the per-address state
bin_PROGRAMS += src/bounce-state
# (hiredis: its listing asks Redis directly, which lib-dict cannot)
src_bounce_state_SOURCES = \
	src/tool-state.c \
	src/tool-state-redis.c \
	src/tool-config.c
src_bounce_state_CPPFLAGS = $(AM_CPPFLAGS) $(HIREDIS_CFLAGS)
src_bounce_state_LDADD = $(TOOL_LIBS) $(HIREDIS_LIBS)
src_bounce_state_LDFLAGS = $(TOOL_RPATH)
