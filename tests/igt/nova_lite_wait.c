// SPDX-License-Identifier: MIT
/*
 * DRM_IOCTL_NOVA_LITE_WAIT and posted commands: RESOURCE_CREATE and
 * TRANSFER_TO_HOST return once their commands are queued; WAIT waits for
 * them and returns the resource's first error. What WAIT
 * accepts and refuses, that it answers EBUSY (no-wait) while commands are in
 * flight and 0 after, and that objects and files closed with commands in
 * flight go cleanly (the guest script checks the live counts after the IGT
 * run). The device's errors are provoked in nova_lite_resource's
 * hostmem-loop (max_hostmem).
 */

#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "igt_nova_lite.h"

#define FMT DRM_FORMAT_XRGB8888
#define RECT(x_, y_, w_, h_) \
	((struct drm_nova_lite_rect){ .x = (x_), .y = (y_), .width = (w_), .height = (h_) })
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A resource the device takes a while to transfer: 4 MiB. */
#define BIG 1024
#define BUSY_TRANSFERS 16
#define BUSY_ATTEMPTS 20

/* A new object made a @w x @h resource; returns its handle. */
static uint32_t resource(int fd, uint32_t w, uint32_t h)
{
	uint32_t handle = nova_lite_gem_create(fd, 4ull * w * h);

	nova_lite_resource_create(fd, handle, FMT, w, h);
	return handle;
}

static int wait_flags(int fd, uint32_t handle, uint32_t flags, int64_t timeout_ns)
{
	struct drm_nova_lite_wait arg = {
		.handle = handle, .flags = flags, .timeout_ns = timeout_ns,
	};

	return __nova_lite_wait(fd, &arg);
}

static int nowait(int fd, uint32_t handle)
{
	return wait_flags(fd, handle, NOVA_LITE_WAIT_NOWAIT, 0);
}

/* Posts @n transfers of the whole @dim x @dim resource @handle. */
static void post_transfers(int fd, uint32_t handle, uint32_t dim, int n)
{
	for (int i = 0; i < n; i++)
		nova_lite_transfer_to_host(fd, handle, RECT(0, 0, dim, dim));
}

