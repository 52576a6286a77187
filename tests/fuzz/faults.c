// SPDX-License-Identifier: MIT
/*
 * --faults: each valid call with its 1st, 2nd, ... allocation failing (fail-nth).
 */

#include "fuzz.h"

/*
 * --faults: a valid call run with its Nth allocation failing, N = 1, 2, ...
 * until the call makes fewer than N allocations.
 */
struct fault_stats {
	unsigned int injected, failed;
};

static int fail_nth_fd = -1;

static void arm_fault(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len) {
		perror("nova_lite_fuzz: fail-nth");
		exit(2);
	}
}

/* Returns true if the armed fault was injected (and disarms it otherwise). */
static bool fault_injected(void)
{
	char buf[16] = { 0 };
	bool hit;

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) < 0) {
		perror("nova_lite_fuzz: fail-nth");
		exit(2);
	}
	hit = atoi(buf) == 0;
	if (!hit)
		arm_fault(0);
	return hit;
}

/* State of one --faults call: made without faults, used by the faulted call, freed after. */
struct fault_ctx {
	int render, primary;
	uint32_t handle;	/* an object of the primary file */
	uint32_t name;		/* its flink name */
	int dmabuf;		/* a dma-buf of it */
	uint32_t out_handle;	/* a handle the call made, in out_file */
	int out_file, out_fd;	/* a file or dma-buf the call made */
	uint64_t offset;	/* the object's mmap offset */
	void *map;		/* a mapping the call made, FAULT_OBJ bytes */
	uint32_t vgem_handle;	/* a vgem buffer, whose dma-buf is dmabuf */
	uint32_t fb;		/* a framebuffer of the object */
	uint32_t mode;		/* a blob of a FAULT_W x FAULT_H mode */
	bool lit;		/* the call lit pipe 0 */
};

static char render_path[300];

static int fault_prepare(enum op op, struct fault_ctx *c)
{
	struct drm_nova_lite_gem_create cr = { .size = FAULT_OBJ };
	struct drm_gem_flink fl = { 0 };
	struct drm_prime_handle e = { .flags = DRM_CLOEXEC };
	struct drm_nova_lite_gem_mmap_offset mo = { 0 };
	struct drm_nova_lite_resource_create rc = {
		.format = DRM_FORMAT_XRGB8888, .width = FAULT_W, .height = FAULT_H,
	};
	struct drm_mode_fb_cmd2 fb = {
		.width = FAULT_W, .height = FAULT_H, .pixel_format = DRM_FORMAT_XRGB8888,
		.pitches = { FAULT_W * 4 },
	};
	struct drm_mode_modeinfo m;
	struct drm_mode_create_blob b = { .length = sizeof(m), .data = (uintptr_t)&m };

	c->handle = c->name = c->out_handle = c->vgem_handle = c->fb = c->mode = 0;
	c->lit = false;
	c->dmabuf = c->out_fd = -1;
	c->out_file = c->primary;
	c->offset = 0;
	c->map = NULL;
	if (op == OP_REOPEN || op == OP_GETPARAM || op == OP_GEM_CREATE || op == OP_QUERY ||
	    op == OP_DUMB)
		return 0;
	if (op == OP_FOREIGN_IMPORT) {
		struct drm_mode_create_dumb d = { .width = FAULT_W, .height = FAULT_H, .bpp = 32 };

		if (xioctl(cfg.vgem, DRM_IOCTL_MODE_CREATE_DUMB, &d))
			return -1;
		c->vgem_handle = e.handle = d.handle;
		if (xioctl(cfg.vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &e))
			return -1;
		c->dmabuf = e.fd;
		return 0;
	}
	if (xioctl(c->primary, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &cr))
		return -1;
	c->handle = fl.handle = e.handle = mo.handle = rc.handle = cr.handle;
	if (op == OP_GEM_OPEN && xioctl(c->primary, DRM_IOCTL_GEM_FLINK, &fl))
		return -1;
	c->name = fl.name;
	if (op == OP_PRIME_IMPORT) {
		if (xioctl(c->primary, DRM_IOCTL_PRIME_HANDLE_TO_FD, &e))
			return -1;
		c->dmabuf = e.fd;
	}
	if (op == OP_MMAP) {
		if (xioctl(c->primary, DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, &mo))
			return -1;
		c->offset = mo.offset;
	}
	if ((op == OP_TRANSFER || op == OP_WAIT) &&
	    xioctl(c->primary, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &rc))
		return -1;
	if (op == OP_COMMIT) {
		fb.handles[0] = cr.handle;
		if (xioctl(c->primary, DRM_IOCTL_MODE_ADDFB2, &fb))
			return -1;
		c->fb = fb.fb_id;
		mode_make(&m, FAULT_W, FAULT_H, 60);
		if (xioctl(c->primary, DRM_IOCTL_MODE_CREATEPROPBLOB, &b))
			return -1;
		c->mode = b.blob_id;
	}
	return 0;
}

