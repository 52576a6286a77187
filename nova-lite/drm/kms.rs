// SPDX-License-Identifier: GPL-2.0

//! The display of nova-lite: for each scanout of the GPU, a CRTC with a primary plane and a
//! cursor plane, a virtual encoder and a virtual connector, as the C `virtio_gpu` driver has.
//! The host draws the cursor planes as its pointer, which needs their hotspots: the driver sets
//! `FEAT_CURSOR_HOTSPOT`, so that atomic clients see the cursor planes only once they have said
//! that they set hotspots (`DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT`).
//!
//! Framebuffers are made of the driver's own objects: dumb buffers ([`DrmDriver::dumb_create`])
//! and GEM objects. An object becomes a host resource when it first becomes a framebuffer, in the
//! `XRGB8888` layout of the framebuffer's pitch (alpha is not scanned out), and stays one until
//! it is freed. A plane update copies the framebuffer's damage to the host, points the scanout at
//! the resource when that changed, and flushes the damage ([`plane`]); the commands are
//! allocated, and the queue's room waited for, before the commit's point of no return.
//!
//! The primary planes show a kernel panic's message (`drm_panic`, with `CONFIG_DRM_PANIC`): the
//! panic handler draws into the pages of the framebuffer a primary plane shows, and the plane
//! posts the commands that copy it to the host and show it, allocated ahead for each scanout
//! ([`plane`]).
//!
//! [`DrmDriver::dumb_create`]: kernel::drm::Driver::dumb_create

mod connector;
mod crtc;
mod plane;

use kernel::{
    drm::{
        gem::BaseObject,
        kms::{
            self,
            plane::blend,
            ConnectorType,
            EncoderType,
            FourCc,
            FramebufferRequest,
            ModeConfigBuilder,
            ModeConfigInfo,
            PlaneType, //
        },
        Registered,
    },
    prelude::*,
    uapi,
};

use super::{
    gem::{
        NovaLiteObject,
        Resource,
        RESOURCE_MAX_DIM, //
    },
    DrmDriver, NovaLiteDevice,
};
use crate::gpu::Gpu;

pub(crate) use connector::Connector;
pub(crate) use crtc::Crtc;
pub(crate) use plane::Plane;

/// The size limits of framebuffers and modes (those of the C driver: the device states none, and
/// `max_hostmem` bounds what the host can really allocate).
pub(crate) const MODE_CONFIG: ModeConfigInfo = ModeConfigInfo {
    min_width: 32,
    min_height: 32,
    max_width: 8192,
    max_height: 8192,
    preferred_depth: 24,
    prefer_host_byte_order: true,
};

/// The formats of the primary planes: the host scans out in the CPU's byte order.
const FORMATS: [FourCc; 2] = [FourCc::HOST_XRGB8888, FourCc::HOST_ARGB8888];

/// The format of the cursor planes: the host blends the cursor with its alpha. Their
/// framebuffers' resources are of [`RESOURCE_FORMAT`] (`X8`) like every framebuffer's: QEMU takes
/// a cursor's bytes from its resource as they are, alpha included, whatever the resource's format
/// (the C driver makes cursor resources `B8G8R8A8`, to the same effect).
const CURSOR_FORMATS: [FourCc; 1] = [FourCc::HOST_ARGB8888];

/// The host format of the resources of framebuffers: `XRGB8888` in memory order B, G, R, X.
const RESOURCE_FORMAT: u32 = uapi::virtio_gpu_formats_VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM;

/// The bytes per pixel of both formats.
const BYTES_PER_PIXEL: u32 = 4;

/// The encoder of a scanout: no callbacks.
#[pin_data]
pub(crate) struct Encoder {}

#[vtable]
impl kms::DriverEncoder for Encoder {
    type Driver = DrmDriver;
}

#[vtable]
impl kms::KmsDriver for DrmDriver {
    type Plane = Plane;
    type Crtc = Crtc;
    type Encoder = Encoder;
    type Connector = Connector;

    /// Accepts one-plane framebuffers at offset 0 whose pitch is a whole number of pixels, and
    /// makes the object a host resource of that pitch if it is not one yet; an object that is
    /// one already must have that pitch, enough rows and the framebuffers' format (a resource
    /// made by `RESOURCE_CREATE` in another format cannot be scanned out as `XRGB8888`).
    /// Errors: `EINVAL`; those of [`NovaLiteObject::make_resource`].
    fn check_framebuffer<'a>(
        _dev: &NovaLiteDevice<Registered>,
        gpu: &'a &'a Gpu<'a>,
        fb: &FramebufferRequest<'_, Self>,
    ) -> Result {
        let obj = fb.object(0).ok_or(EINVAL)?;
        let pitch = fb.pitch(0);
        if fb.num_planes() != 1 || fb.offset(0) != 0 || pitch % BYTES_PER_PIXEL != 0 {
            return Err(EINVAL);
        }
        let fits = |r: &Resource| fb_fits(r, pitch, fb.height());
        if let Some(r) = obj.resource() {
            return if fits(&r.res) { Ok(()) } else { Err(EINVAL) };
        }
        let (width, rows) = fb_new_resource(obj.size(), pitch, fb.height())?;
        match NovaLiteObject::make_resource(obj, gpu, RESOURCE_FORMAT, width, rows) {
            Ok(_) => Ok(()),
            // Another framebuffer of the object made it meanwhile.
            Err(e) if e == EBUSY => match obj.resource() {
                Some(r) if fits(&r.res) => Ok(()),
                _ => Err(EINVAL),
            },
            Err(e) => Err(e),
        }
    }
}

