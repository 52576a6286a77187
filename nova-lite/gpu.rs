// SPDX-License-Identifier: GPL-2.0

//! The nova-lite core: the virtio driver that owns the virtio-gpu device.
//!
//! It binds virtio devices of type `VIRTIO_ID_GPU` on the virtio bus, whatever transport carries
//! them (virtio-pci, virtio-mmio, ...): the virtio core has reset the device and negotiated the
//! features when [`driver`] probes. The core sets up the control queue ([`cmdq`]) on the
//! device's virtqueues, reads the display information and publishes a [`Gpu`], carried by an
//! auxiliary device named `nova_lite.drm.<virtio index>`. The DRM driver ([`crate::drm`]) binds
//! that auxiliary device; it never touches the hardware itself, and never sees a virtio-gpu
//! structure: it calls the typed methods of [`Gpu`] ([`Gpu::display_info`], [`Gpu::edid`], the
//! cached display state of [`display`], the 2D resource methods of [`resources`] and the KMS
//! scanout updates of [`scanout`] and cursors of [`cursor`]), and maps memory for the device
//! ([`Gpu::dma_device`]).
//!
//! The cursor queue carries the cursor planes' commands ([`cursor`]).
//!
//! # The API between the core and the DRM driver
//!
//! The whole API is [`Gpu`], stored as the auxiliary device's registration data
//! (`CovariantForLt!(Gpu<'_>)`) and obtained with `auxiliary::Device::registration_data()`.
//!
//! Lifetime: the core creates the [`Gpu`] in its probe and owns it, through the
//! `auxiliary::Registration`, until the virtio device is unbound. `'bound` is that binding. On
//! unbind the core first makes every command fail with `ENODEV`, waking the DRM ioctls that wait
//! for the device; then the virtio abstraction resets the device and deletes its queues (the
//! device does no DMA from then on); then the core's data is dropped: the auxiliary device is
//! deleted, which unbinds the DRM driver (and so unplugs the DRM device, waiting for ioctls in
//! flight), and the [`Gpu`] goes. The DRM driver may therefore keep `&'bound Gpu<'bound>` in its
//! DRM registration data, which the DRM core only hands out inside a registration guard, but
//! must not keep it anywhere that outlives the DRM registration (GEM objects, open files).
//!
//! Contexts and locking: the getters return values read at probe time and take no lock; they
//! may be called from any context. [`Gpu::display_info`] and [`Gpu::edid`] sleep until the
//! device answers (at most twice [`cmdq::COMMAND_TIMEOUT`]: for a free slot, then for the
//! answer); [`Gpu::displays`] and [`Gpu::cached_edid`] return what the core read last without
//! waiting for the device, and [`Gpu::on_display_change`] registers a listener for display
//! changes (see [`display`]). The resource methods post their commands and return without
//! waiting for the answers (see [`resources`]); they sleep at most [`cmdq::COMMAND_TIMEOUT`] for
//! room in the queue, but [`Gpu::wait`], which waits as long as asked; destroying a resource
//! never waits for the device ([`Teardown::destroy`], which needs no [`Gpu`]). A KMS scanout
//! update waits for room when it is prepared ([`Gpu::prepare_scanout_update`]), and is posted
//! without waiting, allocating or failing ([`Gpu::post_scanout_update`]). A cursor update's
//! command is allocated when it is prepared ([`Gpu::prepare_cursor`], which does not wait) and
//! posted without waiting or allocating ([`Gpu::post_cursor`]); a new cursor image is copied
//! before it by [`Gpu::load_cursor_image`], which allocates and waits, at most
//! [`cmdq::COMMAND_TIMEOUT`] for room and as long for the answer, whatever the signals. All must
//! be called from process context without spinlocks held, and may be called by many threads at
//! once; no lock is held while waiting for the device. The exception is the panic screen
//! ([`Gpu::post_panic_update`]), which the kernel's panic handler calls.

mod cmdq;
mod cursor;
mod display;
mod driver;
mod protocol;
mod resources;
mod scanout;

use core::mem::offset_of;

use kernel::{
    debugfs,
    device::{
        Bound,
        Core,
        Device, //
    },
    prelude::*,
    sync::{
        atomic::Relaxed,
        Arc, //
    },
    uaccess::UserSliceReader,
    uapi,
    virtio::{
        self,
        virtqueue::{
            Info,
            Virtqueues, //
        },
    },
};

