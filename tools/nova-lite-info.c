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
 * --draw SEED draws a test pattern (see pattern_rgb(), the same as
 * tools/screen.py's) into a mapped object and shows it on scanout 0 through
 * KMS, as DRM master: the object becomes a resource and a framebuffer, which
 * the legacy SETCRTC puts on scanout 0's CRTC in the mode of scanout 0's size
 * (see kms_output()); with --hold it keeps the file, and so the picture, until
 * a line is read from stdin or stdin is closed. --draw-bench times that frame
 * path and compares writes through a mapping with memcpy into malloc'ed
 * memory; it prints "key: value" lines. Either one replaces the device,
 * parameter and display dump (-c and -b still run) and opens the primary node
 * by default (KMS changes need the DRM master); the bench runs before the
 * drawing, so that the picture stays. --resource-hold makes a resource, waits
 * for it, and closes it once stdin gives a line or EOF (nothing else runs).
 * --crtc-off N turns the CRTC of scanout N off as DRM master, leaving the
 * framebuffer it showed to its client (nothing else runs).
 *
 * --pattern-vector prints the test vector of the pattern (pixels of chosen
 * (x, y, seed), as tests/screen-pattern-vector.txt holds them), and
 * --pattern-vector-check FILE checks every pixel of FILE against pattern_rgb();
 * tools/screen.py selftest FILE checks the same file against screen.py's
 * pattern, so that the two cannot drift apart. Neither opens a device.
 *
 * The node search, the EDID checks and the format list are shared with the
 * tests: tests/common/nova_lite_test.h.
 *
 * Exit status: 0 on success, 1 if any ioctl failed (or a vector pixel
 * differs), 2 on bad usage (or an unreadable vector file).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "nova_lite_drm.h"
#include "common/nova_lite_test.h"

#define MAX_OBJECTS 64
#define BENCH_ITERATIONS 20
#define BENCH_BW_SIZE (64ull << 20)	/* the mapping bandwidth object */
#define BENCH_BW_PASSES 8
#define BENCH_BW_CHUNK (1u << 20)	/* the source of the copies, cache resident */
#define WAIT_NS (10ll * 1000000000)	/* the longest WAIT for a resource's commands */
/* --cursor: the image's size, its hotspot, where it is shown, where it moves (partly off). */
#define CURSOR_SIZE 64
#define CURSOR_HOT_X 5
#define CURSOR_HOT_Y 7
#define CURSOR_X 100
#define CURSOR_Y 60
#define CURSOR_MOVE_X (-10)
#define CURSOR_MOVE_Y (-20)
#define CURSOR_FAR_HOT 100	/* a hotspot outside the image */

static const struct {
	const char *name;
	__u64 id;
} params[] = {
	{ "num_scanouts", NOVA_LITE_PARAM_NUM_SCANOUTS },
	{ "num_capsets", NOVA_LITE_PARAM_NUM_CAPSETS },
	{ "gem_max_size", NOVA_LITE_PARAM_GEM_MAX_SIZE },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nova-lite-info [-d DEVICE] [-c SIZE]... [-b N] [--draw-bench]\n"
		"                      [--draw SEED [--hold [--rewrite SEED2]]] [--resource-hold]\n"
		"                      [--crtc-off N] [--cursor]\n"
		"       nova-lite-info --pattern-vector | --pattern-vector-check FILE\n"
		"  -d DEVICE     DRM node to open (default: the first %s render node, or\n"
		"                its primary node for --draw, --draw-bench, --crtc-off and\n"
		"                --cursor, which use KMS and so must become DRM master)\n"
		"  -c SIZE       create a GEM object of SIZE bytes and query it (repeatable)\n"
		"  -b N          time N display information queries, print the median\n"
		"  --draw SEED   draw the test pattern of SEED on scanout 0 (the first CRTC and\n"
		"                connector) in the connector's mode of scanout 0's size, else\n"
		"                its preferred mode (the \"kms:\" line says which): an XRGB8888\n"
		"                resource made a framebuffer (ADDFB2) and set on the CRTC\n"
		"                (SETCRTC), then WAIT until the device has shown it\n"
		"  --hold        after --draw, keep the picture until stdin gives a line or EOF,\n"
		"                then check that the mapping still holds the pattern, and remove\n"
		"                the framebuffer (a device unplugged meanwhile is not an error)\n"
		"  --rewrite SEED2  with --hold: once shown, write pattern SEED2 through the\n"
		"                mapping (the device is not told: no DIRTYFB, no transfer) and\n"
		"                check for it at the end\n"
		"  --crtc-off N  turn off the CRTC of scanout N (the Nth CRTC) with SETCRTC and\n"
		"                no framebuffer, as DRM master (whoever showed a framebuffer there\n"
		"                keeps it), print a \"crtc-off:\" line and exit\n"
		"  --cursor      as DRM master, show the test cursor on scanout 0's CRTC (which\n"
		"                must be on) with the legacy cursor ioctls: a 64x64 ARGB8888\n"
		"                image (resource made with RESOURCE_CREATE) with hotspot %d,%d at\n"
		"                %d,%d; after a line on stdin move it to %d,%d, after another\n"
		"                hide it; then show it with hotspot %d,%d (outside the image),\n"
		"                move and hide it; a \"cursor:\" line after each step\n"
		"  --resource-hold  make a 256x256 resource, transfer it and WAIT for it, print\n"
		"                resource=ID, then close it once stdin gives a line or EOF\n"
		"  --draw-bench  median of %d frames on scanout 0, in --draw's mode: GEM_CREATE,\n"
		"                map, write, ADDFB2 (which makes the object a resource: no\n"
		"                RESOURCE_CREATE) and SETCRTC, a blocking commit that includes\n"
		"                the wait for the CRTC's next vblank (draw_latency_us_median);\n"
		"                each frame is then removed (RMFB turns the CRTC off) and closed,\n"
		"                untimed; then writes through a mapping against memcpy\n"
		"  --pattern-vector\n"
		"                print the test vector of the --draw pattern (no device)\n"
		"  --pattern-vector-check FILE\n"
		"                check a test vector file against the pattern (no device)\n"
		"--draw, --draw-bench, --crtc-off, --cursor and --resource-hold skip the\n"
		"device, parameter and display dump.\n",
		NLT_DRIVER_NAME, CURSOR_HOT_X, CURSOR_HOT_Y, CURSOR_X, CURSOR_Y, CURSOR_MOVE_X,
		CURSOR_MOVE_Y, CURSOR_FAR_HOT, CURSOR_FAR_HOT, BENCH_ITERATIONS);
}

