// SPDX-License-Identifier: MIT
/*
 * Unbinding nova-lite's PCI function while a client holds the DRM device
 * open: the client's ioctls fail with ENODEV, closing works, and binding the
 * function again gives a working device. This test changes the device's
 * binding, so it runs last (tests/igt/test-list.txt).
 */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"
#include "igt_nova_lite.h"

#define PCI_DRIVER "/sys/bus/pci/drivers/nova-lite"
#define REBIND_LOOPS 5

/* Finds the PCI function (e.g. "0000:00:0c.0") behind DRM node @fd. */
static void pci_slot(int fd, char *slot, size_t len)
{
	char path[128], real[PATH_MAX], *base;
	struct stat st;

	igt_assert_eq(fstat(fd, &st), 0);
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device/..", major(st.st_rdev),
		 minor(st.st_rdev));
	igt_assert(realpath(path, real));
	base = strrchr(real, '/');
	igt_assert(base);
	snprintf(slot, len, "%s", base + 1);
}

static void sysfs_write(const char *file, const char *value)
{
	int fd = open(file, O_WRONLY);

	igt_assert_f(fd >= 0, "cannot open %s\n", file);
	igt_assert_f(write(fd, value, strlen(value)) == (ssize_t)strlen(value),
		     "writing %s to %s failed\n", value, file);
	close(fd);
}

/* Binds @slot to nova-lite and waits (up to 10 s) for its render node. */
static int rebind(const char *slot)
{
	struct timespec delay = { 0, 50 * 1000 * 1000 };
	int fd = -1;

	sysfs_write(PCI_DRIVER "/bind", slot);
	for (int i = 0; i < 200 && fd < 0; i++) {
		fd = __drm_open_driver_render(DRIVER_NOVA_LITE);
		if (fd < 0)
			nanosleep(&delay, NULL);
	}
	igt_assert_f(fd >= 0, "no render node after binding %s\n", slot);
	return fd;
}

igt_main
{
	char slot[64] = "";
	int fd = -1;

	igt_fixture {
		fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		pci_slot(fd, slot, sizeof(slot));
		igt_require_f(access(PCI_DRIVER "/unbind", W_OK) == 0, "needs root\n");
	}

	igt_describe("After the PCI function is unbound, an open file's ioctls fail with "
		     "ENODEV; after binding it again, a new file works.");
	igt_subtest("unbind-with-open-file") {
		struct drm_nova_lite_getparam gp = { .param = NOVA_LITE_PARAM_NUM_SCANOUTS };
		uint32_t handle = nova_lite_gem_create(fd, 4096);
		struct drm_nova_lite_gem_info info = { .handle = handle };

		sysfs_write(PCI_DRIVER "/unbind", slot);
		do_ioctl_err(fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &gp, ENODEV);
		do_ioctl_err(fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &info, ENODEV);
		drm_close_driver(fd);

		fd = rebind(slot);
		igt_assert(nova_lite_getparam(fd, NOVA_LITE_PARAM_NUM_SCANOUTS) >= 1);
		gem_close(fd, nova_lite_gem_create(fd, 4096));
	}

	igt_describe("Unbinding and binding again several times, each time with objects alive.");
	igt_subtest("unbind-rebind-loop") {
		for (int i = 0; i < REBIND_LOOPS; i++) {
			nova_lite_gem_create(fd, 4096 * (i + 1));
			sysfs_write(PCI_DRIVER "/unbind", slot);
			drm_close_driver(fd);
			fd = rebind(slot);
		}
	}

	igt_fixture
		drm_close_driver(fd);
}
