// SPDX-License-Identifier: GPL-2.0

//! 2D resources of the host: creation with a backing, transfer, scanout, flush, destruction.
//!
//! A resource is named by the id [`Gpu::create_resource`] returns ([`NewResource`]): never 0,
//! and never given to another resource before the device has answered the `RESOURCE_UNREF` of
//! [`Teardown::destroy`]. The caller owns the resource: it keeps the memory it gave as backing
//! mapped for [`Gpu::dma_device`] until the core drops what it handed to [`Teardown::destroy`],
//! which it calls once, whether or not it can still reach the [`Gpu`] (the DRM device may be
//! unplugged while the core is bound): once the core is unbound, the device is reset, and
//! destroying a resource sends nothing.
//!
//! Every command on a resource is posted ([`ControlQueue::post`]): the methods return once the
//! device may see it, and the device's answer is checked by the completion path, which records
//! the first error on the resource's [`Fence`]. Each method first returns that error, if any;
//! [`Gpu::wait`] waits for the resource's commands and returns it.
//!
//! [`ControlQueue::post`]: super::cmdq::ControlQueue::post
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
    rbtree::{
        RBTree,
        RBTreeNode, //
    },
    scatterlist::SGTable,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex, //
    },
    time::{
        Delta,
        Instant,
        Monotonic, //
    },
};

