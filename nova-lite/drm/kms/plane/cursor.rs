// SPDX-License-Identifier: GPL-2.0

//! The cursor plane of a scanout, which the host draws as its pointer.
//!
//! Its framebuffers are [`CURSOR_SIZE`]x[`CURSOR_SIZE`] `ARGB8888` images shown whole, without
//! scaling, anywhere on the CRTC (partly outside it too), with a hotspot (clamped into the image
//! for the device). A new framebuffer, a new hotspot, or a cursor the host may not show as the
//! driver last did is shown with `UPDATE_CURSOR`, after its image has been copied to the host and
//! the copy waited for; otherwise the update only moves the cursor (`MOVE_CURSOR`). Without a
//! framebuffer, or with the CRTC off, the cursor is hidden, unless it is known to be hidden
//! already.
//!
//! The copy is made in the commit's tail (`atomic_update`), after the DRM core has waited for
//! the commit's fences, explicit and implicit: the image is complete when it is copied, and the
//! host never copies a half-written one (it takes the image from the resource when it executes
//! `UPDATE_CURSOR`). The cursor command is allocated in `prepare_fb`, where a commit may still
//! fail; the copy's command is allocated in the tail, whose waits signals do not end and which
//! are bounded ([`Gpu::load_cursor_image`]). An update whose copy fails (no memory, the
//! device's error or no answer in time) hides the cursor rather than leave the previous image
//! shown. The plane's next update of that framebuffer tries the copy again after a timeout or
//! a lack of memory; after the device's error, which stays on the resource's fence (its resource
//! ioctls return it), the copy fails at once and that framebuffer's cursor stays hidden.
//!
//! [`Gpu::load_cursor_image`]: crate::gpu::Gpu::load_cursor_image
//!
//! What the host shows ([`HostCursor`]) is unknown when the plane is made (the host may still
//! show a cursor of an earlier binding), after a reset of the device (QEMU's reset keeps the
//! cursor), and after a command the cursor queue dropped: the next update then hides the cursor,
//! or shows its image, whatever the driver sent before.

use kernel::drm::kms::{
    self,
    plane::NO_SCALING,
    Access,
    PlaneCheck,
    PlaneState,
    PlaneUpdate, //
};
use kernel::prelude::*;
use kernel::sync::atomic::Relaxed;

use super::{
    prepared,
    Plane, //
};
use crate::{
    drm::{
        gem::Resource,
        DrmDriver, //
    },
    gpu::{
        CursorShow,
        CURSOR_SIZE, //
    },
};

/// The cursor's size in 16.16 fixed point, as source rectangles are.
const CURSOR_SIZE_FIXED: i32 = (CURSOR_SIZE as i32) << 16;

/// Accepts a framebuffer of [`CURSOR_SIZE`]x[`CURSOR_SIZE`] pixels whose resource has that size
/// (the host takes the image from nothing else), shown whole (the source rectangle is the whole
/// framebuffer) and unscaled anywhere on the CRTC, with any hotspot, as `virtio_gpu` does: the
/// legacy cursor ioctl stores its hotspot in the plane's current state before the commit is
/// checked, so a hotspot refused here would stay there and fail every later commit of the
/// plane (the device gets the image's nearest pixel, [`CursorShow::Image`]). Errors: `EINVAL`;
/// `EDEADLK` (see [`PlaneCheck::check_plane_state`]).
///
/// [`CursorShow::Image`]: crate::gpu::CursorShow::Image
pub(super) fn check(check: &mut PlaneCheck<'_, Plane>) -> Result {
    let new = check.new_state();
    if let Some(fb) = new.fb() {
        let res = fb.object(0).and_then(|obj| obj.resource()).ok_or(EINVAL)?;
        let size = (fb.width(), fb.height());
        if !cursor_fits(size, &res.res, &new.src_requested()) {
            return Err(EINVAL);
        }
    }
    check.check_plane_state(NO_SCALING, NO_SCALING, true, true)
}

