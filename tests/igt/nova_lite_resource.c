// SPDX-License-Identifier: MIT
/*
 * Host resources: DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE and _TRANSFER_TO_HOST,
 * and the framebuffers KMS makes of nova-lite objects on the primary node
 * (ADDFB2 makes an object a resource, or must match the one it is). What they
 * accept and refuse, objects shown on the scanout through atomic commits
 * (alive after GEM_CLOSE while shown, freed while shown, their file closed
 * while shown), that freeing an object gives its host resource back (checked
 * against QEMU's max_hostmem), and many threads at once.
 *
 * The KMS subtests are DRM master of the primary node and use the first
 * connected connector at its preferred mode; they leave the CRTC off.
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

#define FMT DRM_FORMAT_XRGB8888
#define W 64
#define H 64
#define RECT(x_, y_, w_, h_) \
	((struct drm_nova_lite_rect){ .x = (x_), .y = (y_), .width = (w_), .height = (h_) })
#define FULL RECT(0, 0, W, H)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Shown then freed, a multiple of the FB_KINDS kinds of objects; freed while shown. */
#define LIFECYCLE_LOOPS 9
#define FREED_SHOWN_LOOPS 3
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

static int transfer(int fd, uint32_t handle, struct drm_nova_lite_rect rect)
{
	struct drm_nova_lite_transfer arg = { .handle = handle, .rect = rect };

	return __nova_lite_transfer_to_host(fd, &arg);
}

/* A no-wait WAIT: 0, EBUSY, or the resource's first error. */
static int wait_nowait(int fd, uint32_t handle)
{
	struct drm_nova_lite_wait arg = { .handle = handle, .flags = NOVA_LITE_WAIT_NOWAIT };

	return __nova_lite_wait(fd, &arg);
}

/* Fills the object's pixels through a mapping, so that a transfer copies something. */
static void draw(int fd, uint32_t handle, uint64_t size, uint32_t seed)
{
	uint32_t *p = nova_lite_gem_mmap(fd, handle, size, PROT_READ | PROT_WRITE);

	for (uint64_t i = 0; i < size / 4; i++)
		p[i] = nlt_pattern(seed, i);
	igt_assert_eq(munmap(p, size), 0);
}

/* The objects a framebuffer can be made of, each a nova-lite object. */
enum fb_object {
	FB_PLAIN,	/* GEM_CREATE: the first framebuffer makes it a resource */
	FB_RESOURCE,	/* GEM_CREATE + RESOURCE_CREATE in XRGB8888, before any framebuffer */
	FB_DUMB,	/* CREATE_DUMB: the first framebuffer makes it a resource */
	FB_KINDS,
};

struct fb {
	uint32_t handle, pitch, id;
	uint64_t size;
};

/*
 * An object of kind @kind for a @w x @h XRGB8888 framebuffer, drawn with the pattern of @seed
 * (unless @seed is 0), and the framebuffer made of it; its size is the object's (whole pages).
 */
static struct fb fb_create(int fd, enum fb_object kind, uint32_t w, uint32_t h, uint32_t seed)
{
	struct fb fb = { .pitch = 4 * w };

	if (kind == FB_DUMB) {
		struct drm_mode_create_dumb dumb = { .width = w, .height = h, .bpp = 32 };

		do_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb);
		fb.handle = dumb.handle;
		fb.pitch = dumb.pitch;
	} else {
		fb.handle = nova_lite_gem_create(fd, 4ull * w * h);
		if (kind == FB_RESOURCE)
			nova_lite_resource_create(fd, fb.handle, FMT, w, h);
	}
	fb.size = nova_lite_gem_size(fd, fb.handle);
	if (seed)
		draw(fd, fb.handle, fb.size, seed);
	fb.id = nova_lite_addfb(fd, fb.handle, w, h, fb.pitch, FMT);
	return fb;
}

/* A mode-sized framebuffer for @kms. */
static struct fb mode_fb(struct nova_lite_kms *kms, enum fb_object kind, uint32_t seed)
{
	return fb_create(kms->fd, kind, kms->mode.hdisplay, kms->mode.vdisplay, seed);
}

