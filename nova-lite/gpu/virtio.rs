// SPDX-License-Identifier: GPL-2.0

//! The virtio 1.x PCI transport ("modern" interface) of the virtio-gpu function.
//!
//! The kernel has no Rust virtio abstraction, so this module implements the part of the transport
//! the driver needs, from the virtio 1.x specification (section 4.1, "Virtio Over PCI Bus"):
//!
//! - discovery of the configuration structures through the vendor-specific PCI capabilities
//!   ([`Capabilities::find`]);
//! - access to the common configuration (device status, feature bits) and to the virtio-gpu
//!   device configuration, whose register layouts are declared with [`register!`];
//! - device reset and feature negotiation up to `FEATURES_OK` ([`Transport::new`]);
//! - virtqueue setup through the common configuration ([`Transport::enable_queue`]), with the
//!   ring itself in [`queue`]; MSI-X vector routing; `DRIVER_OK` ([`Transport::driver_ok`]);
//! - notifications ([`Transport::notify`]) through the notification capability, and the ISR
//!   status ([`Transport::read_isr`]) that an INTx handler reads.
//!
//! It is written to be usable by any virtio PCI driver; what is specific to virtio-gpu is its
//! device configuration ([`GpuConfig`], the `events_*` registers). What it assumes: the caller
//! follows the initialisation order of virtio 1.x, 3.1.1 (this type enforces the part up to
//! `FEATURES_OK`); queues are set up and enabled before [`Transport::driver_ok`]; the legacy
//! interface and `VIRTIO_F_RING_PACKED` are not supported.

pub(crate) mod queue;

use core::marker::PhantomData;

use kernel::{
    device::Bound,
    io::{
        poll::read_poll_timeout,
        register,
        register::FixedRegister,
        Io,
        IoCapable,
        IoLoc,
        MmioBackend,
        Region, //
    },
    pci,
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
    time::Delta, //
};

/// PCI capability id of a vendor-specific capability, which virtio uses for its structures.
const PCI_CAP_ID_VNDR: u8 = 0x09;
/// Offset of the capabilities pointer in the PCI configuration header.
const PCI_CAPABILITY_LIST: usize = 0x34;
/// Offset of the status register in the PCI configuration header.
const PCI_STATUS: usize = 0x06;
/// `PCI_STATUS` bit telling that the capabilities list is present.
const PCI_STATUS_CAP_LIST: u16 = 0x10;
/// Upper bound on the capabilities walked, so that a malformed (looping) list terminates.
const PCI_CAP_MAX_WALK: usize = 48;

/// `cfg_type` of the common configuration structure.
const VIRTIO_PCI_CAP_COMMON_CFG: u8 = 1;
/// `cfg_type` of the notification structure.
const VIRTIO_PCI_CAP_NOTIFY_CFG: u8 = 2;
/// `cfg_type` of the ISR status structure.
const VIRTIO_PCI_CAP_ISR_CFG: u8 = 3;
/// `cfg_type` of the device-specific configuration structure.
const VIRTIO_PCI_CAP_DEVICE_CFG: u8 = 4;

/// The MSI-X vector value meaning "no vector" (virtio 1.x, 4.1.5.1.2).
pub(crate) const VIRTIO_MSI_NO_VECTOR: u16 = 0xffff;

/// Index of the virtio-gpu control queue.
pub(crate) const CONTROL_QUEUE: u16 = 0;

/// ISR status bit: a virtqueue has used buffers.
pub(crate) const ISR_QUEUE: u8 = 1 << 0;
/// ISR status bit: the device configuration changed.
pub(crate) const ISR_CONFIG: u8 = 1 << 1;

/// Number of PCI BARs of a type 0 function.
pub(crate) const PCI_NUM_BARS: usize = 6;

/// Virtio-gpu feature bit: the device answers `GET_EDID`.
pub(crate) const VIRTIO_GPU_F_EDID: u64 = 1 << 1;
/// Virtio feature bit: the device complies with virtio 1.x (mandatory for this transport).
pub(crate) const VIRTIO_F_VERSION_1: u64 = 1 << 32;
/// Virtio feature bit: the device is behind a platform IOMMU; the driver uses the DMA API, which
/// handles it, so the bit is accepted when offered.
pub(crate) const VIRTIO_F_ACCESS_PLATFORM: u64 = 1 << 33;

