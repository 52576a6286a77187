// SPDX-License-Identifier: GPL-2.0

//! The control queue: sends virtio-gpu commands ([`protocol::Command`]) and waits for their
//! answers.
//!
//! # Design
//!
//! The queue owns a [`SplitQueue`] and one request and one response buffer per command slot, all
//! in coherent memory DMA-mapped for the PCI device. A command takes a slot (two descriptors:
//! the request, which the device reads, then the response, which it writes; three if it has a
//! payload, which the device reads after the request), is offered to the device, and its submitter sleeps on a condition variable until the interrupt path marks the
//! slot done. Nothing polls the ring: the interrupt handler's thread takes back used chains
//! ([`ControlQueue::process_used`]).
//!
//! A slot belongs to the queue, not to its submitter: a submitter that stops waiting (timeout,
//! signal, unbind) leaves its slot "abandoned", and the slot is only reused once the device has
//! given it back, or never, if the device is reset first. A command's payload belongs to its slot
//! in the same way: it is freed when the slot is free again, so the device never reads freed
//! memory. The buffers are freed with the queue, after the device reset (see [`crate::gpu`]).
//!
//! # Bounded waits and states
//!
//! A command waits at most [`COMMAND_TIMEOUT`] for a free slot, then at most as long for its
//! answer. A full ring is not the device's fault: a command that finds no slot in time fails with
//! `ETIMEDOUT` and nothing else happens. A device that does not answer a command in time is marked
//! failed (one `dev_err`), and every later command fails at once with `EIO`; so does a device that sets `DEVICE_NEEDS_RESET` or returns a descriptor that
//! is not in flight. Once the core is being unbound ([`ControlQueue::shut_down`]), waiters are
//! woken and every command fails with `ENODEV`.
//!
//! # Locking
//!
//! One mutex protects the ring and the slots; the interrupt thread and the submitters take it.
//! It is never taken in hard interrupt context. The statistics are atomics, read without lock by
//! debugfs.

use kernel::{
    device::{
        Bound,
        Device, //
    },
    dma::Coherent,
    io::{
        io_project,
        Io, //
    },
    new_condvar, new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        CondVar,
        CondVarTimeoutResult,
        Mutex,
        MutexGuard, //
    },
    time::{
        msecs_to_jiffies,
        Delta,
        Instant,
        Monotonic, //
    },
    transmute::{
        AsBytes,
        FromBytes as KFromBytes, //
    },
};

use super::{
    protocol::{
        self,
        Command,
        CtrlHdr,
        DeviceError,
        DisplayInfo,
        MemEntry,
        ResponseError,
        MAX_REQUEST_SIZE,
        MAX_RESPONSE_SIZE, //
    },
    virtio::{
        queue::{
            Buffer,
            SplitQueue,
            MAX_QUEUE_SIZE, //
        },
        Transport,
        CONTROL_QUEUE, //
    },
};

/// How long a command may wait for a free slot, and then for its answer.
pub(crate) const COMMAND_TIMEOUT: Delta = Delta::from_millis(5000);

/// The number of command slots: most commands take two descriptors.
const NUM_SLOTS: usize = MAX_QUEUE_SIZE / 2;

/// The payload of a command: backing entries, read by the device after the request.
pub(crate) type Payload = Coherent<[MemEntry]>;

/// The buffers of one command slot, as the device sees them.
#[repr(C)]
#[derive(FromBytes, IntoBytes)]
struct SlotBuffers {
    request: [u8; MAX_REQUEST_SIZE],
    response: [u8; MAX_RESPONSE_SIZE],
}

/// The buffers of every slot.
#[repr(C)]
#[derive(FromBytes, IntoBytes)]
struct Buffers([SlotBuffers; NUM_SLOTS]);

// SAFETY: `Buffers` is an array of byte arrays: no padding, every bit pattern is valid.
unsafe impl AsBytes for Buffers {}
// SAFETY: See above.
unsafe impl KFromBytes for Buffers {}

/// What a slot is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    Done { written: u32 },
}

/// The state of the queue as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Commands are sent.
    Live,
    /// The device stopped answering or broke the protocol: commands fail with `EIO`.
    Failed,
    /// The core is being unbound: commands fail with `ENODEV`.
    Gone,
}

/// The mutable part of the queue, under [`ControlQueue::inner`].
struct Inner {
    ring: SplitQueue,
    slots: [Slot; NUM_SLOTS],
    /// The slot of each chain in flight, indexed by the chain's head descriptor.
    head_slot: [u8; MAX_QUEUE_SIZE],
    /// When each slot was offered to the device.
    posted: [Instant<Monotonic>; NUM_SLOTS],
    state: State,
    /// The payload of each slot's command, if any; freed when the slot is free again.
    payloads: [Option<Payload>; NUM_SLOTS],
    /// The display information last read from the device.
    display: DisplayInfo,
    /// A display refresh was asked for while no slot was free.
    refresh_pending: bool,
}

