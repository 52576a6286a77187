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
#include <time.h>

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

int __nova_lite_query(int fd, struct drm_nova_lite_query *query)
{
	return igt_ioctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, query) ? -errno : 0;
}

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

/*
 * Reads counter @name of the control queue from debugfs
 * (nova-lite/<virtio device>/ctrlq), found from DRM node @fd as above.
 */
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

/*
 * How often and how long the live counts are polled: a freed resource goes when the device has
 * answered its RESOURCE_UNREF, after the ioctl that freed it returned.
 */
#define LIVE_POLL_NS (50 * 1000 * 1000)
#define LIVE_POLLS 100

static void live_pause(void)
{
	struct timespec delay = { 0, LIVE_POLL_NS };

	nanosleep(&delay, NULL);
}

uint64_t nova_lite_live_settled(const char *name)
{
	uint64_t before = nova_lite_live_count(name), now;
	int same = 0;

	for (int i = 0; i < LIVE_POLLS && same < 3; i++) {
		live_pause();
		now = nova_lite_live_count(name);
		same = now == before ? same + 1 : 0;
		before = now;
	}
	return before;
}

uint64_t nova_lite_live_wait(const char *name, uint64_t want)
{
	uint64_t now = nova_lite_live_count(name);

	for (int i = 0; i < LIVE_POLLS && now != want; i++) {
		live_pause();
		now = nova_lite_live_count(name);
	}
	return now;
}

/* The id of property @name of KMS object @id of @type; asserts that it has one. */
static uint32_t prop_id(int fd, uint32_t id, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, id, type);
	uint32_t found = 0;

	igt_assert_f(props, "cannot read the properties of KMS object %u: %m\n", id);
	for (uint32_t i = 0; i < props->count_props && !found; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd, props->props[i]);

		if (prop && !strcmp(prop->name, name))
			found = prop->prop_id;
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	igt_assert_f(found, "KMS object %u has no property %s\n", id, name);
	return found;
}

/* The value of property @prop of KMS object @id of @type; asserts that it has it. */
static uint64_t prop_value(int fd, uint32_t id, uint32_t type, uint32_t prop)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, id, type);
	bool found = false;
	uint64_t value = 0;

	igt_assert_f(props, "cannot read the properties of KMS object %u: %m\n", id);
	for (uint32_t i = 0; i < props->count_props && !found; i++) {
		found = props->props[i] == prop;
		value = props->prop_values[i];
	}
	drmModeFreeObjectProperties(props);
	igt_assert_f(found, "KMS object %u lacks property %u\n", id, prop);
	return value;
}

/* A CRTC that @connector's encoders can drive (the lowest index). */
static uint32_t connector_crtc(int fd, drmModeResPtr res, drmModeConnectorPtr connector)
{
	uint32_t crtcs = 0;

	for (int i = 0; i < connector->count_encoders; i++) {
		drmModeEncoderPtr enc = drmModeGetEncoder(fd, connector->encoders[i]);

		if (enc)
			crtcs |= enc->possible_crtcs;
		drmModeFreeEncoder(enc);
	}
	for (int i = 0; i < res->count_crtcs; i++)
		if (crtcs & (1u << i))
			return res->crtcs[i];
	igt_assert_f(false, "no CRTC for connector %u\n", connector->connector_id);
	return 0;
}

/* The primary plane of the CRTC of index @pipe. */
static uint32_t primary_plane(int fd, int pipe)
{
	drmModePlaneResPtr planes = drmModeGetPlaneResources(fd);
	uint32_t found = 0;

	igt_assert_f(planes, "cannot list the planes: %m\n");
	for (uint32_t i = 0; i < planes->count_planes && !found; i++) {
		drmModePlanePtr plane = drmModeGetPlane(fd, planes->planes[i]);
		uint32_t type;

		igt_assert(plane);
		type = prop_id(fd, plane->plane_id, DRM_MODE_OBJECT_PLANE, "type");
		if ((plane->possible_crtcs & (1u << pipe)) &&
		    prop_value(fd, plane->plane_id, DRM_MODE_OBJECT_PLANE, type) ==
		    DRM_PLANE_TYPE_PRIMARY)
			found = plane->plane_id;
		drmModeFreePlane(plane);
	}
	drmModeFreePlaneResources(planes);
	igt_assert_f(found, "no primary plane for CRTC %d\n", pipe);
	return found;
}

