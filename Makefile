# SPDX-License-Identifier: GPL-2.0
#
# nova-lite: the four commands of README.md, and the userspace pieces they build.
#   make demo    build everything, boot the VM, modprobe nova-lite and show what it exposes
#   make check   the project's tests on the debug kernel (what CI runs)
#   make quick   the edit loop: the same on fewer tests (ci/check.sh)
#   make bench   nova-lite against the C drivers in one boot, as ratios (ci/bench.sh)
# The kernel-side build lives in ci/kernel.sh: this directory is not a kbuild directory.

SHELL := /bin/bash
CFLAGS ?= -O2 -g
override CFLAGS += -Wall -Wextra -Werror -std=gnu11
DRM_CFLAGS = $(shell pkg-config --cflags libdrm)
DRM_LIBS = $(shell pkg-config --libs libdrm)
UAPI := uapi/drm/nova_lite_drm.h
# The helpers the client, the fuzzer, the bench and the IGT tests share (node search, formats,
# data pattern, EDID checks).
COMMON := tests/common/nova_lite_test.h
BIN := out/bin

.PHONY: demo check quick bench setup kernel guest-root userspace clean

demo:
	@bash ci/demo.sh

check:
	@bash ci/check.sh

quick:
	@bash ci/check.sh quick

bench:
	@bash ci/bench.sh

setup:
	@bash ci/setup-host.sh

# make kernel [FLAVOUR=debug|release]
FLAVOUR ?= debug
kernel: setup
	@bash ci/kernel.sh $(FLAVOUR)

guest-root: setup
	@bash ci/guest-root.sh

IGT_TESTS := nova_lite_getparam nova_lite_gem_create nova_lite_gem_info nova_lite_gem_mmap nova_lite_query \
	nova_lite_resource nova_lite_wait nova_lite_unplug
IGT_LIB := $(wildcard tests/igt/lib/*.c)
IGT_HDR := $(wildcard tests/igt/lib/*.h) $(UAPI) $(COMMON)

userspace: $(BIN)/nova-lite-info $(BIN)/nova_lite_fuzz $(BIN)/nova_lite_bench $(IGT_TESTS:%=$(BIN)/igt/%)

$(BIN)/nova-lite-info: tools/nova-lite-info.c $(UAPI) $(COMMON)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DRM_CFLAGS) -Iuapi/drm -Itests $< $(DRM_LIBS) -o $@

# The fuzzer: tests/fuzz/, one concern a file, sharing tests/fuzz/fuzz.h.
FUZZ_SRC := $(wildcard tests/fuzz/*.c)

$(BIN)/nova_lite_fuzz: $(FUZZ_SRC) tests/fuzz/fuzz.h $(UAPI) $(COMMON)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DRM_CFLAGS) -Iuapi/drm -Itests $(FUZZ_SRC) $(DRM_LIBS) -lpthread -o $@

$(BIN)/nova_lite_bench: tests/nova_lite_bench.c $(UAPI) $(COMMON)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DRM_CFLAGS) -Iuapi/drm -Itests $< $(DRM_LIBS) -o $@

# -Wno-clobbered: igt_fixture/igt_subtest are setjmp-based, as in IGT. Variables set in a fixture
# are never written between a subtest's setjmp and its longjmp, which GCC cannot see.
$(BIN)/igt/%: tests/igt/%.c $(IGT_LIB) $(IGT_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-clobbered $(DRM_CFLAGS) -Iuapi/drm -Itests -Itests/igt/lib $< $(IGT_LIB) $(DRM_LIBS) -o $@

clean:
	rm -rf out
