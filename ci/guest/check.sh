#!/bin/bash
# The in-guest part of `make check` (and `make quick`), run by ci/vm.sh as root.
# Usage: check.sh GPU_OPTIONS normal|long|quick|iommu|swiotlb debug|release [SEED]
# Hands the GPU to nova-lite with tools/nova-lite-bind (the documented path), checks what the
# driver exposes, runs IGT through igt_runner (one run per list, nova_lite_unplug's apart), the fuzzer (random calls, then
# fault injection), unplug while the fuzzer runs, IGT's core_hotunplug, module load cycles, and
# finally a kmemleak scan. `normal` (`make check`) gives the fuzzer and the load cycles a time
# budget with a floor of calls and cycles; `long` runs their whole counts (10,000,000 calls, 1000
# cycles) without a budget; `quick` (the edit loop) runs only the IGT tests of
# /mnt/igt-quick-list.txt, 20,000 fuzzer calls and 5 load cycles, and skips unplug under load and
# core_hotunplug. Fault injection and the kmemleak scan need the debug kernel: on the release
# kernel (quick mode only) they are not run. The main boot's GPU bypasses QEMU's intel-iommu
# (iommu_platform=off: it takes physical addresses). `iommu` is the short second boot, with the
# GPU behind intel-iommu (iommu_platform=on), MSI-X disabled (INTx) and EDID off: hand-off, probe,
# client, the display, the GEM mmap, resource, wait and query tests. `swiotlb` (swiotlb=force,
# iommu_platform=on, no IOMMU: every mapping bounces; the GPU on virtio-mmio, in QEMU's microvm)
# is a short boot like `iommu` that runs the resource tests only (swiotlb-list.txt).
# After the hand-off, each IGT run, the fuzzer, fault injection and unplug under load, the
# driver's module-wide counts (nova-lite/live in debugfs) must be back where they were; the
# control queue's counters must show every command completed (after IGT, the fuzzer, before the
# unbind and after the load cycles); DMA-API debugging must have found nothing.
# The display check draws two patterns with `nova-lite-info --draw` and, while each is shown,
# asks the host for a screenshot (ci/vm.sh's watcher: /mnt/screen-request -> /mnt/screen-<name>.ppm),
# which the host compares pixel by pixel (tools/screen.py).
# GPU_OPTIONS are the virtio-gpu-pci properties the VM was started with (max_outputs=2,xres=...),
# from which the checks know what the device must report.
# Writes one "ok NAME" / "not ok NAME: why" line per check to /mnt/guest-results.txt, IGT's
# results to /mnt/igt/<list>/ and /mnt/igt/<list>-unplug/ (/mnt/igt-iommu/, /mnt/igt-swiotlb/ in
# the short boots) and /mnt/igt-hotunplug/<list>/, the fuzzer's output to /mnt/fuzz-*.txt, the kmemleak report to
# /mnt/kmemleak.txt, the kernel log to /mnt/guest-dmesg.txt and its error lines to
# /mnt/guest-dmesg-err.txt (however the script ends), each stage's start to
# /mnt/guest-stages-MODE.txt and the guest's IGT, libdrm and kernel versions to
# /mnt/guest-versions-MODE.txt.
set -u
gpu_options=${1:?usage: check.sh GPU_OPTIONS normal|long|quick|iommu|swiotlb debug|release [SEED]}
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
# The soak parts have a time budget in `make check`, with a floor that still proves something
# (a machine too slow to reach it fails): the fuzzer's calls, the load cycles. The long mode
# keeps the big counts without a budget; quick mode runs few.
fuzz_calls=1000000 fuzz_secs=90 fuzz_floor=65000
cycles=200 cycles_secs=30 cycles_floor=10 unplugs=2 unplug_secs=30
igt_list=/srv/tests/igt/test-list.txt
[ "$mode" = long ] && fuzz_calls=10000000 fuzz_secs=0 fuzz_floor=10000000 cycles=1000 cycles_secs=0 cycles_floor=1000 \
	unplugs=3 unplug_secs=0
[ "$mode" = quick ] && fuzz_calls=20000 fuzz_secs=0 fuzz_floor=20000 cycles=5 cycles_secs=0 cycles_floor=5 \
	igt_list=/mnt/igt-quick-list.txt
# The iommu boot's list is iommu-list.txt and intx-list.txt, put together by the host.
case $mode in iommu) igt_list=/mnt/igt-iommu-list.txt ;; swiotlb) igt_list=/srv/tests/igt/swiotlb-list.txt ;; esac
# The short boots (iommu, swiotlb) run the hand-off, probe, client, the display and their
# IGT list.
short=0
case $mode in iommu|swiotlb) short=1 ;; esac
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
	[ -z "$out" ] || printf '    %s\n' "${out//$'\n'/$'\n'    }"
}
driver_of() { nova-lite-bind --driver "$1"; }
bound_to_nova_lite() { [ "$(driver_of "$vdev")" = nova-lite ]; }
has_nodes() { ls /sys/bus/auxiliary/devices/nova_lite.drm.*/drm/ | grep -qx 'renderD[0-9]*' &&
	ls /sys/bus/auxiliary/devices/nova_lite.drm.*/drm/ | grep -qx 'card[0-9]*'; }

# Progress on the console, with the guest's uptime: the debug kernel is slow, so say where it is.
# Each stage's start is recorded too (/mnt/guest-stages-MODE.txt), for the host's table of times.
: >"/mnt/guest-stages-$mode.txt"
stage() {
	local now rest
	read -r now rest </proc/uptime
	printf '\n=== [%s s] %s\n' "$now" "$*"
	echo "$now $*" >>"/mnt/guest-stages-$mode.txt"
}
# progress MESSAGE: one line on the console while a long step runs (its output goes elsewhere).
progress() {
	local now rest
	read -r now rest </proc/uptime
	printf '    [%s s] %s\n' "$now" "$*" >/dev/console
}

# What the driver holds, module-wide (nova-lite/live in debugfs): live GEM objects, host
# resources and their pages. Each must come back to where it was once a client is gone.
live=/sys/kernel/debug/nova-lite/live
# live_now: the three counts on one line ("gem_objects: N host_resources: N resource_pages: N"),
# or nothing if the file is missing or not in that form.
live_now() {
	awk '$1 ~ /^(gem_objects|host_resources|resource_pages):$/ && $2 ~ /^[0-9]+$/ { n++; l = l $0 " " }
		END { if (n == 3) print l }' "$live" 2>/dev/null
}
# live_pages: the resource_pages count alone.
live_pages() { awk '$1 == "resource_pages:" { print $2 }' "$live" 2>/dev/null; }
# live_back WHAT: the counters are back at $live_base (given 5 s: a freed resource's pages go once
# the device has answered its RESOURCE_UNREF, and the check must not race a dying process).
live_back() {
	local now start=$SECONDS
	while :; do
		now=$(live_now)
		[ -n "$now" ] && [ "$now" = "$live_base" ] && return 0
		[ $((SECONDS - start)) -lt 5 ] || break
		sleep 0.2
	done
	echo "after $1: ${now:-no counters in $live}; before: $live_base"
	return 1
}
# live_check WHAT: the result line of live_back; after a failure the baseline moves to what the
# driver holds now, so that one leak fails one check, not every later one. The failure names the
# objects the DRM device still holds (its debugfs objects file, below), all kept in
# /mnt/objects-leak-MODE.txt.
live_check() {
	local out
	if out=$(live_back "$1"); then ok "live: GEM objects, host resources and their pages back after $1"
	else
		objects_left "$1" >>"/mnt/objects-leak-$mode.txt"
		not_ok "live: GEM objects, host resources and their pages back after $1" \
			"$out; objects: $(objects_summary)"
		live_base=$(live_now)
	fi
}

