# The benchmark: loads messages into memory and classifies them in a loop.
# "make bench" runs it over the Sisimai corpus when it is beside the tree
# (BENCH_CORPUS=DIR to choose), else over the samples, and prints a
# markdown table row; BASELINE=BIN (an older build's bounce-bench) runs
# it against this build's, in turns over ROUNDS rounds (bench-pair.sh).
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
	if test -n "$$BASELINE"; then \
		BOUNCE_BUILDDIR=. bash $(top_srcdir)/bench/bench-pair.sh \
			-r $${ROUNDS:-7} --baseline "$$BASELINE" "$$@"; \
	else \
		./bench/bounce-bench --markdown --label "$$label" \
			--rules "$(top_srcdir)/conf.d/bounce.rules" "$$@"; \
	fi

PHONY += bench

# bounce-classify in bulk, the whole process over the corpus copied
# COPIES times (BENCH_CORPUS), ROUNDS runs; BASELINE=BIN runs an older
# bounce-classify against this build's in the same rounds.
EXTRA_DIST += bench/bulk-bench.sh bench/bench-pair.sh
bench-bulk: src/tools/bounce-classify$(EXEEXT)
	@BOUNCE_BUILDDIR=. bash $(top_srcdir)/bench/bulk-bench.sh \
		-r $${ROUNDS:-7} -c $${COPIES:-20} \
		--corpus "$(BENCH_CORPUS)" \
		$${BASELINE:+--baseline "$$BASELINE"} --markdown

PHONY += bench-bulk

# What the plugin costs at delivery through dovecot-lda: the bounce script
# against a plain fileinto script. N and ROUNDS choose the messages per
# round and the rounds.
EXTRA_DIST += bench/delivery-bench.sh
bench-delivery: lib90_sieve_bounce_plugin.la sieve-bounce-extension.la
	@BOUNCE_BUILDDIR=. bash $(top_srcdir)/bench/delivery-bench.sh \
		-n $${N:-50} -r $${ROUNDS:-7} --markdown

PHONY += bench-delivery

# What the global bounce script costs on ordinary mail through
# dovecot-lda (3 kB, 80 kB, 4 MB): the plugin and script against a plain
# global script without the plugin. N deliveries of each message per
# round, ROUNDS rounds; CALLGRIND=1 counts instructions instead.
EXTRA_DIST += bench/bench-lib.sh bench/ordinary-bench.sh \
	bench/ordinary-messages.py
bench-ordinary: lib90_sieve_bounce_plugin.la sieve-bounce-extension.la
	@BOUNCE_BUILDDIR=. bash $(top_srcdir)/bench/ordinary-bench.sh \
		-n $${N:-20} -r $${ROUNDS:-7} $${CALLGRIND:+--callgrind} \
		--markdown

PHONY += bench-ordinary

# What the plugin costs through LMTP: a real dovecot with and without
# it, N bounces over CONN connections per run, ROUNDS runs each (as root;
# ORDINARY=1 delivers the ordinary messages instead; DICT=sqlite keeps the
# state in SQLite through the dict service).
EXTRA_DIST += bench/lmtp-bench.sh bench/lmtp-client.py
bench-lmtp: lib90_sieve_bounce_plugin.la sieve-bounce-extension.la src/tools/bounce-classify$(EXEEXT)
	@BOUNCE_BUILDDIR=. bash $(top_srcdir)/bench/lmtp-bench.sh \
		-n $${N:-2000} -c $${CONN:-4} -r $${ROUNDS:-5} \
		$${ORDINARY:+--ordinary} $${DICT:+--dict "$$DICT"} --markdown

PHONY += bench-lmtp

# What the per-address state costs a bounce delivery, per store (file,
# SQLite, Redis, PostgreSQL) and list size: bench/state-bench.sh starts
# the servers in a directory of its own, fills each store directly, and
# runs state-bench against each in turn. SIZES, STORES, ROUNDS and
# BOUNCES (per run) choose; as root the servers and the bench run as an
# unprivileged user.
noinst_PROGRAMS += bench/state-bench
bench_state_bench_SOURCES = bench/state-bench.c
bench_state_bench_LDADD = \
	src/lib-bounce-state/libbounce-state.la \
	src/lib-bounce/libbounce.la \
	src/compat/libdovecot-compat.la \
	$(LIBDOVECOT)
bench_state_bench_LDFLAGS = $(TOOL_RPATH)
EXTRA_DIST += bench/state-bench.sh bench/state-fill.py
bench-state: bench/state-bench$(EXEEXT)
	@BOUNCE_BUILDDIR=. bash $(top_srcdir)/bench/state-bench.sh \
		$${SIZES:+--sizes "$$SIZES"} $${STORES:+--stores "$$STORES"} \
		-r $${ROUNDS:-5} -n $${BOUNCES:-100} --markdown

PHONY += bench-state
