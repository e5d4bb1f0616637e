# The benchmark: loads messages into memory and classifies them in a loop.
# "make bench" runs it over the Sisimai corpus when it is beside the tree
# (BENCH_CORPUS=DIR to choose), else over the samples, and prints a
# markdown table row.
noinst_PROGRAMS += bench/bounce-bench
bench_bounce_bench_SOURCES = \
	bench/bounce-bench.c \
	bench/bench-sized.c \
	bench/bench-sized.h \
	src/tools/tool-input.c \
	src/tools/tool-rules.c
bench_bounce_bench_LDADD = $(TOOL_LIBS)
bench_bounce_bench_LDFLAGS = $(TOOL_RPATH)

BENCH_CORPUS = $(top_srcdir)/../shared/corpus/sisimai

bench: bench/bounce-bench$(EXEEXT)
	@if test -d "$(BENCH_CORPUS)"; then \
		label=`basename "$(BENCH_CORPUS)"`; set -- "$(BENCH_CORPUS)"/*.eml; \
	elif ls "$(top_srcdir)"/tests/samples/*.eml >/dev/null 2>&1; then \
		label=tests/samples; set -- "$(top_srcdir)"/tests/samples/*.eml; \
	else \
		label=examples; set -- "$(top_srcdir)"/examples/messages/*.eml; \
	fi; \
	./bench/bounce-bench --markdown --label "$$label" \
		--rules "$(top_srcdir)/conf.d/bounce.rules" "$$@"

PHONY += bench

# What the plugin costs at delivery through dovecot-lda: the bounce script
# against a plain fileinto script. N and ROUNDS choose the messages per
# round and the rounds.
EXTRA_DIST += bench/delivery-bench.sh
bench-delivery: lib90_sieve_bounce_plugin.la
	@BOUNCE_BUILDDIR=. bash $(top_srcdir)/bench/delivery-bench.sh \
		-n $${N:-50} -r $${ROUNDS:-7} --markdown

PHONY += bench-delivery
