// SPDX-License-Identifier: GPL-2.0

//! The panic screen's commands: for each scanout, a `TRANSFER_TO_HOST_2D`, a `SET_SCANOUT` and a
//! `RESOURCE_FLUSH` allocated ahead (the reserve, in the queue's state), which the kernel's panic
//! handler (`drm_panic`, through the primary plane's `panic_flush`) posts without allocating,
//! sleeping, or waiting for a lock or for room ([`ControlQueue::post_panic`]).
//!
//! The reserve is made at probe and made whole again after each reset of the device, which drops
//! the commands the device held ([`ControlQueue::refill_panic_reserve`]). A post takes a
//! scanout's three commands out of it, fills in their requests (same commands, same sizes: no
//! allocation) and offers them with direct descriptors (the ring allocates no indirect table:
//! `VirtqueueGuard::add_without_allocating()`). The completion path puts each back when the
//! device returns it: the debugfs trigger of the panic screen (`drm_panic_plane_<N>`) leaves the
//! system running, and may draw again. A scanout whose commands the device still holds posts
//! nothing.
//!
//! The queue's lock is taken with a try-lock, tried for at most [`PANIC_LOCK_TRIES`]
//! microseconds: the CPU that panicked may hold it, or a CPU that was stopped while it held it;
//! nothing is posted then. Nor is anything posted while the device is being reset or the core
//! unbound, or when the ring lacks room for the three commands. The commands get no sequence
//! number (`Instant::now()` reads the clock under a sequence count, which a stopped CPU may have
//! left odd): no fence waits for them and the stall detection does not count them; while the
//! device holds any, no posted command's memory retires ([`ControlQueue::retire`]), since it may
//! be read by a panic command (virtio does not promise to complete commands in order). Their
//! answers are counted as those of posted commands without a fence, and not logged.
//!
//! With `CONFIG_PREEMPT_RT` the queue's lock sleeps, and the panic handler may not even try it:
//! the panic screen is then drawn but not shown.
//!
//! [`ControlQueue::retire`]: super::ControlQueue::retire

use kernel::{
    prelude::*,
    sync::atomic::Relaxed,
    time::{
        delay::udelay,
        Delta, //
    },
};

use super::{
    buffers::Posted,
    CmdBuffers,
    ControlQueue,
    Guard,
    List,
    Queue,
    State, //
};
use crate::gpu::protocol::{
    Command,
    Rect,
    ResourceFlush,
    SetScanout,
    TransferToHost2d,
    MAX_SCANOUTS, //
};

/// The panic commands of a scanout, in the order they are posted.
pub(super) const PANIC_COMMANDS: usize = 3;

/// How many times, a microsecond apart, the panic path tries the queue's lock: the lock is a
/// spinlock held for a few microseconds at a time, and these tries run with interrupts off, once
/// per scanout.
const PANIC_LOCK_TRIES: u32 = 500;

/// Where a panic command goes back in the reserve.
#[derive(Clone, Copy)]
pub(crate) struct PanicSlot {
    scanout: usize,
    index: usize,
}

/// The requests of one scanout's panic commands.
pub(crate) struct PanicRequests {
    /// Copies what the panic handler drew to the host.
    pub(crate) transfer: TransferToHost2d,
    /// Points the scanout at it (a commit may have swapped the plane's state in and not shown
    /// it yet).
    pub(crate) set: SetScanout,
    /// Has the host show it.
    pub(crate) flush: ResourceFlush,
}

/// A panic command of scanout `scanout`, at `index` in its set, with `cmd` as placeholder.
fn panic_command<C: Command<Output = ()>>(
    cmd: &C,
    scanout: usize,
    index: usize,
) -> Result<Pin<KBox<CmdBuffers>>> {
    let mut b = CmdBuffers::new(
        &cmd.request(),
        size_of::<C::Response>(),
        KVec::new(),
        GFP_KERNEL,
    )?;
    b.posted = Some(Posted {
        ok_type: C::OK_TYPE,
        name: C::NAME,
        fence: None,
        keep: None,
        log_refusal: false,
        reserve: Some(PanicSlot { scanout, index }),
    });
    Ok(b)
}

