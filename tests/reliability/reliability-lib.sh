# Sourced by the reliability tests after tests/sieve/env.sh and
# tests/state/engines.sh: deliveries
# through the real dovecot-lda that an MTA retries until they succeed,
# some of them killed with SIGKILL at a chosen event (crash-inject.so) or
# after a chosen time, and the check that every notification was counted
# once (check-once.py).

STATE_TOOL=$builddir/src/tools/bounce-state
FEED_TOOL=$builddir/src/tools/bounce-feed
CRASH_SO=$builddir/tests/reliability/.libs/crash-inject.so
NOTIFICATIONS="python3 $top_srcdir/tests/reliability/notifications.py"
CHECK_ONCE="python3 $top_srcdir/tests/reliability/check-once.py"
EX_TEMPFAIL=75
# attempts of one delivery before the test gives up on it
MAX_ATTEMPTS=${MAX_ATTEMPTS:-30}

RELIABILITY_SCRIPT='require ["vnd.bounce", "fileinto", "mailbox", "variables"];
if bounce {
	classify;
	fileinto :create "Bounces/${bounce.type}";
	stop;
}'

# setup_reliability [SCRIPT]: the run directory, the script, the
# injection library; spool, events (the attempts' event logs)
setup_reliability() {
	setup_run_dir
	printf '%s\n' "${1:-$RELIABILITY_SCRIPT}" > "$run_dir/global.sieve"
	cp "$CRASH_SO" "$run_dir/crash-inject.so"
	mkdir -p "$run_dir/events" "$run_dir/notifications"
	spool=$run_dir/spool
	chmod -R a+rX "$run_dir"
	own_run_dir
}

# own PATH...: hands what the test made to the delivery user (not the
# whole run directory: a store's server may run in it)
own() {
	[ "$(id -u)" -ne 0 ] || chown -R "$run_user:$run_group" "$@"
}

# reliability_conf DICT-URI [EXTRA-PLUGIN-SETTINGS]
reliability_conf() {
	write_conf "$conf" "  sieve_before = $run_dir/global.sieve
  sieve_extensions = -vnd.bounce
  sieve_global_extensions = +vnd.bounce
  sieve_bounce_feed_dir = $spool
  sieve_bounce_dict = $1
  sieve_bounce_soft_limit = ${SOFT_LIMIT:-1000000}
  sieve_bounce_rules_cache = $run_dir/home/bounce-rules.cache
${2:-}"
	# Dovecot clears the environment of what it does not import
	conf_import_environment TZ LD_PRELOAD CRASH_PROG CRASH_AT CRASH_HALF \
		CRASH_LOG CRASH_CHANCE CRASH_SEED >> "$conf"
	own "$conf"
}

# conf_import_environment NAME...: the environment variables Dovecot keeps
conf_import_environment() {
	if [ "$dovecot_line" = 2.4 ]; then
		echo "import_environment {"
		# (not name: the callers' use it)
		for env_var in "$@"; do
			echo "  $env_var = %{env:$env_var}"
		done
		echo "}"
	else
		echo "import_environment = $*"
	fi
}

# Fresh feed and mailbox for the next store (whose state is new: a new
# file, a new server)
reset_run() {
	rm -rf "$spool" "$run_dir/Maildir" "$run_dir/events" \
		"$run_dir/notifications" "$run_dir/home/bounce-state.dict"*
	mkdir -p "$run_dir/events" "$run_dir/notifications"
	: > "$run_dir/lda.log"
	own "$run_dir/events" "$run_dir/notifications" "$run_dir/lda.log"
}

# engine_label NAME: a store's name in the output
engine_label() {
	case $1 in
	file) echo "file dict" ;;
	redis) echo "Redis" ;;
	sqlite) echo "SQLite" ;;
	pgsql) echo "PostgreSQL" ;;
	esac
}

# for_engines FUNCTION ENGINE...: FUNCTION LABEL DICT-URI for each store
# (tests/state/engines.sh starts and stops them; the file dict with
# FILE_DICT_PARAMS after its path), skipping those not installed
for_engines() {
	func=$1
	shift
	for engine in "$@"; do
		if ! engine_available "$engine"; then
			echo "# skipped $(engine_label "$engine"): not installed"
			continue
		fi
		if [ "$engine" = file ]; then
			"$func" "file dict" \
				"file:$run_dir/home/bounce-state.dict${FILE_DICT_PARAMS:-}"
		elif PG_FSYNC=off engine_start "$engine"; then
			"$func" "$(engine_label "$engine")" "$engine_dict"
		else
			fail "$(engine_label "$engine"): the store did not start"
		fi
		engines_stop
	done
}

# lda_run MESSAGE CRASH-AT HALF LOG [CHANCE SEED]: one dovecot-lda run,
# as an MTA starts it; killed before event CRASH-AT (0: never; HALF 1:
# in the middle of it when it writes), or before each event with CHANCE
# per mille. Its events go to LOG. Sets status (137 when killed).
lda_run() {
	message=$1 crash_at=$2 half=$3 log=$4 chance=${5:-0} crash_seed=${6:-1}
	priv=
	[ "$(id -u)" -ne 0 ] || priv="setpriv --reuid=$run_user --regid=$run_group --clear-groups"
	(cd "$run_dir" && HOME=$run_dir/home \
		LD_PRELOAD=$run_dir/crash-inject.so CRASH_PROG=dovecot-lda \
		CRASH_AT=$crash_at CRASH_HALF=$half CRASH_LOG=$log \
		CRASH_CHANCE=$chance CRASH_SEED=$crash_seed \
		exec $priv "$DOVECOT_LDA" -c "$conf" \
			-f MAILER-DAEMON@mx.example.org) \
		< "$message" >> "$run_dir/lda.log" 2>&1 &
	# (without the shell's "Killed")
	wait $! 2>/dev/null
	status=$?
}