void nova_lite_kms_init(int fd, struct nova_lite_kms *kms)
{
	drmModeResPtr res;
	int pipe = -1;

	memset(kms, 0, sizeof(*kms));
	kms->fd = fd;
	/* A test shows framebuffers: the display must be its own, not another client's. */
	igt_assert_f(drmSetMaster(fd) == 0, "cannot be DRM master of the primary node: %m\n");
	igt_assert_f(drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0,
		     "atomic modesetting refused: %m\n");
	res = drmModeGetResources(fd);
	igt_assert_f(res, "cannot read the KMS resources: %m\n");
	for (int i = 0; i < res->count_connectors && !kms->connector; i++) {
		drmModeConnectorPtr connector = drmModeGetConnector(fd, res->connectors[i]);

		igt_assert(connector);
		if (connector->connection == DRM_MODE_CONNECTED && connector->count_modes) {
			kms->connector = connector->connector_id;
			kms->mode = connector->modes[0];
			for (int m = 0; m < connector->count_modes; m++) {
				if (connector->modes[m].type & DRM_MODE_TYPE_PREFERRED) {
					kms->mode = connector->modes[m];
					break;
				}
			}
			kms->crtc = connector_crtc(fd, res, connector);
		}
		drmModeFreeConnector(connector);
	}
	igt_assert_f(kms->connector, "no connected connector with a mode among %d\n",
		     res->count_connectors);
	for (int i = 0; i < res->count_crtcs; i++)
		if (res->crtcs[i] == kms->crtc)
			pipe = i;
	drmModeFreeResources(res);
	kms->plane = primary_plane(fd, pipe);
	igt_assert_eq(drmModeCreatePropertyBlob(fd, &kms->mode, sizeof(kms->mode),
						&kms->mode_blob), 0);

	kms->connector_prop.crtc_id = prop_id(fd, kms->connector, DRM_MODE_OBJECT_CONNECTOR,
					      "CRTC_ID");
	kms->crtc_prop.mode_id = prop_id(fd, kms->crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	kms->crtc_prop.active = prop_id(fd, kms->crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
#define PLANE_PROP(field, name) \
	kms->plane_prop.field = prop_id(fd, kms->plane, DRM_MODE_OBJECT_PLANE, name)
	PLANE_PROP(fb_id, "FB_ID");
	PLANE_PROP(crtc_id, "CRTC_ID");
	PLANE_PROP(src_x, "SRC_X");
	PLANE_PROP(src_y, "SRC_Y");
	PLANE_PROP(src_w, "SRC_W");
	PLANE_PROP(src_h, "SRC_H");
	PLANE_PROP(crtc_x, "CRTC_X");
	PLANE_PROP(crtc_y, "CRTC_Y");
	PLANE_PROP(crtc_w, "CRTC_W");
	PLANE_PROP(crtc_h, "CRTC_H");
#undef PLANE_PROP
	igt_debug("KMS: connector %u, CRTC %u, plane %u, mode %s (%ux%u@%u)\n", kms->connector,
		  kms->crtc, kms->plane, kms->mode.name, kms->mode.hdisplay, kms->mode.vdisplay,
		  kms->mode.vrefresh);
}

/* Commits @req, blocking, modeset allowed: 0 or -errno. */
static int commit(struct nova_lite_kms *kms, drmModeAtomicReqPtr req)
{
	int ret = drmModeAtomicCommit(kms->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);

	drmModeAtomicFree(req);
	return ret ? -errno : 0;
}

/* Adds the plane off to @req: no framebuffer, no CRTC. */
static void plane_off(struct nova_lite_kms *kms, drmModeAtomicReqPtr req)
{
	drmModeAtomicAddProperty(req, kms->plane, kms->plane_prop.fb_id, 0);
	drmModeAtomicAddProperty(req, kms->plane, kms->plane_prop.crtc_id, 0);
}

void nova_lite_kms_fini(struct nova_lite_kms *kms)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();

	igt_assert(req);
	plane_off(kms, req);
	drmModeAtomicAddProperty(req, kms->connector, kms->connector_prop.crtc_id, 0);
	drmModeAtomicAddProperty(req, kms->crtc, kms->crtc_prop.mode_id, 0);
	drmModeAtomicAddProperty(req, kms->crtc, kms->crtc_prop.active, 0);
	igt_assert_eq(commit(kms, req), 0);
	igt_assert_eq(drmModeDestroyPropertyBlob(kms->fd, kms->mode_blob), 0);
}

int __nova_lite_kms_show_rect(struct nova_lite_kms *kms, uint32_t fb, uint32_t src_w,
			      uint32_t src_h, uint32_t crtc_w, uint32_t crtc_h)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	const uint32_t p = kms->plane;

	igt_assert(req);
	if (!fb) {
		plane_off(kms, req);
		return commit(kms, req);
	}
	drmModeAtomicAddProperty(req, kms->connector, kms->connector_prop.crtc_id, kms->crtc);
	drmModeAtomicAddProperty(req, kms->crtc, kms->crtc_prop.mode_id, kms->mode_blob);
	drmModeAtomicAddProperty(req, kms->crtc, kms->crtc_prop.active, 1);
	drmModeAtomicAddProperty(req, p, kms->plane_prop.fb_id, fb);
	drmModeAtomicAddProperty(req, p, kms->plane_prop.crtc_id, kms->crtc);
	/* The source rectangle is in 16.16 fixed point. */
	drmModeAtomicAddProperty(req, p, kms->plane_prop.src_x, 0);
	drmModeAtomicAddProperty(req, p, kms->plane_prop.src_y, 0);
	drmModeAtomicAddProperty(req, p, kms->plane_prop.src_w, (uint64_t)src_w << 16);
	drmModeAtomicAddProperty(req, p, kms->plane_prop.src_h, (uint64_t)src_h << 16);
	drmModeAtomicAddProperty(req, p, kms->plane_prop.crtc_x, 0);
	drmModeAtomicAddProperty(req, p, kms->plane_prop.crtc_y, 0);
	drmModeAtomicAddProperty(req, p, kms->plane_prop.crtc_w, crtc_w);
	drmModeAtomicAddProperty(req, p, kms->plane_prop.crtc_h, crtc_h);
	return commit(kms, req);
}

