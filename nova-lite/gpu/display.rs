// SPDX-License-Identifier: GPL-2.0

//! What the DRM driver knows of the displays without waiting for the device: the display
//! information and the EDIDs the core read last ([`Gpu::displays`], [`Gpu::cached_edid`]), and a
//! listener told when the device reports a display change ([`Gpu::on_display_change`]).
//!
//! The core reads them at probe and again after each display change the device reports
//! (`VIRTIO_GPU_EVENT_DISPLAY`), as virtio_gpu does. The change is handled in the core's
//! `config_changed`, which the virtio abstraction calls from a work item: it sends
//! `GET_DISPLAY_INFO`, then `GET_EDID` for each scanout if the device offers EDIDs, each waiting
//! for its answer (at most twice [`COMMAND_TIMEOUT`]; the first that gets none ends the reads, so
//! the work ends in bounded time), stores what it read, then calls the listener. The abstraction
//! cancels that work item, waiting for it, before the core is unbound and before each reset of
//! the device: no read runs and no listener is called once the core is being unbound.
//!
//! A reset (recovery, system sleep, a reset of the transport) does not re-read the EDIDs: the
//! control queue re-reads the display information after it without waiting, and stores it. The
//! listener is told before the reset ([`DisplayListener::suspend`], from the core's freeze) and
//! after it ([`DisplayListener::resume`], from the restore).
//!
//! [`COMMAND_TIMEOUT`]: super::cmdq::COMMAND_TIMEOUT

use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        Mutex, //
    },
};

use super::{
    cmdq::CONTROL_QUEUE,
    protocol::{
        self,
        DisplayInfo,
        Edid,
        MAX_SCANOUTS, //
    },
    send_command,
    Gpu,
    Queues, //
};

/// What the core tells of display changes ([`Gpu::on_display_change`]).
pub(crate) trait DisplayListener: Send + Sync {
    /// The device reported a display change, and the core has stored what it read since:
    /// [`Gpu::displays`] and [`Gpu::cached_edid`] return it (an EDID the device did not give
    /// again is the one read before).
    ///
    /// Called from process context (the core's configuration-change work item), without the
    /// control queue's lock but with the lock that [`DisplayListening`]'s drop takes: it must not
    /// register a listener nor drop a [`DisplayListening`], and every wait in it must be bounded:
    /// a reset or an unbind waits for it (the work is cancelled synchronously first). The DRM
    /// driver sends a hot-plug event from it, which may commit (the fbdev emulation follows the
    /// outputs): a commit waits for room on the queue at most [`COMMAND_TIMEOUT`] and then goes
    /// on without it.
    ///
    /// [`COMMAND_TIMEOUT`]: super::cmdq::COMMAND_TIMEOUT
    fn displays_changed(&self);

    /// The device is about to be reset (a system sleep, a reset of its PCI function, a stall):
    /// the listener turns its outputs off, keeping what they showed. Called from the core's
    /// freeze before the control queue is quiesced (commands are still posted; a stalled device
    /// does not carry them out, and the reset drops them), with the same lock and rules as
    /// [`DisplayListener::displays_changed`].
    fn suspend(&self);

    /// The device was reset and its resources re-created (the core's restore, once commands are
    /// sent again): the listener turns its outputs on again as they were before
    /// [`DisplayListener::suspend`]. Same lock and rules as [`DisplayListener::displays_changed`].
    fn resume(&self);
}

/// The registration of a [`DisplayListener`] ([`Gpu::on_display_change`]). Dropping it
/// unregisters the listener: once the drop returns, the listener is not running and is not
/// called again. It does not borrow the [`Gpu`], and may be dropped after the core is unbound.
pub(crate) struct DisplayListening {
    displays: Arc<Displays>,
}

impl Drop for DisplayListening {
    fn drop(&mut self) {
        // Waits for a call in progress (the lock is held across it); the listener is dropped
        // without the lock.
        let listener = self.displays.listener.lock().take();
        drop(listener);
    }
}

/// The EDIDs the core read last and the display listener, shared by the [`Gpu`] and the core's
/// driver data (whose `config_changed` reads them again).
#[pin_data]
pub(super) struct Displays {
    /// The scanouts whose EDIDs are read: `num_scanouts`, at most [`MAX_SCANOUTS`].
    count: usize,
    /// Whether the device offers EDIDs (`VIRTIO_GPU_F_EDID`).
    has_edid: bool,
    /// The EDID of each scanout, if the device gave one.
    #[pin]
    edids: Mutex<[Option<Arc<Edid>>; MAX_SCANOUTS]>,
    /// Held across the listener's calls.
    #[pin]
    listener: Mutex<Option<Arc<dyn DisplayListener>>>,
}

impl Displays {
    /// No EDIDs and no listener, for a device with `count` scanouts that offers EDIDs if
    /// `has_edid`.
    pub(super) fn new(count: usize, has_edid: bool) -> impl PinInit<Self> {
        pin_init!(Self {
            count: count.min(MAX_SCANOUTS),
            has_edid,
            edids <- new_mutex!([const { None::<Arc<Edid>> }; MAX_SCANOUTS]),
            listener <- new_mutex!(None::<Arc<dyn DisplayListener>>),
        })
    }