/* Prints a failed call with its errno name, e.g. "GEM_CREATE: EINVAL (Invalid argument)". */
static void report(const char *what, int err)
{
	const char *name = strerrorname_np(err);

	fprintf(stderr, "nova-lite-info: %s: %s (%s)\n", what, name ? name : "?", strerror(err));
}

/*
 * DRM_IOCTL_NOVA_LITE_QUERY in its two steps: asks for the size, then reads into a buffer of that
 * size. Each call asks the device again and returns the whole answer's size, which may have grown
 * in between (after a display change): the copy was then cut short, and the read is made again
 * with the new size. Returns a malloc'ed buffer and its size in *size, or NULL with errno set.
 */
static void *query(int fd, __u32 type, __u32 index, __u32 *size)
{
	struct drm_nova_lite_query q = { .type = type, .index = index };

	if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, &q))
		return NULL;
	for (int tries = 0; tries < 4; tries++) {
		__u32 room = q.size;
		void *buf = malloc(room ? room : 1);
		int err;

		if (!buf)
			return NULL;
		q.data = (uintptr_t)buf;
		if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, &q)) {
			err = errno;
			free(buf);
			errno = err;
			return NULL;
		}
		if (q.size <= room) {
			*size = q.size;
			return buf;
		}
		free(buf);
		/* q.size is now the larger answer's: the next read has room for it. */
	}
	errno = EAGAIN;
	return NULL;
}

/* Prints the decoded base block of an EDID as edid.N.* lines. */
static int print_edid(unsigned int scanout, const unsigned char *e, __u32 size)
{
	unsigned int id, width, height;
	bool sum_ok;

	printf("edid.%u.size=%u\n", scanout, size);
	if (size < NLT_EDID_BLOCK || !nlt_edid_header_ok(e, size)) {
		printf("edid.%u.header=bad\n", scanout);
		return 1;
	}
	sum_ok = nlt_edid_checksum_ok(e, 0);
	printf("edid.%u.checksum=%s\n", scanout, sum_ok ? "ok" : "bad");
	id = e[8] << 8 | e[9];
	printf("edid.%u.manufacturer=%c%c%c\n", scanout, '@' + (id >> 10 & 31),
	       '@' + (id >> 5 & 31), '@' + (id & 31));
	printf("edid.%u.product=%#x\n", scanout, e[10] | e[11] << 8);
	if (nlt_edid_preferred(e, &width, &height))
		printf("edid.%u.preferred=%ux%u\n", scanout, width, height);
	return !sum_ok;
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

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

/* GEM_CLOSE of handle; reports a failure and returns -1 then. */
static int gem_close(int fd, __u32 handle)
{
	struct drm_gem_close close = { .handle = handle };

	if (drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &close)) {
		report("GEM_CLOSE", errno);
		return -1;
	}
	return 0;
}

/* GEM_CREATE + GEM_MMAP_OFFSET + mmap of an object of size bytes. */
static int gem_create_map(int fd, uint64_t size, __u32 *handle, unsigned char **map,
			  size_t *map_size)
{
	struct drm_nova_lite_gem_create create = { .size = size };
	struct drm_nova_lite_gem_mmap_offset off = { 0 };
	void *p;

	if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &create)) {
		report("GEM_CREATE", errno);
		return -1;
	}
	off.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, &off)) {
		report("GEM_MMAP_OFFSET", errno);
		gem_close(fd, create.handle);
		return -1;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off.offset);
	if (p == MAP_FAILED) {
		report("mmap", errno);
		gem_close(fd, create.handle);
		return -1;
	}
	*handle = create.handle;
	*map = p;
	*map_size = size;
	return 0;
}

/* Scanout 0's connector and CRTC, and the mode --draw and --draw-bench set on them. */
struct output {
	__u32 connector_id;
	__u32 crtc_id;
	drmModeModeInfo mode;
};

/*
 * Becomes DRM master (SET_MASTER succeeds at once for the primary node's first opener, and fails
 * with EBUSY while another client is master; fbcon is the kernel's fbdev client, not a master)
 * and fills @out. nova-lite makes, per scanout and in scanout order, one CRTC, one primary plane,
 * one encoder and one connector: scanout 0's are the first CRTC and the first connector. The mode
 * is the connector's of scanout 0's size (display information): a preferred one of that size,
 * else the first (the kernel lists the best first); if the connector lists none of that size,
 * its preferred mode (the first listed if none is flagged). Prints a "kms:" line that says
 * which. Reports a failure and returns -1 then.
 */
