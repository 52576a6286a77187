// SPDX-License-Identifier: MIT
/*
 * nova_lite_bench: nova-lite against the C drivers on the same work, in one
 * boot (`make bench`, ci/guest/bench.sh).
 *
 * Pairs. Each pair runs nova-lite's operation and a reference's side by side:
 * a warm-up sample of each, then SAMPLES samples of each, interleaved (the
 * order swaps every sample, so that a drift of the machine hits both alike).
 * A sample times a number of operations with CLOCK_MONOTONIC and gives the
 * time of one. A reference whose driver queues commands without waiting for
 * them (virtio_gpu) ends each sample with one command it waits for, inside
 * the timed part, so that the host's work is counted. The report gives, for
 * each side, the median and the spread (lowest and highest sample), and the
 * ratio of the medians:
 *
 *     ratio = nova-lite's median time / the reference's median time
 *
 * below 1.00 nova-lite is faster. The goal of each pair is printed beside its
 * ratio; a diagnostic pair has none (it splits another pair's time).
 *
 *   create-close-4k  GEM_CREATE + GEM_CLOSE, 4 KiB      vgem's CREATE_DUMB + DESTROY_DUMB
 *   create-close-1m  the same, 1 MiB                     the same, 1 MiB
 *   lookup           GEM_INFO of a handle                GET_CAP on the same fd (the floor)
 *   ioctl            GETPARAM (a driver ioctl, no        GET_CAP (diagnostic)
 *                    lookup)
 *   lookup-c         virtio_gpu's RESOURCE_INFO (the C   virtio_gpu's GET_CAP (diagnostic:
 *                    driver's lookup)                      what a lookup costs in C)
 *   resource         GEM_CREATE + RESOURCE_CREATE 64x64  virtio_gpu's RESOURCE_CREATE (2D)
 *                    + GEM_CLOSE, then one QUERY           + GEM_CLOSE, then one
 *                                                          RESOURCE_CREATE + WAIT
 *   roundtrip        QUERY of the display information    virtio_gpu's RESOURCE_CREATE + WAIT
 *                    (one GET_DISPLAY_INFO)                + GEM_CLOSE (the nearest wait)
 *   transfer-1m      TRANSFER_TO_HOST of 512x512 pixels  virtio_gpu's TRANSFER_TO_HOST (the
 *                                                          cost of submitting one)
 *   transfer-pixel   TRANSFER_TO_HOST of 1x1 pixel       the same (diagnostic: submission
 *                                                          without the host's copy)
 *   transfer-1000    1000 TRANSFER_TO_HOST, then one     the same, then one RESOURCE_CREATE
 *                    WAIT of the resource                  + WAIT
 *   flip-1024x768    a page flip on nova-lite's primary   the same on virtio_gpu's
 *                    node: the whole back buffer written
 *                    through its mapping, then a
 *                    nonblocking atomic commit of it with
 *                    full-screen FB_DAMAGE_CLIPS and a
 *                    page-flip event, and the event
 *                    waited for
 *
 * Without virgl, virtio_gpu's 2D transfer has no fence: a WAIT after it returns at once. So each
 * sample of its transfer sides ends with a RESOURCE_CREATE + WAIT, which completes only after
 * every command queued before (the device processes the control queue in order): timed in
 * transfer-1000, after the timed part in transfer-1m. nova-lite's commands are posted too: its
 * sides end with a DRM_IOCTL_NOVA_LITE_WAIT of the resource (a QUERY, one round trip, in
 * resource) the same way. A ratio is never made of a side that does not wait against one that
 * does.
 *
 * The flip pair (issue 18: "page flips with full-screen damage per second", goal at least 1.0x)
 * sets a 1024x768 mode (the one at 60 Hz if the connector lists several) on the first connected
 * connector of each driver, as DRM master, double-buffered with dumb buffers, and puts the CRTC
 * back as it found it afterwards. Each flip's plane update transfers the whole framebuffer to
 * the host, points the scanout at it and flushes it; its event comes at the next vblank of the
 * CRTC's vblank timer. A side reports the time of a flip (flips per second are its inverse, so
 * that the ratio, time over time, is the inverse of the ratio of flips per second: goal <= 1.0)
 * and the median time from the commit to its event. Flips are bounded by the refresh rate
 * (60 flips/s at 60 Hz) whatever the driver costs: a ratio of 1.00 says that both drivers keep
 * up with the refresh (or miss as many vblanks), above it nova-lite misses vblanks the
 * reference makes, below it the reference misses them; what each side costs below that bound
 * shows in the commit-to-event latency and the CPU time.
 *
 *   dumb-fb-64x64    CREATE_DUMB 64x64 + ADDFB2 + RMFB   the same on virtio_gpu's, then one
 *                    + DESTROY_DUMB on the primary node,   RESOURCE_CREATE + WAIT
 *                    then one QUERY (the resource pair
 *                    through KMS)
 *   dirty-1m         DIRTYFB of a 512x512 clip of the     the same on virtio_gpu's
 *                    framebuffer shown (the transfer-1m
 *                    pair through KMS)
 *   dirty-pixel      DIRTYFB of a 1x1 clip               the same (diagnostic)
 *
 * The dirty pairs set the flip pair's mode with its first buffer shown, and end each sample,
 * untimed, with a wait for the host and one DIRTYFB more (so that the next starts at a vblank).
 * A DIRTYFB is a blocking commit of the plane with the clip as damage: its update transfers the
 * clip and flushes it (both drivers post the two commands: virtio_gpu fences a primary plane's
 * flush only for blob resources), and the commit returns at the CRTC's next vblank, so both are
 * bounded by the refresh rate as flips are; the CPU time shows the rest.
 *
 *   fault-vgem       create, mmap, write one byte a page, unmap, close 4 MiB: vgem's the same
 *   fault-anon       the same                            anonymous memory (the floor)
 *   write-vgem       memset of a 4 MiB mapping           vgem's mapping
 *   write-anon       the same                            anonymous memory (the floor)
 *
 * Scaling. For 1k, 10k, 100k and 1M live objects of 4 KiB in one new file,
 * of nova-lite and of vgem: the time to create them, the kernel memory per
 * object (the growth of Slab and Shmem in /proc/meminfo), GEM_INFO of random
 * handles (nova-lite; vgem has no such ioctl), create + close with the
 * objects alive, and the time to close the file.
 *
 * A benchmark reports, it does not fail: the exit status is 0 whenever every
 * operation succeeded, whatever the ratios. A reference whose driver is not
 * there is reported as absent, never guessed.
 *
 * Usage: nova_lite_bench [--quick] [--require-references] [--json FILE] [--only PAIR,...]
 *   --quick      3 samples of a few operations, 10 and 100 objects (make check runs it
 *                so that it cannot rot; its figures mean nothing)
 *   --require-references
 *                fails (exit status 1) unless vgem and virtio_gpu are there (make bench)
 *   --json FILE  also writes the results as JSON
 *   --only PAIR,...
 *                runs only these pairs, without the scaling runs and the JSON (for a
 *                quick look at one cost: `NOVA_LITE_BENCH_ONLY=... make bench`)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include <virtgpu_drm.h>

#include "nova_lite_drm.h"
#include "common/nova_lite_test.h"

#define MAX_SAMPLES 15
#define PAGE 4096
#define MAP_SIZE (4u << 20)	/* the fault and write pairs */
#define XFER_W 512		/* the transfer pair: 512x512 pixels of 4 bytes, 1 MiB */
#define XFER_H 512
#define RES_W 64		/* the resource pairs */
#define RES_H 64
#define ANON 0			/* the fd of an anonymous-memory side: always there */
#define FLIP_W 1024		/* the flip pair's mode */
#define FLIP_H 768
#define FLIP_REFRESH 60		/* its refresh rate, if the connector lists several */
#define FLIPS 60		/* flips a sample: one second at 60 Hz */
#define DIRTIES 30		/* DIRTYFBs a sample: half a second at 60 Hz */
/* Waiting for a flip's event, which comes at the next vblank: longer is a broken flip. */
#define FLIP_TIMEOUT_MS 5000

struct flip;

