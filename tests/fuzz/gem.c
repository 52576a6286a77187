// SPDX-License-Identifier: MIT
/*
 * The DRM core's ioctls on nova-lite's objects: GEM_CLOSE, GEM_FLINK/GEM_OPEN,
 * PRIME export and import (vgem's buffers too), the dumb buffers.
 */

#include "fuzz.h"

void do_gem_close(struct thread *t, struct file *f)
{
	struct drm_gem_close c = { 0 };
	struct obj *o = chance(t, 85) ? pick_obj(t, f) : NULL;
	errset allowed;
	int err;

	if (o) {
		c.handle = o->handle;
		allowed = OK;
	} else if (f->shared) {
		/* Other threads' handles live in shared files: never close blindly there. */
		c.handle = 0;
		allowed = E(EINVAL);
	} else {
		c.handle = f->stale && chance(t, 50) ? f->stale : (uint32_t)rnd(t) | 0x40000000u;
		allowed = E(EINVAL);
	}
	err = xioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &c);
	expect(t, OP_GEM_CLOSE, err, allowed, "handle %u", c.handle);
	if (o && !err)
		untrack(f, o);
	note_err(f, err);
}

/* GEM_FLINK of one of this thread's objects, then GEM_OPEN of the name in a primary file. */
void do_flink(struct thread *t, struct file *f, bool open_too)
{
	struct drm_gem_flink fl = { 0 };
	struct obj *o = pick_obj(t, f);
	struct model *m = o ? o->m : NULL;
	struct file *to;
	errset allowed;
	int err;

	fl.handle = o ? o->handle : (uint32_t)rnd(t) | 0x40000000u;
	allowed = f->primary ? (o ? OK : E(ENOENT)) : E(EACCES);
	err = xioctl(f->fd, DRM_IOCTL_GEM_FLINK, &fl);
	expect(t, OP_FLINK, err, allowed, "handle %u (%s) on %s", fl.handle, kind(o),
	       f->primary ? "primary" : "render");
	if (!open_too) {
		note_err(f, err);
		return;
	}
	/* The object outlives its handle in @f, whose file may go on ENODEV. */
	if (m)
		m->refs++;
	note_err(f, err);

	to = &t->files[chance(t, 30) && !cfg.unplug ? SHARED_PRIMARY : PRIVATE_PRIMARY];
	if (to->fd < 0 && file_open(to)) {
		/* With unplugs, no node to open the name in. */
	} else if (!err && m) {
		struct drm_gem_open op = { .name = fl.name };

		/*
		 * With unplugs, the two files may be on two instances of the device (the
		 * device went and came back between the calls): names are per instance.
		 */
		err = xioctl(to->fd, DRM_IOCTL_GEM_OPEN, &op);
		expect(t, OP_GEM_OPEN, err, cfg.unplug ? OK | E(ENOENT) : OK, "name %u", fl.name);
		if (!err && cfg.unplug) {
			/* Maybe another instance's object, another thread's: nothing known of it. */
			struct drm_gem_close cl = { .handle = op.handle };

			if (!tracked(to, op.handle))
				expect(t, OP_GEM_CLOSE, xioctl(to->fd, DRM_IOCTL_GEM_CLOSE, &cl), OK,
				       "opened handle %u", op.handle);
		} else if (!err) {
			if (op.size != m->size || tracked(to, op.handle))
				wrong(t, OP_GEM_OPEN, "name %u: handle %u size %#" PRIx64 ", want %#"
				      PRIx64 " and a new handle", fl.name, op.handle, (uint64_t)op.size,
				      m->size);
			track(t, to, op.handle, m, false);
		}
		note_err(to, err);
	} else {
		/* A name nobody may hold (names are small; other threads may own some). */
		struct drm_gem_open op = { .name = (uint32_t)rnd(t) | 0x40000000u };

		err = xioctl(to->fd, DRM_IOCTL_GEM_OPEN, &op);
		expect(t, OP_GEM_OPEN, err, E(ENOENT), "name %u", op.name);
		note_err(to, err);
	}
	if (m)
		model_put(m);
}

