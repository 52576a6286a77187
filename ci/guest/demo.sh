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
dmesg >/mnt/guest-dmesg.txt
if [ -f /mnt/screen-watch ]; then
	. /srv/ci/guest/screen.sh
	show "nova-lite-info --draw 1: a pattern drawn through a mapping, transferred, shown on scanout 0"
	draw 1 demo
fi
