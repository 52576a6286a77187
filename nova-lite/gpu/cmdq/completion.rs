// SPDX-License-Identifier: GPL-2.0

//! The completion path: the handler the virtio core calls (in interrupt context) when the device
//! returns commands, which hands each to its slot and wakes the submitters.

use kernel::{
    prelude::*,
    sync::atomic::Relaxed,
    time::{
        Instant,
        Monotonic, //
    },
    virtio::virtqueue::Handler,
};

use super::{
    CmdBuffers,
    ControlQueue,
    Guard,
    Queue,
    QueueState,
    Slot,
    CONTROL_QUEUE, //
};

impl ControlQueue {
    /// Hands a command the device returned to its slot.
    fn complete(&self, q: &mut Guard<'_>, buffers: Pin<KBox<CmdBuffers>>, written: u32) {
        let lose = self.stats.lose_completions.load(Relaxed);
        if lose > 0 {
            // The fault knob: as if the device never returned the command. Its buffers are
            // freed (the device has given them back); its slot stays offered until a reset.
            self.stats.lose_completions.store(lose - 1, Relaxed);
            return;
        }
        self.stats.completed.fetch_add(1, Relaxed);
        q.last_progress = Instant::<Monotonic>::now();
        let index = buffers.slot;
        let Some(slot) = q.slots.get(index) else {
            return;
        };
        match slot {
            Slot::Waiting => q.slots[index] = Slot::Done { buffers, written },
            Slot::DisplayRefresh => {
                q.slots[index] = Slot::Free;
                self.refreshed(q, &buffers, written);
            }
            Slot::Abandoned => q.slots[index] = Slot::Free,
            // A command from before a reset (the device should not return it): nobody waits
            // for it in this slot.
            _ => {}
        }
    }

    /// The sizes of `queue`, for the statistics.
    pub(crate) fn record_size(&self, queue: &Queue) {
        let q = queue.lock();
        self.stats.size.store(q.size(), Relaxed);
        self.stats.free_descriptors.store(q.num_free(), Relaxed);
    }
}

impl Handler for ControlQueue {
    type Request = CmdBuffers;
    type State = QueueState;

    fn done(&self, index: usize, queue: &Queue) {
        self.stats.callbacks.fetch_add(1, Relaxed);
        let mut q = queue.lock();
        loop {
            q.disable_cb();
            while let Some((buffers, written)) = q.get_buf() {
                if index == CONTROL_QUEUE {
                    self.complete(&mut q, buffers, written);
                }
            }
            if q.enable_cb() {
                break;
            }
        }
        if index == CONTROL_QUEUE {
            self.stats.free_descriptors.store(q.num_free(), Relaxed);
            if q.refresh_pending {
                self.post_refresh(&mut q);
            }
        }
        drop(q);
        self.changed.notify_all();
    }
}
