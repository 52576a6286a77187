// SPDX-License-Identifier: MIT
/*
 * igt_parse_drm_fdinfo() for nova-lite's IGT subset (see igt_drm_fdinfo.h):
 * the "key:<whitespace>value" lines of /proc/self/fdinfo/<fd> that name the
 * client and its memory, with the units of the specification (KiB, MiB, GiB)
 * turned into bytes.
 */

#include <fcntl.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "igt_drm_fdinfo.h"

/* The memory keys, drm-<stat>-<region>, and where each goes. */
static const struct {
	const char *prefix;
	size_t offset;
} memory_keys[] = {
	{ "drm-total-", offsetof(struct drm_client_meminfo, total) },
	{ "drm-shared-", offsetof(struct drm_client_meminfo, shared) },
	{ "drm-resident-", offsetof(struct drm_client_meminfo, resident) },
	{ "drm-purgeable-", offsetof(struct drm_client_meminfo, purgeable) },
	{ "drm-active-", offsetof(struct drm_client_meminfo, active) },
};

/* Reads the whole of @path into @buf (NUL-terminated); false if it cannot be read. */
static bool read_text(const char *path, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return false;
	while (used < len - 1 && (n = read(fd, buf + used, len - 1 - used)) > 0)
		used += n;
	close(fd);
	buf[used] = '\0';
	return used > 0;
}

/* Skips the blanks after a key's colon. */
static const char *value_of(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A size with an optional unit; false if @s is not one. */
static bool parse_size(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *unit;
		unsigned int shift;
	} units[] = { { "", 0 }, { "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 } };
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	if (end == s)
		return false;
	end = (char *)value_of(end);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			*bytes = v << units[i].shift;
			return true;
		}
	}
	return false;
}

/* The index of region @name (@len bytes), added if new; -1 if it has no place. */
static int region_index(struct drm_client_fdinfo *info, const char *name, size_t len,
			const char **region_map, unsigned int region_entries)
{
	unsigned int i;

	if (len == 0 || len >= sizeof(info->region_names[0]))
		return -1;
	if (region_map) {
		for (i = 0; i < region_entries && i < DRM_CLIENT_FDINFO_MAX_REGIONS; i++)
			if (strlen(region_map[i]) == len && !strncmp(region_map[i], name, len))
				break;
		if (i == region_entries || i == DRM_CLIENT_FDINFO_MAX_REGIONS)
			return -1;
	} else {
		for (i = 0; i < DRM_CLIENT_FDINFO_MAX_REGIONS && info->region_names[i][0]; i++)
			if (strlen(info->region_names[i]) == len &&
			    !strncmp(info->region_names[i], name, len))
				break;
		if (i == DRM_CLIENT_FDINFO_MAX_REGIONS)
			return -1;
	}
	if (!info->region_names[i][0]) {
		memcpy(info->region_names[i], name, len);
		info->region_names[i][len] = '\0';
		info->num_regions++;
		if (i > info->last_region_index)
			info->last_region_index = i;
	}
	return i;
}

/* Parses memory key @line (drm-<stat>-<region>:...); false if it is not one. */
static bool parse_memory(struct drm_client_fdinfo *info, const char *line,
			 const char **region_map, unsigned int region_entries)
{
	for (size_t k = 0; k < sizeof(memory_keys) / sizeof(memory_keys[0]); k++) {
		size_t plen = strlen(memory_keys[k].prefix);
		const char *name = line + plen, *colon;
		uint64_t bytes;
		int idx;

		if (strncmp(line, memory_keys[k].prefix, plen))
			continue;
		colon = strchr(name, ':');
		/* drm-total-cycles-<engine> is an engine key, not a region's. */
		if (!colon || !parse_size(value_of(colon + 1), &bytes) ||
		    !strncmp(name, "cycles-", 7))
			return false;
		idx = region_index(info, name, colon - name, region_map, region_entries);
		if (idx < 0)
			return false;
		*(uint64_t *)((char *)&info->region_mem[idx] + memory_keys[k].offset) = bytes;
		return true;
	}
	return false;
}

unsigned int igt_parse_drm_fdinfo(int drm_fd, struct drm_client_fdinfo *info,
				  const char **name_map, unsigned int map_entries,
				  const char **region_map, unsigned int region_entries)
{
	char path[64], buf[8192], *line, *save = NULL;
	bool driver = false, id = false;
	unsigned int keys = 0;

	(void)name_map;
	(void)map_entries;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", drm_fd);
	if (!read_text(path, buf, sizeof(buf)))
		return 0;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "drm-driver:", 11)) {
			snprintf(info->driver, sizeof(info->driver), "%s", value_of(line + 11));
			driver = info->driver[0] != '\0';
			keys += driver;
		} else if (!strncmp(line, "drm-client-id:", 14)) {
			const char *v = value_of(line + 14);
			char *end;

			info->id = strtoul(v, &end, 10);
			id = end != v;
			keys += id;
		} else if (!strncmp(line, "drm-pdev:", 9)) {
			snprintf(info->pdev, sizeof(info->pdev), "%s", value_of(line + 9));
			keys++;
		} else if (parse_memory(info, line, region_map, region_entries)) {
			keys++;
		}
	}
	return driver && id && info->num_regions ? keys : 0;
}
