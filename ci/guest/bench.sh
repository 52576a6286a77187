#!/bin/bash
# The in-guest part of `make bench`: QEMU's GPU `gpu` (PCI 00:10.0) to nova-lite, `gpu2` (00:11.0)
# to the C virtio_gpu driver, vgem loaded; then nova_lite_bench (tests/nova_lite_bench.c), then
# IGT's kms subtests once against each driver, then weston on each (below).
# Both drivers match every virtio-gpu device, and the module loaded first binds all the unbound
# ones: virtio_gpu is loaded first (no udev in the guest: by hand) and takes both, then `gpu` is
# moved to nova-lite (nova-lite-bind: unbind from virtio_gpu, modprobe nova-lite, bind).
# Its arguments go to nova_lite_bench (`--only PAIR,...`: see ci/bench.sh); with them, neither
# IGT nor weston runs.
set -eu
export PATH=/srv/tools:/mnt/bin:$PATH
mapfile -t all < <(nova-lite-bind --list)
[ ${#all[@]} = 2 ] || { echo "bench: ${#all[@]} virtio-gpu devices, want 2"; exit 1; }
# gpus[0] is QEMU's `gpu`, at PCI 00:10.0, for nova-lite; gpus[1] is `gpu2`, at 00:11.0, for
# virtio_gpu (ci/bench.sh places them): the screenshots below name QEMU's devices.
gpus=()
for slot in 0000:00:10.0 0000:00:11.0; do
	for dev in "${all[@]}"; do
		[ "$(nova-lite-bind --pci "$dev")" = $slot ] && gpus+=("$dev")
	done
done
[ ${#gpus[@]} = 2 ] || { echo "bench: no virtio-gpu device at PCI 00:10.0 and 00:11.0"; exit 1; }
modprobe virtio_gpu
nova-lite-bind "${gpus[0]}"
modprobe vgem
nova_driver=$(nova-lite-bind --driver "${gpus[0]}")
c_driver=$(nova-lite-bind --driver "${gpus[1]}")
for i in 0 1; do
	pci=$(nova-lite-bind --pci "${gpus[i]}")
	echo "${gpus[i]}${pci:+ (PCI $pci)}: $([ $i = 0 ] && echo "$nova_driver" || echo "$c_driver")"
done
# Every reference must be there: a pair without one is not a measurement.
[ "$nova_driver" = nova-lite ] || { echo "bench: ${gpus[0]} is not bound to nova-lite"; exit 1; }
[ "$c_driver" = virtio_gpu ] || { echo "bench: ${gpus[1]} is not bound to virtio_gpu"; exit 1; }
# With --only, nothing is written to results.json (the last full run's stays).
if [ $# != 0 ]; then
	nova_lite_bench --require-references "$@"
	exit
fi
nova_lite_bench --require-references --json /mnt/bench/results.json

# IGT's kms subtests, the kms_* and dumb_buffer lines of `make check`'s list, through igt_runner
# once against each driver; the host prints both results side by side and judges them
# (ci/bench.sh). After the bench, so that what IGT leaves set (modes, framebuffers) cannot touch
# its figures.
# A card is chosen by IGT_FORCE_DRIVER: IGT's drm_open_driver(DRIVER_ANY) skips every node whose
# DRM driver (DRM_IOCTL_VERSION's name) is not that one (vgem's too), whatever the card numbers;
# a --device filter would need them, and they depend on the order of the binds. Each run's
# results.json (and the runner's exit status and output) go to /mnt/bench/igt-kms-DRIVER/, the
# nodes of each device to igt-kms-nodes.txt: the host checks that each run opened only its
# driver's (IGT logs "Opened device: PATH").
kms_list=/mnt/bench/igt-kms-list.txt
grep -E '^igt@(kms_[a-z0-9_]+|dumb_buffer)(@|$)' /srv/tests/igt/test-list.txt >"$kms_list" ||
	{ echo "bench: no kms_* or dumb_buffer line in tests/igt/test-list.txt"; exit 1; }
# And the subtests whose verdict depends on the machine's speed, which `make check` leaves out.
grep -E '^igt@' /srv/tests/igt/bench-kms-timing.txt >>"$kms_list"
# nodes_of DEV: the /dev/dri nodes whose DRM device is below DEV's transport device (the PCI
# function): virtio_gpu's DRM device hangs off the virtio device, nova-lite's off its auxiliary
# device; both are below the function.
nodes_of() {
	local transport n
	transport=$(dirname "$(readlink -f "/sys/bus/virtio/devices/$1")")
	for n in /sys/class/drm/*; do
		[[ ${n##*/} =~ ^(card|renderD)[0-9]+$ ]] || continue
		case $(readlink -f "$n") in "$transport"/*) printf ' /dev/dri/%s' "${n##*/}" ;; esac
	done
}
: >/mnt/bench/igt-kms-nodes.txt
for i in 0 1; do
	driver=$([ $i = 0 ] && echo nova-lite || echo virtio_gpu)
	nodes=$(nodes_of "${gpus[i]}")
	echo "$driver$nodes" | tee -a /mnt/bench/igt-kms-nodes.txt
	[[ $nodes == *card* ]] || { echo "bench: no DRM card below ${gpus[i]} ($driver)"; exit 1; }
done
# The first debugfs access logs a deprecation warning (as in ci/guest/check.sh): before IGT, so
# that the runner does not count it as a subtest's dmesg-warn.
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
ls /sys/kernel/debug/tracing >/dev/null 2>&1 || true
# The runner's test root: a link to each binary (igt-gpu-tools-tests) and their list.
root=/tmp/igt-kms-root
binaries=$(cut -d@ -f2 "$kms_list" | awk '!seen[$0]++')
rm -rf "$root" && mkdir -p "$root"
{ echo TESTLIST; echo "$binaries"; echo END TESTLIST; } >"$root/test-list.txt"
for t in $binaries; do ln -s "/usr/libexec/igt-gpu-tools/$t" "$root/"; done
# virtio_gpu's list leaves out what would break the boot on it (with the reasons in the file).
grep -v -F -f <(awk '!/^#/ && NF { print $1 }' /srv/tests/igt/bench-kms-reference-skips.txt) \
	"$kms_list" >/mnt/bench/igt-kms-list-virtio_gpu.txt
for driver in nova-lite virtio_gpu; do
	dest=/mnt/bench/igt-kms-$driver
	start=$SECONDS status=0
	list=$kms_list
	[ $driver = nova-lite ] || list=/mnt/bench/igt-kms-list-virtio_gpu.txt
	echo "IGT kms on $driver: $(wc -l <"$list") subtests of tests/igt/test-list.txt and bench-kms-timing.txt"
	# As in ci/guest/check.sh: -m runs a binary's subtests in one execution, and the runner,
	# which syncs its journal line by line, writes to tmpfs (the results are copied).
	rm -rf /tmp/igt-results
	IGT_FORCE_DRIVER=$driver igt_runner -m --test-list "$list" --per-test-timeout 120 \
		--overall-timeout 600 "$root" /tmp/igt-results >/tmp/igt-kms.log 2>&1 || status=$?
	rm -rf "$dest" && mkdir -p "$dest"
	[ ! -d /tmp/igt-results ] || cp -r /tmp/igt-results/. "$dest/"
	cp /tmp/igt-kms.log "$dest/runner.log"
	# A runner that did not finish is a failure on the host, not a pass: its status is kept.
	echo "$status" >"$dest/runner-exit"
	echo "    igt_runner: exit status $status after $((SECONDS - start)) s"
	[ "$status" = 0 ] || tail -n 3 /tmp/igt-kms.log | sed 's/^/    /'
done

# weston on each driver, as in `make check` (ci/guest/weston.sh): its desktop and wl_pattern's
# window, screenshots of each GPU's head judged by the host (QEMU's devices `gpu`, nova-lite's,
# and `gpu2`); then the time from weston's launch to the client's first presented frame, five
# times on each (/mnt/bench/weston-first-frame-DRIVER.txt, milliseconds, one run per line).
. /srv/ci/guest/screen.sh
. /srv/ci/guest/weston.sh
for i in 0 1; do
	driver=$([ $i = 0 ] && echo nova-lite || echo virtio_gpu)
	device=$([ $i = 0 ] && echo gpu || echo gpu2)
	card=$(nodes_of "${gpus[i]}" | tr ' ' '\n' | sed -n 's|^/dev/dri/\(card[0-9]*\)$|\1|p')
	[ -n "$card" ] || { echo "bench: no DRM card below ${gpus[i]} ($driver)"; exit 1; }
	echo "weston on $driver ($card)"
	rc=0
	weston_desktop "bench-weston-$driver" "$card" "$device" || rc=1
	echo "$rc" >"/mnt/bench/weston-$driver-exit"
	weston_first_frame "$card" 5 >"/mnt/bench/weston-first-frame-$driver.txt" ||
		echo "weston's first frame on $driver: not measured"
	cat "/mnt/bench/weston-first-frame-$driver.txt"
done
