// SPDX-License-Identifier: GPL-2.0

//! 2D resources of the host: creation with a backing, transfer, scanout, flush, destruction.
//!
//! A resource is named by the id [`Gpu::create_resource`] returns: never 0, and never given to
//! another resource before [`Gpu::destroy_resource`] of it. The caller owns the resource: it
//! keeps the memory it gave as backing mapped for [`Gpu::dma_device`] until
//! [`Gpu::destroy_resource`] returns, and calls it exactly once, while the core is bound. Once
//! the core is unbound, the device is reset, which destroys every resource: a caller that can no
//! longer reach the [`Gpu`] (the DRM device is unplugged) simply forgets its resources.
//!
//! The backing is given to the device as DMA addresses of [`Gpu::dma_device`] if the device uses
//! the DMA API (it negotiated `VIRTIO_F_ACCESS_PLATFORM`), as physical addresses otherwise, as
//! the virtio core does for the queues.
//!
//! A reset of the device (recovery, system sleep) destroys the host's resources: the core keeps
//! what it told the device about each (format, size, backing entries, what the scanouts show) and
//! re-creates them after the reset ([`Resources::restore`]), with the pixels of their last
//! transfer, which the backing still holds.

use kernel::{
    dma::DataDirection,
    id_pool::IdPool,
    new_mutex,
    prelude::*,
    rbtree::RBTree,
    scatterlist::SGTable,
    sync::Mutex,
    time::Delta, //
};

use super::{
    protocol::{
        self,
        MemEntry,
        Rect,
        MAX_BACKING_ENTRIES,
        MAX_SCANOUTS, //
    },
    Gpu, //
};
use crate::live;

mod restore;

/// How long freeing a resource waits for the reset it asked for, when the device did not
/// answer: its backing must not be freed while the device may still read it. A reset takes
/// milliseconds; the bound stays below the freezer's 20 s.
const RESET_WAIT: Delta = Delta::from_millis(10000);

/// What the core told the device about one resource, to re-create it after a reset.
struct Record {
    format: u32,
    width: u32,
    height: u32,
    entries: KVec<MemEntry>,
}

/// The largest resource id handed out; the pool grows up to it.
const MAX_RESOURCE_ID: usize = 1 << 20;

/// The resource table: ids, what the scanouts show, how many resources the host holds.
struct Table {
    /// The ids in use; 0 is reserved (the protocol's "no resource").
    ids: IdPool,
    /// The resource each scanout shows (0 for none) and the rectangle shown.
    scanouts: [(u32, Rect); MAX_SCANOUTS],
    /// Resources the host holds: created and not destroyed (counted in [`crate::live`] too).
    on_host: u64,
    /// The resources to re-create after a reset, by id.
    records: RBTree<u32, Record>,
}

/// The 2D resources of a device, under one mutex.
#[pin_data]
pub(super) struct Resources {
    #[pin]
    table: Mutex<Table>,
}

impl Resources {
    /// An empty table.
    pub(super) fn new() -> Result<impl PinInit<Self>> {
        let mut ids = IdPool::with_capacity(64, GFP_KERNEL)?;
        // Id 0 means "no resource" in the protocol: never hand it out.
        ids.find_unused_id(0).ok_or(ENOMEM)?.acquire();
        Ok(pin_init!(Self {
            table <- new_mutex!(Table {
                ids,
                scanouts: [(0, Rect::default()); MAX_SCANOUTS],
                on_host: 0,
                records: RBTree::new(),
            }),
        }))
    }
}

impl<'bound> Gpu<'bound> {
    /// Takes a free resource id.
    fn alloc_resource_id(&self) -> Result<u32> {
        let mut res = self.resources.table.lock();
        loop {
            if let Some(id) = res.ids.find_unused_id(1) {
                return u32::try_from(id.acquire()).map_err(|_| ENOMEM);
            }
            if res.ids.capacity() >= MAX_RESOURCE_ID {
                return Err(ENOSPC);
            }
            let resizer = res.ids.grow_request().ok_or(ENOMEM)?.realloc(GFP_KERNEL)?;
            res.ids.grow(resizer);
        }
    }

    /// Gives back resource id `id`.
    fn free_resource_id(&self, id: u32) {
        self.resources.table.lock().ids.release_id(id as usize);
    }

