// SPDX-License-Identifier: GPL-2.0

//! The cursor queue: `UPDATE_CURSOR` and `MOVE_CURSOR`, which the device executes in the order
//! offered and does not answer.
//!
//! A cursor command is allocated ahead ([`CursorRequest::new`], from the cursor plane's
//! `prepare_fb`) and posted without waiting, allocating or failing
//! ([`ControlQueue::post_cursor`], from its `atomic_update`). The queue has no completion
//! callback: each post first takes back what the device has returned (QEMU executes the cursor
//! queue as soon as it is notified), so a queue of `n` descriptors holds at most `n` commands. A
//! command that finds the ring full (the device has not executed the last `n`: it is stalled,
//! which the control queue's stall detection has it reset for) or the queue deleted (the device
//! is being reset, or the core unbound) is dropped and counted (debugfs `ctrlq`:
//! `cursor_dropped`), and the post says so: the DRM driver then no longer knows what the host
//! shows, and its next update hides the cursor or sends the image again. The device is reset
//! before the queue is deleted, which drops what it still holds.

use kernel::{
    prelude::*,
    sync::atomic::Relaxed, //
};

use super::{
    CmdBuffers,
    ControlQueue,
    List,
    Queue, //
};
use crate::gpu::protocol::CursorCommand;

/// A cursor command's buffers, allocated ahead of its post.
pub(crate) struct CursorRequest(Pin<KBox<CmdBuffers>>);

impl CursorRequest {
    /// Allocates a cursor command. Errors: `ENOMEM`.
    pub(crate) fn new() -> Result<Self> {
        let placeholder = CursorCommand::Move {
            scanout: 0,
            x: 0,
            y: 0,
            resource_id: 0,
        };
        Ok(Self(CmdBuffers::new(
            &placeholder.request(),
            0,
            KVec::new(),
            GFP_KERNEL,
        )?))
    }
}

impl ControlQueue {
    /// Posts `cmd` on the cursor queue `queue`, in `req`'s buffers, and notifies the device
    /// (after unlocking the queue). Takes back the commands the device has returned first, and
    /// drops them without the lock. Never waits nor allocates: a command that cannot be offered
    /// is dropped and counted (see the [module documentation](self)). Returns whether it was
    /// offered. Does not sleep.
    pub(crate) fn post_cursor(
        &self,
        queue: &Queue,
        mut req: CursorRequest,
        cmd: &CursorCommand,
    ) -> bool {
        if req.0.set_request(&cmd.request(), 0).is_err() {
            self.stats.cursor_dropped.fetch_add(1, Relaxed);
            return false;
        }
        let mut returned = List::default();
        let mut q = queue.lock();
        while let Some((b, _)) = q.get_buf() {
            returned.push(b);
        }
        // Fails once the queue is deleted (a reset or the unbind of the core) or while the
        // ring is full.
        let offered = match q.add(req.0) {
            Ok(()) => true,
            Err((_, b)) => {
                returned.push(b);
                false
            }
        };
        if offered {
            self.stats.cursor_posted.fetch_add(1, Relaxed);
            q.unlock_and_kick();
        } else {
            self.stats.cursor_dropped.fetch_add(1, Relaxed);
            drop(q);
        }
        drop(returned);
        offered
    }
}
