// SPDX-License-Identifier: MIT
/*
 * nova-lite's own ioctls (uapi/drm/nova_lite_drm.h): GETPARAM, GEM_CREATE, GEM_INFO,
 * GEM_MMAP_OFFSET, RESOURCE_CREATE, WAIT, TRANSFER_TO_HOST, QUERY; bad pointers and
 * unknown ioctl numbers.
 */

#include "fuzz.h"

void do_getparam(struct thread *t, struct file *f)
{
	struct drm_nova_lite_getparam p = { 0 };
	bool valid;
	int err;

	if (chance(t, 80))
		/* Every id up to the last, the retired ones among them. */
		p.param = PARAM_FIRST + below(t, PARAM_LAST - PARAM_FIRST + 1);
	else if (chance(t, 50))
		/* 0, or the first ids past the last. */
		p.param = chance(t, 20) ? 0 : PARAM_LAST + 1 + below(t, 8);
	else
		p.param = rnd(t);
	valid = PARAM_DEFINED(p.param);
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &p);
	expect(t, OP_GETPARAM, err, valid ? OK : E(EINVAL), "param %#" PRIx64, (uint64_t)p.param);
	if (!err && valid && p.value != cfg.params[p.param])
		wrong(t, OP_GETPARAM, "param %" PRIu64 " = %#" PRIx64 ", was %#" PRIx64,
		      (uint64_t)p.param, (uint64_t)p.value, cfg.params[p.param]);
	note_err(f, err);
}

void do_gem_create(struct thread *t, struct file *f)
{
	struct drm_nova_lite_gem_create c = { .size = pick_size(t) };
	uint64_t want = page_align(c.size);
	struct model *m;
	bool valid;
	int err;

	if (chance(t, 5))
		c.flags = 1u << below(t, 32);
	c.handle = (uint32_t)rnd(t); /* out only: garbage must not matter */
	valid = !c.flags && c.size && c.size <= UINT64_MAX - PAGE + 1 && want <= cfg.gem_max;
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &c);
	expect(t, OP_GEM_CREATE, err, valid ? OK : E(EINVAL), "size %#" PRIx64 " flags %#x",
	       want, c.flags);
	note_err(f, err);
	if (err || !valid)
		return;
	if (c.size != want || !c.handle || tracked(f, c.handle))
		wrong(t, OP_GEM_CREATE, "size %#" PRIx64 " handle %u, want size %#" PRIx64
		      " and a new handle", (uint64_t)c.size, c.handle, want);
	m = model_new(c.size, false, false);
	track(t, f, c.handle, m, false);
	model_put(m);
}

void do_gem_info(struct thread *t, struct file *f)
{
	struct drm_nova_lite_gem_info i = { 0 };
	struct obj *o = chance(t, 85) ? pick_obj(t, f) : NULL;
	errset allowed;
	int err;

	if (o) {
		i.handle = o->handle;
		/* Not an object of nova-lite: refused. */
		allowed = o->m->foreign ? E(EINVAL) : OK;
	} else if (f->stale && chance(t, 50)) {
		/* Just closed by this thread; on a shared file another thread may reuse it. */
		i.handle = f->stale;
		allowed = E(ENOENT) | (f->shared ? OK | E(EINVAL) : 0);
	} else {
		i.handle = chance(t, 50) ? 0 : (uint32_t)rnd(t) | 0x40000000u;
		allowed = E(ENOENT);
	}
	if (chance(t, 5)) {
		i.pad = (uint32_t)rnd(t) | 1;
		allowed = E(EINVAL);
	}
	i.pad2 = (uint32_t)rnd(t);
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &i);
	expect(t, OP_GEM_INFO, err, allowed, "handle %u (%s) pad %u", i.handle, kind(o), i.pad);
	note_err(f, err);
	if (!err && o && !o->m->foreign && (i.size != o->m->size || i.flags || i.pad2))
		wrong(t, OP_GEM_INFO, "handle %u: size %#" PRIx64 " flags %#x pad2 %#x, want size %#"
		      PRIx64, i.handle, (uint64_t)i.size, i.flags, i.pad2, o->m->size);
}

