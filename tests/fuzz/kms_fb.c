// SPDX-License-Identifier: MIT
/*
 * KMS: framebuffers (ADDFB2, RMFB, DIRTYFB), property blobs, the close of a file,
 * and KMS's set-up and end.
 */

#include "fuzz.h"

/* --- KMS: framebuffers, blobs, files ------------------------------------------- */

/*
 * The rows of the resource that a framebuffer of pitch @pitch makes of object @m: the object's
 * whole rows, at most MAX_DIM (fb_resource_shape() in nova-lite/drm/kms.rs).
 */
static uint64_t fb_res_rows(const struct model *m, uint32_t pitch)
{
	return m->size / pitch < MAX_DIM ? m->size / pitch : MAX_DIM;
}

/*
 * The answer of ADDFB2 with @c on @f, @m the object of handles[0] (NULL: a handle @f does not
 * have), in the order of the checks: drm_mode_addfb2(), drm_internal_framebuffer_create() and
 * framebuffer_check() (the DRM core's: flags, size, no modifiers, a format it knows, the
 * handle, pitch and offset of plane 0 (ERANGE past 32 bits), modifiers of no plane), the Rust
 * abstraction's framebuffer creation (framebuffer.rs: a format of a plane, each handle an
 * object of the file (ENOENT) and of the driver, large enough), and nova-lite's
 * check_framebuffer() (nova-lite/drm/kms.rs: offset 0, a pitch of whole pixels, and the
 * object's resource fits, XRGB8888 of that pitch and as high; an object that is no resource
 * becomes one of the pitch, *@new_res, unless that is wider than a resource may be or lacks
 * a whole row of the framebuffer's).
 */
static int addfb_expect(const struct file *f, const struct drm_mode_fb_cmd2 *c,
			const struct model *m, bool *new_res)
{
	static const uint32_t known[] = {
		DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_RGB565, DRM_FORMAT_XBGR8888,
		DRM_FORMAT_ABGR8888, DRM_FORMAT_BGRX8888, DRM_FORMAT_XRGB2101010, DRM_FORMAT_NV12,
		DRM_FORMAT_C8,
	};
	bool is_known = false;
	uint32_t pitch = c->pitches[0];

	*new_res = false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		is_known |= c->pixel_format == known[i];
	if (!f->primary)
		return EACCES;
	if (c->flags & ~(DRM_MODE_FB_INTERLACED | DRM_MODE_FB_MODIFIERS) || c->width < FB_MIN ||
	    c->width > FB_MAX || c->height < FB_MIN || c->height > FB_MAX ||
	    c->flags & DRM_MODE_FB_MODIFIERS || !is_known || !c->handles[0])
		return EINVAL;
	if ((uint64_t)c->height * pitch + c->offsets[0] > UINT32_MAX)
		return ERANGE;
	/* Another format fails the rest of framebuffer_check() or has no plane: EINVAL. */
	if ((c->pixel_format != DRM_FORMAT_XRGB8888 && c->pixel_format != DRM_FORMAT_ARGB8888) ||
	    pitch < 4ull * c->width || c->modifier[0] || c->modifier[1] || c->modifier[2] ||
	    c->modifier[3])
		return EINVAL;
	if (!m)
		return ENOENT;
	if (m->foreign || m->size < (uint64_t)(c->height - 1) * pitch + 4ull * c->width +
	    c->offsets[0] || c->offsets[0] || pitch % 4)
		return EINVAL;
	if (m->res_id)
		return m->res_format == DRM_FORMAT_XRGB8888 && 4ull * m->res_w == pitch &&
		       m->res_h >= c->height ? 0 : EINVAL;
	/* The resource must have every row of the framebuffer's, whole. */
	if (pitch / 4 > MAX_DIM || fb_res_rows(m, pitch) < c->height)
		return EINVAL;
	*new_res = true;
	return 0;
}

/*
 * A framebuffer's size and pitch for object @m: mostly one that fits its resource (of the
 * resource's pitch); for an object that is none, a pitch of whole pixels (sometimes with a
 * margin) and a height the object holds.
 */