    /// Counts one more resource on the host.
    fn created_on_host(&self) {
        self.resources.table.lock().on_host += 1;
        live::host_resource_created();
    }

    /// Counts resource `id` as destroyed on the host and frees its id, under one lock.
    fn destroyed_on_host(&self, id: u32) {
        let mut res = self.resources.table.lock();
        res.on_host -= 1;
        res.ids.release_id(id as usize);
        live::host_resources_destroyed(1);
    }

    /// The backing entries of `backing`, each run of contiguous device addresses as one entry.
    fn backing_entries(&self, backing: &SGTable) -> Result<KVec<MemEntry>> {
        let mut entries = KVec::<MemEntry>::new();
        let mut run: Option<(u64, u64)> = None;
        let mut add = |addr: u64, len: u64| -> Result {
            match &mut run {
                Some((start, run_len))
                    if *start + *run_len == addr && *run_len + len <= u64::from(u32::MAX) =>
                {
                    *run_len += len;
                }
                _ => {
                    if let Some((start, run_len)) = run.replace((addr, len)) {
                        entries.push(MemEntry::new(start, run_len as u32), GFP_KERNEL)?;
                    }
                }
            }
            Ok(())
        };
        if self.dma_api {
            for sg in backing.iter() {
                add(sg.dma_address(), sg.dma_len())?;
            }
        } else {
            for sg in backing.cpu_iter() {
                add(sg.phys_address(), u64::from(sg.length()))?;
            }
        }
        if let Some((start, run_len)) = run {
            entries.push(MemEntry::new(start, run_len as u32), GFP_KERNEL)?;
        }
        Ok(entries)
    }

    /// Creates a 2D resource of `width` x `height` pixels in virtio-gpu `format` on the host
    /// (`RESOURCE_CREATE_2D`) and attaches `backing` to it (`RESOURCE_ATTACH_BACKING`); returns
    /// its id. `backing` must be mapped for [`Gpu::dma_device`] and stay mapped until
    /// [`Gpu::destroy_resource`] of the id returns.
    ///
    /// The caller checks the arguments (the device answers `EINVAL` otherwise). Sleeps; see the
    /// [module documentation](super). Errors: `E2BIG` if `backing` needs more than
    /// [`MAX_BACKING_ENTRIES`] entries; `ENOSPC` if no id is free; `ENOMEM`; and those of a
    /// command (the device answers `ENOMEM` when its host memory for resources is used up).
    /// Nothing is left on the host on failure, unless the device fails meanwhile.
    pub(crate) fn create_resource(
        &self,
        format: u32,
        width: u32,
        height: u32,
        backing: &SGTable,
    ) -> Result<u32> {
        let entries = self.backing_entries(backing)?;
        if entries.is_empty() {
            return Err(EINVAL);
        }
        if entries.len() > MAX_BACKING_ENTRIES {
            return Err(E2BIG);
        }
        let nr_entries = u32::try_from(entries.len())?;

        // What a reset re-creates, made before the resource exists so that nothing fails after.
        let mut copy = KVec::with_capacity(entries.len(), GFP_KERNEL)?;
        copy.extend_from_slice(&entries, GFP_KERNEL)?;
        let record = Record {
            format,
            width,
            height,
            entries: copy,
        };

        let control = self.control()?;
        let before = self.queues.handler().epoch(control);
        let id = self.alloc_resource_id()?;
        let created = self.send_uninterruptible(&protocol::ResourceCreate2d {
            resource_id: id,
            format,
            width,
            height,
        });
        if let Err(e) = created {
            // The host has no such resource (or the device is gone): the id is free.
            self.free_resource_id(id);
            return Err(e);
        }
        self.created_on_host();
        // Recorded before the backing is attached: a reset from now on re-creates the resource
        // with its backing.
        let recorded = self
            .resources
            .table
            .lock()
            .records
            .try_create_and_insert(id, record, GFP_KERNEL);
        // A reset between the creation and the record lost the resource and did not re-create
        // it: give up (the caller may try again).
        let epoch = self.queues.handler().epoch(control);
        let recorded = recorded.and_then(|n| if epoch == before { Ok(n) } else { Err(EIO) });
        let attached = recorded.and_then(|_| {
            self.queues.handler().send_with_payload(
                control,
                &protocol::AttachBacking {
                    resource_id: id,
                    nr_entries,
                },
                entries,
            )
        });
        let attached = match attached {
            // A reset meanwhile re-created the resource and attached the backing: this attach
            // was lost, or came second.
            Err(_) if self.queues.handler().epoch(control) != epoch => Ok(()),
            other => other,
        };
        if let Err(e) = attached {
            self.resources.table.lock().records.remove(&id);
            // Nothing is attached (or the device is going away, and its reset frees everything).
            let unref = self.send_uninterruptible(&protocol::ResourceUnref { resource_id: id });
            let reset = self.queues.handler().epoch(control) != epoch;
            match unref {
                // Gone from the host: destroyed here, or by a reset meanwhile (not re-created: the
                // record is gone), or never re-created after one.
                Ok(()) => self.destroyed_on_host(id),
                Err(e) if e == ENOENT || reset => self.destroyed_on_host(id),
                // The id is not reused.
                Err(_) => {}
            }
            return Err(e);
        }
        Ok(id)
    }

