// SPDX-License-Identifier: MIT
/*
 * KMS: the atomic commits of the random mode: TEST_ONLY ones of random changes,
 * and real ones, which wait for a vblank, with their flip events.
 */

#include "fuzz.h"

/* The size the CRTC of pipe @p shows (its mode's), or a nominal one without a mode. */
static void pipe_size(int p, uint32_t *w, uint32_t *h)
{
	const struct crtc_st *cr = &kms.cur.crtc[p];

	*w = cr->enable ? cr->mode.hdisplay : 64;
	*h = cr->enable ? cr->mode.vdisplay : 64;
}

/* One of the thread's blobs, or 0, or an id of no blob (a CRTC's, or none's). */
static uint64_t blob_value(struct thread *t)
{
	if (t->nblobs && chance(t, 70))
		return t->blobs[below(t, t->nblobs)].id;
	if (chance(t, 50))
		return 0;
	return chance(t, 50) ? kms.pipe[below(t, kms.npipes)].obj[KO_CRTC].id : bad_id(t);
}

/* A size in pixels for a property: mostly @size, sometimes around it, 0 or past INT_MAX. */
static uint64_t size_value(struct thread *t, uint32_t size)
{
	switch (below(t, 10)) {
	case 0: return size + 1 - below(t, 3);
	case 1: return 0;
	case 2: return INT32_MAX - 1 + below(t, 4);
	case 3: return below(t, 1 << 16);
	default: return size;
	}
}

/*
 * A random value for property @pr of pipe @p's object, of its role: mostly one that makes
 * sense next to the committed state, sometimes one of its edges or one it does not take.
 */
static uint64_t rand_value(struct thread *t, const struct kms_prop *pr, int p)
{
	uint32_t w, h;
	struct fbrec *fb;

	pipe_size(p, &w, &h);
	switch (pr->role) {
	case R_FB_ID:
		fb = chance(t, 80) ? fb_pick(t, NULL, FB_ANY, false, 0, 0) : NULL;
		if (fb)
			return fb->id;
		return chance(t, 50) ? 0 : chance(t, 50) ? kms.pipe[p].obj[KO_CRTC].id : bad_id(t);
	case R_CRTC_ID:
		if (chance(t, 60))
			return kms.pipe[p].obj[KO_CRTC].id;
		if (chance(t, 50))
			return chance(t, 50) ? 0 : kms.pipe[below(t, kms.npipes)].obj[KO_CRTC].id;
		return chance(t, 50) ? kms.pipe[p].obj[KO_PLANE].id : bad_id(t);
	case R_CRTC_X:
	case R_CRTC_Y:
		switch (below(t, 8)) {
		case 0: return (uint64_t)(int64_t)(INT32_MIN + (int32_t)below(t, 2));
		case 1: return INT32_MAX - below(t, 2);
		case 2: return (uint64_t)INT32_MAX + 1 + below(t, 2);
		case 3: return (uint64_t)(int64_t)INT32_MIN - 1 - below(t, 2);
		case 4: return (uint64_t)(int64_t)(16 - (int32_t)below(t, 33));
		default: return 0;
		}
	case R_CRTC_W: return size_value(t, w);
	case R_CRTC_H: return size_value(t, h);
	case R_SRC_X:
	case R_SRC_Y:
		switch (below(t, 6)) {
		case 0: return below(t, 1ull << 32);
		case 1: return (1ull << 32) + below(t, 16);
		case 2: return below(t, 64 << 16);
		default: return 0;
		}
	case R_SRC_W:
	case R_SRC_H: {
		/* Sometimes with a fraction. */
		uint64_t v = size_value(t, pr->role == R_SRC_W ? w : h) << 16;

		return chance(t, 10) ? v | below(t, 1 << 16) : v;
	}
	case R_IN_FENCE_FD:
		return chance(t, 70) ? (uint64_t)-1 : chance(t, 50) ? below(t, 16) :
		       (uint64_t)(-2 - (int64_t)below(t, 4));
	case R_DAMAGE:
	case R_MODE_ID:
		return blob_value(t);
	case R_OUT_FENCE_PTR:
		return chance(t, 40) ? 0 : chance(t, 70) ? (uintptr_t)&t->fence_slot : BAD_PTR;
	default:
		/* An enum's or a range's value (ACTIVE, DPMS, ...), or one past them. */
		if (pr->nvalues && chance(t, 80))
			return pr->flags & DRM_MODE_PROP_RANGE ?
			       pr->values[0] + below(t, pr->values[1] - pr->values[0] + 1) :
			       pr->values[below(t, pr->nvalues)];
		return chance(t, 50) ? below(t, 16) : rnd(t);
	}
}

