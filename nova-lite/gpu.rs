// SPDX-License-Identifier: GPL-2.0

//! The nova-lite core: the PCI driver that owns the virtio-gpu function.
//!
//! It binds the virtio-gpu PCI function (1af4:1050), brings the device up through the virtio
//! transport ([`virtio`]), sets up the control queue ([`cmdq`]) and its interrupts, reads the
//! display information and publishes a [`Gpu`], carried by an auxiliary device named
//! `nova_lite.drm.<N>`. The DRM driver ([`crate::drm`]) binds that auxiliary device; it never
//! touches the hardware itself, and never sees a virtio-gpu structure: it calls the typed
//! methods of [`Gpu`] ([`Gpu::display_info`], [`Gpu::edid`], and the 2D resource methods
//! [`Gpu::create_resource`], [`Gpu::transfer_to_host`], [`Gpu::set_scanout`], [`Gpu::flush`],
//! [`Gpu::destroy_resource`]), and maps memory for the device ([`Gpu::dma_device`]).
//!
//! The cursor queue is not set up (nothing uses it yet): the device keeps it disabled.
//!
//! # The API between the core and the DRM driver
//!
//! The whole API is [`Gpu`], stored as the auxiliary device's registration data
//! (`CovariantForLt!(Gpu<'_>)`) and obtained with `auxiliary::Device::registration_data()`.
//!
//! Lifetime: the core creates the [`Gpu`] in its PCI probe and owns it, through the
//! `auxiliary::Registration`, until the PCI function is unbound. `'bound` is the PCI binding. On
//! unbind the core first makes every command fail with `ENODEV`, waking the DRM ioctls that wait
//! for the device; then it deletes the auxiliary device, which unbinds the DRM driver (and so
//! unplugs the DRM device, waiting for ioctls in flight); only then does it drop the [`Gpu`],
//! which resets the device, frees the interrupts and, last, the queue memory. The DRM driver may
//! therefore keep `&'bound Gpu<'bound>` in its DRM registration data, which the DRM core only
//! hands out inside a registration guard, but must not keep it anywhere that outlives the DRM
//! registration (GEM objects, open files).
//!
//! Contexts and locking: the getters return values read at probe time and take no lock; they
//! may be called from any context. The methods that send commands ([`Gpu::display_info`],
//! [`Gpu::edid`] and the resource methods) sleep until the device answers (at most twice
//! [`cmdq::COMMAND_TIMEOUT`] per command: for a free slot, then for the answer): they must be
//! called from process context without spinlocks held, and may be called by many threads at
//! once (the control queue serialises them with its own mutex, which callers must not hold).
//! The resource methods also take the resource table's mutex, never while holding the queue's.
//!
//! # 2D resources
//!
//! A resource is named by the id [`Gpu::create_resource`] returns: never 0, and never given to
//! another resource before [`Gpu::destroy_resource`] of it. The caller owns the resource: it
//! keeps the memory it gave as backing mapped for [`Gpu::dma_device`] until
//! [`Gpu::destroy_resource`] returns, and calls it exactly once, while the core is bound. Once
//! the core is unbound, the device is reset, which destroys every resource: a caller that can no
//! longer reach the [`Gpu`] (the DRM device is unplugged) simply forgets its resources.

mod cmdq;
mod protocol;
mod virtio;

use core::pin::Pin;

use kernel::{
    auxiliary,
    debugfs,
    device::{
        Bound,
        Core,
        Device, //
    },
    dma::{
        Coherent,
        Device as _,
        DmaMask, //
    },
    id_pool::IdPool,
    irq::{
        self,
        IrqReturn,
        ThreadedIrqReturn,
        ThreadedRegistration, //
    },
    new_mutex,
    pci,
    prelude::*,
    scatterlist::SGTable,
    sync::{
        atomic::{
            Atomic,
            Full,
            Relaxed, //
        },
        Arc, Mutex,
    },
    types::CovariantForLt, //
};

use crate::{
    live,
    MODULE_NAME, //
};

pub(crate) use protocol::{
    DisplayInfo,
    Edid,
    Rect,
    MAX_BACKING_ENTRIES,
    MAX_SCANOUTS, //
};

use cmdq::{
    ControlQueue,
    Stats, //
};
use virtio::{
    queue::{
        SplitQueue,
        MAX_QUEUE_SIZE, //
    },
    Transport,
    CONTROL_QUEUE, //
};

