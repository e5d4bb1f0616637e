# Memcheck over the unit tests, the fuzz target's replay and one
# dovecot-lda delivery with the plugin (skipped without valgrind).
TESTS += tests/valgrind/valgrind.sh
EXTRA_DIST += tests/valgrind/valgrind.sh tests/valgrind/valgrind.supp
