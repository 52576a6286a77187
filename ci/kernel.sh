#!/usr/bin/env bash
# Unpacks the pinned kernel source, integrates nova-lite into it, configures and builds it.
# Prints nothing on stdout but progress; the build directory is $CACHE/build/<key>.
#   ci/kernel.sh            unpack + integrate + configure + build (incremental)
#   ci/kernel.sh --print    print the build directory's path and exit
# $BUILD/nova-lite-compile.log is the log of the last build that compiled the driver (W=1,
# CLIPPY=1), so its diagnostics can be checked without recompiling an unchanged driver.
. "$(dirname "$0")/lib.sh"

# With NOVA_LITE_ALLOW_KERNEL_DRIFT=1, ci/setup-host.sh may have taken another version.
if [ "${NOVA_LITE_ALLOW_KERNEL_DRIFT:-0}" = 1 ] && [ -f "$CACHE/$KERNEL_DEB.drift" ]; then
	KERNEL_DEB_VERSION=$(cat "$CACHE/$KERNEL_DEB.drift")
	echo "warning: building $KERNEL_DEB $KERNEL_DEB_VERSION, not the pinned version" >&2
fi
SRC=$CACHE/src/linux-$KERNEL_DEB_VERSION
KEY_EXTRA="$KERNEL_DEB_VERSION $RUSTC_VERSION $BINDGEN_VERSION $LLVM_VERSION $(gcc -dumpfullversion)"
BUILD=$CACHE/build/$(key "$REPO/ci/kernel.config")
[ "${1:-}" = --print ] && { echo "$BUILD"; exit 0; }

KMAKE=(make -C "$SRC" O="$BUILD" ARCH=x86_64 -j"$(nproc)" W=1 CLIPPY=1
       RUST_LIB_SRC="$CACHE/rust-src/$RUST_SRC_DEB_VERSION/usr/src/rustc-$RUSTC_VERSION/library")

# 1. Unpack (once per kernel version).
if [ ! -f "$SRC/.nova-lite-unpacked" ]; then
	deb=$CACHE/debs/${KERNEL_DEB}_${KERNEL_DEB_VERSION//:/%3a}_all.deb
	[ -f "$deb" ] || die "$deb missing: run ci/setup-host.sh"
	step "unpacking $KERNEL_DEB $KERNEL_DEB_VERSION into $SRC"
	rm -rf "$SRC" "$SRC.tmp" && mkdir -p "$SRC.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$KERNEL_TARBALL" |
		tar -xJ -C "$SRC.tmp" --strip-components=1
	touch "$SRC.tmp/.nova-lite-unpacked" && mv "$SRC.tmp" "$SRC"
fi

# 2. Integrate (every run, idempotent): the tree points at this checkout.
step "integrating $REPO into the kernel tree"
drv=$SRC/drivers/gpu/drm/nova-lite
mkdir -p "$drv"
find "$drv" -maxdepth 1 -type l -delete
for f in "$REPO"/nova-lite/*; do ln -sfn "$f" "$drv/"; done
ln -sfn "$REPO/Kconfig" "$drv/Kconfig"
# The uAPI header is copied, and only when it changed: every Rust crate depends on it through
# the uapi bindings, so a newer timestamp alone (a fresh clone) would rebuild them all.
hdr=$SRC/include/uapi/drm/nova_lite_drm.h
[ ! -L "$hdr" ] || rm "$hdr"
cmp -s "$REPO/uapi/drm/nova_lite_drm.h" "$hdr" || cp "$REPO/uapi/drm/nova_lite_drm.h" "$hdr"
add_line() { # file anchor-regex line: insert line after the anchor once
	grep -qxF "$3" "$1" || sed -i "/$2/a $3" "$1"
	grep -qxF "$3" "$1" || die "could not add '$3' to $1"
}
add_line "$SRC/drivers/gpu/drm/Kconfig" '^source "drivers\/gpu\/drm\/nova\/Kconfig"' \
	'source "drivers/gpu/drm/nova-lite/Kconfig"'
add_line "$SRC/drivers/gpu/drm/Makefile" '^obj-\$(CONFIG_DRM_NOUVEAU)' \
	'obj-$(CONFIG_DRM_NOVA_LITE) += nova-lite/'
add_line "$SRC/rust/uapi/uapi_helper.h" '^#include <uapi\/drm\/nova_drm.h>' \
	'#include <uapi/drm/nova_lite_drm.h>'

# 3. Configure (once per fragment/toolchain key): tinyconfig + our fragment, checked.
# The build directory's key is the fragment's hash, so one configuration per directory suffices.
if [ ! -f "$BUILD/.nova-lite-configured" ]; then
	step "configuring $BUILD (tinyconfig + ci/kernel.config)"
	mkdir -p "$BUILD"
	"${KMAKE[@]}" -s rustavailable
	"${KMAKE[@]}" -s tinyconfig
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$BUILD" "$BUILD/.config" "$REPO/ci/kernel.config" >/dev/null
	"${KMAKE[@]}" -s olddefconfig
	bad=$(grep -E '^CONFIG_' "$REPO/ci/kernel.config" | while read -r line; do
		grep -qxF "$line" "$BUILD/.config" || echo "  $line"; done)
	[ -z "$bad" ] || die "kernel config lost these options (missing dependency?):"$'\n'"$bad"
	touch "$BUILD/.nova-lite-configured"
fi

# 4. Build (incremental), then install the modules into a staging tree for the guest.
# A build directory without a compile log (older layout) compiles the driver once to get one.
[ -f "$BUILD/nova-lite-compile.log" ] || rm -f "$BUILD/drivers/gpu/drm/nova-lite/nova_lite.o"
# A build from scratch records its log length, so later full builds can show a percentage.
full=$CACHE/kernel-build-lines
if [ -f "$BUILD/vmlinux" ]; then
	first=0
	step "building the kernel and modules in $BUILD (incremental; log: out/kernel-build.log)"
else
	first=1
	step "building the kernel and modules in $BUILD (from scratch, ~10 min; log: out/kernel-build.log)"
fi
if ! with_progress "$OUT/kernel-build.log" "$(cat "$full" 2>/dev/null || echo 0)" \
	"${KMAKE[@]}" bzImage modules; then
	grep -E -B2 -A12 'error(\[E[0-9]+\])?:|Error [0-9]' "$OUT/kernel-build.log" | head -80
	die "kernel build failed (full log: out/kernel-build.log)"
fi
[ $first = 0 ] || wc -l <"$OUT/kernel-build.log" >"$full"
if grep -q ' drivers/gpu/drm/nova-lite/nova_lite\.o$' "$OUT/kernel-build.log"; then
	cp "$OUT/kernel-build.log" "$BUILD/nova-lite-compile.log"
fi
step "installing modules into $BUILD/mods"
rm -rf "$BUILD/mods"
"${KMAKE[@]}" -s INSTALL_MOD_PATH="$BUILD/mods" modules_install >/dev/null

# Keep this build and the most recently used other one; older ones only take disk space.
touch "$BUILD"
find "$CACHE/build" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | tail -n +3 |
	cut -d' ' -f2- | while read -r old; do step "removing old build $old"; rm -rf "$old"; done