/// PCI device id of a virtio 1.x GPU (0x1040 + virtio device id 16).
const VIRTIO_GPU_PCI_DEVICE_ID: u32 = 0x1050;

/// Name of the auxiliary device the DRM driver binds (`<module name>.<name>.<id>`).
pub(crate) const AUX_DRM_NAME: &CStr = c"drm";

/// MSI-X vector of configuration-change interrupts.
const CONFIG_VECTOR: u16 = 0;
/// MSI-X vector of control queue interrupts.
const QUEUE_VECTOR: u16 = 1;

/// The hardware state that the interrupt handlers share with the [`Gpu`].
///
/// Fields are dropped in order: the transport resets the device before the queue memory is
/// freed.
#[pin_data]
struct Hw<'bound> {
    transport: Transport<'bound>,
    #[pin]
    cmdq: ControlQueue,
    /// With INTx: the hard handler saw a configuration change that its thread has not handled.
    config_pending: Atomic<bool>,
}

impl Hw<'_> {
    /// Handles a configuration-change interrupt, in process context (the interrupt thread).
    fn config_changed(&self) {
        let stats = self.cmdq.stats();
        stats.config_interrupts.fetch_add(1, Relaxed);
        if self.transport.needs_reset() {
            self.cmdq.needs_reset(&self.transport);
            return;
        }
        let Ok(events) = self.transport.gpu_events() else {
            return;
        };
        if events & protocol::EVENT_DISPLAY != 0 {
            stats.display_events.fetch_add(1, Relaxed);
            let _ = self.transport.clear_gpu_events(protocol::EVENT_DISPLAY);
            self.cmdq.refresh_display_info(&self.transport);
        }
    }
}

/// The handler of the control queue's MSI-X vector.
struct QueueIrq<'bound>(Arc<Hw<'bound>>);

impl irq::ThreadedHandler for QueueIrq<'_> {
    fn handle(&self) -> ThreadedIrqReturn {
        self.0.cmdq.stats().queue_interrupts.fetch_add(1, Relaxed);
        ThreadedIrqReturn::WakeThread
    }

    fn handle_threaded(&self) -> IrqReturn {
        self.0.cmdq.process_used(&self.0.transport);
        IrqReturn::Handled
    }
}

/// The handler of the configuration-change MSI-X vector.
struct ConfigIrq<'bound>(Arc<Hw<'bound>>);

impl irq::ThreadedHandler for ConfigIrq<'_> {
    fn handle(&self) -> ThreadedIrqReturn {
        ThreadedIrqReturn::WakeThread
    }

    fn handle_threaded(&self) -> IrqReturn {
        self.0.config_changed();
        IrqReturn::Handled
    }
}

/// The handler of the (possibly shared) INTx line: the ISR status says what happened.
struct IntxIrq<'bound>(Arc<Hw<'bound>>);

impl irq::ThreadedHandler for IntxIrq<'_> {
    fn handle(&self) -> ThreadedIrqReturn {
        // Reading the ISR status deasserts the line; 0 means another device's interrupt.
        let isr = self.0.transport.read_isr();
        if isr == 0 {
            return ThreadedIrqReturn::None;
        }
        if isr & virtio::ISR_QUEUE != 0 {
            self.0.cmdq.stats().queue_interrupts.fetch_add(1, Relaxed);
        }
        if isr & virtio::ISR_CONFIG != 0 {
            self.0.config_pending.store(true, Relaxed);
        }
        ThreadedIrqReturn::WakeThread
    }

    fn handle_threaded(&self) -> IrqReturn {
        self.0.cmdq.process_used(&self.0.transport);
        if self.0.config_pending.xchg(false, Full) {
            self.0.config_changed();
        }
        IrqReturn::Handled
    }
}

/// The interrupt handlers of a [`Gpu`]; dropping them frees the interrupts.
enum Irqs<'bound> {
    /// MSI-X: one vector for configuration changes, one for the control queue.
    Msix {
        _config: Pin<KBox<ThreadedRegistration<'bound, ConfigIrq<'bound>>>>,
        _queue: Pin<KBox<ThreadedRegistration<'bound, QueueIrq<'bound>>>>,
    },
    /// INTx, possibly shared with other devices.
    Intx {
        _line: Pin<KBox<ThreadedRegistration<'bound, IntxIrq<'bound>>>>,
    },
}

