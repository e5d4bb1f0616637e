# Sourced by the delivery benchmarks: timing without starting a process
# (bash's EPOCHREALTIME and the "times" builtin), and medians.

# The CPU time (user + system) of the shell's finished children, in
# microseconds, into cpu_us. "times" must run in the shell whose children
# it counts, hence a file rather than a command substitution; the rest
# is the shell's own arithmetic, so that no process is started (and
# counted) between two deliveries. Needs times_file.
cpu_now() {
	local line user sys
	times > "$times_file"
	{ read -r line; read -r user sys; } < "$times_file"
	to_us "$user"
	cpu_us=$us
	to_us "$sys"
	cpu_us=$((cpu_us + us))
}

# "1m2.345000s" (as times prints it) in microseconds, into us
to_us() {
	local t=${1%s} min sec frac
	min=${t%%m*}
	sec=${t#*m}
	frac=${sec#*.}000000
	frac=${frac:0:6}
	sec=${sec%%.*}
	us=$(( (10#$min * 60 + 10#$sec) * 1000000 + 10#$frac ))
}

# The wall clock in microseconds, into wall_us
wall_now() {
	wall_us=${EPOCHREALTIME/[.,]/}
}

# median: of the numbers on stdin (whitespace separated)
median() {
	tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# spread: "min to max" of the numbers on stdin
spread() {
	tr ' ' '\n' | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 }
		END { printf "%s to %s", lo, hi }'
}

# As the tests' as_user does, without its subshell and "id" in every timed
# delivery: the command prefix that runs a delivery as the test user.
if [ "$(id -u)" -eq 0 ]; then
	run_as=(setpriv --reuid="${run_user:-nobody}" \
		--regid="${run_group:-nogroup}" --clear-groups)
else
	run_as=()
fi
