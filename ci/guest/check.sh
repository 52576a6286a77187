#!/bin/bash
# The in-guest part of `make check` (and `make quick`), run by ci/vm.sh as root.
# Usage: check.sh GPU_OPTIONS normal|long|quick|intx|iommu debug|release [SEED]
# Hands the GPU to nova-lite with tools/nova-lite-bind (the documented path), checks what the
# driver exposes, runs IGT through igt_runner, the fuzzer (random calls, then fault injection),
# unplug while the fuzzer runs, IGT's core_hotunplug, module load cycles, and finally a
# kmemleak scan. `long` runs 10 times more fuzzer calls and 5 times more load cycles; `quick`
# (the edit loop) runs only the IGT tests of /mnt/igt-quick-list.txt, 20,000 fuzzer calls and 5
# load cycles, and skips unplug under load and core_hotunplug. Fault injection and the kmemleak
# scan need the debug kernel: on the release kernel (quick mode only) they are not run. `intx` is
# the short second boot (MSI-X disabled, EDID off): hand-off, probe, client, the query tests.
# `iommu` is the short third boot, with the GPU behind QEMU's intel-iommu (iommu_platform=on):
# hand-off, probe, client, the display, the GEM mmap and resource tests.
# The display check draws two patterns with `nova-lite-info --draw` and, while each is shown,
# asks the host for a screenshot (ci/vm.sh's watcher: /mnt/screen-request -> /mnt/screen-<name>.ppm),
# which the host compares pixel by pixel (tools/screen.py).
# GPU_OPTIONS are the virtio-gpu-pci properties the VM was started with (max_outputs=2,xres=...),
# from which the checks know what the device must report.
# Writes one "ok NAME" / "not ok NAME: why" line per check to /mnt/guest-results.txt, IGT's
# results to /mnt/igt and /mnt/igt-hotunplug, the fuzzer's output to /mnt/fuzz-*.txt, the
# kmemleak report to /mnt/kmemleak.txt and the kernel log to /mnt/guest-dmesg.txt.
set -u
gpu_options=${1:?usage: check.sh GPU_OPTIONS normal|long|quick|intx|iommu debug|release [SEED]}
mode=${2:?} flavour=${3:?}
# QEMU's defaults, then what the VM was started with.
max_outputs=1 xres=1280 yres=800 edid=on vectors=3 max_hostmem=268435456 iommu_platform=off
for opt in ${gpu_options//,/ }; do
	case ${opt%%=*} in max_outputs|xres|yres|edid|vectors|max_hostmem|iommu_platform)
		eval "${opt%%=*}=${opt#*=}" ;;
	esac
done
# What nova_lite_resource's host-memory loop expects.
export NOVA_LITE_EXPECT_MAX_HOSTMEM=$max_hostmem
# What nova_lite_query expects (see tests/igt/nova_lite_query.c). A scanout without a preferred
# size gets QEMU's default in its EDID.
export NOVA_LITE_EXPECT_MODE=${xres}x$yres NOVA_LITE_EXPECT_EDID_OTHER=1280x800
export NOVA_LITE_EXPECT_EDID=$([ "$edid" = on ] && echo 1 || echo 0)
irq_mode=$([ "$vectors" = 0 ] && echo intx || echo msix)
# The fuzzer's seed: random unless given (NOVA_LITE_FUZZ_SEED on the host); printed either way.
seed=(${4:+-s "$4"})
fuzz_calls=1000000 cycles=200 igt_list=/srv/tests/igt/test-list.txt
[ "$mode" = long ] && fuzz_calls=10000000 cycles=1000
[ "$mode" = quick ] && fuzz_calls=20000 cycles=5 igt_list=/mnt/igt-quick-list.txt
[ "$mode" = intx ] && igt_list=/srv/tests/igt/intx-list.txt
[ "$mode" = iommu ] && igt_list=/srv/tests/igt/iommu-list.txt
export PATH=/srv/tools:/mnt/bin:$PATH
results=/mnt/guest-results.txt
: >"$results"

ok() { echo "ok $1" >>"$results"; echo "PASS: $1"; }
not_ok() { echo "not ok $1: $2" >>"$results"; echo "FAIL: $1: $2"; }
# check NAME CMD...: runs CMD, shows its output, records the result.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi
	[ -z "$out" ] || echo "$out" | sed 's/^/    /'
}
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
bound_to_nova_lite() { [ "$(driver_of "$bdf")" = nova-lite ]; }
has_nodes() { ls /sys/bus/auxiliary/devices/nova_lite.drm.*/drm/ | grep -qx 'renderD[0-9]*' &&
	ls /sys/bus/auxiliary/devices/nova_lite.drm.*/drm/ | grep -qx 'card[0-9]*'; }

