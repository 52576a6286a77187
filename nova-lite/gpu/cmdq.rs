// SPDX-License-Identifier: GPL-2.0

//! The control queue: sends virtio-gpu commands ([`protocol::Command`]) on the device's control
//! virtqueue and waits for their answers.
//!
//! # Design
//!
//! A command is a [`CmdBuffers`]: its request, its payload if any (backing entries, read by the
//! device after the request) and room for its response, in one allocation the virtio core maps
//! for the device. The command takes one of [`NUM_SLOTS`] slots, is added to the virtqueue, and
//! its submitter sleeps on a condition variable until the device returns it: the queue's
//! [`Handler`] (the virtio core calls it in interrupt context) takes the command back and hands
//! it to the slot.
//!
//! A slot belongs to the queue, not to its submitter: a submitter that stops waiting (timeout,
//! signal, unbind) leaves its slot "abandoned", and the slot is only reused once the device has
//! given the command back (its buffers are freed then), or when the device is reset, which
//! frees the commands it held (see [`kernel::virtio::virtqueue`]). The device never writes
//! freed memory.
//!
//! # Bounded waits, resets and states
//!
//! A command waits at most [`COMMAND_TIMEOUT`] for a free slot, then at most as long for its
//! answer, and fails with `ETIMEDOUT` otherwise; the device is not blamed for being slow. A
//! device that returns nothing at all for [`STALL_TIMEOUT`] while commands are in flight is
//! stalled ([`ControlQueue::stalled`]): the core has it reset. While the device is reset (for
//! that, or for system sleep), commands wait for it to come back, within their bound; those it
//! held fail with `EIO` ([`ControlQueue::quiesce`]). Once the core is being unbound
//! ([`ControlQueue::shut_down`]), waiters are woken and every command fails with `ENODEV`; the
//! device may still read what it holds until it is reset ([`ControlQueue::wait_stopped`]).
//!
//! # Locking
//!
//! The virtqueue's lock (a spinlock that disables interrupts) protects the slots and the rest of
//! the [`QueueState`]; submitters and the completion handler take it. The statistics are
//! atomics, read without lock by debugfs.

mod buffers;
mod completion;
mod display;
mod reset;
mod stats;

use kernel::{
    device::Device,
    new_condvar,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::Relaxed,
        Arc,
        Completion,
        CondVar,
        CondVarTimeoutResult, //
    },
    time::{
        msecs_to_jiffies,
        Delta,
        Instant,
        Monotonic, //
    },
    virtio::virtqueue::{
        Virtqueue,
        VirtqueueGuard, //
    },
};

use super::protocol::{
    self,
    Command,
    CtrlHdr,
    DisplayInfo,
    MemEntry,
    ResponseError, //
};

use buffers::CmdBuffers;
pub(crate) use stats::Stats;

/// How long a command may wait for a free slot, and then for its answer.
pub(crate) const COMMAND_TIMEOUT: Delta = Delta::from_millis(5000);

/// How long a device may return nothing while commands are in flight before it is reset.
pub(crate) const STALL_TIMEOUT: Delta = Delta::from_millis(20000);

/// The number of commands in flight at most.
const NUM_SLOTS: usize = 32;

/// The index of the control queue among the device's virtqueues.
pub(crate) const CONTROL_QUEUE: usize = 0;

/// What a slot is used for.
enum Slot {
    /// Free.
    Free,
    /// Offered to the device; its submitter waits for it.
    Waiting,
    /// Offered to the device; its submitter gave up waiting. Freed when the device returns it.
    Abandoned,
    /// Offered to the device by [`ControlQueue::refresh_display_info`]; nobody waits for it.
    DisplayRefresh,
    /// Returned by the device, which wrote `written` bytes; its submitter has not looked yet.
    Done {
        buffers: Pin<KBox<CmdBuffers>>,
        written: u32,
    },
    /// Held by the device when it was reset: its submitter gets `EIO`.
    Lost,
}

impl Slot {
    fn is_free(&self) -> bool {
        matches!(self, Self::Free)
    }
}

/// The state of the queue as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum State {
    /// Commands are sent.
    #[default]
    Live,
    /// The device is being reset and brought back: only the core's restore sends commands,
    /// others wait.
    Resetting,
    /// The core is being unbound: commands fail with `ENODEV`.
    Gone,
}

