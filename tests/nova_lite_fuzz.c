// SPDX-License-Identifier: MIT
/*
 * nova_lite_fuzz: random but structured sequences of system calls against
 * nova-lite, from several threads on several files, each result checked
 * against what the uAPI (uapi/drm/nova_lite_drm.h) and the DRM core document.
 *
 * Every call ends in success or in the errno documented for that call and
 * those arguments; anything else is reported with the seed that reproduces
 * the thread's sequence, and the program exits 1. What the kernel does with
 * the calls (splats, leaks) is judged by the caller (ci/guest/check.sh), which
 * runs this on the debug kernel and reads the kernel log and kmemleak.
 *
 * Modes:
 *   (default)   random calls: nova-lite's ioctls with valid, boundary and
 *               invalid arguments; GEM_CLOSE, GEM_FLINK/GEM_OPEN,
 *               PRIME_HANDLE_TO_FD/FD_TO_HANDLE (of the fuzzer's own objects,
 *               and of a vgem buffer when vgem is loaded: a foreign object),
 *               the dumb-buffer ioctls (dumb buffers of the primary node are
 *               nova-lite's objects); GEM_MMAP_OFFSET and mmap() of the
 *               offsets, bytes written through one mapping and read back
 *               through another; host resources created, transferred, shown
 *               on scanouts (and scanouts disabled) and flushed, with
 *               rectangles inside, across and outside the resource; mmap of
 *               offsets nobody gave out, of another file's object and of a
 *               closed object; bad pointers; unknown ioctl numbers; files
 *               closed and reopened with live objects. Each thread has files
 *               of its own, and all share a render and a primary file (the
 *               DRM master, which may call SET_SCANOUT).
 *   --faults    one thread walks a list of valid calls and, for each, makes
 *               its 1st, 2nd, ... allocation fail (/proc/thread-self/fail-nth,
 *               failslab and fail_page_alloc must accept it) until the call
 *               makes no more allocations. A call may then fail only with
 *               ENOMEM (CREATE_DUMB also with ENOSPC, see fault_allowed()).
 *   --unplug    random calls while the device may go away and come back
 *               (virtio unbind/bind, PCI remove/rescan of the virtio-pci
 *               function): ENODEV is then accepted from every call, opening
 *               a node may fail, and a file that answered ENODEV is reopened. No shared files. Runs until
 *               -d SECONDS pass or SIGTERM/SIGINT arrives (-n is ignored).
 *
 * Options:
 *   -s SEED         seed of the threads' choices (default: time and pid)
 *   -n CALLS        random mode: stop once CALLS calls are made, all threads
 *                   together (default 1000)
 *   -t THREADS      threads of the random modes, 1 to MAX_THREADS (default 4)
 *   -d SECONDS      random modes: stop after SECONDS too, whichever of -n and
 *                   -d comes first (required with --unplug; --faults ignores it)
 *   --min-calls N   fail (exit 1) if the run ends with fewer than N calls made
 *                   in all (stopped by -d or a signal): a floor for a run
 *                   bounded by time; N may not exceed CALLS
 *   --faults, --unplug: the modes above; --help: this, on stdout
 *
 * Output: the seed first; "progress: N calls after S s" every 30 s (random
 * modes); at the end "calls: M in S.s s (R calls/s)", the calls of each kind,
 * "resource_enomem: N" (the resources created while the host's memory could be
 * full, see below: each may be refused once, so the device's err_out_of_memory
 * counter, in debugfs, may grow by that much at most) and the count of unexpected
 * results; "too few calls: M of at least N in S s" if --min-calls failed.
 * Exit status: 0, 1 for an unexpected result or too few calls, 2 for a usage
 * or setup error (no device).
 *
 * Environment: NOVA_LITE_EXPECT_MAX_HOSTMEM, the max_hostmem property of the
 * device (bytes; ci/guest/check.sh exports it). The uAPI has no parameter for
 * it. Unset, no resource may report ENOMEM as its first error.
 *
 * The reference model: each thread knows the objects it created or imported
 * (struct model) and which of its handles name them, in which files: their
 * size; whether they are nova-lite's (dumb buffers are too) or foreign (a vgem
 * import: every nova-lite ioctl refuses those with EINVAL); their mmap
 * offset; whether they are a host resource, and of which size; and a few
 * bytes written through a mapping, which every later mapping must read back
 * (an object nobody wrote to reads 0). No other thread can reach them:
 * handles are per file, and names and dma-bufs are not handed over. When an
 * ioctl's arguments are wrong in several ways, the errno of any of them is
 * accepted: the uAPI does not say in which order the checks run.
 *
 * Host resources are bounded (MAX_RESOURCES live in all, of objects of at
 * most RES_OBJ_MAX bytes: a quarter of the 64 MiB max_hostmem of make check),
 * and their host memory is counted as QEMU counts it (4 * width * height bytes
 * each), from before RESOURCE_CREATE is called until the last reference to the
 * object is gone (a handle, in any file, or a dma-buf; the driver posts the
 * RESOURCE_UNREF before that close or munmap() returns, and the device carries
 * out commands in the order they were posted): a resource may report ENOMEM
 * as its first error (WAIT, or any later operation on it) only if that count,
 * which includes the new resource and every other one being created, reached
 * max_hostmem (QEMU refuses a resource unless its memory plus that in use
 * stays below it) at some point during its RESOURCE_CREATE (a resource the
 * host refused stays counted: an upper bound). Otherwise the host holds
 * resources nobody holds: a missing RESOURCE_UNREF. Resources of a finished thread that stay in
 * the shared files until all threads have finished stay counted. The other
 * errors of an ioctl that asks the device (ETIMEDOUT, EIO, EPROTO, ...) are
 * failures here, as for QUERY: the device under test is healthy, the ioctls
 * are restarted on EINTR, and ENODEV is accepted in --unplug only.
 *
 * QUERY writes into a buffer that ends QUERY_GUARD bytes before a page nobody
 * may access, on a page filled with a pattern: an answer must fit the buffer
 * (ENOSPC, with the size needed, when it does not: always for an EDID and a
 * buffer under 128 bytes) and no byte past the buffer, nor past the answer's
 * size on success, may change.
 *
 * Each thread's choices come from its own generator, seeded from SEED (printed
 * on every run). With one thread (-t 1) a seed replays the same calls; with
 * several, the handle numbers the kernel gives out, and so some later choices,
 * depend on how the threads interleave: a seed then replays the same mix, not
 * the same sequence.
 *
 * Usage: nova_lite_fuzz [-s SEED] [-n CALLS] [-t THREADS] [-d SECONDS]
 *                       [--min-calls N] [--faults] [--unplug]
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "nova_lite_drm.h"

#include "common/nova_lite_test.h"

#define MAX_THREADS 16
#define PRIVATE_FDS 3		/* per thread: render, render, primary */
#define SHARED_FDS 2		/* every thread: render, primary */
#define MAX_OBJS 64		/* tracked handles per file */
#define MAP_MAX_SIZE (128ull << 10)	/* the largest object mapped (see mappable()) */
#define MAX_BUFS 8		/* dma-buf fds a thread keeps */
#define MAX_REPORTS 20
#define MAX_MARKS 8		/* bytes written through a mapping that an object remembers */
#define MAX_RESOURCES 16	/* live host resources, all threads together */
#define RES_OBJ_MAX (1ull << 20)	/* the largest object made a host resource */
#define MAX_DIM NOVA_LITE_RESOURCE_MAX_DIM
#define PARAM_FIRST NOVA_LITE_PARAM_NUM_SCANOUTS
#define PARAM_LAST NOVA_LITE_PARAM_GEM_MAX_SIZE
#define PAGE 4096ull
/*
 * The DRM core gives out fake mmap offsets from DRM_FILE_PAGE_OFFSET_START
 * (4 GiB) on, over DRM_FILE_PAGE_OFFSET_SIZE (about 1 TiB) with 4 KiB pages:
 * an offset below 4 GiB or from 2 TiB on is never an object's.
 */