# The DRM device's objects (nova-lite/<virtio device>/objects in debugfs, set once the device is
# known): a line per GEM object (size, handles, resource, pages, where it is shown, live or freed),
# then their totals.
objects=
rm -f "/mnt/objects-leak-$mode.txt"
# objects_totals: the totals of $objects in live_now's form ("gem_objects: N host_resources: N
# resource_pages: N "), or nothing if the file is missing or not in that form.
objects_totals() {
	awk '$1 == "total:" { for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
		if (v["objects"] v["resources"] v["resource-pages"] ~ /^[0-9]+$/)
			printf "gem_objects: %s host_resources: %s resource_pages: %s \n", v["objects"],
				v["resources"], v["resource-pages"] }' "$objects" 2>/dev/null
}
# objects_summary: the objects that are not the fbdev emulation's buffer (the one pinned), on one
# line, at most 5.
objects_summary() {
	awk '/^size=/ && !/ pinned=yes / { n++; if (n <= 5) l = l (l ? "; " : "") $0 }
		END { print (n ? n " other object(s): " l : "none but the fbdev buffer") }' "$objects" 2>/dev/null
}
# objects_left WHAT: the objects file after a failed live check, with a header.
objects_left() { echo "== after $1"; cat "$objects" 2>/dev/null || echo "(no $objects)"; }
# objects_agree: the objects file's totals equal nova-lite/live's counts (one device, and every
# object of the module belongs to its DRM device), given 5 s to settle as live_back.
objects_agree() {
	local o l start=$SECONDS
	while :; do
		o=$(objects_totals) l=$(live_now)
		[ -n "$o" ] && [ "$o" = "$l" ] && return 0
		[ $((SECONDS - start)) -lt 5 ] || break
		sleep 0.2
	done
	echo "objects totals: ${o:-none in $objects}; nova-lite/live: ${l:-none}"
	cat "$objects" 2>/dev/null
	return 1
}
# objects_sums: the totals of $objects that objects_totals does not compare with nova-lite/live
# ("bytes B handles H pinned-pages P"), or nothing.
objects_sums() {
	awk '$1 == "total:" { for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
		if (v["bytes"] v["handles"] v["pinned-pages"] ~ /^[0-9]+$/)
			print "bytes", v["bytes"], "handles", v["handles"], "pinned-pages", v["pinned-pages"] }' \
		"$objects" 2>/dev/null
}
# objects_client: a client's resource (nova-lite-info --resource-hold, 256x256 XRGB8888) is listed
# with its size, one handle, its resource's pages and state live, and the totals count its bytes,
# handle and pages; once the client has closed it and the device has answered its RESOURCE_UNREF,
# it is gone and the totals are back.
objects_client() {
	local ready id line i size=$((256 * 256 * 4)) pages=$(((256 * 256 * 4) / 4096))
	local before held want after b h p
	before=$(objects_sums)
	[ -n "$before" ] || { echo "no totals in $objects"; cat "$objects"; return 1; }
	read -r _ b _ h _ p <<<"$before"
	want="bytes $((b + size)) handles $((h + 1)) pinned-pages $((p + pages))"
	coproc HOLD { nova-lite-info --resource-hold 2>&1; }
	# Kept apart: bash unsets HOLD and HOLD_PID once it reaps the coprocess (set -u).
	local pid=$HOLD_PID out=${HOLD[0]} in=${HOLD[1]}
	read -r -t 60 ready <&"$out"
	case $ready in
	resource=*) id=${ready#resource=} ;;
	*) echo "--resource-hold: ${ready:-no answer}"; return 1 ;;
	esac
	line=$(grep -E "(^| )resource=$id( |$)" "$objects")
	held=$(objects_sums)
	# EOF on its stdin: it closes the object and exits.
	exec {in}>&-
	wait "$pid" || { echo "--resource-hold failed"; return 1; }
	case $line in
	"size=$size handles=1 resource=$id resource-pages=$pages pinned-pages=$pages "*" state=live") ;;
	*) echo "resource $id listed as: '${line:-nothing}'"; cat "$objects"; return 1 ;;
	esac
	[ "$held" = "$want" ] || { echo "totals with it held: '$held', want '$want'"; return 1; }
	for i in $(seq 25); do
		after=$(objects_sums)
		! grep -qE "(^| )resource=$id( |$)" "$objects" && [ "$after" = "$before" ] && return 0
		sleep 0.2
	done
	echo "5 s after its close: resource $id listed as" \
		"'$(grep -E "(^| )resource=$id( |$)" "$objects")'; totals '$after', want '$before'"
	return 1
}

# The whole kernel log and its error lines apart (the host checks those of nova-lite against
# ci/kernel-log-allow.txt), however the script ends.
kernel_log() { dmesg >/mnt/guest-dmesg.txt; dmesg --level=emerg,alert,crit,err >/mnt/guest-dmesg-err.txt; }
trap kernel_log EXIT

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
# The first debugfs access logs a deprecation warning; make it happen before any test.
ls /sys/kernel/debug/tracing >/dev/null 2>&1

# The GPU is a virtio device (virtioN on the virtio bus); its parent is the PCI function of the
# virtio-pci transport (nothing on virtio-mmio: no BARs, no IOMMU group, no IRQ-mode check).
vdev=$(nova-lite-bind --list | head -n 1)
pci=$([ -z "$vdev" ] || nova-lite-bind --pci "$vdev")
echo "virtio-gpu device: ${vdev:-none} (PCI function: ${pci:-none}), bound to: $(driver_of "$vdev")"

# The guest root is Debian sid, which drifts: the versions of what the tests run on are recorded
# (/mnt/guest-versions-MODE.txt) and must reach the minimums of ci/versions.env.
. /srv/ci/versions.env
versions() {
	local igt libdrm
	igt=$(dpkg-query -W -f '${Version}' igt-gpu-tools) libdrm=$(dpkg-query -W -f '${Version}' libdrm2)
	printf 'igt-gpu-tools %s\nlibdrm2 %s\nkernel %s\n' "$igt" "$libdrm" "$(uname -r)" |
		tee "/mnt/guest-versions-$mode.txt"
	dpkg --compare-versions "$igt" ge "$GUEST_MIN_IGT" ||
		{ echo "igt-gpu-tools $igt is older than $GUEST_MIN_IGT"; return 1; }
	dpkg --compare-versions "$libdrm" ge "$GUEST_MIN_LIBDRM" ||
		{ echo "libdrm2 $libdrm is older than $GUEST_MIN_LIBDRM"; return 1; }
}
check "guest: IGT >= $GUEST_MIN_IGT and libdrm >= $GUEST_MIN_LIBDRM (versions recorded)" versions

# 1. Hand-off and probe.
# The iommu boot's GPU is a virtio-vga whose VGA BAR holds the VESA mode set at boot (vga=), which
# simpledrm, a firmware framebuffer driver, drives with fbcon on it until nova-lite takes the
# display: nova-lite must remove it (the aperture helpers: kernel patch 0026), and fbcon moves to
# nova-lite's fbdev emulation.
simpledrm_dev=/sys/bus/platform/devices/simple-framebuffer.0
if [ "$mode" = iommu ]; then
	firmware_fb() {
		[ "$(basename "$(readlink "$simpledrm_dev/driver")")" = simple-framebuffer ] ||
			{ echo "no simple-framebuffer device bound to simpledrm: $(ls /sys/bus/platform/devices)"; return 1; }
		dmesg | grep -q 'fb0: simpledrmdrmfb frame buffer device$' ||
			{ echo "simpledrm's fbdev is not fb0 (fbcon's)"; return 1; }
	}
	check "aperture: simpledrm drives the firmware's VESA mode on virtio-vga before the hand-off" firmware_fb
fi
check "handoff: nova-lite-bind binds the GPU" nova-lite-bind
if [ "$mode" = iommu ]; then
	firmware_fb_gone() {
		[ ! -e "$simpledrm_dev" ] || { echo "$simpledrm_dev is still there"; return 1; }
		# fb0 is free again only if simpledrm's fbdev went: then nova-lite's takes it, and
		# fbcon with it.
		dmesg | grep -q 'fb0: nova-litedrmfb frame buffer device$' ||
			{ echo "nova-lite's fbdev emulation is not fb0"; return 1; }
	}
	check "aperture: nova-lite removed simpledrm's framebuffer, its fbdev took fb0" firmware_fb_gone
