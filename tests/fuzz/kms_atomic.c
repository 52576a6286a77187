// SPDX-License-Identifier: MIT
/*
 * KMS: an atomic commit's arguments, and the answer the DRM core's and nova-lite's
 * checks give it, predicted in their order (commit_expect()).
 */

#include "fuzz.h"

/* --- KMS: atomic commits ------------------------------------------------------- */

void commit_obj(struct commit *c, uint32_t id)
{
	if (c->nobjs == COMMIT_MAX_OBJS)
		return;
	c->objs[c->nobjs] = id;
	c->counts[c->nobjs++] = 0;
}

/* A property of the object added last. */
void commit_prop(struct commit *c, uint32_t prop, uint64_t value)
{
	if (!c->nobjs || c->nprops == COMMIT_MAX_PROPS)
		return;
	c->props[c->nprops] = prop;
	c->values[c->nprops++] = value;
	c->counts[c->nobjs - 1]++;
}

/* Property @role of pipe @p's object of kind @k, that object being the one added last. */
void commit_role(struct commit *c, enum kind k, int p, enum role role, uint64_t value)
{
	const struct kms_prop *pr = kms_role(k, p, role);

	if (pr)
		commit_prop(c, pr->id, value);
}

int commit_ioctl(int fd, const struct commit *c)
{
	struct drm_mode_atomic a = {
		.flags = c->flags,
		.count_objs = c->nobjs,
		.objs_ptr = c->bad == BAD_OBJS ? BAD_PTR : (uintptr_t)c->objs,
		.count_props_ptr = c->bad == BAD_COUNTS ? BAD_PTR : (uintptr_t)c->counts,
		.props_ptr = c->bad == BAD_PROPS ? BAD_PTR : (uintptr_t)c->props,
		.prop_values_ptr = c->bad == BAD_VALUES ? BAD_PTR : (uintptr_t)c->values,
		.reserved = c->reserved,
		.user_data = c->user_data,
	};

	return xioctl(fd, DRM_IOCTL_MODE_ATOMIC, &a);
}

/* A random place for @w x @h pixels in framebuffer @fb: its top-left corner @sx, @sy. */
void fb_spot(struct thread *t, const struct fbrec *fb, uint32_t w, uint32_t h,
	     uint32_t *sx, uint32_t *sy)
{
	*sx = below(t, fb->width - w + 1);
	*sy = below(t, fb->height - h + 1);
}

/* Pipe @p's plane on its CRTC, covering it (@w x @h) with framebuffer @fb's at @sx, @sy. */
void target_plane(struct commit *c, int p, uint32_t fb, uint32_t w, uint32_t h,
		  uint32_t sx, uint32_t sy)
{
	commit_obj(c, kms.pipe[p].obj[KO_PLANE].id);
	commit_role(c, KO_PLANE, p, R_FB_ID, fb);
	commit_role(c, KO_PLANE, p, R_CRTC_ID, kms.pipe[p].obj[KO_CRTC].id);
	commit_role(c, KO_PLANE, p, R_CRTC_X, 0);
	commit_role(c, KO_PLANE, p, R_CRTC_Y, 0);
	commit_role(c, KO_PLANE, p, R_CRTC_W, w);
	commit_role(c, KO_PLANE, p, R_CRTC_H, h);
	commit_role(c, KO_PLANE, p, R_SRC_X, (uint64_t)sx << 16);
	commit_role(c, KO_PLANE, p, R_SRC_Y, (uint64_t)sy << 16);
	commit_role(c, KO_PLANE, p, R_SRC_W, (uint64_t)w << 16);
	commit_role(c, KO_PLANE, p, R_SRC_H, (uint64_t)h << 16);
}

