// SPDX-License-Identifier: MIT
/*
 * nova-lite-info: a small libdrm client of the nova-lite DRM driver.
 *
 * Opens the driver's render node (or the node given with -d), prints the
 * driver's version, every GETPARAM value, the display information of every
 * scanout and, where the device offers them, the EDIDs (decoded: manufacturer,
 * product, preferred mode), then creates one GEM object per size given with
 * -c and reads it back with GEM_INFO. With -b N it then times N display
 * information queries (one device round trip each) and prints their median.
 * Output lines are "key=value" so that scripts can read them.
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
#include <time.h>
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
		"usage: nova-lite-info [-d DEVICE] [-c SIZE]... [-b N]\n"
		"  -d DEVICE  DRM node to open (default: the first %s render node)\n"
		"  -c SIZE    create a GEM object of SIZE bytes and query it (repeatable)\n"
		"  -b N       time N display information queries, print the median\n",
		DRIVER_NAME);
}

/* Prints a failed call with its errno name, e.g. "GEM_CREATE: EINVAL (Invalid argument)". */
static void report(const char *what, int err)
{
	const char *name = strerrorname_np(err);

	fprintf(stderr, "nova-lite-info: %s: %s (%s)\n", what, name ? name : "?", strerror(err));
}

/*
 * DRM_IOCTL_NOVA_LITE_QUERY in its two steps: asks for the size, then reads
 * into a buffer of that size (retrying if the answer grew in between).
 * Returns a malloc'ed buffer and its size in *size, or NULL with errno set.
 */
static void *query(int fd, __u32 type, __u32 index, __u32 *size)
{
	for (int tries = 0; tries < 4; tries++) {
		struct drm_nova_lite_query q = { .type = type, .index = index };
		void *buf;

		if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, &q))
			return NULL;
		buf = malloc(q.size ? q.size : 1);
		if (!buf)
			return NULL;
		q.data = (uintptr_t)buf;
		if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, &q) == 0) {
			*size = q.size;
			return buf;
		}
		free(buf);
		if (errno != ENOSPC)
			return NULL;
	}
	errno = EAGAIN;
	return NULL;
}

/* Prints the decoded base block of an EDID as edid.N.* lines. */
static int print_edid(unsigned int scanout, const unsigned char *e, __u32 size)
{
	static const unsigned char header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	unsigned char sum = 0;
	unsigned int id;

	printf("edid.%u.size=%u\n", scanout, size);
	if (size < 128 || memcmp(e, header, sizeof(header))) {
		printf("edid.%u.header=bad\n", scanout);
		return 1;
	}
	for (int i = 0; i < 128; i++)
		sum += e[i];
	printf("edid.%u.checksum=%s\n", scanout, sum ? "bad" : "ok");
	id = e[8] << 8 | e[9];
	printf("edid.%u.manufacturer=%c%c%c\n", scanout, '@' + (id >> 10 & 31),
	       '@' + (id >> 5 & 31), '@' + (id & 31));
	printf("edid.%u.product=%#x\n", scanout, e[10] | e[11] << 8);
	/* The first detailed timing descriptor is the preferred mode. */
	if (e[54] | e[55])
		printf("edid.%u.preferred=%ux%u\n", scanout, e[56] | (e[58] & 0xf0) << 4,
		       e[59] | (e[61] & 0xf0) << 4);
	return sum != 0;
}

/* Prints the display information and EDID of every scanout. */
static int print_displays(int fd)
{
	struct drm_nova_lite_display_info *info;
	__u32 size, n;
	int failed = 0;

	info = query(fd, NOVA_LITE_QUERY_DISPLAY_INFO, 0, &size);
	if (!info) {
		report("QUERY DISPLAY_INFO", errno);
		return 1;
	}
	n = size / sizeof(*info);
	for (__u32 i = 0; i < n; i++) {
		unsigned char *edid;
		__u32 edid_size;

		printf("scanout.%u=%s %ux%u+%u+%u flags=%#x\n", info[i].scanout,
		       info[i].enabled ? "enabled" : "disabled", info[i].width, info[i].height,
		       info[i].x, info[i].y, info[i].flags);
		edid = query(fd, NOVA_LITE_QUERY_EDID, i, &edid_size);
		if (!edid) {
			printf("edid.%u=%s\n", i, strerrorname_np(errno));
			if (errno != EOPNOTSUPP) {
				report("QUERY EDID", errno);
				failed = 1;
			}
			continue;
		}
		failed |= print_edid(i, edid, edid_size);
		free(edid);
	}
	free(info);
	return failed;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Times n display information queries (size probe included: one round trip each). */
static int bench(int fd, unsigned long n)
{
	struct drm_nova_lite_display_info info[16];
	uint64_t *ns = calloc(n, sizeof(*ns));

	if (!ns)
		return 1;
	for (unsigned long i = 0; i < n; i++) {
		struct drm_nova_lite_query q = {
			.type = NOVA_LITE_QUERY_DISPLAY_INFO,
			.size = sizeof(info),
			.data = (uintptr_t)info,
		};
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, &q)) {
			report("QUERY DISPLAY_INFO", errno);
			free(ns);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns[i] = (b.tv_sec - a.tv_sec) * 1000000000ull + b.tv_nsec - a.tv_nsec;
	}
	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("bench.display_info.queries=%lu\n", n);
	printf("bench.display_info.median_us=%.1f\n", ns[n / 2] / 1000.0);
	printf("bench.display_info.p10_us=%.1f\n", ns[n / 10] / 1000.0);
	printf("bench.display_info.p90_us=%.1f\n", ns[n * 9 / 10] / 1000.0);
	free(ns);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long nbench = 0;
	unsigned long long sizes[MAX_OBJECTS];
	const char *path = NULL;
	unsigned int nsizes = 0, i;
	drmVersionPtr version;
	int fd, opt, failed = 0;

	while ((opt = getopt(argc, argv, "d:c:b:h")) != -1) {
		switch (opt) {
		case 'b': {
			char *end;

			errno = 0;
			nbench = strtoul(optarg, &end, 0);
			if (errno || *end || !nbench) {
				fprintf(stderr, "nova-lite-info: bad count '%s'\n", optarg);
				return 2;
			}
			break;
		}
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

	failed |= print_displays(fd);

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

	if (nbench)
		failed |= bench(fd, nbench);

	close(fd);
	return failed;
}
