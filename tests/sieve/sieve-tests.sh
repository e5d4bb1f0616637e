#!/bin/sh
# The vnd.bounce extension through Pigeonhole's own tools, with the plugin
# from the build tree: sieve-test's printed actions for scripts using every
# tag, match type and variable on real messages; the classification seen
# by Sieve against the one bounce-classify gives for every sample; compile
# errors through sievec; the binary through sieve-dump; the header and the
# keywords through sieve-test -e.
set -u
. "$(dirname "$0")/env.sh"
need_programs "$SIEVE_TEST" "$SIEVEC" "$SIEVE_DUMP"
setup_run_dir

# The messages, by what they are (see tests/sieve/messages/README)
HARD=$(msg lhost-sendmail-01.eml) || exit $HARD_ERROR   # 5.1.1 user unknown
SOFT=$(msg lhost-outlook-01.eml) || exit $HARD_ERROR    # mailbox full
OTHER=$(msg lhost-exim-55.eml) || exit $HARD_ERROR      # refused as spam
COMPLAINT=$(msg arf-01.eml) || exit $HARD_ERROR         # ARF abuse report
AUTOREPLY=$(msg rfc3834-01.eml) || exit $HARD_ERROR     # vacation reply
NORMAL=$(msg is-not-bounce-01.eml) || exit $HARD_ERROR  # ordinary message
MULTI=$(msg lhost-postfix-13.eml) || exit $HARD_ERROR   # hard + soft
NOADDR=$(msg no-address.eml) || exit $HARD_ERROR         # names no address
SUCCESS=$(msg rfc3464-28.eml) || exit $HARD_ERROR       # delivered DSN
MALFORMED=$(msg malformed.eml) || exit $HARD_ERROR      # broken MIME

# script NAME < TEXT: a Sieve script in the run directory
script() {
	cat > "$run_dir/sieve/$1.sieve"
	own_run_dir
	echo "$run_dir/sieve/$1.sieve"
}

# The printed result of sieve-test, one line per action or side effect,
# without indentation or blank lines. Its log goes to $run_dir/log.
sieve_actions() {
	"$SIEVE_TEST" -c "$conf" "$@" 2>"$run_dir/log" |
		sed -n '/^Performed actions:/,$p' |
		sed -e 's/^[[:space:]]*//' -e '/^$/d'
}

# check_actions DESCRIPTION EXPECTED SCRIPT MESSAGE [SIEVE-TEST OPTIONS]
check_actions() {
	desc=$1 expected=$2 scr=$3 message=$4
	shift 4
	got=$(sieve_actions "$@" "$scr" "$message")
	if [ "$got" = "$expected" ]; then
		pass "$desc"
	else
		fail "$desc" "expected:" "$expected" "got:" "$got" \
			"log:" "$(cat "$run_dir/log")"
	fi
}

# check_test DESCRIPTION TEST-EXPRESSION MESSAGE TRUE|FALSE [REQUIRES]
# Evaluates one test in "if TEST { fileinto "true"; }".
n_test=0
check_test() {
	desc=$1 test=$2 message=$3 want=$4 requires=${5:-}
	n_test=$((n_test + 1))
	scr=$(script "test$n_test" <<-EOF
	require ["vnd.bounce", "fileinto"$requires];
	if $test { fileinto "true"; }
	EOF
	)
	if [ "$want" = true ]; then
		expected="Performed actions:
* store message in folder: true
Implicit keep:
(none)"
	else
		expected="Performed actions:
(none)
Implicit keep:
* store message in folder: INBOX"
	fi
	check_actions "$desc" "$expected" "$scr" "$message"
}

# The variables as the script sees them, through vnd.dovecot.debug.
VARS=$(script vars <<'EOF'
require ["vnd.bounce", "variables", "vnd.dovecot.debug"];
debug_log "${bounce.type}|${bounce.category}|${bounce.code}|${bounce.status}|${bounce.recipient}|${bounce.count}";
EOF
)
VARS_DIAG=$(script vars-diag <<'EOF'
require ["vnd.bounce", "variables", "vnd.dovecot.debug"];
debug_log "${bounce.type}|${bounce.category}|${bounce.code}|${bounce.status}|${bounce.recipient}|${bounce.count}|${bounce.diagnostic}";
EOF
)

