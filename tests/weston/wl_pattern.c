// SPDX-License-Identifier: GPL-2.0
/*
 * wl_pattern: a Wayland client whose window's pixels the host can predict, for the weston tests
 * (ci/guest/weston.sh, judged by tools/weston_check.py).
 *
 *   wl_pattern [--wait-socket SECONDS] [--since NS] [--fullscreen] [--hold]
 *   wl_pattern --now                     print CLOCK_MONOTONIC in nanoseconds
 *   wl_pattern --print-pattern W H X Y   print pixel (X, Y) of a W x H buffer as 0xrrggbb
 *
 * It asks for a maximized window (--fullscreen: a fullscreen one) through xdg-shell, draws the
 * pattern at the size of the first configure (640x480 if the compositor leaves it to the client)
 * into a wl_shm buffer (XRGB8888) and prints "configured WxH"; then, once the compositor reports
 * the first frame presented (wp_presentation feedback), "presented MS": the milliseconds from
 * --since (a CLOCK_MONOTONIC time in ns, default: the client's start) to the presentation. A
 * later configure with another size is drawn at that size. Without --hold it exits after
 * "presented"; with it, on SIGTERM or SIGINT; both with status 0. --wait-socket retries the
 * connection for that long (weston's socket appears some time after its start). Errors: one line
 * on stderr, status 1 (2 for bad arguments).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 480
#define BORDER 4

/* The client's objects and state. */
struct client {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_presentation *presentation;
	clockid_t clock;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_buffer *buffer;
	void *pixels;
	size_t size;
	int32_t width, height;		/* of the buffer drawn */
	int32_t want_width, want_height;	/* of the last configure */
	bool configured, presented, closed, failed;
	uint64_t since_ns;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Says what failed on stderr; the caller returns 1. */
static void fail(struct client *c, const char *what)
{
	fprintf(stderr, "wl_pattern: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
	if (c)
		c->failed = true;
}

/* CLOCK_MONOTONIC (or @clock) in nanoseconds. */
static uint64_t now_ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

/*
 * The pattern, also computed by tools/weston_check.py: pixel (x, y) of a width x height buffer
 * is 0xff00ff within BORDER pixels of an edge, else by quadrant 0xff0000 (top left), 0x00ff00
 * (top right), 0x0000ff (bottom left), 0xffffff (bottom right); a quadrant's right or bottom
 * half starts at width / 2 or height / 2.
 */
static uint32_t pattern(int32_t x, int32_t y, int32_t width, int32_t height)
{
	bool left = x < width / 2, top = y < height / 2;

	if (x < BORDER || y < BORDER || x >= width - BORDER || y >= height - BORDER)
		return 0xff00ff;
	if (top)
		return left ? 0xff0000 : 0x00ff00;
	return left ? 0x0000ff : 0xffffff;
}

/* Releases the buffer drawn, if any. */
static void buffer_free(struct client *c)
{
	if (c->buffer)
		wl_buffer_destroy(c->buffer);
	if (c->pixels)
		munmap(c->pixels, c->size);
	c->buffer = NULL;
	c->pixels = NULL;
}

/* Draws the pattern at the size last configured into a new wl_shm buffer. Returns 0 or -1. */
static int draw(struct client *c)
{
	int32_t w = c->want_width > 0 ? c->want_width : DEFAULT_WIDTH;
	int32_t h = c->want_height > 0 ? c->want_height : DEFAULT_HEIGHT;
	size_t stride = 4 * (size_t)w;
	struct wl_shm_pool *pool;
	int fd;

	buffer_free(c);
	c->size = stride * h;
	fd = memfd_create("wl_pattern", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, c->size)) {
		fail(c, "memfd");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	c->pixels = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->pixels == MAP_FAILED) {
		c->pixels = NULL;
		fail(c, "mmap");
		close(fd);
		return -1;
	}
	for (int32_t y = 0; y < h; y++)
		for (int32_t x = 0; x < w; x++)
			((uint32_t *)c->pixels)[y * w + x] = pattern(x, y, w, h);
	pool = wl_shm_create_pool(c->shm, fd, c->size);
	c->buffer = wl_shm_pool_create_buffer(pool, 0, w, h, stride, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	c->width = w;
	c->height = h;
	return 0;
}

static void feedback_sync_output(void *data, struct wp_presentation_feedback *f,
				 struct wl_output *output)
{
	(void)data, (void)f, (void)output;
}

/* The first frame is on the screen: prints how long it took since --since. */
static void feedback_presented(void *data, struct wp_presentation_feedback *f, uint32_t sec_hi,
			       uint32_t sec_lo, uint32_t nsec, uint32_t refresh, uint32_t seq_hi,
			       uint32_t seq_lo, uint32_t flags)
{
	struct client *c = data;
	uint64_t at = ((uint64_t)sec_hi << 32 | sec_lo) * 1000000000ull + nsec;

	(void)refresh, (void)seq_hi, (void)seq_lo, (void)flags;
	wp_presentation_feedback_destroy(f);
	/* The presentation clock is CLOCK_MONOTONIC in weston; convert if it is not. */
	if (c->clock != CLOCK_MONOTONIC)
		at = at - now_ns(c->clock) + now_ns(CLOCK_MONOTONIC);
	printf("presented %.1f\n", ((double)at - (double)c->since_ns) / 1e6);
	fflush(stdout);
	c->presented = true;
}

static void request_feedback(struct client *c);

/* The frame was not shown (replaced or hidden): ask again for the next commit. */
static void feedback_discarded(void *data, struct wp_presentation_feedback *f)
{
	struct client *c = data;

	wp_presentation_feedback_destroy(f);
	request_feedback(c);
	wl_surface_attach(c->surface, c->buffer, 0, 0);
	wl_surface_damage_buffer(c->surface, 0, 0, c->width, c->height);
	wl_surface_commit(c->surface);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = feedback_sync_output,
	.presented = feedback_presented,
	.discarded = feedback_discarded,
};

/* Asks for the presentation feedback of the next commit. */
static void request_feedback(struct client *c)
{
	struct wp_presentation_feedback *f = wp_presentation_feedback(c->presentation, c->surface);

	wp_presentation_feedback_add_listener(f, &feedback_listener, c);
}

/* Acknowledges a configure and shows the pattern at its size (drawn again if it changed). */
static void xdg_surface_configure(void *data, struct xdg_surface *s, uint32_t serial)
{
	struct client *c = data;
	int32_t w = c->want_width > 0 ? c->want_width : DEFAULT_WIDTH;
	int32_t h = c->want_height > 0 ? c->want_height : DEFAULT_HEIGHT;
	bool first = !c->configured;

	xdg_surface_ack_configure(s, serial);
	if (c->buffer && w == c->width && h == c->height)
		return;
	if (draw(c))
		return;
	if (first)
		request_feedback(c);
	wl_surface_attach(c->surface, c->buffer, 0, 0);
	wl_surface_damage_buffer(c->surface, 0, 0, c->width, c->height);
	wl_surface_commit(c->surface);
	c->configured = true;
	printf("configured %dx%d\n", c->width, c->height);
	fflush(stdout);
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *t, int32_t width, int32_t height,
			       struct wl_array *states)
{
	struct client *c = data;

	(void)t, (void)states;
	c->want_width = width;
	c->want_height = height;
}

static void toplevel_close(void *data, struct xdg_toplevel *t)
{
	(void)t;
	((struct client *)data)->closed = true;
}

static void toplevel_configure_bounds(void *data, struct xdg_toplevel *t, int32_t w, int32_t h)
{
	(void)data, (void)t, (void)w, (void)h;
}

static void toplevel_wm_capabilities(void *data, struct xdg_toplevel *t, struct wl_array *caps)
{
	(void)data, (void)t, (void)caps;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
	.configure_bounds = toplevel_configure_bounds,
	.wm_capabilities = toplevel_wm_capabilities,
};

static void wm_base_ping(void *data, struct xdg_wm_base *b, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(b, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void presentation_clock_id(void *data, struct wp_presentation *p, uint32_t clock)
{
	(void)p;
	((struct client *)data)->clock = clock;
}

static const struct wp_presentation_listener presentation_listener = {
	.clock_id = presentation_clock_id,
};

/* Binds the globals it needs, at versions it knows. */
static void registry_global(void *data, struct wl_registry *r, uint32_t name,
			    const char *interface, uint32_t version)
{
	struct client *c = data;

	if (!strcmp(interface, wl_compositor_interface.name)) {
		c->compositor = wl_registry_bind(r, name, &wl_compositor_interface, 4);
	} else if (!strcmp(interface, wl_shm_interface.name)) {
		c->shm = wl_registry_bind(r, name, &wl_shm_interface, 1);
	} else if (!strcmp(interface, xdg_wm_base_interface.name)) {
		c->wm_base = wl_registry_bind(r, name, &xdg_wm_base_interface,
					      version < 4 ? version : 4);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	} else if (!strcmp(interface, wp_presentation_interface.name)) {
		c->presentation = wl_registry_bind(r, name, &wp_presentation_interface, 1);
		wp_presentation_add_listener(c->presentation, &presentation_listener, c);
	}
}

static void registry_global_remove(void *data, struct wl_registry *r, uint32_t name)
{
	(void)data, (void)r, (void)name;
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* Connects, retrying every 50 ms for up to @wait_s seconds. */
static struct wl_display *connect_display(double wait_s)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + (uint64_t)(wait_s * 1e9);
	struct wl_display *d;

	while (!(d = wl_display_connect(NULL)) && now_ns(CLOCK_MONOTONIC) < end && !stop)
		usleep(50000);
	return d;
}

/*
 * Dispatches events until @done is set, a signal, an error, or the compositor closes the window;
 * waits in poll() (no busy loop). Returns 0 once @done, -1 otherwise.
 */
static int dispatch_until(struct client *c, const bool *done)
{
	struct pollfd pfd = { .fd = wl_display_get_fd(c->display), .events = POLLIN };

	while (!*done && !c->failed && !c->closed && !stop) {
		while (wl_display_prepare_read(c->display))
			if (wl_display_dispatch_pending(c->display) < 0)
				return -1;
		if (wl_display_flush(c->display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(c->display);
			return -1;
		}
		if (poll(&pfd, 1, 1000) < 0) {
			wl_display_cancel_read(c->display);
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd.revents & POLLIN) {
			if (wl_display_read_events(c->display) < 0)
				return -1;
		} else {
			wl_display_cancel_read(c->display);
		}
		if (wl_display_dispatch_pending(c->display) < 0)
			return -1;
	}
	return *done ? 0 : -1;
}

/* Destroys every object and disconnects. */
static void client_free(struct client *c)
{
	buffer_free(c);
	if (c->toplevel)
		xdg_toplevel_destroy(c->toplevel);
	if (c->xdg_surface)
		xdg_surface_destroy(c->xdg_surface);
	if (c->surface)
		wl_surface_destroy(c->surface);
	if (c->presentation)
		wp_presentation_destroy(c->presentation);
	if (c->wm_base)
		xdg_wm_base_destroy(c->wm_base);
	if (c->shm)
		wl_shm_destroy(c->shm);
	if (c->compositor)
		wl_compositor_destroy(c->compositor);
	if (c->registry)
		wl_registry_destroy(c->registry);
	if (c->display) {
		wl_display_flush(c->display);
		wl_display_disconnect(c->display);
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: wl_pattern [--wait-socket SECONDS] [--since NS] [--fullscreen] "
		"[--hold]\n       wl_pattern --now\n       wl_pattern --print-pattern W H X Y\n");
	return 2;
}

/* Parses a non-negative integer argument; -1 if it is not one. */
static long long number(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end || !*s || v < 0 ? -1 : v;
}

int main(int argc, char **argv)
{
	struct client c = { .clock = CLOCK_MONOTONIC, .since_ns = now_ns(CLOCK_MONOTONIC) };
	bool fullscreen = false, hold = false, never = false;
	double wait_s = 0;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--now") && argc == 2) {
			printf("%llu\n", (unsigned long long)now_ns(CLOCK_MONOTONIC));
			return 0;
		} else if (!strcmp(argv[i], "--print-pattern") && argc == 6) {
			long long v[4];

			for (int j = 0; j < 4; j++)
				if ((v[j] = number(argv[i + 1 + j])) < 0 || v[j] > 65535)
					return usage();
			if (v[2] >= v[0] || v[3] >= v[1])
				return usage();
			printf("0x%06x\n", pattern(v[2], v[3], v[0], v[1]));
			return 0;
		} else if (!strcmp(argv[i], "--wait-socket") && i + 1 < argc) {
			long long v = number(argv[++i]);

			if (v < 0)
				return usage();
			wait_s = v;
		} else if (!strcmp(argv[i], "--since") && i + 1 < argc) {
			long long v = number(argv[++i]);

			if (v < 0)
				return usage();
			c.since_ns = v;
		} else if (!strcmp(argv[i], "--fullscreen")) {
			fullscreen = true;
		} else if (!strcmp(argv[i], "--hold")) {
			hold = true;
		} else {
			return usage();
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	errno = 0;
	c.display = connect_display(wait_s);
	if (!c.display) {
		fail(NULL, "cannot connect to the Wayland display (WAYLAND_DISPLAY, XDG_RUNTIME_DIR)");
		return 1;
	}
	c.registry = wl_display_get_registry(c.display);
	wl_registry_add_listener(c.registry, &registry_listener, &c);
	if (wl_display_roundtrip(c.display) < 0 || wl_display_roundtrip(c.display) < 0) {
		fail(&c, "registry roundtrip");
		goto out;
	}
	errno = 0;
	if (!c.compositor || !c.shm || !c.wm_base || !c.presentation) {
		fail(&c, "the compositor lacks wl_compositor, wl_shm, xdg_wm_base or wp_presentation");
		goto out;
	}
	c.surface = wl_compositor_create_surface(c.compositor);
	c.xdg_surface = xdg_wm_base_get_xdg_surface(c.wm_base, c.surface);
	xdg_surface_add_listener(c.xdg_surface, &xdg_surface_listener, &c);
	c.toplevel = xdg_surface_get_toplevel(c.xdg_surface);
	xdg_toplevel_add_listener(c.toplevel, &toplevel_listener, &c);
	xdg_toplevel_set_title(c.toplevel, "wl_pattern");
	if (fullscreen)
		xdg_toplevel_set_fullscreen(c.toplevel, NULL);
	else
		xdg_toplevel_set_maximized(c.toplevel);
	/* The first commit, without a buffer, asks for the first configure. */
	wl_surface_commit(c.surface);

	if (dispatch_until(&c, &c.presented)) {
		if (!stop)
			fail(&c, c.closed ? "the compositor closed the window" :
					    "the connection failed before the first frame was presented");
		goto out;
	}
	/* Until a signal; a failure of the connection then is the compositor's going away. */
	if (hold && dispatch_until(&c, &never) && !stop) {
		fail(&c, c.closed ? "the compositor closed the window" : "the connection failed");
		goto out;
	}
	rc = c.failed ? 1 : 0;
out:
	client_free(&c);
	return rc;
}
