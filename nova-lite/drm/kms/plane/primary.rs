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

use kernel::drm::kms::{
    self,
    plane::NO_SCALING,
    Access,
    PlaneCheck,
    PlaneState,
    PlaneUpdate, //
};
use kernel::prelude::*;

use super::{
    prepared,
    Plane, //
};
use crate::{
    drm::DrmDriver,
    gpu::{
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
        let damage = if changed || !old.visible() {
            Some(src)
        } else {
            update.damage()
        };
        let damage = damage.map(|d| {
            let (x, y) = (d.x1.max(0) as u32, d.y1.max(0) as u32);
            let rect = Rect::new(x, y, d.width(), d.height());
            (rect, res.res.offset(x, y))
        });
        let set = changed.then(|| {
            Rect::new(
                src.x1.max(0) as u32,
                src.y1.max(0) as u32,
                src.width(),
                src.height(),
            )
        });
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
