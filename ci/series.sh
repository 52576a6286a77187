#!/usr/bin/env bash
# The kernel patch series as a submission: a git tree of the pinned kernel source with the series
# as commits, the repository's kernel-patches/ written from it, the submission exported from it,
# and the checks of `make series-check`.
#   ci/series.sh branch          make the git tree and its branches from this checkout (below)
#   ci/series.sh refresh         write kernel-patches/ from the branch kernel-patches, after editing it
#   ci/series.sh export SIGNOFF  write the submission to out/series/ ("Name <email>" signs it off)
#   ci/series.sh check           every patch applies, kernel-patches/ is not stale, checkpatch.pl
#                                --strict passes, and each commit builds (W=1 CLIPPY=1)
#
# The git tree, $CACHE/series/linux-<kernel version> (made once per kernel version), holds:
#   pristine         a tag: Debian's kernel source, one commit with a fixed identity and date
#                    (so every commit id built on it is the same on every machine)
#   kernel-patches   pristine + kernel-patches/series applied with `git am`: the branch to edit
#                    (git rebase -i, commit --amend, ...), then `ci/series.sh refresh`
#   nova-lite        kernel-patches + the driver's patches, generated from this checkout's files
#                    (driver_layout in ci/lib.sh, the mapping the build uses too) and messages
#                    (ci/series/)
#   submission       nova-lite as sent: authored and signed off by SIGNOFF (export)
#
# kernel-patches/ holds the kernel patches only (ci/kernel.sh applies them; the build copies the
# driver itself), as `git format-patch` writes them, authored by the project's identity below and
# without sign-off: a person's identity enters only through SIGNOFF, in out/series/.
# With SERIES_DRY_RUN=1, `check` prints the make commands of its builds instead of running them;
# with SERIES_SKIP_BUILDS=1 it skips them (the other checks take about a minute).
. "$(dirname "$0")/lib.sh"

SERIES=$CACHE/series
S=$SERIES/linux-$KERNEL_DEB_VERSION
PROJECT="nova-lite developers <nova-lite@localhost>"
CHECK_SIGNOFF="nova-lite series check <series-check@example.org>"
SUBMISSION=$OUT/series
# The driver's patches, in order: driver_layout's part, the commit message (ci/series/), and the
# MAINTAINERS F: line of what the part adds (each patch that adds files names them in MAINTAINERS;
# the first adds the entry, ci/series/maintainers.txt).
DRIVER_PATCHES=(
	"uapi driver-uapi.msg include/uapi/drm/nova_lite_drm.h"
	"driver driver.msg drivers/gpu/drm/nova-lite/"
	"doc driver-doc.msg Documentation/gpu/nova-lite.rst"
)
# The files of the pristine tree that driver_layout and the MAINTAINERS entry edit.
HOOKED_FILES=(drivers/gpu/drm/Kconfig drivers/gpu/drm/Makefile rust/uapi/uapi_helper.h
	Documentation/gpu/drivers.rst MAINTAINERS)

