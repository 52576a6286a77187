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
 *               PRIME_HANDLE_TO_FD/FD_TO_HANDLE (also of a vgem buffer when
 *               vgem is loaded: a foreign object), the dumb-buffer ioctls;
 *               mmap of offsets; bad pointers; unknown ioctl numbers; files
 *               closed and reopened with live objects. Each thread has files
 *               of its own, and all share a render and a primary file.
 *   --faults    one thread walks a list of valid calls and, for each, makes
 *               its 1st, 2nd, ... allocation fail (/proc/thread-self/fail-nth,
 *               failslab and fail_page_alloc must accept it) until the call
 *               makes no more allocations. A call may then fail only with
 *               ENOMEM.
 *   --unplug    random calls while the device may go away and come back
 *               (unbind/bind, PCI remove/rescan): ENODEV is then accepted
 *               from every call, opening a node may fail, and a file that
 *               answered ENODEV is reopened. No shared files. Runs until
 *               -d SECONDS pass or SIGTERM/SIGINT arrives.
 *
 * Each thread's choices come from its own generator, seeded from SEED (printed
 * on every run). With one thread (-t 1) a seed replays the same calls; with
 * several, the handle numbers the kernel gives out, and so some later choices,
 * depend on how the threads interleave: a seed then replays the same mix, not
 * the same sequence.
 *
 * Usage: nova_lite_fuzz [-s SEED] [-n CALLS] [-t THREADS] [-d SECONDS]
 *                       [--faults] [--unplug]
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
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

#define DRIVER_NAME "nova-lite"
#define MAX_THREADS 16
#define PRIVATE_FDS 3		/* per thread: render, render, primary */
#define SHARED_FDS 2		/* every thread: render, primary */
#define MAX_OBJS 64		/* tracked handles per file */
#define MAX_BUFS 8		/* dma-buf fds a thread keeps */
#define MAX_REPORTS 20
#define PARAM_FIRST NOVA_LITE_PARAM_NUM_SCANOUTS
#define PARAM_LAST NOVA_LITE_PARAM_GEM_MAX_SIZE
#define PAGE 4096ull

/* One errno set: bit n set if errno n (below 128) is accepted; bit 0 is success. */
typedef unsigned __int128 errset;
#define OK ((errset)1 << 0)
#define E(e) ((errset)1 << (e))

enum op {
	OP_GETPARAM, OP_GEM_CREATE, OP_GEM_INFO, OP_GEM_CLOSE, OP_FLINK, OP_GEM_OPEN,
	OP_PRIME_EXPORT, OP_PRIME_IMPORT, OP_FOREIGN_IMPORT, OP_DUMB, OP_MMAP,
	OP_BAD_POINTER, OP_BAD_IOCTL, OP_REOPEN, OP_QUERY, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"getparam", "gem_create", "gem_info", "gem_close", "flink", "gem_open",
	"prime_export", "prime_import", "foreign_import", "dumb", "mmap",
	"bad_pointer", "bad_ioctl", "reopen", "query",
};

/* Relative weights of the random mode. */
static const unsigned int op_weights[OP_COUNT] = {
	[OP_GETPARAM] = 12, [OP_GEM_CREATE] = 16, [OP_GEM_INFO] = 20,
	[OP_GEM_CLOSE] = 14, [OP_FLINK] = 5, [OP_GEM_OPEN] = 5,
	[OP_PRIME_EXPORT] = 4, [OP_PRIME_IMPORT] = 4, [OP_FOREIGN_IMPORT] = 1,
	[OP_DUMB] = 4, [OP_MMAP] = 4, [OP_BAD_POINTER] = 3, [OP_BAD_IOCTL] = 3,
	[OP_REOPEN] = 1, [OP_QUERY] = 10,
};

struct obj {
	uint32_t handle;
	uint64_t size;
};

/*
 * A file as one thread sees it. A shared file's fd is the same in every thread,
 * each of which tracks only its own handles in it.
 */