    /// Copies `rect` of resource `id`'s backing, which starts at byte `offset` of it, to the
    /// host (`TRANSFER_TO_HOST_2D`). Sleeps; errors: those of a command.
    ///
    /// # Safety
    ///
    /// `backing` is the backing of resource `id`, mapped for [`Gpu::dma_device`] with
    /// [`DataDirection::ToDevice`] during the call.
    pub(crate) unsafe fn transfer_to_host(
        &self,
        id: u32,
        rect: Rect,
        offset: u64,
        backing: &SGTable,
    ) -> Result {
        if self.dma_api {
            // The device reads the backing through its streaming mapping: the CPU's writes since
            // the last transfer must reach it (they do not by themselves under swiotlb).
            // SAFETY: The caller maps `backing` for `dma_dev`, to the device.
            unsafe { backing.dma_sync_for_device(self.dma_dev, DataDirection::ToDevice) };
        }
        self.send(&protocol::TransferToHost2d {
            resource_id: id,
            rect,
            offset,
        })
    }

    /// Shows `rect` of resource `id` on scanout `scanout`, or disables the scanout if `id` is 0
    /// (`SET_SCANOUT`). Sleeps; errors: `EINVAL` if `scanout` is not below
    /// [`Gpu::num_scanouts`]; those of a command.
    pub(crate) fn set_scanout(&self, scanout: u32, id: u32, rect: Rect) -> Result {
        let index = usize::try_from(scanout)?;
        if scanout >= self.num_scanouts || index >= MAX_SCANOUTS {
            return Err(EINVAL);
        }
        // Held across the command, so that the table says what the device shows.
        let mut res = self.resources.table.lock();
        self.send_uninterruptible(&protocol::SetScanout {
            scanout_id: scanout,
            resource_id: id,
            rect,
        })?;
        res.scanouts[index] = (id, rect);
        Ok(())
    }

    /// Makes the host redraw `rect` of resource `id` where it is shown (`RESOURCE_FLUSH`).
    /// Sleeps; errors: those of a command.
    pub(crate) fn flush(&self, id: u32, rect: Rect) -> Result {
        self.send(&protocol::ResourceFlush {
            resource_id: id,
            rect,
        })
    }

