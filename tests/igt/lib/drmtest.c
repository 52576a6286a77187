// SPDX-License-Identifier: MIT
/*
 * drm_open_driver() and friends for nova-lite's IGT subset (see igt.h): open
 * the first DRM node whose driver matches the chipset flags or, for
 * DRIVER_ANY when set, IGT_FORCE_DRIVER ('-' and '_' count as equal, as in
 * IGT). The node search is tests/common/nova_lite_test.h's, shared with the
 * client, the fuzzer and the bench. drm_open_driver() and
 * drm_open_driver_render() fail the test (not skip it, as IGT's do) when the
 * node is missing or does not open, naming the node and errno.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "igt.h"
#include "common/nova_lite_test.h"

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
static bool driver_matches(const char *name, void *data)
{
	const char *forced = getenv("IGT_FORCE_DRIVER");
	int chipset = *(const int *)data;
	unsigned int chip = DRIVER_ANY;
	unsigned int i;

	if (forced && chipset == DRIVER_ANY)
		return same_name(forced, name);
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (same_name(drivers[i].name, name))
			chip = drivers[i].chipset;
	return ((unsigned int)chipset & chip) == chip;
}

/* The driver @chipset asks for, for messages. */
static const char *chipset_name(int chipset)
{
	const char *forced = getenv("IGT_FORCE_DRIVER");
	unsigned int i;

	if (chipset == DRIVER_ANY)
		return forced ?: "any";
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (chipset == drivers[i].chipset)
			return drivers[i].name;
	return "chipset";
}

/* The last search, for the message of drm_open_driver*() when it failed. */
static struct nlt_node_search last_search;

/* Opens the first node of @type (lowest number) whose driver matches @chipset; -1, errno set. */
static int open_node(int type, int chipset)
{
	int fd = nlt_open_node(type, driver_matches, &chipset, &last_search);

	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	igt_debug("opened %s\n", last_search.path);
	return fd;
}

int __drm_open_driver(int chipset)
{
	return open_node(DRM_NODE_PRIMARY, chipset);
}

int __drm_open_driver_render(int chipset)
{
	return open_node(DRM_NODE_RENDER, chipset);
}

/*
 * Unlike IGT, where a missing device skips, a node that is not there or does not open fails:
 * these tests run where the driver must be, and a skip would hide a driver that was lost.
 */
static int open_or_fail(int type, int chipset)
{
	int fd = open_node(type, chipset);
	char why[384];

	igt_assert_f(fd >= 0, "%s (chipset flags %#x, IGT_FORCE_DRIVER=%s)\n",
		     nlt_node_search_describe(&last_search, chipset_name(chipset), type, why,
					      sizeof(why)),
		     (unsigned int)chipset, getenv("IGT_FORCE_DRIVER") ?: "");
	return fd;
}

int drm_open_driver(int chipset)
{
	return open_or_fail(DRM_NODE_PRIMARY, chipset);
}

int drm_open_driver_render(int chipset)
{
	return open_or_fail(DRM_NODE_RENDER, chipset);
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
