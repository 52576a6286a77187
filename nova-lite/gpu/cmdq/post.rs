// SPDX-License-Identifier: GPL-2.0

//! Posted commands: offered to the device without waiting for their answer, which the
//! completion path checks ([`Fence`]); the backlog of those that must not wait for room; the
//! wait for a fence.

use kernel::{
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        CondVarTimeoutResult, //
    },
    time::{
        msecs_to_jiffies,
        Delta,
        Instant,
        Jiffies,
        Monotonic, //
    },
};

use super::{
    buffers::Posted,
    CmdBuffers,
    ControlQueue,
    Fence,
    Guard,
    List,
    Queue,
    Signals,
    State,
    COMMAND_TIMEOUT, //
};
use crate::gpu::protocol::{
    Command,
    MemEntry, //
};

/// A command ready to be posted: its buffers are allocated, so posting it allocates nothing.
pub(crate) struct Prepared(Pin<KBox<CmdBuffers>>);

impl Prepared {
    /// Prepares `cmd`, with `payload` after its request, whose answer is a bare header: an error
    /// answer is recorded on `fence`.
    pub(crate) fn new<C: Command<Output = ()>>(
        cmd: &C,
        payload: KVec<MemEntry>,
        fence: Option<Arc<Fence>>,
    ) -> Result<Self> {
        let mut b = CmdBuffers::new(
            &cmd.request(),
            size_of::<C::Response>(),
            payload,
            GFP_KERNEL,
        )?;
        b.posted = Some(Posted {
            ok_type: C::OK_TYPE,
            name: C::NAME,
            fence,
            keep: None,
            log_refusal: false,
            reserve: None,
        });
        Ok(Self(b))
    }

    /// Replaces the command's request with `cmd`'s, without allocating: for a command prepared
    /// with a placeholder request of the same command (or of one with a request of the same
    /// size), filled in where nothing may be allocated ([`Gpu::post_scanout_update`]). Its
    /// payload, fence and what it keeps stay. Errors: `EINVAL` if `cmd`'s request is not the size
    /// of the prepared one.
    ///
    /// [`Gpu::post_scanout_update`]: crate::gpu::Gpu::post_scanout_update
    pub(crate) fn set_request<C: Command<Output = ()>>(&mut self, cmd: &C) -> Result {
        self.0
            .set_request(&cmd.request(), size_of::<C::Response>())?;
        if let Some(posted) = self.0.posted.as_mut() {
            posted.ok_type = C::OK_TYPE;
            posted.name = C::NAME;
        }
        Ok(())
    }

    /// Makes an error answer to the command logged, besides being counted and recorded on its
    /// fence: for commands whose submitter cannot return the error (KMS's scanout updates). The
    /// first such answer of the queue is logged as a warning, later ones at debug level: a
    /// client may cause them again and again (a framebuffer whose resource the host could not
    /// allocate).
    pub(crate) fn log_refusals(&mut self) {
        if let Some(posted) = self.0.posted.as_mut() {
            posted.log_refusal = true;
        }
    }

    /// Makes the command keep `keep` until the device has completed it and every command posted
    /// before it, or has been reset.
    pub(crate) fn keep(&mut self, keep: KBox<dyn Send>) {
        if let Some(posted) = self.0.posted.as_mut() {
            posted.keep = Some(keep);
        }
    }
}

impl ControlQueue {
    /// Posts `cmds`, in order, with one notification of the device, and returns once the device
    /// may see them: it does not wait for the answers (see [`Self::wait_fence`]). Each is counted
    /// on its fence.
    ///
    /// Waits for room in the ring for all of them, at most [`COMMAND_TIMEOUT`]; while the device
    /// is being reset, waits for it to come back within the same bound. Errors, with nothing
    /// posted: `ENODEV` once the core is being unbound; `ETIMEDOUT` if there was no room in
    /// time; `ERESTARTSYS` if a signal interrupted the wait (not with [`Signals::Ignore`]). `EIO`
    /// if the device is broken, or `ENOMEM`: the commands before the one that failed may have
    /// been posted.
    pub(crate) fn post<const N: usize>(
        &self,
        queue: &Queue,
        cmds: [Prepared; N],
        signals: Signals,
    ) -> Result {
        let needed: u32 = cmds.iter().map(|c| c.0.descriptors()).sum();
        let q = self.lock_room(queue, needed, signals)?;
        self.offer_all(q, cmds)
    }

