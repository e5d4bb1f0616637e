#!/bin/sh
# Crash injection: dovecot-lda delivering bounces with a classify script
# is killed with SIGKILL (crash-inject.so), and each killed delivery is
# retried as an MTA retries it, until it succeeds:
#   1. at every event of a delivery in turn (each write, sync, rename,
#      link, unlink it makes: before the state write, inside it, between
#      it and the feed's spool file, inside that, before and inside the
#      store), and inside every write of more than one byte;
#   2. at random events (each with a small chance), the retries too;
#   3. the same with 8 deliveries at once, some of them of one
#      notification.
# The states a process killed at any moment can leave are exactly those
# a kill before one of its events or inside one of its writes leaves:
# what happens between two events stays in its memory.
# Afterwards every notification is counted exactly once, the feed holds
# one record per failed recipient of each, every spool file in new/ is
# complete and valid against the schema, and the dict is readable. With
# the file dict (lock=fcntl), Redis, and SQLite and PostgreSQL behind
# Dovecot's dict server.
#
# CRASH_SEED repeats a run's random choices (the seed is printed);
# CRASH_RANDOM (40) and CRASH_PARALLEL_EACH (4) set how many
# notifications the random phases deliver, CRASH_PARALLEL (8) how many
# deliveries run at once; CRASH_ENGINES ("file redis sqlite pgsql") which
# stores;
# CRASH_DEBUG=1 prints each attempt.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/../state/engines.sh"
. "$(dirname "$0")/reliability-lib.sh"
need_programs "$DOVECOT_LDA" python3 awk
if [ ! -f "$CRASH_SO" ]; then
	echo "ERROR: $CRASH_SO not built (make check builds it)" >&2
	exit $HARD_ERROR
fi
seed=${CRASH_SEED:-$(date +%s)}
random_count=${CRASH_RANDOM:-40}
parallel=${CRASH_PARALLEL:-8}
parallel_each=${CRASH_PARALLEL_EACH:-4}
echo "# seed $seed (CRASH_SEED=$seed makes the same random choices)"

# (A kill due while Dovecot's storage holds a lock file of its own comes
# just after it releases it: crash-inject.c says why.)
setup_reliability
engines_trap
next=1

# new_notification [single]: writes the next notification, sets message
new_notification() {
	$NOTIFICATIONS "$run_dir/notifications" "$next" 1 ${1:-}
	message=$run_dir/notifications/$(printf 'n-%05d.eml' "$next")
	chmod a+r "$message"
	next=$((next + 1))
}

# random_plans COUNT FIRST: one line per notification, its file and its
# attempts' kills: each attempt killed at each event (but lookups) with
# a chance of 6%, inside it half of the time, until one is not killed
# (most deliveries are killed once or more, during their retries too)
random_plans() {
	awk -v seed="$seed$2" -v count="$1" -v first="$2" 'BEGIN {
		srand(seed)
		for (i = 0; i < count; i++) {
			line = sprintf("n-%05d.eml", first + i)
			for (j = 0; j < 6; j++)
				line = line sprintf(" r:60:%d",
					1 + int(rand() * 2147483646))
			print line
		}
	}'
}

# run_backend NAME DICT-URI
run_backend() {
	name=$1 dict=$2
	reset_run
	: > "$run_dir/kills"
	: > "$run_dir/notifications/expected.tsv"
	reliability_conf "$dict"

	# The events of one delivery, from one not killed: the second for
	# one address (the first also creates the mailbox, and its address
	# has no counts to read)
	new_notification single
	deliver_until_done "$message" || fail "$name: first delivery"
	new_notification single
	deliver_until_done "$message" || fail "$name: second delivery"
	trace=$run_dir/events/$(basename "$message").1
	events=$(wc -l < "$trace")
	echo "# $name: a delivery makes $events events:" \
		"$(awk '{ print $2 }' "$trace" | sort | uniq -c | sort -rn |
		   awk '{ printf "%s%d %s", sep, $1, $2; sep = ", " }')"

	# 1. every event of such a delivery, and inside every write that
	# changes something; of lookups sent to a server (Redis's GET),
	# which change nothing, only the first of each run. The same
	# delivery again, each time for a new notification.
	failures=0
	awk '{ get = $3 ~ /:(GET|lookup)$/ }
	     !(get && lastget) { print $1, ($2 ~ /write/ && $4 > 1 && !get) }
	     { lastget = get }
	     END { print NR + 1, 0; print NR + 2, 0 }' "$trace" > "$run_dir/points"
	while read -r k write; do
		new_notification single
		deliver_until_done "$message" "e:$k:0" ||
			failures=$((failures + 1))
		if [ "$write" -eq 1 ]; then
			new_notification single
			deliver_until_done "$message" "e:$k:1" ||
				failures=$((failures + 1))
		fi
	done < "$run_dir/points"
	sweep_kills=$(wc -l < "$run_dir/kills")
	echo "# $name: killed at each event: $sweep_kills kills"

	# 2. random events, retries killed too
	first=$next
	$NOTIFICATIONS "$run_dir/notifications" "$first" "$random_count"
	chmod a+r "$run_dir"/notifications/*.eml
	next=$((first + random_count))
	random_plans "$random_count" "$first" > "$run_dir/plans"
	while read -r file plan; do
		# shellcheck disable=SC2086
		deliver_until_done "$run_dir/notifications/$file" $plan ||
			failures=$((failures + 1))
	done < "$run_dir/plans"
	random_kills=$(($(wc -l < "$run_dir/kills") - sweep_kills))
	echo "# $name: random kills: $random_kills"

	# 3. at once; each worker starts with the first notification of the
	# next one, so that two deliver it at the same time
	first=$next
	total=$((parallel * parallel_each))
	$NOTIFICATIONS "$run_dir/notifications" "$first" "$total"
	chmod a+r "$run_dir"/notifications/*.eml
	next=$((first + total))
	random_plans "$total" "$first" > "$run_dir/plans"
	: > "$run_dir/worker-failures"
	w=0
	while [ "$w" -lt "$parallel" ]; do
		{
			awk -v w="$(((w + 1) % parallel))" -v p="$parallel" \
				'NR % p == w % p { print; exit }' "$run_dir/plans"
			awk -v w="$w" -v p="$parallel" \
				'NR % p == w % p' "$run_dir/plans"
		} > "$run_dir/plans.$w"
		(
			while read -r file plan; do
				# shellcheck disable=SC2086
				deliver_until_done "$run_dir/notifications/$file" \
					$plan || echo "$file" >> "$run_dir/worker-failures"
			done < "$run_dir/plans.$w"
		) &
		w=$((w + 1))
	done
	wait
	failures=$((failures + $(wc -l < "$run_dir/worker-failures")))
	parallel_kills=$(($(wc -l < "$run_dir/kills") - sweep_kills - random_kills))
	echo "# $name: $parallel at once: $parallel_kills kills"

	if [ "$failures" -eq 0 ]; then
		pass "$name: every delivery succeeded in the end"
	else
		fail "$name: $failures deliveries never succeeded" \
			"$(tail -n 5 "$run_dir/lda.log")"
	fi
	check_counted "$name" "$dict" "$run_dir/notifications/expected.tsv"
	echo "# $name: $(wc -l < "$run_dir/kills") kills, where they landed:"
	kills_summary
}

# the file dict's own lock dies with the process (its default, a
# dotlock, would make the next delivery wait a minute)
FILE_DICT_PARAMS=:lock=fcntl
# shellcheck disable=SC2086
for_engines run_backend ${CRASH_ENGINES:-file redis sqlite pgsql}

finish