static void addfb_geometry(struct thread *t, const struct model *m, struct drm_mode_fb_cmd2 *c)
{
	uint64_t size = m ? m->size : 64 * PAGE, rows;
	uint32_t w = FB_MIN + below(t, 1024 - FB_MIN + 1);

	if (m && m->res_id && chance(t, 70)) {
		uint32_t rw = min32(m->res_w, FB_MAX), rh = min32(m->res_h, FB_MAX);

		c->pitches[0] = 4 * m->res_w;
		c->width = FB_MIN + (rw > FB_MIN ? below(t, rw - FB_MIN + 1) : 0);
		c->height = FB_MIN + (rh > FB_MIN ? below(t, rh - FB_MIN + 1) : 0);
		return;
	}
	c->pitches[0] = 4 * w + (chance(t, 20) ? 4 * below(t, 64) : 0);
	rows = size >= 4ull * w ? (size - 4ull * w) / c->pitches[0] + 1 : 0;
	if (rows < FB_MIN) {
		/* Narrower: 32x32 pixels fit in a page. */
		w = FB_MIN;
		c->pitches[0] = 4 * w;
		rows = (size - 4ull * w) / c->pitches[0] + 1;
	}
	c->width = w;
	c->height = FB_MIN + below(t, min32(rows, FB_MAX) - FB_MIN + 1);
}

/* One thing of ADDFB2's arguments wrong, or the unused planes' entries filled (ignored). */
static void addfb_mutate(struct thread *t, struct drm_mode_fb_cmd2 *c)
{
	/* 0, the old format enum's values, formats of no plane, big-endian codes. */
	static const uint32_t formats[] = {
		0, 1, 2, 3, 4, 67, 68, 121, 134, DRM_FORMAT_RGB565, DRM_FORMAT_XBGR8888,
		DRM_FORMAT_ABGR8888, DRM_FORMAT_BGRX8888, DRM_FORMAT_XRGB2101010, DRM_FORMAT_NV12,
		DRM_FORMAT_C8, DRM_FORMAT_XRGB8888 | DRM_FORMAT_BIG_ENDIAN,
		DRM_FORMAT_ARGB8888 | DRM_FORMAT_BIG_ENDIAN,
	};

	switch (below(t, 14)) {
	case 0: c->width = chance(t, 50) ? below(t, FB_MIN) : FB_MAX + 1 + below(t, 1000); break;
	case 1: c->height = chance(t, 50) ? below(t, FB_MIN) : FB_MAX + 1 + below(t, 1000); break;
	case 2: c->pixel_format = formats[below(t, sizeof(formats) / sizeof(formats[0]))]; break;
	case 3: c->pixel_format = (uint32_t)rnd(t) | DRM_FORMAT_BIG_ENDIAN; break;
	case 4: c->pitches[0] = 4 * c->width - 4 * (1 + below(t, 8)); break;
	case 5: c->pitches[0] += 1 + below(t, 3); break;
	case 6: c->pitches[0] = (1u << 28) + 4 * below(t, 1 << 20); break;
	case 7: c->pitches[0] = 4 * (MAX_DIM + 1 + below(t, 64)); break;
	case 8: c->offsets[0] = 4 * (1 + below(t, 1024)); break;
	case 9: c->flags = DRM_MODE_FB_INTERLACED; break;
	case 10:
		c->flags = chance(t, 50) ? DRM_MODE_FB_MODIFIERS : 1u << (2 + below(t, 30));
		break;
	case 11: {
		int i = below(t, 4);

		c->modifier[i] = 1 + below(t, 1000);
		break;
	}
	default:
		/* Without DRM_MODE_FB_MODIFIERS, old userspace's garbage there is ignored. */
		for (int i = 1; i < 4; i++) {
			c->handles[i] = below(t, 1 << 16);
			c->pitches[i] = below(t, 1 << 16);
			c->offsets[i] = below(t, 1 << 16);
		}
		break;
	}
}

/*
 * DRM_IOCTL_MODE_ADDFB2 (see addfb_expect()) of the thread's objects in @f, sized to fit them,
 * and of handles @f does not have, with one argument wrong in 30% of the calls. An object
 * that becomes a resource is bounded and counted as for RESOURCE_CREATE (see hostmem); a
 * framebuffer made is kept (FBS_PER_FILE in a file: one that no plane shows goes first).
 */