mkdir -p "$SERIES"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# git in the series tree, blind to the caller's and the system's git configuration, so that what
# it writes is the same for everyone.
sgit() { GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$S" "$@"; }
ident_name() { sed -E 's/^ *(.*[^ ]) *<.*$/\1/' <<<"$1"; }
ident_email() { sed -E 's/^.*<(.*)>.*$/\1/' <<<"$1"; }
# as IDENT DATE CMD...: runs CMD (a function too) with IDENT as author and committer, at DATE
# (git's raw format) unless DATE is empty.
as() (
	export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
	GIT_AUTHOR_NAME=$(ident_name "$1") GIT_AUTHOR_EMAIL=$(ident_email "$1")
	GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
	[ -z "$2" ] || export GIT_AUTHOR_DATE="$2" GIT_COMMITTER_DATE="$2"
	"${@:3}"
)
# valid_ident IDENT: IDENT is "Name <email>".
valid_ident() {
	local re='^[^<>]*[^<> ] <[^<> ]+@[^<> ]+>$'
	[[ $1 =~ $re ]]
}

# lock_series: holds, until this script exits, the lock of the series tree (its branches and work
# tree), which every subcommand changes.
lock_series() {
	exec 8>"$SERIES/.lock"
	if ! flock -n 8; then
		step "waiting for another ci/series.sh (lock: $SERIES/.lock)"
		flock 8
	fi
}

# pristine: the git tree of the kernel source, unpacked from the .deb as ci/kernel.sh does (once
# per kernel version: 6 min 40 s on 2 cores, most of it `git add`).
pristine() {
	[ ! -f "$S/.git/nova-lite-pristine" ] || return 0
	local deb=$CACHE/debs/${KERNEL_DEB}_${KERNEL_DEB_VERSION//:/%3a}_all.deb T=$S.tmp
	[ -f "$deb" ] || die "$deb missing: run ci/setup-host.sh"
	step "making the pristine git tree $S"
	rm -rf "$S" "$T" && mkdir -p "$T"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$KERNEL_TARBALL" |
		tar -xJ -C "$T" --strip-components=1
	S=$T sgit init -q -b pristine-import
	# -f: the tarball's files, all of them, whatever the tree's .gitignore says.
	S=$T sgit add -A -f
	S=$T as "Debian linux-source <debian-kernel@lists.debian.org>" "@0 +0000" \
		sgit commit -q -m "$KERNEL_DEB $KERNEL_DEB_VERSION"
	S=$T sgit tag pristine
	touch "$T/.git/nova-lite-pristine" && mv "$T" "$S"
}

# patches_key: the content of the series as kernel-patches/ holds it.
patches_key() {
	KEY_EXTRA=$KERNEL_DEB_VERSION key "$REPO/kernel-patches/series" \
		$(sed "s|^|$REPO/kernel-patches/|" "$REPO/kernel-patches/series")
}

# kernel_branch [force]: makes the branch kernel-patches = pristine + kernel-patches/series, with
# `git am` (committer: the project, at the author's date, so ids are reproducible), unless it is
# already made from the same patches. Refuses to replace commits that are not refreshed into
# kernel-patches/ (an edit of the branch, or an edit of the patches while the branch was edited),
# unless forced (refresh, which has just written them).
kernel_branch() {
	local k p tip recorded
	k=$(patches_key)
	tip=$(sgit rev-parse -q --verify refs/heads/kernel-patches || true)
	recorded=$(sgit config nova-lite.tip || true)
	[ -z "$tip" ] || [ "$tip" = "$recorded" ] || [ "${1:-}" = force ] ||
		die "the branch kernel-patches of $S has commits that are not in kernel-patches/: run ci/series.sh refresh (or drop them: git -C $S branch -D kernel-patches)"
	[ ! -d "$S/.git/rebase-merge" ] && [ ! -d "$S/.git/rebase-apply" ] ||
		die "a rebase or git am is in progress in $S: finish it (then ci/series.sh refresh) or abort it"
	if [ -n "$tip" ] && [ "$tip" = "$recorded" ] && [ "$(sgit config nova-lite.key || true)" = "$k" ]; then
		return 0
	fi
	step "applying kernel-patches/series to pristine (git am)"
	sgit checkout -q -f -B kernel-patches pristine
	sgit clean -q -f -d -x
	for p in $(cat "$REPO/kernel-patches/series"); do
		grep -q '^Date: ' "$REPO/kernel-patches/$p" ||
			die "kernel-patches/$p has no Date: header (write the series with ci/series.sh refresh)"
		if ! as "$PROJECT" "" sgit am -q --committer-date-is-author-date "$REPO/kernel-patches/$p"; then
			sgit am --abort || true
			die "kernel-patches/$p does not apply with git am after the patches before it"
		fi
	done
	sgit config nova-lite.key "$k"
	sgit config nova-lite.tip "$(sgit rev-parse HEAD)"
}

# commit_files PARENT DIR MESSAGE-FILE DATE AUTHOR: makes a commit on PARENT whose tree is
# PARENT's with the files under DIR added or replaced (paths relative to DIR), without touching
# the work tree or the index; prints its id.
commit_files() {
	local parent=$1 dir=$2 msg=$3 date=$4 who=$5 tree
	export GIT_INDEX_FILE=$TMP/index
	sgit read-tree "$parent"
	(cd "$dir" && find . -type f -printf '%P\n' | LC_ALL=C sort) |
		GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
			git -C "$dir" --git-dir="$S/.git" --work-tree="$dir" add --pathspec-from-file=-
	tree=$(sgit write-tree)
	unset GIT_INDEX_FILE
	rm -f "$TMP/index"
	as "$who" "$date" sgit commit-tree "$tree" -p "$parent" -F "$msg"
}

# maintainers_add FILE PATTERN MAINTAINER: adds the F: line PATTERN to the driver's entry of
# MAINTAINERS (ci/series/maintainers.txt, with MAINTAINER as M:), making the entry in alphabetical
# position if it is not there yet; F: lines are kept sorted.
maintainers_add() {
	local title entry
	title=$(head -n 1 "$REPO/ci/series/maintainers.txt")
	entry=$(cat "$REPO/ci/series/maintainers.txt")
	printf '%s\n' "${entry//@MAINTAINER@/$3}" >"$TMP/entry"
	LC_ALL=C awk -v title="$title" -v pattern="F:	$2" -v entry="$TMP/entry" '
	# An entry starts with its title: a line after an empty one, before a "X:<tab>" line.
	function is_title(i) {
		return lines[i - 1] == "" && lines[i] !~ /^[A-Z]:\t/ && lines[i + 1] ~ /^[A-Z]:\t/
	}
	{ lines[NR] = $0 }
	END {
		# The file is not sorted throughout: a new entry goes after the entry whose title is
		# the greatest below its own.
		for (i = 1; i <= NR; i++) {
			if (!is_title(i)) continue
			if (lines[i] == title) exists = 1
			t = toupper(lines[i])
			if (t < toupper(title) && (best == "" || t > best)) { best = t; after = i }
		}
		for (i = 1; i <= NR; i++) {
			if (is_title(i) && lines[i] == title) {
				mine = 1
			} else if (mine && !done && lines[i] == pattern) {
				done = 1
			} else if (mine && !done && (lines[i] == "" || lines[i] ~ /^[XNK]:\t/ ||
						   (lines[i] ~ /^F:\t/ && lines[i] > pattern))) {
				# In the entry: before the first F: line that sorts after it, or the
				# fields that follow F: (X:, N:, K:), or the end of the entry.
				print pattern
				done = 1
			}
			if (lines[i] == "") mine = 0
			print lines[i]
			if (!exists && !done && i > after && lines[i] == "") {
				while ((getline line <entry) > 0) print line
				print pattern
				print ""
				done = 1
			}
		}
	}' "$1" >"$TMP/MAINTAINERS.new"
	grep -qxF "F:	$2" "$TMP/MAINTAINERS.new" || die "could not add F: $2 to MAINTAINERS"
	mv "$TMP/MAINTAINERS.new" "$1"
}

# repo_date PATH...: the date (git's raw format) of this repository's last commit that changed
# one of PATH, so that a generated commit is dated by what it is made from.
repo_date() {
	local d
	d=$(git -C "$REPO" log -1 --format=%ad --date=raw -- "$@")
	[ -n "$d" ] || d=$(git -C "$REPO" log -1 --format=%ad --date=raw)
	echo "$d"
}

# message FILE [SIGNOFF]: the commit message in FILE without Signed-off-by lines and, with
# SIGNOFF, with one Signed-off-by of SIGNOFF as its last trailer (after Fixes:, Cc:, ...).
message() {
	grep -v '^Signed-off-by:' "$1" | sgit stripspace >"$TMP/msg"
	if [ -n "${2:-}" ]; then
		sgit interpret-trailers --no-divider --trailer "Signed-off-by: $2" <"$TMP/msg"
	else
		cat "$TMP/msg"
	fi
}

# driver_commits PARENT AUTHOR [SIGNOFF]: the driver's patches on PARENT (DRIVER_PATCHES), made
# by AUTHOR, who is the M: of the MAINTAINERS entry, signed off by SIGNOFF if given; prints the
# last commit's id.
driver_commits() {
	local tip=$1 who=$2 signoff=${3:-} d part msg pattern f src
	for d in "${DRIVER_PATCHES[@]}"; do
		read -r part msg pattern <<<"$d"
		rm -rf "$TMP/layout" && mkdir -p "$TMP/layout"
		for f in "${HOOKED_FILES[@]}"; do
			mkdir -p "$(dirname "$TMP/layout/$f")"
			sgit show "$tip:$f" >"$TMP/layout/$f"
		done
		driver_layout "$REPO" "$TMP/layout" "$part"
		[ -e "$TMP/layout/$pattern" ] || die "driver_layout's $part put nothing at $pattern (DRIVER_PATCHES)"
		maintainers_add "$TMP/layout/MAINTAINERS" "$pattern" "$who"
		# The module's author is the sender too (the project's name in the repository's form);
		# the name escaped for sed's replacement.
		if [ "$part" = driver ]; then
			local name
			name=$(ident_name "$who" | sed 's/[\\&|]/\\&/g')
			sed -i "s|^\(    authors: \[\)\"$(ident_name "$PROJECT")\"\]|\1\"$name\"]|" \
				"$TMP/layout/drivers/gpu/drm/nova-lite/nova_lite.rs"
		fi
		case $part in
		uapi) src=(uapi/drm/nova_lite_drm.h) ;;
		driver) src=(nova-lite Kconfig) ;;
		doc) src=(Documentation/upstream/nova-lite.rst) ;;
		esac
		message "$REPO/ci/series/$msg" "$signoff" >"$TMP/driver.msg"
		tip=$(commit_files "$tip" "$TMP/layout" "$TMP/driver.msg" \
			"$(repo_date "${src[@]}" ci/series/"$msg" ci/series/maintainers.txt)" "$who")
	done
	echo "$tip"
}

