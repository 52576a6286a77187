// SPDX-License-Identifier: GPL-2.0

//! Display information: the copy the control queue keeps, and its refresh without waiting when
//! the device reports a display change.

use kernel::{
    prelude::*,
    time::{
        Instant,
        Monotonic, //
    },
};

use super::{
    CmdBuffers,
    ControlQueue,
    Guard,
    Queue,
    Slot, //
};
use crate::gpu::protocol::{
    self,
    Command,
    DisplayInfo, //
};

impl ControlQueue {
    /// Asks the device for its display information without waiting for the answer, which the
    /// completion handler stores; called on `VIRTIO_GPU_EVENT_DISPLAY`. Without a free slot, the
    /// refresh is sent when one frees.
    pub(crate) fn refresh_display_info(&self, queue: &Queue) {
        let mut q = queue.lock();
        q.refresh_pending = true;
        if self.post_refresh(&mut q) {
            q.unlock_and_kick();
        }
    }

    /// Offers a pending display refresh, if a slot is free and the queue is live. Called with the
    /// queue locked, from submitters and from the completion path. Returns whether it offered
    /// the command: the caller kicks the queue then.
    #[must_use]
    pub(super) fn post_refresh(&self, q: &mut Guard<'_>) -> bool {
        if q.check(false) != Ok(true) {
            return false;
        }
        let Some(slot) = q.free_slot() else {
            return false;
        };
        let request = protocol::GetDisplayInfo.request();
        let Ok(mut buffers) = CmdBuffers::new(
            &request,
            size_of::<<protocol::GetDisplayInfo as Command>::Response>(),
            KVec::new(),
            GFP_ATOMIC,
        ) else {
            return false;
        };
        buffers.slot = slot;
        if self.offer(q, buffers).is_err() {
            return false;
        }
        q.slots[slot] = Slot::DisplayRefresh;
        q.posted[slot] = Instant::<Monotonic>::now();
        q.refresh_pending = false;
        true
    }

    /// Stores the display information of a completed refresh and logs what changed.
    pub(super) fn refreshed(&self, q: &mut Guard<'_>, buffers: &CmdBuffers, written: u32) {
        let Ok(answer) = buffers.response() else {
            return;
        };
        let Ok(info) = self.decode(&protocol::GetDisplayInfo, answer, written) else {
            return;
        };
        if info != q.display {
            for (i, s) in info.scanouts.iter().enumerate() {
                if *s != q.display.scanouts[i] {
                    dev_info!(
                        self.dev,
                        "scanout {}: {}, {}x{}+{}+{}\n",
                        i,
                        if s.enabled { "enabled" } else { "disabled" },
                        s.width,
                        s.height,
                        s.x,
                        s.y
                    );
                }
            }
            q.display = info;
        }
    }

    /// Sets the display information a display-change event is compared with (read at probe).
    pub(crate) fn set_display_info(&self, queue: &Queue, info: DisplayInfo) {
        queue.lock().display = info;
    }
}
