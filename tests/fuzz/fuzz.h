/* SPDX-License-Identifier: MIT */
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

/*
 * The fuzzer's files, one concern each (tests/fuzz/), and what they share here:
 *   main.c        options, the threads and their random calls, the summary
 *   rand.c        the random generator
 *   expect.c      each result checked against the errnos allowed, counted, reported
 *   model.c       the reference model: objects, handles, files, host resources
 *   mmap.c        mappings of the objects
 *   uapi.c        nova-lite's ioctls
 *   gem.c         the DRM core's GEM_CLOSE, FLINK/OPEN, PRIME and dumb buffers
 *   kms.c         KMS: mode objects, properties, framebuffers and blobs, modes
 *   kms_atomic.c  KMS: atomic commits' arguments and the answer their checks predict
 *   kms_commit.c  KMS: the TEST_ONLY and real commits of the random mode
 *   kms_fb.c      KMS: ADDFB2, RMFB, DIRTYFB, blobs, files; KMS's set-up and end
 *   faults.c      fault injection (--faults)
 * The unplug mode has no file of its own: every call accepts ENODEV (expect()), and a file
 * that answered it is closed (note_err()) and reopened (pick_file()).
 */

#ifndef NOVA_LITE_FUZZ_H
#define NOVA_LITE_FUZZ_H

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

/* The kinds of call: the choice of the next one, the counts, the reports. */
enum op {
	OP_GETPARAM, OP_GEM_CREATE, OP_GEM_INFO, OP_GEM_CLOSE, OP_FLINK, OP_GEM_OPEN,
	OP_PRIME_EXPORT, OP_PRIME_IMPORT, OP_FOREIGN_IMPORT, OP_DUMB, OP_MMAP,
	OP_BAD_POINTER, OP_BAD_IOCTL, OP_REOPEN, OP_QUERY, OP_MMAP_OFFSET,
	OP_RESOURCE_CREATE, OP_TRANSFER, OP_WAIT, OP_ADDFB, OP_RMFB, OP_DIRTYFB, OP_BLOB,
	OP_ATOMIC, OP_COMMIT, OP_COUNT
};

/* Each op's name, for the reports and the summary. (expect.c) */
extern const char *const op_names[OP_COUNT];

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

/* A thread: its generator, its counts, its files, dma-bufs and blobs. */
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

/*
 * The run: its options, the device's answers read at start (the references), and what the
 * threads share. Defined in main.c.
 */
struct cfg {
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
};

extern struct cfg cfg;

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

/* A mode object and the properties it has. */
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

/* The state of the pipes: as committed, or as a commit asks for it. */
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

/*
 * The KMS model, shared by the threads: the device's pipes, the state committed last, the
 * framebuffers, and their locks. Defined in kms.c.
 */
struct kms {
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
};

extern struct kms kms;

/* Which framebuffers fb_pick() picks from. */
enum fb_set {
	FB_ANY,		/* any thread's */
	FB_MINE_IN,	/* the thread's, in @f */
	FB_NOT_IN,	/* any thread's, not in @f's list */
};

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

/* --- rand.c: the random generator of each thread ------------------------------------ */

/* The thread's next random number (xorshift64*): its choices replay from the seed. */
uint64_t rnd(struct thread *t);
/* A random number below @n; 0 if @n is 0. */
uint64_t below(struct thread *t, uint64_t n);
/* True @percent times in 100. */
bool chance(struct thread *t, unsigned int percent);

/* --- expect.c: the results checked, counted and reported ---------------------------- */

/* Checks a call's result @err against @allowed and counts the call; returns @err. */
int expect(struct thread *t, enum op op, int err, errset allowed, const char *fmt, ...);
/* Reports a value check that failed. */
void wrong(struct thread *t, enum op op, const char *fmt, ...);
/* ioctl(), restarted on EINTR: 0 or the errno. */
int xioctl(int fd, unsigned long req, void *arg);

/* --- model.c: the reference model: objects, handles, files and the host's memory ---- */

