# Unit tests (CUnit), one program per module, in a folder per library
# (tests/unit/LIBRARY/ mirrors src/LIBRARY/), with the shipped rules and
# the samples of tests/samples.
UNIT_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTEST_RULES_PATH=\"$(abs_top_srcdir)/conf.d/bounce.rules\" \
	-DTEST_SAMPLES_DIR=\"$(abs_top_srcdir)/tests/samples\" \
	-DTEST_CORPUS_DIR=\"$(abs_top_srcdir)/tests/corpus\" \
	-DTEST_SISIMAI_DIR=\"$(abs_top_srcdir)/../shared/corpus/sisimai\"
UNIT_LIBS = $(TOOL_LIBS) $(CUNIT_LIBS)
unit_tests = \
	tests/unit/lib-bounce-rules/test-bounce-rules \
	tests/unit/lib-bounce-rules/test-bounce-rules-literal \
	tests/unit/lib-bounce-rules/test-bounce-rules-cache \
	tests/unit/lib-bounce/test-bounce-status \
	tests/unit/lib-bounce/test-bounce-mime \
	tests/unit/lib-bounce/test-bounce-dsn \
	tests/unit/lib-bounce/test-bounce-arf \
	tests/unit/lib-bounce/test-bounce-autoreply \
	tests/unit/lib-bounce/test-bounce-format \
	tests/unit/lib-bounce/test-bounce-hostile \
	tests/unit/lib-bounce/test-bounce-decide \
	tests/unit/lib-bounce/test-bounce-classify \
	tests/unit/lib-bounce/test-bounce-screen \
	tests/unit/lib-bounce/test-bounce-identity \
	tests/unit/lib-bounce-state/test-bounce-state \
	tests/unit/lib-bounce-state/test-bounce-state-once
check_PROGRAMS += $(unit_tests)
# tests/samples.sh: bounce-classify prints the rows of
# tests/samples/expected.tsv for the samples
TESTS += $(unit_tests) tests/samples.sh
EXTRA_DIST += tests/samples tests/samples.sh tests/sanitize.sh
# tests/layouts.sh: the same for plain-text notices in the
# layouts older and smaller MTAs and gateways use
TESTS += tests/layouts.sh
EXTRA_DIST += tests/layouts tests/layouts.sh
# tests/corpus-check.sh: the figures of tests/corpus/score.py on the second
# corpus stay at or above tests/corpus/floors
TESTS += tests/corpus-check.sh
EXTRA_DIST += tests/corpus tests/corpus-check.sh
noinst_HEADERS += tests/unit/test-common.h

# Every unit test is tests/unit/LIBRARY/NAME.c linked with the helpers of
# test-common.c, which alone knows where the rules and samples are.
check_LTLIBRARIES += tests/unit/libtestcommon.la
tests_unit_libtestcommon_la_SOURCES = tests/unit/test-common.c
tests_unit_libtestcommon_la_CPPFLAGS = $(UNIT_CPPFLAGS)
LDADD = tests/unit/libtestcommon.la $(UNIT_LIBS)
AM_LDFLAGS = $(TOOL_RPATH)

# The plugin through Pigeonhole's tools and through dovecot-lda. Needs
# sieve-test, sievec, sieve-dump and dovecot-lda (skipped without them);
# as root, delivers as nobody. tests/lda/deliver-examples.sh shows the
# same delivery on any directory of messages.
TESTS += \
	tests/sieve/sieve-tests.sh \
	tests/sieve/snippet-tests.sh \
	tests/lda/lda-tests.sh
# files, not directories: a build tree's copy of these directories holds
# test logs, which make dist would take instead
EXTRA_DIST += \
	tests/dovecot-conf.sh \
	tests/sieve/env.sh \
	tests/sieve/sieve-tests.sh \
	tests/sieve/snippet-tests.sh \
	tests/lda/lda-tests.sh \
	tests/sieve/messages \
	tests/lda/deliver-examples.sh \
	tests/lda/deliver-lib.sh

# The release line built against, and where its config process looks for
# settings modules (Dovecot 2.4: the tests need the plugin's installed
# there, tests/dovecot-conf.sh)
AM_TESTS_ENVIRONMENT = \
	DOVECOT_LINE=$(dovecot_line); \
	DOVECOT_SETTINGS_DIR=$(dovecot_moduledir)/settings; \
	export DOVECOT_LINE DOVECOT_SETTINGS_DIR;
