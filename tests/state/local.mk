# The per-address state and the report feed through dovecot-lda (the
# plugin, bounce-state and bounce-feed from the build tree).
TESTS += tests/state/state-tests.sh
EXTRA_DIST += tests/state/state-tests.sh tests/state/engines.sh
