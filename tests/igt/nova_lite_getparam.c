// SPDX-License-Identifier: MIT
/*
 * DRM_IOCTL_NOVA_LITE_GETPARAM: every parameter, its consistency with what
 * the device says, and the rejection of unknown parameters, the ids of those
 * the uAPI dropped among them.
 */

#include <unistd.h>

#include "igt.h"
#include "igt_nova_lite.h"

#define VIRTIO_GPU_MAX_SCANOUTS 16
#define PARAM_FIRST NOVA_LITE_PARAM_NUM_SCANOUTS
#define PARAM_LAST NOVA_LITE_PARAM_GEM_MAX_SIZE
/*
 * The ids issue 18 retired, never reused: DEVICE_FEATURES (3), DRIVER_FEATURES (4) and
 * BAR0..5_SIZE (5 to 10), between NUM_CAPSETS and GEM_MAX_SIZE.
 */
#define RETIRED_FIRST 3
#define RETIRED_LAST 10

/* Whether @p is an id the uAPI defines. */
static bool param_defined(uint64_t p)
{
	return p >= PARAM_FIRST && p <= PARAM_LAST && (p < RETIRED_FIRST || p > RETIRED_LAST);
}

static void getparam_err(int fd, uint64_t param, int err)
{
	struct drm_nova_lite_getparam gp = { .param = param, .value = 0x5a5a5a5a5a5a5a5aull };

	do_ioctl_err(fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &gp, err);
	igt_assert_eq_u64(gp.value, 0x5a5a5a5a5a5a5a5aull);
}

igt_main
{
	int fd = -1, render = -1;

	igt_fixture {
		fd = drm_open_driver(DRIVER_NOVA_LITE);
		render = drm_open_driver_render(DRIVER_NOVA_LITE);
	}

	igt_describe("Every defined parameter can be read from the render node.");
	igt_subtest("basic") {
		for (uint64_t p = PARAM_FIRST; p <= PARAM_LAST; p++) {
			uint64_t value;

			if (!param_defined(p))
				continue;
			igt_assert_f(__nova_lite_getparam(render, p, &value) == 0,
				     "param %llu failed\n", (unsigned long long)p);
		}
	}

	igt_describe("The primary node returns the same values as the render node.");
	igt_subtest("primary-matches-render") {
		for (uint64_t p = PARAM_FIRST; p <= PARAM_LAST; p++)
			if (param_defined(p))
				igt_assert_eq_u64(nova_lite_getparam(fd, p),
						  nova_lite_getparam(render, p));
	}

	igt_describe("num_scanouts is within what a virtio-gpu device may offer.");
	igt_subtest("num-scanouts") {
		uint64_t n = nova_lite_getparam(render, NOVA_LITE_PARAM_NUM_SCANOUTS);

		igt_assert_f(n >= 1 && n <= VIRTIO_GPU_MAX_SCANOUTS, "num_scanouts=%llu\n",
			     (unsigned long long)n);
	}

	igt_describe("The GEM size limit is a non-zero multiple of the page size.");
	igt_subtest("gem-max-size") {
		uint64_t max = nova_lite_getparam(render, NOVA_LITE_PARAM_GEM_MAX_SIZE);

		igt_assert(max > 0);
		igt_assert_eq_u64(max % sysconf(_SC_PAGESIZE), 0);
	}

	igt_describe("All 64 bits of value are written, whatever was there before.");
	igt_subtest("value-fully-written") {
		for (uint64_t p = PARAM_FIRST; p <= PARAM_LAST; p++) {
			struct drm_nova_lite_getparam a = { .param = p, .value = ~0ull };
			struct drm_nova_lite_getparam b = { .param = p, .value = 0 };

			if (!param_defined(p))
				continue;
			do_ioctl(render, DRM_IOCTL_NOVA_LITE_GETPARAM, &a);
			do_ioctl(render, DRM_IOCTL_NOVA_LITE_GETPARAM, &b);
			igt_assert_eq_u64(a.value, b.value);
			igt_assert_eq_u64(a.param, p);
		}
	}

	igt_describe("The retired ids of the parameters the uAPI dropped (the virtio features and "
		     "the BAR sizes, 3 to 10) are EINVAL, value untouched: no id is reused.");
	igt_subtest("removed-params") {
		for (uint64_t p = RETIRED_FIRST; p <= RETIRED_LAST; p++)
			getparam_err(render, p, EINVAL);
	}

	igt_describe("The retired ioctl numbers 0x07 and 0x08 (SET_SCANOUT and RESOURCE_FLUSH) fail "
		     "with EINVAL, whatever the argument; WAIT kept its number, 0x09 (a handle "
		     "that names nothing: ENOENT, from WAIT itself).");
	igt_subtest("retired-ioctls") {
		struct drm_nova_lite_gem_info arg = { 0 };
		struct drm_nova_lite_wait wait = { .handle = 0 };

		igt_assert_eq(DRM_NOVA_LITE_WAIT, 0x09);
		for (unsigned int nr = 0x07; nr <= 0x08; nr++) {
			do_ioctl_err(render, DRM_IOWR(DRM_COMMAND_BASE + nr, struct drm_nova_lite_gem_info),
				     &arg, EINVAL);
			do_ioctl_err(fd, DRM_IOW(DRM_COMMAND_BASE + nr, struct drm_nova_lite_wait), &wait,
				     EINVAL);
		}
		do_ioctl_err(render, DRM_IOCTL_NOVA_LITE_WAIT, &wait, ENOENT);
	}

	igt_describe("Parameter 0 is not defined: EINVAL, value untouched.");
	igt_subtest("invalid-param-zero")
		getparam_err(render, 0, EINVAL);

	igt_describe("The first id past the last parameter is EINVAL.");
	igt_subtest("invalid-param-past-last")
		getparam_err(render, PARAM_LAST + 1, EINVAL);

	igt_describe("An id whose low 32 bits name a parameter but high bits are set is EINVAL.");
	igt_subtest("invalid-param-high-bits")
		getparam_err(render, (1ull << 32) | NOVA_LITE_PARAM_NUM_SCANOUTS, EINVAL);

	igt_describe("The largest id is EINVAL.");
	igt_subtest("invalid-param-max")
		getparam_err(render, ~0ull, EINVAL);

	igt_fixture {
		drm_close_driver(render);
		drm_close_driver(fd);
	}
}
