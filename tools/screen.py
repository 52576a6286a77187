#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""screen.py: grab and check what QEMU's display shows (standard library only).

  screen.py qmp SOCKET screendump FILE [png|ppm]
      Asks QEMU, through its QMP unix socket, to write the display to FILE
      (a path on QEMU's side; made absolute here, QEMU runs on this host).
  screen.py compare FILE.ppm SEED [--width W --height H]
      Compares a binary PPM with the test pattern of SEED, the one that
      `nova-lite-info --draw SEED` draws. Exit 0 only if every pixel matches.
  screen.py differ A.ppm B.ppm
      Exit 0 if the two images differ in at least one pixel, 1 if identical.
  screen.py png FILE.ppm OUT.png
      Converts a binary PPM to PNG (for a QEMU that cannot write PNG).
  screen.py selftest [VECTOR]
      Checks the pattern compare uses against the test vector VECTOR
      (default tests/screen-pattern-vector.txt): "x y seed r g b" lines,
      which `nova-lite-info --pattern-vector-check` checks against the C
      pattern. Exit 0 only if every pixel of the vector matches.

The pattern, pixel (x, y) of seed s, each result & 0xff:
  r = x + 3*y + 37*s
  g = (x >> 2) ^ (y >> 2) ^ (13*s)
  b = 255 - ((x + y) & 0xff) + 71*s

Exit status 2 on bad usage, unreadable files (or vector lines) or QMP errors.
"""

import argparse
import json
import os
import pathlib
import socket
import struct
import sys
import zlib

QMP_TIMEOUT = 60.0
SHOW_DIFFS = 5
VECTOR = pathlib.Path(__file__).resolve().parent.parent / "tests" / "screen-pattern-vector.txt"


class Error(Exception):
    pass


# --- QMP -------------------------------------------------------------------

class Qmp:
    def __init__(self, path, timeout=QMP_TIMEOUT):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.timeout = timeout
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except OSError as e:
            raise Error(f"cannot connect to QMP socket {path}: {e}") from e
        self.file = self.sock.makefile("rb")
        self.next_id = 1
        greeting = self._read()
        if "QMP" not in greeting:
            raise Error(f"not a QMP greeting: {greeting}")

    def _read(self):
        try:
            line = self.file.readline()
        except socket.timeout as e:
            raise Error(f"QMP: no answer within {self.timeout:g} s") from e
        if not line:
            raise Error("QMP: QEMU closed the socket")
        try:
            return json.loads(line)
        except ValueError as e:
            raise Error(f"QMP: not JSON: {line!r}") from e

    def execute(self, command, arguments=None):
        """Sends a command and returns its "return", skipping events."""
        msg_id = self.next_id
        self.next_id += 1
        msg = {"execute": command, "id": msg_id}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                continue
            if reply.get("id") not in (None, msg_id):
                continue
            if "error" in reply:
                err = reply["error"]
                raise Error(f"QMP {command}: {err.get('class', 'Error')}: "
                            f"{err.get('desc', err)}")
            if "return" in reply:
                return reply["return"]
            raise Error(f"QMP {command}: unexpected answer {reply}")

    def close(self):
        self.file.close()
        self.sock.close()


def cmd_qmp(args):
    if args.command != "screendump":
        raise Error(f"unknown QMP command '{args.command}' (only screendump)")
    qmp = Qmp(args.socket)
    try:
        qmp.execute("qmp_capabilities")
        arguments = {"filename": os.path.abspath(args.file)}
        if args.format:
            arguments["format"] = args.format
        qmp.execute("screendump", arguments)
    finally:
        qmp.close()
    print(f"screendump written to {arguments['filename']}")
    return 0


# --- PPM -------------------------------------------------------------------

def read_ppm(path):
    """Returns (width, height, RGB bytes) of a binary PPM (P6, maxval 255)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise Error(f"cannot read {path}: {e}") from e
    pos = 0
    fields = []
    # Magic, width, height, maxval: separated by whitespace, with # comments
    # up to the end of a line; then exactly one whitespace byte before pixels.
    while len(fields) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            end = data.find(b"\n", pos)
            if end < 0:
                break
            pos = end + 1
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace() \
                and data[pos:pos + 1] != b"#":
            pos += 1
        if start == pos:
            break
        fields.append(data[start:pos])
    if len(fields) < 4 or fields[0] != b"P6":
        raise Error(f"{path}: not a binary PPM (P6)")
    try:
        width, height, maxval = (int(v) for v in fields[1:])
    except ValueError as e:
        raise Error(f"{path}: bad PPM header {fields}") from e
    if maxval != 255:
        raise Error(f"{path}: maxval {maxval}, only 255 is supported")
    if width <= 0 or height <= 0:
        raise Error(f"{path}: empty image {width}x{height}")
    pos += 1  # the single whitespace byte after maxval
    size = width * height * 3
    if len(data) - pos < size:
        raise Error(f"{path}: truncated: {len(data) - pos} bytes of pixels, "
                    f"{size} needed for {width}x{height}")
    return width, height, data[pos:pos + size]


# --- the pattern -----------------------------------------------------------

class Pattern:
    """Builds the expected RGB rows of a seed with byte slicing, not per pixel.

    Pixel (x, y) of seed s is, each channel modulo 256: red x + 3y + 37s,
    green (x >> 2) ^ (y >> 2) ^ 13s, blue 255 - (x + y) + 71s.
    """

    def __init__(self, width, seed):
        self.width = width
        self.seed = seed
        reps = width // 256 + 3
        # asc[i] = i & 0xff and desc[i] = -i & 0xff: any run of width bytes
        # starting at 0..255 is a slice.
        self.asc = bytes(range(256)) * reps
        self.desc = bytes((-i) & 0xff for i in range(256)) * reps
        self.g_x = bytes((x >> 2) & 0xff for x in range(width))
        self.xor = {}

    def row(self, y):
        w, s = self.width, self.seed
        # r[x] = (x + c) & 0xff
        c = (3 * y + 37 * s) & 0xff
        r = self.asc[c:c + w]
        # g[x] = (x >> 2) ^ k, by a translation table
        k = ((y >> 2) ^ (13 * s)) & 0xff
        table = self.xor.get(k)
        if table is None:
            table = self.xor[k] = bytes(i ^ k for i in range(256))
        g = self.g_x.translate(table)
        # b[x] = (K - x) & 0xff = desc[x - K + 256]
        K = (255 - y + 71 * s) & 0xff
        b = self.desc[256 - K:256 - K + w]
        row = bytearray(3 * w)
        row[0::3] = r
        row[1::3] = g
        row[2::3] = b
        return row


def cmd_compare(args):
    width, height, pixels = read_ppm(args.file)
    if (args.width is not None and args.width != width) or \
            (args.height is not None and args.height != height):
        print(f"size {width}x{height}, expected "
              f"{args.width if args.width is not None else width}x"
              f"{args.height if args.height is not None else height}")
        return 1
    pattern = Pattern(width, args.seed)
    stride = 3 * width
    ndiff = 0
    shown = []
    for y in range(height):
        actual = pixels[y * stride:(y + 1) * stride]
        expected = pattern.row(y)
        if actual == expected:
            continue
        for x in range(width):
            a = actual[3 * x:3 * x + 3]
            e = expected[3 * x:3 * x + 3]
            if a != e:
                ndiff += 1
                if len(shown) < SHOW_DIFFS:
                    shown.append((x, y, tuple(e), tuple(a)))
    print(f"{ndiff} of {width * height} pixels differ")
    for x, y, e, a in shown:
        print(f"  pixel ({x}, {y}): expected rgb{e} actual rgb{a}")
    return 0 if ndiff == 0 else 1


def read_vector(path):
    """Returns the (line, x, y, seed, (r, g, b)) of a test vector file."""
    try:
        with open(path, encoding="ascii") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise Error(f"cannot read {path}: {e}") from e
    points = []
    for number, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        try:
            values = [int(v, 0) for v in fields]
        except ValueError:
            values = []
        if len(values) != 6 or min(values) < 0 or max(values[:3]) > 0xffffffff \
                or max(values[3:]) > 255:
            raise Error(f"{path}:{number}: not \"x y seed r g b\": {line!r}")
        points.append((number, *values[:3], tuple(values[3:])))
    if not points:
        raise Error(f"{path}: no pixel to check")
    return points


def cmd_selftest(args):
    """Each pixel of the vector, from Pattern rows as compare builds them: one
    just wide enough for the pixel and one of a 4096-pixel wide screen."""
    points = read_vector(args.vector)
    patterns = {}
    ndiff = 0
    for number, x, y, seed, rgb in points:
        differs = False
        for width in sorted({x + 1, max(x + 1, 4096)}):
            key = (width, seed)
            if key not in patterns:
                patterns[key] = Pattern(width, seed)
            got = tuple(patterns[key].row(y)[3 * x:3 * x + 3])
            if got != rgb:
                differs = True
                print(f"{args.vector}:{number}: pixel ({x}, {y}) of seed {seed}, "
                      f"width {width}: vector rgb{rgb} screen.py rgb{got}")
        ndiff += differs
    print(f"{ndiff} of {len(points)} pattern vector pixels differ")
    return 0 if ndiff == 0 else 1


def cmd_differ(args):
    wa, ha, a = read_ppm(args.a)
    wb, hb, b = read_ppm(args.b)
    if (wa, ha) != (wb, hb):
        print(f"images differ: {wa}x{ha} vs {wb}x{hb}")
        return 0
    ndiff = 0
    if a != b:
        stride = 3 * wa
        for y in range(ha):
            ra = a[y * stride:(y + 1) * stride]
            rb = b[y * stride:(y + 1) * stride]
            if ra == rb:
                continue
            for x in range(0, stride, 3):
                if ra[x:x + 3] != rb[x:x + 3]:
                    ndiff += 1
    print(f"{ndiff} of {wa * ha} pixels differ")
    return 0 if ndiff else 1


# --- PNG -------------------------------------------------------------------

def png_chunk(kind, body):
    return (struct.pack(">I", len(body)) + kind + body +
            struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))


