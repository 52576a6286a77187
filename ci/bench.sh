#!/usr/bin/env bash
# `make bench`: nova-lite against the C drivers on the same work, in one boot of the release
# kernel with two virtio-gpu devices: the first goes to nova-lite, the second stays with the C
# virtio_gpu driver; vgem is loaded too. The guest runs tests/nova_lite_bench.c
# (ci/guest/bench.sh); its table is printed, its results are kept in out/bench/results.json and
# drawn in out/bench/bench.png (tools/bench_chart.py). The guest has 8 GiB: a million live GEM
# objects of either driver take about 2 GiB of kernel memory (see README).
# Then the guest runs IGT's kms subtests of tests/igt/test-list.txt and those whose verdict depends
# on the machine's speed (tests/igt/bench-kms-timing.txt) against each driver
# (out/bench/igt-kms-DRIVER/results.json); the host prints both results subtest by subtest
# (kept in out/bench/igt-kms.txt) and judges them (kms_compare). Last, weston on each driver:
# screenshots of its desktop and a client's window (judged as in `make check`), and the time from
# its launch to the client's first presented frame (out/bench/weston.txt).
# Benchmarks report: their ratios never fail a run. The exit status is non-zero if the run itself
# failed, if weston's screenshots or runs fail on a driver, or if virtio_gpu passes a kms subtest
# that nova-lite does not and tests/igt/bench-kms-exceptions.txt does not say why.
# NOVA_LITE_BENCH_ONLY=PAIR,... runs only those pairs (no scaling runs, no results, no chart, no
# IGT).
. "$(dirname "$0")/lib.sh"

# kms_compare DIR: IGT's kms subtests against both drivers (ci/guest/bench.sh's two igt_runner
# runs, DIR/igt-kms-DRIVER/results.json): one line per subtest as IGT reports them (a dynamic
# subtest on a line of its own, after its parent), each driver's totals, then the verdict. Fails
# if a run is missing, did not finish, has no result for a line of the list or opened a node of
# another driver, or if virtio_gpu passes a subtest that nova-lite does not pass and
# tests/igt/bench-kms-exceptions.txt does not give the reason.
# kms_results JSON: "name<TAB>result" for each result of a run, a dynamic subtest named by its
# pipe alone: the connector in its name differs between the two devices (pipe-a-virtual-1 or
# a-virtual1 on one, pipe-a-virtual-2 or a-virtual2 on the other), the pipe does not.
kms_results() {
	jq -r '.tests // {} | to_entries[] | [(.key | sub("-virtual-?[0-9]+$"; "")), .value.result] | @tsv' \
		"$1" 2>/dev/null
}

