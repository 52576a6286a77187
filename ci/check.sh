#!/usr/bin/env bash
# `make check`: build checks, then the VM runs (ci/guest/check.sh) on the debug kernel, then one
# line per test, each stage's time, and the closing "N passed, N failed, N skipped". Exit status 1
# if anything failed. A step that fails (set-up, kernel build, guest root) is a failed result
# named after it, and the run still ends with the closing line.
#   ci/check.sh          the full suite (`make check`, CI)
#   ci/check.sh quick    the edit loop (`make quick`): the same build checks, then on the release
#                        kernel (NOVA_LITE_QUICK_KERNEL=debug: the debug one) only nova-lite's own
#                        IGT tests, 20,000 fuzzer calls, 5 load cycles, and no unplug under load
#                        or core_hotunplug; fault injection and kmemleak need the debug kernel
# NOVA_LITE_LONG=1 runs the full suite's long mode (10,000,000 fuzzer calls, 1000 load cycles,
# without the time budgets of `make check`); NOVA_LITE_FUZZ_SEED=N replays the fuzzer's
# sequences of an earlier run (each run prints its seed).
. "$(dirname "$0")/lib.sh"

mode=normal flavour=debug
[ "${NOVA_LITE_LONG:-0}" = 1 ] && mode=long
[ "${1:-}" = quick ] && mode=quick flavour=${NOVA_LITE_QUICK_KERNEL:-release}
case $flavour in debug|release) ;; *) die "NOVA_LITE_QUICK_KERNEL is debug or release" ;; esac

results=$OUT/results.txt times=$OUT/stage-times.txt
: >"$results"
: >"$times"
ok() { echo "ok $1" >>"$results"; }
not_ok() { echo "not ok $1: $2" >>"$results"; }
# timed NAME CMD...: runs CMD and records how long it took as one line of the stage table.
timed() {
	local name=$1 start=$SECONDS rc=0
	shift
	"$@" || rc=$?
	printf '%-44s %4d s\n' "$name" $((SECONDS - start)) >>"$times"
	return $rc
}
finish() {
	step "stage times"
	cat "$times"
	step "results"
	exec "$REPO/ci/summary.sh" "$results"
}

lock_builds

if ! timed "host set-up" "$REPO/ci/setup-host.sh"; then
	not_ok "setup: ci/setup-host.sh installs the toolchain and tools" "it failed, see its output above"
	finish
fi

step "rustfmt --check on nova-lite/"
if ! command -v rustfmt >/dev/null; then
	not_ok "build: rustfmt clean" "rustfmt is missing: run make setup (it installs Debian's rustfmt-web)"
elif out=$(rustfmt --check --edition 2021 --config newline_style=Unix \
	"$REPO/nova-lite/nova_lite.rs" 2>&1); then
	ok "build: rustfmt clean"
else
	echo "$out" | head -40
	not_ok "build: rustfmt clean" "run rustfmt --edition 2021 on nova-lite/"
fi

"$REPO/ci/test-integration.sh" >>"$results" ||
	not_ok "build: the kernel tree follows the checkout's content, not its mtimes" \
		"ci/test-integration.sh failed to run"
# Every IGT list names each subtest of the nova-lite binaries it runs, and none that does not
# exist (ci/igt-results.sh wants a result for every line: a binary that stops early fails).
igt_lists_complete() {
	local list b want have
	for list in "$REPO"/tests/igt/*-list.txt; do
		for b in $(grep -o '^igt@nova_lite_[a-z_]*' "$list" | cut -d@ -f2 | sort -u); do
			want=$(grep -o 'igt_subtest("[^"]*")' "$REPO/tests/igt/$b.c" | cut -d'"' -f2 | sort)
			have=$(sed -n "s/^igt@$b@//p" "$list" | sort)
			[ "$want" = "$have" ] || { echo "${list##*/}, $b: missing: $(comm -23 <(echo "$want") \
				<(echo "$have") | tr '\n' ' ')unknown: $(comm -13 <(echo "$want") <(echo "$have") | tr '\n' ' ')"
				return 1; }
		done
	done
}
if out=$(igt_lists_complete); then ok "build: the IGT lists name every subtest of nova-lite's binaries"
else not_ok "build: the IGT lists name every subtest of nova-lite's binaries" "$out"; fi
"$REPO/ci/test-patches.sh" >>"$results" ||
	not_ok "build: a kernel patch series left half-applied is recovered by the next run" \
		"ci/test-patches.sh failed to run"

