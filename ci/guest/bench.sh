#!/bin/bash
# The in-guest part of `make bench`: the first virtio-gpu function to nova-lite, the second to
# the C virtio_gpu driver, vgem loaded; then nova_lite_bench (tests/nova_lite_bench.c).
set -eu
export PATH=/srv/tools:/mnt/bin:$PATH
mapfile -t gpus < <(nova-lite-bind --list)
[ ${#gpus[@]} = 2 ] || { echo "bench: ${#gpus[@]} virtio-gpu functions, want 2"; exit 1; }
nova-lite-bind "${gpus[0]}"
# No udev in the guest: the C driver and vgem are loaded by hand.
modprobe virtio_gpu
modprobe vgem
c_driver=$(basename "$(readlink /sys/bus/pci/devices/"${gpus[1]}"/virtio*/driver)")
echo "${gpus[0]}: $(basename "$(readlink "/sys/bus/pci/devices/${gpus[0]}/driver")")"
echo "${gpus[1]}: $c_driver (on virtio-pci)"
# Every reference must be there: a pair without one is not a measurement.
[ "$c_driver" = virtio_gpu ] || { echo "bench: ${gpus[1]} is not bound to virtio_gpu"; exit 1; }
nova_lite_bench --require-references --json /mnt/bench/results.json