/* Keeps dma-buf @fd of @m (with a reference), closing a random one when full. */
static void keep_buf(struct thread *t, int fd, struct model *m)
{
	if (t->nbufs == MAX_BUFS) {
		int i = below(t, MAX_BUFS);

		close(t->bufs[i].fd);
		model_put(t->bufs[i].m);
		t->bufs[i] = t->bufs[--t->nbufs];
	}
	m->refs++;
	t->bufs[t->nbufs++] = (struct buf){ fd, m };
}

/* PRIME_HANDLE_TO_FD of one of this thread's objects, nova-lite's or foreign: the core's. */
void do_prime_export(struct thread *t, struct file *f)
{
	struct drm_prime_handle p = { .fd = -1 };
	struct obj *o = chance(t, 90) ? pick_obj(t, f) : NULL;
	errset allowed;
	int err;

	p.handle = o ? o->handle : (uint32_t)rnd(t) | 0x40000000u;
	p.flags = DRM_CLOEXEC | (chance(t, 50) ? DRM_RDWR : 0);
	allowed = o ? OK : E(ENOENT);
	if (chance(t, 5)) {
		p.flags |= 1u << (20 + below(t, 10));
		allowed = E(EINVAL);
	}
	err = xioctl(f->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
	expect(t, OP_PRIME_EXPORT, err, allowed, "handle %u (%s) flags %#x", p.handle, kind(o),
	       p.flags);
	if (!err && p.fd >= 0) {
		if (o && allowed == OK) {
			/* The file's PRIME table now maps the dma-buf to this handle. */
			o->prime = true;
			keep_buf(t, p.fd, o->m);
		} else {
			close(p.fd);
		}
	}
	note_err(f, err);
}

/*
 * @handle is what PRIME_FD_TO_HANDLE in @f gave for a dma-buf of @m: the handle
 * the file's PRIME table has for the dma-buf (one exported or imported through
 * in @f), or else a new one; either names @m, which the driver must treat as
 * it did through the other handles.
 */
static void imported(struct thread *t, struct file *f, struct model *m, uint32_t handle)
{
	struct drm_nova_lite_gem_info i = { .handle = handle };
	struct obj *same = find_obj(f, handle);
	bool in_table = false;
	int err;

	if (cfg.unplug) {
		/*
		 * The dma-buf may be an earlier instance's, imported as a foreign
		 * object of this one: keep only a handle the file already had.
		 */
		struct drm_gem_close cl = { .handle = handle };

		if (!same)
			expect(t, OP_GEM_CLOSE, xioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &cl), OK,
			       "imported handle %u", handle);
		return;
	}
	for (int k = 0; k < f->nobjs; k++)
		in_table |= f->objs[k].m == m && f->objs[k].prime;
	if (in_table ? !same || same->m != m || !same->prime : same != NULL)
		wrong(t, OP_PRIME_IMPORT, "handle %u (%s), want %s", handle, kind(same),
		      in_table ? "the file's handle of the dma-buf" : "a new handle");
	if (same && same->m != m)
		return;
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &i);
	expect(t, OP_GEM_INFO, err, m->foreign ? E(EINVAL) : OK, "imported handle %u (%s)",
	       handle, m->foreign ? "foreign" : "nova-lite's");
	if (!err && !m->foreign && i.size != m->size)
		wrong(t, OP_PRIME_IMPORT, "imported size %#" PRIx64 ", want %#" PRIx64,
		      (uint64_t)i.size, m->size);
	track(t, f, handle, m, true);
}

