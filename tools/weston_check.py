#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judges screenshots of weston's desktop (tests/weston/weston.ini) on a head.

  weston_check.py desktop PPM [--width W --height H]
      the panel at the top (its colour right of the default launcher), every pixel below it
      the background colour
  weston_check.py client PPM [--width W --height H]
      the panel as above, and below it wl_pattern's maximized window: every pixel of the
      pattern at the size of the area below the panel
  weston_check.py pattern-check WL_PATTERN
      wl_pattern --print-pattern agrees with this file's pattern (no screenshot)

Exit status 0 if the check passes, 1 with the reason on stdout otherwise.
"""

import argparse
import subprocess
import sys

from screen import Error, read_ppm

BACKGROUND = (0x33, 0x66, 0x99)  # background-color=0xff336699
PANEL = (0x99, 0x33, 0x66)       # panel-color=0xff993366
# The panel's height is weston's business: it is found, within these bounds.
PANEL_MIN, PANEL_MAX = 16, 64
# The default launcher's icon is drawn at the panel's left end: the panel is checked right of it.
LAUNCHER_WIDTH = 64


def pattern(x, y, width, height):
    """wl_pattern's pixel (x, y) of a width x height buffer (tests/weston/wl_pattern.c): a
    4-pixel border 0xff00ff, else quadrants red, green (top), blue, white (bottom)."""
    if x < 4 or y < 4 or x >= width - 4 or y >= height - 4:
        return (0xFF, 0x00, 0xFF)
    left, top = x < width // 2, y < height // 2
    if top:
        return (0xFF, 0, 0) if left else (0, 0xFF, 0)
    return (0, 0, 0xFF) if left else (0xFF, 0xFF, 0xFF)


def pixel(pixels, width, x, y):
    i = 3 * (y * width + x)
    return tuple(pixels[i:i + 3])


def panel_height(pixels, width, height):
    """The number of rows at the top whose part right of the launcher is the panel's colour."""
    row = bytes(PANEL) * (width - LAUNCHER_WIDTH)
    stride = 3 * width
    p = 0
    while p < height and pixels[p * stride + 3 * LAUNCHER_WIDTH:(p + 1) * stride] == row:
        p += 1
    return p


def check_rows(pixels, width, rows, want):
    """The first pixel of rows `rows` that is not want(x, y), as a message, or None."""
    bad = 0
    first = None
    for y in rows:
        for x in range(width):
            got = pixel(pixels, width, x, y)
            if got != want(x, y):
                bad += 1
                first = first or (x, y, got, want(x, y))
    if not bad:
        return None
    x, y, got, w = first
    return f"{bad} pixels differ; first ({x},{y}): rgb{got}, expected rgb{w}"


def judge(kind, path, size):
    width, height, pixels = read_ppm(path)
    if size and (width, height) != size:
        return f"size {width}x{height}, expected {size[0]}x{size[1]}"
    p = panel_height(pixels, width, height)
    if not PANEL_MIN <= p <= PANEL_MAX:
        return (f"no panel of {PANEL_MIN} to {PANEL_MAX} rows in rgb{PANEL} at the top "
                f"(x from {LAUNCHER_WIDTH}): {p} rows; pixel (100,0) is "
                f"rgb{pixel(pixels, width, 100, 0)}")
    if kind == "desktop":
        why = check_rows(pixels, width, range(p, height), lambda x, y: BACKGROUND)
        return f"background below the {p}-row panel: {why}" if why else None
    h = height - p
    why = check_rows(pixels, width, range(p, height), lambda x, y: pattern(x, y - p, width, h))
    return f"window {width}x{h} below the {p}-row panel: {why}" if why else None


def pattern_check(binary):
    """Compares wl_pattern --print-pattern with pattern() at the corners, the border's edges
    and each quadrant of two sizes."""
    for w, h in ((1024, 742), (641, 481)):
        for x, y in ((0, 0), (3, 3), (4, 4), (w // 2 - 1, 10), (w // 2, 10), (10, h // 2 - 1),
                     (10, h // 2), (w - 5, h - 5), (w - 4, h - 4), (w - 1, h - 1)):
            out = subprocess.run([binary, "--print-pattern", str(w), str(h), str(x), str(y)],
                                 capture_output=True, text=True, check=False)
            r, g, b = pattern(x, y, w, h)
            want = f"0x{r:02x}{g:02x}{b:02x}"
            if out.returncode or out.stdout.strip().lower() != want:
                return (f"{w}x{h} ({x},{y}): wl_pattern printed {out.stdout.strip()!r} "
                        f"(exit {out.returncode}), this file has {want}")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("desktop", "client", "pattern-check"))
    ap.add_argument("path")
    ap.add_argument("--width", type=int)
    ap.add_argument("--height", type=int)
    args = ap.parse_args()
    try:
        if args.kind == "pattern-check":
            why = pattern_check(args.path)
        else:
            size = (args.width, args.height) if args.width and args.height else None
            why = judge(args.kind, args.path, size)
    except (Error, OSError) as e:
        why = str(e)
    if why:
        print(why)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
