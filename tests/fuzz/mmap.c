// SPDX-License-Identifier: MIT
/*
 * Mappings of the objects: offsets, contents written and read back, and mmap() of
 * offsets that must fail; accesses that fault are reported, not fatal.
 */

#include "fuzz.h"

/* Where a thread's access to a mapping goes when it faults (SIGBUS, SIGSEGV). */
static __thread sigjmp_buf *access_jmp;

void on_access_fault(int sig)
{
	if (access_jmp)
		siglongjmp(*access_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Copies one byte to or from a mapping; false if the access faulted. */
static bool copy_byte(volatile uint8_t *dst, const volatile uint8_t *src)
{
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		access_jmp = NULL;
		return false;
	}
	access_jmp = &jb;
	*dst = *src;
	access_jmp = NULL;
	return true;
}

/* Checks @off, an mmap offset an ioctl gave for @m, and records it. */
void set_offset(struct thread *t, enum op op, struct model *m, uint64_t off)
{
	if (!off || off % PAGE)
		wrong(t, op, "offset %#" PRIx64 ", want a page-aligned one, not 0", off);
	/* An offset is the object's for its life (in --unplug, the model may mix two objects). */
	else if (m->offset && off != m->offset && !cfg.unplug)
		wrong(t, op, "offset %#" PRIx64 ", was %#" PRIx64 " for the same object", off,
		      m->offset);
	m->offset = off;
}

/* Records that byte @pos of @m is @val. */
static void mark(struct thread *t, struct model *m, uint64_t pos, uint8_t val)
{
	int i;

	for (i = 0; i < m->nmarks; i++)
		if (m->marks[i].pos == pos)
			break;
	if (i == m->nmarks) {
		if (m->nmarks < MAX_MARKS)
			m->nmarks++;
		else
			i = below(t, MAX_MARKS);
	}
	m->marks[i] = (struct mark){ pos, val };
	m->written = true;
}

/*
 * Reads through @p, a mapping of the first @len bytes of @m, what the model
 * knows of them: the bytes written earlier, or 0 if none was. False if an
 * access faulted.
 */
static bool check_contents(struct thread *t, struct model *m, const uint8_t *p, uint64_t len,
			   const char *via)
{
	uint8_t got;

	for (int i = 0; i < m->nmarks; i++) {
		const struct mark *k = &m->marks[i];

		if (k->pos >= len)
			continue;
		if (!copy_byte(&got, p + k->pos)) {
			wrong(t, OP_MMAP, "reading byte %#" PRIx64 " %s faulted", k->pos, via);
			return false;
		}
		if (got != k->val)
			wrong(t, OP_MMAP, "byte %#" PRIx64 " %s: %#x, written %#x", k->pos, via, got,
			      k->val);
	}
	if (!m->written) {
		uint64_t pos = below(t, len);

		if (!copy_byte(&got, p + pos)) {
			wrong(t, OP_MMAP, "reading byte %#" PRIx64 " %s faulted", pos, via);
			return false;
		}
		if (got)
			wrong(t, OP_MMAP, "byte %#" PRIx64 " %s of an object never written: %#x",
			      pos, via, got);
	}
	return true;
}

/* Writes 1 to 4 random bytes through @p, a mapping of @len bytes of @m. False if one faulted. */
static bool write_some(struct thread *t, struct model *m, uint8_t *p, uint64_t len,
		       const char *via)
{
	for (unsigned int n = 1 + below(t, 4); n; n--) {
		uint64_t pos = below(t, len);
		uint8_t val = rnd(t);

		if (!copy_byte(p + pos, &val)) {
			wrong(t, OP_MMAP, "writing byte %#" PRIx64 " %s faulted", pos, via);
			return false;
		}
		mark(t, m, pos, val);
	}
	return true;
}

/*
 * mmap() of @len bytes at @off of @f, shared, readable and writable, checked
 * against @allowed. Returns the mapping, or NULL if it failed; a mapping that
 * should have failed is reported and unmapped.
 */
static uint8_t *map(struct thread *t, struct file *f, uint64_t off, uint64_t len,
		    errset allowed, const char *what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, (off_t)off);
	int err = p == MAP_FAILED ? errno : 0;

	expect(t, OP_MMAP, err, allowed, "%s: offset %#" PRIx64 " length %#" PRIx64, what, off,
	       len);
	if (err)
		return NULL;
	if (!(allowed & OK)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

/*
 * mmap() of @m, an object @f holds a handle to, at @off, its offset: a mapping
 * past the object's end, or from inside it, fails with EINVAL. Otherwise the
 * mapping reads what the model knows, and bytes written through it read back
 * through a second mapping.
 */
void map_rw(struct thread *t, struct file *f, struct model *m, uint64_t off)
{
	uint64_t size = m->size, len;
	uint8_t *p, *q;

	if (!mappable(m))
		return;

	switch (below(t, 8)) {
	case 0:
		map(t, f, off, size + PAGE * (1 + below(t, 4)), E(EINVAL), "past the object's end");
		return;
	case 1:
		if (size > PAGE) {
			map(t, f, off + PAGE * (1 + below(t, size / PAGE - 1)), PAGE, E(EINVAL),
			    "from inside the object");
			return;
		}
		break;
	default:
		break;
	}
	len = chance(t, 50) ? size : PAGE * (1 + below(t, size / PAGE));
	p = map(t, f, off, len, OK, "the object");
	if (!p)
		return;
	if (check_contents(t, m, p, len, "through a new mapping") &&
	    write_some(t, m, p, len, "through a mapping")) {
		q = map(t, f, off, len, OK, "the object again");
		if (q) {
			check_contents(t, m, q, len, "through a second mapping");
			munmap(q, len);
		}
	}
	munmap(p, len);
}

/*
 * The mmap offset of @o, asked of @f if the model does not know it yet (MAP_DUMB
 * for a dumb buffer on a primary node). False if it has none the fuzzer can get.
 */
static bool obj_offset(struct thread *t, struct file *f, struct obj *o, uint64_t *off)
{
	struct model *m = o->m;
	int err;

	if (!m->offset && !m->foreign) {
		struct drm_nova_lite_gem_mmap_offset a = { .handle = o->handle };

		err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, &a);
		expect(t, OP_MMAP_OFFSET, err, OK, "handle %u (%s)", o->handle, kind(o));
		if (!err)
			set_offset(t, OP_MMAP_OFFSET, m, a.offset);
	} else if (!m->offset && m->dumb && f->primary) {
		struct drm_mode_map_dumb a = { .handle = o->handle };

		err = xioctl(f->fd, DRM_IOCTL_MODE_MAP_DUMB, &a);
		expect(t, OP_DUMB, err, OK, "map handle %u (dumb)", o->handle);
		if (!err)
			set_offset(t, OP_DUMB, m, a.offset);
	}
	*off = m->offset;
	return m->offset != 0;
}

/*
 * mmap() in @f of the offset of an object of another of the thread's files:
 * EACCES unless @f holds a handle to the object too.
 */
static void map_other(struct thread *t, struct file *f)
{
	struct file *g = &t->files[below(t, PRIVATE_FDS + SHARED_FDS)];
	struct obj *o;
	uint64_t off;
	uint8_t *p;

	if (g == f || g->fd < 0 || !(o = pick_obj(t, g)) || !mappable(o->m) ||
	    !obj_offset(t, g, o, &off))
		return;
	if (cfg.unplug) {
		/* @f and @g may be two instances of the device: the offset may be anything. */
		p = map(t, f, off, PAGE, OK | E(EINVAL) | E(EACCES), "another file's object");
		if (p)
			munmap(p, PAGE);
	} else if (holds(f, o->m)) {
		map_rw(t, f, o->m, off);
	} else {
		map(t, f, off, PAGE, E(EACCES), "another file's object");
	}
}

/*
 * A closed object's offset: mmap() fails, with EINVAL once the object is freed
 * or EACCES while it lives on (in a mapping, a dma-buf, another file), unless
 * @f still holds another handle to it. Only in a file no other thread uses,
 * which no other object can take the offset over in. A mapping made before the
 * close keeps working.
 */
static void map_closed(struct thread *t, struct file *f)
{
	struct drm_gem_close cl = { 0 };
	struct obj *o = pick_obj(t, f);
	uint8_t *p = NULL, *q;
	struct model *m;
	uint64_t off;
	int err;

	if (f->shared || !o || !mappable(o->m) || !obj_offset(t, f, o, &off))
		return;
	m = o->m;
	m->refs++;
	if (chance(t, 50))
		p = map(t, f, off, m->size, OK, "the object before its close");
	cl.handle = o->handle;
	err = xioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &cl);
	expect(t, OP_GEM_CLOSE, err, OK, "handle %u (%s)", cl.handle, kind(o));
	if (!err) {
		untrack(f, o);
		q = map(t, f, off, PAGE, holds(f, m) ? OK : E(EINVAL) | E(EACCES),
			"a closed handle's object");
		if (q)
			munmap(q, PAGE);
		if (p && check_contents(t, m, p, m->size, "after the close") &&
		    write_some(t, m, p, m->size, "after the close"))
			check_contents(t, m, p, m->size, "after the close");
	}
	if (p)
		munmap(p, m->size);
	model_put(m);
	note_err(f, err);
}

