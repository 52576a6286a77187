// SPDX-License-Identifier: MIT
/*
 * nova_lite_bench: nova-lite against the C drivers on the same work, in one
 * boot (`make bench`, ci/guest/bench.sh).
 *
 * Each pair runs nova-lite's operation and a reference's side by side: a
 * warm-up sample of each, then SAMPLES samples of each, interleaved (the
 * order swaps every sample, so that a drift of the machine hits both alike).
 * A sample times ITERATIONS operations with CLOCK_MONOTONIC and gives the
 * time of one. The report gives, for each side, the median and the spread
 * (lowest and highest sample), and the ratio of the medians:
 *
 *     ratio = nova-lite's median time / the reference's median time
 *
 * below 1.00 nova-lite is faster. The goal of each pair is printed beside its
 * ratio; a benchmark reports, it does not fail: the exit status is 0 whenever
 * every operation succeeded, whatever the ratios.
 *
 * Pairs measured (references: vgem, the DRM core, virtio_gpu):
 *   create-close-4k    GEM_CREATE + GEM_CLOSE of 4 KiB  vs vgem's dumb create + close of 4 KiB
 *   create-close-1m    the same, 1 MiB                   vs vgem, 1 MiB
 *   lookup             GEM_INFO of a handle              vs GET_CAP on the same fd (the floor
 *                                                          of an ioctl)
 *   resource           GEM_CREATE + RESOURCE_CREATE      vs virtio_gpu's RESOURCE_CREATE (2D)
 *                      + GEM_CLOSE, 64x64 B8G8R8X8          + GEM_CLOSE, the same (the other
 *                                                          virtio-gpu device of the VM)
 * A reference whose driver is not there is reported as absent, never guessed.
 *
 * Usage: nova_lite_bench [--quick] [--require-references] [--json FILE]
 *   --quick      3 samples of 20 operations (make check runs it so that it cannot rot;
 *                its figures mean nothing)
 *   --require-references
 *                fails (exit status 1) unless vgem and virtio_gpu are there (make bench)
 *   --json FILE  also writes the results as JSON
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include <virtgpu_drm.h>

#include "nova_lite_drm.h"

#define MAX_SAMPLES 15

/* One side of a pair: an operation on a file, repeated by sample(). */
struct side {
	const char *what;
	int fd;			/* -1: the driver is not there */
	int (*op)(struct side *s);
	uint64_t size;		/* create-close: bytes */
	uint32_t handle;	/* lookup: the handle looked up */
	double ns[MAX_SAMPLES];	/* per operation, one per sample */
};

struct pair {
	const char *name;
	double goal;		/* the ratio aimed at: at most this */
	struct side nova, ref;
};

static unsigned int samples = 7, iterations = 2000;

/* ioctl() that restarts on EINTR and EAGAIN, as libdrm's drmIoctl(); 0 or an errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? errno : 0;
}

static int nova_create_close(struct side *s)
{
	struct drm_nova_lite_gem_create c = { .size = s->size };
	struct drm_gem_close cl = { 0 };
	int err = xioctl(s->fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &c);

	if (err)
		return err;
	cl.handle = c.handle;
	return xioctl(s->fd, DRM_IOCTL_GEM_CLOSE, &cl);
}

/* A dumb buffer of s->size bytes: 32 bpp, 1024 bytes a row. */
static int dumb_create_close(struct side *s)
{
	struct drm_mode_create_dumb d = { .width = 256, .height = s->size / 1024, .bpp = 32 };
	struct drm_mode_destroy_dumb x = { 0 };
	int err = xioctl(s->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);

	if (err)
		return err;
	x.handle = d.handle;
	return xioctl(s->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &x);
}

static int nova_gem_info(struct side *s)
{
	struct drm_nova_lite_gem_info i = { .handle = s->handle };

	return xioctl(s->fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &i);
}

static int get_cap(struct side *s)
{
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME };

	return xioctl(s->fd, DRM_IOCTL_GET_CAP, &c);
}

#define RES_W 64
#define RES_H 64