/// The driver's state of the control queue, under the virtqueue's lock.
pub(crate) struct QueueState {
    slots: [Slot; NUM_SLOTS],
    /// When each slot was offered to the device.
    posted: [Instant<Monotonic>; NUM_SLOTS],
    state: State,
    /// The display information last read from the device.
    display: DisplayInfo,
    /// A display refresh was asked for while no slot was free.
    refresh_pending: bool,
    /// When the device last returned a command, or was given one while it held none.
    last_progress: Instant<Monotonic>,
    /// The number of resets the device went through.
    resets: u64,
    /// The number of resets started ([`ControlQueue::quiesce`]).
    epoch: u64,
    /// A reset was asked for because the device stalled, and has not happened yet.
    reset_requested: bool,
}

impl Default for QueueState {
    fn default() -> Self {
        Self {
            slots: [const { Slot::Free }; NUM_SLOTS],
            posted: [Instant::<Monotonic>::now(); NUM_SLOTS],
            state: State::Live,
            display: DisplayInfo::default(),
            refresh_pending: false,
            last_progress: Instant::<Monotonic>::now(),
            resets: 0,
            epoch: 0,
            reset_requested: false,
        }
    }
}

impl QueueState {
    /// Whether a command may be sent now (`Ok(true)`), must wait (`Ok(false)`), or fails.
    /// `restoring`: the command is the core's, restoring the device after a reset.
    fn check(&self, restoring: bool) -> Result<bool> {
        match self.state {
            State::Live => Ok(true),
            State::Resetting => Ok(restoring),
            State::Gone => Err(ENODEV),
        }
    }

    /// Whether the device holds commands: a slot is offered to it.
    fn busy(&self) -> bool {
        self.slots
            .iter()
            .any(|s| matches!(s, Slot::Waiting | Slot::Abandoned | Slot::DisplayRefresh))
    }

    /// A free slot, if any.
    fn free_slot(&self) -> Option<usize> {
        self.slots.iter().position(Slot::is_free)
    }
}

/// The locked control queue.
type Guard<'a> = VirtqueueGuard<'a, CmdBuffers, QueueState>;

/// The device's virtqueues as the core uses them.
pub(crate) type Queue = Virtqueue<CmdBuffers, QueueState>;

/// The control queue's completion handler and what its submitters share; see the
/// [module documentation](self).
#[pin_data]
pub(crate) struct ControlQueue {
    /// Signalled when a command completes, a slot frees, or the state changes.
    #[pin]
    changed: CondVar,
    /// Completed once the core is unbound and the device reset: it no longer uses any memory the
    /// core gave it ([`Self::stopped`]).
    #[pin]
    stopped: Completion,
    stats: Arc<Stats>,
    /// The virtio device, for log messages.
    dev: ARef<Device>,
}

impl ControlQueue {
    /// A control queue whose messages name `dev`.
    pub(crate) fn new(dev: &Device) -> Result<impl PinInit<Self, Error>> {
        let stats = Arc::new(Stats::new(), GFP_KERNEL)?;
        let dev: ARef<Device> = dev.into();
        Ok(try_pin_init!(Self {
            changed <- new_condvar!("nova_lite_ctrlq"),
            stopped <- Completion::new(),
            stats,
            dev,
        }? Error))
    }

    /// The queue's counters.
    pub(crate) fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// The virtio device, for log messages.
    pub(crate) fn device(&self) -> &Device {
        &self.dev
    }

    /// Sends `cmd` on `queue` and waits for its answer.
    ///
    /// Must be called from process context that may sleep. Errors: `ENODEV` once the core is
    /// being unbound; `ETIMEDOUT` if no slot became free within [`COMMAND_TIMEOUT`], or no answer
    /// came within as long; `ERESTARTSYS` if a signal interrupted the wait; `EIO` if the device
    /// is broken or answered with `ERR_UNSPEC` or an unknown error; the errno of
    /// [`protocol::DeviceError::to_errno`] for an error response; `EPROTO` for a malformed
    /// response; `ENOMEM`.
    pub(crate) fn send<C: Command>(&self, queue: &Queue, cmd: &C) -> Result<C::Output> {
        self.send_inner(queue, cmd, KVec::new(), true, false)
    }