/// The debugfs directory of one device and its `ctrlq` file.
struct DebugfsEntries {
    /// Dropped first: the file before its directory.
    _ctrlq: Pin<KBox<debugfs::File<Arc<Stats>>>>,
    _dir: debugfs::Dir,
}

/// The 2D resources of the device, under [`Gpu::resources`].
struct Resources {
    /// The ids in use; 0 is reserved (the protocol's "no resource").
    ids: IdPool,
    /// The resource each scanout shows, 0 for none.
    scanouts: [u32; MAX_SCANOUTS],
    /// Resources the host holds: created and not destroyed (counted in [`crate::live`] too).
    on_host: u64,
}

/// What the core knows about one virtio-gpu function and how it reaches it; see the
/// [module documentation](self) for its lifetime and locking rules.
pub(crate) struct Gpu<'bound> {
    /// Dropped first: nobody reads the counters any more.
    _debugfs: Option<DebugfsEntries>,
    /// Dropped after `Gpu::drop` has reset the device, and before `hw`.
    _irqs: Irqs<'bound>,
    hw: Arc<Hw<'bound>>,
    /// The virtio-gpu device configuration read at probe time.
    config: virtio::GpuConfig,
    /// Sizes in bytes of the six BARs, 0 for an unused one.
    bar_sizes: [u64; virtio::PCI_NUM_BARS],
    /// The PCI function: the device that does DMA.
    dma_dev: &'bound Device<Bound>,
    /// The 2D resources; see the [module documentation](self).
    resources: Pin<KBox<Mutex<Resources>>>,
}