/* The call under test, with an allocation failing; returns 0 or an errno. */
static int fault_call(enum op op, struct fault_ctx *c)
{
	int err, fd;

	switch (op) {
	case OP_REOPEN:
		fd = open(render_path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return errno;
		c->out_fd = fd;
		return 0;
	case OP_GETPARAM: {
		struct drm_nova_lite_getparam g = { .param = NOVA_LITE_PARAM_GEM_MAX_SIZE };

		return xioctl(c->render, DRM_IOCTL_NOVA_LITE_GETPARAM, &g);
	}
	case OP_GEM_CREATE: {
		struct drm_nova_lite_gem_create cr = { .size = 3 * PAGE };

		err = xioctl(c->render, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &cr);
		c->out_file = c->render;
		c->out_handle = err ? 0 : cr.handle;
		return err;
	}
	case OP_GEM_INFO: {
		struct drm_nova_lite_gem_info i = { .handle = c->handle };

		return xioctl(c->primary, DRM_IOCTL_NOVA_LITE_GEM_INFO, &i);
	}
	case OP_GEM_CLOSE: {
		struct drm_gem_close cl = { .handle = c->handle };

		err = xioctl(c->primary, DRM_IOCTL_GEM_CLOSE, &cl);
		if (!err)
			c->handle = 0;
		return err;
	}
	case OP_FLINK: {
		struct drm_gem_flink fl = { .handle = c->handle };

		return xioctl(c->primary, DRM_IOCTL_GEM_FLINK, &fl);
	}
	case OP_GEM_OPEN: {
		struct drm_gem_open o = { .name = c->name };

		err = xioctl(c->primary, DRM_IOCTL_GEM_OPEN, &o);
		c->out_handle = err ? 0 : o.handle;
		return err;
	}
	case OP_PRIME_EXPORT: {
		struct drm_prime_handle e = { .handle = c->handle, .flags = DRM_CLOEXEC };

		err = xioctl(c->primary, DRM_IOCTL_PRIME_HANDLE_TO_FD, &e);
		c->out_fd = err ? -1 : e.fd;
		return err;
	}
	case OP_QUERY: {
		struct drm_nova_lite_display_info info[16];
		struct drm_nova_lite_query q = {
			.type = NOVA_LITE_QUERY_DISPLAY_INFO, .size = sizeof(info),
			.data = (uintptr_t)info,
		};

		return xioctl(c->render, DRM_IOCTL_NOVA_LITE_QUERY, &q);
	}
	case OP_PRIME_IMPORT:
	case OP_FOREIGN_IMPORT: {
		struct drm_prime_handle p = { .fd = c->dmabuf };

		err = xioctl(c->render, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
		c->out_file = c->render;
		c->out_handle = err ? 0 : p.handle;
		return err;
	}
	case OP_MMAP_OFFSET: {
		struct drm_nova_lite_gem_mmap_offset mo = { .handle = c->handle };

		return xioctl(c->primary, DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, &mo);
	}
	case OP_MMAP: {
		/* Not touched: a page that cannot be allocated on a fault would be SIGBUS. */
		void *p = mmap(NULL, FAULT_OBJ, PROT_READ | PROT_WRITE, MAP_SHARED, c->primary,
			       (off_t)c->offset);

		if (p == MAP_FAILED)
			return errno;
		c->map = p;
		return 0;
	}
	case OP_RESOURCE_CREATE: {
		struct drm_nova_lite_resource_create rc = {
			.handle = c->handle, .format = DRM_FORMAT_XRGB8888,
			.width = FAULT_W, .height = FAULT_H,
		};

		return xioctl(c->primary, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &rc);
	}
	case OP_TRANSFER: {
		struct drm_nova_lite_transfer tr = {
			.handle = c->handle, .rect = { 0, 0, FAULT_W, FAULT_H },
		};

		return xioctl(c->primary, DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, &tr);
	}
	case OP_WAIT: {
		struct drm_nova_lite_wait w = { .handle = c->handle, .timeout_ns = 1000000000 };

		return xioctl(c->primary, DRM_IOCTL_NOVA_LITE_WAIT, &w);
	}
	case OP_DUMB: {
		struct drm_mode_create_dumb d = { .width = FAULT_W, .height = FAULT_H, .bpp = 32 };

		err = xioctl(c->primary, DRM_IOCTL_MODE_CREATE_DUMB, &d);
		c->out_handle = err ? 0 : d.handle;
		return err;
	}
	case OP_ADDFB: {
		struct drm_mode_fb_cmd2 fb = {
			.width = FAULT_W, .height = FAULT_H, .pixel_format = DRM_FORMAT_XRGB8888,
			.handles = { c->handle }, .pitches = { FAULT_W * 4 },
		};

		err = xioctl(c->primary, DRM_IOCTL_MODE_ADDFB2, &fb);
		c->fb = err ? 0 : fb.fb_id;
		return err;
	}
	case OP_COMMIT: {
		struct commit cm = { .flags = DRM_MODE_ATOMIC_ALLOW_MODESET };

		target_on(&cm, 0, c->mode, c->fb, FAULT_W, FAULT_H, 0, 0);
		err = commit_ioctl(c->primary, &cm);
		c->lit = !err;
		return err;
	}
	default:
		return EINVAL;
	}
}

static void fault_cleanup(struct fault_ctx *c)
{
	struct drm_mode_destroy_blob db = { .blob_id = c->mode };
	struct drm_gem_close cl = { 0 };

	if (c->lit) {
		struct commit cm = { .flags = DRM_MODE_ATOMIC_ALLOW_MODESET };

		target_off(&cm, 0, false);
		commit_ioctl(c->primary, &cm);
	}
	if (c->fb)
		xioctl(c->primary, DRM_IOCTL_MODE_RMFB, &c->fb);
	if (c->mode)
		xioctl(c->primary, DRM_IOCTL_MODE_DESTROYPROPBLOB, &db);
	if (c->map)
		munmap(c->map, FAULT_OBJ);
	if (c->out_handle) {
		cl.handle = c->out_handle;
		xioctl(c->out_file, DRM_IOCTL_GEM_CLOSE, &cl);
	}
	if (c->handle) {
		cl.handle = c->handle;
		xioctl(c->primary, DRM_IOCTL_GEM_CLOSE, &cl);
	}
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->dmabuf >= 0)
		close(c->dmabuf);
	if (c->vgem_handle) {
		cl.handle = c->vgem_handle;
		xioctl(cfg.vgem, DRM_IOCTL_GEM_CLOSE, &cl);
	}
}

/*
 * What a call may answer with an allocation failing: ENOMEM. (A shmem file
 * reports a failed inode allocation as ENOSPC; nova-lite's objects, dumb
 * buffers too, turn that into ENOMEM.)
 */
#define FAULT_ALLOWED (OK | E(ENOMEM))

int run_faults(struct thread *t)
{
	static const enum op ops[] = {
		OP_REOPEN, OP_GETPARAM, OP_GEM_CREATE, OP_GEM_INFO, OP_GEM_CLOSE, OP_FLINK,
		OP_GEM_OPEN, OP_PRIME_EXPORT, OP_PRIME_IMPORT, OP_QUERY, OP_MMAP_OFFSET, OP_MMAP,
		OP_RESOURCE_CREATE, OP_TRANSFER, OP_WAIT, OP_DUMB, OP_FOREIGN_IMPORT, OP_ADDFB,
		OP_COMMIT,
	};
	struct nlt_node_search rs, ps;
	struct fault_ctx c = {
		.render = nlt_open_driver_node(NLT_DRIVER_NAME, DRM_NODE_RENDER, &rs),
		.primary = nlt_open_driver_node(NLT_DRIVER_NAME, DRM_NODE_PRIMARY, &ps),
	};
	char why[384], no_kms[200] = "";
	bool master;

	if (c.render >= 0)
		snprintf(render_path, sizeof(render_path), "%s", rs.path);
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (c.render < 0)
		fprintf(stderr, "nova_lite_fuzz: %s\n",
			nlt_node_search_describe(&rs, NLT_DRIVER_NAME, DRM_NODE_RENDER, why,
						 sizeof(why)));
	if (c.primary < 0)
		fprintf(stderr, "nova_lite_fuzz: %s\n",
			nlt_node_search_describe(&ps, NLT_DRIVER_NAME, DRM_NODE_PRIMARY, why,
						 sizeof(why)));
	if (c.render < 0 || c.primary < 0 || fail_nth_fd < 0) {
		fprintf(stderr, "nova_lite_fuzz: --faults needs a nova-lite device and "
			"/proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)\n");
		return 2;
	}
	/* The commit lights pipe 0 (see fault_call()), whose objects these are. */
	master = drmIsMaster(c.primary);
	if (drmSetClientCap(c.primary, DRM_CLIENT_CAP_ATOMIC, 1))
		snprintf(no_kms, sizeof(no_kms), "no atomic modesetting (errno %d)", errno);
	else
		kms_discover(c.primary, no_kms, sizeof(no_kms));
	for (unsigned int k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		struct fault_stats s = { 0 };
		enum op op = ops[k];
		const char *skip = NULL;

		/* The foreign dma-buf is vgem's; the commit is the DRM master's. */
		if (op == OP_FOREIGN_IMPORT && cfg.vgem < 0)
			skip = "vgem is not loaded";
		else if ((op == OP_ADDFB || op == OP_COMMIT) && !kms.npipes)
			skip = no_kms;
		else if (op == OP_COMMIT && !master)
			skip = "the primary file is not the DRM master";
		if (skip) {
			printf("faults: %-16s skipped: %s\n", op_names[op], skip);
			continue;
		}
		for (unsigned int n = 1; n < 1000; n++) {
			bool hit;
			int err;

			if (fault_prepare(op, &c)) {
				wrong(t, op, "its setup failed without a fault");
				fault_cleanup(&c);
				break;
			}
			arm_fault(n);
			err = fault_call(op, &c);
			hit = fault_injected();
			fault_cleanup(&c);
			expect(t, op, err, FAULT_ALLOWED, "with allocation %u failing", n);
			if (!hit)
				break;
			s.injected++;
			s.failed += err != 0;
		}
		printf("faults: %-16s %3u allocation(s) failed in turn, call failed %u time(s), "
		       "else succeeded\n", op_names[op], s.injected, s.failed);
		/* Creating an object allocates: if no fault reached it, none reached anything. */
		if (op == OP_GEM_CREATE && !s.injected)
			wrong(t, op, "no allocation could be failed: are failslab and fail_page_alloc "
			      "set to fail sleeping allocations (ignore-gfp-wait=N)?");
	}
	close(c.render);
	close(c.primary);
	return 0;
}
