// SPDX-License-Identifier: GPL-2.0

//! Resets of the device, as the control queue sees them: stall detection, quiescing the queue
//! before a reset and letting commands through again after it.

use kernel::sync::atomic::Relaxed;

use super::{
    ControlQueue,
    Queue,
    Slot,
    State,
    STALL_TIMEOUT, //
};

impl ControlQueue {
    /// Whether the device newly stalled: it has held a command for [`STALL_TIMEOUT`] (it may
    /// have returned others meanwhile: one command never answered holds back every fence after
    /// it). True once per stall, until the device is reset ([`Self::resume`]).
    pub(crate) fn stalled(&self, queue: &Queue) -> bool {
        let mut q = queue.lock();
        let held_too_long = q
            .outstanding
            .first()
            .is_some_and(|&(_, offered)| offered.elapsed() >= STALL_TIMEOUT);
        let stalled = q.state == State::Live && !q.reset_requested && held_too_long;
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
        for slot in q.slots.iter_mut() {
            match slot {
                Slot::Waiting => *slot = Slot::Lost,
                Slot::Abandoned | Slot::DisplayRefresh => *slot = Slot::Free,
                _ => {}
            }
        }
        // The reset drops every command the device holds; the restore re-creates what the posted
        // ones made (resources, their contents). What they keep is freed once the device is
        // reset (`Self::resume`, `Self::stopped`).
        q.outstanding.clear();
        // The display may have changed meanwhile; a refresh in flight is dropped with the rest.
        q.refresh_pending = true;
        // The restore's answers must come back.
        self.stats.lose_completions.store(0, Relaxed);
        drop(q);
        self.changed.notify_all();
    }

    /// The device is back after a reset, restored: commands are sent again, the backlog first.
    pub(crate) fn resume(&self, queue: &Queue) {
        let mut q = queue.lock();
        if q.state == State::Resetting {
            q.state = State::Live;
        }
        q.reset_requested = false;
        self.stats.resets.fetch_add(1, Relaxed);
        self.stats.size.store(q.size(), Relaxed);
        self.stats.free_descriptors.store(q.num_free(), Relaxed);
        let mut offered = q.refresh_pending && self.post_refresh(&mut q);
        // The device holds nothing from before the reset: what completed commands kept may go,
        // and the posted commands that waited for the device are sent.
        let retired = self.retire_all(&mut q);
        offered |= self.send_backlog(&mut q);
        if offered {
            q.unlock_and_kick();
        } else {
            drop(q);
        }
        self.changed.notify_all();
        drop(retired);
    }
}
