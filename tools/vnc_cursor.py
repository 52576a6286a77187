#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the guest cursor from a QEMU VNC server (``-vnc unix:PATH``, no auth).

Usage: vnc_cursor.py SOCKET OUT.json [--timeout S] [--expect-hotspot X,Y] [--rich]
       vnc_cursor.py selftest    (a fake RFB server on a socketpair; no QEMU)

RFB 3.8, security None, shared, 32bpp LE true-colour 16/8/0; encodings Raw,
AlphaCursor(-314) unless --rich, RichCursor(-239), DesktopSize(-223).  QEMU
(ui/vnc.c vnc_cursor_define) prefers the alpha cursor: w*h host-endian
0xAARRGGBB words, premultiplied as the guest gave them; the rich cursor is
0x00RRGGBB pixels and a 1-bit mask.  QEMU pushes the cursor on SetEncodings
and on every guest UPDATE_CURSOR, nothing before the guest defines one: we
wait, re-requesting updates.  A guest "hide" (resource 0) only re-sends the
old image with the new hotspot.  OUT.json: hot_x hot_y width height pixels
mask (alpha cursor: alpha >= 0x80, as QEMU's mono mask) encoding.  Exit 0 ok,
1 timeout (stderr names the last cursor seen), 2 connection/protocol error.
"""
import argparse, json, socket, struct, sys, threading, time

RAW, DESKTOP, LAST_RECT, RICH, ALPHA = 0, -223, -224, -239, -314

class Timeout(Exception): pass  # noqa: E701
class ProtoError(Exception): pass  # noqa: E701

class Conn:
    def __init__(self, sock, deadline):
        self.sock, self.deadline = sock, deadline

    def recv(self, n):
        buf = bytearray()
        while len(buf) < n:
            self.sock.settimeout(max(self.deadline - time.monotonic(), 1e-3))
            try:
                chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            except socket.timeout:
                raise Timeout("timed out") from None
            if not chunk:
                raise ProtoError("server closed the connection")
            buf += chunk
        return bytes(buf)

    def unpack(self, fmt):
        return struct.unpack(fmt, self.recv(struct.calcsize(fmt)))

def fbur(incremental):  # FramebufferUpdateRequest for the 1x1 area at 0,0
    return struct.pack(">BBHHHH", 3, incremental, 0, 0, 1, 1)

def handshake(c, encodings):
    ver = c.recv(12)
    if not ver.startswith(b"RFB "):
        raise ProtoError(f"not an RFB server: {ver!r}")
    c.sock.sendall(b"RFB 003.008\n")
    (n,) = c.unpack(">B")
    if n == 0:
        raise ProtoError("refused: " + c.recv(c.unpack(">I")[0]).decode(errors="replace"))
    if 1 not in c.recv(n):
        raise ProtoError("security type None not offered (VNC auth enabled?)")
    c.sock.sendall(b"\x01")
    if c.unpack(">I")[0] != 0:
        raise ProtoError("security handshake failed")
    c.sock.sendall(b"\x01")  # ClientInit: shared
    c.recv(c.unpack(">HH16sI")[3])  # ServerInit, then the desktop name
    c.sock.sendall(struct.pack(">B3xBBBBHHHBBB3x", 0, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0) +
                   struct.pack(">BxH%di" % len(encodings), 2, len(encodings), *encodings))

def read_rect(c, cursors):
    """Read one rectangle, appending any cursor to cursors; return its encoding."""
    x, y, w, h, enc = c.unpack(">HHHHi")
    if enc == RAW:
        c.recv(w * h * 4)
    elif enc == ALPHA:
        if c.unpack(">i")[0] != RAW:
            raise ProtoError("alpha cursor not in Raw encoding")
        pix = list(struct.unpack("<%dI" % (w * h), c.recv(w * h * 4)))
        mask = [int(p >> 24 >= 0x80) for p in pix]
    elif enc == RICH:
        pix = [p & 0xFFFFFF for p in struct.unpack("<%dI" % (w * h), c.recv(w * h * 4))]
        bpl = (w + 7) // 8
        bits = c.recv(bpl * h)
        mask = [(bits[r * bpl + i // 8] >> (7 - i % 8)) & 1 for r in range(h) for i in range(w)]
    elif enc not in (DESKTOP, LAST_RECT):
        raise ProtoError(f"unexpected rectangle encoding {enc}")
    if enc in (RICH, ALPHA):
        cursors.append({"hot_x": x, "hot_y": y, "width": w, "height": h, "pixels": pix,
                        "mask": mask, "encoding": "alpha" if enc == ALPHA else "rich"})
    return enc

def read_message(c):
    """Read one server message.  Return the cursors it defined and whether it
    answers a FramebufferUpdateRequest (Raw rectangles, or none at all)."""
    (t,) = c.unpack(">B")
    cursors, encs = [], []
    if t == 0:
        (n,) = c.unpack(">xH")
        while len(encs) < n and LAST_RECT not in encs:
            encs.append(read_rect(c, cursors))
        return cursors, n == 0 or RAW in encs
    if t == 1:  # SetColourMapEntries
        c.recv(6 * c.unpack(">xHH")[1])
    elif t == 3:  # ServerCutText (negative length: extended clipboard)
        c.recv(abs(c.unpack(">3xi")[0]))
    elif t != 2:  # 2 is Bell
        raise ProtoError(f"unexpected server message type {t}")
    return cursors, False

def read_cursor(sock, timeout, expect=None, rich=False):
    """Return the first cursor (with hotspot expect, if given) the server sends."""
    c = Conn(sock, time.monotonic() + timeout)
    try:
        handshake(c, [RAW] + ([] if rich else [ALPHA]) + [RICH, DESKTOP])
    except Timeout:
        raise ProtoError("RFB handshake timed out") from None
    c.sock.sendall(fbur(0))
    last = None
    while True:
        try:
            cursors, answered = read_message(c)
        except Timeout:
            seen = "last cursor seen: hotspot ({hot_x},{hot_y}) size {width}x{height} ({encoding})"
            seen = seen.format(**last) if last else "no cursor update received"
            raise Timeout(f"timed out after {timeout:g}s; {seen}") from None
        for last in cursors:
            if expect is None or (last["hot_x"], last["hot_y"]) == expect:
                return last
        if answered:
            c.sock.sendall(fbur(1))

def fake_server(sock, messages):
    """Selftest peer: RFB 3.8 handshake as QEMU does it, then send messages."""
    try:
        # version; security types VNC auth and None; SecurityResult ok, ClientInit shared
        for out, want in ((b"RFB 003.008\n",) * 2, (b"\2\2\1", b"\1"), (b"\0" * 4, b"\1")):
            sock.sendall(out)
            assert sock.recv(len(want)) == want, want
        pf = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
        sock.sendall(struct.pack(">HH", 640, 480) + pf + struct.pack(">I", 4) + b"fake")
        assert sock.recv(20)[0] == 0
        n = sock.recv(4)[3]
        encs = struct.unpack(">%di" % n, sock.recv(4 * n))
        assert encs == (RAW, ALPHA, RICH, DESKTOP), encs
        for m in messages:
            sock.sendall(m)
        while sock.recv(4096): pass  # noqa: E701 (drain requests until the client closes)
    except OSError:
        pass

def selftest():
    rect = lambda x, y, w, h, e: struct.pack(">HHHHi", x, y, w, h, e)  # noqa: E731
    fbu = lambda *rs: struct.pack(">BxH", 0, len(rs)) + b"".join(rs)  # noqa: E731
    rpix = [0x112233, 0x445566, 0x778899, 0xAABBCC, 0xDDEEFF, 0x010203]
    apix = [0xFF102030, 0x7F000000, 0x80FFFFFF, 0x00000000]
    msgs = [fbu(rect(0, 0, 16, 1, RAW) + bytes(64), rect(0, 0, 640, 480, DESKTOP)),
            b"\x02", b"\x03\0\0\0" + struct.pack(">I", 3) + b"abc",
            fbu(rect(1, 2, 3, 2, RICH) + struct.pack("<6I", *rpix) + b"\xa0\x40"),
            fbu(rect(0, 0, 2, 2, RAW) + bytes(16)),
            fbu(rect(5, 6, 2, 2, ALPHA) + struct.pack(">i", RAW) + struct.pack("<4I", *apix))]
    res = []
    for expect, tmo in ((None, 5), ((5, 6), 5), ((9, 9), 0.5)):
        a, b = socket.socketpair()
        t = threading.Thread(target=fake_server, args=(b, msgs), daemon=True)
        t.start()
        try:
            res.append(read_cursor(a, tmo, expect))
        except Timeout as e:
            res.append(e)
        a.close(), t.join(5), b.close()
    want = [dict(hot_x=1, hot_y=2, width=3, height=2, pixels=rpix, mask=[1, 0] * 3),
            dict(hot_x=5, hot_y=6, width=2, height=2, pixels=apix, mask=[1, 0] * 2)]
    want[0]["encoding"], want[1]["encoding"] = "rich", "alpha"
    assert res[:2] == want, res
    assert "hotspot (5,6) size 2x2" in str(res[2]), res[2]
    print(f"selftest: rich cursor ok, alpha cursor ok, timeout ok ({res[2]})\n3 passed, 0 failed")
    return 0

def main(argv):
    if argv == ["selftest"]:
        return selftest()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("socket"), ap.add_argument("out")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--expect-hotspot", metavar="X,Y", type=lambda v: tuple(map(int, v.split(","))))
    ap.add_argument("--rich", action="store_true", help="do not offer the alpha cursor")
    a = ap.parse_args(argv)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(a.socket)
            cur = read_cursor(s, a.timeout, a.expect_hotspot, a.rich)
    except Timeout as e:
        print(f"vnc_cursor: {e}", file=sys.stderr)
        return 1
    except (OSError, ProtoError) as e:
        print(f"vnc_cursor: {a.socket}: {e}", file=sys.stderr)
        return 2
    with open(a.out, "w") as f:
        return json.dump(cur, f) or 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