void do_addfb(struct thread *t, struct file *f)
{
	struct drm_mode_fb_cmd2 c = { 0 };
	bool new_res, reserved = false, host_full = false;
	uint64_t need = 0, rows = 0;
	struct fbrec *fb = NULL;
	struct obj *o = NULL;
	char why[160] = "";
	uint32_t old = 0;
	struct model *m;
	int want, err, mine = 0;

	pthread_rwlock_rdlock(&kms.lock);
	for (int i = 0; i < KMS_MAX_FBS; i++)
		mine += kms.fbs[i].id && kms.fbs[i].owner == t->id && fb_of_file(t, f, &kms.fbs[i]);
	if (mine >= FBS_PER_FILE) {
		fb = fb_pick(t, f, FB_MINE_IN, true, 0, 0);
		old = fb ? fb->id : 0;
	}
	pthread_rwlock_unlock(&kms.lock);
	if (mine >= FBS_PER_FILE) {
		if (!old)
			return;
		rmfb_own(t, f, old);
	}

	if (chance(t, 90)) {
		o = pick_obj(t, f);
		c.handles[0] = o ? o->handle : bad_id(t);
	} else {
		c.handles[0] = chance(t, 50) ? 0 : f->stale && !f->shared ? f->stale : bad_id(t);
	}
	m = o ? o->m : NULL;
	c.pixel_format = chance(t, 50) ? DRM_FORMAT_XRGB8888 : DRM_FORMAT_ARGB8888;
	addfb_geometry(t, m, &c);
	if (chance(t, 30))
		addfb_mutate(t, &c);
	want = addfb_expect(f, &c, m, &new_res);
	if (!want && new_res) {
		rows = fb_res_rows(m, c.pitches[0]);
		/* Bounded as RESOURCE_CREATE's: small objects only, MAX_RESOURCES at a time. */
		if (m->size <= RES_OBJ_MAX && reserve_resource()) {
			reserved = true;
			need = c.pitches[0] * rows;
			hostmem_begin(t->id, need);
		} else {
			c.width = 0;
			want = EINVAL;
		}
	}
	c.fb_id = (uint32_t)rnd(t); /* out only */
	err = xioctl(f->fd, DRM_IOCTL_MODE_ADDFB2, &c);
	if (reserved) {
		uint64_t peak = hostmem_end(t->id, need, !err);

		host_full = cfg.max_hostmem && peak >= cfg.max_hostmem;
		snprintf(why, sizeof(why), ": the fuzzer's resources, this one included, took at "
			 "most %" PRIu64 " bytes of the host's memory", peak);
	}
	expect(t, OP_ADDFB, err, E1(want), "%ux%u format %#x flags %#x handle %u (%s) pitch %u "
	       "offset %u modifiers %#llx %#llx on a %s file%s", c.width, c.height, c.pixel_format,
	       c.flags, c.handles[0], kind(o), c.pitches[0], c.offsets[0],
	       (unsigned long long)c.modifier[0], (unsigned long long)c.modifier[1],
	       f->primary ? "primary" : "render", why);
	note_err(f, err);
	if (reserved && !err) {
		/* The resource's id is not returned: the object is a resource of that size. */
		t->resource_enomem += host_full;
		m->res_id = RES_ID_FB;
		m->res_w = c.pitches[0] / 4;
		m->res_h = rows;
		m->res_format = DRM_FORMAT_XRGB8888;
		m->hostmem = need;
		m->may_fail = host_full;
	} else if (reserved) {
		unreserve_resource();
	}
	if (err)
		return;
	if (!want && !c.fb_id)
		wrong(t, OP_ADDFB, "%ux%u: framebuffer id 0", c.width, c.height);
	if (want || !c.fb_id) {
		/* Made against the prediction: not kept, so that the state stays known. */
		xioctl(f->fd, DRM_IOCTL_MODE_RMFB, &c.fb_id);
		return;
	}
	pthread_rwlock_wrlock(&kms.lock);
	for (fb = kms.fbs; fb < kms.fbs + KMS_MAX_FBS && fb->id; fb++)
		;
	if (fb < kms.fbs + KMS_MAX_FBS) {
		*fb = (struct fbrec){ c.fb_id, c.width, c.height, t->id, file_index(t, f), m };
		m->refs++;
	} else {
		/* Only after an RMFB that failed: the files' limits leave room for all. */
		xioctl(f->fd, DRM_IOCTL_MODE_RMFB, &c.fb_id);
	}
	pthread_rwlock_unlock(&kms.lock);
}

