// SPDX-License-Identifier: GPL-2.0

//! GEM objects of nova-lite.
//!
//! Objects are shmem-backed: pages are allocated on first use, all at once (the DRM shmem
//! helper pins them when the object is mapped to userspace, or when it becomes a host resource,
//! and they stay until the object is freed), and mapped for the GPU's DMA device (the virtio
//! transport's device, set as the DRM device's DMA device at probe) when it becomes a resource,
//! for the device to read only: 2D resources are never written by the device.
//! An object lives as long as a handle, a userspace mapping or a reference held by the kernel
//! does, and a resource's object until the device has answered the destruction of the resource.
//!
//! An object may become a 2D resource of the host ([`NovaLiteObject::make_resource`]); the
//! resource is the object's until the object is freed. When its last reference goes, the
//! driver destroys the resource through the core ([`crate::gpu::Teardown::destroy`]) and hands
//! it the object, not yet released ([`shmem::Unreferenced`]): the core drops it, which unmaps
//! and frees the pages, once the device has answered (or has been reset). Nothing waits for the
//! device then: an object's last reference may go in `munmap()`, at process exit, in a dma-buf
//! importer or in the completion path. The teardown reaches the core without the DRM device,
//! which may be unplugged while the core is bound; once the core is unbound, the reset device
//! holds no resource any more: nothing is sent, and the object is released at once.
//!
//! Every object is on the list of its DRM device ([`ObjectList`]) from its creation until it is
//! released, for debugfs ([`super::objects`]); the list holds no reference to it.

use kernel::{
    drm::{
        gem::{
            self,
            shmem,
            BaseObject, //
        },
        Ioctl, //
    },
    new_spinlock,
    page,
    prelude::*,
    sync::{
        aref::ARef,
        Arc,
        SetOnce,
        SpinLock, //
    },
    uapi, //
};

use super::{
    DrmDriver,
    NovaLiteDevice, //
};
use crate::{
    gpu::{
        Fence,
        Gpu,
        Rect,
        Teardown, //
    },
    live::{
        self,
        GemObjectCount, //
    },
};

/// The largest object [`NovaLiteObject::create`] accepts, in bytes (256 MiB).
pub(crate) const GEM_MAX_SIZE: usize = 256 << 20;

/// The largest width or height of a resource (`NOVA_LITE_RESOURCE_MAX_DIM`).
pub(crate) const RESOURCE_MAX_DIM: u32 = 16384;

/// The bytes per pixel of every 2D format.
const BYTES_PER_PIXEL: u32 = 4;

/// The virtio-gpu 2D formats and the DRM fourcc code of each (`RESOURCE_CREATE` takes the
/// latter). Both name bytes in memory, whatever the CPU's byte order: `XRGB8888` is a
/// little-endian word x:R:G:B, so bytes B, G, R, x, which is `B8G8R8X8_UNORM`.
const FORMATS: [(&[u8; 4], u32); 8] = [
    (
        b"XR24",
        uapi::virtio_gpu_formats_VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM,
    ),
    (
        b"AR24",
        uapi::virtio_gpu_formats_VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM,
    ),
    (
        b"BX24",
        uapi::virtio_gpu_formats_VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM,
    ),
    (
        b"BA24",
        uapi::virtio_gpu_formats_VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM,
    ),
    (
        b"XB24",
        uapi::virtio_gpu_formats_VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM,
    ),
    (
        b"AB24",
        uapi::virtio_gpu_formats_VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM,
    ),
    (
        b"RX24",
        uapi::virtio_gpu_formats_VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM,
    ),
    (
        b"RA24",
        uapi::virtio_gpu_formats_VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM,
    ),
];

/// The virtio-gpu format of DRM fourcc code `fourcc`, if the 2D protocol has one: `EINVAL`
/// otherwise (other layouts, and codes with `DRM_FORMAT_BIG_ENDIAN`).
pub(crate) fn virtio_format(fourcc: u32) -> Result<u32> {
    FORMATS
        .iter()
        .find(|(code, _)| u32::from_le_bytes(**code) == fourcc)
        .map(|(_, format)| *format)
        .ok_or(EINVAL)
}

/// The GEM object type of the driver.
pub(crate) type Object = shmem::Object<NovaLiteObject>;

/// The list of a DRM device's objects, in the device's data ([`super::DeviceData`]).
pub(crate) type ObjectList = shmem::Lru<NovaLiteObject>;

/// A host resource made of an object.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resource {
    /// The host's id.
    pub(crate) id: u32,
    /// Width in pixels.
    pub(crate) width: u32,
    /// Height in pixels.
    pub(crate) height: u32,
    /// The virtio-gpu format.
    pub(crate) format: u32,
}

impl Resource {
    /// Bytes from one row to the next.
    pub(crate) fn stride(&self) -> u32 {
        self.width * BYTES_PER_PIXEL
    }