/// The feature bits this driver implements, and so accepts when the device offers them.
const DRIVER_SUPPORTED_FEATURES: u64 =
    VIRTIO_F_VERSION_1 | VIRTIO_F_ACCESS_PLATFORM | VIRTIO_GPU_F_EDID;

/// How long to wait for the device to acknowledge a reset.
const RESET_TIMEOUT: Delta = Delta::from_millis(100);
/// Upper bound on re-reads of the device configuration while `config_generation` changes.
const CONFIG_READ_RETRIES: usize = 16;

register! {
    /// Selects which 32-bit half of the device's feature bits [`DEVICE_FEATURE`] shows.
    pub(crate) DEVICE_FEATURE_SELECT(u32) @ 0x00 {
        31:0 select;
    }

    /// 32 of the device's feature bits, selected by [`DEVICE_FEATURE_SELECT`].
    pub(crate) DEVICE_FEATURE(u32) @ 0x04 {
        31:0 bits;
    }

    /// Selects which 32-bit half of the driver's feature bits [`DRIVER_FEATURE`] sets.
    pub(crate) DRIVER_FEATURE_SELECT(u32) @ 0x08 {
        31:0 select;
    }

    /// 32 of the driver's feature bits, selected by [`DRIVER_FEATURE_SELECT`].
    pub(crate) DRIVER_FEATURE(u32) @ 0x0c {
        31:0 bits;
    }

    /// The MSI-X vector of configuration-change interrupts.
    pub(crate) MSIX_CONFIG(u16) @ 0x10 {
        15:0 vector;
    }

    /// The device status. Writing 0 resets the device.
    pub(crate) DEVICE_STATUS(u8) @ 0x14 {
        /// The driver gave up on the device.
        7:7 failed => bool;
        /// The device hit an error it cannot recover from without a reset.
        6:6 needs_reset => bool;
        /// The driver finished feature negotiation; the device keeps the bit if it agrees.
        3:3 features_ok => bool;
        /// The driver is ready to drive the device.
        2:2 driver_ok => bool;
        /// The driver knows how to drive the device.
        1:1 driver => bool;
        /// The driver found the device.
        0:0 acknowledge => bool;
    }

    /// Changes whenever the device configuration changes, so that multi-field reads can be made
    /// consistent.
    pub(crate) CONFIG_GENERATION(u8) @ 0x15 {
        7:0 generation;
    }

    /// Selects the virtqueue the `QUEUE_*` registers refer to.
    pub(crate) QUEUE_SELECT(u16) @ 0x16 {
        15:0 index;
    }

    /// The selected queue's size: the device's maximum on reset, 0 if the queue does not exist.
    pub(crate) QUEUE_SIZE(u16) @ 0x18 {
        15:0 size;
    }

    /// The MSI-X vector of the selected queue's interrupts.
    pub(crate) QUEUE_MSIX_VECTOR(u16) @ 0x1a {
        15:0 vector;
    }

    /// Whether the selected queue is enabled; the driver writes 1 once it is set up.
    pub(crate) QUEUE_ENABLE(u16) @ 0x1c {
        15:0 enabled;
    }

    /// The selected queue's notification offset, in units of `notify_off_multiplier`.
    pub(crate) QUEUE_NOTIFY_OFF(u16) @ 0x1e {
        15:0 offset;
    }

    /// Low half of the selected queue's descriptor table address.
    pub(crate) QUEUE_DESC_LO(u32) @ 0x20 {
        31:0 addr;
    }

    /// High half of the selected queue's descriptor table address.
    pub(crate) QUEUE_DESC_HI(u32) @ 0x24 {
        31:0 addr;
    }

    /// Low half of the selected queue's driver area address.
    pub(crate) QUEUE_DRIVER_LO(u32) @ 0x28 {
        31:0 addr;
    }

    /// High half of the selected queue's driver area address.
    pub(crate) QUEUE_DRIVER_HI(u32) @ 0x2c {
        31:0 addr;
    }

    /// Low half of the selected queue's device area address.
    pub(crate) QUEUE_DEVICE_LO(u32) @ 0x30 {
        31:0 addr;
    }

    /// High half of the selected queue's device area address.
    pub(crate) QUEUE_DEVICE_HI(u32) @ 0x34 {
        31:0 addr;
    }
}

