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
 * This uAPI is not stable: nova-lite has no open-source userspace beyond its
 * own tests and tools yet, and until it has one, any part of this header may
 * change or go without notice. Do not build a product on it.
 *
 * nova-lite drives the display through KMS alone (the primary node,
 * ``/dev/dri/cardN``: a CRTC, a primary plane, an encoder and a connector per
 * scanout, dumb buffers, the fbdev emulation); its own ioctls, on the render
 * node (``/dev/dri/renderDN``) and the primary node, neither set nor flush a
 * scanout. They are:
 *
 * - &DRM_IOCTL_NOVA_LITE_GETPARAM: read a device or driver parameter
 *   (&struct drm_nova_lite_getparam). Allowed on the render node and on the
 *   primary node without authentication: it changes nothing and reveals only
 *   the device's configuration and the driver's limits.
 * - &DRM_IOCTL_NOVA_LITE_GEM_CREATE: create a GEM object
 *   (&struct drm_nova_lite_gem_create).
 * - &DRM_IOCTL_NOVA_LITE_GEM_INFO: query a GEM object
 *   (&struct drm_nova_lite_gem_info).
 * - &DRM_IOCTL_NOVA_LITE_QUERY: read variable-size information from the
 *   device, such as the display information of the scanouts or an EDID
 *   (&struct drm_nova_lite_query). Allowed like GETPARAM.
 * - &DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET: get the offset at which to mmap an
 *   object on the DRM file (&struct drm_nova_lite_gem_mmap_offset).
 * - &DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE: make an object a 2D resource of the
 *   host (&struct drm_nova_lite_resource_create).
 * - &DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST: copy a rectangle of a resource's
 *   object to the host (&struct drm_nova_lite_transfer).
 * - &DRM_IOCTL_NOVA_LITE_WAIT: wait for the commands posted for a resource and
 *   read the first error the device answered to one of them
 *   (&struct drm_nova_lite_wait).
 *
 * GEM objects are backed by shmem pages, allocated when the object is first
 * mapped or made a resource (then all of them, and they stay until the object
 * is freed: the DRM shmem helper pins an object's pages while it is mapped). An
 * object lives as long as a handle, a mapping, a framebuffer or a host use of
 * it does: a mapping outlives &DRM_IOCTL_GEM_CLOSE of the last handle and still
 * works after the device is unplugged. Only a file that holds a handle to an
 * object may map it: mmap() of another object's offset fails with EACCES.
 *
 * Dumb buffers (&DRM_IOCTL_MODE_CREATE_DUMB, primary node, 32 bits per pixel)
 * are nova-lite objects too, and every ioctl here accepts them. A file's
 * handles may also name buffers imported with &DRM_IOCTL_PRIME_FD_TO_HANDLE
 * from another driver: the core maps, exports and closes them, but the
 * driver's ioctls refuse them with EINVAL, and so does &DRM_IOCTL_MODE_ADDFB2.
 * A buffer exported by nova-lite and imported into the same device is the
 * same object, and every ioctl accepts it. Importing a nova-lite buffer into
 * another device (or another nova-lite device) allocates and pins all its
 * pages for as long as the import lives; when they cannot be allocated, the
 * import fails with ENOMEM.
 *
 * Host resources: an object becomes a 2D resource of the host when it first
 * becomes a framebuffer (&DRM_IOCTL_MODE_ADDFB2: XRGB8888 at the
 * framebuffer's pitch) or through &DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, which
 * creates the resource and attaches the object's pages to it as its backing;
 * the resource is the object's for the object's life. A framebuffer of an
 * object that already is a resource must match it (XRGB8888 or ARGB8888 on a
 * B8G8R8X8 resource of the framebuffer's pitch, at least as high). A client
 * draws into the object through a mapping, and copies a rectangle to the
 * host with &DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST; the screen shows it through
 * KMS (a plane update transfers the framebuffer's damage, sets the scanout
 * and flushes: &DRM_IOCTL_MODE_DIRTYFB or the FB_DAMAGE_CLIPS property tell
 * it what changed). When the object is freed, the driver destroys the host
 * resource, which drops its backing (unless the device is gone, which frees
 * everything); the object's pages are released once the device has answered,
 * and freeing never waits for the device.
 *
 * Posted commands: &DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE and
 * &DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST return once their commands are queued
 * to the device, without waiting for its answer; so do the commands of a
 * plane update. QEMU's virtio-gpu carries out the commands in the order they
 * were queued (virtio does not promise it; WAIT does not rely on it). An
 * error the device answers to a command posted for a resource (ENOMEM beyond
 * the host's memory for resources, for example) is recorded on the resource
 * as its first error: every later TRANSFER_TO_HOST of the resource fails with
 * it at once, and &DRM_IOCTL_NOVA_LITE_WAIT returns it once the commands have
 * completed. A client that must know that the host holds a resource, or that
 * a transfer reached it, waits with &DRM_IOCTL_NOVA_LITE_WAIT.
 *
 * The GEM and resource ioctls are allowed on the render node, and on the
 * primary node only for authenticated clients (DRM_AUTH), as for every driver
 * that allocates memory on behalf of a client. A GEM object is released with
 * the core &DRM_IOCTL_GEM_CLOSE; handles belong to the file that created
 * them.
 *
 * Every reserved field (``pad``) and every flag not defined here must be 0 on
 * input, otherwise the ioctl fails with EINVAL. Reserved fields are 0 on
 * output. A device that has been unplugged makes every ioctl fail with ENODEV.
 *
 * Ioctls that ask the device (&DRM_IOCTL_NOVA_LITE_QUERY sleeps until it
 * answers; the posted ones sleep until the device has room for their
 * commands) may also fail with the errors below; for a posted ioctl, the
 * device's answers (ENOMEM, ENOENT, EINVAL, EIO, EPROTO) come through the
 * resource's first error instead, and posting itself fails only with ENODEV,
 * ETIMEDOUT, EINTR, EIO (a broken device) or ENOMEM:
 *
 * - ENODEV: the device was unbound or removed while the ioctl waited;
 * - ETIMEDOUT: the device did not answer within 5 seconds, or had no room for
 *   the commands within 5 seconds (its queue was full, or no command slot of
 *   the 32 of the ioctls that wait for an answer became free), or the device
 *   was being reset for longer; the device stays in use. A device that
 *   holds a command for 20 seconds without answering it is reset (checked
 *   when a wait times out), and its resources and scanouts are re-created
 *   with the content of their last transfer;
 * - EIO: the device was reset while it held the command of
 *   &DRM_IOCTL_NOVA_LITE_QUERY (the commands posted for resources are made
 *   again by the re-creation), or answered VIRTIO_GPU_RESP_ERR_UNSPEC or an
 *   error this header does not list;
 * - ENOMEM: the device answered VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY, or the
 *   kernel could not allocate the answer's buffer;
 * - ENOENT: the device answered VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID,
 *   _INVALID_RESOURCE_ID or _INVALID_CONTEXT_ID;
 * - EINVAL: the device answered VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER (besides
 *   the argument checks of each ioctl);
 * - EPROTO: the device's answer had the wrong type or size, or invalid
 *   content (an EDID size that is not a multiple of 128 bytes);
 * - EINTR: a signal interrupted the wait (the ioctl is restarted when the
 *   signal handler allows it). Every wait of these ioctls is interruptible.
 */

/**
 * enum drm_nova_lite_param - parameters for &DRM_IOCTL_NOVA_LITE_GETPARAM
 *
 * Every value is read from the device at probe time or is a limit of the
 * driver; none is a constant of the uAPI. An id not listed here is EINVAL.
 * (The virtio transport's details are not parameters: the negotiated virtio
 * features are in ``/sys/bus/virtio/devices/virtioN/features``, the PCI
 * function's BARs in its ``resource`` file.)
 *
 * @NOVA_LITE_PARAM_NUM_SCANOUTS: ``num_scanouts`` of the virtio-gpu device
 *	configuration: the number of outputs the device offers.
 * @NOVA_LITE_PARAM_NUM_CAPSETS: ``num_capsets`` of the virtio-gpu device
 *	configuration: the number of 3D capability sets.
 * @NOVA_LITE_PARAM_GEM_MAX_SIZE: the largest size in bytes that
 *	&DRM_IOCTL_NOVA_LITE_GEM_CREATE accepts for one object.
 */
enum drm_nova_lite_param {
	NOVA_LITE_PARAM_NUM_SCANOUTS = 1,
	NOVA_LITE_PARAM_NUM_CAPSETS = 2,
	/* 3 to 10 are retired (raw feature bits, BAR sizes): never reused. */
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

/**
 * enum drm_nova_lite_query_type - what &DRM_IOCTL_NOVA_LITE_QUERY reads
 *
 * @NOVA_LITE_QUERY_DISPLAY_INFO: the display information of every scanout,
 *	read from the device (VIRTIO_GPU_CMD_GET_DISPLAY_INFO): an array of
 *	%NOVA_LITE_PARAM_NUM_SCANOUTS (at most 16, the protocol's limit)
 *	&struct drm_nova_lite_display_info, in scanout order.
 *	&drm_nova_lite_query.index must be 0.
 * @NOVA_LITE_QUERY_EDID: the EDID blob of scanout &drm_nova_lite_query.index,
 *	read from the device (VIRTIO_GPU_CMD_GET_EDID), as the device returns it
 *	(a multiple of 128 bytes, at most 1024). Fails with EINVAL if the index
 *	is not below %NOVA_LITE_PARAM_NUM_SCANOUTS, otherwise with EOPNOTSUPP if
 *	the device does not offer EDIDs (VIRTIO_GPU_F_EDID, feature bit 1).
 */
enum drm_nova_lite_query_type {
	NOVA_LITE_QUERY_DISPLAY_INFO = 1,
	NOVA_LITE_QUERY_EDID = 2,
};

/**
 * struct drm_nova_lite_display_info - one scanout in %NOVA_LITE_QUERY_DISPLAY_INFO
 */
struct drm_nova_lite_display_info {
	/** @scanout: the scanout's index. */
	__u32 scanout;
	/** @enabled: 1 if the host shows this output, 0 otherwise. */
	__u32 enabled;
	/** @x: horizontal position of the output, in pixels. */
	__u32 x;
	/** @y: vertical position of the output, in pixels. */
	__u32 y;
	/** @width: preferred width in pixels (0 if the host has none). */
	__u32 width;
	/** @height: preferred height in pixels (0 if the host has none). */
	__u32 height;
	/** @flags: the device's flags for this output (none defined yet). */
	__u32 flags;
	/** @pad: reserved, written as 0. */
	__u32 pad;
};

/**
 * struct drm_nova_lite_query - argument of &DRM_IOCTL_NOVA_LITE_QUERY
 *
 * Reads information whose size is only known at run time, in two steps: a
 * call with @data 0 sets @size to the number of bytes the answer needs and
 * copies nothing; a call with a buffer gets the first @size bytes of the
 * answer (all of it if @size is large enough) and @size set to the answer's
 * whole size. A caller compares the two to see that it got all: each call
 * asks the device again, so the size may grow between the two calls (after a
 * display change, for example). Answers only grow at their end in later
 * versions of this header, so an older caller gets what it knows of: an
 * EDID is the device's blob, and &struct drm_nova_lite_display_info never
 * grows (new information comes as a new query type).
 *
 * Errors: EINVAL if @type is not an &enum drm_nova_lite_query_type, if @pad
 * is not 0, or if @index is not valid for @type; EFAULT if @data points to
 * memory that cannot be written; EOPNOTSUPP as listed for @type; and the
 * errors of an ioctl that asks the device (see the overview).
 */
struct drm_nova_lite_query {
	/** @type: in, the &enum drm_nova_lite_query_type to read. */
	__u32 type;
	/** @index: in, which instance to read (the scanout, for an EDID). */
	__u32 index;
	/**
	 * @size: in, the size of the buffer at @data in bytes; out, the size of
	 * the whole answer in bytes (more than was copied if the buffer was
	 * smaller).
	 */
	__u32 size;
	/** @pad: in, reserved, must be 0. */
	__u32 pad;
	/** @data: in, user pointer to the buffer, or 0 to ask for the size. */
	__u64 data;
};

/**
 * struct drm_nova_lite_gem_mmap_offset - argument of
 * &DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET
 *
 * Returns the fake offset at which mmap() on the DRM file maps the object
 * (shared, readable and writable; the length is at most the object's size).
 * The offset stays the same for the object's life.
 *
 * Errors: EINVAL if @pad is not 0, or if @handle names an object the driver
 * did not create (see the overview); ENOENT if @handle does not name an
 * object of the calling file; ENOMEM if the offset cannot be allocated.
 */
struct drm_nova_lite_gem_mmap_offset {
	/** @handle: in, the object to map. */
	__u32 handle;
	/** @pad: in, reserved, must be 0. */
	__u32 pad;
	/** @offset: out, the offset to pass to mmap(). */
	__u64 offset;
};

/** NOVA_LITE_RESOURCE_MAX_DIM - the largest width or height of a resource. */
#define NOVA_LITE_RESOURCE_MAX_DIM 16384

/**
 * struct drm_nova_lite_rect - a rectangle of a resource, in pixels
 *
 * A rectangle is valid for a resource if @width and @height are not 0 and it
 * lies inside the resource: @x + @width <= the resource's width and
 * @y + @height <= its height.
 */
struct drm_nova_lite_rect {
	/** @x: left column. */
	__u32 x;
	/** @y: top row. */
	__u32 y;
	/** @width: width in pixels. */
	__u32 width;
	/** @height: height in pixels. */
	__u32 height;
};

/**
 * struct drm_nova_lite_resource_create - argument of
 * &DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE
 *
 * Makes the object @handle a 2D resource of the host of @width x @height
 * pixels in @format (VIRTIO_GPU_CMD_RESOURCE_CREATE_2D), and attaches the
 * object's pages, mapped for the device, as its backing
 * (VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, contiguous pages as one entry).
 * Pixel (x, y) is at byte y * @stride + x * 4 of the object. Both commands
 * are posted: the ioctl returns the resource's id once they are queued; what
 * the host answers is the resource's first error (see the overview), which
 * &DRM_IOCTL_NOVA_LITE_WAIT returns.
 *
 * @format is a DRM fourcc code (``DRM_FORMAT_*`` of drm_fourcc.h) of 4 bytes
 * per pixel: XRGB8888, ARGB8888, XBGR8888, ABGR8888, RGBX8888, RGBA8888,
 * BGRX8888 or BGRA8888 (the formats of the virtio-gpu 2D protocol; the
 * others, and the big-endian flag, are refused). A framebuffer can only be
 * made of a resource in XRGB8888 (see the overview).
 *
 * Errors: EINVAL if @format is not one of those formats, if @width
 * or @height is 0 or above %NOVA_LITE_RESOURCE_MAX_DIM, if the object is
 * smaller than @stride * @height bytes, if @pad is not 0, or if @handle
 * names an object the driver did not create; ENOENT if @handle does not name
 * an object of the calling file; EBUSY if the object already is a resource;
 * E2BIG if its pages need more than 16384 backing entries (the device's
 * limit); ENOSPC if 2^20 resources are alive (the driver's id range);
 * ENOMEM if memory runs out in the guest; and the errors of an ioctl that
 * asks the device. Memory that runs out on the host
 * (VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY, e.g. beyond QEMU's ``max_hostmem``) is
 * the resource's first error: ENOMEM from &DRM_IOCTL_NOVA_LITE_WAIT.
 */
struct drm_nova_lite_resource_create {
	/** @handle: in, the object. */
	__u32 handle;
	/** @format: in, a DRM fourcc code (see above). */
	__u32 format;
	/** @width: in, width in pixels. */
	__u32 width;
	/** @height: in, height in pixels. */
	__u32 height;
	/** @stride: out, bytes from one row to the next: 4 * @width. */
	__u32 stride;
	/** @resource_id: out, the host's id of the resource (never 0). */
	__u32 resource_id;
	/** @pad: in, reserved, must be 0. */
	__u64 pad;
};

/**
 * struct drm_nova_lite_transfer - argument of
 * &DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST
 *
 * Copies the rectangle @rect of the resource's object to the host's copy of
 * the resource (VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D). The command is posted:
 * the ioctl returns once it is queued, and the object's content is copied
 * when the device carries it out, in queue order (wait with
 * &DRM_IOCTL_NOVA_LITE_WAIT before writing the rectangle again).
 *
 * Errors: EINVAL if @rect is not valid for the resource (see
 * &struct drm_nova_lite_rect), if @pad is not 0, or if @handle names an
 * object the driver did not create; ENOENT if @handle does not name an
 * object of the calling file; ENXIO if the object is not a resource; the
 * resource's first error (see the overview); and the errors of an ioctl that
 * asks the device.
 */
struct drm_nova_lite_transfer {
	/** @handle: in, the resource's object. */
	__u32 handle;
	/** @pad: in, reserved, must be 0. */
	__u32 pad;
	/** @rect: in, the rectangle to copy. */
	struct drm_nova_lite_rect rect;
};

/** NOVA_LITE_WAIT_NOWAIT - &struct drm_nova_lite_wait flag: do not wait. */
#define NOVA_LITE_WAIT_NOWAIT (1 << 0)

/**
 * struct drm_nova_lite_wait - argument of &DRM_IOCTL_NOVA_LITE_WAIT
 *
 * Waits until every command posted for the resource of object @handle (by
 * any client, see the overview) has completed, and the device is not being
 * reset, then returns the resource's first error: 0 if the device answered
 * every command of the resource with success.
 *
 * Without %NOVA_LITE_WAIT_NOWAIT, the ioctl waits at most @timeout_ns
 * nanoseconds and writes back the time left (0 once it is used up), as i915's
 * GEM_WAIT does: a wait interrupted by a signal and restarted goes on with
 * what was left, not with the whole timeout again. With
 * %NOVA_LITE_WAIT_NOWAIT in @flags, the ioctl does not wait: it fails with
 * EBUSY while commands are in flight, and ignores @timeout_ns (which it leaves
 * as it was).
 *
 * Errors: EINVAL if @flags has a bit not defined here, if @timeout_ns is
 * negative without %NOVA_LITE_WAIT_NOWAIT, if @pad is not 0, or if @handle
 * names an object the driver did not create; ENOENT if @handle does not name
 * an object of the calling file; ENXIO if the object is not a resource; EBUSY
 * with %NOVA_LITE_WAIT_NOWAIT while commands are in flight; ETIMEDOUT if they
 * have not completed within @timeout_ns (0 without %NOVA_LITE_WAIT_NOWAIT: the
 * same as the flag, but ETIMEDOUT); EINTR if a signal interrupted the wait
 * (restarted when the signal handler allows it); ENODEV if the device was
 * unbound or removed.
 * The resource's first error, once the commands have completed: ENOMEM (the
 * host's memory for resources ran out: VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY),
 * ENOENT (VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID or _INVALID_SCANOUT_ID),
 * EINVAL (VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER), EIO (another error) or
 * EPROTO (an answer of the wrong type or size).
 */
struct drm_nova_lite_wait {
	/** @handle: in, the resource's object. */
	__u32 handle;
	/** @flags: in, 0 or %NOVA_LITE_WAIT_NOWAIT. */
	__u32 flags;
	/**
	 * @timeout_ns: in, how long to wait at most, in nanoseconds; out, the time
	 * left (without %NOVA_LITE_WAIT_NOWAIT).
	 */
	__s64 timeout_ns;
	/** @pad: in, reserved, must be 0. */
	__u64 pad;
};

/*
 * Command numbers, relative to DRM_COMMAND_BASE. A retired number is never
 * reused, and fails with EINVAL: 0x07 and 0x08 were SET_SCANOUT and
 * RESOURCE_FLUSH (KMS owns the display).
 */
#define DRM_NOVA_LITE_GETPARAM		0x00
#define DRM_NOVA_LITE_GEM_CREATE	0x01
#define DRM_NOVA_LITE_GEM_INFO		0x02
#define DRM_NOVA_LITE_QUERY		0x03
#define DRM_NOVA_LITE_GEM_MMAP_OFFSET	0x04
#define DRM_NOVA_LITE_RESOURCE_CREATE	0x05
#define DRM_NOVA_LITE_TRANSFER_TO_HOST	0x06
#define DRM_NOVA_LITE_WAIT		0x09

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
	DRM_IOCTL_NOVA_LITE_QUERY =
		DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVA_LITE_QUERY,
			 struct drm_nova_lite_query),
	DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET =
		DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVA_LITE_GEM_MMAP_OFFSET,
			 struct drm_nova_lite_gem_mmap_offset),
	DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE =
		DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVA_LITE_RESOURCE_CREATE,
			 struct drm_nova_lite_resource_create),
	DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST =
		DRM_IOW(DRM_COMMAND_BASE + DRM_NOVA_LITE_TRANSFER_TO_HOST,
			struct drm_nova_lite_transfer),
	DRM_IOCTL_NOVA_LITE_WAIT =
		DRM_IOWR(DRM_COMMAND_BASE + DRM_NOVA_LITE_WAIT,
			 struct drm_nova_lite_wait),
};

#if defined(__cplusplus)
}
#endif

#endif /* __NOVA_LITE_DRM_H__ */
