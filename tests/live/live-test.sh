#!/bin/sh
# Live test of the installed package, set up the way the README's
# administrator guide says: a copy of the installed Dovecot's stock
# /etc/dovecot (with the package's 90-sieve-bounce.conf), to which the
# guide's blocks for this release line (2.3 or 2.4) are appended, taken
# from the README itself, with /etc/dovecot and the feed directory moved
# into a temporary directory. What only a test needs (its own base_dir,
# log, an LMTP listener on a free loopback port, a passwd-file user with a
# Maildir, no SSL) is in a file of its own that the copy's dovecot.conf
# includes last. A real
# dovecot daemon; real bounces from tests/samples go in over LMTP; the test
# asserts their folders, keywords and X-Bounce-Classification headers, the
# report feed and the per-address state, and that the tools read the
# configuration; then it stops the daemon. The system's /etc/dovecot is
# only read, never changed.
#
# BOUNCE_LIVE_RESULTS=FILE: also write what the deliveries gave (folders,
# keywords, headers, feed records and state, without times) to FILE, for
# comparing the release lines (test.sh).
#
# Needs root (dovecot's master runs as root) and the installed package.
# Exit status: 0 pass, 1 fail, 77 skipped.

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
samples=$srcdir/tests/samples
readme=$srcdir/README
PLUGIN=/usr/lib/dovecot/modules/sieve/lib90_sieve_bounce_plugin.so
. "$srcdir/tests/dovecot-conf.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the live test runs dovecot and needs root"; exit 77
fi
for prog in dovecot doveadm doveconf sievec bounce-feed bounce-state python3; do
	command -v "$prog" >/dev/null 2>&1 ||
		{ echo "SKIP: $prog not installed"; exit 77; }
done
if [ ! -f "$PLUGIN" ] || [ ! -f /etc/dovecot/conf.d/90-sieve-bounce.conf ] ||
   [ ! -x /usr/lib/dovecot/lmtp ]; then
	echo "SKIP: dovecot-sieve-bounce or dovecot-lmtpd not installed"; exit 77
fi