fi
check "virtio: $vdev bound to nova-lite" bound_to_nova_lite
aux_bound() { # 7.3's Rust auxiliary abstraction names the driver <name>.<name>
	local drv
	drv=$(basename "$(readlink /sys/bus/auxiliary/devices/nova_lite.drm.*/driver)")
	[ "$drv" = nova-lite.nova-lite ] || { echo "auxiliary driver: '$drv'"; return 1; }
}
check "aux: nova_lite.drm device bound to the DRM driver" aux_bound
check "drm: card and render nodes registered" has_nodes
# What the fbdev emulation holds once nova-lite is bound, and nothing else (the baseline of every
# live check): one buffer, an object and its host resource, of its framebuffer's size (listed in
# the DRM device's debugfs as allocated by fbcon).
fbdev_base() {
	local size
	size=$(awk '/allocated by = \[fbcon\]/ { f = 1 } f && $1 ~ /^size=[0-9]+x[0-9]+$/ {
		sub("size=", "", $1); print $1; exit }' /sys/kernel/debug/dri/*/framebuffer 2>/dev/null)
	[ -n "$size" ] || return 1
	echo "gem_objects: 1 host_resources: 1 resource_pages: $(((${size%x*} * ${size#*x} * 4 + 4095) / 4096)) "
}
live_base=$(fbdev_base) || { echo "no framebuffer of fbcon in debugfs"; live_base="gem_objects: 1 "; }
live_check "the hand-off (the fbdev emulation's buffer only)"

# The probe's log: the device is ready, then one line per scanout, read from the device.
dmesg | grep -E 'nova-lite .*(virtio-gpu: |scanout )' | sed 's/^/    /'
probe_log() {
	local i want x='[0-9a-fA-F]*'
	dmesg | grep -q "nova-lite $vdev: virtio-gpu: ready; $max_outputs scanout(s), [0-9]* capset(s), features 0x$x of 0x$x, control queue of [0-9]* descriptors\$" ||
		{ echo "no 'nova-lite $vdev: virtio-gpu: ready; $max_outputs scanout(s), ...' line"; return 1; }
	for i in $(seq 0 $((max_outputs - 1))); do
		want="scanout $i: disabled, preferred 0x0"
		[ "$i" = 0 ] && want="scanout 0: enabled, preferred ${xres}x$yres"
		want="$want, EDID $([ "$edid" = on ] && echo offered || echo 'not offered')"
		dmesg | grep -qF "nova-lite $vdev: $want" || { echo "no line '$want'"; return 1; }
	done
}
check "probe: device ready and one line per scanout in the kernel log" probe_log
# The interrupt mode, from /proc/interrupts (virtio-pci only: virtio-mmio has one interrupt line).
# virtio_pci names its MSI-X vectors <vdev>-config and <vdev>-<queue> (<vdev>-virtqueues when the
# queues share one vector), and its shared INTx handler <vdev>.
irq_mode_is() {
	awk -v d="$vdev" -v want="$irq_mode" '
		{ hit = 0
		  for (i = 1; i <= NF; i++) {
			f = $i; sub(/,$/, "", f)
			if (f == d "-config") { c = 1; hit = 1 }
			else if (index(f, d "-") == 1) { q = 1; hit = 1 }
			else if (f == d) { x = 1; hit = 1 }
		  }
		  if (hit) print }
		END { mode = (c && q && !x) ? "msix" : (x && !c && !q) ? "intx" : "unknown"
		      print d ": " mode ", want " want
		      exit (mode != want) }' /proc/interrupts
}
[ -z "$pci" ] || check "irq: $vdev uses $irq_mode (/proc/interrupts)" irq_mode_is
ctrlq=/sys/kernel/debug/nova-lite/$vdev/ctrlq
ctrlq_shown() {
	cat "$ctrlq" || return 1
	awk '{ v[$1] = $2 } END {
		split("size free_descriptors submitted completed malformed timeouts callbacks config_changes display_events", n, " ")
		for (i in n) if (v[n[i] ":"] !~ /^[0-9]+$/) { print "no counter " n[i]; bad = 1 }
		if (v["timeouts:"] != "0") { print "timeouts: " v["timeouts:"]; bad = 1 }
		exit bad }' "$ctrlq"
}
check "debugfs: $ctrlq shows the control queue, no timeout" ctrlq_shown
objects=/sys/kernel/debug/nova-lite/$vdev/objects
check "debugfs: $objects totals agree with nova-lite/live (the fbdev buffer only)" objects_agree
check "debugfs: $objects lists a client's resource (size, handle, pages, totals) while it lives, not after its close" objects_client

# 1b. KUnit: nova-lite's suites (nova_lite_*, DRM_NOVA_LITE_KUNIT_TEST), which the module registers
# when it loads (/sys/kernel/debug/kunit/<suite>/); the kernel runs none by itself
# (CONFIG_KUNIT_AUTORUN_ENABLED=n). Each is run once here, and its results (a KTAP document) saved
# as /mnt/kunit/<suite>.ktap, which the host turns into one result per case against the cases of
# the sources (ci/kunit-results.sh). The main boot only: the short boots load the same module.
if [ $short = 0 ]; then
	stage "KUnit: nova-lite's suites"
	kunit_run() {
		local dir suite n=0
		rm -rf /mnt/kunit && mkdir -p /mnt/kunit || return 1
		# nova-lite's suites, then the kernel crate's (rust_*: its KUnit suites, the kernel
		# patches' cases among them, and rust_doctests_kernel, its examples); the host checks
		# each case.
		for dir in /sys/kernel/debug/kunit/nova_lite_* /sys/kernel/debug/kunit/rust_*; do
			[ -d "$dir" ] || continue
			suite=${dir##*/}
			# The write returns once the suite has run.
			echo run >"$dir/run" || { echo "$suite: not run"; return 1; }
			cp "$dir/results" "/mnt/kunit/$suite.ktap" || return 1
			awk -v s="$suite" '/^    ok [0-9]+ / && !/# SKIP/ { p++ } /^    (not ok|ok [0-9]+ .*# SKIP)/ { f++ }
				END { printf "%s: %d passed, %d not\n", s, p, f }' "/mnt/kunit/$suite.ktap"
			# The failed cases and KUnit's message about each.
			grep -E '^    (not ok |Expected |# [A-Za-z0-9_]+: (ASSERTION|EXPECTATION|try ))' \
				"/mnt/kunit/$suite.ktap"
			case $suite in nova_lite_*) n=$((n + 1)) ;; esac
		done
		[ $n -gt 0 ] || { echo "no /sys/kernel/debug/kunit/nova_lite_*: KUnit (CONFIG_KUNIT=y) or DRM_NOVA_LITE_KUNIT_TEST missing"; return 1; }
	}
	# The case results are the host's; this says the suites ran and were saved.
	check "kunit: nova-lite's suites ran, results saved (/mnt/kunit/)" kunit_run
	live_check "the KUnit suites"
fi

# 2. The client reads the device through the render node.
nova-lite-info -c 4096 -c 5000 >/tmp/info.txt 2>&1
rc=$?
sed 's/^/    /' /tmp/info.txt
[ $rc = 0 ] && ok "client: nova-lite-info runs" || not_ok "client: nova-lite-info runs" "exit $rc"
check "client: driver name is nova-lite" grep -qx 'driver=nova-lite' /tmp/info.txt
check "client: num_scanouts = max_outputs ($max_outputs)" \
	grep -qx "param.num_scanouts=$(printf '%#x' "$max_outputs")" /tmp/info.txt
