// SPDX-License-Identifier: GPL-2.0

//! The nova-lite DRM driver: binds the auxiliary device published by the core ([`crate::gpu`])
//! and registers a DRM device named `nova-lite` on it, with a render node and, if the GPU has
//! scanouts, modesetting ([`kms`]) and the fbdev emulation.
//!
//! The DRM device reaches the hardware only through the core's [`Gpu`], which it keeps as the
//! DRM registration data: ioctls get it inside the DRM core's registration guard, so none runs
//! after the device is unplugged (they fail with `ENODEV` instead), and the [`Gpu`] outlives
//! every ioctl that uses it.
//!
//! The DRM device's own data is the list of its GEM objects, which holds no reference to them
//! and which the debugfs file `objects` shows ([`objects`]).

mod file;
mod gem;
mod kms;
mod objects;

use kernel::{
    auxiliary,
    debugfs,
    device::{
        Core,
        DeviceContext, //
    },
    drm::{
        self,
        driver::DumbCreateArgs,
        gem::BaseObject,
        ioctl,
        kms::{
            modeset_disabled,
            ModesetSuspended, //
        },
        Registered, //
    },
    new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        Arc,
        Mutex, //
    },
    types::CovariantForLt, //
};

use crate::{
    gpu::{
        DisplayListener,
        DisplayListening,
        Gpu,
        AUX_DRM_NAME, //
    },
    MODULE_NAME,
};

use file::File;
use gem::{
    NovaLiteObject,
    ObjectList, //
};
use objects::ObjectsFile;

/// The DRM driver.
pub(crate) struct DrmDriver;

/// The DRM driver's data for one bound auxiliary device.
pub(crate) struct DrmData<'bound> {
    /// The debugfs file `objects` in the core's directory of the device, if debugfs could create
    /// it; dropped first. It keeps a reference to the DRM device.
    _objects: Option<Pin<KBox<debugfs::File<ObjectsFile>>>>,
    /// The subscription to the host's display changes, so that no hot-plug event is sent while
    /// the device is unplugged.
    _displays: Option<DisplayListening>,
    /// The DRM device's registration; dropping it on unbind unplugs the DRM device (and turns
    /// its outputs off).
    _reg: drm::Registration<'bound, DrmDriver>,
    /// The core, to wake the ioctls that wait for it before the unplug waits for them.
    gpu: &'bound Gpu<'bound>,
}

/// Tells the DRM device's clients (userspace, fbcon) that the host's displays changed, and turns
/// the outputs off and on again around the core's resets of the device.
#[pin_data]
struct Outputs {
    /// The DRM device, registered when the listener is.
    drm: ARef<NovaLiteDevice>,
    /// The outputs' state, kept by a suspend until the resume commits it again.
    #[pin]
    suspended: Mutex<Option<ModesetSuspended<DrmDriver>>>,
}

impl DisplayListener for Outputs {
    fn displays_changed(&self) {
        self.drm.hotplug_event();
    }

    fn suspend(&self) {
        let mut suspended = self.suspended.lock();
        // A restore that did not run (it failed before the core's) left the outputs off, their
        // state kept: keep that one.
        if suspended.is_some() {
            return;
        }
        match self.drm.suspend_modeset() {
            Ok(outputs) => *suspended = Some(outputs),
            // The reset goes on: the core's restore shows again what the scanouts showed.
            Err(e) => {
                let adev: &auxiliary::Device = self.drm.as_ref();
                dev_warn!(adev, "outputs not turned off for a reset: {:?}\n", e);
            }
        }
    }

    fn resume(&self) {
        let Some(outputs) = self.suspended.lock().take() else {
            return;
        };
        // The outputs stay off until the next commit. An unplugged device has no outputs.
        match outputs.resume() {
            Ok(()) | Err(ENODEV) => {}
            Err(e) => {
                let adev: &auxiliary::Device = self.drm.as_ref();
                dev_warn!(adev, "outputs not turned on after a reset: {:?}\n", e);
            }
        }
    }
}

impl Drop for DrmData<'_> {
    fn drop(&mut self) {
        // First (the fields go after this): WAIT ioctls return ENODEV, so that unplugging the DRM
        // device, which waits for the ioctls in flight, does not wait for their timeouts.
        self.gpu.cancel_waits();
    }
}

/// The DRM device of this driver.
pub(crate) type NovaLiteDevice<Ctx = drm::Normal> = drm::Device<DrmDriver, Ctx>;

/// The data of the DRM device: it outlives every GEM object of the device.
#[pin_data]
pub(crate) struct DeviceData {
    /// The device's GEM objects, from their creation until their release; holds no reference
    /// to them ([`objects`]).
    #[pin]
    pub(crate) objects: ObjectList,
}

const INFO: drm::DriverInfo = drm::DriverInfo {
    major: 0,
    minor: 1,
    patchlevel: 0,
    name: c"nova-lite",
    desc: c"Rust DRM driver for virtio-gpu",
};

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <DrmDriver as auxiliary::Driver>::IdInfo,
    [(auxiliary::DeviceId::new(MODULE_NAME, AUX_DRM_NAME), ())]
);

