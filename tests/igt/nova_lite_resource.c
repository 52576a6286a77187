// SPDX-License-Identifier: MIT
/*
 * The host-resource ioctls: DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE,
 * _TRANSFER_TO_HOST, _SET_SCANOUT and _RESOURCE_FLUSH. What they accept and
 * refuse, that freeing an object gives its host resource back (checked against
 * QEMU's max_hostmem), and many threads at once.
 *
 * hostmem-loop needs NOVA_LITE_EXPECT_MAX_HOSTMEM: the max_hostmem property
 * (in bytes) of the VM's virtio-gpu device, set by the script that started
 * the VM. A missing variable fails that subtest.
 */

#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "igt_nova_lite.h"

#define FMT NOVA_LITE_FORMAT_B8G8R8X8_UNORM
#define W 64
#define H 64
#define RECT(x_, y_, w_, h_) \
	((struct drm_nova_lite_rect){ .x = (x_), .y = (y_), .width = (w_), .height = (h_) })
#define FULL RECT(0, 0, W, H)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define LIFECYCLE_LOOPS 50
#define MIB (1u << 20)
#define THREADS 4
#define THREAD_LOOPS 100

/* A new object of 4 * @w * @h bytes made a @w x @h resource; returns its handle. */
static uint32_t resource(int fd, uint32_t w, uint32_t h)
{
	uint32_t handle = nova_lite_gem_create(fd, 4ull * w * h);

	nova_lite_resource_create(fd, handle, FMT, w, h);
	return handle;
}

static int resource_create(int fd, uint32_t handle, uint32_t format, uint32_t w, uint32_t h)
{
	struct drm_nova_lite_resource_create arg = {
		.handle = handle, .format = format, .width = w, .height = h,
	};

	return __nova_lite_resource_create(fd, &arg);
}

enum rect_op { TRANSFER, FLUSH, SCANOUT };
static const char *const rect_op_names[] = { "TRANSFER_TO_HOST", "RESOURCE_FLUSH",
					     "SET_SCANOUT" };

/* TRANSFER_TO_HOST, RESOURCE_FLUSH or SET_SCANOUT (of scanout 0) of @rect of @handle. */
static int rect_op(int fd, enum rect_op op, uint32_t handle, struct drm_nova_lite_rect rect)
{
	switch (op) {
	case TRANSFER: {
		struct drm_nova_lite_transfer arg = { .handle = handle, .rect = rect };

		return __nova_lite_transfer_to_host(fd, &arg);
	}
	case FLUSH: {
		struct drm_nova_lite_flush arg = { .handle = handle, .rect = rect };

		return __nova_lite_resource_flush(fd, &arg);
	}
	default: {
		struct drm_nova_lite_set_scanout arg = { .scanout = 0, .handle = handle,
							 .rect = rect };

		return __nova_lite_set_scanout(fd, &arg);
	}
	}
}

/* A no-wait WAIT: 0, EBUSY, or the resource's first error. */
static int wait_nowait(int fd, uint32_t handle)
{
	struct drm_nova_lite_wait arg = { .handle = handle, .flags = NOVA_LITE_WAIT_NOWAIT };

	return __nova_lite_wait(fd, &arg);
}

static int set_scanout(int fd, uint32_t scanout, uint32_t handle, struct drm_nova_lite_rect rect)
{
	struct drm_nova_lite_set_scanout arg = { .scanout = scanout, .handle = handle, .rect = rect };

	return __nova_lite_set_scanout(fd, &arg);
}

/* Fills the object's pixels through a mapping, so that a transfer copies something. */
static void draw(int fd, uint32_t handle, uint64_t size, uint32_t color)
{
	uint32_t *p = nova_lite_gem_mmap(fd, handle, size, PROT_READ | PROT_WRITE);

	for (uint64_t i = 0; i < size / 4; i++)
		p[i] = color + i;
	igt_assert_eq(munmap(p, size), 0);
}

struct thread {
	pthread_t id;
	int fd;
	unsigned int failed;
	int first_err;		/* errno of the first failure, 0 if none */
	const char *first_op;	/* the ioctl that failed first */
};

