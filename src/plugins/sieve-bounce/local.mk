# The Pigeonhole plugin: the vnd.bounce Sieve extension (specified in
# doc/vnd.bounce.txt) on the classifier, state and feed libraries, in two
# modules. The Dovecot and Pigeonhole symbols they use resolve from the
# process that loads them (dovecot-lda, lmtp, sieve-test), so they link
# neither.
sieve_plugindir = $(moduledir)/sieve
SIEVE_BOUNCE_CPPFLAGS = \
	$(LIBDOVECOT_INCLUDE) \
	$(BOUNCE_LIB_INCLUDES) \
	-DBOUNCE_RULES_PATH=\"$(bounce_datadir)/bounce.rules\"

# The plugin Pigeonhole loads: it opens the extension's module beside it
# with lazy binding (why: sieve-bounce-plugin.c). Only the entry points
# Pigeonhole looks up; never unloaded, as the extension's module.
sieve_plugin_LTLIBRARIES = lib90_sieve_bounce_plugin.la
lib90_sieve_bounce_plugin_la_SOURCES = \
	src/plugins/sieve-bounce/sieve-bounce-plugin.c
lib90_sieve_bounce_plugin_la_CPPFLAGS = \
	$(SIEVE_BOUNCE_CPPFLAGS) \
	$(LIBSIEVE_INCLUDE)
lib90_sieve_bounce_plugin_la_LDFLAGS = -module -avoid-version \
	-export-symbols-regex '^sieve_bounce_plugin_' -Wl,-z,nodelete

# The extension's module: vnd.bounce on the classifier, state and feed
# libraries. Only its two entry points are exported; never unloaded, so
# that a process delivering many messages keeps the classifier
# (ext-bounce-keep.c) when Pigeonhole unloads its plugins. Its link puts
# "-z lazy" after the LDFLAGS, so that a build's "-z now" (Debian's
# hardening) does not undo what this module is for.
sieve_plugin_LTLIBRARIES += sieve-bounce-extension.la
sieve_bounce_extension_la_SOURCES = \
	src/plugins/sieve-bounce/sieve-bounce-extension.c \
	src/plugins/sieve-bounce/ext-bounce.c \
	src/plugins/sieve-bounce/ext-bounce-common.c \
	src/plugins/sieve-bounce/ext-bounce-keep.c \
	src/plugins/sieve-bounce/ext-bounce-settings.c \
	src/plugins/sieve-bounce/ext-bounce-state.c \
	src/plugins/sieve-bounce/tst-bounce.c \
	src/plugins/sieve-bounce/cmd-classify.c \
	src/plugins/sieve-bounce/ext-bounce-variables.c
sieve_bounce_extension_la_CPPFLAGS = \
	$(SIEVE_BOUNCE_CPPFLAGS) \
	$(LIBSIEVE_INCLUDE)
sieve_bounce_extension_la_LDFLAGS = -module -avoid-version \
	-export-symbols-regex '^sieve_bounce_extension_' -Wl,-z,nodelete
sieve_bounce_extension_la_LIBADD = \
	src/lib-bounce-feed/libbounce-feed.la \
	src/lib-bounce-state/libbounce-state.la \
	src/lib-bounce/libbounce.la \
	src/lib-bounce-rules/libbounce-rules.la \
	src/compat/libdovecot-compat.la \
	$(PCRE2_LIBS)
sieve_bounce_extension_la_LINK = $(LIBTOOL) $(AM_V_lt) --tag=CC \
	$(AM_LIBTOOLFLAGS) $(LIBTOOLFLAGS) --mode=link $(CCLD) $(AM_CFLAGS) \
	$(CFLAGS) $(sieve_bounce_extension_la_LDFLAGS) $(LDFLAGS) -Wl,-z,lazy \
	-o $@
noinst_HEADERS += \
	src/plugins/sieve-bounce/sieve-bounce-plugin.h \
	src/plugins/sieve-bounce/sieve-bounce-extension.h \
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
sieve_bounce_extension_la_SOURCES += \
	src/plugins/sieve-bounce/ext-bounce-settings-2.4.c \
	src/plugins/sieve-bounce/sieve-bounce-settings.c
sieve_bounce_extension_la_CPPFLAGS += \
	-DSIEVE_BOUNCE_SETTINGS_MODULE=\"$(settingsdir)/lib90_sieve_bounce_settings.so\"
else
sieve_bounce_extension_la_SOURCES += \
	src/plugins/sieve-bounce/ext-bounce-settings-2.3.c
endif