/* Pipe @p lit in the mode of blob @mode, its plane as target_plane() puts it. */
void target_on(struct commit *c, int p, uint32_t mode, uint32_t fb, uint32_t w,
	       uint32_t h, uint32_t sx, uint32_t sy)
{
	commit_obj(c, kms.pipe[p].obj[KO_CONN].id);
	commit_role(c, KO_CONN, p, R_CRTC_ID, kms.pipe[p].obj[KO_CRTC].id);
	commit_obj(c, kms.pipe[p].obj[KO_CRTC].id);
	commit_role(c, KO_CRTC, p, R_MODE_ID, mode);
	commit_role(c, KO_CRTC, p, R_ACTIVE, 1);
	target_plane(c, p, fb, w, h, sx, sy);
}

/* Pipe @p off: no mode, nothing on its CRTC; with @zero, the plane's rectangles all 0. */
void target_off(struct commit *c, int p, bool zero)
{
	static const enum role rects[] = {
		R_CRTC_X, R_CRTC_Y, R_CRTC_W, R_CRTC_H, R_SRC_X, R_SRC_Y, R_SRC_W, R_SRC_H,
	};

	commit_obj(c, kms.pipe[p].obj[KO_PLANE].id);
	commit_role(c, KO_PLANE, p, R_FB_ID, 0);
	commit_role(c, KO_PLANE, p, R_CRTC_ID, 0);
	for (size_t i = 0; zero && i < sizeof(rects) / sizeof(rects[0]); i++)
		commit_role(c, KO_PLANE, p, rects[i], 0);
	commit_obj(c, kms.pipe[p].obj[KO_CRTC].id);
	commit_role(c, KO_CRTC, p, R_ACTIVE, 0);
	commit_role(c, KO_CRTC, p, R_MODE_ID, 0);
	commit_obj(c, kms.pipe[p].obj[KO_CONN].id);
	commit_role(c, KO_CONN, p, R_CRTC_ID, 0);
}

/* Writes a commit's flags, objects and properties into @buf, for a report. */
void commit_describe(const struct commit *c, char *buf, size_t len)
{
	static const char *const bad[] = { "", " bad objs", " bad counts", " bad props",
					   " bad values" };
	size_t n = snprintf(buf, len, "flags %#x%s%s:", c->flags, c->reserved ? " reserved" : "",
			    bad[c->bad]);
	int pi = 0;

	for (int i = 0; i < c->nobjs && n < len; i++) {
		enum kind k;
		int p;
		bool found = kms_locate(c->objs[i], &k, &p);

		n += snprintf(buf + n, len - n, " %s%d %u {", found ? kind_names[k] : "?",
			      found ? p : -1, c->objs[i]);
		for (uint32_t j = 0; j < c->counts[i] && n < len; j++, pi++) {
			const struct kms_prop *pr = found ? kms_prop(k, p, c->props[pi]) : NULL;

			n += snprintf(buf + n, len - n, " %s=%#" PRIx64, pr ? pr->name : "?",
				      c->values[pi]);
		}
		if (n < len)
			n += snprintf(buf + n, len - n, " }");
	}
}

static int refused_by(struct sim *s, const char *why, int err)
{
	s->why = why;
	return err;
}

/* Whether drm_property_change_valid_get() takes @v for @pr (with kms.lock held). */
static bool prop_value_ok(struct thread *t, const struct kms_prop *pr, uint64_t v)
{
	uint32_t ext = pr->flags & DRM_MODE_PROP_EXTENDED_TYPE;
	uint64_t mask = 0;

	if (pr->flags & DRM_MODE_PROP_IMMUTABLE)
		return false;
	if (pr->flags & DRM_MODE_PROP_RANGE)
		return v >= pr->values[0] && v <= pr->values[1];
	if (ext == DRM_MODE_PROP_SIGNED_RANGE)
		return (int64_t)v >= (int64_t)pr->values[0] && (int64_t)v <= (int64_t)pr->values[1];
	if (pr->flags & DRM_MODE_PROP_BITMASK) {
		for (int i = 0; i < pr->nvalues; i++)
			mask |= 1ull << pr->values[i];
		return !(v & ~mask);
	}
	/* Only the thread's own blobs are ever set: other ids are of none. */
	if (pr->flags & DRM_MODE_PROP_BLOB)
		return !v || blob_find(t, v);
	if (ext == DRM_MODE_PROP_OBJECT)
		return !v || (pr->values[0] == DRM_MODE_OBJECT_FB ? fb_find(v) != NULL :
			      crtc_pipe(v) >= 0);
	for (int i = 0; i < pr->nvalues; i++)
		if (pr->values[i] == v)
			return true;
	return false;
}