void nova_lite_kms_show(struct nova_lite_kms *kms, uint32_t fb)
{
	const uint32_t w = kms->mode.hdisplay, h = kms->mode.vdisplay;
	int ret = __nova_lite_kms_show_rect(kms, fb, w, h, w, h);

	igt_assert_f(ret == 0, "showing framebuffer %u on CRTC %u (%ux%u): %s\n", fb, kms->crtc,
		     w, h, strerror(-ret));
}

uint32_t nova_lite_kms_shown(struct nova_lite_kms *kms)
{
	drmModePlanePtr plane = drmModeGetPlane(kms->fd, kms->plane);
	uint32_t fb;

	igt_assert_f(plane, "cannot read plane %u: %m\n", kms->plane);
	fb = plane->fb_id;
	drmModeFreePlane(plane);
	return fb;
}

int __nova_lite_addfb(int fd, uint32_t handle, uint32_t width, uint32_t height, uint32_t pitch,
		      uint32_t format, uint32_t *fb)
{
	uint32_t handles[4] = { handle }, pitches[4] = { pitch }, offsets[4] = { 0 };

	*fb = 0;
	return drmModeAddFB2(fd, width, height, format, handles, pitches, offsets, fb, 0) ?
	       -errno : 0;
}

uint32_t nova_lite_addfb(int fd, uint32_t handle, uint32_t width, uint32_t height,
			 uint32_t pitch, uint32_t format)
{
	uint32_t fb;
	int ret = __nova_lite_addfb(fd, handle, width, height, pitch, format, &fb);

	igt_assert_f(ret == 0, "ADDFB2 of handle %u, %ux%u, pitch %u, format %.4s: %s\n", handle,
		     width, height, pitch, (const char *)&format, strerror(-ret));
	igt_assert_neq_u32(fb, 0);
	return fb;
}

void nova_lite_rmfb(int fd, uint32_t fb)
{
	igt_assert_f(drmModeRmFB(fd, fb) == 0, "RMFB of %u: %m\n", fb);
}

void nova_lite_dirtyfb(int fd, uint32_t fb, uint32_t x, uint32_t y, uint32_t width,
		       uint32_t height)
{
	drmModeClip clip = { .x1 = x, .y1 = y, .x2 = x + width, .y2 = y + height };

	igt_assert_f(drmModeDirtyFB(fd, fb, &clip, 1) == 0, "DIRTYFB of %u: %m\n", fb);
}