static int kms_output(int fd, struct output *out)
{
	const drmModeModeInfo *mode = NULL, *preferred = NULL;
	struct drm_nova_lite_display_info *info;
	__u32 size, width = 0, height = 0;
	drmModeConnectorPtr conn;
	const char *type;
	drmModeResPtr res;

	if (drmSetMaster(fd)) {
		report("SET_MASTER (EBUSY if another client is DRM master)", errno);
		return -1;
	}
	info = query(fd, NOVA_LITE_QUERY_DISPLAY_INFO, 0, &size);
	if (!info) {
		report("QUERY DISPLAY_INFO", errno);
		return -1;
	}
	if (size >= sizeof(*info) && info[0].enabled) {
		width = info[0].width;
		height = info[0].height;
	}
	free(info);

	res = drmModeGetResources(fd);
	if (!res) {
		report("GETRESOURCES", errno);
		return -1;
	}
	if (!res->count_crtcs || !res->count_connectors) {
		fprintf(stderr, "nova-lite-info: %d CRTC(s) and %d connector(s): no scanout 0\n",
			res->count_crtcs, res->count_connectors);
		drmModeFreeResources(res);
		return -1;
	}
	out->crtc_id = res->crtcs[0];
	out->connector_id = res->connectors[0];
	drmModeFreeResources(res);

	/* The master's GETCONNECTOR probes the connector: its modes are the current ones. */
	conn = drmModeGetConnector(fd, out->connector_id);
	if (!conn) {
		report("GETCONNECTOR", errno);
		return -1;
	}
	for (int i = 0; i < conn->count_modes; i++) {
		const drmModeModeInfo *m = &conn->modes[i];
		bool pref = m->type & DRM_MODE_TYPE_PREFERRED;

		if (pref && !preferred)
			preferred = m;
		if (m->hdisplay == width && m->vdisplay == height &&
		    (!mode || (pref && !(mode->type & DRM_MODE_TYPE_PREFERRED))))
			mode = m;
	}
	type = drmModeGetConnectorTypeName(conn->connector_type);
	if (!conn->count_modes) {
		fprintf(stderr, "nova-lite-info: connector %s-%u (id %u, %s) lists no mode\n",
			type ? type : "unknown", conn->connector_type_id, out->connector_id,
			conn->connection == DRM_MODE_CONNECTED ? "connected" : "not connected");
		drmModeFreeConnector(conn);
		return -1;
	}
	printf("kms: connector %s-%u (id %u), CRTC id %u, ", type ? type : "unknown",
	       conn->connector_type_id, out->connector_id, out->crtc_id);
	if (mode) {
		printf("mode %s@%u: scanout 0's size\n", mode->name, mode->vrefresh);
	} else {
		mode = preferred ? preferred : &conn->modes[0];
		printf("mode %s@%u: the connector's %s; ", mode->name, mode->vrefresh,
		       preferred ? "preferred mode" : "first mode (none is preferred)");
		if (width && height)
			printf("it lists no mode of scanout 0's size %ux%u\n", width, height);
		else
			printf("scanout 0 has no size\n");
	}
	out->mode = *mode;
	drmModeFreeConnector(conn);
	return 0;
}

/* A GEM object of an XRGB8888 frame, its mapping, and the KMS framebuffer made of it. */
struct frame {
	__u32 handle;
	__u32 resource_id;	/* 0 unless frame_add_fb() made the resource */
	__u32 fb_id;		/* 0 until frame_add_fb() */
	__u32 width;
	__u32 height;
	__u32 pitch;		/* 4 * width */
	unsigned char *map;
	size_t map_size;
};

/* GEM_CREATE and mapping of the object of a frame of width x height (gem_create_map()). */
static int frame_create(int fd, __u32 width, __u32 height, struct frame *f)
{
	memset(f, 0, sizeof(*f));
	f->width = width;
	f->height = height;
	f->pitch = 4 * width;
	return gem_create_map(fd, (uint64_t)f->pitch * height, &f->handle, &f->map,
			      &f->map_size);
}

/*
 * Makes the frame's object a framebuffer: ADDFB2, XRGB8888 at the frame's pitch. With @resource,
 * RESOURCE_CREATE first makes it an XRGB8888 resource (ADDFB2 accepts one whose stride is the
 * pitch); without, ADDFB2 makes the resource. Reports a failure and returns -1 then.
 */
static int frame_add_fb(int fd, struct frame *f, bool resource)
{
	__u32 handles[4] = { f->handle }, pitches[4] = { f->pitch }, offsets[4] = { 0 };
	int ret;

	if (resource) {
		struct drm_nova_lite_resource_create res = {
			.handle = f->handle,
			.format = DRM_FORMAT_XRGB8888,
			.width = f->width,
			.height = f->height,
		};

		if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &res)) {
			report("RESOURCE_CREATE", errno);
			return -1;
		}
		if (res.stride != f->pitch) {
			fprintf(stderr, "nova-lite-info: RESOURCE_CREATE: stride %u, not %u\n",
				res.stride, f->pitch);
			return -1;
		}
		f->resource_id = res.resource_id;
	}
	ret = drmModeAddFB2(fd, f->width, f->height, DRM_FORMAT_XRGB8888, handles, pitches,
			    offsets, &f->fb_id, 0);
	if (ret) {
		report("ADDFB2", -ret);
		return -1;
	}
	return 0;
}

/*
 * Sets the CRTC of @out to show the frame on its connector in its mode (legacy SETCRTC). The
 * commit is blocking: it returns once done, which is at the next vblank of the CRTC's timer;
 * the plane update it made (transfer of the whole framebuffer, SET_SCANOUT, flush) is posted
 * to the device by then, not carried out.
 */