impl<'bound> Gpu<'bound> {
    /// Brings up the virtio-gpu function `pdev`: transport, control queue, interrupts,
    /// `DRIVER_OK`; then reads the display information (and EDIDs, capability sets) and logs it.
    fn new(pdev: &'bound pci::Device<Core<'_>>) -> Result<(Self, Arc<Hw<'bound>>)> {
        pdev.enable_device_mem()
            .inspect_err(|e| dev_err!(pdev, "cannot enable the device: {:?}\n", e))?;
        pdev.set_master();
        // SAFETY: Probe runs before any DMA allocation or mapping for this device.
        unsafe { pdev.dma_set_mask_and_coherent(DmaMask::new::<64>()) }
            .inspect_err(|e| dev_err!(pdev, "cannot set a 64-bit DMA mask: {:?}\n", e))?;
        // A backing entry (`struct virtio_gpu_mem_entry`) has a 32-bit length, so the device takes
        // segments of up to 4 GiB - 1, not the PCI default of 64 KiB (shmem pages are often
        // contiguous: DMA_API_DEBUG reported a mapped segment of 128 KiB).
        // SAFETY: Probe runs before any DMA allocation or mapping for this device.
        unsafe { pdev.dma_set_max_seg_size(u32::MAX) };

        let pdev: &'bound pci::Device<Bound> = pdev;
        let mut bar_sizes = [0u64; virtio::PCI_NUM_BARS];
        for (bar, size) in (0u32..).zip(bar_sizes.iter_mut()) {
            *size = pdev.resource_len(bar)?;
        }

        let mut transport = Transport::new(pdev)?;
        let config = transport.gpu_config()?;

        // MSI-X with a vector each for configuration changes and the control queue, otherwise
        // INTx (for example with QEMU's `vectors=0`).
        let msix = pdev.alloc_irq_vectors(2, 2, pci::IrqTypes::default().with(pci::IrqType::MsiX));
        let (vectors, msix) = match msix {
            Ok(v) => (v, true),
            Err(_) => (
                pdev.alloc_irq_vectors(1, 1, pci::IrqTypes::default().with(pci::IrqType::Intx))
                    .inspect_err(|e| dev_err!(pdev, "no MSI-X and no INTx: {:?}\n", e))?,
                false,
            ),
        };
        let vectors = vectors.into_devres()?;
        let (config_vector, queue_vector) = if msix {
            (Some(CONFIG_VECTOR), Some(QUEUE_VECTOR))
        } else {
            (None, None)
        };

        let max = transport.queue_max_size(CONTROL_QUEUE).inspect_err(|_| {
            dev_err!(pdev, "device has no control queue\n");
        })?;
        // The largest power of two the device and this driver both accept.
        let size = 1u16 << max.min(MAX_QUEUE_SIZE as u16).ilog2();
        let ring = SplitQueue::new(pdev.as_ref(), size)?;
        transport.set_config_vector(config_vector)?;
        transport.enable_queue(CONTROL_QUEUE, size, &ring.addresses(), queue_vector)?;

        let hw = Arc::pin_init(
            try_pin_init!(Hw {
                transport,
                cmdq <- ControlQueue::new(pdev.as_ref(), ring)?,
                config_pending: Atomic::new(false),
            }? Error),
            GFP_KERNEL,
        )?;
        hw.cmdq.stats().msix.store(u32::from(msix), Relaxed);

        let irqs = if msix {
            Irqs::Msix {
                _config: KBox::pin_init(
                    // SAFETY: The registration is stored in the returned `Gpu`, whose drop frees
                    // it; it is never forgotten.
                    unsafe {
                        ThreadedRegistration::new(
                            vectors.index(usize::from(CONFIG_VECTOR))?,
                            irq::Flags::TRIGGER_NONE,
                            c"nova-lite-config",
                            Ok::<_, Error>(ConfigIrq(hw.clone())),
                        )
                    },
                    GFP_KERNEL,
                )?,
                _queue: KBox::pin_init(
                    // SAFETY: As above.
                    unsafe {
                        ThreadedRegistration::new(
                            vectors.index(usize::from(QUEUE_VECTOR))?,
                            irq::Flags::TRIGGER_NONE,
                            c"nova-lite-ctrlq",
                            Ok::<_, Error>(QueueIrq(hw.clone())),
                        )
                    },
                    GFP_KERNEL,
                )?,
            }
        } else {
            Irqs::Intx {
                _line: KBox::pin_init(
                    // SAFETY: As above.
                    unsafe {
                        ThreadedRegistration::new(
                            vectors.index(0)?,
                            irq::Flags::SHARED,
                            c"nova-lite",
                            Ok::<_, Error>(IntxIrq(hw.clone())),
                        )
                    },
                    GFP_KERNEL,
                )?,
            }
        };

        hw.transport.driver_ok()?;
        dev_info!(
            pdev,
            "virtio-gpu: DRIVER_OK; {} scanout(s), {} capset(s), features {:#x} of {:#x}, control queue of {} descriptors, {}\n",
            config.num_scanouts,
            config.num_capsets,
            hw.transport.driver_features(),
            hw.transport.device_features(),
            size,
            if msix { "MSI-X" } else { "INTx" }
        );

        let mut ids = IdPool::with_capacity(64, GFP_KERNEL)?;
        // Id 0 means "no resource" in the protocol: never hand it out.
        ids.find_unused_id(0).ok_or(ENOMEM)?.acquire();
        let resources = KBox::pin_init(
            new_mutex!(Resources {
                ids,
                scanouts: [0; MAX_SCANOUTS],
                on_host: 0,
            }),
            GFP_KERNEL,
        )?;

        let gpu = Self {
            _debugfs: debugfs_entries(pdev, hw.cmdq.stats()),
            _irqs: irqs,
            hw: hw.clone(),
            config,
            bar_sizes,
            dma_dev: pdev.as_ref(),
            resources,
        };
        gpu.log_displays(pdev)?;
        Ok((gpu, hw))
    }

    /// Reads and logs the display information, EDIDs and capability sets; fails if the device
    /// does not answer.
    fn log_displays(&self, pdev: &pci::Device<Bound>) -> Result {
        let info = self
            .display_info()
            .inspect_err(|e| dev_err!(pdev, "GET_DISPLAY_INFO failed: {:?}\n", e))?;
        // What a display-change event is compared with, to log what changed.
        self.hw.cmdq.set_display_info(info);
        let count = usize::try_from(self.config.num_scanouts)?.min(MAX_SCANOUTS);
        for (i, s) in info.scanouts.iter().take(count).enumerate() {
            let edid = match self.edid(u32::try_from(i)?) {
                Ok(_) => "read",
                Err(e) if e == EOPNOTSUPP => "not offered",
                Err(e) => {
                    dev_err!(pdev, "GET_EDID of scanout {} failed: {:?}\n", i, e);
                    return Err(e);
                }
            };
            dev_info!(
                pdev,
                "scanout {}: {}, preferred {}x{}, EDID {}\n",
                i,
                if s.enabled { "enabled" } else { "disabled" },
                s.width,
                s.height,
                edid
            );
        }
        for index in 0..self.config.num_capsets {
            let capset = self
                .hw
                .cmdq
                .send(&self.hw.transport, &protocol::GetCapsetInfo { index })
                .inspect_err(|e| dev_err!(pdev, "GET_CAPSET_INFO {} failed: {:?}\n", index, e))?;
            dev_info!(
                pdev,
                "capset {}: id {}, version {}, size {}\n",
                index,
                capset.id,
                capset.max_version,
                capset.max_size
            );
        }
        Ok(())
    }

