// SPDX-License-Identifier: MIT
/*
 * The usage statistics of nova-lite's DRM files, /proc/self/fdinfo/<fd>
 * (the kernel's Documentation/gpu/drm-usage-stats.rst): the DRM core's
 * drm-driver, drm-client-id and drm-client-name; drm-pdev, the GPU's PCI
 * function, which nova-lite prints; and the memory of the objects a file
 * holds handles to, in one region, "memory": drm-total-memory,
 * drm-shared-memory (exported, or held by another file too) and
 * drm-resident-memory (objects that hold their pages: mapped, or made a
 * resource).
 */

#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "igt.h"
#include "igt_drm_fdinfo.h"
#include "igt_nova_lite.h"

#ifndef DRM_IOCTL_SET_CLIENT_NAME
/* Linux 6.15's DRM_IOCTL_SET_CLIENT_NAME, which older libdrm headers (Debian 12's) lack. */
struct drm_set_client_name {
	__u64 name_len;
	__u64 name;
};
#define DRM_IOCTL_SET_CLIENT_NAME DRM_IOWR(0xD1, struct drm_set_client_name)
#endif

#define RW (PROT_READ | PROT_WRITE)

static uint64_t page;

/* The fdinfo of @fd, which must have drm-driver, drm-client-id and the region "memory" (0). */
static struct drm_client_fdinfo fdinfo(int fd)
{
	const char *regions[] = { "memory" };
	struct drm_client_fdinfo info;

	memset(&info, 0, sizeof(info));
	igt_assert_f(igt_parse_drm_fdinfo(fd, &info, NULL, 0, regions, 1) > 0,
		     "/proc/self/fdinfo/%d lacks drm-driver, drm-client-id or "
		     "drm-total-memory\n", fd);
	igt_assert_eq(info.num_regions, 1);
	return info;
}

/* The value of @key in @fd's fdinfo, in @buf; false if the fdinfo has no such key. */
static bool fdinfo_key(int fd, const char *key, char *buf, size_t len)
{
	char path[64], line[512];
	size_t klen = strlen(key);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	igt_assert_f(f, "cannot open %s: %m\n", path);
	while (fgets(line, sizeof(line), f)) {
		char *v = line + klen + 1;

		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		igt_assert_f(!found, "%s twice in %s\n", key, path);
		found = true;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = '\0';
		snprintf(buf, len, "%s", v);
	}
	fclose(f);
	return found;
}

/* @fd's files' objects take @total bytes, @shared of them shared, @resident resident. */
static void assert_memory(int fd, uint64_t total, uint64_t shared, uint64_t resident)
{
	struct drm_client_meminfo m = fdinfo(fd).region_mem[0];

	igt_assert_f(m.total == total && m.shared == shared && m.resident == resident,
		     "fd %d: total %llu, shared %llu, resident %llu bytes; want %llu, %llu, %llu\n",
		     fd, (unsigned long long)m.total, (unsigned long long)m.shared,
		     (unsigned long long)m.resident, (unsigned long long)total,
		     (unsigned long long)shared, (unsigned long long)resident);
}

static unsigned long client_id(int fd)
{
	return fdinfo(fd).id;
}

/* Writes to every page of the @size bytes at @p. */
static void touch(void *p, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += page)
		((volatile uint32_t *)p)[off / 4] = 0x600d0000 + off / page;
}

static int set_client_name(int fd, const char *name)
{
	struct drm_set_client_name arg = {
		.name_len = name ? strlen(name) : 0,
		.name = (uintptr_t)name,
	};

	return igt_ioctl(fd, DRM_IOCTL_SET_CLIENT_NAME, &arg) ? -errno : 0;
}

/* @fd's drm-client-name is @want, or absent for NULL. */
static void assert_client_name(int fd, const char *want)
{
	char name[128];
	bool found = fdinfo_key(fd, "drm-client-name", name, sizeof(name));

	if (!want)
		igt_assert_f(!found, "fd %d has drm-client-name \"%s\", and no name was set\n", fd,
			     name);
	else
		igt_assert_f(found && !strcmp(name, want),
			     "fd %d: drm-client-name %s%s%s, want \"%s\"\n", fd, found ? "\"" : "",
			     found ? name : "absent", found ? "\"" : "", want);
}

/*
 * The PCI slot address of the GPU behind DRM node @fd, in @slot: the node's device is the
 * auxiliary device, its parent the virtio device, whose parent is the transport's device.
 * False if that is not a PCI function (virtio-mmio).
 */