# the bounce mailbox's address, and its user: a system-like user without
# a domain, as trixie's stock 20-lmtp.conf maps recipients to users (the
# test's own configuration maps them the same way on 2.3)
rcpt=bounces@example.org
user=bounces
uid=$(id -u nobody); gid=$(id -g nobody)
T=$(mktemp -d /tmp/bounce-live.XXXXXX) || exit 1
chmod 755 "$T"
conf=$T/etc/dovecot/dovecot.conf
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop_dovecot() {
	if [ -f "$T/run/master.pid" ]; then
		pid=$(cat "$T/run/master.pid")
		doveadm -c "$conf" stop 2>/dev/null || kill "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "dovecot $pid did not stop" >&2
			kill -9 "$pid" 2>/dev/null
			return 1
		fi
	fi
	return 0
}
cleanup() {
	stop_dovecot
	[ -n "${KEEP_RUN_DIR:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT

passed=0; failed=0
check() { # check NAME COMMAND...: one assertion
	what=$1; shift
	if "$@"; then passed=$((passed + 1)); echo "ok - $what"
	else failed=$((failed + 1)); echo "not ok - $what"; fi
}

mkdir -p "$T/run" "$T/state" "$T/home" "$T/feed" "$T/etc"
chown "$uid:$gid" "$T/home" "$T/feed"
echo "$user:{PLAIN}unused:$uid:$gid::$T/home::" > "$T/passwd"

# The stock configuration, then the guide's blocks: in the README, an
# indented block whose first line is "# FILE" or "# FILE (Dovecot 2.x)"
# or "# FILE (Dovecot 2.x, NOTE)" goes at the end of FILE.
cp -a /etc/dovecot "$T/etc/"
etc=$T/etc/dovecot
# The test runs without SSL: a certificate or key the stock 10-ssl.conf
# names but the machine lacks (no snakeoil certificate made) would stop
# doveconf, which reads them all the same. Those lines go.
for file in $(sed -n 's/^ssl_[a-z_]* *= *<\{0,1\}\(\/[^ ]*\)$/\1/p' \
		"$etc/conf.d/10-ssl.conf"); do
	[ -e "$file" ] ||
		sed -i "\|^ssl_[a-z_]* *= *<\{0,1\}$file\$|d" "$etc/conf.d/10-ssl.conf"
done
mkdir -p "$T/blocks"
: > "$T/blocks/targets"
awk -v line="$dovecot_line" -v out="$T/blocks" '
	function flush() { if (file != "") close(file); file = "" }
	/^        # \/etc\/dovecot\/[^ ]+( \(Dovecot 2\.[0-9]+(, [^)]*)?\))?$/ {
		flush()
		target = $2
		if ($3 != "" && $4 !~ "^" line "[,)]") next
		n++
		file = out "/" n
		print target > (out "/targets")
		print > file
		next
	}
	file != "" && /^        / { print substr($0, 9) > file; next }
	{ flush() }
' "$readme"
relocate() {
	sed -e "s|/etc/dovecot|$etc|g" -e "s|/var/mail/bounce-feed|$T/feed|g" "$@"
}
nblocks=0
while read -r target; do
	nblocks=$((nblocks + 1))
	dest=$(echo "$target" | relocate)
	mkdir -p "$(dirname "$dest")"
	relocate "$T/blocks/$nblocks" >> "$dest"
done < "$T/blocks/targets"
# 20-lmtp.conf, 10-mail.conf, local.conf twice, the script
check "the README's guide has 5 blocks for Dovecot $dovecot_line" \
	test "$nblocks" -eq 5

# dovecot.conf's last line: a file included after local.conf
echo "!include $T/harness.conf" >> "$etc/dovecot.conf"
{
	echo "base_dir = $T/run"
	echo "state_dir = $T/state"
	echo "log_path = $T/dovecot.log"
	echo "ssl = no"
	echo "protocols = lmtp"
	echo "listen = 127.0.0.1"
	conf_passwd_file "$T/passwd"
	conf_lmtp_listener "$port"
	echo "protocol lmtp {"
	if [ "$dovecot_line" = 2.4 ]; then
		echo "  auth_username_format = %{user | username | lower}"
	else
		echo "  auth_username_format = %Ln"
	fi
	echo "}"
} > "$T/harness.conf"

# the guide's step 4: compile the script
script=$etc/sieve/bounces.sieve
if ! sievec -c "$conf" "$script" 2>"$T/sievec.err"; then
	cat "$T/sievec.err"; echo "FAIL: the global script does not compile"; exit 1
fi

# what an administrator sees: the installed snippet and the site's settings
settings=$(doveconf -c "$conf" -n 2>&1)
check "doveconf -n shows the plugin loaded" \
	sh -c 'printf "%s\n" "$1" | grep -Eq "^ *sieve_plugins = sieve_bounce$|^ *sieve_bounce = yes$"' \
	- "$settings"
check "doveconf -n shows the feed directory" \
	sh -c 'printf "%s\n" "$1" | grep -Eq "^ *(sieve_bounce_)?feed_dir = $2$"' \
	- "$settings" "$T/feed"

dovecot -c "$conf" || { cat "$T/dovecot.log"; exit 1; }
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || { cat "$T/dovecot.log"; echo "FAIL: no LMTP listener"; exit 1; }
	sleep 0.1
done

# A mixed set: hard, soft, other, a complaint and a non-bounce. What each
# should become comes from the shared expected.tsv.
set -- lhost-amavis-01.eml lhost-v5sendmail-02.eml lhost-biglobe-01.eml \
	rhost-spectrum-01.eml lhost-amazonses-01.eml arf-01.eml \
	is-not-bounce-01.eml
python3 - "$port" "$rcpt" "$samples" "$@" <<'PY' || failed=$((failed + 1))
import smtplib, sys
port, rcpt, samples, names = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
lmtp = smtplib.LMTP("127.0.0.1", port)
for name in names:
    with open(f"{samples}/{name}", "rb") as f:
        data = f.read()
    # a header naming the sample lets the test find the stored message
    refused = lmtp.sendmail("", [rcpt], b"X-Live-Sample: " + name.encode() + b"\r\n" + data)
    if refused:
        sys.exit(f"LMTP refused {name}: {refused}")
lmtp.quit()
PY

fetch=$(doveadm -c "$conf" -f tab fetch -u "$user" \
	"mailbox flags hdr.x-live-sample hdr.x-bounce-classification" ALL 2>&1)
dict="file:$T/home/bounce-state.dict"
for name in "$@"; do
	row=$(awk -F'\t' -v f="$name" '$1 == f' "$samples/expected.tsv")
	type=$(echo "$row" | cut -f3); category=$(echo "$row" | cut -f4)
	rcpt=$(echo "$row" | cut -f2)
	got=$(echo "$fetch" | awk -F'\t' -v f="$name" '$3 == f')
	if [ "$type" = none ]; then
		check "$name: in INBOX, untagged" \
			test "$(echo "$got" | cut -f1)" = INBOX -a -z "$(echo "$got" | cut -f4)"
		continue
	fi
	kw='$Bounce'$(echo "$type" | sed 's/^./\U&/')
	check "$name: filed into Bounces/$type" test "$(echo "$got" | cut -f1)" = "Bounces/$type"
	check "$name: keyword $kw" sh -c 'echo "$1" | cut -f2 | grep -qF -- "$2"' - "$got" "$kw"
	check "$name: X-Bounce-Classification type=$type; category=$category" \
		sh -c 'echo "$1" | cut -f4 | grep -q "type=$2; category=$3"' - "$got" "$type" "$category"
	check "$name: feed record for $rcpt ($type)" \
		sh -c 'printf "%s\n" "$1" | grep -A3 "<recipient>$2</recipient>" | grep -q "<type>$3</type>"' \
		- "$(bounce-feed --spool "$T/feed")" "$rcpt" "$type"
	state=$(bounce-state --dict "$dict" show "$rcpt" 2>&1)
	# show prints: address, state, soft count
	case $type in
	hard|complaint) want="returned	0" ;;
	soft) want="active	1" ;;
	*) want="active	0" ;;
	esac
	check "$name: state of $rcpt is $want" \
		test "$(echo "$state" | cut -f2,3)" = "$want"