pub(crate) use cmdq::{
    Fence,
    Signals, //
};
pub(crate) use cursor::{
    CursorShow,
    CursorUpdate,
    CURSOR_SIZE, //
};
pub(crate) use display::{
    DisplayListener,
    DisplayListening, //
};
pub(crate) use driver::CoreDriver;
pub(crate) use protocol::{
    DisplayInfo,
    Edid,
    Rect,
    MAX_SCANOUTS, //
};

use cmdq::{
    ControlQueue,
    Queue,
    Stats,
    CONTROL_QUEUE, //
};
use display::Displays;
use resources::Resources;
pub(crate) use resources::{
    Shown,
    Teardown, //
};
pub(crate) use scanout::{
    PanicShow,
    ScanoutShow,
    ScanoutUpdate, //
};

/// Name of the auxiliary device the DRM driver binds (`<module name>.<name>.<id>`).
pub(crate) const AUX_DRM_NAME: &CStr = c"drm";

/// The feature bit of EDIDs (`VIRTIO_GPU_F_EDID`).
const EDID_FEATURE: u64 = 1 << uapi::VIRTIO_GPU_F_EDID;

/// The device's virtqueues: the control queue, then the cursor queue.
type Queues = Virtqueues<ControlQueue, 2>;

/// The debugfs directory of one device and its files.
struct DebugfsEntries {
    /// Dropped first: the files before their directory.
    _ctrlq: Pin<KBox<debugfs::File<Arc<Stats>>>>,
    _lose: Option<Pin<KBox<debugfs::File<Arc<Stats>>>>>,
    /// The directory, to which the DRM driver adds its files ([`Gpu::debugfs_dir`]).
    dir: debugfs::Dir,
}

/// What the core knows about one virtio-gpu device and how it reaches it; see the
/// [module documentation](self) for its lifetime and locking rules.
pub(crate) struct Gpu<'bound> {
    /// Dropped first: nobody reads the counters any more.
    _debugfs: Option<DebugfsEntries>,
    queues: Arc<Queues>,
    /// `num_scanouts` of the device configuration, read at probe time.
    num_scanouts: u32,
    /// `num_capsets` of the device configuration, read at probe time.
    num_capsets: u32,
    /// The feature bits negotiated with the device.
    driver_features: u64,
    /// The transport's device (the PCI function of virtio-pci), for what only PCI has.
    #[cfg(CONFIG_PCI)]
    transport: &'bound Device<Bound>,
    /// The device memory the GPU reads is mapped for (the transport's device).
    dma_dev: &'bound Device<Bound>,
    /// Whether the device takes DMA addresses ([`Gpu::dma_device`]), or physical ones.
    dma_api: bool,
    /// The 2D resources; see [`resources`]. Shared with the core's driver data, which restores
    /// them after a reset.
    resources: Arc<Resources>,
    /// The EDIDs read last and the display listener; see [`display`]. Shared with the core's
    /// driver data, which reads them again after a display change.
    displays: Arc<Displays>,
}

/// What [`Gpu::new`] returns: the [`Gpu`], and what the core's driver data shares with it.
type NewGpu<'bound> = (Gpu<'bound>, Arc<Queues>, Arc<Resources>, Arc<Displays>);

impl<'bound> Gpu<'bound> {
    /// Sets up the virtio-gpu device `vdev`: reads its configuration, creates its queues, marks
    /// it ready, then reads the display information and logs it, and reads the EDIDs. Returns
    /// the queues, the resources and the displays too, which the core's driver data shares.
    fn new(vdev: &'bound virtio::Device<Core<'_>>) -> Result<NewGpu<'bound>> {
        // A backing entry (`struct virtio_gpu_mem_entry`) has a 32-bit length, so the device takes
        // segments of up to 4 GiB - 1 (as far as the transport's device maps at once), not the
        // PCI default of 64 KiB (shmem pages are often contiguous: DMA_API_DEBUG reported a
        // mapped segment of 128 KiB). A transport without DMA parameters keeps its segments.
        let _ = vdev.set_dma_max_seg_size(u32::MAX);
        let bound: &'bound virtio::Device<Bound> = vdev;
        let dma = bound
            .dma_device()
            .inspect_err(|e| dev_err!(vdev, "unsupported DMA set-up: {:?}\n", e))?;
        let dma_api = dma.is_some();
        let dma_dev = dma.unwrap_or(bound.parent());

