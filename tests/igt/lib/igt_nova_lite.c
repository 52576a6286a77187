// SPDX-License-Identifier: MIT
/*
 * Helpers for nova-lite's ioctls. The __ variants return 0 or -errno, the
 * others assert success.
 */

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "igt.h"
#include "igt_nova_lite.h"

int __nova_lite_getparam(int fd, uint64_t param, uint64_t *value)
{
	struct drm_nova_lite_getparam gp = { .param = param };

	if (igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &gp))
		return -errno;
	*value = gp.value;
	return 0;
}

uint64_t nova_lite_getparam(int fd, uint64_t param)
{
	uint64_t value = 0;

	igt_assert_eq(__nova_lite_getparam(fd, param, &value), 0);
	return value;
}

int __nova_lite_gem_create(int fd, struct drm_nova_lite_gem_create *create)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, create) ? -errno : 0;
}

uint32_t nova_lite_gem_create(int fd, uint64_t size)
{
	struct drm_nova_lite_gem_create create = { .size = size };

	igt_assert_eq(__nova_lite_gem_create(fd, &create), 0);
	igt_assert_neq_u32(create.handle, 0);
	return create.handle;
}

int __nova_lite_gem_info(int fd, struct drm_nova_lite_gem_info *info)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, info) ? -errno : 0;
}

uint64_t nova_lite_gem_size(int fd, uint32_t handle)
{
	struct drm_nova_lite_gem_info info = { .handle = handle };

	igt_assert_eq(__nova_lite_gem_info(fd, &info), 0);
	return info.size;
}

/*
 * Writes the sysfs directory of the core's device behind DRM node @fd to @path: the node's
 * device is the auxiliary device, whose parent is the virtio device nova-lite binds (virtioN),
 * whose parent in turn is the transport's device (the PCI function with virtio-pci).
 */
static int core_device_dir(int fd, char *path, size_t len)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	snprintf(path, len, "/sys/dev/char/%u:%u/device/..", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

/* Writes the virtio device (e.g. "virtio3") behind DRM node @fd to @name; 0 or -errno. */
int nova_lite_core_device(int fd, char *name, size_t len)
{
	char dir[128], real[PATH_MAX];
	const char *base;
	int ret;

	ret = core_device_dir(fd, dir, sizeof(dir));
	if (ret)
		return ret;
	if (!realpath(dir, real))
		return -errno;
	base = strrchr(real, '/');
	if (!base || !base[1])
		return -ENOENT;
	snprintf(name, len, "%s", base + 1);
	return 0;
}

/*
 * Writes the sysfs directory of the PCI function behind DRM node @fd (the virtio device's
 * parent) to @path; -ENODEV if that parent is not a PCI device (virtio-mmio), or -errno.
 */
static int pci_function_dir(int fd, char *path, size_t len)
{
	char dir[128], subsystem[192], real[PATH_MAX];
	const char *base;
	int ret;

	ret = core_device_dir(fd, dir, sizeof(dir));
	if (ret)
		return ret;
	snprintf(path, len, "%s/..", dir);
	snprintf(subsystem, sizeof(subsystem), "%s/subsystem", path);
	if (!realpath(subsystem, real))
		return errno == ENOENT ? -ENODEV : -errno;
	base = strrchr(real, '/');
	return base && !strcmp(base, "/pci") ? 0 : -ENODEV;
}

/*
 * Reads the size of PCI BAR @bar of the PCI function behind DRM node @fd from sysfs; -ENODEV
 * when the virtio transport is not PCI (then the device has no BAR).
 */
int nova_lite_pci_resource_size(int fd, int bar, uint64_t *size)
{
	unsigned long long start, end, flags;
	char dir[160], path[192];
	FILE *f;
	int i, ret;

	ret = pci_function_dir(fd, dir, sizeof(dir));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/resource", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	for (i = 0; i <= bar; i++) {
		if (fscanf(f, "%llx %llx %llx", &start, &end, &flags) != 3) {
			fclose(f);
			return -EIO;
		}
	}
	fclose(f);
	*size = end ? end - start + 1 : 0;
	return 0;
}

