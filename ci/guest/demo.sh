#!/bin/bash
# The in-guest part of `make demo`: hands the GPU to nova-lite and shows what it exposes.
set -eu
export PATH=/srv/tools:/mnt/bin:$PATH
show() { printf '\n### %s\n' "$*"; }

vdev=$(nova-lite-bind --list | head -n 1)
[ -n "$vdev" ] || { echo "demo: no virtio-gpu device on the virtio bus"; exit 1; }
pci=$(nova-lite-bind --pci "$vdev")
driver_of() { nova-lite-bind --driver "$1" | grep . || echo none; }

show "virtio-gpu device $vdev (on PCI function ${pci:-none}), bound to: $(driver_of "$vdev")"
show "nova-lite-bind (unbind from the current driver if any, modprobe nova-lite, bind)"
nova-lite-bind
show "virtio device $vdev is now bound to: $(driver_of "$vdev")"
show "auxiliary device and the DRM nodes it carries"
for a in /sys/bus/auxiliary/devices/nova_lite.*; do
	echo "$(basename "$a") -> driver $(basename "$(readlink "$a/driver")"), drm: $(ls "$a/drm" | tr '\n' ' ')"
done
ls -l /dev/dri
show "nova-lite-info (libdrm client on the render node)"
nova-lite-info -c 4096 -c 1000000
show "kernel log (nova-lite and DRM lines)"
dmesg | grep -E 'nova|drm' | sed 's/^/kernel: /' || true
rc=0
if [ -f /mnt/screen-watch ]; then
	# Three pictures on head 0, each captured by the host (ci/vm.sh) and checked there pixel by
	# pixel (ci/demo.sh). The client's pattern first: the two KMS clients of make check end the
	# demo, and fbcon's line also shows that the console came back once the client exited.
	. /srv/ci/guest/screen.sh
	show "nova-lite-info --draw 1: a pattern drawn in a mapping, shown on scanout 0 through KMS"
	draw 1 draw || rc=1
	show "fbcon on nova-lite's fbdev emulation: a line with this boot's id written to tty1"
	fbcon_line console || rc=1
	show "modetest -M nova-lite: 1024x768 with its SMPTE pattern on a dumb buffer"
	modetest_smpte modetest || rc=1
	# Last, a desktop: weston (DRM backend, pixman renderer) and a client's window in it.
	. /srv/ci/guest/weston.sh
	show "weston on nova-lite: its desktop, then wl_pattern's window in it"
	weston_desktop weston || rc=1
fi
# Saved last, so that ci/vm.sh's search for kernel reports covers the KMS clients too.
dmesg >/mnt/guest-dmesg.txt
exit $rc
