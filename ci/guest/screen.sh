# Sourced by the guest scripts (check.sh, demo.sh): drawing on scanout 0, fbcon's line on head 0,
# modetest's SMPTE pattern on head 0 or on the second head, and asking the host (ci/vm.sh's watcher, with
# NOVA_LITE_SCREEN=1, which creates /mnt/screen-watch) for a screenshot while each is shown.
# Each function handles its own failures (returns non-zero, never exits) and is written for a
# shell without errexit: callers run them as a condition (check.sh's check, demo.sh's `|| rc=1`),
# where `set -e` (demo.sh's) does not apply.
# shoot NAME [CHECK [HEAD [DEVICE]]]: asks the host for a screenshot, saved as
# /mnt/screen-NAME.ppm. With CHECK (one of ci/lib.sh's screen_check: fbcon, smpte, inactive,
# weston-...) it is of the GPU's head HEAD (0 if not given; the GPU is QEMU's device DEVICE, `gpu`
# if not given), taken again until it passes that check or 10 s (60 s for weston's) have passed;
# the host judges it after the boot (ci/check.sh, ci/demo.sh). CHECK cursor reads
# the cursor instead (HEAD is then its hotspot, X,Y: ci/vm.sh).
shoot() {
	local i
	rm -f /mnt/screen-done
	echo "$1${2:+ $2}${3:+ $3}${4:+ $4}" >/mnt/screen-request
	for i in $(seq 1200); do
		[ -f /mnt/screen-done ] && { rm -f /mnt/screen-done; return 0; }
		sleep 0.1
	done
	echo "the host took no screenshot within 120 s"
	return 1
}
# draw SEED NAME: draws pattern SEED on scanout 0 and keeps it shown until the screenshot NAME.
# The client sets it through KMS as DRM master (no other client may be master meanwhile), and
# prints its "drew" line once the device has shown it: the screenshot is taken then, once.
draw() {
	local seed=$1 name=$2 i rc=1
	rm -f /tmp/hold && mkfifo /tmp/hold
	# Read and write end for the client, so that opening the fifo does not block; a line ends it.
	nova-lite-info --draw "$seed" --hold <>/tmp/hold >/tmp/draw.txt 2>&1 &
	local pid=$!
	for i in $(seq 600); do
		grep -q '^drew' /tmp/draw.txt && { shoot "$name"; rc=$?; break; }
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	# Read-write: never blocks, whether or not the client still reads (it may have failed).
	echo 1<>/tmp/hold
	wait $pid || rc=1
	cat /tmp/draw.txt
	return $rc
}
# fbcon_line NAME: clears tty1 (fbcon's console on nova-lite's fbdev) and writes one line with this
# boot's id on it (a picture left from another boot cannot pass), then asks for screenshot NAME; the
# host renders the line from /mnt/screen-NAME.txt.
fbcon_line() {
	local text
	text="NOVA-LITE fbcon $(cat /proc/sys/kernel/random/boot_id)" || return 1
	# The kernel has no fbdev device nodes (FB_DEVICE): the emulation reports itself in the log.
	dmesg | grep -q 'fb[0-9]*: nova-litedrmfb frame buffer device$' ||
		{ echo "nova-lite's fbdev emulation (nova-litedrmfb) did not start"; return 1; }
	[ "$(cat /sys/class/tty/tty0/active)" = tty1 ] ||
		{ echo "the foreground console is $(cat /sys/class/tty/tty0/active), not tty1"; return 1; }
	echo 0 >/sys/class/graphics/fbcon/cursor_blink || return 1
	printf '\033[?25l\033[H\033[2J%s' "$text" >/dev/tty1 || return 1
	echo "$text" >"/mnt/screen-$1.txt"
	echo "tty1: $text"
	shoot "$1" fbcon
}
# modetest_smpte NAME [CONNECTOR HEAD [CMD...]]: modetest, on the legacy API, sets 1024x768 on
# CONNECTOR (by the name it lists, e.g. Virtual-2; the first connected one if not given, on head 0)
# with its SMPTE pattern on a dumb buffer, drops master and waits on its stdin, a fifo this shell
# holds open: it keeps the mode until screenshot NAME of head HEAD is taken, and CMD (if given) has
# run while modetest still holds its framebuffer; then the fifo is closed and on EOF modetest
# removes its framebuffer and exits. Its output must be the "opened device" and "setting mode"
# lines alone (it reports a failed mode set, then waits all the same).
modetest_smpte() {
	local name=$1 con=${2:-} head=${3:-0} pid fifo i rc=0
	shift $(($# < 3 ? $# : 3))
	modetest -M nova-lite -c >/tmp/modetest-c.txt 2>&1 || { cat /tmp/modetest-c.txt; return 1; }
	[ -n "$con" ] ||
		con=$(awk '$1 ~ /^[0-9]+$/ && $3 == "connected" { print $4; exit }' /tmp/modetest-c.txt)
	awk -v c="$con" '$1 ~ /^[0-9]+$/ && $3 == "connected" && $4 == c { f = 1 } END { exit !f }' \
		/tmp/modetest-c.txt ||
		{ cat /tmp/modetest-c.txt; echo "modetest lists no connected connector${con:+ $con}"; return 1; }
	rm -f /tmp/modetest && mkfifo /tmp/modetest
	# Read-write: opening it never blocks; once this end is closed (modetest does not inherit it),
	# modetest reads EOF. Line-buffered: the "setting mode" line shows while modetest waits.
	exec {fifo}<>/tmp/modetest
	stdbuf -oL modetest -M nova-lite -d -s "$con:1024x768" </tmp/modetest >/tmp/modetest.txt 2>&1 {fifo}>&- &
	pid=$!
	for i in $(seq 300); do
		grep -q '^setting mode' /tmp/modetest.txt && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if grep -q "^setting mode 1024x768-.* on connectors $con, crtc [0-9]*\$" /tmp/modetest.txt; then
		shoot "$name" smpte "$head" || rc=1
		[ $# = 0 ] || "$@" || rc=1
	else
		echo "modetest did not set 1024x768 on $con"; rc=1
	fi
	exec {fifo}>&-
	for i in $(seq 300); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -0 $pid 2>/dev/null && { echo "modetest did not exit on EOF within 30 s"; kill $pid; rc=1; }
	wait $pid || { echo "modetest: exit $?"; rc=1; }
	cat /tmp/modetest.txt
	if grep -Ev '^(opened device|setting mode)' /tmp/modetest.txt | grep -q .; then
		echo "modetest reported errors"; rc=1
	fi
	return $rc
}
# second_head NAME: the second head. QEMU starts with scanout 1 off (its connector, Virtual-2, is
# disconnected): the connector is forced on through sysfs (as video=Virtual-2:e would at boot, but
# for this check alone: IGT's kms tests run on one pipe; the write re-probes the connector, and
# sends no hot-plug event: nova-lite does not poll its connectors, so the fbdev client does not
# follow) and modetest shows its SMPTE pattern on it (screenshot NAME of head 1). While modetest
# still holds its framebuffer, nova-lite-info turns CRTC 1 off (screenshot NAME-off of head 1:
# QEMU's picture of an inactive output, which only SET_SCANOUT without a resource gives then: the
# resource is alive). The connector then goes back to detection: disconnected.
second_head() {
	local status rc=0
	status=$(echo /sys/class/drm/card[0-9]*-Virtual-2/status)
	[ -f "$status" ] || { echo "no connector Virtual-2 in sysfs (${status})"; return 1; }
	[ "$(cat "$status")" = disconnected ] ||
		{ echo "Virtual-2 is $(cat "$status") before it is forced on, not disconnected"; return 1; }
	echo on >"$status" || return 1
	modetest_smpte "$1" Virtual-2 1 crtc_off 1 "$1-off" || rc=1
	echo detect >"$status" || return 1
	[ "$(cat "$status")" = disconnected ] ||
		{ echo "Virtual-2 is $(cat "$status") after detection, not disconnected"; return 1; }
	return $rc
}
# crtc_off INDEX NAME: turns CRTC INDEX off (nova-lite-info --crtc-off, as DRM master) and asks for
# screenshot NAME of head INDEX, which must be QEMU's picture of an inactive output.
crtc_off() {
	nova-lite-info --crtc-off "$1" || return 1
	shoot "$2" inactive "$1"
}
# cursor NAME: nova-lite-info --cursor shows the test cursor on scanout 0 (whose CRTC must be on:
# fbcon's), then the host reads the cursor image its VNC clients get (request "NAME cursor
# <hotspot>": /mnt/cursor-NAME.json); the client then moves the cursor partly off the screen and
# hides it. Its lines go to /mnt/cursor-NAME.txt: the host checks the image, and that QEMU's
# trace has the three cursor commands with the resource, positions and hotspot they name
# (tools/cursor_check.py).
cursor() {
	local name=$1 pid i rc=0 step
	rm -f /tmp/cursor-in && mkfifo /tmp/cursor-in
	nova-lite-info --cursor <>/tmp/cursor-in >/tmp/cursor.txt 2>&1 &
	pid=$!
	for step in shown moved hidden; do
		for i in $(seq 300); do
			grep -q "^cursor: $step" /tmp/cursor.txt && break
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		if ! grep -q "^cursor: $step" /tmp/cursor.txt; then
			echo "no 'cursor: $step' line"
			kill $pid 2>/dev/null
			rc=1
			break
		fi
		if [ $step = shown ]; then
			shoot "$name" cursor "$(sed -n 's/^cursor: shown .* hotspot \([0-9]*,[0-9]*\)$/\1/p' /tmp/cursor.txt)" ||
				rc=1
		fi
		[ $step = hidden ] || echo 1<>/tmp/cursor-in
	done
	echo 1<>/tmp/cursor-in
	wait $pid || rc=1
	cat /tmp/cursor.txt | tee "/mnt/cursor-$name.txt"
	# The last step: a hotspot outside the image, accepted, then a move and a hide.
	grep -q '^cursor: hotspot .* outside the image accepted, moved, hidden$' /tmp/cursor.txt ||
		{ echo "no 'cursor: hotspot ... outside the image accepted' line"; rc=1; }
	return $rc
}
# panic_screen NAME CTRLQ [skipped]: draws the panic screen on scanout 0 through drm_panic's debugfs
# trigger (CONFIG_DRM_PANIC_DEBUG): writing dri/<device>/drm_panic_plane_0 (the first plane with the
# panic screen: scanout 0's primary plane, which shows fbcon's framebuffer) draws what a panic
# would, with the description "Test from debugfs", without a panic, and calls the plane's
# panic_flush, which posts the copy, SET_SCANOUT and flush with the commands nova-lite keeps for
# it: CTRLQ (the device's ctrlq in debugfs) must count one more panic_posted and no more
# panic_skipped; then screenshot NAME of head 0 is taken, which the host compares with drm_panic's
# picture (screen.py panic). With "skipped" (a GPU that reads memory through the DMA API, which
# nova-lite does not use from a panic handler) it must count one more panic_skipped and no more
# panic_posted, and no screenshot is taken. Either way tty1 is cleared then, so that fbcon draws
# the console over what the panic handler drew.
panic_screen() {
	local name=$1 ctrlq=$2 expect=${3:-posted} file posted skipped rc=0
	file=$(echo /sys/kernel/debug/dri/nova_lite.drm.*/drm_panic_plane_0)
	[ -f "$file" ] || { echo "no drm_panic_plane_0 in nova-lite's debugfs ($file)"; return 1; }
	[ "$(cat /sys/class/tty/tty0/active)" = tty1 ] ||
		{ echo "the foreground console is $(cat /sys/class/tty/tty0/active), not tty1"; return 1; }
	posted=$(awk '$1 == "panic_posted:" { print $2 }' "$ctrlq")
	skipped=$(awk '$1 == "panic_skipped:" { print $2 }' "$ctrlq")
	[ -n "$posted" ] && [ -n "$skipped" ] || { echo "no panic counters in $ctrlq"; return 1; }
	case $expect in posted) posted=$((posted + 1)) ;; *) skipped=$((skipped + 1)) ;; esac
	echo 1 >"$file" || return 1
	awk -v p="$posted" -v s="$skipped" '
		$1 == "panic_posted:" && $2 != p { print "panic_posted: " $2 ", expected " p; bad = 1 }
		$1 == "panic_skipped:" && $2 != s { print "panic_skipped: " $2 ", expected " s; bad = 1 }
		END { exit bad }' "$ctrlq" || rc=1
	if [ "$expect" = posted ]; then
		shoot "$name" panic || rc=1
	fi
	printf '\033[H\033[2J' >/dev/tty1 || rc=1
	return $rc
}
