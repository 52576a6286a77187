// SPDX-License-Identifier: GPL-2.0

//! The primary plane of a scanout.
//!
//! An update copies the framebuffer's damage to the host (`TRANSFER_TO_HOST_2D`), points the
//! scanout at the framebuffer's resource when the framebuffer, its source rectangle or the mode
//! changed (`SET_SCANOUT`), and has the host redraw the damage (`RESOURCE_FLUSH`); without a
//! framebuffer, or with its CRTC off, it disables the scanout. The commands are allocated, and
//! room for them on the control queue waited for, in `prepare_fb`, where a commit may still
//! fail: the update itself posts them without waiting and cannot fail. The device's answers go
//! to the resource's fence: an error of the device fails the next commit of that framebuffer.
//!
//! The panic screen: the panic handler draws into the pages of the framebuffer the plane shows
//! ([`panic_buffer`]), pinned since the framebuffer's object became a resource; the plane then
//! posts the copy of the whole framebuffer to the host, `SET_SCANOUT` of what the plane shows and
//! its flush ([`panic_flush`]), with commands the core allocated ahead. Neither sleeps,
//! allocates or waits for a lock (the core tries the control queue's lock for a bounded time).
//! A device that reads memory through the DMA API shows no panic screen (see
//! [`Gpu::post_panic_update`]).
//!
//! [`Gpu::post_panic_update`]: crate::gpu::Gpu::post_panic_update

use kernel::drm::kms::{
    self,
    plane::NO_SCALING,
    Access,
    PanicAccess,
    PlaneCheck,
    PlaneState,
    PlaneUpdate,
    ScanoutBuffer, //
};
use kernel::prelude::*;

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
        PanicShow,
        Rect,
        ScanoutShow, //
    },
};

/// The plane covers its CRTC exactly, without scaling, and may stay enabled on a CRTC that is
/// off.
pub(super) fn check(check: &mut PlaneCheck<'_, Plane>) -> Result {
    check.check_plane_state(NO_SCALING, NO_SCALING, false, true)
}

/// Allocates the update's commands and, to show a framebuffer, waits for room for them.
/// Errors: `EINVAL` if the framebuffer's object is not a resource (it always is: see
/// `check_framebuffer`); those of [`Gpu::prepare_scanout_update`] but `ENODEV` (the device
/// is going away: the update then touches nothing).
///
/// [`Gpu::prepare_scanout_update`]: crate::gpu::Gpu::prepare_scanout_update
pub(super) fn prepare(
    plane: &kms::Plane<Plane>,
    new: &mut PlaneState<Plane>,
    hw: &Access<'_, DrmDriver>,
) -> Result {
    let fence = match new.fb() {
        Some(fb) => {
            let obj = fb.object(0).ok_or(EINVAL)?;
            Some(obj.resource().ok_or(EINVAL)?.fence.clone())
        }
        None => None,
    };
    let update = hw.with(|_, gpu| gpu.prepare_scanout_update(plane.data().scanout, fence.as_ref()));
    new.data_mut().update = prepared(update)?;
    Ok(())
}

/// The rectangle of a resource that `r`, a rectangle of its framebuffer in pixels, covers, and
/// where `r` starts (clamped at 0: the DRM core clips source rectangles and damage to the
/// framebuffer).
fn resource_rect(r: &kms::Rect) -> (Rect, u32, u32) {
    let (x, y) = (r.x1.max(0) as u32, r.y1.max(0) as u32);
    (Rect::new(x, y, r.width(), r.height()), x, y)
}

/// What an update that shows `res`, from source rectangle `src`, sends: the rectangle to copy to
/// the host and flush, with its byte offset in the backing (all of `src` if `whole`, when the
/// scanout starts showing the framebuffer; otherwise `damage`, the damage clips merged, if any),
/// and the source rectangle to point the scanout at if `changed`.
fn plan(
    res: &Resource,
    src: kms::Rect,
    changed: bool,
    whole: bool,
    damage: Option<kms::Rect>,
) -> (Option<(Rect, u64)>, Option<Rect>) {
    let damage = if whole { Some(src) } else { damage };
    let damage = damage.map(|d| {
        let (rect, x, y) = resource_rect(&d);
        (rect, res.offset(x, y))
    });
    let set = changed.then(|| resource_rect(&src).0);
    (damage, set)
}

