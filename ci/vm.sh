#!/usr/bin/env bash
# Boots a kernel built by ci/kernel.sh on the guest root of ci/guest-root.sh with virtme-ng and
# a `-device virtio-gpu-pci,$NOVA_LITE_GPU_OPTS` (default max_outputs=$NOVA_LITE_MAX_OUTPUTS),
# runs a guest script and returns
# its exit status. In the guest the repo is /srv (read-only) and out/ is /mnt (read-write).
#   ci/vm.sh FLAVOUR GUEST_SCRIPT [ARGS...]   (debug or release; GUEST_SCRIPT relative to the repo)
# The whole run has a hard timeout ($NOVA_LITE_VM_TIMEOUT seconds). The console (with the kernel
# log) goes to out/guest-console.txt (out/guest-console-$NOVA_LITE_VM_NAME.txt if that is set);
# a timeout, or a kernel report (oops, BUG, WARNING, KASAN, lockdep, hung task, soft lockup, IOMMU
# fault, DMA-API misuse, panic) in it or in the kernel log the guest saved (out/guest-dmesg.txt),
# fails the run, and so do a saved log that does not start at boot (a wrapped log buffer) and an
# error line of nova-lite's (out/guest-dmesg-err.txt) that
# ci/kernel-log-allow.txt does not allow.
# With NOVA_LITE_MMIO=1 the GPU is a virtio-gpu-device on virtio-mmio: the machine is QEMU's
# microvm (with a PCIe host for virtme-ng's 9p and serial devices) instead of q35.
# QEMU is ci/qemu.sh, which puts the 9p devices behind PCIe root ports with No_Soft_Reset, so that
# system sleep in the guest leaves them alone. $NOVA_LITE_VM_MEMORY is the guest's memory (default 2G).
# $NOVA_LITE_QEMU_EXTRA adds QEMU options (e.g. `-device intel-iommu`), $NOVA_LITE_APPEND kernel
# command-line options (e.g. `swiotlb=force`). With NOVA_LITE_SCREEN=1,
# QEMU gets a QMP socket and a watcher takes screenshots for the guest: the guest writes a name to
# out/screen-request, the watcher saves the display as out/screen-<name>.ppm (tools/screen.py)
# and creates out/screen-done; out/screen-watch tells the guest that the watcher runs. A request
# "<name> <check> [<head> [<device>]]" (a check of ci/lib.sh's screen_check: fbcon, smpte, ...)
# is for that head of the GPU (QEMU id `gpu`, or <device>; head 0 if none is given): the watcher
# takes it again until it passes the check or 10 s (60 s for weston's) have passed (a KMS client's picture reaches the
# display some time after the client has drawn it); the run's verdict on it is ci/check.sh's
# (ci/demo.sh's in `make demo`). The host draws the guest's cursor itself, so screendump does not
# show it: QEMU also gets a VNC server on a unix socket, and a request "<name> cursor
# <hot_x>,<hot_y>" has the watcher read the cursor image VNC clients get, waiting until one with
# that hotspot is defined (tools/vnc_cursor.py), into out/cursor-<name>.json; and QEMU traces the
# cursor commands, 2D resource creations and transfers it executes (virtio_gpu_update_cursor,
# virtio_gpu_cmd_res_create_2d, virtio_gpu_cmd_res_xfer_toh_2d) into
# out/qemu-trace[-<vm name>].log.
. "$(dirname "$0")/lib.sh"

: "${NOVA_LITE_MAX_OUTPUTS:=2}" "${NOVA_LITE_VM_TIMEOUT:=900}" "${NOVA_LITE_VM_MEMORY:=2G}"
: "${NOVA_LITE_GPU_OPTS:=max_outputs=$NOVA_LITE_MAX_OUTPUTS}"
FLAVOUR=${1:?usage: ci/vm.sh debug|release GUEST_SCRIPT [ARGS...]}
shift
BUILD=$("$REPO/ci/kernel.sh" "$FLAVOUR" --print)
ROOT=$("$REPO/ci/guest-root.sh" --print)
[ -f "$BUILD/arch/x86/boot/bzImage" ] || die "no kernel in $BUILD: run ci/kernel.sh $FLAVOUR"
[ -f "$ROOT/.nova-lite-root" ] || die "no guest root in $ROOT: run ci/guest-root.sh"
KVER=$(cat "$BUILD/include/config/kernel.release")

