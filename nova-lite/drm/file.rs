// SPDX-License-Identifier: GPL-2.0

//! DRM files (clients) of nova-lite and the driver's ioctls.
//!
//! Bad input from userspace is answered with an errno only: the handlers log nothing above debug
//! level, so that a client cannot flood the kernel log.

use kernel::{
    drm::{
        self,
        gem::{
            self,
            BaseObject, //
        },
        Registered, //
    },
    prelude::*,
    uaccess::{
        UserPtr,
        UserSlice, //
    },
    uapi, //
};

use super::{
    gem::{
        NovaLiteObject,
        GEM_MAX_SIZE, //
    },
    DrmDriver,
    NovaLiteDevice, //
};
use crate::gpu::{
    Gpu,
    MAX_SCANOUTS, //
};

/// Size of `struct drm_nova_lite_display_info`.
const DISPLAY_INFO_SIZE: usize = size_of::<uapi::drm_nova_lite_display_info>();

/// Per-file state: none yet; GEM handles are kept by the DRM core.
pub(crate) struct File;

impl drm::file::DriverFile for File {
    type Driver = DrmDriver;

    fn open(_dev: &NovaLiteDevice) -> Result<Pin<KBox<Self>>> {
        Ok(KBox::new(Self, GFP_KERNEL)?.into())
    }
}

impl File {
    /// `DRM_IOCTL_NOVA_LITE_GETPARAM`: reads one device or driver parameter.
    pub(crate) fn get_param(
        _dev: &NovaLiteDevice<Registered>,
        gpu: &&Gpu<'_>,
        req: &mut uapi::drm_nova_lite_getparam,
        _file: &drm::File<File>,
    ) -> Result<u32> {
        let param = u32::try_from(req.param).map_err(|_| EINVAL)?;
        req.value = match param {
            uapi::drm_nova_lite_param_NOVA_LITE_PARAM_NUM_SCANOUTS => gpu.num_scanouts().into(),
            uapi::drm_nova_lite_param_NOVA_LITE_PARAM_NUM_CAPSETS => gpu.num_capsets().into(),
            uapi::drm_nova_lite_param_NOVA_LITE_PARAM_DEVICE_FEATURES => gpu.device_features(),
            uapi::drm_nova_lite_param_NOVA_LITE_PARAM_DRIVER_FEATURES => gpu.driver_features(),
            uapi::drm_nova_lite_param_NOVA_LITE_PARAM_BAR0_SIZE
                ..=uapi::drm_nova_lite_param_NOVA_LITE_PARAM_BAR5_SIZE => {
                let bar = param - uapi::drm_nova_lite_param_NOVA_LITE_PARAM_BAR0_SIZE;
                gpu.bar_size(usize::try_from(bar)?).ok_or(EINVAL)?
            }
            uapi::drm_nova_lite_param_NOVA_LITE_PARAM_GEM_MAX_SIZE => GEM_MAX_SIZE.try_into()?,
            _ => return Err(EINVAL),
        };
        Ok(0)
    }

    /// `DRM_IOCTL_NOVA_LITE_GEM_CREATE`: creates a GEM object and a handle to it.
    pub(crate) fn gem_create(
        dev: &NovaLiteDevice<Registered>,
        _gpu: &&Gpu<'_>,
        req: &mut uapi::drm_nova_lite_gem_create,
        file: &drm::File<File>,
    ) -> Result<u32> {
        let obj = NovaLiteObject::create(dev, req.size, req.flags)?;
        let size = u64::try_from(obj.size())?;
        // Last fallible step: once the handle exists, userspace must learn it.
        req.handle = obj.create_handle(file)?;
        req.size = size;
        Ok(0)
    }

    /// `DRM_IOCTL_NOVA_LITE_GEM_INFO`: reports the size and flags of an object of this file.
    pub(crate) fn gem_info(
        _dev: &NovaLiteDevice<Registered>,
        _gpu: &&Gpu<'_>,
        req: &mut uapi::drm_nova_lite_gem_info,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.pad != 0 {
            return Err(EINVAL);
        }
        let obj = gem::Object::<NovaLiteObject>::lookup_handle(file, req.handle)?;

        req.size = obj.size().try_into()?;
        req.flags = obj.flags();
        req.pad2 = 0;
        Ok(0)
    }

    /// `DRM_IOCTL_NOVA_LITE_QUERY`: reads variable-size information from the device, in the
    /// size-probe pattern documented in the uAPI header.
    pub(crate) fn query(
        _dev: &NovaLiteDevice<Registered>,
        gpu: &&Gpu<'_>,
        req: &mut uapi::drm_nova_lite_query,
        _file: &drm::File<File>,
    ) -> Result<u32> {
        if req.pad != 0 {
            return Err(EINVAL);
        }
        let mut answer = KVec::new();
        match req.type_ {
            uapi::drm_nova_lite_query_type_NOVA_LITE_QUERY_DISPLAY_INFO => {
                if req.index != 0 {
                    return Err(EINVAL);
                }
                let info = gpu.display_info()?;
                let count = usize::try_from(gpu.num_scanouts())?.min(MAX_SCANOUTS);
                answer.reserve(count * DISPLAY_INFO_SIZE, GFP_KERNEL)?;
                for (i, s) in (0u32..).zip(info.scanouts.iter().take(count)) {
                    let fields = [
                        i,
                        u32::from(s.enabled),
                        s.x,
                        s.y,
                        s.width,
                        s.height,
                        s.flags,
                        0,
                    ];
                    for field in fields {
                        answer.extend_from_slice(&field.to_ne_bytes(), GFP_KERNEL)?;
                    }
                }
            }
            uapi::drm_nova_lite_query_type_NOVA_LITE_QUERY_EDID => {
                let edid = gpu.edid(req.index)?;
                answer.extend_from_slice(&edid.data[..edid.len], GFP_KERNEL)?;
            }
            _ => return Err(EINVAL),
        }

        let needed = u32::try_from(answer.len())?;
        if req.data != 0 {
            if req.size < needed {
                req.size = needed;
                return Err(ENOSPC);
            }
            let ptr = UserPtr::from_addr(usize::try_from(req.data).map_err(|_| EFAULT)?);
            UserSlice::new(ptr, answer.len())
                .writer()
                .write_slice(&answer)?;
        }
        req.size = needed;
        Ok(0)
    }
}