check "client: GEM object of 5000 bytes is one of 8192" grep -qx 'gem.create.1=0x1388 handle=[0-9]* size=0x2000 flags=0' /tmp/info.txt
check "client: scanout 0 is enabled at ${xres}x$yres" grep -qx "scanout.0=enabled ${xres}x$yres+0+0 flags=0" /tmp/info.txt
if [ "$edid" = on ]; then
	check "client: EDID of scanout 0 valid, preferred ${xres}x$yres" sh -c \
		"grep -qx 'edid.0.checksum=ok' /tmp/info.txt && grep -qx 'edid.0.preferred=${xres}x$yres' /tmp/info.txt"
else
	check "client: no EDID with edid=off (EOPNOTSUPP)" grep -qx 'edid.0=EOPNOTSUPP' /tmp/info.txt
fi

# feature_bit N: 1 if virtio feature bit N was negotiated for $vdev, else 0. The device's features
# file in sysfs is one '0' or '1' character per feature bit, bit 0 first (drivers/virtio/virtio.c,
# features_show).
feature_bit() {
	local f
	f=$(cat "/sys/bus/virtio/devices/$vdev/features") || return 1
	[[ ${f:$1:1} == [01] ]] ||
		{ echo "no feature bit $1 in $vdev's features: '$f'" >&2; return 1; }
	echo "${f:$1:1}"
}
# The GPU behind the virtual IOMMU (every boot but the virtio-mmio one): a translated DMA domain.
# With iommu_platform=on (the iommu boot) a page the driver did not map for the device cannot be
# read by it; with iommu_platform=off (the main boot) the device bypasses the IOMMU and must be
# given physical addresses.
if [ "$mode" != swiotlb ]; then
	behind_iommu() {
		local type
		[ -n "$pci" ] || { echo "$vdev has no PCI parent"; return 1; }
		type=$(cat "/sys/bus/pci/devices/$pci/iommu_group/type" 2>/dev/null) ||
			{ echo "$pci has no IOMMU group"; return 1; }
		echo "iommu group type: $type"
		case $type in DMA|DMA-FQ) ;; *) echo "not translated"; return 1 ;; esac
		# VIRTIO_F_ACCESS_PLATFORM (bit 33): the device uses the DMA addresses the driver maps;
		# negotiated exactly when the device offers it (iommu_platform=on).
		local ap want
		want=$([ "$iommu_platform" = on ] && echo 1 || echo 0)
		ap=$(feature_bit 33) || return 1
		echo "ACCESS_PLATFORM (virtio feature bit 33) negotiated: $ap"
		[ "$ap" = "$want" ] ||
			{ echo "ACCESS_PLATFORM $([ $want = 1 ] && echo not) negotiated, iommu_platform=$iommu_platform"; return 1; }
	}
	check "iommu: $vdev (PCI function ${pci:-none}) is behind a translating IOMMU" behind_iommu
fi
# swiotlb=force without an IOMMU, ACCESS_PLATFORM negotiated (iommu_platform=on): the device takes
# DMA addresses, and every streaming mapping bounces, as in SEV and TDX guests. The display checks
# below then see the pixels only if the driver syncs the backing before each transfer.
if [ "$mode" = swiotlb ]; then
	bounces() {
		local ap
		grep -Eq '(^| )swiotlb=([0-9]+,)?force( |$)' /proc/cmdline ||
			{ echo "no swiotlb=force: $(cat /proc/cmdline)"; return 1; }
		ap=$(feature_bit 33) || return 1
		echo "ACCESS_PLATFORM (virtio feature bit 33) negotiated: $ap"
		[ "$ap" = 1 ] || { echo "ACCESS_PLATFORM not negotiated"; return 1; }
	}
	check "swiotlb: bouncing forced and ACCESS_PLATFORM negotiated (the DMA API is used)" bounces
	# This boot is also the virtio-mmio one (ci/check.sh): QEMU's microvm, the GPU a
	# virtio-gpu-device whose transport is a virtio-mmio platform device.
	on_mmio() {
		local transport
		transport=$(basename "$(readlink "/sys/bus/virtio/devices/$vdev/../driver")")
		[ "$transport" = virtio-mmio ] && [ -z "$pci" ] ||
			{ echo "transport of $vdev: '$transport', PCI function: '${pci:-none}'"; return 1; }
	}
	check "virtio-mmio: $vdev is on the virtio-mmio transport (no PCI function)" on_mmio
fi

# 2b. The display: a pattern drawn through a mapping and shown on scanout 0 through KMS
# (nova-lite-info --draw: a resource made a framebuffer and set on the first CRTC, as DRM master;
# the plane update transfers it, sets the scanout and flushes); the host takes a screenshot while
# it is shown (ci/vm.sh) and compares it (ci/check.sh). Two patterns, so that a screenshot that
# does not change shows. A drawing client must be able to become DRM master: no other KMS client
# may hold the device then (fbcon is the kernel's fbdev client, not a master). Once it has exited,
# the fbdev emulation restores the console's mode.
. /srv/ci/guest/screen.sh
resets_now() { ctrlq_value resets; }
# hold_start SEED [ARGS...]: draws pattern SEED on scanout 0 and keeps it (the client keeps its
# file, so DRM master, its framebuffer on the CRTC and its mapping) until hold_stop, which fails
# unless the mapping still holds the pattern and the client then removes its framebuffer (or
# finds the device unplugged, ENODEV: it says so and does not fail).
hold_start() {
	local i
	rm -f /tmp/hold && mkfifo /tmp/hold
	nova-lite-info --draw "$1" --hold "${@:2}" <>/tmp/hold >/tmp/hold.txt 2>&1 &
	hold_pid=$!
	for i in $(seq 600); do
		grep -q '^drew' /tmp/hold.txt && return 0
		kill -0 $hold_pid 2>/dev/null || break
		sleep 0.1
	done
	cat /tmp/hold.txt
	return 1
}
hold_stop() {
	local rc=0
	echo 1<>/tmp/hold
	wait $hold_pid || rc=$?
	cat /tmp/hold.txt
	return $rc
}
# 2c. KMS clients on each head (the main boot), before the draws below (nova-lite-info, which must
# become DRM master: modetest has exited by then, and dropped master before) and before IGT (whose
# kms tests may leave the console in graphics mode):
# fbcon, the kernel's fbdev client, shows a line written to tty1; modetest (libdrm's) sets 1024x768
# with its SMPTE pattern on head 0, then on head 1 (second_head: its connector forced on; then
# CRTC 1 is turned off while modetest still holds its framebuffer); once it has exited, fbcon's
# line is back. The host
# takes each screenshot of the GPU's head until it shows what is expected (or 10 s have passed) and
# judges it after the boot (ci/check.sh): the line in the kernel's VGA 8x16 font, 170,170,170 on
# black (fbcon=font:VGA8x16 and no cursor: ci/vm.sh), every pixel of the SMPTE pattern, every pixel
# of QEMU's picture of an inactive output.
# Then a cursor on head 0 (over fbcon's line): shown, moved partly off the screen, hidden; the
# host reads its image through VNC while it is shown, and QEMU traces the cursor commands.
# fbcon_line, modetest_smpte, second_head and cursor are ci/guest/screen.sh's (`make demo` ends
# with the first two).
# fbcon_back NAME: screenshot NAME must show fbcon's line again (nothing written since): the fbdev
# client restores its mode when modetest, the last client, has closed the device.
fbcon_back() {
	cp /mnt/screen-fbcon.txt "/mnt/screen-$1.txt" && shoot "$1" fbcon
}
if [ -f /mnt/screen-watch ] && [ $short = 0 ]; then
	stage "display: fbcon's line, modetest's SMPTE pattern on each head, fbcon again"
	check "fbcon: a line with this boot's id written to tty1 (nova-lite's fbdev), screenshot taken" fbcon_line fbcon
	check "modetest: 1024x768 with the SMPTE pattern set, held until the screenshot, exits on EOF" \
		modetest_smpte modetest
	if [ "$max_outputs" -ge 2 ]; then
		check "modetest: the same on Virtual-2 forced on (scanout 1), then its CRTC turned off" \
			second_head modetest-head1
	fi
	check "fbcon: back after modetest has exited, screenshot taken" fbcon_back fbcon-back
	check "cursor: the legacy cursor ioctls show, move and hide a cursor on head 0, any hotspot accepted" \
		cursor cursor
