#!/bin/bash
# The in-guest part of `make check`, run by ci/vm.sh as root. Usage: check.sh MAX_OUTPUTS
# Hands the GPU to nova-lite with tools/nova-lite-bind (the documented path), checks what the
# driver exposes, runs IGT through igt_runner, then unloads and reloads the module.
# Writes one "ok NAME" / "not ok NAME: why" line per check to /mnt/guest-results.txt, IGT's
# results to /mnt/igt and the kernel log to /mnt/guest-dmesg.txt.
set -u
max_outputs=${1:?usage: check.sh MAX_OUTPUTS}
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

# 3. IGT, through the real igt_runner.
igt_root=/tmp/igt-root
mkdir -p "$igt_root"
{ echo TESTLIST; grep -Ev '^(#|$)' /srv/tests/igt/test-list.txt | cut -d@ -f2 | sort -u; echo END TESTLIST; } \
	>"$igt_root/test-list.txt"
for t in $(sed -n '/^TESTLIST$/,/^END TESTLIST$/p' "$igt_root/test-list.txt" | sed '1d;$d'); do
	if [ -x "/mnt/bin/igt/$t" ]; then ln -sf "/mnt/bin/igt/$t" "$igt_root/$t"
	else ln -sf "/usr/libexec/igt-gpu-tools/$t" "$igt_root/$t"; fi
done
rm -rf /mnt/igt
IGT_FORCE_DRIVER=nova-lite igt_runner --test-list /srv/tests/igt/test-list.txt \
	--per-test-timeout 120 --overall-timeout 600 "$igt_root" /mnt/igt >/tmp/igt.log 2>&1
rc=$?
sed 's/^/    /' /tmp/igt.log
[ $rc = 0 ] && ok "igt: igt_runner completes" || not_ok "igt: igt_runner completes" "exit $rc"

# 4. Unbind and bind the PCI function, then unload and reload the module.
unbind() { echo "$bdf" >/sys/bus/pci/drivers/nova-lite/unbind && ! ls -d /sys/bus/auxiliary/devices/nova_lite.drm.* 2>/dev/null; }
bind() { echo "$bdf" >/sys/bus/pci/drivers/nova-lite/bind && bound_to_nova_lite && has_nodes; }
check "pci: unbind removes the auxiliary and DRM devices" unbind
check "pci: bind brings them back" bind
check "client: runs after rebind" nova-lite-info

# udev would load nova-lite again at once (modalias + driver_override): hold its event queue while
# checking what rmmod left behind.
udevadm control --stop-exec-queue
check "rmmod nova_lite" rmmod nova_lite
check "pci: $bdf released after rmmod" sh -c "! test -e /sys/bus/pci/devices/$bdf/driver"
check "drm: nodes gone after rmmod" sh -c '! ls /sys/bus/auxiliary/devices/nova_lite.drm.* 2>/dev/null'
udevadm control --start-exec-queue
check "modprobe nova-lite again" modprobe nova-lite
check "pci: $bdf bound to nova-lite again" bound_to_nova_lite
check "client: runs after reload" nova-lite-info

dmesg >/mnt/guest-dmesg.txt
# The host fails the run if this line is missing: the script died before the end.
ok "guest: check script ran to the end"