impl auxiliary::Driver for DrmDriver {
    type IdInfo = ();
    type Data<'bound> = DrmData<'bound>;

    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let gpu: &'bound Gpu<'bound> = adev
            .registration_data::<CovariantForLt!(Gpu<'_>)>()
            .inspect_err(|e| dev_err!(adev, "no core data on the device: {:?}\n", e))?
            .get_ref();

        let drm = drm::UnregisteredDevice::<Self>::new(
            adev,
            try_pin_init!(DeviceData {
                objects <- ObjectList::new(),
            }),
        )?;
        // The auxiliary device does no DMA: the GPU's pages are mapped for the transport's device.
        drm.set_dma_device(gpu.dma_device());
        // Without scanouts, or with `nomodeset`, the device is render-only.
        if gpu.num_scanouts() > 0 && !modeset_disabled() {
            drm.init_mode_config(&kms::MODE_CONFIG, |b| kms::build(b, gpu))
                .inspect_err(|e| dev_err!(adev, "cannot set up modesetting: {:?}\n", e))?;
            // The display is this device's from now on: a firmware framebuffer in its memory
            // (virtio-vga's) goes, and fbcon moves to the fbdev emulation set up below.
            gpu.remove_firmware_framebuffers().inspect_err(|e| {
                dev_err!(adev, "cannot remove the firmware framebuffers: {:?}\n", e)
            })?;
        }

        // A DRM device unbound before this one cancelled the waits.
        gpu.allow_waits();
        // SAFETY: The registration is stored in `DrmData`, the driver data of `adev`, which the
        // driver core drops when `adev` is unbound; it is never forgotten.
        let reg = unsafe { drm::Registration::new(adev.as_ref(), drm, gpu, 0) }
            .inspect_err(|e| dev_err!(adev, "cannot register the DRM device: {:?}\n", e))?;
        reg.setup_clients();
        // Debugfs is optional: without the file, the device works.
        let objects = gpu
            .debugfs_dir()
            .and_then(|dir| objects::file(dir, reg.device().into(), gpu.shown()));
        // Without the subscription the outputs work, but display changes reach userspace only
        // when it probes them.
        let drm: ARef<NovaLiteDevice> = reg.device().into();
        let outputs = Arc::pin_init(
            pin_init!(Outputs {
                drm,
                suspended <- new_mutex!(None),
            }),
            GFP_KERNEL,
        )?;
        let displays = gpu
            .on_display_change(outputs)
            .inspect_err(|e| dev_warn!(adev, "display changes are not reported: {:?}\n", e))
            .ok();

        Ok(DrmData {
            _objects: objects,
            _displays: displays,
            _reg: reg,
            gpu,
        })
    }
}

#[vtable]
impl drm::Driver for DrmDriver {
    type Data = DeviceData;
    type RegistrationData<'a> = &'a Gpu<'a>;
    type File = File;
    type Object = gem::Object;
    type ParentDevice<Ctx: DeviceContext> = auxiliary::Device<Ctx>;

    const INFO: drm::DriverInfo = INFO;
    const FEAT_RENDER: bool = true;
    const FEAT_MODESET: bool = true;
    const FEAT_CURSOR_HOTSPOT: bool = true;

    /// Dumb buffers are objects of the driver, 32 bits per pixel, pitch the width's; they become
    /// host resources when they become framebuffers. Errors: `EINVAL` for another depth or a
    /// size above [`gem::GEM_MAX_SIZE`]; `ENOMEM`.
    fn dumb_create<'a>(
        dev: &NovaLiteDevice<Registered>,
        _gpu: &'a &'a Gpu<'a>,
        file: &drm::File<File>,
        args: &mut DumbCreateArgs,
    ) -> Result {
        if args.bpp() != 32 {
            return Err(EINVAL);
        }
        args.set_size(dev, 0, 0)?;
        let obj = NovaLiteObject::create(dev.as_ioctl(), args.size(), 0)?;
        args.set_handle(obj.create_handle(file)?);
        Ok(())
    }

    /// The usage statistics of a file (its fdinfo), after the DRM core's keys: the GPU's PCI
    /// function (`drm-pdev`), which the DRM core does not print, as the DRM device's parent is
    /// the auxiliary device; then the memory of the file's objects, all in system memory
    /// (`drm-total-memory`, `drm-shared-memory`, and `drm-resident-memory` once an object holds
    /// its pages: mapped, or a resource).
    fn show_fdinfo<'a>(
        _dev: &NovaLiteDevice<Registered>,
        gpu: &'a &'a Gpu<'a>,
        file: &drm::File<File>,
        printer: &drm::Printer,
    ) {
        if let Some(slot) = gpu.pci_slot() {
            printer.print(fmt!("drm-pdev:\t{}\n", slot));
        }
        file.show_memory_stats(printer);
    }

    kernel::declare_drm_ioctls! {
        (NOVA_LITE_GETPARAM, drm_nova_lite_getparam, ioctl::RENDER_ALLOW, File::get_param),
        (NOVA_LITE_GEM_CREATE, drm_nova_lite_gem_create, ioctl::AUTH | ioctl::RENDER_ALLOW,
         File::gem_create),
        (NOVA_LITE_GEM_INFO, drm_nova_lite_gem_info, ioctl::AUTH | ioctl::RENDER_ALLOW,
         File::gem_info),
        (NOVA_LITE_QUERY, drm_nova_lite_query, ioctl::RENDER_ALLOW, File::query),
        (NOVA_LITE_GEM_MMAP_OFFSET, drm_nova_lite_gem_mmap_offset,
         ioctl::AUTH | ioctl::RENDER_ALLOW, File::gem_mmap_offset),
        (NOVA_LITE_RESOURCE_CREATE, drm_nova_lite_resource_create,
         ioctl::AUTH | ioctl::RENDER_ALLOW, File::resource_create),
        (NOVA_LITE_TRANSFER_TO_HOST, drm_nova_lite_transfer, ioctl::AUTH | ioctl::RENDER_ALLOW,
         File::transfer_to_host),
        (NOVA_LITE_WAIT, drm_nova_lite_wait, ioctl::AUTH | ioctl::RENDER_ALLOW, File::wait),
    }
}
