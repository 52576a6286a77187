// SPDX-License-Identifier: GPL-2.0

//! The cursor of each scanout, for KMS's cursor planes.
//!
//! The host draws the cursor itself (as its pointer), from an image it copies out of a resource
//! of [`CURSOR_SIZE`]x[`CURSOR_SIZE`] pixels when it executes `UPDATE_CURSOR`; `MOVE_CURSOR`
//! only moves it. Cursor commands go on their own queue, which the device executes without
//! ordering it against the control queue: an image is copied to the host
//! ([`Gpu::load_cursor_image`]: `TRANSFER_TO_HOST_2D` on the control queue, waited for) before
//! the `UPDATE_CURSOR` that shows it is posted, so that the host never copies a half-written
//! image. The cursor command is allocated where a commit may still fail ([`Gpu::prepare_cursor`],
//! from `prepare_fb`) and posted where it may not ([`Gpu::post_cursor`], from `atomic_update`,
//! after the copy).
//!
//! A reset of the device (recovery, system sleep) destroys the resources but not the host's
//! cursor (QEMU keeps it): [`Gpu::resets`] tells the DRM driver, which then no longer knows what
//! the host shows and sends the cursor's state again with the next update.

use kernel::{
    prelude::*,
    scatterlist::SGTable,
    sync::{
        atomic::Relaxed,
        Arc, //
    },
};

use super::{
    cmdq::{
        CursorRequest,
        Fence,
        Signals,
        COMMAND_TIMEOUT,
        CURSOR_QUEUE, //
    },
    protocol::{
        CursorCommand,
        Rect, //
    },
    Gpu, //
};

/// The width and height of the device's cursor image, in pixels: QEMU takes the image only from
/// a resource of exactly this size (the C driver's cursor planes have it too).
pub(crate) const CURSOR_SIZE: u32 = 64;

/// The largest coordinate of a pixel of the cursor image: a hotspot is clamped into the image.
const CURSOR_MAX: i32 = CURSOR_SIZE as i32 - 1;

/// A cursor command of one scanout, allocated ahead of the commit by [`Gpu::prepare_cursor`].
/// Dropped without being posted, it sends nothing.
pub(crate) struct CursorUpdate {
    /// The scanout it was prepared for.
    scanout: u32,
    /// The command's buffers.
    req: CursorRequest,
}

/// What [`Gpu::post_cursor`] does with a scanout's cursor.
pub(crate) enum CursorShow {
    /// Hide it (`UPDATE_CURSOR` of resource 0).
    Hidden,
    /// Show the image of resource `id` (loaded by [`Gpu::load_cursor_image`]), its top-left
    /// corner at `position`, its pixel `hotspot` the one that points (`UPDATE_CURSOR`).
    Image {
        /// The resource.
        id: u32,
        /// The scanout's pixel the image's top-left corner is at (negative: left of or above
        /// the scanout).
        position: (i32, i32),
        /// The image's pixel that points; a hotspot outside the image (which userspace may
        /// set: the DRM core stores the legacy cursor ioctl's before any check) is sent as the
        /// image's nearest pixel.
        hotspot: (i32, i32),
    },
    /// Move the image of resource `id`, shown, to `position` (`MOVE_CURSOR`).
    Move {
        /// As in [`CursorShow::Image`].
        id: u32,
        /// As in [`CursorShow::Image`].
        position: (i32, i32),
    },
}

impl Gpu<'_> {
    /// Copies the cursor image of resource `id` (all of its [`CURSOR_SIZE`]x[`CURSOR_SIZE`]
    /// pixels, from the start of its backing) to the host, and waits for the copy, at most
    /// [`COMMAND_TIMEOUT`] for room and as long for the answer, whatever the signals (a commit's
    /// tail may not fail): the image is the host's once this returns `Ok`.
    /// `fence` is the resource's; `backing` as for [`Gpu::transfer_to_host`].
    ///
    /// Sleeps; process context (the commit's tail). Errors: those of [`Gpu::transfer_to_host`] (the
    /// resource's earlier error among them: nothing is copied then) and of [`Gpu::wait`]
    /// (`ETIMEDOUT`, `ENODEV`, the device's answer), but `ERESTARTSYS`.
    ///
    /// # Safety
    ///
    /// As for [`Gpu::transfer_to_host`].
    pub(crate) unsafe fn load_cursor_image(
        &self,
        id: u32,
        fence: &Arc<Fence>,
        backing: Option<&SGTable>,
    ) -> Result {
        let rect = Rect::new(0, 0, CURSOR_SIZE, CURSOR_SIZE);
        // SAFETY: As guaranteed by the caller.
        unsafe { self.transfer_to_host(id, fence, rect, 0, backing, Signals::Ignore) }?;
        let mut timeout = COMMAND_TIMEOUT;
        self.wait_with(fence, Some(&mut timeout), Signals::Ignore)
    }

    /// Allocates a cursor command for scanout `scanout`. Errors: `EINVAL` if `scanout` is not
    /// below [`Gpu::num_scanouts`]; `ENOMEM`.
    pub(crate) fn prepare_cursor(&self, scanout: u32) -> Result<CursorUpdate> {
        if scanout >= self.num_scanouts {
            return Err(EINVAL);
        }
        Ok(CursorUpdate {
            scanout,
            req: CursorRequest::new()?,
        })
    }

    /// How many resets the device has gone through (recoveries and system sleep): after a reset,
    /// what the host's cursor shows is not known. Reads a counter; any context.
    pub(crate) fn resets(&self) -> u64 {
        self.queues.handler().stats().resets.load(Relaxed)
    }

    /// Posts `update` as `show` says, without waiting or allocating. Returns whether the command
    /// was offered to the device: a command the cursor queue cannot take (a stalled device, a
    /// reset, the unbind) is dropped and counted (see [`super::cmdq`]'s cursor queue). Does not
    /// sleep; from the cursor plane's `atomic_update`.
    pub(crate) fn post_cursor(&self, update: CursorUpdate, show: CursorShow) -> bool {
        let scanout = update.scanout;
        let shown = match show {
            CursorShow::Hidden => 0,
            CursorShow::Image { id, .. } | CursorShow::Move { id, .. } => id,
        };
        let cmd = match show {
            CursorShow::Hidden => CursorCommand::Update {
                scanout,
                x: 0,
                y: 0,
                resource_id: 0,
                hot_x: 0,
                hot_y: 0,
            },
            CursorShow::Image {
                id,
                position: (x, y),
                hotspot: (hot_x, hot_y),
            } => CursorCommand::Update {
                scanout,
                x,
                y,
                resource_id: id,
                hot_x: hot_x.clamp(0, CURSOR_MAX),
                hot_y: hot_y.clamp(0, CURSOR_MAX),
            },
            CursorShow::Move {
                id,
                position: (x, y),
            } => CursorCommand::Move {
                scanout,
                x,
                y,
                resource_id: id,
            },
        };
        let offered = match self.queues.queue(CURSOR_QUEUE) {
            Some(queue) => self.queues.handler().post_cursor(queue, update.req, &cmd),
            None => false,
        };
        if offered {
            self.resources.cursor_shown(scanout as usize, shown);
        }
        offered
    }
}
