#!/usr/bin/env bash
# Installs everything the build and the VM need on a Debian 12 host, as root: nothing but Debian's
# archive, crates.io (bindgen) and PyPI (virtme-ng) is used. Idempotent: a second run checks the
# pinned versions (ci/versions.env) and returns in seconds.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root (apt-get, debootstrap)"
grep -qs '^12\.' /etc/debian_version ||
	echo "warning: this is not Debian 12 (/etc/debian_version: $(cat /etc/debian_version 2>/dev/null))" >&2

# Apt sources: trixie-backports (kernel source), bookworm-backports (QEMU) and, where the machine
# lacks it (a bare debootstrap has only bookworm), bookworm-security (the Rust toolchain).
sources() {
	cat <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	grep -rqsE --exclude=nova-lite.sources '^[^#]*bookworm-security' /etc/apt/sources.list /etc/apt/sources.list.d/ ||
		printf '\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
}
src=/etc/apt/sources.list.d/nova-lite.sources
if ! sources | cmp -s - "$src"; then
	step "writing $src and apt-get update"
	sources >"$src"
	apt-get update -q
fi

apt_install() { # apt-get install ARGS..., with one apt-get update first if it fails
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" && return 0
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# file: virtme-ng reads the kernel's release from the image with it; without it the guest gets no
# modules ("Module nova-lite not found"), as a bare Debian 12 root showed. libwayland-dev,
# libwayland-bin (wayland-scanner) and wayland-protocols build the Wayland test client,
# tests/weston/wl_pattern.c. python3-ply and python3-git: the kernel's scripts/spdxcheck.py, which
# checkpatch.pl runs in `make series-check` (without them every SPDX line is reported invalid).
pkgs=(build-essential bc bison flex libelf-dev libssl-dev cpio kmod rsync xz-utils python3-venv
      ca-certificates debootstrap debian-archive-keyring "libclang-$LLVM_VERSION-dev"
      "clang-$LLVM_VERSION" "lld-$LLVM_VERSION" "llvm-$LLVM_VERSION" libdrm-dev pkg-config jq
      python3-matplotlib util-linux file libwayland-dev libwayland-bin wayland-protocols
      python3-ply python3-git)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	step "apt-get install ${missing[*]}"
	apt_install "${missing[@]}"
fi

# The Rust toolchain (ci/versions.env): Debian's rustc-web and its companions, the newest Debian
# revision of the pinned upstream version the mirror has. Nothing is removed: a Debian rustc,
# cargo, ... package that conflicts with them stops the set-up with the command that fixes it.
rust_ok() { [ "$(/usr/bin/rustc --version 2>/dev/null | awk '{print $2}')" = "$RUSTC_VERSION" ] &&
	for p in $RUST_DEBS; do dpkg -s "$p" >/dev/null 2>&1 || return 1; done; }
if ! rust_ok; then
	want=$(apt-cache madison rustc-web | awk '{print $3}' | grep -F "$RUSTC_VERSION+" | sort -V | tail -n 1)
	[ -n "$want" ] || die "rustc-web $RUSTC_VERSION is not on the mirror (it has: $(apt-cache madison rustc-web |
		awk '{print $3}' | tr '\n' ' ')); update RUSTC_VERSION in ci/versions.env"
	step "apt-get install the Rust toolchain: $RUST_DEBS ($want, bookworm-security)"
	# shellcheck disable=SC2046
	apt_install --no-remove $(for p in $RUST_DEBS; do echo "$p=$want"; done) ||
		die "could not install Debian's Rust toolchain $want; if a Debian rustc, cargo, rustfmt, rust-clippy or rust-src package conflicts with it: apt-get remove rustc cargo rustfmt rust-clippy rust-src, then run make setup again"
	rust_ok || die "/usr/bin/rustc is $(/usr/bin/rustc --version 2>&1), not $RUSTC_VERSION"
fi
RUST_LIB_SRC=/usr/src/rustc-$RUSTC_VERSION/library
[ -d "$RUST_LIB_SRC/core" ] || die "$RUST_LIB_SRC missing: apt-get install --reinstall rust-web-src"

have_qemu=$(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null || true)
if [ "$have_qemu" != "$QEMU_DEB_VERSION" ]; then
	step "apt-get install qemu-system-x86 $QEMU_DEB_VERSION (bookworm-backports)"
	apt_install -t bookworm-backports "qemu-system-x86=$QEMU_DEB_VERSION" ||
		die "qemu-system-x86 $QEMU_DEB_VERSION could not be installed; update QEMU_DEB_VERSION in ci/versions.env to what 'apt-cache policy qemu-system-x86' offers in bookworm-backports"
fi

# The kernel source: a Debian package we only unpack, fetched once into the cache, version checked.
# With NOVA_LITE_ALLOW_KERNEL_DRIFT=1 a version the mirror offers instead of the pinned one is used
# and recorded in $CACHE/<name>.drift, which ci/kernel.sh reads.
fetch_deb() { # name version -> path of the .deb in the cache
	local name=$1 want=$2 have f
	f="$CACHE/debs/${name}_${want//:/%3a}_all.deb"
	rm -f "$CACHE/$name.drift"
	if [ ! -f "$f" ] && ! apt-cache madison "$name" | awk '{print $3}' | grep -qxF "$want"; then
		have=$(apt-cache policy "$name" | awk '/Candidate:/ {print $2}')
		[ "${NOVA_LITE_ALLOW_KERNEL_DRIFT:-0}" = 1 ] && [ -n "$have" ] && [ "$have" != "(none)" ] ||
			die "$name $want is not on the mirror (it offers ${have:-nothing}); update ci/versions.env"
		echo "warning: using $name $have instead of the pinned $want (NOVA_LITE_ALLOW_KERNEL_DRIFT=1)" >&2
		want=$have
		f="$CACHE/debs/${name}_${want//:/%3a}_all.deb"
		echo "$want" >"$CACHE/$name.drift"
	fi
	if [ ! -f "$f" ]; then
		step "downloading $name $want" >&2
		mkdir -p "$CACHE/debs"
		(cd "$CACHE/debs" && apt-get download -q "$name=$want") >&2
	fi
	echo "$f"
}
fetch_deb "$KERNEL_DEB" "$KERNEL_DEB_VERSION" >/dev/null

if [ "$(bindgen --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
	step "cargo install bindgen-cli $BINDGEN_VERSION (compiles for a few minutes)"
	RUSTC=/usr/bin/rustc /usr/bin/cargo install -q --locked --root "$CACHE/tools" bindgen-cli \
		--version "$BINDGEN_VERSION"
fi

if [ "$("$CACHE/venv/bin/vng" --version 2>/dev/null | awk '{print $2}')" != "$VIRTME_NG_VERSION" ]; then
	step "pip install virtme-ng $VIRTME_NG_VERSION"
	python3 -m venv "$CACHE/venv"
	"$CACHE/venv/bin/pip" install -q "virtme-ng==$VIRTME_NG_VERSION"
fi
step "host ready: rustc $RUSTC_VERSION, bindgen $BINDGEN_VERSION, clang $LLVM_VERSION, QEMU $QEMU_DEB_VERSION"