use super::{
    cmdq::{
        Fence,
        Prepared,
        Signals,
        COMMAND_TIMEOUT, //
    },
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
mod scanouts;
mod teardown;

pub(crate) use scanouts::Shown;
use teardown::Release;
pub(crate) use teardown::Teardown;

/// What the core told the device about one resource, to re-create it after a reset.
struct Record {
    format: u32,
    width: u32,
    height: u32,
    entries: KVec<MemEntry>,
    /// The resource's fence: a refusal of the restore is the resource's error too.
    fence: Arc<Fence>,
}

/// The largest resource id handed out; the pool grows up to it.
const MAX_RESOURCE_ID: usize = 1 << 20;

/// The resource table: what the scanouts show, how many resources the host holds, what a reset
/// re-creates.
struct Table {
    /// The resource each scanout shows (0 for none) and the rectangle shown.
    scanouts: [(u32, Rect); MAX_SCANOUTS],
    /// Resources the host holds: created and not destroyed (counted in [`crate::live`] too).
    on_host: u64,
    /// The resources to re-create after a reset, by id.
    records: RBTree<u32, Record>,
}

/// The 2D resources of a device. The id pool and the table have a lock each; neither is held
/// while waiting for the device.
#[pin_data]
pub(super) struct Resources {
    /// The ids in use; 0 is reserved (the protocol's "no resource").
    #[pin]
    ids: Mutex<IdPool>,
    #[pin]
    table: Mutex<Table>,
    /// The number of times a restore copied the table: a creation whose record a restore copied
    /// before the creation was posted is not posted (the restore made the resource).
    restores: Atomic<u64>,
    /// The resource whose image each scanout's cursor shows (0 for none), as last posted; for
    /// debugfs only ([`Shown`]).
    cursors: [Atomic<u32>; MAX_SCANOUTS],
}

impl Resources {
    /// An empty table.
    pub(super) fn new() -> Result<impl PinInit<Self>> {
        let ids = new_id_pool()?;
        Ok(pin_init!(Self {
            ids <- new_mutex!(ids),
            table <- new_mutex!(Table {
                scanouts: [(0, Rect::default()); MAX_SCANOUTS],
                on_host: 0,
                records: RBTree::new(),
            }),
            restores: Atomic::new(0),
            cursors: [const { Atomic::new(0) }; MAX_SCANOUTS],
        }))
    }

    /// Takes a free resource id.
    fn alloc_id(&self) -> Result<u32> {
        take_id(&mut self.ids.lock(), MAX_RESOURCE_ID)
    }

    /// Counts resource `id` as destroyed on the host and frees its id.
    fn destroyed(&self, id: u32) {
        let was_on_host = {
            let mut table = self.table.lock();
            let was = table.on_host > 0;
            table.on_host = table.on_host.saturating_sub(1);
            was
        };
        if was_on_host {
            live::host_resources_destroyed(1);
        }
        self.ids.lock().release_id(id as usize);
    }
}

/// An id pool for resources: id 0, "no resource" in the protocol, is taken, never handed out.
fn new_id_pool() -> Result<IdPool> {
    let mut ids = IdPool::with_capacity(64, GFP_KERNEL)?;
    ids.find_unused_id(0).ok_or(ENOMEM)?.acquire();
    Ok(ids)
}

/// Takes the lowest free id of `ids`, growing the pool up to `max` ids (ids below `max`); `ENOSPC`
/// if all are taken.
fn take_id(ids: &mut IdPool, max: usize) -> Result<u32> {
    loop {
        if let Some(id) = ids.find_unused_id(1) {
            return u32::try_from(id.acquire()).map_err(|_| ENOMEM);
        }
        if ids.capacity() >= max {
            return Err(ENOSPC);
        }
        let resizer = ids.grow_request().ok_or(ENOMEM)?.realloc(GFP_KERNEL)?;
        ids.grow(resizer);
    }
}

/// The backing entries of the ranges of device memory `ranges` (address, length), in their
/// order: each run of contiguous ranges is one entry, of at most `u32::MAX` bytes.
fn backing_runs(ranges: impl IntoIterator<Item = (u64, u64)>) -> Result<KVec<MemEntry>> {
    let mut entries = KVec::<MemEntry>::new();
    let mut run: Option<(u64, u64)> = None;
    for (addr, len) in ranges {
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
    }
    if let Some((start, run_len)) = run {
        entries.push(MemEntry::new(start, run_len as u32), GFP_KERNEL)?;
    }
    Ok(entries)
}

/// A resource the core created ([`Gpu::create_resource`]).
pub(crate) struct NewResource {
    /// The host's id of the resource.
    pub(crate) id: u32,
    /// The progress of the commands posted for the resource.
    pub(crate) fence: Arc<Fence>,
    /// What destroying the resource takes, allocated with it so that destroying it cannot fail.
    pub(crate) teardown: Teardown,
    /// Whether its commands were posted. On an error the caller destroys the resource at once,
    /// keeping the backing until the device has answered: a reset's restore may have made it.
    pub(crate) posted: Result,
}

impl<'bound> Gpu<'bound> {
    /// The backing entries of `backing`, each run of contiguous device addresses as one entry.
    fn backing_entries(&self, backing: &SGTable) -> Result<KVec<MemEntry>> {
        if self.dma_api {
            backing_runs(backing.iter().map(|sg| (sg.dma_address(), sg.dma_len())))
        } else {
            backing_runs(
                backing
                    .cpu_iter()
                    .map(|sg| (sg.phys_address(), u64::from(sg.length()))),
            )
        }
    }

    /// Creates a 2D resource of `width` x `height` pixels in virtio-gpu `format` on the host
    /// with `backing` attached: posts `RESOURCE_CREATE_2D` and `RESOURCE_ATTACH_BACKING` with
    /// one notification of the device, and returns without waiting for the answers, which are
    /// recorded on the resource's fence (the device answers `ENOMEM` when its host memory for
    /// resources is used up). `backing` must be mapped for [`Gpu::dma_device`] and stay mapped
    /// until [`Teardown::destroy`] of the resource drops what it keeps.
    ///
    /// The caller checks the arguments (the device answers `EINVAL` otherwise). Sleeps; see the
    /// [module documentation](super). Errors, with nothing on the host: `E2BIG` if `backing`
    /// needs more than [`MAX_BACKING_ENTRIES`] entries; `ENOSPC` if no id is free; `ENOMEM`.
    /// Once the resource is recorded, the result is a [`NewResource`], whose `posted` holds the
    /// errors of [`ControlQueue::post`]: the caller destroys the resource then.
    ///
    /// [`ControlQueue::post`]: super::cmdq::ControlQueue::post
    pub(crate) fn create_resource(
        &self,
        format: u32,
        width: u32,
        height: u32,
        backing: &SGTable,
    ) -> Result<NewResource> {
        let entries = self.backing_entries(backing)?;
        if entries.is_empty() {
            return Err(EINVAL);
        }
        if entries.len() > MAX_BACKING_ENTRIES {
            return Err(E2BIG);
        }
        let nr_entries = u32::try_from(entries.len())?;

        // What a reset re-creates, and every command, made before the resource exists so that
        // nothing fails after.
        let mut copy = KVec::with_capacity(entries.len(), GFP_KERNEL)?;
        copy.extend_from_slice(&entries, GFP_KERNEL)?;
        let fence = Arc::new(Fence::new(), GFP_KERNEL)?;
        let record = Record {
            format,
            width,
            height,
            entries: copy,
            fence: fence.clone(),
        };
        let control = self.control()?;
        let id = self.resources.alloc_id()?;
        let made = (|| -> Result<_> {
            let create = Prepared::new(
                &protocol::ResourceCreate2d {
                    resource_id: id,
                    format,
                    width,
                    height,
                },
                KVec::new(),
                Some(fence.clone()),
            )?;
            let attach = Prepared::new(
                &protocol::AttachBacking {
                    resource_id: id,
                    nr_entries,
                },
                entries,
                Some(fence.clone()),
            )?;
            let unref = Prepared::new(
                &protocol::ResourceUnref { resource_id: id },
                KVec::new(),
                None,
            )?;
            let release = KBox::new(Release::new(self.resources.clone(), id), GFP_KERNEL)?;
            let teardown = Teardown::new(id, unref, release, self.queues.clone());
            let node = RBTreeNode::new(id, record, GFP_KERNEL)?;
            Ok((create, attach, teardown, node))
        })();
        let (create, attach, teardown, node) = match made {
            Ok(made) => made,
            Err(e) => {
                self.resources.ids.lock().release_id(id as usize);
                return Err(e);
            }
        };

        // Recorded first: a reset from now on re-creates the resource. A reset whose restore
        // copies the table before the commands are posted made the resource: they are not posted.
        let restores = {
            let mut table = self.resources.table.lock();
            table.records.insert(node);
            table.on_host += 1;
            self.resources.restores.load(Relaxed)
        };
        live::host_resource_created();
        let posted = self.queues.handler().post_unless_restored(
            control,
            [create, attach],
            &self.resources.restores,
            restores,
        );
        if posted.is_err() {
            let cmdq = self.queues.handler();
            self.check_stall(control, &posted);
            dev_dbg!(cmdq.device(), "resource {} not created: {:?}\n", id, posted);
        }
        Ok(NewResource {
            id,
            fence,
            teardown,
            posted,
        })
    }

    /// Copies `rect` of resource `id`'s backing, which starts at byte `offset` of it, to the
    /// host: posts `TRANSFER_TO_HOST_2D`. `backing`, which is synced for the device first, is
    /// needed only if [`Gpu::syncs_backing`]. With [`Signals::Ignore`], a signal does not end the
    /// wait for room. Errors: `EINVAL` if it is needed and missing; the first error of `fence`
    /// (the resource's); those of [`ControlQueue::post`].
    ///
    /// # Safety
    ///
    /// `backing`, if given, is the backing of resource `id`, mapped for [`Gpu::dma_device`] with
    /// [`DataDirection::ToDevice`], and stays so until the device has completed the transfer:
    /// until [`Teardown::destroy`] of the resource drops what it keeps, at the earliest.
    ///
    /// [`ControlQueue::post`]: super::cmdq::ControlQueue::post
    pub(crate) unsafe fn transfer_to_host(
        &self,
        id: u32,
        fence: &Arc<Fence>,
        rect: Rect,
        offset: u64,
        backing: Option<&SGTable>,
        signals: Signals,
    ) -> Result {
        fence.error()?;
        if self.dma_api {
            let backing = backing.ok_or(EINVAL)?;
            // The device reads the backing through its streaming mapping: the CPU's writes since
            // the last transfer must reach it (they do not by themselves under swiotlb).
            // SAFETY: The caller maps `backing` for `dma_dev`, to the device.
            unsafe { backing.dma_sync_for_device(self.dma_dev, DataDirection::ToDevice) };
        }
        let transfer = Prepared::new(
            &protocol::TransferToHost2d {
                resource_id: id,
                rect,
                offset,
            },
            KVec::new(),
            Some(fence.clone()),
        )?;
        self.post([transfer], signals)
    }

    /// Posts `cmds` on the control queue ([`ControlQueue::post`]); a post that found no room in
    /// time checks whether the device stalled.
    ///
    /// [`ControlQueue::post`]: super::cmdq::ControlQueue::post
    fn post<const N: usize>(&self, cmds: [Prepared; N], signals: Signals) -> Result {
        let control = self.control()?;
        let result = self.queues.handler().post(control, cmds, signals);
        self.check_stall(control, &result);
        result
    }

    /// Waits until every command posted for a resource (whose fence is `fence`) has completed,
    /// at most `timeout` (`None`: does not wait), which is decreased by the time waited, and
    /// returns the first error the device answered to one of them. Errors: those of
    /// [`ControlQueue::wait_fence`]. The wait goes in steps of at most [`COMMAND_TIMEOUT`]: after
    /// each, a device that has held a command for [`STALL_TIMEOUT`] is reset.
    ///
    /// [`ControlQueue::wait_fence`]: super::cmdq::ControlQueue::wait_fence
    /// [`STALL_TIMEOUT`]: super::cmdq::STALL_TIMEOUT
    pub(crate) fn wait(&self, fence: &Fence, timeout: Option<&mut Delta>) -> Result {
        self.wait_with(fence, timeout, Signals::Interrupt)
    }

    /// As [`Gpu::wait`]; with [`Signals::Ignore`], a signal does not end the wait (no
    /// `ERESTARTSYS`).
    pub(crate) fn wait_with(
        &self,
        fence: &Fence,
        timeout: Option<&mut Delta>,
        signals: Signals,
    ) -> Result {
        let control = self.control()?;
        let cmdq = self.queues.handler();
        let Some(timeout) = timeout else {
            return cmdq.wait_fence(control, fence, None, signals);
        };
        loop {
            let step = if *timeout > COMMAND_TIMEOUT {
                COMMAND_TIMEOUT
            } else {
                *timeout
            };
            let start = Instant::<Monotonic>::now();
            let result = cmdq.wait_fence(control, fence, Some(step), signals);
            let waited = start.elapsed();
            *timeout = if waited >= *timeout {
                Delta::ZERO
            } else {
                *timeout - waited
            };
            self.check_stall(control, &result);
            match result {
                Err(e) if e == ETIMEDOUT && timeout.as_nanos() > 0 => {}
                result => return result,
            }
        }
    }
}

impl Drop for Gpu<'_> {
    fn drop(&mut self) {
        // The core's data goes after the device was reset (when the driver was unbound): the
        // reset destroyed the resources the host still held.
        let mut table = self.resources.table.lock();
        live::host_resources_destroyed(table.on_host);
        table.on_host = 0;
    }
}

/// The resource-id pool and the backing entries (`DRM_NOVA_LITE_KUNIT_TEST`).
#[cfg(CONFIG_DRM_NOVA_LITE_KUNIT_TEST)]
mod tests;