/* A random property of pipe @p's object of kind @k, of the roles the fuzzer sets, or NULL. */
static const struct kms_prop *rand_prop(struct thread *t, enum kind k, int p)
{
	const struct kms_obj *o = &kms.pipe[p].obj[k];
	int idx[KMS_MAX_PROPS], n = 0;

	for (int i = 0; i < o->nprops; i++)
		if (o->props[i].role != R_OTHER)
			idx[n++] = i;
	return n ? &o->props[idx[below(t, n)]] : NULL;
}

/*
 * 1 to 3 objects with 1 to 4 random properties each: mostly of pipe @p, sometimes of another
 * pipe, or an id of something without properties (the encoder, a framebuffer, a blob, none).
 */
static void random_props(struct thread *t, struct commit *c, int p)
{
	for (unsigned int i = 1 + below(t, 3); i; i--) {
		int q = chance(t, 80) ? p : (int)below(t, kms.npipes);
		enum kind k = below(t, KO_KINDS);

		if (chance(t, 90)) {
			commit_obj(c, kms.pipe[q].obj[k].id);
		} else {
			struct fbrec *fb = fb_pick(t, NULL, FB_ANY, false, 0, 0);
			uint32_t other[] = { kms.pipe[q].encoder, fb ? fb->id : 0,
					     t->nblobs ? t->blobs[0].id : 0, bad_id(t) };

			commit_obj(c, other[below(t, 4)]);
		}
		for (unsigned int j = 1 + below(t, 4); j; j--) {
			enum kind pk = chance(t, 90) ? k : below(t, KO_KINDS);
			const struct kms_prop *pr = rand_prop(t, pk, q);

			if (pr)
				commit_prop(c, pr->id, rand_value(t, pr, q));
		}
	}
}

/* The object of a commit's property @i: its index in c->objs. */
static int prop_obj(const struct commit *c, int i)
{
	int o = 0;

	for (uint32_t sum = c->counts[0]; o < c->nobjs - 1 && (uint32_t)i >= sum; )
		sum += c->counts[++o];
	return o;
}

/*
 * Changes @c at random: a property's value, a property's id (another object's, maybe one
 * this object has too, or none), an object's id (another pipe's, or one without properties),
 * or the last property dropped.
 */
static void mutate(struct thread *t, struct commit *c)
{
	int i = below(t, c->nprops), o;
	enum kind k;
	int p;

	if (!c->nprops)
		return;
	o = prop_obj(c, i);
	if (!kms_locate(c->objs[o], &k, &p)) {
		k = below(t, KO_KINDS);
		p = below(t, kms.npipes);
	}
	switch (below(t, 6)) {
	case 0:
	case 1:
	case 2: {
		const struct kms_prop *pr = kms_prop(k, p, c->props[i]);

		if (pr)
			c->values[i] = rand_value(t, pr, p);
		break;
	}
	case 3: {
		const struct kms_prop *pr = rand_prop(t, below(t, KO_KINDS), p);

		/* With a value of its role: a small value may be the id of any object. */
		c->props[i] = bad_id(t);
		if (pr && chance(t, 80)) {
			c->props[i] = pr->id;
			c->values[i] = rand_value(t, pr, p);
		}
		break;
	}
	case 4:
		c->objs[o] = chance(t, 70) ? kms.pipe[below(t, kms.npipes)].obj[k].id :
			     chance(t, 50) ? kms.pipe[p].encoder : bad_id(t);
		break;
	default:
		if (c->counts[c->nobjs - 1]) {
			c->counts[c->nobjs - 1]--;
			c->nprops--;
		}
		break;
	}
}