static int frame_show(int fd, const struct output *out, const struct frame *f)
{
	__u32 connector = out->connector_id;
	drmModeModeInfo mode = out->mode;
	int ret;

	ret = drmModeSetCrtc(fd, out->crtc_id, f->fb_id, 0, 0, &connector, 1, &mode);
	if (ret) {
		report("SETCRTC", -ret);
		return -1;
	}
	return 0;
}

/*
 * Removes the frame's framebuffer, if any (RMFB, which turns off the CRTC that shows it), then
 * unmaps and closes the object. Returns 0 if all went well, otherwise reports each failure and
 * returns -1. With @gone_ok, ENODEV from RMFB (the device was unplugged meanwhile and took the
 * framebuffer and the handle with it: every ioctl fails so) is said on stdout, not a failure.
 */
static int frame_destroy(int fd, struct frame *f, bool gone_ok)
{
	int ret = f->fb_id ? drmModeRmFB(fd, f->fb_id) : 0;
	int failed = 0;

	if (ret == -ENODEV && gone_ok) {
		printf("rmfb=ENODEV: the device was unplugged, the framebuffer went with it\n");
	} else if (ret) {
		report("RMFB", -ret);
		failed = -1;
	}
	if (munmap(f->map, f->map_size)) {
		report("munmap", errno);
		failed = -1;
	}
	if (ret != -ENODEV && gem_close(fd, f->handle))
		failed = -1;
	return failed;
}

/*
 * The test pattern, also computed by tools/screen.py compare: pixel (x, y) of
 * seed s, as 0xRRGGBB. In unsigned arithmetic, each result & 0xff:
 *   r = x + 3y + 37s;  g = (x >> 2) ^ (y >> 2) ^ 13s;  b = 255 - ((x + y) & 0xff) + 71s
 * tests/screen-pattern-vector.txt pins it for both (see --pattern-vector).
 */
static uint32_t pattern_rgb(uint32_t x, uint32_t y, uint32_t s)
{
	uint32_t r = (x + 3 * y + 37 * s) & 0xff;
	uint32_t g = ((x >> 2) ^ (y >> 2) ^ (13 * s)) & 0xff;
	uint32_t b = (255 - ((x + y) & 0xff) + 71 * s) & 0xff;

	return r << 16 | g << 8 | b;
}

/* Draws the pattern of seed s in XRGB8888: bytes b, g, r, 0xff in memory. */
static void draw_pattern(unsigned char *p, __u32 width, __u32 height, __u32 stride, uint32_t s)
{
	for (uint32_t y = 0; y < height; y++) {
		unsigned char *row = p + (size_t)y * stride;

		for (uint32_t x = 0; x < width; x++) {
			uint32_t rgb = pattern_rgb(x, y, s);

			row[4 * x + 0] = rgb & 0xff;
			row[4 * x + 1] = rgb >> 8 & 0xff;
			row[4 * x + 2] = rgb >> 16 & 0xff;
			row[4 * x + 3] = 0xff;
		}
	}
}

/*
 * The pixels of the test vector: corners and edges of the usual display sizes, the 256-pixel
 * wrap of red and blue, the 4-pixel steps of green, and seeds whose multiples wrap.
 */
static const struct {
	uint32_t x, y, seed;
} vector_points[] = {
	{ 0, 0, 0 },		{ 1, 0, 0 },		{ 0, 1, 0 },
	{ 3, 3, 0 },		{ 4, 4, 0 },		{ 255, 0, 0 },
	{ 256, 0, 0 },		{ 0, 255, 0 },		{ 0, 256, 0 },
	{ 0, 0, 1 },		{ 17, 42, 1 },		{ 639, 479, 1 },
	{ 640, 480, 1 },	{ 1279, 799, 1 },	{ 1919, 1079, 1 },
	{ 0, 0, 2 },		{ 100, 200, 2 },	{ 1023, 767, 2 },
	{ 1279, 0, 2 },		{ 0, 799, 2 },		{ 7, 5, 3 },
	{ 300, 301, 7 },	{ 511, 513, 255 },	{ 512, 86, 256 },
	{ 1000, 999, 65535 },	{ 2047, 1151, 0x12345678 },
	{ 3839, 2159, 0xfffffffe },	{ 4095, 4095, 0xffffffff },
	{ 16383, 16383, 0x80000000 },
};

/* --pattern-vector: prints the test vector in the form of tests/screen-pattern-vector.txt. */
static int print_pattern_vector(void)
{
	printf("# The screen pattern of `nova-lite-info --draw SEED` (tools/nova-lite-info.c,\n"
	       "# pattern_rgb()) and of `tools/screen.py compare` (Pattern): pixel (x, y) of\n"
	       "# SEED, its red, green and blue. `nova-lite-info --pattern-vector-check FILE`\n"
	       "# and `screen.py selftest FILE` check it against each side; written by\n"
	       "# `nova-lite-info --pattern-vector`.\n"
	       "# x y seed r g b\n");
	for (size_t i = 0; i < sizeof(vector_points) / sizeof(vector_points[0]); i++) {
		uint32_t x = vector_points[i].x, y = vector_points[i].y, s = vector_points[i].seed;
		uint32_t rgb = pattern_rgb(x, y, s);

		printf("%u %u %u %u %u %u\n", x, y, s, rgb >> 16 & 0xff, rgb >> 8 & 0xff,
		       rgb & 0xff);
	}
	return 0;
}

/*
 * --pattern-vector-check FILE: every "x y seed r g b" line of FILE ('#' starts a comment) must
 * be pattern_rgb()'s pixel. 0 if all are (and there is one at least), 1 if one differs, 2 if
 * FILE cannot be read or a line is not six numbers.
 */
