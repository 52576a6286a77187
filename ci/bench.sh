#!/usr/bin/env bash
# `make bench`: nova-lite against the C drivers on the same work, in one boot of the release
# kernel with two virtio-gpu devices: the first goes to nova-lite, the second stays with the C
# virtio_gpu driver; vgem is loaded too. The guest runs tests/nova_lite_bench.c
# (ci/guest/bench.sh); its table is printed, its results are kept in out/bench/results.json and
# drawn in out/bench/bench.png (tools/bench_chart.py). The guest has 8 GiB: a million live GEM
# objects of either driver take about 2 GiB of kernel memory (see README).
# Benchmarks report: the exit status is non-zero only if the run itself failed.
# NOVA_LITE_BENCH_ONLY=PAIR,... runs only those pairs (no scaling runs, no results, no chart).
. "$(dirname "$0")/lib.sh"

only=${NOVA_LITE_BENCH_ONLY:-}
[[ $only =~ ^[a-z0-9,-]*$ ]] || die "NOVA_LITE_BENCH_ONLY: pair names separated by commas, not '$only'"
prepare release
# A run of some pairs keeps the last full run's results and chart.
[ -n "$only" ] || rm -rf "$OUT/bench"
mkdir -p "$OUT/bench"
NOVA_LITE_VM_NAME=bench NOVA_LITE_VM_MEMORY=8G NOVA_LITE_VM_TIMEOUT=1800 NOVA_LITE_GPU_OPTS=max_outputs=1 \
	NOVA_LITE_QEMU_EXTRA="-device virtio-gpu-pci,max_outputs=1" \
	"$REPO/ci/vm.sh" release ci/guest/bench.sh ${only:+--only "$only"}
[ -z "$only" ] || exit 0
step "drawing the chart"
/usr/bin/python3 "$REPO/tools/bench_chart.py" "$OUT/bench/results.json" "$OUT/bench/bench.png"
echo "results: $OUT/bench/results.json, chart: $OUT/bench/bench.png"
