#!/usr/bin/env bash
# `make demo`: builds what is missing, boots the VM on the release kernel (no debug options) and
# shows nova-lite binding the GPU and, through KMS, pictures on its display (ci/guest/demo.sh):
# nova-lite-info's pattern, fbcon's console, modetest's SMPTE pattern, then weston's desktop and a
# client's window in it. QEMU's screenshot of each is checked pixel by pixel, as make check's are,
# and kept as PNG (out/screen-draw.png, out/screen-console.png, out/screen-modetest.png,
# out/screen-weston-desktop.png, out/screen-weston-client.png); the last is out/screen.png too.
# Exit status: that of the guest run and the checks.
. "$(dirname "$0")/lib.sh"

prepare release
for name in draw console modetest weston-desktop weston-client; do
	rm -f "$OUT/screen-$name.ppm" "$OUT/screen-$name.txt" "$OUT/screen-$name.png"
done
rm -f "$OUT/screen.png"
rc=0
# Scanouts of 1024x768 with an EDID, as in make check's main boot: modetest sets 1024x768, and
# fbcon and the client take the display's size, so every screenshot is 1024x768.
NOVA_LITE_GPU_OPTS=max_outputs=${NOVA_LITE_MAX_OUTPUTS:-2},xres=1024,yres=768,edid=on NOVA_LITE_SCREEN=1 \
	"$REPO/ci/vm.sh" release ci/guest/demo.sh || rc=$?

# shot NAME WHAT CHECK...: keeps screenshot NAME as out/screen-NAME.png and runs CHECK, its
# pixel-by-pixel comparison; says whether the picture is WHAT.
shot() {
	local name=$1 what=$2 out
	shift 2
	[ -f "$OUT/screen-$name.ppm" ] || { echo "error: no screenshot of $what was taken" >&2; return 1; }
	python3 "$REPO/tools/screen.py" png "$OUT/screen-$name.ppm" "$OUT/screen-$name.png" >/dev/null || return 1
	if out=$("$@" 2>&1); then
		echo "ok: out/screen-$name.png is $what, every pixel"
	else
		echo "error: out/screen-$name.png is not $what:" >&2
		head -n 8 <<<"$out" | sed 's/^/  /' >&2
		return 1
	fi
}
# console_check: make check's verdict on fbcon's line (ci/check.sh's kms_screen).
console_check() {
	screen_text_ok console || { echo "out/screen-console.txt is not a line with a boot's id"; return 1; }
	screen_check fbcon console --width 1024 --height 768
}
step "the screenshots, checked pixel by pixel"
shot draw "nova-lite-info --draw 1's pattern" \
	python3 "$REPO/tools/screen.py" compare "$OUT/screen-draw.ppm" 1 --width 1024 --height 768 || rc=1
shot console "fbcon's line in the kernel's VGA 8x16 font" console_check || rc=1
shot modetest "modetest's SMPTE pattern (1024x768 XRGB8888)" \
	screen_check smpte modetest --width 1024 --height 768 || rc=1
shot weston-desktop "weston's desktop: its panel and background (tests/weston/weston.ini)" \
	screen_check weston-desktop weston-desktop --width 1024 --height 768 || rc=1
shot weston-client "weston's desktop with wl_pattern's maximized window" \
	screen_check weston-client weston-client --width 1024 --height 768 || rc=1
# The demo's picture: weston with the client's window (also when its check failed: the picture
# shows what was wrong).
if [ -f "$OUT/screen-weston-client.png" ]; then
	cp "$OUT/screen-weston-client.png" "$OUT/screen.png"
	echo "screenshot of the VM's display, weston's desktop with a client's window: $OUT/screen.png"
else
	rc=1
fi
[ $rc = 0 ] || echo "error: make demo failed (exit $rc)" >&2
exit $rc
