// SPDX-License-Identifier: GPL-2.0

//! Resets of the device, as the control queue sees them: stall detection, quiescing the queue
//! before a reset and letting commands through again after it.

use kernel::{
    prelude::*,
    sync::atomic::Relaxed,
    time::{
        msecs_to_jiffies,
        Delta,
        Instant,
        Monotonic, //
    },
};

use super::{
    ControlQueue,
    Queue,
    Slot,
    State,
    STALL_TIMEOUT, //
};

impl ControlQueue {
    /// Whether the device newly stalled: it holds commands and returned none for
    /// [`STALL_TIMEOUT`]. True once per stall, until the device is reset ([`Self::resume`]).
    pub(crate) fn stalled(&self, queue: &Queue) -> bool {
        let mut q = queue.lock();
        let stalled = q.state == State::Live
            && !q.reset_requested
            && q.busy()
            && q.last_progress.elapsed() >= STALL_TIMEOUT;
        if stalled {
            q.reset_requested = true;
        }
        stalled
    }

    /// The device is about to be reset: commands wait for [`Self::resume`] (but the core's
    /// restore), and those the device holds fail with `EIO` (the reset drops them). Clears the
    /// fault knob, so that the restore's answers come back.
    pub(crate) fn quiesce(&self, queue: &Queue) {
        let mut q = queue.lock();
        if q.state == State::Live {
            q.state = State::Resetting;
        }
        q.epoch += 1;
        for slot in q.slots.iter_mut() {
            match slot {
                Slot::Waiting => *slot = Slot::Lost,
                Slot::Abandoned | Slot::DisplayRefresh => *slot = Slot::Free,
                _ => {}
            }
        }
        // The display may have changed meanwhile; a refresh in flight is dropped with the rest.
        q.refresh_pending = true;
        // The restore's answers must come back.
        self.stats.lose_completions.store(0, Relaxed);
        drop(q);
        self.changed.notify_all();
    }

    /// The device is back after a reset, restored: commands are sent again.
    pub(crate) fn resume(&self, queue: &Queue) {
        let mut q = queue.lock();
        if q.state == State::Resetting {
            q.state = State::Live;
        }
        q.resets += 1;
        q.reset_requested = false;
        q.last_progress = Instant::<Monotonic>::now();
        self.stats.resets.fetch_add(1, Relaxed);
        self.stats.size.store(q.size(), Relaxed);
        self.stats.free_descriptors.store(q.num_free(), Relaxed);
        if q.refresh_pending {
            self.post_refresh(&mut q);
        }
        drop(q);
        self.changed.notify_all();
    }

    /// The number of resets started: it changes when [`Self::quiesce`] runs.
    pub(crate) fn epoch(&self, queue: &Queue) -> u64 {
        queue.lock().epoch
    }

    /// Whether the device is being reset (between [`Self::quiesce`] and [`Self::resume`]).
    pub(crate) fn resetting(&self, queue: &Queue) -> bool {
        queue.lock().state == State::Resetting
    }

    /// The number of resets the device went through.
    pub(crate) fn resets(&self, queue: &Queue) -> u64 {
        queue.lock().resets
    }

    /// Waits until the device went through more than `resets` resets, at most `timeout`;
    /// `ETIMEDOUT` otherwise, `ENODEV` once the core is being unbound. Not interruptible.
    pub(crate) fn wait_for_reset(&self, queue: &Queue, resets: u64, timeout: Delta) -> Result {
        let start = Instant::<Monotonic>::now();
        let mut q = queue.lock();
        while q.resets <= resets {
            if q.state == State::Gone {
                return Err(ENODEV);
            }
            let left = timeout - start.elapsed();
            if left.as_millis() <= 0 {
                return Err(ETIMEDOUT);
            }
            let ms = u32::try_from(left.as_millis_ceil()).unwrap_or(u32::MAX);
            let _ = q.wait_timeout(&self.changed, msecs_to_jiffies(ms));
        }
        Ok(())
    }
}