#define DRM_OFFSETS_START (1ull << 32)
#define DRM_OFFSETS_END (1ull << 41)
/* The objects and resources of --faults: 64 x 64 pixels of 4 bytes. */
#define FAULT_W 64
#define FAULT_H 64
#define FAULT_OBJ (FAULT_W * FAULT_H * 4ull)
/* QUERY's buffer: at most QUERY_BUF bytes, then QUERY_GUARD bytes of pattern, then no access. */
#define QUERY_BUF (1024 + 64)
#define QUERY_GUARD 1024

/* One errno set: bit n set if errno n (below 128) is accepted; bit 0 is success. */
typedef unsigned __int128 errset;
#define OK ((errset)1 << 0)
#define E(e) ((errset)1 << (e))

enum op {
	OP_GETPARAM, OP_GEM_CREATE, OP_GEM_INFO, OP_GEM_CLOSE, OP_FLINK, OP_GEM_OPEN,
	OP_PRIME_EXPORT, OP_PRIME_IMPORT, OP_FOREIGN_IMPORT, OP_DUMB, OP_MMAP,
	OP_BAD_POINTER, OP_BAD_IOCTL, OP_REOPEN, OP_QUERY, OP_MMAP_OFFSET,
	OP_RESOURCE_CREATE, OP_TRANSFER, OP_SET_SCANOUT, OP_FLUSH, OP_WAIT, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"getparam", "gem_create", "gem_info", "gem_close", "flink", "gem_open",
	"prime_export", "prime_import", "foreign_import", "dumb", "mmap",
	"bad_pointer", "bad_ioctl", "reopen", "query", "mmap_offset",
	"resource_create", "transfer", "set_scanout", "flush", "wait",
};

/* Relative weights of the random mode. */
static const unsigned int op_weights[OP_COUNT] = {
	[OP_GETPARAM] = 12, [OP_GEM_CREATE] = 16, [OP_GEM_INFO] = 20,
	[OP_GEM_CLOSE] = 14, [OP_FLINK] = 5, [OP_GEM_OPEN] = 5,
	[OP_PRIME_EXPORT] = 4, [OP_PRIME_IMPORT] = 4, [OP_FOREIGN_IMPORT] = 2,
	[OP_DUMB] = 5, [OP_MMAP] = 6, [OP_BAD_POINTER] = 3, [OP_BAD_IOCTL] = 3,
	[OP_REOPEN] = 1, [OP_QUERY] = 8, [OP_MMAP_OFFSET] = 8,
	[OP_RESOURCE_CREATE] = 6, [OP_TRANSFER] = 5, [OP_SET_SCANOUT] = 4, [OP_FLUSH] = 5,
	[OP_WAIT] = 5,
};

/* A byte written through a mapping. */
struct mark {
	uint64_t pos;
	uint8_t val;
};

/*
 * A GEM object as the thread that created or imported it knows it. Only that
 * thread holds handles to it or dma-bufs of it; each of them is a reference,
 * and the object is gone, for the model as for the kernel, when the last one
 * goes (mappings are unmapped within the call that made them).
 */
struct model {
	uint64_t size;		/* bytes, a multiple of the page size */
	int refs;		/* handles and kept dma-bufs that name it, and temporary ones */
	bool foreign;		/* the DRM core's: an import from vgem */
	bool dumb;		/* a dumb buffer: MAP_DUMB gives its offset */
	bool written;		/* bytes were written through a mapping: not all 0 any more */
	uint64_t offset;	/* its mmap offset, 0 until an ioctl returned it */
	uint32_t res_id;	/* its host resource's id, 0 if it is none */
	uint32_t res_w, res_h;	/* the resource's size in pixels */
	uint64_t hostmem;	/* the host memory counted for the resource (see hostmem) */
	bool may_fail;		/* created while the host could be full: its first error may be ENOMEM */
	bool kept;		/* held on in a shared file after its thread ended: stays counted */
	int nmarks;
	struct mark marks[MAX_MARKS];	/* bytes written through a mapping, the last of each */
};

/* A handle of this thread. */
struct obj {
	uint32_t handle;
	bool prime;		/* in the file's PRIME table: exported or imported through it */
	struct model *m;
};

/*
 * A file as one thread sees it. A shared file's fd is the same in every thread,
 * each of which tracks only its own handles in it.
 */
struct file {
	int fd;			/* -1: closed (unplug mode, no node yet) */
	bool primary;
	bool shared;		/* opened once for all threads: other threads' handles live there */
	bool master;		/* the DRM master (a primary file, when opened first) */
	struct obj objs[MAX_OBJS];	/* this thread's handles in this file */
	int nobjs;
	uint32_t stale;		/* a handle this thread just closed here, 0 if none */
};

/* A dma-buf of one of this thread's objects. */
struct buf {
	int fd;
	struct model *m;
};

struct thread {
	int id;
	pthread_t tid;
	uint64_t rng;
	uint64_t calls, bad;
	uint64_t per_op[OP_COUNT];
	uint64_t resource_enomem;	/* resources created while the host could be full */
	bool timed_out;		/* stopped by -d */
	uint8_t *qpage;		/* QUERY's buffer page, followed by a page without access */
	struct file files[PRIVATE_FDS + SHARED_FDS];	/* private ones first */
	struct buf bufs[MAX_BUFS];
	int nbufs;
};