# virtme-ng loads modules from the root's /lib/modules/<version>: refresh it from this build.
mkdir -p "$ROOT/lib/modules"
rsync -a --delete "$BUILD/mods/lib/modules/$KVER/" "$ROOT/lib/modules/$KVER/"

# KVM fails on these machines (MSR assertion, or a hang after the BIOS), so it is probed once per
# QEMU version with a short boot, and TCG is used when the probe does not reach the kernel.
accel=(--disable-kvm)
qemu_version=$(qemu-system-x86_64 --version | awk 'NR==1 {print $4}')
verdict=$CACHE/kvm-probe-$qemu_version
if [ "${NOVA_LITE_KVM:-auto}" != 0 ] && [ -w /dev/kvm ]; then
	if [ ! -f "$verdict" ]; then
		step "probing KVM with a 20 s test boot (result cached in $verdict)"
		if timeout -k 5 20 qemu-system-x86_64 -accel kvm -cpu host -machine q35 -m 256 \
			-nographic -no-reboot -kernel "$BUILD/arch/x86/boot/bzImage" \
			-append "console=ttyS0 panic=-1 init=/nonexistent" </dev/null 2>&1 |
			grep -q 'Linux version'; then echo kvm >"$verdict"; else echo tcg >"$verdict"; fi
	fi
	[ "$(cat "$verdict")" = kvm ] && accel=()
