#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""screen.py: grab and check what QEMU's display shows (standard library only).

  screen.py qmp SOCKET screendump FILE [png|ppm] [--device ID [--head N]]
      Asks QEMU, through its QMP unix socket, to write the display to FILE
      (a path on QEMU's side; made absolute here, QEMU runs on this host):
      QEMU's first console, or with --device the head N (default 0) of the
      display device whose QEMU id is ID (QMP takes a head only with a device).
  screen.py compare FILE.ppm SEED [--width W --height H]
      Compares a binary PPM with the test pattern of SEED, the one that
      `nova-lite-info --draw SEED` draws. Exit 0 only if every pixel matches.
  screen.py differ A.ppm B.ppm
      Exit 0 if the two images differ in at least one pixel, 1 if identical.
  screen.py png FILE.ppm OUT.png
      Converts a binary PPM to PNG (for a QEMU that cannot write PNG).
  screen.py side-by-side LEFT.ppm RIGHT.ppm OUT.png
      Writes the two binary PPMs as one PNG, LEFT then RIGHT, the shorter
      padded below with black (`make demo`: the console, then modetest).
  screen.py smpte FILE.ppm [--width W --height H]
      Compares a binary PPM with modetest's SMPTE pattern on an XRGB8888
      buffer of the image's size (libdrm's tests/util/pattern.c,
      fill_smpte_rgb32). Exit 0 only if every pixel matches.
  screen.py fbcon FILE.ppm TEXTFILE --font FONT.c [--width W --height H]
                  [--rows N]
      Compares the first N text rows (default 2, 16 pixel lines each, the
      whole width) of a binary PPM with what fbcon shows after the first line
      of TEXTFILE was written at the top left of a cleared console, cursor
      off: 8x16 glyphs from the font array of FONT.c, the kernel's
      lib/fonts/font_8x16.c (VGA8x16), foreground (170,170,170) on black, the
      rest of the rows black. Exit 0 only if every pixel matches.
  screen.py panic FILE.ppm --font FONT.c --source DRM_PANIC.c
                  [--description TEXT] [--width W --height H]
      Compares a binary PPM with drm_panic's "user" panic screen on an
      XRGB8888 framebuffer of the image's size, as the kernel's
      drivers/gpu/drm/drm_panic.c (DRM_PANIC_SOURCE) draws it with the VGA
      8x16 font of FONT.c, the default colours (white on black) and no logo
      image (its ASCII logo): the message lines of its panic_msg[], the last
      one replaced by TEXT (default "Test from debugfs", the description of
      its debugfs trigger), centred on the screen, and the lines of its
      logo_ascii[] at the top left unless they overlap the message. Exit 0
      only if every pixel matches.
  screen.py kms-selftest FONT.c
      Checks smpte's and fbcon's references against hand-computed pixels (the
      boundaries of libdrm's formulas, glyphs of the kernel's font) and that
      each comparison fails on an image one pixel off; and that side-by-side
      puts each image, pixel for pixel, where it belongs. Exit 0 if all hold.
  screen.py selftest [VECTOR]
      Checks the pattern compare uses against the test vector VECTOR
      (default tests/screen-pattern-vector.txt): "x y seed r g b" lines,
      which `nova-lite-info --pattern-vector-check` checks against the C
      pattern. Exit 0 only if every pixel of the vector matches.

The pattern, pixel (x, y) of seed s, each result & 0xff:
  r = x + 3*y + 37*s
  g = (x >> 2) ^ (y >> 2) ^ (13*s)
  b = 255 - ((x + y) & 0xff) + 71*s

modetest's SMPTE pattern, pixel (x, y) of a W x H buffer (integer division):
  y < H*6/9: TOP[x*7/W];  y < H*7/9: MIDDLE[x*7/W];  below: x < W*5/7:
  BOTTOM[x*4/(W*5/7)], x < W*6/7: BOTTOM[(x - W*5/7)*3/(W/7) + 4], else
  BOTTOM[7] (the colours are SMPTE_TOP, SMPTE_MIDDLE and SMPTE_BOTTOM below).