/// Size of the part of the common configuration the driver uses.
const COMMON_CFG_MIN_LEN: usize = 0x38;

register! {
    /// `events_read` of `struct virtio_gpu_config`: pending events (`VIRTIO_GPU_EVENT_*`).
    pub(crate) GPU_EVENTS_READ(u32) @ 0x00 {
        31:0 events;
    }

    /// `events_clear` of `struct virtio_gpu_config`: writing a bit clears that event.
    pub(crate) GPU_EVENTS_CLEAR(u32) @ 0x04 {
        31:0 events;
    }

    /// `num_scanouts` of `struct virtio_gpu_config`: the number of outputs.
    pub(crate) GPU_NUM_SCANOUTS(u32) @ 0x08 {
        31:0 count;
    }

    /// `num_capsets` of `struct virtio_gpu_config`: the number of 3D capability sets.
    pub(crate) GPU_NUM_CAPSETS(u32) @ 0x0c {
        31:0 count;
    }
}

/// Size of `struct virtio_gpu_config`.
const GPU_CFG_MIN_LEN: usize = 0x10;

/// A configuration structure found through a virtio PCI capability: a window of a BAR.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    /// The BAR holding the structure.
    bar: usize,
    /// Offset of the structure in the BAR.
    offset: usize,
    /// Length of the structure in bytes, as the capability states it.
    len: usize,
}

impl Window {
    /// Returns the location of the fixed register `R` inside this window.
    fn at<R: FixedRegister>(self) -> WindowLoc<R> {
        WindowLoc {
            offset: self.offset,
            _reg: PhantomData,
        }
    }
}

/// The location of register `R` in a [`Window`] whose offset in its BAR is only known at runtime.
///
/// The `register!` layouts above are relative to the start of their structure; this adds the
/// structure's offset. Accesses through it are bounds-checked against the BAR at runtime
/// (`Io::try_read` / `Io::try_write`), and [`Capabilities::find`] has checked that every register
/// lies inside the window.
pub(crate) struct WindowLoc<R> {
    offset: usize,
    _reg: PhantomData<R>,
}

impl<const SIZE: usize, R: FixedRegister> IoLoc<Region<SIZE>, R> for WindowLoc<R> {
    type IoType = R::Storage;

    #[inline(always)]
    fn offset(self) -> usize {
        self.offset + R::OFFSET
    }
}

/// The virtio configuration structures of a function, as its PCI capabilities describe them.
pub(crate) struct Capabilities {
    /// The common configuration.
    common: Window,
    /// The device-specific (virtio-gpu) configuration.
    device: Window,
    /// The notification structure.
    notify: Window,
    /// `notify_off_multiplier` of the notification capability.
    notify_multiplier: u32,
    /// The ISR status byte.
    isr: Window,
}

impl Capabilities {
    /// Walks the PCI capability list of `pdev` and returns the first common configuration,
    /// notification, ISR and device configuration capabilities, as the specification asks
    /// drivers to use.
    ///
    /// Fails with `ENODEV` if one is missing or does not fit its BAR.
    pub(crate) fn find(pdev: &pci::Device<Bound>) -> Result<Self> {
        let cfg = pdev.config_space();
        let mut common = None;
        let mut device = None;
        let mut notify = None;
        let mut isr = None;
        let mut notify_multiplier = 0;

        if cfg.try_read16(PCI_STATUS)? & PCI_STATUS_CAP_LIST != 0 {
            let mut pos = usize::from(cfg.try_read8(PCI_CAPABILITY_LIST)? & !0x3);
            let mut walked = 0;

            while pos != 0 && walked < PCI_CAP_MAX_WALK {
                walked += 1;
                let id = cfg.try_read8(pos)?;
                let next = usize::from(cfg.try_read8(pos + 1)? & !0x3);

                if id == PCI_CAP_ID_VNDR {
                    // struct virtio_pci_cap: cap_vndr, cap_next, cap_len, cfg_type, bar, id,
                    // padding[2], offset (le32), length (le32).
                    let cfg_type = cfg.try_read8(pos + 3)?;
                    let window = Window {
                        bar: usize::from(cfg.try_read8(pos + 4)?),
                        offset: usize::try_from(cfg.try_read32(pos + 8)?)?,
                        len: usize::try_from(cfg.try_read32(pos + 12)?)?,
                    };
                    if cfg_type == VIRTIO_PCI_CAP_NOTIFY_CFG && notify.is_none() {
                        // struct virtio_pci_notify_cap: the capability, then le32
                        // notify_off_multiplier.
                        notify_multiplier = cfg.try_read32(pos + 16)?;
                    }
                    let slot = match cfg_type {
                        VIRTIO_PCI_CAP_COMMON_CFG => &mut common,
                        VIRTIO_PCI_CAP_DEVICE_CFG => &mut device,
                        VIRTIO_PCI_CAP_NOTIFY_CFG => &mut notify,
                        VIRTIO_PCI_CAP_ISR_CFG => &mut isr,
                        _ => &mut None,
                    };
                    // Windows in reserved BAR numbers are skipped, as the specification asks.
                    if slot.is_none() && window.bar < PCI_NUM_BARS {
                        *slot = Some(window);
                    }
                }
                pos = next;
            }
        }

        let common = Self::check(pdev, common, COMMON_CFG_MIN_LEN, "common")?;
        let device = Self::check(pdev, device, GPU_CFG_MIN_LEN, "device")?;
        // The notification window must hold at least the first queue's 16-bit notification.
        let notify = Self::check(pdev, notify, 2, "notification")?;
        let isr = Self::check(pdev, isr, 1, "ISR")?;

        Ok(Self {
            common,
            device,
            notify,
            notify_multiplier,
            isr,
        })
    }