# rewrite BASE TIP NEWBASE AUTHOR [SIGNOFF]: the commits BASE..TIP again on NEWBASE, with the same
# trees and author dates, made by AUTHOR (committer too, at the author's date), their messages
# without sign-off or, with SIGNOFF, signed off by SIGNOFF only; prints the new tip.
rewrite() {
	local new=$3 c
	for c in $(sgit rev-list --reverse "$1..$2"); do
		sgit log -1 --format=%B "$c" >"$TMP/old.msg"
		message "$TMP/old.msg" "${5:-}" >"$TMP/new.msg"
		new=$(as "$4" "$(sgit log -1 --format=%ad --date=raw "$c")" \
			sgit commit-tree "$c^{tree}" -p "$new" -F "$TMP/new.msg")
	done
	echo "$new"
}

# format DIR RANGE [OPTION...]: `git format-patch` of RANGE into DIR (emptied first), the one set
# of options of the repository's form and of the submission.
format() {
	rm -rf "$1" && mkdir -p "$1"
	sgit format-patch -q -n --no-signature --abbrev=12 --no-renames --filename-max-length=100 \
		-o "$1" "${@:3}" "$2"
}

# write_series DIR: DIR/series, the patches of DIR in order.
write_series() {
	(cd "$1" && ls -- [0-9]*.patch) | grep -v '^0000-cover-letter' >"$1/series" || true
}

