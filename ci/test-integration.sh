#!/usr/bin/env bash
# Regression test of integrate_driver (ci/lib.sh): the kernel tree must follow the content of the
# checkout under test, whatever its files' mtimes. Two checkouts are integrated into a stub tree:
# A, then B, whose files are older than the objects built from A (a clone made earlier) and differ
# in one file. make rebuilds what is older than its sources, so B's changed file must be in the
# tree, newer than A's objects, and the files A and B share must be left alone (no rebuild).
# Prints one result line for ci/check.sh.
. "$(dirname "$0")/lib.sh"

name="build: the kernel tree follows the checkout's content, not its mtimes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tree
mkdir -p "$tree/drivers/gpu/drm" "$tree/rust/uapi" "$tree/include/uapi/drm"
echo 'source "drivers/gpu/drm/nova/Kconfig"' >"$tree/drivers/gpu/drm/Kconfig"
echo 'obj-$(CONFIG_DRM_NOUVEAU) += nouveau/' >"$tree/drivers/gpu/drm/Makefile"
echo '#include <uapi/drm/nova_drm.h>' >"$tree/rust/uapi/uapi_helper.h"
for c in a b; do
	mkdir -p "$tmp/$c"
	cp -r "$REPO/nova-lite" "$REPO/Kconfig" "$REPO/uapi" "$tmp/$c/"
done
echo '// changed in checkout B' >>"$tmp/b/nova-lite/gpu.rs"
find "$tmp/b" -type f -exec touch -d 2001-01-01 {} +

integrate_driver "$tmp/a" "$tree"
# A was integrated and built long ago: its objects are newer than the tree's files.
find "$tree" -type f -exec touch -d 2010-01-01 {} +
touch -d 2011-01-01 "$tmp/objects"
integrate_driver "$tmp/b" "$tree"
integrate_driver "$tmp/b" "$tree" # idempotent

drv=$tree/drivers/gpu/drm/nova-lite
why=""
cmp -s "$tmp/b/nova-lite/gpu.rs" "$drv/gpu.rs" || why="the tree does not hold B's gpu.rs"
[ -n "$why" ] || [ "$drv/gpu.rs" -nt "$tmp/objects" ] ||
	why="B's gpu.rs is not newer than A's objects: make would not rebuild it"
[ -n "$why" ] || [ ! -L "$drv/gpu.rs" ] || why="the tree links to the checkout's files"
[ -n "$why" ] || [ ! "$drv/drm.rs" -nt "$tmp/objects" ] ||
	why="drm.rs, the same in A and B, was rewritten: make would rebuild it for nothing"
[ -n "$why" ] || [ "$(grep -c nova-lite "$tree/drivers/gpu/drm/Makefile")" = 1 ] ||
	why="the Makefile line was not added exactly once"
if [ -z "$why" ]; then echo "ok $name"; else echo "not ok $name: $why"; fi
