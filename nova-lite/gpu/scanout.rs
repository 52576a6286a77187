// SPDX-License-Identifier: GPL-2.0

//! Scanout updates for KMS: the commands of one plane update are made, and room for them in the
//! ring waited for, before the commit ([`Gpu::prepare_scanout_update`], from `prepare_fb`, which
//! may fail and wait); the commit posts them without waiting, allocating or failing
//! ([`Gpu::post_scanout_update`], from the plane's `atomic_update`).
//!
//! An update is at most three commands, in this order: `TRANSFER_TO_HOST_2D` of the damaged
//! rectangle, `SET_SCANOUT` (the resource and its source rectangle, or resource 0 to disable the
//! scanout) and `RESOURCE_FLUSH` of the damaged rectangle. Their answers are not waited for: an
//! error answer is recorded on the fence given to [`Gpu::prepare_scanout_update`] (the shown
//! resource's: the resource ioctls on it return it; a later update does not fail for it), or
//! only counted without one (debugfs `ctrlq`); the queue's first such answer is logged as a
//! warning, later ones at debug level (never a `WARN`).
//!
//! What the scanouts show is recorded as it is posted, so that the restore after a reset of the
//! device shows what KMS last posted (a refused `SET_SCANOUT` stays recorded: the restore tries
//! it again).
//!
//! While the device is being reset, [`Gpu::prepare_scanout_update`] waits for it to come back
//! (within [`COMMAND_TIMEOUT`], then goes on) and [`Gpu::post_scanout_update`] parks the
//! commands, which are sent after the restore. Once the core is being unbound, the preparation
//! fails with `ENODEV` and the commands posted are dropped once the device is reset (at once
//! after that).
//!
//! The panic screen ([`Gpu::post_panic_update`]) is posted from the kernel's panic handler with
//! commands allocated ahead for each scanout (see `cmdq::panic`): a copy of the whole framebuffer
//! the panic handler drew into, `SET_SCANOUT` of what the plane shows, and a flush of it. It is not
//! recorded: a reset's restore shows what KMS last posted. A device that reads memory through the
//! DMA API gets no panic screen: syncing the backing and mapping the commands takes the DMA
//! layer's locks (swiotlb's, an IOMMU's, DMA-API debugging's), which a panic handler must not wait
//! for (lockdep reports them under `drm_panic`'s raw spinlock).
//!
//! [`COMMAND_TIMEOUT`]: super::cmdq::COMMAND_TIMEOUT

use kernel::{
    dma::DataDirection,
    prelude::*,
    scatterlist::SGTable,
    sync::Arc, //
};

use super::{
    cmdq::{
        Fence,
        PanicRequests,
        Prepared, //
    },
    protocol::{
        self,
        Command,
        Rect,
        MAX_SCANOUTS, //
    },
    Gpu, //
};

/// The commands of one plane update, allocated ahead of the commit (in `prepare_fb`) by
/// [`Gpu::prepare_scanout_update`], with placeholder requests that
/// [`Gpu::post_scanout_update`] fills in. Dropped without being posted, it sends nothing.
pub(crate) struct ScanoutUpdate {
    /// The scanout it was prepared for.
    scanout: u32,
    /// `TRANSFER_TO_HOST_2D` of the damaged rectangle.
    transfer: Prepared,
    /// `SET_SCANOUT`.
    set: Prepared,
    /// `RESOURCE_FLUSH` of the damaged rectangle.
    flush: Prepared,
}

/// What [`Gpu::post_scanout_update`] shows on its scanout.
pub(crate) enum ScanoutShow<'a> {
    /// Disable the scanout (`SET_SCANOUT` of resource 0).
    Off,
    /// Show resource `id`.
    Resource {
        /// The resource (not 0).
        id: u32,
        /// The resource's backing, to sync for the device before the transfer (needed only if
        /// [`Gpu::syncs_backing`]: without it the transfer is not posted then).
        backing: Option<&'a SGTable>,
        /// The damaged rectangle of the resource and its byte offset in the backing:
        /// `TRANSFER_TO_HOST_2D` then `RESOURCE_FLUSH` of it; `None`: nothing to copy or flush.
        damage: Option<(Rect, u64)>,
        /// `Some(source rectangle)`: `SET_SCANOUT` to it (the framebuffer, its source rectangle
        /// or the mode changed); `None`: the scanout already shows it.
        set: Option<Rect>,
    },
}

/// What [`Gpu::post_panic_update`] shows: the panic screen drawn into resource `id`'s backing.
pub(crate) struct PanicShow {
    /// The resource (not 0).
    pub(crate) id: u32,
    /// What the panic handler drew: the framebuffer's rectangle of the resource, from its
    /// start (byte offset 0). Copied to the host.
    pub(crate) drawn: Rect,
    /// The source rectangle the plane shows: set as the scanout's and flushed.
    pub(crate) shown: Rect,
}