fi

# 2d. weston (ci/guest/weston.sh), the main boot: its desktop, then wl_pattern's maximized window
# in it, each screenshot judged by the host (tools/weston_check.py); weston and the client exit
# with 0 on SIGTERM. Then weston and the client again, nova-lite unbound under them: the unbind
# completes (a splat fails the boot: ci/vm.sh), both end on SIGTERM (whatever their exit status:
# their device went away), nova-lite is bound again and the live counts come back.
weston_unbind() {
	local rc=0 i status
	weston_start || return 1
	wl_client_start /tmp/wl-unbind.txt || rc=1
	echo "$vdev" >/sys/bus/virtio/drivers/nova-lite/unbind || { echo "unbind failed"; rc=1; }
	# Whatever weston makes of a device gone under it (it may exit with an error), it and its
	# client must end on SIGTERM: neither may hang in the driver.
	for pid in $wl_pid $weston_pid; do
		status=0
		stop_pid $pid "$([ $pid = $wl_pid ] && echo wl_pattern || echo weston)" || status=$?
		[ $status != 255 ] || rc=1
	done
	echo "$vdev" >/sys/bus/virtio/drivers/nova-lite/bind || { echo "bind failed"; return 1; }
	for i in $(seq 50); do
		bound_to_nova_lite && has_nodes && return $rc
		sleep 0.1
	done
	echo "nova-lite did not bind $vdev again"
	return 1
}
if [ -f /mnt/screen-watch ] && [ $short = 0 ]; then
	. /srv/ci/guest/weston.sh
	stage "weston: its desktop, a client's window, exit; nova-lite unbound under it"
	check "weston: its desktop, then a client's window, shown and captured; both exit with 0 on SIGTERM" \
		weston_desktop weston
	live_check "weston"
	check "weston: nova-lite unbound under weston and its client, both stopped, bound again" \
		weston_unbind
	live_check "weston and the unbind under it"
fi

# The swiotlb boot: the cursor of 2c, its image copied to the host through a bounce buffer (the
# driver syncs it for the device before the copy); the host checks what QEMU got.
if [ -f /mnt/screen-watch ] && [ "$mode" = swiotlb ]; then
	stage "cursor: shown, moved, hidden on head 0, its image bounced"
	check "cursor: the legacy cursor ioctls show, move and hide a cursor on head 0, any hotspot accepted" \
		cursor cursor-swiotlb
fi

if [ -f /mnt/screen-watch ]; then
	stage "display: two patterns on scanout 0, a screenshot of each"
	for pattern in 1 2; do
		check "display: pattern $pattern drawn, shown and captured" draw $pattern "$mode-$pattern"
	done
	# Measurements: printed and kept in out/: the latency of a frame of scanout 0's mode through
	# KMS (create + map + write + ADDFB2 + SETCRTC, whose commit waits for the next vblank), and
	# mmap write bandwidth against memcpy. The figures are not judged here (`make bench`
	# measures); every operation must succeed. It runs between the draws and IGT: no other
	# client is DRM master then.
	check "display: nova-lite-info --draw-bench runs" sh -c \
		"nova-lite-info --draw-bench >/mnt/draw-bench-$mode-$flavour.txt 2>&1; rc=\$?; cat /mnt/draw-bench-$mode-$flavour.txt; exit \$rc"
	# The panic screen (drm_panic) on scanout 0, through its debugfs trigger: drawn into the
	# framebuffer fbcon's console shows (restored once the clients above exited) and posted with
	# nova-lite's panic commands; the host judges the screenshot (ci/check.sh). The short boots'
	# GPU reads memory through the DMA API: nothing is posted there (nor any lock of the DMA
	# layer taken under drm_panic's raw spinlock, which lockdep would report).
	if [ $short = 0 ]; then
		check "panic: drm_panic_plane_0 draws the panic screen, the plane posts it, screenshot taken" \
			panic_screen "panic-$mode" "$ctrlq"
	else
		check "panic: drm_panic_plane_0 draws the panic screen, the plane posts nothing (DMA API)" \
			panic_screen "panic-$mode" "$ctrlq" skipped
	fi
fi

check "vgem loaded (foreign dma-bufs for IGT and the fuzzer)" modprobe vgem
# `make bench`'s program, once with tiny counts so that it cannot rot (its figures mean nothing
# here: `make bench` measures on the release kernel). It fails only if an operation fails. This
# VM has no second GPU for virtio_gpu: the pairs against it run nova-lite's side only.
if [ $short = 0 ]; then
	check "bench: nova_lite_bench --quick runs nova-lite's side of every pair, and vgem's" \
		nova_lite_bench --quick
fi

# 3. IGT, through the real igt_runner, in one run (a runner's start and its results cost seconds
# each on the debug kernel): the list's binaries in its order, each subtest of a binary in one
# execution (-m). After it, what the driver holds must be back where it was (a leaked reference
# to an object, mapped or not, shows here; which binary leaked is for the developer to find, with
# `make quick`'s list or a shorter one). nova_lite_unplug's subtests run after that check, in a
# run of their own with its own check: an unbind of the virtio device forgets the host resources
# the device held, so a resource leaked before it would not show in the counts after it.
# run_igt LIST RESULTS TIMEOUT: the binaries of LIST in RESULTS/<name of LIST>/ and, for
# nova_lite_unplug, RESULTS/<name of LIST>-unplug/ (ci/igt-results.sh), each run with one result
# line for the runner and one for the live counts; the first run stops at TIMEOUT seconds,
# nova_lite_unplug's at 300.
run_igt() {
	local list=$1 dest=$2 timeout=$3 run
	run=$(basename "$list" .txt)
	rm -rf "$dest" && mkdir -p "$dest"
	grep -Ev '^(#|$)' "$list" | grep -v '^igt@nova_lite_unplug@' >/tmp/igt-list.txt
	[ ! -s /tmp/igt-list.txt ] || igt_run /tmp/igt-list.txt "$dest/$run" "$timeout"
	grep '^igt@nova_lite_unplug@' "$list" >/tmp/igt-list.txt
	[ ! -s /tmp/igt-list.txt ] || igt_run /tmp/igt-list.txt "$dest/$run-unplug" 300
}
# igt_run LIST DIR TIMEOUT: one igt_runner run of LIST (no comments), its results copied to DIR.
# The runner stops at TIMEOUT seconds (each test at 120 s): the runs of a boot stop before its
# VM's timeout (ci/check.sh) does, which would lose their results.
igt_run() {
	local list=$1 dir=$2 timeout=$3 root=/tmp/igt-root t binaries links
	binaries=$(cut -d@ -f2 "$list" | awk '!seen[$0]++')
	# The runner's test root: a link to each binary and the list of them.
	rm -rf "$root" /tmp/igt-results && mkdir -p "$root"
	{ echo TESTLIST; echo "$binaries"; echo END TESTLIST; } >"$root/test-list.txt"
	links=()
	for t in $binaries; do
		if [ -x "/mnt/bin/igt/$t" ]; then links+=("/mnt/bin/igt/$t")
		else links+=("/usr/libexec/igt-gpu-tools/$t"); fi
	done
	ln -s "${links[@]}" "$root/"
	# The runner's lines (one per binary: "[n/N] ... binary (subtests)") go to the console as they
	# come, the progress of a run of minutes. It syncs its journal and logs line by line: it
	# writes to tmpfs, the results are copied.
	IGT_FORCE_DRIVER=nova-lite igt_runner -m --test-list "$list" \
		--per-test-timeout 120 --overall-timeout "$timeout" "$root" /tmp/igt-results 2>&1 |
		tee /tmp/igt.log | sed -u 's/^/    /'
	if [ "${PIPESTATUS[0]}" = 0 ]; then ok "igt: igt_runner completes ${dir#/mnt/}"
	else not_ok "igt: igt_runner completes ${dir#/mnt/}" "$(tail -n 2 /tmp/igt.log | tr '\n' ' ')"; fi
	cp -r /tmp/igt-results "$dir"
	live_check "IGT's ${dir#/mnt/}"
}
# The main list's run: the VMs stop at 3000 s (normal), 10800 s (long), 600 s (quick) and 900 s
# (the short boots), with the rest of their work to do.
case $mode in normal) igt_timeout=1200 ;; long) igt_timeout=2400 ;; quick) igt_timeout=300 ;;
*) igt_timeout=400 ;; esac
live_check "the client, the display and the bench"
stage "IGT: $igt_list"
igt_dest=/mnt/igt
[ $short = 0 ] || igt_dest=/mnt/igt-$mode
run_igt "$igt_list" $igt_dest $igt_timeout