/// The panic command at `index` of a scanout's set, with a placeholder request.
fn placeholder(scanout: usize, index: usize) -> Result<Pin<KBox<CmdBuffers>>> {
    let id = u32::try_from(scanout)?;
    match index {
        0 => panic_command(
            &TransferToHost2d {
                resource_id: 0,
                rect: Rect::default(),
                offset: 0,
            },
            scanout,
            index,
        ),
        1 => panic_command(
            &SetScanout {
                scanout_id: id,
                resource_id: 0,
                rect: Rect::default(),
            },
            scanout,
            index,
        ),
        _ => panic_command(
            &ResourceFlush {
                resource_id: 0,
                rect: Rect::default(),
            },
            scanout,
            index,
        ),
    }
}

impl ControlQueue {
    /// Allocates the panic commands missing from the reserve of each scanout: at probe, and
    /// after a reset (the core's restore), which dropped those the device held. Sleeps (process
    /// context, without spinlocks). Errors: `ENOMEM` (the reserve stays as it was: those
    /// scanouts show no panic screen).
    pub(crate) fn refill_panic_reserve(&self, queue: &Queue) -> Result {
        let mut missing = [[false; PANIC_COMMANDS]; MAX_SCANOUTS];
        {
            let q = queue.lock();
            for (want, have) in missing
                .iter_mut()
                .zip(q.panic.iter())
                .take(self.panic_scanouts)
            {
                for (want, cmd) in want.iter_mut().zip(have.iter()) {
                    *want = cmd.is_none();
                }
            }
        }
        let mut made: [[Option<Pin<KBox<CmdBuffers>>>; PANIC_COMMANDS]; MAX_SCANOUTS] =
            Default::default();
        for (scanout, (want, set)) in missing.iter().zip(made.iter_mut()).enumerate() {
            for (index, (&want, slot)) in want.iter().zip(set.iter_mut()).enumerate() {
                if want {
                    *slot = Some(placeholder(scanout, index)?);
                }
            }
        }
        // A command the device held may have come back meanwhile: the new one goes, without
        // the lock.
        let mut extra = List::default();
        {
            let mut q = queue.lock();
            for (have, new) in q.panic.iter_mut().zip(made) {
                for (slot, b) in have.iter_mut().zip(new) {
                    match (slot.is_none(), b) {
                        (true, b @ Some(_)) => *slot = b,
                        (false, Some(b)) => extra.push(b),
                        (_, None) => {}
                    }
                }
            }
        }
        drop(extra);
        Ok(())
    }

    /// Puts the panic command `b`, which the device returned, back in the reserve at `slot`
    /// (on the list `done`, dropped without the lock, if the slot is taken).
    pub(super) fn panic_returned(
        &self,
        q: &mut Guard<'_>,
        slot: PanicSlot,
        b: Pin<KBox<CmdBuffers>>,
        done: &mut List,
    ) {
        q.panic_in_flight = q.panic_in_flight.saturating_sub(1);
        match q
            .panic
            .get_mut(slot.scanout)
            .and_then(|set| set.get_mut(slot.index))
        {
            Some(free @ None) => *free = Some(b),
            _ => done.push(b),
        }
    }

    /// Posts `requests`, the panic screen of scanout `scanout`, with the scanout's panic
    /// commands, and notifies the device; returns whether they were posted (see the
    /// [module documentation](self) for when they are not).
    ///
    /// Never sleeps, allocates, or waits for a lock but for the bounded try-lock of the queue's:
    /// callable from the panic handler, with interrupts disabled and other CPUs stopped.
    pub(crate) fn post_panic(
        &self,
        queue: &Queue,
        scanout: usize,
        requests: &PanicRequests,
    ) -> bool {
        let posted = self.try_post_panic(queue, scanout, requests);
        let counter = match posted {
            true => &self.stats.panic_posted,
            false => &self.stats.panic_skipped,
        };
        counter.fetch_add(1, Relaxed);
        posted
    }

