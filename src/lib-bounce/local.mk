# The classifier: one raw message in, one result per failed recipient out
# (bounce.h is its contract; no Sieve in it). The parsed message, the
# recognisers, the decision and the taxonomy; the rules engine below it
# (src/lib-bounce-rules) says what the evidence means. The programs link
# each library they use, in order (TOOL_LIBS in src/tools/local.mk).
noinst_LTLIBRARIES += src/lib-bounce/libbounce.la
src_lib_bounce_libbounce_la_SOURCES = \
	src/lib-bounce/bounce-taxonomy.c \
	src/lib-bounce/bounce-charsets.c \
	src/lib-bounce/bounce-mime.c \
	src/lib-bounce/bounce-mime-fields.c \
	src/lib-bounce/bounce-mime-decode.c \
	src/lib-bounce/bounce-status.c \
	src/lib-bounce/bounce-context.c \
	src/lib-bounce/bounce-address.c \
	src/lib-bounce/bounce-dsn.c \
	src/lib-bounce/bounce-arf.c \
	src/lib-bounce/bounce-autoreply.c \
	src/lib-bounce/bounce-format.c \
	src/lib-bounce/bounce-decide.c \
	src/lib-bounce/bounce-screen.c \
	src/lib-bounce/bounce-screen-file.c \
	src/lib-bounce/bounce-current.c \
	src/lib-bounce/bounce-classify.c \
	src/lib-bounce/bounce-identity.c
noinst_HEADERS += \
	src/lib-bounce/bounce.h \
	src/lib-bounce/bounce-private.h \
	src/lib-bounce/bounce-taxonomy.h \
	src/lib-bounce/bounce-charsets.h \
	src/lib-bounce/bounce-mime.h \
	src/lib-bounce/bounce-mime-decode.h \
	src/lib-bounce/bounce-status.h \
	src/lib-bounce/bounce-context.h \
	src/lib-bounce/bounce-address.h \
	src/lib-bounce/bounce-recognise.h \
	src/lib-bounce/bounce-decide.h \
	src/lib-bounce/bounce-screen.h