    /// Checks that a capability was found, that its window holds at least `min_len` bytes, and that
    /// the whole window lies inside its BAR.
    fn check(
        pdev: &pci::Device<Bound>,
        window: Option<Window>,
        min_len: usize,
        what: &str,
    ) -> Result<Window> {
        let Some(window) = window else {
            dev_err!(pdev, "no virtio {} configuration capability\n", what);
            return Err(ENODEV);
        };
        // `bar` is below PCI_NUM_BARS, so the conversion cannot fail.
        let bar_len = pdev.resource_len(u32::try_from(window.bar)?)?;
        let end = window.offset.checked_add(window.len).ok_or(ENODEV)?;

        if window.len < min_len || u64::try_from(end)? > bar_len {
            dev_err!(
                pdev,
                "virtio {} configuration {:?} does not fit BAR {} ({} bytes)\n",
                what,
                window,
                window.bar,
                bar_len
            );
            return Err(ENODEV);
        }
        Ok(window)
    }
}

/// Values of the virtio-gpu device configuration, read consistently at probe time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GpuConfig {
    /// `num_scanouts`.
    pub(crate) num_scanouts: u32,
    /// `num_capsets`.
    pub(crate) num_capsets: u32,
}

/// A virtio-gpu function, brought up to `FEATURES_OK` by [`Transport::new`].
///
/// Owns the mapping of the BAR(s) holding the configuration structures. Dropping it resets the
/// device, so that it does no DMA and raises no interrupt once the driver is gone: whoever owns
/// queue memory must drop it after the [`Transport`] (or call [`Transport::reset`] first).
///
/// Locking: the setup methods take `&mut self` and run in probe. The others take `&self` and
/// touch registers that are either read-only, write-only or owned by one caller at a time:
/// [`Transport::notify`] and [`Transport::read_isr`] may be called from any context, including
/// hard interrupt context.
pub(crate) struct Transport<'bound> {
    pdev: &'bound pci::Device<Bound>,
    /// The mapped BARs, indexed by BAR number; only those holding a used window are mapped.
    bars: [Option<pci::Bar<'bound>>; PCI_NUM_BARS],
    caps: Capabilities,
    /// Feature bits the device offers.
    device_features: u64,
    /// Feature bits negotiated with the device.
    driver_features: u64,
    /// Whether dropping the transport resets the device: not if the reset in [`Transport::new`]
    /// failed, nor once [`Transport::reset`] was called (successful or not, it is not retried).
    reset_on_drop: Atomic<bool>,
    /// The offset in the notification window of each queue enabled, by queue index.
    notify_offsets: [Option<usize>; MAX_QUEUES],
}

/// The number of virtqueues this transport can set up (virtio-gpu has two).
const MAX_QUEUES: usize = 2;

