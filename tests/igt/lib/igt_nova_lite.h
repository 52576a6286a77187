/* SPDX-License-Identifier: MIT */
/* Helpers for nova-lite's ioctls, in the style of IGT's lib/igt_<driver>.h. */

#ifndef IGT_NOVA_LITE_H
#define IGT_NOVA_LITE_H

#include <stdint.h>

#include "nova_lite_drm.h"

int __nova_lite_getparam(int fd, uint64_t param, uint64_t *value);
uint64_t nova_lite_getparam(int fd, uint64_t param);
int __nova_lite_gem_create(int fd, struct drm_nova_lite_gem_create *create);
uint32_t nova_lite_gem_create(int fd, uint64_t size);
int __nova_lite_gem_info(int fd, struct drm_nova_lite_gem_info *info);
uint64_t nova_lite_gem_size(int fd, uint32_t handle);
int nova_lite_pci_resource_size(int fd, int bar, uint64_t *size);
int __nova_lite_query(int fd, struct drm_nova_lite_query *query);
uint64_t nova_lite_ctrlq_counter(int fd, const char *name);

#endif /* IGT_NOVA_LITE_H */