void do_bad_pointer(struct thread *t, struct file *f)
{
	static const unsigned long reqs[] = {
		DRM_IOCTL_NOVA_LITE_GETPARAM, DRM_IOCTL_NOVA_LITE_GEM_CREATE,
		DRM_IOCTL_NOVA_LITE_GEM_INFO, DRM_IOCTL_NOVA_LITE_QUERY,
		DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE,
		DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, DRM_IOCTL_NOVA_LITE_WAIT,
		DRM_IOCTL_MODE_ADDFB2, DRM_IOCTL_MODE_RMFB, DRM_IOCTL_MODE_DIRTYFB,
		DRM_IOCTL_MODE_ATOMIC, DRM_IOCTL_MODE_CREATEPROPBLOB, DRM_IOCTL_MODE_CREATE_DUMB,
	};
	void *bad[] = { NULL, (void *)1, (void *)-4096l, (void *)BAD_PTR };
	unsigned long req = reqs[below(t, sizeof(reqs) / sizeof(reqs[0]))];
	int err;

	/* The DRM core copies the argument in before it checks the caller's rights. */
	err = ioctl(f->fd, req, bad[below(t, 4)]) ? errno : 0;
	expect(t, OP_BAD_POINTER, err, E(EFAULT), "ioctl %#lx", req);
	note_err(f, err);
}

/*
 * Driver ioctl numbers nova-lite does not define: the retired ones (0x07 and 0x08, SET_SCANOUT and
 * RESOURCE_FLUSH), which fail as the ones past the last.
 */
void do_bad_ioctl(struct thread *t, struct file *f)
{
	uint8_t arg[64] = { 0 };
	unsigned int first = DRM_COMMAND_BASE + DRM_NOVA_LITE_WAIT + 1;
	unsigned int nr = chance(t, 30) ? DRM_COMMAND_BASE + 0x07 + below(t, 2) :
					  first + below(t, DRM_COMMAND_END - first);
	unsigned long req = DRM_IOWR(nr, struct drm_nova_lite_gem_info);
	int err;

	err = xioctl(f->fd, req, arg);
	expect(t, OP_BAD_IOCTL, err, E(EINVAL), "nr %#x", nr);
	note_err(f, err);
}

/*
 * DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET on the thread's objects (EINVAL for a
 * foreign one), closed and unknown handles (ENOENT), with a bad pad (EINVAL).
 * The offset is page-aligned, the same on every call, and maps the object.
 */
void do_mmap_offset(struct thread *t, struct file *f)
{
	struct drm_nova_lite_gem_mmap_offset a = { 0 };
	errset errs;
	struct obj *o = pick_handle(t, f, false, true, &a.handle, &errs);
	int err;

	if (chance(t, 5)) {
		a.pad = 1u << below(t, 32);
		errs |= E(EINVAL);
	}
	a.offset = rnd(t); /* out only */
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, &a);
	expect(t, OP_MMAP_OFFSET, err, errs ? errs : OK, "handle %u (%s) pad %#x", a.handle,
	       kind(o), a.pad);
	if (!err && !errs) {
		set_offset(t, OP_MMAP_OFFSET, o->m, a.offset);
		if (chance(t, 50))
			map_rw(t, f, o->m, a.offset);
	}
	note_err(f, err);
}

/*
 * A format for RESOURCE_CREATE: mostly one it accepts; sometimes 0, a value of the virtio-gpu
 * format enum the uAPI took before fourcc codes, an accepted code with the big-endian flag,
 * another layout's code, or any value.
 */
static uint32_t pick_format(struct thread *t)
{
	static const uint32_t old_enum[] = { 1, 2, 3, 4, 67, 68, 121, 134 };
	static const uint32_t others[] = {
		DRM_FORMAT_RGB565, DRM_FORMAT_XRGB2101010, DRM_FORMAT_NV12, DRM_FORMAT_C8,
		DRM_FORMAT_RGB888, DRM_FORMAT_XRGB16161616F,
	};

	if (chance(t, 90))
		return nlt_formats[below(t, NLT_NFORMATS)];
	switch (below(t, 5)) {
	case 0: return 0;
	case 1: return old_enum[below(t, sizeof(old_enum) / sizeof(old_enum[0]))];
	case 2: return nlt_formats[below(t, NLT_NFORMATS)] | DRM_FORMAT_BIG_ENDIAN;
	case 3: return others[below(t, sizeof(others) / sizeof(others[0]))];
	default: return (uint32_t)rnd(t);
	}
}