branch() {
	local tip
	pristine
	kernel_branch
	tip=$(driver_commits kernel-patches "$PROJECT")
	sgit branch -f nova-lite "$tip"
	echo "branch nova-lite: $(sgit rev-list --count pristine..nova-lite) commits on pristine in $S"
}

refresh() {
	local tip n
	pristine
	sgit rev-parse -q --verify refs/heads/kernel-patches >/dev/null ||
		die "no branch kernel-patches in $S: run ci/series.sh branch first"
	[ ! -d "$S/.git/rebase-merge" ] && [ ! -d "$S/.git/rebase-apply" ] ||
		die "a rebase or git am is in progress in $S: finish it first"
	[ -z "$(sgit status --porcelain --untracked-files=no)" ] ||
		die "$S has uncommitted changes: commit them on kernel-patches first"
	# The repository's form: the project's authorship, no sign-off.
	tip=$(rewrite pristine kernel-patches pristine "$PROJECT")
	format "$TMP/refresh" "pristine..$tip"
	write_series "$TMP/refresh"
	# Twice through git am: what it records (its reading of a message) is what the files must
	# produce, so that `branch` then `refresh` changes nothing (the stale check of `check`).
	for n in 1 2; do
		rm -f "$REPO"/kernel-patches/*.patch
		cp "$TMP"/refresh/* "$REPO/kernel-patches/"
		kernel_branch force
		format "$TMP/refresh" pristine..kernel-patches
		write_series "$TMP/refresh"
		diff -rq "$TMP/refresh" "$REPO/kernel-patches" >/dev/null && break
	done
	diff -rq "$TMP/refresh" "$REPO/kernel-patches" >/dev/null ||
		die "kernel-patches/ does not survive git am and format-patch unchanged"
	echo "kernel-patches/: $(wc -l <"$REPO/kernel-patches/series") patches from the branch kernel-patches"
}

# export_to DIR SIGNOFF: the submission: the kernel patches and the driver's patches, authored
# and signed off by SIGNOFF, after a cover letter (ci/series/cover.txt).
export_to() {
	local dir=$1 signoff=$2 tip date
	valid_ident "$signoff" || die "SIGNOFF must be \"Name <email>\" (got '$signoff')"
	branch >/dev/null
	tip=$(rewrite pristine kernel-patches pristine "$signoff" "$signoff")
	tip=$(driver_commits "$tip" "$signoff" "$signoff")
	sgit branch -f submission "$tip"
	local cover
	cover=$(cat "$REPO/ci/series/cover.txt")
	cover=${cover//@KERNEL_DEB@/$KERNEL_DEB}
	sgit config branch.submission.description "${cover//@KERNEL_DEB_VERSION@/$KERNEL_DEB_VERSION}"
	# The cover letter is the committer's, dated as the last patch.
	date=$(sgit log -1 --format=%ad --date=raw submission)
	as "$signoff" "$date" format "$dir" pristine..submission --cover-letter --cover-from-description=subject
	grep -q 'SUBJECT HERE\|BLURB HERE' "$dir/0000-cover-letter.patch" &&
		die "the cover letter lacks its subject or blurb (ci/series/cover.txt)"
	if grep -rlF -e "$(ident_email "$PROJECT")" -e "$(ident_name "$PROJECT")" "$dir"; then
		die "the project's identity ($PROJECT) is in the files above"
	fi
	return 0
}

export_cmd() {
	[ -n "${1:-}" ] || die "usage: ci/series.sh export \"Name <email>\" (make series SIGNOFF=\"Name <email>\"): the sign-off is the sender's"
	export_to "$SUBMISSION" "$1"
	echo "$(ls "$SUBMISSION" | wc -l) files in out/series/ (signed off by $1):"
	ls "$SUBMISSION"
}

# check_apply: (a) each kernel patch applies with git am, in order, on pristine (kernel_branch),
# and with patch -p1, in order, as ci/kernel.sh applies them (on a copy of the files they touch).
check_apply() {
	local p f
	kernel_branch
	rm -rf "$TMP/apply" && mkdir -p "$TMP/apply"
	for f in $(cd "$REPO/kernel-patches" && sed -n 's|^--- a/\([^[:space:]]*\).*|\1|p' $(cat series) | sort -u); do
		if sgit cat-file -e "pristine:$f" 2>/dev/null; then
			mkdir -p "$(dirname "$TMP/apply/$f")"
			sgit show "pristine:$f" >"$TMP/apply/$f"
		fi
	done
	for p in $(cat "$REPO/kernel-patches/series"); do
		patch -d "$TMP/apply" -p1 -s -N -t --no-backup-if-mismatch -i "$REPO/kernel-patches/$p" \
			</dev/null >"$TMP/patch.log" 2>&1 ||
			{ cat "$TMP/patch.log"; echo "FAIL kernel-patches/$p does not apply with patch -p1"; return 1; }
	done
	echo "ok   each kernel patch applies in order (git am, patch -p1)"
}

# check_stale: (b) kernel-patches/ is what refresh writes from the branch made of it.
check_stale() {
	format "$TMP/stale" pristine..kernel-patches
	write_series "$TMP/stale"
	if ! diff -r "$REPO/kernel-patches" "$TMP/stale" >"$TMP/stale.diff"; then
		head -n 40 "$TMP/stale.diff"
		echo "FAIL kernel-patches/ is not what ci/series.sh refresh writes (above: its diff to it)"
		return 1
	fi
	echo "ok   kernel-patches/ is what ci/series.sh refresh writes"
}

# check_checkpatch: (c) the submission, exported with a check identity, passes checkpatch.pl
# --strict patch by patch (cover letter aside), but for the findings ci/series/checkpatch-allow.txt
# accepts, and holds no trace of the project's identity (export_to checks that).
check_checkpatch() {
	local signoff=${SIGNOFF:-$CHECK_SIGNOFF} p name bad=0
	(export_to "$TMP/export" "$signoff" >/dev/null) || { echo "FAIL the export with $signoff"; return 1; }
	for p in "$TMP"/export/[0-9]*.patch; do
		name=$(basename "$p" .patch)
		[ "$name" != 0000-cover-letter ] || continue
		# checkpatch.pl runs in the tree (its checks of files and commit ids use it), with the
		# system's python3 for scripts/spdxcheck.py (python3-ply, python3-git), not the venv's.
		# Its status is 1 with findings; a line that is not a finding (a perl error, a
		# missing module) fails the check, as does a failure with no finding.
		local st=0
		(cd "$S" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --terse --show-types --no-summary "$p") \
			>"$TMP/cp-raw.txt" 2>&1 || st=$?
		sed "s|^$TMP/export/||" "$TMP/cp-raw.txt" >"$TMP/cp.txt"
		if grep -vqE '^[^ ]*: (ERROR|WARNING|CHECK):[A-Z0-9_]+:|^$' "$TMP/cp.txt" ||
			{ [ $st != 0 ] && [ ! -s "$TMP/cp.txt" ]; }; then
			echo "FAIL checkpatch.pl on $name did not run cleanly (status $st):"
			head -n 5 "$TMP/cp.txt"
			bad=$((bad + 1))
			continue
		fi
		allowed "${name#[0-9][0-9][0-9][0-9]-}" <"$TMP/cp.txt" >"$TMP/cp-bad.txt"
		if [ -s "$TMP/cp-bad.txt" ]; then
			cat "$TMP/cp-bad.txt"
			bad=$((bad + 1))
		fi
	done
	[ $bad = 0 ] || { echo "FAIL checkpatch.pl --strict: $bad patch(es) with findings (above)"; return 1; }
	echo "ok   checkpatch.pl --strict on $(ls "$TMP"/export/[0-9]*.patch | grep -vc cover-letter) patches; no trace of the project's identity"
}

# allowed NAME: the checkpatch findings on stdin (--terse --show-types lines) that
# ci/series/checkpatch-allow.txt does not accept for the patch NAME (its file name without the
# number). An entry is "NAME TYPE # reason".
allowed() {
	local line type
	while IFS= read -r line; do
		type=$(sed -nE 's/^[^ ]*: (ERROR|WARNING|CHECK):([A-Z0-9_]+):.*/\2/p' <<<"$line")
		[ -n "$type" ] || continue
		grep -Eq "^$1 $type( |$)" <(sed 's/[[:space:]]*#.*//' "$REPO/ci/series/checkpatch-allow.txt") ||
			echo "$line"
	done
}

