// SPDX-License-Identifier: GPL-2.0

//! The core's virtio driver: probe, unbind and configuration changes of a virtio-gpu device.

use core::mem::offset_of;

use kernel::{
    auxiliary,
    device::{
        Bound,
        Core, //
    },
    prelude::*,
    sync::{
        atomic::Relaxed,
        Arc, //
    },
    types::CovariantForLt,
    uapi,
    virtio, //
};

use super::{
    cmdq::CONTROL_QUEUE,
    display::Displays,
    resources::Resources,
    Gpu,
    Queues,
    AUX_DRM_NAME, //
};
use crate::MODULE_NAME;

/// The core's virtio driver.
pub(crate) struct CoreDriver;

/// The core driver's data for one bound virtio device.
pub(crate) struct CoreData<'bound> {
    /// The auxiliary device for the DRM driver; owns the [`Gpu`]. Dropping it deletes the
    /// auxiliary device before the [`Gpu`] goes.
    _drm: auxiliary::Registration<'bound, CovariantForLt!(Gpu<'_>)>,
    /// The device's queues, to fail the commands in flight on unbind before the DRM device goes
    /// and to refresh the display information on a configuration change.
    queues: Arc<Queues>,
    /// The resources, to restore them after a reset.
    resources: Arc<Resources>,
    /// The EDIDs and the display listener, to read the displays again after a display change.
    displays: Arc<Displays>,
}

impl Drop for CoreData<'_> {
    fn drop(&mut self) {
        // The virtio adapter reset the device when the driver was unbound, before the driver
        // core drops this: frees that waited for the device may proceed. The
        // auxiliary device (and with it the DRM device, whose unplug waits for them) goes after.
        if let Some(control) = self.queues.queue(CONTROL_QUEUE) {
            self.queues.handler().stopped(control);
        }
    }
}

/// The devices the core binds: every virtio-gpu device. Not declared with
/// `virtio_device_table!`, which would also export a module alias: the C driver `virtio_gpu`
/// matches the same devices, and with both aliases udev would load both modules and the first to
/// register would bind each GPU. Without one, autoloading only ever picks `virtio_gpu`, and
/// nova-lite binds the GPUs no driver holds once it is loaded on purpose (see the README).
static VIRTIO_TABLE: kernel::device_id::IdArray<virtio::DeviceId, (), 1> =
    kernel::device_id::IdArray::new_without_index([virtio::DeviceId::new(uapi::VIRTIO_ID_GPU)]);

#[vtable]
impl virtio::Driver for CoreDriver {
    type Data<'bound> = CoreData<'bound>;

    const ID_TABLE: virtio::IdTable = &VIRTIO_TABLE;
    const FEATURES: &'static [u32] = &[uapi::VIRTIO_GPU_F_EDID];

    fn probe<'bound>(
        vdev: &'bound virtio::Device<Core<'_>>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let (gpu, queues, resources, displays) = Gpu::new(vdev)?;

        let parent: &'bound kernel::device::Device<Bound> = vdev.as_ref();
        // SAFETY: The registration is stored in `CoreData`, the driver data of `vdev`, which the
        // driver core drops when `vdev` is unbound; it is never forgotten.
        let drm = unsafe {
            auxiliary::Registration::new_with_lt(
                parent,
                AUX_DRM_NAME,
                // Unique per device: its index on the virtio bus.
                vdev.index(),
                MODULE_NAME,
                gpu,
            )
        }
        .inspect_err(|e| dev_err!(vdev, "cannot add the auxiliary device: {:?}\n", e))?;

        Ok(CoreData {
            _drm: drm,
            queues,
            resources,
            displays,
        })
    }

    fn unbind<'bound>(_vdev: &'bound virtio::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        // Wake the DRM ioctls waiting for the device with ENODEV, so that unplugging the DRM
        // device (when `_drm` is dropped, after the device is reset) does not wait for their
        // timeouts.
        if let Some(control) = this.queues.queue(CONTROL_QUEUE) {
            this.queues.handler().shut_down(control);
        }
    }

    fn config_changed<'bound>(vdev: &'bound virtio::Device<Bound>, this: Pin<&Self::Data<'bound>>) {
        let cmdq = this.queues.handler();
        let stats = cmdq.stats();
        stats.config_changes.fetch_add(1, Relaxed);
        if vdev.status().contains(virtio::Status::NEEDS_RESET) {
            dev_err!(vdev, "the device asks for a reset\n");
            this.queues.request_reset();
            return;
        }
        let (Ok(read), Ok(clear)) = (
            u32::try_from(offset_of!(uapi::virtio_gpu_config, events_read)),
            u32::try_from(offset_of!(uapi::virtio_gpu_config, events_clear)),
        ) else {
            return;
        };
        // SAFETY: `events_read` is a `__le32` field of `struct virtio_gpu_config`, which every
        // virtio-gpu device implements.
        let events = unsafe { vdev.config_read::<u32>(read) };
        if events & uapi::VIRTIO_GPU_EVENT_DISPLAY != 0 {
            stats.display_events.fetch_add(1, Relaxed);
            // SAFETY: `events_clear`, likewise, is the field the driver writes to clear events.
            unsafe { vdev.config_write::<u32>(clear, uapi::VIRTIO_GPU_EVENT_DISPLAY) };
            // Reads the displays again, waiting for the device (bounded), then tells the DRM
            // driver. This runs in the abstraction's work item, which the unbind and each reset
            // cancel (waiting for it) before they go on.
            this.displays.changed(&this.queues);
        }
    }

    fn freeze<'bound>(
        _vdev: &'bound virtio::Device<Bound>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        // The DRM driver turns its outputs off while commands still reach the device (KMS's
        // helpers keep the state the restore commits again).
        this.displays.suspend();
        // Commands wait for the restore; those the device holds fail (the reset drops them).
        if let Some(control) = this.queues.queue(CONTROL_QUEUE) {
            this.queues.handler().quiesce(control);
        }
        Ok(())
    }

    fn restore<'bound>(
        vdev: &'bound virtio::Device<Bound>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        let control = this.queues.queue(CONTROL_QUEUE).ok_or(ENODEV)?;
        // The reset destroyed the host's resources and scanouts: re-create them before other
        // commands are sent again.
        match this.resources.restore(&this.queues) {
            Ok(0) => {}
            Ok(refused) => dev_err!(
                vdev,
                "the device refused {} command(s) restoring its resources\n",
                refused
            ),
            Err(e) => dev_err!(vdev, "resources not restored after a reset: {:?}\n", e),
        }
        this.queues.handler().resume(control);
        // The reset dropped the panic screen's commands the device held.
        if let Err(e) = this.queues.handler().refill_panic_reserve(control) {
            dev_warn!(vdev, "panic screen's commands not made again: {:?}\n", e);
        }
        // The outputs again as they were before the freeze: a full update of each.
        this.displays.resume();
        dev_info!(vdev, "device reset and restored\n");
        Ok(())
    }
}