int __nova_lite_query(int fd, struct drm_nova_lite_query *query)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, query) ? -errno : 0;
}

/*
 * Reads counter @name of the control queue from debugfs
 * (nova-lite/<virtio device>/ctrlq), found from DRM node @fd as above.
 */
/* Reads the "name: value" line @name of debugfs file @path. */
static uint64_t debugfs_count(const char *path, const char *name)
{
	unsigned long long value;
	char key[64];
	FILE *f = fopen(path, "r");

	igt_assert_f(f, "cannot open %s: %m\n", path);
	while (fscanf(f, " %63[^:]: %llu", key, &value) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return value;
		}
	}
	fclose(f);
	igt_assert_f(false, "no counter %s in %s\n", name, path);
	return 0;
}

uint64_t nova_lite_ctrlq_counter(int fd, const char *name)
{
	char path[256], vdev[64];
	int ret;

	ret = nova_lite_core_device(fd, vdev, sizeof(vdev));
	igt_assert_f(ret == 0, "no virtio device for the node: %s\n", strerror(-ret));
	snprintf(path, sizeof(path), "/sys/kernel/debug/nova-lite/%s/ctrlq", vdev);
	return debugfs_count(path, name);
}

/* The control queue's counters that only grow when something went wrong. */
static const char *const error_counters[NOVA_LITE_ERROR_COUNTERS] = {
	"err_unspec", "err_out_of_memory", "err_invalid_scanout_id", "err_invalid_resource_id",
	"err_invalid_context_id", "err_invalid_parameter", "err_other", "malformed", "timeouts",
};

void nova_lite_read_error_counters(int fd, uint64_t *values)
{
	for (size_t i = 0; i < NOVA_LITE_ERROR_COUNTERS; i++)
		values[i] = nova_lite_ctrlq_counter(fd, error_counters[i]);
}

void nova_lite_assert_no_new_errors(int fd, const uint64_t *before)
{
	for (size_t i = 0; i < NOVA_LITE_ERROR_COUNTERS; i++) {
		uint64_t now = nova_lite_ctrlq_counter(fd, error_counters[i]);

		igt_assert_f(now == before[i], "ctrlq %s went from %" PRIu64 " to %" PRIu64 "\n",
			     error_counters[i], before[i], now);
	}
}

int __nova_lite_gem_mmap_offset(int fd, struct drm_nova_lite_gem_mmap_offset *arg)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, arg) ? -errno : 0;
}

uint64_t nova_lite_gem_mmap_offset(int fd, uint32_t handle)
{
	struct drm_nova_lite_gem_mmap_offset arg = { .handle = handle };

	igt_assert_eq(__nova_lite_gem_mmap_offset(fd, &arg), 0);
	return arg.offset;
}

/*
 * Maps the first @size bytes of object @handle of @fd, shared, with protection @prot. The
 * offset must be given (that is asserted); NULL with errno set if mmap() fails.
 */
void *__nova_lite_gem_mmap(int fd, uint32_t handle, uint64_t size, int prot)
{
	uint64_t offset = nova_lite_gem_mmap_offset(fd, handle);
	void *ptr = mmap(NULL, size, prot, MAP_SHARED, fd, offset);

	return ptr == MAP_FAILED ? NULL : ptr;
}

void *nova_lite_gem_mmap(int fd, uint32_t handle, uint64_t size, int prot)
{
	void *ptr = __nova_lite_gem_mmap(fd, handle, size, prot);

	igt_assert_f(ptr, "mmap of handle %u (%llu bytes) failed: %m\n", handle,
		     (unsigned long long)size);
	return ptr;
}

int __nova_lite_resource_create(int fd, struct drm_nova_lite_resource_create *arg)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, arg) ? -errno : 0;
}

