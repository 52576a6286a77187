// SPDX-License-Identifier: GPL-2.0

//! The nova-lite core: the PCI driver that owns the virtio-gpu function.
//!
//! It binds the virtio-gpu PCI function (1af4:1050), brings the device up through the virtio
//! transport ([`virtio`]), sets up the control queue ([`cmdq`]) and its interrupts, reads the
//! display information and publishes a [`Gpu`], carried by an auxiliary device named
//! `nova_lite.drm.<N>`. The DRM driver ([`crate::drm`]) binds that auxiliary device; it never
//! touches the hardware itself, and never sees a virtio-gpu structure: it calls the typed
//! methods of [`Gpu`] ([`Gpu::display_info`], [`Gpu::edid`]).
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
//! may be called from any context. [`Gpu::display_info`] and [`Gpu::edid`] send a command and
//! sleep until the device answers (at most twice [`cmdq::COMMAND_TIMEOUT`]: for a free slot,
//! then for the answer): they must be
//! called from process context without spinlocks held, and may be called by many threads at
//! once (the control queue serialises them with its own mutex, which callers must not hold).

mod cmdq;
mod protocol;
mod virtio;

use core::pin::Pin;

use kernel::{
    auxiliary,
    debugfs,
    device::{
        Bound,
        Core, //
    },
    dma::{
        Device as _,
        DmaMask, //
    },
    irq::{
        self,
        IrqReturn,
        ThreadedIrqReturn,
        ThreadedRegistration, //
    },
    pci,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Full,
            Relaxed, //
        },
        Arc,
    },
    types::CovariantForLt, //
};

use crate::MODULE_NAME;

pub(crate) use protocol::{
    DisplayInfo,
    Edid,
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

        let gpu = Self {
            _debugfs: debugfs_entries(pdev, hw.cmdq.stats()),
            _irqs: irqs,
            hw: hw.clone(),
            config,
            bar_sizes,
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
        }
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