# The control queue after the work above: every command submitted was completed, every
# descriptor is free, and nothing timed out or came back malformed. One reading of the file is
# judged at a time, and an answer still on its way (an interrupted command's, a display refresh's)
# gets 5 s.
ctrlq_value() { awk -v k="$1:" '$1 == k {print $2}' "$ctrlq"; }
# ctrlq_why FILE: what is wrong in a reading of the file, nothing if all is well.
ctrlq_why() {
	awk '{ v[$1] = $2 } END {
		if (v["timeouts:"] != "0") w = w " timeouts: " v["timeouts:"]
		if (v["malformed:"] != "0") w = w " malformed: " v["malformed:"]
		if (v["submitted:"] == "" || v["submitted:"] != v["completed:"])
			w = w " submitted " v["submitted:"] " != completed " v["completed:"] ": commands in flight"
		if (v["size:"] == "" || v["free_descriptors:"] != v["size:"])
			w = w " free_descriptors " v["free_descriptors:"] " != size " v["size:"]
		print substr(w, 2) }' "$1"
}
ctrlq_quiet() {
	local why start=$SECONDS snap=/tmp/ctrlq-snapshot
	while :; do
		cat "$ctrlq" >$snap 2>/dev/null || { echo "no $ctrlq"; return 1; }
		why=$(ctrlq_why $snap)
		[ -n "$why" ] || return 0
		# Timeouts and malformed answers do not go away; answers in flight get 5 s.
		case $why in timeouts:*|malformed:*) break ;; esac
		[ $((SECONDS - start)) -lt 5 ] || break
		sleep 0.5
	done
	cat $snap
	echo "$why"
	return 1
}
# dma_api_clean: DMA-API debugging found no error and is still on (it turns itself off when its
# entries run out, and prints only its first report).
dma_api_clean() {
	local d=/sys/kernel/debug/dma-api
	if [ ! -d $d ]; then # only the release kernel has no DMA-API debugging
		[ "$flavour" = release ] && return 0
		echo "no $d on the $flavour kernel"; return 1
	fi
	echo "error_count: $(cat $d/error_count), disabled: $(cat $d/disabled)"
	[ "$(cat $d/error_count)" = 0 ] && [ "$(cat $d/disabled)" = N ]
}
# The round trip of one display-information query, seen from userspace: the figures are printed
# and kept in out/, not judged; every query must succeed. Not in the iommu boot, whose IGT list
# has nova_lite_query (the swiotlb boot's has not: there the queries' answers bounce).
[ "$mode" = iommu ] || check "client: 2000 timed display-information queries" sh -c \
	"nova-lite-info -b 2000 >/tmp/rt.txt 2>&1; rc=\$?; grep '^bench\.' /tmp/rt.txt >/mnt/roundtrip-$mode-$flavour.txt; cat /tmp/rt.txt | grep -v '^param\.'; exit \$rc"
cat "$ctrlq" >/mnt/ctrlq-$mode-$flavour.txt 2>/dev/null
check "ctrlq: every command completed, no timeout, nothing malformed (after IGT)" ctrlq_quiet
# unbind_held: a client draws pattern 1 and holds it on scanout 0, then writes pattern 2 through
# its mapping (not transferred: the device's copy, a bounce buffer under swiotlb, still holds
# pattern 1: the client waited for the plane update's transfer before writing, and tells the
# device nothing). nova-lite is unbound and bound again, then the transport's device (virtio_pci's
# PCI function, or the virtio-mmio platform device) is unbound from its driver and bound again:
# the object's DMA mapping, made for that device, goes while the client still maps the object. The
# client's mapping must still hold pattern 2 (an unmap that copies the bounce buffer back, as a
# bidirectional one does, would revert it to pattern 1); its DRM device, and so its master and
# framebuffer, went with the first unbind (its RMFB fails with ENODEV, which it accepts); and
# nova-lite must bind the virtio device the transport makes again.
unbind_held() {
	local transport tdrv i
	transport=$(basename "$(readlink -f "/sys/bus/virtio/devices/$vdev/..")")
	tdrv=$(readlink -f "/sys/bus/virtio/devices/$vdev/../driver")
	hold_start 1 --rewrite 2 || return 1
	if ! { echo "$vdev" >/sys/bus/virtio/drivers/nova-lite/unbind &&
		echo "$vdev" >/sys/bus/virtio/drivers/nova-lite/bind &&
		echo "$transport" >"$tdrv/unbind" && echo "$transport" >"$tdrv/bind"; }; then
		echo "unbind/bind of $vdev, then of $transport (${tdrv##*/}), failed"
		hold_stop
		return 1
	fi
	hold_stop || return 1
	for i in $(seq 50); do
		vdev=$(nova-lite-bind --list | head -n 1)
		[ -n "$vdev" ] && bound_to_nova_lite && nova-lite-info >/dev/null && return 0
		sleep 0.1
	done
	echo "after the transport's bind: ${vdev:-no virtio-gpu device}, bound to '$(driver_of "$vdev")'"
	return 1
}
if [ $short = 1 ]; then
	check "virtio: unbind and bind of nova-lite, then of the transport ($mode), with a client holding a buffer: its mapping keeps what it wrote" unbind_held
	check "dma-api: no DMA-API error, debugging still on" dma_api_clean
	stage "end"
	ok "guest: check script ran to the end"
	exit 0
fi

# 4. The fuzzer: random calls from 4 threads (with vgem loaded, so that a foreign dma-buf can be
# offered), then every allocation of each valid call failed in turn.
# fuzz NAME ARGS...: runs the fuzzer, its output in /mnt/fuzz-NAME.txt, progress on the console.
# A hard bound for a hung fuzzer: its budget (or 1 s per 1000 calls without one) plus 10 minutes.
fuzz() {
	local name=$1 limit=$((600 + (fuzz_secs > 0 ? fuzz_secs : fuzz_calls / 1000))) rc
	shift
	timeout -k 5 "$limit" nova_lite_fuzz "$@" 2>&1 | tee "/mnt/fuzz-$name.txt" |
		sed -n 's/^progress: /    fuzz: /p' >/dev/console
	rc=${PIPESTATUS[0]}
	grep -v '^progress: ' "/mnt/fuzz-$name.txt" | sed 's/^/    /' | tail -40
	[ "$rc" != 124 ] || echo "the fuzzer did not finish within $limit s"
	return "$rc"
}
budget=$([ $fuzz_secs -gt 0 ] && echo "up to $fuzz_calls calls or $fuzz_secs s, at least $fuzz_floor" ||
	echo "$fuzz_calls calls")
stage "fuzzer: random calls, $budget"
oom_count() { ctrlq_value err_out_of_memory; }
oom_before=$(oom_count)
check "fuzz: random calls ($budget), 4 threads, every result documented" \
	fuzz random "${seed[@]}" -n "$fuzz_calls" -d "$fuzz_secs" --min-calls "$fuzz_floor" -t 4