# sieve_vars SCRIPT MESSAGE [SIEVE-TEST OPTIONS]
sieve_vars() {
	vscript=$1 vmessage=$2
	shift 2
	"$SIEVE_TEST" -c "$conf" "$@" "$vscript" "$vmessage" \
		>"$run_dir/out" 2>"$run_dir/log"
	# debug_log ends the line with a dot of its own
	sed -n 's/^info: DEBUG: \(.*\)\.$/\1/p' "$run_dir/out" "$run_dir/log"
}

# check_vars DESCRIPTION EXPECTED MESSAGE [SIEVE-TEST OPTIONS]
check_vars() {
	desc=$1 expected=$2
	shift 2
	got=$(sieve_vars "$VARS" "$@")
	if [ "$got" = "$expected" ]; then
		pass "$desc"
	else
		fail "$desc" "expected: $expected" "got:      $got" \
			"log:" "$(cat "$run_dir/log")"
	fi
}

echo "# bounce without arguments: any failed recipient"
for m in HARD SOFT OTHER COMPLAINT AUTOREPLY MULTI NOADDR; do
	eval "check_test \"bounce is true for $m\" bounce \"\$$m\" true"
done
for m in NORMAL SUCCESS MALFORMED; do
	eval "check_test \"bounce is false for $m\" bounce \"\$$m\" false"
done

echo "# the variables describe the primary recipient"
check_vars "variables of a hard bounce" \
	"hard|bad-mailbox|10|5.1.1|userunknown@bouncehammer.jp|1" "$HARD"
check_vars "variables of a soft bounce" \
	"soft|quota-issues|22|5.2.2|kijitora@example.jp|1" "$SOFT"
check_vars "variables of a complaint" \
	"complaint|complaint|200||redacted@example.net|1" "$COMPLAINT"
check_vars "variables of an auto-reply" \
	"other|auto-reply|60||kijitora@example.net|1" "$AUTOREPLY"
check_vars "primary of two recipients is the most severe, count is 2" \
	"hard|bad-mailbox|10|5.2.1|kijitora@example.jp|2" "$MULTI"
check_vars "variables of an ordinary message" "none|||||0" "$NORMAL"
check_vars "variables of a successful delivery report" "none|||||0" "$SUCCESS"
check_vars "variables of a malformed message" "none|||||0" "$MALFORMED"
check_vars "a bounce naming no address has code 30" \
	"other|bad-mailbox|30|5.1.1||1" "$NOADDR"
check_vars "a VERP envelope recipient names the failed address" \
	"hard|bad-mailbox|10|5.1.1|jane@example.org|1" \
	"$NOADDR" -r "bounces+jane=example.org@lists.example.net"
check_vars "a VERP original recipient is used first" \
	"hard|bad-mailbox|10|5.1.1|jane@example.org|1" \
	"$NOADDR" -a "bounces+jane=example.org@lists.example.net" \
	-r "user@example.org"
check_vars "a category's type can be overridden in the configuration" \
	"hard|quota-issues|22|5.2.2|kijitora@example.jp|1" \
	"$SOFT" -o "${conf_o}sieve_bounce_type_quota_issues=hard"
check_vars "type none in the configuration makes a category not a bounce" \
	"none|||||0" "$AUTOREPLY" -o "${conf_o}sieve_bounce_type_auto_reply=none"
# 2.3 reads an invalid value at delivery: logged, the default kept; 2.4's
# config process refuses it, naming the setting
got=$(sieve_vars "$VARS" "$SOFT" \
	-o "${conf_o}sieve_bounce_type_quota_issues=permanent")
if [ "$dovecot_line" = 2.4 ]; then
	if [ -z "$got" ] && grep -q "sieve_bounce_type_quota_issues.*permanent" \
		"$run_dir/log"; then
		pass "an invalid type override is refused by the configuration"
	else
		fail "an invalid type override is refused by the configuration" \
			"got: $got" "$(cat "$run_dir/log")"
	fi
elif [ "$got" = "soft|quota-issues|22|5.2.2|kijitora@example.jp|1" ] &&
   grep -q "invalid value 'permanent' for setting sieve_bounce_type_quota_issues" \
	"$run_dir/log"; then
	pass "an invalid type override is logged and ignored"
else
	fail "an invalid type override is logged and ignored" "got: $got" \
		"$(cat "$run_dir/log")"
fi

# Scan limits too small to reach the delivery-status part: the settings
# are read, and a limit never fails a message.
for setting in max_message_size=300 max_total_text=16 max_part_text=16; do
	check_vars "sieve_bounce_$setting is applied" "none|||||0" "$HARD" \
		-o "${conf_o}sieve_bounce_$setting"
