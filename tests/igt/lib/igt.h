/* SPDX-License-Identifier: MIT */
/*
 * The subset of IGT's test API that nova-lite's tests use, under IGT's own
 * names, so that the tests can move into IGT's tree unchanged (see
 * tests/igt/README). The implementation (igt_core.c) speaks IGT's subtest
 * protocol to igt_runner: --list-subtests, --run-subtest, the "Starting
 * subtest:" / "Subtest NAME: RESULT (Ns)" lines, [IGT] markers in /dev/kmsg
 * and the exit codes 0 (success), 77 (skip) and 98 (failure). Where it departs
 * from IGT, on purpose: drm_open_driver*() fail rather than skip when the node
 * is missing or does not open, and a fixture failing after the last subtest
 * that ran fails that subtest (igt_core.c, drmtest.c).
 */

#ifndef NOVA_LITE_IGT_H
#define NOVA_LITE_IGT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <xf86drm.h>

#define IGT_EXIT_SUCCESS 0
#define IGT_EXIT_INVALID 79
#define IGT_EXIT_FAILURE 98
#define IGT_EXIT_SKIP 77

/*
 * Chipset flags of drm_open_driver(); IGT defines one per driver. As in IGT, DRIVER_ANY
 * leaves out vgem, which is only opened when asked for by name.
 */
#define DRIVER_VGEM (1 << 2)
#define DRIVER_NOVA_LITE (1 << 30)
#define DRIVER_ANY (~(DRIVER_VGEM))

extern sigjmp_buf igt_subtest_jmpbuf;

void igt_subtest_init_parse_opts(int *argc, char **argv);
bool __igt_run_subtest(const char *name);
bool __igt_fixture(void);
void __igt_fixture_complete(void);
void igt_success(void);
void igt_exit(void) __attribute__((noreturn));
void igt_describe_f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void __igt_fail_assert(const char *file, int line, const char *func, const char *expr,
		       const char *fmt, ...) __attribute__((noreturn, format(printf, 5, 6)));
void __igt_skip_check(const char *file, int line, const char *func, const char *expr,
		      const char *fmt, ...) __attribute__((noreturn, format(printf, 5, 6)));
void igt_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void igt_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void igt_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* igt_main: the test's main(); everything it runs must be in fixtures or subtests. */
#define igt_main \
	static void __igt_real_main(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init_parse_opts(&argc, argv); \
		__igt_real_main(); \
		igt_exit(); \
	} \
	static void __igt_real_main(void)

/* A block run before the subtests that follow it (not when listing subtests). */
#define igt_fixture \
	for (int __igt_tmp = 0; __igt_tmp < 1 && __igt_fixture(); \
	     __igt_tmp++, __igt_fixture_complete()) \
		if (sigsetjmp(igt_subtest_jmpbuf, 1) == 0)

/* A subtest: its block runs only when the subtest is selected. */
#define igt_subtest(name) \
	for (; __igt_run_subtest((name)) && (sigsetjmp(igt_subtest_jmpbuf, 1) == 0); \
	     igt_success())

#define igt_describe(str) igt_describe_f("%s", (str))

#define igt_info(...) igt_log_info(__VA_ARGS__)
#define igt_debug(...) igt_log_debug(__VA_ARGS__)

#define igt_assert(expr) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, NULL); \
	} while (0)

#define igt_assert_f(expr, f...) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(__FILE__, __LINE__, __func__, #expr, f); \
	} while (0)

#define __igt_assert_cmp(T, fmt, a, op, b, as, bs) \
	do { \
		T __a = (a), __b = (b); \
		if (!(__a op __b)) \
			__igt_fail_assert(__FILE__, __LINE__, __func__, as " " #op " " bs, \
					  "error: " fmt " " #op " " fmt " is false\n", __a, __b); \
	} while (0)

#define igt_assert_eq(a, b) __igt_assert_cmp(int, "%d", a, ==, b, #a, #b)
#define igt_assert_neq(a, b) __igt_assert_cmp(int, "%d", a, !=, b, #a, #b)
#define igt_assert_lte(a, b) __igt_assert_cmp(int, "%d", a, <=, b, #a, #b)
#define igt_assert_eq_u32(a, b) __igt_assert_cmp(uint32_t, "%#x", a, ==, b, #a, #b)
#define igt_assert_neq_u32(a, b) __igt_assert_cmp(uint32_t, "%#x", a, !=, b, #a, #b)
#define igt_assert_eq_u64(a, b) \
	__igt_assert_cmp(unsigned long long, "%#llx", a, ==, b, #a, #b)
#define igt_assert_lte_u64(a, b) \
	__igt_assert_cmp(unsigned long long, "%#llx", a, <=, b, #a, #b)

#define igt_require(expr) \
	do { \
		if (!(expr)) \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, NULL); \
	} while (0)

#define igt_require_f(expr, f...) \
	do { \
		if (!(expr)) \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, f); \
	} while (0)

/*
 * drmtest: open a DRM node of the given chipset. As in IGT, IGT_FORCE_DRIVER chooses the driver
 * when the chipset is DRIVER_ANY; a named chipset (DRIVER_NOVA_LITE, DRIVER_VGEM) opens that
 * driver's node.
 */
int __drm_open_driver(int chipset);
int __drm_open_driver_render(int chipset);
int drm_open_driver(int chipset);
int drm_open_driver_render(int chipset);
int drm_close_driver(int fd);

/* ioctl_wrappers */
#define igt_ioctl drmIoctl
#define do_ioctl(fd, ioc, ioc_data) \
	do { \
		igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), 0); \
		errno = 0; \
	} while (0)
#define do_ioctl_err(fd, ioc, ioc_data, err) \
	do { \
		igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), -1); \
		igt_assert_eq(errno, err); \
		errno = 0; \
	} while (0)
int __gem_close(int fd, uint32_t handle);
void gem_close(int fd, uint32_t handle);
int prime_handle_to_fd(int fd, uint32_t handle);
uint32_t prime_fd_to_handle(int fd, int dma_buf_fd);

#endif /* NOVA_LITE_IGT_H */
