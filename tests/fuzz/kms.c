// SPDX-License-Identifier: MIT
/*
 * KMS: the mode objects and their properties, the model's framebuffers and blobs,
 * modes and damage rectangles.
 */

#include "fuzz.h"

/* The KMS model (struct kms, fuzz.h). */
struct kms kms = { .lock = PTHREAD_RWLOCK_INITIALIZER, .commit_lock = PTHREAD_MUTEX_INITIALIZER };

/* --- KMS: the mode objects and their properties ---------------------------- */

/* The properties the model knows, by the kind of object that has them and their name. */
static const struct {
	enum kind kind;
	const char *name;
	enum role role;
} known_props[] = {
	{ KO_PLANE, "FB_ID", R_FB_ID }, { KO_PLANE, "CRTC_ID", R_CRTC_ID },
	{ KO_PLANE, "CRTC_X", R_CRTC_X }, { KO_PLANE, "CRTC_Y", R_CRTC_Y },
	{ KO_PLANE, "CRTC_W", R_CRTC_W }, { KO_PLANE, "CRTC_H", R_CRTC_H },
	{ KO_PLANE, "SRC_X", R_SRC_X }, { KO_PLANE, "SRC_Y", R_SRC_Y },
	{ KO_PLANE, "SRC_W", R_SRC_W }, { KO_PLANE, "SRC_H", R_SRC_H },
	{ KO_PLANE, "IN_FENCE_FD", R_IN_FENCE_FD }, { KO_PLANE, "FB_DAMAGE_CLIPS", R_DAMAGE },
	{ KO_PLANE, "pixel blend mode", R_BLEND },
	{ KO_CRTC, "ACTIVE", R_ACTIVE }, { KO_CRTC, "MODE_ID", R_MODE_ID },
	{ KO_CRTC, "OUT_FENCE_PTR", R_OUT_FENCE_PTR }, { KO_CRTC, "VRR_ENABLED", R_VRR },
	{ KO_CONN, "CRTC_ID", R_CRTC_ID }, { KO_CONN, "DPMS", R_DPMS },
	{ KO_CONN, "link-status", R_LINK_STATUS },
};

const char *const kind_names[KO_KINDS] = { "plane", "crtc", "connector" };

/*
 * Reads the properties of mode object @id (@type: DRM_MODE_OBJECT_*), of kind @k, into @o.
 * An immutable property refuses every value; a mutable one the model does not know is never
 * set. Returns 0, or -1 (also when the object has more properties than the model keeps: a
 * property id it did not keep could then not be told from one the object lacks).
 */
static int kms_read_props(int fd, uint32_t id, uint32_t type, enum kind k, struct kms_obj *o)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, id, type);
	int ret = 0;

	if (!props || props->count_props > KMS_MAX_PROPS) {
		drmModeFreeObjectProperties(props);
		return -1;
	}
	o->id = id;
	o->nprops = props->count_props;
	for (uint32_t i = 0; i < props->count_props; i++) {
		drmModePropertyPtr pr = drmModeGetProperty(fd, props->props[i]);
		struct kms_prop *kp = &o->props[i];

		if (!pr) {
			ret = -1;
			break;
		}
		*kp = (struct kms_prop){ .id = pr->prop_id, .flags = pr->flags, .role = R_OTHER };
		snprintf(kp->name, sizeof(kp->name), "%s", pr->name);
		if (pr->flags & DRM_MODE_PROP_IMMUTABLE) {
			kp->role = R_IMMUTABLE;
		} else if (pr->count_values <= KMS_MAX_VALUES) {
			kp->nvalues = pr->count_values;
			memcpy(kp->values, pr->values, kp->nvalues * sizeof(kp->values[0]));
			for (size_t j = 0; j < sizeof(known_props) / sizeof(known_props[0]); j++)
				if (known_props[j].kind == k &&
				    !strcmp(known_props[j].name, pr->name))
					kp->role = known_props[j].role;
		}
		drmModeFreeProperty(pr);
	}
	drmModeFreeObjectProperties(props);
	return ret;
}

/*
 * Finds the pipes of the device on @fd, as nova-lite makes them (nova-lite/drm/kms.rs, build()):
 * for scanout i, CRTC i, and a plane and an encoder whose only possible CRTC it is, the
 * encoder the only one of connector i; then their properties. Returns 0, or -1 with the
 * reason in @why.
 */
