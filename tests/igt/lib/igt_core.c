// SPDX-License-Identifier: MIT
/*
 * nova-lite's implementation of the IGT test API subset declared in igt.h.
 * It follows IGT's documented behaviour, not its code: subtests are selected
 * with --run-subtest (names, comma-separated, with shell wildcards), listed with
 * --list-subtests; a failed igt_assert ends the subtest as FAIL, a failed
 * igt_require as SKIP; a failure or skip in a fixture applies to every later
 * subtest, and a failure makes the binary exit 98 (IGT_EXIT_FAILURE) as in IGT.
 *
 * One addition to IGT: a fixture that fails after the last subtest that ran
 * (the teardown) fails that subtest. igt_runner takes a subtest's result from
 * its "Subtest NAME: RESULT" line and ignores exit code 98 once subtests have
 * reported (only 112, IGT_EXIT_ABORT, changes a result, and it aborts the
 * whole run), so in IGT such a failure is lost. Here a subtest's result line
 * is written when the next subtest starts or the binary exits, so that it can
 * still say FAIL (a crash in between leaves it without one: igt_runner then
 * reports it incomplete, not passed).
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"

sigjmp_buf igt_subtest_jmpbuf;

static const char *command;
static bool listing, debug;
static char *run_pattern;
static bool matched_any;
static bool stderr_sentinel;

static bool in_fixture;
static char *subtest;		/* the running subtest, NULL outside one */
static struct timespec subtest_start;
static const char *skip_rest;	/* "SKIP" or "FAIL" after a fixture gave up */
static char fixture_skip[512];	/* why a fixture skipped, said again for each later subtest */
static bool fixture_failed;	/* a fixture failed: the binary exits IGT_EXIT_FAILURE */
static bool failure_unreported;	/* ...and no subtest has said FAIL for it yet */

/*
 * The result of the subtest that ended last, written by report_pending(), and the messages of
 * a fixture that failed since: written after that result line (or before it, if it is that
 * fixture's FAIL), so that igt_runner does not take them for warnings of a passed subtest.
 */
static struct {
	char *name;
	const char *result;
	double elapsed;
	char *fixture_log;
} pending;

static unsigned int n_success, n_fail, n_skip;

static void kmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void kmsg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int fd, len;

	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "<6>[IGT] %s: ", command);
	va_start(ap, fmt);
	len += vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(buf))
		len = sizeof(buf);
	if (write(fd, buf, len) < 0) {
		/* The kernel log marker is best effort. */
	}
	close(fd);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [OPTIONS]\n"
		"  --list-subtests\n"
		"  --run-subtest <pattern>\n"
		"  --debug\n"
		"  --help\n", command);
}