impl Inner {
    /// The error a command gets in the current state, `Ok` if it may proceed.
    fn check(&self) -> Result {
        match self.state {
            State::Live => Ok(()),
            State::Failed => Err(EIO),
            State::Gone => Err(ENODEV),
        }
    }

    /// Takes a free slot for a chain of `descriptors` descriptors, if any.
    fn alloc_slot(&mut self, descriptors: u16) -> Option<usize> {
        let slot = self.slots.iter().position(|s| *s == Slot::Free)?;
        (self.ring.num_free() >= descriptors).then_some(slot)
    }

    /// Makes `slot` free, and frees its payload: the device has given it back, or never will
    /// read it (a reset device).
    fn free_slot(&mut self, slot: usize) {
        self.slots[slot] = Slot::Free;
        self.payloads[slot] = None;
    }
}

/// Counters of the control queue, shown in debugfs (`ctrlq`). They only grow, except
/// `free_descriptors`.
pub(crate) struct Stats {
    /// Descriptors in the ring.
    pub(crate) size: Atomic<u32>,
    /// Descriptors not in flight.
    pub(crate) free_descriptors: Atomic<u32>,
    /// Commands offered to the device (including display refreshes).
    pub(crate) submitted: Atomic<u64>,
    /// Commands the device returned.
    pub(crate) completed: Atomic<u64>,
    /// Commands answered with an error response, by error.
    pub(crate) errors: [Atomic<u64>; DeviceError::COUNT],
    /// Commands answered with a response of the wrong type or size.
    pub(crate) malformed: Atomic<u64>,
    /// Commands whose answer did not come in time.
    pub(crate) timeouts: Atomic<u64>,
    /// Interrupts taken for the control queue.
    pub(crate) queue_interrupts: Atomic<u64>,
    /// Configuration-change interrupts taken.
    pub(crate) config_interrupts: Atomic<u64>,
    /// `VIRTIO_GPU_EVENT_DISPLAY` events handled.
    pub(crate) display_events: Atomic<u64>,
    /// The interrupt mode: 1 for MSI-X, 0 for INTx.
    pub(crate) msix: Atomic<u32>,
}

impl Stats {
    fn new() -> Self {
        Self {
            size: Atomic::new(0),
            free_descriptors: Atomic::new(0),
            submitted: Atomic::new(0),
            completed: Atomic::new(0),
            errors: [const { Atomic::new(0) }; DeviceError::COUNT],
            malformed: Atomic::new(0),
            timeouts: Atomic::new(0),
            queue_interrupts: Atomic::new(0),
            config_interrupts: Atomic::new(0),
            display_events: Atomic::new(0),
            msix: Atomic::new(0),
        }
    }

    /// Writes the counters, one `name: value` line each (the debugfs file's format).
    pub(crate) fn show(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        writeln!(f, "size: {}", self.size.load(Relaxed))?;
        writeln!(
            f,
            "free_descriptors: {}",
            self.free_descriptors.load(Relaxed)
        )?;
        writeln!(f, "submitted: {}", self.submitted.load(Relaxed))?;
        writeln!(f, "completed: {}", self.completed.load(Relaxed))?;
        for err in DeviceError::ALL {
            writeln!(
                f,
                "{}: {}",
                err.name(),
                self.errors[err as usize].load(Relaxed)
            )?;
        }
        writeln!(f, "malformed: {}", self.malformed.load(Relaxed))?;
        writeln!(f, "timeouts: {}", self.timeouts.load(Relaxed))?;
        writeln!(
            f,
            "queue_interrupts: {}",
            self.queue_interrupts.load(Relaxed)
        )?;
        writeln!(
            f,
            "config_interrupts: {}",
            self.config_interrupts.load(Relaxed)
        )?;
        writeln!(f, "display_events: {}", self.display_events.load(Relaxed))?;
        let mode = if self.msix.load(Relaxed) != 0 {
            "msix"
        } else {
            "intx"
        };
        writeln!(f, "interrupts: {mode}")
    }
}

/// The control queue; see the [module documentation](self).
#[pin_data]
pub(crate) struct ControlQueue {
    #[pin]
    inner: Mutex<Inner>,
    /// Signalled when a slot completes, frees, or the state changes.
    #[pin]
    changed: CondVar,
    buffers: Coherent<Buffers>,
    stats: Arc<Stats>,
    /// The PCI device, for log messages.
    dev: ARef<Device>,
}