/*
 * Property @pr of pipe @p's object of kind @k set to @v in @s, as drm_atomic_set_property()
 * and the setters of drm_atomic_uapi.c do it. Returns 0 or the errno.
 */
static int sim_prop(struct thread *t, struct sim *s, enum kind k, int p,
		    const struct kms_prop *pr, uint64_t v)
{
	struct plane_st *pl = &s->st.plane[p];
	struct crtc_st *cr = &s->st.crtc[p];
	const struct fbrec *fb;
	const struct blob *b;

	if (!prop_value_ok(t, pr, v))
		return refused_by(s, "a value the property does not take", EINVAL);
	/* The object's state joins the commit, with that of its CRTC (drm_atomic_get_*_state()). */
	if (k == KO_PLANE && !s->plane_in[p]) {
		s->plane_in[p] = true;
		if (pl->crtc >= 0)
			s->crtc_in[pl->crtc] = true;
	} else if (k == KO_CONN && !s->conn_in[p]) {
		s->conn_in[p] = true;
		if (s->st.conn_crtc[p] >= 0)
			s->crtc_in[s->st.conn_crtc[p]] = true;
	} else if (k == KO_CRTC) {
		s->crtc_in[p] = true;
	}
	switch (pr->role) {
	case R_FB_ID:
		fb = fb_find(v);
		pl->fb = v;
		pl->fb_w = fb ? fb->width : 0;
		pl->fb_h = fb ? fb->height : 0;
		break;
	case R_CRTC_ID:
		if (v)
			s->crtc_in[crtc_pipe(v)] = true;
		*(k == KO_PLANE ? &pl->crtc : &s->st.conn_crtc[p]) = v ? crtc_pipe(v) : -1;
		break;
	case R_CRTC_X: pl->crtc_x = (int32_t)v; break;
	case R_CRTC_Y: pl->crtc_y = (int32_t)v; break;
	case R_CRTC_W: pl->crtc_w = v; break;
	case R_CRTC_H: pl->crtc_h = v; break;
	case R_SRC_X: pl->src_x = v; break;
	case R_SRC_Y: pl->src_y = v; break;
	case R_SRC_W: pl->src_w = v; break;
	case R_SRC_H: pl->src_h = v; break;
	case R_IN_FENCE_FD:
		/* The fuzzer has no sync_file: only -1 (none) is taken. */
		if ((int64_t)v != -1)
			return refused_by(s, "IN_FENCE_FD of no sync_file", EINVAL);
		break;
	case R_DAMAGE:
		b = blob_find(t, v);
		if (b && b->length % sizeof(struct drm_mode_rect))
			return refused_by(s, "damage clips of a partial rectangle", EINVAL);
		s->damage[p] = b;
		break;
	case R_ACTIVE: cr->active = v; break;
	case R_MODE_ID:
		b = blob_find(t, v);
		memset(&cr->mode, 0, sizeof(cr->mode));
		cr->enable = b;
		if (b && b->length != sizeof(cr->mode))
			return refused_by(s, "MODE_ID of a blob that is no mode", EINVAL);
		if (b)
			memcpy(&cr->mode, b->data, sizeof(cr->mode));
		if (b && !mode_ok(&cr->mode))
			return refused_by(s, "MODE_ID of a mode drm_mode_convert_umode() refuses",
					  EINVAL);
		break;
	case R_OUT_FENCE_PTR:
		if (v == BAD_PTR)
			return refused_by(s, "OUT_FENCE_PTR where -1 cannot be written", EFAULT);
		s->fence_set |= v != 0;
		break;
	case R_DPMS:
		return refused_by(s, "DPMS, which only the legacy uAPI sets", EINVAL);
	default:
		/* The blend mode, VRR_ENABLED and link-status: the checks do not read them. */
		break;
	}
	return 0;
}