/* One side of a pair: an operation on a file, repeated by sample(). */
struct side {
	const char *label;	/* "nova-lite", "reference", or a diagnostic's */
	const char *what;
	int fd;			/* -1: the driver is not there */
	int (*op)(struct side *s);
	/* If set: run once at the end of each sample, timed; waits for the queued work. */
	int (*drain)(struct side *s);
	/* If set: run once at the end of each sample, not timed; waits for the queued work. */
	int (*settle)(struct side *s);
	/* If set: run before the pair's first sample; stop after its last, or a failed start. */
	int (*start)(struct side *s);
	int (*stop)(struct side *s);
	struct flip *flip;	/* the flip pair: the display's state */
	uint64_t size;		/* create-close, fault: bytes */
	uint32_t handle;	/* lookup, transfer: the object used */
	char *map;		/* write: the mapping written */
	double ns[MAX_SAMPLES];	/* per operation, one per sample */
	double faults;		/* minor page faults per operation, over the kept samples */
	double cpu_ns;		/* the process's CPU time (user + system) per operation */
};

struct pair {
	const char *name;
	double goal;		/* the ratio aimed at: at most this; 0: a diagnostic */
	unsigned int iterations;	/* operations a sample */
	double per;		/* the time of an operation is shown per this many... */
	const char *unit;	/* ...of these ("page", "MiB"), if set */
	struct side nova, ref;
};

static unsigned int samples = 7;
static bool quick;

/* ioctl() that restarts on EINTR and EAGAIN, as libdrm's drmIoctl(); 0 or an errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? errno : 0;
}

static int nova_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_nova_lite_gem_create c = { .size = size };
	int err = xioctl(fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &c);

	*handle = c.handle;
	return err;
}

static int gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close cl = { .handle = handle };

	return xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
}

/* A dumb buffer of @size bytes (a multiple of 1024): 32 bpp, 1024 bytes a row. */
static int dumb_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_mode_create_dumb d = { .width = 256, .height = size / 1024, .bpp = 32 };
	int err = xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);

	*handle = d.handle;
	return err;
}

static int dumb_destroy(int fd, uint32_t handle)
{
	struct drm_mode_destroy_dumb x = { .handle = handle };

	return xioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &x);
}

static int nova_create_close(struct side *s)
{
	uint32_t h;
	int err = nova_create(s->fd, s->size, &h);

	return err ?: gem_close(s->fd, h);
}

static int dumb_create_close(struct side *s)
{
	uint32_t h;
	int err = dumb_create(s->fd, s->size, &h);

	return err ?: dumb_destroy(s->fd, h);
}

static int nova_gem_info(struct side *s)
{
	struct drm_nova_lite_gem_info i = { .handle = s->handle };

	return xioctl(s->fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &i);
}

static int nova_getparam(struct side *s)
{
	struct drm_nova_lite_getparam g = { .param = NOVA_LITE_PARAM_NUM_SCANOUTS };

	return xioctl(s->fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &g);
}

static int get_cap(struct side *s)
{
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME };

	return xioctl(s->fd, DRM_IOCTL_GET_CAP, &c);
}

static int virtgpu_resource_info(struct side *s)
{
	struct drm_virtgpu_resource_info i = { .bo_handle = s->handle };

	return xioctl(s->fd, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &i);
}

/* A 2D host resource of RES_W x RES_H pixels made of a new object, then the object closed. */
static int nova_resource(struct side *s)
{
	struct drm_nova_lite_resource_create r = {
		.format = DRM_FORMAT_XRGB8888, .width = RES_W, .height = RES_H,
	};
	int err = nova_create(s->fd, RES_W * RES_H * 4, &r.handle);

	if (err)
		return err;
	err = xioctl(s->fd, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &r);
	return gem_close(s->fd, r.handle) ?: err;
}

/* virtio_gpu's 2D resource (target 2) of @w x @h pixels, format 2 (B8G8R8X8_UNORM). */
static int virtgpu_create(int fd, uint32_t w, uint32_t h, uint32_t *handle)
{
	struct drm_virtgpu_resource_create r = {
		.target = 2, .format = 2, .width = w, .height = h, .depth = 1,
		.array_size = 1, .size = w * h * 4, .stride = w * 4,
	};
	int err = xioctl(fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, &r);

	*handle = r.bo_handle;
	return err;
}

/* virtio_gpu waits for nothing: its create attaches a fence and returns, its close queues UNREF. */
static int virtgpu_resource(struct side *s)
{
	uint32_t h;
	int err = virtgpu_create(s->fd, RES_W, RES_H, &h);

	return err ?: gem_close(s->fd, h);
}

/*
 * virtio_gpu's nearest command that one can wait for: a 2D RESOURCE_CREATE, whose fence
 * VIRTGPU_WAIT waits for, then GEM_CLOSE (which queues UNREF without waiting). The host takes
 * the control queue in order, so it also waits for every command queued before.
 */
static int virtgpu_create_wait(struct side *s)
{
	struct drm_virtgpu_3d_wait w = { 0 };
	int err = virtgpu_create(s->fd, RES_W, RES_H, &w.handle);

	if (err)
		return err;
	err = xioctl(s->fd, DRM_IOCTL_VIRTGPU_WAIT, &w);
	return gem_close(s->fd, w.handle) ?: err;
}

/* One GET_DISPLAY_INFO round trip: QUERY with no buffer asks the device for the size. */
static int nova_roundtrip(struct side *s)
{
	struct drm_nova_lite_query q = { .type = NOVA_LITE_QUERY_DISPLAY_INFO };

	return xioctl(s->fd, DRM_IOCTL_NOVA_LITE_QUERY, &q);
}

static int nova_transfer(struct side *s)
{
	struct drm_nova_lite_transfer t = {
		.handle = s->handle, .rect = { .width = XFER_W, .height = XFER_H },
	};

	return xioctl(s->fd, DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, &t);
}

/* A transfer of one pixel: what submitting a transfer costs without the host's copy. */
static int nova_transfer_pixel(struct side *s)
{
	struct drm_nova_lite_transfer t = {
		.handle = s->handle, .rect = { .width = 1, .height = 1 },
	};

	return xioctl(s->fd, DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, &t);
}

static int virtgpu_transfer_pixel(struct side *s)
{
	struct drm_virtgpu_3d_transfer_to_host t = {
		.bo_handle = s->handle, .box = { .w = 1, .h = 1, .d = 1 },
	};

	return xioctl(s->fd, DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST, &t);
}

static int virtgpu_transfer(struct side *s)
{
	struct drm_virtgpu_3d_transfer_to_host t = {
		.bo_handle = s->handle, .box = { .w = XFER_W, .h = XFER_H, .d = 1 },
	};

	return xioctl(s->fd, DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST, &t);
}

/* WAIT for the commands posted for the side's resource (those of every file). */
static int nova_wait(struct side *s)
{
	struct drm_nova_lite_wait w = { .handle = s->handle, .timeout_ns = 10ll * 1000000000 };

	return xioctl(s->fd, DRM_IOCTL_NOVA_LITE_WAIT, &w);
}

/* Writes one byte to every page of @map: each write takes the page's first fault. */
static void touch(char *map, size_t size)
{
	for (size_t off = 0; off < size; off += PAGE)
		((volatile char *)map)[off] = 1;
}

/* Maps @size bytes of @fd at @offset; NULL (errno set) on failure. */
static char *map_at(int fd, uint64_t offset, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);

	return p == MAP_FAILED ? NULL : p;
}

static int nova_map(int fd, uint32_t handle, size_t size, char **map)
{
	struct drm_nova_lite_gem_mmap_offset o = { .handle = handle };
	int err = xioctl(fd, DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, &o);

	if (err)
		return err;
	*map = map_at(fd, o.offset, size);
	return *map ? 0 : errno;
}

static int dumb_map(int fd, uint32_t handle, size_t size, char **map)
{
	struct drm_mode_map_dumb o = { .handle = handle };
	int err = xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &o);

	if (err)
		return err;
	*map = map_at(fd, o.offset, size);
	return *map ? 0 : errno;
}

/* Creates an object of s->size bytes, maps it, touches every page, unmaps it and frees it. */
static int fault_cycle(struct side *s, int (*create)(int, uint64_t, uint32_t *),
		       int (*map)(int, uint32_t, size_t, char **), int (*destroy)(int, uint32_t))
{
	uint32_t h;
	char *p;
	int err = create(s->fd, s->size, &h);

	if (err)
		return err;
	err = map(s->fd, h, s->size, &p);
	if (!err) {
		touch(p, s->size);
		munmap(p, s->size);
	}
	return destroy(s->fd, h) ?: err;
}