uint32_t min32(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * A width and height for a resource of an object of @size bytes: mostly
 * fitting, sometimes 0, above NOVA_LITE_RESOURCE_MAX_DIM, one row too large
 * for the object, or as large as it holds.
 */
static void pick_dims(struct thread *t, uint64_t size, uint32_t *w, uint32_t *h)
{
	uint64_t px = size / 4;		/* pixels the object holds, at least 1024 */

	switch (below(t, 12)) {
	case 0:
		*w = 0;
		*h = 1 + below(t, 64);
		break;
	case 1:
		*w = 1 + below(t, 64);
		*h = 0;
		break;
	case 2:
		*w = MAX_DIM + 1 + below(t, chance(t, 50) ? 16 : UINT32_MAX - MAX_DIM);
		*h = 1 + below(t, 16);
		break;
	case 3:
		*w = 1 + below(t, 16);
		*h = MAX_DIM + 1 + below(t, chance(t, 50) ? 16 : UINT32_MAX - MAX_DIM);
		break;
	case 4:
		/* One row more than the object holds (or a height above the limit). */
		*w = 1 + below(t, min32(px, MAX_DIM));
		*h = px / *w + 1;
		break;
	case 5:
		/* The widest that fits for a random height. */
		*h = 1 + below(t, min32(px, MAX_DIM));
		*w = min32(px / *h, MAX_DIM);
		break;
	default:
		*w = 1 + below(t, min32(px, 1024));
		*h = 1 + below(t, min32(px / *w, 1024));
		break;
	}
}

static bool dims_valid(uint32_t w, uint32_t h, uint64_t size)
{
	return w && h && w <= MAX_DIM && h <= MAX_DIM && 4ull * w * h <= size;
}

/* Whether one of the thread's live resources has the id @id. */
static bool resource_id_live(struct thread *t, uint32_t id)
{
	for (int k = 0; k < PRIVATE_FDS + SHARED_FDS; k++)
		for (int i = 0; i < t->files[k].nobjs; i++)
			if (t->files[k].objs[i].m->res_id == id)
				return true;
	for (int i = 0; i < t->nbufs; i++)
		if (t->bufs[i].m->res_id == id)
			return true;
	return false;
}

/*
 * DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE with valid and invalid formats, sizes
 * and pad, on the thread's objects (EBUSY for a resource, EINVAL for a foreign
 * object) and on handles @f does not have (ENOENT). A valid call makes the
 * object a resource, or finds the host out of memory (ENOMEM), which only the
 * host memory counted for the fuzzer's resources can explain (see hostmem).
 */
void do_resource_create(struct thread *t, struct file *f)
{
	struct drm_nova_lite_resource_create c = { 0 };
	bool valid, reserved = false, host_full = false;
	uint64_t need = 0, peak = 0;
	char why[160] = "";
	struct model *m;
	struct obj *o;
	errset errs;
	int err;

	/* All places taken: sometimes make room, closing one of the thread's resources here. */
	if (__atomic_load_n(&cfg.live_resources, __ATOMIC_RELAXED) >= MAX_RESOURCES &&
	    chance(t, 30) && (o = pick_resource(t, f))) {
		close_obj(t, f, o);
		if (f->fd < 0)
			return;
	}
	o = pick_handle(t, f, false, true, &c.handle, &errs);
	m = o ? o->m : NULL;
	c.format = pick_format(t);
	pick_dims(t, m ? m->size : 64 * PAGE, &c.width, &c.height);
	if (chance(t, 5))
		c.pad = 1ull << below(t, 64);
	c.stride = (uint32_t)rnd(t);		/* out only */
	c.resource_id = (uint32_t)rnd(t);	/* out only */
	valid = nlt_format_valid(c.format) &&
		dims_valid(c.width, c.height, m ? m->size : 64 * PAGE) && !c.pad;
	/* Bounded: resources of small objects only, MAX_RESOURCES at a time. */
	if (valid && m && !m->foreign && !m->res_id) {
		if (m->size <= RES_OBJ_MAX && reserve_resource()) {
			reserved = true;
		} else {
			c.width = 0;
			valid = false;
		}
	}
	if (!valid)
		errs |= E(EINVAL);
	if (m && !m->foreign && m->res_id)
		errs |= E(EBUSY);
	if (reserved) {
		need = 4ull * c.width * c.height;
		hostmem_begin(t->id, need);
	}
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &c);
	if (reserved) {
		peak = hostmem_end(t->id, need, !err);
		/* A valid call may find the host's memory full (QEMU's max_hostmem), if it is. */
		host_full = cfg.max_hostmem && peak >= cfg.max_hostmem;
		snprintf(why, sizeof(why), ": the fuzzer's resources, this one included, took at "
			 "most %" PRIu64 " bytes of the host's memory", peak);
	}
	/* The host's answer comes later: the resource's first error (see do_wait()). */
	expect(t, OP_RESOURCE_CREATE, err, errs ? errs : OK,
	       "handle %u (%s) format %#x %ux%u pad %#" PRIx64 "%s", c.handle, kind(o), c.format,
	       c.width, c.height, (uint64_t)c.pad, why);
	if (!err && !errs && host_full)
		t->resource_enomem++;
	if (!err && reserved) {
		/* In --unplug, ids of two instances of the device may meet in the model. */
		if (c.stride != 4 * c.width || !c.resource_id ||
		    (!cfg.unplug && resource_id_live(t, c.resource_id)))
			wrong(t, OP_RESOURCE_CREATE, "%ux%u: stride %u, resource id %u, want %u and "
			      "an id not 0 nor another live resource's", c.width, c.height, c.stride,
			      c.resource_id, 4 * c.width);
		m->res_id = c.resource_id;
		m->res_w = c.width;
		m->res_h = c.height;
		m->res_format = c.format;
		m->hostmem = need;
		m->may_fail = host_full;
	} else if (reserved) {
		unreserve_resource();
	}
	note_err(f, err);
}