    /// Sends `cmd` and waits for its answer like [`Self::send`], but a signal does not end the
    /// wait: for commands whose caller must know that the device carried them out (resource
    /// teardown, which runs when a killed process closes its files, with a fatal signal
    /// pending). The wait stays bounded by [`COMMAND_TIMEOUT`]. Errors: those of [`Self::send`]
    /// but `ERESTARTSYS`.
    pub(crate) fn send_uninterruptible<C: Command>(
        &self,
        queue: &Queue,
        cmd: &C,
    ) -> Result<C::Output> {
        self.send_inner(queue, cmd, KVec::new(), false, false)
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
        self.send_inner(queue, cmd, payload, false, true)
    }

    /// Sends `cmd` with `payload`, which the device reads after the request, and waits for its
    /// answer without being interrupted, like [`Self::send_uninterruptible`].
    ///
    /// The payload belongs to the command: it is freed once the device has given the command
    /// back (or is reset), even if the answer times out.
    pub(crate) fn send_with_payload<C: Command>(
        &self,
        queue: &Queue,
        cmd: &C,
        payload: KVec<MemEntry>,
    ) -> Result<C::Output> {
        self.send_inner(queue, cmd, payload, false, false)
    }

    fn send_inner<C: Command>(
        &self,
        queue: &Queue,
        cmd: &C,
        payload: KVec<MemEntry>,
        interruptible: bool,
        restoring: bool,
    ) -> Result<C::Output> {
        let mut buffers = Some(CmdBuffers::new(&cmd.request(), payload, GFP_KERNEL)?);
        let start = Instant::<Monotonic>::now();
        let mut q = queue.lock();

        let slot = loop {
            if q.check(restoring)? {
                if let (Some(slot), Some(mut b)) = (q.free_slot(), buffers.take()) {
                    b.slot = slot;
                    match q.add(b) {
                        Ok(()) => break slot,
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
            self.wait(&mut q, start, None, interruptible)?;
        };
        if !q.busy() {
            // The device had nothing to do: it cannot have stalled before now.
            q.last_progress = Instant::<Monotonic>::now();
        }
        q.slots[slot] = Slot::Waiting;
        q.posted[slot] = Instant::<Monotonic>::now();
        self.stats.submitted.fetch_add(1, Relaxed);
        self.stats.free_descriptors.store(q.num_free(), Relaxed);
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
            self.wait(&mut q, posted, Some(slot), interruptible)?;
        };
        self.slot_freed(&mut q);
        drop(q);
        self.decode(cmd, buffers.response::<C::Response>()?, written)
    }

    /// Turns the answer to `cmd` (its header and body, `written` bytes) into `cmd`'s output, or
    /// into the errno of a device error or `EPROTO`, counting either.
    fn decode<C: Command>(
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
    /// `ETIMEDOUT`; the device stays in use. On a signal, if `interruptible`, `waiting` is
    /// abandoned: `ERESTARTSYS`; without `interruptible`, signals do not end the wait.
    fn wait(
        &self,
        q: &mut Guard<'_>,
        start: Instant<Monotonic>,
        waiting: Option<usize>,
        interruptible: bool,
    ) -> Result {
        let left = COMMAND_TIMEOUT - start.elapsed();
        let timed_out = if left.as_millis() <= 0 {
            true
        } else {
            let ms = u32::try_from(left.as_millis_ceil()).unwrap_or(u32::MAX);
            let jiffies = msecs_to_jiffies(ms);
            let result = if interruptible {
                q.wait_interruptible_timeout(&self.changed, jiffies)
            } else {
                q.wait_timeout(&self.changed, jiffies)
            };
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
        if q.refresh_pending {
            self.post_refresh(q);
        }
        self.changed.notify_all();
    }

    /// Makes every waiting and later command fail with `ENODEV`: the core is being unbound. The
    /// device may still use what it was given until it is reset: see [`Self::wait_stopped`].
    pub(crate) fn shut_down(&self, queue: &Queue) {
        queue.lock().state = State::Gone;
        self.changed.notify_all();
    }

    /// Records that the device was reset for the unbind of the core (the virtio adapter resets
    /// it before the driver's data is dropped, which calls this): it no longer reads or writes
    /// memory the core gave it.
    pub(crate) fn stopped(&self) {
        self.stopped.complete_all();
    }

    /// Waits until [`Self::stopped`], once a command failed with `ENODEV`: memory the device
    /// may still read (a resource's backing) may be freed after it. Not interruptible; the wait
    /// ends when the unbind under way reaches the drop of the core's data, which nothing it does
    /// before waits for.
    pub(crate) fn wait_stopped(&self) {
        self.stopped.wait_for_completion();
    }
}
