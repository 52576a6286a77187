#!/usr/bin/env bash
# `make demo`: builds what is missing, boots the VM on the release kernel (no debug options) and
# shows nova-lite binding the GPU (ci/guest/demo.sh). Exit status: that of the guest run.
. "$(dirname "$0")/lib.sh"

"$REPO/ci/setup-host.sh"
"$REPO/ci/kernel.sh" release
step "building the client"
make -s -C "$REPO" userspace
"$REPO/ci/guest-root.sh"
"$REPO/ci/vm.sh" release ci/guest/demo.sh
