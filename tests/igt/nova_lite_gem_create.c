// SPDX-License-Identifier: MIT
/*
 * DRM_IOCTL_NOVA_LITE_GEM_CREATE: sizes and their rounding, the size limit,
 * flags, many objects, and which nodes may create objects.
 */

#include <stdlib.h>
#include <unistd.h>

#include "igt.h"
#include "igt_nova_lite.h"

#define MANY 1024
#define LOOPS 1024

static void create_err(int fd, uint64_t size, uint32_t flags, int err)
{
	struct drm_nova_lite_gem_create create = {
		.size = size, .flags = flags, .handle = 0xdeadbeef,
	};

	do_ioctl_err(fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &create, err);
	igt_assert_eq_u32(create.handle, 0xdeadbeef);
}

/* Creates an object of @size and checks the size reported back. */
static void create_check(int fd, uint64_t size, uint64_t expected)
{
	struct drm_nova_lite_gem_create create = { .size = size, .handle = 0 };

	do_ioctl(fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &create);
	igt_assert_neq_u32(create.handle, 0);
	igt_assert_eq_u64(create.size, expected);
	igt_assert_eq_u64(nova_lite_gem_size(fd, create.handle), expected);
	gem_close(fd, create.handle);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

igt_main
{
	uint64_t page = 0, max = 0;
	int fd = -1;

	igt_fixture {
		fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		page = sysconf(_SC_PAGESIZE);
		max = nova_lite_getparam(fd, NOVA_LITE_PARAM_GEM_MAX_SIZE);
	}

	igt_describe("A page-sized object can be created on the render node.");
	igt_subtest("basic")
		create_check(fd, page, page);

	igt_describe("Sizes are rounded up to the page size.");
	igt_subtest("size-rounded-up") {
		create_check(fd, 1, page);
		create_check(fd, page - 1, page);
		create_check(fd, page + 1, 2 * page);
		create_check(fd, 5000, 2 * page);
	}

	igt_describe("An object of exactly the advertised maximum size can be created.");
	igt_subtest("max-size")
		create_check(fd, max, max);

	igt_describe("A size just below the maximum rounds up to the maximum and is accepted.");
	igt_subtest("max-size-unaligned")
		create_check(fd, max - page + 1, max);

	igt_describe("Size 0 is EINVAL.");
	igt_subtest("zero-size")
		create_err(fd, 0, 0, EINVAL);

	igt_describe("One byte over the maximum is EINVAL.");
	igt_subtest("over-max-size")
		create_err(fd, max + 1, 0, EINVAL);

	igt_describe("Sizes that overflow when rounded up to the page size are EINVAL.");
	igt_subtest("size-overflow") {
		create_err(fd, ~0ull, 0, EINVAL);
		create_err(fd, ~0ull - page + 2, 0, EINVAL);
		create_err(fd, 1ull << 63, 0, EINVAL);
	}

	igt_describe("Any non-zero flag is EINVAL: none is defined.");
	igt_subtest("invalid-flags") {
		for (int bit = 0; bit < 32; bit++)
			create_err(fd, page, 1u << bit, EINVAL);
	}

	igt_describe("Many objects at once get distinct handles, and all can be closed.");
	igt_subtest("many-objects") {
		uint32_t *handles = calloc(MANY, sizeof(*handles));

		igt_assert(handles);
		for (int i = 0; i < MANY; i++)
			handles[i] = nova_lite_gem_create(fd, page * (1 + i % 4));
		for (int i = 0; i < MANY; i++)
			igt_assert_eq_u64(nova_lite_gem_size(fd, handles[i]), page * (1 + i % 4));
		qsort(handles, MANY, sizeof(*handles), cmp_u32);
		for (int i = 1; i < MANY; i++)
			igt_assert_neq_u32(handles[i], handles[i - 1]);
		for (int i = 0; i < MANY; i++)
			gem_close(fd, handles[i]);
		free(handles);
	}

	igt_describe("Creating and closing objects in a loop works every time (a leak shows in "
		     "the driver's live counts, which ci/guest/check.sh checks after the IGT run).");
	igt_subtest("create-close-loop") {
		for (int i = 0; i < LOOPS; i++)
			gem_close(fd, nova_lite_gem_create(fd, page));
	}

	igt_describe("An authenticated client of the primary node (root) may create objects.");
	igt_subtest("primary-node") {
		int primary = drm_open_driver(DRIVER_NOVA_LITE);

		create_check(primary, page, page);
		drm_close_driver(primary);
	}

	igt_fixture
		drm_close_driver(fd);
}