def cmd_png(args):
    width, height, pixels = read_ppm(args.file)
    stride = 3 * width
    raw = bytearray()
    for y in range(height):
        raw += b"\0"  # filter type 0 (None) for every row
        raw += pixels[y * stride:(y + 1) * stride]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    png = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
           png_chunk(b"IDAT", zlib.compress(bytes(raw), 6)) +
           png_chunk(b"IEND", b""))
    try:
        with open(args.out, "wb") as f:
            f.write(png)
    except OSError as e:
        raise Error(f"cannot write {args.out}: {e}") from e
    print(f"{args.out}: {width}x{height} PNG")
    return 0


def seed_arg(text):
    value = int(text, 0)
    if value < 0:
        raise argparse.ArgumentTypeError("the seed is unsigned")
    return value


def main(argv):
    parser = argparse.ArgumentParser(
        prog="screen.py", description=__doc__.split("\n")[0],
        epilog=__doc__.split("\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("qmp", help="run a QMP command (screendump)")
    p.add_argument("socket")
    p.add_argument("command", choices=["screendump"])
    p.add_argument("file")
    p.add_argument("format", nargs="?", choices=["png", "ppm"])
    p.set_defaults(func=cmd_qmp)

    p = sub.add_parser("compare", help="compare a PPM with the pattern of a seed")
    p.add_argument("file")
    p.add_argument("seed", type=seed_arg)
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("differ", help="exit 0 if two PPMs differ")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(func=cmd_differ)

    p = sub.add_parser("selftest", help="check the pattern against the test vector")
    p.add_argument("vector", nargs="?", default=str(VECTOR))
    p.set_defaults(func=cmd_selftest)

    p = sub.add_parser("png", help="convert a PPM to PNG")
    p.add_argument("file")
    p.add_argument("out")
    p.set_defaults(func=cmd_png)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Error as e:
        print(f"screen.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
