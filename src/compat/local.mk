# What differs between the Dovecot release lines (2.3 and 2.4) below the
# plugin: dovecot-compat.h gives 2.4's names on 2.3, and dicts are opened
# by URI on both, and a tool is started alike on both.
noinst_LTLIBRARIES += src/compat/libdovecot-compat.la
src_compat_libdovecot_compat_la_SOURCES = \
	src/compat/dovecot-compat-dict.c \
	src/compat/dovecot-compat-tool.c
noinst_HEADERS += src/compat/dovecot-compat.h
