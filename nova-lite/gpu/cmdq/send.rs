// SPDX-License-Identifier: GPL-2.0

//! Sent commands: the submitter takes a slot and sleeps until the device answers (display
//! information, EDIDs, the restore after a reset).

use kernel::{
    prelude::*,
    sync::{
        atomic::Relaxed,
        CondVarTimeoutResult, //
    },
    time::{
        msecs_to_jiffies,
        Instant,
        Monotonic, //
    },
};

use super::{
    CmdBuffers,
    ControlQueue,
    Guard,
    Queue,
    Signals,
    Slot,
    COMMAND_TIMEOUT, //
};
use crate::gpu::protocol::{
    self,
    Command,
    CtrlHdr,
    MemEntry,
    ResponseError, //
};

impl ControlQueue {
    /// Sends `cmd` on `queue` and waits for its answer.
    ///
    /// Must be called from process context that may sleep. Errors: `ENODEV` once the core is
    /// being unbound; `ETIMEDOUT` if no slot became free within [`COMMAND_TIMEOUT`], or no answer
    /// came within as long; `ERESTARTSYS` if a signal interrupted the wait; `EIO` if the device
    /// is broken or answered with `ERR_UNSPEC` or an unknown error; the errno of
    /// [`protocol::DeviceError::to_errno`] for an error response; `EPROTO` for a malformed
    /// response; `ENOMEM`.
    pub(crate) fn send<C: Command>(&self, queue: &Queue, cmd: &C) -> Result<C::Output> {
        self.send_inner(queue, cmd, KVec::new(), Signals::Interrupt, false)
    }

    /// Sends `cmd` for the core's restore of the device after a reset: like
    /// [`Self::send_with_payload`], but while the device is being reset, when other commands
    /// wait.
    pub(crate) fn send_restoring<C: Command>(
        &self,
        queue: &Queue,
        cmd: &C,
        payload: KVec<MemEntry>,
    ) -> Result<C::Output> {
        self.send_inner(queue, cmd, payload, Signals::Ignore, true)
    }

    fn send_inner<C: Command>(
        &self,
        queue: &Queue,
        cmd: &C,
        payload: KVec<MemEntry>,
        signals: Signals,
        restoring: bool,
    ) -> Result<C::Output> {
        let mut buffers = Some(CmdBuffers::new(
            &cmd.request(),
            size_of::<C::Response>(),
            payload,
            GFP_KERNEL,
        )?);
        let start = Instant::<Monotonic>::now();
        let mut q = queue.lock();

        let slot = loop {
            // After the posted commands of the backlog, but for the restore, which comes first.
            if q.check(restoring)? && (restoring || q.backlog.is_empty()) {
                if let (Some(slot), Some(mut b)) = (q.free_slot(), buffers.take()) {
                    b.slot = slot;
                    match self.offer(&mut q, b) {
                        Ok(_) => break slot,
                        // No room in the ring, or (during a reset) no ring: wait, as for a
                        // slot.
                        Err((e, b)) if e == ENOSPC || e == ENODEV => buffers = Some(b),
                        Err((e, _)) => return Err(e),
                    }
                }
            }
            // Looked once more after the deadline: give up. The device is not blamed.
            if start.elapsed() >= COMMAND_TIMEOUT {
                return Err(ETIMEDOUT);
            }
            self.wait(&mut q, start, None, signals)?;
        };
        q.slots[slot] = Slot::Waiting;
        q.posted[slot] = Instant::<Monotonic>::now();
        q.kick();

        let (buffers, written) = loop {
            match core::mem::replace(&mut q.slots[slot], Slot::Free) {
                Slot::Done { buffers, written } => break (buffers, written),
                Slot::Lost => {
                    self.slot_freed(&mut q);
                    return Err(EIO);
                }
                other => q.slots[slot] = other,
            }
            if let Err(e) = q.check(restoring) {
                q.slots[slot] = Slot::Abandoned;
                return Err(e);
            }
            let posted = q.posted[slot];
            self.wait(&mut q, posted, Some(slot), signals)?;
        };
        self.slot_freed(&mut q);
        drop(q);
        self.decode(cmd, buffers.response::<C::Response>()?, written)
    }

