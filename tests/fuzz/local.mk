# Fuzzing the classifier. tests/fuzz/fuzz-classify is the libFuzzer
# target; it is built only by tests/fuzz/run-fuzz.sh, in a build dir of
# its own configured with clang and the sanitizers. Every build replays
# the inputs that once crashed it (tests/fuzz/regressions) with
# fuzz-replay, the same target without libFuzzer.
FUZZ_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_RULES_PATH=\"$(abs_top_srcdir)/conf.d/bounce.rules\"

EXTRA_PROGRAMS += tests/fuzz/fuzz-classify
tests_fuzz_fuzz_classify_SOURCES = tests/fuzz/fuzz-classify.c
tests_fuzz_fuzz_classify_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_classify_LDADD = $(TOOL_LIBS)
tests_fuzz_fuzz_classify_LDFLAGS = $(TOOL_RPATH) -fsanitize=fuzzer

check_PROGRAMS += tests/fuzz/fuzz-replay
tests_fuzz_fuzz_replay_SOURCES = \
	tests/fuzz/fuzz-replay.c \
	tests/fuzz/fuzz-classify.c
tests_fuzz_fuzz_replay_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_replay_LDADD = $(TOOL_LIBS)

TESTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/regressions tests/fuzz/replay.sh \
	tests/fuzz/run-fuzz.sh tests/fuzz/seeds.sh tests/fuzz/bounce.dict