/* drm_atomic_plane_check(): the core's checks of plane @p in the commit. */
static int sim_plane_core(struct sim *s, int p)
{
	const struct plane_st *pl = &s->st.plane[p];
	const struct blob *b = s->damage[p];
	uint32_t fw = pl->fb_w << 16, fh = pl->fb_h << 16;

	if (pl->crtc >= 0 && !pl->fb)
		return refused_by(s, "a plane with a CRTC but no framebuffer", EINVAL);
	if (pl->fb && pl->crtc < 0)
		return refused_by(s, "a plane with a framebuffer but no CRTC", EINVAL);
	if (pl->crtc < 0)
		return 0;
	if (pl->crtc != p)
		return refused_by(s, "a plane on a CRTC not among its possible ones", EINVAL);
	if (pl->crtc_w > INT32_MAX || pl->crtc_x > INT32_MAX - (int32_t)pl->crtc_w ||
	    pl->crtc_h > INT32_MAX || pl->crtc_y > INT32_MAX - (int32_t)pl->crtc_h)
		return refused_by(s, "CRTC coordinates past INT_MAX", ERANGE);
	if (pl->src_w > fw || pl->src_x > fw - pl->src_w || pl->src_h > fh ||
	    pl->src_y > fh - pl->src_h)
		return refused_by(s, "a source rectangle outside the framebuffer", ENOSPC);
	/* The core compares the rectangles, in pixels, with the size in 16.16 fixed point. */
	for (uint32_t i = 0; b && i < b->length / sizeof(struct drm_mode_rect); i++) {
		struct drm_mode_rect r;

		memcpy(&r, b->data + i * sizeof(r), sizeof(r));
		if (r.x1 >= r.x2 || r.y1 >= r.y2 || r.x1 < 0 || r.y1 < 0 || (uint32_t)r.x2 > fw ||
		    (uint32_t)r.y2 > fh)
			return refused_by(s, "a damage rectangle empty or outside", EINVAL);
	}
	return 0;
}

/* @v wrapped to 32 bits, as the kernel's int arithmetic does (it builds with -fwrapv). */
static int32_t w32(int64_t v)
{
	return (int32_t)(uint32_t)v;
}

/*
 * drm_rect_calc_hscale() of a source of @src (16.16) on a destination of @dst pixels, with
 * no scaling allowed: 0 for an empty destination, -ERANGE (or another negative value) for a
 * scale that is not 1, as drm_calc_scale() computes it.
 */
static int32_t sim_scale(int32_t src, int32_t dst)
{
	int32_t scale;

	if (!dst)
		return 0;
	scale = src > w32((int64_t)dst * 65536) ? w32((int64_t)src + dst - 1) / dst : src / dst;
	return scale < 0 || scale == 1 << 16 ? scale : -ERANGE;
}

/* drm_rect_clip_scaled() of the destination @d (x1, y1, x2, y2) by @clip: whether it shows. */
static bool sim_clip(int32_t d[4], const int32_t clip[4])
{
	for (int a = 0; a < 2; a++) {
		int32_t diff = w32((int64_t)clip[a] - d[a]), size = w32((int64_t)d[a + 2] - d[a]);

		/* clip_scaled() leaves the difference alone for an empty destination. */
		if (diff > 0) {
			if (size && diff > size)
				diff = size;
			d[a] = w32((int64_t)d[a] + diff);
		}
	}
	for (int a = 0; a < 2; a++) {
		int32_t diff = w32((int64_t)d[a + 2] - clip[a + 2]);
		int32_t size = w32((int64_t)d[a + 2] - d[a]);

		if (diff > 0) {
			if (size && diff > size)
				diff = size;
			d[a + 2] = w32((int64_t)d[a + 2] - diff);
		}
	}
	return w32((int64_t)d[2] - d[0]) > 0 && w32((int64_t)d[3] - d[1]) > 0;
}