struct file {
	int fd;			/* -1: closed (unplug mode, no node yet) */
	bool primary;
	bool shared;		/* opened once for all threads: other threads' handles live there */
	struct obj objs[MAX_OBJS];	/* this thread's handles in this file */
	int nobjs;
	uint32_t stale;		/* a handle this thread just closed here, 0 if none */
};

struct buf {
	int fd;
	uint64_t size;
};

struct thread {
	int id;
	pthread_t tid;
	uint64_t rng;
	uint64_t calls, bad;
	uint64_t per_op[OP_COUNT];
	struct file files[PRIVATE_FDS + SHARED_FDS];	/* private ones first */
	struct buf bufs[MAX_BUFS];
	int nbufs;
};

static struct {
	uint64_t seed, calls;
	unsigned int threads, seconds;
	bool faults, unplug;
	int shared_fd[SHARED_FDS];	/* render, primary */
	int vgem;		/* a vgem primary node, -1 if vgem is not loaded */
	uint64_t gem_max;
	uint64_t params[PARAM_LAST + 1];
	struct drm_nova_lite_display_info display[16];	/* the reference answer */
	uint32_t display_size;
	bool edid;		/* the device offers EDIDs */
	time_t deadline;
	pthread_mutex_t report_lock;
	unsigned int reports;
} cfg = { .calls = 1000, .threads = 4, .vgem = -1 };

/* Set by SIGINT/SIGTERM: the threads finish their call and the summary is printed. */
static volatile sig_atomic_t stop;

/* Threads that have finished, for the progress lines of the main thread. */
static unsigned int finished;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
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
		[0] = "success", [EPERM] = "EPERM", [ENOENT] = "ENOENT", [EBADF] = "EBADF",
		[ENOMEM] = "ENOMEM", [EACCES] = "EACCES", [EFAULT] = "EFAULT",
		[EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [ENODEV] = "ENODEV", [ENXIO] = "ENXIO",
		[EINVAL] = "EINVAL", [ENOSPC] = "ENOSPC", [ENOTTY] = "ENOTTY", [ENOSYS] = "ENOSYS",
		[EOPNOTSUPP] = "EOPNOTSUPP", [EIO] = "EIO",
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
	char what[200];
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
	char what[200] = ": ";
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

/*
 * Opens a node of the DRM driver @driver, primary or render; returns the fd or
 * -errno, and its path in @path_out (300 bytes) if that is not NULL.
 */
static int open_driver_node(const char *driver, bool primary, char *path_out)
{
	const char *prefix = primary ? "card" : "renderD";
	int found = -ENOENT;
	struct dirent *de;
	DIR *dir;

	dir = opendir("/dev/dri");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char path[300];
		drmVersionPtr v;
		int fd;

		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    (primary && !strcmp(de->d_name, "card")))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			if (found == -ENOENT)
				found = -errno;
			continue;
		}
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, driver)) {
			drmFreeVersion(v);
			if (path_out)
				strcpy(path_out, path);
			found = fd;
			break;
		}
		if (v)
			drmFreeVersion(v);
		close(fd);
	}
	closedir(dir);
	return found;
}

static int open_node(bool primary, char *path_out)
{
	return open_driver_node(DRIVER_NAME, primary, path_out);
}

