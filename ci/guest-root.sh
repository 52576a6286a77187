#!/usr/bin/env bash
# Builds the guest's root filesystem (Debian sid, debootstrap) once per set of inputs and prints
# its path. The root is shared read-only with the guest by virtme-ng; nothing in it is changed
# afterwards except /lib/modules/<kernel version>, refreshed by ci/vm.sh on every boot.
. "$(dirname "$0")/lib.sh"

KEY_EXTRA="$GUEST_SUITE $GUEST_PACKAGES"
ROOT=$CACHE/guest/$GUEST_SUITE-$(key "$0")
[ "${1:-}" = --print ] && { echo "$ROOT"; exit 0; }

if [ ! -f "$ROOT/.nova-lite-root" ]; then
	step "debootstrap $GUEST_SUITE into $ROOT (~1-2 min; log: out/debootstrap.log)"
	rm -rf "$ROOT.tmp"
	if ! debootstrap --variant=minbase --include="$GUEST_PACKAGES" "$GUEST_SUITE" "$ROOT.tmp" \
		http://deb.debian.org/debian >"$OUT/debootstrap.log" 2>&1; then
		tail -20 "$OUT/debootstrap.log"
		die "debootstrap failed (log: out/debootstrap.log)"
	fi
	chroot "$ROOT.tmp" apt-get clean
	echo nova-lite-guest >"$ROOT.tmp/etc/hostname"
	touch "$ROOT.tmp/.nova-lite-root"
	rm -rf "$ROOT" && mv "$ROOT.tmp" "$ROOT"
fi
echo "$ROOT"