# kill_label LOG: where a delivery killed with that event log (it died
# before its last event, inside it after a "half" line) stopped, named by
# the writes around it: "before|during|after STEP", a step being a run of
# events of one category (dict: the dict file rewritten, a Redis
# transaction from MULTI to EXEC, or one sent to the dict server; feed:
# the spool; store: the mailbox), counted when it repeats (dict2).
kill_label() {
	awk '
	function cat(t) {
		if (t ~ /\/spool\//) return "feed"
		# a lookup changes nothing
		if (t ~ /^socket:.*:(GET|lookup)$/) return ""
		if (t ~ /bounce-state\.dict/ || t ~ /^socket:/) return "dict"
		if (t ~ /\/Maildir\//) return "store"
		return ""
	}
	$2 == "half" { half = 1; next }
	{ n++; c[n] = cat($3) }
	END {
		NR = n
		for (i = 1; i < NR; i++) {
			if (c[i] == "")
				continue
			if (c[i] != last) {
				seen[c[i]]++
				step = seen[c[i]] > 1 ? c[i] seen[c[i]] : c[i]
			}
			last = c[i]
		}
		# the event it died before
		if (c[NR] == "") {
			print step == "" ? "before any write" : "after " step
		} else if (c[NR] == last) {
			print "during " step
		} else {
			n = seen[c[NR]] + 1
			print (half == 1 ? "during " : "before ") \
				(n > 1 ? c[NR] n : c[NR])
		}
	}' "$1"
}

# deliver_until_done MESSAGE PLAN...: delivers MESSAGE as an MTA would,
# again after each failure, each attempt killed as the next PLAN word
# says ("e:K:HALF" before event K, inside it with HALF 1; "r:P:SEED" at
# each event with P per mille; "-" not at all; attempts beyond the plan
# are not killed). Appends one line per
# kill to $run_dir/kills, where it landed, and sets attempts. Fails when
# no attempt succeeds within MAX_ATTEMPTS or one ends otherwise than
# succeeding, failing temporarily or killed.
deliver_until_done() {
	message=$1
	shift
	attempts=0
	while [ "$attempts" -lt "$MAX_ATTEMPTS" ]; do
		attempts=$((attempts + 1))
		plan=${1:--}
		[ $# -gt 0 ] && shift
		log=$run_dir/events/$(basename "$message").$attempts
		: > "$log"
		chmod 666 "$log"
		case $plan in
		e:*)
			# (not k: the callers' loops use it)
			at=${plan#e:}
			lda_run "$message" "${at%:*}" "${at#*:}" "$log"
			;;
		r:*)
			at=${plan#r:}
			lda_run "$message" 0 0 "$log" "${at%:*}" "${at#*:}"
			;;
		*)
			lda_run "$message" 0 0 "$log"
			;;
		esac
		[ -z "${CRASH_DEBUG:-}" ] ||
			echo "# $(date +%T.%N) $(basename "$message") attempt $attempts ($plan): $status" >&2
		case $status in
		0)
			return 0 ;;
		137)
			kill_label "$log" >> "$run_dir/kills" ;;
		"$EX_TEMPFAIL")
			;;
		*)
			echo "# $(basename "$message"): attempt $attempts" \
				"exited $status" >&2
			return 1 ;;
		esac
	done
	echo "# $(basename "$message"): not delivered in $MAX_ATTEMPTS attempts" >&2
	return 1
}

# check_counted NAME DICT-URI EXPECTED: every notification of EXPECTED
# counted exactly once, its records in the feed once, all spool files
# in new/ valid, the dict readable
check_counted() {
	name=$1 dict=$2 expected=$3
	if "$FEED_TOOL" --spool "$spool" --format=csv > "$run_dir/feed.csv" \
		2> "$run_dir/feed.err"; then
		pass "$name: every spool file in new/ is complete and valid"
	else
		fail "$name: every spool file in new/ is complete and valid" \
			"$(head -n 5 "$run_dir/feed.err")"
	fi
	if "$STATE_TOOL" --dict "$dict" --soft-limit 1000000 list \
		> "$run_dir/state.list" 2> "$run_dir/state.err"; then
		pass "$name: the dict is readable"
	else
		fail "$name: the dict is readable" "$(cat "$run_dir/state.err")"
	fi
	result=$($CHECK_ONCE "$expected" "$run_dir/feed.csv" \
		"$run_dir/state.list" "$run_dir/Maildir")
	case $result in
	ok*)
		pass "$name: each notification counted once, one record per recipient"
		echo "#   ${result#ok: }" ;;
	*)
		fail "$name: each notification counted once, one record per recipient" \
			"$result" ;;
	esac
}

# kills_summary: the kills of $run_dir/kills by where they landed
kills_summary() {
	[ -s "$run_dir/kills" ] || return 0
	sort "$run_dir/kills" | uniq -c | sort -rn |
		awk '{ n = $1; $1 = ""; printf "#   %5d%s\n", n, $0 }'
}
