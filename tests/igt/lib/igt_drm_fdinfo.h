/* SPDX-License-Identifier: MIT */
/*
 * The DRM usage statistics of a DRM file, as /proc/self/fdinfo/<fd> shows
 * them (the kernel's Documentation/gpu/drm-usage-stats.rst), under the names
 * of IGT's lib/igt_drm_fdinfo.h, so that a test using them builds against
 * IGT's library unchanged (see tests/igt/README). IGT's structure also has
 * the engines' utilisation, which nova-lite does not report: only the
 * identification and the memory regions are here, and the engine map of
 * igt_parse_drm_fdinfo() is ignored.
 */

#ifndef IGT_DRM_FDINFO_H
#define IGT_DRM_FDINFO_H

#include <stdint.h>

#define DRM_CLIENT_FDINFO_MAX_REGIONS 16

/* The drm-<key>-<region> values of one memory region, in bytes. */
struct drm_client_meminfo {
	uint64_t total;
	uint64_t shared;
	uint64_t resident;
	uint64_t purgeable;
	uint64_t active;
};

struct drm_client_fdinfo {
	char driver[128];	/* drm-driver */
	char pdev[128];		/* drm-pdev, empty when absent */
	unsigned long id;	/* drm-client-id */

	/* The regions seen, by index; a key the file does not show leaves its value 0. */
	unsigned int num_regions;
	unsigned int last_region_index;
	char region_names[DRM_CLIENT_FDINFO_MAX_REGIONS][256];
	struct drm_client_meminfo region_mem[DRM_CLIENT_FDINFO_MAX_REGIONS];
};

/*
 * Reads /proc/self/fdinfo/@drm_fd into @info, which must be zeroed. Without @region_map, regions
 * are indexed in the order their first key comes; with it, a region's index is its position in
 * @region_map, and regions not in it are skipped. Returns the number of keys understood, or 0
 * if drm-driver or drm-client-id is missing or no memory region is shown.
 */
unsigned int igt_parse_drm_fdinfo(int drm_fd, struct drm_client_fdinfo *info,
				  const char **name_map, unsigned int map_entries,
				  const char **region_map, unsigned int region_entries);

#endif /* IGT_DRM_FDINFO_H */