impl ControlQueue {
    /// Takes `ring`, which the transport has enabled, and allocates the slots' buffers for `dev`,
    /// the device `ring` was allocated against.
    pub(crate) fn new(dev: &Device<Bound>, ring: SplitQueue) -> Result<impl PinInit<Self, Error>> {
        let size = ring.size();
        let buffers = Coherent::<Buffers>::zeroed(dev, GFP_KERNEL)?;
        let stats = Arc::new(Stats::new(), GFP_KERNEL)?;
        stats.size.store(u32::from(size), Relaxed);
        stats.free_descriptors.store(u32::from(size), Relaxed);
        let dev: ARef<Device> = dev.into();

        Ok(try_pin_init!(Self {
            inner <- new_mutex!(Inner {
                ring,
                slots: [Slot::Free; NUM_SLOTS],
                head_slot: [0; MAX_QUEUE_SIZE],
                posted: [Instant::<Monotonic>::now(); NUM_SLOTS],
                payloads: [const { None }; NUM_SLOTS],
                state: State::Live,
                display: DisplayInfo::default(),
                refresh_pending: false,
            }),
            changed <- new_condvar!("nova_lite_ctrlq"),
            buffers,
            stats,
            dev,
        }? Error))
    }

    /// The device the queue belongs to, for log messages.
    pub(crate) fn device(&self) -> &Device {
        &self.dev
    }

    /// The queue's counters.
    pub(crate) fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// Sends `cmd` and waits for its answer.
    ///
    /// Must be called from process context that may sleep. Errors: `ENODEV` once the core is
    /// being unbound; `EIO` if the device has failed (see the [module documentation](self)) or
    /// answered with `ERR_UNSPEC` or an unknown error; `ETIMEDOUT` if no slot became free within
    /// [`COMMAND_TIMEOUT`], or no answer came within as long (the device is then marked failed);
    /// `ERESTARTSYS` if a signal interrupted the wait; the errno of [`DeviceError::to_errno`] for an error
    /// response; `EPROTO` for a malformed response.
    pub(crate) fn send<C: Command>(&self, transport: &Transport<'_>, cmd: &C) -> Result<C::Output> {
        self.send_inner(transport, cmd, None, true)
    }

    /// Sends `cmd` and waits for its answer like [`Self::send`], but a signal does not end the
    /// wait: for commands whose caller must know that the device carried them out (resource
    /// teardown, which runs when a killed process closes its files, with a fatal signal
    /// pending). The wait stays bounded by [`COMMAND_TIMEOUT`]; with a signal pending it
    /// re-checks the slot each time the mutex was released, as the sleep returns at once.
    /// Errors: those of [`Self::send`] but `ERESTARTSYS`.
    pub(crate) fn send_uninterruptible<C: Command>(
        &self,
        transport: &Transport<'_>,
        cmd: &C,
    ) -> Result<C::Output> {
        self.send_inner(transport, cmd, None, false)
    }

    /// Sends `cmd` with `payload`, which the device reads after the request, and waits for its
    /// answer without being interrupted, like [`Self::send_uninterruptible`].
    ///
    /// The queue keeps `payload` until the device has given the command back (or is reset),
    /// even if the answer times out.
    pub(crate) fn send_with_payload<C: Command>(
        &self,
        transport: &Transport<'_>,
        cmd: &C,
        payload: Payload,
    ) -> Result<C::Output> {
        self.send_inner(transport, cmd, Some(payload), false)
    }

