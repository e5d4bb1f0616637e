# The Pigeonhole plugin: the vnd.bounce Sieve extension (specified in
# doc/vnd.bounce.txt) on the classifier, state and feed libraries. The
# Dovecot and Pigeonhole symbols it uses resolve from the process that
# loads it (dovecot-lda, lmtp, sieve-test), so it links neither.
sieve_plugindir = $(moduledir)/sieve
sieve_plugin_LTLIBRARIES = lib90_sieve_bounce_plugin.la
lib90_sieve_bounce_plugin_la_SOURCES = \
	src/plugins/sieve-bounce/sieve-bounce-plugin.c \
	src/plugins/sieve-bounce/ext-bounce.c \
	src/plugins/sieve-bounce/ext-bounce-common.c \
	src/plugins/sieve-bounce/tst-bounce.c \
	src/plugins/sieve-bounce/cmd-classify.c \
	src/plugins/sieve-bounce/ext-bounce-variables.c
lib90_sieve_bounce_plugin_la_CPPFLAGS = \
	$(LIBDOVECOT_INCLUDE) \
	$(LIBSIEVE_INCLUDE) \
	$(BOUNCE_LIB_INCLUDES) \
	-DBOUNCE_RULES_PATH=\"$(bounce_datadir)/bounce.rules\"
# only the entry points Pigeonhole looks up
lib90_sieve_bounce_plugin_la_LDFLAGS = -module -avoid-version \
	-export-symbols-regex '^sieve_bounce_plugin_'
lib90_sieve_bounce_plugin_la_LIBADD = \
	src/lib-bounce-feed/libbounce-feed.la \
	src/lib-bounce-state/libbounce-state.la \
	src/lib-bounce/libbounce.la \
	src/lib-bounce-rules/libbounce-rules.la \
	src/compat/libdovecot-compat.la \
	$(PCRE2_LIBS)
noinst_HEADERS += \
	src/plugins/sieve-bounce/sieve-bounce-plugin.h \
	src/plugins/sieve-bounce/ext-bounce-common.h
EXTRA_DIST += doc/vnd.bounce.txt