static int check_pattern_vector(const char *file)
{
	unsigned int lineno = 0, checked = 0, wrong = 0;
	char line[256];
	FILE *f = fopen(file, "r");

	if (!f) {
		report(file, errno);
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[6];
		char *p = line, *end, *comment = strchr(line, '#');
		uint32_t rgb;
		int n;

		lineno++;
		if (comment)
			*comment = '\0';
		for (n = 0; n < 6; n++) {
			errno = 0;
			v[n] = strtoull(p, &end, 0);
			if (end == p || errno || v[n] > UINT32_MAX)
				break;
			p = end;
		}
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (n == 0 && !*p)
			continue;
		if (n != 6 || *p || v[3] > 255 || v[4] > 255 || v[5] > 255) {
			fprintf(stderr, "nova-lite-info: %s:%u: not \"x y seed r g b\"\n", file,
				lineno);
			fclose(f);
			return 2;
		}
		rgb = pattern_rgb(v[0], v[1], v[2]);
		checked++;
		if (rgb != (v[3] << 16 | v[4] << 8 | v[5])) {
			wrong++;
			printf("%s:%u: pixel (%llu, %llu) of seed %llu: file rgb(%llu, %llu, "
			       "%llu), nova-lite-info rgb(%u, %u, %u)\n", file, lineno, v[0], v[1],
			       v[2], v[3], v[4], v[5], rgb >> 16 & 0xff, rgb >> 8 & 0xff,
			       rgb & 0xff);
		}
	}
	fclose(f);
	if (!checked) {
		fprintf(stderr, "nova-lite-info: %s: no pixel to check\n", file);
		return 1;
	}
	printf("%u of %u pattern vector pixels differ\n", wrong, checked);
	return wrong != 0;
}

/*
 * --resource-hold: a resource of 256x256 pixels, transferred and waited for,
 * held until stdin gives a line or EOF, then closed (GEM_CLOSE) before the
 * exit: a test can change the device's state between the two (make it lose
 * the answer to the RESOURCE_UNREF that the close posts).
 */
static int resource_hold(int fd)
{
	struct drm_nova_lite_gem_create create = { .size = 256 * 256 * 4 };
	struct drm_nova_lite_resource_create rc = {
		.format = DRM_FORMAT_XRGB8888, .width = 256, .height = 256,
	};
	struct drm_nova_lite_transfer t = { .rect = { 0, 0, 256, 256 } };
	struct drm_nova_lite_wait w = { .timeout_ns = 10ll * 1000000000 };
	struct drm_gem_close cl = { 0 };
	char line[256];

	if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &create)) {
		report("GEM_CREATE", errno);
		return 1;
	}
	rc.handle = t.handle = w.handle = cl.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &rc) ||
	    drmIoctl(fd, DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, &t) ||
	    drmIoctl(fd, DRM_IOCTL_NOVA_LITE_WAIT, &w)) {
		report("RESOURCE_CREATE, TRANSFER_TO_HOST or WAIT", errno);
		return 1;
	}
	printf("resource=%u\n", rc.resource_id);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) && !strchr(line, '\n'))
		;
	if (drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &cl)) {
		report("GEM_CLOSE", errno);
		return 1;
	}
	return 0;
}

/*
 * --draw: shows the pattern of seed on scanout 0 through KMS: the frame is made an XRGB8888
 * resource with RESOURCE_CREATE (so that its id can be printed), then a framebuffer, set on the
 * CRTC in the mode kms_output() chose. With hold, keeps the file open (so master, the
 * framebuffer, the resource and the mapping stay, and the scanout shows the picture) until stdin
 * gives a line or EOF; then checks the mapping and removes the framebuffer, which a device
 * unplugged meanwhile has taken with it (not a failure). The file's close then lets the fbdev
 * emulation restore the console's mode.
 */
static int draw(int fd, uint32_t seed, int hold, int rewrite, uint32_t seed2)
{
	struct drm_nova_lite_wait wait = { .timeout_ns = WAIT_NS };
	struct output out;
	struct frame f;
	int failed = 0;

	if (kms_output(fd, &out) || frame_create(fd, out.mode.hdisplay, out.mode.vdisplay, &f))
		return 1;
	draw_pattern(f.map, f.width, f.height, f.pitch, seed);
	if (frame_add_fb(fd, &f, true) || frame_show(fd, &out, &f)) {
		frame_destroy(fd, &f, false);
		return 1;
	}
	/*
	 * The plane update's commands are posted and answer to the resource: once WAIT returns,
	 * the device has copied the pattern and shows it (the host takes its screenshot once
	 * "drew" is printed), and no transfer still in flight can carry the rewrite below to it.
	 */
	wait.handle = f.handle;
	if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_WAIT, &wait)) {
		report("WAIT (the plane update's transfer, SET_SCANOUT and flush)", errno);
		frame_destroy(fd, &f, false);
		return 1;
	}
	if (rewrite) {
		/*
		 * Nothing tells the device (no DIRTYFB, no transfer): its copy keeps the first
		 * pattern, and the mapping must keep these pixels.
		 */
		draw_pattern(f.map, f.width, f.height, f.pitch, seed2);
		seed = seed2;
	}
	printf("drew pattern %u on scanout 0: %ux%u, resource %u\n", seed, f.width, f.height,
	       f.resource_id);
	fflush(stdout);
	if (hold) {
		char line[256];
		unsigned char *want;
		size_t changed = 0;

		/* Up to the end of one line (however long) or EOF. */
		while (fgets(line, sizeof(line), stdin) && !strchr(line, '\n'))
			;
		/*
		 * The mapping, kept meanwhile, must still hold the pattern: whatever happened to
		 * the device (a reset, an unbind), the pages are the client's.
		 */
		want = malloc(f.map_size);
		if (!want) {
			report("malloc", ENOMEM);
			frame_destroy(fd, &f, true);
			return 1;
		}
		memset(want, 0, f.map_size);
		draw_pattern(want, f.width, f.height, f.pitch, seed);
		for (size_t i = 0; i < (size_t)f.pitch * f.height; i++)
			changed += want[i] != f.map[i];
		free(want);
		printf("mapping=%s", changed ? "changed" : "intact");
		if (changed)
			printf(" %zu bytes", changed);
		printf("\n");
		failed = changed != 0;
	}
	return frame_destroy(fd, &f, hold) ? 1 : failed;
}

