// SPDX-License-Identifier: GPL-2.0

//! The control queue: sends virtio-gpu commands ([`super::protocol::Command`]) on the device's
//! virtqueue, either waiting for their answers or posting them.
//!
//! # Design
//!
//! A command is a [`CmdBuffers`]: its request, its payload if any (backing entries, read by the
//! device after the request) and room for its response, which the virtio core maps for the
//! device: a response of a bare header is in the command's own allocation, a larger one in an
//! allocation of its own. Each command offered to the device gets the next sequence number; the
//! queue keeps those the device holds, so that "completed up to N" is known although virtio does
//! not promise to complete commands in order.
//!
//! - A **sent** command ([`ControlQueue::send`]: display information, EDIDs, the restore after a
//!   reset) takes one of [`NUM_SLOTS`] slots, and its submitter sleeps until the device returns
//!   it. A slot belongs to the queue, not to its submitter: a submitter that stops waiting
//!   (timeout, signal, unbind) leaves its slot "abandoned", reused once the device has given the
//!   command back or is reset.
//! - A **posted** command ([`ControlQueue::post`]: everything on resources) is offered and the
//!   submitter returns. The completion path checks the answer and records an error on the
//!   command's [`Fence`] (the resource's), which [`ControlQueue::wait_fence`] waits for; an error
//!   answer to a command without a fence is only counted, and one to a command whose submitter
//!   cannot return it is logged too, rate-limited ([`Prepared::log_refusals`]). A posted
//!   command may keep memory the device reads meanwhile ([`Prepared::keep`]); it is freed once
//!   the device has completed the command and every command before it, or is reset. Commands
//!   that undo what the driver made ([`ControlQueue::post_or_park`]) never wait: without room in
//!   the ring, or while the device is reset, they wait in a backlog, sent first when room comes;
//!   so do KMS's scanout updates, whose room is waited for before the commit that posts them
//!   ([`crate::gpu::ScanoutUpdate`]).
//!
//! The virtio core signals returned commands in interrupt context; the queue set calls the
//! handler ([`kernel::virtio::virtqueue::Handler`]) from a work item, which completes them in
//! process context and drops what they kept without the queue's lock. The device never writes
//! freed memory: a reset drops the commands it held.
//!
//! - The **panic screen's** commands ([`ControlQueue::post_panic`]) are allocated ahead, a set
//!   per scanout, and posted from the kernel's panic handler without allocating or waiting
//!   ([`panic`]).
//!
//! # Bounded waits, resets and states
//!
//! A sent command waits at most [`COMMAND_TIMEOUT`] for a free slot, then at most as long for its
//! answer, and fails with `ETIMEDOUT` otherwise; a posted one waits at most as long for room in
//! the ring. The device is not blamed for being slow. A device that has held a command for
//! [`STALL_TIMEOUT`] without answering it is stalled ([`ControlQueue::stalled`]), which a
//! timed-out wait checks: the core has it reset (one command never answered would hold back
//! every fence after it). While the device is reset (for that, or for
//! system sleep), commands wait for it to come back, within their bound; sent ones it held fail
//! with `EIO`, posted ones are made again by the core's restore ([`ControlQueue::quiesce`]).
//! Once the core is being unbound ([`ControlQueue::shut_down`]), waiters are woken and every
//! command fails with `ENODEV`; the device may still read what it holds until it is reset
//! ([`ControlQueue::stopped`]).
//!
//! # Locking
//!
//! The virtqueue's lock (a spinlock) protects the slots, the sequence numbers, the backlog and
//! the rest of the [`QueueState`]; submitters and the completion path take it, and nothing
//! that may sleep is dropped under it (what posted commands keep is dropped after it is
//! released). Posted commands, the completion path and the end of a reset notify the device
//! after releasing it (a notification may be slow: a VM exit); a sent command and a display
//! refresh after a freed slot notify it under the lock (rare). The statistics are atomics, read
//! without lock by debugfs.

