#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks what the host got of the test cursor of `nova-lite-info --cursor`.

  cursor_check.py image CURSOR.json CURSOR.txt   the image and hotspot QEMU's VNC server gave
                                                 (tools/vnc_cursor.py) against the test cursor
  cursor_check.py trace QEMU-TRACE.log CURSOR.txt   QEMU's trace of the cursor commands it
                                                 executed has the client's three steps in order,
                                                 the image's copy (TRANSFER_TO_HOST_2D of its
                                                 resource, after its RESOURCE_CREATE_2D)
                                                 executed before the first

CURSOR.txt holds the client's "cursor:" lines (ci/guest/screen.sh's cursor). Exit status 0 if
the check passes, 1 with the reason on stdout otherwise. A copy missing or posted after the
UPDATE_CURSOR fails the trace check; a copy posted before it but not waited for may still be
executed first (QEMU runs both queues on one thread): a half-copied image shows in the image
check only if the host took it before the copy ended.
"""

import json
import re
import sys

SIZE = 64


def cursor_argb(x, y):
    """The test cursor's pixel (x, y) as 0xAARRGGBB: tools/nova-lite-info.c's cursor_argb()."""
    if x >= SIZE - 8 or y >= SIZE - 8:
        return 0
    return (0xFF << 24 | (4 * x & 0xFF) << 16 | (4 * y & 0xFF) << 8
            | (((x ^ y) * 4 + 16) & 0xFF))


def client_steps(txt):
    """The resource, positions and hotspot of the client's lines."""
    with open(txt) as f:
        text = f.read()
    shown = re.search(r"^cursor: shown resource (\d+) at (-?\d+),(-?\d+) hotspot (-?\d+),(-?\d+)$",
                      text, re.M)
    moved = re.search(r"^cursor: moved to (-?\d+),(-?\d+)$", text, re.M)
    if not shown or not moved or not re.search(r"^cursor: hidden$", text, re.M):
        raise ValueError(f"{txt} lacks the client's shown, moved and hidden lines")
    res, x, y, hx, hy = (int(v) for v in shown.groups())
    return res, (x, y), (hx, hy), tuple(int(v) for v in moved.groups())


def check_image(path, txt):
    """The image is the test cursor: each opaque pixel's colour, the mask, the hotspot."""
    _, _, hotspot, _ = client_steps(txt)
    with open(path) as f:
        cur = json.load(f)
    if (cur["width"], cur["height"]) != (SIZE, SIZE):
        return f"the cursor is {cur['width']}x{cur['height']}, not {SIZE}x{SIZE}"
    if (cur["hot_x"], cur["hot_y"]) != hotspot:
        return f"hotspot {cur['hot_x']},{cur['hot_y']}, not {hotspot[0]},{hotspot[1]}"
    bad = []
    for y in range(SIZE):
        for x in range(SIZE):
            want = cursor_argb(x, y)
            i = y * SIZE + x
            opaque = want >> 24 == 0xFF
            if cur["mask"][i] != int(opaque) or (opaque and
                                                (cur["pixels"][i] ^ want) & 0xFFFFFF):
                bad.append((x, y, cur["pixels"][i], cur["mask"][i], want))
    if bad:
        x, y, got, mask, want = bad[0]
        return (f"{len(bad)} of {SIZE * SIZE} pixels differ; first ({x},{y}): "
                f"{got:#010x} mask {mask}, want {want:#010x}")
    return None


TRACE = re.compile(r"virtio_gpu_update_cursor scanout (\d+), x (-?\d+), y (-?\d+), "
                   r"(\w+), res 0x([0-9a-fA-F]+)")
XFER = re.compile(r"virtio_gpu_cmd_res_xfer_toh_2d res 0x([0-9a-fA-F]+)")
CREATE = re.compile(r"virtio_gpu_cmd_res_create_2d res 0x([0-9a-fA-F]+)")


def check_trace(path, txt):
    """Scanout 0's cursor commands have, one after the other: UPDATE_CURSOR of the resource at
    the client's position, MOVE_CURSOR of it to where the client moved it, UPDATE_CURSOR of
    resource 0; and the resource was copied to the host (TRANSFER_TO_HOST_2D) between its last
    creation (RESOURCE_CREATE_2D) and that UPDATE_CURSOR."""
    res, pos, _, moved = client_steps(txt)
    cmds = []
    # For each cursor command, the resources copied to the host since they were last created
    # (both commands travel on the control queue, in order; the client's RESOURCE_CREATE copies
    # nothing, and an id is reused only after its resource is destroyed).
    copied, live = [], set()
    with open(path, errors="replace") as f:
        for line in f:
            m = TRACE.search(line)
            if m and m.group(1) == "0":
                cmds.append((int(m.group(2)), int(m.group(3)), m.group(4),
                             int(m.group(5), 16)))
                copied.append(set(live))
            m = CREATE.search(line)
            if m:
                live.discard(int(m.group(1), 16))
            m = XFER.search(line)
            if m:
                live.add(int(m.group(1), 16))
    # A move names the resource shown: QEMU takes it as whether the cursor is visible.
    want = [(pos[0], pos[1], "update", res), (moved[0], moved[1], "move", res), ("update", 0)]

    def matches(got, w):
        if len(w) == 2:     # hidden: the position does not matter
            return got[2:] == w
        return got == w

    for i in range(len(cmds) - len(want) + 1):
        if all(matches(cmds[i + j], want[j]) for j in range(len(want))):
            if res not in copied[i]:
                return (f"no TRANSFER_TO_HOST_2D of resource {res} between its creation and its "
                        f"UPDATE_CURSOR: the image was not copied first")
            return None
    return (f"scanout 0's {len(cmds)} traced cursor commands lack {want} in a row; "
            f"last ones: {cmds[-4:]}")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("image", "trace"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        why = (check_image if sys.argv[1] == "image" else check_trace)(sys.argv[2], sys.argv[3])
    except (OSError, ValueError, KeyError, IndexError) as e:
        why = f"cannot check: {e}"
    if why:
        print(why)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