/// Whether framebuffers of pitch `pitch` (a multiple of [`BYTES_PER_PIXEL`]) and `height` rows
/// can show resource `r`: the resource has that stride, as many rows at least, and the
/// framebuffers' format.
fn fb_fits(r: &Resource, pitch: u32, height: u32) -> bool {
    r.stride() == pitch && r.height >= height && r.format == RESOURCE_FORMAT
}

/// The width and height of the resource that framebuffers of pitch `pitch` make of an object of
/// `size` bytes: it covers the whole object at this pitch (at most [`RESOURCE_MAX_DIM`] rows), so
/// that any framebuffer of the object with the same pitch fits in it. (A pitch of 0, which the
/// DRM core refuses, gives no rows: the division cannot panic.)
fn fb_resource_shape(size: usize, pitch: u32) -> (u32, u32) {
    let rows = u32::try_from(size.checked_div(pitch as usize).unwrap_or(0))
        .unwrap_or(u32::MAX)
        .min(RESOURCE_MAX_DIM);
    (pitch / BYTES_PER_PIXEL, rows)
}

/// The width and height of the resource that a framebuffer of pitch `pitch` and `height` rows
/// makes of an object of `size` bytes ([`fb_resource_shape`]). Errors: `EINVAL` if the object does
/// not hold `height` whole rows: the DRM core lets a framebuffer's last row end short of its
/// pitch, but a resource's rows are whole, and the host refuses a rectangle past them.
fn fb_new_resource(size: usize, pitch: u32, height: u32) -> Result<(u32, u32)> {
    let (width, rows) = fb_resource_shape(size, pitch);
    if rows < height {
        return Err(EINVAL);
    }
    Ok((width, rows))
}

/// Creates the mode objects of `gpu`'s scanouts.
pub(crate) fn build(b: &mut ModeConfigBuilder<'_, DrmDriver>, gpu: &Gpu<'_>) -> Result {
    for scanout in 0..gpu.num_scanouts() {
        let crtcs = 1 << scanout;
        let plane = b.add_plane(crtcs, PlaneType::Primary, &FORMATS, Plane::new(scanout))?;
        plane.enable_fb_damage_clips();
        // The panic screen on what the scanout shows; `drm_panic_plane_<scanout>` in debugfs.
        plane.enable_panic();
        // The host ignores the alpha of `ARGB8888`: the plane shows its colours as they are, as
        // it does those of a premultiplied or opaque image on black.
        plane.create_blend_mode_property(blend::PIXEL_NONE | blend::PREMULTI)?;
        let cursor = b.add_plane(
            crtcs,
            PlaneType::Cursor,
            &CURSOR_FORMATS,
            Plane::new(scanout),
        )?;
        // The host blends the cursor with its alpha, premultiplied (the one mode the C driver
        // offers too).
        cursor.create_blend_mode_property(blend::PREMULTI)?;
        b.add_crtc(&plane, Some(&cursor), try_pin_init!(Crtc {}))?;
        let encoder = b.add_encoder(EncoderType::Virtual, crtcs, try_pin_init!(Encoder {}))?;
        let connector = b.add_connector(ConnectorType::Virtual, Connector::new(scanout))?;
        if gpu.has_edid() {
            connector.attach_edid_property();
        }
        connector.attach_encoder(encoder)?;
    }
    Ok(())
}

/// The resources that framebuffers make and show (`DRM_NOVA_LITE_KUNIT_TEST`).
#[cfg(CONFIG_DRM_NOVA_LITE_KUNIT_TEST)]
#[kunit_tests(nova_lite_framebuffers)]
mod tests {
    use super::*;

    /// A resource of `width` x `height` pixels in virtio-gpu `format`.
    fn resource(width: u32, height: u32, format: u32) -> Resource {
        Resource {
            id: 1,
            width,
            height,
            format,
        }
    }

    /// A pixel per four bytes of the pitch; as many whole rows as the object holds.
    #[test]
    fn shape() {
        // 1024x768 XRGB8888 in an object of exactly 3 MiB.
        assert_eq!(fb_resource_shape(3 << 20, 4096), (1024, 768));
        // A partial last row is left out.
        assert_eq!(fb_resource_shape((3 << 20) + 4095, 4096), (1024, 768));
        // At most 16384 rows, however big the object.
        assert_eq!(fb_resource_shape(256 << 20, 4), (1, 16384));
        // An object smaller than one row: none (RESOURCE_CREATE then refuses it).
        assert_eq!(fb_resource_shape(4092, 4096), (1024, 0));
        // A pitch of 0 (the DRM core refuses it): no rows, no panic.
        assert_eq!(fb_resource_shape(4096, 0), (0, 0));
    }

    /// A framebuffer makes a resource only of an object that holds all its rows whole.
    #[test]
    fn new_resource_holds_every_row() {
        // 28 pages at a pitch of 3188 bytes: 35 whole rows, and 3108 bytes of a 36th.
        assert!(fb_new_resource(28 << 12, 3188, 35) == Ok((797, 35)));
        assert!(fb_new_resource(28 << 12, 3188, 30) == Ok((797, 35)));
        assert!(fb_new_resource(28 << 12, 3188, 36) == Err(EINVAL));
    }

    /// A resource shows framebuffers of its stride, up to its height, in `XRGB8888`.
    #[test]
    fn fits() {
        let r = resource(1024, 768, 2);
        assert!(fb_fits(&r, 4096, 768));
        assert!(fb_fits(&r, 4096, 600));
        assert!(!fb_fits(&r, 4096, 769));
        assert!(!fb_fits(&r, 4100, 768));
        assert!(!fb_fits(&r, 2048, 768));
        // Made by RESOURCE_CREATE in another format (A8R8G8B8_UNORM, 3).
        assert!(!fb_fits(&resource(1024, 768, 3), 4096, 768));
    }
}