    /// Posts `cmds` like [`Self::post`], unless `restores` is no longer `seen` once they may be
    /// posted: a restore after a reset copied the table of resources since, and made what they
    /// would (a resource recorded before the reset). `Ok` either way.
    pub(crate) fn post_unless_restored<const N: usize>(
        &self,
        queue: &Queue,
        cmds: [Prepared; N],
        restores: &Atomic<u64>,
        seen: u64,
    ) -> Result {
        let needed: u32 = cmds.iter().map(|c| c.0.descriptors()).sum();
        let q = self.lock_room(queue, needed, Signals::Interrupt)?;
        // A restore copies the table while the queue is being reset: once the queue is live and
        // locked, the next restore comes after a reset that drops these commands.
        if restores.load(Relaxed) != seen {
            return Ok(());
        }
        self.offer_all(q, cmds)
    }

    /// Waits until the device can take `cmds`, all of them, now (see [`Self::post`] for the bound
    /// and the errors), for a caller that then posts them with [`Self::post_or_park`] or
    /// [`Self::post_or_park_all`] under a lock of its own, which must not be held across the
    /// wait (or later: KMS prepares its commands before the commit that posts them). Other
    /// submitters may take the room meanwhile: the commands then wait in the backlog.
    pub(crate) fn wait_room(&self, queue: &Queue, cmds: &[&Prepared]) -> Result {
        let needed: u32 = cmds.iter().map(|c| c.0.descriptors()).sum();
        self.lock_room(queue, needed, Signals::Interrupt).map(drop)
    }