/*
 * nova-lite's plane check (nova-lite/drm/kms/plane.rs: drm_atomic_helper_check_plane_state()
 * without scaling, without positioning, allowed on a CRTC that is off) of plane @p.
 */
static int sim_plane_driver(struct sim *s, int p)
{
	const struct plane_st *pl = &s->st.plane[p];
	const struct crtc_st *cr;
	int32_t dst[4], clip[4] = { 0, 0, 0, 0 };

	/* Without a CRTC only without a framebuffer: the core's check came first. */
	if (!pl->fb || pl->crtc < 0)
		return 0;
	cr = &s->st.crtc[pl->crtc];
	dst[0] = pl->crtc_x;
	dst[1] = pl->crtc_y;
	dst[2] = w32((int64_t)pl->crtc_x + pl->crtc_w);
	dst[3] = w32((int64_t)pl->crtc_y + pl->crtc_h);
	if (sim_scale(pl->src_w, w32((int64_t)dst[2] - dst[0])) < 0 ||
	    sim_scale(pl->src_h, w32((int64_t)dst[3] - dst[1])) < 0)
		return refused_by(s, "a plane that scales", ERANGE);
	if (cr->enable) {
		clip[2] = cr->mode.hdisplay;
		clip[3] = cr->mode.vdisplay;
	}
	if (sim_clip(dst, clip) && memcmp(dst, clip, sizeof(dst)))
		return refused_by(s, "a plane that does not cover its CRTC", EINVAL);
	return 0;
}

/*
 * The answer of DRM_IOCTL_MODE_ATOMIC with @c on @f, and in @s the state it asks for
 * (with kms.lock held): drm_mode_atomic_ioctl(), then drm_atomic_check_only() with
 * drm_atomic_helper_check() and nova-lite's checks (see sim_plane_driver(), and the refresh
 * rates of its CRTC). Each check in the kernel's order, so that one errno is predicted.
 */
int commit_expect(struct thread *t, const struct file *f, const struct commit *c,
		  struct sim *s)
{
	bool event = c->flags & DRM_MODE_PAGE_FLIP_EVENT;
	bool mode_changed[KMS_MAX_PIPES] = { 0 }, conns_changed[KMS_MAX_PIPES] = { 0 };
	bool modeset[KMS_MAX_PIPES] = { 0 };
	const struct kms_state *old = &kms.cur;
	struct kms_state *st = &s->st;
	int n = kms.npipes, pi = 0, err, p, q;

	memset(s, 0, sizeof(*s));
	s->st = kms.cur;
	if (!f->primary || !f->master)
		return refused_by(s, "not the DRM master", EACCES);
	if (c->flags & ~DRM_MODE_ATOMIC_FLAGS || c->reserved)
		return refused_by(s, "unknown flags or reserved bits", EINVAL);
	if (c->flags & DRM_MODE_PAGE_FLIP_ASYNC)
		return refused_by(s, "an async flip, which the device does not offer", EINVAL);
	if ((c->flags & DRM_MODE_ATOMIC_TEST_ONLY) && event)
		return refused_by(s, "an event for a test", EINVAL);
	for (int i = 0; i < c->nobjs; i++) {
		enum kind k;

		if (c->bad == BAD_OBJS)
			return refused_by(s, "the object ids' pointer", EFAULT);
		if (!kms_locate(c->objs[i], &k, &p))
			return refused_by(s, "an id of no object with properties", ENOENT);
		if (c->bad == BAD_COUNTS)
			return refused_by(s, "the property counts' pointer", EFAULT);
		for (uint32_t j = 0; j < c->counts[i]; j++, pi++) {
			const struct kms_prop *pr;

			if (c->bad == BAD_PROPS)
				return refused_by(s, "the property ids' pointer", EFAULT);
			pr = kms_prop(k, p, c->props[pi]);
			if (!pr)
				return refused_by(s, "a property the object does not have", ENOENT);
			if (c->bad == BAD_VALUES)
				return refused_by(s, "the values' pointer", EFAULT);
			err = sim_prop(t, s, k, p, pr, c->values[pi]);
			if (err)
				return err;
		}
	}
	/* prepare_signaling(): an event needs a CRTC (a test makes none). */
	if (event) {
		for (p = 0; p < n && !s->crtc_in[p]; p++)
			;
		if (p == n)
			return refused_by(s, "an event without a CRTC", EINVAL);
	}