    /// `num_scanouts` of the virtio-gpu device configuration.
    pub(crate) fn num_scanouts(&self) -> u32 {
        self.config.num_scanouts
    }

    /// `num_capsets` of the virtio-gpu device configuration.
    pub(crate) fn num_capsets(&self) -> u32 {
        self.config.num_capsets
    }

    /// The virtio feature bits the device offers.
    pub(crate) fn device_features(&self) -> u64 {
        self.hw.transport.device_features()
    }

    /// The virtio feature bits negotiated with the device.
    pub(crate) fn driver_features(&self) -> u64 {
        self.hw.transport.driver_features()
    }

    /// The size in bytes of BAR `bar`, 0 if the BAR is unused; `None` if `bar` is not 0 to 5.
    pub(crate) fn bar_size(&self, bar: usize) -> Option<u64> {
        self.bar_sizes.get(bar).copied()
    }

    /// Asks the device for the display information of its scanouts (`GET_DISPLAY_INFO`); the
    /// first [`Gpu::num_scanouts`] entries are meaningful.
    ///
    /// Sleeps; see the [module documentation](self). Errors: those of a command
    /// ([`ControlQueue::send`]: `ENODEV`, `EIO`, `ETIMEDOUT`, `ERESTARTSYS`, `EPROTO`, or the
    /// errno of the device's error response).
    pub(crate) fn display_info(&self) -> Result<DisplayInfo> {
        self.hw
            .cmdq
            .send(&self.hw.transport, &protocol::GetDisplayInfo)
    }

    /// Asks the device for the EDID of scanout `scanout` (`GET_EDID`).
    ///
    /// Sleeps; see the [module documentation](self). Errors: `EINVAL` if `scanout` is not below
    /// [`Gpu::num_scanouts`]; `EOPNOTSUPP` if the device does not offer `VIRTIO_GPU_F_EDID`;
    /// otherwise those of [`Gpu::display_info`].
    pub(crate) fn edid(&self, scanout: u32) -> Result<Edid> {
        if scanout >= self.config.num_scanouts {
            return Err(EINVAL);
        }
        if self.hw.transport.driver_features() & virtio::VIRTIO_GPU_F_EDID == 0 {
            return Err(EOPNOTSUPP);
        }
        self.hw
            .cmdq
            .send(&self.hw.transport, &protocol::GetEdid { scanout })
    }
}

/// The largest resource id handed out; the pool grows up to it.
const MAX_RESOURCE_ID: usize = 1 << 20;

