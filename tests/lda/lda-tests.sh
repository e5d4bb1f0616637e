#!/bin/sh
# End to end: a mixed set of messages delivered by dovecot-lda, with the
# plugin from the build tree and a global script that files bounces into
# Bounces/<type>, into a throwaway Maildir. For each message: the folder
# it landed in, its keywords (dovecot-keywords and the Maildir file name),
# its X-Bounce-Classification header, its body unchanged; and that every
# message was delivered exactly once.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/deliver-lib.sh"
need_programs "$DOVECOT_LDA" setpriv
setup_delivery

n_messages=0

# check_delivery NAME MESSAGE MAILBOX KEYWORDS CLASSIFICATION [LDA OPTIONS]
check_delivery() {
	name=$1 message=$2 want_mailbox=$3 want_keywords=$4 want_header=$5
	shift 5
	n_messages=$((n_messages + 1))
	deliver "$message" "$@"
	n_new=$(printf '%s' "$delivered_files" | grep -c .)
	problems=
	[ "$lda_status" -eq 0 ] ||
		problems="$problems dovecot-lda exited with $lda_status;"
	[ "$n_new" -eq 1 ] ||
		problems="$problems $n_new messages stored instead of 1;"
	[ "$delivered_mailbox" = "$want_mailbox" ] ||
		problems="$problems mailbox '$delivered_mailbox', expected '$want_mailbox';"
	[ "$delivered_keywords" = "$want_keywords" ] ||
		problems="$problems keywords '$delivered_keywords', expected '$want_keywords';"
	[ "$delivered_classification" = "$want_header" ] ||
		problems="$problems header '$delivered_classification', expected '$want_header';"
	# Only the header block may change: the body arrives as sent.
	if [ "$n_new" -eq 1 ]; then
		tr -d '\r' < "$message" | sed '1,/^$/d' > "$run_dir/body.want"
		tr -d '\r' < "$delivered_files" | sed '1,/^$/d' > "$run_dir/body.got"
		cmp -s "$run_dir/body.want" "$run_dir/body.got" ||
			problems="$problems the body changed;"
	fi
	if [ -z "$problems" ]; then
		pass "$name: $want_mailbox${want_keywords:+ [$want_keywords]}"
	else
		fail "$name" "$problems" "$(cat "$run_dir/lda.log")"
	fi
}

HARD=$(msg lhost-sendmail-01.eml) || exit $HARD_ERROR
SOFT=$(msg lhost-outlook-01.eml) || exit $HARD_ERROR
OTHER=$(msg lhost-exim-55.eml) || exit $HARD_ERROR
COMPLAINT=$(msg arf-01.eml) || exit $HARD_ERROR
AUTOREPLY=$(msg rfc3834-01.eml) || exit $HARD_ERROR
NORMAL=$(msg is-not-bounce-01.eml) || exit $HARD_ERROR
MULTI=$(msg lhost-postfix-13.eml) || exit $HARD_ERROR
NOADDR=$(msg no-address.eml) || exit $HARD_ERROR
SUCCESS=$(msg rfc3464-28.eml) || exit $HARD_ERROR
MALFORMED=$(msg malformed.eml) || exit $HARD_ERROR

check_delivery "hard bounce" "$HARD" Bounces/hard '$BounceHard' \
	"type=hard; category=bad-mailbox; code=10; recipient=userunknown@bouncehammer.jp"
# the rules cache this first delivery wrote (a delivery that could not
# use it would write another in its place)
cache=$run_dir/home/bounce-rules.cache
cache_inode=$(stat -c %i "$cache" 2>/dev/null)
check_delivery "soft bounce" "$SOFT" Bounces/soft '$BounceSoft' \
	"type=soft; category=quota-issues; code=22; recipient=kijitora@example.jp"
check_delivery "refused as spam" "$OTHER" Bounces/other '$BounceOther' \
	"type=other; category=spam-related; code=52; recipient=kijitora@example.com"
check_delivery "complaint" "$COMPLAINT" Bounces/complaint '$BounceComplaint' \
	"type=complaint; category=complaint; code=200; recipient=redacted@example.net"
check_delivery "auto-reply" "$AUTOREPLY" Bounces/other '$BounceOther' \
	"type=other; category=auto-reply; code=60; recipient=kijitora@example.net"
check_delivery "hard and soft recipients" "$MULTI" Bounces/hard \
	'$BounceHard $BounceSoft' \
	"type=hard; category=bad-mailbox; code=10; recipient=kijitora@example.jp"
check_delivery "no address, VERP envelope" "$NOADDR" Bounces/hard \
	'$BounceHard' \
	"type=hard; category=bad-mailbox; code=10; recipient=jane@example.org" \
	-a "bounces+jane=example.org@lists.example.net"
check_delivery "no address at all" "$NOADDR" Bounces/other '$BounceOther' \
	"type=other; category=bad-mailbox; code=30"
check_delivery "ordinary message" "$NORMAL" INBOX "" ""
check_delivery "successful delivery report" "$SUCCESS" INBOX "" ""
check_delivery "malformed message" "$MALFORMED" INBOX "" ""

# Nothing lost, nothing doubled
n_stored=$(maildir_files | grep -c .)
if [ "$n_stored" -eq "$n_messages" ]; then
	pass "$n_messages messages delivered, $n_stored stored"
else
	fail "$n_messages messages delivered, $n_stored stored" \
		"$(maildir_files)"
fi

# The keyword names as Dovecot recorded them, folder by folder
for folder in hard soft other complaint; do
	kwfile=$run_dir/Maildir/.Bounces.$folder/dovecot-keywords
	case $folder in
	hard) want='$BounceHard $BounceSoft' ;;
	soft) want='$BounceSoft' ;;
	other) want='$BounceOther' ;;
	complaint) want='$BounceComplaint' ;;
	esac
	got=$(sed -n 's/^[0-9]* //p' "$kwfile" 2>/dev/null | sort | tr '\n' ' ' |
		sed 's/ $//')
	want=$(printf '%s\n' $want | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then
		pass "dovecot-keywords of Bounces/$folder: $got"
	else
		fail "dovecot-keywords of Bounces/$folder" "expected: $want" \
			"got: $got"
	fi
done

# The deliveries after the first classified with the rules cache it wrote
if [ -n "$cache_inode" ] && [ "$(stat -c %U "$cache")" = "$run_user" ] &&
   [ "$(stat -c %i "$cache")" = "$cache_inode" ] &&
   head -c 26 "$cache" | grep -q '^dovecot-bounce rules cache'; then
	pass "the first delivery wrote the rules cache the others used"
else
	fail "the first delivery wrote the rules cache the others used" \
		"$(ls -l "$cache" 2>&1)"
fi

# A user's own script may not use the extension: it is global only here.
cat > "$run_dir/sieve/user.sieve" <<'EOF'
require ["vnd.bounce", "fileinto"];
if bounce { fileinto "Mine"; }
EOF
ln -sf "$run_dir/sieve/user.sieve" "$run_dir/active.sieve"
own_run_dir
deliver "$NORMAL"
if [ "$lda_status" -eq 0 ] && [ "$delivered_mailbox" = INBOX ] &&
   grep -q "vnd.bounce': its use is restricted to global scripts" \
	"$run_dir/active.sieve.log"; then
	pass "sieve_global_extensions: a user's script cannot require vnd.bounce"
else
	fail "sieve_global_extensions: a user's script cannot require vnd.bounce" \
		"status $lda_status, mailbox $delivered_mailbox" \
		"$(cat "$run_dir/lda.log" "$run_dir/active.sieve.log")"
fi

finish
