/* SPDX-License-Identifier: MIT */
/*
 * nova-lite: uAPI of the Rust DRM driver for the virtio-gpu device.
 *
 * This header is the single source of the driver's ABI. The kernel reads it
 * through bindgen (rust/uapi/uapi_helper.h); userspace includes it next to
 * libdrm's drm.h.
 */

#ifndef __NOVA_LITE_DRM_H__
#define __NOVA_LITE_DRM_H__

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: nova-lite uAPI overview
 *
 * nova-lite is a render-only DRM driver: it exposes a primary node
 * (``/dev/dri/cardN``) and a render node (``/dev/dri/renderDN``) and does no
 * modesetting. Its ioctls are:
 *
 * - &DRM_IOCTL_NOVA_LITE_GETPARAM: read a device or driver parameter
 *   (&struct drm_nova_lite_getparam). Allowed on the render node and on the
 *   primary node without authentication: it changes nothing and reveals only
 *   the device's configuration and the driver's limits.
 * - &DRM_IOCTL_NOVA_LITE_GEM_CREATE: create a GEM object
 *   (&struct drm_nova_lite_gem_create).
 * - &DRM_IOCTL_NOVA_LITE_GEM_INFO: query a GEM object
 *   (&struct drm_nova_lite_gem_info).
 *
 * The GEM ioctls are allowed on the render node, and on the primary node only
 * for authenticated clients (DRM_AUTH), as for every driver that allocates
 * memory on behalf of a client. A GEM object is released with the core
 * &DRM_IOCTL_GEM_CLOSE; handles belong to the file that created them.
 *
 * Every reserved field (``pad``) and every flag not defined here must be 0 on
 * input, otherwise the ioctl fails with EINVAL. Reserved fields are 0 on
 * output. A device that has been unplugged makes every ioctl fail with ENODEV.
 */

/**
 * enum drm_nova_lite_param - parameters for &DRM_IOCTL_NOVA_LITE_GETPARAM
 *
 * Every value is read from the device at probe time or is a limit of the
 * driver; none is a constant of the uAPI. An id not listed here is EINVAL.
 *
 * @NOVA_LITE_PARAM_NUM_SCANOUTS: ``num_scanouts`` of the virtio-gpu device
 *	configuration: the number of outputs the device offers.
 * @NOVA_LITE_PARAM_NUM_CAPSETS: ``num_capsets`` of the virtio-gpu device
 *	configuration: the number of 3D capability sets.
 * @NOVA_LITE_PARAM_DEVICE_FEATURES: the 64 virtio feature bits the device
 *	offers (bit N is feature N of the virtio specification).
 * @NOVA_LITE_PARAM_DRIVER_FEATURES: the virtio feature bits the driver
 *	accepted and the device confirmed (FEATURES_OK): a subset of
 *	@NOVA_LITE_PARAM_DEVICE_FEATURES.
 * @NOVA_LITE_PARAM_BAR0_SIZE: size in bytes of PCI BAR 0, 0 if unused.
 * @NOVA_LITE_PARAM_BAR1_SIZE: size in bytes of PCI BAR 1, 0 if unused.
 * @NOVA_LITE_PARAM_BAR2_SIZE: size in bytes of PCI BAR 2, 0 if unused.
 * @NOVA_LITE_PARAM_BAR3_SIZE: size in bytes of PCI BAR 3, 0 if unused.
 * @NOVA_LITE_PARAM_BAR4_SIZE: size in bytes of PCI BAR 4, 0 if unused.
 * @NOVA_LITE_PARAM_BAR5_SIZE: size in bytes of PCI BAR 5, 0 if unused.
 * @NOVA_LITE_PARAM_GEM_MAX_SIZE: the largest size in bytes that
 *	&DRM_IOCTL_NOVA_LITE_GEM_CREATE accepts for one object.
 */
