// SPDX-License-Identifier: MIT
/*
 * Unbinding nova-lite's virtio device (virtioN on the virtio bus) while a
 * client holds the DRM device open: the client's ioctls fail with ENODEV, its
 * mappings keep working, closing works, and binding the device again gives a
 * working device. This test changes the device's binding, so it runs last
 * (tests/igt/test-list.txt). It needs root, and skips only when not run as
 * root; as root, nova-lite's virtio driver missing or not bound to the render
 * node's virtio device fails it.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"
#include "igt_nova_lite.h"

#define VIRTIO_DRIVER "/sys/bus/virtio/drivers/nova-lite"
/* 7.3's Rust auxiliary abstraction names the driver <module>.<driver>. */
#define AUX_DRIVER "/sys/bus/auxiliary/drivers/nova-lite.nova-lite"
#define REBIND_LOOPS 5
#define MMAP_SIZE (256u * 1024)

static void sysfs_write(const char *file, const char *value)
{
	int fd = open(file, O_WRONLY);

	igt_assert_f(fd >= 0, "cannot open %s\n", file);
	igt_assert_f(write(fd, value, strlen(value)) == (ssize_t)strlen(value),
		     "writing %s to %s failed\n", value, file);
	close(fd);
}

/* Writes @dev to @bind and waits (up to 10 s) for a nova-lite render node. */
static int bind_and_open(const char *bind, const char *dev)
{
	struct timespec delay = { 0, 50 * 1000 * 1000 };
	int fd = -1;

	sysfs_write(bind, dev);
	for (int i = 0; i < 200 && fd < 0; i++) {
		fd = __drm_open_driver_render(DRIVER_NOVA_LITE);
		if (fd < 0)
			nanosleep(&delay, NULL);
	}
	igt_assert_f(fd >= 0, "no render node after binding %s\n", dev);
	return fd;
}

/* Binds virtio device @vdev to nova-lite and waits for its render node. */
static int rebind(const char *vdev)
{
	return bind_and_open(VIRTIO_DRIVER "/bind", vdev);
}

/*
 * DMA-API debugging's error count (a debug kernel's /sys/kernel/debug/dma-api), or -1 when the
 * kernel has none.
 */
