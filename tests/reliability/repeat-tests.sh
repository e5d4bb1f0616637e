#!/bin/sh
# Each notification counted once, through the real dovecot-lda, with the
# file dict, Redis, SQLite and PostgreSQL:
# - the same soft bounce delivered three times: one count, one feed
#   record, the address still active; the repeats filed and tagged as the
#   first, and their header, ${bounce.repeat} and the log say so;
# - three different soft bounces: returned;
# - a notification sent again by a remote MTA (other trace fields) is a
#   repeat; two different ones with one Message-ID both count;
# - a delivery that fails after classify ran (quota exceeded with
#   quota_full_tempfail, a mailbox that refuses the message), retried
#   until it succeeds: one count, one record;
# - a home the delivery user cannot write (where a server's deliveries
#   take turns): counted all the same, and the log says so.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/../lda/deliver-lib.sh"
. "$(dirname "$0")/../state/engines.sh"
. "$(dirname "$0")/reliability-lib.sh"
need_programs "$DOVECOT_LDA"
ADDR=kijitora@example.jp

setup_reliability 'require ["vnd.bounce", "fileinto", "mailbox", "variables",
	"imap4flags"];
if bounce {
	classify;
	if string :is "${bounce.repeat}" "yes" {
		addflag "$Repeat";
	}
	fileinto :create "Bounces/${bounce.state}-${bounce.softcount}";
	stop;
}'
engines_trap
SOFT=$(msg lhost-outlook-01.eml) || exit $HARD_ERROR	# kijitora@example.jp

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got: $2" "expected: $3"
	fi
}

# expect NAME STATUS MAILBOX REPEAT: the last delivery's exit status,
# mailbox, whether it was taken for a repeat (header, keyword, log)
expect() {
	name=$1
	repeat_header= repeat_keyword= repeat_logged=0
	if grep -q 'a repeat of notification' "$run_dir/lda.log"; then
		repeat_logged=$(grep -c 'a repeat of notification' "$run_dir/lda.log")
	fi
	case $delivered_classification in *"; repeat=yes;"*) repeat_header=1 ;; esac
	case " $delivered_keywords " in *' $Repeat '*) repeat_keyword=1 ;; esac
	got="exit $lda_status, ${delivered_mailbox:-nothing stored}"
	want="exit $2, ${3:-nothing stored}"
	if [ "$3" != "" ]; then
		got="$got, keywords $delivered_keywords, repeat: header ${repeat_header:-no}, logged $repeat_logged"
		if [ "$4" = yes ]; then
			want="$want, keywords \$BounceSoft \$Repeat, repeat: header 1, logged 1"
		else
			want="$want, keywords \$BounceSoft, repeat: header no, logged 0"
		fi
		# keyword order is the folder's
		got=$(echo "$got" | sed 's/\$Repeat \$BounceSoft/$BounceSoft $Repeat/')
	fi
	if [ "$got" = "$want" ]; then
		pass "$name: $want"
	else
		fail "$name" "got: $got" "expected: $want" "$(tail -n 3 "$run_dir/lda.log")"
	fi
}

# log_has NAME TEXT: the last delivery's log says TEXT
log_has() {
	if grep -q "$2" "$run_dir/lda.log"; then
		pass "$1"
	else
		fail "$1" "$(cat "$run_dir/lda.log")"
	fi
}

state_of() {
	"$STATE_TOOL" --dict "$dict" show "$ADDR" | cut -f2-3 | tr '\t' ' '
}

# feed_count: the records for ADDR in the feed
feed_count() {
	"$FEED_TOOL" --spool "$spool" --format=csv |
		grep -c ",$ADDR,"
}

# resent MESSAGE: the message as a remote MTA sends it again, through
# other hops
resent() {
	copy=$run_dir/messages/resent-$(basename "$1")
	{
		printf 'Return-Path: <>\nDelivered-To: bounces@lists.example.net\n'
		printf 'Received: from mx2.example.org by mx.example.net;\n'
		printf '\tMon, 2 Nov 2026 10:05:00 +0000\n'
		cat "$1"
	} > "$copy" && chmod a+r "$copy" && echo "$copy"
}

