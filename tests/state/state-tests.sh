#!/bin/sh
# The per-address state and the report feed end to end through
# dovecot-lda: three soft bounces for one address make it returned (seen
# by the script, in the feed and by bounce-state); a hard bounce returns
# its address at once; an unwritable spool, a stopped Redis server, a
# read-only SQLite database, a stopped PostgreSQL server and a table its
# user may not write make the delivery fail temporarily (exit 75) with a
# log line saying why, and the retry after the fault is fixed records
# everything once.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/../lda/deliver-lib.sh"
. "$(dirname "$0")/engines.sh"
need_programs "$DOVECOT_LDA" setpriv
STATE_TOOL=$builddir/src/tools/bounce-state
FEED_TOOL=$builddir/src/tools/bounce-feed
EX_TEMPFAIL=75

# The script shows what the test and the variables see.
GLOBAL_SCRIPT='require ["vnd.bounce", "fileinto", "mailbox", "variables"];
if bounce {
	classify;
	if bounce :state "returned" {
		fileinto :create "Returned/${bounce.softcount}";
		stop;
	}
	fileinto :create "Bounces/${bounce.state}-${bounce.softcount}";
	stop;
}'
setup_delivery
engines_trap
[ -n "${STATE_TEST_KEEP:-}" ] && trap 'engines_stop' EXIT
spool=$run_dir/spool
state_dict=file:$run_dir/home/bounce-state.dict

# use_conf EXTRA-PLUGIN-SETTINGS: the delivery configuration
use_conf() {
	write_conf "$conf" "  sieve_before = $run_dir/global.sieve
  sieve_extensions = -vnd.bounce
  sieve_global_extensions = +vnd.bounce
  sieve_bounce_feed_dir = $spool
$1"
}
use_conf ""

SOFT=$(msg lhost-outlook-01.eml) || exit $HARD_ERROR	# kijitora@example.jp
HARD=$(msg lhost-sendmail-01.eml) || exit $HARD_ERROR	# userunknown@bouncehammer.jp

# expect NAME WANT-STATUS WANT-MAILBOX
expect() {
	if [ "$lda_status" -eq "$2" ] && [ "$delivered_mailbox" = "$3" ]; then
		pass "$1: exit $2, ${3:-nothing stored}"
	else
		fail "$1" "exit $lda_status, mailbox '$delivered_mailbox'; expected exit $2, '$3'" \
			"$(cat "$run_dir/lda.log")"
	fi
}

# feed_csv: the spool's records as CSV (recipient,state,softcount only)
feed_records() {
	"$FEED_TOOL" --spool "$spool" --format=csv > "$run_dir/feed.csv" ||
		return 1
	python3 - "$run_dir/feed.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
for r in rows:
    print(r['recipient'], r['state'], r['softcount'], r.get('returned_reason', ''))
PY
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got:" "$2" "expected:" "$3"
	fi
}

echo "# three soft bounces return the address"
deliver "$(variant "$SOFT" 1)"; expect "soft bounce 1" 0 "Bounces/active-1"
deliver "$(variant "$SOFT" 2)"; expect "soft bounce 2" 0 "Bounces/active-2"
deliver "$(variant "$SOFT" 3)"; expect "soft bounce 3" 0 "Returned/3"
check_eq "the feed: one record per delivery, state after each bounce" \
	"$(feed_records)" \
"kijitora@example.jp active 1 
kijitora@example.jp active 2 
kijitora@example.jp returned 3 3 soft bounces within 30 days"
check_eq "bounce-state show" \
	"$("$STATE_TOOL" --dict "$state_dict" show kijitora@example.jp | cut -f1-3,5)" \
	"$(printf 'kijitora@example.jp\treturned\t3\t3 soft bounces within 30 days')"

echo "# a hard bounce returns its address at once"
deliver "$HARD"; expect "hard bounce" 0 "Returned/0"
check_eq "bounce-state list" \
	"$("$STATE_TOOL" --dict "$state_dict" list | cut -f1-3 | sort)" \
	"$(printf 'kijitora@example.jp\treturned\t3\nuserunknown@bouncehammer.jp\treturned\t0')"

echo "# bounce-state reset"
"$STATE_TOOL" --dict "$state_dict" reset kijitora@example.jp
check_eq "reset: active, count 0" \
	"$("$STATE_TOOL" --dict "$state_dict" show kijitora@example.jp)" \
	"$(printf 'kijitora@example.jp\tactive\t0')"
