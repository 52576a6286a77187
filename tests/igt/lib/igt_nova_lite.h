/* SPDX-License-Identifier: MIT */
/*
 * Helpers for nova-lite's ioctls, in the style of IGT's lib/igt_<driver>.h, a
 * little KMS on libdrm for showing nova-lite objects on a scanout, and what
 * the tests share with the client, the fuzzer and the bench
 * (tests/common/nova_lite_test.h: formats, data pattern, EDID checks).
 */

#ifndef IGT_NOVA_LITE_H
#define IGT_NOVA_LITE_H

#include <stdint.h>

#include <xf86drmMode.h>

#include "nova_lite_drm.h"
#include "common/nova_lite_test.h"

int __nova_lite_getparam(int fd, uint64_t param, uint64_t *value);
uint64_t nova_lite_getparam(int fd, uint64_t param);
int __nova_lite_gem_create(int fd, struct drm_nova_lite_gem_create *create);
uint32_t nova_lite_gem_create(int fd, uint64_t size);
int __nova_lite_gem_info(int fd, struct drm_nova_lite_gem_info *info);
uint64_t nova_lite_gem_size(int fd, uint32_t handle);
int nova_lite_core_device(int fd, char *name, size_t len);
int __nova_lite_query(int fd, struct drm_nova_lite_query *query);
uint64_t nova_lite_ctrlq_counter(int fd, const char *name);
/* The control queue's error counters (err_*, malformed, timeouts). */
#define NOVA_LITE_ERROR_COUNTERS 9
void nova_lite_read_error_counters(int fd, uint64_t *values);
/* None of the error counters grew since @before was read. */
void nova_lite_assert_no_new_errors(int fd, const uint64_t *before);

int __nova_lite_gem_mmap_offset(int fd, struct drm_nova_lite_gem_mmap_offset *arg);
uint64_t nova_lite_gem_mmap_offset(int fd, uint32_t handle);
void *__nova_lite_gem_mmap(int fd, uint32_t handle, uint64_t size, int prot);
void *nova_lite_gem_mmap(int fd, uint32_t handle, uint64_t size, int prot);

int __nova_lite_resource_create(int fd, struct drm_nova_lite_resource_create *arg);
uint32_t nova_lite_resource_create(int fd, uint32_t handle, uint32_t format, uint32_t width,
				   uint32_t height);
int __nova_lite_transfer_to_host(int fd, struct drm_nova_lite_transfer *arg);
void nova_lite_transfer_to_host(int fd, uint32_t handle, struct drm_nova_lite_rect rect);
int open_vgem(void);
struct drm_mode_create_dumb dumb_create_64x64(int fd);
int __nova_lite_wait(int fd, struct drm_nova_lite_wait *arg);
/* Count @name of the module-wide debugfs file nova-lite/live (host_resources, ...). */
uint64_t nova_lite_live_count(const char *name);
/* Count @name once it has stopped moving (what earlier frees still owed the device is done). */
uint64_t nova_lite_live_settled(const char *name);
/* Waits, at most 5 s, for count @name to be @want; returns the last value read. */
uint64_t nova_lite_live_wait(const char *name, uint64_t want);
/* WAIT for @handle's commands, at most 10 s: 0 or the negated first error. */
int nova_lite_wait(int fd, uint32_t handle);

/*
 * KMS through libdrm on the primary node (IGT's kms library is not available here): the first
 * connected connector, its preferred mode, the CRTC it can use and that CRTC's primary plane.
 * A nova-lite primary plane covers its CRTC exactly, without scaling, so whatever is shown is a
 * framebuffer of at least the mode's size.
 */
struct nova_lite_kms {
	int fd;
	uint32_t connector, crtc, plane;
	drmModeModeInfo mode;
	uint32_t mode_blob;
	struct {
		uint32_t crtc_id;
	} connector_prop;
	struct {
		uint32_t mode_id, active;
	} crtc_prop;
	struct {
		uint32_t fb_id, crtc_id, src_x, src_y, src_w, src_h, crtc_x, crtc_y, crtc_w, crtc_h;
	} plane_prop;
};

/* Makes @fd DRM master with atomic modesetting and fills @kms; asserts that all is found. */
void nova_lite_kms_init(int fd, struct nova_lite_kms *kms);
/* Turns the CRTC off and frees what init made. */
void nova_lite_kms_fini(struct nova_lite_kms *kms);
/*
 * A blocking atomic commit (modeset allowed) that shows the top-left @src_w x @src_h pixels of
 * framebuffer @fb on @crtc_w x @crtc_h pixels at the CRTC's top-left corner, the CRTC on with
 * the mode; @fb 0 turns the plane off and leaves the CRTC as it is. 0 or -errno.
 */
int __nova_lite_kms_show_rect(struct nova_lite_kms *kms, uint32_t fb, uint32_t src_w,
			      uint32_t src_h, uint32_t crtc_w, uint32_t crtc_h);
/* Shows @fb on the whole CRTC (its mode-sized top-left part), or the plane off with @fb 0. */
void nova_lite_kms_show(struct nova_lite_kms *kms, uint32_t fb);
/* The framebuffer the primary plane shows, 0 if none. */
uint32_t nova_lite_kms_shown(struct nova_lite_kms *kms);
/* ADDFB2 of one plane, @handle at offset 0; the framebuffer's id in @fb, 0 or -errno. */
int __nova_lite_addfb(int fd, uint32_t handle, uint32_t width, uint32_t height, uint32_t pitch,
		      uint32_t format, uint32_t *fb);
uint32_t nova_lite_addfb(int fd, uint32_t handle, uint32_t width, uint32_t height,
			 uint32_t pitch, uint32_t format);
void nova_lite_rmfb(int fd, uint32_t fb);
/* DIRTYFB of the rectangle (@x, @y) @width x @height of @fb; asserts success. */
void nova_lite_dirtyfb(int fd, uint32_t fb, uint32_t x, uint32_t y, uint32_t width,
		       uint32_t height);

#endif /* IGT_NOVA_LITE_H */