# Progress on the console, with the guest's uptime: the debug kernel is slow, so say where it is.
stage() { printf '\n=== [%s s] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*"; }

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
# The first debugfs access logs a deprecation warning; make it happen before any test.
ls /sys/kernel/debug/tracing >/dev/null 2>&1

bdf=$(for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1050 ] && basename "$d"; done | head -n 1)
echo "virtio-gpu function: ${bdf:-none}, bound to: $(driver_of "$bdf")"

# 1. Hand-off and probe.
check "handoff: nova-lite-bind binds the GPU" nova-lite-bind
check "pci: $bdf bound to nova-lite" bound_to_nova_lite
aux_bound() { # 7.3's Rust auxiliary abstraction names the driver <name>.<name>
	local drv
	drv=$(basename "$(readlink /sys/bus/auxiliary/devices/nova_lite.drm.*/driver)")
	[ "$drv" = nova-lite.nova-lite ] || { echo "auxiliary driver: '$drv'"; return 1; }
}
check "aux: nova_lite.drm device bound to the DRM driver" aux_bound
check "drm: card and render nodes registered" has_nodes

# The probe's log: DRIVER_OK, then one line per scanout, read from the device.
dmesg | grep -E 'nova-lite .*(virtio-gpu: |scanout |capset )' | sed 's/^/    /'
probe_log() {
	local i want
	dmesg | grep -q "nova-lite $bdf: virtio-gpu: DRIVER_OK; $max_outputs scanout(s), .* $(
		[ $irq_mode = msix ] && echo MSI-X || echo INTx)\$" || { echo "no DRIVER_OK line"; return 1; }
	for i in $(seq 0 $((max_outputs - 1))); do
		want="scanout $i: disabled, preferred 0x0"
		[ "$i" = 0 ] && want="scanout 0: enabled, preferred ${xres}x$yres"
		want="$want, EDID $([ "$edid" = on ] && echo read || echo 'not offered')"
		dmesg | grep -qF "nova-lite $bdf: $want" || { echo "no line '$want'"; return 1; }
	done
}
check "probe: DRIVER_OK and one line per scanout in the kernel log ($irq_mode)" probe_log
ctrlq=/sys/kernel/debug/nova-lite/$bdf/ctrlq
check "debugfs: $ctrlq shows the control queue, interrupts: $irq_mode" \
	sh -c "cat $ctrlq && grep -qx 'interrupts: $irq_mode' $ctrlq && grep -qx 'timeouts: 0' $ctrlq"

# 2. The client reads the device through the render node.
nova-lite-info -c 4096 -c 5000 >/tmp/info.txt 2>&1
rc=$?
sed 's/^/    /' /tmp/info.txt
[ $rc = 0 ] && ok "client: nova-lite-info runs" || not_ok "client: nova-lite-info runs" "exit $rc"
check "client: driver name is nova-lite" grep -qx 'driver=nova-lite' /tmp/info.txt
check "client: num_scanouts = max_outputs ($max_outputs)" \
	grep -qx "param.num_scanouts=$(printf '%#x' "$max_outputs")" /tmp/info.txt
bars_match() {
	local i=0 start end flags size want
	while read -r start end flags && [ $i -lt 6 ]; do
		size=0
		[ $((end)) -ne 0 ] && size=$((end - start + 1))
		want=$(printf 'param.bar%d_size=%#x' $i $size)
		grep -qx "$want" /tmp/info.txt || { echo "expected $want (sysfs)"; return 1; }
		i=$((i + 1))
	done <"/sys/bus/pci/devices/$bdf/resource"
}
check "client: BAR sizes match sysfs" bars_match
check "client: GEM object of 5000 bytes is one of 8192" grep -q 'gem.create.1=0x1388 handle=[0-9]* size=0x2000 flags=0' /tmp/info.txt
check "client: scanout 0 is enabled at ${xres}x$yres" grep -qx "scanout.0=enabled ${xres}x$yres+0+0 flags=0" /tmp/info.txt
if [ "$edid" = on ]; then
	check "client: EDID of scanout 0 valid, preferred ${xres}x$yres" sh -c \
		"grep -qx 'edid.0.checksum=ok' /tmp/info.txt && grep -qx 'edid.0.preferred=${xres}x$yres' /tmp/info.txt"