void do_prime_import(struct thread *t, struct file *f)
{
	struct drm_prime_handle p = { 0 };
	struct buf *b = t->nbufs && chance(t, 90) ? &t->bufs[below(t, t->nbufs)] : NULL;
	int pipefd[2] = { -1, -1 };
	int err;

	if (b && cfg.unplug && !mappable(b->m))
		b = NULL; /* it may be another instance's: see mappable() */
	if (b) {
		p.fd = b->fd;
	} else if (chance(t, 50) && !pipe2(pipefd, O_CLOEXEC)) {
		p.fd = pipefd[0]; /* not a dma-buf */
	} else {
		p.fd = -1;
	}
	/*
	 * With unplugs, a dma-buf exported before the device went belongs to its
	 * previous instance: another device's buffer for the new one.
	 */
	err = xioctl(f->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	expect(t, OP_PRIME_IMPORT, err,
	       b ? OK | (cfg.unplug ? E(EINVAL) : 0) : p.fd >= 0 ? E(EINVAL) : E(EBADF),
	       "fd %s", b ? "dma-buf" : p.fd >= 0 ? "pipe" : "-1");
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	if (!err && b)
		imported(t, f, b->m, p.handle);
	note_err(f, err);
}

/*
 * One nova-lite ioctl that takes a handle, with arguments otherwise valid, on
 * @o, a foreign object: EINVAL. ADDFB2 refuses it too (the Rust abstraction's
 * framebuffer creation, framebuffer.rs: not an object of the driver), on the
 * primary node; the render node may not call it (EACCES, the DRM core's).
 */
static void refused(struct thread *t, struct file *f, struct obj *o)
{
	const struct drm_nova_lite_rect r = { 0, 0, 16, 16 };
	errset allowed = E(EINVAL);
	enum op op;
	int err;

	switch (below(t, kms.on ? 5 : 4)) {
	case 0: {
		struct drm_nova_lite_gem_info a = { .handle = o->handle };

		op = OP_GEM_INFO;
		err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &a);
		break;
	}
	case 1: {
		struct drm_nova_lite_gem_mmap_offset a = { .handle = o->handle };

		op = OP_MMAP_OFFSET;
		err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, &a);
		break;
	}
	case 2: {
		struct drm_nova_lite_resource_create a = {
			.handle = o->handle, .format = DRM_FORMAT_XRGB8888,
			.width = 16, .height = 16,
		};

		op = OP_RESOURCE_CREATE;
		err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &a);
		break;
	}
	case 3: {
		struct drm_nova_lite_transfer a = { .handle = o->handle, .rect = r };

		op = OP_TRANSFER;
		err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, &a);
		break;
	}
	default: {
		struct drm_mode_fb_cmd2 a = {
			.width = 64, .height = 64, .pixel_format = DRM_FORMAT_XRGB8888,
			.handles = { o->handle }, .pitches = { 256 },
		};

		op = OP_ADDFB;
		err = xioctl(f->fd, DRM_IOCTL_MODE_ADDFB2, &a);
		if (!f->primary)
			allowed = E(EACCES);
		if (!err)
			xioctl(f->fd, DRM_IOCTL_MODE_RMFB, &a.fb_id);
		break;
	}
	}
	expect(t, op, err, allowed, "handle %u (%s)", o->handle, kind(o));
}

/*
 * A dma-buf of another driver (vgem): imported, it is a new handle to a foreign
 * object, which nova-lite's ioctls refuse and GEM_CLOSE releases.
 */