void igt_subtest_init_parse_opts(int *argc, char **argv)
{
	static const struct option opts[] = {
		{ "list-subtests", no_argument, NULL, 'l' },
		{ "run-subtest", required_argument, NULL, 'r' },
		{ "debug", optional_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct utsname uts;
	int c;

	command = program_invocation_short_name;
	setvbuf(stdout, NULL, _IOLBF, 0);
	stderr_sentinel = getenv("IGT_SENTINEL_ON_STDERR") != NULL;

	while ((c = getopt_long(*argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listing = true;
			break;
		case 'r':
			run_pattern = strdup(optarg);
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			exit(IGT_EXIT_SUCCESS);
		default:
			usage(stderr);
			exit(IGT_EXIT_INVALID);
		}
	}
	if (optind != *argc) {
		usage(stderr);
		exit(IGT_EXIT_INVALID);
	}
	if (listing)
		return;

	uname(&uts);
	printf("IGT-Version: 2.5-nova-lite (%s) (Linux: %s %s)\n", uts.machine, uts.release,
	       uts.machine);
	kmsg("executing\n");
}

/* Does @name match one of the comma-separated patterns of --run-subtest? */
static bool selected(const char *name)
{
	char *list, *pattern, *save = NULL;
	bool match = false;

	if (!run_pattern)
		return true;
	list = strdup(run_pattern);
	for (pattern = strtok_r(list, ",", &save); pattern && !match;
	     pattern = strtok_r(NULL, ",", &save))
		match = fnmatch(pattern, name, 0) == 0;
	free(list);
	return match;
}

static void sentinel(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sentinel(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (stderr_sentinel) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
}

static void count(const char *result)
{
	if (!strcmp(result, "SUCCESS"))
		n_success++;
	else if (!strcmp(result, "SKIP"))
		n_skip++;
	else
		n_fail++;
}

/*
 * Writes the result line of the subtest that ended last, if not written yet: FAIL if a fixture
 * failed after it and no later subtest reported that failure.
 */
static void report_pending(void)
{
	const char *result = pending.result;
	bool fixture_failure = failure_unreported;

	if (!pending.name)
		return;
	if (fixture_failure) {
		fputs(pending.fixture_log ?: "", stderr);
		fprintf(stderr, "(%s:%d) CRITICAL: a fixture after subtest %s failed: it fails\n",
			command, getpid(), pending.name);
		fflush(stderr);
		result = "FAIL";
		failure_unreported = false;
	}
	sentinel("Subtest %s: %s (%.3fs)\n", pending.name, result, pending.elapsed);
	kmsg("finished subtest %s, %s\n", pending.name, result);
	count(result);
	if (!fixture_failure && pending.fixture_log) {
		fputs(pending.fixture_log, stderr);
		fflush(stderr);
	}
	free(pending.fixture_log);
	pending.fixture_log = NULL;
	free(pending.name);
	pending.name = NULL;
}

bool __igt_run_subtest(const char *name)
{
	if (listing) {
		printf("%s\n", name);
		return false;
	}
	if (!selected(name))
		return false;
	matched_any = true;

	/* After a fixture failed, this subtest reports it: the one before keeps its result. */
	if (skip_rest && !strcmp(skip_rest, "FAIL"))
		failure_unreported = false;
	report_pending();
	kmsg("starting subtest %s\n", name);
	sentinel("Starting subtest: %s\n", name);
	if (skip_rest) {
		/* Each subtest's output says why: igt_runner splits the output by subtest. */
		if (!strcmp(skip_rest, "SKIP"))
			printf("Skipping: %s\n", fixture_skip[0] ? fixture_skip :
			       "a fixture before this subtest skipped");
		else
			printf("A fixture before this subtest failed\n");
		sentinel("Subtest %s: %s (0.000s)\n", name, skip_rest);
		kmsg("finished subtest %s, %s\n", name, skip_rest);
		count(skip_rest);
		return false;
	}
	subtest = strdup(name);
	clock_gettime(CLOCK_MONOTONIC, &subtest_start);
	return true;
}

/*
 * Ends the running subtest with @result and returns into its igt_subtest loop. The result line
 * is written later, by report_pending().
 */
static void __attribute__((noreturn)) end_subtest(const char *result)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	fflush(stderr);
	pending.name = subtest;
	pending.result = result;
	pending.elapsed = (now.tv_sec - subtest_start.tv_sec) +
			  (now.tv_nsec - subtest_start.tv_nsec) / 1e9;
	subtest = NULL;
	siglongjmp(igt_subtest_jmpbuf, 1);
}

void igt_success(void)
{
	end_subtest("SUCCESS");
}

bool __igt_fixture(void)
{
	if (listing || skip_rest)
		return false;
	in_fixture = true;
	return true;
}

void __igt_fixture_complete(void)
{
	in_fixture = false;
}

/* A subtest, fixture or the main body gives up with @result ("FAIL" or "SKIP"). */
static void __attribute__((noreturn)) give_up(const char *result)
{
	if (subtest)
		end_subtest(result);
	if (in_fixture) {
		skip_rest = result;
		if (!strcmp(result, "FAIL"))
			fixture_failed = failure_unreported = true;
		siglongjmp(igt_subtest_jmpbuf, 1);
	}
	/* Outside any subtest or fixture the whole binary ends. */
	count(result);
	igt_exit();
}

static void vlog(FILE *f, const char *level, const char *fmt, va_list ap)
{
	fprintf(f, "(%s:%d) %s", command, getpid(), level);
	vfprintf(f, fmt, ap);
}

static void log_line(FILE *f, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void log_line(FILE *f, const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(f, level, fmt, ap);
	va_end(ap);
}

void __igt_fail_assert(const char *file, int line, const char *func, const char *expr,
		       const char *fmt, ...)
{
	FILE *out = NULL;
	int err = errno;
	char *held;
	size_t len;
	va_list ap;

	/* A fixture's failure after a subtest: held for report_pending() (see pending). */
	if (!subtest && in_fixture && pending.name && !pending.fixture_log)
		out = open_memstream(&held, &len);
	if (!out)
		out = stderr;
	log_line(out, "CRITICAL: ", "Test assertion failure function %s, file %s:%d:\n",
		 func, file, line);
	log_line(out, "CRITICAL: ", "Failed assertion: %s\n", expr);
	if (err)
		log_line(out, "CRITICAL: ", "Last errno: %d, %s\n", err, strerror(err));
	if (fmt) {
		va_start(ap, fmt);
		vlog(out, "CRITICAL: ", fmt, ap);
		va_end(ap);
	}
	if (out != stderr && !fclose(out))
		pending.fixture_log = held;
	give_up("FAIL");
}

/*
 * Prints why a subtest skips on one line, @prefix first ("Test requirement not met: ",
 * "Skipping: "): ci/igt-results.sh shows it with the skip.
 */
static void skip_reason(const char *prefix, const char *fmt, va_list ap)
{
	char reason[512];
	size_t len;

	vsnprintf(reason, sizeof(reason), fmt, ap);
	len = strlen(reason);
	while (len && reason[len - 1] == '\n')
		reason[--len] = '\0';
	printf("%s%s\n", prefix, len ? reason : "(no reason given)");
	if (in_fixture && !subtest && len)
		snprintf(fixture_skip, sizeof(fixture_skip), "%s", reason);
}

void __igt_skip_check(const char *file, int line, const char *func, const char *expr,
		      const char *fmt, ...)
{
	va_list ap;

	printf("Test requirement not met in function %s, file %s:%d:\n", func, file, line);
	printf("Test requirement: %s\n", expr);
	if (fmt) {
		va_start(ap, fmt);
		skip_reason("Test requirement not met: ", fmt, ap);
		va_end(ap);
	}
	give_up("SKIP");
}

void igt_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	skip_reason("Skipping: ", fmt, ap);
	va_end(ap);
	give_up("SKIP");
}

void igt_describe_f(const char *fmt, ...)
{
	/* Descriptions document the source; igt_runner does not read them. */
	(void)fmt;
}

void igt_log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void igt_log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!debug)
		return;
	va_start(ap, fmt);
	vlog(stderr, "DEBUG: ", fmt, ap);
	va_end(ap);
}

void igt_exit(void)
{
	int ret;

	if (listing)
		exit(IGT_EXIT_SUCCESS);
	if (run_pattern && !matched_any) {
		fprintf(stderr, "Unknown subtest: %s\n", run_pattern);
		exit(IGT_EXIT_INVALID);
	}
	report_pending();
	if (n_fail || fixture_failed)
		ret = IGT_EXIT_FAILURE;
	else if (!n_success)
		ret = IGT_EXIT_SKIP;
	else
		ret = IGT_EXIT_SUCCESS;
	kmsg("exiting, ret=%d\n", ret);
	fflush(stdout);
	fflush(stderr);
	exit(ret);
}
