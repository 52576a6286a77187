# Common settings for the ci/ scripts. Sourced, never run.
# shellcheck shell=bash
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
. "$REPO/ci/versions.env"

# Expensive results live outside the repo, keyed by their inputs.
CACHE=${NOVA_LITE_CACHE:-/var/cache/nova-lite}
OUT=$REPO/out
mkdir -p "$CACHE" "$OUT"
# The kernel's source tree, which ci/kernel.sh unpacks (and every build's `source` links to).
KERNEL_SRC=$CACHE/src/linux-$KERNEL_DEB_VERSION

export LIBCLANG_PATH=/usr/lib/llvm-$LLVM_VERSION/lib
# The Rust toolchain is Debian's (ci/setup-host.sh installs it in /usr/bin): /usr/bin comes before
# whatever else the caller's PATH has, so that another rustc (rustup's ~/.cargo/bin) is not used.
export PATH=$CACHE/tools/bin:$CACHE/venv/bin:/usr/bin:$PATH

# step "message": a visible progress line with the elapsed time of the current script.
step() { printf '\n==> [%3ds] %s\n' "$SECONDS" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# screen_check fbcon|smpte|inactive|panic|weston-desktop|weston-client NAME [ARGS...]: compares
# out/screen-NAME.ppm, a screenshot of one of the GPU's heads that the guest asked for with that
# check (ci/guest/screen.sh's shoot), with what a KMS client shows there (tools/screen.py and
# tools/weston_check.py, ARGS such as --width W --height H passed on): fbcon, the line of
# out/screen-NAME.txt in the kernel's VGA 8x16 font; smpte, modetest's SMPTE pattern; inactive,
# QEMU's placeholder of a head whose scanout is off; panic, drm_panic's panic screen as its
# debugfs trigger draws it (drivers/gpu/drm/drm_panic.c); weston-desktop, weston's panel and
# background (tests/weston/weston.ini); weston-client, the panel and wl_pattern's maximized window.
screen_check() {
	local kind=$1 name=$2
	shift 2
	case $kind in
	fbcon) python3 "$REPO/tools/screen.py" fbcon "$OUT/screen-$name.ppm" "$OUT/screen-$name.txt" \
		--font "$KERNEL_SRC/lib/fonts/font_8x16.c" "$@" ;;
	smpte) python3 "$REPO/tools/screen.py" smpte "$OUT/screen-$name.ppm" "$@" ;;
	inactive) python3 "$REPO/tools/screen.py" inactive "$OUT/screen-$name.ppm" \
		--font "$KERNEL_SRC/lib/fonts/font_8x16.c" "$@" ;;
	panic) python3 "$REPO/tools/screen.py" panic "$OUT/screen-$name.ppm" \
		--font "$KERNEL_SRC/lib/fonts/font_8x16.c" \
		--source "$KERNEL_SRC/drivers/gpu/drm/drm_panic.c" "$@" ;;
	weston-desktop) python3 "$REPO/tools/weston_check.py" desktop "$OUT/screen-$name.ppm" "$@" ;;
	weston-client) python3 "$REPO/tools/weston_check.py" client "$OUT/screen-$name.ppm" "$@" ;;
	*) echo "unknown screen check '$kind' (fbcon, smpte, inactive, panic, weston-desktop or weston-client)"
		return 2 ;;
	esac
}
# screen_text_ok NAME: out/screen-NAME.txt is a line as ci/guest/screen.sh's fbcon_line writes it,
# with a boot's id, so that a picture left from another boot cannot pass fbcon's check. Judged
# before screen_check fbcon by ci/check.sh and ci/demo.sh (the watcher, which retries, does not).
screen_text_ok() {
	grep -Eqx 'NOVA-LITE fbcon [0-9a-f-]{36}' "$OUT/screen-$1.txt" 2>/dev/null
}

# key FILE...: a short hash of the given files' contents and of the extra words in $KEY_EXTRA.
key() { { cat "$@"; printf '%s\n' "${KEY_EXTRA:-}"; } | sha256sum | cut -c1-12; }