/*
 * --crtc-off N: as DRM master, turns off the CRTC of scanout N (nova-lite makes one per scanout, in
 * scanout order) with a legacy SETCRTC without framebuffer or mode. The framebuffer it showed stays
 * alive as long as its client keeps it: the device must stop showing it because the CRTC is off.
 */
static int crtc_off(int fd, unsigned long n)
{
	drmModeResPtr res;
	__u32 crtc_id;

	if (drmSetMaster(fd)) {
		report("SET_MASTER (EBUSY if another client is DRM master)", errno);
		return 1;
	}
	res = drmModeGetResources(fd);
	if (!res) {
		report("GETRESOURCES", errno);
		return 1;
	}
	if (n >= (unsigned long)res->count_crtcs) {
		fprintf(stderr, "nova-lite-info: no CRTC %lu: %d CRTC(s)\n", n, res->count_crtcs);
		drmModeFreeResources(res);
		return 1;
	}
	crtc_id = res->crtcs[n];
	drmModeFreeResources(res);
	if (drmModeSetCrtc(fd, crtc_id, 0, 0, 0, NULL, 0, NULL)) {
		report("SETCRTC (off)", errno);
		return 1;
	}
	printf("crtc-off: CRTC %lu (id %u)\n", n, crtc_id);
	return 0;
}

/*
 * The test cursor's pixel (x, y), as premultiplied 0xAARRGGBB, also computed by
 * tools/cursor_check.py: opaque but for a transparent band of 8 pixels at the right and at the
 * bottom, which is all 0.
 *   x < 56 && y < 56: a = 0xff, r = 4x, g = 4y, b = (x ^ y) * 4 + 16, each & 0xff; else 0
 */
static uint32_t cursor_argb(uint32_t x, uint32_t y)
{
	if (x >= CURSOR_SIZE - 8 || y >= CURSOR_SIZE - 8)
		return 0;
	return 0xffu << 24 | (4 * x & 0xff) << 16 | (4 * y & 0xff) << 8 | (((x ^ y) * 4 + 16) & 0xff);
}

/* Waits for a line on stdin (or EOF): the caller has looked at the cursor. */
static void wait_line(void)
{
	char line[256];

	while (fgets(line, sizeof(line), stdin) && !strchr(line, '\n'))
		;
}

/*
 * --cursor: as DRM master, shows the test cursor on the first CRTC (scanout 0's) with the legacy
 * cursor ioctls, which nova-lite turns into commits of the CRTC's cursor plane: MOVE_CURSOR sets
 * the position with no image yet (the plane stays off), SET_CURSOR2 the image (a new framebuffer
 * of the object, whose resource RESOURCE_CREATE made) with its hotspot, which the device gets
 * with UPDATE_CURSOR; after a line on stdin MOVE_CURSOR moves it (the device gets MOVE_CURSOR),
 * and after another SET_CURSOR without a buffer hides it (UPDATE_CURSOR of resource 0); then it
 * is shown with a hotspot outside the image, moved and hidden, each of which must succeed.
 */