/* mmap() of offsets: see map_rw(), map_other(), map_closed(). */
void do_mmap(struct thread *t, struct file *f)
{
	struct obj *o;
	uint64_t off;

	switch (below(t, 6)) {
	case 0: {
		/* An offset the DRM core never gives out: EINVAL. */
		uint64_t pages = chance(t, 50) ? below(t, DRM_OFFSETS_START / PAGE)
					       : DRM_OFFSETS_END / PAGE + below(t, 1ull << 32);
		size_t len = (1 + below(t, 16)) * PAGE;
		void *p;
		int err;

		off = pages * PAGE;
		p = mmap(NULL, len, PROT_READ | (chance(t, 50) ? PROT_WRITE : 0), MAP_SHARED, f->fd,
			 (off_t)off);
		err = p == MAP_FAILED ? errno : 0;
		expect(t, OP_MMAP, err, E(EINVAL), "offset %#" PRIx64 " len %#zx", off, len);
		if (!err)
			munmap(p, len);
		note_err(f, err);
		break;
	}
	case 1:
	case 2:
		o = pick_obj(t, f);
		if (o && obj_offset(t, f, o, &off))
			map_rw(t, f, o->m, off);
		break;
	case 3:
	case 4:
		map_other(t, f);
		break;
	default:
		map_closed(t, f);
		break;
	}
}