static void forget_objects(struct file *f)
{
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
	int fd = open_node(f->primary, NULL);

	if (fd < 0)
		return -fd;
	f->fd = fd;
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

static bool tracked(struct file *f, uint32_t handle)
{
	for (int i = 0; i < f->nobjs; i++)
		if (f->objs[i].handle == handle)
			return true;
	return false;
}

/* Records a new handle of this thread; a file full of them gets it closed instead. */
static void track(struct thread *t, struct file *f, uint32_t handle, uint64_t size)
{
	struct drm_gem_close cl = { .handle = handle };

	/* Handle numbers are reused: the one closed last may be this one. */
	if (handle == f->stale)
		f->stale = 0;
	if (tracked(f, handle))
		return;
	if (f->nobjs < MAX_OBJS)
		f->objs[f->nobjs++] = (struct obj){ handle, size };
	else
		expect(t, OP_GEM_CLOSE, xioctl(f->fd, DRM_IOCTL_GEM_CLOSE, &cl), OK,
		       "new handle %u", handle);
}

static void untrack(struct file *f, struct obj *o)
{
	f->stale = o->handle;
	*o = f->objs[--f->nobjs];
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
	track(t, f, c.handle, c.size);
}

static void do_gem_info(struct thread *t, struct file *f)
{
	struct drm_nova_lite_gem_info i = { 0 };
	struct obj *o = chance(t, 85) ? pick_obj(t, f) : NULL;
	errset allowed;
	int err;

	if (o) {
		i.handle = o->handle;
		allowed = OK;
	} else if (f->stale && chance(t, 50)) {
		/* Just closed by this thread; on a shared file another thread may reuse it. */
		i.handle = f->stale;
		allowed = E(ENOENT) | (f->shared ? OK : 0);
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
	expect(t, OP_GEM_INFO, err, allowed, "handle %u pad %u", i.handle, i.pad);
	note_err(f, err);
	if (!err && o && (i.size != o->size || i.flags || i.pad2))
		wrong(t, OP_GEM_INFO, "handle %u: size %#" PRIx64 " flags %#x pad2 %#x, want size %#"
		      PRIx64, i.handle, (uint64_t)i.size, i.flags, i.pad2, o->size);
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
	struct file *to;
	errset allowed;
	int err;

	fl.handle = o ? o->handle : (uint32_t)rnd(t) | 0x40000000u;
	allowed = f->primary ? (o ? OK : E(ENOENT)) : E(EACCES);
	err = xioctl(f->fd, DRM_IOCTL_GEM_FLINK, &fl);
	expect(t, OP_FLINK, err, allowed, "handle %u on %s", fl.handle,
	       f->primary ? "primary" : "render");
	note_err(f, err);
	if (!open_too)
		return;

	to = &t->files[chance(t, 30) && !cfg.unplug ? PRIVATE_FDS + 1 : 2];
	if (to->fd < 0 && file_open(to))
		return;
	if (!err && o) {
		struct drm_gem_open op = { .name = fl.name };

		/*
		 * With unplugs, the two files may be on two instances of the device (the
		 * device went and came back between the calls): names are per instance.
		 */
		err = xioctl(to->fd, DRM_IOCTL_GEM_OPEN, &op);
		expect(t, OP_GEM_OPEN, err, cfg.unplug ? OK | E(ENOENT) : OK, "name %u", fl.name);
		note_err(to, err);
		if (err)
			return;
		/* With unplugs the name may be another instance's object, of another size. */
		if (cfg.unplug)
			o = NULL;
		if ((o && op.size != o->size) || tracked(to, op.handle))
			wrong(t, OP_GEM_OPEN, "name %u: handle %u size %#" PRIx64 ", want %#" PRIx64
			      " and a new handle", fl.name, op.handle, (uint64_t)op.size,
			      o ? o->size : 0);
		track(t, to, op.handle, op.size);
	} else {
		/* A name nobody may hold (names are small; other threads may own some). */
		struct drm_gem_open op = { .name = (uint32_t)rnd(t) | 0x40000000u };

		err = xioctl(to->fd, DRM_IOCTL_GEM_OPEN, &op);
		expect(t, OP_GEM_OPEN, err, E(ENOENT), "name %u", op.name);
		note_err(to, err);
	}
}

static void keep_buf(struct thread *t, int fd, uint64_t size)
{
	if (t->nbufs == MAX_BUFS) {
		int i = below(t, MAX_BUFS);

		close(t->bufs[i].fd);
		t->bufs[i] = t->bufs[--t->nbufs];
	}
	t->bufs[t->nbufs++] = (struct buf){ fd, size };
}

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
	expect(t, OP_PRIME_EXPORT, err, allowed, "handle %u flags %#x", p.handle, p.flags);
	note_err(f, err);
	if (!err && p.fd >= 0)
		keep_buf(t, p.fd, o ? o->size : 0);
}

static void do_prime_import(struct thread *t, struct file *f)
{
	struct drm_prime_handle p = { 0 };
	struct drm_nova_lite_gem_info i = { 0 };
	struct buf *b = t->nbufs && chance(t, 90) ? &t->bufs[below(t, t->nbufs)] : NULL;
	int pipefd[2] = { -1, -1 };
	int err;

	if (b) {
		p.fd = b->fd;
	} else if (chance(t, 50) && !pipe2(pipefd, O_CLOEXEC)) {
		p.fd = pipefd[0]; /* not a dma-buf */
	} else {
		p.fd = -1;
	}
	/*
	 * With unplugs, a dma-buf exported before the device went belongs to its
	 * previous instance: a foreign buffer for the new one (EINVAL).
	 */
	err = xioctl(f->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
	expect(t, OP_PRIME_IMPORT, err,
	       b ? OK | (cfg.unplug ? E(EINVAL) : 0) : p.fd >= 0 ? E(EINVAL) : E(EBADF),
	       "fd %s", b ? "dma-buf" : p.fd >= 0 ? "pipe" : "-1");
	note_err(f, err);
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	if (err || !b)
		return;
	/* The same object, nova-lite's own: GEM_INFO must know it. */
	i.handle = p.handle;
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_GEM_INFO, &i);
	expect(t, OP_GEM_INFO, err, OK, "imported handle %u", p.handle);
	if (err)
		return;
	if (i.size != b->size)
		wrong(t, OP_PRIME_IMPORT, "imported size %#" PRIx64 ", want %#" PRIx64,
		      (uint64_t)i.size, b->size);
	/* A handle this file already has for the object, or a new one. */
	track(t, f, p.handle, b->size);
}

/* A dma-buf of another driver (vgem): nova-lite cannot import it. */
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
		expect(t, OP_FOREIGN_IMPORT, err, E(EINVAL), "vgem dma-buf");
		note_err(f, err);
		close(e.fd);
	}
	c.handle = d.handle;
	xioctl(cfg.vgem, DRM_IOCTL_GEM_CLOSE, &c);
}

