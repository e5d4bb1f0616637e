# Reliability: each notification counted once, whatever fails and however
# often it is delivered again (reliability-lib.sh, check-once.py).
# crash-inject.so, preloaded into dovecot-lda, kills it at a chosen event.
check_LTLIBRARIES += tests/reliability/crash-inject.la
tests_reliability_crash_inject_la_SOURCES = tests/reliability/crash-inject.c
tests_reliability_crash_inject_la_CPPFLAGS =
tests_reliability_crash_inject_la_LDFLAGS = -module -avoid-version -shared \
	-rpath $(abs_builddir)
tests_reliability_crash_inject_la_LIBADD = -ldl
TESTS += tests/reliability/repeat-tests.sh tests/reliability/crash-tests.sh \
	tests/reliability/fsync-tests.sh
EXTRA_DIST += \
	tests/reliability/repeat-tests.sh \
	tests/reliability/crash-tests.sh \
	tests/reliability/fsync-tests.sh \
	tests/reliability/reliability-lib.sh \
	tests/reliability/notifications.py \
	tests/reliability/check-once.py