else
	check "client: no EDID with edid=off (EOPNOTSUPP)" grep -qx 'edid.0=EOPNOTSUPP' /tmp/info.txt
fi

# The GPU behind the virtual IOMMU: DMA goes through translation, so a page the driver did not
# map for the device cannot be read by it.
if [ "$mode" = iommu ]; then
	behind_iommu() {
		local type
		type=$(cat "/sys/bus/pci/devices/$bdf/iommu_group/type" 2>/dev/null) ||
			{ echo "$bdf has no IOMMU group"; return 1; }
		echo "iommu group type: $type"
		case $type in DMA|DMA-FQ) ;; *) echo "not translated"; return 1 ;; esac
		# VIRTIO_F_ACCESS_PLATFORM (bit 33): the device uses the DMA addresses the driver maps.
		local f
		f=$(nova-lite-info | sed -n 's/^param.driver_features=//p')
		echo "driver features: $f"
		[ $(((f >> 33) & 1)) = 1 ] || { echo "ACCESS_PLATFORM not negotiated"; return 1; }
	}
	check "iommu: $bdf is behind a translating IOMMU" behind_iommu
fi

# 2b. The display: a pattern drawn through a mapping, transferred, shown and flushed; the host
# takes a screenshot while it is shown (ci/vm.sh) and compares it (ci/check.sh). Two patterns,
# so that a screenshot that does not change shows.
. /srv/ci/guest/screen.sh
if [ -f /mnt/screen-watch ]; then
	stage "display: two patterns on scanout 0, a screenshot of each"
	for pattern in 1 2; do
		check "display: pattern $pattern drawn, shown and captured" draw $pattern "$mode-$pattern"
	done
	# Measurements, not checks: printed and kept in out/: the latency of create + map + write
	# 1 MiB + transfer + scanout + flush, and mmap write bandwidth against memcpy.
	nova-lite-info --draw-bench 2>&1 | tee /mnt/draw-bench-$mode-$flavour.txt | sed 's/^/    /'
fi

check "vgem loaded (foreign dma-bufs for IGT and the fuzzer)" modprobe vgem
# `make bench`'s program, once with tiny counts so that it cannot rot (its figures mean nothing
# here: `make bench` measures on the release kernel). It fails only if an operation fails. This
# VM has no second GPU for virtio_gpu: the pairs against it run nova-lite's side only.
if [ "$mode" != intx ] && [ "$mode" != iommu ]; then
	check "bench: nova_lite_bench --quick runs nova-lite's side of every pair, and vgem's" \
		nova_lite_bench --quick
fi

# 3. IGT, through the real igt_runner. run_igt LIST RESULTS: one igt_runner run.
run_igt() {
	local list=$1 dest=$2 root=/tmp/igt-root t rc
	mkdir -p "$root"
	{ echo TESTLIST; grep -Ev '^(#|$)' "$list" | cut -d@ -f2 | sort -u; echo END TESTLIST; } \
		>"$root/test-list.txt"
	for t in $(sed -n '/^TESTLIST$/,/^END TESTLIST$/p' "$root/test-list.txt" | sed '1d;$d'); do
		if [ -x "/mnt/bin/igt/$t" ]; then ln -sf "/mnt/bin/igt/$t" "$root/$t"
		else ln -sf "/usr/libexec/igt-gpu-tools/$t" "$root/$t"; fi
	done
	rm -rf "$dest" /tmp/igt-results
	# -m: the subtests of one binary run in one execution (a process start is slow here). The
	# runner syncs its journal and logs line by line: it writes to tmpfs, the results are copied.
	IGT_FORCE_DRIVER=nova-lite igt_runner -m --test-list "$list" \
		--per-test-timeout 120 --overall-timeout 900 "$root" /tmp/igt-results >/tmp/igt.log 2>&1
	rc=$?
	cp -r /tmp/igt-results "$dest"
	sed 's/^/    /' /tmp/igt.log
	return $rc
}
stage "IGT: $igt_list"
igt_dest=/mnt/igt
[ "$mode" = intx ] || [ "$mode" = iommu ] && igt_dest=/mnt/igt-$mode
check "igt: igt_runner completes" run_igt "$igt_list" $igt_dest

