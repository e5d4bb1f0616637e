# Shipping: the manual pages, the example scripts (each compiled by
# sievec in the tests), the live test and the Debian packaging.
dist_man_MANS = \
	man/bounce-classify.1 \
	man/bounce-feed.1 \
	man/bounce-state.1 \
	man/dovecot-sieve-bounce.7

examplesdir = $(docdir)/examples
dist_examples_DATA = \
	examples/sieve/bounces-by-type.sieve \
	examples/sieve/global-before.sieve \
	examples/sieve/per-list.sieve \
	examples/sieve/complaints.sieve \
	examples/sieve/codes.sieve \
	examples/sieve/report-header.sieve

TESTS += tests/examples.sh
EXTRA_DIST += tests/examples.sh tests/live/live-test.sh tests/live/package-test.sh debian

# distcheck installs into a throwaway prefix: the Sieve plugin follows it
# there instead of going to the system's module directory.
DISTCHECK_CONFIGURE_FLAGS = --with-moduledir='$${prefix}/lib/dovecot/modules'

# configure (Dovecot's DC_DOVECOT) writes run-test.sh into the build tree
DISTCLEANFILES = run-test.sh