/// Whether the host can show a cursor framebuffer of `size` (width, height) pixels made of
/// resource `res`, from source rectangle `src` (16.16 fixed point): the framebuffer and its
/// resource are [`CURSOR_SIZE`]x[`CURSOR_SIZE`], shown whole (any hotspot is accepted: [`check`]).
fn cursor_fits(size: (u32, u32), res: &Resource, src: &kms::Rect) -> bool {
    let whole = kms::Rect {
        x1: 0,
        y1: 0,
        x2: CURSOR_SIZE_FIXED,
        y2: CURSOR_SIZE_FIXED,
    };
    size == (CURSOR_SIZE, CURSOR_SIZE)
        && (res.width, res.height) == (CURSOR_SIZE, CURSOR_SIZE)
        && *src == whole
}

/// Allocates the update's cursor command. Errors: `ENOMEM`; those of [`Gpu::prepare_cursor`] but
/// `ENODEV` (the device is going away: the update then touches nothing).
///
/// [`Gpu::prepare_cursor`]: crate::gpu::Gpu::prepare_cursor
pub(super) fn prepare(
    plane: &kms::Plane<Plane>,
    new: &mut PlaneState<Plane>,
    hw: &Access<'_, DrmDriver>,
) -> Result {
    let scanout = plane.data().scanout;
    let cmd = hw.with(|_, gpu| gpu.prepare_cursor(scanout));
    new.data_mut().cursor = prepared(cmd)?;
    Ok(())
}

/// What the host shows of a plane's cursor, as far as the driver knows: one of three states, the
/// known ones for one reset epoch of the device (its reset count, [`Gpu::resets`]), kept encoded
/// in an `Atomic<u64>` of the plane.
///
/// [`Gpu::resets`]: crate::gpu::Gpu::resets
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum HostCursor {
    /// Not known: the host may show any cursor, or none.
    Unknown,
    /// Hidden.
    Hidden,
    /// The image last sent with `UPDATE_CURSOR`.
    Shown,
}

impl HostCursor {
    /// The encoding of [`HostCursor::Unknown`].
    pub(super) const UNKNOWN: u64 = 0;

    /// Encodes `self` as known in reset epoch `epoch`.
    fn encode(self, epoch: u64) -> u64 {
        match self {
            Self::Unknown => Self::UNKNOWN,
            Self::Hidden => 2 * epoch + 1,
            Self::Shown => 2 * epoch + 2,
        }
    }

    /// Decodes `v` in reset epoch `epoch`: a state known in another epoch is unknown.
    fn decode(v: u64, epoch: u64) -> Self {
        if v == Self::Hidden.encode(epoch) {
            Self::Hidden
        } else if v == Self::Shown.encode(epoch) {
            Self::Shown
        } else {
            Self::Unknown
        }
    }
}