/// Posts the update prepared by [`prepare`].
pub(super) fn update(
    plane: &kms::Plane<Plane>,
    update: &mut PlaneUpdate<'_, Plane>,
    hw: &Access<'_, DrmDriver>,
) {
    let Some(cmds) = update.new_data().update.take() else {
        return;
    };
    let scanout = plane.data().scanout;
    let active = update.crtc_state().is_some_and(|c| c.active());
    let new = update.new_state();
    let shown = new
        .fb()
        .filter(|_| active && new.visible())
        .and_then(|fb| Some((fb, fb.object(0)?)))
        .and_then(|(fb, obj)| Some((fb, obj, obj.resource()?)));
    hw.with(|_, gpu| {
        let Some((fb, obj, res)) = shown else {
            // SAFETY: No backing is given.
            unsafe { gpu.post_scanout_update(cmds, scanout, ScanoutShow::Off) };
            return;
        };
        let old = update.old();
        let src = new.src_pixels();
        let changed = !old.fb().is_some_and(|f| core::ptr::eq(f, fb))
            || old.src_pixels() != src
            || update.crtc_state().is_some_and(|c| c.needs_modeset());
        // What the scanout shows is copied whole when it starts showing this framebuffer
        // (again); otherwise only what the damage clips say changed.
        let whole = changed || !old.visible();
        let damage = if whole { None } else { update.damage() };
        let (damage, set) = plan(&res.res, src, changed, whole, damage);
        // The mapping made when the object became a resource; it exists, so this does not
        // allocate (without it, nothing can be copied: the scanout is still set).
        let backing = match gpu.syncs_backing() {
            true => obj.sg_table(gpu.dma_device()).ok(),
            false => None,
        };
        let damage = damage.filter(|_| !gpu.syncs_backing() || backing.is_some());
        let show = ScanoutShow::Resource {
            id: res.res.id,
            backing,
            damage,
            set,
        };
        // `backing` is the resource's backing, mapped for the GPU's DMA device to the device
        // until the object is released, which waits for the device's answer to the
        // resource's destruction, posted after these commands; the committed state holds
        // the framebuffer, which holds the object.
        // SAFETY: `backing` is the resource's, mapped to the device as long as needed.
        unsafe { gpu.post_scanout_update(cmds, scanout, show) };
    });
}

/// The panic handler's buffer: the pages of the framebuffer `state`, the plane's current state,
/// shows. Takes no lock and allocates nothing. Errors: `ENODEV` if the plane shows nothing (no
/// framebuffer, or not visible) or the framebuffer's object is not a resource (it always is: see
/// `check_framebuffer`, which pinned its pages); `EINVAL` from [`ScanoutBuffer::from_pages`].
pub(super) fn panic_buffer<'a>(state: &'a PlaneState<Plane>) -> Result<ScanoutBuffer<'a>> {
    let fb = state.fb().filter(|_| state.visible()).ok_or(ENODEV)?;
    let obj = fb.object(0).ok_or(ENODEV)?;
    obj.resource().ok_or(ENODEV)?;
    let pages = obj.pinned_pages().ok_or(ENODEV)?;
    ScanoutBuffer::from_pages(fb, pages)
}