    /// Destroys resource `id`: disables the scanouts that show it, then destroys it on the host
    /// (`RESOURCE_UNREF`), which also detaches its backing: the caller may unmap the backing once
    /// this returns. The id is then free.
    ///
    /// One command, not `RESOURCE_DETACH_BACKING` then `RESOURCE_UNREF`: the device drops a
    /// resource's backing when it destroys the resource, and a second round trip doubled the
    /// cost of freeing an object (`make bench`, pair `resource`).
    ///
    /// If the device does not answer in time, it may still read the backing: the core has it
    /// reset, which destroys the resource, and waits for that (at most [`RESET_WAIT`]); so it
    /// does if a reset starts meanwhile; after that reset it sends `RESOURCE_UNREF` once more (a
    /// restore already under way when the resource was forgotten may have re-created it). If
    /// the core is being unbound (`ENODEV`), it waits until the device was reset
    /// ([`ControlQueue::wait_stopped`]). Sleeps, not interruptibly: each command (a
    /// `SET_SCANOUT` per scanout that shows the resource, `RESOURCE_UNREF`, the second one)
    /// waits at most twice [`COMMAND_TIMEOUT`] (a slot, then the answer), the reset at most
    /// [`RESET_WAIT`]; the wait for the unbind's reset has no bound of its own (the unbind
    /// under way resets the device without waiting for anything this holds).
    /// Fails only if the device refused (logged once per resource), or if the reset did not
    /// come in time (logged): the id is then never reused. The backing may be unmapped once
    /// this returns, whatever it returns, unless the reset did not come or the second
    /// `RESOURCE_UNREF` failed (then a re-created resource may still have it attached).
    ///
    /// [`ControlQueue::wait_stopped`]: super::cmdq::ControlQueue::wait_stopped
    /// [`COMMAND_TIMEOUT`]: super::cmdq::COMMAND_TIMEOUT
    pub(crate) fn destroy_resource(&self, id: u32) -> Result {
        let control = self.control()?;
        let cmdq = self.queues.handler();
        // Forgotten first: a reset from now on does not re-create the resource.
        self.resources.table.lock().records.remove(&id);
        let (epoch, resets) = (cmdq.epoch(control), cmdq.resets(control));
        let result = self
            .disable_scanouts_of(id)
            .and_then(|()| self.send_uninterruptible(&protocol::ResourceUnref { resource_id: id }));
        let reset = cmdq.epoch(control) != epoch;
        let result = match result {
            Ok(()) => Ok(()),
            // The device is going away: its reset destroys the resource. Until then it may still
            // read the backing.
            Err(e) if e == ENODEV => {
                cmdq.wait_stopped();
                return Err(e);
            }
            // The device may still read the backing (no answer), or a reset started meanwhile
            // (which destroys the resource and does not re-create it): the backing may be freed
            // once the device is reset.
            Err(e) if e == ETIMEDOUT || reset => {
                if !reset && !cmdq.resetting(control) {
                    self.queues.request_reset();
                }
                cmdq.wait_for_reset(control, resets, RESET_WAIT)
                    .and_then(|()| self.unref_after_reset(id))
            }
            // The host does not have it (a reset's restore did not re-create it).
            Err(e) if e == ENOENT => Ok(()),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => self.destroyed_on_host(id),
            // The core was unbound while waiting for the reset: it is reset once unbound.
            Err(e) if e == ENODEV => cmdq.wait_stopped(),
            Err(e) => {
                dev_err!(
                    cmdq.device(),
                    "cannot destroy resource {}: {:?}; its id is not reused\n",
                    id,
                    e
                );
            }
        }
        result
    }

    /// Destroys resource `id` once more after a reset that came while it was being destroyed:
    /// a restore that copied the table before the record went re-created it, its backing
    /// attached. `ENOENT` (the restore did not) is success. Sleeps.
    fn unref_after_reset(&self, id: u32) -> Result {
        match self.send_uninterruptible(&protocol::ResourceUnref { resource_id: id }) {
            Err(e) if e == ENOENT => Ok(()),
            result => result,
        }
    }

    /// Disables the scanouts that show resource `id` (`SET_SCANOUT` to resource 0). Sleeps;
    /// errors: those of a command (the scanouts not yet disabled then still show it).
    fn disable_scanouts_of(&self, id: u32) -> Result {
        let mut res = self.resources.table.lock();
        for scanout in 0..self.num_scanouts.min(MAX_SCANOUTS as u32) {
            if res.scanouts[scanout as usize].0 == id {
                self.send_uninterruptible(&protocol::SetScanout {
                    scanout_id: scanout,
                    resource_id: 0,
                    rect: Rect::default(),
                })?;
                res.scanouts[scanout as usize] = (0, Rect::default());
            }
        }
        Ok(())
    }
}

impl Drop for Gpu<'_> {
    fn drop(&mut self) {
        // The core's data goes after the device was reset (when the driver was unbound): the
        // reset destroyed the resources the host still held.
        live::host_resources_destroyed(self.resources.table.lock().on_host);
    }
}
