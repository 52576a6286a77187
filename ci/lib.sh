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

export LIBCLANG_PATH=/usr/lib/llvm-$LLVM_VERSION/lib
# rustup's toolchain lives in ~/.cargo/bin, which a non-login environment (CI) may not have.
export PATH=$CACHE/tools/bin:$CACHE/venv/bin:$HOME/.cargo/bin:$PATH

# step "message": a visible progress line with the elapsed time of the current script.
step() { printf '\n==> [%3ds] %s\n' "$SECONDS" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

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

# driver_source_hash: the content hash of what the driver is compiled from (its Rust sources and
# the uAPI header), as ci/kernel.sh records it for a build that compiled the driver.
driver_source_hash() {
	(cd "$REPO" && find nova-lite -name '*.rs' | LC_ALL=C sort | xargs cat uapi/drm/nova_lite_drm.h) |
		sha256sum | cut -c1-16
}
