# Parallel deliveries through dovecot-lda against the file dict and a
# Redis server on loopback: exact feed and counts (CONC_PROCS,
# CONC_MESSAGES, CONC_ADDRESSES set the load; 8, 2000, 40 by default).
TESTS += tests/concurrency/concurrency-tests.sh
EXTRA_DIST += tests/concurrency/concurrency-tests.sh
