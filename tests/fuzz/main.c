// SPDX-License-Identifier: MIT
/*
 * The fuzzer's options, its threads and their random calls, and main(): the
 * references read at start, the run, the summary. What the fuzzer does: fuzz.h.
 */

#include "fuzz.h"

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

/* The run (struct cfg, fuzz.h), with the options' defaults. */
struct cfg cfg = { .calls = 1000, .threads = 4, .vgem = -1 };

uint64_t now_ns(void)
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