kms_compare() {
	local dir=$1 d json status node bad=0
	local -A secs=()
	if [ ! -s "$dir/igt-kms-list.txt" ]; then
		echo "error: IGT did not run (no ${dir#"$REPO"/}/igt-kms-list.txt)"
		echo "verdict: FAILED: no comparison"
		return 1
	fi
	for d in nova-lite virtio_gpu; do
		json=$dir/igt-kms-$d/results.json
		# A runner that stopped early (overall timeout, abort) or never started is a failure.
		status=$(cat "$dir/igt-kms-$d/runner-exit" 2>/dev/null || echo "not recorded")
		if [ "$status" != 0 ]; then
			echo "error: igt_runner on $d did not finish: exit status $status" \
				"(${dir#"$REPO"/}/igt-kms-$d/runner.log)"
			bad=1
		fi
		if ! jq -e '.tests | type == "object"' "$json" >/dev/null 2>&1; then
			echo "error: igt_runner on $d wrote no results (${json#"$REPO"/})"
			bad=1
			continue
		fi
		secs[$d]=$(jq '.time_elapsed.end - .time_elapsed.start | floor' "$json" 2>/dev/null || echo '?')
		# IGT_FORCE_DRIVER chose the card: every node IGT opened must be that driver's.
		node=$(jq -r '[.tests[].out // "" | scan("Opened device: (\\S+)")[]] | unique | .[]' "$json")
		[ -n "$node" ] || { echo "error: the run on $d logged no opened device"; bad=1; }
		for node in $node; do
			grep -Eq "^$d( .*)? $node( |\$)" "$dir/igt-kms-nodes.txt" 2>/dev/null ||
				{ echo "error: the run on $d opened $node, which is not $d's" \
					"($(grep "^$d " "$dir/igt-kms-nodes.txt" 2>/dev/null || echo 'none recorded'))"; bad=1; }
		done
	done
	# Results are IGT's (pass, skip, fail, warn, dmesg-warn, crash, timeout, incomplete, notrun,
	# abort); "-" where a run has no result for a subtest.
	awk -v bad=$bad -v secs1="${secs[nova-lite]:-?}" -v secs2="${secs[virtio_gpu]:-?}" '
		# entry_of(NAME): the line of the list NAME belongs to (itself, its parent for a
		# dynamic subtest, or its binary), "" if none.
		function entry_of(name) {
			while (!(name in rank)) if (!sub(/@[^@]*$/, "", name)) return ""
			return name
		}
		# reason_for(NAME): the exception for NAME or for its parent, "" if none.
		function reason_for(name) {
			while (!(name in why)) if (!sub(/@[^@]*$/, "", name)) return ""
			used[name] = 1
			return why[name]
		}
		# totals(COUNT): "N pass, N skip, ..." in a fixed order.
		function totals(count,   order, k, i, s) {
			k = split("pass skip fail warn dmesg-warn dmesg-fail crash timeout incomplete notrun abort -", order)
			for (i = 1; i <= k; i++) if (order[i] in count)
				s = s ", " count[order[i]] " " (order[i] == "-" ? "without a result" : order[i])
			return substr(s, 3)
		}
		# some(LIST, N): the first ten names of LIST (N of them in all).
		function some(list, n) { return list (n > 10 ? " ... (" n " in all)" : "") }
		part == "list" { if (!/^(#|$)/) { rank[$1] = ++nlist; entry[nlist] = $1 }; next }
		part == "exceptions" {
			if (/^[[:space:]]*(#|$)/) next
			reason = $0; sub(/^[[:space:]]*[^[:space:]]+[[:space:]]*/, "", reason)
			if (reason == "") { print "error: tests/igt/bench-kms-exceptions.txt: " $1 " has no reason"; bad = 1 }
			why[$1] = reason; next
		}
		part == "skips" {
			if (/^[[:space:]]*(#|$)/) next
			reason = $0; sub(/^[[:space:]]*[^[:space:]]+[[:space:]]*/, "", reason)
			skip[$1] = reason; next
		}
		part == "nova-lite" { r1[$1] = $2; names[$1]; next }
		part == "virtio_gpu" { r2[$1] = $2; names[$1]; next }
		END {
			for (name in names) { e = entry_of(name); if (name in r1) has1[e]; if (name in r2) has2[e] }
			# A line of the list without a result in a run: its binary stopped early.
			for (i = 1; i <= nlist; i++) if (!(entry[i] in has1) || !(entry[i] in has2 || entry[i] in skip)) {
				names[entry[i]]; bad = 1
				if (++missing <= 10) missed = missed " " substr(entry[i], 5)
			}
			# The rows in the order of the list (insertion sort), a dynamic subtest after its parent.
			n = 0; w = length("subtest")
			for (name in names) {
				e = entry_of(name)
				key = sprintf("%06d %s", e == "" ? 999999 : rank[e], name)
				for (i = ++n; i > 1 && keys[i - 1] > key; i--) { keys[i] = keys[i - 1]; row[i] = row[i - 1] }
				keys[i] = key; row[i] = name
				if (length(name) - 4 > w) w = length(name) - 4
			}
			fmt = "%-" w "s  %-10s  %-10s  %s"
			line = sprintf(fmt, "subtest", "nova-lite", "virtio_gpu", ""); sub(/ +$/, "", line); print line
			for (i = 1; i <= n; i++) {
				name = row[i]; note = ""
				a = (name in r1) ? r1[name] : "-"; b = (name in r2) ? r2[name] : "-"
				if (b == "-" && entry_of(name) in skip) { b = "not run"; note = "not run on virtio_gpu: " skip[entry_of(name)] }
				count1[a]++; count2[b]++
				# A run that broke (a binary that crashed, hung or aborted the runner, the
				# subtests it then did not run) or a result outside the list compares nothing.
				if (a b ~ /incomplete|timeout|notrun|abort|crash/ || entry_of(name) == "") {
					bad = 1
					if (++broken <= 10) brk = brk " " substr(name, 5) " (" a ", " b ")"
				}
				if (b == "pass") pass2++
				if (b == "pass" && a != "pass") {
					reason = reason_for(name)
					if (reason != "") { note = "exception: " reason; excepted++ }
					else {
						note = "<- unexplained"
						if (++unexplained <= 10) list = list " " substr(name, 5)
					}
				} else if (a == "pass" && b != "pass") only1++
				line = sprintf(fmt, substr(name, 5), a, b, note); sub(/ +$/, "", line); print line
			}
			printf "nova-lite:  %s (%s s)\nvirtio_gpu: %s (%s s)\n", totals(count1), secs1, totals(count2), secs2
			printf "nova-lite passes %d subtests that virtio_gpu does not pass\n", only1
			for (e in why) if (!(e in used)) stale = stale " " e
			if (stale != "") print "exceptions not needed in this run:" stale
			if (missing) print "error: lines of the list without a result in a run:" some(missed, missing)
			if (broken) print "error: results of a broken run, or outside the list:" some(brk, broken)
			# A reference that passes nothing did not run: nothing would be compared.
			if (!pass2) { print "error: virtio_gpu passes no subtest"; bad = 1 }
			if (unexplained)
				printf "verdict: FAILED: virtio_gpu passes %d subtests that nova-lite does not, with no reason in tests/igt/bench-kms-exceptions.txt:%s\n", unexplained, some(list, unexplained)
			else if (bad)
				print "verdict: FAILED: the comparison is incomplete (errors above)"
			else if (excepted)
				printf "verdict: ok: nova-lite passes %d of the %d subtests virtio_gpu passes; the other %d are exceptions, with their reasons above\n", pass2 - excepted, pass2, excepted
			else
				printf "verdict: ok: nova-lite passes all %d subtests virtio_gpu passes\n", pass2
			exit (bad || unexplained)
		}' part=list "$dir/igt-kms-list.txt" part=exceptions "$REPO/tests/igt/bench-kms-exceptions.txt" \
		part=skips "$REPO/tests/igt/bench-kms-reference-skips.txt" \
		part=nova-lite <(kms_results "$dir/igt-kms-nova-lite/results.json") \
		part=virtio_gpu <(kms_results "$dir/igt-kms-virtio_gpu/results.json") || bad=1
	return $bad
}

only=${NOVA_LITE_BENCH_ONLY:-}
[[ $only =~ ^[a-z0-9,-]*$ ]] || die "NOVA_LITE_BENCH_ONLY: pair names separated by commas, not '$only'"
prepare release
# A run of some pairs keeps the last full run's results, chart and IGT results.
[ -n "$only" ] || rm -rf "$OUT/bench"
mkdir -p "$OUT/bench"
# The boot's failure is reported after what it left (the chart, the kms comparison).
status=0
# The two GPUs at fixed PCI slots: QEMU's `gpu` (00:10.0) for nova-lite, `gpu2` (00:11.0) for
# virtio_gpu. The guest binds them by slot (ci/guest/bench.sh) and the screenshots name QEMU's
# device: an order left to QEMU put gpu2 first (the extra options come first on its command line),
# and the screenshots of each driver showed the other's GPU.
NOVA_LITE_VM_NAME=bench NOVA_LITE_VM_MEMORY=8G NOVA_LITE_VM_TIMEOUT=1800 \
	NOVA_LITE_GPU_OPTS=max_outputs=1,addr=0x10 \
	NOVA_LITE_QEMU_EXTRA="-device virtio-gpu-pci,id=gpu2,max_outputs=1,addr=0x11" NOVA_LITE_SCREEN=1 \
	"$REPO/ci/vm.sh" release ci/guest/bench.sh ${only:+--only "$only"} || status=$?
[ -z "$only" ] || exit $status
if [ -s "$OUT/bench/results.json" ]; then
	step "drawing the chart"
	/usr/bin/python3 "$REPO/tools/bench_chart.py" "$OUT/bench/results.json" "$OUT/bench/bench.png"
	echo "results: $OUT/bench/results.json, chart: $OUT/bench/bench.png"
fi
# A boot that failed before IGT has no comparison to show.
[ $status = 0 ] || [ -e "$OUT/bench/igt-kms-list.txt" ] || die "the bench boot failed (exit status $status)"
# weston on each driver (ci/guest/bench.sh): the screenshots judged as in `make check`, and the
# time from weston's launch to a client's first presented frame, the median of each driver's runs
# and their ratio (reported, not judged).
step "weston: nova-lite against virtio_gpu"
weston=0
for d in nova-lite virtio_gpu; do
	for kind in desktop client; do
		if out=$(screen_check "weston-$kind" "bench-weston-$d-$kind" 2>&1); then
			echo "ok: $d: weston's $kind screenshot"
		else
			echo "FAILED: $d: weston's $kind screenshot: $out"; weston=1
		fi
	done
	[ "$(cat "$OUT/bench/weston-$d-exit" 2>/dev/null)" = 0 ] ||
		{ echo "FAILED: $d: weston's run (see the console)"; weston=1; }
done
python3 - "$OUT/bench" <<'PY' | tee "$OUT/bench/weston.txt" || weston=1
import statistics, sys
runs = {}
for d in ("nova-lite", "virtio_gpu"):
    try:
        with open(f"{sys.argv[1]}/weston-first-frame-{d}.txt") as f:
            runs[d] = [float(v) for v in f.read().split()]
    except (OSError, ValueError):
        runs[d] = []
for d, v in runs.items():
    print(f"weston's first frame on {d}: " + (f"median {statistics.median(v):.0f} ms of {len(v)} "
          f"runs ({', '.join(f'{x:.0f}' for x in v)})" if v else "not measured"))
if not all(runs.values()):
    sys.exit(1)
print(f"ratio nova-lite / virtio_gpu: "
      f"{statistics.median(runs['nova-lite']) / statistics.median(runs['virtio_gpu']):.2f}")
PY
step "IGT kms subtests: nova-lite against virtio_gpu"
kms=0
kms_compare "$OUT/bench" | tee "$OUT/bench/igt-kms.txt" || kms=$?
[ $status = 0 ] || die "the bench boot failed (exit status $status)"
[ $kms = 0 ] || die "IGT kms: nova-lite does not pass what virtio_gpu passes, or a run is missing (see above; out/bench/igt-kms.txt)"
[ $weston = 0 ] || die "weston: a screenshot or a run failed on a driver (see above; out/bench/weston.txt)"
echo "IGT kms: out/bench/igt-kms.txt; each run's results in out/bench/igt-kms-nova-lite/ and out/bench/igt-kms-virtio_gpu/"
