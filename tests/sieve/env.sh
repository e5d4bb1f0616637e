# Sourced by the Sieve and delivery tests and by deliver-examples.sh: finds
# the programs, the plugin and the rules, and sets up a private Dovecot
# configuration in a throwaway directory.
#
# In:  BOUNCE_BUILDDIR (the build tree; default: the current directory,
#      which is where "make check" runs the tests)
# Out: top_srcdir, builddir, run_dir, run_user, conf, and the functions
#      below.

# (the sourcing script is tests/KIND/NAME, or one level up)
for top_srcdir in "$(dirname "$0")/../.." "$(dirname "$0")/.."; do
	[ -f "$top_srcdir/tests/dovecot-conf.sh" ] && break
done
top_srcdir=$(cd "$top_srcdir" && pwd)
builddir=$(cd "${BOUNCE_BUILDDIR:-.}" && pwd)
. "$top_srcdir/tests/dovecot-conf.sh"

SIEVE_TEST=${SIEVE_TEST:-sieve-test}
SIEVEC=${SIEVEC:-sievec}
SIEVE_DUMP=${SIEVE_DUMP:-sieve-dump}
DOVECOT_LDA=${DOVECOT_LDA:-/usr/lib/dovecot/dovecot-lda}

plugin_so=$builddir/.libs/lib90_sieve_bounce_plugin.so
# the extension's module, which the plugin opens beside itself
extension_so=$builddir/.libs/sieve-bounce-extension.so

# Exit status the automake test driver reads as "skipped"
SKIP=77
# ... and as "hard error" (the test could not run)
HARD_ERROR=99

need_programs() {
	for prog in "$@"; do
		if ! command -v "$prog" >/dev/null 2>&1; then
			echo "SKIP: $prog not found (Pigeonhole's tools are needed)"
			exit $SKIP
		fi
	done
	if [ ! -f "$plugin_so" ] || [ ! -f "$extension_so" ]; then
		echo "ERROR: $plugin_so or $extension_so not built (run make first)" >&2
		exit $HARD_ERROR
	fi
	need_settings_module "$builddir/.libs/lib90_sieve_bounce_settings.so" ||
		exit $SKIP
}

# Dovecot refuses to deliver as root: as root, everything runs as an
# unprivileged user (nobody unless BOUNCE_TEST_USER says otherwise) that
# owns the run directory.
if [ "$(id -u)" -eq 0 ]; then
	run_user=${BOUNCE_TEST_USER:-nobody}
	run_group=$(id -gn "$run_user")
else
	run_user=$(id -un)
	run_group=$(id -gn)
fi

# Creates run_dir with copies of the plugin, the rules and the shipped
# configuration (and, through msg and readable, of the messages), so that
# the unprivileged user needs no access to the build and source trees.
setup_run_dir() {
	run_dir=$(mktemp -d "${TMPDIR:-/tmp}/bounce-test.XXXXXX") || exit $HARD_ERROR
	trap 'cleanup_run_dir' EXIT
	mkdir -p "$run_dir/base" "$run_dir/state" "$run_dir/home" \
		"$run_dir/plugins" "$run_dir/rules" "$run_dir/sieve" \
		"$run_dir/messages"
	cp "$plugin_so" "$extension_so" "$run_dir/plugins/"
	cp -R "$top_srcdir/conf.d/bounce.rules" \
		"$top_srcdir/conf.d/bounce.rules.d" "$run_dir/rules/"
	cp "$top_srcdir/conf.d/$dovecot_line/90-sieve-bounce.conf" "$run_dir/"
	chmod -R a+rX "$run_dir"
	conf=$run_dir/dovecot.conf
	write_conf "$conf"
}

cleanup_run_dir() {
	if [ -n "${KEEP_RUN_DIR:-}" ]; then
		echo "run directory kept: $run_dir"
	else
		rm -rf "$run_dir"
	fi
}

# Hands the run directory to the user the programs run as.
own_run_dir() {
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "$run_user:$run_group" "$run_dir"
	fi
}

# write_conf FILE [EXTRA_PLUGIN_SETTINGS]
# Includes the shipped 90-sieve-bounce.conf of the release line, so that it
# is tested too, then points it at the copies in the run directory. The
# extra settings are lines "key = value" as conf_settings takes them
# (tests/dovecot-conf.sh).
write_conf() {
	{
		conf_header
		echo "base_dir = $run_dir/base"
		echo "state_dir = $run_dir/state"
		echo "log_path = /dev/stderr"
		echo "info_log_path = /dev/stderr"
		echo "ssl = no"
		echo "protocols ="
		conf_maildir "$run_dir/Maildir"
		echo "mail_home = $run_dir/home"
		if [ "$(id -u)" -eq 0 ]; then
			# lets sieve-test, run as root, drop privileges
			echo "mail_uid = $run_user"
			echo "mail_gid = $run_group"
		fi
		echo "postmaster_address = postmaster@example.org"
		# '/' as the README's scripts need it (Maildir's own is '.')
		echo "namespace inbox {"
		echo "  inbox = yes"
		echo "  separator = /"
		echo "}"
		conf_mail_plugins lda sieve
		echo "!include $run_dir/90-sieve-bounce.conf"
		conf_settings "sieve = file:$run_dir/sieve;active=$run_dir/active.sieve
sieve_plugin_dir = $run_dir/plugins
sieve_bounce_rules = $run_dir/rules/bounce.rules
sieve_bounce_dict = file:$run_dir/home/bounce-state.dict
sieve_extensions = +vnd.bounce +vnd.dovecot.debug
${2:-}"
	} > "$1"
}

# as_user CMD [ARGS...]: runs CMD as the delivery user, in the run
# directory, with HOME there.
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$run_dir" && HOME=$run_dir/home setpriv \
			--reuid="$run_user" --regid="$run_group" --clear-groups \
			"$@")
	else
		(cd "$run_dir" && HOME=$run_dir/home "$@")
	fi
}

# readable FILE: a copy of FILE in the run directory, which the delivery
# user can read
readable() {
	copy=$run_dir/messages/$(basename "$1")
	cp "$1" "$copy" && chmod a+r "$copy" && echo "$copy"
}

# msg NAME: a readable copy of the test message of that name, from the
# shared samples, this suite's own messages or the examples
msg() {
	for dir in "$top_srcdir/tests/samples" "$top_srcdir/tests/sieve/messages" \
		   "$top_srcdir/examples/messages"; do
		if [ -f "$dir/$1" ]; then
			readable "$dir/$1"
			return
		fi
	done
	echo "ERROR: test message $1 not found" >&2
	return 1
}

# Test bookkeeping: ok/not ok lines, a summary, the exit status.
passed=0
failed=0

pass() {
	passed=$((passed + 1))
	echo "ok - $1"
}

fail() {
	failed=$((failed + 1))
	echo "not ok - $1"
	shift
	for line in "$@"; do
		printf '    %s\n' "$line"
	done
}

finish() {
	echo "# $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