fi
if [ ${#accel[@]} = 0 ]; then
	echo "accelerator: KVM"
else
	echo "accelerator: TCG (software emulation; KVM is not usable here, see $verdict)"
fi

# NOVA_LITE_GPU_DEVICE: the PCI GPU device (virtio-vga in the iommu boot: a VGA BAR for the
# firmware framebuffer nova-lite removes).
gpu_device=${NOVA_LITE_GPU_DEVICE:-virtio-gpu-pci}
if [ "${NOVA_LITE_MMIO:-0}" = 1 ]; then
	# A modern virtio-mmio device (QEMU's default is legacy, which has no ACCESS_PLATFORM).
	# microvm has no HPET and no ACPI PM timer, and under TCG the kernel's PIT calibration of
	# the TSC fails, after which the boot hangs; the guest's TSC is the host's under TCG, so
	# the kernel is given the host's TSC frequency (tsc_early_khz): the host kernel's calibration
	# if its log still has it, else /proc/cpuinfo's "cpu MHz" (the TSC's rate where the CPU's
	# frequency is not scaled, as in a VM).
	export NOVA_LITE_MACHINE=microvm,pcie=on,rtc=on
	gpu_device=virtio-gpu-device
	NOVA_LITE_QEMU_EXTRA="-global virtio-mmio.force-legacy=false${NOVA_LITE_QEMU_EXTRA:+ $NOVA_LITE_QEMU_EXTRA}"
	tsc_khz=$({ dmesg 2>/dev/null || true; } | awk '/tsc: (Refined TSC clocksource calibration:?|Detected) [0-9.]+ MHz/ {
		for (i = 1; i < NF; i++) if ($(i + 1) == "MHz") khz = int($i * 1000) } END { if (khz) print khz }')
	[ -n "$tsc_khz" ] || tsc_khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
	[ -n "$tsc_khz" ] || die "cannot tell the host's TSC frequency (for microvm under TCG)"
	NOVA_LITE_APPEND="tsc_early_khz=$tsc_khz${NOVA_LITE_APPEND:+ $NOVA_LITE_APPEND}"
fi
step "booting $KVER ($FLAVOUR) with -device $gpu_device,$NOVA_LITE_GPU_OPTS: $*"
console=$OUT/guest-console${NOVA_LITE_VM_NAME:+-$NOVA_LITE_VM_NAME}.txt
rm -f "$OUT/guest-exit" "$OUT/screen-watch" "$OUT/screen-request" "$OUT/screen-done" \
	"$OUT/guest-dmesg.txt" "$OUT/guest-dmesg-err.txt"
# The GPU under test has an id: QMP's screendump names a head by the device's id (the watcher).
qemu_opts="${NOVA_LITE_QEMU_EXTRA:+$NOVA_LITE_QEMU_EXTRA }-device $gpu_device,id=gpu,$NOVA_LITE_GPU_OPTS"
qmp=
if [ "${NOVA_LITE_SCREEN:-0}" = 1 ]; then
	qmp=$OUT/qmp${NOVA_LITE_VM_NAME:+-$NOVA_LITE_VM_NAME}.sock
	rm -f "$qmp"
	vnc=$OUT/vnc${NOVA_LITE_VM_NAME:+-$NOVA_LITE_VM_NAME}.sock
	trace=$OUT/qemu-trace${NOVA_LITE_VM_NAME:+-$NOVA_LITE_VM_NAME}.log
	rm -f "$vnc" "$trace"
	qemu_opts="$qemu_opts -qmp unix:$qmp,server=on,wait=off -vnc unix:$vnc"
	qemu_opts="$qemu_opts -trace enable=virtio_gpu_update_cursor"
	qemu_opts="$qemu_opts -trace enable=virtio_gpu_cmd_res_create_2d"
	qemu_opts="$qemu_opts -trace enable=virtio_gpu_cmd_res_xfer_toh_2d -D $trace"
	touch "$OUT/screen-watch"
fi
# virtme-ng exports the root with mount_tag=/dev/root but passes no root=; 7.3 needs it for a
# 9p root ("9p: Bad value for 'source'"). Its rootflags mount the root uncached, so every exec
# reads the binary from the host again; the root does not change while the guest runs, so ours
# (the last rootflags= wins) add cache=loose.
# no5lvl: 7.3's identify_cpu() clears the boot CPU's feature bits and reads them again with
# interrupts on; before the alternatives are patched, pgtable_l5_enabled() reads them, so an
# interrupt in that window makes KASAN take a 5-level direct-map address for a wild one ("BUG:
# KASAN: wild-memory-access in do_raw_spin_lock" from handle_edge_irq at 0.004 s, one boot in a
# few under TCG, whose CPU model has LA57). The tests need no 5-level paging.
# log_buf_len: the kernel log the guest saves at the end must hold the whole run (the default
# 128 KiB held about 50 load cycles); a saved log that does not start at boot fails the run.
# fbcon=font:VGA8x16 vt.global_cursor_default=0: fbcon draws with the kernel's VGA 8x16 font
# (lib/fonts/font_8x16.c, which the host renders the expected text from) and no cursor, so that
# its picture is exactly predictable (the fbcon check: fbcon_line, ci/guest/screen.sh).
# The guest's own lines (not the kernel's) are shown as they come: a debug run takes minutes.
: >"$console"
set +e
timeout -k 10 "$NOVA_LITE_VM_TIMEOUT" vng --run "$BUILD" --root "$ROOT" --force-9p \
	--disable-microvm --qemu "$REPO/ci/qemu.sh" "${accel[@]}" --verbose --memory "$NOVA_LITE_VM_MEMORY" --cpus 2 \
	--rodir /srv="$REPO" --rwdir /mnt="$OUT" \
	--append "root=/dev/root rootflags=version=9p2000.L,trans=virtio,access=any,msize=524288,cache=loose no5lvl log_buf_len=8M fbcon=font:VGA8x16 vt.global_cursor_default=0${NOVA_LITE_APPEND:+ $NOVA_LITE_APPEND}" \
	--qemu-opts="$qemu_opts" \
	--exec "/srv/$*; echo \$? >/mnt/guest-exit" </dev/null >"$console" 2>&1 9>&- &
vm=$!
watcher=
if [ -n "$qmp" ]; then
	while kill -0 $vm 2>/dev/null; do
		if [ -s "$OUT/screen-request" ]; then
			read -r name check head device <"$OUT/screen-request"
			rm -f "$OUT/screen-request"
			if [ "$check" = cursor ]; then
				python3 "$REPO/tools/vnc_cursor.py" "$vnc" "$OUT/cursor-$name.json" \
					--expect-hotspot "$head" >&2 || echo "error: cursor $name not read" >&2
			elif [ -z "$check" ]; then
				python3 "$REPO/tools/screen.py" qmp "$qmp" screendump "$OUT/screen-$name.ppm" ppm >&2 ||
					echo "error: screenshot $name failed" >&2
			else
				# weston's shell client draws the desktop some seconds after weston starts.
				start=$SECONDS limit=10
				case $check in weston-*) limit=60 ;; esac
				while :; do
					python3 "$REPO/tools/screen.py" qmp "$qmp" screendump "$OUT/screen-$name.ppm" ppm \
						--device "${device:-gpu}" --head "${head:-0}" >/dev/null ||
						{ echo "error: screenshot $name failed" >&2; break; }
					screen_check "$check" "$name" >/dev/null 2>&1 && break
					[ $((SECONDS - start)) -lt $limit ] || break
					sleep 0.2
				done
				echo "screenshot $name (${device:-gpu} head ${head:-0}, until $check): after $((SECONDS - start)) s" >&2
			fi
			touch "$OUT/screen-done"
		fi
		sleep 0.2
	done 9>&- &
	watcher=$!
fi
trap 'kill $vm $watcher 2>/dev/null' INT TERM
tail -n +1 -f --pid=$vm "$console" | sed -u 's/^/  | /' | grep --line-buffered -v '^  | \[ *[0-9.]*\] '
wait $vm
rc=$?
[ -z "$watcher" ] || { kill $watcher 2>/dev/null; wait $watcher 2>/dev/null; }
rm -f "$OUT/screen-watch" "$OUT/screen-request" "$OUT/screen-done" ${qmp:+"$qmp" "$vnc"}
set -e
# virtme-ng passes the script's status through a virtio-serial port, which has no
# /dev/virtio-ports link without udev (the guest root has none); the status written to out/ is.
if [ $rc != 124 ] && [ $rc != 137 ]; then
	rc=$(cat "$OUT/guest-exit" 2>/dev/null || echo 255)
fi
rm -f "$OUT/guest-exit"

# Kernel-format reports only (userspace, e.g. virtme-ng-init, prints "WARNING:" lines of its own):
# oopses, WARN()s (DMA-API debug reports are WARN()s), KASAN, UBSAN, lockdep and its context
# checks, debug objects, hung tasks, soft lockups, RCU stalls, IOMMU (DMAR) faults. kmemleak's
# findings are judged by the guest script against ci/kmemleak-allow.txt. The console may lack what
# the console log level hides, so the log the guest saved is read too.
splat='\] (Oops|BUG: |WARNING: CPU:|------------\[ cut here \]|.*KASAN|Kernel panic|general protection fault|Call Trace:|UBSAN:|INFO: task .* blocked|rcu: INFO:|watchdog: BUG:|WARNING: (possible|inconsistent|suspicious|bad unlock|lock held|held lock|Nested lock|bad contention)|ODEBUG:|DEBUG_LOCKS_WARN_ON|DMAR: .*[Ff]ault|DMA-API: debugging out of memory)'
logs=("$console")
[ ! -f "$OUT/guest-dmesg.txt" ] || logs+=("$OUT/guest-dmesg.txt")
# nova-lite's own error lines ("nova-lite <device>: ..." at KERN_ERR or worse), less the reasoned
# exceptions of ci/kernel-log-allow.txt.
unexpected=$([ ! -f "$OUT/guest-dmesg-err.txt" ] ||
	grep -E '\] nova[-_]lite' "$OUT/guest-dmesg-err.txt" |
	grep -Evf <(grep -Ev '^[[:space:]]*(#|$)' "$REPO/ci/kernel-log-allow.txt") || true)
if grep -Eq "$splat" "${logs[@]}"; then
	echo "error: the guest kernel log has a splat:" >&2
	grep -h -E -A25 "$splat" "${logs[@]}" | head -60 >&2 || true # (SIGPIPE under pipefail)
	rc=99
elif [ -s "$OUT/guest-dmesg.txt" ] && ! head -n 1 "$OUT/guest-dmesg.txt" | grep -q '^\[ *0\.000000\]'; then
	echo "error: the kernel log the guest saved does not start at boot (the log buffer wrapped):" \
		"nova-lite's error lines may be lost; first line: $(head -n 1 "$OUT/guest-dmesg.txt")" >&2
	rc=97
elif [ -n "$unexpected" ]; then
	echo "error: nova-lite logged errors that ci/kernel-log-allow.txt does not allow:" >&2
	echo "$unexpected" | head -20 >&2
	rc=98
elif [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "error: the guest did not finish within ${NOVA_LITE_VM_TIMEOUT}s (hang); console: ${console#$OUT/}" >&2
fi
exit $rc
