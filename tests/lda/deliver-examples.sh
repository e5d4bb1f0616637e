#!/bin/sh
# Delivers every message of a directory through dovecot-lda, with the
# vnd.bounce plugin from the build tree and the global script below, into
# a throwaway Maildir, and prints per message where it went and how it was
# classified.
#
#   require ["vnd.bounce", "fileinto", "mailbox", "variables"];
#   if bounce {
#     classify;
#     fileinto :create "Bounces/${bounce.type}";
#     stop;
#   }
#
# Usage: deliver-examples.sh [-v] [-k] [DIR | FILE...]
#   DIR   messages to deliver (default: examples/messages)
#   -v    also print dovecot-lda's log for each message
#   -k    keep the Maildir and the configuration (the path is printed)
# The build tree is $BOUNCE_BUILDDIR, else the current directory if the
# plugin was built there, else build/ in the source tree. As root, the
# messages are delivered as nobody (or $BOUNCE_TEST_USER).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ -z "${BOUNCE_BUILDDIR:-}" ]; then
	if [ -f .libs/lib90_sieve_bounce_plugin.so ]; then
		BOUNCE_BUILDDIR=.
	else
		BOUNCE_BUILDDIR=$top/build
	fi
fi

verbose=
while getopts vk opt; do
	case $opt in
	v) verbose=1 ;;
	k) KEEP_RUN_DIR=1 ;;
	*) sed -n 's/^# \{0,1\}//; /^Usage:/,/^$/p' "$0" >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))

. "$here/../sieve/env.sh"
. "$here/deliver-lib.sh"
need_programs "$DOVECOT_LDA"
[ "$(id -u)" -ne 0 ] || need_programs setpriv

[ $# -gt 0 ] || set -- "$top/examples/messages"
if [ $# -eq 1 ] && [ -d "$1" ]; then
	dir=$1
	set --
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		case $f in
		*.eml|*.msg|*.txt) set -- "$@" "$f" ;;
		esac
	done
fi
if [ $# -eq 0 ]; then
	echo "no messages to deliver" >&2
	exit 66
fi

setup_delivery

row() {
	printf '%-28s %-19s %-25s %s\n' "$1" "$2" "$3" "$4"
}

row MESSAGE FOLDER KEYWORDS X-BOUNCE-CLASSIFICATION
n=0 lost=0
for message in "$@"; do
	n=$((n + 1))
	deliver "$message"
	name=$(basename "$message")
	if [ "$lda_status" -ne 0 ] || [ -z "$delivered_files" ]; then
		lost=$((lost + 1))
		row "$name" "(not delivered: dovecot-lda exit $lda_status)" "" ""
		cat "$run_dir/lda.log"
		continue
	fi
	row "$name" "$delivered_mailbox" "${delivered_keywords:--}" \
		"${delivered_classification:--}"
	if [ -n "$verbose" ]; then
		sed 's/^/    /' "$run_dir/lda.log"
	fi
done

echo
echo "$n messages, $((n - lost)) delivered; per folder:"
maildir_files | while read -r f; do mailbox_of "$f"; done | sort | uniq -c
[ "$lost" -eq 0 ]