Exit status 2 on bad usage, unreadable files (or vector lines) or QMP errors.
"""

import argparse
import contextlib
import io
import json
import os
import pathlib
import re
import socket
import struct
import sys
import tempfile
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
    if args.head is not None and args.device is None:
        raise Error("--head needs --device (QMP's screendump takes a head only with a device)")
    if args.device is not None and args.head is None:
        args.head = 0
    qmp = Qmp(args.socket)
    try:
        qmp.execute("qmp_capabilities")
        arguments = {"filename": os.path.abspath(args.file)}
        if args.format:
            arguments["format"] = args.format
        if args.device is not None:
            arguments["device"] = args.device
            arguments["head"] = args.head
        qmp.execute("screendump", arguments)
    finally:
        qmp.close()
    what = f" (device {args.device}, head {args.head})" if args.device is not None else ""
    print(f"screendump{what} written to {arguments['filename']}")
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
    return 0 if diff_rows(pixels, width, range(height), pattern.row) == 0 else 1


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


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_png(path, width, height, pixels):
    """Writes RGB bytes as an 8-bit RGB PNG, every row unfiltered."""
    stride = 3 * width
    raw = bytearray()
    for y in range(height):
        raw += b"\0"  # filter type 0 (None) for every row
        raw += pixels[y * stride:(y + 1) * stride]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    png = (PNG_MAGIC + png_chunk(b"IHDR", ihdr) +
           png_chunk(b"IDAT", zlib.compress(bytes(raw), 6)) +
           png_chunk(b"IEND", b""))
    try:
        with open(path, "wb") as f:
            f.write(png)
    except OSError as e:
        raise Error(f"cannot write {path}: {e}") from e
    print(f"{path}: {width}x{height} PNG")


def read_png(path):
    """Returns (width, height, RGB bytes) of a PNG as write_png writes it
    (8-bit RGB, not interlaced, every row unfiltered): the self-test's reader,
    not a general one."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise Error(f"cannot read {path}: {e}") from e
    if not data.startswith(PNG_MAGIC):
        raise Error(f"{path}: not a PNG")
    pos, ihdr, idat = len(PNG_MAGIC), None, b""
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    if ihdr is None or ihdr[2:] != (8, 2, 0, 0, 0):
        raise Error(f"{path}: not an 8-bit RGB PNG as write_png writes it")
    width, height = ihdr[:2]
    raw = zlib.decompress(idat)
    stride = 3 * width + 1
    if len(raw) != stride * height or any(raw[y * stride] for y in range(height)):
        raise Error(f"{path}: rows not as write_png writes them")
    return width, height, b"".join(raw[y * stride + 1:(y + 1) * stride] for y in range(height))


def cmd_png(args):
    width, height, pixels = read_ppm(args.file)
    write_png(args.out, width, height, pixels)
    return 0


def side_by_side(left, right):
    """Two (width, height, RGB bytes) images as one, left then right, the
    shorter one padded below with black. Returns (width, height, RGB bytes)."""
    (wl, hl, pl), (wr, hr, pr) = left, right
    height = max(hl, hr)
    pad_l, pad_r = bytes(3 * wl), bytes(3 * wr)
    out = bytearray()
    for y in range(height):
        out += pl[3 * wl * y:3 * wl * (y + 1)] if y < hl else pad_l
        out += pr[3 * wr * y:3 * wr * (y + 1)] if y < hr else pad_r
    return wl + wr, height, out


def cmd_side_by_side(args):
    width, height, pixels = side_by_side(read_ppm(args.left), read_ppm(args.right))
    write_png(args.out, width, height, pixels)
    return 0


# --- KMS clients: modetest's SMPTE pattern, fbcon's text ------------------