# The guest root, when it is not cached, is built beside the kernel: debootstrap mostly waits on
# the network and the disk, and the kernel build is the cold run's longest step.
# It runs in a process group of its own, which the run kills if it ends (or is interrupted)
# before waiting for it: an orphan would hold the build lock.
root_pid=
if [ ! -f "$("$REPO/ci/guest-root.sh" --print)/.nova-lite-root" ]; then
	step "building the guest root beside the kernel (its output: out/guest-root.txt)"
	setsid "$REPO/ci/guest-root.sh" >"$OUT/guest-root.txt" 2>&1 &
	root_pid=$!
	trap '[ -z "$root_pid" ] || kill -- -"$root_pid" 2>/dev/null' EXIT
	trap 'exit 130' INT TERM
fi
# guest_root: the background build's end, its output shown, or the (cached) root checked now.
guest_root() {
	local rc=0
	[ -n "$root_pid" ] || { "$REPO/ci/guest-root.sh"; return; }
	step "waiting for the guest root (out/guest-root.txt)"
	wait "$root_pid" || rc=$?
	root_pid=
	cat "$OUT/guest-root.txt"
	return $rc
}

if timed "kernel build ($flavour)" "$REPO/ci/kernel.sh" $flavour; then
	ok "build: kernel and nova-lite build"
	build=$("$REPO/ci/kernel.sh" $flavour --print)
	# The module under test must be built from this checkout's sources, whatever their mtimes.
	if [ "$(cat "$build/nova-lite-built-from" 2>/dev/null)" = "$(driver_source_hash)" ]; then
		ok "build: the module is built from this checkout's driver sources"
	else
		not_ok "build: the module is built from this checkout's driver sources" \
			"$build/nova-lite-built-from does not match the hash of nova-lite/, Kconfig and uapi/"
	fi
	# The log of the last build that compiled the driver (W=1, CLIPPY=1): any diagnostic that
	# points into the driver is a failure.
	log=$build/nova-lite-compile.log
	# (The driver's path in the tree, not just "nova-lite/": the cache is /var/cache/nova-lite.)
	drv='drivers/gpu/drm/nova-lite/[^ ]*'
	if [ ! -f "$log" ]; then
		not_ok "build: nova-lite W=1 and clippy clean" "no compile log $log"
	elif grep -Eq "(-->|:::) .*$drv\.rs:[0-9]|$drv:[0-9]+:[0-9]+: warning|$drv\.o: warning" "$log"; then
		grep -E -B6 -A6 "$drv(\.rs:|:[0-9]+:[0-9]+: warning|\.o: warning)" "$log" | head -60
		not_ok "build: nova-lite W=1 and clippy clean" "warnings in $log"
	else
		ok "build: nova-lite W=1 and clippy clean"
	fi
else
	not_ok "build: kernel and nova-lite build" "ci/kernel.sh $flavour failed, see out/kernel-build.log"
fi

step "building the client and the IGT tests"
if make -s -C "$REPO" userspace; then ok "build: client and IGT tests"
else not_ok "build: client and IGT tests" "make userspace failed"; fi

# weston's client and tools/weston_check.py draw and judge one pattern.
if out=$(python3 "$REPO/tools/weston_check.py" pattern-check "$OUT/bin/wl_pattern" 2>&1); then
	ok "build: wl_pattern's window pattern and tools/weston_check.py's agree"
else
	not_ok "build: wl_pattern's window pattern and tools/weston_check.py's agree" "$out"
fi
# The screen pattern of the client (C) and of tools/screen.py (Python) are one: both reproduce
# the shared test vector.
if out=$(python3 "$REPO/tools/screen.py" selftest "$REPO/tests/screen-pattern-vector.txt" 2>&1 &&
	"$OUT/bin/nova-lite-info" --pattern-vector-check "$REPO/tests/screen-pattern-vector.txt" 2>&1); then
	ok "build: the client's and screen.py's screen patterns match the shared test vector"
else
	not_ok "build: the client's and screen.py's screen patterns match the shared test vector" \
		"$(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi

# The parser of the KUnit results: a failed, skipped, missing or unknown case must come out not ok.
"$REPO/ci/kunit-results.sh" --selftest >>"$results"

