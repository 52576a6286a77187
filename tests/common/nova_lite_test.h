/* SPDX-License-Identifier: MIT */
/*
 * What nova-lite's userspace programs share, so that it is written once: the
 * search for a DRM node by driver name, the uAPI's format list, the data
 * pattern written into objects, and the EDID checks. Included by
 * tools/nova-lite-info.c, tests/nova_lite_bench.c, tests/fuzz/ (the fuzzer,
 * through tests/fuzz/fuzz.h) and, through tests/igt/lib/igt_nova_lite.h, the
 * IGT tests. Header-only (static inline): no library to build or link.
 *
 * The screen pattern of `nova-lite-info --draw` is not here: its one C copy is
 * in tools/nova-lite-info.c, kept in step with tools/screen.py by the test
 * vector tests/screen-pattern-vector.txt, which both check.
 */

#ifndef NOVA_LITE_TEST_H
#define NOVA_LITE_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include "nova_lite_drm.h"

#define NLT_DRIVER_NAME "nova-lite"
#define NLT_DRI_DIR "/dev/dri"
#define NLT_MAX_NODES 256	/* nodes of one type looked at; DRM has 64 per type */

/* --- finding a DRM node by its driver ----------------------------------- */

/* What nlt_open_node() found, for the caller's messages (nlt_node_search_describe()). */
struct nlt_node_search {
	char path[64];		/* the node opened; on failure, the first that did not open */
	int err;		/* on failure: that node's errno, or ENOENT or ENODEV */
	bool none_matched;	/* every node opened and none is the driver's (err ENOENT or
				 * ENODEV; path is then "/dev/dri/<prefix>*") */
	unsigned int nodes;	/* nodes of the type in /dev/dri */
	char seen[192];		/* the drivers of the nodes that opened: "card0=vgem ..." */
};

static inline const char *nlt_node_prefix(int type)
{
	return type == DRM_NODE_RENDER ? "renderD" : "card";
}

/* The N of a node name "<prefix>N", or -1. */
static inline int nlt_node_number(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	char *end;
	long n;

	if (strncmp(name, prefix, len) || name[len] < '0' || name[len] > '9')
		return -1;
	n = strtol(name + len, &end, 10);
	return *end || n > 1 << 20 ? -1 : (int)n;
}