done

# the tools read the configuration of the release line
check "bounce-feed -c finds the feed directory in the configuration" \
	sh -c '[ "$(bounce-feed -c "$1" --format=csv)" = "$(bounce-feed --spool "$2" --format=csv)" ]' \
	- "$conf" "$T/feed"
check "bounce-state -c finds the dict of each user's home in the configuration" \
	sh -c 'bounce-state -c "$1" list 2>&1 | grep -q "per user"' - "$conf"

# What the release lines must agree on: each message's folder, keywords
# and header, the feed's records and the state, without times and ids.
if [ -n "${BOUNCE_LIVE_RESULTS:-}" ]; then
	{
		echo "# messages: sample, folder, keywords, X-Bounce-Classification"
		# (a folded header unfolded)
		printf '%s\n' "$fetch" | sed -e ':a' -e '$!N;s/\n[ \t]\{1,\}/ /;ta' -e 'P;D' |
		awk -F'\t' 'NR > 1 {
			n = split($2, f, " "); kw = ""
			for (i = 1; i <= n; i++) if (f[i] !~ /^\\/) kw = kw " " f[i]
			print $3 "\t" $1 "\t" substr(kw, 2) "\t" $4 }' | sort
		echo "# feed records (without id and time), one a line"
		bounce-feed --spool "$T/feed" --format=csv | python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
for row in sorted(rows, key=lambda r: sorted(r.items())):
    print(repr({k: v for k, v in row.items() if k not in ("id", "time")}))'
		echo "# state (without the time an address was returned)"
		bounce-state --dict "$dict" list | cut -f1-3,5- | sort
	} > "$BOUNCE_LIVE_RESULTS"
fi

check "the daemon stops cleanly" stop_dovecot

# Dovecot 2.4 without the settings module (a package half removed, or a
# plugin copied by hand): a configuration with the shipped snippet alone
# still loads, and a bounce is delivered to INBOX by the implicit keep
# after one error naming the module, while scripts that do not use the
# extension work as before. (With the module gone, doveconf refuses any
# sieve_bounce_* setting: the configuration cannot name one.)
module=/usr/lib/dovecot/modules/settings/lib90_sieve_bounce_settings.so
if [ "$dovecot_line" = 2.4 ] && [ -f "$module" ]; then
	S=$T/no-module
	mkdir -p "$S/home"
	{
		conf_header
		echo "base_dir = $S"
		echo "log_path = /dev/stderr"
		conf_maildir "$S/Maildir"
		echo "mail_home = $S/home"
		echo "!include /etc/dovecot/conf.d/90-sieve-bounce.conf"
	} > "$S/dovecot.conf"
	printf 'require ["vnd.bounce", "fileinto"];\nif bounce { fileinto "Bounces"; }\n' \
		> "$S/bounce.sieve"
	printf 'require ["fileinto", "mailbox"];\nfileinto :create "Plain";\n' \
		> "$S/plain.sieve"
	cp "$samples/lhost-amavis-01.eml" "$S/msg.eml"
	chown -R "$uid:$gid" "$S"
	mv "$module" "$T/settings-module.so"
	(cd "$S" && HOME=$S/home setpriv --reuid="$uid" --regid="$gid" \
		--clear-groups sieve-test -c "$S/dovecot.conf" -e -t - \
		"$S/bounce.sieve" "$S/msg.eml") > "$S/bounce.out" 2>&1
	(cd "$S" && HOME=$S/home setpriv --reuid="$uid" --regid="$gid" \
		--clear-groups sieve-test -c "$S/dovecot.conf" -e \
		"$S/plain.sieve" "$S/msg.eml") > "$S/plain.out" 2>&1
	mv "$T/settings-module.so" "$module"
	check "without the settings module: one error naming it" \
		test "$(grep -c "Error: .*vnd.bounce.*settings module $module" "$S/bounce.out")" -eq 1
	check "without the settings module: the bounce kept in INBOX" \
		grep -q "final result: failed; resolved with successful implicit keep" "$S/bounce.out"
	check "without the settings module: other scripts unaffected" \
		grep -q "stored mail into mailbox 'Plain'" "$S/plain.out"
	[ "$failed" -eq 0 ] || cat "$S/bounce.out" "$S/plain.out"
fi
if [ "$failed" -ne 0 ]; then
	echo "--- doveadm fetch"; echo "$fetch"; echo "--- dovecot.log"; tail -30 "$T/dovecot.log"
fi
echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
