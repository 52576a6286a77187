// SPDX-License-Identifier: MIT
/*
 * DRM_IOCTL_NOVA_LITE_QUERY: the display information and EDIDs read from the
 * device match how the VM started it, the size probe, the copy of the first
 * bytes of an answer into a buffer too small for it, the errors, and many
 * threads querying at once, checked against the control queue's debugfs
 * counters.
 *
 * What the device must answer comes from the environment, set by the script
 * that started the VM (ci/guest/check.sh): NOVA_LITE_EXPECT_MODE (scanout 0's
 * preferred size, "WxH": QEMU's xres/yres), NOVA_LITE_EXPECT_EDID ("1" with
 * edid=on, "0" with edid=off) and NOVA_LITE_EXPECT_EDID_OTHER (the preferred
 * size in the EDID of the other scanouts). A missing variable fails the test.
 */

#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "igt_nova_lite.h"

#define THREADS 8
#define QUERIES_PER_THREAD 250
#define INFO_SIZE sizeof(struct drm_nova_lite_display_info)

static unsigned int expect_w, expect_h, other_w, other_h;
static int expect_edid;
static uint32_t nscanouts;

static void expect_size(const char *var, unsigned int *w, unsigned int *h)
{
	const char *v = getenv(var);

	igt_assert_f(v && sscanf(v, "%ux%u", w, h) == 2, "%s=WxH is not set\n", var);
}

static int query(int fd, uint32_t type, uint32_t index, void *buf, uint32_t *size)
{
	struct drm_nova_lite_query q = {
		.type = type, .index = index, .size = *size, .data = (uintptr_t)buf,
	};
	int ret = __nova_lite_query(fd, &q);

	*size = q.size;
	return ret;
}

static void read_display_info(int fd, struct drm_nova_lite_display_info *info)
{
	uint32_t size = 16 * INFO_SIZE;

	igt_assert_eq(query(fd, NOVA_LITE_QUERY_DISPLAY_INFO, 0, info, &size), 0);
	igt_assert_eq_u32(size, nscanouts * INFO_SIZE);
}

/* Checks one EDID: size, header, checksums, and the preferred mode (first detailed timing). */
static void check_edid(const unsigned char *e, uint32_t size, unsigned int w, unsigned int h)
{
	unsigned int pw, ph;

	igt_assert_f(nlt_edid_size_ok(size), "EDID size %u\n", size);
	igt_assert_f(nlt_edid_header_ok(e, size), "bad EDID header\n");
	for (uint32_t block = 0; block < size / NLT_EDID_BLOCK; block++)
		igt_assert_f(nlt_edid_checksum_ok(e, block), "bad checksum in EDID block %u\n",
			     block);
	igt_assert_f(nlt_edid_preferred(e, &pw, &ph), "no preferred timing\n");
	igt_assert_eq(pw, w);
	igt_assert_eq(ph, h);
}

/*
 * Queries @type (scanout 0) into a buffer of @len bytes, @len below the size @full of the answer
 * @whole read before: the buffer gets the answer's first @len bytes and nothing after them, and
 * size says @full.
 */
static void truncated_copy(int fd, uint32_t type, const unsigned char *whole, uint32_t full,
			   uint32_t len)
{
	static unsigned char buf[NLT_EDID_MAX];
	uint32_t size = len;

	memset(buf, 0xa5, sizeof(buf));
	igt_assert_eq(query(fd, type, 0, buf, &size), 0);
	igt_assert_f(size == full, "query %u into %u bytes: size %u, the whole answer is %u\n",
		     type, len, size, full);
	igt_assert_f(!memcmp(buf, whole, len), "query %u into %u bytes: not the answer's first "
		     "bytes\n", type, len);
	for (size_t i = len; i < sizeof(buf); i++)
		igt_assert_f(buf[i] == 0xa5, "query %u into %u bytes wrote byte %zu\n", type, len,
			     i);
}

struct thread {
	pthread_t id;
	int fd;
	const struct drm_nova_lite_display_info *ref_info;
	const unsigned char *ref_edid;
	uint32_t ref_edid_size;
	unsigned int bad;
	int first_err;	/* errno of the first failed query, 0 if none failed */
};