    /// How many pages of its object the resource's image covers (counted in [`live`]).
    pub(crate) fn pages(&self) -> usize {
        // `stride()` is at most 4 * RESOURCE_MAX_DIM: the product fits in 32 bits.
        (self.stride() as usize * self.height as usize).div_ceil(page::PAGE_SIZE)
    }

    /// Checks that `r` (x, y, width, height) is a non-empty rectangle inside the resource and
    /// returns it; `EINVAL` otherwise.
    pub(crate) fn rect(&self, r: [u32; 4]) -> Result<Rect> {
        let [x, y, width, height] = r;
        let inside = |start: u32, len: u32, max: u32| {
            len != 0 && start.checked_add(len).is_some_and(|end| end <= max)
        };
        if !inside(x, width, self.width) || !inside(y, height, self.height) {
            return Err(EINVAL);
        }
        Ok(Rect::new(x, y, width, height))
    }

    /// The byte offset of pixel (`x`, `y`) in the object.
    pub(crate) fn offset(&self, x: u32, y: u32) -> u64 {
        u64::from(y) * u64::from(self.stride()) + u64::from(x) * u64::from(BYTES_PER_PIXEL)
    }

    /// A resource (id 0, not made yet) of `width` x `height` pixels in virtio-gpu `format` on an
    /// object of `size` bytes. `EINVAL` for a format that is not a virtio-gpu 2D format, a size
    /// of 0 or above [`RESOURCE_MAX_DIM`], or an object smaller than the resource.
    fn checked(format: u32, width: u32, height: u32, size: usize) -> Result<Self> {
        if !FORMATS.iter().any(|(_, f)| *f == format)
            || !(1..=RESOURCE_MAX_DIM).contains(&width)
            || !(1..=RESOURCE_MAX_DIM).contains(&height)
        {
            return Err(EINVAL);
        }
        let resource = Resource {
            id: 0,
            width,
            height,
            format,
        };
        let needed = u64::from(resource.stride()) * u64::from(height);
        if needed > u64::try_from(size)? {
            return Err(EINVAL);
        }
        Ok(resource)
    }
}

/// The host resource an object became, and what its destruction takes.
#[pin_data]
pub(crate) struct ObjResource {
    /// The resource.
    pub(crate) res: Resource,
    /// The progress of the commands posted for it.
    pub(crate) fence: Arc<Fence>,
    /// What destroying the resource takes, allocated with it (so that freeing the object cannot
    /// fail): the core's part, and a box for the object until the device lets go of its pages.
    /// Taken once, when the object is freed.
    #[pin]
    teardown: SpinLock<Option<(Teardown, KBox<Parked>)>>,
}

/// What keeps an object's pages while the device may still read them, once its resource is
/// destroyed.
enum Parked {
    /// Nothing yet.
    Empty,
    /// The object itself, freed by userspace and the kernel, not yet released.
    Freed {
        _obj: shmem::Unreferenced<NovaLiteObject>,
    },
    /// A reference to the object, whose resource was destroyed while the object lives (two
    /// creations raced, or the commands could not be posted), and to its DRM device: a GEM
    /// object does not keep its device, and this reference may be the object's last, dropped
    /// after the device's last file and registration. The object goes first.
    Held {
        _obj: ARef<Object>,
        _dev: ARef<NovaLiteDevice>,
    },
}

/// The driver's part of a GEM object.
///
/// Kept small: with the shmem object around it, it fits a 512-byte slab object on the release
/// kernel (a `Mutex<Option<Resource>>` and a flags field here made it 544 bytes, a 1 KiB slab
/// object: `make bench`, kernel memory per object). What a resource needs is allocated when the
/// object becomes one.
#[pin_data(PinnedDrop)]
pub(crate) struct NovaLiteObject {
    /// The host resource made of this object, once it is one; set once, never unset.
    resource: SetOnce<Pin<KBox<ObjResource>>>,
    /// Counts the object as live until it is dropped (no size).
    _count: GemObjectCount,
}

impl gem::DriverObject for NovaLiteObject {
    type Driver = DrmDriver;
    type Args = ();

    /// The device never reads an imported buffer (the driver's ioctls refuse objects that are not
    /// its own), so imports keep no DMA mapping, which would outlive the device's binding.
    const DEVICE_ACCESSES_IMPORTS: bool = false;

    fn new(_dev: &NovaLiteDevice, _size: usize, _args: Self::Args) -> impl PinInit<Self, Error> {
        try_pin_init!(NovaLiteObject {
            resource: SetOnce::new(),
            _count: GemObjectCount::new(),
        })
    }

    /// Destroys the object's resource, if any, and hands the object to the core, which releases
    /// it once the device has answered (at once if the core is unbound and the device reset);
    /// releases it at once otherwise. The DRM device may be unplugged already: the core may
    /// still be bound, and the device still hold the resource.
    fn release(obj: shmem::Unreferenced<Self>) {
        let Some(taken) = obj.resource.as_ref().and_then(|r| r.teardown.lock().take()) else {
            return;
        };
        let (teardown, mut parked) = taken;
        *parked = Parked::Freed { _obj: obj };
        teardown.destroy(Some(parked));
    }
}