done
got=$(sieve_vars "$VARS" "$HARD" -o "${conf_o}sieve_bounce_max_message_size=lots")
if [ "$dovecot_line" = 2.4 ]; then
	if [ -z "$got" ] && grep -q "sieve_bounce_max_message_size.*lots" \
		"$run_dir/log"; then
		pass "an invalid size is refused by the configuration"
	else
		fail "an invalid size is refused by the configuration" \
			"got: $got" "$(cat "$run_dir/log")"
	fi
elif [ "$got" = "hard|bad-mailbox|10|5.1.1|userunknown@bouncehammer.jp|1" ] &&
   grep -q "invalid size value for setting 'sieve_bounce_max_message_size': 'lots'" \
	"$run_dir/log"; then
	pass "an invalid size is logged and the default kept"
else
	fail "an invalid size is logged and the default kept" "got: $got" \
		"$(cat "$run_dir/log")"
fi

echo "# field tags: the key list against that field of every failed recipient"
check_test ":type, second recipient" 'bounce :type "soft"' "$MULTI" true
check_test ":type, no recipient" 'bounce :type "complaint"' "$MULTI" false
check_test "key list without a tag means :type" 'bounce "hard"' "$HARD" true
check_test "key list without a tag, no match" 'bounce "soft"' "$HARD" false
check_test ":category" 'bounce :category "quota-issues"' "$MULTI" true
check_test ":category, key list" \
	'bounce :category ["bad-domain", "spam-related"]' "$OTHER" true
check_test ":category, no match" 'bounce :category "bad-domain"' "$MULTI" false
check_test ":code" 'bounce :code "22"' "$MULTI" true
check_test ":code, no match" 'bounce :code "21"' "$MULTI" false
check_test ":status" 'bounce :status "5.2.2"' "$MULTI" true
check_test ":status, none given" 'bounce :status :matches "*"' \
	"$COMPLAINT" false
check_test ":recipient" 'bounce :recipient "noraneko@example.jp"' "$MULTI" true
check_test ":recipient is case-insensitive by default" \
	'bounce :recipient "NORANEKO@example.JP"' "$MULTI" true
check_test ":recipient, unknown address" 'bounce :recipient :matches "*"' \
	"$NOADDR" false
check_test ":diagnostic" 'bounce :diagnostic :contains "mailbox full"' \
	"$MULTI" true
check_test "fields of an ordinary message match nothing" \
	'bounce :type :matches "*"' "$NORMAL" false
check_test "a delivered recipient is not a failed one" \
	'bounce :category "delivered"' "$SUCCESS" false

echo "# comparators and match types"
check_test ":is" 'bounce :type :is "hard"' "$HARD" true
check_test ":contains" 'bounce :category :contains "mail"' "$HARD" true
check_test ":matches" 'bounce :recipient :matches "*@bouncehammer.jp"' \
	"$HARD" true
check_test ":regex" 'bounce :status :regex "^5\\.1\\.[0-9]$"' "$HARD" true \
	', "regex"'
check_test "i;octet is case-sensitive" \
	'bounce :type :comparator "i;octet" "HARD"' "$HARD" false
check_test "i;ascii-casemap is the default" 'bounce :type "HARD"' "$HARD" true
check_test ":value ge, numeric" \
	'bounce :code :value "ge" :comparator "i;ascii-numeric" "20"' "$SOFT" \
	true ', "relational", "comparator-i;ascii-numeric"'
check_test ":value lt, numeric" \
	'bounce :code :value "lt" :comparator "i;ascii-numeric" "20"' "$SOFT" \
	false ', "relational", "comparator-i;ascii-numeric"'
check_test ":value gt, numeric, three digits" \
	'bounce :code :value "gt" :comparator "i;ascii-numeric" "60"' \
	"$COMPLAINT" true ', "relational", "comparator-i;ascii-numeric"'
check_test ":count eq 2 on two failed recipients" \
	'bounce :type :count "eq" :comparator "i;ascii-numeric" "2"' "$MULTI" \
	true ', "relational", "comparator-i;ascii-numeric"'
check_test ":count eq 0 on an ordinary message" \
	'bounce :type :count "eq" :comparator "i;ascii-numeric" "0"' "$NORMAL" \
	true ', "relational", "comparator-i;ascii-numeric"'
