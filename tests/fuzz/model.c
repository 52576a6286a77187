// SPDX-License-Identifier: MIT
/*
 * The reference model: objects, handles and files, the host resources and the
 * host memory they take, and the handles the calls pick.
 */

#include "fuzz.h"

/*
 * The host memory of the fuzzer's resources, as QEMU counts it: @sum covers the
 * resources the models hold and those being created. @peak[i] is the largest
 * @sum while thread i is in RESOURCE_CREATE (@busy[i]): what the host may have
 * had in use, at most, when it answered.
 */
static struct {
	pthread_mutex_t lock;
	uint64_t sum;
	uint64_t peak[MAX_THREADS];
	bool busy[MAX_THREADS];
} hostmem = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Counts @size bytes for a RESOURCE_CREATE of thread @id, before the call. */
void hostmem_begin(int id, uint64_t size)
{
	pthread_mutex_lock(&hostmem.lock);
	hostmem.sum += size;
	for (int i = 0; i < MAX_THREADS; i++)
		if (hostmem.busy[i] && hostmem.peak[i] < hostmem.sum)
			hostmem.peak[i] = hostmem.sum;
	hostmem.busy[id] = true;
	hostmem.peak[id] = hostmem.sum;
	pthread_mutex_unlock(&hostmem.lock);
}

/*
 * After the call: keeps the @size bytes counted if the resource was @created.
 * Returns the most that was counted during the call (the new resource included).
 */
uint64_t hostmem_end(int id, uint64_t size, bool created)
{
	uint64_t peak;

	pthread_mutex_lock(&hostmem.lock);
	hostmem.busy[id] = false;
	peak = hostmem.peak[id];
	if (!created)
		hostmem.sum -= size;
	pthread_mutex_unlock(&hostmem.lock);
	return peak;
}

/* A resource is gone: its object was freed, and the driver destroyed it on the host. */
static void hostmem_release(uint64_t size)
{
	pthread_mutex_lock(&hostmem.lock);
	hostmem.sum -= size;
	pthread_mutex_unlock(&hostmem.lock);
}

/* A new object of the model, with one reference: the caller's. */
struct model *model_new(uint64_t size, bool foreign, bool dumb)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m) {
		perror("nova_lite_fuzz: calloc");
		exit(2);
	}
	m->size = size;
	m->refs = 1;
	m->foreign = foreign;
	m->dumb = dumb;
	return m;
}

/* Drops a reference; the last one frees the object, and with it its host resource. */
void model_put(struct model *m)
{
	if (--m->refs)
		return;
	/* A kept resource lives on in a shared file: its place and memory stay taken. */
	if (m->res_id && !m->kept) {
		__atomic_sub_fetch(&cfg.live_resources, 1, __ATOMIC_RELAXED);
		hostmem_release(m->hostmem);
	}
	free(m);
}

/* Takes one of the MAX_RESOURCES places for a RESOURCE_CREATE; false if none is free. */
bool reserve_resource(void)
{
	if (__atomic_add_fetch(&cfg.live_resources, 1, __ATOMIC_RELAXED) <= MAX_RESOURCES)
		return true;
	__atomic_sub_fetch(&cfg.live_resources, 1, __ATOMIC_RELAXED);
	return false;
}

void unreserve_resource(void)
{
	__atomic_sub_fetch(&cfg.live_resources, 1, __ATOMIC_RELAXED);
}

static void forget_objects(struct file *f)
{
	for (int i = 0; i < f->nobjs; i++)
		model_put(f->objs[i].m);
	f->nobjs = 0;
	f->stale = 0;
}

void file_close(struct file *f)
{
	if (f->fd >= 0 && !f->shared)
		close(f->fd);
	f->fd = -1;
	forget_objects(f);
}

/* (Re)opens @f. Returns 0 or an errno. */
int file_open(struct file *f)
{
	int type = f->primary ? DRM_NODE_PRIMARY : DRM_NODE_RENDER;
	struct nlt_node_search s;
	int fd = nlt_open_driver_node(NLT_DRIVER_NAME, type, &s);

	/*
	 * Every node opened and none is nova-lite's (it is unbound or removed): ENOENT, as for
	 * no node at all. An open() that failed keeps its errno, even ENODEV (s.path is then
	 * that node).
	 */
	if (fd == -ENODEV && s.none_matched)
		fd = -ENOENT;
	if (fd < 0)
		return -fd;
	f->fd = fd;
	/* A file is master from its open on, or never (the fuzzer sets no master). */
	f->master = f->primary && drmIsMaster(fd);
	forget_objects(f);
	return 0;
}

/* A file for the next call: one of the thread's own or, sometimes, a shared one. */
struct file *pick_file(struct thread *t)
{
	struct file *f;

	if (!cfg.unplug && chance(t, 25))
		f = &t->files[PRIVATE_FDS + below(t, SHARED_FDS)];
	else
		f = &t->files[below(t, PRIVATE_FDS)];
	if (f->fd < 0 && file_open(f))
		return NULL;
	return f;
}

/* A file answered ENODEV: the device is gone; reopen later. */
void note_err(struct file *f, int err)
{
	if (err == ENODEV && !f->shared)
		file_close(f);
}

struct obj *pick_obj(struct thread *t, struct file *f)
{
	return f->nobjs ? &f->objs[below(t, f->nobjs)] : NULL;
}