# run_suite NAME DICT-URI
run_suite() {
	suite=$1 dict=$2
	reset_run
	SOFT_LIMIT=3 reliability_conf "$dict"

	echo "# $suite: the same soft bounce three times"
	one=$(variant "$SOFT" 1)
	deliver "$one"; expect "$suite: first" 0 Bounces/active-1 no
	deliver "$one"; expect "$suite: again" 0 Bounces/active-1 yes
	check_eq "$suite: the repeat's header" "$delivered_classification" \
		"type=soft; category=quota-issues; code=22; repeat=yes; recipient=$ADDR"
	deliver "$one"; expect "$suite: a third time" 0 Bounces/active-1 yes
	check_eq "$suite: counted once, still active" "$(state_of)" "active 1"
	check_eq "$suite: one feed record" "$(feed_count)" 1

	echo "# $suite: three different soft bounces"
	"$STATE_TOOL" --dict "$dict" reset "$ADDR"
	deliver "$(variant "$SOFT" 2)"; expect "$suite: soft 1" 0 Bounces/active-1 no
	deliver "$(variant "$SOFT" 3)"; expect "$suite: soft 2" 0 Bounces/active-2 no
	deliver "$(variant "$SOFT" 4)"; expect "$suite: soft 3" 0 Bounces/returned-3 no
	check_eq "$suite: returned" "$(state_of)" "returned 3"
	check_eq "$suite: one record each" "$(feed_count)" 4

	echo "# $suite: sent again by a remote MTA; one Message-ID, two notifications"
	"$STATE_TOOL" --dict "$dict" reset "$ADDR"
	five=$(variant "$SOFT" 5)
	deliver "$five"; expect "$suite: soft" 0 Bounces/active-1 no
	deliver "$(resent "$five")"
	expect "$suite: sent again, other trace fields" 0 Bounces/active-1 yes
	# the same Message-ID (variant 5's), another failure: counts
	other=$run_dir/messages/other-text.eml
	sed 's/Mailbox Full/Mailbox full: quota exceeded/' \
		"$five" > "$other"
	chmod a+r "$other"
	if cmp -s "$five" "$other"; then
		fail "$suite: test message unchanged by sed"
	fi
	deliver "$other"; expect "$suite: one Message-ID, another text" 0 Bounces/active-2 no
	check_eq "$suite: both counted" "$(state_of)" "active 2"

	echo "# $suite: a delivery that fails after classify ran, retried"
	"$STATE_TOOL" --dict "$dict" reset "$ADDR"
	"$FEED_TOOL" --spool "$spool" --ack > /dev/null
	six=$(variant "$SOFT" 6)
	# over quota, and the quota plugin fails the delivery temporarily
	# (2.3's quota settings)
	if [ "$dovecot_line" = 2.3 ]; then
		SOFT_LIMIT=3 reliability_conf "$dict" "quota = maildir:User quota
quota_rule = *:storage=1k
quota_full_tempfail = yes"
		sed -i 's/^\(  mail_plugins = \$mail_plugins\) sieve$/\1 quota sieve/' \
			"$conf"
		deliver "$six"; expect "$suite: over quota" $EX_TEMPFAIL "" no
		log_has "$suite: over quota: the log says why" "Quota exceeded"
		deliver "$six"; expect "$suite: over quota again" $EX_TEMPFAIL "" no
		check_eq "$suite: over quota: counted once" "$(state_of)" "active 1"
		SOFT_LIMIT=3 reliability_conf "$dict"
		deliver "$six"; expect "$suite: quota raised" 0 Bounces/active-1 yes
	else
		echo "# skipped: over quota (2.3's quota settings)"
		deliver "$six"; expect "$suite: no quota" 0 Bounces/active-1 no
	fi
	check_eq "$suite: quota: counted once" "$(state_of)" "active 1"
	check_eq "$suite: quota: one record" "$(feed_count)" 1

	# a mailbox that refuses the message, and INBOX too
	seven=$(variant "$SOFT" 7)
	mkdir -p "$run_dir/Maildir/.Bounces.active-2/tmp"
	own "$run_dir/Maildir"
	chmod 0500 "$run_dir/Maildir/.Bounces.active-2/tmp" "$run_dir/Maildir/tmp"
	deliver "$seven"; expect "$suite: mailboxes refuse" $EX_TEMPFAIL "" no
	log_has "$suite: mailboxes refuse: the log says why" "Permission denied"
	chmod 0700 "$run_dir/Maildir/.Bounces.active-2/tmp" "$run_dir/Maildir/tmp"
	deliver "$seven"; expect "$suite: mailboxes fixed" 0 Bounces/active-2 yes
	check_eq "$suite: refused: counted once" "$(state_of)" "active 2"
	check_eq "$suite: refused: one record each" "$(feed_count)" 2

	# a home the user cannot write: a server's deliveries count without
	# the lock they take turns under there, and say so
	case $dict in file:*) return ;; esac
	rm -f "$run_dir/home/.bounce-state.lock"
	chmod 0555 "$run_dir/home"
	deliver "$(variant "$SOFT" 8)"
	chmod 0755 "$run_dir/home"
	expect "$suite: read-only home" 0 Bounces/returned-3 no
	log_has "$suite: read-only home: the log says so" \
		"bounce-state.lock.*deliveries do not take turns"
	check_eq "$suite: read-only home: counted" "$(state_of)" "returned 3"
}

# shellcheck disable=SC2086
for_engines run_suite ${REPEAT_ENGINES:-file redis sqlite pgsql}

finish