mod buffers;
mod completion;
mod cursor;
mod display;
mod fence;
mod panic;
mod post;
mod reset;
mod send;
mod stats;

use kernel::{
    device::Device,
    new_condvar,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::Relaxed,
        Arc,
        CondVar, //
    },
    time::{
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
    DisplayInfo,
    MAX_SCANOUTS, //
};

pub(crate) use buffers::Posted;
use buffers::{
    CmdBuffers,
    Fifo,
    List, //
};
pub(crate) use cursor::CursorRequest;
pub(crate) use fence::Fence;
pub(crate) use panic::PanicRequests;
pub(crate) use post::Prepared;
pub(crate) use stats::Stats;

/// Whether a signal ends a wait of a submitter (for room in the ring, for a fence): a wait from a
/// system call is interrupted (`ERESTARTSYS`, and the call restarts), a wait in a KMS commit's
/// tail, which may not fail, is not (it stays bounded).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signals {
    /// A signal ends the wait: `ERESTARTSYS`.
    Interrupt,
    /// Signals do not end the wait.
    Ignore,
}

/// How long a command may wait for a free slot, and then for its answer.
pub(crate) const COMMAND_TIMEOUT: Delta = Delta::from_millis(5000);

/// How long the device may hold a command without answering it before it is reset.
pub(crate) const STALL_TIMEOUT: Delta = Delta::from_millis(20000);

/// The number of commands in flight at most.
const NUM_SLOTS: usize = 32;

/// The index of the control queue among the device's virtqueues.
pub(crate) const CONTROL_QUEUE: usize = 0;

/// The index of the cursor queue among the device's virtqueues ([`cursor`]).
pub(crate) const CURSOR_QUEUE: usize = 1;

/// What a slot is used for.
enum Slot {
    /// Free.
    Free,
    /// Offered to the device; its submitter waits for it.
    Waiting,
    /// Offered to the device; its submitter gave up waiting. Freed when the device returns it.
    Abandoned,
    /// A display refresh after a reset, offered to the device by `ControlQueue::post_refresh`;
    /// nobody waits for it.
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
    /// A display refresh is due (after a reset) and not offered yet: no slot was free, or the
    /// queue was not live.
    refresh_pending: bool,
    /// A reset was asked for because the device stalled, and has not happened yet.
    reset_requested: bool,
    /// The sequence number of the next command offered to the device.
    next_seq: u64,
    /// The sequence numbers of the commands the device holds, ascending, with when each was
    /// offered: its capacity is the ring's size, so that offering a command does not allocate.
    outstanding: KVec<(u64, Instant<Monotonic>)>,
    /// Posted commands that wait for room in the ring, or for the device to come back from a
    /// reset.
    backlog: Fifo,
    /// Posted commands the device completed whose memory waits for earlier commands to
    /// complete ([`Posted::keep`]).
    retiring: List,
    /// The device was reset for good ([`ControlQueue::stopped`]): commands are dropped at once.
    stopped: bool,
    /// Waits for fences end with `ENODEV` ([`ControlQueue::cancel_waits`]).
    waits_cancelled: bool,
    /// Whether an error answer was logged as a warning ([`Prepared::log_refusals`]).
    refusal_logged: bool,
    /// The panic screen's commands of each scanout not held by the device ([`panic`]).
    panic: [[Option<Pin<KBox<CmdBuffers>>>; panic::PANIC_COMMANDS]; MAX_SCANOUTS],
    /// The panic screen's commands the device holds: they have no sequence number, so while
    /// there are any, no posted command's memory retires ([`ControlQueue::retire`]).
    panic_in_flight: u32,
}

