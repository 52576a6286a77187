# SPDX-License-Identifier: GPL-2.0
#
# nova-lite: the two commands of README.md, and the userspace pieces they build.
#   make demo    build everything, boot the VM, modprobe nova-lite and show what it exposes
#   make check   the project's tests (what CI runs)
# The kernel-side build lives in ci/kernel.sh: this directory is not a kbuild directory.

SHELL := /bin/bash
CFLAGS ?= -O2 -g
override CFLAGS += -Wall -Wextra -Werror -std=gnu11
DRM_CFLAGS = $(shell pkg-config --cflags libdrm)
DRM_LIBS = $(shell pkg-config --libs libdrm)
UAPI := uapi/drm/nova_lite_drm.h
BIN := out/bin

.PHONY: demo check setup kernel guest-root userspace clean

demo:
	@bash ci/demo.sh

check:
	@bash ci/check.sh

setup:
	@bash ci/setup-host.sh

kernel: setup
	@bash ci/kernel.sh

guest-root: setup
	@bash ci/guest-root.sh

userspace: $(BIN)/nova-lite-info

$(BIN)/nova-lite-info: tools/nova-lite-info.c $(UAPI)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DRM_CFLAGS) -Iuapi/drm $< $(DRM_LIBS) -o $@

clean:
	rm -rf out