# The fuzzer accepts ENOMEM as a resource's first error only for resources created while its own
# accounting says the host could be full, and counts those creations: the device cannot have
# answered out-of-memory more often.
oom_accounted() {
	local accepted after
	accepted=$(sed -n 's/^resource_enomem: //p' /mnt/fuzz-random.txt)
	after=$(oom_count)
	[[ $oom_before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]] ||
		{ echo "no err_out_of_memory counter in $ctrlq"; return 1; }
	echo "device out-of-memory answers: $((after - oom_before)); ENOMEM accepted by the fuzzer: ${accepted:-none}"
	[ -n "$accepted" ] && [ $((after - oom_before)) -le "$accepted" ]
}
check "fuzz: the host ran out of memory only when the fuzzer's resources could fill it" oom_accounted
# Once the fuzzer has exited, every object it made is freed, with its resource and pages (kmemleak,
# at the end, sees lost allocations, not objects still referenced).
live_check "the fuzzer"
check "ctrlq: every command completed, no timeout, nothing malformed (after the fuzzer)" ctrlq_quiet
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
	live_check "fault injection"
else
	stage "release kernel: no fault injection, no kmemleak (make check runs them)"
fi

# 5. Unplug while the fuzzer runs (files open, objects alive): unbind/bind on the virtio bus,
# then (virtio-pci only) PCI remove/rescan of the parent function. After a rescan virtio_pci
# (built in) binds the new function and makes a new virtio device, which nova-lite, loaded, binds
# at once: no hand-off. The new device's index may differ: it is looked up again.
# find_gpu: sets vdev to the first virtio-gpu device, which must be bound to nova-lite (given
# 5 s). A process start in the loop, but it runs once per rescan and normally once.
find_gpu() {
	local start=$SECONDS
	while :; do
		vdev=$(nova-lite-bind --list | head -n 1)
		[ -n "$vdev" ] && bound_to_nova_lite && return 0
		[ $((SECONDS - start)) -lt 5 ] || break
		sleep 0.5
	done
	echo "${vdev:-no virtio-gpu device}${vdev:+ is bound to '$(driver_of "$vdev")'}, not nova-lite"
	return 1
}
# Up to $unplugs cycles or $unplug_secs s (0: no budget), and at least one.
unplug_cycles() {
	local i start=$SECONDS
	for i in $(seq "$unplugs"); do
		[ $i = 1 ] || [ "$unplug_secs" = 0 ] || [ $((SECONDS - start)) -lt "$unplug_secs" ] || break
		progress "unplug cycle $i/$unplugs: unbind/bind${pci:+, remove/rescan}"
		echo "$vdev" >/sys/bus/virtio/drivers/nova-lite/unbind || { echo "unbind $i failed"; return 1; }
		sleep 1
		echo "$vdev" >/sys/bus/virtio/drivers/nova-lite/bind || { echo "bind $i failed"; return 1; }
		sleep 3
		[ -n "$pci" ] || continue
		echo 1 >"/sys/bus/pci/devices/$pci/remove" || { echo "remove $i failed"; return 1; }
		sleep 1
		echo 1 >/sys/bus/pci/rescan || { echo "rescan $i failed"; return 1; }
		find_gpu || { echo "after rescan $i"; return 1; }
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
# The objects of a device that went away die with their files: all are gone after the fuzzer.

if [ "$mode" != quick ]; then
	stage "unplug under load"
	check "unplug: unbind/bind${pci:+ and PCI remove/rescan} (up to $unplugs times or $unplug_secs s) while 4 fuzzer threads run" \
		unplug_under_load
	# The check ran in a subshell: the virtio device a rescan made is looked up here again.
	find_gpu
	ctrlq=/sys/kernel/debug/nova-lite/$vdev/ctrlq
	objects=/sys/kernel/debug/nova-lite/$vdev/objects
	live_check "unplug under load"

	# 6. IGT's core_hotunplug, in a runner of its own: a failed health check aborts the runner.
	# It must leave the device bound to nova-lite, as it found it.
	stage "IGT: core_hotunplug"
	run_igt /srv/tests/igt/hotunplug-list.txt /mnt/igt-hotunplug 300
	bound_with_nodes() { bound_to_nova_lite && has_nodes; }
	check "igt: core_hotunplug leaves $vdev bound to nova-lite, with its nodes" bound_with_nodes
fi
check "ctrlq: every command completed, no timeout, nothing malformed (before unbind)" ctrlq_quiet
live_check "all of the above, before unbind"
check "debugfs: $objects totals agree with nova-lite/live, before unbind" objects_agree

# 6. Resets of the GPU with a buffer on scanout 0: resets of its PCI function, then a stalled
# device. Each resets the device, which destroys its resources and scanouts; the driver restores
# them (the host compares the screenshots with the pattern), and the device works after. A PCI
# function reset calls the driver's freeze and restore (virtio_pci's reset_prepare and
# reset_done), as system sleep does (section 7).
# reset_cycle N: one reset of the GPU's PCI function, which resets the GPU once through the
# driver's freeze and restore; then screenshot reset-N.
reset_cycle() {
	local before
	before=$(resets_now)
	echo 1 >"/sys/bus/pci/devices/$pci/reset" || { echo "PCI function reset failed: $(dmesg | tail -n 3)"; return 1; }
	[ "$(resets_now)" = $((before + 1)) ] || { echo "resets: $(resets_now), expected $((before + 1))"; return 1; }
	shoot "reset-$1"
}
# recovery: the completion handler drops every answer (debugfs lose_completions): commands time
# out, and once the device has held a command for the stall timeout (20 s) it is reset, once;
# the commands it held fail, new ones work; then screenshot recovery. First, a client closes a
# resource once the answers are lost: the pages of its object must stay (the device may still
# read them) until the reset; the live check after this stage sees them freed by it.
recovery() {
	local before i pages ready
	before=$(resets_now)
	coproc KEEP { nova-lite-info --resource-hold 2>&1; }
	read -r -t 60 ready <&"${KEEP[0]}"
	case $ready in resource=*) ;; *) echo "--resource-hold: ${ready:-no answer}"; return 1 ;; esac
	pages=$(live_pages)
	echo 1000000 >"${ctrlq%/ctrlq}/lose_completions" || return 1
	# EOF on its stdin: it closes the resource (RESOURCE_UNREF posted, its answer lost) and exits.
	exec {KEEP[1]}>&-
	wait "$KEEP_PID" || { echo "--resource-hold failed"; echo 0 >"${ctrlq%/ctrlq}/lose_completions"; return 1; }
	sleep 1
	[ "$(live_pages)" = "$pages" ] || {
		echo 0 >"${ctrlq%/ctrlq}/lose_completions"
		echo "resource pages $pages -> $(live_pages): freed before the device answered RESOURCE_UNREF"
		return 1
	}
	for i in $(seq 15); do
		if nova-lite-info -b 1 >/tmp/lost.txt 2>&1 && [ "$(resets_now)" = "$before" ]; then
			echo 0 >"${ctrlq%/ctrlq}/lose_completions"
			echo "a query succeeded with every answer lost"
			return 1
		fi
		[ "$(resets_now)" -gt "$before" ] && break
	done
	# Disarmed whatever happened (a reset clears it too), so that the checks after this one run.
	echo 0 >"${ctrlq%/ctrlq}/lose_completions"
	echo "after $i queries: resets: $(resets_now), timeouts: $(ctrlq_value timeouts); last: $(tail -n 1 /tmp/lost.txt)"
	[ "$(resets_now)" = $((before + 1)) ] || { echo "expected one reset"; return 1; }
	# The one stall the log may show (ci/kernel-log-allow.txt allows the line): this one.
	[ "$(dmesg | grep -c 'the GPU held a command for')" = 1 ] ||
		{ echo "expected one stall in the kernel log: $(dmesg | grep -c 'the GPU held a command for')"; return 1; }
	[ "$(ctrlq_value timeouts)" -gt 0 ] || { echo "no command timed out"; return 1; }
	nova-lite-info -b 10 >/tmp/after.txt 2>&1 || { cat /tmp/after.txt; echo "commands fail after the reset"; return 1; }
	shoot recovery
}
if [ -f /mnt/screen-watch ] && [ -n "$pci" ]; then
	stage "resets: 2 PCI function resets, then a stall, with a buffer on scanout 0"
	# In this shell, not in check's subshell: the client is this shell's child until hold_stop.
	hold_pid=
	if hold_start 1 >/tmp/hold-start.txt 2>&1; then ok "reset: pattern 1 drawn and held on scanout 0"
	else not_ok "reset: pattern 1 drawn and held on scanout 0" "$(tail -n 3 /tmp/hold-start.txt | tr '\n' ' ')"; fi
	for c in 1 2; do
		check "reset: PCI function reset $c goes through freeze and restore, screenshot taken" reset_cycle $c
	done
	stage "recovery: answers lost on purpose, the stalled GPU reset"
	check "recovery: a stalled GPU is reset once, new commands work, screenshot taken" recovery
	if [ -n "$hold_pid" ] && hold_stop >/tmp/hold-stop.txt 2>&1; then
		ok "reset and recovery: the holding client ends cleanly, its mapping intact"
	else
		not_ok "reset and recovery: the holding client ends cleanly, its mapping intact" "$(tail -n 3 /tmp/hold-stop.txt 2>/dev/null | tr '\n' ' ')"
	fi
	check "reset and recovery: a new draw works" draw 2 after-reset
	live_check "the resets and the recovery"
	check "dma-api: no DMA-API error after the resets and the recovery" dma_api_clean
