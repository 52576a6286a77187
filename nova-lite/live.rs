// SPDX-License-Identifier: GPL-2.0

//! What the module holds now, across all its devices: live GEM objects, host resources and the
//! pages that back them. Shown in debugfs as `nova-lite/live`, one `name: value` line each, so
//! that a test can check that each returns to where it was once a client is gone (a leaked object
//! reference, a missing `RESOURCE_UNREF`).
//!
//! The counters are module-wide, not per device: an object outlives the device it was made on
//! when the device is unplugged first. Each DRM device lists its own objects, one by one, in
//! `nova-lite/<virtio device>/objects` ([`crate::drm`]'s `objects`), whose totals equal these
//! counts while one device is bound and all objects are its own.

use kernel::sync::atomic::{
    Atomic,
    Relaxed, //
};

/// GEM objects of the driver not yet freed.
static GEM_OBJECTS: Atomic<u64> = Atomic::new(0);
/// Resources the host has created (`RESOURCE_CREATE_2D` answered) and not yet destroyed
/// (`RESOURCE_UNREF` answered, or the device reset).
static HOST_RESOURCES: Atomic<u64> = Atomic::new(0);
/// Pages of GEM objects that back host resources: those each resource's image covers, from its
/// creation until its object is freed (the pages stay pinned and mapped for the device until then).
static RESOURCE_PAGES: Atomic<u64> = Atomic::new(0);

/// One live GEM object: counted from its creation until it is dropped.
///
/// A field of the driver's object data; it has no size, so it does not grow the object.
pub(crate) struct GemObjectCount;

impl GemObjectCount {
    /// Counts one more live object.
    pub(crate) fn new() -> Self {
        GEM_OBJECTS.fetch_add(1, Relaxed);
        Self
    }
}

impl Drop for GemObjectCount {
    fn drop(&mut self) {
        GEM_OBJECTS.fetch_sub(1, Relaxed);
    }
}

/// Counts one more resource on the host.
pub(crate) fn host_resource_created() {
    HOST_RESOURCES.fetch_add(1, Relaxed);
}

/// Counts `n` fewer resources on the host (one destroyed, or all of a reset device's).
pub(crate) fn host_resources_destroyed(n: u64) {
    HOST_RESOURCES.fetch_sub(n, Relaxed);
}

/// Counts `n` more pages backing host resources.
pub(crate) fn resource_pages_added(n: usize) {
    RESOURCE_PAGES.fetch_add(n as u64, Relaxed);
}

/// Counts `n` fewer pages backing host resources.
pub(crate) fn resource_pages_removed(n: usize) {
    RESOURCE_PAGES.fetch_sub(n as u64, Relaxed);
}

/// The data of the debugfs file: the counters are statics.
pub(crate) struct LiveCounts;

impl LiveCounts {
    /// Writes the counters, one `name: value` line each (the debugfs file's format).
    pub(crate) fn show(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        writeln!(f, "gem_objects: {}", GEM_OBJECTS.load(Relaxed))?;
        writeln!(f, "host_resources: {}", HOST_RESOURCES.load(Relaxed))?;
        writeln!(f, "resource_pages: {}", RESOURCE_PAGES.load(Relaxed))
    }
}
