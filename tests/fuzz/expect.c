// SPDX-License-Identifier: MIT
/*
 * Each call's result checked against the errnos allowed for it, counted, and the
 * unexpected ones reported.
 */

#include "fuzz.h"

/* OP_ATOMIC: TEST_ONLY commits; OP_COMMIT: the real ones (see KMS_COMMIT_EVERY). */
const char *const op_names[OP_COUNT] = {
	"getparam", "gem_create", "gem_info", "gem_close", "flink", "gem_open",
	"prime_export", "prime_import", "foreign_import", "dumb", "mmap",
	"bad_pointer", "bad_ioctl", "reopen", "query", "mmap_offset",
	"resource_create", "transfer", "wait", "addfb", "rmfb", "dirtyfb", "blob",
	"atomic_test", "commit",
};

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
int expect(struct thread *t, enum op op, int err, errset allowed, const char *fmt, ...)
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
void wrong(struct thread *t, enum op op, const char *fmt, ...)
{
	char what[1024] = ": ";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what + 2, sizeof(what) - 2, fmt, ap);
	va_end(ap);
	report(t, op, what);
}

int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && errno == EINTR);
	return ret ? errno : 0;
}