        let config = |offset: usize| -> Result<u32> {
            let offset = u32::try_from(offset)?;
            // SAFETY: `offset` is that of a `__le32` field of `struct virtio_gpu_config`, which
            // every virtio-gpu device implements (`num_scanouts` and `num_capsets`, virtio 1.0).
            Ok(unsafe { bound.config_read::<u32>(offset) })
        };
        let num_scanouts = config(offset_of!(uapi::virtio_gpu_config, num_scanouts))?;
        let num_capsets = config(offset_of!(uapi::virtio_gpu_config, num_capsets))?;

        let queues = vdev.find_vqs(
            [Info::new(c"control"), Info::without_callback(c"cursor")],
            ControlQueue::new(vdev.as_ref(), num_scanouts)?,
        )?;
        let queues = Arc::new(queues, GFP_KERNEL)?;
        let control = queues.queue(CONTROL_QUEUE).ok_or(EINVAL)?;
        queues.handler().record_size(control)?;
        queues.handler().refill_panic_reserve(control)?;
        let resources = Arc::pin_init(Resources::new()?, GFP_KERNEL)?;
        let driver_features = bound.features();
        let displays = Arc::pin_init(
            Displays::new(
                usize::try_from(num_scanouts)?,
                driver_features & EDID_FEATURE != 0,
            ),
            GFP_KERNEL,
        )?;