/*
 * DRM_IOCTL_MODE_RMFB (drm_mode_rmfb(), drm_mode_closefb()): mostly of one of the thread's
 * framebuffers in @f, which must succeed (one that a plane shows only when the thread may
 * commit: the DRM core turns the plane off, a blocking commit); else of a framebuffer that
 * is not in @f's list (another file's, of any thread) or of no framebuffer: ENOENT. EACCES
 * on the render node.
 */
void do_rmfb(struct thread *t, struct file *f)
{
	bool may_commit = t->credit >= KMS_COMMIT_EVERY;
	struct fbrec *fb = NULL;
	uint32_t id;
	int err;

	pthread_rwlock_rdlock(&kms.lock);
	if (f->primary && chance(t, 70))
		fb = fb_pick(t, f, FB_MINE_IN, !may_commit, 0, 0);
	if (fb) {
		id = fb->id;
		if (fb_shown(id))
			t->credit = 0;
		pthread_rwlock_unlock(&kms.lock);
		rmfb_own(t, f, id);
		return;
	}
	fb = chance(t, 60) ? fb_pick(t, f, FB_NOT_IN, false, 0, 0) : NULL;
	id = fb ? fb->id : chance(t, 30) ? 0 : bad_id(t);
	/* Under the lock: the framebuffer cannot go, and its id come back as one of @f's. */
	err = xioctl(f->fd, DRM_IOCTL_MODE_RMFB, &id);
	pthread_rwlock_unlock(&kms.lock);
	expect(t, OP_RMFB, err, f->primary ? E(ENOENT) : E(EACCES), "fb %u (%s) on a %s file", id,
	       fb ? "another file's" : "none", f->primary ? "primary" : "render");
	note_err(f, err);
}

/*
 * What the commit of DIRTYFB on a shown framebuffer answers for its @n rectangles, every
 * @step-th of @clips: EINVAL for an empty one. It spends the thread's allowance of commits.
 */
static int dirty_clips(struct thread *t, const struct drm_clip_rect *clips, int n, int step)
{
	t->credit = 0;
	for (const struct drm_clip_rect *r = clips; r < clips + n * step; r += step)
		if (r->x1 >= r->x2 || r->y1 >= r->y2)
			return EINVAL;
	return 0;
}

/*
 * DRM_IOCTL_MODE_DIRTYFB (drm_mode_dirtyfb_ioctl(), the DRM master's) of any thread's
 * framebuffer or of none (ENOENT), with 0 to 8 clip rectangles, some empty, and counts,
 * flags and pointers that do not go together (EINVAL, EFAULT). The dirty callback,
 * drm_atomic_helper_dirtyfb(), commits the rectangles (every other one with
 * DRM_MODE_FB_DIRTY_ANNOTATE_COPY) as damage of the planes that show the framebuffer: an
 * empty one fails the core's plane check (EINVAL); other rectangles, which are 16 bits, pass
 * (it compares them with the framebuffer's size in 16.16). Without such a plane the commit is
 * empty. A framebuffer that a plane shows only when the thread may commit (a blocking commit).
 */