static struct {
	uint64_t seed, calls, min_calls;
	unsigned int threads, seconds;
	uint64_t max_hostmem;	/* NOVA_LITE_EXPECT_MAX_HOSTMEM, 0 if unknown */
	bool faults, unplug;
	int shared_fd[SHARED_FDS];	/* render, primary */
	bool shared_master;	/* the shared primary file is the DRM master */
	int vgem;		/* a vgem primary node, -1 if vgem is not loaded */
	uint64_t gem_max;
	uint32_t nscanouts;
	uint64_t params[PARAM_LAST + 1];
	struct drm_nova_lite_display_info display[16];	/* the reference answer */
	uint32_t display_size;
	bool edid;		/* the device offers EDIDs */
	int live_resources;	/* host resources the threads' models hold (atomic) */
	uint64_t deadline;	/* CLOCK_MONOTONIC in ns, 0 for none */
	pthread_mutex_t report_lock;
	unsigned int reports;
} cfg = { .calls = 1000, .threads = 4, .vgem = -1 };

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
static void hostmem_begin(int id, uint64_t size)
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
static uint64_t hostmem_end(int id, uint64_t size, bool created)
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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Set by SIGINT/SIGTERM: the threads finish their call and the summary is printed. */
static volatile sig_atomic_t stop;

/* Threads that have finished, for the progress lines of the main thread. */
static unsigned int finished;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Where a thread's access to a mapping goes when it faults (SIGBUS, SIGSEGV). */
static __thread sigjmp_buf *access_jmp;

static void on_access_fault(int sig)
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

/* xorshift64*: a reproducible sequence per thread. */
static uint64_t rnd(struct thread *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dull;
}

static uint64_t below(struct thread *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

static bool chance(struct thread *t, unsigned int percent)
{
	return below(t, 100) < percent;
}

static const char *errname(int e)
{
	static const char *const names[] = {
		[0] = "success", [EPERM] = "EPERM", [ENOENT] = "ENOENT", [EINTR] = "EINTR",
		[EIO] = "EIO", [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [EBADF] = "EBADF",
		[ENOMEM] = "ENOMEM", [EACCES] = "EACCES", [EFAULT] = "EFAULT",
		[EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [ENODEV] = "ENODEV",
		[EINVAL] = "EINVAL", [ENOSPC] = "ENOSPC", [ENOTTY] = "ENOTTY", [ENOSYS] = "ENOSYS",
		[EPROTO] = "EPROTO", [EOPNOTSUPP] = "EOPNOTSUPP", [ETIMEDOUT] = "ETIMEDOUT",
	};

	if (e >= 0 && e < (int)(sizeof(names) / sizeof(names[0])) && names[e])
		return names[e];
	return "errno";
}

/* Counts an unexpected result and prints the first MAX_REPORTS of them. */
static void report(struct thread *t, enum op op, const char *what)
{
	t->bad++;
	pthread_mutex_lock(&cfg.report_lock);
	if (cfg.reports++ < MAX_REPORTS)
		fprintf(stderr, "UNEXPECTED thread %d call %" PRIu64 ": %s %s\n", t->id, t->calls,
			op_names[op], what);
	pthread_mutex_unlock(&cfg.report_lock);
}

/*
 * Checks one call's result @err (0 or an errno) against @allowed. In unplug
 * mode ENODEV is accepted from every call. Returns @err.
 */
static int expect(struct thread *t, enum op op, int err, errset allowed, const char *fmt, ...)
{
	char what[300];
	size_t n;
	va_list ap;

	t->calls++;
	t->per_op[op]++;
	if (cfg.unplug)
		allowed |= E(ENODEV);
	if (err >= 0 && err < 128 && (allowed & E(err)))
		return err;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	n = strlen(what);
	snprintf(what + n, sizeof(what) - n, " -> %s (%d)", errname(err), err);
	report(t, op, what);
	return err;
}

/* A value check that failed. */
static void wrong(struct thread *t, enum op op, const char *fmt, ...)
{
	char what[300] = ": ";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what + 2, sizeof(what) - 2, fmt, ap);
	va_end(ap);
	report(t, op, what);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && errno == EINTR);
	return ret ? errno : 0;
}

/* A new object of the model, with one reference: the caller's. */
static struct model *model_new(uint64_t size, bool foreign, bool dumb)
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
static void model_put(struct model *m)
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
static bool reserve_resource(void)
{
	if (__atomic_add_fetch(&cfg.live_resources, 1, __ATOMIC_RELAXED) <= MAX_RESOURCES)
		return true;
	__atomic_sub_fetch(&cfg.live_resources, 1, __ATOMIC_RELAXED);
	return false;
}

static void unreserve_resource(void)
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

static void file_close(struct file *f)
{
	if (f->fd >= 0 && !f->shared)
		close(f->fd);
	f->fd = -1;
	forget_objects(f);
}

/* (Re)opens @f. Returns 0 or an errno. */
static int file_open(struct file *f)
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
static struct file *pick_file(struct thread *t)
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
static void note_err(struct file *f, int err)
{
	if (err == ENODEV && !f->shared)
		file_close(f);
}

static struct obj *pick_obj(struct thread *t, struct file *f)
{
	return f->nobjs ? &f->objs[below(t, f->nobjs)] : NULL;
}

/* One of the thread's host resources in @f, NULL if it has none there. */
static struct obj *pick_resource(struct thread *t, struct file *f)
{
	int idx[MAX_OBJS], n = 0;

	for (int i = 0; i < f->nobjs; i++)
		if (f->objs[i].m->res_id)
			idx[n++] = i;
	return n ? &f->objs[idx[below(t, n)]] : NULL;
}

static struct obj *find_obj(struct file *f, uint32_t handle)
{
	for (int i = 0; i < f->nobjs; i++)
		if (f->objs[i].handle == handle)
			return &f->objs[i];
	return NULL;
}

static bool tracked(struct file *f, uint32_t handle)
{
	return find_obj(f, handle) != NULL;
}

/* Whether @f holds a handle to @m. */
static bool holds(struct file *f, const struct model *m)
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
static struct obj *track(struct thread *t, struct file *f, uint32_t handle, struct model *m,
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

static void untrack(struct file *f, struct obj *o)
{
	struct model *m = o->m;

	f->stale = o->handle;
	*o = f->objs[--f->nobjs];
	model_put(m);
}

/* GEM_CLOSE of @o, which must succeed. */
static void close_obj(struct thread *t, struct file *f, struct obj *o)
{
	struct drm_gem_close c = { .handle = o->handle };
	int err = xioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &c);

	expect(t, OP_GEM_CLOSE, err, OK, "handle %u", c.handle);
	if (!err)
		untrack(f, o);
	note_err(f, err);
}

/* What @o names, for the reports. */
static const char *kind(const struct obj *o)
{
	if (!o)
		return "none";
	if (o->m->foreign)
		return o->m->dumb ? "dumb" : "foreign";
	return o->m->res_id ? "resource" : "plain";
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
static struct obj *pick_handle(struct thread *t, struct file *f, bool want_res, bool zero,
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
static uint64_t pick_size(struct thread *t)
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

static uint64_t page_align(uint64_t size)
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
static bool mappable(const struct model *m)
{
	return m->size <= MAP_MAX_SIZE;
}

static void do_getparam(struct thread *t, struct file *f)
{
	struct drm_nova_lite_getparam p = { 0 };
	bool valid;
	int err;

	if (chance(t, 80))
		p.param = PARAM_FIRST + below(t, PARAM_LAST - PARAM_FIRST + 1);
	else if (chance(t, 50))
		p.param = chance(t, 50) ? 0 : PARAM_LAST + 1;
	else
		p.param = rnd(t);
	valid = p.param >= PARAM_FIRST && p.param <= PARAM_LAST;
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &p);
	expect(t, OP_GETPARAM, err, valid ? OK : E(EINVAL), "param %#" PRIx64, (uint64_t)p.param);
	if (!err && valid && p.value != cfg.params[p.param])
		wrong(t, OP_GETPARAM, "param %" PRIu64 " = %#" PRIx64 ", was %#" PRIx64,
		      (uint64_t)p.param, (uint64_t)p.value, cfg.params[p.param]);
	note_err(f, err);
}

static void do_gem_create(struct thread *t, struct file *f)
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

static void do_gem_info(struct thread *t, struct file *f)
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

static void do_gem_close(struct thread *t, struct file *f)
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
static void do_flink(struct thread *t, struct file *f, bool open_too)
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

	to = &t->files[chance(t, 30) && !cfg.unplug ? PRIVATE_FDS + 1 : 2];
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
static void do_prime_export(struct thread *t, struct file *f)
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

static void do_prime_import(struct thread *t, struct file *f)
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
 * @o, a foreign object: EINVAL (SET_SCANOUT: EACCES for a file that is not the
 * DRM master, which the DRM core checks first).
 */
static void refused(struct thread *t, struct file *f, struct obj *o)
{
	const struct drm_nova_lite_rect r = { 0, 0, 16, 16 };
	enum op op;
	int err;

	switch (below(t, 6)) {
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
			.handle = o->handle, .format = NOVA_LITE_FORMAT_B8G8R8X8_UNORM,
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
	case 4: {
		struct drm_nova_lite_set_scanout a = { .handle = o->handle, .rect = r };

		op = OP_SET_SCANOUT;
		err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_SET_SCANOUT, &a);
		break;
	}
	default: {
		struct drm_nova_lite_flush a = { .handle = o->handle, .rect = r };

		op = OP_FLUSH;
		err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_RESOURCE_FLUSH, &a);
		break;
	}
	}
	expect(t, op, err, op == OP_SET_SCANOUT && !f->master ? E(EACCES) : E(EINVAL),
	       "handle %u (%s)", o->handle, kind(o));
}