# The references the KMS screenshots are judged by (tools/screen.py): modetest's SMPTE pattern and
# fbcon's text in the kernel's font hold at hand-computed pixels, and a one-pixel change fails each.
if out=$(python3 "$REPO/tools/screen.py" kms-selftest "$KERNEL_SRC/lib/fonts/font_8x16.c" 2>&1); then
	ok "build: screen.py's SMPTE and fbcon references pass their self-check"
else
	echo "$out" | grep -v '^  ok: '
	not_ok "build: screen.py's SMPTE and fbcon references pass their self-check" \
		"$(echo "$out" | grep -m 2 -E 'FAILED|screen.py:' | tr '\n' ' ')"
fi

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

# boot NAME MODE GPU TIMEOUT IGT_LIST: one boot of the kernel under test with the device options
# GPU, running the guest checks in MODE and the IGT tests of IGT_LIST. The main boot is named
# "" (its results and files carry no prefix); a short boot's results are prefixed with "NAME: "
# and its files with -NAME. The environment passes NOVA_LITE_QEMU_EXTRA and NOVA_LITE_SCREEN on.
boot() {
	local name=$1 mode=$2 gpu=$3 timeout=$4 list=$5 rc=0 pfx="" sfx=""
	[ -z "$name" ] || pfx="$name: " sfx="-$name"
	rm -rf "$OUT/igt$sfx" "$OUT/kunit$sfx" "$OUT/guest-results.txt" "$OUT/guest-dmesg.txt" "$OUT/guest-dmesg-err.txt"
	NOVA_LITE_GPU_OPTS=$gpu NOVA_LITE_VM_NAME=$name NOVA_LITE_VM_TIMEOUT=${NOVA_LITE_VM_TIMEOUT:-$timeout} \
		timed "vm${sfx:- main}" "$REPO/ci/vm.sh" $flavour ci/guest/check.sh "$gpu" "$mode" $flavour \
		${NOVA_LITE_FUZZ_SEED:+"$NOVA_LITE_FUZZ_SEED"} || rc=$?
	if [ $rc = 0 ]; then ok "${pfx}vm: guest run clean (no timeout, no kernel splat, no unexpected error line)"
	else not_ok "${pfx}vm: guest run clean (no timeout, no kernel splat, no unexpected error line)" \
		"exit $rc, see out/guest-console$sfx.txt"; fi
	[ -f "$OUT/guest-results.txt" ] && sed "s/^\(not \)\{0,1\}ok /&$pfx/" "$OUT/guest-results.txt" >>"$results"
	grep -q "^ok ${pfx}guest: check script ran to the end" "$results" ||
		not_ok "${pfx}guest: check script ran to the end" "it stopped early, see out/guest-console$sfx.txt"
	# Kept per boot (the next boot's ci/vm.sh clears the names the guest writes).
	for f in guest-dmesg guest-dmesg-err; do
		[ ! -f "$OUT/$f.txt" ] || mv "$OUT/$f.txt" "$OUT/$f${sfx:--main}.txt"
	done
	"$REPO/ci/igt-results.sh" "igt$sfx" "$list" "$name" >>"$results"
	# nova-lite's KUnit cases, one result each (the main boot runs them: ci/guest/check.sh, 1b).
	[ -n "$name" ] || NOVA_LITE_BUILD=$build "$REPO/ci/kunit-results.sh" "kunit$sfx" >>"$results"
	guest_stage_times "$mode"
}

# guest_stage_times MODE: the guest's stages (out/guest-stages-MODE.txt: uptime and name at each
# start) as lines of the stage table.
guest_stage_times() {
	[ -f "$OUT/guest-stages-$1.txt" ] || return 0
	awk -v m="$1" 'NR == 1 { printf "  %-42s %4d s\n", m ": boot, hand-off, client checks", $1 }
		NR > 1 { printf "  %-42s %4d s\n", m ": " name, $1 - t }
		{ t = $1; $1 = ""; name = substr($0, 2) }' "$OUT/guest-stages-$1.txt" >>"$times"
}

# The guest root's stage time is what the run waited for it after the builds.
if ! timed "guest root" guest_root; then
	not_ok "guest root: ci/guest-root.sh builds the guest's root" "it failed, see out/debootstrap.log"
	finish
fi
if grep -q '^not ok build: kernel' "$results"; then
	finish
fi
rm -rf "$OUT"/fuzz-*.txt "$OUT/kmemleak.txt" "$OUT/igt-hotunplug" "$OUT"/guest-stages-*.txt "$OUT"/screen-*.ppm \
	"$OUT"/screen-*.txt "$OUT"/guest-dmesg-*.txt "$OUT"/cursor-*.json "$OUT"/cursor-*.txt
