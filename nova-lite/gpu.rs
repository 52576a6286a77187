// SPDX-License-Identifier: GPL-2.0

//! The nova-lite core: the PCI driver that owns the virtio-gpu function.
//!
//! It binds the virtio-gpu PCI function (1af4:1050), maps its configuration structures, brings
//! the device up through the virtio transport ([`virtio`]) and publishes what it learnt as a
//! [`Gpu`], carried by an auxiliary device named `nova_lite.drm.<N>`. The DRM driver
//! ([`crate::drm`]) binds that auxiliary device; it never touches the hardware itself.
//!
//! # The API between the core and the DRM driver
//!
//! The whole API is [`Gpu`], stored as the auxiliary device's registration data
//! (`CovariantForLt!(Gpu<'_>)`) and obtained with `auxiliary::Device::registration_data()`.
//!
//! Lifetime: the core creates the [`Gpu`] in its PCI probe and owns it, through the
//! `auxiliary::Registration`, until the PCI function is unbound. `'bound` is the PCI binding: on
//! unbind the core first deletes the auxiliary device, which unbinds the DRM driver (and so
//! unplugs the DRM device, waiting for ioctls in flight), and only then drops the [`Gpu`], which
//! resets the device and unmaps its BAR. The DRM driver may therefore keep `&'bound Gpu<'bound>`
//! in its DRM registration data, which the DRM core only hands out inside a registration guard,
//! but must not keep it anywhere that outlives the DRM registration (GEM objects, open files).
//!
//! Locking: a [`Gpu`] is immutable after probe. Every method takes `&self`, returns values
//! cached at probe time and needs no lock; it may be called concurrently from any context that
//! may sleep or not.

mod virtio;

use kernel::{
    auxiliary,
    device::{
        Bound,
        Core, //
    },
    pci,
    prelude::*,
    types::CovariantForLt, //
};

use crate::MODULE_NAME;

/// PCI device id of a virtio 1.x GPU (0x1040 + virtio device id 16).
const VIRTIO_GPU_PCI_DEVICE_ID: u32 = 0x1050;

/// Name of the auxiliary device the DRM driver binds (`<module name>.<name>.<id>`).
pub(crate) const AUX_DRM_NAME: &CStr = c"drm";

/// What the core knows about one virtio-gpu function; see the [module documentation](self) for
/// its lifetime and locking rules.
pub(crate) struct Gpu<'bound> {
    /// The device, brought up to `FEATURES_OK`; reset when dropped.
    transport: virtio::Transport<'bound>,
    /// The virtio-gpu device configuration read at probe time.
    config: virtio::GpuConfig,
    /// Sizes in bytes of the six BARs, 0 for an unused one.
    bar_sizes: [u64; virtio::PCI_NUM_BARS],
}

impl<'bound> Gpu<'bound> {
    /// Brings up the virtio-gpu function `pdev` and reads its configuration.
    fn new(pdev: &'bound pci::Device<Core<'_>>) -> Result<Self> {
        pdev.enable_device_mem()
            .inspect_err(|e| dev_err!(pdev, "cannot enable the device: {:?}\n", e))?;

        let pdev: &'bound pci::Device<Bound> = pdev;
        let mut bar_sizes = [0u64; virtio::PCI_NUM_BARS];
        for (bar, size) in (0u32..).zip(bar_sizes.iter_mut()) {
            *size = pdev.resource_len(bar)?;
        }

        let transport = virtio::Transport::new(pdev)?;
        let config = transport.gpu_config()?;

        dev_info!(
            pdev,
            "virtio-gpu: {} scanout(s), {} capset(s), features {:#x} of {:#x}\n",
            config.num_scanouts,
            config.num_capsets,
            transport.driver_features(),
            transport.device_features()
        );

        Ok(Self {
            transport,
            config,
            bar_sizes,
        })
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
        self.transport.device_features()
    }

    /// The virtio feature bits negotiated with the device.
    pub(crate) fn driver_features(&self) -> u64 {
        self.transport.driver_features()
    }

    /// The size in bytes of BAR `bar`, 0 if the BAR is unused; `None` if `bar` is not 0 to 5.
    pub(crate) fn bar_size(&self, bar: usize) -> Option<u64> {
        self.bar_sizes.get(bar).copied()
    }
}

/// The core PCI driver.
pub(crate) struct CoreDriver;

/// The core driver's data for one bound PCI function.
pub(crate) struct CoreData<'bound> {
    /// The auxiliary device for the DRM driver; owns the [`Gpu`]. Dropping it on unbind deletes
    /// the auxiliary device before the [`Gpu`] goes.
    _drm: auxiliary::Registration<'bound, CovariantForLt!(Gpu<'_>)>,
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
        let gpu = Gpu::new(pdev)?;

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

        Ok(CoreData { _drm: drm })
    }
}