impl Default for QueueState {
    fn default() -> Self {
        Self {
            slots: [const { Slot::Free }; NUM_SLOTS],
            posted: [Instant::<Monotonic>::now(); NUM_SLOTS],
            state: State::Live,
            display: DisplayInfo::default(),
            refresh_pending: false,
            reset_requested: false,
            next_seq: 1,
            outstanding: KVec::new(),
            backlog: Fifo::default(),
            retiring: List::default(),
            stopped: false,
            waits_cancelled: false,
            refusal_logged: false,
            panic: [const { [const { None::<Pin<KBox<CmdBuffers>>> }; panic::PANIC_COMMANDS] };
                MAX_SCANOUTS],
            panic_in_flight: 0,
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

    /// The sequence number up to which every command has completed: the device holds none
    /// below it (virtio does not promise to complete commands in order).
    fn completed_up_to(&self) -> u64 {
        self.outstanding
            .first()
            .map_or(self.next_seq - 1, |&(lowest, _)| lowest - 1)
    }

    /// Forgets the sequence number `seq`: the device completed the command.
    fn forget(&mut self, seq: u64) {
        if let Ok(i) = self.outstanding.binary_search_by_key(&seq, |&(s, _)| s) {
            let _ = self.outstanding.remove(i);
        }
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
    stats: Arc<Stats>,
    /// The virtio device, for log messages.
    dev: ARef<Device>,
    /// The scanouts that have panic commands ([`panic`]): the device's, at most
    /// [`MAX_SCANOUTS`].
    panic_scanouts: usize,
}

impl ControlQueue {
    /// A control queue whose messages name `dev`, for a device with `scanouts` scanouts.
    pub(crate) fn new(dev: &Device, scanouts: u32) -> Result<impl PinInit<Self, Error>> {
        let stats = Arc::new(Stats::new(), GFP_KERNEL)?;
        let dev: ARef<Device> = dev.into();
        let panic_scanouts = usize::try_from(scanouts)?.min(MAX_SCANOUTS);
        Ok(try_pin_init!(Self {
            changed <- new_condvar!("nova_lite_ctrlq"),
            stats,
            dev,
            panic_scanouts,
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

    /// Offers `b` to the device with the next sequence number, which it returns; gives `b` back
    /// with the error of [`VirtqueueGuard::add`] (or `ENOMEM`). The caller kicks the queue.
    fn offer(
        &self,
        q: &mut Guard<'_>,
        mut b: Pin<KBox<CmdBuffers>>,
    ) -> core::result::Result<u64, (Error, Pin<KBox<CmdBuffers>>)> {
        let seq = q.next_seq;
        b.seq = seq;
        // Within the capacity (the ring's size), unless answers were lost on purpose (the fault
        // knob): no allocation then.
        if q.outstanding
            .push((seq, Instant::<Monotonic>::now()), GFP_ATOMIC)
            .is_err()
        {
            return Err((ENOMEM, b));
        }
        match q.add(b) {
            Ok(()) => {
                q.next_seq += 1;
                self.stats.submitted.fetch_add(1, Relaxed);
                self.stats.free_descriptors.store(q.num_free(), Relaxed);
                Ok(seq)
            }
            Err(e) => {
                q.outstanding.pop();
                Err(e)
            }
        }
    }

    /// Makes every waiting and later command fail with `ENODEV`: the core is being unbound. The
    /// device may still use what it was given until it is reset ([`Self::stopped`]).
    pub(crate) fn shut_down(&self, queue: &Queue) {
        queue.lock().state = State::Gone;
        self.changed.notify_all();
    }

    /// Records that the device was reset for the unbind of the core (the virtio adapter resets
    /// it before the driver's data is dropped, which calls this): it no longer reads or writes
    /// memory the core gave it. The posted commands never sent and those that wait to retire
    /// are dropped, which frees what they kept.
    pub(crate) fn stopped(&self, queue: &Queue) {
        let (backlog, retiring) = {
            let mut q = queue.lock();
            q.stopped = true;
            (q.backlog.take(), q.retiring.take())
        };
        drop(backlog);
        drop(retiring);
    }
}