/* One of the thread's host resources in @f, NULL if it has none there. */
struct obj *pick_resource(struct thread *t, struct file *f)
{
	int idx[MAX_OBJS], n = 0;

	for (int i = 0; i < f->nobjs; i++)
		if (f->objs[i].m->res_id)
			idx[n++] = i;
	return n ? &f->objs[idx[below(t, n)]] : NULL;
}

struct obj *find_obj(struct file *f, uint32_t handle)
{
	for (int i = 0; i < f->nobjs; i++)
		if (f->objs[i].handle == handle)
			return &f->objs[i];
	return NULL;
}

bool tracked(struct file *f, uint32_t handle)
{
	return find_obj(f, handle) != NULL;
}

/* Whether @f holds a handle to @m. */
bool holds(struct file *f, const struct model *m)
{
	for (int i = 0; i < f->nobjs; i++)
		if (f->objs[i].m == m)
			return true;
	return false;
}

/*
 * Records a new handle of this thread to @m, with a reference; a file full of
 * them gets it closed instead (NULL). A handle @f already has is left as is.
 */
struct obj *track(struct thread *t, struct file *f, uint32_t handle, struct model *m,
		  bool prime)
{
	struct drm_gem_close cl = { .handle = handle };
	struct obj *o;

	/* Handle numbers are reused: the one closed last may be this one. */
	if (handle == f->stale)
		f->stale = 0;
	o = find_obj(f, handle);
	if (o) {
		o->prime |= prime;
		return o;
	}
	if (f->nobjs < MAX_OBJS) {
		o = &f->objs[f->nobjs++];
		*o = (struct obj){ handle, prime, m };
		m->refs++;
		return o;
	}
	expect(t, OP_GEM_CLOSE, xioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &cl), OK, "new handle %u",
	       handle);
	return NULL;
}

void untrack(struct file *f, struct obj *o)
{
	struct model *m = o->m;

	f->stale = o->handle;
	*o = f->objs[--f->nobjs];
	model_put(m);
}

/* GEM_CLOSE of @o, which must succeed. */
void close_obj(struct thread *t, struct file *f, struct obj *o)
{
	struct drm_gem_close c = { .handle = o->handle };
	int err = xioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &c);

	expect(t, OP_GEM_CLOSE, err, OK, "handle %u", c.handle);
	if (!err)
		untrack(f, o);
	note_err(f, err);
}

/* What @o names, for the reports. */
const char *kind(const struct obj *o)
{
	if (!o)
		return "none";
	if (o->m->foreign)
		return "foreign";
	if (o->m->res_id)
		return "resource";
	return o->m->dumb ? "dumb" : "plain";
}

/*
 * The handle for a nova-lite ioctl that takes one: mostly one of the thread's
 * objects in @f (with @want_res, a resource when @f has one), sometimes one
 * that @f does not have: the one this thread closed last (only in a file no
 * other thread uses, where nobody else gets it back), 0 (with @zero) or a large
 * one. Returns the object, NULL for the others, and sets *errs to what the
 * handle alone makes the ioctl answer: EINVAL for a foreign object, ENOENT for
 * no object.
 */
struct obj *pick_handle(struct thread *t, struct file *f, bool want_res, bool zero,
			uint32_t *handle, errset *errs)
{
	struct obj *o = NULL;

	if (chance(t, 85)) {
		if (want_res && chance(t, 75))
			o = pick_resource(t, f);
		if (!o)
			o = pick_obj(t, f);
	}
	if (o) {
		*handle = o->handle;
		*errs = o->m->foreign ? E(EINVAL) : 0;
		return o;
	}
	if (f->stale && !f->shared && chance(t, 50))
		*handle = f->stale;
	else if (zero && chance(t, 30))
		*handle = 0;
	else
		*handle = (uint32_t)rnd(t) | 0x40000000u;
	*errs = E(ENOENT);
	return NULL;
}

/* A size for GEM_CREATE: mostly valid, sometimes at or past the limits. */
uint64_t pick_size(struct thread *t)
{
	switch (below(t, 12)) {
	case 0: return 0;
	case 1: return cfg.gem_max;
	case 2: return cfg.gem_max + 1;
	case 3: return cfg.gem_max - PAGE + 1;
	case 4: return UINT64_MAX;
	case 5: return UINT64_MAX - PAGE + 2;
	case 6: return 1ull << (32 + below(t, 32));
	default: return 1 + below(t, 256 * 1024);
	}
}

uint64_t page_align(uint64_t size)
{
	return (size + PAGE - 1) & ~(PAGE - 1);
}

/*
 * Whether the fuzzer maps @m. mmap() of a shmem object, even of one page of
 * it, allocates and pins all its pages (the DRM shmem helper), which stay
 * allocated until the object is freed, mapped or not: with up to 64 objects in
 * each of 5 files of 4 threads, the 2 GiB guest ran out of memory at a 4 MiB
 * limit, and again when 256 MiB objects were mapped around their close (the
 * OOM killer ended 1,000,000-call runs). Only objects up to MAP_MAX_SIZE are
 * mapped: at most 160 MiB. The same holds for a PRIME import into another
 * device (with --unplug, the device's next instance): the exporter pins all
 * the pages for the attachment, and a 256 MiB buffer fails with ENOMEM once
 * the guest's memory runs low (the helper allocates them with
 * __GFP_RETRY_MAYFAIL).
 */
bool mappable(const struct model *m)
{
	return m->size <= MAP_MAX_SIZE;
}
