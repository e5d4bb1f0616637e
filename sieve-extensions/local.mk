# The Pigeonhole plugin: the vnd.bounce Sieve extension
# (sieve-extensions/vnd.bounce.txt) on the classifier library. The
# Dovecot and Pigeonhole symbols it uses resolve from the process that
# loads it (dovecot-lda, lmtp, sieve-test), so it links neither.
sieve_plugindir = $(moduledir)/sieve
sieve_plugin_LTLIBRARIES = lib90_sieve_bounce_plugin.la
lib90_sieve_bounce_plugin_la_SOURCES = \
	sieve-extensions/sieve-bounce-plugin.c \
	sieve-extensions/ext-bounce.c \
	sieve-extensions/ext-bounce-common.c \
	sieve-extensions/tst-bounce.c \
	sieve-extensions/cmd-classify.c \
	sieve-extensions/ext-bounce-variables.c
lib90_sieve_bounce_plugin_la_CPPFLAGS = \
	$(LIBDOVECOT_INCLUDE) \
	$(LIBSIEVE_INCLUDE) \
	-I$(top_srcdir)/src \
	-DBOUNCE_RULES_PATH=\"$(bounce_datadir)/bounce.rules\"
# only the entry points Pigeonhole looks up
lib90_sieve_bounce_plugin_la_LDFLAGS = -module -avoid-version \
	-export-symbols-regex '^sieve_bounce_plugin_'
lib90_sieve_bounce_plugin_la_LIBADD = src/libbounce.la $(PCRE2_LIBS)
noinst_HEADERS += \
	sieve-extensions/sieve-bounce-plugin.h \
	sieve-extensions/ext-bounce-common.h
EXTRA_DIST += sieve-extensions/vnd.bounce.txt