check_test ":count counts only known values" \
	'bounce :recipient :count "eq" :comparator "i;ascii-numeric" "0"' \
	"$NOADDR" true ', "relational", "comparator-i;ascii-numeric"'

MATCHVARS=$(script matchvars <<'EOF'
require ["vnd.bounce", "fileinto", "variables", "regex"];
if bounce :recipient :matches "*@*" {
	fileinto "domain/${2}/local/${1}";
}
if bounce :status :regex "^([245])\\.([0-9]+)\\.([0-9]+)$" {
	fileinto "status/${1}/${2}/${3}";
}
EOF
)
check_actions ":matches and :regex set the match variables" \
"Performed actions:
* store message in folder: domain/example.jp/local/kijitora
* store message in folder: status/5/2/2
Implicit keep:
(none)" "$MATCHVARS" "$SOFT"
# the second recipient matches :diagnostic, so ${1} comes from it
MATCHFIRST=$(script matchfirst <<'EOF'
require ["vnd.bounce", "fileinto", "variables"];
if bounce :diagnostic :matches "* Mailbox Full*" { fileinto "m/${1}"; }
EOF
)
check_actions "match variables come from the value that matched" \
"Performed actions:
* store message in folder: m/550 5.2.2 <noraneko@example.jp>...
Implicit keep:
(none)" "$MATCHFIRST" "$MULTI"

echo "# the classify action"
SORT=$(script sort <<'EOF'
require ["vnd.bounce", "fileinto", "mailbox", "variables"];
if bounce {
	classify;
	fileinto :create "Bounces/${bounce.type}";
	stop;
}
EOF
)
check_actions "classify tags a later fileinto with the type's keyword" \
"Performed actions:
* classify bounce: type=hard category=bad-mailbox code=10 recipient=<userunknown@bouncehammer.jp> (1 failed recipient)
* store message in folder: Bounces/hard
+ create mailbox if it does not exist
+ add IMAP keywords: \$BounceHard
Implicit keep:
(none)" "$SORT" "$HARD"
check_actions "one keyword per type present" \
"Performed actions:
* classify bounce: type=hard category=bad-mailbox code=10 recipient=<kijitora@example.jp> (2 failed recipients)
* store message in folder: Bounces/hard
+ create mailbox if it does not exist
+ add IMAP keywords: \$BounceHard \$BounceSoft
Implicit keep:
(none)" "$SORT" "$MULTI"
check_actions "complaint keyword" \
"Performed actions:
* classify bounce: type=complaint category=complaint code=200 recipient=<redacted@example.net> (1 failed recipient)
* store message in folder: Bounces/complaint
+ create mailbox if it does not exist
+ add IMAP keywords: \$BounceComplaint
Implicit keep:
(none)" "$SORT" "$COMPLAINT"
check_actions "an ordinary message is left alone" \
"Performed actions:
(none)
Implicit keep:
* store message in folder: INBOX" "$SORT" "$NORMAL"

ALWAYS=$(script always <<'EOF'
require ["vnd.bounce"];
classify;
EOF
)
check_actions "classify alone: the implicit keep gets the keywords" \
"Performed actions:
* classify bounce: type=soft category=quota-issues code=22 recipient=<kijitora@example.jp> (1 failed recipient)
Implicit keep:
* store message in folder: INBOX
+ add IMAP keywords: \$BounceSoft" "$ALWAYS" "$SOFT"
check_actions "classify on an ordinary message does nothing" \
"Performed actions:
(none)
Implicit keep:
* store message in folder: INBOX" "$ALWAYS" "$NORMAL"

KEEP=$(script keep <<'EOF'
require ["vnd.bounce"];
classify;
keep;
EOF
)
check_actions "classify and keep" \
"Performed actions:
* classify bounce: type=other category=auto-reply code=60 recipient=<kijitora@example.net> (1 failed recipient)
* store message in folder: INBOX
+ add IMAP keywords: \$BounceOther
Implicit keep:
(none)" "$KEEP" "$AUTOREPLY"

DISCARD=$(script discard <<'EOF'
require ["vnd.bounce"];
if bounce :category "auto-reply" {
	classify;
	discard;
	stop;
}
EOF
)
check_actions "classify and discard: recorded, not stored" \
"Performed actions:
* classify bounce: type=other category=auto-reply code=60 recipient=<kijitora@example.net> (1 failed recipient)
* discard
Implicit keep:
(none)" "$DISCARD" "$AUTOREPLY"