deliver "$(variant "$SOFT" 4)"; expect "soft bounce after the reset" 0 "Bounces/active-1"

echo "# an unwritable spool defers the delivery"
"$FEED_TOOL" --spool "$spool" --ack > /dev/null
chown root "$spool/new" && chmod 0755 "$spool/new"
deliver "$(variant "$SOFT" 5)"
if [ "$(id -u)" -eq 0 ]; then
	expect "unwritable spool" $EX_TEMPFAIL ""
	if grep -q "failed to write the report feed to $spool.*delivery deferred" \
		"$run_dir/lda.log"; then
		pass "unwritable spool: the log says why"
	else
		fail "unwritable spool: the log says why" "$(cat "$run_dir/lda.log")"
	fi
	# counted once: the retry writes only the record
	check_eq "unwritable spool: counted" \
		"$("$STATE_TOOL" --dict "$state_dict" show kijitora@example.jp | cut -f3)" 2
	chown "$run_user" "$spool/new"
	deliver "$(variant "$SOFT" 5)"; expect "retry after the spool is fixed" 0 "Bounces/active-2"
	check_eq "retry: counted once" \
		"$("$STATE_TOOL" --dict "$state_dict" show kijitora@example.jp | cut -f3)" 2
	check_eq "retry: recorded once" "$(feed_records)" \
		"kijitora@example.jp active 2 "
else
	echo "# skipped: not root, the spool stays writable"
fi