/*
 * A blob of a 60 Hz mode of 32x32 to @max_w x @max_h, its size in *@w x *@h: mostly one of
 * the thread's (a commit of a new mode costs two more calls, the blob's and a destroyed
 * one's), else a new one. 0 if none was made.
 */
static uint32_t mode_blob(struct thread *t, struct file *f, uint32_t max_w, uint32_t max_h,
			  uint32_t *w, uint32_t *h)
{
	struct drm_mode_modeinfo m;
	int idx[MAX_BLOBS], n = 0;

	for (int i = 0; i < t->nblobs; i++) {
		memcpy(&m, t->blobs[i].data, sizeof(m));
		if (t->blobs[i].length == sizeof(m) && mode_ok(&m) && mode_refresh(&m) == 60 &&
		    m.hdisplay >= FB_MIN && m.hdisplay <= max_w && m.vdisplay >= FB_MIN &&
		    m.vdisplay <= max_h)
			idx[n++] = i;
	}
	if (n && chance(t, 70)) {
		const struct blob *b = &t->blobs[idx[below(t, n)]];

		memcpy(&m, b->data, sizeof(m));
		*w = m.hdisplay;
		*h = m.vdisplay;
		return b->id;
	}
	*w = FB_MIN + below(t, max_w - FB_MIN + 1);
	*h = FB_MIN + below(t, max_h - FB_MIN + 1);
	mode_make(&m, *w, *h, 60);
	return blob_make(t, f, &m, sizeof(m), (uintptr_t)&m);
}

/*
 * A TEST_ONLY commit (with kms.lock held): pipe @p on (a framebuffer of any thread in a mode
 * of its size or less), off, a flip of its plane, ACTIVE set, or random properties; then 0
 * to 2 changes at random, and sometimes bad flags, reserved bits or a bad pointer.
 */
static void build_test(struct thread *t, struct file *f, struct commit *c)
{
	uint32_t w, h, sx, sy, blob;
	int p = below(t, kms.npipes);
	struct fbrec *fb;

	c->flags = DRM_MODE_ATOMIC_TEST_ONLY;
	if (chance(t, 70))
		c->flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
	if (chance(t, 20))
		c->flags |= DRM_MODE_ATOMIC_NONBLOCK;
	pipe_size(p, &w, &h);
	switch (below(t, 8)) {
	case 0:
	case 1:
	case 2:
		fb = fb_pick(t, NULL, FB_ANY, false, 0, 0);
		if (!fb) {
			target_off(c, p, false);
			break;
		}
		if (chance(t, 20)) {
			/* A mode of mode_random(), of the size of this part or less. */
			struct drm_mode_modeinfo m;

			w = FB_MIN + below(t, fb->width - FB_MIN + 1);
			h = FB_MIN + below(t, fb->height - FB_MIN + 1);
			mode_random(t, &m, w, h);
			blob = blob_make(t, f, &m, sizeof(m), (uintptr_t)&m);
		} else {
			blob = mode_blob(t, f, fb->width, fb->height, &w, &h);
		}
		fb_spot(t, fb, w, h, &sx, &sy);
		target_on(c, p, blob, fb->id, w, h, sx, sy);
		break;
	case 3:
		target_off(c, p, chance(t, 10));
		break;
	case 4:
		fb = fb_pick(t, NULL, FB_ANY, false, w, h);
		if (fb) {
			fb_spot(t, fb, w, h, &sx, &sy);
			target_plane(c, p, fb->id, w, h, sx, sy);
			if (chance(t, 30))
				commit_role(c, KO_PLANE, p, R_DAMAGE, blob_value(t));
			break;
		}
		random_props(t, c, p);
		break;
	case 5:
		commit_obj(c, kms.pipe[p].obj[KO_CRTC].id);
		commit_role(c, KO_CRTC, p, R_ACTIVE, chance(t, 90) ? below(t, 2) : 2 + below(t, 8));
		break;
	default:
		random_props(t, c, p);
		break;
	}
	for (unsigned int n = below(t, 3); n; n--)
		mutate(t, c);
	if (!chance(t, 8))
		return;
	switch (below(t, 6)) {
	case 0:
		/* A bit of none of the flags: bits 2 to 7, or 11 on. */
		c->flags |= 1u << (chance(t, 30) ? 2 + below(t, 6) : 11 + below(t, 21));
		break;
	case 1: c->reserved = 1ull << below(t, 64); break;
	case 2: c->flags |= DRM_MODE_PAGE_FLIP_ASYNC; break;
	case 3: c->flags |= DRM_MODE_PAGE_FLIP_EVENT; break;
	default: c->bad = 1 + below(t, 4); break;
	}
}

