// SPDX-License-Identifier: MIT
/*
 * nova-lite-info: a small libdrm client of the nova-lite DRM driver.
 *
 * Opens the driver's render node (or the node given with -d), prints the
 * driver's version and every GETPARAM value, then creates one GEM object per
 * size given with -c and reads it back with GEM_INFO. Output lines are
 * "key=value" so that scripts can read them.
 *
 * Exit status: 0 on success, 1 if any ioctl failed, 2 on bad usage.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "nova_lite_drm.h"

#define DRIVER_NAME "nova-lite"
#define MAX_OBJECTS 64

static const struct {
	const char *name;
	__u64 id;
} params[] = {
	{ "num_scanouts", NOVA_LITE_PARAM_NUM_SCANOUTS },
	{ "num_capsets", NOVA_LITE_PARAM_NUM_CAPSETS },
	{ "device_features", NOVA_LITE_PARAM_DEVICE_FEATURES },
	{ "driver_features", NOVA_LITE_PARAM_DRIVER_FEATURES },
	{ "bar0_size", NOVA_LITE_PARAM_BAR0_SIZE },
	{ "bar1_size", NOVA_LITE_PARAM_BAR1_SIZE },
	{ "bar2_size", NOVA_LITE_PARAM_BAR2_SIZE },
	{ "bar3_size", NOVA_LITE_PARAM_BAR3_SIZE },
	{ "bar4_size", NOVA_LITE_PARAM_BAR4_SIZE },
	{ "bar5_size", NOVA_LITE_PARAM_BAR5_SIZE },
	{ "gem_max_size", NOVA_LITE_PARAM_GEM_MAX_SIZE },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nova-lite-info [-d DEVICE] [-c SIZE]...\n"
		"  -d DEVICE  DRM node to open (default: the first %s render node)\n"
		"  -c SIZE    create a GEM object of SIZE bytes and query it (repeatable)\n",
		DRIVER_NAME);
}

/* Prints a failed call with its errno name, e.g. "GEM_CREATE: EINVAL (Invalid argument)". */
static void report(const char *what, int err)
{
	const char *name = strerrorname_np(err);

	fprintf(stderr, "nova-lite-info: %s: %s (%s)\n", what, name ? name : "?", strerror(err));
}

int main(int argc, char **argv)
{
	unsigned long long sizes[MAX_OBJECTS];
	const char *path = NULL;
	unsigned int nsizes = 0, i;
	drmVersionPtr version;
	int fd, opt, failed = 0;

	while ((opt = getopt(argc, argv, "d:c:h")) != -1) {
		switch (opt) {
		case 'd':
			path = optarg;
			break;
		case 'c': {
			char *end;

			if (nsizes == MAX_OBJECTS) {
				fprintf(stderr, "nova-lite-info: at most %d -c\n", MAX_OBJECTS);
				return 2;
			}
			errno = 0;
			sizes[nsizes++] = strtoull(optarg, &end, 0);
			if (errno || *end) {
				fprintf(stderr, "nova-lite-info: bad size '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	if (path)
		fd = open(path, O_RDWR | O_CLOEXEC);
	else
		fd = drmOpenWithType(DRIVER_NAME, NULL, DRM_NODE_RENDER);
	if (fd < 0) {
		report(path ? path : "no " DRIVER_NAME " render node", path ? errno : ENODEV);
		return 1;
	}

	version = drmGetVersion(fd);
	if (!version) {
		report("drmGetVersion", errno);
		return 1;
	}
	printf("device=%s\n", path ? path : drmGetDeviceNameFromFd2(fd));
	printf("driver=%s\n", version->name);
	printf("version=%d.%d.%d\n", version->version_major, version->version_minor,
	       version->version_patchlevel);
	printf("desc=%s\n", version->desc);
	drmFreeVersion(version);

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		struct drm_nova_lite_getparam gp = { .param = params[i].id };

		if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &gp)) {
			report(params[i].name, errno);
			failed = 1;
			continue;
		}
		printf("param.%s=%#" PRIx64 "\n", params[i].name, (uint64_t)gp.value);
	}

	for (i = 0; i < nsizes; i++) {
		struct drm_nova_lite_gem_create create = { .size = sizes[i] };
		struct drm_nova_lite_gem_info info = { 0 };

		if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &create)) {
			printf("gem.create.%u=%#llx error=%s\n", i, sizes[i],
			       strerrorname_np(errno));
			report("GEM_CREATE", errno);
			failed = 1;
			continue;
		}
		info.handle = create.handle;
		if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &info)) {
			report("GEM_INFO", errno);
			failed = 1;
			continue;
		}
		printf("gem.create.%u=%#llx handle=%u size=%#llx flags=%#x\n", i, sizes[i],
		       info.handle, (unsigned long long)info.size, info.flags);
	}

	close(fd);
	return failed;
}
