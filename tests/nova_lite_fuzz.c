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
 *               through another; host resources created and transferred,
 *               with rectangles inside, across and outside the resource; mmap
 *               of offsets nobody gave out, of another file's object and of a
 *               closed object; bad pointers; unknown ioctl numbers; files
 *               closed and reopened with live objects; and KMS on the primary
 *               node (see "KMS" below). Each thread has files of its own, and
 *               all share a render and a primary file (the DRM master, the
 *               only file that commits).
 *   --faults    one thread walks a list of valid calls and, for each, makes
 *               its 1st, 2nd, ... allocation fail (/proc/thread-self/fail-nth,
 *               failslab and fail_page_alloc must accept it) until the call
 *               makes no more allocations. A call may then fail only with
 *               ENOMEM (see FAULT_ALLOWED).
 *               ADDFB2 and an atomic commit that lights pipe 0 are among the
 *               calls when the device has modesetting (the commit also needs
 *               the primary file to be the DRM master).
 *   --unplug    random calls while the device may go away and come back
 *               (virtio unbind/bind, PCI remove/rescan of the virtio-pci
 *               function): ENODEV is then accepted from every call, opening
 *               a node may fail, and a file that answered ENODEV is reopened.
 *               No shared files, and no KMS calls: the mode objects and the
 *               property ids belong to one instance of the device. Runs until
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
 * Output: the seed first; in the random mode, a line on KMS ("KMS: N pipe(s)",
 * or why it makes no KMS calls); "progress: N calls after S s" every 30 s
 * (random modes); at the end "calls: M in S.s s (R calls/s)", the calls of each
 * kind, "resource_enomem: N" (the resources created while the host's memory
 * could be full, see below: each may be refused once, so the device's
 * err_out_of_memory counter, in debugfs, may grow by that much at most) and the
 * count of unexpected results; "too few calls: M of at least N in S s" if
 * --min-calls failed. Exit status: 0, 1 for an unexpected result or too few
 * calls, 2 for a usage or setup error (no device).
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
 * handles are per file, and names and dma-bufs are not handed over (the
 * framebuffers of an object, which any thread may commit, hold it). When a
 * nova-lite ioctl's arguments are wrong in several ways, the errno of any of
 * them is accepted: the uAPI does not say in which order the checks run (the
 * DRM core's ioctls are predicted in its order: see KMS).
 *
 * Host resources are bounded (MAX_RESOURCES live in all, of objects of at most
 * RES_OBJ_MAX bytes: a quarter of the 64 MiB max_hostmem of make check), and
 * their host memory is counted as QEMU counts it (4 * width * height bytes
 * each), from before RESOURCE_CREATE is called until the last reference to the
 * object is gone (a handle, in any file, a dma-buf or a framebuffer; the driver
 * posts the RESOURCE_UNREF before that close, RMFB or munmap() returns, and the
 * device carries out commands in the order they were posted): a resource may
 * report ENOMEM as its first error (WAIT, or any later operation on it) only if
 * that count, which includes the new resource and every other one being
 * created, reached max_hostmem (QEMU refuses a resource unless its memory plus
 * that in use stays below it) at some point during its RESOURCE_CREATE (a
 * resource the host refused stays counted: an upper bound). Otherwise the host
 * holds resources nobody holds: a missing RESOURCE_UNREF. ADDFB2 of an object
 * that is not a resource yet makes one, counted the same way. One release is
 * counted early: a framebuffer that a nonblocking commit took off a plane keeps
 * its object until the commit's worker frees the old state, shortly after the
 * event; MAX_RESOURCES of RES_OBJ_MAX bytes stay far below the max_hostmem of
 * make check, where that cannot matter. Resources of a finished thread that
 * stay in the shared files until all threads have finished stay counted. The
 * other errors of an ioctl that asks the device (ETIMEDOUT, EIO, EPROTO, ...)
 * are failures here, as for QUERY: the device under test is healthy, the ioctls
 * are restarted on EINTR, and ENODEV is accepted in --unplug only.
 *
 * QUERY writes into a buffer that ends QUERY_GUARD bytes before a page nobody
 * may access, on a page filled with a pattern: a call with a buffer gets the
 * first min(size, answer) bytes of the answer, which must equal the reference
 * read at start (the display information, each scanout's EDID), and the size
 * of the whole answer; no other byte of the page may change.
 *
 * KMS (the random mode without --unplug, on a device with modesetting): the
 * framebuffers (ADDFB2, RMFB, DIRTYFB), property blobs and atomic commits of
 * the primary node. Each answer is predicted by following, in their order,
 * the checks of Linux 7.3's DRM core and of nova-lite, so that one errno is
 * expected: ADDFB2 (drm_framebuffer.c, then the Rust abstraction's
 * framebuffer.rs and nova-lite's check_framebuffer(), which makes the object
 * a host resource of the framebuffer's pitch, counted as RESOURCE_CREATE's
 * are); RMFB; DIRTYFB (drm_mode_dirtyfb_ioctl(), and the commit of
 * drm_atomic_helper_dirtyfb() when a plane shows the framebuffer);
 * CREATEPROPBLOB and DESTROYPROPBLOB (drm_property.c); ATOMIC
 * (drm_mode_atomic_ioctl(), the property setters of drm_atomic_uapi.c,
 * drm_atomic_check_only(), drm_atomic_helper_check() and nova-lite's checks:
 * the primary plane covers its CRTC exactly, without scaling, and may stay on
 * a CRTC that is off; a mode's refresh rate is 1 to 240 Hz). The model is the
 * state the fuzzer committed: at start the master turns every pipe off
 * (fbcon's framebuffer leaves the planes), and at the end again, before it
 * closes its files (the fbdev emulation then shows its console again). Most
 * commits are DRM_MODE_ATOMIC_TEST_ONLY: a change of one pipe (on, off, a
 * flip, ACTIVE) with 0 to 2 of its properties changed at random, or random
 * properties of random objects, and bad flags, object ids, property ids,
 * values and pointers. A thread makes a real commit, which waits for a
 * vblank, at most once every KMS_COMMIT_EVERY calls: a pipe whose connector
 * is connected lit with a mode of 32x32 to 640x480 at 60 Hz, a flip, ACTIVE
 * toggled, or the pipe turned off; most are nonblocking with
 * DRM_MODE_PAGE_FLIP_EVENT, and their events are read (within
 * EVENT_TIMEOUT_MS) before the next real commit (kms.commit_lock: a
 * nonblocking commit fails with EBUSY while an earlier one has not flipped).
 * DIRTYFB and RMFB of a framebuffer a plane shows commit too (blocking
 * commits of the DRM core), and spend the same allowance. What changes the
 * committed state or the framebuffers does so holding kms.lock for writing;
 * TEST_ONLY commits hold it for reading, side by side. Any thread's
 * framebuffers may be committed, and only its own thread removes one; a blob
 * is only ever set by the thread that made it.
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
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "nova_lite_drm.h"

#include "common/nova_lite_test.h"

#define MAX_THREADS 16
#define PRIVATE_FDS 3		/* per thread: render, render, primary */
#define SHARED_FDS 2		/* every thread: render, primary */
#define PRIVATE_PRIMARY 2	/* t->files[] of the primary files */
#define SHARED_PRIMARY (PRIVATE_FDS + 1)
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
/* The parameter ids issue 18 retired (the virtio features, the BAR sizes): never reused. */
#define PARAM_RETIRED_FIRST 3
#define PARAM_RETIRED_LAST 10
/* Whether @p is a parameter id the uAPI defines. */
#define PARAM_DEFINED(p) \
	((p) >= PARAM_FIRST && (p) <= PARAM_LAST && \
	 ((p) < PARAM_RETIRED_FIRST || (p) > PARAM_RETIRED_LAST))
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
/* An address nothing is mapped at, for the arguments that must fault (EFAULT). */
#define BAD_PTR 0xdead0000ul

/* KMS (see "KMS" above). */
#define KMS_MAX_PIPES 16	/* a plane, CRTC, encoder and connector per scanout: at most 16 */
#define KMS_MAX_PROPS 24	/* properties of one mode object */
#define KMS_MAX_VALUES 8	/* values of an enum or range property */
#define FBS_PER_FILE 4		/* framebuffers a thread keeps in one primary file */
#define KMS_MAX_FBS (MAX_THREADS * 2 * FBS_PER_FILE)
#define MAX_BLOBS 8		/* property blobs a thread keeps */
#define BLOB_MAX 80		/* their largest: a mode (68 bytes) or 5 rectangles (80) */
#define COMMIT_MAX_OBJS 8
#define COMMIT_MAX_PROPS 32
/* nova-lite's MODE_CONFIG (nova-lite/drm/kms.rs): framebuffers of 32x32 to 8192x8192. */
#define FB_MIN 32
#define FB_MAX 8192
/* The refresh rates nova-lite's CRTC accepts (nova-lite/drm/kms/crtc.rs, mode_valid). */
#define REFRESH_MIN 1
#define REFRESH_MAX 240
/*
 * The KMS budget: a thread makes a commit that waits for a vblank (a real commit; DIRTYFB or
 * RMFB of a framebuffer a plane shows) at most once every KMS_COMMIT_EVERY of its calls. On
 * the debug kernel under TCG (about 1,000 calls/s per thread) that is at most 2 such commits
 * a second per thread, each 17 to 35 ms asleep (one or two frames at 60 Hz): about 5% of the
 * threads' time; the other KMS calls (12% of the calls, see op_weights) cost what the others
 * do. Counted in calls, not in time, so that a seed replays the same choices.
 */
#define KMS_COMMIT_EVERY 500
#define EVENT_TIMEOUT_MS 5000	/* a flip event comes a frame after its commit */

/* One errno set: bit n set if errno n (below 128) is accepted; bit 0 is success. */
typedef unsigned __int128 errset;
#define OK ((errset)1 << 0)
#define E(e) ((errset)1 << (e))
/* The errset of one errno, or of success (0). */
#define E1(e) ((e) ? E(e) : OK)

enum op {
	OP_GETPARAM, OP_GEM_CREATE, OP_GEM_INFO, OP_GEM_CLOSE, OP_FLINK, OP_GEM_OPEN,
	OP_PRIME_EXPORT, OP_PRIME_IMPORT, OP_FOREIGN_IMPORT, OP_DUMB, OP_MMAP,
	OP_BAD_POINTER, OP_BAD_IOCTL, OP_REOPEN, OP_QUERY, OP_MMAP_OFFSET,
	OP_RESOURCE_CREATE, OP_TRANSFER, OP_WAIT, OP_ADDFB, OP_RMFB, OP_DIRTYFB, OP_BLOB,
	OP_ATOMIC, OP_COMMIT, OP_COUNT
};

/* OP_ATOMIC: TEST_ONLY commits; OP_COMMIT: the real ones (see KMS_COMMIT_EVERY). */
static const char *const op_names[OP_COUNT] = {
	"getparam", "gem_create", "gem_info", "gem_close", "flink", "gem_open",
	"prime_export", "prime_import", "foreign_import", "dumb", "mmap",
	"bad_pointer", "bad_ioctl", "reopen", "query", "mmap_offset",
	"resource_create", "transfer", "wait", "addfb", "rmfb", "dirtyfb", "blob",
	"atomic_test", "commit",
};

/*
 * Relative weights of the random mode. The KMS calls (OP_ADDFB to OP_ATOMIC, none without
 * KMS) have 16 of the 148: 11% of the calls, 12% with the blobs their commits make. Real
 * commits come out of OP_ATOMIC's share, at most one every KMS_COMMIT_EVERY calls of a thread.
 */
static const unsigned int op_weights[OP_COUNT] = {
	[OP_GETPARAM] = 12, [OP_GEM_CREATE] = 16, [OP_GEM_INFO] = 20,
	[OP_GEM_CLOSE] = 14, [OP_FLINK] = 5, [OP_GEM_OPEN] = 5,
	[OP_PRIME_EXPORT] = 4, [OP_PRIME_IMPORT] = 4, [OP_FOREIGN_IMPORT] = 2,
	[OP_DUMB] = 5, [OP_MMAP] = 6, [OP_BAD_POINTER] = 3, [OP_BAD_IOCTL] = 3,
	[OP_REOPEN] = 1, [OP_QUERY] = 8, [OP_MMAP_OFFSET] = 8,
	[OP_RESOURCE_CREATE] = 6, [OP_TRANSFER] = 5, [OP_WAIT] = 5,
	[OP_ADDFB] = 4, [OP_RMFB] = 2, [OP_DIRTYFB] = 2, [OP_BLOB] = 2, [OP_ATOMIC] = 6,
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
	uint32_t res_id;	/* its host resource's id, 0 if it is none (RES_ID_FB: not known) */
	uint32_t res_w, res_h;	/* the resource's size in pixels */
	uint32_t res_format;	/* and its DRM fourcc code */
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

/*
 * The id of a resource ADDFB2 made: the ioctl does not return it. Ids are below 2^20 (the
 * driver's range), so no resource RESOURCE_CREATE returns has it.
 */
#define RES_ID_FB UINT32_MAX

/* A property blob of this thread: its bytes, read as a mode or as rectangles when set. */
struct blob {
	uint32_t id;
	int fidx;		/* the file (t->files[fidx]) that made it and may destroy it */
	uint32_t length;
	uint8_t data[BLOB_MAX];
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
	uint64_t credit;	/* calls since its last commit that waited for a vblank */
	uint64_t flips;		/* its nonblocking commits: their events' user data */
	struct blob blobs[MAX_BLOBS];
	int nblobs;
	int32_t fence_slot;	/* where its OUT_FENCE_PTR points */
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
	uint8_t edid_data[16][NLT_EDID_MAX];	/* each scanout's EDID, the reference answers */
	uint32_t edid_size[16];
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

/* The mode objects of a pipe, one pipe per scanout: plane i, CRTC i and connector i. */
enum kind { KO_PLANE, KO_CRTC, KO_CONN, KO_KINDS };

/* What a property is to the model: the part of the state it sets, if any. */
enum role {
	R_OTHER,	/* mutable, but not modelled: never set */
	R_IMMUTABLE,	/* every value is refused (EINVAL) */
	R_FB_ID, R_CRTC_ID, R_CRTC_X, R_CRTC_Y, R_CRTC_W, R_CRTC_H, R_SRC_X, R_SRC_Y, R_SRC_W,
	R_SRC_H, R_IN_FENCE_FD, R_DAMAGE, R_BLEND, R_ACTIVE, R_MODE_ID, R_OUT_FENCE_PTR, R_VRR,
	R_DPMS, R_LINK_STATUS,
};

/* A property of a mode object, as GETPROPERTY describes it. */
struct kms_prop {
	uint32_t id;
	enum role role;
	uint32_t flags;		/* DRM_MODE_PROP_*: its type, and whether it is immutable */
	char name[DRM_PROP_NAME_LEN];
	int nvalues;
	/* A range's bounds, an enum's values, an object's type. */
	uint64_t values[KMS_MAX_VALUES];
};

struct kms_obj {
	uint32_t id;
	int nprops;
	struct kms_prop props[KMS_MAX_PROPS];
};

/* A plane's state, the part the checks read. */
struct plane_st {
	uint32_t fb, fb_w, fb_h;	/* its framebuffer (0: none) and the framebuffer's size */
	int crtc;			/* its CRTC's pipe, -1 for none */
	int32_t crtc_x, crtc_y;
	uint32_t crtc_w, crtc_h;
	uint32_t src_x, src_y, src_w, src_h;	/* 16.16 fixed point */
};

/* A CRTC's: enabled (it has a mode, all 0 without one) and active. */
struct crtc_st {
	bool enable, active;
	struct drm_mode_modeinfo mode;
};

struct kms_state {
	struct plane_st plane[KMS_MAX_PIPES];
	struct crtc_st crtc[KMS_MAX_PIPES];
	int conn_crtc[KMS_MAX_PIPES];	/* each connector's CRTC's pipe, -1 for none */
};

/* A framebuffer a thread made; id 0: a free entry. */
struct fbrec {
	uint32_t id;
	uint32_t width, height;
	int owner;		/* the thread */
	int fidx;		/* its file, files[fidx] (SHARED_PRIMARY: the same file for all) */
	struct model *m;	/* its object, of which it holds a reference (the owner's model) */
};

static struct {
	bool on;		/* the random mode makes KMS calls (kms_setup()) */
	bool master;		/* the shared primary file is the DRM master: it commits */
	int npipes;
	struct {
		struct kms_obj obj[KO_KINDS];
		uint32_t encoder;
		bool connected;	/* its connector, when the fuzzer started */
	} pipe[KMS_MAX_PIPES];
	struct kms_state cur;	/* the state committed last */
	struct fbrec fbs[KMS_MAX_FBS];
	/*
	 * cur and fbs: read by TEST_ONLY commits and DIRTYFB; written, around the ioctl that
	 * changes them, by real commits, RMFB and the close of a primary file (which remove
	 * framebuffers, with a commit of the DRM core if a plane shows one) and ADDFB2.
	 */
	pthread_rwlock_t lock;
	/*
	 * One real commit at a time, until its flip event: a nonblocking commit fails with
	 * EBUSY while an earlier one on its CRTC has not flipped. Taken before lock. The DRM
	 * core's own commits (RMFB, DIRTYFB) are blocking: done when their ioctl returns.
	 */
	pthread_mutex_t commit_lock;
} kms = { .lock = PTHREAD_RWLOCK_INITIALIZER, .commit_lock = PTHREAD_MUTEX_INITIALIZER };

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
		[ERANGE] = "ERANGE",
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
	char what[1024];	/* an atomic commit's description is long */
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
	char what[1024] = ": ";
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
 * map and destroy dumb buffers, which are nova-lite's own objects; they are
 * not allowed on the render node (EACCES). CREATE_DUMB
 * (drm_mode_create_dumb(), then nova-lite's dumb_create(), nova-lite/drm.rs,
 * and drm_mode_size_dumb()): EINVAL for a width, height or depth of 0, for a
 * size whose computation overflows 32 bits, for any depth but 32 bits per
 * pixel, and for a size above the largest object (GEM_MAX_SIZE).
 */
static void do_dumb(struct thread *t, struct file *f)
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

static void do_bad_pointer(struct thread *t, struct file *f)
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
static void do_bad_ioctl(struct thread *t, struct file *f)
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
 * DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST on the thread's resources, other
 * objects and unknown handles, with rectangles inside and outside, and a bad
 * pad.
 */
static void do_transfer(struct thread *t, struct file *f)
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
static void do_query(struct thread *t, struct file *f)
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

static const char *const kind_names[KO_KINDS] = { "plane", "crtc", "connector" };

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
static int kms_discover(int fd, char *why, size_t len)
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
static const struct kms_prop *kms_role(enum kind k, int p, enum role role)
{
	const struct kms_obj *o = &kms.pipe[p].obj[k];

	for (int i = 0; i < o->nprops; i++)
		if (o->props[i].role == role)
			return &o->props[i];
	return NULL;
}

/* The property @id of pipe @p's object of kind @k, NULL if it has none of that id. */
static const struct kms_prop *kms_prop(enum kind k, int p, uint32_t id)
{
	const struct kms_obj *o = &kms.pipe[p].obj[k];

	for (int i = 0; i < o->nprops; i++)
		if (o->props[i].id == id)
			return &o->props[i];
	return NULL;
}

/* Which pipe's object of which kind mode object @id is; false if none. */
static bool kms_locate(uint32_t id, enum kind *k, int *p)
{
	for (*p = 0; *p < kms.npipes; (*p)++)
		for (*k = 0; *k < KO_KINDS; (*k)++)
			if (kms.pipe[*p].obj[*k].id == id)
				return true;
	return false;
}

/* The pipe of CRTC @id, -1 if it is none. */
static int crtc_pipe(uint64_t id)
{
	for (int p = 0; p < kms.npipes; p++)
		if (kms.pipe[p].obj[KO_CRTC].id == id)
			return p;
	return -1;
}

/* An id of no mode object: ids are handed out from 1 up, and the device has a few hundred. */
static uint32_t bad_id(struct thread *t)
{
	return (uint32_t)rnd(t) | 0x40000000u;
}

/* --- KMS: framebuffers and blobs of the model --------------------------------- */

static int file_index(const struct thread *t, const struct file *f)
{
	return (int)(f - t->files);
}

/* The live framebuffer @id, or NULL (with kms.lock held). */
static struct fbrec *fb_find(uint64_t id)
{
	for (int i = 0; id && i < KMS_MAX_FBS; i++)
		if (kms.fbs[i].id == id)
			return &kms.fbs[i];
	return NULL;
}

/* Whether a plane shows framebuffer @id in the committed state (with kms.lock held). */
static bool fb_shown(uint32_t id)
{
	for (int p = 0; p < kms.npipes; p++)
		if (kms.cur.plane[p].fb == id)
			return true;
	return false;
}

/* Whether @fb is in the framebuffer list of @f, one of the thread's files (RMFB's list). */
static bool fb_of_file(const struct thread *t, const struct file *f, const struct fbrec *fb)
{
	int idx = file_index(t, f);

	return fb->fidx == idx && (idx == SHARED_PRIMARY || fb->owner == t->id);
}

enum fb_set {
	FB_ANY,		/* any thread's */
	FB_MINE_IN,	/* the thread's, in @f */
	FB_NOT_IN,	/* any thread's, not in @f's list */
};

/*
 * A random live framebuffer of @set, none that a plane shows with @unshown, of at least
 * @w x @h; NULL if there is none (with kms.lock held).
 */
static struct fbrec *fb_pick(struct thread *t, const struct file *f, enum fb_set set,
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
static void fb_removed(struct fbrec *fb)
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
static void rmfb_own(struct thread *t, struct file *f, uint32_t id)
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

static struct blob *blob_find(struct thread *t, uint64_t id)
{
	for (int i = 0; id && i < t->nblobs; i++)
		if (t->blobs[i].id == id)
			return &t->blobs[i];
	return NULL;
}

/* DESTROYPROPBLOB of the thread's blob @i in the file that made it: it must succeed. */
static void blob_destroy(struct thread *t, int i)
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
static uint32_t blob_make(struct thread *t, struct file *f, const void *data, uint32_t len,
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
static void mode_make(struct drm_mode_modeinfo *m, uint32_t w, uint32_t h, uint32_t hz)
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
static uint64_t mode_refresh(const struct drm_mode_modeinfo *m)
{
	uint64_t den = (uint64_t)m->htotal * m->vtotal;

	return den ? ((uint64_t)m->clock * 1000 + den / 2) / den : 0;
}

/* Whether MODE_ID takes @m: drm_mode_convert_umode() and drm_mode_validate_basic(). */
static bool mode_ok(const struct drm_mode_modeinfo *m)
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
static bool mode_same(const struct drm_mode_modeinfo *a, const struct drm_mode_modeinfo *b)
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
static void mode_random(struct thread *t, struct drm_mode_modeinfo *m, uint32_t max_w,
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
static uint32_t clips_random(struct thread *t, struct drm_mode_rect *r)
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

/* --- KMS: atomic commits ------------------------------------------------------- */

/* Which array of a commit's arguments has a bad pointer (EFAULT where it is read first). */
enum bad_array { BAD_NONE, BAD_OBJS, BAD_COUNTS, BAD_PROPS, BAD_VALUES };

/* The arguments of DRM_IOCTL_MODE_ATOMIC. */
struct commit {
	uint32_t flags;
	uint64_t reserved, user_data;
	int nobjs, nprops;
	uint32_t objs[COMMIT_MAX_OBJS], counts[COMMIT_MAX_OBJS], props[COMMIT_MAX_PROPS];
	uint64_t values[COMMIT_MAX_PROPS];
	enum bad_array bad;
};

static void commit_obj(struct commit *c, uint32_t id)
{
	if (c->nobjs == COMMIT_MAX_OBJS)
		return;
	c->objs[c->nobjs] = id;
	c->counts[c->nobjs++] = 0;
}

/* A property of the object added last. */
static void commit_prop(struct commit *c, uint32_t prop, uint64_t value)
{
	if (!c->nobjs || c->nprops == COMMIT_MAX_PROPS)
		return;
	c->props[c->nprops] = prop;
	c->values[c->nprops++] = value;
	c->counts[c->nobjs - 1]++;
}

/* Property @role of pipe @p's object of kind @k, that object being the one added last. */
static void commit_role(struct commit *c, enum kind k, int p, enum role role, uint64_t value)
{
	const struct kms_prop *pr = kms_role(k, p, role);

	if (pr)
		commit_prop(c, pr->id, value);
}

static int commit_ioctl(int fd, const struct commit *c)
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
static void fb_spot(struct thread *t, const struct fbrec *fb, uint32_t w, uint32_t h,
		    uint32_t *sx, uint32_t *sy)
{
	*sx = below(t, fb->width - w + 1);
	*sy = below(t, fb->height - h + 1);
}

/* Pipe @p's plane on its CRTC, covering it (@w x @h) with framebuffer @fb's at @sx, @sy. */
static void target_plane(struct commit *c, int p, uint32_t fb, uint32_t w, uint32_t h,
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
static void target_on(struct commit *c, int p, uint32_t mode, uint32_t fb, uint32_t w,
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
static void target_off(struct commit *c, int p, bool zero)
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
static void commit_describe(const struct commit *c, char *buf, size_t len)
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

/*
 * The model of one commit: the state it asks for, which objects' states are in it (those
 * whose properties it sets, and the CRTCs they pull in), the damage rectangles it gives, and
 * why it is refused.
 */
struct sim {
	struct kms_state st;
	bool plane_in[KMS_MAX_PIPES], crtc_in[KMS_MAX_PIPES], conn_in[KMS_MAX_PIPES];
	const struct blob *damage[KMS_MAX_PIPES];
	bool fence_set;		/* an OUT_FENCE_PTR at the thread's slot was set: -1 written */
	const char *why;
};

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
static int commit_expect(struct thread *t, const struct file *f, const struct commit *c,
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
static void do_atomic(struct thread *t, struct file *f)
{
	if (!f->master || t->credit < KMS_COMMIT_EVERY || !chance(t, 25) || !real_commit(t, f))
		test_commit(t, f);
}

/* --- KMS: framebuffers, blobs, files ------------------------------------------- */

/*
 * The answer of ADDFB2 with @c on @f, @m the object of handles[0] (NULL: a handle @f does not
 * have), in the order of the checks: drm_mode_addfb2(), drm_internal_framebuffer_create() and
 * framebuffer_check() (the DRM core's: flags, size, no modifiers, a format it knows, the
 * handle, pitch and offset of plane 0 (ERANGE past 32 bits), modifiers of no plane), the Rust
 * abstraction's framebuffer creation (framebuffer.rs: a format of a plane, each handle an
 * object of the file (ENOENT) and of the driver, large enough), and nova-lite's
 * check_framebuffer() (nova-lite/drm/kms.rs: offset 0, a pitch of whole pixels, and the
 * object's resource fits, XRGB8888 of that pitch and as high; an object that is no resource
 * becomes one of the pitch, *@new_res, unless that is wider than a resource may be).
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
	if (pitch / 4 > MAX_DIM)
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
static void do_addfb(struct thread *t, struct file *f)
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
		rows = m->size / c.pitches[0] < MAX_DIM ? m->size / c.pitches[0] : MAX_DIM;
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
static void do_rmfb(struct thread *t, struct file *f)
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
static void do_dirtyfb(struct thread *t, struct file *f)
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
static void do_blob(struct thread *t, struct file *f)
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
static void close_file(struct thread *t, struct file *f)
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
static void kms_thread_end(struct thread *t)
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
static void kms_all_off(struct thread *t, bool predict)
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
static void kms_setup(struct thread *mt)
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

static void do_reopen(struct thread *t)
{
	struct file *f = &t->files[below(t, PRIVATE_FDS)];
	int err;

	/* Closing drops the file's handles, and with them the objects nobody else holds. */
	close_file(t, f);
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
	t->credit++;
	f = pick_file(t);
	/*
	 * The KMS calls are the primary node's: ATOMIC and DIRTYFB the DRM master's, mostly on
	 * the shared primary file (which is), the others on either primary file.
	 */
	if ((op == OP_ATOMIC || op == OP_DIRTYFB) && chance(t, 85))
		f = &t->files[SHARED_PRIMARY];
	else if ((op == OP_ADDFB || op == OP_RMFB || op == OP_BLOB) && chance(t, 90))
		f = &t->files[chance(t, 60) ? SHARED_PRIMARY : PRIVATE_PRIMARY];
	if (f && f->fd < 0 && file_open(f))
		f = NULL;
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
	case OP_MMAP_OFFSET: do_mmap_offset(t, f); break;
	case OP_RESOURCE_CREATE: do_resource_create(t, f); break;
	case OP_TRANSFER: do_transfer(t, f); break;
	case OP_WAIT: do_wait(t, f); break;
	case OP_ADDFB: do_addfb(t, f); break;
	case OP_RMFB: do_rmfb(t, f); break;
	case OP_DIRTYFB: do_dirtyfb(t, f); break;
	case OP_BLOB: do_blob(t, f); break;
	case OP_ATOMIC: do_atomic(t, f); break;
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
	if (kms.on)
		kms_thread_end(t);
	/*
	 * The thread's handles in the shared files stay until every thread has
	 * finished: their resources still take their places and host memory.
	 */
	for (int i = PRIVATE_FDS; i < PRIVATE_FDS + SHARED_FDS; i++)
		for (int k = 0; k < t->files[i].nobjs; k++)
			t->files[i].objs[k].m->kept = true;
	for (int i = 0; i < PRIVATE_FDS + SHARED_FDS; i++)
		close_file(t, &t->files[i]);
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
	uint32_t fb;		/* a framebuffer of the object */
	uint32_t mode;		/* a blob of a FAULT_W x FAULT_H mode */
	bool lit;		/* the call lit pipe 0 */
};

static char render_path[300];

static int fault_prepare(enum op op, struct fault_ctx *c)
{
	struct drm_nova_lite_gem_create cr = { .size = FAULT_OBJ };
	struct drm_gem_flink fl = { 0 };
	struct drm_prime_handle e = { .flags = DRM_CLOEXEC };
	struct drm_nova_lite_gem_mmap_offset mo = { 0 };
	struct drm_nova_lite_resource_create rc = {
		.format = DRM_FORMAT_XRGB8888, .width = FAULT_W, .height = FAULT_H,
	};
	struct drm_mode_fb_cmd2 fb = {
		.width = FAULT_W, .height = FAULT_H, .pixel_format = DRM_FORMAT_XRGB8888,
		.pitches = { FAULT_W * 4 },
	};
	struct drm_mode_modeinfo m;
	struct drm_mode_create_blob b = { .length = sizeof(m), .data = (uintptr_t)&m };

	c->handle = c->name = c->out_handle = c->vgem_handle = c->fb = c->mode = 0;
	c->lit = false;
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
	if ((op == OP_TRANSFER || op == OP_WAIT) &&
	    xioctl(c->primary, DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, &rc))
		return -1;
	if (op == OP_COMMIT) {
		fb.handles[0] = cr.handle;
		if (xioctl(c->primary, DRM_IOCTL_MODE_ADDFB2, &fb))
			return -1;
		c->fb = fb.fb_id;
		mode_make(&m, FAULT_W, FAULT_H, 60);
		if (xioctl(c->primary, DRM_IOCTL_MODE_CREATEPROPBLOB, &b))
			return -1;
		c->mode = b.blob_id;
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
			.handle = c->handle, .format = DRM_FORMAT_XRGB8888,
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
	case OP_ADDFB: {
		struct drm_mode_fb_cmd2 fb = {
			.width = FAULT_W, .height = FAULT_H, .pixel_format = DRM_FORMAT_XRGB8888,
			.handles = { c->handle }, .pitches = { FAULT_W * 4 },
		};

		err = xioctl(c->primary, DRM_IOCTL_MODE_ADDFB2, &fb);
		c->fb = err ? 0 : fb.fb_id;
		return err;
	}
	case OP_COMMIT: {
		struct commit cm = { .flags = DRM_MODE_ATOMIC_ALLOW_MODESET };

		target_on(&cm, 0, c->mode, c->fb, FAULT_W, FAULT_H, 0, 0);
		err = commit_ioctl(c->primary, &cm);
		c->lit = !err;
		return err;
	}
	default:
		return EINVAL;
	}
}

static void fault_cleanup(struct fault_ctx *c)
{
	struct drm_mode_destroy_blob db = { .blob_id = c->mode };
	struct drm_gem_close cl = { 0 };

	if (c->lit) {
		struct commit cm = { .flags = DRM_MODE_ATOMIC_ALLOW_MODESET };

		target_off(&cm, 0, false);
		commit_ioctl(c->primary, &cm);
	}
	if (c->fb)
		xioctl(c->primary, DRM_IOCTL_MODE_RMFB, &c->fb);
	if (c->mode)
		xioctl(c->primary, DRM_IOCTL_MODE_DESTROYPROPBLOB, &db);
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
 * What a call may answer with an allocation failing: ENOMEM. (A shmem file
 * reports a failed inode allocation as ENOSPC; nova-lite's objects, dumb
 * buffers too, turn that into ENOMEM.)
 */
#define FAULT_ALLOWED (OK | E(ENOMEM))

static int run_faults(struct thread *t)
{
	static const enum op ops[] = {
		OP_REOPEN, OP_GETPARAM, OP_GEM_CREATE, OP_GEM_INFO, OP_GEM_CLOSE, OP_FLINK,
		OP_GEM_OPEN, OP_PRIME_EXPORT, OP_PRIME_IMPORT, OP_QUERY, OP_MMAP_OFFSET, OP_MMAP,
		OP_RESOURCE_CREATE, OP_TRANSFER, OP_WAIT, OP_DUMB, OP_FOREIGN_IMPORT, OP_ADDFB,
		OP_COMMIT,
	};
	struct nlt_node_search rs, ps;
	struct fault_ctx c = {
		.render = nlt_open_driver_node(NLT_DRIVER_NAME, DRM_NODE_RENDER, &rs),
		.primary = nlt_open_driver_node(NLT_DRIVER_NAME, DRM_NODE_PRIMARY, &ps),
	};
	char why[384], no_kms[200] = "";
	bool master;

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
	/* The commit lights pipe 0 (see fault_call()), whose objects these are. */
	master = drmIsMaster(c.primary);
	if (drmSetClientCap(c.primary, DRM_CLIENT_CAP_ATOMIC, 1))
		snprintf(no_kms, sizeof(no_kms), "no atomic modesetting (errno %d)", errno);
	else
		kms_discover(c.primary, no_kms, sizeof(no_kms));
	for (unsigned int k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		struct fault_stats s = { 0 };
		enum op op = ops[k];
		const char *skip = NULL;

		/* The foreign dma-buf is vgem's; the commit is the DRM master's. */
		if (op == OP_FOREIGN_IMPORT && cfg.vgem < 0)
			skip = "vgem is not loaded";
		else if ((op == OP_ADDFB || op == OP_COMMIT) && !kms.npipes)
			skip = no_kms;
		else if (op == OP_COMMIT && !master)
			skip = "the primary file is not the DRM master";
		if (skip) {
			printf("faults: %-16s skipped: %s\n", op_names[op], skip);
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
			expect(t, op, err, FAULT_ALLOWED, "with allocation %u failing", n);
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
		"GEM_MMAP_OFFSET, RESOURCE_CREATE, TRANSFER_TO_HOST, WAIT), mmap() of objects,\n"
		"GEM_CLOSE, FLINK/OPEN, PRIME export and import (vgem too), dumb buffers, bad\n"
		"pointers and ioctl numbers, reopened files, and KMS on the primary node (ADDFB2,\n"
		"RMFB, DIRTYFB, property blobs, atomic commits: mostly TEST_ONLY, a real one at\n"
		"most every %d calls of a thread); each result checked against a model of what\n"
		"the driver and the DRM core must answer. At the end: \"calls: M in S s\n"
		"(R calls/s)\", \"resource_enomem: N\" (host-full ENOMEMs accepted) and the count\n"
		"of unexpected results.\n", MAX_THREADS, KMS_COMMIT_EVERY);
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
	/* The main thread's calls: the references, KMS's set-up and end (reported as thread -1). */
	static struct thread mt = { .id = -1 };
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

		if (!PARAM_DEFINED(p))
			continue;
		if (xioctl(fd, DRM_IOCTL_NOVA_LITE_GETPARAM, &g)) {
			fprintf(stderr, "nova_lite_fuzz: GETPARAM %" PRIu64 " failed\n", p);
			return 2;
		}
		cfg.params[p] = g.value;
	}
	cfg.gem_max = cfg.params[NOVA_LITE_PARAM_GEM_MAX_SIZE];
	cfg.nscanouts = cfg.params[NOVA_LITE_PARAM_NUM_SCANOUTS];
	{
		struct drm_nova_lite_query q = {
			.type = NOVA_LITE_QUERY_DISPLAY_INFO, .size = sizeof(cfg.display),
			.data = (uintptr_t)cfg.display,
		};

		if (cfg.nscanouts > 16 || xioctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, &q) ||
		    q.size > sizeof(cfg.display)) {
			fprintf(stderr, "nova_lite_fuzz: QUERY DISPLAY_INFO failed\n");
			return 2;
		}
		cfg.display_size = q.size;
	}
	/* Each scanout's EDID, if the device offers them (EOPNOTSUPP otherwise). */
	for (uint32_t i = 0; i < cfg.nscanouts; i++) {
		struct drm_nova_lite_query q = {
			.type = NOVA_LITE_QUERY_EDID, .index = i, .size = NLT_EDID_MAX,
			.data = (uintptr_t)cfg.edid_data[i],
		};
		int err = xioctl(fd, DRM_IOCTL_NOVA_LITE_QUERY, &q);

		if (!i && err == EOPNOTSUPP)
			break;
		if (err) {
			fprintf(stderr, "nova_lite_fuzz: QUERY EDID of scanout %u: errno %d\n", i,
				err);
			return 2;
		}
		cfg.edid = true;
		cfg.edid_size[i] = q.size;
		if (!nlt_edid_size_ok(q.size) || !nlt_edid_header_ok(cfg.edid_data[i], q.size))
			wrong(&mt, OP_QUERY, "the EDID of scanout %u: %u bytes, %s EDID header", i,
			      q.size, nlt_edid_header_ok(cfg.edid_data[i], q.size) ? "an" : "no");
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
		if (!cfg.unplug)
			kms_setup(&mt);
		/* The KMS calls come last: without KMS no draw reaches them. */
		for (int k = 0; k < (kms.on ? OP_COUNT : OP_ADDFB); k++)
			total_weight += op_weights[k];
		for (unsigned int i = 0; i < cfg.threads; i++) {
			struct thread *t = &threads[i];

			memset(t, 0, sizeof(*t));
			t->id = i;
			t->rng = cfg.seed + 0x9e3779b97f4a7c15ull * (i + 1);
			for (int k = 0; k < PRIVATE_FDS; k++)
				t->files[k] = (struct file){
					.fd = -1, .primary = k == PRIVATE_PRIMARY,
				};
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
		/* Every framebuffer went with its thread; the pipes it lit go now. */
		if (kms.on && kms.master)
			kms_all_off(&mt, true);
		for (int k = 0; k < SHARED_FDS; k++)
			if (cfg.shared_fd[k] >= 0)
				close(cfg.shared_fd[k]);
	}
	calls += mt.calls;
	bad += mt.bad;
	for (int k = 0; k < OP_COUNT; k++)
		per_op[k] += mt.per_op[k];
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
