#!/bin/sh
# The settings snippet shipped for the release line (conf.d/2.3 or 2.4/
# 90-sieve-bounce.conf) is read by that release's doveconf: as shipped,
# and with every setting and block it documents uncommented (the example
# values and the documented defaults), without an error or a warning.
. "$(dirname "$0")/env.sh"

need_programs doveconf
snippet=$top_srcdir/conf.d/$dovecot_line/90-sieve-bounce.conf
setup_run_dir

# Uncomments "#key = value", "#name {" and what such a block holds up to
# its "#}"; prose ("# text") and examples indented after '#' stay.
awk '
	depth > 0 && /^[ \t]*#/ {
		sub(/#/, "")
		# (a comment within the block stays one)
		if ($0 !~ /^[ \t]*#/ && $0 ~ /\{[ \t]*$/) depth++
		if ($0 ~ /^[ \t]*\}/) depth--
		print; next
	}
	/^[ \t]*#[a-z_}]/ {
		sub(/#/, "")
		if ($0 ~ /\{[ \t]*$/) depth++
		print; next
	}
	{ print }
' "$snippet" > "$run_dir/all.conf"

for variant in shipped all; do
	file=$snippet
	[ "$variant" = all ] && file=$run_dir/all.conf
	{ conf_header; echo "!include $file"; } > "$run_dir/$variant-dovecot.conf"
	if out=$(doveconf -c "$run_dir/$variant-dovecot.conf" -n 2>&1 >/dev/null) &&
	   [ -z "$out" ]; then
		pass "doveconf $dovecot_line reads the snippet ($variant)"
	else
		fail "doveconf $dovecot_line reads the snippet ($variant)" "$out"
	fi
done
# every documented setting was uncommented: the plugin's are all there
n=$(grep -c '^[ \t]*sieve_bounce_[a-z_]* =' "$run_dir/all.conf")
if [ "$n" -ge 30 ]; then
	pass "the uncommented snippet sets the $n documented settings"
else
	fail "the uncommented snippet sets the documented settings" "found $n"
	cat "$run_dir/all.conf"
fi
finish