/// Shows what the panic handler drew into the buffer of [`panic_buffer`]: the whole framebuffer
/// is copied to the host, the scanout set to what the plane shows (a commit may have swapped the
/// state in without showing it yet), and that flushed. Never sleeps, allocates or waits (see
/// [`Gpu::post_panic_update`]); what cannot be posted is skipped, and counted.
///
/// [`Gpu::post_panic_update`]: crate::gpu::Gpu::post_panic_update
pub(super) fn panic_flush(
    plane: &kms::Plane<Plane>,
    state: &PlaneState<Plane>,
    hw: &PanicAccess<'_, DrmDriver>,
) {
    let Some(fb) = state.fb() else {
        return;
    };
    let Some(res) = fb.object(0).and_then(|obj| obj.resource()) else {
        return;
    };
    let (shown, _, _) = resource_rect(&state.src_pixels());
    // The framebuffer starts at the resource's first pixel (offset 0, and the resource's pitch
    // is the framebuffer's: `check_framebuffer`), and the resource has at least its rows.
    let drawn = Rect::new(0, 0, fb.width().min(res.res.width), fb.height());
    let show = PanicShow {
        id: res.res.id,
        drawn,
        shown,
    };
    // The state, which the panic lock keeps, holds the framebuffer, which holds the object; the
    // object's pages stay until the device has answered the resource's destruction, which the
    // core posts after these commands and frees nothing for before they complete.
    hw.with(|_, gpu| gpu.post_panic_update(plane.data().scanout, show));
}

/// What a primary plane's update copies, flushes and shows (`DRM_NOVA_LITE_KUNIT_TEST`).
#[cfg(CONFIG_DRM_NOVA_LITE_KUNIT_TEST)]
#[kunit_tests(nova_lite_plane_update)]
mod tests {
    use super::*;

    /// A 1024x768 `XRGB8888` resource: a stride of 4096 bytes.
    const RES: Resource = Resource {
        id: 1,
        width: 1024,
        height: 768,
        format: 2,
    };

    /// A rectangle of the framebuffer from (`x1`, `y1`) to (`x2`, `y2`), excluded.
    fn r(x1: i32, y1: i32, x2: i32, y2: i32) -> kms::Rect {
        kms::Rect { x1, y1, x2, y2 }
    }

    /// A framebuffer newly shown: all of it is copied and flushed, and the scanout set to it.
    #[test]
    fn new_framebuffer() {
        let (damage, set) = plan(&RES, r(0, 0, 1024, 768), true, true, None);
        assert!(matches!(damage, Some((rect, 0)) if rect == Rect::new(0, 0, 1024, 768)));
        assert!(matches!(set, Some(rect) if rect == Rect::new(0, 0, 1024, 768)));
    }

    /// A source rectangle inside the framebuffer: the copy starts at its first pixel's byte.
    #[test]
    fn panned_source() {
        let (damage, set) = plan(&RES, r(100, 50, 740, 530), true, true, None);
        // 50 * 4096 + 100 * 4
        assert!(matches!(damage, Some((rect, 205_200)) if rect == Rect::new(100, 50, 640, 480)));
        assert!(matches!(set, Some(rect) if rect == Rect::new(100, 50, 640, 480)));
    }

    /// The same framebuffer, shown already: only the damage is copied and flushed, and the
    /// scanout is not set again.
    #[test]
    fn damage_only() {
        let damage = Some(r(16, 8, 48, 40));
        let (damage, set) = plan(&RES, r(0, 0, 1024, 768), false, false, damage);
        // 8 * 4096 + 16 * 4
        assert!(matches!(damage, Some((rect, 32_832)) if rect == Rect::new(16, 8, 32, 32)));
        assert!(set.is_none());
    }

    /// No damage on a framebuffer shown already: nothing is sent.
    #[test]
    fn no_damage() {
        let (damage, set) = plan(&RES, r(0, 0, 1024, 768), false, false, None);
        assert!(damage.is_none());
        assert!(set.is_none());
    }

    /// A plane that was not visible and shows the same framebuffer again: copied whole (what
    /// the host holds may be stale), the scanout not set.
    #[test]
    fn visible_again() {
        let damage = Some(r(0, 0, 1, 1));
        let (damage, set) = plan(&RES, r(0, 0, 1024, 768), false, true, damage);
        assert!(matches!(damage, Some((rect, 0)) if rect == Rect::new(0, 0, 1024, 768)));
        assert!(set.is_none());
    }
}