# run CMD...: runs a build step, or prints it with SERIES_DRY_RUN=1.
run() {
	if [ "${SERIES_DRY_RUN:-0}" = 1 ]; then echo "    + $*"; else "$@"; fi
}

# warnings LOG: the warnings of a build log, one per line, without line and column numbers (a
# patch moves the lines of the files it changes): C's "file:L:C: warning: ...", kernel-doc's
# "file:L: warning: ...", and rustc's and clippy's "warning: ..." joined with their "--> file".
warnings() {
	awk '
	/^warning: [0-9]+ warnings? emitted/ { next }
	/^(warning|error)(\[[A-Za-z0-9_]+\])?: / { pending = $0; next }
	pending != "" && /^ *--> / { sub(/^ *--> /, ""); print pending " @ " $0; pending = ""; next }
	pending != "" { print pending; pending = "" }
	/: (warning|error): / { print }
	END { if (pending != "") print pending }' "$1" | sed -E 's/:[0-9]+(:[0-9]+)?/:/g' | LC_ALL=C sort -u
}

# check_builds: (d) each commit of pristine..nova-lite, checked out in a work tree of its own,
# builds what it touches (W=1 CLIPPY=1, as ci/kernel.sh) with no warning the pristine tree does
# not have: `prepare` (which builds rust/ with CONFIG_RUST), the object of each C file it changes
# outside rust/ (rust/helpers/*.c are part of rust/), the kbuild directory of each Rust file it
# changes outside rust/ (the driver, Tyr), the driver's directory once it exists; and
# `rustfmtcheck`. A stamp per commit id skips the commits already checked with this build
# directory (the id covers the content and every parent). The build lock is held throughout.
check_builds() {
	local wt=$SERIES/worktree-$KERNEL_DEB_VERSION B c i n t0 objs base log configured
	local fragments=("$REPO/ci/kernel.config" "$REPO/ci/kernel-debug.config" "$REPO/ci/series.config")
	B=$SERIES/build-$(KEY_EXTRA="$KERNEL_DEB_VERSION $RUSTC_VERSION $BINDGEN_VERSION $(clang-"$LLVM_VERSION" -dumpversion)" key "${fragments[@]}")
	if [ "${SERIES_DRY_RUN:-0}" = 1 ]; then
		# Nothing is built: a build directory of its own, so that no state of a real one
		# (configuration, baseline, stamps) is written.
		B=$TMP/dry-run-build
	else
		lock_builds
	fi
	local KMAKE=(make -C "$wt" O="$B" ARCH=x86_64 LLVM=-"$LLVM_VERSION" -j"$(nproc)" W=1 CLIPPY=1
		RUST_LIB_SRC="/usr/src/rustc-$RUSTC_VERSION/library")
	[ -e "$wt/.git" ] || sgit worktree add -q --detach "$wt" pristine
	wgit() { GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$wt" "$@"; }
	mkdir -p "$B/checked"
	# configure COMMIT: tinyconfig + the fragments, again whenever a Kconfig file differs from the
	# commit configured last (a patch may add a symbol the fragments set, such as RUST_DRM_KMS);
	# an unchanged .config keeps its mtime, so that make rebuilds nothing for it.
	configure() {
		configured=$(cat "$B/.series-configured" 2>/dev/null || true)
		if [ -n "$configured" ] && wgit diff --quiet "$configured" "$1" -- '*Kconfig*'; then
			return 0
		fi
		[ ! -f "$B/.config" ] || cp -p "$B/.config" "$B/.config.kept"
		run "${KMAKE[@]}" -s tinyconfig
		run "$wt/scripts/kconfig/merge_config.sh" -m -O "$B" "$B/.config" "${fragments[@]}"
		run "${KMAKE[@]}" -s olddefconfig
		if [ -f "$B/.config.kept" ] && cmp -s "$B/.config" "$B/.config.kept"; then
			mv "$B/.config.kept" "$B/.config"
		fi
		rm -f "$B/.config.kept"
		echo "$1" >"$B/.series-configured"
	}
	# build LOG TARGET...: make TARGET... then rustfmtcheck, the output in LOG.
	build() {
		local log=$1
		shift
		if [ "${SERIES_DRY_RUN:-0}" = 1 ]; then
			run "${KMAKE[@]}" "$@"
			run "${KMAKE[@]}" rustfmtcheck
			: >"$log"
			return 0
		fi
		"${KMAKE[@]}" "$@" >"$log" 2>&1 && "${KMAKE[@]}" rustfmtcheck >>"$log" 2>&1
	}
	# objects [FROM] COMMIT: the targets that the changes of COMMIT (since FROM) build beyond
	# `prepare`: the object of each C file outside rust/ that they add or modify, and for each
	# Rust file outside rust/, the kbuild directory of its crate (the nearest with a Makefile in
	# COMMIT: a driver's modules may be in subdirectories).
	objects() {
		local f d rev=${*: -1}
		wgit diff-tree --no-commit-id --name-only --diff-filter=AM -r "$@" | { grep -v '^rust/' || true; } |
			while read -r f; do
				case $f in
				*.c) echo "${f%.c}.o" ;;
				*.rs)
					d=$(dirname "$f")
					while [ "$d" != . ] && ! wgit cat-file -e "$rev:$d/Makefile" 2>/dev/null; do
						d=$(dirname "$d")
					done
					[ "$d" = . ] || echo "$d/"
					;;
				esac
			done | LC_ALL=C sort -u
	}
	# checkout COMMIT: checks COMMIT out in the work tree, with the symbol that selects what the
	# driver's Kconfig selects (those COMMIT has) at the end of drivers/gpu/drm/Kconfig. The file
	# is left alone (mtime too: make would reconfigure) while the commits do not change it.
	local kconfig=$wt/drivers/gpu/drm/Kconfig
	checkout() {
		local sym
		if ! wgit diff --quiet HEAD "$1" -- drivers/gpu/drm/Kconfig; then
			wgit checkout -q -- drivers/gpu/drm/Kconfig
		fi
		wgit checkout -q --detach "$1"
		grep -qx 'config NOVA_LITE_SERIES_CHECK' "$kconfig" && return 0
		{
			printf '\n# Added by ci/series.sh in its build work tree only.\n'
			printf 'config NOVA_LITE_SERIES_CHECK\n\tdef_bool y\n\tdepends on DRM=y && MMU\n'
			for sym in $(sed -n 's/^[[:space:]]*select \([A-Z0-9_]*\).*/\1/p' "$REPO/Kconfig"); do
				! wgit grep -q -e "^config $sym\$" -- '*Kconfig*' || printf '\tselect %s\n' "$sym"
			done
		} >>"$kconfig"
	}
	# The baseline: pristine's warnings for prepare and the objects of every commit.
	objs=$(objects pristine nova-lite)
	base=$B/baseline-$(key <(echo "$objs"))
	if [ ! -f "$base.warnings" ]; then
		step "series builds: the baseline (pristine, in $B)"
		checkout pristine
		configure pristine
		# Those of the series' targets that exist before it.
		local t base_targets=""
		for t in $objs; do
			case $t in
			*/) [ -d "$wt/$t" ] ;;
			*) [ -f "$wt/${t%.o}.c" ] ;;
			esac && base_targets="$base_targets $t"
		done
		# shellcheck disable=SC2086 # a list of words
		build "$base.log" prepare $base_targets || { tail -n 40 "$base.log"; die "the pristine tree does not build (log: $base.log)"; }
		warnings "$base.log" >"$base.warnings"
	fi
	n=$(sgit rev-list --count pristine..nova-lite)
	i=0
	local failed=0
	for c in $(sgit rev-list --reverse pristine..nova-lite); do
		i=$((i + 1))
		t0=$SECONDS
		local subject targets
		subject=$(sgit log -1 --format=%s "$c")
		if [ -f "$B/checked/$c" ]; then
			printf '[%2d/%d] %s: checked before\n' "$i" "$n" "$subject"
			continue
		fi
		checkout "$c"
		configure "$c"
		targets="prepare $(objects "$c")"
		case " $targets " in
		*" drivers/gpu/drm/nova-lite/ "*) ;;
		*) [ ! -d "$wt/drivers/gpu/drm/nova-lite" ] || targets="$targets drivers/gpu/drm/nova-lite/" ;;
		esac
		log=$B/checked/$c.log
		# shellcheck disable=SC2086 # targets is a list of words
		if ! build "$log" $targets; then
			printf '[%2d/%d] %s: %d s FAILED (log: %s)\n' "$i" "$n" "$subject" $((SECONDS - t0)) "$log"
			grep -E -A8 'error(\[E[0-9]+\])?:|Error [0-9]|^Diff in' "$log" | head -n 40 || true
			failed=$((failed + 1))
			continue
		fi
		warnings "$log" | LC_ALL=C comm -13 "$base.warnings" - >"$log.new-warnings"
		if [ -s "$log.new-warnings" ]; then
			printf '[%2d/%d] %s: %d s FAILED, new warnings:\n' "$i" "$n" "$subject" $((SECONDS - t0))
			sed 's/^/    /' "$log.new-warnings"
			failed=$((failed + 1))
			continue
		fi
		if [ "${SERIES_DRY_RUN:-0}" = 1 ]; then
			printf '[%2d/%d] %s: dry run, nothing built\n' "$i" "$n" "$subject"
			continue
		fi
		printf '[%2d/%d] %s: %d s ok\n' "$i" "$n" "$subject" $((SECONDS - t0))
		touch "$B/checked/$c"
	done
	[ $failed = 0 ] || { echo "FAIL $failed of $n commits do not build cleanly"; return 1; }
	if [ "${SERIES_DRY_RUN:-0}" = 1 ]; then
		echo "DRY RUN of the builds of the $n commits (SERIES_DRY_RUN=1): their make commands are above"
		return 0
	fi
	echo "ok   each of the $n commits builds (W=1 CLIPPY=1, rustfmtcheck) without new warnings"
}