static int cursor(int fd)
{
	struct drm_nova_lite_resource_create res = {
		.format = DRM_FORMAT_XRGB8888,
		.width = CURSOR_SIZE,
		.height = CURSOR_SIZE,
	};
	unsigned char *map;
	drmModeResPtr kms;
	size_t map_size;
	__u32 crtc_id, handle;
	int ret, failed = 1;

	if (drmSetMaster(fd)) {
		report("SET_MASTER (EBUSY if another client is DRM master)", errno);
		return 1;
	}
	kms = drmModeGetResources(fd);
	if (!kms || !kms->count_crtcs) {
		report("GETRESOURCES (no CRTC)", kms ? ENODEV : errno);
		drmModeFreeResources(kms);
		return 1;
	}
	crtc_id = kms->crtcs[0];
	drmModeFreeResources(kms);
	if (gem_create_map(fd, 4 * CURSOR_SIZE * CURSOR_SIZE, &handle, &map, &map_size))
		return 1;
	for (uint32_t y = 0; y < CURSOR_SIZE; y++)
		for (uint32_t x = 0; x < CURSOR_SIZE; x++)
			((uint32_t *)map)[y * CURSOR_SIZE + x] = cursor_argb(x, y);
	res.handle = handle;
	if (drmIoctl(fd, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &res)) {
		report("RESOURCE_CREATE", errno);
		goto out;
	}
	ret = drmModeMoveCursor(fd, crtc_id, CURSOR_X, CURSOR_Y);
	if (!ret)
		ret = drmModeSetCursor2(fd, crtc_id, handle, CURSOR_SIZE, CURSOR_SIZE, CURSOR_HOT_X,
					CURSOR_HOT_Y);
	if (ret) {
		report("MOVE_CURSOR, SET_CURSOR2", -ret);
		goto out;
	}
	printf("cursor: shown resource %u at %d,%d hotspot %d,%d\n", res.resource_id, CURSOR_X,
	       CURSOR_Y, CURSOR_HOT_X, CURSOR_HOT_Y);
	fflush(stdout);
	wait_line();
	ret = drmModeMoveCursor(fd, crtc_id, CURSOR_MOVE_X, CURSOR_MOVE_Y);
	if (ret) {
		report("MOVE_CURSOR", -ret);
		goto out;
	}
	printf("cursor: moved to %d,%d\n", CURSOR_MOVE_X, CURSOR_MOVE_Y);
	fflush(stdout);
	wait_line();
	ret = drmModeSetCursor(fd, crtc_id, 0, 0, 0);
	if (ret) {
		report("SET_CURSOR (hide)", -ret);
		goto out;
	}
	printf("cursor: hidden\n");
	/*
	 * A hotspot outside the image is accepted (the device gets the image's nearest pixel):
	 * the DRM core stores it in the plane's state before the check, where a refused one would
	 * stay and fail the plane's later commits. The cursor is shown with it, moved and hidden.
	 */
	ret = drmModeSetCursor2(fd, crtc_id, handle, CURSOR_SIZE, CURSOR_SIZE, CURSOR_FAR_HOT,
				CURSOR_FAR_HOT);
	if (ret) {
		report("SET_CURSOR2 with a hotspot outside the image", -ret);
		goto out;
	}
	ret = drmModeMoveCursor(fd, crtc_id, CURSOR_X, CURSOR_Y);
	if (!ret)
		ret = drmModeSetCursor(fd, crtc_id, 0, 0, 0);
	if (ret) {
		report("MOVE_CURSOR, SET_CURSOR (hide) after a hotspot outside the image", -ret);
		goto out;
	}
	printf("cursor: hotspot %d,%d outside the image accepted, moved, hidden\n", CURSOR_FAR_HOT,
	       CURSOR_FAR_HOT);
	failed = 0;
out:
	munmap(map, map_size);
	if (gem_close(fd, handle))
		failed = 1;
	return failed;
}

/* Parses a pattern seed (0 to UINT32_MAX) into *seed; says so and returns -1 if it is not one. */
static int parse_seed(const char *arg, uint32_t *seed)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || *end || !*arg || arg[0] == '-' || v > UINT32_MAX) {
		fprintf(stderr, "nova-lite-info: bad seed '%s' (0 to %u)\n", arg, UINT32_MAX);
		return -1;
	}
	*seed = v;
	return 0;
}

/* Copies BENCH_BW_PASSES times the whole of dst from a cache-resident chunk; returns ns. */
static uint64_t bench_write(unsigned char *dst, size_t size, const unsigned char *src)
{
	uint64_t start = now_ns();

	for (int pass = 0; pass < BENCH_BW_PASSES; pass++) {
		for (size_t off = 0; off < size; off += BENCH_BW_CHUNK)
			memcpy(dst + off, src, BENCH_BW_CHUNK);
		/* The stores are the point: keep the compiler from dropping them. */
		__asm__ __volatile__("" : : "r"(dst) : "memory");
	}
	return now_ns() - start;
}

/* --draw-bench: see usage(). */
static int draw_bench(int fd)
{
	uint64_t ns[BENCH_ITERATIONS], map_ns, mem_ns;
	unsigned char *src, *mem, *map;
	double map_mib_s, mem_mib_s;
	struct output out;
	size_t map_size;
	__u32 handle;

	/*
	 * (a) The path of a frame through KMS, BENCH_ITERATIONS times: each ends with the commit
	 * that shows it, at the CRTC's next vblank. Its removal, untimed, turns the CRTC off: the
	 * next frame's SETCRTC turns it on again.
	 */
	if (kms_output(fd, &out))
		return 1;
	for (int i = 0; i < BENCH_ITERATIONS; i++) {
		uint64_t start = now_ns();
		struct frame f;
		int err;

		if (frame_create(fd, out.mode.hdisplay, out.mode.vdisplay, &f))
			return 1;
		memset(f.map, 0x40 + i, f.map_size);
		err = frame_add_fb(fd, &f, false) || frame_show(fd, &out, &f);
		ns[i] = now_ns() - start;
		if (frame_destroy(fd, &f, false) || err)
			return 1;
	}
	qsort(ns, BENCH_ITERATIONS, sizeof(ns[0]), cmp_u64);

	/* (b) Writes through a mapping of an object against memcpy into malloc'ed memory. */
	src = malloc(BENCH_BW_CHUNK);
	mem = malloc(BENCH_BW_SIZE);
	if (!src || !mem) {
		report("malloc", ENOMEM);
		free(src);
		free(mem);
		return 1;
	}
	for (size_t j = 0; j < BENCH_BW_CHUNK; j++)
		src[j] = j * 7;
	if (gem_create_map(fd, BENCH_BW_SIZE, &handle, &map, &map_size)) {
		free(src);
		free(mem);
		return 1;
	}
	/* First touch: fault every page in, outside the timed part. */
	memset(map, 0, map_size);
	memset(mem, 0, BENCH_BW_SIZE);
	map_ns = bench_write(map, map_size, src);
	mem_ns = bench_write(mem, BENCH_BW_SIZE, src);
	munmap(map, map_size);
	gem_close(fd, handle);
	free(src);
	free(mem);

	map_mib_s = (double)BENCH_BW_PASSES * (map_size >> 20) * 1e9 / map_ns;
	mem_mib_s = (double)BENCH_BW_PASSES * (BENCH_BW_SIZE >> 20) * 1e9 / mem_ns;
	printf("draw_frame: %ux%u@%u\n", out.mode.hdisplay, out.mode.vdisplay, out.mode.vrefresh);
	printf("draw_latency_us_median: %.0f\n",
	       (ns[(BENCH_ITERATIONS - 1) / 2] + ns[BENCH_ITERATIONS / 2]) / 2000.0);
	printf("mmap_write_mib_s: %.0f\n", map_mib_s);
	printf("memcpy_mib_s: %.0f\n", mem_mib_s);
	printf("mmap_vs_memcpy: %.3f\n", map_mib_s / mem_mib_s);
	return 0;
}