void do_foreign_import(struct thread *t, struct file *f)
{
	struct drm_mode_create_dumb d = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_prime_handle e = { .flags = DRM_CLOEXEC }, p = { 0 };
	struct drm_gem_close c = { 0 };
	int err;

	if (cfg.vgem < 0)
		return;
	if (xioctl(cfg.vgem, DRM_IOCTL_MODE_CREATE_DUMB, &d))
		return;
	e.handle = d.handle;
	if (!xioctl(cfg.vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &e)) {
		p.fd = e.fd;
		err = xioctl(f->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
		expect(t, OP_FOREIGN_IMPORT, err, OK, "vgem dma-buf");
		close(e.fd);
		if (!err) {
			struct model *m = model_new(page_align(d.size), true, false);
			struct obj *o;

			if (tracked(f, p.handle))
				wrong(t, OP_FOREIGN_IMPORT, "handle %u, want a new handle", p.handle);
			o = track(t, f, p.handle, m, true);
			model_put(m);
			if (o)
				refused(t, f, o);
		}
		note_err(f, err);
	}
	c.handle = d.handle;
	xioctl(cfg.vgem, DRM_IOCTL_GEM_CLOSE, &c);
}

/*
 * The dumb-buffer ioctls, the DRM core's: on the primary node they create,
 * map and destroy dumb buffers, which are nova-lite's own objects; they are
 * not allowed on the render node (EACCES). CREATE_DUMB
 * (drm_mode_create_dumb(), then nova-lite's dumb_create(), nova-lite/drm.rs,
 * and drm_mode_size_dumb()): EINVAL for a width, height or depth of 0, for a
 * size whose computation overflows 32 bits, for any depth but 32 bits per
 * pixel, and for a size above the largest object (GEM_MAX_SIZE).
 */
void do_dumb(struct thread *t, struct file *f)
{
	struct obj *o;
	int err;

	switch (below(t, 5)) {
	case 0:
	case 1: {
		struct drm_mode_create_dumb d = { .bpp = 32 };
		uint64_t size;
		bool valid;
		struct model *m;

		d.width = 1 + below(t, 1024);
		d.height = 1 + below(t, 1024);
		switch (below(t, 20)) {
		case 0:
			d.bpp = 8 * (1 + below(t, 3));
			break;
		case 1:
			/* Depths the DRM core knows and sizes alone (YUV, 64 bits): not 32. */
			d.bpp = (const uint32_t[]){ 1, 10, 12, 15, 16, 30, 33, 64 }[below(t, 8)];
			break;
		case 2:
			*(below(t, 3) == 0 ? &d.width : below(t, 2) ? &d.height : &d.bpp) = 0;
			break;
		case 3:
			/* The largest object is 8192 x 8192; past it, or past 32 bits. */
			d.width = 8192;
			d.height = 8192;
			if (chance(t, 50))
				d.width += 1 + below(t, 1 << 20);
			if (chance(t, 50))
				d.height += 1 + below(t, 1 << 20);
			break;
		case 4:
			d.bpp = UINT32_MAX - below(t, 16);
			break;
		default:
			break;
		}
		size = page_align(4ull * d.width * d.height);
		valid = d.bpp == 32 && d.width && d.height && size <= cfg.gem_max;
		d.handle = (uint32_t)rnd(t); /* out only */
		err = xioctl(f->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);
		expect(t, OP_DUMB, err, f->primary ? (valid ? OK : E(EINVAL)) : E(EACCES),
		       "create %ux%u bpp %u", d.width, d.height, d.bpp);
		note_err(f, err);
		if (err || !valid)
			break;
		if (!d.handle || tracked(f, d.handle) || d.pitch != 4 * d.width || d.size != size)
			wrong(t, OP_DUMB, "create %ux%u bpp %u: handle %u pitch %u size %#" PRIx64
			      ", want a new handle, pitch %u and size %#" PRIx64, d.width, d.height,
			      d.bpp, d.handle, d.pitch, (uint64_t)d.size, 4 * d.width, size);
		m = model_new(size, false, true);
		track(t, f, d.handle, m, false);
		model_put(m);
		break;
	}
	case 2:
	case 3: {
		struct drm_mode_map_dumb a = { 0 };
		errset allowed;

		o = chance(t, 90) ? pick_obj(t, f) : NULL;
		a.handle = o ? o->handle : (uint32_t)rnd(t) | 0x40000000u;
		/*
		 * The core maps any object that is not an import (nova-lite has no
		 * dumb_map_offset: drm_gem_dumb_map_offset()), at the object's one
		 * mmap offset; a foreign object is an import.
		 */
		if (!f->primary)
			allowed = E(EACCES);
		else if (!o)
			allowed = E(ENOENT);
		else if (o->m->foreign)
			allowed = E(EINVAL);
		else
			allowed = OK;
		err = xioctl(f->fd, DRM_IOCTL_MODE_MAP_DUMB, &a);
		expect(t, OP_DUMB, err, allowed, "map handle %u (%s)", a.handle, kind(o));
		if (!err && o && (allowed & OK)) {
			set_offset(t, OP_DUMB, o->m, a.offset);
			if (chance(t, 50))
				map_rw(t, f, o->m, o->m->offset);
		}
		note_err(f, err);
		break;
	}
	default: {
		struct drm_mode_destroy_dumb d = { 0 };
		int idx[MAX_OBJS], n = 0;

		for (int i = 0; i < f->nobjs; i++)
			if (f->objs[i].m->dumb)
				idx[n++] = i;
		o = n && chance(t, 80) ? &f->objs[idx[below(t, n)]] : NULL;
		/* A handle nobody has (handles are small; other threads may own some). */
		d.handle = o ? o->handle : (uint32_t)rnd(t) | 0x40000000u;
		err = xioctl(f->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
		expect(t, OP_DUMB, err, f->primary ? (o ? OK : E(EINVAL)) : E(EACCES),
		       "destroy handle %u (%s)", d.handle, kind(o));
		if (!err && o)
			untrack(f, o);
		note_err(f, err);
		break;
	}
	}
}
