#!/usr/bin/env bash
# Regression test of apply_kernel_patches (ci/lib.sh): a series that stops halfway (a patch that
# does not apply) must leave a record that lets the next run recover, not a tree whose first
# patch "does not apply" for ever. On a stub tree: checkout A's series (two patches, the second
# broken) fails after applying the first; then checkout B's series (the first patch and a good
# second) must apply cleanly, and the tree must hold exactly B's changes; so must a tree that holds
# B's first patch without a record of it.
# Prints one result line for ci/check.sh.
. "$(dirname "$0")/lib.sh"

name="build: a kernel patch series left half-applied is recovered by the next run"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tree
mkdir -p "$tree" "$tmp/a/kernel-patches" "$tmp/b/kernel-patches"
printf 'one\ntwo\nthree\n' >"$tree/f.txt"
# patch_of 1|2|bad: a one-line change of f.txt, as a -p1 patch (bad does not apply).
patch_of() {
	printf -- '--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n'
	case $1 in
	1) printf -- '-one\n+ONE\n two\n three\n' ;;
	2) printf -- ' ONE\n-two\n+TWO\n three\n' ;;
	bad) printf -- ' ONE\n-zwei\n+TWO\n three\n' ;;
	esac
}
patch_of 1 >"$tmp/a/kernel-patches/0001.patch"
patch_of bad >"$tmp/a/kernel-patches/0002.patch"
printf '0001.patch\n0002.patch\n' >"$tmp/a/kernel-patches/series"
patch_of 1 >"$tmp/b/kernel-patches/0001.patch"
patch_of 2 >"$tmp/b/kernel-patches/0002.patch"
cp "$tmp/a/kernel-patches/series" "$tmp/b/kernel-patches/series"

why=""
(apply_kernel_patches "$tmp/a" "$tree") >/dev/null 2>&1 && why="A's broken series applied"
[ -n "$why" ] || [ "$(head -n 1 "$tree/f.txt")" = ONE ] || why="A's first patch was not applied"
[ -n "$why" ] || (apply_kernel_patches "$tmp/b" "$tree") >"$tmp/log" 2>&1 ||
	why="B's series did not apply after A's stopped halfway: $(grep error "$tmp/log")"
[ -n "$why" ] || [ "$(cat "$tree/f.txt")" = "$(printf 'ONE\nTWO\nthree')" ] ||
	why="the tree does not hold exactly B's changes: $(tr '\n' ' ' <"$tree/f.txt")"
[ -n "$why" ] || (apply_kernel_patches "$tmp/b" "$tree") >"$tmp/log" 2>&1 ||
	why="B's series, applied again, failed"
# A tree whose first patch was applied without a record (a run killed between the two, or the
# script before records were kept) takes B's series too.
tree2=$tmp/tree2
mkdir -p "$tree2"
printf 'one\ntwo\nthree\n' >"$tree2/f.txt"
patch -d "$tree2" -p1 -s <"$tmp/b/kernel-patches/0001.patch"
[ -n "$why" ] || (apply_kernel_patches "$tmp/b" "$tree2") >"$tmp/log" 2>&1 ||
	why="B's series did not apply to a tree holding its first patch unrecorded: $(grep error "$tmp/log")"
[ -n "$why" ] || [ "$(cat "$tree2/f.txt")" = "$(printf 'ONE\nTWO\nthree')" ] ||
	why="the unrecorded tree does not hold exactly B's changes: $(tr '\n' ' ' <"$tree2/f.txt")"
if [ -z "$why" ]; then echo "ok $name"; else echo "not ok $name: $why"; fi