    /// Locks the queue once it is live, the backlog is sent and the ring has `needed` free
    /// descriptors; waits for that at most [`COMMAND_TIMEOUT`], interruptibly unless `signals`
    /// says to ignore them.
    fn lock_room<'a>(&self, queue: &'a Queue, needed: u32, signals: Signals) -> Result<Guard<'a>> {
        let start = Instant::<Monotonic>::now();
        let mut q = queue.lock();
        loop {
            // Posted commands from the backlog go first.
            if q.check(false)? && q.backlog.is_empty() && q.num_free() >= needed {
                return Ok(q);
            }
            if start.elapsed() >= COMMAND_TIMEOUT {
                return Err(ETIMEDOUT);
            }
            let left = COMMAND_TIMEOUT - start.elapsed();
            let ms = u32::try_from(left.as_millis_ceil()).unwrap_or(u32::MAX);
            if let CondVarTimeoutResult::Signal { .. } =
                self.sleep(&mut q, msecs_to_jiffies(ms), signals)
            {
                return Err(ERESTARTSYS);
            }
        }
    }

    /// Sleeps on the queue's changes, at most `jiffies`, interruptibly unless `signals` says to
    /// ignore them.
    pub(super) fn sleep(
        &self,
        q: &mut Guard<'_>,
        jiffies: Jiffies,
        signals: Signals,
    ) -> CondVarTimeoutResult {
        match signals {
            Signals::Interrupt => q.wait_interruptible_timeout(&self.changed, jiffies),
            Signals::Ignore => q.wait_timeout(&self.changed, jiffies),
        }
    }

    /// Offers `cmds` in order on the locked queue `q`, which has room for them, then unlocks the
    /// queue and notifies the device.
    fn offer_all<const N: usize>(&self, mut q: Guard<'_>, cmds: [Prepared; N]) -> Result {
        let mut result = Ok(());
        for Prepared(b) in cmds {
            let fence = b.posted.as_ref().and_then(|p| p.fence.clone());
            // With room for every descriptor, only a broken device or a failed allocation fails.
            match self.offer(&mut q, b) {
                Ok(seq) => {
                    if let Some(fence) = fence {
                        fence.posted(seq);
                    }
                }
                Err((e, _)) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // The device is notified without the lock: a notification may be slow (a VM exit).
        q.unlock_and_kick();
        result
    }

    /// Posts `cmd` without ever waiting or failing: when the ring is full, or while the device
    /// is being reset or the core unbound, it waits in the backlog, which the completion path
    /// and the end of a reset send, and the unbind drops once the device is reset; once it is,
    /// `cmd` is dropped at once. Its fence, if any, counts it as in flight meanwhile. For
    /// commands that undo what the driver made (`RESOURCE_UNREF`), from contexts that must not
    /// wait, and for a caller that waited for room ([`Self::wait_room`]) but must post under a
    /// lock of its own.
    pub(crate) fn post_or_park(&self, queue: &Queue, cmd: Prepared) {
        self.post_or_park_all(queue, [Some(cmd)]);
    }

    /// Posts the commands of `cmds` (the `None`s are skipped) in order, like
    /// [`Self::post_or_park`], with one notification of the device: never waits and never fails;
    /// once the device is reset for the unbind of the core, drops them at once.
    pub(crate) fn post_or_park_all<const N: usize>(
        &self,
        queue: &Queue,
        cmds: [Option<Prepared>; N],
    ) {
        let mut q = queue.lock();
        if q.stopped {
            drop(q);
            drop(cmds);
            return;
        }
        for Prepared(b) in cmds.into_iter().flatten() {
            if let Some(fence) = b.posted.as_ref().and_then(|p| p.fence.as_ref()) {
                fence.parked();
            }
            q.backlog.push_back(b);
        }
        if self.send_backlog(&mut q) {
            q.unlock_and_kick();
        }
    }

    /// Offers what it can of the backlog, in the order it was posted, while the queue is live;
    /// wakes the submitters that wait for it to be empty. Returns whether it offered commands:
    /// the caller kicks the queue then.
    #[must_use]
    pub(super) fn send_backlog(&self, q: &mut Guard<'_>) -> bool {
        if q.backlog.is_empty() || q.check(false) != Ok(true) {
            return false;
        }
        let mut sent = false;
        while let Some(b) = q.backlog.pop_front() {
            if q.num_free() < b.descriptors() {
                q.backlog.push_front(b);
                break;
            }
            let fence = b.posted.as_ref().and_then(|p| p.fence.clone());
            match self.offer(q, b) {
                Ok(seq) => {
                    if let Some(fence) = fence {
                        fence.posted(seq);
                    }
                    sent = true;
                }
                Err((_, b)) => {
                    q.backlog.push_front(b);
                    break;
                }
            }
        }
        if q.backlog.is_empty() {
            self.changed.notify_all();
        }
        sent
    }

    /// Makes every wait for a fence, and every later one, end with `ENODEV`: the DRM device is
    /// going away, and its unplug waits for the ioctls that wait.
    pub(crate) fn cancel_waits(&self, queue: &Queue) {
        queue.lock().waits_cancelled = true;
        self.changed.notify_all();
    }

    /// Lets waits for fences happen again (a DRM device is bound).
    pub(crate) fn allow_waits(&self, queue: &Queue) {
        queue.lock().waits_cancelled = false;
    }

    /// Waits until every command posted for `fence` has completed, and the device is not being
    /// reset, then returns the first error the device answered to one of them.
    ///
    /// Without `timeout`, does not wait: `EBUSY` if commands are still in flight. Otherwise
    /// waits at most `timeout`: `ETIMEDOUT` then. A signal ends the wait, unless `signals` says to
    /// ignore them: `ERESTARTSYS`.
    /// `ENODEV` once the core is being unbound, or waits are cancelled
    /// ([`Self::cancel_waits`]).
    pub(crate) fn wait_fence(
        &self,
        queue: &Queue,
        fence: &Fence,
        timeout: Option<Delta>,
        signals: Signals,
    ) -> Result {
        let start = Instant::<Monotonic>::now();
        let mut q = queue.lock();
        loop {
            if q.waits_cancelled {
                return Err(ENODEV);
            }
            match q.state {
                State::Gone => return Err(ENODEV),
                State::Live if q.completed_up_to() >= fence.last() => return fence.error(),
                _ => {}
            }
            let Some(timeout) = timeout else {
                return Err(EBUSY);
            };
            let left = timeout - start.elapsed();
            // The caller's bound, not the device's fault: not counted as a timeout.
            if left.as_nanos() <= 0 {
                return Err(ETIMEDOUT);
            }
            let ms = u32::try_from(left.as_millis_ceil()).unwrap_or(u32::MAX);
            if let CondVarTimeoutResult::Signal { .. } =
                self.sleep(&mut q, msecs_to_jiffies(ms), signals)
            {
                return Err(ERESTARTSYS);
            }
        }
    }

    /// Sorts the posted commands the device completed, `done`, and those already waiting to
    /// retire: those whose every earlier command has completed go to the returned list, to be
    /// dropped without the lock (which frees what they keep); the others wait. While the device
    /// is not live (being reset, or the core unbound), none retires: what it has not completed
    /// is dropped only once it is reset.
    pub(super) fn retire(&self, q: &mut Guard<'_>, done: List) -> List {
        let mut waiting = q.retiring.take();
        let mut todo = done;
        while let Some(b) = waiting.pop() {
            todo.push(b);
        }
        let mut out = List::default();
        // The panic screen's commands have no sequence number: while the device holds any, it
        // may still read memory that a command completed after them keeps.
        let live = q.state == State::Live && q.panic_in_flight == 0;
        let up_to = q.completed_up_to();
        while let Some(b) = todo.pop() {
            let keeps = b.posted.as_ref().is_some_and(|p| p.keep.is_some());
            if !keeps || (live && b.seq <= up_to) {
                out.push(b);
            } else {
                q.retiring.push(b);
            }
        }
        out
    }

    /// After a reset: the device holds nothing from before it, so every command waiting to
    /// retire may go. Returns them, to be dropped without the lock.
    pub(super) fn retire_all(&self, q: &mut Guard<'_>) -> List {
        q.panic_in_flight = 0;
        q.retiring.take()
    }
}
