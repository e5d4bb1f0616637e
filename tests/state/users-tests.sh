#!/bin/sh
# Users kept apart: where users' own scripts may use vnd.bounce and the
# state and the feed spool are shared, a second user (mallory) whose
# script classifies forged bounces for the same addresses as the bounce
# mailbox (bounces, through the global script) changes neither the
# bounce mailbox's state nor what "bounce-feed --user bounces" prints;
# "--ack --user" archives that user's records only. With a shared file
# dict, and with SQLite, PostgreSQL and Redis where they are installed.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/../lda/deliver-lib.sh"
. "$(dirname "$0")/engines.sh"
need_programs "$DOVECOT_LDA" setpriv python3
STATE_TOOL=$builddir/src/tools/bounce-state
FEED_TOOL=$builddir/src/tools/bounce-feed

setup_delivery
engines_trap
PG_FSYNC=off
mkdir -p "$run_dir/mallory"
printf '%s\n' 'require ["vnd.bounce"];
if bounce {
	classify;
}' > "$run_dir/mallory/script.sieve"
own_run_dir

SOFT=$(msg lhost-outlook-01.eml) || exit $HARD_ERROR	# kijitora@example.jp
HARD=$(msg lhost-sendmail-01.eml) || exit $HARD_ERROR	# userunknown@bouncehammer.jp
conf_bounces=$conf
conf_mallory=$run_dir/mallory.conf

check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got:" "$2" "expected:" "$3"
	fi
}

# feed_of USER [OPTIONS]: recipient, user, state and count of the
# records bounce-feed --user USER prints
feed_of() {
	user=$1
	shift
	"$FEED_TOOL" --spool "$spool" --user "$user" --format=csv "$@" \
		> "$run_dir/feed.csv" || return 1
	python3 - "$run_dir/feed.csv" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline='')):
    print(r['recipient'], r['user'], r['state'], r['softcount'])
PY
}

# deliver_as USER CONF MESSAGE
deliver_as() {
	conf=$2
	# dovecot-lda takes the user name from USER (with HOME set)
	saved_user=${USER:-}
	export USER="$1"
	deliver "$3"
	USER=$saved_user
	conf=$conf_bounces
	[ "$lda_status" -eq 0 ] ||
		fail "delivery to $1" "exit $lda_status" "$(cat "$run_dir/lda.log")"
}

for engine in file sqlite pgsql redis; do
	if ! engine_available "$engine"; then
		echo "# skipped $engine: not installed"
		continue
	fi
	echo "# $engine"
	engine_start "$engine" "$run_dir/home/users-state.dict" ||
		{ fail "$engine: the store did not start"; continue; }
	spool=$run_dir/spool-$engine
	write_conf "$conf_bounces" "  sieve_before = $run_dir/global.sieve
  sieve_extensions = -vnd.bounce
  sieve_global_extensions = +vnd.bounce
  sieve_bounce_feed_dir = $spool
  sieve_bounce_dict = $engine_dict"
	# mallory's own script may use the extension; the same dict and
	# spool
	write_conf "$conf_mallory" "  sieve = file:$run_dir/mallory;active=$run_dir/mallory/script.sieve
  sieve_extensions = +vnd.bounce
  sieve_bounce_feed_dir = $spool
  sieve_bounce_dict = $engine_dict"

	# three soft bounces for mallory: the first the very one the bounce
	# mailbox got (counted for each user), then two others (a
	# notification delivered again counts once)
	deliver_as bounces "$conf_bounces" "$SOFT"
	deliver_as mallory "$conf_mallory" "$SOFT"
	for i in 2 3; do
		deliver_as mallory "$conf_mallory" "$(variant "$SOFT" "$i")"
	done
	deliver_as mallory "$conf_mallory" "$HARD"

	show() {
		"$STATE_TOOL" --dict "$engine_dict" --user "$1" show "$2" | cut -f1-3
	}
	check_eq "$engine: the bounce mailbox's state is its own" \
		"$(show bounces kijitora@example.jp; show bounces userunknown@bouncehammer.jp)" \
		"$(printf 'kijitora@example.jp\tactive\t1\nuserunknown@bouncehammer.jp\tactive\t0')"
	check_eq "$engine: the other user's script kept state of its own" \
		"$("$STATE_TOOL" --dict "$engine_dict" --user mallory list | cut -f1-3 | sort)" \
		"$(printf 'kijitora@example.jp\treturned\t3\nuserunknown@bouncehammer.jp\treturned\t0')"
	check_eq "$engine: bounce-state users" \
		"$("$STATE_TOOL" --dict "$engine_dict" users | sort)" \
		"$(printf 'bounces\nmallory')"
	if "$STATE_TOOL" --dict "$engine_dict" list > /dev/null 2>&1; then
		fail "$engine: bounce-state without --user refuses a dict of two users"
	else
		pass "$engine: bounce-state without --user refuses a dict of two users"
	fi

	check_eq "$engine: bounce-feed --user bounces prints its records only" \
		"$(feed_of bounces)" "kijitora@example.jp bounces active 1"
	check_eq "$engine: bounce-feed --user mallory" \
		"$(feed_of mallory | sort)" \
"kijitora@example.jp mallory active 1
kijitora@example.jp mallory active 2
kijitora@example.jp mallory returned 3
userunknown@bouncehammer.jp mallory returned 0"
	feed_of bounces --ack > /dev/null
	check_eq "$engine: --ack --user archives that user's records only" \
		"$(feed_of bounces; feed_of mallory | wc -l)" "4"
	engines_stop
done

finish
