# Huge, deep and broken messages, made at run time by generate.py: each
# classified by bounce-classify and delivered by dovecot-lda with the
# plugin within a stated bound on peak memory, without loss.
# cost.sh: time per byte and memory against size, from the benchmark.
TESTS += tests/pathological/pathological.sh tests/pathological/cost.sh
EXTRA_DIST += tests/pathological/pathological.sh tests/pathological/cost.sh \
	tests/pathological/generate.py
