#!/bin/bash
# What the plugin costs where the administrator guide delivers: a real
# Dovecot (master, auth, lmtp processes) started here with a private
# configuration in a temporary directory, one instance with the plugin and
# the guide's global script (A: sieve_before, classify, fileinto by type,
# the file dict, the report feed, the rules cache), one without the plugin
# (B: a global script filing each message into the folder A files it
# into, named by the envelope recipient's detail, so that both fill the
# same folders). An LMTP client (bench/lmtp-client.py) delivers N
# messages over C connections (Unix sockets in the temporary directory)
# to A, then to B, in turns (A first, then B first), ROUNDS times, and
# prints the messages per second (median over the rounds) of each, the
# daemons' CPU time per message, and the ratios with their spread. Each
# run starts with empty mailboxes (and an empty feed spool and state
# dict): Dovecot's own cost per delivery grows with a mailbox's
# transaction log, which would otherwise make the later rounds' ratios
# smaller, and so does the file dict's with the notifications it
# records. The previous run's files are moved aside, not deleted, until
# the end: on ext4 without a journal (this development machine's), a
# file created walks past every inode freed in its block group within
# the last minute or more, so the thousands a deletion frees would tax
# each file the next run creates. Every delivery is a notification of
# its own (the client gives each its own Message-ID), as a bounce
# mailbox receives them: A counts each and writes its feed record, where
# delivering the same samples again would only find them counted.
#
# usage: lmtp-bench.sh [-n MESSAGES] [-c CONNECTIONS] [-r ROUNDS]
#                      [--ordinary] [--dict file|sqlite] [--markdown]
# --dict sqlite keeps A's state in SQLite through the dict service of A's
# own dovecot, as the administrator guide sets it up beyond a few
# thousand addresses (the shipped map and table; the database is not
# emptied between runs, which its cost does not depend on).
# The messages are the bounces of tests/samples (not the is-not-bounce
# ones), from the null return path; --ordinary delivers
# bench/ordinary-messages.py's four messages instead, from a person's
# address, as ordinary mail comes. Run from the build tree
# (BOUNCE_BUILDDIR otherwise), as root (Dovecot's master runs as root;
# deliveries run as nobody). The temporary directory is made in TMPDIR
# (/tmp by default), which chooses the file system measured.

n=2000
conns=4
rounds=5
mode=bounces
store=file
markdown=
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift ;;
	-c) conns=$2; shift ;;
	-r) rounds=$2; shift ;;
	--ordinary) mode=ordinary ;;
	--dict) store=$2; shift ;;
	--markdown) markdown=1 ;;
	*) echo "usage: $0 [-n MESSAGES] [-c CONNECTIONS] [-r ROUNDS] [--ordinary] [--dict file|sqlite] [--markdown]" >&2
	   exit 2 ;;
	esac
	shift
done

bench_dir=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$bench_dir/.." && pwd)
builddir=$(cd "${BOUNCE_BUILDDIR:-.}" && pwd)
plugin_so=$builddir/.libs/lib90_sieve_bounce_plugin.so
extension_so=$builddir/.libs/sieve-bounce-extension.so
classify=$builddir/src/tools/bounce-classify

if [ "$(id -u)" -ne 0 ]; then
	echo "lmtp-bench: runs a dovecot daemon and needs root" >&2
	exit 77
fi
for prog in dovecot doveadm sievec python3; do
	command -v "$prog" >/dev/null 2>&1 ||
		{ echo "lmtp-bench: $prog not found" >&2; exit 77; }
done
case $store in
file) ;;
sqlite)
	if ! command -v sqlite3 >/dev/null 2>&1 ||
	   [ ! -f /usr/lib/dovecot/modules/dict/libdriver_sqlite.so ]; then
		echo "lmtp-bench: --dict sqlite needs sqlite3 and dovecot-sqlite" >&2
		exit 77
	fi ;;
*) echo "lmtp-bench: --dict file or sqlite" >&2; exit 2 ;;
esac
if [ ! -x /usr/lib/dovecot/lmtp ]; then
	echo "lmtp-bench: dovecot-lmtpd is not installed" >&2
	exit 77