NOFLAGS=$(script noflags <<'EOF'
require ["vnd.bounce", "fileinto"];
classify :noflags;
fileinto "Bounces";
EOF
)
check_actions "classify :noflags adds no keywords" \
"Performed actions:
* classify bounce: type=hard category=bad-mailbox code=10 recipient=<userunknown@bouncehammer.jp> (1 failed recipient)
* store message in folder: Bounces
Implicit keep:
(none)" "$NOFLAGS" "$HARD"

BEFORE=$(script before <<'EOF'
require ["vnd.bounce", "fileinto"];
fileinto "Early";
classify;
fileinto "Late";
EOF
)
check_actions "classify tags only the stores that follow it" \
"Performed actions:
* store message in folder: Early
* classify bounce: type=hard category=bad-mailbox code=10 recipient=<userunknown@bouncehammer.jp> (1 failed recipient)
* store message in folder: Late
+ add IMAP keywords: \$BounceHard
Implicit keep:
(none)" "$BEFORE" "$HARD"

FLAGS=$(script flags <<'EOF'
require ["vnd.bounce", "fileinto", "imap4flags"];
classify;
fileinto :flags "\\Flagged" "Complaints";
EOF
)
check_actions "keywords are merged with imap4flags" \
"Performed actions:
* classify bounce: type=complaint category=complaint code=200 recipient=<redacted@example.net> (1 failed recipient)
* store message in folder: Complaints
+ add IMAP flags: \\flagged
+ add IMAP keywords: \$BounceComplaint
Implicit keep:
(none)" "$FLAGS" "$COMPLAINT"

TWICE=$(script twice <<'EOF'
require ["vnd.bounce", "fileinto"];
classify;
classify :noheader;
fileinto "Bounces";
EOF
)
check_actions "classify twice is one action" \
"Performed actions:
* classify bounce: type=soft category=quota-issues code=22 recipient=<kijitora@example.jp> (1 failed recipient)
* store message in folder: Bounces
+ add IMAP keywords: \$BounceSoft
Implicit keep:
(none)" "$TWICE" "$SOFT"

echo "# one classification per delivery"
ADMIN=$(script admin <<'EOF'
require ["vnd.bounce", "variables"];
if bounce :type "hard" { classify :noheader; }
if string :is "${bounce.category}" "bad-mailbox" { }
EOF
)
USER=$(script user <<'EOF'
require ["vnd.bounce", "fileinto", "variables"];
if bounce :category "bad-mailbox" {
	classify;
	fileinto "F/${bounce.code}";
}
EOF
)
"$SIEVE_TEST" -c "$conf" -t - -T level=tests -s "$ADMIN" "$USER" "$HARD" \
	>"$run_dir/out" 2>"$run_dir/log"
n_classified=$(grep -c "bounce classification:" "$run_dir/out")
n_actions=$(grep -c "^ \* classify bounce:" "$run_dir/out")
if [ "$n_classified" -eq 1 ] && [ "$n_actions" -eq 1 ] &&
   grep -q "store message in folder: F/10" "$run_dir/out"; then
	pass "two scripts, four uses: classified once, classify recorded once"
else
	fail "two scripts, four uses: classified once, classify recorded once" \
		"classifications: $n_classified, classify actions: $n_actions" \
		"$(cat "$run_dir/out")"
fi

echo "# the header field and the keywords on a real delivery (sieve-test -e)"
REDIRECT=$(script redirect <<'EOF'
require ["vnd.bounce"];
classify;
redirect "list-admin@example.org";
EOF
)
NOHEADER=$(script noheader <<'EOF'
require ["vnd.bounce"];
classify :noheader;
redirect "list-admin@example.org";
EOF
)
# a bounce that arrives with a forged classification
{
	printf 'X-Bounce-Classification: type=none; forged\n'
	cat "$MULTI"
} > "$run_dir/forged.eml"
mkdir -p "$run_dir/mail"
own_run_dir
"$SIEVE_TEST" -c "$conf" -e $(conf_sieve_test_maildir "$run_dir/mail") "$REDIRECT" \
	"$run_dir/forged.eml" >"$run_dir/out" 2>"$run_dir/log"
headers=$(cat "$run_dir/out" "$run_dir/log" |
	sed -n '/^X-Sieve: /,/^$/p' |
	sed -e ':a' -e '$!N;s/\n[[:space:]]\{1,\}/ /;ta' -e 'P;D' |
	grep -i '^X-Bounce-Classification:')