igt_main
{
	int fd = -1;

	igt_fixture
		fd = drm_open_driver(DRIVER_NOVA_LITE);

	igt_describe("WAIT after RESOURCE_CREATE and TRANSFER_TO_HOST returns 0 and writes back "
		     "the time left; so does a no-wait WAIT once they completed, and a WAIT with "
		     "timeout 0.");
	igt_subtest("basic") {
		uint32_t handle = resource(fd, 64, 64);

		struct drm_nova_lite_wait arg = { .handle = handle, .timeout_ns = 10000000000ll };

		igt_assert_eq(nova_lite_wait(fd, handle), 0);
		igt_assert_eq(nowait(fd, handle), 0);
		nova_lite_transfer_to_host(fd, handle, RECT(0, 0, 64, 64));
		igt_assert_eq(__nova_lite_wait(fd, &arg), 0);
		/* The time left is written back: some of the 10 s went by, not all. */
		igt_assert_f(arg.timeout_ns > 0 && arg.timeout_ns < 10000000000ll,
			     "time left after WAIT: %lld ns of 10 s\n", (long long)arg.timeout_ns);
		igt_assert_eq(nowait(fd, handle), 0);
		igt_assert_eq(wait_flags(fd, handle, 0, 0), 0);
		gem_close(fd, handle);
	}

	igt_describe("With transfers of 4 MiB in flight, a no-wait WAIT is EBUSY (seen at least "
		     "once in 20 tries); WAIT then returns 0, and a no-wait WAIT after it 0.");
	igt_subtest("nowait-busy") {
		uint32_t handle = resource(fd, BIG, BIG);
		int busy = 0, ret;

		igt_assert_eq(nova_lite_wait(fd, handle), 0);
		for (int i = 0; i < BUSY_ATTEMPTS && !busy; i++) {
			post_transfers(fd, handle, BIG, BUSY_TRANSFERS);
			ret = nowait(fd, handle);
			igt_assert_f(ret == 0 || ret == -EBUSY, "no-wait WAIT in flight: %s\n",
				     strerrorname_np(-ret));
			busy += ret == -EBUSY;
			igt_assert_eq(nova_lite_wait(fd, handle), 0);
			igt_assert_eq(nowait(fd, handle), 0);
		}
		igt_assert_f(busy, "no-wait WAIT never saw %d transfers of 4 MiB in flight\n",
			     BUSY_TRANSFERS);
		gem_close(fd, handle);
	}

	igt_describe("WAIT with timeout 0 and no flag while transfers are in flight is ETIMEDOUT "
		     "(seen at least once in 20 tries), never EBUSY.");
	igt_subtest("zero-timeout") {
		uint32_t handle = resource(fd, BIG, BIG);
		int timedout = 0, ret;

		igt_assert_eq(nova_lite_wait(fd, handle), 0);
		for (int i = 0; i < BUSY_ATTEMPTS && !timedout; i++) {
			post_transfers(fd, handle, BIG, BUSY_TRANSFERS);
			ret = wait_flags(fd, handle, 0, 0);
			igt_assert_f(ret == 0 || ret == -ETIMEDOUT, "WAIT with timeout 0: %s\n",
				     strerrorname_np(-ret));
			timedout += ret == -ETIMEDOUT;
			igt_assert_eq(nova_lite_wait(fd, handle), 0);
		}
		igt_assert(timedout);
		gem_close(fd, handle);
	}

	igt_describe("WAIT on handle 0, on a handle never created or closed, or of another file "
		     "is ENOENT; on an object that is not a resource (a dumb buffer too) ENXIO; "
		     "unknown flags, a non-zero pad or a negative timeout are EINVAL.");
	igt_subtest("invalid") {
		uint32_t handle = resource(fd, 64, 64);
		uint32_t plain = nova_lite_gem_create(fd, 4096);
		uint32_t closed = resource(fd, 64, 64);
		int other = drm_open_driver_render(DRIVER_NOVA_LITE);
		struct drm_mode_create_dumb dumb = dumb_create_64x64(fd);
		uint32_t spare[16], foreign;
		struct drm_nova_lite_wait arg;

		/* Handles are per file: @other's resource gets a number @fd does not use. */
		for (size_t i = 0; i < ARRAY_SIZE(spare); i++)
			spare[i] = nova_lite_gem_create(other, 4096);
		foreign = resource(other, 64, 64);
		igt_assert_f(foreign > dumb.handle && foreign > closed,
			     "the other file's handle %u is one of this file's\n", foreign);

		gem_close(fd, closed);
		igt_assert_eq(nova_lite_wait(fd, 0), -ENOENT);
		igt_assert_eq(nova_lite_wait(fd, 0x7fffffff), -ENOENT);
		igt_assert_eq(nova_lite_wait(fd, closed), -ENOENT);
		igt_assert_eq(nova_lite_wait(fd, foreign), -ENOENT);
		igt_assert_eq(nova_lite_wait(fd, plain), -ENXIO);
		igt_assert_eq(nova_lite_wait(fd, dumb.handle), -ENXIO);
		igt_assert_eq(wait_flags(fd, handle, 2, 0), -EINVAL);
		igt_assert_eq(wait_flags(fd, handle, 0x80000000, 0), -EINVAL);
		igt_assert_eq(wait_flags(fd, handle, NOVA_LITE_WAIT_NOWAIT | 4, 0), -EINVAL);
		igt_assert_eq(wait_flags(fd, handle, 0, -1), -EINVAL);
		igt_assert_eq(wait_flags(fd, handle, 0, INT64_MIN), -EINVAL);
		arg = (struct drm_nova_lite_wait){ .handle = handle, .timeout_ns = 1000000000,
						   .pad = 1 };
		igt_assert_eq(__nova_lite_wait(fd, &arg), -EINVAL);
		arg.pad = 1ull << 63;
		igt_assert_eq(__nova_lite_wait(fd, &arg), -EINVAL);
		arg.pad = 0;
		igt_assert_eq(__nova_lite_wait(fd, &arg), 0);
		igt_assert_eq(nova_lite_wait(other, foreign), 0);

		gem_close(fd, handle);
		gem_close(fd, plain);
		gem_close(fd, dumb.handle);
		for (size_t i = 0; i < ARRAY_SIZE(spare); i++)
			gem_close(other, spare[i]);
		drm_close_driver(other);
	}

	igt_describe("Objects closed right after their transfers were posted, and a file closed "
		     "with resources whose transfers are in flight, go without a device error; "
		     "new resources work after (the live counts are checked after the IGT run).");
	igt_subtest("close-in-flight") {
		uint64_t before[NOVA_LITE_ERROR_COUNTERS];
		int other = drm_open_driver_render(DRIVER_NOVA_LITE);
		uint32_t handle;

		nova_lite_read_error_counters(fd, before);
		for (int i = 0; i < 8; i++) {
			handle = resource(fd, BIG, BIG);
			post_transfers(fd, handle, BIG, 4);
			gem_close(fd, handle);
		}
		for (int i = 0; i < 8; i++) {
			handle = resource(other, BIG, BIG);
			post_transfers(other, handle, BIG, 4);
		}
		drm_close_driver(other);

		handle = resource(fd, 64, 64);
		nova_lite_transfer_to_host(fd, handle, RECT(0, 0, 64, 64));
		igt_assert_eq(nova_lite_wait(fd, handle), 0);
		gem_close(fd, handle);
		nova_lite_assert_no_new_errors(fd, before);
	}

	igt_fixture
		drm_close_driver(fd);
}
