# The command-line tools: bounce-classify, bounce-feed and bounce-state,
# each on the libraries above it.
noinst_HEADERS += \
	src/tools/tool-input.h \
	src/tools/tool-rules.h \
	src/tools/tool-config.h \
	src/tools/tool-state-redis.h

TOOL_LIBS = \
	src/lib-bounce-feed/libbounce-feedread.la \
	src/lib-bounce-feed/libbounce-feed.la \
	src/lib-bounce-state/libbounce-state.la \
	src/lib-bounce/libbounce.la \
	src/lib-bounce-rules/libbounce-rules.la \
	src/compat/libdovecot-compat.la \
	$(LIBDOVECOT) $(PCRE2_LIBS) $(LIBXML2_LIBS)
# libdovecot lives outside the linker's search path
TOOL_RPATH = -Wl,-rpath,$(dovecot_pkglibdir)

# -c: the plugin's settings from a Dovecot configuration (tool-config.h);
# on Dovecot 2.4 read with the struct the plugin registers
TOOL_CONFIG_CPPFLAGS = -I$(top_srcdir)/src/plugins/sieve-bounce
TOOL_CONFIG_SOURCES = src/tools/tool-config.c
if DOVECOT_24
TOOL_CONFIG_SOURCES += src/plugins/sieve-bounce/sieve-bounce-settings.c
endif

bin_PROGRAMS += src/tools/bounce-classify
src_tools_bounce_classify_SOURCES = \
	src/tools/tool-classify.c \
	src/tools/tool-input.c \
	src/tools/tool-rules.c
src_tools_bounce_classify_LDADD = $(TOOL_LIBS)
src_tools_bounce_classify_LDFLAGS = $(TOOL_RPATH)

# bounce-feed: the report feed's spool as one document; it validates
# against the schema installed beside the rules.
bin_PROGRAMS += src/tools/bounce-feed
src_tools_bounce_feed_SOURCES = src/tools/tool-feed.c $(TOOL_CONFIG_SOURCES)
src_tools_bounce_feed_CPPFLAGS = $(AM_CPPFLAGS) $(TOOL_CONFIG_CPPFLAGS) \
	-DBOUNCE_FEED_SCHEMA_PATH=\"$(bounce_datadir)/bounce-feed.xsd\" \
	-DBOUNCE_SRCDIR_FEED_SCHEMA_PATH=\"$(abs_top_srcdir)/conf.d/bounce-feed.xsd\"
src_tools_bounce_feed_LDADD = $(TOOL_LIBS)
src_tools_bounce_feed_LDFLAGS = $(TOOL_RPATH)
feedschemadir = $(bounce_datadir)
feedschema_DATA = conf.d/bounce-feed.xsd

# "make corpus-score": classifies the Sisimai corpus beside the source tree
# and prints the summary of shared/tools/corpus-score.
corpus_dir = $(abs_top_srcdir)/../shared/corpus/sisimai
corpus_score = $(abs_top_srcdir)/../shared/tools/corpus-score
corpus-score: src/tools/bounce-classify$(EXEEXT)
	@if [ ! -d "$(corpus_dir)" ] || [ ! -x "$(corpus_score)" ]; then \
		echo "corpus-score: skipped, no corpus at $(corpus_dir)"; \
	else \
		./src/tools/bounce-classify --rules=$(abs_top_srcdir)/conf.d/bounce.rules \
			"$(corpus_dir)" > corpus-score.tsv && \
		"$(corpus_score)" corpus-score.tsv; \
	fi
PHONY += corpus-score
CLEANFILES += corpus-score.tsv

# "make corpus-score-second": the same for the second corpus, the
# hand-labelled messages of other projects under tests/corpus (every miss
# listed: tests/corpus/README tells how to read them).
corpus-score-second: src/tools/bounce-classify$(EXEEXT)
	./src/tools/bounce-classify --rules=$(abs_top_srcdir)/conf.d/bounce.rules \
		$(abs_top_srcdir)/tests/corpus/*/ > corpus-score-second.tsv && \
	python3 $(abs_top_srcdir)/tests/corpus/score.py -v corpus-score-second.tsv
PHONY += corpus-score-second
CLEANFILES += corpus-score-second.tsv

# bounce-state: lists, shows and resets the per-address state
bin_PROGRAMS += src/tools/bounce-state
# (hiredis: its listing asks Redis directly, which lib-dict cannot)
src_tools_bounce_state_SOURCES = \
	src/tools/tool-state.c \
	src/tools/tool-state-redis.c \
	$(TOOL_CONFIG_SOURCES)
src_tools_bounce_state_CPPFLAGS = $(AM_CPPFLAGS) $(TOOL_CONFIG_CPPFLAGS) \
	$(HIREDIS_CFLAGS)
src_tools_bounce_state_LDADD = $(TOOL_LIBS) $(HIREDIS_LIBS)
src_tools_bounce_state_LDFLAGS = $(TOOL_RPATH)
