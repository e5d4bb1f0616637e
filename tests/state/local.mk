# The per-address state and the report feed through dovecot-lda (the
# plugin, bounce-state and bounce-feed from the build tree).
TESTS += tests/state/state-tests.sh
EXTRA_DIST += tests/state/state-tests.sh tests/state/engines.sh
# Two users sharing the state and the spool: one user's script cannot
# change the other's state nor pass for it in bounce-feed --user.
TESTS += tests/state/users-tests.sh
EXTRA_DIST += tests/state/users-tests.sh