/* ADDFB2 of @handle, expecting @err (0: success, then the framebuffer is removed again). */
static void addfb_expect(int fd, uint32_t handle, uint32_t w, uint32_t h, uint32_t pitch,
			 uint32_t format, int err)
{
	uint32_t fb;
	int ret = __nova_lite_addfb(fd, handle, w, h, pitch, format, &fb);

	igt_assert_f(ret == -err, "ADDFB2 of handle %u, %ux%u, pitch %u, format %.4s: %s, "
		     "not %s\n", handle, w, h, pitch, (const char *)&format,
		     ret ? strerrorname_np(-ret) : "success",
		     err ? strerrorname_np(err) : "success");
	if (!ret)
		nova_lite_rmfb(fd, fb);
}

/*
 * Waits for the host's resources to be @want, freed ones included (a resource goes when the
 * device has answered its destruction).
 */
static void host_resources_back(uint64_t want, const char *after)
{
	uint64_t now = nova_lite_live_wait("host_resources", want);

	igt_assert_f(now == want, "host resources: %" PRIu64 " after %s, %" PRIu64 " before\n",
		     now, after, want);
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
		struct drm_nova_lite_transfer xfer = { .rect = FULL };
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
			xfer.handle = create.handle;
			ret = __nova_lite_transfer_to_host(t->fd, &xfer);
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
	struct nova_lite_kms kms;
	int fd = -1;

	igt_fixture
		/* The primary node: framebuffers and showing them are its business. */
		fd = drm_open_driver(DRIVER_NOVA_LITE);

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
				     "format %.4s: %m\n", (const char *)&nlt_formats[i]);
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

	igt_describe("9 times, a mode-sized object (plain, made a resource by RESOURCE_CREATE, "
		     "or a dumb buffer, in turn) is drawn, made a framebuffer, transferred (the "
		     "framebuffer made the others resources too), shown on the CRTC, marked dirty, "
		     "taken off the plane, removed and closed; then 3 times one is closed and "
		     "removed while shown (RMFB turns the CRTC off). The device answers no command "
		     "with an error.");
	igt_subtest("lifecycle") {
		uint64_t before[NOVA_LITE_ERROR_COUNTERS];

		nova_lite_read_error_counters(fd, before);
		nova_lite_kms_init(fd, &kms);
		for (int i = 0; i < LIFECYCLE_LOOPS; i++) {
			struct fb fb = mode_fb(&kms, i % FB_KINDS, i + 1);

			nova_lite_transfer_to_host(fd, fb.handle, RECT(8, 8, 16, 16));
			nova_lite_kms_show(&kms, fb.id);
			igt_assert_eq_u32(nova_lite_kms_shown(&kms), fb.id);
			nova_lite_dirtyfb(fd, fb.id, 8, 8, 16, 16);
			nova_lite_kms_show(&kms, 0);
			igt_assert_eq_u32(nova_lite_kms_shown(&kms), 0);
			nova_lite_rmfb(fd, fb.id);
			gem_close(fd, fb.handle);
		}
		for (int i = 0; i < FREED_SHOWN_LOOPS; i++) {
			struct fb fb = mode_fb(&kms, i % FB_KINDS, 0);

			nova_lite_kms_show(&kms, fb.id);
			gem_close(fd, fb.handle);
			nova_lite_rmfb(fd, fb.id);
			igt_assert_eq_u32(nova_lite_kms_shown(&kms), 0);
		}
		nova_lite_kms_fini(&kms);
		nova_lite_assert_no_new_errors(fd, before);
	}

	igt_describe("Codes that are not one of the 8 fourccs of the virtio-gpu formats are "
		     "EINVAL (the old enum drm_nova_lite_format values among them, and XRGB8888 "
		     "with the big-endian flag), and leave the object free to become a resource.");
	igt_subtest("bad-format") {
		static const uint32_t bad[] = {
			0, 1, 2, 3, 4, 67, 68, 121, 134, 0xffffffff,
			DRM_FORMAT_XRGB8888 | DRM_FORMAT_BIG_ENDIAN, DRM_FORMAT_RGB565,
			DRM_FORMAT_XRGB2101010, DRM_FORMAT_RGB888, DRM_FORMAT_NV12,
		};
		uint32_t handle = nova_lite_gem_create(fd, 4 * W * H);

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
			igt_assert_f(resource_create(fd, handle, bad[i], W, H) == -EINVAL,
				     "format %#x was not refused with EINVAL\n", bad[i]);
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

	igt_describe("A non-zero pad in RESOURCE_CREATE or TRANSFER_TO_HOST is EINVAL; the same "
		     "calls with pad 0 work.");
	igt_subtest("pad") {
		uint32_t handle = nova_lite_gem_create(fd, 4 * W * H);
		struct drm_nova_lite_resource_create create = {
			.handle = handle, .format = FMT, .width = W, .height = H,
		};
		struct drm_nova_lite_transfer xfer = { .handle = handle, .rect = FULL };

		create.pad = 1;
		igt_assert_eq(__nova_lite_resource_create(fd, &create), -EINVAL);
		create.pad = 1ull << 63;
		igt_assert_eq(__nova_lite_resource_create(fd, &create), -EINVAL);
		create.pad = 0;
		igt_assert_eq(__nova_lite_resource_create(fd, &create), 0);

		xfer.pad = 1;
		igt_assert_eq(__nova_lite_transfer_to_host(fd, &xfer), -EINVAL);
		xfer.pad = 0x80000000;
		igt_assert_eq(__nova_lite_transfer_to_host(fd, &xfer), -EINVAL);
		xfer.pad = 0;
		igt_assert_eq(__nova_lite_transfer_to_host(fd, &xfer), 0);
		gem_close(fd, handle);
	}

	igt_describe("RESOURCE_CREATE and TRANSFER_TO_HOST with handle 0, a handle that was never "
		     "created, or one that was closed, are ENOENT.");
	igt_subtest("bad-handle") {
		uint32_t closed = resource(fd, W, H);
		const uint32_t unknown[] = { 0, 0x7fffffff, ~0u, closed };

		gem_close(fd, closed);
		for (size_t i = 0; i < ARRAY_SIZE(unknown); i++) {
			igt_assert_eq(resource_create(fd, unknown[i], FMT, W, H), -ENOENT);
			igt_assert_f(transfer(fd, unknown[i], FULL) == -ENOENT,
				     "TRANSFER_TO_HOST of handle %#x was not ENOENT\n", unknown[i]);
		}
	}

	igt_describe("TRANSFER_TO_HOST of an object that is not a resource is ENXIO; once it is "
		     "one, it works.");
	igt_subtest("not-a-resource") {
		uint32_t handle = nova_lite_gem_create(fd, 4 * W * H);

		igt_assert_eq(transfer(fd, handle, FULL), -ENXIO);
		nova_lite_resource_create(fd, handle, FMT, W, H);
		igt_assert_eq(transfer(fd, handle, FULL), 0);
		gem_close(fd, handle);
	}

	igt_describe("A rectangle that is empty or not inside the 64x64 resource (also through "
		     "32-bit overflow) is EINVAL for TRANSFER_TO_HOST; the full rectangle works.");
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

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
			igt_assert_f(transfer(fd, handle, bad[i]) == -EINVAL, "TRANSFER_TO_HOST of "
				     "(%u, %u) %ux%u was not EINVAL\n", bad[i].x, bad[i].y,
				     bad[i].width, bad[i].height);
		igt_assert_eq(transfer(fd, handle, FULL), 0);
		gem_close(fd, handle);
	}

	igt_describe("ADDFB2 (XRGB8888 or ARGB8888) of an object that RESOURCE_CREATE made a "
		     "resource in any other format than XRGB8888 is EINVAL, and the resource stays "
		     "usable; of an XRGB8888 resource it works.");
	igt_subtest("addfb-resource-format") {
		static const uint32_t fb_formats[] = { DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888 };

		for (size_t i = 0; i < NLT_NFORMATS; i++) {
			uint32_t handle = nova_lite_gem_create(fd, 4 * W * H);

			nova_lite_resource_create(fd, handle, nlt_formats[i], W, H);
			for (size_t j = 0; j < ARRAY_SIZE(fb_formats); j++)
				addfb_expect(fd, handle, W, H, 4 * W, fb_formats[j],
					     nlt_formats[i] == DRM_FORMAT_XRGB8888 ? 0 : EINVAL);
			igt_assert_eq(transfer(fd, handle, FULL), 0);
			igt_assert_eq(nova_lite_wait(fd, handle), 0);
			gem_close(fd, handle);
		}
	}

	igt_describe("ADDFB2 is EINVAL for an object smaller than the framebuffer needs (pitch "
		     "* (height - 1) + 4 * width), and for a resource less high than the "
		     "framebuffer even when the object is large enough; framebuffers that fit "
		     "work: the whole object, a resource as high or higher, and the resource a "
		     "first framebuffer made, which covers the whole object at its pitch.");
	igt_subtest("addfb-too-small") {
		/* 4 * W * H bytes: exactly a page multiple, nothing to spare. */
		uint32_t plain = nova_lite_gem_create(fd, 4 * W * H);
		/* Twice as large as its W x H resource. */
		uint32_t res = nova_lite_gem_create(fd, 8 * W * H);
		/* Twice as large as a first W x H framebuffer. */
		uint32_t grown = nova_lite_gem_create(fd, 8 * W * H);

		addfb_expect(fd, plain, W, H + 1, 4 * W, FMT, EINVAL);
		addfb_expect(fd, plain, W + 1, H, 4 * (W + 1), FMT, EINVAL);
		addfb_expect(fd, plain, W, H, 4 * W, FMT, 0);

		nova_lite_resource_create(fd, res, FMT, W, H);
		addfb_expect(fd, res, W, H + 1, 4 * W, FMT, EINVAL);
		addfb_expect(fd, res, W, 2 * H, 4 * W, FMT, EINVAL);
		addfb_expect(fd, res, W, H, 4 * W, FMT, 0);
		addfb_expect(fd, res, W, H / 2, 4 * W, FMT, 0);

		addfb_expect(fd, grown, W, H, 4 * W, FMT, 0);
		addfb_expect(fd, grown, W, 2 * H, 4 * W, FMT, 0);
		addfb_expect(fd, grown, W, 2 * H + 1, 4 * W, FMT, EINVAL);

		gem_close(fd, plain);
		gem_close(fd, res);
		gem_close(fd, grown);
	}

	igt_describe("ADDFB2 of an object that already is a resource needs the resource's stride "
		     "as pitch: a framebuffer of another pitch is EINVAL, whether RESOURCE_CREATE "
		     "or a first framebuffer made the resource; a narrower framebuffer of the same "
		     "pitch works.");
	igt_subtest("addfb-resource-pitch") {
		uint32_t res = resource(fd, W, H);
		uint32_t plain = nova_lite_gem_create(fd, 4 * W * H);
		uint32_t fb = nova_lite_addfb(fd, plain, W, H, 4 * W, FMT);

		for (int i = 0; i < 2; i++) {
			uint32_t handle = i ? plain : res;

			addfb_expect(fd, handle, W / 2, H, 2 * W, FMT, EINVAL);
			addfb_expect(fd, handle, W / 2, 2 * H, 2 * W, FMT, EINVAL);
			addfb_expect(fd, handle, W / 2, H / 2, 4 * W + 4, FMT, EINVAL);
			addfb_expect(fd, handle, W / 2, H, 4 * W, FMT, 0);
		}
		nova_lite_rmfb(fd, fb);
		gem_close(fd, plain);
		gem_close(fd, res);
	}

	igt_describe("ADDFB2 of a vgem buffer imported through PRIME is EINVAL (the driver makes "
		     "framebuffers of its own objects only); a nova-lite dumb buffer of the same "
		     "size works.");
	igt_subtest("addfb-foreign") {
		int vgem = open_vgem(), dmabuf;
		struct drm_mode_create_dumb theirs = dumb_create_64x64(vgem);
		struct drm_mode_create_dumb ours = dumb_create_64x64(fd);
		uint32_t handle;

		dmabuf = prime_handle_to_fd(vgem, theirs.handle);
		handle = prime_fd_to_handle(fd, dmabuf);
		addfb_expect(fd, handle, 64, 64, theirs.pitch, DRM_FORMAT_XRGB8888, EINVAL);
		addfb_expect(fd, handle, 64, 64, theirs.pitch, DRM_FORMAT_ARGB8888, EINVAL);
		addfb_expect(fd, ours.handle, 64, 64, ours.pitch, DRM_FORMAT_XRGB8888, 0);

		gem_close(fd, handle);
		gem_close(fd, ours.handle);
		close(dmabuf);
		gem_close(vgem, theirs.handle);
		drm_close_driver(vgem);
	}

	igt_describe("An object shown on the CRTC stays alive after GEM_CLOSE of its handle: "
		     "GETFB2 gives a new handle to it, of the same size, whose mapping reads what "
		     "was drawn; DIRTYFB still transfers it, and WAIT of it reports 0. RMFB turns "
		     "the CRTC off and frees it: its host resource goes; no device error.");
	igt_subtest("shown-after-close") {
		uint64_t before[NOVA_LITE_ERROR_COUNTERS], resources;
		struct drm_nova_lite_gem_info info;
		drmModeFB2Ptr got;
		struct fb fb;
		uint32_t *p;

		resources = nova_lite_live_settled("host_resources");
		nova_lite_read_error_counters(fd, before);
		nova_lite_kms_init(fd, &kms);
		fb = mode_fb(&kms, FB_PLAIN, 0x5eed0001);
		nova_lite_kms_show(&kms, fb.id);
		gem_close(fd, fb.handle);
		info = (struct drm_nova_lite_gem_info){ .handle = fb.handle };
		igt_assert_eq(__nova_lite_gem_info(fd, &info), -ENOENT);

		got = drmModeGetFB2(fd, fb.id);
		igt_assert_f(got, "GETFB2 of the shown framebuffer %u: %m\n", fb.id);
		igt_assert_neq_u32(got->handles[0], 0);
		igt_assert_eq_u64(nova_lite_gem_size(fd, got->handles[0]), fb.size);
		p = nova_lite_gem_mmap(fd, got->handles[0], fb.size, PROT_READ);
		for (uint64_t i = 0; i < fb.size / 4; i++)
			igt_assert_f(p[i] == nlt_pattern(0x5eed0001, i), "byte %" PRIu64 " of the "
				     "shown object: %#x, drawn %#x\n", 4 * i, p[i],
				     nlt_pattern(0x5eed0001, i));
		igt_assert_eq(munmap(p, fb.size), 0);
		nova_lite_dirtyfb(fd, fb.id, 0, 0, kms.mode.hdisplay, kms.mode.vdisplay);
		igt_assert_eq(nova_lite_wait(fd, got->handles[0]), 0);
		gem_close(fd, got->handles[0]);
		drmModeFreeFB2(got);
		igt_assert_eq_u32(nova_lite_kms_shown(&kms), fb.id);

		nova_lite_rmfb(fd, fb.id);
		igt_assert_eq_u32(nova_lite_kms_shown(&kms), 0);
		host_resources_back(resources, "RMFB of the shown framebuffer");
		nova_lite_kms_fini(&kms);
		nova_lite_assert_no_new_errors(fd, before);
	}

	igt_describe("The primary plane covers its CRTC exactly, without scaling: a commit that "
		     "scales a framebuffer is ERANGE, one that covers part of the CRTC is EINVAL, "
		     "and the framebuffer shown before stays shown.");
	igt_subtest("show-refused") {
		struct fb full, half;
		uint32_t w, h;

		nova_lite_kms_init(fd, &kms);
		w = kms.mode.hdisplay;
		h = kms.mode.vdisplay;
		full = mode_fb(&kms, FB_RESOURCE, 0);
		half = fb_create(fd, FB_PLAIN, w / 2, h / 2, 0);
		nova_lite_kms_show(&kms, full.id);

		/* Scaled: half the mode onto all of it, from either framebuffer. */
		igt_assert_eq(__nova_lite_kms_show_rect(&kms, half.id, w / 2, h / 2, w, h),
			      -ERANGE);
		igt_assert_eq(__nova_lite_kms_show_rect(&kms, full.id, w / 2, h / 2, w, h),
			      -ERANGE);
		/* Unscaled, but the plane leaves part of the CRTC uncovered. */
		igt_assert_eq(__nova_lite_kms_show_rect(&kms, half.id, w / 2, h / 2, w / 2, h / 2),
			      -EINVAL);
		igt_assert_eq(__nova_lite_kms_show_rect(&kms, full.id, w - 16, h, w - 16, h),
			      -EINVAL);
		igt_assert_eq_u32(nova_lite_kms_shown(&kms), full.id);

		nova_lite_kms_fini(&kms);
		nova_lite_rmfb(fd, half.id);
		nova_lite_rmfb(fd, full.id);
		gem_close(fd, half.handle);
		gem_close(fd, full.handle);
	}

	igt_describe("A file closed while its framebuffer is shown, after DIRTYFBs (transfers "
		     "posted) and with the shown object's handle closed: the DRM core removes its "
		     "framebuffers, which turns the CRTC off, and the objects and their host "
		     "resources go; no device error.");
	igt_subtest("close-file-while-shown") {
		uint64_t before[NOVA_LITE_ERROR_COUNTERS], resources;
		struct fb shown, other_fb;
		int other;

		resources = nova_lite_live_settled("host_resources");
		nova_lite_read_error_counters(fd, before);
		/* The other file becomes master when it opens: there is none then. */
		igt_assert_eq(drmSetMaster(fd), 0);
		igt_assert_eq(drmDropMaster(fd), 0);
		other = drm_open_driver(DRIVER_NOVA_LITE);
		nova_lite_kms_init(other, &kms);
		shown = mode_fb(&kms, FB_DUMB, 0x5eed0002);
		other_fb = mode_fb(&kms, FB_RESOURCE, 0x5eed0003);
		nova_lite_kms_show(&kms, shown.id);
		gem_close(other, shown.handle);
		for (int i = 0; i < 4; i++)
			nova_lite_dirtyfb(other, shown.id, 0, 0, kms.mode.hdisplay,
					  kms.mode.vdisplay);
		nova_lite_transfer_to_host(other, other_fb.handle,
					   RECT(0, 0, kms.mode.hdisplay, kms.mode.vdisplay));
		drm_close_driver(other);

		nova_lite_kms_init(fd, &kms);
		igt_assert_eq_u32(nova_lite_kms_shown(&kms), 0);
		host_resources_back(resources, "closing the file");
		nova_lite_kms_fini(&kms);
		nova_lite_assert_no_new_errors(fd, before);
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
		     "which a TRANSFER_TO_HOST of it returns at once too. Once they are freed, "
		     "mode-sized framebuffers of each kind holding more than max_hostmem come and "
		     "go one after the other, each shown on the CRTC (made a resource by RESOURCE_CREATE "
		     "or by its framebuffer, in turn) and waited for: freeing gives the host's "
		     "memory back.");
	igt_subtest("hostmem-loop") {
		const char *env = getenv("NOVA_LITE_EXPECT_MAX_HOSTMEM");
		const struct drm_nova_lite_rect all = RECT(0, 0, 512, 512);
		uint64_t max_hostmem, oom_before, n, shows;
		uint32_t *handles, count, fit = 0;
		struct fb fb, prev = { 0 };
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
			igt_assert_eq(transfer(fd, handles[i], all), -ENOMEM);
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

		/*
		 * One framebuffer replaces the other on the plane: once the blocking commit has
		 * returned, the one before is no longer shown, and removing it frees it.
		 */
		nova_lite_kms_init(fd, &kms);
		fb = mode_fb(&kms, FB_PLAIN, 0);
		/*
		 * The two kinds in turn, each alone more than max_hostmem (the host counts 4 bytes
		 * a pixel, not the object's whole pages): without the memory of the freed ones of
		 * either kind, the last ones would fail.
		 */
		shows = 2 * (max_hostmem / (4ull * kms.mode.hdisplay * kms.mode.vdisplay) + 1);
		for (uint64_t i = 0; i < shows; i++) {
			if (i)
				fb = mode_fb(&kms, i % 2 ? FB_RESOURCE : FB_PLAIN, 0);
			nova_lite_kms_show(&kms, fb.id);
			ret = nova_lite_wait(fd, fb.handle);
			igt_assert_f(ret == 0, "framebuffer %" PRIu64 " of %" PRIu64 ", %" PRIu64
				     " bytes, after freeing: %s\n", i + 1, shows, fb.size,
				     strerrorname_np(-ret));
			if (prev.id) {
				nova_lite_rmfb(fd, prev.id);
				gem_close(fd, prev.handle);
			}
			prev = fb;
		}
		nova_lite_kms_fini(&kms);
		nova_lite_rmfb(fd, prev.id);
		gem_close(fd, prev.handle);
	}

	igt_fixture
		drm_close_driver(fd);
}