/*
 * DRM_IOCTL_MODE_ATOMIC with DRM_MODE_ATOMIC_TEST_ONLY (see build_test()), side by side with
 * the other threads' tests, against the committed state. An OUT_FENCE_PTR the commit sets
 * gets -1 written, even when a later property is refused.
 */
static void test_commit(struct thread *t, struct file *f)
{
	struct commit c = { 0 };
	char what[800] = "";
	struct sim s;
	int want, err;

	pthread_rwlock_rdlock(&kms.lock);
	build_test(t, f, &c);
	want = commit_expect(t, f, &c, &s);
	t->fence_slot = 0x5a5a5a5a;
	err = commit_ioctl(f->fd, &c);
	if (err != want)
		commit_describe(&c, what, sizeof(what));
	pthread_rwlock_unlock(&kms.lock);
	expect(t, OP_ATOMIC, err, E1(want), "%s (%s)", what, s.why ? s.why : "taken");
	if (err == want && s.fence_set != (t->fence_slot == -1))
		wrong(t, OP_ATOMIC, "OUT_FENCE_PTR's slot holds %#x, want %s", t->fence_slot,
		      s.fence_set ? "-1" : "it untouched");
	note_err(f, err);
}

/*
 * Reads the @want flip events of commit @c (one per CRTC in it, @s) from @f, within
 * EVENT_TIMEOUT_MS: each a DRM_EVENT_FLIP_COMPLETE of one of its CRTCs with its user data.
 */
static void read_events(struct thread *t, struct file *f, const struct commit *c,
			const struct sim *s, int want)
{
	uint64_t end = now_ns() + EVENT_TIMEOUT_MS * 1000000ull;
	int got = 0;

	while (got < want) {
		struct pollfd pfd = { .fd = f->fd, .events = POLLIN };
		int64_t left = ((int64_t)(end - now_ns())) / 1000000;
		char buf[512];
		ssize_t len;
		int ready = left > 0 ? poll(&pfd, 1, left) : 0;

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0) {
			wrong(t, OP_COMMIT, "%d of %d flip events within %d ms", got, want,
			      EVENT_TIMEOUT_MS);
			return;
		}
		len = read(f->fd, buf, sizeof(buf));
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct drm_event_vblank) <= len;
		     got++) {
			struct drm_event_vblank ev;
			int p;

			memcpy(&ev, buf + off, sizeof(ev));
			p = crtc_pipe(ev.crtc_id);
			if (ev.base.type != DRM_EVENT_FLIP_COMPLETE ||
			    ev.user_data != c->user_data || p < 0 || !s->crtc_in[p])
				wrong(t, OP_COMMIT, "event type %u, user data %#llx, CRTC %u: "
				      "want a flip of user data %#" PRIx64 " on a CRTC of the "
				      "commit", ev.base.type, (unsigned long long)ev.user_data,
				      ev.crtc_id, c->user_data);
			if (ev.base.length < sizeof(ev))
				return;
			off += ev.base.length;
		}
	}
}

/*
 * A real commit of pipe @p (with kms.commit_lock and kms.lock held for writing), which a host
 * takes: lit with a framebuffer of any thread (a mode of 32x32 to 640x480 at 60 Hz, which the
 * framebuffer's top-left part, or another, fills; the host shows no scanout under 16x16), a
 * flip to another framebuffer of its mode's size (maybe with damage rectangles), ACTIVE
 * toggled, or off. Mostly nonblocking with an event (when the CRTC is on before or after).
 * False if there is no framebuffer for it.
 */