int main(int argc, char **argv)
{
	enum {
		OPT_DRAW = 256, OPT_DRAW_BENCH, OPT_HOLD, OPT_REWRITE, OPT_VECTOR, OPT_VECTOR_CHECK,
		OPT_RESOURCE_HOLD, OPT_CRTC_OFF, OPT_CURSOR,
	};
	static const struct option longopts[] = {
		{ "draw", required_argument, NULL, OPT_DRAW },
		{ "draw-bench", no_argument, NULL, OPT_DRAW_BENCH },
		{ "hold", no_argument, NULL, OPT_HOLD },
		{ "resource-hold", no_argument, NULL, OPT_RESOURCE_HOLD },
		{ "crtc-off", required_argument, NULL, OPT_CRTC_OFF },
		{ "cursor", no_argument, NULL, OPT_CURSOR },
		{ "rewrite", required_argument, NULL, OPT_REWRITE },
		{ "pattern-vector", no_argument, NULL, OPT_VECTOR },
		{ "pattern-vector-check", required_argument, NULL, OPT_VECTOR_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long nbench = 0, off_crtc = 0;
	unsigned long long sizes[MAX_OBJECTS];
	const char *path = NULL, *vector_file = NULL;
	unsigned int nsizes = 0, i;
	int do_draw = 0, do_draw_bench = 0, hold = 0, rewrite = 0, print_vector = 0;
	int do_resource_hold = 0, do_crtc_off = 0, do_cursor = 0;
	uint32_t seed2 = 0;
	struct nlt_node_search search;
	uint32_t seed = 0;
	drmVersionPtr version;
	int fd, opt, type, failed = 0;

	while ((opt = getopt_long(argc, argv, "d:c:b:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_DRAW:
			if (parse_seed(optarg, &seed))
				return 2;
			do_draw = 1;
			break;
		case OPT_DRAW_BENCH:
			do_draw_bench = 1;
			break;
		case OPT_HOLD:
			hold = 1;
			break;
		case OPT_RESOURCE_HOLD:
			do_resource_hold = 1;
			break;
		case OPT_CURSOR:
			do_cursor = 1;
			break;
		case OPT_CRTC_OFF: {
			char *end;

			errno = 0;
			off_crtc = strtoul(optarg, &end, 0);
			if (errno || *end || !*optarg) {
				fprintf(stderr, "nova-lite-info: bad CRTC index '%s'\n", optarg);
				return 2;
			}
			do_crtc_off = 1;
			break;
		}
		case OPT_REWRITE:
			if (parse_seed(optarg, &seed2))
				return 2;
			rewrite = 1;
			break;
		case OPT_VECTOR:
			print_vector = 1;
			break;
		case OPT_VECTOR_CHECK:
			vector_file = optarg;
			break;
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
	if (optind != argc || (hold && !do_draw) || (rewrite && !hold) ||
	    (do_resource_hold && (do_draw || do_draw_bench)) ||
	    (do_crtc_off && (do_draw || do_draw_bench || do_resource_hold || nsizes || nbench)) ||
	    (do_cursor && (do_draw || do_draw_bench || do_resource_hold || do_crtc_off || nsizes ||
			   nbench)) ||
	    ((print_vector || vector_file) &&
	     (print_vector + !!vector_file > 1 || path || nsizes || nbench || do_draw ||
	      do_draw_bench || do_crtc_off || do_cursor))) {
		usage(stderr);
		return 2;
	}
	if (print_vector)
		return print_pattern_vector();
	if (vector_file)
		return check_pattern_vector(vector_file);

	/*
	 * KMS changes are for the DRM master only, on the primary node: the draw modes open it,
	 * and kms_output() makes the file master.
	 */
	type = do_draw || do_draw_bench || do_crtc_off || do_cursor ? DRM_NODE_PRIMARY :
								    DRM_NODE_RENDER;
	if (path)
		fd = open(path, O_RDWR | O_CLOEXEC);
	else
		fd = nlt_open_driver_node(NLT_DRIVER_NAME, type, &search);
	if (fd < 0 && path) {
		report(path, errno);
		return 1;
	}
	if (fd < 0) {
		char why[384];

		fprintf(stderr, "nova-lite-info: %s\n",
			nlt_node_search_describe(&search, NLT_DRIVER_NAME, type, why, sizeof(why)));
		return 1;
	}

	if (do_resource_hold || do_crtc_off || do_cursor) {
		failed = do_crtc_off ? crtc_off(fd, off_crtc) :
			 do_cursor   ? cursor(fd) :
				       resource_hold(fd);
		close(fd);
		return failed;
	}
	if (!do_draw && !do_draw_bench) {
		version = drmGetVersion(fd);
		if (!version) {
			report("drmGetVersion", errno);
			return 1;
		}
		printf("device=%s\n", path ? path : search.path);
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

	if (nbench)
		failed |= bench(fd, nbench);

	/* The bench turns scanout 0's CRTC off after each frame: draw last, the picture stays. */
	if (do_draw_bench)
		failed |= draw_bench(fd);
	if (do_draw)
		failed |= draw(fd, seed, hold, rewrite, seed2);

	close(fd);
	return failed;
}