        vdev.ready();
        let gpu = Self {
            _debugfs: debugfs_entries(vdev.as_ref(), queues.handler().stats()),
            queues: queues.clone(),
            num_scanouts,
            num_capsets,
            driver_features,
            #[cfg(CONFIG_PCI)]
            transport: bound.parent(),
            dma_dev,
            dma_api,
            resources: resources.clone(),
            displays: displays.clone(),
        };
        dev_info!(
            vdev,
            "virtio-gpu: ready; {} scanout(s), {} capset(s), features {:#x} of {:#x}, \
             control queue of {} descriptors\n",
            num_scanouts,
            num_capsets,
            gpu.driver_features,
            bound.device_features(),
            queues.handler().stats().size.load(Relaxed),
        );
        gpu.log_displays(vdev.as_ref())?;
        Ok((gpu, queues, resources, displays))
    }

    /// Reads and logs the display information, which fails if the device does not answer; then
    /// reads the EDIDs the device offers, which the DRM driver gets from the cache
    /// ([`Gpu::cached_edid`]; [`Gpu::edid`] asks the device).
    fn log_displays(&self, dev: &Device) -> Result {
        let info = self
            .display_info()
            .inspect_err(|e| dev_err!(dev, "GET_DISPLAY_INFO failed: {:?}\n", e))?;
        // What a display-change event is compared with, to log what changed.
        self.queues
            .handler()
            .set_display_info(self.control()?, info);
        let count = usize::try_from(self.num_scanouts)?.min(MAX_SCANOUTS);
        let edid = self.has_edid();
        for (i, s) in info.scanouts.iter().take(count).enumerate() {
            dev_info!(
                dev,
                "scanout {}: {}, preferred {}x{}, EDID {}\n",
                i,
                if s.enabled { "enabled" } else { "disabled" },
                s.width,
                s.height,
                if edid { "offered" } else { "not offered" }
            );
        }
        if let Err(e) = self.displays.read_edids(&self.queues) {
            dev_warn!(dev, "EDIDs not read: {:?}\n", e);
        }
        Ok(())
    }

    /// The control queue.
    fn control(&self) -> Result<&Queue> {
        self.queues.queue(CONTROL_QUEUE).ok_or(ENODEV)
    }

    /// Whether the device offers EDIDs (`VIRTIO_GPU_F_EDID`): without them, [`Gpu::cached_edid`]
    /// has none and [`Gpu::edid`] fails.
    pub(crate) fn has_edid(&self) -> bool {
        self.driver_features & EDID_FEATURE != 0
    }

    /// `num_scanouts` of the virtio-gpu device configuration.
    pub(crate) fn num_scanouts(&self) -> u32 {
        self.num_scanouts
    }

    /// `num_capsets` of the virtio-gpu device configuration.
    pub(crate) fn num_capsets(&self) -> u32 {
        self.num_capsets
    }

    /// The debugfs directory of the device (`nova-lite/<virtio device>/`), if debugfs could
    /// create it: the DRM driver adds its files there (`objects`). A file may outlive the
    /// [`Gpu`]: it keeps the directory.
    pub(crate) fn debugfs_dir(&self) -> Option<&debugfs::Dir> {
        self._debugfs.as_ref().map(|entries| &entries.dir)
    }

    /// What the scanouts and the cursors show, readable without the [`Gpu`] (from debugfs).
    pub(crate) fn shown(&self) -> Shown {
        Shown::new(self.resources.clone())
    }

    /// Removes the firmware framebuffers (efifb, vesafb, simpledrm, the VGA console) of a
    /// virtio-vga device, as the DRM driver takes the display over: its VGA BAR holds the
    /// firmware's console until then. Other devices (virtio-gpu-pci, virtio-mmio) have no such
    /// memory, and a firmware framebuffer elsewhere (ramfb, say) is not theirs to remove: as the
    /// C driver (`pci_is_vga()`), nothing is removed for them.
    pub(crate) fn remove_firmware_framebuffers(&self) -> Result {
        #[cfg(CONFIG_PCI)]
        {
            use kernel::pci::{
                self,
                Class,
                ClassMask, //
            };
            if let Ok(pdev) = <&pci::Device<Bound>>::try_from(self.transport) {
                // A VGA-compatible display controller (any interface), or a pre-class-code VGA
                // device, as `pci_is_vga()` says.
                let mask = ClassMask::ClassSubclass as u32;
                let class = pdev.pci_class().as_raw() & mask;
                let vga = [Class::DISPLAY_VGA, Class::NOT_DEFINED_VGA];
                if vga.iter().any(|c| c.as_raw() & mask == class) {
                    kernel::aperture::remove_conflicting_pci_devices(pdev, crate::MODULE_NAME)?;
                }
            }
        }
        Ok(())
    }

    /// The PCI slot address of the transport's device (for example `0000:00:02.0`), if it is a
    /// PCI function (virtio-pci); `None` for the other transports (virtio-mmio).
    pub(crate) fn pci_slot(&self) -> Option<&'bound CStr> {
        #[cfg(CONFIG_PCI)]
        {
            use kernel::pci;
            // The name of a PCI device is its slot address.
            if <&pci::Device<Bound>>::try_from(self.transport).is_ok() {
                return Some(self.transport.name());
            }
        }
        None
    }

    /// The device that memory the GPU reads, such as a resource's backing, is mapped for: the
    /// transport's device (the PCI function, for example).
    pub(crate) fn dma_device(&self) -> &'bound Device<Bound> {
        self.dma_dev
    }

    /// Whether the device reads memory through the DMA API (`VIRTIO_F_ACCESS_PLATFORM`): a
    /// resource's backing must then be synced for it before each transfer
    /// ([`Gpu::transfer_to_host`]); otherwise it reads the pages themselves.
    pub(crate) fn syncs_backing(&self) -> bool {
        self.dma_api
    }

    /// Asks the device for the display information of its scanouts (`GET_DISPLAY_INFO`); the
    /// first [`Gpu::num_scanouts`] entries are meaningful.
    ///
    /// Sleeps; see the [module documentation](self). Errors: those of a command
    /// ([`ControlQueue::send`]).
    pub(crate) fn display_info(&self) -> Result<DisplayInfo> {
        self.send(&protocol::GetDisplayInfo)
    }

    /// Asks the device for the EDID of scanout `scanout` (`GET_EDID`).
    ///
    /// Sleeps; see the [module documentation](self). Errors: `EINVAL` if `scanout` is not below
    /// [`Gpu::num_scanouts`]; `EOPNOTSUPP` if the device does not offer `VIRTIO_GPU_F_EDID`;
    /// otherwise those of [`Gpu::display_info`].
    pub(crate) fn edid(&self, scanout: u32) -> Result<Edid> {
        if scanout >= self.num_scanouts {
            return Err(EINVAL);
        }
        if !self.has_edid() {
            return Err(EOPNOTSUPP);
        }
        self.send(&protocol::GetEdid { scanout })
    }

    /// Makes every wait for a resource's commands ([`Gpu::wait`]), and every later one, fail
    /// with `ENODEV`: for the DRM driver, before its device is unplugged (which waits for the
    /// ioctls in flight). Any context that may sleep.
    pub(crate) fn cancel_waits(&self) {
        if let Ok(control) = self.control() {
            self.queues.handler().cancel_waits(control);
        }
    }

    /// Lets [`Gpu::wait`] wait again, for a DRM driver that binds.
    pub(crate) fn allow_waits(&self) {
        if let Ok(control) = self.control() {
            self.queues.handler().allow_waits(control);
        }
    }

    /// Sends `cmd` on the control queue and waits for its answer; a signal ends the wait.
    fn send<C: protocol::Command>(&self, cmd: &C) -> Result<C::Output> {
        send_command(&self.queues, cmd)
    }

    /// After a wait that timed out: has the device reset if it stalled (held a command for
    /// [`cmdq::STALL_TIMEOUT`] without answering it).
    fn check_stall<T>(&self, control: &Queue, result: &Result<T>) {
        reset_if_stalled(&self.queues, control, result);
    }
}