# with_progress LOG TOTAL CMD...: runs CMD with its output in LOG and, every 15 s, prints how far
# it got: the number of lines LOG has, out of TOTAL when TOTAL is known (a previous full run's
# count), and the latest line. Returns CMD's status.
with_progress() {
	local log=$1 total=$2 pid n pct=""
	shift 2
	"$@" >"$log" 2>&1 &
	pid=$!
	while sleep 15 && kill -0 "$pid" 2>/dev/null; do
		n=$(wc -l <"$log")
		[ "$total" -gt 0 ] && pct=" of ~$total ($((n * 100 / total))%)"
		printf '    [%4ds] %d lines%s | %s\n' "$SECONDS" "$n" "$pct" "$(tail -n 1 "$log" | cut -c1-60)"
	done
	wait "$pid"
}

# driver_source_hash: the content hash of what the compiler reads of the driver (its Rust sources,
# its Makefile, its Kconfig and the uAPI header), as ci/kernel.sh records it for a build that
# compiled the driver.
driver_source_hash() {
	(cd "$REPO" && find nova-lite -type f | LC_ALL=C sort | xargs cat Kconfig uapi/drm/nova_lite_drm.h) |
		sha256sum | cut -c1-16
}

# lock_builds: waits for, then holds until this script exits, the lock that serialises the runs
# of every checkout on this machine: they share the kernel tree, the builds and the guest root
# (integrate + build + boot must not interleave).
lock_builds() {
	exec 9>"$CACHE/.lock"
	if ! flock -n 9; then
		step "waiting for another run on this machine to finish (lock: $CACHE/.lock)"
		flock 9
	fi
}

# driver_layout CHECKOUT TREE PART...: puts the given parts of CHECKOUT's driver into the kernel
# tree TREE, with the lines that hook them in (idempotent). The one place that says where each of
# the repository's files goes in a kernel tree: the build (integrate_driver) and the submission's
# driver patches (ci/series.sh) both use it, so they cannot differ. Parts:
#   uapi    uapi/drm/nova_lite_drm.h -> include/uapi/drm/, its line in rust/uapi/uapi_helper.h
#   driver  nova-lite/ and Kconfig -> drivers/gpu/drm/nova-lite/, their lines in
#           drivers/gpu/drm/Kconfig and drivers/gpu/drm/Makefile
#   doc     Documentation/upstream/nova-lite.rst -> Documentation/gpu/, its line in the toctree of
#           Documentation/gpu/drivers.rst (the build does not need it)
# Files are copied, and only those whose content differs (see integrate_driver).
driver_layout() {
	local repo=$1 tree=$2 part drv=$2/drivers/gpu/drm/nova-lite hdr=$2/include/uapi/drm/nova_lite_drm.h
	shift 2
	for part in "$@"; do
		case $part in
		uapi)
			mkdir -p "${hdr%/*}"
			cmp -s "$repo/uapi/drm/nova_lite_drm.h" "$hdr" || cp "$repo/uapi/drm/nova_lite_drm.h" "$hdr"
			add_line "$tree/rust/uapi/uapi_helper.h" '^#include <uapi\/drm\/nova_drm.h>' \
				'#include <uapi/drm/nova_lite_drm.h>'
			;;
		driver)
			mkdir -p "$drv"
			rsync -r --checksum --delete --exclude=/Kconfig "$repo/nova-lite/" "$drv/"
			cmp -s "$repo/Kconfig" "$drv/Kconfig" || cp "$repo/Kconfig" "$drv/Kconfig"
			add_line "$tree/drivers/gpu/drm/Kconfig" '^source "drivers\/gpu\/drm\/nova\/Kconfig"' \
				'source "drivers/gpu/drm/nova-lite/Kconfig"'
			add_line "$tree/drivers/gpu/drm/Makefile" '^obj-\$(CONFIG_DRM_NOUVEAU)' \
				'obj-$(CONFIG_DRM_NOVA_LITE) += nova-lite/'
			;;
		doc)
			mkdir -p "$tree/Documentation/gpu"
			cmp -s "$repo/Documentation/upstream/nova-lite.rst" "$tree/Documentation/gpu/nova-lite.rst" ||
				cp "$repo/Documentation/upstream/nova-lite.rst" "$tree/Documentation/gpu/nova-lite.rst"
			add_line "$tree/Documentation/gpu/drivers.rst" '^   nova\/index$' '   nova-lite'
			;;
		*) die "driver_layout: unknown part '$part'" ;;
		esac
	done
}

