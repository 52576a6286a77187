#!/usr/bin/env bash
# Builds the guest's root filesystem (Debian sid, debootstrap) once per set of inputs
# (`ci/guest-root.sh --print` prints its path). virtme-ng shares it read-only with the guest;
# nothing in it changes afterwards but /lib/modules/<version>, refreshed by ci/vm.sh at each boot.
. "$(dirname "$0")/lib.sh"

KEY_EXTRA="$GUEST_SUITE $GUEST_PACKAGES $GUEST_APT_PACKAGES"
ROOT=$CACHE/guest/$GUEST_SUITE-$(key "$0")
[ "${1:-}" = --print ] && { echo "$ROOT"; exit 0; }

if [ ! -f "$ROOT/.nova-lite-root" ]; then
	step "debootstrap $GUEST_SUITE into $ROOT (~1-2 min; log: out/debootstrap.log)"
	rm -rf "$ROOT.tmp"
	if ! with_progress "$OUT/debootstrap.log" 0 debootstrap --variant=minbase \
		--include="$GUEST_PACKAGES" "$GUEST_SUITE" "$ROOT.tmp" http://deb.debian.org/debian; then
		tail -20 "$OUT/debootstrap.log"
		die "debootstrap failed (log: out/debootstrap.log)"
	fi
	step "apt-get install $GUEST_APT_PACKAGES in the root (log: out/debootstrap.log)"
	# shellcheck disable=SC2086 # a list of packages
	if ! with_progress "$OUT/debootstrap.log" 0 chroot "$ROOT.tmp" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends $GUEST_APT_PACKAGES; then
		tail -20 "$OUT/debootstrap.log"
		die "apt-get install $GUEST_APT_PACKAGES in the guest root failed (log: out/debootstrap.log)"
	fi
	chroot "$ROOT.tmp" apt-get clean
	echo nova-lite-guest >"$ROOT.tmp/etc/hostname"
	touch "$ROOT.tmp/.nova-lite-root"
	rm -rf "$ROOT" && mv "$ROOT.tmp" "$ROOT"
fi
touch "$ROOT"
# Keep this root and the most recently used other one.
find "$CACHE/guest" -mindepth 1 -maxdepth 1 -type d ! -name '*.tmp' -printf '%T@ %p\n' | sort -rn |
	tail -n +3 | cut -d' ' -f2- | while read -r old; do step "removing old guest root $old"; rm -rf "$old"; done
step "guest root ready: $ROOT"