/* Creates, makes a resource of, transfers and closes objects; counts the failures. */
static void *worker(void *arg)
{
	struct thread *t = arg;

	for (int i = 0; i < THREAD_LOOPS; i++) {
		struct drm_nova_lite_gem_create create = { .size = 4 * W * H };
		struct drm_nova_lite_resource_create res = {
			.format = FMT, .width = W, .height = H,
		};
		struct drm_nova_lite_transfer transfer = { .rect = FULL };
		const char *op = "GEM_CREATE";
		int ret;

		ret = __nova_lite_gem_create(t->fd, &create);
		if (!ret) {
			op = "RESOURCE_CREATE";
			res.handle = create.handle;
			ret = __nova_lite_resource_create(t->fd, &res);
			if (!ret && (res.stride != 4 * W || !res.resource_id))
				ret = -EPROTO;
		}
		if (!ret) {
			op = "TRANSFER_TO_HOST";
			transfer.handle = create.handle;
			ret = __nova_lite_transfer_to_host(t->fd, &transfer);
		}
		if (create.handle) {
			int err = __gem_close(t->fd, create.handle);

			if (!ret && err) {
				op = "GEM_CLOSE";
				ret = err;
			}
		}
		if (ret) {
			t->failed++;
			if (!t->first_err) {
				t->first_err = -ret;
				t->first_op = op;
			}
		}
	}
	return NULL;
}

