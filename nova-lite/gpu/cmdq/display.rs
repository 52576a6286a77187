// SPDX-License-Identifier: GPL-2.0

//! Display information: the copy the control queue keeps, its refresh without waiting after a
//! reset of the device, and what the core stores when it has read it again after a display
//! change ([`crate::gpu::display`]).

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
    /// Offers a pending display refresh (one is due after a reset: [`Self::quiesce`]), if a slot
    /// is free and the queue is live, without waiting for the answer, which the completion
    /// handler stores. Called with the queue locked, from submitters, from the completion path and
    /// at the end of a reset. Returns whether it offered the command: the caller kicks the queue
    /// then.
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
        self.store_display_info(q, info);
    }

    /// Stores `info`, read from the device after a display change, and logs what changed.
    pub(crate) fn update_display_info(&self, queue: &Queue, info: DisplayInfo) {
        self.store_display_info(&mut queue.lock(), info);
    }

    /// Stores `info` and logs what changed.
    fn store_display_info(&self, q: &mut Guard<'_>, info: DisplayInfo) {
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

    /// The display information last read from the device, without asking it.
    pub(crate) fn display_info(&self, queue: &Queue) -> DisplayInfo {
        queue.lock().display
    }
}