enum drm_nova_lite_param {
	NOVA_LITE_PARAM_NUM_SCANOUTS = 1,
	NOVA_LITE_PARAM_NUM_CAPSETS = 2,
	NOVA_LITE_PARAM_DEVICE_FEATURES = 3,
	NOVA_LITE_PARAM_DRIVER_FEATURES = 4,
	NOVA_LITE_PARAM_BAR0_SIZE = 5,
	NOVA_LITE_PARAM_BAR1_SIZE = 6,
	NOVA_LITE_PARAM_BAR2_SIZE = 7,
	NOVA_LITE_PARAM_BAR3_SIZE = 8,
	NOVA_LITE_PARAM_BAR4_SIZE = 9,
	NOVA_LITE_PARAM_BAR5_SIZE = 10,
	NOVA_LITE_PARAM_GEM_MAX_SIZE = 11,
};

/**
 * struct drm_nova_lite_getparam - argument of &DRM_IOCTL_NOVA_LITE_GETPARAM
 *
 * Errors: EINVAL if @param is not an &enum drm_nova_lite_param.
 */
struct drm_nova_lite_getparam {
	/** @param: in, the &enum drm_nova_lite_param to read. */
	__u64 param;
	/** @value: out, the parameter's value; all 64 bits are written. */
	__u64 value;
};

/**
 * struct drm_nova_lite_gem_create - argument of &DRM_IOCTL_NOVA_LITE_GEM_CREATE
 *
 * Creates a GEM object of at least @size bytes and returns a handle to it in
 * the calling file. The size is rounded up to a multiple of the page size.
 *
 * Errors: EINVAL if @size is 0, overflows when rounded up, or exceeds
 * %NOVA_LITE_PARAM_GEM_MAX_SIZE once rounded, or if @flags is not 0;
 * ENOMEM if the object cannot be allocated.
 */
struct drm_nova_lite_gem_create {
	/**
	 * @size: in, the requested size in bytes; out, the size of the object,
	 * rounded up to the page size.
	 */
	__u64 size;
	/** @flags: in, creation flags; none is defined yet, must be 0. */
	__u32 flags;
	/** @handle: out, the new object's handle, valid in this file only. */
	__u32 handle;
};

/**
 * struct drm_nova_lite_gem_info - argument of &DRM_IOCTL_NOVA_LITE_GEM_INFO
 *
 * Errors: EINVAL if @pad is not 0; ENOENT if @handle does not name an object
 * of the calling file (never created, closed, or another file's).
 */
struct drm_nova_lite_gem_info {
	/** @handle: in, the object to query. */
	__u32 handle;
	/** @pad: in, reserved, must be 0. */
	__u32 pad;
	/** @size: out, the object's size in bytes (a multiple of the page size). */
	__u64 size;
	/** @flags: out, the flags the object was created with. */
	__u32 flags;
	/** @pad2: out, reserved, written as 0. */
	__u32 pad2;
};

/*
 * Command numbers, relative to DRM_COMMAND_BASE. They start at 0 and have no
 * gaps: the kernel's ioctl table is indexed by them.
 */
#define DRM_NOVA_LITE_GETPARAM		0x00
#define DRM_NOVA_LITE_GEM_CREATE	0x01
#define DRM_NOVA_LITE_GEM_INFO		0x02

/*
 * The ioctl numbers are an enum, not macros, so that bindgen can evaluate them
 * for the kernel's Rust ioctl table.
 */
enum {
	DRM_IOCTL_NOVA_LITE_GETPARAM =
		DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVA_LITE_GETPARAM,
			 struct drm_nova_lite_getparam),
	DRM_IOCTL_NOVA_LITE_GEM_CREATE =
		DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVA_LITE_GEM_CREATE,
			 struct drm_nova_lite_gem_create),
	DRM_IOCTL_NOVA_LITE_GEM_INFO =
		DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVA_LITE_GEM_INFO,
			 struct drm_nova_lite_gem_info),
};

#if defined(__cplusplus)
}
#endif

#endif /* __NOVA_LITE_DRM_H__ */
