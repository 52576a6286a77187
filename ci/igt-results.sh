#!/usr/bin/env bash
# Turns one boot's igt_runner results (out/DIR/<run>/results.json, a run per list and
# nova_lite_unplug's apart, see ci/guest/check.sh) into result lines, one per subtest, prefixed
# with "BOOT: " if BOOT is given: pass -> ok; skip -> skip if tests/igt/expected-skips.txt lists
# it (with its reason), else not ok with the reason the test gave; anything else (fail,
# dmesg-warn, crash, timeout, incomplete, abort) -> not ok.
#   ci/igt-results.sh DIR LIST [BOOT]   (LIST relative to the repo or absolute)
. "$(dirname "$0")/lib.sh"

dir=$1 list=$2 boot=${3:-}
[[ $list == /* ]] || list=$REPO/$list
pfx=${boot:+$boot: }
expected=$REPO/tests/igt/expected-skips.txt

# expected_skip NAME: the reason tests/igt/expected-skips.txt gives for a skip of NAME in this
# boot (lines "[BOOT:]igt@binary@subtest  reason"), or nothing.
expected_skip() {
	awk -v n="$1" -v b="$boot" '!/^(#|$)/ {
		split($1, e, ":"); name = (2 in e) ? e[2] : e[1]; eb = (2 in e) ? e[1] : ""
		if (name == n && (eb == "" || eb == b)) { $1 = ""; print substr($0, 2); exit }
	}' "$expected"
}

shopt -s nullglob
jsons=("$OUT/$dir"/*/results.json)
if [ ${#jsons[@]} = 0 ]; then
	echo "not ok ${pfx}igt: results written: no out/$dir/*/results.json"
	exit 0
fi
declare -A seen=()
while IFS=$'\t' read -r name result why; do
	seen[$name]=1
	case $result in
	pass) echo "ok $pfx$name" ;;
	skip)
		reason=$(expected_skip "$name")
		if [ -n "$reason" ]; then echo "skip $pfx$name: expected: $reason"
		else echo "not ok $pfx$name: skipped, not in tests/igt/expected-skips.txt: ${why:-no reason given}"; fi ;;
	*) echo "not ok $pfx$name: $result (out/$dir/)" ;;
	esac
done < <(jq -r '.tests | to_entries[] | [.key, .value.result,
	((.value.out + "\n" + .value.err) | split("\n") | map(select(test("Test requirement|[Ss]kip"))) |
	 map(select(test("^Subtest .*: SKIP") | not)) | join(" / "))] | @tsv' "${jsons[@]}" | sort)
# Every whole-binary or single-subtest entry of the list must have produced a result.
while read -r entry; do
	found=0
	for name in "${!seen[@]}"; do [[ $name == "$entry" || $name == "$entry@"* ]] && found=1; done
	[ $found = 1 ] || echo "not ok $pfx$entry: no result in results.json"
done < <(grep -Ev '^(#|$)' "$list")