void do_dirtyfb(struct thread *t, struct file *f)
{
	struct drm_mode_fb_dirty_cmd d = { .color = (uint32_t)rnd(t) };
	bool may_commit = f->master && t->credit >= KMS_COMMIT_EVERY, copy;
	struct drm_clip_rect clips[8];
	struct fbrec *fb;
	int want = 0, err;
	int32_t n;

	for (int i = 0; i < 8; i++) {
		clips[i].x1 = below(t, 64);
		clips[i].y1 = below(t, 64);
		clips[i].x2 = clips[i].x1 + (chance(t, 5) ? 0 : 1 + below(t, 64));
		clips[i].y2 = clips[i].y1 + (chance(t, 5) ? 0 : 1 + below(t, 64));
	}
	switch (below(t, 10)) {
	case 0:
	case 1:
	case 2:
		break;
	case 3:
		d.clips_ptr = (uintptr_t)clips;
		break;
	case 4:
		d.num_clips = 1 + below(t, 8);
		break;
	case 5:
		d.num_clips = chance(t, 50) ? DRM_MODE_FB_DIRTY_MAX_CLIPS + 1 + below(t, 1000) :
			      0x80000000u + below(t, 1000);
		d.clips_ptr = (uintptr_t)clips;
		break;
	case 6:
		d.num_clips = 1 + below(t, 8);
		d.clips_ptr = BAD_PTR;
		break;
	default:
		d.num_clips = 1 + below(t, 8);
		d.clips_ptr = (uintptr_t)clips;
		break;
	}
	d.flags = chance(t, 80) ? below(t, 4) : (uint32_t)rnd(t);
	copy = d.flags & DRM_MODE_FB_DIRTY_ANNOTATE_COPY;
	n = (int32_t)d.num_clips;

	pthread_rwlock_rdlock(&kms.lock);
	fb = chance(t, 85) ? fb_pick(t, NULL, FB_ANY, !may_commit, 0, 0) : NULL;
	d.fb_id = fb ? fb->id : chance(t, 30) ? 0 : bad_id(t);
	if (!f->primary || !f->master)
		want = EACCES;
	else if (!fb)
		want = ENOENT;
	else if (!n != !d.clips_ptr || (copy && n % 2) || (n && (n < 0 ||
		 n > DRM_MODE_FB_DIRTY_MAX_CLIPS)))
		want = EINVAL;
	else if (n && d.clips_ptr == BAD_PTR)
		want = EFAULT;
	else if (fb_shown(fb->id))
		want = dirty_clips(t, clips, copy ? n / 2 : n, copy ? 2 : 1);
	err = xioctl(f->fd, DRM_IOCTL_MODE_DIRTYFB, &d);
	pthread_rwlock_unlock(&kms.lock);
	expect(t, OP_DIRTYFB, err, E1(want), "fb %u (%s) flags %#x clips %u at %s on %s", d.fb_id,
	       fb ? "a live one" : "none", d.flags, d.num_clips,
	       !d.clips_ptr ? "0" : d.clips_ptr == BAD_PTR ? "a bad pointer" : "the fuzzer's",
	       f->master ? "the master" : f->primary ? "a primary file" : "a render file");
	note_err(f, err);
}

/*
 * DRM_IOCTL_MODE_CREATEPROPBLOB of modes (mode_random()), damage rectangles
 * (clips_random()), other bytes (never a mode's length), bad lengths and pointers (see
 * blob_make()); DRM_IOCTL_MODE_DESTROYPROPBLOB (drm_mode_destroyblob_ioctl()) of the thread's
 * blobs in the file that made them, in another file (EPERM) and of ids of no blob (ENOENT).
 * Neither is allowed on the render node (EACCES).
 */
void do_blob(struct thread *t, struct file *f)
{
	uint8_t data[BLOB_MAX];
	uint64_t ptr = (uintptr_t)data;
	uint32_t len;

	if (t->nblobs && chance(t, 30)) {
		int i = below(t, t->nblobs), want, err;
		struct drm_mode_destroy_blob d = { .blob_id = t->blobs[i].id };
		bool mine;

		if (chance(t, 30))
			d.blob_id = chance(t, 50) ? bad_id(t) : kms.pipe[0].obj[KO_CRTC].id;
		mine = d.blob_id == t->blobs[i].id;
		if (mine && f->primary && t->blobs[i].fidx == file_index(t, f)) {
			blob_destroy(t, i);
			return;
		}
		want = !f->primary ? EACCES : mine ? EPERM : ENOENT;
		err = xioctl(f->fd, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d);
		expect(t, OP_BLOB, err, E(want), "destroy blob %u (%s) on a %s file", d.blob_id,
		       mine ? "another file's" : "none", f->primary ? "primary" : "render");
		if (!err && mine)
			t->blobs[i] = t->blobs[--t->nblobs];
		note_err(f, err);
		return;
	}
	switch (below(t, 10)) {
	case 0:
	case 1:
	case 2:
	case 3: {
		struct drm_mode_modeinfo m;

		mode_random(t, &m, 1024, 768);
		len = sizeof(m);
		memcpy(data, &m, len);
		break;
	}
	case 4:
	case 5:
	case 6: {
		struct drm_mode_rect r[5];

		len = clips_random(t, r);
		memcpy(data, r, len);
		break;
	}
	case 7:
		len = 1 + below(t, BLOB_MAX);
		len += len == sizeof(struct drm_mode_modeinfo);
		for (uint32_t i = 0; i < len; i++)
			data[i] = rnd(t);
		break;
	case 8:
		len = chance(t, 50) ? 0 : 0x80000000u + below(t, 1 << 20);
		break;
	default:
		len = 1 + below(t, BLOB_MAX);
		ptr = BAD_PTR;
		break;
	}
	blob_make(t, f, data, len, ptr);
}