#[pinned_drop]
impl PinnedDrop for NovaLiteObject {
    fn drop(self: Pin<&mut Self>) {
        if let Some(r) = self.resource.as_ref() {
            live::resource_pages_removed(r.res.pages());
        }
    }
}

impl NovaLiteObject {
    /// Creates an object of at least `size` bytes, rounded up to the page size, on `dev`.
    ///
    /// Fails with `EINVAL` if `flags` is not 0, or if `size` is 0, overflows when rounded up or
    /// exceeds [`GEM_MAX_SIZE`] once rounded; with `ENOMEM` if the object cannot be allocated.
    pub(crate) fn create(
        dev: &NovaLiteDevice<Ioctl>,
        size: u64,
        flags: u32,
    ) -> Result<ARef<Object>> {
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
        // The device only reads an object (2D backing): mapped to the device, its pages are not
        // overwritten with a bounce buffer's stale copy when the mapping goes away (the DMA
        // device unbound) while userspace still maps them.
        let config = shmem::ObjectConfig {
            map_to_device: true,
            ..Default::default()
        };
        // The object's shmem file reports a failed inode allocation as ENOSPC, although DRM's
        // shmem mount has no size limit: for the caller it is memory that ran out.
        let obj =
            Object::new(dev, size, config, ()).map_err(|e| if e == ENOSPC { ENOMEM } else { e })?;
        // SAFETY: The list is in the data of `obj`'s DRM device, `dev`, which outlives the list
        // and every object of its own.
        unsafe { dev.objects.add(&obj) }?;
        Ok(obj)
    }

    /// The flags the object was created with: always 0, as no creation flag is defined yet (a
    /// field for them comes with the first one).
    pub(crate) fn flags(&self) -> u32 {
        0
    }

    /// The host resource made of this object, if any.
    pub(crate) fn resource(&self) -> Option<&ObjResource> {
        self.resource.as_ref().map(|r| &**r)
    }

    /// Makes `obj` a 2D resource of `width` x `height` pixels in `format` on `gpu`, with its pages
    /// as backing.
    ///
    /// Errors: `EINVAL` for a format that is not a virtio-gpu 2D format, a size of 0 or above
    /// [`RESOURCE_MAX_DIM`], or an object smaller than the resource; `EBUSY` if it already is a
    /// resource; `ENOMEM` if its pages cannot be allocated or mapped; and those of
    /// [`Gpu::create_resource`].
    pub(crate) fn make_resource(
        obj: &Object,
        gpu: &Gpu<'_>,
        format: u32,
        width: u32,
        height: u32,
    ) -> Result<Resource> {
        let resource = Resource::checked(format, width, height, obj.size())?;

        if obj.resource.as_ref().is_some() {
            return Err(EBUSY);
        }
        // Allocated before the resource exists: nothing fails after it.
        let parked = KBox::new(Parked::Empty, GFP_KERNEL)?;
        // Pins the pages and maps them for the GPU, until the object is freed, even if the device
        // refuses the resource below: the shmem helper keeps one mapping for the object's life,
        // which a later RESOURCE_CREATE on the same object reuses (as an mmap() keeps the pages).
        let sgt = obj.sg_table(gpu.dma_device())?;
        let new = gpu.create_resource(format, width, height, sgt)?;
        if let Err(e) = new.posted {
            // A reset's restore may have made it, with the pages attached: they stay until the
            // device has answered.
            let mut parked = parked;
            *parked = Parked::Held {
                _obj: obj.into(),
                _dev: obj.dev().into(),
            };
            new.teardown.destroy(Some(parked));
            return Err(e);
        }
        let resource = Resource {
            id: new.id,
            ..resource
        };
        let made = KBox::pin_init(
            pin_init!(ObjResource {
                res: resource,
                fence: new.fence,
                teardown <- new_spinlock!(None),
            }),
            GFP_KERNEL,
        );
        // No lock is held across the creation: two racing creations on one object both make a
        // resource, and the one that records it second destroys its own; so does one that
        // cannot allocate its record. The object's pages stay until the device has answered.
        let populated = made.and_then(|made| match obj.resource.populate(made) {
            true => Ok(()),
            false => Err(EBUSY),
        });
        if let Err(e) = populated {
            let mut parked = parked;
            *parked = Parked::Held {
                _obj: obj.into(),
                _dev: obj.dev().into(),
            };
            new.teardown.destroy(Some(parked));
            return Err(e);
        }
        // The caller holds a reference to `obj`: it cannot be freed meanwhile.
        if let Some(r) = obj.resource.as_ref() {
            *r.teardown.lock() = Some((new.teardown, parked));
        }
        live::resource_pages_added(resource.pages());
        Ok(resource)
    }
}

/// The formats, strides, offsets and rectangles of resources (`DRM_NOVA_LITE_KUNIT_TEST`), as
/// `uapi/drm/nova_lite_drm.h` documents them.
#[cfg(CONFIG_DRM_NOVA_LITE_KUNIT_TEST)]
mod tests;