igt_main
{
	uint32_t nscanouts = 0;
	int fd = -1;

	igt_fixture {
		/* The primary node, as DRM master: SET_SCANOUT is allowed for the master only. */
		fd = drm_open_driver(DRIVER_NOVA_LITE);
		nscanouts = nova_lite_getparam(fd, NOVA_LITE_PARAM_NUM_SCANOUTS);
	}

	igt_describe("Every format makes a resource: stride 4 * width, a resource id that is "
		     "not 0 and differs from every live resource's; a second RESOURCE_CREATE on "
		     "the same object is EBUSY.");
	igt_subtest("create") {
		uint32_t handles[NLT_NFORMATS], ids[NLT_NFORMATS];

		for (size_t i = 0; i < NLT_NFORMATS; i++) {
			struct drm_nova_lite_resource_create arg;

			handles[i] = nova_lite_gem_create(fd, 4 * W * H);
			memset(&arg, 0xa5, sizeof(arg));
			arg.handle = handles[i];
			arg.format = nlt_formats[i];
			arg.width = W;
			arg.height = H;
			arg.pad = 0;
			igt_assert_f(__nova_lite_resource_create(fd, &arg) == 0,
				     "format %u: %m\n", nlt_formats[i]);
			igt_assert_eq_u32(arg.stride, 4 * W);
			igt_assert_neq_u32(arg.resource_id, 0);
			ids[i] = arg.resource_id;
			for (size_t j = 0; j < i; j++)
				igt_assert_f(ids[j] != ids[i], "resource id %u given twice\n", ids[i]);
		}
		igt_assert_eq(resource_create(fd, handles[0], nlt_formats[0], W, H), -EBUSY);
		igt_assert_eq(resource_create(fd, handles[0], nlt_formats[1], W / 2, H / 2),
			      -EBUSY);
		for (size_t i = 0; i < NLT_NFORMATS; i++)
			gem_close(fd, handles[i]);
	}

	igt_describe("50 times: create a resource, transfer, show it on scanout 0, flush, "
		     "disable the scanout, close; then 10 times closing it while shown. The "
		     "device answers no command with an error.");
	igt_subtest("lifecycle") {
		uint64_t before[NOVA_LITE_ERROR_COUNTERS];

		nova_lite_read_error_counters(fd, before);
		for (int i = 0; i < LIFECYCLE_LOOPS; i++) {
			uint32_t handle = resource(fd, W, H);

			draw(fd, handle, 4 * W * H, i << 24);
			nova_lite_transfer_to_host(fd, handle, RECT(8, 8, 16, 16));
			nova_lite_transfer_to_host(fd, handle, FULL);
			nova_lite_set_scanout(fd, 0, handle, FULL);
			nova_lite_resource_flush(fd, handle, FULL);
			nova_lite_disable_scanout(fd, 0);
			gem_close(fd, handle);
		}
		/* Freeing an object disables the scanouts that show it. */
		for (int i = 0; i < 10; i++) {
			uint32_t handle = resource(fd, W, H);

			nova_lite_transfer_to_host(fd, handle, FULL);
			nova_lite_set_scanout(fd, 0, handle, FULL);
			nova_lite_resource_flush(fd, handle, FULL);
			gem_close(fd, handle);
		}
		nova_lite_disable_scanout(fd, 0);
		nova_lite_assert_no_new_errors(fd, before);
	}

	igt_describe("Formats that are not an enum drm_nova_lite_format are EINVAL, and leave "
		     "the object free to become a resource.");
	igt_subtest("bad-format") {
		static const uint32_t bad[] = { 0, 5, 999, 0xffffffff };
		uint32_t handle = nova_lite_gem_create(fd, 4 * W * H);

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
			igt_assert_f(resource_create(fd, handle, bad[i], W, H) == -EINVAL,
				     "format %u was not refused with EINVAL\n", bad[i]);
		nova_lite_resource_create(fd, handle, FMT, W, H);
		gem_close(fd, handle);
	}

	igt_describe("A width or height of 0 or above NOVA_LITE_RESOURCE_MAX_DIM, or an object "
		     "smaller than stride * height, is EINVAL; an object that fits exactly works.");
	igt_subtest("bad-size") {
		const uint32_t over = NOVA_LITE_RESOURCE_MAX_DIM + 1;
		/* Large enough for a row or a column of over pixels. */
		uint32_t big = nova_lite_gem_create(fd, 4ull * over);
		uint32_t small = nova_lite_gem_create(fd, 4096);

		igt_assert_eq(resource_create(fd, big, FMT, 0, 1), -EINVAL);
		igt_assert_eq(resource_create(fd, big, FMT, 1, 0), -EINVAL);
		igt_assert_eq(resource_create(fd, big, FMT, 0, 0), -EINVAL);
		igt_assert_eq(resource_create(fd, big, FMT, over, 1), -EINVAL);
		igt_assert_eq(resource_create(fd, big, FMT, 1, over), -EINVAL);
		igt_assert_eq(resource_create(fd, big, FMT, 0xffffffff, 1), -EINVAL);
		igt_assert_eq(resource_create(fd, big, FMT, NOVA_LITE_RESOURCE_MAX_DIM,
					      NOVA_LITE_RESOURCE_MAX_DIM), -EINVAL);
		igt_assert_eq(resource_create(fd, small, FMT, 64, 64), -EINVAL);
		igt_assert_eq(resource_create(fd, small, FMT, 32, 33), -EINVAL);
		nova_lite_resource_create(fd, small, FMT, 32, 32);
		nova_lite_resource_create(fd, big, FMT, NOVA_LITE_RESOURCE_MAX_DIM, 1);
		gem_close(fd, small);
		gem_close(fd, big);
	}

	igt_describe("A non-zero pad in RESOURCE_CREATE, TRANSFER_TO_HOST or RESOURCE_FLUSH is "
		     "EINVAL; the same calls with pad 0 work.");
	igt_subtest("pad") {
		uint32_t handle = nova_lite_gem_create(fd, 4 * W * H);
		struct drm_nova_lite_resource_create create = {
			.handle = handle, .format = FMT, .width = W, .height = H,
		};
		struct drm_nova_lite_transfer transfer = { .handle = handle, .rect = FULL };
		struct drm_nova_lite_flush flush = { .handle = handle, .rect = FULL };

		create.pad = 1;
		igt_assert_eq(__nova_lite_resource_create(fd, &create), -EINVAL);
		create.pad = 1ull << 63;
		igt_assert_eq(__nova_lite_resource_create(fd, &create), -EINVAL);
		create.pad = 0;
		igt_assert_eq(__nova_lite_resource_create(fd, &create), 0);

		transfer.pad = 1;
		igt_assert_eq(__nova_lite_transfer_to_host(fd, &transfer), -EINVAL);
		transfer.pad = 0x80000000;
		igt_assert_eq(__nova_lite_transfer_to_host(fd, &transfer), -EINVAL);
		transfer.pad = 0;
		igt_assert_eq(__nova_lite_transfer_to_host(fd, &transfer), 0);

		flush.pad = 1;
		igt_assert_eq(__nova_lite_resource_flush(fd, &flush), -EINVAL);
		flush.pad = 0x80000000;
		igt_assert_eq(__nova_lite_resource_flush(fd, &flush), -EINVAL);
		flush.pad = 0;
		igt_assert_eq(__nova_lite_resource_flush(fd, &flush), 0);
		gem_close(fd, handle);
	}

	igt_describe("Every resource ioctl with a handle that was never created, or was "
		     "closed, is ENOENT.");
	igt_subtest("bad-handle") {
		uint32_t closed = resource(fd, W, H);
		const uint32_t unknown[] = { 0x7fffffff, ~0u, closed };

		gem_close(fd, closed);
		for (size_t i = 0; i < ARRAY_SIZE(unknown); i++) {
			igt_assert_eq(resource_create(fd, unknown[i], FMT, W, H), -ENOENT);
			for (enum rect_op op = TRANSFER; op <= SCANOUT; op++)
				igt_assert_f(rect_op(fd, op, unknown[i], FULL) == -ENOENT,
					     "%s of handle %#x was not ENOENT\n", rect_op_names[op],
					     unknown[i]);
		}
		/* Handle 0 is no object (for SET_SCANOUT it means "disable"). */
		igt_assert_eq(resource_create(fd, 0, FMT, W, H), -ENOENT);
		igt_assert_eq(rect_op(fd, TRANSFER, 0, FULL), -ENOENT);
		igt_assert_eq(rect_op(fd, FLUSH, 0, FULL), -ENOENT);
	}

	igt_describe("TRANSFER_TO_HOST, RESOURCE_FLUSH and SET_SCANOUT of an object that is not "
		     "a resource are ENXIO; once it is one, they work.");
	igt_subtest("not-a-resource") {
		uint32_t handle = nova_lite_gem_create(fd, 4 * W * H);

		for (enum rect_op op = TRANSFER; op <= SCANOUT; op++)
			igt_assert_f(rect_op(fd, op, handle, FULL) == -ENXIO,
				     "%s of a plain object was not ENXIO\n", rect_op_names[op]);
		nova_lite_resource_create(fd, handle, FMT, W, H);
		for (enum rect_op op = TRANSFER; op <= SCANOUT; op++)
			igt_assert_f(rect_op(fd, op, handle, FULL) == 0, "%s of the resource: %m\n",
				     rect_op_names[op]);
		nova_lite_disable_scanout(fd, 0);
		gem_close(fd, handle);
	}

	igt_describe("A rectangle that is empty or not inside the 64x64 resource (also through "
		     "32-bit overflow) is EINVAL for TRANSFER_TO_HOST, RESOURCE_FLUSH and "
		     "SET_SCANOUT; the full rectangle works.");
	igt_subtest("rect-out-of-bounds") {
		static const struct drm_nova_lite_rect bad[] = {
			{ 0, 0, 0, H }, { 0, 0, W, 0 }, { 0, 0, 0, 0 },
			{ 1, 0, W, H }, { 0, 1, W, H }, { 0, 0, W + 1, H }, { 0, 0, W, H + 1 },
			{ W, 0, 1, 1 }, { 0, H, 1, 1 }, { W - 1, 0, 2, 16 }, { 0, H - 1, 16, 2 },
			{ 0xffffffff, 0, 2, H }, { 0, 0xffffffff, W, 2 },
			{ 0xffffffff, 0xffffffff, 2, 2 }, { 1, 0, 0xffffffff, H },
			{ 0, 1, W, 0xffffffff },
		};
		uint32_t handle = resource(fd, W, H);

		for (enum rect_op op = TRANSFER; op <= SCANOUT; op++) {
			for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
				igt_assert_f(rect_op(fd, op, handle, bad[i]) == -EINVAL,
					     "%s of (%u, %u) %ux%u was not EINVAL\n",
					     rect_op_names[op], bad[i].x, bad[i].y, bad[i].width,
					     bad[i].height);
			igt_assert_f(rect_op(fd, op, handle, FULL) == 0, "%s of the full rectangle: "
				     "%m\n", rect_op_names[op]);
		}
		nova_lite_disable_scanout(fd, 0);
		gem_close(fd, handle);
	}

	igt_describe("SET_SCANOUT of a scanout at or above NOVA_LITE_PARAM_NUM_SCANOUTS is "
		     "EINVAL, as is disabling (handle 0) with a rectangle that is not all 0; the "
		     "last scanout works.");
	igt_subtest("scanout-out-of-range") {
		uint32_t handle = resource(fd, W, H);

		igt_assert(nscanouts >= 1);
		{
			/* Showing something is the DRM master's: a render node is refused. */
			int render = drm_open_driver_render(DRIVER_NOVA_LITE);

			igt_assert_eq(set_scanout(render, 0, 0, RECT(0, 0, 0, 0)), -EACCES);
			drm_close_driver(render);
		}
		igt_assert_eq(set_scanout(fd, nscanouts, handle, FULL), -EINVAL);
		igt_assert_eq(set_scanout(fd, 0xffffffff, handle, FULL), -EINVAL);
		igt_assert_eq(set_scanout(fd, nscanouts, 0, RECT(0, 0, 0, 0)), -EINVAL);
		igt_assert_eq(set_scanout(fd, 0xffffffff, 0, RECT(0, 0, 0, 0)), -EINVAL);
		igt_assert_eq(set_scanout(fd, 0, 0, FULL), -EINVAL);
		igt_assert_eq(set_scanout(fd, 0, 0, RECT(1, 0, 0, 0)), -EINVAL);
		igt_assert_eq(set_scanout(fd, 0, 0, RECT(0, 0, 0, 1)), -EINVAL);

		nova_lite_set_scanout(fd, nscanouts - 1, handle, FULL);
		nova_lite_disable_scanout(fd, nscanouts - 1);
		gem_close(fd, handle);
	}

	igt_describe("4 threads x 100 times create an object, make it a resource, transfer it "
		     "and close it, two in files of their own, two in a shared file: every call "
		     "succeeds and the device answers no command with an error.");
	igt_subtest("threads") {
		uint64_t before[NOVA_LITE_ERROR_COUNTERS];
		struct thread t[THREADS];
		unsigned int failed = 0;
		int first_err = 0;
		const char *first_op = NULL;

		nova_lite_read_error_counters(fd, before);
		for (int i = 0; i < THREADS; i++) {
			t[i] = (struct thread){ .fd = i < 2 ? drm_open_driver_render(DRIVER_NOVA_LITE)
							    : fd };
			igt_assert_eq(pthread_create(&t[i].id, NULL, worker, &t[i]), 0);
		}
		for (int i = 0; i < THREADS; i++) {
			pthread_join(t[i].id, NULL);
			failed += t[i].failed;
			if (!first_err) {
				first_err = t[i].first_err;
				first_op = t[i].first_op;
			}
			if (i < 2)
				drm_close_driver(t[i].fd);
		}
		igt_assert_f(failed == 0, "%u of %d iterations failed; first: %s, %s\n", failed,
			     THREADS * THREAD_LOOPS, first_op ?: "none",
			     first_err ? strerrorname_np(first_err) : "none");
		nova_lite_assert_no_new_errors(fd, before);
	}

	/* Last: a failure here may leave the host's memory full. */
	igt_describe("Resources of 1 MiB are created without waiting until past the host's "
		     "max_hostmem: every RESOURCE_CREATE returns at once; WAIT then reports 0 for "
		     "the first ones and ENOMEM (the host's answer) for every one past the limit, "
		     "which a TRANSFER_TO_HOST of it returns at once too. Once freed, twice as "
		     "many come and go one after the other, each shown and flushed: freeing gives "
		     "the host's memory back.");
	igt_subtest("hostmem-loop") {
		const char *env = getenv("NOVA_LITE_EXPECT_MAX_HOSTMEM");
		const struct drm_nova_lite_rect all = RECT(0, 0, 512, 512);
		uint64_t max_hostmem, oom_before, n;
		uint32_t *handles, count, fit = 0;
		char *end = NULL;
		int ret = 0;

		igt_assert_f(env && *env, "NOVA_LITE_EXPECT_MAX_HOSTMEM (the max_hostmem of the "
			     "VM's virtio-gpu device, in bytes) is not set\n");
		errno = 0;
		max_hostmem = strtoull(env, &end, 0);
		igt_assert_f(!errno && !*end && max_hostmem >= 2 * MIB,
			     "NOVA_LITE_EXPECT_MAX_HOSTMEM=%s is not a size in bytes of at least "
			     "2 MiB\n", env);
		n = max_hostmem / MIB;
		count = n + 4;
		handles = calloc(count, sizeof(*handles));
		igt_assert(handles);

		oom_before = nova_lite_ctrlq_counter(fd, "err_out_of_memory");
		for (uint32_t i = 0; i < count; i++) {
			handles[i] = nova_lite_gem_create(fd, MIB);
			ret = resource_create(fd, handles[i], FMT, 512, 512);
			igt_assert_f(ret == 0, "RESOURCE_CREATE %u of %u: %s\n", i + 1, count,
				     strerrorname_np(-ret));
		}
		/* The host answers in order: the first ones fit, every later one is refused. */
		for (uint32_t i = 0; i < count; i++) {
			ret = nova_lite_wait(fd, handles[i]);
			if (ret == 0 && fit == i) {
				fit++;
				continue;
			}
			igt_assert_f(ret == -ENOMEM, "WAIT of resource %u (%u fit before it): %s, "
				     "not %s\n", i + 1, fit, strerrorname_np(-ret),
				     fit == i ? "0 or ENOMEM" : "ENOMEM");
			/* The first error stays: every later operation returns it at once. */
			igt_assert_eq(__nova_lite_transfer_to_host(fd, &(struct drm_nova_lite_transfer){
					      .handle = handles[i], .rect = all }), -ENOMEM);
			igt_assert_eq(wait_nowait(fd, handles[i]), -ENOMEM);
		}
		igt_info("%u of %u resources of 1 MiB fit in max_hostmem %" PRIu64 " MiB\n", fit,
			 count, n);
		igt_assert_f(fit < count, "%u resources of 1 MiB fit in max_hostmem %" PRIu64
			     " MiB, at most %" PRIu64 " should\n", fit, n, n + 1);
		igt_assert_f(fit >= n / 2, "only %u resources of 1 MiB fit in %" PRIu64 " MiB\n",
			     fit, n);
		/* The ENOMEMs are the host's answers to the creations, one each. */
		igt_assert_eq_u64(nova_lite_ctrlq_counter(fd, "err_out_of_memory"),
				  oom_before + (count - fit));

		for (uint32_t i = 0; i < count; i++)
			gem_close(fd, handles[i]);
		free(handles);

		for (uint64_t i = 0; i < 2 * n; i++) {
			uint32_t handle = nova_lite_gem_create(fd, MIB);

			nova_lite_resource_create(fd, handle, FMT, 512, 512);
			nova_lite_transfer_to_host(fd, handle, all);
			nova_lite_set_scanout(fd, 0, handle, all);
			nova_lite_resource_flush(fd, handle, all);
			ret = nova_lite_wait(fd, handle);
			igt_assert_f(ret == 0, "resource %" PRIu64 " of %" PRIu64 " after freeing: "
				     "%s\n", i + 1, 2 * n, strerrorname_np(-ret));
			gem_close(fd, handle);
		}
		nova_lite_disable_scanout(fd, 0);
	}

	igt_fixture
		drm_close_driver(fd);
}