/*
 * A rectangle for a resource of @w x @h pixels (a nominal 64 x 64 for a handle
 * that is not a resource): mostly inside, sometimes the whole resource, empty,
 * one pixel across the right or bottom edge, starting outside, or with x +
 * width (y + height) wrapping around 32 bits to inside.
 */
static struct drm_nova_lite_rect pick_rect(struct thread *t, uint32_t w, uint32_t h)
{
	struct drm_nova_lite_rect r;

	if (!w || !h)
		w = h = 64;
	r.x = below(t, w);
	r.y = below(t, h);
	r.width = 1 + below(t, w - r.x);
	r.height = 1 + below(t, h - r.y);
	switch (below(t, 14)) {
	case 0:
	case 1:
	case 2:
		r = (struct drm_nova_lite_rect){ 0, 0, w, h };
		break;
	case 3:
		if (chance(t, 50))
			r.width = 0;
		else
			r.height = 0;
		break;
	case 4:
		r.width = w - r.x + 1;
		break;
	case 5:
		r.height = h - r.y + 1;
		break;
	case 6:
		r.x = w + below(t, 64);
		break;
	case 7:
		r.y = h + below(t, 64);
		break;
	case 8:
		r.x = UINT32_MAX - below(t, 16);
		r.width = UINT32_MAX - r.x + 1 + below(t, w);
		break;
	case 9:
		r.y = UINT32_MAX - below(t, 16);
		r.height = UINT32_MAX - r.y + 1 + below(t, h);
		break;
	case 10:
		r.x = 1 + below(t, w);
		r.width = UINT32_MAX;
		break;
	default:
		break;
	}
	return r;
}

/* Whether @r is valid for a resource of @w x @h pixels (see struct drm_nova_lite_rect). */
static bool rect_valid(const struct drm_nova_lite_rect *r, uint32_t w, uint32_t h)
{
	return r->width && r->height && (uint64_t)r->x + r->width <= w &&
	       (uint64_t)r->y + r->height <= h;
}

/*
 * What the handle and rectangle of TRANSFER_TO_HOST make the ioctl answer, on
 * top of @errs (the handle's):
 * ENXIO for an object that is not a resource, EINVAL for a rectangle that is
 * not valid for the resource (an empty one is invalid whatever the handle).
 */
static errset rect_errs(const struct obj *o, const struct drm_nova_lite_rect *r, errset errs)
{
	if (o && !o->m->foreign && !o->m->res_id)
		errs |= E(ENXIO);
	else if (o && !o->m->foreign && !rect_valid(r, o->m->res_w, o->m->res_h))
		errs |= E(EINVAL);
	if (!r->width || !r->height)
		errs |= E(EINVAL);
	return errs;
}

/*
 * The first error a resource's operations may return: ENOMEM if it was created
 * while the host's memory could be full (its RESOURCE_CREATE_2D refused, and
 * the ATTACH_BACKING after it then finds no resource: that second error is not
 * recorded, the first stays).
 */
static errset first_errs(const struct obj *o)
{
	return o && o->m->may_fail ? E(ENOMEM) : 0;
}

