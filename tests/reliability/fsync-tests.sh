#!/bin/sh
# A feed record is as durable as the message it comes with. With
# Dovecot's mail_fsync at its default (optimized) a delivery syncs the
# spool file before linking it into new/, and new/ after it, as Dovecot
# syncs the message it saves and the folder it saves it into; with
# mail_fsync = never it syncs neither, as Dovecot syncs nothing. Read off
# the events of a real dovecot-lda (crash-inject.so's log; nothing is
# killed), with the file dict.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/../state/engines.sh"
. "$(dirname "$0")/reliability-lib.sh"
need_programs "$DOVECOT_LDA"
if [ ! -f "$CRASH_SO" ]; then
	echo "ERROR: $CRASH_SO not built (make check builds it)" >&2
	exit $HARD_ERROR
fi

setup_reliability
MESSAGE=$(msg lhost-outlook-01.eml) || exit $HARD_ERROR

# syncs LOG PATTERN: how many fsync() and fdatasync() calls the delivery
# made on paths matching PATTERN
syncs() {
	awk -v p="$2" '($2 == "fsync" || $2 == "fdatasync") && $3 ~ p { n++ }
		END { print n + 0 }' "$1"
}

# deliver_with LABEL [TOP-LEVEL-SETTING]: one delivery of MESSAGE; sets
# log (its events)
deliver_with() {
	reset_run
	reliability_conf "file:$run_dir/home/bounce-state.dict"
	[ -z "${2:-}" ] || echo "$2" >> "$conf"
	log=$run_dir/events/$1
	: > "$log"
	chmod 666 "$log"
	lda_run "$MESSAGE" 0 0 "$log"
	if [ "$status" -ne 0 ] || [ -z "$(ls "$spool/new" 2>/dev/null)" ]; then
		fail "$1: delivered, with its feed record" \
			"exit status $status" "$(tail -n 5 "$run_dir/lda.log")"
		return 1
	fi
	pass "$1: delivered, with its feed record"
}

# check NAME GOT WANT
check() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got $2, want $3" "events:" "$(cat "$log")"
	fi
}

if deliver_with "mail_fsync = optimized"; then
	check "optimized: the spool file synced" \
		"$(syncs "$log" '/spool/tmp/')" 1
	check "optimized: new/ synced" "$(syncs "$log" '/spool/new$')" 1
	maildir=$(syncs "$log" '/Maildir/(.*/)?(tmp|new|cur)(/|$)')
	if [ "$maildir" -ge 2 ]; then
		pass "optimized: Dovecot syncs the message and its folder"
	else
		fail "optimized: Dovecot syncs the message and its folder" \
			"$maildir syncs under Maildir/"
	fi
fi

if deliver_with "mail_fsync = never" "mail_fsync = never"; then
	check "never: the spool not synced" "$(syncs "$log" '/spool/')" 0
	# (it still syncs its keywords file)
	check "never: nor does Dovecot sync the message or its folder" \
		"$(syncs "$log" '/Maildir/(.*/)?(tmp|new|cur)(/|$)')" 0
fi

finish