static bool build_real(struct thread *t, struct file *f, struct commit *c, int p)
{
	const struct crtc_st *cr = &kms.cur.crtc[p];
	int what = cr->enable ? below(t, 10) : 0;
	uint32_t w, h, sx, sy, blob;
	bool event_ok = true;
	struct fbrec *fb = NULL;

	if (what >= 2 && what < 6) {
		fb = fb_pick(t, NULL, FB_ANY, false, cr->mode.hdisplay, cr->mode.vdisplay);
		what = fb ? what : 0;
	}
	c->flags = DRM_MODE_ATOMIC_ALLOW_MODESET;
	if (what < 2) {
		fb = fb_pick(t, NULL, FB_ANY, false, 0, 0);
		if (!fb)
			return false;
		blob = mode_blob(t, f, min32(fb->width, 640), min32(fb->height, 480), &w, &h);
		if (!blob)
			return false;
		fb_spot(t, fb, w, h, &sx, &sy);
		target_on(c, p, blob, fb->id, w, h, sx, sy);
	} else if (what < 6) {
		struct drm_mode_rect r[5];

		/* A plane update alone: no modeset. */
		c->flags = 0;
		w = cr->mode.hdisplay;
		h = cr->mode.vdisplay;
		fb_spot(t, fb, w, h, &sx, &sy);
		target_plane(c, p, fb->id, w, h, sx, sy);
		if (chance(t, 50)) {
			/* Damage rectangles inside every framebuffer: in its top-left 32x32. */
			int n = 1 + below(t, 5);

			for (int i = 0; i < n; i++)
				r[i] = (struct drm_mode_rect){ i, i, FB_MIN - i, FB_MIN - i };
			blob = blob_make(t, f, r, n * sizeof(r[0]), (uintptr_t)r);
			commit_role(c, KO_PLANE, p, R_DAMAGE, blob);
		}
		event_ok = cr->active;
	} else if (what < 8) {
		target_off(c, p, false);
		event_ok = cr->active;
	} else {
		commit_obj(c, kms.pipe[p].obj[KO_CRTC].id);
		commit_role(c, KO_CRTC, p, R_ACTIVE, !cr->active);
	}
	if (event_ok && chance(t, 75)) {
		c->flags |= DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
		c->user_data = (uint64_t)t->id << 32 | ++t->flips;
	}
	return true;
}

/*
 * A real commit (see build_real()) of a pipe whose connector is connected, on @f, the DRM
 * master; one at a time, until its events are read. The model takes the committed state.
 * False if none was made: no pipe is connected, or no framebuffer is there to show.
 */
static bool real_commit(struct thread *t, struct file *f)
{
	int ps[KMS_MAX_PIPES], n = 0, events = 0, want, err;
	struct commit c = { 0 };
	char what[800] = "";
	struct sim s;

	for (int p = 0; p < kms.npipes; p++)
		if (kms.pipe[p].connected)
			ps[n++] = p;
	if (!n)
		return false;
	pthread_mutex_lock(&kms.commit_lock);
	pthread_rwlock_wrlock(&kms.lock);
	if (!build_real(t, f, &c, ps[below(t, n)])) {
		pthread_rwlock_unlock(&kms.lock);
		pthread_mutex_unlock(&kms.commit_lock);
		return false;
	}
	want = commit_expect(t, f, &c, &s);
	err = commit_ioctl(f->fd, &c);
	if (err != want)
		commit_describe(&c, what, sizeof(what));
	if (!err && !want) {
		kms.cur = s.st;
		for (int p = 0; p < kms.npipes; p++)
			events += (c.flags & DRM_MODE_PAGE_FLIP_EVENT) && s.crtc_in[p];
	}
	t->credit = 0;
	pthread_rwlock_unlock(&kms.lock);
	expect(t, OP_COMMIT, err, E1(want), "%s (%s)", what, s.why ? s.why : "taken");
	if (events)
		read_events(t, f, &c, &s, events);
	pthread_mutex_unlock(&kms.commit_lock);
	note_err(f, err);
	return true;
}

/* DRM_IOCTL_MODE_ATOMIC: a real commit once the thread may make one, else a test. */
void do_atomic(struct thread *t, struct file *f)
{
	if (!f->master || t->credit < KMS_COMMIT_EVERY || !chance(t, 25) || !real_commit(t, f))
		test_commit(t, f);
}