/*
 * DRM_IOCTL_NOVA_LITE_WAIT on the thread's resources, other objects and
 * unknown handles: with the no-wait flag (EBUSY while commands are in flight;
 * the timeout ignored, negative or not), with a timeout of 0 to 2 ms
 * (ETIMEDOUT) or 10 s (never ETIMEDOUT on a healthy device), and sometimes
 * unknown flags, a negative timeout or a bad pad (EINVAL). A resource's answer
 * is 0, or its first error. The time left written back is between 0 and the
 * timeout given (unchanged with the no-wait flag).
 */
void do_wait(struct thread *t, struct file *f)
{
	struct drm_nova_lite_wait w = { 0 };
	errset errs, bad = 0, busy;
	struct obj *o = pick_handle(t, f, true, true, &w.handle, &errs);
	int64_t timeout;
	bool nowait;
	int err;

	if (chance(t, 40))
		w.flags = NOVA_LITE_WAIT_NOWAIT;
	w.timeout_ns = chance(t, 10) ? 10000000000ll : (int64_t)below(t, 2000000);
	switch (below(t, 20)) {
	case 0: w.flags |= 2u << below(t, 31); bad = E(EINVAL); break;
	case 1:
		w.timeout_ns = -1 - (int64_t)below(t, 1000);
		if (!(w.flags & NOVA_LITE_WAIT_NOWAIT))
			bad = E(EINVAL);
		break;
	case 2: w.pad = 1ull << below(t, 64); bad = E(EINVAL); break;
	default: break;
	}
	if (o && !o->m->foreign && !o->m->res_id)
		errs |= E(ENXIO);
	nowait = w.flags & NOVA_LITE_WAIT_NOWAIT;
	timeout = w.timeout_ns;
	busy = nowait ? E(EBUSY) : timeout < 1000000000 ? E(ETIMEDOUT) : 0;
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_WAIT, &w);
	expect(t, OP_WAIT, err, bad ? bad : errs ? errs : OK | busy | first_errs(o),
	       "handle %u (%s) flags %#x timeout %" PRId64 " ns pad %#" PRIx64, w.handle, kind(o),
	       w.flags, timeout, (uint64_t)w.pad);
	if (!bad && !errs && !(nowait ? w.timeout_ns == timeout
				      : w.timeout_ns >= 0 && w.timeout_ns <= timeout))
		wrong(t, OP_WAIT, "handle %u flags %#x timeout %" PRId64 " ns: %" PRId64 " ns left",
		      w.handle, w.flags, timeout, (int64_t)w.timeout_ns);
	note_err(f, err);
}

/*
 * DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST on the thread's resources, other
 * objects and unknown handles, with rectangles inside and outside, and a bad
 * pad.
 */
void do_transfer(struct thread *t, struct file *f)
{
	struct drm_nova_lite_transfer a = { 0 };
	errset errs;
	struct obj *o = pick_handle(t, f, true, true, &a.handle, &errs);
	int err;

	a.rect = pick_rect(t, o ? o->m->res_w : 0, o ? o->m->res_h : 0);
	errs = rect_errs(o, &a.rect, errs);
	if (chance(t, 5)) {
		a.pad = 1u << below(t, 32);
		errs |= E(EINVAL);
	}
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, &a);
	expect(t, OP_TRANSFER, err, errs ? errs : OK | first_errs(o),
	       "handle %u (%s %ux%u) pad %#x rect %u,%u %ux%u",
	       a.handle, kind(o), o ? o->m->res_w : 0, o ? o->m->res_h : 0, a.pad, a.rect.x,
	       a.rect.y, a.rect.width, a.rect.height);
	note_err(f, err);
}

/*
 * QUERY's buffer of @size bytes (at most QUERY_BUF): it ends QUERY_GUARD bytes
 * before the page without access that follows the thread's query page. The
 * whole query page is filled with @pattern.
 */
static uint8_t *query_buf(struct thread *t, uint32_t size, uint8_t pattern)
{
	if (!t->qpage) {
		void *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || mprotect((uint8_t *)p + PAGE, PAGE, PROT_NONE)) {
			perror("nova_lite_fuzz: query buffer");
			exit(2);
		}
		t->qpage = p;
	}
	memset(t->qpage, pattern, PAGE);
	return t->qpage + PAGE - QUERY_GUARD - size;
}

/*
 * Checks that QUERY wrote nothing on the query page but the first @written
 * bytes of @buf: min(the buffer's size, the answer's) on success, none on
 * failure.
 */