fi
if [ ! -f "$plugin_so" ] || [ ! -f "$extension_so" ] ||
   [ ! -x "$classify" ]; then
	echo "lmtp-bench: build the tree first ($plugin_so)" >&2
	exit 1
fi

uid=$(id -u nobody)
gid=$(id -g nobody)
T=$(mktemp -d "${TMPDIR:-/tmp}/bounce-lmtp-bench.XXXXXX") || exit 1
chmod 755 "$T"

stop_dovecot() { # VARIANT
	local pidfile=$T/$1/run/master.pid pid i=0
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	doveadm -c "$T/$1/dovecot.conf" stop 2>/dev/null || kill "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}
cleanup() {
	stop_dovecot A
	stop_dovecot B
	if [ -n "${KEEP_RUN_DIR:-}" ]; then
		echo "run directory kept: $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$T/plugins" "$T/rules" "$T/messages"
cp "$plugin_so" "$extension_so" "$T/plugins/"
cp -R "$top_srcdir/conf.d/bounce.rules" "$top_srcdir/conf.d/bounce.rules.d" \
	"$T/rules/"
chmod -R a+rX "$T/plugins" "$T/rules"

# The messages, and for each the folder A files it into (B is told by the
# envelope recipient's detail): Bounces/TYPE of the most severe failed
# recipient, or INBOX.
if [ $mode = ordinary ]; then
	python3 "$bench_dir/ordinary-messages.py" "$T/messages" || exit 1
else
	for f in "$top_srcdir"/tests/samples/*.eml; do
		case $(basename "$f") in is-not-bounce-*) continue ;; esac
		cp "$f" "$T/messages/"
	done
fi
chmod a+r "$T/messages"/*
specs=()
while IFS=$'\t' read -r file folder; do
	specs+=("bounces@example.org bounces+$folder@example.org $file")
done < <("$classify" --rules="$T/rules/bounce.rules" "$T/messages" |
	awk -F'\t' 'BEGIN { sev["other"] = 1; sev["soft"] = 2; sev["hard"] = 3
		sev["complaint"] = 4 }
	{ sub(/\.eml:[0-9]+$/, ".eml", $1)  # a message of an mbox file
	  s = sev[$4] + 0; if (!($1 in best)) { best[$1] = 0; order[++n] = $1 }
	  if (s > best[$1]) { best[$1] = s; type[$1] = $4 } }
	END { for (i = 1; i <= n; i++) { f = order[i]
		print f "\t" (best[f] ? "Bounces/" type[f] : "INBOX") } }')
if [ ${#specs[@]} -eq 0 ]; then
	echo "lmtp-bench: no messages" >&2
	exit 1
fi

mkconf() { # VARIANT
	local v=$1 d=$T/$1
	mkdir -p "$d/run" "$d/state" "$d/home" "$d/feed"
	chown "$uid:$gid" "$d/home" "$d/feed"
	echo "bounces@example.org:{PLAIN}unused:$uid:$gid::$d/home::" > "$d/passwd"
	dict='file:~/bounce-state.dict'
	if [ "$v" = A ] && [ $store = sqlite ]; then
		# the guide's database, made as the dict service's user
		mkdir -p "$d/sqlite"
		chown dovecot:dovecot "$d/sqlite"
		setpriv --reuid=dovecot --regid=dovecot --clear-groups \
			sqlite3 "$d/sqlite/state.sqlite" \
			< "$top_srcdir/conf.d/bounce-state-sqlite.sql" || exit 1
		sed "s|^connect = .*|connect = $d/sqlite/state.sqlite|" \
			"$top_srcdir/conf.d/2.3/dovecot-dict-bounce-sqlite.conf.ext" \
			> "$d/sqlite/dict.conf.ext"
		dict=proxy::bouncestate
	fi
	cat > "$d/dovecot.conf" <<CONF
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
ssl = no
protocols = lmtp
postmaster_address = postmaster@example.org
mail_location = maildir:~/Maildir
recipient_delimiter = +
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = $d/passwd
}
userdb {
  driver = passwd-file
  args = $d/passwd
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
protocol lmtp {
  mail_plugins = \$mail_plugins sieve
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_before = $d/bounces.sieve
CONF
	if [ "$v" = A ]; then
		cat >> "$d/dovecot.conf" <<CONF
  sieve_plugin_dir = $T/plugins
  sieve_plugins = sieve_bounce
  sieve_global_extensions = +vnd.bounce
  sieve_bounce_rules = $T/rules/bounce.rules
  sieve_bounce_rules_cache = ~/.bounce-rules.cache
  sieve_bounce_dict = $dict
  sieve_bounce_feed_dir = $d/feed
}
CONF
		[ $store = file ] || cat >> "$d/dovecot.conf" <<CONF
dict {
  bouncestate = sqlite:$d/sqlite/dict.conf.ext
}
service dict {
  unix_listener dict {
    mode = 0666
  }
}
CONF
		cat > "$d/bounces.sieve" <<'SIEVE'
require ["vnd.bounce", "fileinto", "mailbox", "variables"];
if bounce {
  classify;
  fileinto :create "Bounces/${bounce.type}";
  stop;
}
SIEVE
	else
		echo "}" >> "$d/dovecot.conf"
		cat > "$d/bounces.sieve" <<'SIEVE'
require ["fileinto", "mailbox", "envelope", "subaddress", "variables"];
if envelope :detail :matches "to" "*" {
  fileinto :create "${1}";
  stop;
}
SIEVE
	fi
	sievec -c "$d/dovecot.conf" "$d/bounces.sieve" || exit 1
	dovecot -c "$d/dovecot.conf" || { cat "$d/dovecot.log"; exit 1; }
}
mkconf A
mkconf B
i=0
while [ ! -S "$T/A/run/lmtp" ] || [ ! -S "$T/B/run/lmtp" ]; do
	[ $i -lt 100 ] || { echo "lmtp-bench: no LMTP socket" >&2; exit 1; }
	sleep 0.1
	i=$((i + 1))
done

# ordinary mail comes from a person's address, bounces from the null one
sender=()
[ $mode = ordinary ] && sender=(--from sender@example.net)
result=$(python3 "$bench_dir/lmtp-client.py" "${sender[@]}" \
	"$n" "$conns" "$rounds" \
	"$T/A/run/lmtp" "$T/A/run/master.pid" \
	"$T/A/home/Maildir:$T/A/feed/new:$T/A/home/bounce-state.dict" \
	"$T/B/run/lmtp" "$T/B/run/master.pid" "$T/B/home/Maildir" \
	"${specs[@]}") || {
	grep -h -m5 -E '(Error|Fatal|Panic):' "$T/A/dovecot.log" "$T/B/dovecot.log"
	exit 1
}
if grep -q -E '(Error|Fatal|Panic):' "$T/A/dovecot.log" "$T/B/dovecot.log"; then
	grep -h -m5 -E '(Error|Fatal|Panic):' "$T/A/dovecot.log" "$T/B/dovecot.log"
	exit 1
fi
# A really classified: its bounces are in Bounces/ and in the feed
if [ $mode = bounces ] && { [ ! -d "$T/A/home/Maildir/.Bounces.hard" ] ||
	[ -z "$(ls "$T/A/feed/new" 2>/dev/null)" ]; }; then
	echo "lmtp-bench: A filed nothing into Bounces/ or wrote no feed" >&2
	exit 1
fi

set -- $result
# n conns rounds rateA rateB cpuA cpuB ratio min max cpuratio min max
if [ -n "$markdown" ]; then
	echo "| LMTP, $mode ($1 messages, $2 connections, $3 rounds) | messages/s | CPU ms per message |"
	echo "|---|--:|--:|"
	echo "| A: plugin + guide's global script (classify, $store dict, feed) | $4 | $6 |"
	echo "| B: no plugin, plain fileinto global script | $5 | $7 |"
	echo "| time A/B (rounds: min to max) | $8 ($9 to ${10}) | ${11} (${12} to ${13}) |"
else
	echo "LMTP, $mode: $1 messages over $2 connections, $3 rounds"
	echo "A (plugin + guide's script, $store dict): $4 messages/s, CPU $6 ms/message"
	echo "B (no plugin, plain fileinto): $5 messages/s, CPU $7 ms/message"
	echo "A/B: wall $8 (rounds $9 to ${10}), CPU ${11} (rounds ${12} to ${13})"
fi
