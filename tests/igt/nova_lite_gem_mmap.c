// SPDX-License-Identifier: MIT
/*
 * DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET and mmap() of GEM objects: what a mapping
 * holds, how long it lives, who may map an object; dumb buffers, which are
 * nova-lite objects too; and PRIME imports from another driver, which every
 * nova-lite ioctl refuses with EINVAL.
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "igt_nova_lite.h"

#define OBJ_SIZE (1u << 20)
#define RW (PROT_READ | PROT_WRITE)

static uint64_t page;

static void fill(void *ptr, uint64_t size, uint32_t seed)
{
	uint32_t *p = ptr;

	for (size_t i = 0; i < size / 4; i++)
		p[i] = nlt_pattern(seed, i);
}

static void check(const void *ptr, uint64_t size, uint32_t seed)
{
	const uint32_t *p = ptr;

	for (size_t i = 0; i < size / 4; i++)
		igt_assert_f(p[i] == nlt_pattern(seed, i), "byte %zu: %#x, want %#x\n", 4 * i, p[i],
			     nlt_pattern(seed, i));
}

static void check_zero(const void *ptr, uint64_t size)
{
	const uint32_t *p = ptr;

	for (size_t i = 0; i < size / 4; i++)
		igt_assert_f(p[i] == 0, "byte %zu of a new object: %#x\n", 4 * i, p[i]);
}

static void *map_offset(int fd, uint64_t offset, uint64_t size)
{
	return mmap(NULL, size, RW, MAP_SHARED, fd, offset);
}

/* GEM_INFO on @handle fails with @err. */
static void info_err(int fd, uint32_t handle, int err)
{
	struct drm_nova_lite_gem_info info = { .handle = handle };

	igt_assert_eq(__nova_lite_gem_info(fd, &info), -err);
}

/* GEM_MMAP_OFFSET on @handle, with @pad, fails with @err. */
static void mmap_offset_err(int fd, uint32_t handle, uint32_t pad, int err)
{
	struct drm_nova_lite_gem_mmap_offset arg = { .handle = handle, .pad = pad };

	igt_assert_eq(__nova_lite_gem_mmap_offset(fd, &arg), -err);
}

/* Every nova-lite ioctl that takes a handle refuses @handle, an object it did not create. */
static void refused_by_driver(int fd, uint32_t handle)
{
	struct drm_nova_lite_resource_create create = {
		.handle = handle, .format = DRM_FORMAT_XRGB8888, .width = 64, .height = 64,
	};
	struct drm_nova_lite_transfer transfer = { .handle = handle, .rect = { 0, 0, 64, 64 } };
	struct drm_nova_lite_wait wait = { .handle = handle, .flags = NOVA_LITE_WAIT_NOWAIT };

	info_err(fd, handle, EINVAL);
	mmap_offset_err(fd, handle, 0, EINVAL);
	igt_assert_eq(__nova_lite_resource_create(fd, &create), -EINVAL);
	igt_assert_eq(__nova_lite_transfer_to_host(fd, &transfer), -EINVAL);
	igt_assert_eq(__nova_lite_wait(fd, &wait), -EINVAL);
}

