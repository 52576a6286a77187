/* SPDX-License-Identifier: MIT */
/*
 * Helpers for nova-lite's ioctls, in the style of IGT's lib/igt_<driver>.h, and
 * what the tests share with the client, the fuzzer and the bench
 * (tests/common/nova_lite_test.h: formats, data pattern, EDID checks).
 */

#ifndef IGT_NOVA_LITE_H
#define IGT_NOVA_LITE_H

#include <stdint.h>

#include "nova_lite_drm.h"
#include "common/nova_lite_test.h"

int __nova_lite_getparam(int fd, uint64_t param, uint64_t *value);
uint64_t nova_lite_getparam(int fd, uint64_t param);
int __nova_lite_gem_create(int fd, struct drm_nova_lite_gem_create *create);
uint32_t nova_lite_gem_create(int fd, uint64_t size);
int __nova_lite_gem_info(int fd, struct drm_nova_lite_gem_info *info);
uint64_t nova_lite_gem_size(int fd, uint32_t handle);
int nova_lite_core_device(int fd, char *name, size_t len);
int nova_lite_pci_resource_size(int fd, int bar, uint64_t *size);
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
int __nova_lite_set_scanout(int fd, struct drm_nova_lite_set_scanout *arg);
void nova_lite_set_scanout(int fd, uint32_t scanout, uint32_t handle,
			   struct drm_nova_lite_rect rect);
void nova_lite_disable_scanout(int fd, uint32_t scanout);
int open_vgem(void);
struct drm_mode_create_dumb dumb_create_64x64(int fd);
int __nova_lite_resource_flush(int fd, struct drm_nova_lite_flush *arg);
void nova_lite_resource_flush(int fd, uint32_t handle, struct drm_nova_lite_rect rect);
int __nova_lite_wait(int fd, struct drm_nova_lite_wait *arg);
/* Count @name of the module-wide debugfs file nova-lite/live (host_resources, ...). */
uint64_t nova_lite_live_count(const char *name);
/* WAIT for @handle's commands, at most 10 s: 0 or the negated first error. */
int nova_lite_wait(int fd, uint32_t handle);

#endif /* IGT_NOVA_LITE_H */