/* Alternates display information and EDID queries; counts wrong answers. */
static void *querier(void *arg)
{
	struct thread *t = arg;

	for (int i = 0; i < QUERIES_PER_THREAD; i++) {
		struct drm_nova_lite_display_info info[16];
		unsigned char edid[NLT_EDID_MAX];
		uint32_t size;

		int ret;

		if (i % 2 == 0 || !expect_edid) {
			size = sizeof(info);
			ret = query(t->fd, NOVA_LITE_QUERY_DISPLAY_INFO, 0, info, &size);
			if (ret || size != nscanouts * INFO_SIZE || memcmp(info, t->ref_info, size))
				t->bad++;
		} else {
			size = sizeof(edid);
			ret = query(t->fd, NOVA_LITE_QUERY_EDID, 0, edid, &size);
			if (ret || size != t->ref_edid_size || memcmp(edid, t->ref_edid, size))
				t->bad++;
		}
		if (ret && !t->first_err)
			t->first_err = -ret;
	}
	return NULL;
}

igt_main
{
	int fd = -1;

	igt_fixture {
		const char *e = getenv("NOVA_LITE_EXPECT_EDID");

		fd = drm_open_driver_render(DRIVER_NOVA_LITE);
		nscanouts = nova_lite_getparam(fd, NOVA_LITE_PARAM_NUM_SCANOUTS);
		expect_size("NOVA_LITE_EXPECT_MODE", &expect_w, &expect_h);
		expect_size("NOVA_LITE_EXPECT_EDID_OTHER", &other_w, &other_h);
		igt_assert_f(e && (!strcmp(e, "0") || !strcmp(e, "1")),
			     "NOVA_LITE_EXPECT_EDID=0|1 is not set\n");
		expect_edid = !strcmp(e, "1");
	}

	igt_describe("Scanout 0 is enabled at QEMU's xres x yres, the others are disabled.");
	igt_subtest("display-info") {
		struct drm_nova_lite_display_info info[16];

		read_display_info(fd, info);
		for (uint32_t i = 0; i < nscanouts; i++) {
			igt_assert_eq_u32(info[i].scanout, i);
			igt_assert_eq_u32(info[i].pad, 0);
			igt_assert_eq_u32(info[i].enabled, i == 0);
		}
		igt_assert_eq_u32(info[0].width, expect_w);
		igt_assert_eq_u32(info[0].height, expect_h);
	}

	igt_describe("With edid=on every scanout has a valid EDID whose preferred mode is "
		     "its own; with edid=off the query fails with EOPNOTSUPP.");
	igt_subtest("edid") {
		for (uint32_t i = 0; i < nscanouts; i++) {
			unsigned char edid[NLT_EDID_MAX];
			uint32_t size = sizeof(edid);
			int ret = query(fd, NOVA_LITE_QUERY_EDID, i, edid, &size);

			if (!expect_edid) {
				igt_assert_eq(ret, -EOPNOTSUPP);
				continue;
			}
			igt_assert_eq(ret, 0);
			if (i == 0)
				check_edid(edid, size, expect_w, expect_h);
			else
				check_edid(edid, size, other_w, other_h);
		}
	}

	igt_describe("A zero pointer returns the size needed and writes nothing.");
	igt_subtest("size-probe") {
		uint32_t size = 0;

		igt_assert_eq(query(fd, NOVA_LITE_QUERY_DISPLAY_INFO, 0, NULL, &size), 0);
		igt_assert_eq_u32(size, nscanouts * INFO_SIZE);
		if (expect_edid) {
			size = 0;
			igt_assert_eq(query(fd, NOVA_LITE_QUERY_EDID, 0, NULL, &size), 0);
			igt_assert_f(nlt_edid_size_ok(size), "EDID size %u\n", size);
		}
	}

	igt_describe("A buffer smaller than the answer (none, one byte, half, one byte short) gets "
		     "exactly the answer's first bytes, those after them are not written, and size "
		     "is set to the whole answer's size; for the display information and, with "
		     "edid=on, the EDID.");
	igt_subtest("truncated-copy") {
		for (uint32_t type = NOVA_LITE_QUERY_DISPLAY_INFO; type <= NOVA_LITE_QUERY_EDID;
		     type++) {
			static unsigned char whole[NLT_EDID_MAX];
			uint32_t full = sizeof(whole);

			if (type == NOVA_LITE_QUERY_EDID && !expect_edid)
				continue;
			igt_assert_eq(query(fd, type, 0, whole, &full), 0);
			igt_assert(full >= 2 && full <= sizeof(whole));
			truncated_copy(fd, type, whole, full, 0);
			truncated_copy(fd, type, whole, full, 1);
			truncated_copy(fd, type, whole, full, full / 2);
			truncated_copy(fd, type, whole, full, full - 1);
		}
	}

	igt_describe("A pointer to unmapped or read-only memory fails with EFAULT.");
	igt_subtest("bad-pointer") {
		uint32_t size = 16 * INFO_SIZE;
		void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		igt_assert(ro != MAP_FAILED);
		igt_assert_eq(query(fd, NOVA_LITE_QUERY_DISPLAY_INFO, 0, (void *)8, &size),
			      -EFAULT);
		size = 16 * INFO_SIZE;
		igt_assert_eq(query(fd, NOVA_LITE_QUERY_DISPLAY_INFO, 0, ro, &size), -EFAULT);
		munmap(ro, 4096);
	}

	igt_describe("Unknown query types fail with EINVAL.");
	igt_subtest("unknown-type") {
		static const uint32_t types[] = { 0, 3, 0x100, 0xffffffff };
		unsigned char buf[1024];

		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			uint32_t size = sizeof(buf);

			igt_assert_eq(query(fd, types[i], 0, buf, &size), -EINVAL);
		}
	}

	igt_describe("A non-zero pad fails with EINVAL.");
	igt_subtest("pad") {
		struct drm_nova_lite_query q = { .type = NOVA_LITE_QUERY_DISPLAY_INFO, .pad = 1 };

		igt_assert_eq(__nova_lite_query(fd, &q), -EINVAL);
	}

	igt_describe("An index out of range fails with EINVAL: any index but 0 for the "
		     "display information, a scanout that does not exist for an EDID.");
	igt_subtest("bad-index") {
		uint32_t size = 0;

		igt_assert_eq(query(fd, NOVA_LITE_QUERY_DISPLAY_INFO, 1, NULL, &size), -EINVAL);
		size = 0;
		igt_assert_eq(query(fd, NOVA_LITE_QUERY_EDID, nscanouts, NULL, &size), -EINVAL);
		size = 0;
		igt_assert_eq(query(fd, NOVA_LITE_QUERY_EDID, 0xffffffff, NULL, &size), -EINVAL);
	}

	igt_describe("8 threads x 250 queries at once: every answer equals the reference, "
		     "and the control queue's counters add up to the commands sent.");
	igt_subtest("threads") {
		struct drm_nova_lite_display_info ref_info[16];
		static unsigned char ref_edid[NLT_EDID_MAX];
		uint32_t ref_edid_size = sizeof(ref_edid);
		struct thread t[THREADS];
		uint64_t submitted, completed, timeouts, bad = 0;
		int first_err = 0;

		read_display_info(fd, ref_info);
		if (expect_edid)
			igt_assert_eq(query(fd, NOVA_LITE_QUERY_EDID, 0, ref_edid, &ref_edid_size), 0);

		submitted = nova_lite_ctrlq_counter(fd, "submitted");
		completed = nova_lite_ctrlq_counter(fd, "completed");
		timeouts = nova_lite_ctrlq_counter(fd, "timeouts");
		for (int i = 0; i < THREADS; i++) {
			t[i] = (struct thread){ .ref_info = ref_info, .ref_edid = ref_edid,
						.ref_edid_size = ref_edid_size };
			t[i].fd = drm_open_driver_render(DRIVER_NOVA_LITE);
			igt_assert_eq(pthread_create(&t[i].id, NULL, querier, &t[i]), 0);
		}
		for (int i = 0; i < THREADS; i++) {
			pthread_join(t[i].id, NULL);
			bad += t[i].bad;
			if (!first_err)
				first_err = t[i].first_err;
			close(t[i].fd);
		}
		igt_assert_f(bad == 0, "%" PRIu64 " of %d answers wrong; first error: %s\n", bad,
			     THREADS * QUERIES_PER_THREAD,
			     first_err ? strerrorname_np(first_err) : "none (wrong values)");
		/* One command per query, each answered; no timeout; the ring is empty again. */
		igt_assert_eq_u64(nova_lite_ctrlq_counter(fd, "submitted") - submitted,
				  THREADS * QUERIES_PER_THREAD);
		igt_assert_eq_u64(nova_lite_ctrlq_counter(fd, "completed") - completed,
				  THREADS * QUERIES_PER_THREAD);
		igt_assert_eq_u64(nova_lite_ctrlq_counter(fd, "timeouts"), timeouts);
		igt_assert_eq_u64(nova_lite_ctrlq_counter(fd, "free_descriptors"),
				  nova_lite_ctrlq_counter(fd, "size"));
	}

	igt_fixture
		drm_close_driver(fd);
}
