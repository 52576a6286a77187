// SPDX-License-Identifier: GPL-2.0

//! nova-lite: a Rust DRM driver for the virtio-gpu device.
//!
//! One module holds two drivers, split like Nova's nova-core and nova-drm:
//!
//! - [`gpu`], the core: a virtio driver for the virtio-gpu device that owns the hardware and
//!   publishes an auxiliary device;
//! - [`drm`], a driver on the auxiliary bus that creates and registers the DRM device.
//!
//! The API between the two is documented in [`gpu`].

mod drm;
mod gpu;
mod live;

use kernel::{
    auxiliary,
    debugfs,
    driver,
    prelude::*,
    virtio,
    InPlaceModule, //
};

use live::LiveCounts;

/// The module's name, which also prefixes the auxiliary device's name.
pub(crate) const MODULE_NAME: &CStr = <LocalModule as kernel::ModuleMetadata>::NAME;

/// Name of both drivers on their buses (`/sys/bus/{virtio,auxiliary}/drivers/nova-lite`).
const DRIVER_NAME: &CStr = c"nova-lite";

// The module's debugfs directory (`nova-lite/`), which each bound device adds its own directory
// to. As in nova-core: a static until modules can have data that probe reaches.
static mut DEBUGFS_ROOT: Option<debugfs::Dir> = None;

/// Clears [`DEBUGFS_ROOT`] when dropped.
struct DebugfsRootGuard;

impl Drop for DebugfsRootGuard {
    fn drop(&mut self) {
        // The guard is the module's last field and is initialised first: whether the module goes
        // away or its init fails, no driver is registered any more when it is dropped.
        // SAFETY: So no probe runs that could read `DEBUGFS_ROOT` while it changes.
        unsafe { DEBUGFS_ROOT = None };
    }
}

/// The module: the registrations of its two drivers.
#[pin_data]
struct NovaLiteModule {
    // Fields are dropped in order: the drivers, then the debugfs files and root.
    #[pin]
    _core: driver::Registration<virtio::Adapter<gpu::CoreDriver>>,
    #[pin]
    _drm: driver::Registration<auxiliary::Adapter<drm::DrmDriver>>,
    /// `nova-lite/live`, if debugfs could create it (it is optional).
    _live: Option<Pin<KBox<debugfs::File<LiveCounts>>>>,
    _debugfs: DebugfsRootGuard,
}

impl InPlaceModule for NovaLiteModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        // SAFETY: Module init runs alone: the drivers, whose probe reads `DEBUGFS_ROOT`, are not
        // registered yet.
        unsafe { DEBUGFS_ROOT = Some(debugfs::Dir::new(DRIVER_NAME)) };

        // The guard is initialised first and the file next, so that if a registration fails they
        // are dropped in the reverse order: the file, then the root.
        try_pin_init!(Self {
            _debugfs: DebugfsRootGuard,
            _live: live_file(),
            _core <- driver::Registration::new(DRIVER_NAME, module),
            _drm <- driver::Registration::new(DRIVER_NAME, module),
        })
    }
}

/// Creates `nova-lite/live` in debugfs ([`live`]). Debugfs is optional: on failure the module works
/// without it.
fn live_file() -> Option<Pin<KBox<debugfs::File<LiveCounts>>>> {
    #[allow(static_mut_refs)]
    // SAFETY: Called from module init, which runs alone: nothing else changes `DEBUGFS_ROOT`.
    let root = unsafe { DEBUGFS_ROOT.as_ref() }?;
    KBox::pin_init(
        root.read_callback_file(c"live", LiveCounts, &|counts: &LiveCounts, f| {
            counts.show(f)
        }),
        GFP_KERNEL,
    )
    .ok()
}

module! {
    type: NovaLiteModule,
    name: "nova_lite",
    authors: ["nova-lite developers"],
    description: "Rust DRM driver for the virtio-gpu device",
    license: "GPL",
}