/// `cmd`, prepared as a command of a scanout update: its answer goes to `fence`, and an error
/// answer is logged.
fn prepare<C: Command<Output = ()>>(cmd: &C, fence: Option<&Arc<Fence>>) -> Result<Prepared> {
    let mut prepared = Prepared::new(cmd, KVec::new(), fence.cloned())?;
    prepared.log_refusals();
    Ok(prepared)
}

impl Gpu<'_> {
    /// Allocates the commands of one update of scanout `scanout` and waits, at most
    /// [`COMMAND_TIMEOUT`] and interruptibly, for room for all three in the control queue's ring
    /// (a wait that times out checks whether the device stalled, and has it reset if so).
    ///
    /// `fence`: the fence of the resource the update will show, which gets the commands' answers
    /// and errors (as [`Gpu::transfer_to_host`]'s); `None` when the update will disable the
    /// scanout: then nothing is waited for (disabling never fails for want of room: the DRM core
    /// cannot fail removing a framebuffer), and errors are only counted and logged.
    ///
    /// A resource's earlier error does not fail the update (it was logged when the device
    /// answered): a commit of the fbdev emulation, or one that removes a framebuffer, must not
    /// fail for the device's past answers. Nor does a wait that timed out: the commands then
    /// wait in the backlog until there is room or the device is reset.
    ///
    /// Sleeps; from process context without spinlocks held (`prepare_fb`). Errors: `EINVAL` if
    /// `scanout` is not below [`Gpu::num_scanouts`]; `ENOMEM`; those of
    /// [`ControlQueue::wait_room`] but `ETIMEDOUT`: `ERESTARTSYS` (a signal), `ENODEV` (the core
    /// is being unbound).
    ///
    /// [`COMMAND_TIMEOUT`]: super::cmdq::COMMAND_TIMEOUT
    /// [`ControlQueue::wait_room`]: super::cmdq::ControlQueue::wait_room
    pub(crate) fn prepare_scanout_update(
        &self,
        scanout: u32,
        fence: Option<&Arc<Fence>>,
    ) -> Result<ScanoutUpdate> {
        let index = usize::try_from(scanout)?;
        if scanout >= self.num_scanouts || index >= MAX_SCANOUTS {
            return Err(EINVAL);
        }
        // Placeholders of the commands `post_scanout_update` fills in.
        let transfer = prepare(
            &protocol::TransferToHost2d {
                resource_id: 0,
                rect: Rect::default(),
                offset: 0,
            },
            fence,
        )?;
        let set = prepare(
            &protocol::SetScanout {
                scanout_id: scanout,
                resource_id: 0,
                rect: Rect::default(),
            },
            fence,
        )?;
        let flush = prepare(
            &protocol::ResourceFlush {
                resource_id: 0,
                rect: Rect::default(),
            },
            fence,
        )?;
        let control = self.control()?;
        if fence.is_some() {
            let room = self
                .queues
                .handler()
                .wait_room(control, &[&transfer, &set, &flush]);
            self.check_stall(control, &room);
            match room {
                Err(e) if e == ETIMEDOUT => {}
                room => room?,
            }
        }
        Ok(ScanoutUpdate {
            scanout,
            transfer,
            set,
            flush,
        })
    }

    /// Posts `update` as `show` says, in the order `TRANSFER_TO_HOST_2D`, `SET_SCANOUT`,
    /// `RESOURCE_FLUSH`, without waiting, allocating or failing: fills in the prepared requests,
    /// syncs `backing` for the device if [`Gpu::syncs_backing`], then, under the resource table's
    /// lock, posts the commands used ([`ControlQueue::post_or_park_all`]: without room they wait
    /// in the backlog) and records what the scanout shows (resource 0 for [`ScanoutShow::Off`]),
    /// which a reset's restore shows again. The commands not used are dropped. With the core
    /// unbound and the device reset, nothing is posted.
    ///
    /// `scanout` is the one `update` was prepared for; another one posts nothing (logged).
    ///
    /// Sleeps only for the table's mutex (taken briefly elsewhere, never across a wait for the
    /// device); from process context without spinlocks held (the plane's `atomic_update`).
    ///
    /// # Safety
    ///
    /// `backing`, if given, is the backing of resource `id`, mapped for [`Gpu::dma_device`] with
    /// [`DataDirection::ToDevice`], and stays so until the device has completed the transfer:
    /// until [`Teardown::destroy`] of the resource drops what it keeps, at the earliest.
    ///
    /// [`ControlQueue::post_or_park_all`]: super::cmdq::ControlQueue::post_or_park_all
    /// [`Teardown::destroy`]: super::Teardown::destroy
    pub(crate) unsafe fn post_scanout_update(
        &self,
        update: ScanoutUpdate,
        scanout: u32,
        show: ScanoutShow<'_>,
    ) {
        let ScanoutUpdate {
            scanout: prepared_for,
            mut transfer,
            mut set,
            mut flush,
        } = update;
        let index = match usize::try_from(scanout) {
            Ok(index) if scanout == prepared_for && index < MAX_SCANOUTS => index,
            _ => {
                dev_warn!(
                    self.queues.handler().device(),
                    "an update prepared for scanout {} was posted for scanout {}: dropped\n",
                    prepared_for,
                    scanout
                );
                return;
            }
        };
        // The requests are filled in where the placeholders are: the same commands, so the same
        // sizes, and `set_request` does not fail.
        let mut cmds: [Option<Prepared>; 3] = [None, None, None];
        let mut shown = None;
        match show {
            ScanoutShow::Off => {
                let off = protocol::SetScanout {
                    scanout_id: scanout,
                    resource_id: 0,
                    rect: Rect::default(),
                };
                if set.set_request(&off).is_ok() {
                    cmds[1] = Some(set);
                    shown = Some((0, Rect::default()));
                }
            }
            ScanoutShow::Resource {
                id,
                backing,
                damage,
                set: source,
            } => {
                if let Some((rect, offset)) = damage {
                    // The device reads the backing through its streaming mapping: the CPU's
                    // writes since the last transfer must reach it (they do not by themselves
                    // under swiotlb). Without the backing to sync, nothing is copied.
                    let synced = match (self.dma_api, backing) {
                        (false, _) => true,
                        (true, Some(backing)) => {
                            // SAFETY: The caller maps `backing` for `dma_dev`, to the device.
                            unsafe {
                                backing.dma_sync_for_device(self.dma_dev, DataDirection::ToDevice)
                            };
                            true
                        }
                        (true, None) => false,
                    };
                    let copy = protocol::TransferToHost2d {
                        resource_id: id,
                        rect,
                        offset,
                    };
                    if synced && transfer.set_request(&copy).is_ok() {
                        cmds[0] = Some(transfer);
                    }
                    let redraw = protocol::ResourceFlush {
                        resource_id: id,
                        rect,
                    };
                    if flush.set_request(&redraw).is_ok() {
                        cmds[2] = Some(flush);
                    }
                }
                if let Some(rect) = source {
                    let shows = protocol::SetScanout {
                        scanout_id: scanout,
                        resource_id: id,
                        rect,
                    };
                    if set.set_request(&shows).is_ok() {
                        cmds[1] = Some(set);
                        shown = Some((id, rect));
                    }
                }
            }
        }
        self.resources
            .post_scanout(&self.queues, index, shown, cmds);
    }

    /// Shows the panic screen on scanout `scanout`, as `show` says: posts `TRANSFER_TO_HOST_2D`
    /// of what was drawn, `SET_SCANOUT` and `RESOURCE_FLUSH` of what the plane shows, with the
    /// scanout's panic commands ([`ControlQueue::post_panic`]). Returns whether they were
    /// posted: not if `scanout` is not below [`Gpu::num_scanouts`], nor if the device reads
    /// memory through the DMA API ([`Gpu::syncs_backing`]: see the
    /// [module documentation](self)), nor when `post_panic` cannot (counted as skipped).
    ///
    /// Called from the kernel's panic handler (the primary plane's `panic_flush`): never sleeps,
    /// allocates or waits, but for a try-lock of the control queue's lock tried for a bounded
    /// time; the device is not waited for. The device reads the resource's backing until it has
    /// completed the transfer; the core frees no posted command's memory before that (see
    /// `cmdq::panic`), and the resource is destroyed with a posted command.
    ///
    /// [`ControlQueue::post_panic`]: super::cmdq::ControlQueue::post_panic
    pub(crate) fn post_panic_update(&self, scanout: u32, show: PanicShow) -> bool {
        let Ok(index) = usize::try_from(scanout) else {
            return false;
        };
        if scanout >= self.num_scanouts || index >= MAX_SCANOUTS {
            return false;
        }
        let Ok(control) = self.control() else {
            return false;
        };
        let cmdq = self.queues.handler();
        if self.dma_api {
            cmdq.panic_skipped();
            return false;
        }
        let requests = PanicRequests {
            transfer: protocol::TransferToHost2d {
                resource_id: show.id,
                rect: show.drawn,
                offset: 0,
            },
            set: protocol::SetScanout {
                scanout_id: scanout,
                resource_id: show.id,
                rect: show.shown,
            },
            flush: protocol::ResourceFlush {
                resource_id: show.id,
                rect: show.shown,
            },
        };
        cmdq.post_panic(control, index, &requests)
    }
}