check() {
	local fails=0 part
	(pristine && branch >/dev/null) || { echo "series-check: FAILED (the branches could not be made)"; exit 1; }
	for part in apply stale checkpatch builds; do
		if [ "$part" = builds ] && [ "${SERIES_SKIP_BUILDS:-0}" = 1 ]; then
			echo "skip the per-commit builds (SERIES_SKIP_BUILDS=1)"
			continue
		fi
		# In a subshell: a check that dies (die) is one failure, and the others still run.
		("check_$part") || fails=$((fails + 1))
	done
	local note=""
	[ "${SERIES_DRY_RUN:-0}" != 1 ] || note="; builds not run: SERIES_DRY_RUN=1"
	[ "${SERIES_SKIP_BUILDS:-0}" != 1 ] || note="; builds skipped: SERIES_SKIP_BUILDS=1"
	if [ $fails = 0 ]; then
		echo "series-check: ok ($(sgit rev-list --count pristine..nova-lite) patches$note)"
	else
		echo "series-check: FAILED ($fails of the checks above)"
		exit 1
	fi
}

case ${1:-} in
branch) lock_series; branch ;;
refresh) lock_series; refresh ;;
export) lock_series; export_cmd "${2:-}" ;;
check) lock_series; check ;;
*) die "usage: ci/series.sh branch | refresh | export \"Name <email>\" | check" ;;
esac