    /// Counts a panic screen that was not posted (the caller would have to wait, see
    /// [`Gpu::post_panic_update`]).
    ///
    /// [`Gpu::post_panic_update`]: crate::gpu::Gpu::post_panic_update
    pub(crate) fn panic_skipped(&self) {
        self.stats.panic_skipped.fetch_add(1, Relaxed);
    }

    fn try_post_panic(&self, queue: &Queue, scanout: usize, requests: &PanicRequests) -> bool {
        if cfg!(CONFIG_PREEMPT_RT) {
            return false;
        }
        let Some(mut q) = try_lock(queue) else {
            return false;
        };
        if q.state != State::Live || q.stopped || !q.is_live() {
            return false;
        }
        // Taken out only when the three are there: dropping one here would free memory.
        let Some(set) = q
            .panic
            .get_mut(scanout)
            .filter(|set| set.iter().all(Option::is_some))
        else {
            // The device still holds some of them (an earlier panic screen's).
            return false;
        };
        let [Some(mut transfer), Some(mut set_scanout), Some(mut flush)] = core::mem::take(set)
        else {
            return false;
        };
        let filled = fill(&mut transfer, &requests.transfer)
            .and_then(|()| fill(&mut set_scanout, &requests.set))
            .and_then(|()| fill(&mut flush, &requests.flush));
        let mut cmds = [Some(transfer), Some(set_scanout), Some(flush)];
        let needed: u32 = cmds.iter().flatten().map(|b| b.descriptors()).sum();
        if filled.is_err() || q.num_free() < needed {
            put_back(&mut q, scanout, cmds);
            return false;
        }
        let mut offered: u32 = 0;
        for cmd in cmds.iter_mut() {
            let Some(b) = cmd.take() else {
                continue;
            };
            // With room for every descriptor, only a broken device refuses one: the commands
            // after it are not offered either.
            match q.add_without_allocating(b) {
                Ok(()) => offered += 1,
                Err((_, b)) => {
                    *cmd = Some(b);
                    break;
                }
            }
        }
        q.panic_in_flight = q.panic_in_flight.saturating_add(offered);
        self.stats.submitted.fetch_add(u64::from(offered), Relaxed);
        self.stats.free_descriptors.store(q.num_free(), Relaxed);
        put_back(&mut q, scanout, cmds);
        // Under the lock, which no one else waits for in a panic: the notification cannot race
        // with the deletion of the queue.
        q.kick();
        offered == PANIC_COMMANDS as u32
    }
}

/// Fills in `b`, a panic command prepared with a placeholder of the same command, with `cmd`'s
/// request, without allocating.
fn fill<C: Command<Output = ()>>(b: &mut CmdBuffers, cmd: &C) -> Result {
    b.set_request(&cmd.request(), size_of::<C::Response>())
}

/// Puts the panic commands in `cmds` back in the reserve of `scanout`, in their slots.
fn put_back(
    q: &mut Guard<'_>,
    scanout: usize,
    cmds: [Option<Pin<KBox<CmdBuffers>>>; PANIC_COMMANDS],
) {
    let Some(set) = q.panic.get_mut(scanout) else {
        return;
    };
    for (slot, cmd) in set.iter_mut().zip(cmds) {
        if let Some(cmd) = cmd {
            *slot = Some(cmd);
        }
    }
}

/// Locks `queue` if it is free within [`PANIC_LOCK_TRIES`] microseconds: another CPU may hold
/// the lock for a moment (the debugfs trigger runs with the system up); one that holds it
/// longer was stopped with it, or is this CPU. `udelay()` reads no clock.
fn try_lock(queue: &Queue) -> Option<Guard<'_>> {
    for _ in 0..PANIC_LOCK_TRIES {
        if let Some(q) = queue.try_lock() {
            return Some(q);
        }
        udelay(Delta::from_micros(1));
    }
    None
}