static int nova_fault(struct side *s)
{
	return fault_cycle(s, nova_create, nova_map, gem_close);
}

static int dumb_fault(struct side *s)
{
	return fault_cycle(s, dumb_create, dumb_map, dumb_destroy);
}

static int anon_fault(struct side *s)
{
	char *map = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (map == MAP_FAILED)
		return errno;
	touch(map, s->size);
	munmap(map, s->size);
	return 0;
}

/*
 * Writes the whole mapping. memset, not a memcpy from a buffer: under TCG a copy's speed
 * depended on where the mapping lay relative to the source (nova-lite's mapping copied at 0.4x
 * of vgem's, and the same with write-combining), while memset writes all three at one speed.
 */
static int write_map(struct side *s)
{
	memset(s->map, 0x5a, MAP_SIZE);
	return 0;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* Times @n operations of @s and its drain; the time of one in ns, or a negative errno. */
static double sample(struct side *s, unsigned int n)
{
	double start = now_ns(), t;
	int err = 0;

	for (unsigned int i = 0; i < n && !err; i++)
		err = s->op(s);
	if (!err && s->drain)
		err = s->drain(s);
	t = now_ns() - start;
	if (!err && s->settle)
		err = s->settle(s);
	if (err) {
		fprintf(stderr, "nova_lite_bench: %s: %s\n", s->what, strerror(err));
		return -err;
	}
	return t / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stats {
	double median, min, max;
};

static struct stats stats_of(const double *ns, unsigned int n)
{
	double v[MAX_SAMPLES];
	struct stats st;

	memcpy(v, ns, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	st.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	st.min = v[0];
	st.max = v[n - 1];
	return st;
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/*
 * The process's CPU time in ns, user and system: what the calls cost the caller. The rest of a
 * sample's time it slept (waiting for the device, or for room in its queue); the drivers' work
 * items (completions) run in kernel threads and are not counted.
 */
static double cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

/* Whether @name is one of the comma-separated names of @list. */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* The samples of @p: a warm-up sample of each side, then the samples, interleaved. */
static int run_samples(struct pair *p)
{
	unsigned int n = quick ? 3 : p->iterations;
	struct side *first, *second;
	long faults;
	double t, cpu;

	for (unsigned int i = 0; i <= samples; i++) {
		/* The order swaps every sample; sample 0 is the warm-up, not kept. */
		first = i % 2 ? &p->ref : &p->nova;
		second = i % 2 ? &p->nova : &p->ref;
		for (int k = 0; k < 2; k++) {
			struct side *s = k ? second : first;

			if (s->fd < 0)
				continue;
			faults = minor_faults();
			cpu = cpu_ns();
			t = sample(s, n);
			if (t < 0)
				return (int)-t;
			if (i) {
				s->ns[i - 1] = t;
				s->faults += (double)(minor_faults() - faults) / n / samples;
				s->cpu_ns += (cpu_ns() - cpu) / n / samples;
			}
		}
	}
	return 0;
}

/* Runs @p between its sides' start and stop, if they have them. 0 or the first errno. */
static int run_pair(struct pair *p)
{
	struct side *sides[2] = { &p->nova, &p->ref };
	bool started[2] = { false, false };
	int err = 0;

	for (int k = 0; k < 2 && !err; k++) {
		if (sides[k]->fd >= 0 && sides[k]->start) {
			started[k] = true;
			err = sides[k]->start(sides[k]);
		}
	}
	if (!err)
		err = run_samples(p);
	for (int k = 0; k < 2; k++) {
		int stopped = started[k] ? sides[k]->stop(sides[k]) : 0;

		err = err ?: stopped;
	}
	return err;
}

/* ---- The flip pair ---- */

/* One double-buffered display of a driver, shown through atomic commits on its primary node. */
struct flip {
	const char *driver;	/* for messages */
	int fd;
	uint32_t connector, crtc, plane;
	drmModeModeInfo mode;
	drmModeCrtcPtr saved;	/* the CRTC as found, put back by flip_stop() */
	uint32_t mode_blob, damage_blob;
	/* Property ids; damage_clips is 0 if the plane has none (then every flip is all damage). */
	uint32_t conn_crtc_id, mode_id, active, fb_id, crtc_id, src[4], dst[4], damage_clips;
	struct {
		uint32_t handle, pitch, fb;
		uint64_t size;
		char *map;
	} buf[2];
	unsigned int front;	/* the buffer shown */
	unsigned int frames;	/* flips made, for a new byte to write each time */
	bool flipped;		/* the event of the last commit came */
	double committed;	/* when the last commit was made */
	/* Every flip's commit-to-event time, the warm-up sample's first (see flip_latency()). */
	double latency[(MAX_SAMPLES + 1) * FLIPS];
	unsigned int nlatency;
};

/* The id of property @name of KMS object @id, 0 if it has none. */
static uint32_t prop_id(int fd, uint32_t id, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, id, type);
	uint32_t found = 0;

	for (uint32_t i = 0; props && i < props->count_props && !found; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd, props->props[i]);

		if (prop && !strcmp(prop->name, name))
			found = prop->prop_id;
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	return found;
}

/* Whether plane @id is a primary plane. */
static bool is_primary(int fd, uint32_t id)
{
	const uint32_t plane = DRM_MODE_OBJECT_PLANE;
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, id, plane);
	uint32_t type = prop_id(fd, id, plane, "type");
	bool primary = false;

	for (uint32_t i = 0; props && i < props->count_props; i++)
		if (props->props[i] == type)
			primary = props->prop_values[i] == DRM_PLANE_TYPE_PRIMARY;
	drmModeFreeObjectProperties(props);
	return primary;
}

/*
 * The first connected connector of @f's device that lists a FLIP_W x FLIP_H mode (at
 * FLIP_REFRESH if it lists several), a CRTC it can drive and that CRTC's primary plane. 0 or an
 * errno, said on stderr.
 */
static int flip_find(struct flip *f)
{
	drmModeResPtr res = drmModeGetResources(f->fd);
	drmModePlaneResPtr planes;
	int pipe = -1;

	if (!res) {
		fprintf(stderr, "nova_lite_bench: %s: no KMS resources: %m\n", f->driver);
		return errno;
	}
	for (int i = 0; i < res->count_connectors && pipe < 0; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(f->fd, res->connectors[i]);
		uint32_t crtcs = 0;
		int found = -1;

		for (int m = 0; c && c->connection == DRM_MODE_CONNECTED && m < c->count_modes; m++)
			if (c->modes[m].hdisplay == FLIP_W && c->modes[m].vdisplay == FLIP_H &&
			    (found < 0 || c->modes[m].vrefresh == FLIP_REFRESH))
				found = m;
		for (int e = 0; found >= 0 && e < c->count_encoders; e++) {
			drmModeEncoderPtr enc = drmModeGetEncoder(f->fd, c->encoders[e]);

			crtcs |= enc ? enc->possible_crtcs : 0;
			drmModeFreeEncoder(enc);
		}
		for (int k = 0; crtcs && k < res->count_crtcs && pipe < 0; k++) {
			if (crtcs & (1u << k)) {
				pipe = k;
				f->crtc = res->crtcs[k];
				f->connector = c->connector_id;
				f->mode = c->modes[found];
			}
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	if (pipe < 0) {
		fprintf(stderr, "nova_lite_bench: %s: no connected connector lists a %ux%u mode\n",
			f->driver, FLIP_W, FLIP_H);
		return ENOENT;
	}
	planes = drmModeGetPlaneResources(f->fd);
	for (uint32_t i = 0; planes && i < planes->count_planes && !f->plane; i++) {
		drmModePlanePtr plane = drmModeGetPlane(f->fd, planes->planes[i]);

		if (plane && (plane->possible_crtcs & (1u << pipe)) &&
		    is_primary(f->fd, plane->plane_id))
			f->plane = plane->plane_id;
		drmModeFreePlane(plane);
	}
	drmModeFreePlaneResources(planes);
	if (!f->plane) {
		fprintf(stderr, "nova_lite_bench: %s: no primary plane for CRTC %u\n", f->driver,
			f->crtc);
		return ENOENT;
	}
	return 0;
}

/* The property ids the commits need; 0 or ENOENT, said on stderr. */
static int flip_props(struct flip *f)
{
	static const char *const src[4] = { "SRC_X", "SRC_Y", "SRC_W", "SRC_H" };
	static const char *const dst[4] = { "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H" };
	const uint32_t plane = DRM_MODE_OBJECT_PLANE;
	bool all;

	f->conn_crtc_id = prop_id(f->fd, f->connector, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
	f->mode_id = prop_id(f->fd, f->crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	f->active = prop_id(f->fd, f->crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	f->fb_id = prop_id(f->fd, f->plane, plane, "FB_ID");
	f->crtc_id = prop_id(f->fd, f->plane, plane, "CRTC_ID");
	f->damage_clips = prop_id(f->fd, f->plane, plane, "FB_DAMAGE_CLIPS");
	all = f->conn_crtc_id && f->mode_id && f->active && f->fb_id && f->crtc_id;
	for (int i = 0; i < 4; i++) {
		f->src[i] = prop_id(f->fd, f->plane, plane, src[i]);
		f->dst[i] = prop_id(f->fd, f->plane, plane, dst[i]);
		all = all && f->src[i] && f->dst[i];
	}
	if (!all)
		fprintf(stderr, "nova_lite_bench: %s: an atomic property is missing\n", f->driver);
	return all ? 0 : ENOENT;
}

/* A dumb buffer of the mode's size, mapped, and a framebuffer of it: buffer @i of @f. */
static int flip_buffer(struct flip *f, unsigned int i)
{
	struct drm_mode_create_dumb d = { .width = FLIP_W, .height = FLIP_H, .bpp = 32 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	int err = xioctl(f->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);

	if (err)
		return err;
	f->buf[i].handle = d.handle;
	f->buf[i].pitch = d.pitch;
	f->buf[i].size = d.size;
	err = dumb_map(f->fd, d.handle, d.size, &f->buf[i].map);
	if (err)
		return err;
	handles[0] = d.handle;
	pitches[0] = d.pitch;
	return drmModeAddFB2(f->fd, FLIP_W, FLIP_H, DRM_FORMAT_XRGB8888, handles, pitches,
			     offsets, &f->buf[i].fb, 0) ? errno : 0;
}

/* Writes the whole of buffer @i through its mapping, with a byte that changes every frame. */
static void flip_write(struct flip *f, unsigned int i)
{
	memset(f->buf[i].map, f->frames++ & 0xff, f->buf[i].size);
}

static int atomic_commit(struct flip *f, drmModeAtomicReqPtr req, uint32_t flags)
{
	int err;

	if (!req)
		return ENOMEM;
	err = drmModeAtomicCommit(f->fd, req, flags, f) ? errno : 0;
	drmModeAtomicFree(req);
	return err;
}

/*
 * Makes the side's process DRM master of its primary node, finds the display, makes the two
 * buffers and sets the mode with the first one shown (blocking). 0 or an errno, said on stderr.
 */
static int flip_start(struct side *s)
{
	struct flip *f = s->flip;
	struct drm_mode_rect all = { .x2 = FLIP_W, .y2 = FLIP_H };
	drmModeAtomicReqPtr req;
	int err;

	f->fd = s->fd;
	/* The display is the bench's while the pair runs: no other client may hold it. */
	if (drmSetMaster(f->fd)) {
		fprintf(stderr, "nova_lite_bench: %s: cannot be DRM master (another client holds "
			"the display?): %m\n", f->driver);
		return errno;
	}
	if (drmSetClientCap(f->fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		fprintf(stderr, "nova_lite_bench: %s: no atomic modesetting: %m\n", f->driver);
		return errno;
	}
	err = flip_find(f) ?: flip_props(f);
	if (err)
		return err;
	/* Taken before anything changes: flip_stop() puts back only what it has. */
	f->saved = drmModeGetCrtc(f->fd, f->crtc);
	if (!f->saved ||
	    drmModeCreatePropertyBlob(f->fd, &f->mode, sizeof(f->mode), &f->mode_blob) ||
	    (f->damage_clips &&
	     drmModeCreatePropertyBlob(f->fd, &all, sizeof(all), &f->damage_blob))) {
		fprintf(stderr, "nova_lite_bench: %s: reading the CRTC, making blobs: %m\n",
			f->driver);
		return errno;
	}
	err = flip_buffer(f, 0) ?: flip_buffer(f, 1);
	if (err) {
		fprintf(stderr, "nova_lite_bench: %s: setting up the buffers: %s\n", f->driver,
			strerror(err));
		return err;
	}
	flip_write(f, 0);
	req = drmModeAtomicAlloc();
	drmModeAtomicAddProperty(req, f->connector, f->conn_crtc_id, f->crtc);
	drmModeAtomicAddProperty(req, f->crtc, f->mode_id, f->mode_blob);
	drmModeAtomicAddProperty(req, f->crtc, f->active, 1);
	drmModeAtomicAddProperty(req, f->plane, f->fb_id, f->buf[0].fb);
	drmModeAtomicAddProperty(req, f->plane, f->crtc_id, f->crtc);
	for (int i = 0; i < 4; i++) {
		/* The source rectangle is in 16.16 fixed point. */
		static const uint64_t src[4] = { 0, 0, (uint64_t)FLIP_W << 16,
						 (uint64_t)FLIP_H << 16 };
		static const uint64_t dst[4] = { 0, 0, FLIP_W, FLIP_H };

		drmModeAtomicAddProperty(req, f->plane, f->src[i], src[i]);
		drmModeAtomicAddProperty(req, f->plane, f->dst[i], dst[i]);
	}
	err = atomic_commit(f, req, DRM_MODE_ATOMIC_ALLOW_MODESET);
	if (err)
		fprintf(stderr, "nova_lite_bench: %s: setting %ux%u@%u: %s\n", f->driver, FLIP_W,
			FLIP_H, f->mode.vrefresh, strerror(err));
	f->front = 0;
	f->nlatency = 0;
	return err;
}

static void flip_done(int fd, unsigned int seq, unsigned int sec, unsigned int usec,
		      unsigned int crtc, void *data)
{
	struct flip *f = data;

	(void)fd, (void)seq, (void)sec, (void)usec, (void)crtc;
	f->flipped = true;
	if (f->nlatency < sizeof(f->latency) / sizeof(f->latency[0]))
		f->latency[f->nlatency++] = now_ns() - f->committed;
}

/*
 * One frame: the whole back buffer written, then flipped to with a nonblocking commit that
 * asks for the page-flip event (and says that all of it is damaged), and the event waited for.
 */
static int flip_frame(struct side *s)
{
	drmEventContext events = { .version = 3, .page_flip_handler2 = flip_done };
	struct flip *f = s->flip;
	unsigned int back = !f->front;
	drmModeAtomicReqPtr req;
	struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
	int err;

	flip_write(f, back);
	req = drmModeAtomicAlloc();
	drmModeAtomicAddProperty(req, f->plane, f->fb_id, f->buf[back].fb);
	if (f->damage_clips)
		drmModeAtomicAddProperty(req, f->plane, f->damage_clips, f->damage_blob);
	f->flipped = false;
	f->committed = now_ns();
	err = atomic_commit(f, req, DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT);
	while (!err && !f->flipped) {
		int n = poll(&pfd, 1, FLIP_TIMEOUT_MS);

		if (n < 0 && errno != EINTR)
			err = errno;
		else if (n == 0)
			err = ETIMEDOUT;
		else if (n > 0 && drmHandleEvent(f->fd, &events))
			err = EIO;
	}
	if (!err)
		f->front = back;
	return err;
}

/*
 * The dirty pairs: a DIRTYFB of the framebuffer flip_start() shows, with one clip of @w x @h
 * pixels at the top left. The DRM core makes it a blocking atomic commit of the plane with that
 * damage (drm_atomic_helper_dirtyfb), whose update transfers the rectangle and flushes it, and
 * which returns once the CRTC's next vblank has come.
 */
static int dirty_rect(struct side *s, unsigned short w, unsigned short h)
{
	struct flip *f = s->flip;
	drmModeClip clip = { .x1 = 0, .y1 = 0, .x2 = w, .y2 = h };

	return drmModeDirtyFB(f->fd, f->buf[f->front].fb, &clip, 1) ? errno : 0;
}

static int dirty_1m(struct side *s)
{
	return dirty_rect(s, XFER_W, XFER_H);
}

static int dirty_pixel(struct side *s)
{
	return dirty_rect(s, 1, 1);
}

/*
 * The end of a dirty pair's sample, untimed: the host's work waited for, then one DIRTYFB more,
 * which returns at a vblank, so that the next sample starts right after one (a sample of n
 * DIRTYFBs then spans n vblank periods, not n - 1 and part of one).
 */
static int nova_dirty_settle(struct side *s)
{
	s->handle = s->flip->buf[s->flip->front].handle;
	return nova_wait(s) ?: dirty_pixel(s);
}

static int virtgpu_dirty_settle(struct side *s)
{
	return virtgpu_create_wait(s) ?: dirty_pixel(s);
}

/*
 * A framebuffer of a new dumb buffer of RES_W x RES_H pixels, removed and its buffer destroyed:
 * the host resource made and freed through KMS (posted by both drivers: the sample's drain
 * waits for the host).
 */
static int dumb_fb(struct side *s)
{
	struct drm_mode_create_dumb d = { .width = RES_W, .height = RES_H, .bpp = 32 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 }, fb;
	int err = xioctl(s->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);

	if (err)
		return err;
	handles[0] = d.handle;
	pitches[0] = d.pitch;
	if (drmModeAddFB2(s->fd, RES_W, RES_H, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
			  &fb, 0))
		err = errno;
	else if (drmModeRmFB(s->fd, fb))
		err = errno;
	return dumb_destroy(s->fd, d.handle) ?: err;
}

/*
 * Undoes flip_start(), also one that failed half-way: puts the CRTC back as it was found (the
 * framebuffer it showed, or off if it showed none or that framebuffer is gone), then frees the
 * buffers. 0 or the first errno, said on stderr.
 */
static int flip_stop(struct side *s)
{
	struct flip *f = s->flip;
	drmModeCrtcPtr old = f->saved;
	bool shown = old && old->mode_valid && old->buffer_id;
	int err = 0;

	if (shown)
		err = drmModeSetCrtc(f->fd, f->crtc, old->buffer_id, old->x, old->y,
				     &f->connector, 1, &old->mode) ? errno : 0;
	if (old && (!shown || err == ENOENT)) {
		drmModeAtomicReqPtr req = drmModeAtomicAlloc();

		drmModeAtomicAddProperty(req, f->plane, f->fb_id, 0);
		drmModeAtomicAddProperty(req, f->plane, f->crtc_id, 0);
		drmModeAtomicAddProperty(req, f->connector, f->conn_crtc_id, 0);
		drmModeAtomicAddProperty(req, f->crtc, f->mode_id, 0);
		drmModeAtomicAddProperty(req, f->crtc, f->active, 0);
		err = atomic_commit(f, req, DRM_MODE_ATOMIC_ALLOW_MODESET);
	}
	if (err)
		fprintf(stderr, "nova_lite_bench: %s: putting the CRTC back: %s\n", f->driver,
			strerror(err));
	drmModeFreeCrtc(old);
	f->saved = NULL;
	for (int i = 0; i < 2; i++) {
		if (f->buf[i].fb && drmModeRmFB(f->fd, f->buf[i].fb))
			err = err ?: errno;
		if (f->buf[i].map)
			munmap(f->buf[i].map, f->buf[i].size);
		if (f->buf[i].handle)
			err = err ?: dumb_destroy(f->fd, f->buf[i].handle);
		memset(&f->buf[i], 0, sizeof(f->buf[i]));
	}
	if (f->damage_blob)
		drmModeDestroyPropertyBlob(f->fd, f->damage_blob);
	if (f->mode_blob)
		drmModeDestroyPropertyBlob(f->fd, f->mode_blob);
	f->damage_blob = f->mode_blob = 0;
	return err;
}

/*
 * The median commit-to-event time of @s's flips, in ns, without the warm-up: run_pair() gives
 * each side its warm-up sample first, @per flips. 0 if there is none.
 */
static double flip_latency(const struct side *s, unsigned int per)
{
	const struct flip *f = s->flip;
	unsigned int n = f->nlatency > per ? f->nlatency - per : 0;
	double v[sizeof(f->latency) / sizeof(f->latency[0])];

	if (!n)
		return 0;
	memcpy(v, f->latency + per, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_side(const struct pair *p, const struct side *s)
{
	struct stats st;

	if (s->fd < 0) {
		printf("    %-10s %-48s absent (driver not loaded)\n", s->label, s->what);
		return;
	}
	st = stats_of(s->ns, samples);
	printf("    %-10s %-48s %10.0f ns  (%.0f .. %.0f)", s->label, s->what, st.median, st.min,
	       st.max);
	if (p->unit && !strcmp(p->unit, "MiB"))
		printf("  %.0f MiB/s", 1e9 * p->per / st.median);
	else if (p->unit)
		printf("  %.0f ns/%s", st.median / p->per, p->unit);
	if (p->unit)
		printf(", %.0f faults/op", s->faults);
	if (s->flip && s->op == flip_frame)
		printf("  %.1f flips/s at %u Hz, commit to event %.0f us", 1e9 / st.median,
		       s->flip->mode.vrefresh, flip_latency(s, quick ? 3 : p->iterations) / 1e3);
	else if (s->flip)
		printf("  %.1f commits/s at %u Hz", 1e9 / st.median, s->flip->mode.vrefresh);
	printf(", cpu %.0f ns/op\n", s->cpu_ns);
}

static void json_side(FILE *f, const struct pair *p, const char *key, const struct side *s)
{
	struct stats st;

	if (s->fd < 0) {
		fprintf(f, "\"%s\": null", key);
		return;
	}
	st = stats_of(s->ns, samples);
	fprintf(f, "\"%s\": {\"what\": \"%s\", \"median_ns\": %.1f, \"min_ns\": %.1f, "
		"\"max_ns\": %.1f, \"minor_faults_per_op\": %.2f, \"cpu_ns_per_op\": %.1f, "
		"\"samples_ns\": [", key, s->what, st.median, st.min, st.max, s->faults, s->cpu_ns);
	for (unsigned int i = 0; i < samples; i++)
		fprintf(f, "%s%.1f", i ? ", " : "", s->ns[i]);
	fprintf(f, "]");
	if (s->flip && s->op == flip_frame)
		fprintf(f, ", \"flips_per_s\": %.2f, \"refresh_hz\": %u, "
			"\"commit_to_event_ns\": %.1f", 1e9 / st.median, s->flip->mode.vrefresh,
			flip_latency(s, quick ? 3 : p->iterations));
	else if (s->flip)
		fprintf(f, ", \"commits_per_s\": %.2f, \"refresh_hz\": %u", 1e9 / st.median,
			s->flip->mode.vrefresh);
	fprintf(f, "}");
}

static double ratio_of(const struct pair *p)
{
	if (p->nova.fd < 0 || p->ref.fd < 0)
		return -1;
	return stats_of(p->nova.ns, samples).median / stats_of(p->ref.ns, samples).median;
}

/* ---- Scaling ---- */

#define LEVELS 4

/* One file of one driver holding @objects objects of 4 KiB. -1: not measured. */
struct point {
	unsigned long objects;
	double create_s;	/* creating them, in all */
	double slab_kib, shmem_kib;	/* growth per object */
	double lookup_ns;	/* GEM_INFO of a random handle, median of the samples */
	double lookup_hot_ns;	/* GEM_INFO of the same handle again and again, median */
	double create_close_ns;	/* one more object created and closed, median */
	double close_ms;	/* close() of the file */
};

struct driver {
	const char *name;	/* "nova-lite" or "vgem" */
	const char *drm_name;
	int node;
	int (*create)(int fd, uint64_t size, uint32_t *handle);
	int (*destroy)(int fd, uint32_t handle);
	bool has_lookup;
	struct point pts[LEVELS];
};

/* The slab caches of /proc/slabinfo: name, objects in use, object size. */
#define MAX_CACHES 512
struct slabs {
	unsigned int n;
	struct {
		char name[64];
		unsigned long active, size;
	} c[MAX_CACHES];
};

static int slabinfo(struct slabs *sl)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];

	sl->n = 0;
	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f) && sl->n < MAX_CACHES) {
		unsigned long num;

		if (sscanf(line, "%63s %lu %lu %lu", sl->c[sl->n].name, &sl->c[sl->n].active, &num,
			   &sl->c[sl->n].size) == 4)
			sl->n++;
	}
	fclose(f);
	return 0;
}

/* Prints the caches of @after that grew by at least half an object per object since @before. */
static void print_slab_growth(const struct slabs *before, const struct slabs *after,
			      unsigned long objects)
{
	for (unsigned int i = 0; i < after->n; i++) {
		for (unsigned int j = 0; j < before->n; j++) {
			double per;

			if (strcmp(after->c[i].name, before->c[j].name))
				continue;
			per = ((double)after->c[i].active - before->c[j].active) / objects;
			if (per >= 0.5)
				printf(" %s %.2fx%lu B", after->c[i].name, per, after->c[i].size);
			break;
		}
	}
}

/* Slab and Shmem of /proc/meminfo, in KiB. */
static int meminfo(double *slab, double *shmem)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long v;
	int found = 0;

	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %lu kB", &v) == 1) {
			*slab = v;
			found++;
		} else if (sscanf(line, "Shmem: %lu kB", &v) == 1) {
			*shmem = v;
			found++;
		}
	}
	fclose(f);
	return found == 2 ? 0 : ENOENT;
}

/*
 * The median time of one operation over samples: GEM_INFO (@lookup) of handles of @h (random
 * ones, or always the first if @nh is 1), or the create + close of one more object.
 */
static int time_ops(struct driver *d, int fd, const uint32_t *h, unsigned long nh, bool lookup,
		    double *median)
{
	unsigned int n = quick ? 3 : 5, ops = quick ? 20 : 2000;
	double ns[MAX_SAMPLES], start;
	uint32_t rnd = 12345, t;
	int err = 0;

	for (unsigned int k = 0; k < n; k++) {
		start = now_ns();
		for (unsigned int i = 0; i < ops && !err; i++) {
			if (lookup) {
				struct side s = { .fd = fd };

				rnd = rnd * 1103515245 + 12345;
				s.handle = h[(rnd >> 8) % nh];
				err = nova_gem_info(&s);
			} else {
				err = d->create(fd, PAGE, &t) ?: d->destroy(fd, t);
			}
		}
		if (err)
			return err;
		ns[k] = (now_ns() - start) / ops;
	}
	*median = stats_of(ns, n).median;
	return 0;
}

static struct slabs slabs_before, slabs_after;

/*
 * Measures @d with @objects live objects in a new file into @pt; with @breakdown, also prints
 * which slab caches the objects grew (/proc/slabinfo, readable by root only, if the kernel has
 * it). 0 or an errno.
 */
static int scale_point(struct driver *d, unsigned long objects, struct point *pt, bool breakdown)
{
	double slab0, shmem0, slab1, shmem1, start;
	uint32_t *h = calloc(objects, sizeof(*h));
	int fd, err;

	*pt = (struct point){ .objects = objects, .lookup_ns = -1, .lookup_hot_ns = -1 };
	if (!h)
		return ENOMEM;
	fd = nlt_open_driver_node(d->drm_name, d->node, NULL);
	if (fd < 0) {
		free(h);
		return -fd;
	}
	/* What the last file freed is freed after an RCU grace period: let it settle. */
	if (!quick)
		sleep(1);
	err = meminfo(&slab0, &shmem0);
	/* Without CONFIG_SLUB_DEBUG there is no /proc/slabinfo: no breakdown then. */
	if (!err && breakdown && slabinfo(&slabs_before))
		breakdown = false;
	start = now_ns();
	for (unsigned long i = 0; i < objects && !err; i++)
		err = d->create(fd, PAGE, &h[i]);
	pt->create_s = (now_ns() - start) / 1e9;
	if (!err)
		err = meminfo(&slab1, &shmem1);
	if (!err && breakdown && !slabinfo(&slabs_after)) {
		printf("    %-10s slab caches grown, per object:", d->name);
		print_slab_growth(&slabs_before, &slabs_after, objects);
		printf("\n");
	}
	if (!err) {
		pt->slab_kib = (slab1 - slab0) / objects;
		pt->shmem_kib = (shmem1 - shmem0) / objects;
	}
	if (!err && d->has_lookup)
		err = time_ops(d, fd, h, objects, true, &pt->lookup_ns) ?:
		      time_ops(d, fd, h, 1, true, &pt->lookup_hot_ns);
	if (!err)
		err = time_ops(d, fd, h, objects, false, &pt->create_close_ns);
	start = now_ns();
	close(fd);
	pt->close_ms = (now_ns() - start) / 1e6;
	free(h);
	return err;
}

static void print_point(const struct driver *d, const struct point *pt)
{
	char lookup[32] = "-";

	if (pt->lookup_ns >= 0)
		snprintf(lookup, sizeof(lookup), "%.0f/%.0f ns", pt->lookup_ns, pt->lookup_hot_ns);
	printf("    %-10s %8lu %9.2f s %16s %9.0f ns %8.2f KiB %6.2f KiB %9.1f ms\n", d->name,
	       pt->objects, pt->create_s, lookup, pt->create_close_ns, pt->slab_kib,
	       pt->shmem_kib, pt->close_ms);
	fflush(stdout);
}

static void print_goal(const char *what, double ratio, double goal)
{
	printf("    %-52s %6.3f   goal <= %.2f: %s\n", what, ratio, goal,
	       ratio <= goal ? "met" : "missed");
}

/* Runs the scaling section over @levels; nothing is measured for an absent driver. */
static int run_scaling(struct driver *drv, unsigned int ndrv, const unsigned long *levels)
{
	int err;

	printf("scaling: live objects of 4 KiB in one new file\n"
	       "    %-10s %8s %11s %16s %12s %12s %10s %12s\n", "driver", "objects", "create all",
	       "lookup rand/hot", "create+close", "slab/object", "shmem", "close file");
	for (unsigned int l = 0; l < LEVELS; l++) {
		for (unsigned int k = 0; k < ndrv; k++) {
			/* The order swaps every level, as for the pairs. */
			struct driver *d = &drv[l % 2 ? ndrv - 1 - k : k];

			err = scale_point(d, levels[l], &d->pts[l], l == 1);
			if (err) {
				fprintf(stderr, "nova_lite_bench: %s, %lu objects: %s\n", d->name,
					levels[l], strerror(err));
				return err;
			}
			print_point(d, &d->pts[l]);
		}
	}
	return 0;
}

static double slab_ratio(const struct driver *drv)
{
	return drv[0].pts[LEVELS - 1].slab_kib / drv[1].pts[LEVELS - 1].slab_kib;
}

static void json_points(FILE *f, const struct driver *d)
{
	fprintf(f, "\"%s\": [", d->name);
	for (unsigned int l = 0; l < LEVELS; l++) {
		const struct point *pt = &d->pts[l];

		fprintf(f, "%s{\"objects\": %lu, \"create_all_s\": %.3f, \"slab_kib_per_object\": "
			"%.4f, \"shmem_kib_per_object\": %.4f, \"lookup_ns\": ", l ? ", " : "",
			pt->objects, pt->create_s, pt->slab_kib, pt->shmem_kib);
		if (pt->lookup_ns < 0)
			fprintf(f, "null, \"lookup_hot_ns\": null");
		else
			fprintf(f, "%.1f, \"lookup_hot_ns\": %.1f", pt->lookup_ns, pt->lookup_hot_ns);
		fprintf(f, ", \"create_close_ns\": %.1f, \"close_file_ms\": %.2f}",
			pt->create_close_ns, pt->close_ms);
	}
	fprintf(f, "]");
}

int main(int argc, char **argv)
{
	static const unsigned long full_levels[LEVELS] = { 1000, 10000, 100000, 1000000 };
	static const unsigned long quick_levels[LEVELS] = { 10, 30, 100, 300 };
	struct drm_nova_lite_resource_create xres = {
		.format = DRM_FORMAT_XRGB8888, .width = XFER_W, .height = XFER_H,
	};
	uint32_t probe, vg_xfer = 0;
	char *nova_map_buf = NULL, *vgem_map_buf = NULL, *anon_map;
	const char *json = NULL, *only = NULL;
	bool require_refs = false;
	static struct flip nova_flip = { .driver = NLT_DRIVER_NAME };
	static struct flip virtgpu_flip = { .driver = "virtio_gpu" };
	struct nlt_node_search search;
	int nova, nova_card, vgem, virtgpu, virtgpu_card, err = 0;
	char why[384];
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			samples = 3;
			quick = true;
		} else if (!strcmp(argv[i], "--require-references")) {
			require_refs = true;
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else {
			fprintf(stderr, "usage: nova_lite_bench [--quick] [--require-references] "
				"[--json FILE] [--only PAIR,...]\n");
			return 2;
		}
	}
	nova = nlt_open_driver_node(NLT_DRIVER_NAME, DRM_NODE_RENDER, &search);
	if (nova < 0) {
		fprintf(stderr, "nova_lite_bench: %s\n", nlt_node_search_describe(&search,
			NLT_DRIVER_NAME, DRM_NODE_RENDER, why, sizeof(why)));
		return 1;
	}
	/* The display is the primary node's. */
	nova_card = nlt_open_driver_node(NLT_DRIVER_NAME, DRM_NODE_PRIMARY, &search);
	if (nova_card < 0) {
		fprintf(stderr, "nova_lite_bench: %s\n", nlt_node_search_describe(&search,
			NLT_DRIVER_NAME, DRM_NODE_PRIMARY, why, sizeof(why)));
		return 1;
	}
	/* Dumb buffers are the primary node's. */
	vgem = nlt_open_driver_node("vgem", DRM_NODE_PRIMARY, &search);
	if (require_refs && vgem < 0) {
		fprintf(stderr, "nova_lite_bench: %s\n", nlt_node_search_describe(&search, "vgem",
			DRM_NODE_PRIMARY, why, sizeof(why)));
		return 1;
	}
	virtgpu = nlt_open_driver_node("virtio_gpu", DRM_NODE_RENDER, &search);
	if (require_refs && virtgpu < 0) {
		fprintf(stderr, "nova_lite_bench: %s\n", nlt_node_search_describe(&search,
			"virtio_gpu", DRM_NODE_RENDER, why, sizeof(why)));
		return 1;
	}
	virtgpu_card = nlt_open_driver_node("virtio_gpu", DRM_NODE_PRIMARY, &search);
	if (require_refs && virtgpu_card < 0) {
		fprintf(stderr, "nova_lite_bench: %s\n", nlt_node_search_describe(&search,
			"virtio_gpu", DRM_NODE_PRIMARY, why, sizeof(why)));
		return 1;
	}

	/* What the pairs use, alive for the whole run: */
	anon_map = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon_map == MAP_FAILED) {
		fprintf(stderr, "nova_lite_bench: out of memory\n");
		return 1;
	}
	touch(anon_map, MAP_SIZE);
	/* the object GEM_INFO looks up, */
	err = nova_create(nova, PAGE, &probe);
	/* a resource of XFER_W x XFER_H pixels to transfer, */
	err = err ?: nova_create(nova, XFER_W * XFER_H * 4, &xres.handle);
	err = err ?: xioctl(nova, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &xres);
	if (!err && virtgpu >= 0)
		err = virtgpu_create(virtgpu, XFER_W, XFER_H, &vg_xfer);
	/* and a mapping of 4 MiB of each driver, written by the write pairs. */
	if (!err) {
		uint32_t h;

		err = nova_create(nova, MAP_SIZE, &h) ?: nova_map(nova, h, MAP_SIZE, &nova_map_buf);
		if (!err)
			touch(nova_map_buf, MAP_SIZE);
	}
	if (!err && vgem >= 0) {
		uint32_t h;

		err = dumb_create(vgem, MAP_SIZE, &h) ?: dumb_map(vgem, h, MAP_SIZE, &vgem_map_buf);
		if (!err)
			touch(vgem_map_buf, MAP_SIZE);
	}
	if (err) {
		fprintf(stderr, "nova_lite_bench: setting up: %s\n", strerror(err));
		return 1;
	}

#define NOVA(w, o, ...) { .label = "nova-lite", .what = w, .fd = nova, .op = o, __VA_ARGS__ }
#define REF(w, f, o, ...) { .label = "reference", .what = w, .fd = f, .op = o, __VA_ARGS__ }
	struct pair pairs[] = {
		{ .name = "create-close-4k", .goal = 1.0, .iterations = 2000,
		  .nova = NOVA("GEM_CREATE + GEM_CLOSE, 4 KiB", nova_create_close, .size = PAGE),
		  .ref = REF("vgem: CREATE_DUMB + DESTROY_DUMB, 4 KiB", vgem, dumb_create_close,
			     .size = PAGE) },
		{ .name = "create-close-1m", .goal = 1.0, .iterations = 2000,
		  .nova = NOVA("GEM_CREATE + GEM_CLOSE, 1 MiB", nova_create_close, .size = 1 << 20),
		  .ref = REF("vgem: CREATE_DUMB + DESTROY_DUMB, 1 MiB", vgem, dumb_create_close,
			     .size = 1 << 20) },
		{ .name = "lookup", .goal = 1.1, .iterations = 20000,
		  .nova = NOVA("GEM_INFO", nova_gem_info, .handle = probe),
		  .ref = REF("GET_CAP (the floor: an ioctl)", nova, get_cap) },
		{ .name = "ioctl", .iterations = 20000,
		  .nova = NOVA("GETPARAM (a driver ioctl, no lookup)", nova_getparam),
		  .ref = REF("GET_CAP", nova, get_cap) },
		{ .name = "lookup-c", .iterations = 20000,
		  .nova = { .label = "virtio_gpu", .what = "RESOURCE_INFO (the C driver's lookup)",
			    .fd = virtgpu, .op = virtgpu_resource_info, .handle = vg_xfer },
		  .ref = REF("virtio_gpu: GET_CAP", virtgpu, get_cap) },
		{ .name = "resource", .goal = 1.0, .iterations = 500,
		  .nova = NOVA("GEM_CREATE + RESOURCE_CREATE + GEM_CLOSE", nova_resource,
			       .drain = nova_roundtrip),
		  .ref = REF("virtio_gpu: RESOURCE_CREATE + GEM_CLOSE", virtgpu, virtgpu_resource,
			     .drain = virtgpu_create_wait) },
		{ .name = "roundtrip", .goal = 1.0, .iterations = 1000,
		  .nova = NOVA("QUERY display info (GET_DISPLAY_INFO)", nova_roundtrip),
		  .ref = REF("virtio_gpu: RESOURCE_CREATE + WAIT + CLOSE", virtgpu,
			     virtgpu_create_wait) },
		{ .name = "transfer-1m", .goal = 1.0, .iterations = 300,
		  .nova = NOVA("TRANSFER_TO_HOST, 512x512, untimed WAIT after", nova_transfer,
			       .handle = xres.handle, .settle = nova_wait),
		  .ref = REF("virtio_gpu: TRANSFER_TO_HOST, untimed wait after", virtgpu,
			     virtgpu_transfer, .handle = vg_xfer, .settle = virtgpu_create_wait) },
		{ .name = "transfer-pixel", .iterations = 300,
		  .nova = NOVA("TRANSFER_TO_HOST, 1x1, untimed WAIT after", nova_transfer_pixel,
			       .handle = xres.handle, .settle = nova_wait),
		  .ref = REF("virtio_gpu: TRANSFER_TO_HOST, 1x1, untimed wait after", virtgpu,
			     virtgpu_transfer_pixel, .handle = vg_xfer,
			     .settle = virtgpu_create_wait) },
		{ .name = "transfer-1000", .goal = 1.0, .iterations = 1000,
		  .nova = NOVA("1000 TRANSFER_TO_HOST + WAIT", nova_transfer,
			       .handle = xres.handle, .drain = nova_wait),
		  .ref = REF("virtio_gpu: 1000 TRANSFER_TO_HOST + CREATE+WAIT", virtgpu,
			     virtgpu_transfer, .handle = vg_xfer, .drain = virtgpu_create_wait) },
		{ .name = "flip-1024x768", .goal = 1.0, .iterations = FLIPS,
		  .nova = { .label = "nova-lite", .fd = nova_card, .op = flip_frame,
			    .what = "write 3 MiB, atomic flip (all damage), event",
			    .start = flip_start, .stop = flip_stop, .flip = &nova_flip },
		  .ref = REF("virtio_gpu: the same", virtgpu_card, flip_frame, .start = flip_start,
			     .stop = flip_stop, .flip = &virtgpu_flip) },
		{ .name = "dumb-fb-64x64", .goal = 1.0, .iterations = 500,
		  .nova = { .label = "nova-lite", .fd = nova_card, .op = dumb_fb,
			    .what = "CREATE_DUMB + ADDFB2 + RMFB + DESTROY_DUMB", .drain = nova_roundtrip },
		  .ref = REF("virtio_gpu: the same, then CREATE+WAIT", virtgpu_card, dumb_fb,
			     .drain = virtgpu_create_wait) },
		{ .name = "dirty-1m", .goal = 1.0, .iterations = DIRTIES,
		  .nova = { .label = "nova-lite", .fd = nova_card, .op = dirty_1m,
			    .what = "DIRTYFB 512x512 of the shown fb (vblank)",
			    .start = flip_start, .stop = flip_stop, .flip = &nova_flip,
			    .settle = nova_dirty_settle },
		  .ref = REF("virtio_gpu: the same", virtgpu_card, dirty_1m, .start = flip_start,
			     .stop = flip_stop, .flip = &virtgpu_flip, .settle = virtgpu_dirty_settle) },
		{ .name = "dirty-pixel", .iterations = DIRTIES,
		  .nova = { .label = "nova-lite", .fd = nova_card, .op = dirty_pixel,
			    .what = "DIRTYFB 1x1 of the shown fb (vblank)",
			    .start = flip_start, .stop = flip_stop, .flip = &nova_flip,
			    .settle = nova_dirty_settle },
		  .ref = REF("virtio_gpu: the same", virtgpu_card, dirty_pixel, .start = flip_start,
			     .stop = flip_stop, .flip = &virtgpu_flip, .settle = virtgpu_dirty_settle) },
		{ .name = "fault-vgem", .iterations = 40, .per = MAP_SIZE / PAGE, .unit = "page",
		  .nova = NOVA("create, map, touch 4 MiB, unmap, close", nova_fault,
			       .size = MAP_SIZE),
		  .ref = REF("vgem: the same", vgem, dumb_fault, .size = MAP_SIZE) },
		{ .name = "fault-anon", .iterations = 40, .per = MAP_SIZE / PAGE, .unit = "page",
		  .nova = NOVA("create, map, touch 4 MiB, unmap, close", nova_fault,
			       .size = MAP_SIZE),
		  .ref = REF("anonymous memory: map, touch, unmap (floor)", ANON, anon_fault,
			     .size = MAP_SIZE) },
		{ .name = "write-vgem", .iterations = 100, .per = MAP_SIZE >> 20, .unit = "MiB",
		  .nova = NOVA("memset of a 4 MiB mapping", write_map, .map = nova_map_buf),
		  .ref = REF("vgem: the same", vgem, write_map, .map = vgem_map_buf) },
		{ .name = "write-anon", .iterations = 100, .per = MAP_SIZE >> 20, .unit = "MiB",
		  .nova = NOVA("memset of a 4 MiB mapping", write_map, .map = nova_map_buf),
		  .ref = REF("anonymous memory: the same (floor)", ANON, write_map, .map = anon_map) },
	};
#undef NOVA
#undef REF
	const unsigned int npairs = sizeof(pairs) / sizeof(pairs[0]);

	/* Every name of --only must be a pair's: a typo must not run nothing and succeed. */
	for (const char *p = only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		size_t n = strcspn(p, ",");
		bool found = false;

		for (unsigned int i = 0; i < npairs && !found; i++)
			found = strlen(pairs[i].name) == n && !strncmp(p, pairs[i].name, n);
		if (!found) {
			fprintf(stderr, "nova_lite_bench: --only: no pair named '%.*s'\n", (int)n, p);
			return 2;
		}
	}
	struct driver drv[] = {
		{ .name = "nova-lite", .drm_name = "nova-lite", .node = DRM_NODE_RENDER,
		  .create = nova_create, .destroy = gem_close, .has_lookup = true },
		{ .name = "vgem", .drm_name = "vgem", .node = DRM_NODE_PRIMARY,
		  .create = dumb_create, .destroy = dumb_destroy },
	};
	const unsigned int ndrv = vgem < 0 ? 1 : 2;
	const unsigned long *levels = quick ? quick_levels : full_levels;

	printf("nova_lite_bench: %u samples of each side, after a warm-up; "
	       "ratio = nova-lite's median / the reference's\n", samples);
	for (unsigned int i = 0; i < npairs && !err; i++) {
		struct pair *p = &pairs[i];
		double r;

		if (only && !listed(only, p->name))
			continue;
		err = run_pair(p);
		if (err)
			break;
		printf("%s (%u operations a sample)\n", p->name, quick ? 3 : p->iterations);
		print_side(p, &p->nova);
		print_side(p, &p->ref);
		r = ratio_of(p);
		if (r < 0)
			printf("    ratio      not measured (a driver is absent)\n");
		else if (!p->goal)
			printf("    ratio      %.2f   (diagnostic, no goal)\n", r);
		else if (p->nova.flip && fabs(r - 1) <= 1.0 / p->iterations)
			/* Both capped by the vblank: a sample's ops span its periods, give or take one. */
			printf("    ratio      %.2f   goal <= %.2f: a tie at the cap (within one "
			       "vblank a sample)\n", r, p->goal);
		else
			printf("    ratio      %.2f   goal <= %.2f: %s\n", r, p->goal,
			       r <= p->goal ? "met" : "missed");
		if (p->nova.flip && p->nova.op == flip_frame)
			printf("    note       a flip ends at a vblank: both sides are capped at "
			       "the refresh rate, 1.00 is a tie at the cap; the commit-to-event "
			       "time and the cpu time tell them apart below it\n");
		else if (p->nova.flip)
			printf("    note       a DIRTYFB's commit ends at a vblank: both sides are "
			       "capped at the refresh rate, 1.00 is a tie at the cap; the cpu time "
			       "tells them apart below it\n");
		fflush(stdout);
	}
	if (err)
		return 1;
	/* A run of some pairs: no scaling, no JSON. */
	if (only)
		return 0;

	if (run_scaling(drv, ndrv, levels))
		return 1;
	printf("scaling goals\n");
	print_goal("nova-lite lookup, most objects / fewest", drv[0].pts[LEVELS - 1].lookup_ns /
		   drv[0].pts[0].lookup_ns, 1.5);
	print_goal("nova-lite create+close, most objects / fewest",
		   drv[0].pts[LEVELS - 1].create_close_ns / drv[0].pts[0].create_close_ns, 1.5);
	if (ndrv == 2)
		print_goal("kernel memory per object (slab), nova-lite / vgem", slab_ratio(drv),
			   1.0);

	if (json) {
		f = fopen(json, "w");
		if (!f) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"samples\": %u, \"quick\": %s, \"pairs\": [\n", samples,
			quick ? "true" : "false");
		for (unsigned int i = 0; i < npairs; i++) {
			const struct pair *p = &pairs[i];
			double r = ratio_of(p);

			fprintf(f, "  {\"name\": \"%s\", \"iterations\": %u, \"goal_max_ratio\": ",
				p->name, quick ? 3 : p->iterations);
			if (p->goal)
				fprintf(f, "%.2f, ", p->goal);
			else
				fprintf(f, "null, ");
			json_side(f, p, "nova_lite", &p->nova);
			fprintf(f, ", ");
			json_side(f, p, "reference", &p->ref);
			if (r < 0)
				fprintf(f, ", \"ratio\": null}");
			else
				fprintf(f, ", \"ratio\": %.4f}", r);
			fprintf(f, "%s\n", i + 1 < npairs ? "," : "");
		}
		fprintf(f, "], \"scaling\": {");
		for (unsigned int k = 0; k < ndrv; k++) {
			fprintf(f, "%s", k ? ", " : "");
			json_points(f, &drv[k]);
		}
		fprintf(f, "}}\n");
		if (fclose(f)) {
			perror(json);
			return 1;
		}
	}
	return 0;
}