/*
 * Closes @f, one of the thread's files (file_close()). The kernel drops the blobs the file
 * made, and the framebuffers of a primary file (drm_fb_release(): as RMFB, a plane that shows
 * one is turned off first, a blocking commit); the model follows, under kms.lock.
 */
void close_file(struct thread *t, struct file *f)
{
	int idx = file_index(t, f);

	for (int i = t->nblobs - 1; i >= 0; i--)
		if (t->blobs[i].fidx == idx)
			t->blobs[i] = t->blobs[--t->nblobs];
	if (!kms.on || !f->primary || f->shared) {
		file_close(f);
		return;
	}
	pthread_rwlock_wrlock(&kms.lock);
	file_close(f);
	for (int i = 0; i < KMS_MAX_FBS; i++)
		if (kms.fbs[i].id && kms.fbs[i].owner == t->id && kms.fbs[i].fidx == idx)
			fb_removed(&kms.fbs[i]);
	pthread_rwlock_unlock(&kms.lock);
}

/*
 * At a thread's end: RMFB of its framebuffers in the shared primary file, which stays open
 * until every thread has finished (their objects are the thread's models).
 */
void kms_thread_end(struct thread *t)
{
	struct file *f = &t->files[SHARED_PRIMARY];
	uint32_t ids[KMS_MAX_FBS];
	int n = 0;

	pthread_rwlock_rdlock(&kms.lock);
	for (int i = 0; i < KMS_MAX_FBS; i++)
		if (kms.fbs[i].id && kms.fbs[i].owner == t->id && fb_of_file(t, f, &kms.fbs[i]))
			ids[n++] = kms.fbs[i].id;
	pthread_rwlock_unlock(&kms.lock);
	while (n)
		rmfb_own(t, f, ids[--n]);
}

/*
 * Every pipe off, a blocking commit per pipe with the plane's rectangles all 0, on the
 * shared primary file (the DRM master): at start, from the state fbcon left, which the model
 * does not know (@predict false: it must be taken), and at the end, predicted. The model
 * starts from, and ends with, that state.
 */
void kms_all_off(struct thread *t, bool predict)
{
	struct file mf = {
		.fd = cfg.shared_fd[1], .primary = true, .shared = true, .master = true,
	};

	for (int p = 0; p < kms.npipes; p++) {
		struct commit c = { .flags = DRM_MODE_ATOMIC_ALLOW_MODESET };
		char what[800] = "";
		struct sim s = { 0 };
		int want = 0, err;

		target_off(&c, p, true);
		if (predict)
			want = commit_expect(t, &mf, &c, &s);
		err = commit_ioctl(mf.fd, &c);
		if (err != want)
			commit_describe(&c, what, sizeof(what));
		expect(t, OP_COMMIT, err, E1(want), "%s (pipe %d off, %s)", what, p,
		       s.why ? s.why : "taken");
		kms.cur.plane[p] = (struct plane_st){ .crtc = -1 };
		kms.cur.crtc[p] = (struct crtc_st){ .enable = false };
		kms.cur.conn_crtc[p] = -1;
	}
}

/*
 * KMS for the random mode (not with --unplug), on the shared primary file: atomic
 * modesetting (the client capability), the pipes and their properties, and, if the file is
 * the DRM master, every pipe off. Without modesetting the KMS calls are left out.
 */
void kms_setup(struct thread *mt)
{
	int fd = cfg.shared_fd[1], connected = 0;
	char why[200];

	if (drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1))
		snprintf(why, sizeof(why), "no atomic modesetting (errno %d)", errno);
	else
		kms.on = !kms_discover(fd, why, sizeof(why));
	if (!kms.on) {
		printf("nova_lite_fuzz: %s: no KMS calls\n", why);
		return;
	}
	kms.master = cfg.shared_master;
	if (kms.master)
		kms_all_off(mt, false);
	for (int p = 0; p < kms.npipes; p++)
		connected += kms.pipe[p].connected;
	printf("nova_lite_fuzz: KMS: %d pipe(s), %d connected; %s\n", kms.npipes, connected,
	       kms.master ? "the shared primary file is the DRM master, every pipe off" :
	       "the shared primary file is not the DRM master: no commits (EACCES)");
}