impl<'bound> Gpu<'bound> {
    /// The device that does DMA for this GPU (the PCI function): memory the device accesses,
    /// such as a resource's backing, is mapped for it.
    pub(crate) fn dma_device(&self) -> &'bound Device<Bound> {
        self.dma_dev
    }

    /// Takes a free resource id.
    fn alloc_resource_id(&self) -> Result<u32> {
        let mut res = self.resources.lock();
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
        self.resources.lock().ids.release_id(id as usize);
    }

    /// Counts one more resource on the host.
    fn created_on_host(&self) {
        self.resources.lock().on_host += 1;
        live::host_resource_created();
    }

    /// Counts resource `id` as destroyed on the host and frees its id, under one lock.
    fn destroyed_on_host(&self, id: u32) {
        let mut res = self.resources.lock();
        res.on_host -= 1;
        res.ids.release_id(id as usize);
        live::host_resources_destroyed(1);
    }

    /// Creates a 2D resource of `width` x `height` pixels in virtio-gpu `format` on the host
    /// (`RESOURCE_CREATE_2D`) and attaches `backing` to it (`RESOURCE_ATTACH_BACKING`, each run of
    /// contiguous DMA addresses as one entry); returns its id. `backing` must be mapped for
    /// [`Gpu::dma_device`] and stay mapped until [`Gpu::destroy_resource`] of the id returns.
    ///
    /// The caller checks the arguments (the device answers `EINVAL` otherwise). Sleeps; see the
    /// [module documentation](self). Errors: `E2BIG` if `backing` needs more than
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
        let mut entries = KVec::<protocol::MemEntry>::new();
        let mut run: Option<(u64, u64)> = None;
        for sg in backing.iter() {
            let (addr, len) = (sg.dma_address(), sg.dma_len());
            match &mut run {
                Some((start, run_len))
                    if *start + *run_len == addr && *run_len + len <= u64::from(u32::MAX) =>
                {
                    *run_len += len;
                }
                _ => {
                    if let Some((start, run_len)) = run.replace((addr, len)) {
                        entries.push(protocol::MemEntry::new(start, run_len as u32), GFP_KERNEL)?;
                    }
                }
            }
        }
        if let Some((start, run_len)) = run {
            entries.push(protocol::MemEntry::new(start, run_len as u32), GFP_KERNEL)?;
        }
        if entries.is_empty() {
            return Err(EINVAL);
        }
        if entries.len() > MAX_BACKING_ENTRIES {
            return Err(E2BIG);
        }
        let nr_entries = u32::try_from(entries.len())?;
        let payload = Coherent::from_slice(self.dma_dev, &entries, GFP_KERNEL)?;
        drop(entries);

        let id = self.alloc_resource_id()?;
        let created = self.send_uninterruptible(&protocol::ResourceCreate2d {
            resource_id: id,
            format,
            width,
            height,
        });
        if let Err(e) = created {
            // The host has no such resource (or the device has failed): the id is free.
            self.free_resource_id(id);
            return Err(e);
        }
        self.created_on_host();
        let attached = self.hw.cmdq.send_with_payload(
            &self.hw.transport,
            &protocol::AttachBacking {
                resource_id: id,
                nr_entries,
            },
            payload,
        );
        if let Err(e) = attached {
            // Nothing is attached (or the device failed, and its reset frees everything).
            if self
                .send_uninterruptible(&protocol::ResourceUnref { resource_id: id })
                .is_ok()
            {
                self.destroyed_on_host(id);
            }
            return Err(e);
        }
        Ok(id)
    }

    /// Copies `rect` of resource `id`'s backing, which starts at byte `offset` of it, to the
    /// host (`TRANSFER_TO_HOST_2D`). Sleeps; errors: those of a command.
    pub(crate) fn transfer_to_host(&self, id: u32, rect: Rect, offset: u64) -> Result {
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
        if scanout >= self.config.num_scanouts || index >= MAX_SCANOUTS {
            return Err(EINVAL);
        }
        // Held across the command, so that the table says what the device shows.
        let mut res = self.resources.lock();
        self.send_uninterruptible(&protocol::SetScanout {
            scanout_id: scanout,
            resource_id: id,
            rect,
        })?;
        res.scanouts[index] = id;
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
    /// Sleeps. Fails only if the device does not carry out a command: it has failed or is going
    /// away (and is then reset, which destroys the resource and stops its DMA), or it refused
    /// (logged once per resource). The id is then never reused.
    pub(crate) fn destroy_resource(&self, id: u32) -> Result {
        let result = self
            .disable_scanouts_of(id)
            .and_then(|()| self.send_uninterruptible(&protocol::ResourceUnref { resource_id: id }));
        match result {
            Ok(()) => self.destroyed_on_host(id),
            // The device has failed (and said so) or is going away: nothing more to say.
            Err(e) if e == ENODEV || e == EIO || e == ETIMEDOUT => {}
            Err(e) => {
                dev_err!(
                    self.dma_dev,
                    "cannot destroy resource {}: {:?}; its id is not reused\n",
                    id,
                    e
                );
            }
        }
        result
    }

    /// Disables the scanouts that show resource `id` (`SET_SCANOUT` to resource 0). Sleeps;
    /// errors: those of a command (the scanouts not yet disabled then still show it).
    fn disable_scanouts_of(&self, id: u32) -> Result {
        let mut res = self.resources.lock();
        for scanout in 0..self.config.num_scanouts.min(MAX_SCANOUTS as u32) {
            if res.scanouts[scanout as usize] == id {
                self.send_uninterruptible(&protocol::SetScanout {
                    scanout_id: scanout,
                    resource_id: 0,
                    rect: Rect::default(),
                })?;
                res.scanouts[scanout as usize] = 0;
            }
        }
        Ok(())
    }

    /// Sends `cmd` on the control queue and waits for its answer; a signal ends the wait.
    fn send<C: protocol::Command>(&self, cmd: &C) -> Result<C::Output> {
        self.hw.cmdq.send(&self.hw.transport, cmd)
    }

    /// Sends `cmd` on the control queue and waits for its answer, which a signal does not end:
    /// for the commands whose outcome the resource table must know.
    fn send_uninterruptible<C: protocol::Command>(&self, cmd: &C) -> Result<C::Output> {
        self.hw.cmdq.send_uninterruptible(&self.hw.transport, cmd)
    }
}

