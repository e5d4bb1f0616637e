#!/bin/sh
# Live test of the installed package: a real dovecot daemon on loopback
# with an LMTP listener, a passwd-file user with a Maildir, the installed
# plugin and conf.d snippet, and a global before-script like the README's.
# Real bounces from tests/samples go in over LMTP; the test asserts their
# folders, keywords and X-Bounce-Classification headers, the report feed
# and the per-address state, then stops the daemon. Everything lives in a
# temporary directory: the system's /etc/dovecot is only read (the
# installed 90-sieve-bounce.conf is included), never changed.
#
# Needs root (dovecot's master runs as root) and the installed package.
# Exit status: 0 pass, 1 fail, 77 skipped.

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
samples=$srcdir/tests/samples
SNIPPET=${BOUNCE_CONF_SNIPPET:-/etc/dovecot/conf.d/90-sieve-bounce.conf}
PLUGIN=/usr/lib/dovecot/modules/sieve/lib90_sieve_bounce_plugin.so

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the live test runs dovecot and needs root"; exit 77
fi
for prog in dovecot doveadm sievec bounce-feed bounce-state python3; do
	command -v "$prog" >/dev/null 2>&1 ||
		{ echo "SKIP: $prog not installed"; exit 77; }
done
if [ ! -f "$PLUGIN" ] || [ ! -f "$SNIPPET" ] || [ ! -x /usr/lib/dovecot/lmtp ]; then
	echo "SKIP: dovecot-sieve-bounce or dovecot-lmtpd not installed"; exit 77
fi

user=bounces@example.org
uid=$(id -u nobody); gid=$(id -g nobody)
T=$(mktemp -d /tmp/bounce-live.XXXXXX) || exit 1
chmod 755 "$T"
conf=$T/dovecot.conf
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

mkdir -p "$T/run" "$T/state" "$T/home" "$T/global" "$T/feed"
chown "$uid:$gid" "$T/home" "$T/feed"
echo "$user:{PLAIN}unused:$uid:$gid::$T/home::" > "$T/passwd"

cat > "$conf" <<CONF
base_dir = $T/run
state_dir = $T/state
log_path = $T/dovecot.log
ssl = no
protocols = lmtp
listen = 127.0.0.1
postmaster_address = postmaster@example.org
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = $T/passwd
}
userdb {
  driver = passwd-file
  args = $T/passwd
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $port
  }
}
protocol lmtp {
  mail_plugins = \$mail_plugins sieve
}
!include $SNIPPET
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_global_extensions = +vnd.bounce
  sieve_before = $T/global/bounces.sieve
  sieve_bounce_dict = file:~/bounce-state.dict
  sieve_bounce_feed_dir = $T/feed
}
CONF

cat > "$T/global/bounces.sieve" <<'SIEVE'
require ["vnd.bounce", "fileinto", "mailbox", "variables"];
if bounce {
  classify;
  fileinto :create "Bounces/${bounce.type}";
  stop;
}
SIEVE
if ! sievec -c "$conf" "$T/global/bounces.sieve" 2>"$T/sievec.err"; then
	cat "$T/sievec.err"; echo "FAIL: the global script does not compile"; exit 1
fi

passed=0; failed=0
check() { # check NAME COMMAND...: one assertion
	what=$1; shift
	if "$@"; then passed=$((passed + 1)); echo "ok - $what"
	else failed=$((failed + 1)); echo "not ok - $what"; fi
}

# what an administrator sees: the installed snippet and the site's settings
settings=$(doveconf -c "$conf" -n 2>&1)
check "doveconf -n shows sieve_plugins = sieve_bounce" \
	sh -c 'echo "$1" | grep -q "^ *sieve_plugins = sieve_bounce$"' - "$settings"
check "doveconf -n shows sieve_bounce_feed_dir" \
	sh -c 'echo "$1" | grep -q "^ *sieve_bounce_feed_dir = $2$"' - "$settings" "$T/feed"

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
python3 - "$port" "$user" "$samples" "$@" <<'PY' || failed=$((failed + 1))
import smtplib, sys
port, user, samples, names = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
lmtp = smtplib.LMTP("127.0.0.1", port)
for name in names:
    with open(f"{samples}/{name}", "rb") as f:
        data = f.read()
    # a header naming the sample lets the test find the stored message
    refused = lmtp.sendmail("", [user], b"X-Live-Sample: " + name.encode() + b"\r\n" + data)
    if refused:
        sys.exit(f"LMTP refused {name}: {refused}")
lmtp.quit()
PY

fetch=$(doveadm -c "$conf" -f tab fetch -u "$user" \
	"mailbox flags hdr.x-live-sample hdr.x-bounce-classification" ALL 2>&1)
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
	state=$(bounce-state --dict "file:$T/home/bounce-state.dict" show "$rcpt" 2>&1)
	# show prints: address, state, soft count
	case $type in
	hard|complaint) want="returned	0" ;;
	soft) want="active	1" ;;
	*) want="active	0" ;;
	esac
	check "$name: state of $rcpt is $want" \
		test "$(echo "$state" | cut -f2,3)" = "$want"
done

check "the daemon stops cleanly" stop_dovecot
if [ "$failed" -ne 0 ]; then
	echo "--- doveadm fetch"; echo "$fetch"; echo "--- dovecot.log"; tail -30 "$T/dovecot.log"
fi
echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