/* Counts the host memory of a RESOURCE_CREATE of thread @id, before the call. */
void hostmem_begin(int id, uint64_t size);
/* After the call: the most host memory counted during it. */
uint64_t hostmem_end(int id, uint64_t size, bool created);
/* A new object of the model, with one reference: the caller's. */
struct model *model_new(uint64_t size, bool foreign, bool dumb);
/* Drops a reference to @m; the last frees it, and with it its host resource. */
void model_put(struct model *m);
/* Takes one of the MAX_RESOURCES places; false if none is free. */
bool reserve_resource(void);
/* Gives back a place reserve_resource() took. */
void unreserve_resource(void);
/* Closes @f (not a shared one) and forgets the thread's handles in it. */
void file_close(struct file *f);
/* (Re)opens @f: 0 or an errno. */
int file_open(struct file *f);
/* A file for the next call, opened if need be; NULL if it does not open. */
struct file *pick_file(struct thread *t);
/* After a call on @f that answered @err: ENODEV closes @f, to reopen later. */
void note_err(struct file *f, int err);
/* One of the thread's handles in @f, NULL if it has none there. */
struct obj *pick_obj(struct thread *t, struct file *f);
/* One of the thread's host resources in @f, NULL if it has none there. */
struct obj *pick_resource(struct thread *t, struct file *f);
/* The thread's handle @handle in @f, NULL if it does not track it. */
struct obj *find_obj(struct file *f, uint32_t handle);
/* Whether the thread tracks @handle in @f. */
bool tracked(struct file *f, uint32_t handle);
/* Whether @f holds a handle to @m. */
bool holds(struct file *f, const struct model *m);
/* Records a new handle of the thread to @m in @f, with a reference. */
struct obj *track(struct thread *t, struct file *f, uint32_t handle, struct model *m,
		  bool prime);
/* Forgets @o, a handle of @f just closed, and drops its reference. */
void untrack(struct file *f, struct obj *o);
/* GEM_CLOSE of @o, which must succeed. */
void close_obj(struct thread *t, struct file *f, struct obj *o);
/* What @o names, for the reports. */
const char *kind(const struct obj *o);
/* A handle for a nova-lite ioctl, and in *@errs what it alone makes the ioctl answer. */
struct obj *pick_handle(struct thread *t, struct file *f, bool want_res, bool zero,
			uint32_t *handle, errset *errs);
/* A size for GEM_CREATE: mostly valid, sometimes at or past the limits. */
uint64_t pick_size(struct thread *t);
/* @size rounded up to whole pages. */
uint64_t page_align(uint64_t size);
/* Whether the fuzzer maps @m: objects of at most MAP_MAX_SIZE bytes. */
bool mappable(const struct model *m);

/* --- mmap.c: mappings of the objects ------------------------------------------------ */

/* The SIGBUS and SIGSEGV handler: an access to a mapping faulted. */
void on_access_fault(int sig);
/* Checks @off, an mmap offset an ioctl gave for @m, and records it. */
void set_offset(struct thread *t, enum op op, struct model *m, uint64_t off);
/* mmap() of @m at @off, its offset, in @f: contents checked, bytes written and read back. */
void map_rw(struct thread *t, struct file *f, struct model *m, uint64_t off);
/* mmap() of object offsets, of offsets nobody gave out, of other files' and closed objects. */
void do_mmap(struct thread *t, struct file *f);

/* --- uapi.c: nova-lite's ioctls ----------------------------------------------------- */

/* DRM_IOCTL_NOVA_LITE_GETPARAM of defined, retired and unknown ids. */
void do_getparam(struct thread *t, struct file *f);
/* DRM_IOCTL_NOVA_LITE_GEM_CREATE of valid and invalid sizes and flags. */
void do_gem_create(struct thread *t, struct file *f);
/* DRM_IOCTL_NOVA_LITE_GEM_INFO of the thread's, closed and unknown handles. */
void do_gem_info(struct thread *t, struct file *f);
/* An ioctl of nova-lite or of KMS with a pointer that faults: EFAULT. */
void do_bad_pointer(struct thread *t, struct file *f);
/* A driver ioctl number nova-lite does not define: EINVAL. */
void do_bad_ioctl(struct thread *t, struct file *f);
/* DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET, the offset checked and sometimes mapped. */
void do_mmap_offset(struct thread *t, struct file *f);
/* The smaller of @a and @b, in 32 bits. */
uint32_t min32(uint64_t a, uint64_t b);
/* DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE, bounded and counted (see hostmem). */
void do_resource_create(struct thread *t, struct file *f);
/* DRM_IOCTL_NOVA_LITE_WAIT with and without waiting, and bad arguments. */
void do_wait(struct thread *t, struct file *f);
/* DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST with rectangles inside and outside. */
void do_transfer(struct thread *t, struct file *f);
/* DRM_IOCTL_NOVA_LITE_QUERY, checked against the reference answers and its guard. */
void do_query(struct thread *t, struct file *f);