impl<'bound> Transport<'bound> {
    /// Maps the configuration structures of `pdev`, resets the device and negotiates features.
    ///
    /// Fails with `ENODEV` if the function is not a usable virtio 1.x device, with `ETIMEDOUT`
    /// if it does not acknowledge the reset, and with the error of the BAR mapping otherwise.
    pub(crate) fn new(pdev: &'bound pci::Device<Bound>) -> Result<Self> {
        let caps = Capabilities::find(pdev)?;
        let mut bars: [Option<pci::Bar<'bound>>; PCI_NUM_BARS] = [const { None }; PCI_NUM_BARS];

        for window in [caps.common, caps.device, caps.notify, caps.isr] {
            if bars[window.bar].is_none() {
                let bar = pdev
                    .iomap_region(u32::try_from(window.bar)?, c"nova-lite")
                    .inspect_err(|e| {
                        dev_err!(pdev, "cannot map BAR {}: {:?}\n", window.bar, e);
                    })?;
                bars[window.bar] = Some(bar);
            }
        }

        let mut transport = Self {
            pdev,
            bars,
            caps,
            device_features: 0,
            driver_features: 0,
            reset_on_drop: Atomic::new(false),
            notify_offsets: [None; MAX_QUEUES],
        };
        transport.do_reset()?;
        transport.reset_on_drop.store(true, Relaxed);
        transport.negotiate()?;
        Ok(transport)
    }

    /// Returns the BAR mapping holding `window`.
    fn bar(&self, window: Window) -> Result<&pci::Bar<'bound>> {
        self.bars[window.bar].as_ref().ok_or(EINVAL)
    }

    /// Reads register `R` of the common configuration.
    fn common_read<R: FixedRegister>(&self) -> Result<R>
    where
        MmioBackend: IoCapable<R::Storage>,
    {
        self.bar(self.caps.common)?
            .try_read(self.caps.common.at::<R>())
    }

    /// Writes register `R` of the common configuration.
    fn common_write<R: FixedRegister>(&self, value: R) -> Result
    where
        MmioBackend: IoCapable<R::Storage>,
    {
        self.bar(self.caps.common)?
            .try_write(self.caps.common.at::<R>(), value)
    }

    /// Reads register `R` of the device configuration.
    fn device_read<R: FixedRegister>(&self) -> Result<R>
    where
        MmioBackend: IoCapable<R::Storage>,
    {
        self.bar(self.caps.device)?
            .try_read(self.caps.device.at::<R>())
    }

    /// Resets the device and waits until it reports the reset done (status reads back 0). Once it
    /// returns successfully, the device no longer accesses any queue memory nor raises
    /// interrupts.
    ///
    /// The transport does not reset the device again when dropped.
    pub(crate) fn reset(&self) -> Result {
        self.reset_on_drop.store(false, Relaxed);
        self.do_reset()
    }

    /// Resets the device, see [`Transport::reset`].
    fn do_reset(&self) -> Result {
        self.common_write(DEVICE_STATUS::zeroed())?;
        read_poll_timeout(
            || self.common_read::<DEVICE_STATUS>(),
            |status| u8::from(*status) == 0,
            Delta::from_micros(100),
            RESET_TIMEOUT,
        )
        .inspect_err(|_| dev_err!(self.pdev, "device did not complete its reset\n"))?;
        Ok(())
    }

    /// Runs the status handshake up to `FEATURES_OK` (virtio 1.x, 3.1.1 steps 2 to 6).
    fn negotiate(&mut self) -> Result {
        let mut status = DEVICE_STATUS::zeroed().with_acknowledge(true);
        self.common_write(status)?;
        status = status.with_driver(true);
        self.common_write(status)?;

        let mut device_features = 0u64;
        for half in 0..2u32 {
            self.common_write(DEVICE_FEATURE_SELECT::zeroed().with_select(half))?;
            let bits = u64::from(self.common_read::<DEVICE_FEATURE>()?.bits().get());
            device_features |= bits << (32 * half);
        }
        self.device_features = device_features;

        if device_features & VIRTIO_F_VERSION_1 == 0 {
            dev_err!(
                self.pdev,
                "device offers no VIRTIO_F_VERSION_1 (features {:#x})\n",
                device_features
            );
            self.common_write(status.with_failed(true))?;
            return Err(ENODEV);
        }

        let driver_features = device_features & DRIVER_SUPPORTED_FEATURES;
        for half in 0..2u32 {
            // Truncation intended: each write carries one 32-bit half.
            let bits = (driver_features >> (32 * half)) as u32;
            self.common_write(DRIVER_FEATURE_SELECT::zeroed().with_select(half))?;
            self.common_write(DRIVER_FEATURE::zeroed().with_bits(bits))?;
        }

        status = status.with_features_ok(true);
        self.common_write(status)?;
        if !self.common_read::<DEVICE_STATUS>()?.features_ok() {
            dev_err!(
                self.pdev,
                "device refused features {:#x}\n",
                driver_features
            );
            self.common_write(status.with_failed(true))?;
            return Err(ENODEV);
        }
        self.driver_features = driver_features;
        Ok(())
    }