/* A 2D host resource of RES_W x RES_H pixels made of a new object, then the object closed. */
static int nova_resource(struct side *s)
{
	struct drm_nova_lite_gem_create c = { .size = RES_W * RES_H * 4 };
	struct drm_nova_lite_resource_create r = {
		.format = NOVA_LITE_FORMAT_B8G8R8X8_UNORM, .width = RES_W, .height = RES_H,
	};
	struct drm_gem_close cl = { 0 };
	int err = xioctl(s->fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &c);

	if (err)
		return err;
	r.handle = c.handle;
	err = xioctl(s->fd, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &r);
	cl.handle = c.handle;
	return xioctl(s->fd, DRM_IOCTL_GEM_CLOSE, &cl) ?: err;
}

/* virtio_gpu's 2D resource of the same size and format (2: B8G8R8X8_UNORM, target 2: 2D). */
static int virtgpu_resource(struct side *s)
{
	struct drm_virtgpu_resource_create r = {
		.target = 2, .format = 2, .width = RES_W, .height = RES_H, .depth = 1,
		.array_size = 1, .size = RES_W * RES_H * 4, .stride = RES_W * 4,
	};
	struct drm_gem_close cl = { 0 };
	int err = xioctl(s->fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, &r);

	if (err)
		return err;
	cl.handle = r.bo_handle;
	return xioctl(s->fd, DRM_IOCTL_GEM_CLOSE, &cl);
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* Times @iterations operations of @s; the time of one in ns, or a negative errno. */
static double sample(struct side *s)
{
	double start = now_ns();
	int err;

	for (unsigned int i = 0; i < iterations; i++) {
		err = s->op(s);
		if (err) {
			fprintf(stderr, "nova_lite_bench: %s: %s\n", s->what, strerror(err));
			return -err;
		}
	}
	return (now_ns() - start) / iterations;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stats {
	double median, min, max;
};

static struct stats stats_of(const double *ns)
{
	double v[MAX_SAMPLES];
	struct stats st;

	memcpy(v, ns, samples * sizeof(*v));
	qsort(v, samples, sizeof(*v), cmp_double);
	st.median = samples % 2 ? v[samples / 2] : (v[samples / 2 - 1] + v[samples / 2]) / 2;
	st.min = v[0];
	st.max = v[samples - 1];
	return st;
}

/* Runs @p: a warm-up sample of each side, then the samples, interleaved. 0 or an errno. */
static int run_pair(struct pair *p)
{
	struct side *first, *second;
	double t;

	for (unsigned int i = 0; i <= samples; i++) {
		/* The order swaps every sample; sample 0 is the warm-up, not kept. */
		first = i % 2 ? &p->ref : &p->nova;
		second = i % 2 ? &p->nova : &p->ref;
		for (int k = 0; k < 2; k++) {
			struct side *s = k ? second : first;

			if (s->fd < 0)
				continue;
			t = sample(s);
			if (t < 0)
				return (int)-t;
			if (i)
				s->ns[i - 1] = t;
		}
	}
	return 0;
}

static void print_side(const char *label, const struct side *s)
{
	struct stats st;

	if (s->fd < 0) {
		printf("    %-9s %-44s absent (driver not loaded)\n", label, s->what);
		return;
	}
	st = stats_of(s->ns);
	printf("    %-9s %-44s %10.0f ns  (%.0f .. %.0f)\n", label, s->what, st.median, st.min,
	       st.max);
}

static void json_side(FILE *f, const char *key, const struct side *s)
{
	struct stats st;

	if (s->fd < 0) {
		fprintf(f, "\"%s\": null", key);
		return;
	}
	st = stats_of(s->ns);
	fprintf(f, "\"%s\": {\"what\": \"%s\", \"median_ns\": %.1f, \"min_ns\": %.1f, "
		"\"max_ns\": %.1f, \"samples_ns\": [", key, s->what, st.median, st.min, st.max);
	for (unsigned int i = 0; i < samples; i++)
		fprintf(f, "%s%.1f", i ? ", " : "", s->ns[i]);
	fprintf(f, "]}");
}

static double ratio_of(const struct pair *p)
{
	if (p->nova.fd < 0 || p->ref.fd < 0)
		return -1;
	return stats_of(p->nova.ns).median / stats_of(p->ref.ns).median;
}

int main(int argc, char **argv)
{
	struct drm_nova_lite_gem_create probe = { .size = 4096 };
	const char *json = NULL;
	bool require_refs = false;
	int nova, vgem, virtgpu, err = 0;
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			samples = 3;
			iterations = 20;
		} else if (!strcmp(argv[i], "--require-references")) {
			require_refs = true;
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else {
			fprintf(stderr, "usage: nova_lite_bench [--quick] [--require-references] "
				"[--json FILE]\n");
			return 2;
		}
	}
	nova = drmOpenWithType("nova-lite", NULL, DRM_NODE_RENDER);
	if (nova < 0) {
		fprintf(stderr, "nova_lite_bench: no nova-lite render node\n");
		return 1;
	}
	/* Dumb buffers are the primary node's. */
	vgem = drmOpenWithType("vgem", NULL, DRM_NODE_PRIMARY);
	virtgpu = drmOpenWithType("virtio_gpu", NULL, DRM_NODE_RENDER);
	if (require_refs && (vgem < 0 || virtgpu < 0)) {
		fprintf(stderr, "nova_lite_bench: no %s node\n", vgem < 0 ? "vgem" : "virtio_gpu");
		return 1;
	}
	/* The object GEM_INFO looks up, alive for the whole run. */
	err = xioctl(nova, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &probe);
	if (err) {
		fprintf(stderr, "nova_lite_bench: GEM_CREATE: %s\n", strerror(err));
		return 1;
	}

	struct pair pairs[] = {
		{ .name = "create-close-4k", .goal = 1.0,
		  .nova = { .what = "GEM_CREATE + GEM_CLOSE, 4 KiB", .fd = nova,
			    .op = nova_create_close, .size = 4096 },
		  .ref = { .what = "vgem: CREATE_DUMB + DESTROY_DUMB, 4 KiB", .fd = vgem,
			   .op = dumb_create_close, .size = 4096 } },
		{ .name = "create-close-1m", .goal = 1.0,
		  .nova = { .what = "GEM_CREATE + GEM_CLOSE, 1 MiB", .fd = nova,
			    .op = nova_create_close, .size = 1 << 20 },
		  .ref = { .what = "vgem: CREATE_DUMB + DESTROY_DUMB, 1 MiB", .fd = vgem,
			   .op = dumb_create_close, .size = 1 << 20 } },
		{ .name = "lookup", .goal = 1.1,
		  .nova = { .what = "GEM_INFO", .fd = nova, .op = nova_gem_info,
			    .handle = probe.handle },
		  .ref = { .what = "GET_CAP (the floor: an ioctl)", .fd = nova, .op = get_cap } },
		{ .name = "resource", .goal = 1.0,
		  .nova = { .what = "GEM_CREATE + RESOURCE_CREATE + GEM_CLOSE", .fd = nova,
			    .op = nova_resource },
		  .ref = { .what = "virtio_gpu: RESOURCE_CREATE + GEM_CLOSE", .fd = virtgpu,
			   .op = virtgpu_resource } },
	};
	const unsigned int npairs = sizeof(pairs) / sizeof(pairs[0]);

	printf("nova_lite_bench: %u samples of %u operations each, after a warm-up; "
	       "ratio = nova-lite's median / the reference's\n", samples, iterations);
	for (unsigned int i = 0; i < npairs && !err; i++) {
		struct pair *p = &pairs[i];
		double r;

		err = run_pair(p);
		if (err)
			break;
		printf("%s\n", p->name);
		print_side("nova-lite", &p->nova);
		print_side("reference", &p->ref);
		r = ratio_of(p);
		if (r < 0)
			printf("    ratio     not measured (no reference)   goal <= %.2f\n", p->goal);
		else
			printf("    ratio     %.2f   goal <= %.2f: %s\n", r, p->goal,
			       r <= p->goal ? "met" : "missed");
	}
	if (err)
		return 1;

	if (json) {
		f = fopen(json, "w");
		if (!f) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"samples\": %u, \"iterations\": %u, \"pairs\": [\n", samples,
			iterations);
		for (unsigned int i = 0; i < npairs; i++) {
			const struct pair *p = &pairs[i];
			double r = ratio_of(p);

			fprintf(f, "  {\"name\": \"%s\", \"goal_max_ratio\": %.2f, ", p->name,
				p->goal);
			json_side(f, "nova_lite", &p->nova);
			fprintf(f, ", ");
			json_side(f, "reference", &p->ref);
			if (r < 0)
				fprintf(f, ", \"ratio\": null}");
			else
				fprintf(f, ", \"ratio\": %.4f}", r);
			fprintf(f, "%s\n", i + 1 < npairs ? "," : "");
		}
		fprintf(f, "]}\n");
		if (fclose(f)) {
			perror(json);
			return 1;
		}
	}
	return 0;
}
