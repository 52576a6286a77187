// SPDX-License-Identifier: MIT
/*
 * DRM_IOCTL_NOVA_LITE_GEM_INFO: what it reports, the reserved fields, and
 * handle lifetime and visibility across files and nodes.
 */

#include <unistd.h>

#include "igt.h"
#include "igt_nova_lite.h"

static void info_err(int fd, uint32_t handle, uint32_t pad, int err)
{
	struct drm_nova_lite_gem_info info = {
		.handle = handle, .pad = pad, .size = 0x1234, .flags = 0x5678,
	};

	do_ioctl_err(fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &info, err);
	igt_assert_eq_u64(info.size, 0x1234);
	igt_assert_eq_u32(info.flags, 0x5678);
}

/* An object created through @fd is not visible through @other, which is closed after. */
static void invisible_from(int fd, int other, uint64_t size)
{
	uint32_t handle = nova_lite_gem_create(fd, size);

	info_err(other, handle, 0, ENOENT);
	gem_close(fd, handle);
	drm_close_driver(other);
}

igt_main
{
	uint64_t page = 0;
	int fd = -1;

	igt_fixture {
		fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		page = sysconf(_SC_PAGESIZE);
	}

	igt_describe("GEM_INFO reports the size and flags of objects of several sizes.");
	igt_subtest("basic") {
		for (uint64_t pages = 1; pages <= 256; pages *= 4) {
			uint32_t handle = nova_lite_gem_create(fd, pages * page);
			struct drm_nova_lite_gem_info info = { .handle = handle };

			do_ioctl(fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &info);
			igt_assert_eq_u64(info.size, pages * page);
			igt_assert_eq_u32(info.flags, 0);
			igt_assert_eq_u32(info.handle, handle);
			gem_close(fd, handle);
		}
	}

	igt_describe("Every output field is written and the reserved output is zeroed, "
		     "whatever the input held.");
	igt_subtest("outputs-initialised") {
		uint32_t handle = nova_lite_gem_create(fd, 3 * page);
		struct drm_nova_lite_gem_info info;

		memset(&info, 0xa5, sizeof(info));
		info.handle = handle;
		info.pad = 0;
		do_ioctl(fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &info);
		igt_assert_eq_u64(info.size, 3 * page);
		igt_assert_eq_u32(info.flags, 0);
		igt_assert_eq_u32(info.pad, 0);
		igt_assert_eq_u32(info.pad2, 0);
		gem_close(fd, handle);
	}

	igt_describe("A non-zero pad is EINVAL, even for a valid handle.");
	igt_subtest("nonzero-pad") {
		uint32_t handle = nova_lite_gem_create(fd, page);

		info_err(fd, handle, 1, EINVAL);
		info_err(fd, handle, 0x80000000, EINVAL);
		gem_close(fd, handle);
	}

	igt_describe("Handle 0 is never valid: ENOENT.");
	igt_subtest("invalid-handle-zero")
		info_err(fd, 0, 0, ENOENT);

	igt_describe("A handle that was never created is ENOENT.");
	igt_subtest("invalid-handle-unknown") {
		info_err(fd, 0x7fffffff, 0, ENOENT);
		info_err(fd, ~0u, 0, ENOENT);
	}

	igt_describe("A closed handle is ENOENT.");
	igt_subtest("closed-handle") {
		uint32_t handle = nova_lite_gem_create(fd, page);

		gem_close(fd, handle);
		info_err(fd, handle, 0, ENOENT);
	}

	igt_describe("Closing a handle twice fails the second time (EINVAL from the core).");
	igt_subtest("double-close") {
		uint32_t handle = nova_lite_gem_create(fd, page);

		gem_close(fd, handle);
		igt_assert_eq(__gem_close(fd, handle), -EINVAL);
	}

	igt_describe("A handle of one file is not visible from another file: ENOENT.");
	igt_subtest("other-file")
		invisible_from(fd, drm_open_driver_render(DRIVER_NOVA_LITE), page);

	igt_describe("A render-node handle is not visible from the primary node: ENOENT.");
	igt_subtest("render-not-on-primary")
		invisible_from(fd, drm_open_driver(DRIVER_NOVA_LITE), page);

	igt_describe("Two files may hold the same handle number for different objects; each "
		     "sees its own.");
	igt_subtest("same-handle-two-files") {
		int a = drm_open_driver_render(DRIVER_NOVA_LITE);
		int b = drm_open_driver_render(DRIVER_NOVA_LITE);
		uint32_t ha = nova_lite_gem_create(a, page);
		uint32_t hb = nova_lite_gem_create(b, 7 * page);

		/* Fresh files allocate handles from the same start. */
		igt_assert_eq_u32(ha, hb);
		igt_assert_eq_u64(nova_lite_gem_size(a, ha), page);
		igt_assert_eq_u64(nova_lite_gem_size(b, hb), 7 * page);
		drm_close_driver(a);
		drm_close_driver(b);
	}

	igt_describe("Handles of a closed file are gone; a new file does not inherit them.");
	igt_subtest("file-close-releases") {
		int a = drm_open_driver_render(DRIVER_NOVA_LITE);
		uint32_t handle = nova_lite_gem_create(a, 5 * page);
		int b;

		drm_close_driver(a);
		b = drm_open_driver_render(DRIVER_NOVA_LITE);
		info_err(b, handle, 0, ENOENT);
		drm_close_driver(b);
	}

	igt_fixture
		drm_close_driver(fd);
}
