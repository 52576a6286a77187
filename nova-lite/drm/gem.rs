// SPDX-License-Identifier: GPL-2.0

//! GEM objects of nova-lite.
//!
//! Objects are plain GEM objects (shmem-backed, pages allocated on first use); nothing maps or
//! exports them yet. An object lives as long as a handle or a reference to it does; the core's
//! `DRM_IOCTL_GEM_CLOSE` drops a handle.

use kernel::{
    drm::gem,
    page,
    prelude::*,
    sync::aref::ARef, //
};

use super::{
    DrmDriver,
    NovaLiteDevice, //
};

/// The largest object [`NovaLiteObject::create`] accepts, in bytes (256 MiB).
pub(crate) const GEM_MAX_SIZE: usize = 256 << 20;

/// The driver's part of a GEM object.
#[pin_data]
pub(crate) struct NovaLiteObject {
    /// Creation flags, as given to `DRM_IOCTL_NOVA_LITE_GEM_CREATE`.
    flags: u32,
}

impl gem::DriverObject for NovaLiteObject {
    type Driver = DrmDriver;
    type Args = u32;

    fn new(_dev: &NovaLiteDevice, _size: usize, flags: u32) -> impl PinInit<Self, Error> {
        try_pin_init!(NovaLiteObject { flags })
    }
}

impl NovaLiteObject {
    /// Creates an object of at least `size` bytes, rounded up to the page size.
    ///
    /// Fails with `EINVAL` if `flags` is not 0, or if `size` is 0, overflows when rounded up or
    /// exceeds [`GEM_MAX_SIZE`] once rounded; with `ENOMEM` if the object cannot be allocated.
    pub(crate) fn create(
        dev: &NovaLiteDevice,
        size: u64,
        flags: u32,
    ) -> Result<ARef<gem::Object<Self>>> {
        if flags != 0 {
            return Err(EINVAL);
        }
        let size = usize::try_from(size).map_err(|_| EINVAL)?;
        if size == 0 {
            return Err(EINVAL);
        }
        let size = page::page_align(size).ok_or(EINVAL)?;
        if size > GEM_MAX_SIZE {
            return Err(EINVAL);
        }
        // The object's shmem file reports a failed inode allocation as ENOSPC, although DRM's
        // shmem mount has no size limit: for the caller it is memory that ran out.
        gem::Object::new(dev, size, flags).map_err(|e| if e == ENOSPC { ENOMEM } else { e })
    }

    /// The flags the object was created with.
    pub(crate) fn flags(&self) -> u32 {
        self.flags
    }
}