    /// Turns the answer to `cmd` (its header and body, `written` bytes) into `cmd`'s output, or
    /// into the errno of a device error or `EPROTO`, counting either.
    pub(super) fn decode<C: Command>(
        &self,
        cmd: &C,
        (hdr, resp): (CtrlHdr, C::Response),
        written: u32,
    ) -> Result<C::Output> {
        let written = usize::try_from(written)?;
        match protocol::check_response(&hdr, written, C::OK_TYPE, size_of::<C::Response>()) {
            Ok(()) => cmd.output(&resp).inspect_err(|_| {
                self.stats.malformed.fetch_add(1, Relaxed);
            }),
            Err(ResponseError::Device(err)) => {
                self.stats.errors[err as usize].fetch_add(1, Relaxed);
                dev_dbg!(self.dev, "{} answered {:?}\n", C::NAME, err);
                Err(err.to_errno())
            }
            Err(ResponseError::Malformed) => {
                self.stats.malformed.fetch_add(1, Relaxed);
                dev_dbg!(
                    self.dev,
                    "{} answered type {:#x}, {} bytes\n",
                    C::NAME,
                    hdr.ty(),
                    written
                );
                Err(EPROTO)
            }
        }
    }

    /// Sleeps until the queue changes, at most until `start` + [`COMMAND_TIMEOUT`].
    ///
    /// Without `waiting`, the caller waits for a free slot: a timeout returns `Ok`, and the caller
    /// looks for a slot once more, then gives up with `ETIMEDOUT`. With `waiting` (the caller's
    /// slot, offered at `start`), the device did not answer in time: the slot is abandoned,
    /// `ETIMEDOUT`; the device stays in use. On a signal, unless `signals` says to ignore them,
    /// `waiting` is abandoned: `ERESTARTSYS`.
    fn wait(
        &self,
        q: &mut Guard<'_>,
        start: Instant<Monotonic>,
        waiting: Option<usize>,
        signals: Signals,
    ) -> Result {
        let left = COMMAND_TIMEOUT - start.elapsed();
        let timed_out = if left.as_millis() <= 0 {
            true
        } else {
            let ms = u32::try_from(left.as_millis_ceil()).unwrap_or(u32::MAX);
            let jiffies = msecs_to_jiffies(ms);
            let result = self.sleep(q, jiffies, signals);
            match result {
                CondVarTimeoutResult::Timeout => true,
                CondVarTimeoutResult::Woken { .. } => false,
                CondVarTimeoutResult::Signal { .. } => {
                    if let Some(slot) = waiting {
                        if let Slot::Waiting = q.slots[slot] {
                            q.slots[slot] = Slot::Abandoned;
                        } else {
                            // Done (or lost) while we were woken by the signal: the answer is
                            // dropped, and the slot is free for a submitter that waits for one.
                            q.slots[slot] = Slot::Free;
                            self.slot_freed(q);
                        }
                    }
                    return Err(ERESTARTSYS);
                }
            }
        };
        if !timed_out {
            return Ok(());
        }
        let Some(slot) = waiting else {
            // The caller looks for a free slot once more before giving up.
            return Ok(());
        };
        if let Slot::Done { .. } | Slot::Lost = q.slots[slot] {
            // The answer came just in time (or the device was reset).
            return Ok(());
        }
        q.slots[slot] = Slot::Abandoned;
        self.stats.timeouts.fetch_add(1, Relaxed);
        Err(ETIMEDOUT)
    }

    /// A slot became free: sends a pending display refresh, and wakes a submitter waiting for a
    /// slot.
    fn slot_freed(&self, q: &mut Guard<'_>) {
        if q.refresh_pending && self.post_refresh(q) {
            q.kick();
        }
        self.changed.notify_all();
    }
}