/*
 * A dma-buf of another driver (vgem): imported, it is a new handle to a foreign
 * object, which nova-lite's ioctls refuse and GEM_CLOSE releases.
 */
static void do_foreign_import(struct thread *t, struct file *f)
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

/* Checks @off, an mmap offset an ioctl gave for @m, and records it. */
static void set_offset(struct thread *t, enum op op, struct model *m, uint64_t off)
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
static void map_rw(struct thread *t, struct file *f, struct model *m, uint64_t off)
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
static void do_mmap(struct thread *t, struct file *f)
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

/*
 * The dumb-buffer ioctls, the DRM core's: on the primary node they create,
 * map and destroy dumb buffers, which are nova-lite's own objects (its
 * dumb_create: 32 bits per pixel only, EINVAL otherwise, as virtio_gpu); they
 * are not allowed on the render node.
 */
static void do_dumb(struct thread *t, struct file *f)
{
	struct obj *o;
	int err;

	switch (below(t, 5)) {
	case 0:
	case 1: {
		struct drm_mode_create_dumb d = { 0 };
		bool valid = chance(t, 85);
		struct model *m;

		if (valid) {
			d.width = 1 + below(t, 1024);
			d.height = 1 + below(t, 1024);
			d.bpp = 32;
		} else if (chance(t, 50)) {
			d.width = 1 + below(t, 1024);
			d.height = 1 + below(t, 1024);
			d.bpp = 8 * (1 + below(t, 3));
		} else {
			d.width = below(t, 4096);
			d.height = below(t, 4096);
			d.bpp = 8 * below(t, 5);
			*(below(t, 3) == 0 ? &d.width : below(t, 2) ? &d.height : &d.bpp) = 0;
		}
		d.handle = (uint32_t)rnd(t); /* out only */
		err = xioctl(f->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);
		expect(t, OP_DUMB, err, f->primary ? (valid ? OK : E(EINVAL)) : E(EACCES),
		       "create %ux%u bpp %u", d.width, d.height, d.bpp);
		note_err(f, err);
		if (err || !valid)
			break;
		if (!d.handle || tracked(f, d.handle) || d.pitch < (d.width * d.bpp + 7) / 8 ||
		    d.size < (uint64_t)d.pitch * d.height)
			wrong(t, OP_DUMB, "create %ux%u bpp %u: handle %u pitch %u size %#" PRIx64
			      ", want a new handle and room for the pixels", d.width, d.height, d.bpp,
			      d.handle, d.pitch, (uint64_t)d.size);
		m = model_new(page_align(d.size), false, true);
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
		 * The core maps any object that is not an import; nova-lite's own
		 * objects are left to it (the uAPI does not say).
		 */
		if (!f->primary)
			allowed = E(EACCES);
		else if (!o)
			allowed = E(ENOENT);
		else if (o->m->dumb)
			allowed = OK;
		else if (o->m->foreign)
			allowed = E(EINVAL);
		else
			allowed = OK | E(EINVAL);
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

static void do_bad_pointer(struct thread *t, struct file *f)
{
	static const unsigned long reqs[] = {
		DRM_IOCTL_NOVA_LITE_GETPARAM, DRM_IOCTL_NOVA_LITE_GEM_CREATE,
		DRM_IOCTL_NOVA_LITE_GEM_INFO, DRM_IOCTL_NOVA_LITE_QUERY,
		DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE,
		DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, DRM_IOCTL_NOVA_LITE_SET_SCANOUT,
		DRM_IOCTL_NOVA_LITE_RESOURCE_FLUSH,
	};
	void *bad[] = { NULL, (void *)1, (void *)-4096l, (void *)0xdead0000ul };
	unsigned long req = reqs[below(t, sizeof(reqs) / sizeof(reqs[0]))];
	int err;

	/* The DRM core copies the argument in before it checks the caller's rights. */
	err = ioctl(f->fd, req, bad[below(t, 4)]) ? errno : 0;
	expect(t, OP_BAD_POINTER, err, E(EFAULT), "ioctl %#lx", req);
	note_err(f, err);
}

/* Driver ioctl numbers nova-lite does not define. */
static void do_bad_ioctl(struct thread *t, struct file *f)
{
	uint8_t arg[64] = { 0 };
	unsigned int first = DRM_COMMAND_BASE + DRM_NOVA_LITE_WAIT + 1;
	unsigned int nr = first + below(t, DRM_COMMAND_END - first);
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
static void do_mmap_offset(struct thread *t, struct file *f)
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

/* A format: mostly one of the enum, sometimes 0, one between or after them, or any. */
static uint32_t pick_format(struct thread *t)
{
	if (chance(t, 90))
		return nlt_formats[below(t, NLT_NFORMATS)];
	switch (below(t, 4)) {
	case 0: return 0;
	case 1: return 5 + below(t, 62);
	case 2: return NOVA_LITE_FORMAT_R8G8B8X8_UNORM + 1 + below(t, 1000);
	default: return (uint32_t)rnd(t);
	}
}

static uint32_t min32(uint64_t a, uint64_t b)
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
static void do_resource_create(struct thread *t, struct file *f)
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
	       "handle %u (%s) format %u %ux%u pad %#" PRIx64 "%s", c.handle, kind(o), c.format,
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
 * What the handle and rectangle of TRANSFER_TO_HOST, SET_SCANOUT and
 * RESOURCE_FLUSH make the ioctl answer, on top of @errs (the handle's):
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
static void do_wait(struct thread *t, struct file *f)
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
 * DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST or _RESOURCE_FLUSH (same arguments) on
 * the thread's resources, other objects and unknown handles, with rectangles
 * inside and outside, and a bad pad.
 */
static void do_transfer_flush(struct thread *t, struct file *f, enum op op)
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
	if (op == OP_FLUSH) {
		struct drm_nova_lite_flush fl = { .handle = a.handle, .pad = a.pad, .rect = a.rect };

		err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_RESOURCE_FLUSH, &fl);
	} else {
		err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST, &a);
	}
	expect(t, op, err, errs ? errs : OK | first_errs(o),
	       "handle %u (%s %ux%u) pad %#x rect %u,%u %ux%u",
	       a.handle, kind(o), o ? o->m->res_w : 0, o ? o->m->res_h : 0, a.pad, a.rect.x,
	       a.rect.y, a.rect.width, a.rect.height);
	note_err(f, err);
}

/*
 * DRM_IOCTL_NOVA_LITE_SET_SCANOUT on scanouts in and out of range, with the
 * thread's resources, other objects and unknown handles, and handle 0 (disable,
 * with an all-0 rectangle or not). The host may refuse a rectangle smaller than
 * 16 x 16 (EINVAL). Only the DRM master may call it: EACCES for any other file
 * (from the DRM core, before any argument is looked at).
 */
static void do_set_scanout(struct thread *t, struct file *f)
{
	struct drm_nova_lite_set_scanout s = { 0 };
	struct obj *o = NULL;
	bool small = false;
	errset errs = 0;
	int err;

	switch (chance(t, 90) ? 3 : below(t, 3)) {
	case 0: s.scanout = cfg.nscanouts; break;
	case 1: s.scanout = cfg.nscanouts + 1 + below(t, 1000); break;
	case 2: s.scanout = (uint32_t)rnd(t) | 0x80000000u; break;
	default: s.scanout = below(t, cfg.nscanouts); break;
	}
	if (s.scanout >= cfg.nscanouts)
		errs |= E(EINVAL);
	if (chance(t, 15)) {
		/* Disable: handle 0 with an all-0 rectangle; any other is EINVAL. */
		if (chance(t, 25)) {
			s.rect = pick_rect(t, 64, 64);
			if (!s.rect.x && !s.rect.y && !s.rect.width && !s.rect.height)
				s.rect.height = 1;
			errs |= E(EINVAL);
		}
	} else {
		errset herrs;

		o = pick_handle(t, f, true, false, &s.handle, &herrs);
		if (o && o->m->res_id && chance(t, 40))
			s.rect = (struct drm_nova_lite_rect){ 0, 0, o->m->res_w, o->m->res_h };
		else
			s.rect = pick_rect(t, o ? o->m->res_w : 0, o ? o->m->res_h : 0);
		errs = rect_errs(o, &s.rect, errs | herrs);
		small = s.rect.width < 16 || s.rect.height < 16;
	}
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_SET_SCANOUT, &s);
	expect(t, OP_SET_SCANOUT, err,
	       !f->master ? E(EACCES) : errs ? errs : OK | (small ? E(EINVAL) : 0) | first_errs(o),
	       "scanout %u handle %u (%s %ux%u) rect %u,%u %ux%u on %s", s.scanout, s.handle,
	       s.handle ? kind(o) : "disable", o ? o->m->res_w : 0, o ? o->m->res_h : 0,
	       s.rect.x, s.rect.y, s.rect.width, s.rect.height,
	       f->master ? "the master" : f->primary ? "a primary file" : "a render file");
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
 * bytes of @buf: neither past the buffer's size nor, on success, past the
 * answer's.
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
 * and pointers. Display information must equal the reference read at start;
 * an EDID must start with the EDID header and be 128 to 1024 bytes, a
 * multiple of 128. A buffer smaller than the answer gets ENOSPC and the size
 * needed (an EDID never fits in less than 128 bytes); nothing is written past
 * the buffer, nor past the answer. Every call is a device round trip.
 */
static void do_query(struct thread *t, struct file *f)
{
	struct drm_nova_lite_query q = { 0 };
	uint32_t nscanouts = cfg.params[NOVA_LITE_PARAM_NUM_SCANOUTS], want_size = 0, in_size;
	uint8_t pattern = rnd(t), *buf = NULL;
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
	/* 0-1: size probe, 2: under 128 bytes, 3: bad pointer, 4: 128 to 1023, else fits */
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
		q.data = 0xdead0000ul;
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
	} else if (!edid) {
		want_size = cfg.display_size;
		allowed = kind == 3 ? E(EFAULT) : buf && in_size < want_size ? E(ENOSPC) : OK;
	} else {
		/* EDIDs are 128 to 1024 bytes: a buffer of 128 to 1023 may fit one or not. */
		allowed = kind == 3 ? E(EFAULT) : kind == 2 ? E(ENOSPC) :
			  kind == 4 ? E(ENOSPC) | OK : OK;
	}
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_QUERY, &q);
	expect(t, OP_QUERY, err, allowed, "type %u index %u pad %#x size %u data %s", q.type,
	       q.index, q.pad, in_size, kind <= 1 ? "0" : kind == 3 ? "bad" : "buf");
	note_err(f, err);
	/* Any answer: nothing past the buffer; on success, nothing past the answer either. */
	if (buf)
		check_query_guard(t, buf, !err && q.size < in_size ? q.size : in_size, pattern,
				  edid ? "EDID" : "query");
	if (err && err != ENOSPC)
		return;
	if (want_size && q.size != want_size)
		wrong(t, OP_QUERY, "display info size %u, want %u", q.size, want_size);
	else if (want_size && !err && buf && memcmp(buf, cfg.display, want_size))
		wrong(t, OP_QUERY, "display info differs from the reference");
	else if (edid && !nlt_edid_size_ok(q.size))
		wrong(t, OP_QUERY, "EDID size %u%s", q.size, err ? " with ENOSPC" : "");
	else if (edid && err && q.size <= in_size)
		wrong(t, OP_QUERY, "ENOSPC for a buffer of %u bytes, but the EDID needs only %u",
		      in_size, q.size);
	else if (edid && !err && buf && q.size > in_size)
		wrong(t, OP_QUERY, "an EDID of %u bytes in a buffer of %u", q.size, in_size);
	else if (edid && !err && buf && !nlt_edid_header_ok(buf, q.size))
		wrong(t, OP_QUERY, "EDID of scanout %u has no EDID header", q.index);
}

