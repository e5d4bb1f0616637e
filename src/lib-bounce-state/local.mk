# The per-address state: soft-bounce counts and "returned", kept in a
# Dovecot dict. bounce-state.h is its contract.
noinst_LTLIBRARIES += src/lib-bounce-state/libbounce-state.la
src_lib_bounce_state_libbounce_state_la_SOURCES = \
	src/lib-bounce-state/bounce-state-dict.c \
	src/lib-bounce-state/bounce-state.c \
	src/lib-bounce-state/bounce-state-list.c \
	src/lib-bounce-state/bounce-state-once.c
noinst_HEADERS += \
	src/lib-bounce-state/bounce-state.h \
	src/lib-bounce-state/bounce-state-private.h
# The tables of the SQL stores (their dict maps, like 90-sieve-bounce.conf,
# are configuration: the Debian package puts them into /etc/dovecot)
statesqldir = $(bounce_datadir)
statesql_DATA = \
	conf.d/bounce-state-sqlite.sql \
	conf.d/bounce-state-pgsql.sql