fi

# 7. System sleep with a buffer on scanout 0: suspend-to-idle with /sys/power/pm_test at
# "devices" (every device is suspended and resumed; the machine waits, 1 s here, instead of sleeping).
# virtio_pci's suspend freezes and resets the GPU, its resume restores it through the driver. The
# guest's 9p devices advertise No_Soft_Reset (ci/qemu.sh) and are left alone: their driver has no
# freeze and restore. sleep_cycle N: the client of pattern 1 holds its buffer on scanout 0 across
# one cycle; the screenshot sleep-N must show pattern 1 (restored by the driver), the client's
# mapping must be intact, and a new client's draw (pattern 2, screenshot sleep-N-new) must work.
sleep_cycle() {
	local before
	before=$(resets_now)
	hold_start 1 || return 1
	echo devices >/sys/power/pm_test && echo freeze >/sys/power/state ||
		{ echo "suspend failed: $(dmesg | tail -n 3)"; echo none >/sys/power/pm_test; hold_stop; return 1; }
	echo none >/sys/power/pm_test
	[ "$(resets_now)" = $((before + 1)) ] ||
		{ echo "resets: $(resets_now), expected $((before + 1))"; hold_stop; return 1; }
	shoot "sleep-$1" || { hold_stop; return 1; }
	hold_stop || return 1
	draw 2 "sleep-$1-new"
}
if [ -f /mnt/screen-watch ] && [ -n "$pci" ]; then
	stage "system sleep: 2 suspend/resume cycles (pm_test=devices), with a buffer on scanout 0"
	# The test level's wait with every device suspended: 1 s instead of the kernel's 5 (a
	# parameter of kernel/power/suspend.c); how long the GPU stays suspended changes nothing here.
	check "sleep: the suspend test's wait set to 1 s (suspend.pm_test_delay)" \
		sh -c 'echo 1 >/sys/module/suspend/parameters/pm_test_delay'
	for c in 1 2; do
		check "sleep: suspend/resume $c restores the held buffer on scanout 0, then a new draw works" sleep_cycle $c
	done
	live_check "the suspend/resume cycles"
	check "dma-api: no DMA-API error after the suspend/resume cycles" dma_api_clean
fi

# The C driver first, as on a system where it was loaded before nova-lite: it binds the GPU, and
# nova-lite-bind moves the GPU back (virtio_gpu leaves its pointer in the device's priv).
handoff_from_c() {
	local rc=0
	echo "$vdev" >/sys/bus/virtio/drivers/nova-lite/unbind || return 1
	modprobe virtio_gpu || return 1
	[ "$(driver_of "$vdev")" = virtio_gpu ] || echo "$vdev" >/sys/bus/virtio/drivers/virtio_gpu/bind
	[ "$(driver_of "$vdev")" = virtio_gpu ] || { echo "virtio_gpu did not bind $vdev"; rc=1; }
	nova-lite-bind "$vdev" && bound_to_nova_lite && has_nodes && nova-lite-info >/dev/null || rc=1
	rmmod virtio_gpu || rc=1
	return $rc
}
check "handoff: from the C virtio_gpu back to nova-lite (nova-lite-bind)" handoff_from_c

# 8. Unbind and bind the virtio device, then unload and reload the module, many times.
unbind() { echo "$vdev" >/sys/bus/virtio/drivers/nova-lite/unbind && ! ls -d /sys/bus/auxiliary/devices/nova_lite.drm.* 2>/dev/null; }
bind() { echo "$vdev" >/sys/bus/virtio/drivers/nova-lite/bind && bound_to_nova_lite && has_nodes; }
check "virtio: unbind removes the auxiliary and DRM devices" unbind
check "virtio: bind brings them back" bind
check "client: runs after rebind" nova-lite-info

check "rmmod nova_lite" rmmod nova_lite
check "virtio: $vdev released after rmmod" sh -c "! test -e /sys/bus/virtio/devices/$vdev/driver"
check "drm: nodes gone after rmmod" sh -c '! ls /sys/bus/auxiliary/devices/nova_lite.drm.* 2>/dev/null'
check "modprobe nova-lite again" modprobe nova-lite
check "virtio: $vdev bound to nova-lite again" bound_to_nova_lite
check "client: runs after reload" nova-lite-info
# Up to $cycles cycles, or $cycles_secs s (0: no budget), and at least $cycles_floor.
load_cycles() {
	local i=0 start=$SECONDS
	while [ $i -lt "$cycles" ]; do
		[ "$cycles_secs" -gt 0 ] && [ $((SECONDS - start)) -ge "$cycles_secs" ] && break
		i=$((i + 1))
		rmmod nova_lite || { echo "cycle $i: rmmod failed"; return 1; }
		modprobe nova-lite || { echo "cycle $i: modprobe failed"; return 1; }
		[ $((i % 20)) != 0 ] || progress "load cycle $i"
	done
	echo "$i load cycles in $((SECONDS - start)) s"
	[ $i -ge "$cycles_floor" ] || { echo "too few load cycles: $i of at least $cycles_floor"; return 1; }
	bound_to_nova_lite && has_nodes && nova-lite-info >/dev/null
}
budget=$([ "$cycles_secs" -gt 0 ] && echo "up to $cycles or $cycles_secs s, at least $cycles_floor" || echo "$cycles")
stage "load cycles: $budget"
check "load: rmmod/modprobe cycles ($budget), then the device works" load_cycles

# 9. Leaks: kmemleak reports objects unreferenced for 5 s or more; two scans, 6 s apart. Reports
# whose backtrace matches ci/kmemleak-allow.txt (not nova-lite's, each with its reason) pass.
kmemleak_clean() {
	local f=/sys/kernel/debug/kmemleak
	[ -e $f ] || { echo "no $f (CONFIG_DEBUG_KMEMLEAK)"; return 1; }
	echo scan >$f && sleep 6 && echo scan >$f || return 1
	cat $f >/mnt/kmemleak.txt
	awk -v allow=/srv/ci/kmemleak-allow.txt '
		BEGIN { while ((getline l < allow) > 0) if (l !~ /^[[:space:]]*(#|$)/) pat[++np] = l }
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

check "ctrlq: every command completed, no timeout, nothing malformed (after the load cycles)" ctrlq_quiet
check "dma-api: no DMA-API error, debugging still on" dma_api_clean
stage "end"
# The host fails the run if this line is missing: the script died before the end.
ok "guest: check script ran to the end"
