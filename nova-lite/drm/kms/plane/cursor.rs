// SPDX-License-Identifier: GPL-2.0

//! The cursor plane of a scanout, which the host draws as its pointer.
//!
//! Its framebuffers are [`CURSOR_SIZE`]x[`CURSOR_SIZE`] `ARGB8888` images shown whole, without
//! scaling, anywhere on the CRTC (partly outside it too), with a hotspot inside the image. A new
//! framebuffer, a new hotspot, or a cursor the host does not show (hidden, or lost to a reset of
//! the device, or whose last command was dropped) is shown with `UPDATE_CURSOR`, after its image
//! has been copied to the host and the copy waited for in `prepare_fb` (the host must not copy a
//! half-written image); otherwise the update only moves the cursor (`MOVE_CURSOR`). Without a
//! framebuffer, or with the CRTC off, the cursor is hidden. The command is allocated in
//! `prepare_fb` and posted by the update, which cannot fail.
//!
//! As for the primary plane's updates, the device's past answers do not fail a commit: a copy of
//! the image the device refused or did not answer in time leaves the host with the image it had
//! (the error stays on the resource's fence, which its resource ioctls return).

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
    drm::DrmDriver,
    gpu::{
        CursorShow,
        CURSOR_SIZE, //
    },
};

/// The cursor's size in 16.16 fixed point, as source rectangles are.
const CURSOR_SIZE_FIXED: i32 = (CURSOR_SIZE as i32) << 16;

/// Accepts a framebuffer of [`CURSOR_SIZE`]x[`CURSOR_SIZE`] pixels whose resource has that size
/// (the host takes the image from nothing else), shown whole (the source rectangle is the whole
/// framebuffer) and unscaled anywhere on the CRTC, with a hotspot inside it. Errors: `EINVAL`;
/// `EDEADLK` (see [`PlaneCheck::check_plane_state`]).
pub(super) fn check(check: &mut PlaneCheck<'_, Plane>) -> Result {
    let new = check.new_state();
    if let Some(fb) = new.fb() {
        let src = new.src_requested();
        let (hot_x, hot_y) = new.hotspot();
        let inside = |v: i32| (0..CURSOR_SIZE as i32).contains(&v);
        let res = fb.object(0).and_then(|obj| obj.resource()).ok_or(EINVAL)?;
        if fb.width() != CURSOR_SIZE
            || fb.height() != CURSOR_SIZE
            || res.res.width != CURSOR_SIZE
            || res.res.height != CURSOR_SIZE
            || src.x1 != 0
            || src.y1 != 0
            || src.x2 != CURSOR_SIZE_FIXED
            || src.y2 != CURSOR_SIZE_FIXED
            || !inside(hot_x)
            || !inside(hot_y)
        {
            return Err(EINVAL);
        }
    }
    check.check_plane_state(NO_SCALING, NO_SCALING, true, true)
}

/// Copies a new framebuffer's image to the host and waits for it, then allocates the update's
/// command. Errors: `EINVAL` if the framebuffer's object is not a resource (it always is: see
/// `check_framebuffer`); `ERESTARTSYS` (a signal during the wait for the copy); `ENOMEM`; those
/// of [`Gpu::prepare_cursor`] but `ENODEV` (the device is going away: the update then touches
/// nothing). The device's answers (an error, none in time) do not fail it.
///
/// [`Gpu::prepare_cursor`]: crate::gpu::Gpu::prepare_cursor
pub(super) fn prepare(
    plane: &kms::Plane<Plane>,
    new: &mut PlaneState<Plane>,
    old: &PlaneState<Plane>,
    hw: &Access<'_, DrmDriver>,
) -> Result {
    let load = match new.fb() {
        Some(fb) if !old.fb().is_some_and(|o| core::ptr::eq(o, fb)) => Some(fb),
        _ => None,
    };
    let scanout = plane.data().scanout;
    let cmd = hw.with(|_, gpu| {
        if let Some(fb) = load {
            let obj = fb.object(0).ok_or(EINVAL)?;
            let res = obj.resource().ok_or(EINVAL)?;
            let backing = match gpu.syncs_backing() {
                true => Some(obj.sg_table(gpu.dma_device())?),
                false => None,
            };
            // `backing` is the resource's, mapped for the GPU's DMA device to the device until
            // the object is released, which waits for the device's answer to the resource's
            // destruction; the new state holds the framebuffer, which holds the object.
            // SAFETY: `backing` is the resource's, mapped to the device as long as needed.
            match unsafe { gpu.load_cursor_image(res.res.id, &res.fence, backing) } {
                Err(e) if e == ERESTARTSYS || e == ENOMEM || e == ENODEV => return Err(e),
                // The device's answer, or none in time: the host keeps the image it had.
                _ => {}
            }
        }
        gpu.prepare_cursor(scanout)
    });
    new.data_mut().cursor = prepared(cmd)?;
    Ok(())
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
        .and_then(|fb| Some((fb, fb.object(0)?.resource()?)));
    // The reset count plus one when the host was last given the cursor, 0 when it was hidden or
    // its last command dropped. The update of a plane in a commit runs before the next commit
    // of the plane swaps its states in (which waits for this one's `hw_done`): no other update
    // of the plane reads or writes it meanwhile.
    let shown_at = &plane.data().cursor_shown_at;
    hw.with(|_, gpu| {
        let epoch = gpu.resets() + 1;
        let shown = shown_at.load(Relaxed) == epoch;
        let show = match res {
            // Already hidden, or lost with a reset: nothing to do.
            None if !shown => return,
            None => CursorShow::Hidden,
            Some((fb, res))
                if shown
                    && old.fb().is_some_and(|o| core::ptr::eq(o, fb))
                    && old.hotspot() == new.hotspot() =>
            {
                CursorShow::Move {
                    id: res.res.id,
                    position: new.crtc_position(),
                }
            }
            Some((_, res)) => CursorShow::Image {
                id: res.res.id,
                position: new.crtc_position(),
                hotspot: new.hotspot(),
            },
        };
        let hides = matches!(show, CursorShow::Hidden);
        let offered = gpu.post_cursor(cmd, show);
        shown_at.store(if offered && !hides { epoch } else { 0 }, Relaxed);
    });
}