/* --- gem.c: the DRM core's GEM, flink, PRIME and dumb-buffer ioctls ----------------- */

/* DRM_IOCTL_GEM_CLOSE of the thread's handles and of unknown ones. */
void do_gem_close(struct thread *t, struct file *f);
/* GEM_FLINK of an object; with @open_too, GEM_OPEN of the name in a primary file. */
void do_flink(struct thread *t, struct file *f, bool open_too);
/* PRIME_HANDLE_TO_FD of the thread's objects; the dma-buf is kept. */
void do_prime_export(struct thread *t, struct file *f);
/* PRIME_FD_TO_HANDLE of a kept dma-buf, of a pipe or of -1. */
void do_prime_import(struct thread *t, struct file *f);
/* PRIME import of a vgem buffer: a foreign object nova-lite's ioctls refuse. */
void do_foreign_import(struct thread *t, struct file *f);
/* The dumb-buffer ioctls: CREATE_DUMB, MAP_DUMB and DESTROY_DUMB. */
void do_dumb(struct thread *t, struct file *f);

/* --- kms.c: KMS: mode objects and properties, the model of framebuffers and blobs, modes  */

/* The name of each kind of mode object, for the reports. */
extern const char *const kind_names[KO_KINDS];
/* Finds the device's pipes on @fd and their properties: 0, or -1 and why in @why. */
int kms_discover(int fd, char *why, size_t len);
/* The property of @role of pipe @p's object of kind @k, NULL if none. */
const struct kms_prop *kms_role(enum kind k, int p, enum role role);
/* The property @id of pipe @p's object of kind @k, NULL if none. */
const struct kms_prop *kms_prop(enum kind k, int p, uint32_t id);
/* Which pipe's object of which kind mode object @id is; false if none. */
bool kms_locate(uint32_t id, enum kind *k, int *p);
/* The pipe of CRTC @id, -1 if it is none. */
int crtc_pipe(uint64_t id);
/* An id of no mode object. */
uint32_t bad_id(struct thread *t);
/* The index of @f in the thread's files. */
int file_index(const struct thread *t, const struct file *f);
/* The live framebuffer @id, or NULL (with kms.lock held). */
struct fbrec *fb_find(uint64_t id);
/* Whether a plane shows framebuffer @id (with kms.lock held). */
bool fb_shown(uint32_t id);
/* Whether @fb is in the framebuffer list of @f, one of the thread's files. */
bool fb_of_file(const struct thread *t, const struct file *f, const struct fbrec *fb);
/* A random live framebuffer of @set, NULL if none fits (with kms.lock held). */
struct fbrec *fb_pick(struct thread *t, const struct file *f, enum fb_set set,
		      bool unshown, uint32_t w, uint32_t h);
/* The kernel removed @fb: the model follows (kms.lock held for writing). */
void fb_removed(struct fbrec *fb);
/* RMFB of @id, one of the thread's framebuffers in @f: it must succeed. */
void rmfb_own(struct thread *t, struct file *f, uint32_t id);
/* The thread's blob @id, NULL if it has none of that id. */
struct blob *blob_find(struct thread *t, uint64_t id);
/* DESTROYPROPBLOB of the thread's blob @i: it must succeed. */
void blob_destroy(struct thread *t, int i);
/* CREATEPROPBLOB of @len bytes at @ptr in @f: the blob's id, 0 if none was made. */
uint32_t blob_make(struct thread *t, struct file *f, const void *data, uint32_t len,
		   uint64_t ptr);
/* A mode of @w x @h at @hz Hz, with timings of a plausible shape. */
void mode_make(struct drm_mode_modeinfo *m, uint32_t w, uint32_t h, uint32_t hz);
/* The refresh rate of @m, rounded as drm_mode_vrefresh() does. */
uint64_t mode_refresh(const struct drm_mode_modeinfo *m);
/* Whether MODE_ID takes @m. */
bool mode_ok(const struct drm_mode_modeinfo *m);
/* Whether drm_mode_equal() finds @a and @b the same. */
bool mode_same(const struct drm_mode_modeinfo *a, const struct drm_mode_modeinfo *b);
/* A mode for MODE_ID of at most @max_w x @max_h, sometimes one that is refused. */
void mode_random(struct thread *t, struct drm_mode_modeinfo *m, uint32_t max_w,
		 uint32_t max_h);