static void check_query_guard(struct thread *t, const uint8_t *buf, uint32_t written,
			      uint8_t pattern, const char *what)
{
	for (const uint8_t *p = t->qpage; p < t->qpage + PAGE; p++) {
		if (p >= buf && p < buf + written)
			continue;
		if (*p != pattern) {
			wrong(t, OP_QUERY, "%s: byte %td from the buffer's start was written (%#x), "
			      "only the first %u bytes may be", what, p - buf, *p, written);
			return;
		}
	}
}

/*
 * DRM_IOCTL_NOVA_LITE_QUERY with valid and invalid types, indexes, pad, sizes
 * and pointers. A call with a buffer gets the first min(size, answer) bytes of
 * the answer and the whole answer's size, whatever the buffer's size (an EDID
 * is at least 128 bytes, the display information 32 per scanout); the bytes
 * must be the reference's (display information, each scanout's EDID: read at
 * start), and nothing else on the buffer's page may change. A size probe
 * (data 0) gets the size and writes nothing. Every call is a device round
 * trip.
 */
void do_query(struct thread *t, struct file *f)
{
	struct drm_nova_lite_query q = { 0 };
	uint32_t nscanouts = cfg.params[NOVA_LITE_PARAM_NUM_SCANOUTS], need = 0, in_size, written;
	uint8_t pattern = rnd(t), *buf = NULL;
	const uint8_t *ref = NULL;
	bool edid, args_ok;
	errset allowed;
	int kind, err;

	q.type = chance(t, 50) ? NOVA_LITE_QUERY_DISPLAY_INFO : NOVA_LITE_QUERY_EDID;
	if (chance(t, 5))
		q.type = chance(t, 50) ? 0 : (uint32_t)rnd(t) | 4;
	if (q.type == NOVA_LITE_QUERY_EDID)
		q.index = chance(t, 90) ? below(t, nscanouts) : nscanouts + below(t, 1000);
	else if (chance(t, 5))
		q.index = 1 + below(t, 1000);
	if (chance(t, 3))
		q.pad = 1u << below(t, 32);
	/* 0-1: size probe, 2: under 128 bytes, 3: bad pointer, 4: 128 to 1023, else 1024 on */
	kind = below(t, 10);
	if (kind <= 1)
		q.size = (uint32_t)rnd(t);
	else if (kind == 2)
		q.size = below(t, 128);
	else if (kind == 4)
		q.size = 128 + below(t, 1024 - 128);
	else
		q.size = 1024 + below(t, QUERY_BUF - 1024 + 1);
	if (kind == 3) {
		q.data = BAD_PTR;
	} else if (kind > 1) {
		/* A pattern byte that an EDID or display information rarely has. */
		if (pattern == 0 || pattern == 0xff)
			pattern = 0xa5;
		buf = query_buf(t, q.size, pattern);
		q.data = (uintptr_t)buf;
	}
	in_size = q.size;

	edid = q.type == NOVA_LITE_QUERY_EDID;
	args_ok = !q.pad && (q.type == NOVA_LITE_QUERY_DISPLAY_INFO || edid) &&
		  (edid ? q.index < nscanouts : !q.index);
	if (!args_ok) {
		allowed = E(EINVAL);
	} else if (edid && !cfg.edid) {
		allowed = E(EOPNOTSUPP);
	} else {
		need = edid ? cfg.edid_size[q.index] : cfg.display_size;
		ref = edid ? cfg.edid_data[q.index] : (const uint8_t *)cfg.display;
		/* The bad pointer comes with 1024 bytes or more: some must be written. */
		allowed = kind == 3 ? E(EFAULT) : OK;
	}
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_QUERY, &q);
	expect(t, OP_QUERY, err, allowed, "type %u index %u pad %#x size %u data %s", q.type,
	       q.index, q.pad, in_size, kind <= 1 ? "0" : kind == 3 ? "bad" : "buf");
	note_err(f, err);
	written = !err && buf ? (in_size < need ? in_size : need) : 0;
	if (buf)
		check_query_guard(t, buf, written, pattern, edid ? "EDID" : "display info");
	if (err || !ref)
		return;
	if (q.size != need)
		wrong(t, OP_QUERY, "%s%s: size %u, the whole answer is %u",
		      edid ? "EDID" : "display info", buf ? "" : " probe", q.size, need);
	else if (buf && memcmp(buf, ref, written))
		wrong(t, OP_QUERY, "the first %u bytes of %s differ from the reference", written,
		      edid ? "the EDID" : "the display info");
}