# integrate_driver CHECKOUT TREE: puts CHECKOUT's driver, Kconfig and uAPI header into the kernel
# tree TREE, and the lines that hook them in (idempotent; driver_layout's uapi and driver parts).
# Files are copied, and only those whose content differs, so that make's timestamps follow
# content: the tree is shared by every checkout, and one whose files are older than the objects
# built from another must still get its own driver built (symlinks let a clone's old mtimes hide
# its changes from make; the uAPI header is not rewritten either, as every Rust crate depends on
# it). ci/test-integration.sh checks this.
integrate_driver() {
	local drv=$2/drivers/gpu/drm/nova-lite hdr=$2/include/uapi/drm/nova_lite_drm.h
	# Trees integrated by older scripts hold symlinks.
	[ ! -d "$drv" ] || find "$drv" -type l -delete
	[ ! -L "$hdr" ] || rm "$hdr"
	driver_layout "$1" "$2" uapi driver
}

# apply_kernel_patches CHECKOUT TREE: makes TREE carry exactly CHECKOUT's kernel patch series
# (kernel-patches/series, in order), idempotently. What TREE carries is recorded in
# TREE/.nova-lite-patches patch by patch, as each is applied or reversed, so a run stopped halfway
# (a patch that does not apply, an interrupted build) leaves a record that the next run can undo.
# If the record differs from CHECKOUT's series, the recorded patches are reversed first, so the
# shared tree follows whichever checkout builds, as it does for the driver. An unchanged series
# touches no file, so make rebuilds nothing.
apply_kernel_patches() {
	local repo=$1 tree=$2 applied=$2/.nova-lite-patches p
	if [ -d "$applied" ] && diff -rq "$repo/kernel-patches" "$applied" >/dev/null; then
		return 0
	fi
	if [ -f "$applied/series" ]; then
		for p in $(tac "$applied/series"); do
			step "reversing kernel patch $p"
			patch -d "$tree" -p1 -R -s --no-backup-if-mismatch <"$applied/$p" ||
				die "cannot reverse $p in $tree; unpack the tree again: rm -rf $tree"
			sed -i '$d' "$applied/series"
		done
	fi
	rm -rf "$applied"
	mkdir -p "$applied"
	: >"$applied/series"
	for p in $(cat "$repo/kernel-patches/series"); do
		step "applying kernel patch $p"
		if patch -d "$tree" -p1 -s -N --dry-run <"$repo/kernel-patches/$p" >/dev/null; then
			patch -d "$tree" -p1 -s -N --no-backup-if-mismatch <"$repo/kernel-patches/$p"
		elif patch -d "$tree" -p1 -s -R --dry-run <"$repo/kernel-patches/$p" >/dev/null; then
			# Applied by a run that stopped before recording it (or by an older script).
			echo "kernel patch $p is in the tree already, unrecorded: recording it"
		else
			die "kernel-patches/$p does not apply to $tree (the patches before it are applied and recorded: the next run reverses them; if it still fails, unpack the tree again: rm -rf $tree)"
		fi
		cp "$repo/kernel-patches/$p" "$applied/"
		echo "$p" >>"$applied/series"
	done
	cp -r "$repo/kernel-patches/." "$applied/"
}

# prepare FLAVOUR: everything a boot needs, for `make demo` and `make bench`: the lock, the host's
# tools, the kernel of FLAVOUR, the client and tests, the guest root.
prepare() {
	lock_builds
	"$REPO/ci/setup-host.sh"
	"$REPO/ci/kernel.sh" "$1"
	step "building the client and the tests"
	make -s -C "$REPO" userspace
	"$REPO/ci/guest-root.sh"
}

# add_line FILE ANCHOR-REGEX LINE: inserts LINE after the anchor, once (`a\`: LINE's leading
# whitespace is kept).
add_line() {
	grep -qxF "$3" "$1" || sed -i "/$2/a\\$3" "$1"
	grep -qxF "$3" "$1" || die "could not add '$3' to $1"
}
