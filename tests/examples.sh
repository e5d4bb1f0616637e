#!/bin/sh
# Compiles every script in examples/sieve/ with the real sievec
# and the plugin from the build tree: the shipped examples stay valid.
. "$(dirname "$0")/sieve/env.sh"
# env.sh finds the source tree from tests/sieve/; this file is one up
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)

need_programs "$SIEVEC"
setup_run_dir
own_run_dir
# editheader, used by one example, is off by default in Pigeonhole
write_conf "$conf" "  sieve_extensions = +vnd.bounce +editheader"

found=0
for script in "$top_srcdir"/examples/sieve/*.sieve; do
	[ -f "$script" ] || continue
	found=$((found + 1))
	name=$(basename "$script")
	copy=$run_dir/sieve/$name
	cp "$script" "$copy"
	chown "$run_user:$run_group" "$copy" 2>/dev/null || true
	if out=$(as_user "$SIEVEC" -c "$conf" "$copy" "$run_dir/sieve/$name.svbin" 2>&1) &&
	   [ -s "$run_dir/sieve/$name.svbin" ]; then
		pass "sievec $name"
	else
		fail "sievec $name" "$out"
	fi
done
[ "$found" -ge 5 ] || fail "examples present" "found $found scripts"
finish
