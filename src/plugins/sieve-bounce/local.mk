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
	src/plugins/sieve-bounce/ext-bounce-keep.c \
	src/plugins/sieve-bounce/ext-bounce-settings.c \
	src/plugins/sieve-bounce/ext-bounce-state.c \
	src/plugins/sieve-bounce/tst-bounce.c \
	src/plugins/sieve-bounce/cmd-classify.c \
	src/plugins/sieve-bounce/ext-bounce-variables.c
SIEVE_BOUNCE_CPPFLAGS = \
	$(LIBDOVECOT_INCLUDE) \
	$(BOUNCE_LIB_INCLUDES) \
	-DBOUNCE_RULES_PATH=\"$(bounce_datadir)/bounce.rules\"
lib90_sieve_bounce_plugin_la_CPPFLAGS = \
	$(SIEVE_BOUNCE_CPPFLAGS) \
	$(LIBSIEVE_INCLUDE)
# only the entry points Pigeonhole looks up; never unloaded, so that a
# process delivering many messages keeps the classifier
# (ext-bounce-keep.c) when Pigeonhole unloads its plugins
lib90_sieve_bounce_plugin_la_LDFLAGS = -module -avoid-version \
	-export-symbols-regex '^sieve_bounce_plugin_' -Wl,-z,nodelete
lib90_sieve_bounce_plugin_la_LIBADD = \
	src/lib-bounce-feed/libbounce-feed.la \
	src/lib-bounce-state/libbounce-state.la \
	src/lib-bounce/libbounce.la \
	src/lib-bounce-rules/libbounce-rules.la \
	src/compat/libdovecot-compat.la \
	$(PCRE2_LIBS)
noinst_HEADERS += \
	src/plugins/sieve-bounce/sieve-bounce-plugin.h \
	src/plugins/sieve-bounce/ext-bounce-common.h \
	src/plugins/sieve-bounce/ext-bounce-settings.h \
	src/plugins/sieve-bounce/sieve-bounce-settings.h
EXTRA_DIST += doc/vnd.bounce.txt

if DOVECOT_24
# Dovecot 2.4: the settings are a registered struct, and the config process
# learns it from a settings module of its own (the file's name gives the
# symbols it looks up: sieve_bounce_settings_set_infos and _version).
settingsdir = $(moduledir)/settings
settings_LTLIBRARIES = lib90_sieve_bounce_settings.la
lib90_sieve_bounce_settings_la_SOURCES = \
	src/plugins/sieve-bounce/sieve-bounce-settings.c
lib90_sieve_bounce_settings_la_CPPFLAGS = $(SIEVE_BOUNCE_CPPFLAGS)
lib90_sieve_bounce_settings_la_LDFLAGS = -module -avoid-version \
	-export-symbols-regex '^sieve_bounce_settings_'
lib90_sieve_bounce_plugin_la_SOURCES += \
	src/plugins/sieve-bounce/ext-bounce-settings-2.4.c \
	src/plugins/sieve-bounce/sieve-bounce-settings.c
lib90_sieve_bounce_plugin_la_CPPFLAGS += \
	-DSIEVE_BOUNCE_SETTINGS_MODULE=\"$(settingsdir)/lib90_sieve_bounce_settings.so\"
else
lib90_sieve_bounce_plugin_la_SOURCES += \
	src/plugins/sieve-bounce/ext-bounce-settings-2.3.c
endif