# wait_store: until the store answers through engine_dict (30 s at most)
wait_store() {
	for i in $(seq 60); do
		"$STATE_TOOL" --dict "$engine_dict" show x@example.org \
			> /dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# check_reset NAME: bounce-state reset through engine_dict forgets the
# address: nothing listed, and the next soft bounce counts 1
check_reset() {
	"$STATE_TOOL" --dict "$engine_dict" reset kijitora@example.jp
	check_eq "$1: reset" "$("$STATE_TOOL" --dict "$engine_dict" \
		show kijitora@example.jp)" "$(printf 'kijitora@example.jp\tactive\t0')"
	check_eq "$1: nothing listed after the reset" \
		"$("$STATE_TOOL" --dict "$engine_dict" list)" ""
	deliver "$(variant "$SOFT" "reset-$1")"; expect "$1: soft bounce after the reset" 0 \
		"Bounces/active-1"
}

echo "# a stopped Redis server defers the delivery"
if engine_available redis; then
	"$FEED_TOOL" --spool "$spool" --ack > /dev/null
	if engine_start redis; then
		use_conf "  sieve_bounce_dict = $engine_dict"
		deliver "$(variant "$SOFT" 6)"; expect "Redis: soft bounce 1" 0 "Bounces/active-1"
		redis_stop
		deliver "$(variant "$SOFT" 7)"
		expect "stopped Redis" $EX_TEMPFAIL ""
		if grep -q "address state is not available.*Connection refused\|address state is not available.*redis\|delivery deferred" "$run_dir/lda.log"; then
			pass "stopped Redis: the log says why"
		else
			fail "stopped Redis: the log says why" "$(cat "$run_dir/lda.log")"
		fi
		engine_start redis
		redis_state() {
			"$STATE_TOOL" --dict "$engine_dict" show kijitora@example.jp | cut -f2-3
		}
		# a fresh server: the count starts over
		deliver "$(variant "$SOFT" 7)"; expect "Redis: retry" 0 "Bounces/active-1"
		check_eq "Redis: recorded once" "$(redis_state)" \
			"$(printf 'active\t1')"
		check_eq "Redis: the feed holds the retry once" "$(feed_records)" \
"kijitora@example.jp active 1 
kijitora@example.jp active 1 "
		check_eq "Redis: bounce-state list" \
			"$("$STATE_TOOL" --dict "$engine_dict" list)" \
			"$(printf 'kijitora@example.jp\tactive\t1')"
		check_reset Redis
	else
		fail "redis-server did not start"
	fi
	engines_stop
else
	echo "# skipped: no redis-server"
fi

# Each bounce counted once across a fault of an SQL store behind Dovecot's
# dict server: the delivery deferred while it lasts, its retry counted
# after it, nothing counted twice.
sql_state() {
	"$STATE_TOOL" --dict "$engine_dict" show kijitora@example.jp | cut -f2-3
}
# expect_deferred NAME PATTERN: the delivery failed temporarily, and the
# log names the cause
expect_deferred() {
	expect "$1" $EX_TEMPFAIL ""
	if grep -q "delivery deferred\|address state is not available" \
		"$run_dir/lda.log" && grep -qi "$2" "$run_dir/lda.log"; then
		pass "$1: the log says why"
	else
		fail "$1: the log says why" "$(cat "$run_dir/lda.log")"
	fi
}

echo "# SQLite: a read-only database defers the delivery"
if engine_available sqlite; then
	"$FEED_TOOL" --spool "$spool" --ack > /dev/null
	if engine_start sqlite; then
		use_conf "  sieve_bounce_dict = $engine_dict"
		deliver "$(variant "$SOFT" 8)"; expect "SQLite: soft bounce 1" 0 "Bounces/active-1"
		# the database file read-only to the dict service: its
		# processes open it again
		dict_server_stop
		chmod 0444 "$run_dir/sqlite/state.sqlite"
		dict_server_start
		deliver "$(variant "$SOFT" 9)"
		# (SQLite says "readonly"; Dovecot 2.4's driver checks the
		# file's permissions first)
		expect_deferred "SQLite read-only" "readonly\|Permission denied"
		check_eq "SQLite read-only: nothing counted" "$(sql_state)" \
			"$(printf 'active\t1')"
		# fixed: the database and the log SQLite made read-only
		# like it
		dict_server_stop
		chmod 0644 "$run_dir/sqlite/"state.sqlite*
		dict_server_start
		deliver "$(variant "$SOFT" 9)"; expect "SQLite: retry" 0 "Bounces/active-2"
		check_eq "SQLite: recorded once" "$(sql_state)" \
			"$(printf 'active\t2')"
		check_eq "SQLite: the feed holds each bounce once" \
			"$(feed_records)" "kijitora@example.jp active 1 
kijitora@example.jp active 2 "
		check_eq "SQLite: bounce-state list" \
			"$("$STATE_TOOL" --dict "$engine_dict" list)" \
			"$(printf 'kijitora@example.jp\tactive\t2')"
		check_reset SQLite
	else
		fail "SQLite: the store did not start"
	fi
	engines_stop
else
	echo "# skipped: no SQLite dict"
fi

echo "# PostgreSQL: a stopped server or a read-only table defers the delivery"
if engine_available pgsql; then
	"$FEED_TOOL" --spool "$spool" --ack > /dev/null
	if PG_FSYNC=off engine_start pgsql; then
		use_conf "  sieve_bounce_dict = $engine_dict"
		deliver "$(variant "$SOFT" 10)"; expect "PostgreSQL: soft bounce 1" 0 \
			"Bounces/active-1"
		pg_server_stop
		deliver "$(variant "$SOFT" 11)"
		expect_deferred "PostgreSQL stopped" "pgsql\|postgres\|connect"
		PG_FSYNC=off pg_server_start
		# the dict server connects again when asked, after a delay
		wait_store || fail "PostgreSQL: the dict server did not reconnect"
		deliver "$(variant "$SOFT" 11)"; expect "PostgreSQL: retry after the restart" 0 \
			"Bounces/active-2"
		check_eq "PostgreSQL: recorded once" "$(sql_state)" \
			"$(printf 'active\t2')"
		# the dict service's role may read but not write
		pg_sql "REVOKE INSERT, UPDATE, DELETE ON bounce_state,
			bounce_soft FROM dict"
		deliver "$(variant "$SOFT" 12)"
		expect_deferred "PostgreSQL read-only" "permission denied"
		check_eq "PostgreSQL read-only: nothing counted" \
			"$(sql_state)" "$(printf 'active\t2')"
		pg_sql "GRANT INSERT, UPDATE, DELETE ON bounce_state,
			bounce_soft TO dict"
		deliver "$(variant "$SOFT" 12)"; expect "PostgreSQL: retry after the grant" 0 \
			"Returned/3"
		check_eq "PostgreSQL: the feed holds each bounce once" \
			"$(feed_records)" "kijitora@example.jp active 1 
kijitora@example.jp active 2 
kijitora@example.jp returned 3 3 soft bounces within 30 days"
		check_eq "PostgreSQL: bounce-state list" \
			"$("$STATE_TOOL" --dict "$engine_dict" list | cut -f1-3,5)" \
			"$(printf 'kijitora@example.jp\treturned\t3\t3 soft bounces within 30 days')"
		check_reset PostgreSQL
	else
		fail "PostgreSQL: the store did not start"
	fi
	engines_stop
else
	echo "# skipped: no PostgreSQL dict"
fi

finish
