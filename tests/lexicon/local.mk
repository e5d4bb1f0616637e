# The phrase lexicon apart from any sample: each line of
# tests/lexicon/*.tsv is a diagnostic as a server or provider words it,
# with the category it must get; every phrase and subject rule of the
# shipped rules must decide at least one line.
TESTS += tests/lexicon/lexicon.sh
# (files, not the directory: the build tree's copy holds the test log)
EXTRA_DIST += \
	tests/lexicon/lexicon.sh \
	tests/lexicon/bad-domain.tsv \
	tests/lexicon/bad-mailbox.tsv \
	tests/lexicon/delivery.tsv \
	tests/lexicon/mailbox-state.tsv \
	tests/lexicon/policy.tsv \
	tests/lexicon/providers.tsv \
	tests/lexicon/replies.tsv \
	tests/lexicon/routing.tsv \
	tests/lexicon/wild.tsv
