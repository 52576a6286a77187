// SPDX-License-Identifier: MIT
/*
 * drm_open_driver() and friends for nova-lite's IGT subset (see igt.h): open
 * the first DRM node whose driver matches the chipset flags or, for
 * DRIVER_ANY when set, IGT_FORCE_DRIVER ('-' and '_' count as equal, as in
 * IGT).
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "igt.h"

#define CARD_FIRST 0
#define RENDER_FIRST 128
#define NODES 64

static const struct {
	const char *name;
	int chipset;
} drivers[] = {
	{ "nova-lite", DRIVER_NOVA_LITE },
	{ "vgem", DRIVER_VGEM },
};

/* Compares driver names the way IGT does: '-' and '_' are the same character. */
static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

/*
 * As IGT's open_device(): IGT_FORCE_DRIVER picks the driver when any would do; otherwise the
 * driver's chipset flag must be in @chipset (a driver not in the table counts as DRIVER_ANY).
 */
static bool driver_matches(const char *name, int chipset)
{
	const char *forced = getenv("IGT_FORCE_DRIVER");
	unsigned int chip = DRIVER_ANY;
	unsigned int i;

	if (forced && chipset == DRIVER_ANY)
		return same_name(forced, name);
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (same_name(drivers[i].name, name))
			chip = drivers[i].chipset;
	return ((unsigned int)chipset & chip) == chip;
}

static int open_first(const char *fmt, int first, int chipset)
{
	char path[64];
	int i;

	for (i = first; i < first + NODES; i++) {
		drmVersionPtr version;
		bool match;
		int fd;

		snprintf(path, sizeof(path), fmt, i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		version = drmGetVersion(fd);
		match = version && driver_matches(version->name, chipset);
		drmFreeVersion(version);
		if (match) {
			igt_debug("opened %s\n", path);
			return fd;
		}
		close(fd);
	}
	return -1;
}

int __drm_open_driver(int chipset)
{
	return open_first("/dev/dri/card%d", CARD_FIRST, chipset);
}

int __drm_open_driver_render(int chipset)
{
	return open_first("/dev/dri/renderD%d", RENDER_FIRST, chipset);
}

int drm_open_driver(int chipset)
{
	int fd = __drm_open_driver(chipset);

	igt_require_f(fd >= 0, "No known gpu found for chipset flags %#x (IGT_FORCE_DRIVER=%s)\n",
		      chipset, getenv("IGT_FORCE_DRIVER") ?: "");
	return fd;
}

int drm_open_driver_render(int chipset)
{
	int fd = __drm_open_driver_render(chipset);

	igt_require_f(fd >= 0, "No render node found for chipset flags %#x (IGT_FORCE_DRIVER=%s)\n",
		      chipset, getenv("IGT_FORCE_DRIVER") ?: "");
	return fd;
}

int drm_close_driver(int fd)
{
	return close(fd);
}

int __gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close close_args = { .handle = handle };

	return igt_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &close_args) ? -errno : 0;
}

void gem_close(int fd, uint32_t handle)
{
	igt_assert_eq(__gem_close(fd, handle), 0);
}

/* Exports @handle as a dma-buf (close-on-exec, read-write) and returns its fd. */
int prime_handle_to_fd(int fd, uint32_t handle)
{
	struct drm_prime_handle args = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR,
					 .fd = -1 };

	do_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args);
	igt_assert(args.fd >= 0);
	return args.fd;
}

/* Imports dma-buf @dma_buf_fd into @fd and returns the handle. */
uint32_t prime_fd_to_handle(int fd, int dma_buf_fd)
{
	struct drm_prime_handle args = { .fd = dma_buf_fd };

	do_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args);
	igt_assert_neq_u32(args.handle, 0);
	return args.handle;
}
