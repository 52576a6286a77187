#!/usr/bin/env bash
# Installs everything the build and the VM need on a Debian 12 host, as root. Idempotent: a
# second run checks the pinned versions and returns in seconds.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root (apt-get, debootstrap)"

src=/etc/apt/sources.list.d/nova-lite.sources
if [ ! -f "$src" ]; then
	step "adding apt sources: trixie-backports (kernel source, rust-src), bookworm-backports (QEMU)"
	cat >"$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -q
fi

pkgs=(build-essential bc bison flex libelf-dev libssl-dev cpio kmod rsync xz-utils python3-venv
      debootstrap debian-archive-keyring "libclang-$LLVM_VERSION-dev" "clang-$LLVM_VERSION"
      "lld-$LLVM_VERSION" "llvm-$LLVM_VERSION" libdrm-dev pkg-config jq
      python3-matplotlib)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	step "apt-get install ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	step "apt-get install qemu-system-x86 (bookworm-backports, matching the host's qemu-utils)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-t bookworm-backports qemu-system-x86
fi

# Debian packages we only unpack: fetched once into the cache, version checked.
# For the kernel with NOVA_LITE_ALLOW_KERNEL_DRIFT=1, a version the mirror offers instead of the
# pinned one is used and recorded in $CACHE/<name>.drift, which ci/kernel.sh reads.
fetch_deb() { # name version -> path of the .deb in the cache
	local name=$1 want=$2 have f
	f="$CACHE/debs/${name}_${want//:/%3a}_all.deb"
	rm -f "$CACHE/$name.drift"
	if [ ! -f "$f" ] && ! apt-cache madison "$name" | awk '{print $3}' | grep -qxF "$want"; then
		have=$(apt-cache policy "$name" | awk '/Candidate:/ {print $2}')
		[ "${NOVA_LITE_ALLOW_KERNEL_DRIFT:-0}" = 1 ] && [ "$name" = "$KERNEL_DEB" ] &&
			[ -n "$have" ] && [ "$have" != "(none)" ] ||
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

rustc_have=$(rustc --version | awk '{print $2}')
[ "$rustc_have" = "$RUSTC_VERSION" ] ||
	die "rustc is $rustc_have, ci/versions.env pins $RUSTC_VERSION (rust-src must match it)"
if [ ! -d "$CACHE/rust-src/$RUST_SRC_DEB_VERSION" ]; then
	deb=$(fetch_deb rust-src "$RUST_SRC_DEB_VERSION")
	step "unpacking rust-src $RUST_SRC_DEB_VERSION"
	mkdir -p "$CACHE/rust-src"
	dpkg-deb -x "$deb" "$CACHE/rust-src/$RUST_SRC_DEB_VERSION.tmp"
	mv "$CACHE/rust-src/$RUST_SRC_DEB_VERSION.tmp" "$CACHE/rust-src/$RUST_SRC_DEB_VERSION"
fi
fetch_deb "$KERNEL_DEB" "$KERNEL_DEB_VERSION" >/dev/null

if [ "$(bindgen --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
	step "cargo install bindgen-cli $BINDGEN_VERSION (compiles for a few minutes)"
	cargo install --locked --root "$CACHE/tools" bindgen-cli --version "$BINDGEN_VERSION"
fi

if [ "$("$CACHE/venv/bin/vng" --version 2>/dev/null | awk '{print $2}')" != "$VIRTME_NG_VERSION" ]; then
	step "pip install virtme-ng $VIRTME_NG_VERSION"
	python3 -m venv "$CACHE/venv"
	"$CACHE/venv/bin/pip" install -q "virtme-ng==$VIRTME_NG_VERSION"
fi
step "host ready"