static int dma_api_errors(void)
{
	FILE *f = fopen("/sys/kernel/debug/dma-api/error_count", "r");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_signal;

static void on_fault(int sig)
{
	fault_signal = sig;
	siglongjmp(fault_jmp, 1);
}

/*
 * Checks that the mapping @p holds the pattern of @seed, then writes the pattern of @next and
 * reads it back. Returns false, with the reason in @why, if a word differs or an access raised
 * SIGBUS or SIGSEGV (caught, so that the caller can bind the device again before failing).
 */
static bool use_mapping(volatile uint32_t *p, uint32_t seed, uint32_t next, char *why,
			size_t len)
{
	struct sigaction sa = { .sa_handler = on_fault }, old_bus, old_segv;
	const size_t words = MMAP_SIZE / 4;
	bool ok = true;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		for (size_t i = 0; i < words && ok; i++) {
			if (p[i] != nlt_pattern(seed, i)) {
				snprintf(why, len, "byte %zu reads %#x, want %#x", 4 * i, p[i],
					 nlt_pattern(seed, i));
				ok = false;
			}
		}
		for (size_t i = 0; i < words && ok; i++)
			p[i] = nlt_pattern(next, i);
		for (size_t i = 0; i < words && ok; i++) {
			if (p[i] != nlt_pattern(next, i)) {
				snprintf(why, len, "byte %zu reads %#x after writing %#x", 4 * i,
					 p[i], nlt_pattern(next, i));
				ok = false;
			}
		}
	} else {
		snprintf(why, len, "%s on the mapping", fault_signal == SIGBUS ? "SIGBUS" : "SIGSEGV");
		ok = false;
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return ok;
}

/*
 * Makes @n resources of 1024x1024 pixels (4 MiB objects) and posts 4 rounds of full transfers of
 * each without waiting: commands in flight for an unbind.
 */
static void busy_resources(int fd, uint32_t *handles, int n)
{
	struct drm_nova_lite_rect all = { 0, 0, 1024, 1024 };

	for (int i = 0; i < n; i++) {
		handles[i] = nova_lite_gem_create(fd, 4 << 20);
		nova_lite_resource_create(fd, handles[i], DRM_FORMAT_XRGB8888,
					  1024, 1024);
	}
	for (int round = 0; round < 4; round++)
		for (int i = 0; i < n; i++)
			nova_lite_transfer_to_host(fd, handles[i], all);
}

igt_main
{
	char vdev[64] = "";
	int fd = -1;

	igt_fixture {
		char bound[192];
		int ret;

		/*
		 * Only a run that is not root skips. As root, nova-lite's virtio driver directory
		 * and the device bound to it must be there: if not, the driver was lost.
		 */
		igt_require_f(geteuid() == 0, "needs root: it unbinds and binds the virtio device "
			      "(euid %u)\n", (unsigned int)geteuid());
		igt_assert_f(access(VIRTIO_DRIVER, F_OK) == 0, "%s: %m: nova-lite is not registered "
			     "as a virtio driver\n", VIRTIO_DRIVER);
		fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		ret = nova_lite_core_device(fd, vdev, sizeof(vdev));
		igt_assert_f(ret == 0, "no virtio device behind the render node: %s\n",
			     strerror(-ret));
		snprintf(bound, sizeof(bound), "%s/%s", VIRTIO_DRIVER, vdev);
		igt_assert_f(access(bound, F_OK) == 0, "%s: %m: %s is not bound to nova-lite\n",
			     bound, vdev);
		igt_assert_f(access(VIRTIO_DRIVER "/unbind", W_OK) == 0, "%s/unbind: %m\n",
			     VIRTIO_DRIVER);
	}

	igt_describe("After the virtio device is unbound, an open file's ioctls fail with "
		     "ENODEV; after binding it again, a new file works.");
	igt_subtest("unbind-with-open-file") {
		struct drm_nova_lite_getparam gp = { .param = NOVA_LITE_PARAM_NUM_SCANOUTS };
		uint32_t handle = nova_lite_gem_create(fd, 4096);
		struct drm_nova_lite_gem_info info = { .handle = handle };

		sysfs_write(VIRTIO_DRIVER "/unbind", vdev);
		do_ioctl_err(fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &gp, ENODEV);
		do_ioctl_err(fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &info, ENODEV);
		drm_close_driver(fd);

		fd = rebind(vdev);
		igt_assert(nova_lite_getparam(fd, NOVA_LITE_PARAM_NUM_SCANOUTS) >= 1);
		gem_close(fd, nova_lite_gem_create(fd, 4096));
	}

	igt_describe("A mapping made before the virtio device is unbound keeps the object's data "
		     "and takes writes (no SIGBUS), also after the file is closed; after binding "
		     "again, a new file works.");
	igt_subtest("mmap-survives-unplug") {
		uint32_t handle = nova_lite_gem_create(fd, MMAP_SIZE);
		uint32_t *p = nova_lite_gem_mmap(fd, handle, MMAP_SIZE, PROT_READ | PROT_WRITE);
		char unbound[128] = "", closed[128] = "";
		bool unbound_ok, closed_ok;

		for (size_t i = 0; i < MMAP_SIZE / 4; i++)
			p[i] = nlt_pattern(0x0f1e2d3c, i);
		sysfs_write(VIRTIO_DRIVER "/unbind", vdev);
		unbound_ok = use_mapping(p, 0x0f1e2d3c, 0x4b5a6978, unbound, sizeof(unbound));
		drm_close_driver(fd);
		closed_ok = unbound_ok &&
			    use_mapping(p, 0x4b5a6978, 0x8796a5b4, closed, sizeof(closed));
		igt_assert_eq(munmap(p, MMAP_SIZE), 0);

		fd = rebind(vdev);
		igt_assert_f(unbound_ok, "after unbind: %s\n", unbound);
		igt_assert_f(closed_ok, "after closing the file: %s\n", closed);
		gem_close(fd, nova_lite_gem_create(fd, 4096));
	}

	igt_describe("Unbinding while a client holds a vgem buffer imported through PRIME leaves "
		     "no DMA mapping of the device behind (DMA-API debugging, on a debug kernel); "
		     "after binding again, a new file works.");
	igt_subtest("unbind-with-foreign-import") {
		int vgem = open_vgem(), before, after;
		struct drm_mode_create_dumb dumb;
		int dmabuf;

		dumb = dumb_create_64x64(vgem);
		dmabuf = prime_handle_to_fd(vgem, dumb.handle);
		igt_assert(prime_fd_to_handle(fd, dmabuf) != 0);

		before = dma_api_errors();
		sysfs_write(VIRTIO_DRIVER "/unbind", vdev);
		after = dma_api_errors();
		drm_close_driver(fd);
		close(dmabuf);
		gem_close(vgem, dumb.handle);
		drm_close_driver(vgem);

		fd = rebind(vdev);
		igt_assert_f(after == before, "DMA-API debugging counted %d error(s) at the unbind "
			     "(a mapping of the device outlived it?)\n", after - before);
		gem_close(fd, nova_lite_gem_create(fd, 4096));
	}

	igt_describe("Unbinding right after posting transfers of 4 MiB resources, some closed "
		     "(RESOURCE_UNREF in flight) and some still open: the unbind completes, the "
		     "open file's WAIT fails with ENODEV, no DMA-API error (debug kernel); after "
		     "binding again a resource works. The live counts are checked after this binary: "
		     "every object and page is freed once the device is reset.");
	igt_subtest("unbind-in-flight") {
		struct drm_nova_lite_wait w = { .timeout_ns = 1000000000 };
		struct drm_nova_lite_rect all = { 0, 0, 1024, 1024 };
		uint32_t handles[8], h;
		int before, after;

		busy_resources(fd, handles, 8);
		for (int i = 0; i < 4; i++)
			gem_close(fd, handles[i]);
		before = dma_api_errors();
		sysfs_write(VIRTIO_DRIVER "/unbind", vdev);
		after = dma_api_errors();
		w.handle = handles[4];
		do_ioctl_err(fd, DRM_IOCTL_NOVA_LITE_WAIT, &w, ENODEV);
		drm_close_driver(fd);

		fd = rebind(vdev);
		igt_assert_f(after == before, "DMA-API debugging counted %d error(s) at the unbind\n",
			     after - before);
		h = nova_lite_gem_create(fd, 4 << 20);
		nova_lite_resource_create(fd, h, DRM_FORMAT_XRGB8888, 1024, 1024);
		nova_lite_transfer_to_host(fd, h, all);
		igt_assert_eq(nova_lite_wait(fd, h), 0);
		gem_close(fd, h);
	}

	igt_describe("Unbinding the DRM driver alone (the auxiliary device; the core stays bound) "
		     "with transfers of 4 MiB resources in flight, then closing the file: the "
		     "objects are freed without a DRM device, and their resources are destroyed all "
		     "the same (4 fewer host resources after the close than with the file open; the "
		     "fbdev emulation's went with the DRM device); WAIT fails with ENODEV; binding "
		     "the DRM driver again gives a working device.");
	igt_subtest("aux-unbind-in-flight") {
		struct drm_nova_lite_wait w = { .timeout_ns = 1000000000 };
		struct drm_nova_lite_rect all = { 0, 0, 1024, 1024 };
		uint64_t before, now;
		uint32_t handles[4], h;
		char adev[80];

		igt_assert(strncmp(vdev, "virtio", 6) == 0);
		snprintf(adev, sizeof(adev), "nova_lite.drm.%s", vdev + 6);
		busy_resources(fd, handles, 4);
		sysfs_write(AUX_DRIVER "/unbind", adev);
		w.handle = handles[0];
		do_ioctl_err(fd, DRM_IOCTL_NOVA_LITE_WAIT, &w, ENODEV);
		/*
		 * The baseline, once settled, with the DRM device gone and the file's 4 resources
		 * alive: the in-kernel clients' buffers (the fbdev emulation's) went with the
		 * device, and resources freed earlier go when the device answers their
		 * RESOURCE_UNREF, after the close returned.
		 */
		before = nova_lite_live_settled("host_resources");
		igt_assert_f(before >= 4, "host resources: %llu with the file's 4 alive\n",
			     (unsigned long long)before);
		drm_close_driver(fd);
		/* The core, still bound, destroys the file's 4. */
		now = nova_lite_live_wait("host_resources", before - 4);

		fd = bind_and_open(AUX_DRIVER "/bind", adev);
		igt_assert_f(now == before - 4, "host resources: %llu with the file open, %llu after "
			     "closing it without a DRM device (4 fewer expected)\n",
			     (unsigned long long)before, (unsigned long long)now);
		h = nova_lite_gem_create(fd, 4 << 20);
		nova_lite_resource_create(fd, h, DRM_FORMAT_XRGB8888, 1024, 1024);
		nova_lite_transfer_to_host(fd, h, all);
		igt_assert_eq(nova_lite_wait(fd, h), 0);
		gem_close(fd, h);
	}

	igt_describe("Unbinding and binding again several times, each time with objects alive.");
	igt_subtest("unbind-rebind-loop") {
		for (int i = 0; i < REBIND_LOOPS; i++) {
			nova_lite_gem_create(fd, 4096 * (i + 1));
			sysfs_write(VIRTIO_DRIVER "/unbind", vdev);
			drm_close_driver(fd);
			fd = rebind(vdev);
		}
	}

	igt_fixture
		drm_close_driver(fd);
}