expected="X-Bounce-Classification: type=hard; category=bad-mailbox; code=10; recipient=kijitora@example.jp"
if [ "$headers" = "$expected" ]; then
	pass "classify adds its header field and drops a forged one"
else
	fail "classify adds its header field and drops a forged one" \
		"expected: $expected" "got: $headers"
fi
if grep -q "classify action: bounce classified: type=hard category=bad-mailbox code=10 recipient=<kijitora@example.jp>" "$run_dir/log" &&
   grep -q "classify action: bounce classified: type=soft category=quota-issues code=22 recipient=<noraneko@example.jp>" "$run_dir/log"; then
	pass "executing classify logs every failed recipient"
else
	fail "executing classify logs every failed recipient" "$(cat "$run_dir/log")"
fi
"$SIEVE_TEST" -c "$conf" -e $(conf_sieve_test_maildir "$run_dir/mail") "$NOHEADER" \
	"$run_dir/forged.eml" >"$run_dir/out" 2>"$run_dir/log"
headers=$(cat "$run_dir/out" "$run_dir/log" |
	sed -n '/^X-Sieve: /,/^$/p' | grep -i '^X-Bounce-Classification:')
if [ "$headers" = "X-Bounce-Classification: type=none; forged" ]; then
	pass "classify :noheader leaves the header fields alone"
else
	fail "classify :noheader leaves the header fields alone" "got: $headers"
fi

echo "# a rules file that cannot be loaded"
printf 'no-such-directive here\n' > "$run_dir/bad.rules"
own_run_dir
for setting in "$run_dir/bad.rules" "$run_dir/missing.rules"; do
	got=$(sieve_actions -o "${conf_o}sieve_bounce_rules=$setting" "$SORT" "$HARD")
	if grep -q "vnd.bounce: cannot load the rules from $setting" "$run_dir/log" &&
	   grep -q "bounce classification is not available" "$run_dir/log" &&
	   grep -q "final result: failed; resolved with successful implicit keep" \
		"$run_dir/log"; then
		pass "unloadable rules ($(basename "$setting")): logged, the script fails at run time"
	else
		fail "unloadable rules ($(basename "$setting")): logged, the script fails at run time" \
			"$got" "$(cat "$run_dir/log")"
	fi
done
got=$(sieve_vars "$VARS" "$HARD" -o "${conf_o}sieve_bounce_rules=$run_dir/bad.rules")
if [ -z "$got" ] && grep -q "bounce classification is not available" "$run_dir/log"; then
	pass "unloadable rules: the bounce variables fail the script too"
else
	fail "unloadable rules: the bounce variables fail the script too" \
		"got: $got" "$(cat "$run_dir/log")"
fi

echo "# compile errors (sievec)"
n_compile=0
# check_compile DESCRIPTION EXPECTED-MESSAGE SCRIPT-TEXT [KIND]
# KIND: error (the default: sievec fails), warning (sievec succeeds),
# error-compiles (an error is reported, yet sievec succeeds)
check_compile() {
	desc=$1 expected=$2 text=$3 kind=${4:-error}
	n_compile=$((n_compile + 1))
	scr=$(printf '%s\n' "$text" | script "compile$n_compile")
	"$SIEVEC" -c "$conf" "$scr" "$run_dir/compile.svbin" \
		>"$run_dir/out" 2>&1
	status=$?
	case $kind in
	warning)
		ok_status=$([ $status -eq 0 ] && echo yes)
		line="warning: $expected" ;;
	error-compiles)
		ok_status=$([ $status -eq 0 ] && echo yes)
		line="error: $expected" ;;
	*)
		ok_status=$([ $status -ne 0 ] && echo yes)
		line="error: $expected" ;;
	esac
	if [ "$ok_status" = yes ] && grep -qF "$line" "$run_dir/out"; then
		pass "$desc"
	else
		fail "$desc" "status $status, expected: $line" \
			"$(cat "$run_dir/out")"
	fi
}
check_compile "bounce without require" "unknown test 'bounce'" \
	'if bounce { keep; }'
check_compile "classify without require" "unknown command 'classify'" \
	'classify;'
check_compile "unknown tag" "unknown tagged argument ':reason' for the bounce test" \
	'require "vnd.bounce"; if bounce :reason "x" { }'