/* Makes object @handle a @width x @height resource in @format; returns its resource id. */
uint32_t nova_lite_resource_create(int fd, uint32_t handle, uint32_t format, uint32_t width,
				   uint32_t height)
{
	struct drm_nova_lite_resource_create arg = {
		.handle = handle, .format = format, .width = width, .height = height,
	};

	igt_assert_eq(__nova_lite_resource_create(fd, &arg), 0);
	igt_assert_eq_u32(arg.stride, 4 * width);
	igt_assert_neq_u32(arg.resource_id, 0);
	return arg.resource_id;
}

int __nova_lite_transfer_to_host(int fd, struct drm_nova_lite_transfer *arg)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, arg) ? -errno : 0;
}

void nova_lite_transfer_to_host(int fd, uint32_t handle, struct drm_nova_lite_rect rect)
{
	struct drm_nova_lite_transfer arg = { .handle = handle, .rect = rect };

	igt_assert_eq(__nova_lite_transfer_to_host(fd, &arg), 0);
}

int __nova_lite_set_scanout(int fd, struct drm_nova_lite_set_scanout *arg)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_SET_SCANOUT, arg) ? -errno : 0;
}

void nova_lite_set_scanout(int fd, uint32_t scanout, uint32_t handle,
			   struct drm_nova_lite_rect rect)
{
	struct drm_nova_lite_set_scanout arg = {
		.scanout = scanout, .handle = handle, .rect = rect,
	};

	igt_assert_eq(__nova_lite_set_scanout(fd, &arg), 0);
}

/* Disables @scanout: SET_SCANOUT with handle 0 and an all-0 rectangle. */
void nova_lite_disable_scanout(int fd, uint32_t scanout)
{
	nova_lite_set_scanout(fd, scanout, 0, (struct drm_nova_lite_rect){ 0 });
}

/*
 * vgem's primary node, for foreign dma-bufs. The one skip of the tests that use it: no vgem node
 * at all, the module is not loaded (ci/guest/check.sh loads it). A node that does not open fails.
 */
int open_vgem(void)
{
	int vgem = __drm_open_driver(DRIVER_VGEM), err = errno;

	igt_require_f(vgem >= 0 || (err != ENODEV && err != ENOENT),
		      "no vgem DRM node: the vgem module is not loaded (modprobe vgem)\n");
	igt_assert_f(vgem >= 0, "looking for vgem's primary node, a node did not open: "
		     "errno %d (%s)\n", err, strerror(err));
	return vgem;
}

/* A 64x64, 32 bpp dumb buffer of @fd (any driver's); the ioctl must succeed. */
struct drm_mode_create_dumb dumb_create_64x64(int fd)
{
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 64, .bpp = 32 };

	igt_assert_f(igt_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb) == 0,
		     "DRM_IOCTL_MODE_CREATE_DUMB 64x64x32 failed: %m\n");
	igt_assert_neq_u32(dumb.handle, 0);
	igt_assert(dumb.size >= 64 * 64 * 4);
	return dumb;
}

int __nova_lite_resource_flush(int fd, struct drm_nova_lite_flush *arg)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_RESOURCE_FLUSH, arg) ? -errno : 0;
}

void nova_lite_resource_flush(int fd, uint32_t handle, struct drm_nova_lite_rect rect)
{
	struct drm_nova_lite_flush arg = { .handle = handle, .rect = rect };

	igt_assert_eq(__nova_lite_resource_flush(fd, &arg), 0);
}

int __nova_lite_wait(int fd, struct drm_nova_lite_wait *arg)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_WAIT, arg) ? -errno : 0;
}

int nova_lite_wait(int fd, uint32_t handle)
{
	/* Bounded: a device that never answers fails the test, not the run. */
	struct drm_nova_lite_wait arg = { .handle = handle, .timeout_ns = 10ll * 1000000000 };

	return __nova_lite_wait(fd, &arg);
}

uint64_t nova_lite_live_count(const char *name)
{
	return debugfs_count("/sys/kernel/debug/nova-lite/live", name);
}