/*
 * The dumb-buffer ioctls: nova-lite has no dumb buffers (the DRM core answers
 * ENOSYS on the primary node); they are not allowed on the render node.
 */
static void do_dumb(struct thread *t, struct file *f)
{
	errset allowed = f->primary ? E(ENOSYS) : E(EACCES);
	int err;

	switch (below(t, 3)) {
	case 0: {
		struct drm_mode_create_dumb d = {
			.width = below(t, 4096), .height = below(t, 4096), .bpp = 8 * below(t, 5),
		};

		err = xioctl(f->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);
		expect(t, OP_DUMB, err, allowed, "create %ux%u bpp %u", d.width, d.height, d.bpp);
		break;
	}
	case 1: {
		struct obj *o = pick_obj(t, f);
		struct drm_mode_map_dumb m = { .handle = o ? o->handle : 0 };

		err = xioctl(f->fd, DRM_IOCTL_MODE_MAP_DUMB, &m);
		expect(t, OP_DUMB, err, allowed, "map handle %u", m.handle);
		break;
	}
	default: {
		struct drm_mode_destroy_dumb d = { .handle = (uint32_t)rnd(t) | 0x40000000u };

		err = xioctl(f->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
		expect(t, OP_DUMB, err, allowed, "destroy handle %u", d.handle);
		break;
	}
	}
	note_err(f, err);
}

/* mmap of an offset: nova-lite hands out no mmap offsets yet, so every offset is EINVAL. */
static void do_mmap(struct thread *t, struct file *f)
{
	uint64_t off = below(t, 1ull << 32) * PAGE;
	size_t len = (1 + below(t, 16)) * PAGE;
	void *p;
	int err;

	p = mmap(NULL, len, PROT_READ | (chance(t, 50) ? PROT_WRITE : 0), MAP_SHARED, f->fd,
		 (off_t)off);
	err = p == MAP_FAILED ? errno : 0;
	expect(t, OP_MMAP, err, E(EINVAL), "offset %#" PRIx64 " len %#zx", off, len);
	if (!err)
		munmap(p, len);
	note_err(f, err);
}

static void do_bad_pointer(struct thread *t, struct file *f)
{
	static const unsigned long reqs[] = {
		DRM_IOCTL_NOVA_LITE_GETPARAM, DRM_IOCTL_NOVA_LITE_GEM_CREATE,
		DRM_IOCTL_NOVA_LITE_GEM_INFO, DRM_IOCTL_NOVA_LITE_QUERY,
	};
	void *bad[] = { NULL, (void *)1, (void *)-4096l, (void *)0xdead0000ul };
	unsigned long req = reqs[below(t, 4)];
	int err;

	err = ioctl(f->fd, req, bad[below(t, 4)]) ? errno : 0;
	expect(t, OP_BAD_POINTER, err, E(EFAULT), "ioctl %#lx", req);
	note_err(f, err);
}

/* Driver ioctl numbers nova-lite does not define. */
static void do_bad_ioctl(struct thread *t, struct file *f)
{
	uint8_t arg[64] = { 0 };
	unsigned int nr = DRM_COMMAND_BASE + DRM_NOVA_LITE_QUERY + 1 +
			  below(t, DRM_COMMAND_END - DRM_COMMAND_BASE - DRM_NOVA_LITE_QUERY - 1);
	unsigned long req = DRM_IOWR(nr, struct drm_nova_lite_gem_info);
	int err;

	err = xioctl(f->fd, req, arg);
	expect(t, OP_BAD_IOCTL, err, E(EINVAL), "nr %#x", nr);
	note_err(f, err);
}

/*
 * DRM_IOCTL_NOVA_LITE_QUERY with valid and invalid types, indexes, pad, sizes
 * and pointers. Display information must equal the reference read at start;
 * an EDID must start with the EDID header. Every call is a device round trip.
 */
static void do_query(struct thread *t, struct file *f)
{
	static const uint8_t edid_header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	uint8_t buf[1024 + 64];
	struct drm_nova_lite_query q = { 0 };
	uint32_t nscanouts = cfg.params[NOVA_LITE_PARAM_NUM_SCANOUTS], want_size = 0;
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
	kind = below(t, 10);	/* 0-1: size probe, 2: short, 3: bad pointer, else fits */
	if (kind <= 1)
		q.size = (uint32_t)rnd(t);
	else if (kind == 2)
		q.size = below(t, 128);
	else
		q.size = sizeof(buf);
	q.data = kind <= 1 ? 0 : kind == 3 ? 0xdead0000ul : (uintptr_t)buf;

	if (q.pad || (q.type != NOVA_LITE_QUERY_DISPLAY_INFO && q.type != NOVA_LITE_QUERY_EDID) ||
	    (q.type == NOVA_LITE_QUERY_DISPLAY_INFO && q.index) ||
	    (q.type == NOVA_LITE_QUERY_EDID && q.index >= nscanouts))
		allowed = E(EINVAL);
	else if (q.type == NOVA_LITE_QUERY_EDID && !cfg.edid)
		allowed = E(EOPNOTSUPP);
	else if (q.type == NOVA_LITE_QUERY_DISPLAY_INFO) {
		want_size = cfg.display_size;
		allowed = kind == 3 ? E(EFAULT) : kind == 2 && q.size < want_size ? E(ENOSPC) : OK;
	} else {
		/* EDIDs are 128 to 1024 bytes: a short buffer may still fit one. */
		allowed = kind == 3 ? E(EFAULT) : kind == 2 ? E(ENOSPC) | OK : OK;
	}
	err = xioctl(f->fd, DRM_IOCTL_NOVA_LITE_QUERY, &q);
	expect(t, OP_QUERY, err, allowed, "type %u index %u pad %#x size %u data %s", q.type,
	       q.index, q.pad, q.size, kind <= 1 ? "0" : kind == 3 ? "bad" : "buf");
	note_err(f, err);
	if (err && err != ENOSPC)
		return;
	if (want_size && q.size != want_size)
		wrong(t, OP_QUERY, "display info size %u, want %u", q.size, want_size);
	else if (want_size && !err && q.data && memcmp(buf, cfg.display, want_size))
		wrong(t, OP_QUERY, "display info differs from the reference");
	else if (q.type == NOVA_LITE_QUERY_EDID && (q.size < 128 || q.size > 1024 || q.size % 128))
		wrong(t, OP_QUERY, "EDID size %u", q.size);
	else if (q.type == NOVA_LITE_QUERY_EDID && !err && q.data &&
		 memcmp(buf, edid_header, sizeof(edid_header)))
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
	default: break;
	}
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	uint64_t n = cfg.calls / cfg.threads + (t->id < (int)(cfg.calls % cfg.threads));

	while ((t->calls < n || cfg.unplug) && !stop) {
		if (cfg.deadline && time(NULL) >= cfg.deadline)
			break;
		random_call(t);
	}
	for (int i = 0; i < PRIVATE_FDS + SHARED_FDS; i++)
		file_close(&t->files[i]);
	for (int i = 0; i < t->nbufs; i++)
		close(t->bufs[i].fd);
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
};