def write_ppm(path, width, height, pixels):
    """Writes RGB bytes as a binary PPM (P6, maxval 255)."""
    try:
        with open(path, "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (width, height) + bytes(pixels))
    except OSError as e:
        raise Error(f"cannot write {path}: {e}") from e


def size_differs(args, width, height):
    """Prints and returns True if --width/--height do not match the image."""
    want_w = args.width if args.width is not None else width
    want_h = args.height if args.height is not None else height
    if (want_w, want_h) == (width, height):
        return False
    print(f"size {width}x{height}, expected {want_w}x{want_h}")
    return True


def diff_rows(pixels, width, rows, expected_row):
    """Compares the image rows `rows` (whole width) with expected_row(y).
    Prints how many pixels differ and the first few; returns that count."""
    stride = 3 * width
    ndiff = 0
    shown = []
    for y in rows:
        actual = pixels[y * stride:(y + 1) * stride]
        expected = expected_row(y)
        if actual == expected:
            continue
        for x in range(width):
            a = actual[3 * x:3 * x + 3]
            e = expected[3 * x:3 * x + 3]
            if a != e:
                ndiff += 1
                if len(shown) < SHOW_DIFFS:
                    shown.append((x, y, tuple(e), tuple(a)))
    print(f"{ndiff} of {width * len(rows)} pixels differ")
    for x, y, e, a in shown:
        print(f"  pixel ({x}, {y}): expected rgb{e} actual rgb{a}")
    return ndiff


# modetest's colours (libdrm 2.4.134, tests/util/pattern.c, fill_smpte_rgb32).
# On XRGB8888 each is exact: 8 bits per channel, the X byte is not shown.
SMPTE_TOP = [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0),
             (192, 0, 192), (192, 0, 0), (0, 0, 192)]
SMPTE_MIDDLE = [(0, 0, 192), (19, 19, 19), (192, 0, 192), (19, 19, 19),
                (0, 192, 192), (19, 19, 19), (192, 192, 192)]
SMPTE_BOTTOM = [(0, 33, 76), (255, 255, 255), (50, 0, 106), (19, 19, 19),
                (9, 9, 9), (19, 19, 19), (29, 29, 29), (19, 19, 19)]