/* 1 to 5 damage rectangles for FB_DAMAGE_CLIPS: their size in bytes. */
uint32_t clips_random(struct thread *t, struct drm_mode_rect *r);

/* --- kms_atomic.c: KMS: an atomic commit's arguments, and the answer the checks predict  */

/* Adds object @id to commit @c. */
void commit_obj(struct commit *c, uint32_t id);
/* Adds property @prop of value @value to the object added last. */
void commit_prop(struct commit *c, uint32_t prop, uint64_t value);
/* Adds the property of @role of pipe @p's object of kind @k, if it has one. */
void commit_role(struct commit *c, enum kind k, int p, enum role role, uint64_t value);
/* DRM_IOCTL_MODE_ATOMIC of @c on @fd: 0 or the errno. */
int commit_ioctl(int fd, const struct commit *c);
/* A random place for @w x @h pixels in framebuffer @fb. */
void fb_spot(struct thread *t, const struct fbrec *fb, uint32_t w, uint32_t h,
	     uint32_t *sx, uint32_t *sy);
/* Pipe @p's plane on its CRTC, covering it with framebuffer @fb. */
void target_plane(struct commit *c, int p, uint32_t fb, uint32_t w, uint32_t h,
		  uint32_t sx, uint32_t sy);
/* Pipe @p lit in the mode of blob @mode, its plane showing @fb. */
void target_on(struct commit *c, int p, uint32_t mode, uint32_t fb, uint32_t w,
	       uint32_t h, uint32_t sx, uint32_t sy);
/* Pipe @p off; with @zero, its plane's rectangles all 0. */
void target_off(struct commit *c, int p, bool zero);
/* Writes @c's flags, objects and properties into @buf, for a report. */
void commit_describe(const struct commit *c, char *buf, size_t len);
/* The errno DRM_IOCTL_MODE_ATOMIC with @c on @f must answer, and in @s the state. */
int commit_expect(struct thread *t, const struct file *f, const struct commit *c,
		  struct sim *s);

/* --- kms_commit.c: KMS: the TEST_ONLY and real commits of the random mode ----------- */

/* DRM_IOCTL_MODE_ATOMIC: a real commit once the thread may make one, else a test. */
void do_atomic(struct thread *t, struct file *f);

/* --- kms_fb.c: KMS: framebuffers, blobs, files; KMS's set-up and end ---------------- */

/* DRM_IOCTL_MODE_ADDFB2 of the thread's objects and of unknown handles. */
void do_addfb(struct thread *t, struct file *f);
/* DRM_IOCTL_MODE_RMFB of the thread's framebuffers, of others' and of none. */
void do_rmfb(struct thread *t, struct file *f);
/* DRM_IOCTL_MODE_DIRTYFB of any thread's framebuffer or of none. */
void do_dirtyfb(struct thread *t, struct file *f);
/* DRM_IOCTL_MODE_CREATEPROPBLOB and DESTROYPROPBLOB. */
void do_blob(struct thread *t, struct file *f);
/* Closes @f, one of the thread's files, and drops its blobs and framebuffers. */
void close_file(struct thread *t, struct file *f);
/* At a thread's end: RMFB of its framebuffers in the shared primary file. */
void kms_thread_end(struct thread *t);
/* Every pipe off, on the shared primary file; @predict: the answer predicted. */
void kms_all_off(struct thread *t, bool predict);
/* KMS for the random mode, on the shared primary file; @mt: the main thread. */
void kms_setup(struct thread *mt);

/* --- faults.c: fault injection (--faults) ------------------------------------------- */

/* --faults: each valid call with its 1st, 2nd, ... allocation failing. 0, or 2. */
int run_faults(struct thread *t);

/* --- main.c: options, threads, the random mode, main() ------------------------------ */

/* CLOCK_MONOTONIC, in ns. */
uint64_t now_ns(void);

#endif /* NOVA_LITE_FUZZ_H */