# The round trip of one display-information query, seen from userspace (a measurement, not a
# check: it is printed and kept in out/).
nova-lite-info -b 2000 | grep '^bench\.' | tee /mnt/roundtrip-$mode-$flavour.txt | sed 's/^/    /'
cat "$ctrlq" >/mnt/ctrlq-$mode-$flavour.txt 2>/dev/null
if [ "$mode" = intx ] || [ "$mode" = iommu ]; then
	check "pci: unbind and bind ($mode)" sh -c "echo $bdf >/sys/bus/pci/drivers/nova-lite/unbind &&
		echo $bdf >/sys/bus/pci/drivers/nova-lite/bind && nova-lite-info >/dev/null"
	dmesg >/mnt/guest-dmesg-$mode.txt
	ok "guest: check script ran to the end"
	exit 0
fi

# 4. The fuzzer: random calls from 4 threads (with vgem loaded, so that a foreign dma-buf can be
# offered), then every allocation of each valid call failed in turn.
# fuzz NAME ARGS...: runs the fuzzer, its output in /mnt/fuzz-NAME.txt, progress on the console.
# Bounded: 10 minutes plus 1 s per 1000 calls (it makes about 4 per ms on the debug kernel).
fuzz() {
	local name=$1 limit=$((600 + fuzz_calls / 1000)) rc
	shift
	timeout -k 5 "$limit" nova_lite_fuzz "$@" 2>&1 | tee "/mnt/fuzz-$name.txt" |
		sed -n 's/^progress: /    fuzz: /p' >/dev/console
	rc=${PIPESTATUS[0]}
	grep -v '^progress: ' "/mnt/fuzz-$name.txt" | sed 's/^/    /' | tail -40
	[ "$rc" != 124 ] || echo "the fuzzer did not finish within $limit s"
	return "$rc"
}
stage "fuzzer: $fuzz_calls random calls"
shmem_kb() { awk '$1 == "Shmem:" {print $2}' /proc/meminfo; }
shmem_before=$(shmem_kb)
check "fuzz: $fuzz_calls random calls, 4 threads, every result documented" fuzz random "${seed[@]}" -n "$fuzz_calls" -t 4
# GEM objects are shmem files: once the fuzzer has exited, every object it made is freed and
# their pages are gone (kmemleak, at the end, sees lost allocations, not objects still referenced).
# The slack is for the guest's own tmpfs files (a few kB; the fuzzer's objects reach 1 GiB).
shmem_back() {
	local after
	after=$(shmem_kb)
	echo "Shmem: ${shmem_before} kB before the fuzzer, $after kB after"
	[ "$after" -le $((shmem_before + 1024)) ]
}
check "fuzz: the memory of the fuzzer's objects is freed when it exits" shmem_back
if [ "$flavour" = debug ]; then
	stage "fuzzer: fault injection"
	# fail-nth only fails allocations that failslab and fail_page_alloc may fail: GFP_KERNEL
	# ones too, and order 0 pages. verbose=0: an injected fault is not a report. Probability
	# stays 0, so nothing but the fuzzer's armed calls ever fails.
	setup_faults() {
		local d=/sys/kernel/debug a
		for a in failslab fail_page_alloc; do
			echo N >"$d/$a/ignore-gfp-wait" && echo 0 >"$d/$a/verbose" || return 1
		done
		echo 0 >$d/fail_page_alloc/min-order
	}
	check "fuzz: failslab and fail_page_alloc set up for fail-nth" setup_faults
	check "fuzz: every allocation of each call failed in turn (fail-nth): ENOMEM or success" \
		fuzz faults --faults
else
	stage "release kernel: no fault injection, no kmemleak (make check runs them)"
fi