/// Posts the command prepared by [`prepare`]: hides the cursor, shows a new image, or moves it.
pub(super) fn update(
    plane: &kms::Plane<Plane>,
    update: &mut PlaneUpdate<'_, Plane>,
    hw: &Access<'_, DrmDriver>,
) {
    let Some(cmd) = update.new_data().cursor.take() else {
        return;
    };
    let active = update.crtc_state().is_some_and(|c| c.active());
    let new = update.new_state();
    let old = update.old();
    let res = new
        .fb()
        .filter(|_| active)
        .and_then(|fb| Some((fb, fb.object(0)?)))
        .and_then(|(fb, obj)| Some((fb, obj, obj.resource()?)));
    // What the host shows. The update of a plane in a commit runs before the next commit of the
    // plane swaps its states in (which waits for this one's `hw_done`): no other update of the
    // plane reads or writes it meanwhile.
    let host = &plane.data().cursor_host;
    hw.with(|_, gpu| {
        let epoch = gpu.resets();
        let known = HostCursor::decode(host.load(Relaxed), epoch);
        let show = match res {
            None if known == HostCursor::Hidden => return,
            None => CursorShow::Hidden,
            Some((fb, _, res))
                if known == HostCursor::Shown
                    && old.fb().is_some_and(|o| core::ptr::eq(o, fb))
                    && old.hotspot() == new.hotspot() =>
            {
                CursorShow::Move {
                    id: res.res.id,
                    position: new.crtc_position(),
                }
            }
            Some((_, obj, res)) => {
                // The mapping made when the object became a resource; it exists, so this does
                // not allocate.
                let backing = match gpu.syncs_backing() {
                    true => obj.sg_table(gpu.dma_device()).map(Some),
                    false => Ok(None),
                };
                let loaded = backing.and_then(|backing| {
                    // `backing` is the resource's, mapped for the GPU's DMA device to the device
                    // until the object is released, which waits for the device's answer to the
                    // resource's destruction; the new state holds the framebuffer, which holds
                    // the object.
                    // SAFETY: `backing` is the resource's, mapped to the device as long as
                    // needed.
                    unsafe { gpu.load_cursor_image(res.res.id, &res.fence, backing) }
                });
                match loaded {
                    Ok(()) => CursorShow::Image {
                        id: res.res.id,
                        position: new.crtc_position(),
                        hotspot: new.hotspot(),
                    },
                    // Not copied, or not known to be: the cursor is hidden rather than left
                    // showing the previous image (see the module's documentation for when the
                    // next update tries the copy again).
                    Err(_) => CursorShow::Hidden,
                }
            }
        };
        let now = match show {
            CursorShow::Hidden => HostCursor::Hidden,
            _ => HostCursor::Shown,
        };
        let offered = gpu.post_cursor(cmd, show);
        let state = if offered { now } else { HostCursor::Unknown };
        host.store(state.encode(epoch), Relaxed);
    });
}

/// The cursor framebuffers the host can show (`DRM_NOVA_LITE_KUNIT_TEST`).
#[cfg(CONFIG_DRM_NOVA_LITE_KUNIT_TEST)]
#[kunit_tests(nova_lite_cursor_check)]
mod tests {
    use super::*;

    /// A 64x64 resource in `B8G8R8A8_UNORM` (1), the cursor's.
    const RES: Resource = Resource {
        id: 1,
        width: 64,
        height: 64,
        format: 1,
    };

    /// All of a 64x64 image, in 16.16 fixed point (64 << 16 = 0x40_0000).
    const WHOLE: kms::Rect = kms::Rect {
        x1: 0,
        y1: 0,
        x2: 0x40_0000,
        y2: 0x40_0000,
    };

    /// 64x64, shown whole.
    #[test]
    fn accepted() {
        assert!(cursor_fits((64, 64), &RES, &WHOLE));
    }

    /// Another size of framebuffer or resource.
    #[test]
    fn other_sizes() {
        assert!(!cursor_fits((32, 32), &RES, &WHOLE));
        assert!(!cursor_fits((64, 63), &RES, &WHOLE));
        let tall = Resource { height: 128, ..RES };
        assert!(!cursor_fits((64, 64), &tall, &WHOLE));
    }

    /// Part of the image, or from another pixel than its first.
    #[test]
    fn partial_source() {
        let half = kms::Rect {
            x2: 0x20_0000,
            ..WHOLE
        };
        assert!(!cursor_fits((64, 64), &RES, &half));
        let shifted = kms::Rect {
            x1: 0x1_0000,
            x2: 0x41_0000,
            ..WHOLE
        };
        assert!(!cursor_fits((64, 64), &RES, &shifted));
        // Half a pixel off.
        let fraction = kms::Rect {
            y1: 0x8000,
            y2: 0x40_8000,
            ..WHOLE
        };
        assert!(!cursor_fits((64, 64), &RES, &fraction));
    }
}
