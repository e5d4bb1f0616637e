#!/bin/sh
# The per-address state and the report feed end to end through
# dovecot-lda: three soft bounces for one address make it returned (seen
# by the script, in the feed and by bounce-state); a hard bounce returns
# its address at once; an unwritable spool and a stopped Redis server
# make the delivery fail temporarily (exit 75) with a log line saying why,
# and the retry after the fault is fixed records everything once.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/../lda/deliver-lib.sh"
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
[ -n "${STATE_TEST_KEEP:-}" ] && trap - EXIT
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
deliver "$SOFT"; expect "soft bounce 1" 0 "Bounces/active-1"
deliver "$SOFT"; expect "soft bounce 2" 0 "Bounces/active-2"
deliver "$SOFT"; expect "soft bounce 3" 0 "Returned/3"
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
deliver "$SOFT"; expect "soft bounce after the reset" 0 "Bounces/active-1"

echo "# an unwritable spool defers the delivery"
"$FEED_TOOL" --spool "$spool" --ack > /dev/null
chown root "$spool/new" && chmod 0755 "$spool/new"
deliver "$SOFT"
if [ "$(id -u)" -eq 0 ]; then
	expect "unwritable spool" $EX_TEMPFAIL ""
	if grep -q "failed to write the report feed to $spool.*delivery deferred" \
		"$run_dir/lda.log"; then
		pass "unwritable spool: the log says why"
	else
		fail "unwritable spool: the log says why" "$(cat "$run_dir/lda.log")"
	fi
	check_eq "unwritable spool: nothing counted" \
		"$("$STATE_TOOL" --dict "$state_dict" show kijitora@example.jp | cut -f3)" 1
	chown "$run_user" "$spool/new"
	deliver "$SOFT"; expect "retry after the spool is fixed" 0 "Bounces/active-2"
	check_eq "retry: recorded once" "$(feed_records)" \
		"kijitora@example.jp active 2 "
else
	echo "# skipped: not root, the spool stays writable"
fi

echo "# a stopped Redis server defers the delivery"
if command -v redis-server >/dev/null 2>&1; then
	port=$((20000 + $$ % 20000))
	redis_dict="redis:host=127.0.0.1:port=$port"
	start_redis() {
		redis-server --port "$port" --bind 127.0.0.1 --save '' \
			--appendonly no --daemonize yes \
			--pidfile "$run_dir/redis.pid" \
			--logfile "$run_dir/redis.log" --dir "$run_dir" >/dev/null
		for i in 1 2 3 4 5 6 7 8 9 10; do
			redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
			sleep 0.2
		done
		return 1
	}
	stop_redis() {
		redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
		sleep 0.3
	}
	"$FEED_TOOL" --spool "$spool" --ack > /dev/null
	use_conf "  sieve_bounce_dict = $redis_dict"
	if start_redis; then
		deliver "$SOFT"; expect "Redis: soft bounce 1" 0 "Bounces/active-1"
		stop_redis
		deliver "$SOFT"
		expect "stopped Redis" $EX_TEMPFAIL ""
		if grep -q "address state is not available.*Connection refused\|address state is not available.*redis\|delivery deferred" "$run_dir/lda.log"; then
			pass "stopped Redis: the log says why"
		else
			fail "stopped Redis: the log says why" "$(cat "$run_dir/lda.log")"
		fi
		start_redis
		redis_state() {
			"$STATE_TOOL" --dict "$redis_dict" show kijitora@example.jp | cut -f2-3
		}
		# a fresh server: the count starts over
		deliver "$SOFT"; expect "Redis: retry" 0 "Bounces/active-1"
		check_eq "Redis: recorded once" "$(redis_state)" \
			"$(printf 'active\t1')"
		check_eq "Redis: the feed holds the retry once" "$(feed_records)" \
"kijitora@example.jp active 1 
kijitora@example.jp active 1 "
		check_eq "Redis: bounce-state list" \
			"$("$STATE_TOOL" --dict "$redis_dict" list)" \
			"$(printf 'kijitora@example.jp\tactive\t1')"
		stop_redis
	else
		fail "redis-server did not start" "$(cat "$run_dir/redis.log")"
	fi
else
	echo "# skipped: no redis-server"
fi

finish