# Quick mode runs nova-lite's own IGT tests only; the host picks them.
igt_list=tests/igt/test-list.txt
if [ $mode = quick ]; then
	igt_list=$OUT/igt-quick-list.txt
	grep -E '^igt@nova_lite_' "$REPO/tests/igt/test-list.txt" >"$igt_list"
fi
case $mode in long) timeout=10800 ;; quick) timeout=600 ;; *) timeout=3000 ;; esac
# xres/yres other than QEMU's default (1280x800, which scanouts without a size get in their
# EDID), so that an EDID read from the wrong scanout shows.
# max_hostmem: 64 MiB of host memory for resources, which nova_lite_resource's loop
# creates and frees many times over.
# The GPU sits behind a PCIe root port: a PCIe function has a function-level reset, which the
# guest's reset checks use (one on the root bus has none).
# The machine has QEMU's virtual IOMMU (intel-iommu), which the GPU bypasses (iommu_platform=off,
# no ACCESS_PLATFORM): it takes guest-physical addresses, the rings' and the backing's, although
# the guest gives it a translated DMA domain. A driver that used the DMA API for it would hand it
# addresses it cannot use.
NOVA_LITE_QEMU_EXTRA="-device intel-iommu -device pcie-root-port,id=gpu-port,chassis=1,slot=1" \
	NOVA_LITE_SCREEN=1 boot "" $mode \
	max_outputs=${NOVA_LITE_MAX_OUTPUTS:-2},xres=1024,yres=768,edid=on,max_hostmem=67108864,iommu_platform=off,bus=gpu-port \
	$timeout "$igt_list"
screens $mode 1024 768
# panic_shot MODE WIDTH HEIGHT: the panic screen drawn through drm_panic's debugfs trigger in
# MODE's boot (ci/guest/check.sh) is drm_panic's picture, every pixel.
panic_shot() {
	local out
	if out=$(screen_check panic "panic-$1" --width "$2" --height "$3" 2>&1); then
		ok "screen: panic-$1: head 0 shows drm_panic's panic screen (message, description, logo), every pixel"
	else
		not_ok "screen: panic-$1: head 0 shows drm_panic's panic screen (message, description, logo), every pixel" \
			"$(echo "$out" | head -n 4 | tr '\n' ' ')"
	fi
}
panic_shot $mode 1024 768
# The picture the driver restored after each reset of the GPU (PCI function resets, recovery from
# a stall, suspend/resume cycles), and a draw after them.
for shot in reset-1:1 reset-2:1 recovery:1 after-reset:2 sleep-1:1 sleep-1-new:2 sleep-2:1 sleep-2-new:2; do
	if out=$(python3 "$REPO/tools/screen.py" compare "$OUT/screen-${shot%:*}.ppm" "${shot#*:}" \
		--width 1024 --height 768 2>&1); then
		ok "screen: ${shot%:*}: screenshot equals the client's pattern ${shot#*:}"
	else
		not_ok "screen: ${shot%:*}: screenshot equals the client's pattern ${shot#*:}" \
			"$(echo "$out" | head -n 3 | tr '\n' ' ')"
	fi
done
# KMS clients on each head (ci/guest/check.sh, 2c): fbcon's line, which must carry a boot's id (so
# that a picture of another boot cannot pass), modetest's SMPTE pattern on head 0 and on head 1,
# head 1 off once its CRTC is, fbcon's line again.
kms_screen() {
	local name=$1 check=$2 what=$3 out
	if [ "$check" = fbcon ] && ! screen_text_ok "$name"; then
		not_ok "screen: $name: $what" "out/screen-$name.txt is not a line with a boot's id"
	elif out=$(screen_check "$check" "$name" --width 1024 --height 768 2>&1); then
		ok "screen: $name: $what"
	else
		not_ok "screen: $name: $what" "$(echo "$out" | head -n 4 | tr '\n' ' ')"
	fi
}
kms_screen fbcon fbcon "head 0 shows fbcon's line in the kernel's VGA 8x16 font, 170,170,170 on black"
kms_screen modetest smpte "head 0 shows modetest's SMPTE pattern (1024x768 XRGB8888), every pixel"
if [ "${NOVA_LITE_MAX_OUTPUTS:-2}" -ge 2 ]; then
	kms_screen modetest-head1 smpte "head 1 shows modetest's SMPTE pattern (1024x768 XRGB8888), every pixel"
	# QEMU's placeholder has the size of the head's last picture: modetest's 1024x768.
	kms_screen modetest-head1-off inactive \
		"head 1 is off once its CRTC is, the framebuffer alive: QEMU's placeholder, every pixel"