class Smpte:
    """modetest's SMPTE pattern on a width x height buffer: three kinds of
    row (the colour bars, the middle band, the bottom band), each built once,
    with libdrm's integer arithmetic."""

    def __init__(self, width, height):
        if width < 7 or height < 1:
            raise Error(f"no SMPTE pattern for {width}x{height} (at least 7x1)")
        w = width
        self.height = height

        def bottom(x):
            if x < w * 5 // 7:
                return SMPTE_BOTTOM[x * 4 // (w * 5 // 7)]
            if x < w * 6 // 7:
                return SMPTE_BOTTOM[(x - w * 5 // 7) * 3 // (w // 7) + 4]
            return SMPTE_BOTTOM[7]

        self.top = bytes(c for x in range(w) for c in SMPTE_TOP[x * 7 // w])
        self.middle = bytes(c for x in range(w) for c in SMPTE_MIDDLE[x * 7 // w])
        self.bottom = bytes(c for x in range(w) for c in bottom(x))

    def row(self, y):
        if y < self.height * 6 // 9:
            return self.top
        if y < self.height * 7 // 9:
            return self.middle
        return self.bottom


def cmd_smpte(args):
    width, height, pixels = read_ppm(args.file)
    if size_differs(args, width, height):
        return 1
    pattern = Smpte(width, height)
    return 0 if diff_rows(pixels, width, range(height), pattern.row) == 0 else 1


FONT_WIDTH = 8
FONT_HEIGHT = 16
FONT_GLYPHS = 256
# The VT's default colours (drivers/tty/vt/vt.c): index 7 on index 0.
FBCON_FG = (170, 170, 170)
FBCON_BG = (0, 0, 0)


def read_font(path):
    """The glyphs of a kernel font source (lib/fonts/font_8x16.c): the data
    array of its `struct font_data` (after the extra words), 16 bytes a glyph,
    one byte a pixel line, the most significant bit leftmost. The comments,
    which draw each line in binary, are dropped before the numbers are read."""
    try:
        with open(path, encoding="latin-1") as f:
            text = f.read()
    except OSError as e:
        raise Error(f"cannot read font {path}: {e}") from e
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    m = re.search(r"struct\s+font_data\s+\w+\s*=\s*\{\s*\{[^{}]*\}\s*,\s*\{([^{}]*)\}",
                  text)
    if not m:
        raise Error(f"{path}: no `struct font_data NAME = {{ {{...}}, {{ ... }} }}`")
    try:
        data = bytes(int(v, 0) for v in m.group(1).replace(",", " ").split())
    except ValueError as e:
        raise Error(f"{path}: the font data is not a list of bytes: {e}") from e
    if len(data) != FONT_GLYPHS * FONT_HEIGHT:
        raise Error(f"{path}: {len(data)} bytes of font data, "
                    f"{FONT_GLYPHS * FONT_HEIGHT} expected (256 glyphs of 8x16)")
    return data


class FbconText:
    """fbcon's picture of `text` written at the top left of a cleared console
    `width` pixels wide: character c covers x = 8c..8c+7 of text row 0
    (y = 0..15), each pixel the foreground if its bit is set in the glyph;
    everything else black. Printable ASCII only: the glyph of each is its code
    (the VGA font is code page 437)."""

    def __init__(self, font, text, width):
        if not all(0x20 <= ord(ch) < 0x7f for ch in text):
            raise Error(f"not printable ASCII: {text!r}")
        if not text or len(text) * FONT_WIDTH > width:
            raise Error(f"{len(text)} characters do not fit one row of {width} pixels")
        fg, bg = bytes(FBCON_FG), bytes(FBCON_BG)
        self.black = bytes(FBCON_BG) * width
        self.rows = []
        for line in range(FONT_HEIGHT):
            row = bytearray()
            for ch in text:
                bits = font[ord(ch) * FONT_HEIGHT + line]
                for i in range(FONT_WIDTH):
                    row += fg if bits & (0x80 >> i) else bg
            self.rows.append(bytes(row) + self.black[len(row):])

    def row(self, y):
        return self.rows[y] if y < FONT_HEIGHT else self.black


def read_text(path):
    """The first line of a text file, without its end of line."""
    try:
        with open(path, encoding="ascii") as f:
            return f.readline().rstrip("\n")
    except (OSError, UnicodeDecodeError) as e:
        raise Error(f"cannot read {path}: {e}") from e


def cmd_fbcon(args):
    width, height, pixels = read_ppm(args.file)
    if size_differs(args, width, height):
        return 1
    if args.rows < 1 or args.rows * FONT_HEIGHT > height:
        raise Error(f"--rows {args.rows}: the image has {height // FONT_HEIGHT} text rows")
    text = read_text(args.textfile)
    expected = FbconText(read_font(args.font), text, width)
    print(f"text row 0: {text!r}")
    ndiff = diff_rows(pixels, width, range(args.rows * FONT_HEIGHT), expected.row)
    return 0 if ndiff == 0 else 1


# drm_panic's "user" screen (drivers/gpu/drm/drm_panic.c, draw_panic_screen_user()), with the
# kernel's configuration of the test VM (ci/kernel.config): the default colours, no CONFIG_LOGO
# (the ASCII logo), and the VGA 8x16 font, which get_default_font() prefers to the other built-in
# font (VGA 8x8) at 400 lines and more.
PANIC_FG = (255, 255, 255)
PANIC_BG = (0, 0, 0)
# What drm_panic's debugfs trigger (drm_panic_plane_<N>) passes as the panic's description.
PANIC_DEBUGFS_DESCRIPTION = "Test from debugfs"


def read_panic_lines(path, array):
    """The strings of the PANIC_LINE("...") entries of the array `array` of
    drm_panic.c, in order, with their C escapes undone."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise Error(f"cannot read {path}: {e}") from e
    m = re.search(r"\b" + re.escape(array) + r"\[\]\s*=\s*\{(.*?)\};", text, flags=re.S)
    if not m:
        raise Error(f"{path}: no array {array}[]")
    lines = re.findall(r'PANIC_LINE\("((?:[^"\\]|\\.)*)"\)', m.group(1))
    if not lines:
        raise Error(f"{path}: {array}[] has no PANIC_LINE entries")
    return [re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t"}.get(e.group(1), e.group(1)), l)
            for l in lines]


class PanicScreen:
    """drm_panic's user screen on a `width` x `height` framebuffer: the
    background everywhere, `logo` (lines) at the top left if it fits and does
    not overlap the message, and `msg` (lines) centred, each line centred in
    the message's rectangle; glyph pixels set in the foreground. Rectangles as
    drm_panic computes them, with integer division."""

    def __init__(self, font, msg, logo, width, height):
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(PANIC_BG) * (width * height))
        logo_rect = (0, 0, max(len(l) for l in logo) * FONT_WIDTH, len(logo) * FONT_HEIGHT)
        msg_w = min(max(len(l) for l in msg) * FONT_WIDTH, width)
        msg_h = min(len(msg) * FONT_HEIGHT, height)
        x1, y1 = (width - msg_w) // 2, (height - msg_h) // 2
        msg_rect = (x1, y1, x1 + msg_w, y1 + msg_h)
        overlap = (logo_rect[2] > msg_rect[0] and msg_rect[2] > logo_rect[0] and
                   logo_rect[3] > msg_rect[1] and msg_rect[3] > logo_rect[1])
        if not overlap and logo_rect[2] <= width and logo_rect[3] <= height:
            self.text(font, logo, logo_rect, centred=False)
        self.text(font, msg, msg_rect, centred=True)

    def text(self, font, lines, rect, centred):
        x1, y1, x2, y2 = rect
        for i, line in enumerate(lines[:(y2 - y1) // FONT_HEIGHT]):
            line = line[:(x2 - x1) // FONT_WIDTH]
            x = x1 + ((x2 - x1) - len(line) * FONT_WIDTH) // 2 if centred else x1
            y = y1 + i * FONT_HEIGHT
            for ch in line:
                code = ord(ch)
                if code >= FONT_GLYPHS:
                    raise Error(f"no glyph for {ch!r}")
                for row in range(FONT_HEIGHT):
                    bits = font[code * FONT_HEIGHT + row]
                    for col in range(FONT_WIDTH):
                        if bits & (0x80 >> col):
                            at = 3 * ((y + row) * self.width + x + col)
                            self.pixels[at:at + 3] = bytes(PANIC_FG)
                x += FONT_WIDTH

    def row(self, y):
        return bytes(self.pixels[3 * y * self.width:3 * (y + 1) * self.width])


def cmd_panic(args):
    width, height, pixels = read_ppm(args.file)
    if size_differs(args, width, height):
        return 1
    msg = read_panic_lines(args.source, "panic_msg")
    logo = read_panic_lines(args.source, "logo_ascii")
    # drm_panic_set_description(): the last line is the description, without its newline.
    msg[-1] = args.description.rstrip("\n")
    expected = PanicScreen(read_font(args.font), msg, logo, width, height)
    print(f"panic screen {width}x{height}: {msg[0]!r} ... {msg[-1]!r}")
    return 0 if diff_rows(pixels, width, range(height), expected.row) == 0 else 1


# QEMU's picture of a head whose scanout is off (ui/console.c's placeholder surface, QEMU 8.1 and
# later; ci/setup-host.sh installs 10.0): the size of the head's last picture, black, with this
# line in the VGA 8x16 font in grey (fbcon's colours), centred on whole character cells.
QEMU_PLACEHOLDER = "Display output is not active."


def cmd_inactive(args):
    width, height, pixels = read_ppm(args.file)
    if size_differs(args, width, height):
        return 1
    col = (width // FONT_WIDTH - len(QEMU_PLACEHOLDER)) // 2
    top = (height // FONT_HEIGHT - 1) // 2 * FONT_HEIGHT
    if col < 0 or top < 0:
        raise Error(f"{width}x{height} is too small for QEMU's placeholder line")
    line = FbconText(read_font(args.font), " " * col + QEMU_PLACEHOLDER, width)
    print(f"text row {top // FONT_HEIGHT}, column {col}: {QEMU_PLACEHOLDER!r}")

    def row(y):
        return line.row(y - top) if top <= y < top + FONT_HEIGHT else line.black
    return 0 if diff_rows(pixels, width, range(height), row) == 0 else 1


# Hand-computed pixels of the SMPTE pattern: (width, height, x, y, rgb), on
# each side of libdrm's boundaries (kms-tests.md section 4). 1024x768: rows
# 512 and 597 start the middle and bottom bands; the bars change at x = 147,
# 293, 439, 586, 732, 878; the bottom band at 183, 366, 549, 731, 780, 829, 877.
# 2048x768 (two heads side by side): bars at 293, bottom at 1462 and 1754.
SMPTE_POINTS = [
    (1024, 768, 0, 0, (192, 192, 192)), (1024, 768, 146, 0, (192, 192, 192)),
    (1024, 768, 147, 0, (192, 192, 0)), (1024, 768, 292, 100, (192, 192, 0)),
    (1024, 768, 293, 100, (0, 192, 192)), (1024, 768, 878, 511, (0, 0, 192)),
    (1024, 768, 877, 511, (192, 0, 0)), (1024, 768, 1023, 511, (0, 0, 192)),
    (1024, 768, 1023, 512, (192, 192, 192)), (1024, 768, 146, 512, (0, 0, 192)),
    (1024, 768, 147, 596, (19, 19, 19)), (1024, 768, 438, 596, (192, 0, 192)),
    (1024, 768, 439, 596, (19, 19, 19)), (1024, 768, 586, 596, (0, 192, 192)),
    (1024, 768, 0, 597, (0, 33, 76)), (1024, 768, 182, 767, (0, 33, 76)),
    (1024, 768, 183, 767, (255, 255, 255)), (1024, 768, 366, 700, (50, 0, 106)),
    (1024, 768, 549, 700, (19, 19, 19)), (1024, 768, 730, 700, (19, 19, 19)),
    (1024, 768, 731, 700, (9, 9, 9)), (1024, 768, 779, 700, (9, 9, 9)),
    (1024, 768, 780, 700, (19, 19, 19)), (1024, 768, 829, 700, (29, 29, 29)),
    (1024, 768, 876, 700, (29, 29, 29)), (1024, 768, 877, 700, (19, 19, 19)),
    (1024, 768, 1023, 767, (19, 19, 19)),
    (2048, 768, 292, 0, (192, 192, 192)), (2048, 768, 293, 0, (192, 192, 0)),
    (2048, 768, 1461, 767, (19, 19, 19)), (2048, 768, 1462, 767, (9, 9, 9)),
    (2048, 768, 1753, 767, (29, 29, 29)), (2048, 768, 1754, 767, (19, 19, 19)),
]
# Glyphs of the kernel's VGA 8x16 font, by hand: 'A', the space, the full
# block (the last rows of the array: a misaligned parse shows there).
GLYPH_A = [0x00, 0x00, 0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe,
           0xc6, 0xc6, 0xc6, 0xc6, 0x00, 0x00, 0x00, 0x00]
KMS_SELFTEST_TEXT = "NOVA-LITE fbcon 01234567-89ab-cdef-0123-456789abcdef"


def cmd_kms_selftest(args):
    failures = []

    def expect(ok, what):
        print(f"  {'ok' if ok else 'FAILED'}: {what}")
        if not ok:
            failures.append(what)

    def run(argv):
        """screen.py ARGV as the command line runs it: its exit status and
        its verdict (the line that says how many pixels differ)."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = main(argv)
        lines = out.getvalue().splitlines()
        return rc, next((l for l in lines if "differ" in l or "size" in l), "no verdict")

    def pixel(rows, x, y):
        return tuple(rows(y)[3 * x:3 * x + 3])

    def image(width, height, row):
        return bytearray(b"".join(row(y) for y in range(height)))

    def poke(pixels, width, x, y, rgb):
        bad = bytearray(pixels)
        bad[3 * (y * width + x):3 * (y * width + x) + 3] = bytes(rgb)
        return bad

    print("SMPTE (modetest, XRGB8888):")
    patterns = {}
    for w, h, x, y, rgb in SMPTE_POINTS:
        pattern = patterns.setdefault((w, h), Smpte(w, h))
        got = pixel(pattern.row, x, y)
        expect(got == rgb, f"{w}x{h} pixel ({x}, {y}) is rgb{rgb} (got rgb{got})")

    print("fbcon (the kernel's VGA 8x16 font):")
    font = read_font(args.font)
    expect(list(font[0x41 * 16:0x42 * 16]) == GLYPH_A, "glyph 'A' as drawn by hand")
    expect(font[0x20 * 16:0x21 * 16] == bytes(16), "glyph ' ' is blank")
    expect(font[0xdb * 16:0xdc * 16] == b"\xff" * 16, "glyph 0xdb is a full block")
    text = FbconText(font, KMS_SELFTEST_TEXT, 1024)
    # 'A' is character 3: x = 24..31; its line 2 is 0x10 (only x = 27 lit),
    # line 7 is 0xfe (x = 24..30 lit). Lit is grey 170, the rest black.
    grey, black = (170, 170, 170), (0, 0, 0)
    for x, y, rgb in [(27, 2, grey), (26, 2, black), (28, 2, black),
                      (24, 7, grey), (30, 7, grey), (31, 7, black),
                      (24, 0, black), (8 * len(KMS_SELFTEST_TEXT), 7, black),
                      (0, 16, black), (1023, 31, black)]:
        got = pixel(text.row, x, y)
        expect(got == rgb, f"text pixel ({x}, {y}) is rgb{rgb} (got rgb{got})")

    print("the comparisons, on synthetic screenshots:")
    with tempfile.TemporaryDirectory() as tmp:
        ppm = os.path.join(tmp, "screen.ppm")
        txt = os.path.join(tmp, "text.txt")
        with open(txt, "w", encoding="ascii") as f:
            f.write(KMS_SELFTEST_TEXT + "\n")
        smpte = image(1024, 768, patterns[(1024, 768)].row)
        # fbcon's screen: the two text rows, then something else, which is
        # not compared (only the two rows are).
        fbcon = image(1024, 32, text.row) + b"\x55" * (3 * 1024 * (768 - 32))
        smpte_cmd = ["smpte", ppm, "--width", "1024", "--height", "768"]
        fbcon_cmd = ["fbcon", ppm, txt, "--font", args.font, "--width", "1024",
                     "--height", "768"]
        cases = [
            ("smpte passes on the pattern", smpte_cmd, smpte, 0),
            ("smpte fails on one pixel off at a bar's edge (147, 0)", smpte_cmd,
             poke(smpte, 1024, 147, 0, SMPTE_TOP[0]), 1),
            ("smpte fails on one pixel in the bottom band (877, 767)", smpte_cmd,
             poke(smpte, 1024, 877, 767, SMPTE_BOTTOM[6]), 1),
            ("smpte fails on the last pixel off (1023, 767)", smpte_cmd,
             poke(smpte, 1024, 1023, 767, (19, 19, 20)), 1),
            ("smpte fails on fbcon's screen", smpte_cmd, fbcon, 1),
            ("fbcon passes on its text", fbcon_cmd, fbcon, 0),
            ("fbcon fails on one glyph pixel dark (27, 2)", fbcon_cmd,
             poke(fbcon, 1024, 27, 2, FBCON_BG), 1),
            ("fbcon fails on one pixel lit in text row 1 (500, 20)", fbcon_cmd,
             poke(fbcon, 1024, 500, 20, FBCON_FG), 1),
            ("fbcon fails on the last pixel of text row 1 lit (1023, 31)", fbcon_cmd,
             poke(fbcon, 1024, 1023, 31, FBCON_FG), 1),
            ("fbcon fails on one pixel of another colour (24, 7)", fbcon_cmd,
             poke(fbcon, 1024, 24, 7, (171, 170, 170)), 1),
            ("fbcon fails on the SMPTE screen", fbcon_cmd, smpte, 1),
        ]
        for what, argv, pixels, want in cases:
            write_ppm(ppm, 1024, 768, pixels)
            rc, out = run(argv)
            expect(rc == want, f"{what} (exit {rc}: {out})")
        # Another boot's line (another token), and a screenshot of another size.
        with open(txt, "w", encoding="ascii") as f:
            f.write(KMS_SELFTEST_TEXT.replace("0123", "0124", 1) + "\n")
        write_ppm(ppm, 1024, 768, fbcon)
        rc, out = run(fbcon_cmd)
        expect(rc == 1, f"fbcon fails on another boot's line (exit {rc}: {out})")
        write_ppm(ppm, 800, 600, image(800, 600, Smpte(800, 600).row))
        rc, out = run(smpte_cmd)
        expect(rc == 1, f"smpte fails on an 800x600 screenshot (exit {rc}: {out})")

        # `make demo`'s picture: fbcon's screen (1024x768) left, an 800x600
        # SMPTE screen right (a shorter one, padded with black), read back
        # from the PNG: each pixel where it belongs.
        print("side-by-side (make demo's picture):")
        right = os.path.join(tmp, "right.ppm")
        png = os.path.join(tmp, "both.png")
        write_ppm(ppm, 1024, 768, fbcon)
        small = image(800, 600, Smpte(800, 600).row)
        write_ppm(right, 800, 600, small)
        with contextlib.redirect_stdout(io.StringIO()):
            rc = main(["side-by-side", ppm, right, png])
        w, h, both = read_png(png)
        expect(rc == 0 and (w, h) == (1824, 768),
               f"1024x768 and 800x600 make 1824x768 (exit {rc}, {w}x{h})")

        def row_ok(y):
            left = fbcon[3 * 1024 * y:3 * 1024 * (y + 1)]
            right = small[3 * 800 * y:3 * 800 * (y + 1)] if y < 600 else bytes(3 * 800)
            return both[3 * w * y:3 * w * (y + 1)] == left + right
        expect((w, h) == (1824, 768) and all(row_ok(y) for y in range(h)),
               "every row: the left image, then the right one (black below its end)")
    # QEMU's placeholder on a 1024x768 head: the line in text row 23 from
    # column 49 ((128 - 29) / 2), so pixels x 392..623, y 368..383.
    print("inactive (QEMU's placeholder):")
    with tempfile.TemporaryDirectory() as tmp:
        ppm = os.path.join(tmp, "screen.ppm")
        line = FbconText(font, " " * 49 + QEMU_PLACEHOLDER, 1024)
        off = image(1024, 768, lambda y: line.row(y - 368) if 368 <= y < 384 else line.black)
        lit = [(i % 1024, i // 1024) for i in range(len(off) // 3) if off[3 * i] != 0]
        expect(lit and all(392 <= x < 624 and 368 <= y < 384 for x, y in lit),
               f"{len(lit)} pixels lit, all in x 392..623, y 368..383")
        inactive_cmd = ["inactive", ppm, "--font", args.font, "--width", "1024",
                        "--height", "768"]
        x0, y0 = lit[0] if lit else (0, 0)
        for what, w, h, pixels, want in [
                ("inactive passes on the placeholder", 1024, 768, off, 0),
                (f"inactive fails on its first lit pixel dark ({x0}, {y0})", 1024, 768,
                 poke(off, 1024, x0, y0, FBCON_BG), 1),
                ("inactive fails on one pixel lit above the line (500, 100)", 1024, 768,
                 poke(off, 1024, 500, 100, FBCON_FG), 1),
                ("inactive fails on the SMPTE screen", 1024, 768,
                 image(1024, 768, patterns[(1024, 768)].row), 1),
                ("inactive fails on a 640x480 placeholder", 640, 480,
                 image(640, 480, lambda y: bytes(3 * 640)), 1)]:
            write_ppm(ppm, w, h, pixels)
            rc, out = run(inactive_cmd)
            expect(rc == want, f"{what} (exit {rc}: {out})")
    print(f"{len(failures)} failed")
    return 0 if not failures else 1


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
    p.add_argument("--device", help="QEMU id of the display device")
    p.add_argument("--head", type=int, help="the device's head (default 0)")
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

    p = sub.add_parser("side-by-side", help="two PPMs as one PNG, left and right")
    p.add_argument("left")
    p.add_argument("right")
    p.add_argument("out")
    p.set_defaults(func=cmd_side_by_side)

    p = sub.add_parser("smpte", help="compare a PPM with modetest's SMPTE pattern")
    p.add_argument("file")
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.set_defaults(func=cmd_smpte)

    p = sub.add_parser("fbcon", help="compare a PPM with fbcon's picture of a line")
    p.add_argument("file")
    p.add_argument("textfile")
    p.add_argument("--font", required=True, help="the kernel's lib/fonts/font_8x16.c")
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.add_argument("--rows", type=int, default=2, help="text rows compared (default 2)")
    p.set_defaults(func=cmd_fbcon)

    p = sub.add_parser("inactive", help="compare a PPM with QEMU's picture of a head that is off")
    p.add_argument("file")
    p.add_argument("--font", required=True, help="the kernel's lib/fonts/font_8x16.c")
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.set_defaults(func=cmd_inactive)

    p = sub.add_parser("panic", help="compare a PPM with drm_panic's panic screen")
    p.add_argument("file")
    p.add_argument("--font", required=True, help="the kernel's lib/fonts/font_8x16.c")
    p.add_argument("--source", required=True, help="the kernel's drivers/gpu/drm/drm_panic.c")
    p.add_argument("--description", default=PANIC_DEBUGFS_DESCRIPTION,
                   help=f"the panic's description (default {PANIC_DEBUGFS_DESCRIPTION!r})")
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.set_defaults(func=cmd_panic)

    p = sub.add_parser("kms-selftest", help="check the smpte and fbcon references")
    p.add_argument("font")
    p.set_defaults(func=cmd_kms_selftest)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Error as e:
        print(f"screen.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
