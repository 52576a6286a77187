#!/usr/bin/env bash
# Turns one igt_runner run's results.json into result lines, one per subtest:
# pass -> ok, skip -> skip, anything else (fail, dmesg-warn, crash, timeout, incomplete, missing)
# -> not ok.
#   ci/igt-results.sh [RESULTS LIST]   (default: out/igt and tests/igt/test-list.txt; LIST is
#                                      relative to the repo or absolute)
. "$(dirname "$0")/lib.sh"

dir=${1:-igt} list=${2:-tests/igt/test-list.txt}
[[ $list == /* ]] || list=$REPO/$list
json=$OUT/$dir/results.json
if [ ! -f "$json" ]; then
	echo "not ok igt: $dir/results.json written: no out/$dir/results.json"
	exit 0
fi
declare -A seen=()
while read -r name result; do
	seen[$name]=1
	case $result in
	pass) echo "ok $name" ;;
	skip) echo "skip $name: skipped by the test" ;;
	*) echo "not ok $name: $result (out/$dir/)" ;;
	esac
done < <(jq -r '.tests | to_entries[] | "\(.key) \(.value.result)"' "$json" | sort)
# Every whole-binary or single-subtest entry of the list must have produced a result.
while read -r entry; do
	found=0
	for name in "${!seen[@]}"; do [[ $name == "$entry" || $name == "$entry@"* ]] && found=1; done
	[ $found = 1 ] || echo "not ok $entry: no result in results.json"
done < <(grep -Ev '^(#|$)' "$list")
