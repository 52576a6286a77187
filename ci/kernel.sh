#!/usr/bin/env bash
# Unpacks the pinned kernel source, integrates nova-lite into it, configures and builds one of the
# two flavours. Prints nothing on stdout but progress; the build directory is
# $CACHE/build/<flavour>-<key>.
#   ci/kernel.sh FLAVOUR            unpack + integrate + configure + build (incremental)
#   ci/kernel.sh FLAVOUR --print    print the build directory's path and exit
# FLAVOUR is `debug` (KASAN, lockdep, kmemleak, ...: `make check`) or `release` (no debug
# options: `make demo`). Both are built with clang/LLVM, which KASAN with Rust requires.
# $BUILD/nova-lite-compile.log is the log of the last build that compiled the driver (W=1,
# CLIPPY=1), so its diagnostics can be checked without recompiling an unchanged driver, and
# $BUILD/nova-lite-built-from the content hash of the driver sources that build compiled.
. "$(dirname "$0")/lib.sh"

FLAVOUR=${1:-}
case $FLAVOUR in debug|release) ;; *) die "usage: ci/kernel.sh debug|release [--print]" ;; esac

# With NOVA_LITE_ALLOW_KERNEL_DRIFT=1, ci/setup-host.sh may have taken another version.
if [ "${NOVA_LITE_ALLOW_KERNEL_DRIFT:-0}" = 1 ] && [ -f "$CACHE/$KERNEL_DEB.drift" ]; then
	KERNEL_DEB_VERSION=$(cat "$CACHE/$KERNEL_DEB.drift")
	echo "warning: building $KERNEL_DEB $KERNEL_DEB_VERSION, not the pinned version" >&2
fi
SRC=$CACHE/src/linux-$KERNEL_DEB_VERSION
FRAGMENTS=("$REPO/ci/kernel.config" "$REPO/ci/kernel-$FLAVOUR.config")
# The kernel patch series is part of what is built: its content is part of the key.
PATCHES=("$REPO/kernel-patches/series" $(sed "s|^|$REPO/kernel-patches/|" "$REPO/kernel-patches/series"))
KEY_EXTRA="$FLAVOUR $KERNEL_DEB_VERSION $RUSTC_VERSION $BINDGEN_VERSION $(clang-"$LLVM_VERSION" -dumpversion)"
BUILD=$CACHE/build/$FLAVOUR-$(key "${FRAGMENTS[@]}" "${PATCHES[@]}")
[ "${2:-}" = --print ] && { echo "$BUILD"; exit 0; }

KMAKE=(make -C "$SRC" O="$BUILD" ARCH=x86_64 LLVM=-"$LLVM_VERSION" -j"$(nproc)" W=1 CLIPPY=1
       RUST_LIB_SRC="/usr/src/rustc-$RUSTC_VERSION/library")

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

# 2. Integrate (every run, idempotent): the tree carries this checkout's kernel patches and holds
# its driver (ci/lib.sh).
step "integrating $REPO into the kernel tree"
apply_kernel_patches "$REPO" "$SRC"
integrate_driver "$REPO" "$SRC"

# 3. Configure (once per key): tinyconfig + the shared fragment + the flavour's, checked.
# The build directory's key is the fragments' hash, so one configuration per directory suffices.
if [ ! -f "$BUILD/.nova-lite-configured" ]; then
	step "configuring $BUILD (tinyconfig + ci/kernel.config + ci/kernel-$FLAVOUR.config)"
	mkdir -p "$BUILD"
	"${KMAKE[@]}" -s rustavailable
	"${KMAKE[@]}" -s tinyconfig
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$BUILD" "$BUILD/.config" "${FRAGMENTS[@]}" >/dev/null
	"${KMAKE[@]}" -s olddefconfig
	bad=$(cat "${FRAGMENTS[@]}" | grep -E '^(CONFIG_|# CONFIG_.* is not set)' | while read -r line; do
		case $line in
		"# "*) opt=${line#\# }; opt=${opt%% *}; ! grep -q "^$opt=" "$BUILD/.config" ;;
		*) grep -qxF "$line" "$BUILD/.config" ;;
		esac || echo "  $line"; done)
	[ -z "$bad" ] || die "kernel config lost these options (missing dependency?):"$'\n'"$bad"
	touch "$BUILD/.nova-lite-configured"
fi

# 4. Build (incremental), then install the modules into a staging tree for the guest.
# The compile log and the built-from hash are recorded by the build that compiles the driver's
# object; a build directory without them compiles it again to get them.
drv_obj=$BUILD/drivers/gpu/drm/nova-lite/nova_lite.o
# What the driver sources are now; recorded below if this build compiles the driver. A build whose
# record differs (a Makefile or Kconfig edit that make does not recompile the object for) compiles
# the driver again, so that the record always names what was built.
srcsum=$(driver_source_hash)
[ -f "$BUILD/nova-lite-compile.log" ] && [ "$(cat "$BUILD/nova-lite-built-from" 2>/dev/null)" = "$srcsum" ] ||
	rm -f "$drv_obj"
# A build from scratch records its log length, so later full builds can show a percentage.
full=$CACHE/kernel-build-lines-$FLAVOUR
if [ -f "$BUILD/vmlinux" ]; then
	first=0
	step "building the $FLAVOUR kernel and modules in $BUILD (incremental; log: out/kernel-build.log)"
else
	first=1
	step "building the $FLAVOUR kernel and modules in $BUILD (from scratch, 10 to 25 min on 2 cores; log: out/kernel-build.log)"
fi
if ! with_progress "$OUT/kernel-build.log" "$(cat "$full" 2>/dev/null || echo 0)" \
	"${KMAKE[@]}" bzImage modules; then
	# The driver may have compiled before the build failed: compile it again next time, so that
	# its diagnostics and its source hash are recorded.
	rm -f "$drv_obj"
	grep -E -B2 -A12 'error(\[E[0-9]+\])?:|Error [0-9]' "$OUT/kernel-build.log" | head -80 || true
	die "kernel build failed (full log: out/kernel-build.log)"
fi
[ $first = 0 ] || wc -l <"$OUT/kernel-build.log" >"$full"
if grep -q ' drivers/gpu/drm/nova-lite/nova_lite\.o$' "$OUT/kernel-build.log"; then
	cp "$OUT/kernel-build.log" "$BUILD/nova-lite-compile.log"
	echo "$srcsum" >"$BUILD/nova-lite-built-from"
fi
step "installing modules into $BUILD/mods"
rm -rf "$BUILD/mods"
# Stripped: the guest needs no symbols in the modules (the kernel has kallsyms), and installing
# the debug flavour's unstripped modules took minutes.
"${KMAKE[@]}" -s INSTALL_MOD_PATH="$BUILD/mods" INSTALL_MOD_STRIP=1 modules_install >/dev/null

# Keep this build and the most recently used other one of this flavour; older ones, and builds of
# the layout before flavours (build/<hash>), only take disk.
touch "$BUILD"
find "$CACHE/build" -mindepth 1 -maxdepth 1 -type d ! -name 'debug-*' ! -name 'release-*' \
	-exec rm -rf {} +
find "$CACHE/build" -mindepth 1 -maxdepth 1 -type d -name "$FLAVOUR-*" -printf '%T@ %p\n' | sort -rn | tail -n +3 |
	cut -d' ' -f2- | while read -r old; do step "removing old build $old"; rm -rf "$old"; done
