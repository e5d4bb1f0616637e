# Huge, deep and broken messages, made at run time by generate.py: each
# classified by bounce-classify and delivered by dovecot-lda with the
# plugin within a stated bound on peak memory, without loss.
TESTS += tests/pathological/pathological.sh
EXTRA_DIST += tests/pathological/pathological.sh \
	tests/pathological/generate.py