static char render_path[300];

static int fault_prepare(enum op op, struct fault_ctx *c)
{
	struct drm_nova_lite_gem_create cr = { .size = PAGE };
	struct drm_gem_flink fl = { 0 };
	struct drm_prime_handle e = { .flags = DRM_CLOEXEC };

	c->handle = c->name = c->out_handle = 0;
	c->dmabuf = c->out_fd = -1;
	c->out_file = c->primary;
	if (op == OP_REOPEN || op == OP_GETPARAM || op == OP_GEM_CREATE || op == OP_QUERY)
		return 0;
	if (xioctl(c->primary, DRM_IOCTL_NOVA_LITE_GEM_CREATE, &cr))
		return -1;
	c->handle = fl.handle = e.handle = cr.handle;
	if (op == OP_GEM_OPEN && xioctl(c->primary, DRM_IOCTL_GEM_FLINK, &fl))
		return -1;
	c->name = fl.name;
	if (op == OP_PRIME_IMPORT) {
		if (xioctl(c->primary, DRM_IOCTL_PRIME_HANDLE_TO_FD, &e))
			return -1;
		c->dmabuf = e.fd;
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
	case OP_PRIME_IMPORT: {
		struct drm_prime_handle p = { .fd = c->dmabuf };

		err = xioctl(c->render, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
		c->out_file = c->render;
		c->out_handle = err ? 0 : p.handle;
		return err;
	}
	default:
		return EINVAL;
	}
}

static void fault_cleanup(struct fault_ctx *c)
{
	struct drm_gem_close cl = { 0 };

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
}

static int run_faults(struct thread *t)
{
	static const enum op ops[] = {
		OP_REOPEN, OP_GETPARAM, OP_GEM_CREATE, OP_GEM_INFO, OP_GEM_CLOSE, OP_FLINK,
		OP_GEM_OPEN, OP_PRIME_EXPORT, OP_PRIME_IMPORT, OP_QUERY,
	};
	struct fault_ctx c = {
		.render = open_node(false, render_path), .primary = open_node(true, NULL),
	};

	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (c.render < 0 || c.primary < 0 || fail_nth_fd < 0) {
		fprintf(stderr, "nova_lite_fuzz: --faults needs a nova-lite device and "
			"/proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)\n");
		return 2;
	}
	for (unsigned int k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		struct fault_stats s = { 0 };
		enum op op = ops[k];

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
			expect(t, op, err, OK | E(ENOMEM), "with allocation %u failing", n);
			if (!hit)
				break;
			s.injected++;
			s.failed += err != 0;
		}
		printf("faults: %-14s %3u allocation(s) failed in turn, call failed %u time(s), "
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

static void usage(void)
{
	fprintf(stderr, "usage: nova_lite_fuzz [-s SEED] [-n CALLS] [-t THREADS] [-d SECONDS] "
		"[--faults] [--unplug]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct thread threads[MAX_THREADS];
	uint64_t calls = 0, bad = 0, per_op[OP_COUNT] = { 0 };
	struct timespec t0, t1;
	double secs;
	int fd;

	cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			cfg.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			cfg.calls = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			cfg.threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-d") && i + 1 < argc)
			cfg.seconds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--faults"))
			cfg.faults = true;
		else if (!strcmp(argv[i], "--unplug"))
			cfg.unplug = true;
		else
			usage();
	}
	if (cfg.threads < 1 || cfg.threads > MAX_THREADS || (cfg.unplug && !cfg.seconds))
		usage();
	pthread_mutex_init(&cfg.report_lock, NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("nova_lite_fuzz: seed %#" PRIx64 " (rerun with -s %#" PRIx64 ")\n", cfg.seed,
	       cfg.seed);
	fflush(stdout);

	/* What the device answers now: every later answer must be the same. */
	fd = open_node(false, NULL);
	if (fd < 0) {
		fprintf(stderr, "nova_lite_fuzz: no %s render node: %s\n", DRIVER_NAME,
			strerror(-fd));
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

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cfg.seconds)
		cfg.deadline = time(NULL) + cfg.seconds;
	if (cfg.faults) {
		memset(&threads[0], 0, sizeof(threads[0]));
		if (run_faults(&threads[0]))
			return 2;
		calls = threads[0].calls;
		bad = threads[0].bad;
		memcpy(per_op, threads[0].per_op, sizeof(per_op));
	} else {
		cfg.vgem = open_driver_node("vgem", true, NULL);
		for (int k = 0; k < OP_COUNT; k++)
			total_weight += op_weights[k];
		for (int k = 0; k < SHARED_FDS; k++) {
			cfg.shared_fd[k] = cfg.unplug ? -1 : open_node(k == 1, NULL);
			if (!cfg.unplug && cfg.shared_fd[k] < 0) {
				fprintf(stderr, "nova_lite_fuzz: cannot open the nodes\n");
				return 2;
			}
		}
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
			for (int k = 0; k < OP_COUNT; k++)
				per_op[k] += threads[i].per_op[k];
		}
		for (int k = 0; k < SHARED_FDS; k++)
			if (cfg.shared_fd[k] >= 0)
				close(cfg.shared_fd[k]);
		if (cfg.vgem >= 0)
			close(cfg.vgem);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("nova_lite_fuzz: %" PRIu64 " calls in %.1f s (%.0f/s), %u thread(s)%s%s\n", calls,
	       secs, calls / (secs > 0 ? secs : 1), cfg.faults ? 1 : cfg.threads,
	       cfg.vgem >= 0 ? ", vgem present" : "", cfg.unplug ? ", unplug mode" : "");
	for (int k = 0; k < OP_COUNT; k++)
		if (per_op[k])
			printf("  %-14s %" PRIu64 "\n", op_names[k], per_op[k]);
	printf("nova_lite_fuzz: %" PRIu64 " unexpected result(s), seed %#" PRIx64 "\n", bad,
	       cfg.seed);
	return bad ? 1 : 0;
}