fi
kms_screen fbcon-back fbcon "head 0 shows fbcon's line again once modetest has exited"
# weston on head 0 (ci/guest/check.sh, 2d): its desktop, then the client's maximized window in it.
kms_screen weston-desktop weston-desktop \
	"weston's desktop: the panel's colour at the top, the background's everywhere below, every pixel"
kms_screen weston-client weston-client \
	"weston's desktop with wl_pattern's maximized window: the panel, then every pixel of the pattern"
# The cursor on head 0 (ci/guest/check.sh, 2c): the host draws it, so no screenshot shows it; the
# image and hotspot its VNC clients got, and QEMU's trace of the cursor commands it executed.
# cursor_checks NAME TRACE [PREFIX]: the image and hotspot of out/cursor-NAME.json, and the
# commands of QEMU's trace TRACE, against the client's lines (out/cursor-NAME.txt).
cursor_checks() {
	local name=$1 trace=$2 pfx=${3:-} out what
	what="${pfx}cursor: the host's cursor image is the client's 64x64 ARGB8888 image,"
	what="$what every pixel, and hotspot"
	if out=$(python3 "$REPO/tools/cursor_check.py" image "$OUT/cursor-$name.json" \
		"$OUT/cursor-$name.txt" 2>&1); then ok "$what"; else not_ok "$what" "$out"; fi
	what="${pfx}cursor: QEMU executed the image's copy, UPDATE_CURSOR (resource, position),"
	what="$what MOVE_CURSOR, UPDATE_CURSOR (hidden) in turn"
	if out=$(python3 "$REPO/tools/cursor_check.py" trace "$trace" "$OUT/cursor-$name.txt" 2>&1)
	then ok "$what"; else not_ok "$what" "$out"; fi
}
cursor_checks cursor "$OUT/qemu-trace.log"
[ $mode = quick ] || "$REPO/ci/igt-results.sh" igt-hotunplug tests/igt/hotunplug-list.txt >>"$results"

# The short boots: the GPU behind QEMU's virtual IOMMU (intel-iommu, and iommu_platform=on so
# that the device's DMA is translated), with INTx instead of MSI-X (vectors=0), no EDID and one
# scanout; then bounce buffering forced on virtio-mmio: resources and the display. (MSI-X with
# ACCESS_PLATFORM is not booted: the interrupt mode and the DMA path are independent.)
if [ $mode != quick ]; then
	# Its IGT list: the tests that hand memory to the device, and nova_lite_query (no EDID, INTx).
	cat "$REPO/tests/igt/iommu-list.txt" "$REPO/tests/igt/intx-list.txt" >"$OUT/igt-iommu-list.txt"
	# The GPU is a virtio-vga there, and the kernel's real-mode setup sets a VESA mode on it
	# (vga=0x318, 1024x768, 24 bits), which simpledrm drives until nova-lite takes the display.
	NOVA_LITE_GPU_DEVICE=virtio-vga NOVA_LITE_APPEND=vga=0x318 \
	NOVA_LITE_QEMU_EXTRA="-device intel-iommu" NOVA_LITE_SCREEN=1 boot iommu iommu \
		max_outputs=1,xres=800,yres=600,edid=off,vectors=0,iommu_platform=on,max_hostmem=67108864 900 \
		"$OUT/igt-iommu-list.txt"
	screens iommu 800 600
	# Every streaming mapping bounced (swiotlb=force), the DMA API used (ACCESS_PLATFORM), no
	# IOMMU: the SEV/TDX case. The same boot puts the GPU on the other transport, virtio-mmio
	# (QEMU's microvm), whose device the backing is then mapped for.
	NOVA_LITE_MMIO=1 NOVA_LITE_APPEND=swiotlb=131072,force NOVA_LITE_SCREEN=1 boot swiotlb swiotlb \
		max_outputs=1,xres=800,yres=600,iommu_platform=on,max_hostmem=67108864 900 \
		tests/igt/swiotlb-list.txt
	screens swiotlb 800 600
	# The cursor's image copied through a bounce buffer (ci/guest/check.sh).
	cursor_checks cursor-swiotlb "$OUT/qemu-trace-swiotlb.log" "swiotlb: "
fi
finish
