#!/bin/bash
# The in-guest part of `make bench`: the first virtio-gpu device to nova-lite, the second to
# the C virtio_gpu driver, vgem loaded; then nova_lite_bench (tests/nova_lite_bench.c).
# Both drivers match every virtio-gpu device, and the module loaded first binds all the unbound
# ones: virtio_gpu is loaded first (no udev in the guest: by hand) and takes both, then the first
# is moved to nova-lite (nova-lite-bind: unbind from virtio_gpu, modprobe nova-lite, bind).
# Its arguments go to nova_lite_bench (`--only PAIR,...`: see ci/bench.sh).
set -eu
export PATH=/srv/tools:/mnt/bin:$PATH
mapfile -t gpus < <(nova-lite-bind --list)
[ ${#gpus[@]} = 2 ] || { echo "bench: ${#gpus[@]} virtio-gpu devices, want 2"; exit 1; }
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
if [ $# = 0 ]; then nova_lite_bench --require-references --json /mnt/bench/results.json
else nova_lite_bench --require-references "$@"; fi
