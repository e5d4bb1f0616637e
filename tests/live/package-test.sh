#!/bin/sh
# Builds the Debian package from "make dist" of the build tree BUILD_DIR,
# checks it with lintian, installs it and runs live-test.sh against it.
# Prints "# N passed, M failed" (the package steps plus the live test's
# assertions). Needs root, dpkg-buildpackage, lintian and apt-get.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
work=$(mktemp -d /tmp/bounce-package.XXXXXX) || exit 1
# the package's make check runs programs as an unprivileged user, which
# read the source tree
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
passed=0; failed=0
step() { # step NAME COMMAND...: fails as the command does
	what=$1; shift
	if "$@" >"$work/step.log" 2>&1; then passed=$((passed + 1)); echo "ok - $what"
	else failed=$((failed + 1)); echo "not ok - $what"; tail -30 "$work/step.log"; return 1; fi
}
finish() { echo "# $passed passed, $failed failed"; exit "$([ "$failed" -eq 0 ] && echo 0 || echo 1)"; }

step "make dist" make -C "$build" -s dist || finish
tar -xzf "$build"/dovecot-bounce-*.tar.gz -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'dovecot-bounce*' | head -n 1)
step "dpkg-buildpackage (with the upstream make check)" \
	sh -c "cd '$src' && dpkg-buildpackage -us -uc -b" || finish
deb=$(ls "$work"/dovecot-sieve-bounce_*.deb)
step "lintian reports no errors" sh -c "lintian --fail-on error '$deb'"
step "the package installs" sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq '$deb'" || finish
"$top/tests/live/live-test.sh" > "$work/live.log" 2>&1
cat "$work/live.log"
p=$(sed -n 's/^# \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$work/live.log")
f=$(sed -n 's/^# \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$work/live.log")
[ -z "$p" ] && f=1
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
finish
