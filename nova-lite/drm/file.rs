// SPDX-License-Identifier: GPL-2.0

//! DRM files (clients) of nova-lite and the driver's ioctls.
//!
//! Bad input from userspace is answered with an errno only: the handlers log nothing above debug
//! level, so that a client cannot flood the kernel log.

use kernel::{
    drm::{
        self,
        gem::BaseObject,
        Registered, //
    },
    prelude::*,
    time::Delta,
    uaccess::{
        UserPtr,
        UserSlice, //
    },
    uapi, //
};

use super::{
    gem::{
        virtio_format,
        NovaLiteObject,
        ObjResource,
        Object,
        GEM_MAX_SIZE, //
    },
    DrmDriver,
    NovaLiteDevice, //
};
use crate::gpu::{
    Gpu,
    Rect,
    Signals,
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
        let obj = NovaLiteObject::create(dev.as_ioctl(), req.size, req.flags)?;
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
        let obj = Object::lookup_handle(file, req.handle)?;

        req.size = obj.size().try_into()?;
        req.flags = obj.flags();
        req.pad2 = 0;
        Ok(0)
    }

    /// `DRM_IOCTL_NOVA_LITE_GEM_MMAP_OFFSET`: returns the offset at which to map an object of
    /// this file on the DRM file. The DRM core only maps it for files that hold a handle to it.
    pub(crate) fn gem_mmap_offset(
        _dev: &NovaLiteDevice<Registered>,
        _gpu: &&Gpu<'_>,
        req: &mut uapi::drm_nova_lite_gem_mmap_offset,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.pad != 0 {
            return Err(EINVAL);
        }
        let obj = Object::lookup_handle(file, req.handle)?;
        req.offset = obj.create_mmap_offset()?;
        Ok(0)
    }

    /// `DRM_IOCTL_NOVA_LITE_RESOURCE_CREATE`: makes an object of this file a 2D resource of the
    /// host, with its pages as backing; the commands are posted.
    pub(crate) fn resource_create(
        _dev: &NovaLiteDevice<Registered>,
        gpu: &&Gpu<'_>,
        req: &mut uapi::drm_nova_lite_resource_create,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.pad != 0 {
            return Err(EINVAL);
        }
        let format = virtio_format(req.format)?;
        let obj = Object::lookup_handle(file, req.handle)?;
        let res = NovaLiteObject::make_resource(&obj, gpu, format, req.width, req.height)?;
        req.stride = res.stride();
        req.resource_id = res.id;
        Ok(0)
    }

    /// `DRM_IOCTL_NOVA_LITE_TRANSFER_TO_HOST`: copies a rectangle of a resource's object to the
    /// host.
    pub(crate) fn transfer_to_host(
        _dev: &NovaLiteDevice<Registered>,
        gpu: &&Gpu<'_>,
        req: &mut uapi::drm_nova_lite_transfer,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.pad != 0 {
            return Err(EINVAL);
        }
        let obj = Object::lookup_handle(file, req.handle)?;
        let (r, rect) = resource_rect(&obj, &req.rect)?;
        // Only a device that reads through the DMA API needs the backing, to sync it. The pages
        // are mapped once, when the object becomes a resource; this returns that mapping (the
        // shmem helper's, to the device: see `NovaLiteObject::create`), which lasts until the
        // object is released, after the device has answered its `RESOURCE_UNREF` (posted after
        // this transfer).
        let backing = match gpu.syncs_backing() {
            true => Some(obj.sg_table(gpu.dma_device())?),
            false => None,
        };
        let offset = r.res.offset(req.rect.x, req.rect.y);
        // SAFETY: `backing`, if any, is the resource's backing, mapped to the DMA device.
        unsafe {
            gpu.transfer_to_host(
                r.res.id,
                &r.fence,
                rect,
                offset,
                backing,
                Signals::Interrupt,
            )?
        };
        Ok(0)
    }

    /// `DRM_IOCTL_NOVA_LITE_WAIT`: waits for the commands posted for a resource of this file and
    /// returns the first error the device answered to one of them. Without the no-wait flag,
    /// the time left is written back, so that a wait restarted after a signal goes on where it
    /// stopped.
    pub(crate) fn wait(
        _dev: &NovaLiteDevice<Registered>,
        gpu: &&Gpu<'_>,
        req: &mut uapi::drm_nova_lite_wait,
        file: &drm::File<File>,
    ) -> Result<u32> {
        let nowait = req.flags & uapi::NOVA_LITE_WAIT_NOWAIT != 0;
        if req.pad != 0
            || req.flags & !uapi::NOVA_LITE_WAIT_NOWAIT != 0
            || (!nowait && req.timeout_ns < 0)
        {
            return Err(EINVAL);
        }
        let obj = Object::lookup_handle(file, req.handle)?;
        let res = obj.resource().ok_or(ENXIO)?;
        if nowait {
            gpu.wait(&res.fence, None)?;
            return Ok(0);
        }
        let mut left = Delta::from_nanos(req.timeout_ns);
        let result = gpu.wait(&res.fence, Some(&mut left));
        req.timeout_ns = left.as_nanos();
        result.map(|()| 0)
    }

    /// `DRM_IOCTL_NOVA_LITE_QUERY`: reads variable-size information from the device, in the
    /// size-probe pattern documented in the uAPI header: copies at most the caller's size.
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

        // The caller gets as much as its buffer holds, and the whole size: an answer that grows
        // at its end in a later version does not break an older caller.
        let needed = u32::try_from(answer.len())?;
        if req.data != 0 {
            let copied = answer.len().min(usize::try_from(req.size)?);
            let ptr = UserPtr::from_addr(usize::try_from(req.data).map_err(|_| EFAULT)?);
            UserSlice::new(ptr, copied)
                .writer()
                .write_slice(&answer[..copied])?;
        }
        req.size = needed;
        Ok(0)
    }
}

/// Checks that `obj` is a resource and that `r` is a valid rectangle of it: `ENXIO` (not a
/// resource), `EINVAL` (a bad rectangle). The caller holds `obj` while it uses the resource's
/// id: its last reference destroys the resource and frees the id for reuse.
fn resource_rect<'a>(
    obj: &'a Object,
    r: &uapi::drm_nova_lite_rect,
) -> Result<(&'a ObjResource, Rect)> {
    let res = obj.resource().ok_or(ENXIO)?;
    let rect = res.res.rect([r.x, r.y, r.width, r.height])?;
    Ok((res, rect))
}