# 5. Unplug while the fuzzer runs (files open, objects alive): unbind/bind, then PCI
# remove/rescan. After a rescan the function is a new device, which virtio_pci (built in) binds
# first: nova-lite-bind hands it over again, as it would for a user.
unplug_cycles() {
	local i
	for i in 1 2 3; do
		echo "$bdf" >/sys/bus/pci/drivers/nova-lite/unbind || { echo "unbind $i failed"; return 1; }
		sleep 1
		echo "$bdf" >/sys/bus/pci/drivers/nova-lite/bind || { echo "bind $i failed"; return 1; }
		sleep 3
		echo 1 >"/sys/bus/pci/devices/$bdf/remove" || { echo "remove $i failed"; return 1; }
		sleep 1
		echo 1 >/sys/bus/pci/rescan || { echo "rescan $i failed"; return 1; }
		nova-lite-bind >/dev/null || { echo "hand-off after rescan $i failed"; return 1; }
		sleep 3
	done
}
unplug_under_load() {
	local pid rc cycles_rc=0
	nova_lite_fuzz --unplug "${seed[@]}" -d 600 -t 4 >/mnt/fuzz-unplug.txt 2>&1 &
	pid=$!
	sleep 5
	unplug_cycles || cycles_rc=1
	# The fuzzer stops on SIGTERM, whatever happened: it holds files that pin the module.
	kill -TERM $pid
	wait $pid
	rc=$?
	sed "s/^/    /" /mnt/fuzz-unplug.txt | tail -40
	[ $cycles_rc = 0 ] && [ $rc = 0 ] && bound_to_nova_lite && has_nodes
}
if [ "$mode" != quick ]; then
	stage "unplug under load"
	check "unplug: 3x unbind/bind and PCI remove/rescan while 4 fuzzer threads run" unplug_under_load

	# 6. IGT's core_hotunplug, in a runner of its own: a failed health check aborts the runner.
	stage "IGT: core_hotunplug"
	check "igt: igt_runner completes core_hotunplug" \
		run_igt /srv/tests/igt/hotunplug-list.txt /mnt/igt-hotunplug
	bound_to_nova_lite || nova-lite-bind >/dev/null
fi

# 7. Unbind and bind the PCI function, then unload and reload the module, many times.
unbind() { echo "$bdf" >/sys/bus/pci/drivers/nova-lite/unbind && ! ls -d /sys/bus/auxiliary/devices/nova_lite.drm.* 2>/dev/null; }
bind() { echo "$bdf" >/sys/bus/pci/drivers/nova-lite/bind && bound_to_nova_lite && has_nodes; }
check "pci: unbind removes the auxiliary and DRM devices" unbind
check "pci: bind brings them back" bind
check "client: runs after rebind" nova-lite-info

check "rmmod nova_lite" rmmod nova_lite
check "pci: $bdf released after rmmod" sh -c "! test -e /sys/bus/pci/devices/$bdf/driver"
check "drm: nodes gone after rmmod" sh -c '! ls /sys/bus/auxiliary/devices/nova_lite.drm.* 2>/dev/null'
check "modprobe nova-lite again" modprobe nova-lite
check "pci: $bdf bound to nova-lite again" bound_to_nova_lite
check "client: runs after reload" nova-lite-info
load_cycles() {
	local i
	for i in $(seq "$cycles"); do
		rmmod nova_lite || { echo "cycle $i: rmmod failed"; return 1; }
		modprobe nova-lite || { echo "cycle $i: modprobe failed"; return 1; }
	done
	bound_to_nova_lite && has_nodes && nova-lite-info >/dev/null
}
stage "$cycles load cycles"
check "load: $cycles rmmod/modprobe cycles, then the device works" load_cycles

# 8. Leaks: kmemleak reports objects unreferenced for 5 s or more; two scans, 6 s apart. Reports
# whose backtrace matches ci/kmemleak-allow.txt (not nova-lite's, each with its reason) pass.
kmemleak_clean() {
	local f=/sys/kernel/debug/kmemleak
	[ -e $f ] || { echo "no $f (CONFIG_DEBUG_KMEMLEAK)"; return 1; }
	echo scan >$f && sleep 6 && echo scan >$f || return 1
	cat $f >/mnt/kmemleak.txt
	awk -v allow=/srv/ci/kmemleak-allow.txt '
		BEGIN { while ((getline l < allow) > 0) if (l !~ /^(#|$)/) pat[++np] = l }
		function flush() {
			if (rep == "") return
			ok = 0
			for (i = 1; i <= np; i++) if (rep ~ pat[i]) ok = 1
			if (ok) allowed++; else if (++leaks <= 3) printf "%s", rep
			rep = ""
		}
		/^unreferenced object/ { flush() }
		{ rep = rep $0 "\n" }
		END { flush(); printf "kmemleak: %d leak(s) (the first 3 above, all in out/kmemleak.txt), %d allowed (ci/kmemleak-allow.txt)\n", leaks, allowed
		      exit leaks > 0 }' /mnt/kmemleak.txt
}
if [ "$flavour" = debug ]; then
	stage "kmemleak scan"
	check "kmemleak: no leak after all of the above" kmemleak_clean
fi

dmesg >/mnt/guest-dmesg.txt
# The host fails the run if this line is missing: the script died before the end.
ok "guest: check script ran to the end"