impl Drop for Gpu<'_> {
    fn drop(&mut self) {
        // Commands fail from now on (the core's unbind did this already, unless probe failed),
        // and the device stops using the queue memory and raising interrupts before the
        // interrupts and the memory are freed (the fields, next).
        self.hw.cmdq.shut_down();
        if self.hw.transport.reset().is_err() {
            // The device may still use the queue memory: never free it (nor unmap the BARs).
            // `reset()` has logged the failure.
            dev_err!(
                self.hw.cmdq.device(),
                "leaking the control queue's memory: the device may still access it\n"
            );
            core::mem::forget(self.hw.clone());
            return;
        }
        // The reset destroyed the resources the host still held.
        live::host_resources_destroyed(self.resources.lock().on_host);
    }
}

/// Creates `nova-lite/<PCI name>/ctrlq` in debugfs, showing `stats`. Debugfs is optional: on
/// failure the device works without it.
fn debugfs_entries(pdev: &pci::Device<Bound>, stats: &Arc<Stats>) -> Option<DebugfsEntries> {
    #[allow(static_mut_refs)]
    // SAFETY: `DEBUGFS_ROOT` is set before the drivers are registered and cleared after they
    // are unregistered, so no probe runs while it changes.
    let root = unsafe { crate::DEBUGFS_ROOT.as_ref() }?;
    let dir = root.subdir(pdev.as_ref().name());
    let file = KBox::pin_init(
        dir.read_callback_file(c"ctrlq", stats.clone(), &|stats: &Arc<Stats>, f| {
            stats.show(f)
        }),
        GFP_KERNEL,
    )
    .ok()?;
    Some(DebugfsEntries {
        _ctrlq: file,
        _dir: dir,
    })
}

/// The core PCI driver.
pub(crate) struct CoreDriver;

/// The core driver's data for one bound PCI function.
pub(crate) struct CoreData<'bound> {
    /// The auxiliary device for the DRM driver; owns the [`Gpu`]. Dropping it on unbind deletes
    /// the auxiliary device before the [`Gpu`] goes.
    _drm: auxiliary::Registration<'bound, CovariantForLt!(Gpu<'_>)>,
    /// The hardware state, to fail the commands in flight on unbind before the DRM device goes.
    hw: Arc<Hw<'bound>>,
}

kernel::pci_device_table!(
    PCI_TABLE,
    <CoreDriver as pci::Driver>::IdInfo,
    [(
        pci::DeviceId::from_id(pci::Vendor::REDHAT_QUMRANET, VIRTIO_GPU_PCI_DEVICE_ID),
        ()
    )]
);

impl pci::Driver for CoreDriver {
    type IdInfo = ();
    type Data<'bound> = CoreData<'bound>;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let (gpu, hw) = Gpu::new(pdev)?;

        // SAFETY: The registration is stored in `CoreData`, the driver data of `pdev`, which the
        // driver core drops when `pdev` is unbound; it is never forgotten.
        let drm = unsafe {
            auxiliary::Registration::new_with_lt(
                pdev.as_ref(),
                AUX_DRM_NAME,
                // Unique per function: bus and devfn.
                u32::from(pdev.dev_id()),
                MODULE_NAME,
                gpu,
            )
        }
        .inspect_err(|e| dev_err!(pdev, "cannot add the auxiliary device: {:?}\n", e))?;

        Ok(CoreData { _drm: drm, hw })
    }

    fn unbind<'bound>(_pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        // Wake the DRM ioctls waiting for the device with ENODEV, so that unplugging the DRM
        // device (when `_drm` is dropped, next) does not wait for their timeouts.
        this.hw.cmdq.shut_down();
    }
}
