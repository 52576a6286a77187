# Sourced by the guest scripts: drawing on scanout 0 and asking the host (ci/vm.sh's watcher,
# with NOVA_LITE_SCREEN=1, which creates /mnt/screen-watch) for a screenshot while it is shown.
# shoot NAME [CHECK]: asks the host for a screenshot, saved as /mnt/screen-NAME.ppm. With CHECK
# (fbcon or smpte: ci/lib.sh's screen_check) it is of the GPU's head 0, taken again until it passes
# that check or 10 s have passed; the host judges it after the boot (ci/check.sh).
shoot() {
	local i
	rm -f /mnt/screen-done
	echo "$1${2:+ $2}" >/mnt/screen-request
	for i in $(seq 600); do
		[ -f /mnt/screen-done ] && { rm -f /mnt/screen-done; return 0; }
		sleep 0.1
	done
	echo "the host took no screenshot within 60 s"
	return 1
}
# draw SEED NAME: draws pattern SEED on scanout 0 and keeps it shown until the screenshot NAME.
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