/// Sends `cmd` on the control queue of `queues` and waits for its answer
/// ([`ControlQueue::send`]); a signal ends the wait, and a wait that timed out checks whether the
/// device stalled ([`reset_if_stalled`]).
fn send_command<C: protocol::Command>(queues: &Queues, cmd: &C) -> Result<C::Output> {
    let control = queues.queue(CONTROL_QUEUE).ok_or(ENODEV)?;
    let result = queues.handler().send(control, cmd);
    reset_if_stalled(queues, control, &result);
    result
}

/// After a wait on `control`, the control queue of `queues`, that timed out: has the device
/// reset if it stalled (held a command for [`cmdq::STALL_TIMEOUT`] without answering it).
fn reset_if_stalled<T>(queues: &Queues, control: &Queue, result: &Result<T>) {
    if matches!(result, Err(e) if *e == ETIMEDOUT) && queues.handler().stalled(control) {
        dev_err!(
            queues.handler().device(),
            "the GPU held a command for {} s without answering: resetting it\n",
            cmdq::STALL_TIMEOUT.as_millis() / 1000
        );
        queues.request_reset();
    }
}

/// Creates `nova-lite/<virtio device>/ctrlq` in debugfs, showing `stats`, and the fault knob
/// `lose_completions` (write a count: the completion handler drops that many returned commands
/// as if the device had not returned them, to test the recovery of a stalled device; a reset
/// clears it). Debugfs is optional: on failure the device works without it.
fn debugfs_entries(dev: &Device, stats: &Arc<Stats>) -> Option<DebugfsEntries> {
    #[allow(static_mut_refs)]
    // SAFETY: `DEBUGFS_ROOT` is set before the drivers are registered and cleared after they
    // are unregistered, so no probe runs while it changes.
    let root = unsafe { crate::DEBUGFS_ROOT.as_ref() }?;
    let dir = root.subdir(dev.name());
    let file = KBox::pin_init(
        dir.read_callback_file(c"ctrlq", stats.clone(), &|stats: &Arc<Stats>, f| {
            stats.show(f)
        }),
        GFP_KERNEL,
    )
    .ok()?;
    let lose = KBox::pin_init(
        dir.write_callback_file(
            c"lose_completions",
            stats.clone(),
            &|stats: &Arc<Stats>, reader: &mut UserSliceReader| {
                let mut buf = [0u8; 12];
                let n = reader.len();
                reader.read_slice(buf.get_mut(..n).ok_or(EINVAL)?)?;
                let text = core::str::from_utf8(&buf[..n]).map_err(|_| EINVAL)?;
                let count = text.trim().parse::<u32>().map_err(|_| EINVAL)?;
                stats.lose_completions.store(count, Relaxed);
                Ok(())
            },
        ),
        GFP_KERNEL,
    )
    .ok();
    Some(DebugfsEntries {
        _ctrlq: file,
        _lose: lose,
        dir,
    })
}
