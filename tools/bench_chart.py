#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Draws `make bench`'s chart from its results.

    bench_chart.py RESULTS_JSON PNG

RESULTS_JSON is what tests/nova_lite_bench.c writes with --json. The chart has four panels:
the ratio of every pair (nova-lite's median time over the reference's, with the goal where the
pair has one), and, over the number of live objects in one file, the per-operation latencies,
the kernel memory per object, and the time to close the file.

Runs with Debian's python3-matplotlib (ci/setup-host.sh installs it), so with /usr/bin/python3,
not the virtme-ng virtual environment.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def ratios(ax, pairs):
    """Bars of the measured ratios; a black tick marks each pair's goal."""
    done = [p for p in pairs if p["ratio"] is not None]
    names = [p["name"] for p in done]
    values = [p["ratio"] for p in done]
    colours = []
    for p in done:
        goal = p["goal_max_ratio"]
        colours.append("grey" if goal is None else "tab:green" if p["ratio"] <= goal else "tab:red")
    x = range(len(done))
    ax.bar(x, values, color=colours)
    for i, p in enumerate(done):
        if p["goal_max_ratio"] is not None:
            ax.plot([i - 0.4, i + 0.4], [p["goal_max_ratio"]] * 2, color="black")
        ax.text(i, p["ratio"], f"{p['ratio']:.2f}", ha="center", va="bottom", fontsize=7)
    ax.axhline(1.0, color="black", linewidth=0.5, linestyle=":")
    ax.set_xticks(list(x), names, rotation=40, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("nova-lite time / reference time")
    ax.set_title("pairs: green met, red missed, grey diagnostic; black: goal")


def curve(ax, scaling, key, label_fmt, scale=1.0):
    """One line per driver of `key` over the number of objects; absent values are skipped."""
    for driver, points in scaling.items():
        pts = [(p["objects"], p[key] * scale) for p in points if p[key] is not None]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=label_fmt.format(driver=driver))
    ax.set_xscale("log")
    ax.set_xlabel("live objects in the file")
    ax.grid(True, which="both", linewidth=0.3)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench_chart.py RESULTS_JSON PNG")
    with open(sys.argv[1]) as f:
        results = json.load(f)
    scaling = results["scaling"]

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    ratios(axes[0][0], results["pairs"])

    ax = axes[0][1]
    curve(ax, scaling, "lookup_ns", "{driver}: GEM_INFO, random handles")
    curve(ax, scaling, "lookup_hot_ns", "{driver}: GEM_INFO, one handle")
    curve(ax, scaling, "create_close_ns", "{driver}: create + close")
    ax.set_yscale("log")
    ax.set_ylabel("ns per operation")
    ax.set_title("latency with N live objects")
    ax.legend(fontsize=8)

    ax = axes[1][0]
    curve(ax, scaling, "slab_kib_per_object", "{driver}: slab")
    curve(ax, scaling, "shmem_kib_per_object", "{driver}: shmem")
    ax.set_ylabel("KiB per object")
    ax.set_title("kernel memory per object")
    ax.legend(fontsize=8)

    ax = axes[1][1]
    curve(ax, scaling, "close_file_ms", "{driver}")
    ax.set_yscale("log")
    ax.set_ylabel("ms")
    ax.set_title("closing a file holding N objects")
    ax.legend(fontsize=8)

    fig.suptitle(f"make bench: nova-lite against vgem and virtio_gpu, one boot "
                 f"({results['samples']} samples a pair)")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