check_compile "key list of the wrong type" \
	"the bounce test expects a string list as argument 1 (key list), but a number was found" \
	'require "vnd.bounce"; if bounce :code 10 { }'
check_compile "two field tags" \
	"the bounce test takes only one of :type, :category, :code, :status, :recipient, :diagnostic, :state and :softcount, but both :type and :code were given" \
	'require "vnd.bounce"; if bounce :type :code "10" { }'
check_compile "field tag without key list" \
	"the bounce test needs a key list after :category" \
	'require "vnd.bounce"; if bounce :category { }'
check_compile "match type without key list" \
	"the bounce test needs a key list when a comparator or match type is given" \
	'require "vnd.bounce"; if bounce :contains { }'
check_compile "two key lists" \
	"the bounce test takes at most one positional argument (a key list)" \
	'require "vnd.bounce"; if bounce "hard" "soft" { }'
check_compile "relational match type without require" \
	"unknown tagged argument ':value' for the bounce test" \
	'require "vnd.bounce"; if bounce :code :value "ge" "50" { }'
check_compile "classify with an argument" \
	"the classify command requires 0 positional argument(s)" \
	'require "vnd.bounce"; classify "hard";'
check_compile "classify with an unknown tag" \
	"unknown tagged argument ':flags' for the classify command" \
	'require "vnd.bounce"; classify :flags;'
check_compile "classify with a repeated tag" \
	"encountered duplicate :noflags argument for the classify command" \
	'require "vnd.bounce"; classify :noflags :noflags;'
check_compile "assigning a bounce variable" \
	"vnd.bounce: cannot assign to bounce.type: the bounce variables are read-only" \
	'require ["vnd.bounce", "variables"]; set "bounce.type" "hard";'
check_compile "bounce variables need variables" \
	"unknown command 'set'" \
	'require "vnd.bounce"; set "bounce.type" "hard";'
# Pigeonhole reports a bad variable inside a string but compiles on
check_compile "unknown bounce variable" \
	"vnd.bounce: unknown variable bounce.reason (known: type, category, code, status, recipient, diagnostic, state, softcount, count, repeat, notification)" \
	'require ["vnd.bounce", "variables", "fileinto"]; fileinto "${bounce.reason}";' \
	error-compiles
check_compile ":code with :value and no comparator warns" \
	"the bounce test compares :code values as text with :value unless :comparator \"i;ascii-numeric\" is given" \
	'require ["vnd.bounce", "relational"]; if bounce :code :value "ge" "50" { }' \
	warning
# the same test with the comparator compiles without warning
scr=$(printf '%s\n' 'require ["vnd.bounce", "relational", "comparator-i;ascii-numeric"];' \
	'if bounce :code :value "ge" :comparator "i;ascii-numeric" "50" { }' |
	script compile-clean)
if "$SIEVEC" -c "$conf" "$scr" "$run_dir/compile.svbin" >"$run_dir/out" 2>&1 &&
   [ ! -s "$run_dir/out" ]; then
	pass ":code with :value and i;ascii-numeric compiles cleanly"
else
	fail ":code with :value and i;ascii-numeric compiles cleanly" \
		"$(cat "$run_dir/out")"
fi

echo "# the examples of the specification compile cleanly"
spec=$top_srcdir/doc/vnd.bounce.txt
# An example: lines indented by six spaces, starting with "require".
awk -v dir="$run_dir/sieve" '
	/^      require/ && !in_example { n++; in_example = 1
		file = sprintf("%s/spec-example-%02d.sieve", dir, n) }
	in_example && /[^ ]/ && substr($0, 1, 6) != "      " { in_example = 0 }
	in_example { sub(/^      /, ""); print > file }
' "$spec"
own_run_dir
n_examples=0
for example in "$run_dir"/sieve/spec-example-*.sieve; do
	[ -f "$example" ] || continue
	n_examples=$((n_examples + 1))
	if "$SIEVEC" -c "$conf" "$example" "$run_dir/example.svbin" \
		>"$run_dir/out" 2>&1 && [ ! -s "$run_dir/out" ]; then
		pass "specification example $n_examples"
	else
		fail "specification example $n_examples" "$(cat "$example")" \
			"$(cat "$run_dir/out")"
	fi
done
[ "$n_examples" -ge 6 ] && pass "$n_examples examples found in the specification" ||
	fail "only $n_examples examples found in the specification"

