// SPDX-License-Identifier: GPL-2.0

//! The counters of the control queue, and of the cursor queue's posts, shown in debugfs
//! (`nova-lite/<virtio device>/ctrlq`).

use kernel::sync::atomic::{
    Atomic,
    Relaxed, //
};

use crate::gpu::protocol::DeviceError;

/// Counters of the control queue. They only grow, except `free_descriptors`.
pub(crate) struct Stats {
    /// Descriptors in the ring.
    pub(crate) size: Atomic<u32>,
    /// Descriptors not in flight.
    pub(crate) free_descriptors: Atomic<u32>,
    /// Commands offered to the device (including display refreshes).
    pub(crate) submitted: Atomic<u64>,
    /// Commands the device returned.
    pub(crate) completed: Atomic<u64>,
    /// Commands answered with an error response, by error.
    pub(crate) errors: [Atomic<u64>; DeviceError::COUNT],
    /// Commands answered with a response of the wrong type or size.
    pub(crate) malformed: Atomic<u64>,
    /// Commands whose answer did not come in time.
    pub(crate) timeouts: Atomic<u64>,
    /// Calls of the completion handler (used-buffer notifications of the device's queues).
    pub(crate) callbacks: Atomic<u64>,
    /// Configuration-change notifications handled.
    pub(crate) config_changes: Atomic<u64>,
    /// `VIRTIO_GPU_EVENT_DISPLAY` events handled.
    pub(crate) display_events: Atomic<u64>,
    /// Resets the device went through (recoveries and system sleep).
    pub(crate) resets: Atomic<u64>,
    /// Commands offered on the cursor queue.
    pub(crate) cursor_posted: Atomic<u64>,
    /// Cursor commands dropped: the cursor queue was full or deleted.
    pub(crate) cursor_dropped: Atomic<u64>,
    /// Panic screens posted: a scanout's three panic commands offered ([`super::panic`]).
    pub(crate) panic_posted: Atomic<u64>,
    /// Panic screens not posted: the queue's lock was held, the device was being reset, or its
    /// panic commands or room in the ring were missing.
    pub(crate) panic_skipped: Atomic<u64>,
    /// The fault knob (debugfs `lose_completions`): the completion handler drops this many
    /// returned commands as if the device had not returned them. A reset clears it.
    pub(crate) lose_completions: Atomic<u32>,
}

impl Stats {
    pub(crate) fn new() -> Self {
        Self {
            size: Atomic::new(0),
            free_descriptors: Atomic::new(0),
            submitted: Atomic::new(0),
            completed: Atomic::new(0),
            errors: [const { Atomic::new(0) }; DeviceError::COUNT],
            malformed: Atomic::new(0),
            timeouts: Atomic::new(0),
            callbacks: Atomic::new(0),
            config_changes: Atomic::new(0),
            display_events: Atomic::new(0),
            resets: Atomic::new(0),
            cursor_posted: Atomic::new(0),
            cursor_dropped: Atomic::new(0),
            panic_posted: Atomic::new(0),
            panic_skipped: Atomic::new(0),
            lose_completions: Atomic::new(0),
        }
    }

    /// Writes the counters, one `name: value` line each (the debugfs file's format).
    pub(crate) fn show(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        writeln!(f, "size: {}", self.size.load(Relaxed))?;
        writeln!(
            f,
            "free_descriptors: {}",
            self.free_descriptors.load(Relaxed)
        )?;
        writeln!(f, "submitted: {}", self.submitted.load(Relaxed))?;
        writeln!(f, "completed: {}", self.completed.load(Relaxed))?;
        for err in DeviceError::ALL {
            writeln!(
                f,
                "{}: {}",
                err.name(),
                self.errors[err as usize].load(Relaxed)
            )?;
        }
        writeln!(f, "malformed: {}", self.malformed.load(Relaxed))?;
        writeln!(f, "timeouts: {}", self.timeouts.load(Relaxed))?;
        writeln!(f, "callbacks: {}", self.callbacks.load(Relaxed))?;
        writeln!(f, "config_changes: {}", self.config_changes.load(Relaxed))?;
        writeln!(f, "display_events: {}", self.display_events.load(Relaxed))?;
        writeln!(f, "resets: {}", self.resets.load(Relaxed))?;
        writeln!(f, "cursor_posted: {}", self.cursor_posted.load(Relaxed))?;
        writeln!(f, "cursor_dropped: {}", self.cursor_dropped.load(Relaxed))?;
        writeln!(f, "panic_posted: {}", self.panic_posted.load(Relaxed))?;
        writeln!(f, "panic_skipped: {}", self.panic_skipped.load(Relaxed))
    }
}