    fn send_inner<C: Command>(
        &self,
        transport: &Transport<'_>,
        cmd: &C,
        payload: Option<Payload>,
        interruptible: bool,
    ) -> Result<C::Output> {
        let start = Instant::<Monotonic>::now();
        let descriptors = if payload.is_some() { 3 } else { 2 };
        let mut inner = self.inner.lock();

        let slot = loop {
            inner.check()?;
            if let Some(slot) = inner.alloc_slot(descriptors) {
                break slot;
            }
            // Looked once more after the deadline: give up. The device is not blamed (the
            // commands that hold the slots time out on their own if it stopped answering).
            if start.elapsed() >= COMMAND_TIMEOUT {
                return Err(ETIMEDOUT);
            }
            self.wait(&mut inner, start, transport, None, interruptible)?;
        };

        self.post(
            &mut inner,
            transport,
            slot,
            cmd.request(),
            payload,
            Slot::Waiting,
        )?;

        let written = loop {
            if let Slot::Done { written } = inner.slots[slot] {
                break written;
            }
            if let Err(e) = inner.check() {
                inner.slots[slot] = Slot::Abandoned;
                return Err(e);
            }
            let posted = inner.posted[slot];
            self.wait(&mut inner, posted, transport, Some(slot), interruptible)?;
        };

        // The slot is ours until it is free again: read the answer first.
        let answer = self.read_response::<C::Response>(slot);
        inner.free_slot(slot);
        drop(inner);
        // A slot is free: wake a submitter waiting for one.
        self.changed.notify_all();

        self.decode(cmd, answer?, written)
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

    /// Reads the response buffer of `slot` as a header and as an `R`.
    fn read_response<R: FromBytes + IntoBytes>(&self, slot: usize) -> Result<(CtrlHdr, R)> {
        let view = io_project!(&self.buffers, .0[try: slot].response);
        Ok((
            view.try_cast::<CtrlHdr>()?.copy_read(),
            view.try_cast::<R>()?.copy_read(),
        ))
    }

    /// Writes `request` into `slot`'s buffer, offers the slot's chain (with `payload` after the
    /// request, if any) to the device and notifies it; the slot becomes `state` and keeps
    /// `payload` until it is free again.
    fn post<R: FromBytes + IntoBytes>(
        &self,
        inner: &mut MutexGuard<'_, Inner>,
        transport: &Transport<'_>,
        slot: usize,
        request: R,
        payload: Option<Payload>,
        state: Slot,
    ) -> Result {
        let slot_view = io_project!(&self.buffers, .0[try: slot]);
        io_project!(slot_view, .request)
            .try_cast::<R>()?
            .copy_write(request);
        let req_addr = io_project!(slot_view, .request).dma_address();
        let resp_addr = io_project!(slot_view, .response).dma_address();

        let request = Buffer {
            addr: req_addr,
            len: u32::try_from(size_of::<R>())?,
            device_writes: false,
        };
        let response = Buffer {
            addr: resp_addr,
            len: u32::try_from(MAX_RESPONSE_SIZE)?,
            device_writes: true,
        };
        let head = match &payload {
            None => inner.ring.add(&[request, response])?,
            Some(p) => {
                let payload = Buffer {
                    addr: p.dma_address(),
                    len: u32::try_from(p.size())?,
                    device_writes: false,
                };
                inner.ring.add(&[request, payload, response])?
            }
        };
        inner.payloads[slot] = payload;
        // `slot` is below NUM_SLOTS (32).
        inner.head_slot[usize::from(head)] = slot as u8;
        inner.slots[slot] = state;
        inner.posted[slot] = Instant::<Monotonic>::now();
        self.stats.submitted.fetch_add(1, Relaxed);
        self.stats
            .free_descriptors
            .store(u32::from(inner.ring.num_free()), Relaxed);
        transport.notify(CONTROL_QUEUE);
        Ok(())
    }

    /// Sleeps until the queue changes, at most until `start` + [`COMMAND_TIMEOUT`].
    ///
    /// Without `waiting`, the caller waits for a free slot: a timeout returns `Ok`, and the caller
    /// looks for a slot once more, then gives up with `ETIMEDOUT`. With `waiting` (the caller's slot, offered at `start`), the device did
    /// not answer in time: it is marked failed and the slot abandoned, `ETIMEDOUT`. On a signal,
    /// if `interruptible`, `waiting` is abandoned: `ERESTARTSYS`; otherwise the signal is
    /// ignored (`Ok`), and the caller looks at its slot and calls again.
    fn wait(
        &self,
        inner: &mut MutexGuard<'_, Inner>,
        start: Instant<Monotonic>,
        transport: &Transport<'_>,
        waiting: Option<usize>,
        interruptible: bool,
    ) -> Result {
        let left = COMMAND_TIMEOUT - start.elapsed();
        let timed_out = if left.as_millis() <= 0 {
            true
        } else {
            let ms = u32::try_from(left.as_millis_ceil()).unwrap_or(u32::MAX);
            match self
                .changed
                .wait_interruptible_timeout(inner, msecs_to_jiffies(ms))
            {
                CondVarTimeoutResult::Timeout => true,
                CondVarTimeoutResult::Woken { .. } => false,
                CondVarTimeoutResult::Signal { .. } if !interruptible => false,
                CondVarTimeoutResult::Signal { .. } => {
                    if let Some(slot) = waiting {
                        if inner.slots[slot] == Slot::Waiting {
                            inner.slots[slot] = Slot::Abandoned;
                        } else {
                            // Done while we were woken by the signal: the answer is dropped, and
                            // the slot is free for a submitter that waits for one.
                            inner.free_slot(slot);
                            self.changed.notify_all();
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
        if let Slot::Done { .. } = inner.slots[slot] {
            // The answer came just in time.
            return Ok(());
        }
        inner.slots[slot] = Slot::Abandoned;
        self.stats.timeouts.fetch_add(1, Relaxed);
        self.fail(inner, transport, "a command got no answer within 5 s");
        Err(ETIMEDOUT)
    }

    /// Marks the device failed, unless it already is or the core is going away; logs `why` once
    /// and tells the device (`FAILED` status bit). Wakes every waiter.
    fn fail(&self, inner: &mut MutexGuard<'_, Inner>, transport: &Transport<'_>, why: &str) {
        if inner.state == State::Live {
            inner.state = State::Failed;
            dev_err!(
                self.dev,
                "device failed: {}; commands now fail with EIO\n",
                why
            );
            transport.set_failed();
        }
        self.changed.notify_all();
    }

    /// Marks the device failed because it asked for a reset (`DEVICE_NEEDS_RESET`).
    pub(crate) fn needs_reset(&self, transport: &Transport<'_>) {
        let mut inner = self.inner.lock();
        self.fail(
            &mut inner,
            transport,
            "it needs a reset (DEVICE_NEEDS_RESET)",
        );
    }

    /// Makes every waiting and later command fail with `ENODEV`: the core is being unbound.
    pub(crate) fn shut_down(&self) {
        self.inner.lock().state = State::Gone;
        self.changed.notify_all();
    }

    /// Takes back every chain the device has used and wakes the submitters. Called by the
    /// interrupt thread, or by anyone in process context.
    pub(crate) fn process_used(&self, transport: &Transport<'_>) {
        let mut inner = self.inner.lock();
        loop {
            let chain = match inner.ring.pop_used() {
                Ok(Some(chain)) => chain,
                Ok(None) => break,
                Err(_) => {
                    self.fail(
                        &mut inner,
                        transport,
                        "it returned a descriptor not in flight",
                    );
                    break;
                }
            };
            self.stats.completed.fetch_add(1, Relaxed);
            let slot = usize::from(inner.head_slot[usize::from(chain.head)]);
            match inner.slots[slot] {
                Slot::Waiting => {
                    inner.slots[slot] = Slot::Done {
                        written: chain.written,
                    }
                }
                Slot::DisplayRefresh => {
                    self.refreshed(&mut inner, slot, chain.written);
                    inner.free_slot(slot);
                }
                // Abandoned, or (a device bug) free or done already: nobody waits for it.
                _ => inner.free_slot(slot),
            }
        }
        self.stats
            .free_descriptors
            .store(u32::from(inner.ring.num_free()), Relaxed);
        if inner.refresh_pending {
            self.post_refresh(&mut inner, transport);
        }
        drop(inner);
        self.changed.notify_all();
    }

    /// Asks the device for its display information without waiting for the answer, which
    /// [`Self::process_used`] stores; called on `VIRTIO_GPU_EVENT_DISPLAY` from the interrupt
    /// thread, which cannot wait for its own interrupt. Without a free slot, the refresh is sent
    /// when one frees.
    pub(crate) fn refresh_display_info(&self, transport: &Transport<'_>) {
        let mut inner = self.inner.lock();
        inner.refresh_pending = true;
        self.post_refresh(&mut inner, transport);
    }

    /// Sends a pending display refresh, if a slot is free and the queue is live.
    fn post_refresh(&self, inner: &mut MutexGuard<'_, Inner>, transport: &Transport<'_>) {
        if inner.check().is_err() {
            return;
        }
        let Some(slot) = inner.alloc_slot(2) else {
            return;
        };
        let request = protocol::GetDisplayInfo.request();
        if self
            .post(inner, transport, slot, request, None, Slot::DisplayRefresh)
            .is_ok()
        {
            inner.refresh_pending = false;
        }
    }

    /// Stores the display information of a completed refresh and logs what changed.
    fn refreshed(&self, inner: &mut MutexGuard<'_, Inner>, slot: usize, written: u32) {
        let Ok(answer) = self.read_response(slot) else {
            return;
        };
        let Ok(info) = self.decode(&protocol::GetDisplayInfo, answer, written) else {
            return;
        };
        if info != inner.display {
            for (i, s) in info.scanouts.iter().enumerate() {
                if *s != inner.display.scanouts[i] {
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
            inner.display = info;
        }
    }

    /// Sets the display information a display-change event is compared with (read at probe).
    pub(crate) fn set_display_info(&self, info: DisplayInfo) {
        self.inner.lock().display = info;
    }
}