static void do_reopen(struct thread *t)
{
	struct file *f = &t->files[below(t, PRIVATE_FDS)];
	int err;

	/* Closing drops the file's handles, and with them the objects nobody else holds. */
	file_close(f);
	err = file_open(f);
	/* With unplugs, no node may be there right now. */
	expect(t, OP_REOPEN, err, cfg.unplug ? OK | E(ENOENT) | E(ENXIO) : OK, "%s node",
	       f->primary ? "primary" : "render");
}

/* The sum of op_weights[], computed before the threads start. */
static unsigned int total_weight;

static void random_call(struct thread *t)
{
	unsigned int w;
	struct file *f;
	enum op op;

	w = below(t, total_weight);
	for (op = 0; w >= op_weights[op]; op++)
		w -= op_weights[op];

	if (op == OP_REOPEN) {
		do_reopen(t);
		return;
	}
	f = pick_file(t);
	if (!f) {
		/* Unplug mode: no node right now. */
		usleep(1000);
		return;
	}
	/* SET_SCANOUT is the DRM master's: mostly on the shared primary file, which is. */
	if (op == OP_SET_SCANOUT && cfg.shared_master && chance(t, 70))
		f = &t->files[PRIVATE_FDS + 1];
	switch (op) {
	case OP_GETPARAM: do_getparam(t, f); break;
	case OP_GEM_CREATE: do_gem_create(t, f); break;
	case OP_GEM_INFO: do_gem_info(t, f); break;
	case OP_GEM_CLOSE: do_gem_close(t, f); break;
	case OP_FLINK: do_flink(t, f, false); break;
	case OP_GEM_OPEN: do_flink(t, f, true); break;
	case OP_PRIME_EXPORT: do_prime_export(t, f); break;
	case OP_PRIME_IMPORT: do_prime_import(t, f); break;
	case OP_FOREIGN_IMPORT: do_foreign_import(t, f); break;
	case OP_DUMB: do_dumb(t, f); break;
	case OP_MMAP: do_mmap(t, f); break;
	case OP_BAD_POINTER: do_bad_pointer(t, f); break;
	case OP_BAD_IOCTL: do_bad_ioctl(t, f); break;
	case OP_QUERY: do_query(t, f); break;
	case OP_MMAP_OFFSET: do_mmap_offset(t, f); break;
	case OP_RESOURCE_CREATE: do_resource_create(t, f); break;
	case OP_TRANSFER: do_transfer_flush(t, f, OP_TRANSFER); break;
	case OP_SET_SCANOUT: do_set_scanout(t, f); break;
	case OP_FLUSH: do_transfer_flush(t, f, OP_FLUSH); break;
	case OP_WAIT: do_wait(t, f); break;
	default: break;
	}
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	uint64_t n = cfg.calls / cfg.threads + (t->id < (int)(cfg.calls % cfg.threads));

	while ((t->calls < n || cfg.unplug) && !stop) {
		if (cfg.deadline && now_ns() >= cfg.deadline) {
			t->timed_out = true;
			break;
		}
		random_call(t);
	}
	/*
	 * The thread's handles in the shared files stay until every thread has
	 * finished: their resources still take their places and host memory.
	 */
	for (int i = PRIVATE_FDS; i < PRIVATE_FDS + SHARED_FDS; i++)
		for (int k = 0; k < t->files[i].nobjs; k++)
			t->files[i].objs[k].m->kept = true;
	for (int i = 0; i < PRIVATE_FDS + SHARED_FDS; i++)
		file_close(&t->files[i]);
	for (int i = 0; i < t->nbufs; i++) {
		close(t->bufs[i].fd);
		model_put(t->bufs[i].m);
	}
	if (t->qpage)
		munmap(t->qpage, 2 * PAGE);
	__atomic_add_fetch(&finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Prints "progress: N calls" every 30 s until every thread has finished. */
static void show_progress(struct thread *threads)
{
	for (unsigned int secs = 1; __atomic_load_n(&finished, __ATOMIC_ACQUIRE) < cfg.threads;
	     secs++) {
		uint64_t calls = 0;

		sleep(1);
		if (secs % 30)
			continue;
		for (unsigned int i = 0; i < cfg.threads; i++)
			calls += __atomic_load_n(&threads[i].calls, __ATOMIC_RELAXED);
		printf("progress: %" PRIu64 " calls after %u s\n", calls, secs);
		fflush(stdout);
	}
}

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
};

static char render_path[300];

static int fault_prepare(enum op op, struct fault_ctx *c)
{
	struct drm_nova_lite_gem_create cr = { .size = FAULT_OBJ };
	struct drm_gem_flink fl = { 0 };
	struct drm_prime_handle e = { .flags = DRM_CLOEXEC };
	struct drm_nova_lite_gem_mmap_offset mo = { 0 };
	struct drm_nova_lite_resource_create rc = {
		.format = NOVA_LITE_FORMAT_B8G8R8X8_UNORM, .width = FAULT_W, .height = FAULT_H,
	};

	c->handle = c->name = c->out_handle = c->vgem_handle = 0;
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
	if ((op == OP_TRANSFER || op == OP_SET_SCANOUT || op == OP_FLUSH || op == OP_WAIT) &&
	    xioctl(c->primary, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &rc))
		return -1;
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
			.handle = c->handle, .format = NOVA_LITE_FORMAT_B8G8R8X8_UNORM,
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
	case OP_SET_SCANOUT: {
		struct drm_nova_lite_set_scanout ss = {
			.scanout = 0, .handle = c->handle, .rect = { 0, 0, FAULT_W, FAULT_H },
		};

		return xioctl(c->primary, DRM_IOCTL_NOVA_LITE_SET_SCANOUT, &ss);
	}
	case OP_FLUSH: {
		struct drm_nova_lite_flush fl = {
			.handle = c->handle, .rect = { 0, 0, FAULT_W, FAULT_H },
		};

		return xioctl(c->primary, DRM_IOCTL_NOVA_LITE_RESOURCE_FLUSH, &fl);
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
	default:
		return EINVAL;
	}
}

static void fault_cleanup(struct fault_ctx *c)
{
	struct drm_gem_close cl = { 0 };

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
 * What a call may answer with an allocation failing: ENOMEM. CREATE_DUMB may
 * also answer ENOSPC: the DRM core creates a dumb buffer with a shmem file,
 * which reports a failed inode allocation as ENOSPC (nova-lite's GEM_CREATE
 * turns that into ENOMEM, the core does not).
 */
static errset fault_allowed(enum op op)
{
	return OK | E(ENOMEM) | (op == OP_DUMB ? E(ENOSPC) : 0);
}

static int run_faults(struct thread *t)
{
	static const enum op ops[] = {
		OP_REOPEN, OP_GETPARAM, OP_GEM_CREATE, OP_GEM_INFO, OP_GEM_CLOSE, OP_FLINK,
		OP_GEM_OPEN, OP_PRIME_EXPORT, OP_PRIME_IMPORT, OP_QUERY, OP_MMAP_OFFSET, OP_MMAP,
		OP_RESOURCE_CREATE, OP_TRANSFER, OP_SET_SCANOUT, OP_FLUSH, OP_WAIT, OP_DUMB,
		OP_FOREIGN_IMPORT,
	};
	struct nlt_node_search rs, ps;
	struct fault_ctx c = {
		.render = nlt_open_driver_node(NLT_DRIVER_NAME, DRM_NODE_RENDER, &rs),
		.primary = nlt_open_driver_node(NLT_DRIVER_NAME, DRM_NODE_PRIMARY, &ps),
	};
	char why[384];

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
	for (unsigned int k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		struct fault_stats s = { 0 };
		enum op op = ops[k];

		/* SET_SCANOUT is the DRM master's; the foreign dma-buf is vgem's. */
		if ((op == OP_SET_SCANOUT && !drmIsMaster(c.primary)) ||
		    (op == OP_FOREIGN_IMPORT && cfg.vgem < 0)) {
			printf("faults: %-16s skipped: %s\n", op_names[op], op == OP_SET_SCANOUT ?
			       "the primary file is not the DRM master" : "vgem is not loaded");
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
			expect(t, op, err, fault_allowed(op), "with allocation %u failing", n);
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

static void usage(FILE *out, int status)
{
	fprintf(out,
		"usage: nova_lite_fuzz [-s SEED] [-n CALLS] [-t THREADS] [-d SECONDS] "
		"[--min-calls N]\n"
		"                      [--faults] [--unplug]\n"
		"  -s SEED         seed of the threads' choices (default: from the time and pid)\n"
		"  -n CALLS        random mode: stop after CALLS calls, all threads together\n"
		"                  (default 1000)\n"
		"  -t THREADS      threads, 1 to %d (default 4)\n"
		"  -d SECONDS      stop after SECONDS, or at CALLS calls if that comes first\n"
		"                  (required with --unplug, which ignores -n; --faults ignores it)\n"
		"  --min-calls N   exit 1 if the run ends with fewer than N calls (N <= CALLS)\n"
		"  --faults        every allocation of each valid call failed in turn (fail-nth)\n"
		"  --unplug        random calls while the device goes away and comes back\n"
		"Environment: NOVA_LITE_EXPECT_MAX_HOSTMEM, the device's max_hostmem in bytes:\n"
		"a resource may report ENOMEM (its first error) only when the fuzzer's resources\n"
		"reached it at its creation (unset: never).\n"
		"The random calls: nova-lite's ioctls (GETPARAM, GEM_CREATE, GEM_INFO, QUERY,\n"
		"GEM_MMAP_OFFSET, RESOURCE_CREATE, TRANSFER_TO_HOST, SET_SCANOUT, RESOURCE_FLUSH,\n"
		"WAIT),\n"
		"mmap() of objects, GEM_CLOSE, FLINK/OPEN, PRIME export and import (vgem too),\n"
		"dumb buffers, bad pointers and ioctl numbers, reopened files; each result checked\n"
		"against a model of what the driver must answer. At the end: \"calls: M in S s\n"
		"(R calls/s)\", \"resource_enomem: N\" (host-full ENOMEMs accepted) and the count\n"
		"of unexpected results.\n", MAX_THREADS);
	exit(status);
}

/* The number @arg, or usage() if it is not one (or exceeds @max). */
static uint64_t number(const char *arg, uint64_t max)
{
	char *end = NULL;
	uint64_t v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || *arg == '-' || v > max) {
		fprintf(stderr, "nova_lite_fuzz: not a number in range: %s\n", arg);
		usage(stderr, 2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct thread threads[MAX_THREADS];
	uint64_t calls = 0, bad = 0, per_op[OP_COUNT] = { 0 };
	unsigned int nops = 0;
	bool timed_out = false;
	const char *env;
	uint64_t t0, resource_enomem = 0;
	struct nlt_node_search search;
	char why[384];
	double secs;
	int fd;

	cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			cfg.seed = number(argv[++i], UINT64_MAX);
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			cfg.calls = number(argv[++i], UINT64_MAX);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			cfg.threads = number(argv[++i], MAX_THREADS);
		else if (!strcmp(argv[i], "-d") && i + 1 < argc)
			cfg.seconds = number(argv[++i], 100u * 365 * 86400);
		else if (!strcmp(argv[i], "--min-calls") && i + 1 < argc)
			cfg.min_calls = number(argv[++i], UINT64_MAX);
		else if (!strcmp(argv[i], "--faults"))
			cfg.faults = true;
		else if (!strcmp(argv[i], "--unplug"))
			cfg.unplug = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			usage(stdout, 0);
		else
			usage(stderr, 2);
	}
	if (cfg.threads < 1 || (cfg.unplug && !cfg.seconds) || (cfg.faults && cfg.unplug))
		usage(stderr, 2);
	if (!cfg.unplug && !cfg.faults && cfg.min_calls > cfg.calls) {
		fprintf(stderr, "nova_lite_fuzz: --min-calls %" PRIu64 " exceeds -n %" PRIu64 "\n",
			cfg.min_calls, cfg.calls);
		return 2;
	}
	env = getenv("NOVA_LITE_EXPECT_MAX_HOSTMEM");
	if (env && *env) {
		char *end = NULL;

		errno = 0;
		cfg.max_hostmem = strtoull(env, &end, 0);
		if (errno || *end || *env == '-' || !cfg.max_hostmem) {
			fprintf(stderr, "nova_lite_fuzz: NOVA_LITE_EXPECT_MAX_HOSTMEM=%s is not a "
				"size in bytes\n", env);
			return 2;
		}
	}
	pthread_mutex_init(&cfg.report_lock, NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* An access to a mapping that faults is reported, not fatal. */
	signal(SIGBUS, on_access_fault);
	signal(SIGSEGV, on_access_fault);
	printf("nova_lite_fuzz: seed %#" PRIx64 " (rerun with -s %#" PRIx64 ")\n", cfg.seed,
	       cfg.seed);
	if (!cfg.faults && cfg.max_hostmem)
		printf("nova_lite_fuzz: max_hostmem %" PRIu64 " bytes (NOVA_LITE_EXPECT_MAX_HOSTMEM): "
		       "a resource may report ENOMEM only when the fuzzer's resources reached it "
		       "at its creation\n", cfg.max_hostmem);
	else if (!cfg.faults)
		printf("nova_lite_fuzz: NOVA_LITE_EXPECT_MAX_HOSTMEM is not set: "
		       "no resource may report ENOMEM\n");
	fflush(stdout);

	/* What the device answers now: every later answer must be the same. */
	fd = nlt_open_driver_node(NLT_DRIVER_NAME, DRM_NODE_RENDER, &search);
	if (fd < 0) {
		fprintf(stderr, "nova_lite_fuzz: %s\n",
			nlt_node_search_describe(&search, NLT_DRIVER_NAME, DRM_NODE_RENDER, why,
						 sizeof(why)));
		return 2;
	}
	for (uint64_t p = PARAM_FIRST; p <= PARAM_LAST; p++) {
		struct drm_nova_lite_getparam g = { .param = p };

		if (xioctl(fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &g)) {
			fprintf(stderr, "nova_lite_fuzz: GETPARAM %" PRIu64 " failed\n", p);
			return 2;
		}
		cfg.params[p] = g.value;
	}
	cfg.gem_max = cfg.params[NOVA_LITE_PARAM_GEM_MAX_SIZE];
	cfg.nscanouts = cfg.params[NOVA_LITE_PARAM_NUM_SCANOUTS];
	cfg.edid = cfg.params[NOVA_LITE_PARAM_DRIVER_FEATURES] & (1ull << 1);
	{
		struct drm_nova_lite_query q = {
			.type = NOVA_LITE_QUERY_DISPLAY_INFO, .size = sizeof(cfg.display),
			.data = (uintptr_t)cfg.display,
		};

		if (xioctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, &q)) {
			fprintf(stderr, "nova_lite_fuzz: QUERY DISPLAY_INFO failed\n");
			return 2;
		}
		cfg.display_size = q.size;
	}
	close(fd);

	t0 = now_ns();
	if (cfg.seconds && !cfg.faults)
		cfg.deadline = t0 + cfg.seconds * 1000000000ull;
	cfg.vgem = nlt_open_driver_node("vgem", DRM_NODE_PRIMARY, NULL);
	if (cfg.faults) {
		memset(&threads[0], 0, sizeof(threads[0]));
		if (run_faults(&threads[0]))
			return 2;
		calls = threads[0].calls;
		bad = threads[0].bad;
		memcpy(per_op, threads[0].per_op, sizeof(per_op));
	} else {
		for (int k = 0; k < OP_COUNT; k++)
			total_weight += op_weights[k];
		for (int k = 0; k < SHARED_FDS; k++) {
			int type = k == 1 ? DRM_NODE_PRIMARY : DRM_NODE_RENDER;

			cfg.shared_fd[k] = cfg.unplug ? -1 :
					   nlt_open_driver_node(NLT_DRIVER_NAME, type, &search);
			if (!cfg.unplug && cfg.shared_fd[k] < 0) {
				fprintf(stderr, "nova_lite_fuzz: cannot open the nodes: %s\n",
					nlt_node_search_describe(&search, NLT_DRIVER_NAME, type,
								 why, sizeof(why)));
				return 2;
			}
		}
		/* Opened first, the shared primary file is the DRM master, unless another is. */
		cfg.shared_master = !cfg.unplug && drmIsMaster(cfg.shared_fd[1]);
		for (unsigned int i = 0; i < cfg.threads; i++) {
			struct thread *t = &threads[i];

			memset(t, 0, sizeof(*t));
			t->id = i;
			t->rng = cfg.seed + 0x9e3779b97f4a7c15ull * (i + 1);
			for (int k = 0; k < PRIVATE_FDS; k++)
				t->files[k] = (struct file){ .fd = -1, .primary = k == 2 };
			for (int k = 0; k < SHARED_FDS; k++)
				t->files[PRIVATE_FDS + k] = (struct file){
					.fd = cfg.shared_fd[k], .primary = k == 1, .shared = true,
					.master = k == 1 && cfg.shared_master,
				};
			if (pthread_create(&t->tid, NULL, thread_main, t)) {
				perror("nova_lite_fuzz: pthread_create");
				return 2;
			}
		}
		show_progress(threads);
		for (unsigned int i = 0; i < cfg.threads; i++) {
			pthread_join(threads[i].tid, NULL);
			calls += threads[i].calls;
			bad += threads[i].bad;
			resource_enomem += threads[i].resource_enomem;
			timed_out |= threads[i].timed_out;
			for (int k = 0; k < OP_COUNT; k++)
				per_op[k] += threads[i].per_op[k];
		}
		for (int k = 0; k < SHARED_FDS; k++)
			if (cfg.shared_fd[k] >= 0)
				close(cfg.shared_fd[k]);
	}
	if (cfg.vgem >= 0)
		close(cfg.vgem);
	secs = (now_ns() - t0) / 1e9;

	printf("calls: %" PRIu64 " in %.1f s (%.0f calls/s)\n", calls, secs,
	       calls / (secs > 0 ? secs : 1));
	printf("nova_lite_fuzz: %u thread(s)%s%s, stopped %s\n", cfg.faults ? 1 : cfg.threads,
	       cfg.vgem >= 0 ? ", vgem present" : "", cfg.faults ? ", fault injection" :
	       cfg.unplug ? ", unplug mode" : "", cfg.faults ? "when done" : timed_out ?
	       "by time (-d)" : stop ? "by a signal" : "at the calls asked (-n)");
	/* Four a line: with 20 reports, the summary still fits the 40 lines check.sh shows. */
	for (int k = 0; k < OP_COUNT; k++) {
		if (!per_op[k])
			continue;
		printf("  %-16s %9" PRIu64 "%s", op_names[k], per_op[k], ++nops % 4 ? "" : "\n");
	}
	if (nops % 4)
		printf("\n");
	/* Only host-full ENOMEMs: those --faults accepts are the guest's, injected. */
	printf("resource_enomem: %" PRIu64 "\n", resource_enomem);
	printf("nova_lite_fuzz: %" PRIu64 " unexpected result(s), seed %#" PRIx64 "\n", bad,
	       cfg.seed);
	if (calls < cfg.min_calls) {
		printf("too few calls: %" PRIu64 " of at least %" PRIu64 " in %.1f s\n", calls,
		       cfg.min_calls, secs);
		return 1;
	}
	return bad ? 1 : 0;
}
