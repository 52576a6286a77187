#!/usr/bin/env bash
# `make check`: build checks, then the VM run (ci/guest/check.sh) on the debug kernel, then one
# line per test and the closing "N passed, N failed, N skipped". Exit status 1 if anything failed.
#   ci/check.sh          the full suite (`make check`, CI)
#   ci/check.sh quick    the edit loop (`make quick`): the same build checks, then on the release
#                        kernel (NOVA_LITE_QUICK_KERNEL=debug: the debug one) only nova-lite's own
#                        IGT tests, 20,000 fuzzer calls, 5 load cycles, and no unplug under load
#                        or core_hotunplug; fault injection and kmemleak need the debug kernel
# NOVA_LITE_LONG=1 runs the full suite's long mode (10x the fuzzer's calls, 1000 load cycles);
# NOVA_LITE_FUZZ_SEED=N replays the fuzzer's sequences of an earlier run (each run prints its seed).
. "$(dirname "$0")/lib.sh"

mode=normal flavour=debug
[ "${NOVA_LITE_LONG:-0}" = 1 ] && mode=long
[ "${1:-}" = quick ] && mode=quick flavour=${NOVA_LITE_QUICK_KERNEL:-release}
case $flavour in debug|release) ;; *) die "NOVA_LITE_QUICK_KERNEL is debug or release" ;; esac

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

"$REPO/ci/test-integration.sh" >>"$results" ||
	not_ok "build: the kernel tree follows the checkout's content, not its mtimes" \
		"ci/test-integration.sh failed to run"

if "$REPO/ci/kernel.sh" $flavour; then
	ok "build: kernel and nova-lite build"
	build=$("$REPO/ci/kernel.sh" $flavour --print)
	# The module under test must be built from this checkout's sources, whatever their mtimes.
	if [ "$(cat "$build/nova-lite-built-from" 2>/dev/null)" = "$(driver_source_hash)" ]; then
		ok "build: the module is built from this checkout's driver sources"
	else
		not_ok "build: the module is built from this checkout's driver sources" \
			"$build/nova-lite-built-from does not match the hash of nova-lite/ and uapi/"
	fi
	# The log of the last build that compiled the driver (W=1, CLIPPY=1): any diagnostic that
	# points into the driver is a failure.
	log=$build/nova-lite-compile.log
	# (The driver's path in the tree, not just "nova-lite/": the cache is /var/cache/nova-lite.)
	drv='drivers/gpu/drm/nova-lite/[^ ]*'
	if grep -Eq "(-->|:::) .*$drv\.rs:[0-9]|$drv:[0-9]+:[0-9]+: warning" "$log"; then
		grep -E -B6 -A6 "$drv(\.rs:|:[0-9]+:[0-9]+: warning)" "$log" | head -60
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

# screens MODE WIDTH HEIGHT: compares the two screenshots the guest asked for in MODE's boot
# (out/screen-MODE-1.ppm and -2.ppm) pixel by pixel with the patterns the client drew, and checks
# that showing the second buffer changed the picture.
screens() {
	local mode=$1 w=$2 h=$3 seed out
	for seed in 1 2; do
		if out=$(python3 "$REPO/tools/screen.py" compare "$OUT/screen-$mode-$seed.ppm" $seed \
			--width "$w" --height "$h" 2>&1); then
			ok "screen: $mode: screenshot $seed equals the client's pattern $seed (${w}x$h)"
		else
			not_ok "screen: $mode: screenshot $seed equals the client's pattern $seed (${w}x$h)" \
				"$(echo "$out" | head -n 3 | tr '\n' ' ')"
		fi
	done
	if out=$(python3 "$REPO/tools/screen.py" differ "$OUT/screen-$mode-1.ppm" "$OUT/screen-$mode-2.ppm" 2>&1)
	then ok "screen: $mode: showing the second buffer changed the screenshot"
	else not_ok "screen: $mode: showing the second buffer changed the screenshot" "$out"; fi
}

