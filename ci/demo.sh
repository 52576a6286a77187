#!/usr/bin/env bash
# `make demo`: builds what is missing, boots the VM on the release kernel (no debug options) and
# shows nova-lite binding the GPU and drawing on its display (ci/guest/demo.sh); QEMU's screenshot of
# the display is saved as out/screen.png. Exit status: that of the guest run and the screenshot check.
. "$(dirname "$0")/lib.sh"

prepare release
rm -f "$OUT/screen-demo.ppm" "$OUT/screen.png"
rc=0
NOVA_LITE_SCREEN=1 "$REPO/ci/vm.sh" release ci/guest/demo.sh || rc=$?
# The screenshot QEMU took while the pattern was shown, as PNG, checked against the pattern.
if [ -f "$OUT/screen-demo.ppm" ]; then
	python3 "$REPO/tools/screen.py" png "$OUT/screen-demo.ppm" "$OUT/screen.png"
	python3 "$REPO/tools/screen.py" compare "$OUT/screen-demo.ppm" 1 || rc=1
	echo "screenshot of the VM's display: $OUT/screen.png"
else
	echo "error: no screenshot was taken" >&2
	rc=1
fi
exit $rc
