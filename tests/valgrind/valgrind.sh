#!/bin/sh
# Valgrind's memcheck over the unit tests, the fuzz target's replay of
# the samples and one delivery by dovecot-lda with the plugin (a DSN
# classified and filed by the global script): no invalid read or write,
# no use of uninitialised memory, nothing definitely or indirectly lost.
# valgrind.supp silences only what lies outside this project's code.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/../lda/deliver-lib.sh"
need_programs valgrind "$DOVECOT_LDA" setpriv
supp=$top_srcdir/tests/valgrind/valgrind.supp
setup_delivery
cp "$supp" "$run_dir/valgrind.supp"
chmod a+r "$run_dir/valgrind.supp"

# memcheck NAME LOG CMD...: runs CMD under memcheck, logging to LOG
memcheck() {
	name=$1 log=$2
	shift 2
	valgrind -q --tool=memcheck --error-exitcode=42 \
		--leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect \
		--suppressions="$run_dir/valgrind.supp" --num-callers=30 \
		--log-file="$log" "$@"
}

# check NAME STATUS LOG
check() {
	if [ "$2" -eq 0 ] && [ ! -s "$3" ]; then
		pass "$1"
	else
		fail "$1: exit status $2" "$(head -n 60 "$3")"
	fi
}

for t in $builddir/tests/unit/*/test-bounce-*; do
	case $t in *.o) continue ;; esac
	[ -x "$t" ] || continue
	name=$(basename "$t")
	memcheck "$name" "$run_dir/$name.vg" "$t" > "$run_dir/$name.out" 2>&1
	check "$name" $? "$run_dir/$name.vg"
done

"$top_srcdir/tests/fuzz/seeds.sh" "$run_dir/seeds"
memcheck fuzz-replay "$run_dir/replay.vg" "$builddir/tests/fuzz/fuzz-replay" \
	"$run_dir"/seeds/* > "$run_dir/replay.out" 2>&1
check "fuzz-replay of the samples" $? "$run_dir/replay.vg"

# dovecot-lda as the delivery user, memcheck around it
lda=$DOVECOT_LDA
DOVECOT_LDA=$run_dir/lda-memcheck
{
	echo '#!/bin/sh'
	echo "exec valgrind -q --tool=memcheck --error-exitcode=42" \
		"--leak-check=full --show-leak-kinds=definite,indirect" \
		"--errors-for-leak-kinds=definite,indirect --num-callers=30" \
		"--suppressions=$run_dir/valgrind.supp" \
		"--log-file=$run_dir/lda.vg $lda \"\$@\""
} > "$DOVECOT_LDA"
chmod a+rx "$DOVECOT_LDA"
deliver "$(msg lhost-sendmail-01.eml)"
if [ "$delivered_mailbox" != Bounces/hard ]; then
	fail "dovecot-lda delivery: stored in '$delivered_mailbox'" \
		"$(cat "$run_dir/lda.log")"
else
	check "dovecot-lda delivery with the plugin" "$lda_status" \
		"$run_dir/lda.vg"
fi
finish
