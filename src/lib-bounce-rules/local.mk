# The rules engine: reads the rules files (conf.d/bounce.rules), compiles
# their patterns and answers the classifier's questions about evidence.
# bounce-rules.h is its contract.
noinst_LTLIBRARIES += src/lib-bounce-rules/libbounce-rules.la
src_lib_bounce_rules_libbounce_rules_la_SOURCES = \
	src/lib-bounce-rules/bounce-rules.c \
	src/lib-bounce-rules/bounce-rules-parse.c \
	src/lib-bounce-rules/bounce-rules-grammar.c \
	src/lib-bounce-rules/bounce-rules-format.c \
	src/lib-bounce-rules/bounce-rules-source.c \
	src/lib-bounce-rules/bounce-rules-pattern.c \
	src/lib-bounce-rules/bounce-rules-set.c \
	src/lib-bounce-rules/bounce-rules-phrase.c \
	src/lib-bounce-rules/bounce-rules-status.c \
	src/lib-bounce-rules/bounce-rules-match.c \
	src/lib-bounce-rules/bounce-rules-literal.c \
	src/lib-bounce-rules/bounce-rules-literal-index.c \
	src/lib-bounce-rules/bounce-rules-cache.c \
	src/lib-bounce-rules/bounce-rules-cache-file.c \
	src/lib-bounce-rules/bounce-rules-image.c \
	src/lib-bounce-rules/bounce-rules-image-write.c
src_lib_bounce_rules_libbounce_rules_la_LIBADD = $(PCRE2_LIBS)
noinst_HEADERS += \
	src/lib-bounce-rules/bounce-rules.h \
	src/lib-bounce-rules/bounce-rules-private.h \
	src/lib-bounce-rules/bounce-rules-parse.h \
	src/lib-bounce-rules/bounce-rules-image.h \
	src/lib-bounce-rules/bounce-rules-source.h \
	src/lib-bounce-rules/bounce-rules-literal.h \
	src/lib-bounce-rules/bounce-rules-cache.h \
	src/lib-bounce-rules/bounce-rules-cache-private.h
