#!/usr/bin/env bash
# The QEMU that ci/vm.sh gives virtme-ng (vng --qemu): qemu-system-x86_64 with the same arguments,
# except that each virtio-9p-pci device (the guest's root and shared directories) sits behind a
# PCIe root port of its own and advertises No_Soft_Reset (x-pcie-pm-no-soft-reset=on). The 9p
# driver has no freeze and restore: on a resume virtio_pci would reset the device under it and the
# guest's root would hang. With No_Soft_Reset, virtio_pci leaves those devices as they are across
# system sleep (vp_supports_pm_no_reset()), while the GPU, which does not advertise it, is reset
# and goes through the driver's freeze and restore, as on a real machine. With $NOVA_LITE_MACHINE
# set, it replaces virtme-ng's -machine (ci/vm.sh's virtio-mmio boot: microvm).
args=() port=0
while [ $# -gt 0 ]; do
	if [ "$1" = -machine ] && [ -n "$NOVA_LITE_MACHINE" ]; then
		# The machine type is replaced, its options (accel=...) kept: virtme-ng passes a type
		# (q35), options (accel=kvm:tcg) or both.
		opts=${2#*,}
		[ "$opts" != "$2" ] || opts=
		[[ "${2%%,*}" != *=* ]] || opts=$2
		args+=(-machine "$NOVA_LITE_MACHINE${opts:+,$opts}")
		shift 2
	elif [ "$1" = -device ] && [[ "$2" == virtio-9p-pci,* ]]; then
		port=$((port + 1))
		args+=(-device "pcie-root-port,id=ninep$port,chassis=$((100 + port)),slot=$((100 + port))"
			-device "$2,bus=ninep$port,x-pcie-pm-no-soft-reset=on")
		shift 2
	else
		args+=("$1")
		shift
	fi
done
exec qemu-system-x86_64 "${args[@]}"