# short_boot NAME GPU TIMEOUT: one more boot of the debug kernel with the device options GPU,
# running the guest checks in mode NAME and IGT's tests/igt/NAME-list.txt; its results are
# prefixed with "NAME: " (the environment passes NOVA_LITE_QEMU_EXTRA and NOVA_LITE_SCREEN on).
short_boot() {
	local name=$1 gpu=$2 timeout=$3 rc=0
	rm -rf "$OUT/igt-$name" "$OUT/guest-results.txt"
	NOVA_LITE_GPU_OPTS=$gpu NOVA_LITE_VM_NAME=$name NOVA_LITE_VM_TIMEOUT=${NOVA_LITE_VM_TIMEOUT:-$timeout} \
		"$REPO/ci/vm.sh" $flavour ci/guest/check.sh "$gpu" "$name" $flavour || rc=$?
	if [ $rc = 0 ]; then ok "vm-$name: guest run clean (no timeout, no kernel splat)"
	else not_ok "vm-$name: guest run clean (no timeout, no kernel splat)" "exit $rc, see out/guest-console-$name.txt"; fi
	[ -f "$OUT/guest-results.txt" ] && sed "s/^\(not \)\{0,1\}ok /&$name: /" "$OUT/guest-results.txt" >>"$results"
	grep -q "^ok $name: guest: check script ran to the end" "$results" ||
		not_ok "$name: guest: check script ran to the end" "it stopped early, see out/guest-console-$name.txt"
	"$REPO/ci/igt-results.sh" "igt-$name" "tests/igt/$name-list.txt" |
		sed "s/^\(not \)\{0,1\}\(ok\|skip\) /&$name: /" >>"$results"
}

if ! grep -q '^not ok build: kernel' "$results"; then
	"$REPO/ci/guest-root.sh"
	rm -f "$OUT/guest-results.txt" "$OUT/guest-dmesg.txt"
	rc=0
	rm -rf "$OUT"/fuzz-*.txt "$OUT/kmemleak.txt" "$OUT/igt" "$OUT/igt-hotunplug"
	# Quick mode runs nova-lite's own IGT tests only; the host picks them.
	igt_list=$REPO/tests/igt/test-list.txt
	if [ $mode = quick ]; then
		igt_list=$OUT/igt-quick-list.txt
		grep -E '^igt@nova_lite_' "$REPO/tests/igt/test-list.txt" >"$igt_list"
	fi
	case $mode in long) timeout=10800 ;; quick) timeout=600 ;; *) timeout=3000 ;; esac
	# xres/yres other than QEMU's default (1280x800, which scanouts without a size get in their
	# EDID), so that an EDID read from the wrong scanout shows.
	# max_hostmem: 64 MiB of host memory for resources, which nova_lite_resource's loop
	# creates and frees many times over.
	gpu=max_outputs=${NOVA_LITE_MAX_OUTPUTS:-2},xres=1024,yres=768,edid=on,max_hostmem=67108864
	rm -f "$OUT"/screen-*.ppm
	NOVA_LITE_SCREEN=1 NOVA_LITE_GPU_OPTS=$gpu NOVA_LITE_VM_TIMEOUT=${NOVA_LITE_VM_TIMEOUT:-$timeout} \
		"$REPO/ci/vm.sh" $flavour ci/guest/check.sh "$gpu" "$mode" $flavour \
		${NOVA_LITE_FUZZ_SEED:+"$NOVA_LITE_FUZZ_SEED"} || rc=$?
	if [ $rc = 0 ]; then ok "vm: guest run clean (no timeout, no kernel splat)"
	else not_ok "vm: guest run clean (no timeout, no kernel splat)" "exit $rc, see out/guest-console.txt"; fi
	[ -f "$OUT/guest-results.txt" ] && cat "$OUT/guest-results.txt" >>"$results"
	grep -q '^ok guest: check script ran to the end' "$results" ||
		not_ok "guest: check script ran to the end" "it stopped early, see out/guest-console.txt"
	"$REPO/ci/igt-results.sh" igt "$igt_list" >>"$results"
	screens $mode 1024 768
	[ $mode = quick ] ||
		"$REPO/ci/igt-results.sh" igt-hotunplug tests/igt/hotunplug-list.txt >>"$results"

	# The short boots: INTx instead of MSI-X (vectors=0), no EDID, one scanout; then the GPU
	# behind QEMU's virtual IOMMU (intel-iommu, and iommu_platform=on so that the device's DMA is
	# translated): resources and the display.
	if [ $mode != quick ]; then
		short_boot intx max_outputs=1,xres=800,yres=600,edid=off,vectors=0 600
		NOVA_LITE_QEMU_EXTRA="-device intel-iommu" NOVA_LITE_SCREEN=1 short_boot iommu \
			max_outputs=1,xres=800,yres=600,iommu_platform=on,max_hostmem=67108864 900
		screens iommu 800 600
	fi
fi

step "results"
exec "$REPO/ci/summary.sh" "$results"