igt_main
{
	int fd = -1;

	igt_fixture {
		fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		page = sysconf(_SC_PAGESIZE);
	}

	igt_describe("A pattern written through a shared mapping is read back through a new "
		     "mapping of the same offset.");
	igt_subtest("mmap-write-read") {
		uint32_t handle = nova_lite_gem_create(fd, OBJ_SIZE);
		uint64_t offset = nova_lite_gem_mmap_offset(fd, handle);
		void *p = map_offset(fd, offset, OBJ_SIZE);

		igt_assert(p != MAP_FAILED);
		fill(p, OBJ_SIZE, 0x1234abcd);
		igt_assert_eq(munmap(p, OBJ_SIZE), 0);
		p = map_offset(fd, offset, OBJ_SIZE);
		igt_assert(p != MAP_FAILED);
		check(p, OBJ_SIZE, 0x1234abcd);
		igt_assert_eq(munmap(p, OBJ_SIZE), 0);
		gem_close(fd, handle);
	}

	igt_describe("A new object reads as zeros, even after an object was filled and freed.");
	igt_subtest("fresh-zero") {
		for (int i = 0; i < 4; i++) {
			uint32_t handle = nova_lite_gem_create(fd, OBJ_SIZE);
			void *p = nova_lite_gem_mmap(fd, handle, OBJ_SIZE, RW);

			check_zero(p, OBJ_SIZE);
			/* Dirty the pages, which the next object may get. */
			fill(p, OBJ_SIZE, 0xdeadbeef + i);
			igt_assert_eq(munmap(p, OBJ_SIZE), 0);
			gem_close(fd, handle);
		}
	}

	igt_describe("Two mappings of one object share its pages: a write through one is seen "
		     "through the other, both ways.");
	igt_subtest("two-mappings") {
		uint32_t handle = nova_lite_gem_create(fd, OBJ_SIZE);
		void *a = nova_lite_gem_mmap(fd, handle, OBJ_SIZE, RW);
		void *b = nova_lite_gem_mmap(fd, handle, OBJ_SIZE, RW);

		igt_assert(a != b);
		fill(a, OBJ_SIZE, 0x600dcafe);
		check(b, OBJ_SIZE, 0x600dcafe);
		fill(b, OBJ_SIZE, 0x0badf00d);
		check(a, OBJ_SIZE, 0x0badf00d);
		igt_assert_eq(munmap(a, OBJ_SIZE), 0);
		igt_assert_eq(munmap(b, OBJ_SIZE), 0);
		gem_close(fd, handle);
	}

	igt_describe("A mapping keeps the object alive after GEM_CLOSE of its last handle: it "
		     "still reads the data and takes writes until munmap().");
	igt_subtest("unmap-after-close") {
		uint32_t handle = nova_lite_gem_create(fd, OBJ_SIZE);
		void *p = nova_lite_gem_mmap(fd, handle, OBJ_SIZE, RW);

		fill(p, OBJ_SIZE, 0x13579bdf);
		gem_close(fd, handle);
		info_err(fd, handle, ENOENT);
		check(p, OBJ_SIZE, 0x13579bdf);
		fill(p, OBJ_SIZE, 0x2468ace0);
		check(p, OBJ_SIZE, 0x2468ace0);
		igt_assert_eq(munmap(p, OBJ_SIZE), 0);
	}

	igt_describe("Another file cannot map an object's offset (EACCES); once it imports the "
		     "object through PRIME, it gets an offset of its own and sees the same data.");
	igt_subtest("isolation") {
		int b = drm_open_driver_render(DRIVER_NOVA_LITE);
		uint32_t handle = nova_lite_gem_create(fd, OBJ_SIZE), hb;
		uint64_t offset = nova_lite_gem_mmap_offset(fd, handle);
		void *pa = map_offset(fd, offset, OBJ_SIZE), *pb;
		int dmabuf;

		igt_assert(pa != MAP_FAILED);
		fill(pa, OBJ_SIZE, 0x5eed0001);

		pb = map_offset(b, offset, OBJ_SIZE);
		igt_assert(pb == MAP_FAILED);
		igt_assert_eq(errno, EACCES);

		dmabuf = prime_handle_to_fd(fd, handle);
		hb = prime_fd_to_handle(b, dmabuf);
		close(dmabuf);
		igt_assert_eq_u64(nova_lite_gem_size(b, hb), OBJ_SIZE);
		pb = map_offset(b, nova_lite_gem_mmap_offset(b, hb), OBJ_SIZE);
		igt_assert(pb != MAP_FAILED);
		check(pb, OBJ_SIZE, 0x5eed0001);
		fill(pb, OBJ_SIZE, 0x5eed0002);
		check(pa, OBJ_SIZE, 0x5eed0002);

		igt_assert_eq(munmap(pa, OBJ_SIZE), 0);
		igt_assert_eq(munmap(pb, OBJ_SIZE), 0);
		gem_close(fd, handle);
		gem_close(b, hb);
		drm_close_driver(b);
	}

	igt_describe("MMAP_OFFSET of a handle that was never created is ENOENT; a non-zero pad "
		     "is EINVAL.");
	igt_subtest("bad-handle") {
		uint32_t handle = nova_lite_gem_create(fd, page);

		mmap_offset_err(fd, 0, 0, ENOENT);
		mmap_offset_err(fd, 0x7fffffff, 0, ENOENT);
		mmap_offset_err(fd, ~0u, 0, ENOENT);
		mmap_offset_err(fd, handle, 1, EINVAL);
		mmap_offset_err(fd, handle, 0x80000000, EINVAL);
		gem_close(fd, handle);
	}

	igt_describe("MMAP_OFFSET of a closed handle is ENOENT, and once the last handle is "
		     "closed with no mapping left, mmap() of the old offset fails.");
	igt_subtest("closed-handle") {
		uint32_t handle = nova_lite_gem_create(fd, OBJ_SIZE);
		uint64_t offset = nova_lite_gem_mmap_offset(fd, handle);
		void *p;

		gem_close(fd, handle);
		mmap_offset_err(fd, handle, 0, ENOENT);
		p = map_offset(fd, offset, OBJ_SIZE);
		igt_assert_f(p == MAP_FAILED, "mmap of a freed object's offset succeeded\n");
		igt_info("mmap of the freed object's offset: %s\n", strerrorname_np(errno));
		p = map_offset(fd, offset, page);
		igt_assert_f(p == MAP_FAILED, "mmap of a freed object's first page succeeded\n");
	}

	igt_describe("The offset is page-aligned and the same on every call; a mapping may be "
		     "shorter than the object but not reach beyond its end.");
	igt_subtest("offset-stable") {
		uint32_t handle = nova_lite_gem_create(fd, 4 * page);
		uint64_t offset = nova_lite_gem_mmap_offset(fd, handle);
		void *p;

		igt_assert_eq_u64(offset % page, 0);
		igt_assert_eq_u64(nova_lite_gem_mmap_offset(fd, handle), offset);
		igt_assert_eq_u64(nova_lite_gem_mmap_offset(fd, handle), offset);

		p = map_offset(fd, offset, page);
		igt_assert(p != MAP_FAILED);
		igt_assert_eq(munmap(p, page), 0);

		p = map_offset(fd, offset, 5 * page);
		igt_assert_f(p == MAP_FAILED, "a mapping longer than the object succeeded\n");
		p = map_offset(fd, offset + page, 4 * page);
		igt_assert_f(p == MAP_FAILED, "a mapping past the object's end succeeded\n");

		igt_assert_eq_u64(nova_lite_gem_mmap_offset(fd, handle), offset);
		gem_close(fd, handle);
	}

	igt_describe("On the primary node a dumb buffer is a nova-lite object: GEM_INFO gives "
		     "its size (pages), MODE_MAP_DUMB and GEM_MMAP_OFFSET the same offset, its "
		     "mapping keeps what is written; MODE_DESTROY_DUMB releases it.");
	igt_subtest("dumb-own-object") {
		int primary = drm_open_driver(DRIVER_NOVA_LITE);
		struct drm_mode_create_dumb dumb = dumb_create_64x64(primary);
		struct drm_mode_map_dumb map = { .handle = dumb.handle };
		struct drm_mode_destroy_dumb destroy = { .handle = dumb.handle };
		struct drm_nova_lite_gem_info info = { .handle = dumb.handle };
		void *p;

		igt_assert_eq(dumb.pitch, 64 * 4);
		igt_assert_eq(__nova_lite_gem_info(primary, &info), 0);
		igt_assert_eq_u64(info.size, (dumb.size + page - 1) / page * page);
		do_ioctl(primary, DRM_IOCTL_MODE_MAP_DUMB, &map);
		igt_assert_eq_u64(nova_lite_gem_mmap_offset(primary, dumb.handle), map.offset);
		p = map_offset(primary, map.offset, dumb.size);
		igt_assert_f(p != MAP_FAILED, "mmap of the dumb buffer failed: %m\n");
		fill(p, dumb.size, 0xd0d0d0d0);
		check(p, dumb.size, 0xd0d0d0d0);
		igt_assert_eq(munmap(p, dumb.size), 0);

		do_ioctl(primary, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
		info_err(primary, dumb.handle, ENOENT);
		drm_close_driver(primary);
	}

	igt_describe("A vgem buffer imported through PRIME gets a handle, which GEM_INFO, "
		     "GEM_MMAP_OFFSET and the resource ioctls refuse with EINVAL; GEM_CLOSE "
		     "releases it.");
	igt_subtest("prime-foreign-refused") {
		int vgem = open_vgem();
		struct drm_mode_create_dumb dumb;
		uint32_t handle;
		int dmabuf, primary;

		dumb = dumb_create_64x64(vgem);
		dmabuf = prime_handle_to_fd(vgem, dumb.handle);
		/* The primary node: the file's handles then also name dumb buffers. */
		primary = drm_open_driver(DRIVER_NOVA_LITE);
		handle = prime_fd_to_handle(primary, dmabuf);

		refused_by_driver(primary, handle);
		gem_close(primary, handle);
		info_err(primary, handle, ENOENT);
		drm_close_driver(primary);

		close(dmabuf);
		gem_close(vgem, dumb.handle);
		drm_close_driver(vgem);
	}

	igt_describe("A nova-lite object exported and imported in the same file is the same "
		     "handle; imported in another file, it is the same object (same size, alive "
		     "after the first file closes its handle).");
	igt_subtest("prime-self-import") {
		int b = drm_open_driver_render(DRIVER_NOVA_LITE);
		uint32_t handle = nova_lite_gem_create(fd, 5 * page), hb;
		int dmabuf = prime_handle_to_fd(fd, handle);

		igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), handle);
		hb = prime_fd_to_handle(b, dmabuf);
		close(dmabuf);
		igt_assert_eq_u64(nova_lite_gem_size(b, hb), 5 * page);

		gem_close(fd, handle);
		info_err(fd, handle, ENOENT);
		igt_assert_eq_u64(nova_lite_gem_size(b, hb), 5 * page);
		gem_close(b, hb);
		drm_close_driver(b);
	}

	igt_fixture
		drm_close_driver(fd);
}