	/* drm_atomic_check_only(): the core's checks of the planes, then of the CRTCs. */
	for (p = 0; p < n; p++) {
		err = s->plane_in[p] ? sim_plane_core(s, p) : 0;
		if (err)
			return err;
	}
	for (p = 0; p < n; p++) {
		if (!s->crtc_in[p])
			continue;
		if (st->crtc[p].active && !st->crtc[p].enable)
			return refused_by(s, "an active CRTC without a mode", EINVAL);
		if (event && !st->crtc[p].active && !old->crtc[p].active)
			return refused_by(s, "an event for a CRTC that stays off", EINVAL);
	}

	/* drm_atomic_helper_check_modeset(): the CRTCs, then the connectors' routes. */
	for (p = 0; p < n; p++) {
		bool has_conn = false;

		if (!s->crtc_in[p])
			continue;
		mode_changed[p] = !mode_same(&old->crtc[p].mode, &st->crtc[p].mode) ||
				  old->crtc[p].enable != st->crtc[p].enable;
		conns_changed[p] = old->crtc[p].enable != st->crtc[p].enable;
		modeset[p] = old->crtc[p].active != st->crtc[p].active;
		for (q = 0; q < n; q++)
			has_conn |= st->conn_crtc[q] == p;
		if (st->crtc[p].enable != has_conn)
			return refused_by(s, "a CRTC with a mode but no connector, or the reverse",
					  EINVAL);
	}
	for (q = 0; q < n; q++) {
		int from = old->conn_crtc[q], to = st->conn_crtc[q];

		if (!s->conn_in[q])
			continue;
		if (from != to) {
			if (from >= 0)
				conns_changed[from] = true;
			if (to >= 0)
				conns_changed[to] = true;
		}
		/* Its only encoder's only CRTC is its pipe's. */
		if (to >= 0 && to != q)
			return refused_by(s, "a connector on another pipe's CRTC", EINVAL);
	}
	/* A modeset pulls in the CRTC's connectors and the planes it had. */
	for (p = 0; p < n; p++) {
		modeset[p] |= mode_changed[p] || conns_changed[p];
		for (q = 0; modeset[p] && q < n; q++) {
			s->conn_in[q] |= st->conn_crtc[q] == p;
			s->plane_in[q] |= old->plane[q].crtc == p;
		}
	}
	/* mode_valid(): nova-lite's CRTC takes 1 to 240 Hz. */
	for (q = 0; q < n; q++) {
		uint64_t hz;

		p = st->conn_crtc[q];
		if (!s->conn_in[q] || p < 0 || !(mode_changed[p] || conns_changed[p]))
			continue;
		hz = mode_refresh(&st->crtc[p].mode);
		if (hz < REFRESH_MIN || hz > REFRESH_MAX)
			return refused_by(s, "a mode of a refresh rate the CRTC refuses", EINVAL);
	}

	/* drm_atomic_helper_check_planes(): nova-lite's plane check. */
	for (p = 0; p < n; p++) {
		err = s->plane_in[p] ? sim_plane_driver(s, p) : 0;
		if (err)
			return err;
	}
	if (!(c->flags & DRM_MODE_ATOMIC_ALLOW_MODESET))
		for (p = 0; p < n; p++)
			if (s->crtc_in[p] && modeset[p])
				return refused_by(s, "a modeset without ALLOW_MODESET", EINVAL);
	return 0;
}