static bool gpu_pci_slot(int fd, char *slot, size_t len)
{
	char dir[128], real[PATH_MAX], subsystem[PATH_MAX];
	struct stat st;
	ssize_t n;

	igt_assert_eq(fstat(fd, &st), 0);
	snprintf(dir, sizeof(dir), "/sys/dev/char/%u:%u/device/../..", major(st.st_rdev),
		 minor(st.st_rdev));
	igt_assert_f(realpath(dir, real), "%s: %m\n", dir);
	snprintf(dir, sizeof(dir), "%.100s/subsystem", real);
	n = readlink(dir, subsystem, sizeof(subsystem) - 1);
	igt_assert_f(n > 0, "%s: %m\n", dir);
	subsystem[n] = '\0';
	if (strcmp(strrchr(subsystem, '/') ?: subsystem, "/pci"))
		return false;
	snprintf(slot, len, "%s", strrchr(real, '/') + 1);
	return true;
}

igt_main
{
	igt_fixture
		page = sysconf(_SC_PAGESIZE);

	igt_describe("drm-driver is nova-lite on both nodes; every open is a client of its own "
		     "(drm-client-id differs), which a dup() of its descriptor shares.");
	igt_subtest("client-id") {
		int a = drm_open_driver_render(DRIVER_NOVA_LITE);
		int b = drm_open_driver_render(DRIVER_NOVA_LITE);
		int c = drm_open_driver(DRIVER_NOVA_LITE);
		int d = dup(a), e;
		unsigned long ida = client_id(a), idb = client_id(b), idc = client_id(c), ide;

		igt_assert(d >= 0);
		igt_assert_f(!strcmp(fdinfo(a).driver, "nova-lite") &&
			     !strcmp(fdinfo(c).driver, "nova-lite"),
			     "drm-driver: %s (render), %s (primary)\n", fdinfo(a).driver,
			     fdinfo(c).driver);
		igt_assert_f(ida != idb && ida != idc && idb != idc,
			     "client ids %lu, %lu, %lu for three opens\n", ida, idb, idc);
		igt_assert_eq_u64(client_id(d), ida);
		igt_assert_eq_u64(client_id(a), ida);

		close(d);
		drm_close_driver(b);
		e = drm_open_driver_render(DRIVER_NOVA_LITE);
		ide = client_id(e);
		igt_assert_f(ide != ida && ide != idb && ide != idc,
			     "a new open got client id %lu, of a file seen before\n", ide);
		drm_close_driver(e);
		drm_close_driver(c);
		drm_close_driver(a);
	}

	igt_describe("drm-pdev is the PCI function of the virtio-gpu device (virtio-pci), the "
		     "same on both nodes; absent with another transport.");
	igt_subtest("pdev") {
		int fds[2] = {
			drm_open_driver_render(DRIVER_NOVA_LITE), drm_open_driver(DRIVER_NOVA_LITE),
		};
		char want[64], got[128];
		bool pci = gpu_pci_slot(fds[0], want, sizeof(want));

		igt_info("GPU: %s\n", pci ? want : "not a PCI function");
		for (int i = 0; i < 2; i++) {
			bool found = fdinfo_key(fds[i], "drm-pdev", got, sizeof(got));

			if (pci)
				igt_assert_f(found && !strcmp(got, want), "fd %d: drm-pdev %s, want %s\n",
					     fds[i], found ? got : "absent", want);
			else
				igt_assert_f(!found, "fd %d: drm-pdev %s without a PCI function\n",
					     fds[i], got);
			igt_assert_eq(strcmp(fdinfo(fds[i]).pdev, pci ? want : ""), 0);
		}
		drm_close_driver(fds[1]);
		drm_close_driver(fds[0]);
	}

	igt_describe("drm-total-memory grows by an object's size at GEM_CREATE (and a dumb "
		     "buffer's) and falls by it at GEM_CLOSE; another file's objects do not "
		     "count; nothing is shared or resident meanwhile.");
	igt_subtest("total-memory") {
		int fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		int other = drm_open_driver_render(DRIVER_NOVA_LITE);
		int primary = drm_open_driver(DRIVER_NOVA_LITE);
		struct drm_mode_create_dumb dumb;
		struct drm_mode_destroy_dumb destroy;
		uint32_t a, b, o;
		uint64_t dumb_size;

		assert_memory(fd, 0, 0, 0);
		a = nova_lite_gem_create(fd, 5 * page);
		assert_memory(fd, 5 * page, 0, 0);
		b = nova_lite_gem_create(fd, 1 << 20);
		assert_memory(fd, 5 * page + (1 << 20), 0, 0);

		o = nova_lite_gem_create(other, 3 * page);
		assert_memory(other, 3 * page, 0, 0);
		assert_memory(fd, 5 * page + (1 << 20), 0, 0);

		gem_close(fd, a);
		assert_memory(fd, 1 << 20, 0, 0);
		gem_close(fd, b);
		assert_memory(fd, 0, 0, 0);
		gem_close(other, o);
		assert_memory(other, 0, 0, 0);

		/* A dumb buffer is a nova-lite object, of whole pages. */
		assert_memory(primary, 0, 0, 0);
		dumb = dumb_create_64x64(primary);
		dumb_size = (dumb.size + page - 1) / page * page;
		assert_memory(primary, dumb_size, 0, 0);
		destroy.handle = dumb.handle;
		do_ioctl(primary, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
		assert_memory(primary, 0, 0, 0);

		drm_close_driver(primary);
		drm_close_driver(other);
		drm_close_driver(fd);
	}

	igt_describe("An object exported through PRIME counts as shared in its file, and so does "
		     "it, once only, in a file that imports it; an object never exported does not; "
		     "closing the import takes it out of the importer's memory.");
	igt_subtest("shared-memory") {
		int a = drm_open_driver_render(DRIVER_NOVA_LITE);
		int b = drm_open_driver_render(DRIVER_NOVA_LITE);
		uint32_t priv = nova_lite_gem_create(a, 3 * page);
		uint32_t exported = nova_lite_gem_create(a, 4 * page), hb;
		int dmabuf;

		assert_memory(a, 7 * page, 0, 0);
		dmabuf = prime_handle_to_fd(a, exported);
		assert_memory(a, 7 * page, 4 * page, 0);
		assert_memory(b, 0, 0, 0);

		hb = prime_fd_to_handle(b, dmabuf);
		assert_memory(b, 4 * page, 4 * page, 0);
		igt_assert_eq_u32(prime_fd_to_handle(b, dmabuf), hb);
		assert_memory(b, 4 * page, 4 * page, 0);
		assert_memory(a, 7 * page, 4 * page, 0);
		close(dmabuf);

		gem_close(b, hb);
		assert_memory(b, 0, 0, 0);
		gem_close(a, exported);
		assert_memory(a, 3 * page, 0, 0);
		gem_close(a, priv);
		assert_memory(a, 0, 0, 0);
		drm_close_driver(b);
		drm_close_driver(a);
	}

	igt_describe("A new object is not resident; mapped and written, it is, once however "
		     "many mappings it has, while an object beside it that is not mapped stays out; "
		     "unmapped, it is no longer resident.");
	igt_subtest("resident-mmap") {
		const uint64_t size = 64 * page, other_size = 16 * page;
		int fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		uint32_t handle = nova_lite_gem_create(fd, size);
		uint32_t other = nova_lite_gem_create(fd, other_size);
		void *p, *q;

		assert_memory(fd, size + other_size, 0, 0);
		p = nova_lite_gem_mmap(fd, handle, size, RW);
		touch(p, size);
		assert_memory(fd, size + other_size, 0, size);
		q = nova_lite_gem_mmap(fd, handle, size, RW);
		touch(q, size);
		assert_memory(fd, size + other_size, 0, size);

		igt_assert_eq(munmap(p, size), 0);
		assert_memory(fd, size + other_size, 0, size);
		igt_assert_eq(munmap(q, size), 0);
		assert_memory(fd, size + other_size, 0, 0);

		gem_close(fd, other);
		gem_close(fd, handle);
		assert_memory(fd, 0, 0, 0);
		drm_close_driver(fd);
	}

	igt_describe("An object made a resource (RESOURCE_CREATE) is resident without any "
		     "mapping, until it is closed.");
	igt_subtest("resident-resource") {
		const uint32_t w = 64, h = 64;
		const uint64_t size = (4ull * w * h + page - 1) / page * page;
		int fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		uint32_t handle = nova_lite_gem_create(fd, size);

		assert_memory(fd, size, 0, 0);
		nova_lite_resource_create(fd, handle, DRM_FORMAT_XRGB8888, w, h);
		assert_memory(fd, size, 0, size);
		igt_assert_eq(nova_lite_wait(fd, handle), 0);
		assert_memory(fd, size, 0, size);

		gem_close(fd, handle);
		assert_memory(fd, 0, 0, 0);
		drm_close_driver(fd);
	}

	igt_describe("drm-client-name is absent until DRM_IOCTL_SET_CLIENT_NAME sets it, shows "
		     "the last name set, in that file only, survives a refused name, and goes "
		     "when the name is cleared.");
	igt_subtest("client-name") {
		int fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		int other = drm_open_driver_render(DRIVER_NOVA_LITE);

		assert_client_name(fd, NULL);
		igt_assert_eq(set_client_name(fd, "nova_lite_fdinfo"), 0);
		assert_client_name(fd, "nova_lite_fdinfo");
		assert_client_name(other, NULL);

		igt_assert_eq(set_client_name(fd, "renamed-client"), 0);
		assert_client_name(fd, "renamed-client");
		igt_assert_eq(set_client_name(fd, "with space"), -EINVAL);
		assert_client_name(fd, "renamed-client");

		igt_assert_eq(set_client_name(fd, NULL), 0);
		assert_client_name(fd, NULL);
		drm_close_driver(other);
		drm_close_driver(fd);
	}
}
