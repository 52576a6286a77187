// SPDX-License-Identifier: GPL-2.0

//! The completion path: the handler the queue set calls (from a work item) when the device
//! returns commands, which hands each to its slot or checks the answer of a posted one, frees
//! what posted commands kept once they retire, and wakes the submitters and the waiters.

use kernel::{
    prelude::*,
    sync::atomic::Relaxed,
    virtio::virtqueue::Handler, //
};

use super::{
    CmdBuffers,
    ControlQueue,
    Guard,
    List,
    Posted,
    Queue,
    QueueState,
    Slot,
    CONTROL_QUEUE, //
};
use crate::gpu::protocol::{
    self,
    CtrlHdr,
    ResponseError, //
};

impl ControlQueue {
    /// Hands a command the device returned to its slot, or checks the answer of a posted one,
    /// which goes to `done` (dropped once it may retire: see [`Self::retire`]).
    fn complete(
        &self,
        q: &mut Guard<'_>,
        buffers: Pin<KBox<CmdBuffers>>,
        written: u32,
        done: &mut List,
    ) {
        let lose = self.stats.lose_completions.load(Relaxed);
        if lose > 0 {
            // The fault knob: as if the device never returned the command. Its sequence number
            // stays outstanding and its slot offered until a reset; what it keeps is freed then.
            self.stats.lose_completions.store(lose - 1, Relaxed);
            if let Some(posted) = buffers.posted.as_ref() {
                if posted.keep.is_some() {
                    q.retiring.push(buffers);
                    return;
                }
            }
            done.push(buffers);
            return;
        }
        self.stats.completed.fetch_add(1, Relaxed);
        q.forget(buffers.seq);
        if let Some(posted) = buffers.posted.as_ref() {
            self.check_posted(q, posted, &buffers, written);
            if let Some(slot) = posted.reserve {
                self.panic_returned(q, slot, buffers, done);
                return;
            }
            done.push(buffers);
            return;
        }
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

    /// Checks the answer of a posted command: an error is counted, recorded on its fence if it
    /// has one (otherwise it goes no further), and logged if the command asks for it
    /// ([`Posted::log_refusal`]). Never a `WARN`: the device's answer is not a driver bug.
    fn check_posted(&self, q: &mut Guard<'_>, posted: &Posted, buffers: &CmdBuffers, written: u32) {
        let hdr = match buffers.response::<CtrlHdr>() {
            Ok((hdr, _)) => hdr,
            Err(_) => return,
        };
        let written = usize::try_from(written).unwrap_or(0);
        let err =
            match protocol::check_response(&hdr, written, posted.ok_type, size_of::<CtrlHdr>()) {
                Ok(()) => return,
                Err(ResponseError::Device(err)) => {
                    self.stats.errors[err as usize].fetch_add(1, Relaxed);
                    dev_dbg!(self.dev, "{} answered {:?}\n", posted.name, err);
                    err.to_errno()
                }
                Err(ResponseError::Malformed) => {
                    self.stats.malformed.fetch_add(1, Relaxed);
                    dev_dbg!(self.dev, "{} answered type {:#x}\n", posted.name, hdr.ty());
                    EPROTO
                }
            };
        if posted.log_refusal {
            self.log_refusal(q, posted.name, err);
        }
        if let Some(fence) = &posted.fence {
            fence.record(err);
        }
    }

    /// Logs that the device answered the command `name` with `err`: the queue's first such
    /// answer as a warning, later ones at debug level (they are counted in debugfs `ctrlq`).
    fn log_refusal(&self, q: &mut Guard<'_>, name: &str, err: Error) {
        if core::mem::replace(&mut q.refusal_logged, true) {
            dev_dbg!(self.dev, "the GPU refused {}: {:?}\n", name, err);
            return;
        }
        dev_warn!(
            self.dev,
            "the GPU refused {}: {:?} (later refusals are logged at debug level)\n",
            name,
            err
        );
    }

    /// The sizes of `queue`, for the statistics, and room for the sequence numbers of as many
    /// commands as it holds. Called once the queues exist, at probe (a reset keeps their size).
    pub(crate) fn record_size(&self, queue: &Queue) -> Result {
        let size = queue.lock().size();
        let room = KVec::with_capacity(usize::try_from(size)?, GFP_KERNEL)?;
        let mut q = queue.lock();
        if q.outstanding.capacity() < room.capacity() {
            let mut room = room;
            room.extend_from_slice(&q.outstanding, GFP_ATOMIC)?;
            q.outstanding = room;
        }
        self.stats.size.store(q.size(), Relaxed);
        self.stats.free_descriptors.store(q.num_free(), Relaxed);
        Ok(())
    }
}

impl Handler for ControlQueue {
    type Request = CmdBuffers;
    type State = QueueState;

    /// Runs in the queue set's work item (process context): what the completed commands keep
    /// is dropped there, without the queue's lock.
    fn done(&self, index: usize, queue: &Queue) {
        self.stats.callbacks.fetch_add(1, Relaxed);
        let mut done = List::default();
        let mut q = queue.lock();
        loop {
            q.disable_cb();
            while let Some((buffers, written)) = q.get_buf() {
                if index == CONTROL_QUEUE {
                    self.complete(&mut q, buffers, written, &mut done);
                } else {
                    done.push(buffers);
                }
            }
            if q.enable_cb() {
                break;
            }
        }
        let (retired, offered) = if index == CONTROL_QUEUE {
            let retired = self.retire(&mut q, done);
            let mut offered = self.send_backlog(&mut q);
            if q.refresh_pending {
                offered |= self.post_refresh(&mut q);
            }
            self.stats.free_descriptors.store(q.num_free(), Relaxed);
            (retired, offered)
        } else {
            (done, false)
        };
        if offered {
            q.unlock_and_kick();
        } else {
            drop(q);
        }
        self.changed.notify_all();
        drop(retired);
    }
}