    /// Reads the EDID of each scanout, if the device offers them, and stores it: `None` for a
    /// scanout whose EDID the device refused or sent malformed. Sleeps (see the
    /// [module documentation](self)). Errors, which end the reads (the EDIDs not read again stay
    /// as they were): `ETIMEDOUT`, `EIO`, `ENODEV` and `ERESTARTSYS` from
    /// [`ControlQueue::send`] (the device does not answer, was reset meanwhile or answered
    /// `ERR_UNSPEC`, or the core is being unbound), and `ENOMEM`.
    ///
    /// [`ControlQueue::send`]: super::cmdq::ControlQueue::send
    pub(super) fn read_edids(&self, queues: &Queues) -> Result {
        if !self.has_edid {
            return Ok(());
        }
        for index in 0..self.count {
            let scanout = u32::try_from(index)?;
            let edid = match send_command(queues, &protocol::GetEdid { scanout }) {
                Ok(edid) => Some(Arc::new(edid, GFP_KERNEL)?),
                Err(e) if e == ETIMEDOUT || e == EIO || e == ENODEV || e == ERESTARTSYS => {
                    return Err(e)
                }
                Err(e) => {
                    dev_dbg!(
                        queues.handler().device(),
                        "scanout {}: no EDID: {:?}\n",
                        scanout,
                        e
                    );
                    None
                }
            };
            let old = self
                .edids
                .lock()
                .get_mut(index)
                .map(|slot| core::mem::replace(slot, edid));
            // The old EDID goes without the lock.
            drop(old);
        }
        Ok(())
    }

    /// After the device reported a display change: reads and stores the display information
    /// (logging what changed) and the EDIDs, then calls the listener, unless the display
    /// information could not be read. From the core's `config_changed`; sleeps (see the
    /// [module documentation](self)).
    pub(super) fn changed(&self, queues: &Queues) {
        let cmdq = queues.handler();
        let info = match send_command(queues, &protocol::GetDisplayInfo) {
            Ok(info) => info,
            Err(e) => {
                dev_warn!(
                    cmdq.device(),
                    "display change: display information not read: {:?}\n",
                    e
                );
                return;
            }
        };
        if let Some(control) = queues.queue(CONTROL_QUEUE) {
            cmdq.update_display_info(control, info);
        }
        if let Err(e) = self.read_edids(queues) {
            dev_warn!(cmdq.device(), "display change: EDIDs not read: {:?}\n", e);
        }
        let listener = self.listener.lock();
        if let Some(listener) = listener.as_ref() {
            listener.displays_changed();
        }
    }

    /// Before a reset of the device (the core's freeze): the listener turns its outputs off.
    pub(super) fn suspend(&self) {
        if let Some(listener) = self.listener.lock().as_ref() {
            listener.suspend();
        }
    }

    /// After a reset of the device, its resources restored (the core's restore): the listener
    /// turns its outputs on again.
    pub(super) fn resume(&self) {
        if let Some(listener) = self.listener.lock().as_ref() {
            listener.resume();
        }
    }

    /// The EDID of scanout `index` the core read last.
    fn edid(&self, index: usize) -> Option<Arc<Edid>> {
        self.edids.lock().get(index).and_then(Option::clone)
    }
}

impl Gpu<'_> {
    /// The display information of the scanouts as the core read it last (at probe, after each
    /// display change the device reported, after each reset), without asking the device; the
    /// first [`Gpu::num_scanouts`] entries are meaningful. Takes the control queue's spinlock
    /// briefly: any process context (under `mode_config.mutex`, for example).
    pub(crate) fn displays(&self) -> DisplayInfo {
        match self.control() {
            Ok(control) => self.queues.handler().display_info(control),
            Err(_) => DisplayInfo::default(),
        }
    }

    /// The EDID of scanout `scanout` as the core read it last (at probe, and after each display
    /// change the device reported), without asking the device: `None` if `scanout` is not below
    /// [`Gpu::num_scanouts`], if the device does not offer EDIDs, or if it gave none for the
    /// scanout. Sleeps only for a mutex that is never held across a wait for the device: any
    /// process context without spinlocks held (under `mode_config.mutex`, for example).
    pub(crate) fn cached_edid(&self, scanout: u32) -> Option<Arc<Edid>> {
        if scanout >= self.num_scanouts {
            return None;
        }
        self.displays.edid(usize::try_from(scanout).ok()?)
    }

    /// Registers `listener`, called after each display change the device reports, once the
    /// display information and the EDIDs read after it are stored (see
    /// [`DisplayListener::displays_changed`] for where it is called from and what it must not
    /// do). The listener is registered until the returned [`DisplayListening`] is dropped, or the
    /// core is unbound (which cancels the display-change work first). Sleeps for a mutex.
    /// Errors: `EBUSY` if a listener is registered already (there is one at most).
    pub(crate) fn on_display_change(
        &self,
        listener: Arc<dyn DisplayListener>,
    ) -> Result<DisplayListening> {
        let mut registered = self.displays.listener.lock();
        if registered.is_some() {
            return Err(EBUSY);
        }
        *registered = Some(listener);
        drop(registered);
        Ok(DisplayListening {
            displays: self.displays.clone(),
        })
    }
}
