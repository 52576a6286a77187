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
//! - device reset and feature negotiation up to `FEATURES_OK` ([`Transport::new`]).
//!
//! Virtqueues are not set up yet, so the driver never sets `DRIVER_OK`: the device stays
//! configured but idle, and is reset again when the [`Transport`] is dropped.

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
/// `cfg_type` of the device-specific configuration structure.
const VIRTIO_PCI_CAP_DEVICE_CFG: u8 = 4;

/// Number of PCI BARs of a type 0 function.
pub(crate) const PCI_NUM_BARS: usize = 6;

/// Virtio feature bit: the device complies with virtio 1.x (mandatory for this transport).
pub(crate) const VIRTIO_F_VERSION_1: u64 = 1 << 32;
/// Virtio feature bit: the device is behind a platform IOMMU; the driver uses the DMA API, which
/// handles it, so the bit is accepted when offered.
pub(crate) const VIRTIO_F_ACCESS_PLATFORM: u64 = 1 << 33;

/// The feature bits this driver implements, and so accepts when the device offers them.
const DRIVER_SUPPORTED_FEATURES: u64 = VIRTIO_F_VERSION_1 | VIRTIO_F_ACCESS_PLATFORM;

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
}

/// Size of the part of the common configuration the driver uses.
const COMMON_CFG_MIN_LEN: usize = 0x16;

register! {
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
}

impl Capabilities {
    /// Walks the PCI capability list of `pdev` and returns the first common and device
    /// configuration capabilities, as the specification asks drivers to use.
    ///
    /// Fails with `ENODEV` if either is missing or does not fit its BAR.
    pub(crate) fn find(pdev: &pci::Device<Bound>) -> Result<Self> {
        let cfg = pdev.config_space();
        let mut common = None;
        let mut device = None;

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
                    let slot = match cfg_type {
                        VIRTIO_PCI_CAP_COMMON_CFG => &mut common,
                        VIRTIO_PCI_CAP_DEVICE_CFG => &mut device,
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

        Ok(Self { common, device })
    }

    /// Checks that a capability was found and that its window holds `min_len` bytes inside its
    /// BAR.
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
        let end = window.offset.checked_add(min_len).ok_or(ENODEV)?;

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

/// A virtio-gpu function brought up to `FEATURES_OK`.
///
/// Owns the mapping of the BAR(s) holding the configuration structures. Dropping it resets the
/// device, so that it does no DMA and raises no interrupt once the driver is gone.
pub(crate) struct Transport<'bound> {
    pdev: &'bound pci::Device<Bound>,
    /// The mapped BARs, indexed by BAR number; only those holding a used window are mapped.
    bars: [Option<pci::Bar<'bound>>; PCI_NUM_BARS],
    caps: Capabilities,
    /// Feature bits the device offers.
    device_features: u64,
    /// Feature bits negotiated with the device.
    driver_features: u64,
    /// Whether the device completed the reset in [`Transport::new`]; a device that did not is
    /// not reset (and waited for) again on drop.
    reset_on_drop: bool,
}

impl<'bound> Transport<'bound> {
    /// Maps the configuration structures of `pdev`, resets the device and negotiates features.
    ///
    /// Fails with `ENODEV` if the function is not a usable virtio 1.x device, with `ETIMEDOUT`
    /// if it does not acknowledge the reset, and with the error of the BAR mapping otherwise.
    pub(crate) fn new(pdev: &'bound pci::Device<Bound>) -> Result<Self> {
        let caps = Capabilities::find(pdev)?;
        let mut bars: [Option<pci::Bar<'bound>>; PCI_NUM_BARS] = [const { None }; PCI_NUM_BARS];

        for window in [caps.common, caps.device] {
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
            reset_on_drop: false,
        };
        transport.reset()?;
        transport.reset_on_drop = true;
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

    /// Resets the device and waits until it reports the reset done (status reads back 0).
    fn reset(&self) -> Result {
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

impl Drop for Transport<'_> {
    fn drop(&mut self) {
        if self.reset_on_drop {
            // Nothing to return an error to: `reset()` has logged it already.
            let _ = self.reset();
        }
    }
}