    /// Feature bits the device offers.
    pub(crate) fn device_features(&self) -> u64 {
        self.device_features
    }

    /// Feature bits negotiated with the device.
    pub(crate) fn driver_features(&self) -> u64 {
        self.driver_features
    }

    /// Reads the virtio-gpu device configuration, retrying while `config_generation` changes so
    /// that the fields belong to one configuration.
    pub(crate) fn gpu_config(&self) -> Result<GpuConfig> {
        for _ in 0..CONFIG_READ_RETRIES {
            let before = self.common_read::<CONFIG_GENERATION>()?.generation();
            let config = GpuConfig {
                num_scanouts: self.device_read::<GPU_NUM_SCANOUTS>()?.count().get(),
                num_capsets: self.device_read::<GPU_NUM_CAPSETS>()?.count().get(),
            };
            if self.common_read::<CONFIG_GENERATION>()?.generation() == before {
                return Ok(config);
            }
        }
        dev_err!(self.pdev, "device configuration keeps changing\n");
        Err(EAGAIN)
    }
}

impl Transport<'_> {
    /// The size the device offers for queue `index`: its maximum. Fails with `ENOENT` if the
    /// device has no such queue.
    pub(crate) fn queue_max_size(&self, index: u16) -> Result<u16> {
        self.common_write(QUEUE_SELECT::zeroed().with_index(index))?;
        match self.common_read::<QUEUE_SIZE>()?.size().get() {
            0 => Err(ENOENT),
            size => Ok(size),
        }
    }

    /// Sets up and enables queue `index` with `size` descriptors at `addrs`, interrupting on
    /// MSI-X vector `vector` (`None` with INTx).
    ///
    /// Must be called before [`Transport::driver_ok`]. Fails with `EINVAL` if `index` is beyond
    /// what this transport supports, with `EIO` if the device refuses the vector, and with
    /// `ENODEV` if the queue's notification address lies outside the notification window.
    pub(crate) fn enable_queue(
        &mut self,
        index: u16,
        size: u16,
        addrs: &queue::QueueAddresses,
        vector: Option<u16>,
    ) -> Result {
        let slot = self
            .notify_offsets
            .get_mut(usize::from(index))
            .ok_or(EINVAL)?;
        if slot.is_some() {
            return Err(EINVAL);
        }
        self.common_write(QUEUE_SELECT::zeroed().with_index(index))?;
        self.common_write(QUEUE_SIZE::zeroed().with_size(size))?;
        // Truncation intended: each register takes one 32-bit half of an address.
        let (desc, driver, device) = (addrs.desc, addrs.driver, addrs.device);
        self.common_write(QUEUE_DESC_LO::zeroed().with_addr(desc as u32))?;
        self.common_write(QUEUE_DESC_HI::zeroed().with_addr((desc >> 32) as u32))?;
        self.common_write(QUEUE_DRIVER_LO::zeroed().with_addr(driver as u32))?;
        self.common_write(QUEUE_DRIVER_HI::zeroed().with_addr((driver >> 32) as u32))?;
        self.common_write(QUEUE_DEVICE_LO::zeroed().with_addr(device as u32))?;
        self.common_write(QUEUE_DEVICE_HI::zeroed().with_addr((device >> 32) as u32))?;

        let vector = vector.unwrap_or(VIRTIO_MSI_NO_VECTOR);
        self.common_write(QUEUE_MSIX_VECTOR::zeroed().with_vector(vector))?;
        if self.common_read::<QUEUE_MSIX_VECTOR>()?.vector().get() != vector {
            dev_err!(
                self.pdev,
                "queue {} refused MSI-X vector {}\n",
                index,
                vector
            );
            return Err(EIO);
        }

        let notify_off = usize::from(self.common_read::<QUEUE_NOTIFY_OFF>()?.offset().get());
        let offset = usize::try_from(self.caps.notify_multiplier)?
            .checked_mul(notify_off)
            .filter(|off| {
                off.checked_add(2)
                    .is_some_and(|end| end <= self.caps.notify.len)
            })
            .ok_or_else(|| {
                dev_err!(self.pdev, "queue {} notifies outside its window\n", index);
                ENODEV
            })?;

        self.common_write(QUEUE_ENABLE::zeroed().with_enabled(1u16))?;
        self.notify_offsets[usize::from(index)] = Some(self.caps.notify.offset + offset);
        Ok(())
    }

    /// Routes configuration-change interrupts to MSI-X vector `vector` (`None` with INTx).
    /// Fails with `EIO` if the device refuses the vector.
    pub(crate) fn set_config_vector(&self, vector: Option<u16>) -> Result {
        let vector = vector.unwrap_or(VIRTIO_MSI_NO_VECTOR);
        self.common_write(MSIX_CONFIG::zeroed().with_vector(vector))?;
        if self.common_read::<MSIX_CONFIG>()?.vector().get() != vector {
            dev_err!(
                self.pdev,
                "device refused MSI-X vector {} for its configuration\n",
                vector
            );
            return Err(EIO);
        }
        Ok(())
    }

    /// Sets `DRIVER_OK`: the device may now use its enabled queues (virtio 1.x, 3.1.1 step 8).
    /// Fails with `EIO` if the device then reports `DEVICE_NEEDS_RESET`.
    pub(crate) fn driver_ok(&self) -> Result {
        let status = self.common_read::<DEVICE_STATUS>()?;
        self.common_write(status.with_driver_ok(true))?;
        if self.needs_reset() {
            dev_err!(self.pdev, "device needs a reset right after DRIVER_OK\n");
            return Err(EIO);
        }
        Ok(())
    }

    /// Whether the device reports `DEVICE_NEEDS_RESET` (or cannot be read).
    pub(crate) fn needs_reset(&self) -> bool {
        self.common_read::<DEVICE_STATUS>()
            .map_or(true, |status| status.needs_reset())
    }

    /// Sets the `FAILED` status bit: the driver gave up on the device.
    pub(crate) fn set_failed(&self) {
        if let Ok(status) = self.common_read::<DEVICE_STATUS>() {
            let _ = self.common_write(status.with_failed(true));
        }
    }

    /// Tells the device that queue `index` has new buffers. Does nothing for a queue that is not
    /// enabled. May be called from any context.
    pub(crate) fn notify(&self, index: u16) {
        let Some(Some(offset)) = self.notify_offsets.get(usize::from(index)) else {
            return;
        };
        if let Ok(bar) = self.bar(self.caps.notify) {
            // In bounds: `enable_queue` checked the offset against the window, and
            // `Capabilities::find` the window against the BAR.
            let _ = bar.try_write16(index, *offset);
        }
    }

    /// Reads (and so clears) the ISR status: [`ISR_QUEUE`] and [`ISR_CONFIG`] bits. An INTx
    /// handler reads it to learn whether the interrupt is its own and to deassert it. May be
    /// called from any context; returns 0 if the register cannot be read.
    pub(crate) fn read_isr(&self) -> u8 {
        self.bar(self.caps.isr)
            .and_then(|bar| bar.try_read8(self.caps.isr.offset))
            .unwrap_or(0)
    }

    /// Reads `events_read` of the virtio-gpu configuration.
    pub(crate) fn gpu_events(&self) -> Result<u32> {
        Ok(self.device_read::<GPU_EVENTS_READ>()?.events().get())
    }

    /// Clears `events` (writes `events_clear`).
    pub(crate) fn clear_gpu_events(&self, events: u32) -> Result {
        self.bar(self.caps.device)?.try_write(
            self.caps.device.at::<GPU_EVENTS_CLEAR>(),
            GPU_EVENTS_CLEAR::zeroed().with_events(events),
        )
    }
}

impl Drop for Transport<'_> {
    fn drop(&mut self) {
        if self.reset_on_drop.load(Relaxed) {
            // Nothing to return an error to: `do_reset()` has logged it already.
            let _ = self.do_reset();
        }
    }
}