int kms_discover(int fd, char *why, size_t len)
{
	drmModeResPtr res = drmModeGetResources(fd);
	drmModePlaneResPtr planes = drmModeGetPlaneResources(fd);
	int n, p, ret = -1;

	if (!res || !planes) {
		snprintf(why, len, "no modesetting (GETRESOURCES: errno %d)", errno);
		goto out;
	}
	n = res->count_crtcs;
	if (!n || n > KMS_MAX_PIPES || (int)planes->count_planes != n ||
	    res->count_encoders != n || res->count_connectors != n) {
		snprintf(why, len, "%d CRTCs, %u planes, %d encoders, %d connectors: not one "
			 "of each per scanout", n, planes->count_planes, res->count_encoders,
			 res->count_connectors);
		goto out;
	}
	memset(kms.pipe, 0, sizeof(kms.pipe));
	for (p = 0; p < n; p++)
		kms.pipe[p].obj[KO_CRTC].id = res->crtcs[p];
	for (int i = 0; i < n; i++) {
		drmModePlanePtr pl = drmModeGetPlane(fd, planes->planes[i]);
		drmModeEncoderPtr enc = drmModeGetEncoder(fd, res->encoders[i]);
		int pp = pl ? ffs(pl->possible_crtcs) - 1 : -1;
		int pe = enc ? ffs(enc->possible_crtcs) - 1 : -1;
		bool ok = pp >= 0 && pl->possible_crtcs == 1u << pp &&
			  !kms.pipe[pp].obj[KO_PLANE].id && pe >= 0 &&
			  enc->possible_crtcs == 1u << pe && !kms.pipe[pe].encoder;

		if (ok) {
			kms.pipe[pp].obj[KO_PLANE].id = pl->plane_id;
			kms.pipe[pe].encoder = enc->encoder_id;
		}
		drmModeFreePlane(pl);
		drmModeFreeEncoder(enc);
		if (!ok) {
			snprintf(why, len, "plane %u or encoder %u has not one possible CRTC of "
				 "its own", planes->planes[i], res->encoders[i]);
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		drmModeConnectorPtr conn = drmModeGetConnector(fd, res->connectors[i]);

		for (p = 0; conn && conn->count_encoders == 1 && p < n &&
			    kms.pipe[p].encoder != conn->encoders[0]; p++)
			;
		if (conn && conn->count_encoders == 1 && p < n && !kms.pipe[p].obj[KO_CONN].id) {
			kms.pipe[p].obj[KO_CONN].id = conn->connector_id;
			kms.pipe[p].connected = conn->connection == DRM_MODE_CONNECTED;
		} else {
			p = n;
		}
		drmModeFreeConnector(conn);
		if (p == n) {
			snprintf(why, len, "connector %u has not one encoder of its own",
				 res->connectors[i]);
			goto out;
		}
	}
	for (p = 0; p < n; p++) {
		static const uint32_t types[KO_KINDS] = {
			DRM_MODE_OBJECT_PLANE, DRM_MODE_OBJECT_CRTC, DRM_MODE_OBJECT_CONNECTOR,
		};

		for (int k = 0; k < KO_KINDS; k++) {
			struct kms_obj *o = &kms.pipe[p].obj[k];

			if (kms_read_props(fd, o->id, types[k], k, o)) {
				snprintf(why, len, "cannot read the properties of %s %u (at "
					 "most %d)", kind_names[k], o->id, KMS_MAX_PROPS);
				goto out;
			}
		}
	}
	kms.npipes = n;
	ret = 0;
out:
	drmModeFreePlaneResources(planes);
	drmModeFreeResources(res);
	return ret;
}

/* The property of role @role of pipe @p's object of kind @k, NULL if the device has none. */
const struct kms_prop *kms_role(enum kind k, int p, enum role role)
{
	const struct kms_obj *o = &kms.pipe[p].obj[k];

	for (int i = 0; i < o->nprops; i++)
		if (o->props[i].role == role)
			return &o->props[i];
	return NULL;
}

/* The property @id of pipe @p's object of kind @k, NULL if it has none of that id. */
const struct kms_prop *kms_prop(enum kind k, int p, uint32_t id)
{
	const struct kms_obj *o = &kms.pipe[p].obj[k];

	for (int i = 0; i < o->nprops; i++)
		if (o->props[i].id == id)
			return &o->props[i];
	return NULL;
}

/* Which pipe's object of which kind mode object @id is; false if none. */
bool kms_locate(uint32_t id, enum kind *k, int *p)
{
	for (*p = 0; *p < kms.npipes; (*p)++)
		for (*k = 0; *k < KO_KINDS; (*k)++)
			if (kms.pipe[*p].obj[*k].id == id)
				return true;
	return false;
}

/* The pipe of CRTC @id, -1 if it is none. */
int crtc_pipe(uint64_t id)
{
	for (int p = 0; p < kms.npipes; p++)
		if (kms.pipe[p].obj[KO_CRTC].id == id)
			return p;
	return -1;
}

/* An id of no mode object: ids are handed out from 1 up, and the device has a few hundred. */
uint32_t bad_id(struct thread *t)
{
	return (uint32_t)rnd(t) | 0x40000000u;
}

/* --- KMS: framebuffers and blobs of the model --------------------------------- */

int file_index(const struct thread *t, const struct file *f)
{
	return (int)(f - t->files);
}

/* The live framebuffer @id, or NULL (with kms.lock held). */
struct fbrec *fb_find(uint64_t id)
{
	for (int i = 0; id && i < KMS_MAX_FBS; i++)
		if (kms.fbs[i].id == id)
			return &kms.fbs[i];
	return NULL;
}

/* Whether a plane shows framebuffer @id in the committed state (with kms.lock held). */
bool fb_shown(uint32_t id)
{
	for (int p = 0; p < kms.npipes; p++)
		if (kms.cur.plane[p].fb == id)
			return true;
	return false;
}

/* Whether @fb is in the framebuffer list of @f, one of the thread's files (RMFB's list). */
bool fb_of_file(const struct thread *t, const struct file *f, const struct fbrec *fb)
{
	int idx = file_index(t, f);

	return fb->fidx == idx && (idx == SHARED_PRIMARY || fb->owner == t->id);
}

/*
 * A random live framebuffer of @set, none that a plane shows with @unshown, of at least
 * @w x @h; NULL if there is none (with kms.lock held).
 */
struct fbrec *fb_pick(struct thread *t, const struct file *f, enum fb_set set,
		      bool unshown, uint32_t w, uint32_t h)
{
	int idx[KMS_MAX_FBS], n = 0;

	for (int i = 0; i < KMS_MAX_FBS; i++) {
		const struct fbrec *fb = &kms.fbs[i];
		bool in = set == FB_ANY || (set == FB_MINE_IN ?
			  fb->owner == t->id && fb_of_file(t, f, fb) : !fb_of_file(t, f, fb));

		if (fb->id && in && !(unshown && fb_shown(fb->id)) && fb->width >= w &&
		    fb->height >= h)
			idx[n++] = i;
	}
	return n ? &kms.fbs[idx[below(t, n)]] : NULL;
}

/*
 * The kernel removed @fb (RMFB, or the close of its file; with kms.lock held for writing).
 * A plane that showed it was turned off by the DRM core's commit (drm_framebuffer_remove():
 * its first try takes the framebuffer and the CRTC off the plane and leaves the CRTC as it
 * is, which the checks accept), and the object lost the framebuffer's reference.
 */
void fb_removed(struct fbrec *fb)
{
	for (int p = 0; p < kms.npipes; p++) {
		struct plane_st *pl = &kms.cur.plane[p];

		if (pl->fb == fb->id) {
			pl->fb = pl->fb_w = pl->fb_h = 0;
			pl->crtc = -1;
		}
	}
	model_put(fb->m);
	fb->id = 0;
}

/*
 * RMFB of framebuffer @id, one of the thread's in @f: it must succeed, and a plane that shows
 * it is turned off (a blocking commit of the DRM core).
 */
void rmfb_own(struct thread *t, struct file *f, uint32_t id)
{
	struct fbrec *fb;
	int err;

	pthread_rwlock_wrlock(&kms.lock);
	fb = fb_find(id);
	err = xioctl(f->fd, DRM_IOCTL_MODE_RMFB, &id);
	expect(t, OP_RMFB, err, OK, "fb %u of this file%s", id, fb_shown(id) ? ", shown" : "");
	if (!err && fb)
		fb_removed(fb);
	pthread_rwlock_unlock(&kms.lock);
	note_err(f, err);
}

struct blob *blob_find(struct thread *t, uint64_t id)
{
	for (int i = 0; id && i < t->nblobs; i++)
		if (t->blobs[i].id == id)
			return &t->blobs[i];
	return NULL;
}

/* DESTROYPROPBLOB of the thread's blob @i in the file that made it: it must succeed. */
void blob_destroy(struct thread *t, int i)
{
	struct drm_mode_destroy_blob d = { .blob_id = t->blobs[i].id };
	int err = xioctl(t->files[t->blobs[i].fidx].fd, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d);

	expect(t, OP_BLOB, err, OK, "destroy blob %u of this file", d.blob_id);
	t->blobs[i] = t->blobs[--t->nblobs];
}

/*
 * CREATEPROPBLOB of @len bytes at @ptr (@data's bytes, or BAD_PTR) in @f
 * (drm_mode_createblob_ioctl(), drm_property_create_blob()): EACCES on the render node,
 * EINVAL for a length of 0 or of 2 GiB and more (its bound is INT_MAX less the blob's header;
 * the fuzzer's blobs are at most BLOB_MAX bytes), EFAULT for a bad pointer. A blob made is
 * kept, one kept destroyed first when MAX_BLOBS are. Returns its id, 0 if none was made.
 */
uint32_t blob_make(struct thread *t, struct file *f, const void *data, uint32_t len,
		   uint64_t ptr)
{
	struct drm_mode_create_blob b = { .length = len, .data = ptr };
	struct blob *bl;
	int want, err;

	if (!f->primary)
		want = EACCES;
	else if (!len || len > INT_MAX)
		want = EINVAL;
	else if (ptr == BAD_PTR)
		want = EFAULT;
	else
		want = 0;
	if (!want && t->nblobs == MAX_BLOBS)
		blob_destroy(t, below(t, MAX_BLOBS));
	err = xioctl(f->fd, DRM_IOCTL_MODE_CREATEPROPBLOB, &b);
	expect(t, OP_BLOB, err, E1(want), "create %u bytes at %s on a %s file", len,
	       ptr == BAD_PTR ? "a bad pointer" : "the fuzzer's buffer",
	       f->primary ? "primary" : "render");
	note_err(f, err);
	if (err)
		return 0;
	if (want) {
		struct drm_mode_destroy_blob d = { .blob_id = b.blob_id };

		xioctl(f->fd, DRM_IOCTL_MODE_DESTROYPROPBLOB, &d);
		return 0;
	}
	bl = &t->blobs[t->nblobs++];
	*bl = (struct blob){ .id = b.blob_id, .fidx = file_index(t, f), .length = len };
	memcpy(bl->data, data, len);
	return b.blob_id;
}

/* --- KMS: modes and damage rectangles ------------------------------------------ */

/*
 * A mode of @w x @h whose refresh rate rounds to @hz, with timings of a plausible shape (and
 * none of interlace, doublescan or vscan, which mode_refresh() leaves out).
 */
void mode_make(struct drm_mode_modeinfo *m, uint32_t w, uint32_t h, uint32_t hz)
{
	memset(m, 0, sizeof(*m));
	m->hdisplay = w;
	m->hsync_start = w + 8;
	m->hsync_end = w + 40;
	m->htotal = w + 80;
	m->vdisplay = h;
	m->vsync_start = h + 3;
	m->vsync_end = h + 6;
	m->vtotal = h + 20;
	m->clock = ((uint64_t)m->htotal * m->vtotal * hz + 500) / 1000;
	m->vrefresh = hz;
	m->type = DRM_MODE_TYPE_USERDEF;
	snprintf(m->name, sizeof(m->name), "%ux%u", w, h);
}

/* The refresh rate of @m, as drm_mode_vrefresh() rounds it (for modes of mode_make()). */
uint64_t mode_refresh(const struct drm_mode_modeinfo *m)
{
	uint64_t den = (uint64_t)m->htotal * m->vtotal;

	return den ? ((uint64_t)m->clock * 1000 + den / 2) / den : 0;
}

/* Whether MODE_ID takes @m: drm_mode_convert_umode() and drm_mode_validate_basic(). */
bool mode_ok(const struct drm_mode_modeinfo *m)
{
	uint32_t ar = m->flags & DRM_MODE_FLAG_PIC_AR_MASK, flags = m->flags & ~ar;

	return m->clock <= INT_MAX && m->vrefresh <= INT_MAX &&
	       ar <= DRM_MODE_FLAG_PIC_AR_256_135 && !(flags & ~DRM_MODE_FLAG_ALL) &&
	       (flags & DRM_MODE_FLAG_3D_MASK) <= DRM_MODE_FLAG_3D_SIDE_BY_SIDE_HALF &&
	       m->clock && m->hdisplay && m->hsync_start >= m->hdisplay &&
	       m->hsync_end >= m->hsync_start && m->htotal >= m->hsync_end && m->vdisplay &&
	       m->vsync_start >= m->vdisplay && m->vsync_end >= m->vsync_start &&
	       m->vtotal >= m->vsync_end;
}

/* Whether drm_mode_equal() finds @a and @b the same: timings, clock and flags. */
bool mode_same(const struct drm_mode_modeinfo *a, const struct drm_mode_modeinfo *b)
{
	return a->clock == b->clock && a->hdisplay == b->hdisplay &&
	       a->hsync_start == b->hsync_start && a->hsync_end == b->hsync_end &&
	       a->htotal == b->htotal && a->hskew == b->hskew && a->vdisplay == b->vdisplay &&
	       a->vsync_start == b->vsync_start && a->vsync_end == b->vsync_end &&
	       a->vtotal == b->vtotal && a->vscan == b->vscan && a->flags == b->flags;
}

/*
 * A mode for MODE_ID of at most @max_w x @max_h: mostly one of 60 Hz, sometimes with an
 * aspect ratio or sync polarities; sometimes one MODE_ID refuses (timings out of order, a
 * clock of 0 or past INT_MAX, a flag, stereo layout or aspect ratio that is none), or one the
 * CRTC refuses (a refresh rate below REFRESH_MIN or above REFRESH_MAX).
 */
void mode_random(struct thread *t, struct drm_mode_modeinfo *m, uint32_t max_w,
		 uint32_t max_h)
{
	uint32_t w = FB_MIN + below(t, max_w - FB_MIN + 1);
	uint32_t h = FB_MIN + below(t, max_h - FB_MIN + 1);

	mode_make(m, w, h, 60);
	switch (below(t, 24)) {
	case 0: m->clock = 0; break;
	case 1: m->hsync_start = m->hdisplay - 1; break;
	case 2: m->htotal = m->hsync_end - 1; break;
	case 3: m->vsync_end = m->vsync_start - 1; break;
	case 4: m->vdisplay = 0; break;
	case 5: m->flags |= DRM_MODE_FLAG_BCAST; break;
	case 6: m->flags |= (9 + below(t, 23)) << 14; break;
	case 7: m->flags |= (5 + below(t, 11)) << 19; break;
	case 8: m->clock = 0x80000000u + below(t, 1000); break;
	case 9: m->vrefresh = 0x80000000u; break;
	case 10: m->flags = 1u << (23 + below(t, 9)); break;
	case 11: m->clock = 1; break;
	case 12: mode_make(m, w, h, REFRESH_MAX + 1 + below(t, 1000)); break;
	case 13:
	case 14:
		m->flags = chance(t, 50) ? DRM_MODE_FLAG_NHSYNC | DRM_MODE_FLAG_NVSYNC :
			   DRM_MODE_FLAG_PHSYNC | DRM_MODE_FLAG_PVSYNC;
		m->flags |= below(t, 5) << 19;
		break;
	default: break;
	}
}

/*
 * 1 to 5 damage rectangles for FB_DAMAGE_CLIPS, mostly inside the top-left 32x32 pixels (every
 * framebuffer has them); sometimes empty, starting left of or above 0, or past any
 * framebuffer. Returns their size in bytes.
 */
uint32_t clips_random(struct thread *t, struct drm_mode_rect *r)
{
	unsigned int n = 1 + below(t, 5);

	for (unsigned int i = 0; i < n; i++) {
		r[i].x1 = below(t, FB_MIN);
		r[i].y1 = below(t, FB_MIN);
		r[i].x2 = r[i].x1 + 1 + below(t, FB_MIN - r[i].x1);
		r[i].y2 = r[i].y1 + 1 + below(t, FB_MIN - r[i].y1);
		switch (below(t, 24)) {
		case 0: r[i].x2 = r[i].x1 - below(t, 2); break;
		case 1: r[i].y2 = r[i].y1 - below(t, 2); break;
		case 2: r[i].x1 = -1 - below(t, 16); break;
		case 3: r[i].y1 = -1 - below(t, 16); break;
		case 4: r[i].x2 = INT32_MAX - below(t, 16); break;
		default: break;
		}
	}
	return n * sizeof(*r);
}