echo "# sieve-dump shows readable operations"
DUMPED=$(script dumped <<'EOF'
require ["vnd.bounce", "fileinto", "variables", "relational",
	 "comparator-i;ascii-numeric"];
if bounce { classify :noflags :noheader; }
if bounce :code :value "ge" :comparator "i;ascii-numeric" "50" {
	fileinto "${bounce.type}/${bounce.count}";
}
EOF
)
"$SIEVEC" -c "$conf" "$DUMPED" "$run_dir/dumped.svbin" >/dev/null 2>&1
"$SIEVE_DUMP" -c "$conf" "$run_dir/dumped.svbin" >"$run_dir/out" 2>&1
dump=$(sed -e 's/^[0-9a-f]*: *[0-9]*: *//' -e 's/^[0-9a-f]*: *//' \
	-e 's/^[[:space:]]*//' "$run_dir/out")
missing=
for want in "BOUNCE" "any failed recipient" "field: code" \
	    "match type: value-ge" "comparator: i;ascii-numeric" \
	    'key list: STR[2] "50"' "CLASSIFY" \
	    "noflags: no IMAP keywords" \
	    "noheader: no X-Bounce-Classification header" \
	    'VAR ${bounce.type}' 'VAR ${bounce.count}'; do
	printf '%s\n' "$dump" | grep -qF "$want" || missing="$missing [$want]"
done
if [ -z "$missing" ]; then
	pass "sieve-dump shows the test, the action and the variables"
else
	fail "sieve-dump shows the test, the action and the variables" \
		"missing:$missing" "$(cat "$run_dir/out")"
fi

echo "# the plugin without its extension module"
# The plugin opens sieve-bounce-extension.so beside itself: without it,
# the reason is logged and a script requiring vnd.bounce does not compile.
mv "$run_dir/plugins/sieve-bounce-extension.so" "$run_dir/extension.so"
scr=$(script no-extension <<-EOF
require ["vnd.bounce"];
if bounce { keep; }
EOF
)
if "$SIEVEC" -c "$conf" "$scr" "$run_dir/no-extension.svbin" \
	>"$run_dir/out" 2>&1; then
	fail "without its extension module, a script requiring vnd.bounce fails" \
		"$(cat "$run_dir/out")"
elif grep -q 'vnd.bounce: dlopen(.*/sieve-bounce-extension.so) failed' \
	"$run_dir/out"; then
	pass "without its extension module, the plugin says why and the script fails"
else
	fail "without its extension module, the plugin says why" \
		"$(cat "$run_dir/out")"
fi
mv "$run_dir/extension.so" "$run_dir/plugins/sieve-bounce-extension.so"

echo "# Sieve sees what bounce-classify sees, for every sample"
# BOUNCE_SIEVE_CORPUS=DIR adds every message of DIR (e.g. the whole
# Sisimai set) to the comparison.
set -- "$top_srcdir"/tests/samples/*.eml "$top_srcdir"/tests/sieve/messages/*.eml \
	"$top_srcdir"/examples/messages/*.eml
if [ -n "${BOUNCE_SIEVE_CORPUS:-}" ]; then
	set -- "$@" "$BOUNCE_SIEVE_CORPUS"/*.eml
fi
classify_tool=$builddir/src/tools/bounce-classify
if [ -x "$classify_tool" ]; then
	for m in "$@"; do
		[ -f "$m" ] || continue
		# the primary recipient: first of the most severe type
		want=$("$classify_tool" --rules="$top_srcdir/conf.d/bounce.rules" \
			"$m" | awk -F'\t' '
			BEGIN { sev["complaint"] = 4; sev["hard"] = 3;
				sev["soft"] = 2; sev["other"] = 1 }
			$4 != "none" && $4 != "" {
				n++
				if (sev[$4] > best) { best = sev[$4]; p = $0 }
			}
			END {
				if (n == 0) { print "none|||||0|"; exit }
				split(p, f, "\t")
				print f[4] "|" f[5] "|" f[6] "|" f[7] "|" f[3] "|" n "|" f[10]
			}')
		got=$(sieve_vars "$VARS_DIAG" "$(readable "$m")")
		if [ "$got" = "$want" ]; then
			pass "same classification: $(basename "$m")"
		else
			fail "same classification: $(basename "$m")" \
				"bounce-classify: $want" "sieve:           $got"
		fi
	done
else
	fail "bounce-classify not built: cannot cross-check"
fi

finish