static inline int nlt_cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * Opens, read-write and close-on-exec, the DRM node of @type (DRM_NODE_PRIMARY: cardN,
 * DRM_NODE_RENDER: renderDN) with the lowest N whose driver @match(name, @data) accepts.
 * Returns the fd or -errno: the errno of the first node that did not open (its path in
 * @s->path), else -ENOENT if /dev/dri holds no node of @type, else -ENODEV (every node
 * opened, none is the driver's: @s->seen names their drivers). @s may be NULL.
 */
static inline int nlt_open_node(int type, bool (*match)(const char *name, void *data), void *data,
				struct nlt_node_search *s)
{
	const char *prefix = nlt_node_prefix(type);
	struct nlt_node_search local;
	int numbers[NLT_MAX_NODES];
	unsigned int n = 0, i;
	struct dirent *de;
	size_t used = 0;
	DIR *dir;

	if (!s)
		s = &local;
	memset(s, 0, sizeof(*s));
	dir = opendir(NLT_DRI_DIR);
	if (!dir) {
		s->err = errno;
		snprintf(s->path, sizeof(s->path), "%s", NLT_DRI_DIR);
		return -s->err;
	}
	while ((de = readdir(dir)) && n < NLT_MAX_NODES) {
		int number = nlt_node_number(de->d_name, prefix);

		if (number >= 0)
			numbers[n++] = number;
	}
	closedir(dir);
	qsort(numbers, n, sizeof(numbers[0]), nlt_cmp_int);
	s->nodes = n;

	for (i = 0; i < n; i++) {
		char path[64];
		drmVersionPtr version;
		bool found;
		int fd;

		snprintf(path, sizeof(path), "%s/%s%d", NLT_DRI_DIR, prefix, numbers[i]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			if (!s->err) {
				s->err = errno;
				snprintf(s->path, sizeof(s->path), "%s", path);
			}
			continue;
		}
		version = drmGetVersion(fd);
		found = version && match(version->name, data);
		if (used < sizeof(s->seen))
			used += snprintf(s->seen + used, sizeof(s->seen) - used, "%s%s%d=%s",
					 used ? " " : "", prefix, numbers[i],
					 version ? version->name : "?");
		drmFreeVersion(version);
		if (found) {
			s->err = 0;
			snprintf(s->path, sizeof(s->path), "%s", path);
			return fd;
		}
		close(fd);
	}
	if (!s->err) {
		s->err = n ? ENODEV : ENOENT;
		s->none_matched = true;
		snprintf(s->path, sizeof(s->path), "%s/%s*", NLT_DRI_DIR, prefix);
	}
	return -s->err;
}

static inline bool nlt_match_name(const char *name, void *driver)
{
	return !strcmp(name, (const char *)driver);
}

/* nlt_open_node() of the node of @type whose driver is named @driver ("nova-lite", "vgem"). */
static inline int nlt_open_driver_node(const char *driver, int type, struct nlt_node_search *s)
{
	return nlt_open_node(type, nlt_match_name, (void *)driver, s);
}

/*
 * Writes why the search @s for a @type node of @driver failed into @buf and returns @buf, e.g.
 * "cannot open /dev/dri/renderD128: errno 13 (Permission denied)" or "no nova-lite render node
 * among the 1 in /dev/dri (renderD128=virtio_gpu)".
 */
static inline const char *nlt_node_search_describe(const struct nlt_node_search *s,
						   const char *driver, int type, char *buf,
						   size_t len)
{
	const char *kind = type == DRM_NODE_RENDER ? "render" : "primary";

	if (s->err == ENODEV)
		snprintf(buf, len, "no %s %s node among the %u in %s (%s)", driver, kind, s->nodes,
			 NLT_DRI_DIR, s->seen);
	else if (s->err == ENOENT && s->none_matched)
		snprintf(buf, len, "no %s %s node: nothing matches %s", driver, kind, s->path);
	else if (s->seen[0])
		snprintf(buf, len, "cannot open %s: errno %d (%s); the nodes that opened: %s",
			 s->path, s->err, strerror(s->err), s->seen);
	else
		snprintf(buf, len, "cannot open %s: errno %d (%s)", s->path, s->err,
			 strerror(s->err));
	return buf;
}

/* --- formats -------------------------------------------------------------- */

/*
 * Every DRM fourcc code RESOURCE_CREATE accepts (the uAPI header lists them): the 4-byte
 * layouts of the virtio-gpu 2D protocol. XRGB8888 first: the one framebuffers can be made of.
 */
static const uint32_t nlt_formats[] = {
	DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_BGRX8888, DRM_FORMAT_BGRA8888,
	DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888, DRM_FORMAT_RGBX8888, DRM_FORMAT_RGBA8888,
};
#define NLT_NFORMATS (sizeof(nlt_formats) / sizeof(nlt_formats[0]))

static inline bool nlt_format_valid(uint32_t format)
{
	for (size_t i = 0; i < NLT_NFORMATS; i++)
		if (nlt_formats[i] == format)
			return true;
	return false;
}

/* --- the data pattern ----------------------------------------------------- */

/* 32-bit word @i of the data pattern of @seed, written into objects and read back. */
static inline uint32_t nlt_pattern(uint32_t seed, size_t i)
{
	return seed ^ (uint32_t)(i * 0x9e3779b1u);
}

/* --- EDID ----------------------------------------------------------------- */

#define NLT_EDID_BLOCK 128
#define NLT_EDID_MAX 1024	/* the base block and up to 7 extensions */

static const unsigned char nlt_edid_header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };

/* An EDID's size: whole 128-byte blocks, 1 to 8 of them. */
static inline bool nlt_edid_size_ok(size_t size)
{
	return size >= NLT_EDID_BLOCK && size <= NLT_EDID_MAX && size % NLT_EDID_BLOCK == 0;
}

/* The @size bytes at @edid start with the EDID header. */
static inline bool nlt_edid_header_ok(const void *edid, size_t size)
{
	return size >= sizeof(nlt_edid_header) &&
	       !memcmp(edid, nlt_edid_header, sizeof(nlt_edid_header));
}

/* The bytes of block @block of @edid add up to 0 (modulo 256). */
static inline bool nlt_edid_checksum_ok(const unsigned char *edid, unsigned int block)
{
	unsigned char sum = 0;

	for (unsigned int i = 0; i < NLT_EDID_BLOCK; i++)
		sum += edid[block * NLT_EDID_BLOCK + i];
	return sum == 0;
}

/*
 * The preferred mode of the base block @edid: its first detailed timing descriptor. False if
 * that descriptor is not a timing (pixel clock 0).
 */
static inline bool nlt_edid_preferred(const unsigned char *edid, unsigned int *width,
				      unsigned int *height)
{
	if (!(edid[54] | edid[55]))
		return false;
	*width = edid[56] | (edid[58] & 0xf0) << 4;
	*height = edid[59] | (edid[61] & 0xf0) << 4;
	return true;
}

#endif /* NOVA_LITE_TEST_H */
