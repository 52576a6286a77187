# Sourced by the guest scripts (check.sh, demo.sh, bench.sh): weston on a card of the GPU with its
# DRM backend and the pixman renderer, as root without logind or seatd (libseat's noop backend:
# weston opens the devices itself) and without input devices (libinput needs udev, which the
# guest has not), with tests/weston/weston.ini's desktop, whose every pixel is predictable; and
# wl_pattern's window (tests/weston/wl_pattern.c) in it. Like screen.sh's, each function handles
# its own failures (returns non-zero, never exits).
WESTON_SOCKET=wayland-nl
export XDG_RUNTIME_DIR=/tmp/xdg
# weston_start [CARD]: starts weston in the background on CARD (card0 if not given), its log in
# /tmp/weston.log; sets weston_pid, and weston_t0 (CLOCK_MONOTONIC, in ns, at its launch). Fails
# if weston does not listen on its socket within 120 s.
weston_start() {
	local card=${1:-card0} i
	# A tmpfs of its own for the socket and its lock file: nothing goes to the guest's root.
	mkdir -p "$XDG_RUNTIME_DIR" || return 1
	if mountpoint -q "$XDG_RUNTIME_DIR"; then
		find "$XDG_RUNTIME_DIR" -mindepth 1 -delete || return 1
	else
		mount -t tmpfs -o mode=0700 xdg "$XDG_RUNTIME_DIR" || return 1
	fi
	weston_t0=$(wl_pattern --now) || return 1
	LIBSEAT_BACKEND=noop weston --backend=drm --renderer=pixman --drm-device="$card" \
		--continue-without-input --shell=desktop --socket="$WESTON_SOCKET" \
		--config=/srv/tests/weston/weston.ini --log=/tmp/weston.log </dev/null >/tmp/weston.out 2>&1 &
	weston_pid=$!
	for i in $(seq 1200); do
		[ -S "$XDG_RUNTIME_DIR/$WESTON_SOCKET" ] && return 0
		kill -0 $weston_pid 2>/dev/null || break
		sleep 0.1
	done
	echo "weston does not listen on $XDG_RUNTIME_DIR/$WESTON_SOCKET"
	tail -n 20 /tmp/weston.log /tmp/weston.out
	return 1
}
# stop_pid PID WHAT: SIGTERM, then up to 30 s for PID to exit (SIGKILL after that, and up to 10 s
# more); returns its exit status, or 255 if it had to be killed.
stop_pid() {
	local i rc=0
	kill -TERM "$1" 2>/dev/null
	for i in $(seq 300); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "$2 did not exit within 30 s of SIGTERM"
		kill -KILL "$1"
		for i in $(seq 100); do
			kill -0 "$1" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$1" 2>/dev/null && { echo "$2 did not end within 10 s of SIGKILL"; return 255; }
		wait "$1"
		return 255
	fi
	wait "$1" || rc=$?
	[ $rc = 0 ] || echo "$2 exited with status $rc"
	return $rc
}
# weston_stop: stops weston (stop_pid); shows its log's last lines if it did not exit with 0.
weston_stop() {
	stop_pid "$weston_pid" weston && return 0
	tail -n 20 /tmp/weston.log /tmp/weston.out
	return 1
}
# wl_client_start OUT: starts wl_pattern (a maximized window), its output in OUT, and waits up to
# 120 s for its first frame to be presented; sets wl_pid.
wl_client_start() {
	local i
	WAYLAND_DISPLAY=$WESTON_SOCKET wl_pattern --wait-socket 60 --since "$weston_t0" --hold \
		>"$1" 2>&1 &
	wl_pid=$!
	for i in $(seq 1200); do
		grep -q '^presented' "$1" && return 0
		kill -0 $wl_pid 2>/dev/null || break
		sleep 0.1
	done
	cat "$1"
	echo "wl_pattern's first frame was not presented"
	return 1
}
# weston_desktop NAME [CARD DEVICE]: weston on CARD (card0 if not given), its desktop (screenshot
# NAME-desktop of head 0 of QEMU's device DEVICE, `gpu` if not given: the panel and the
# background), then wl_pattern's maximized window in it (screenshot NAME-client, the client's
# output in /mnt/NAME-client.txt), then the client and weston stopped with SIGTERM: both must
# exit with 0.
weston_desktop() {
	local name=$1 card=${2:-card0} device=${3:-gpu} rc=0
	weston_start "$card" || return 1
	shoot "$name-desktop" weston-desktop 0 "$device" || rc=1
	if wl_client_start "/mnt/$name-client.txt"; then
		shoot "$name-client" weston-client 0 "$device" || rc=1
		stop_pid "$wl_pid" wl_pattern || rc=1
	else
		kill $wl_pid 2>/dev/null; wait $wl_pid; rc=1
	fi
	cat "/mnt/$name-client.txt"
	weston_stop || rc=1
	return $rc
}
# weston_first_frame CARD RUNS: RUNS times, weston on CARD and wl_pattern's window in it, both
# stopped after the client's first frame was presented; prints the milliseconds from weston's
# launch to that presentation (wl_pattern's "presented" line), one line per run.
weston_first_frame() {
	local card=$1 runs=$2 i ms
	for i in $(seq "$runs"); do
		weston_start "$card" || return 1
		wl_client_start /tmp/wl-first.txt || { weston_stop >/dev/null; return 1; }
		ms=$(sed -n 's/^presented \([0-9.]*\).*/\1/p' /tmp/wl-first.txt)
		stop_pid "$wl_pid" wl_pattern || return 1
		weston_stop || return 1
		[ -n "$ms" ] || { cat /tmp/wl-first.txt; return 1; }
		echo "$ms"
	done
}
