#!/usr/bin/env bash
# `make check`: build checks, then the VM run (ci/guest/check.sh), then one line per test and the
# closing "N passed, N failed, N skipped". Exit status 1 if anything failed.
. "$(dirname "$0")/lib.sh"

results=$OUT/results.txt
: >"$results"
ok() { echo "ok $1" >>"$results"; }
not_ok() { echo "not ok $1: $2" >>"$results"; }

"$REPO/ci/setup-host.sh"

step "rustfmt --check on nova-lite/"
if out=$(rustfmt --check --edition 2021 --config newline_style=Unix \
	"$REPO/nova-lite/nova_lite.rs" 2>&1); then
	ok "build: rustfmt clean"
else
	echo "$out" | head -40
	not_ok "build: rustfmt clean" "run rustfmt --edition 2021 on nova-lite/"
fi

if "$REPO/ci/kernel.sh"; then
	ok "build: kernel and nova-lite build"
	# The log of the last build that compiled the driver (W=1, CLIPPY=1): any diagnostic that
	# points into the driver is a failure.
	log=$("$REPO/ci/kernel.sh" --print)/nova-lite-compile.log
	if grep -Eq '(-->|:::) .*nova-lite/[^ ]*\.rs:[0-9]|nova-lite/[^ ]*:[0-9]+:[0-9]+: warning' \
		"$log"; then
		grep -E -B6 -A6 'nova-lite/[^ ]*(\.rs:|:[0-9]+:[0-9]+: warning)' "$log" | head -60
		not_ok "build: nova-lite W=1 and clippy clean" "warnings in $log"
	else
		ok "build: nova-lite W=1 and clippy clean"
	fi
else
	not_ok "build: kernel and nova-lite build" "see out/kernel-build.log"
fi

step "building the client and the IGT tests"
if make -s -C "$REPO" userspace; then ok "build: client and IGT tests"
else not_ok "build: client and IGT tests" "make userspace failed"; fi

if ! grep -q '^not ok build: kernel' "$results"; then
	"$REPO/ci/guest-root.sh"
	rm -f "$OUT/guest-results.txt" "$OUT/guest-dmesg.txt"
	rc=0
	"$REPO/ci/vm.sh" ci/guest/check.sh "${NOVA_LITE_MAX_OUTPUTS:-2}" || rc=$?
	if [ $rc = 0 ]; then ok "vm: guest run clean (no timeout, no kernel splat)"
	else not_ok "vm: guest run clean (no timeout, no kernel splat)" "exit $rc, see out/guest-console.txt"; fi
	[ -f "$OUT/guest-results.txt" ] && cat "$OUT/guest-results.txt" >>"$results"
	grep -q '^ok guest: check script ran to the end' "$results" ||
		not_ok "guest: check script ran to the end" "it stopped early, see out/guest-console.txt"
	"$REPO/ci/igt-results.sh" >>"$results"
fi

step "results"
exec "$REPO/ci/summary.sh" "$results"
