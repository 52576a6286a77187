// SPDX-License-Identifier: GPL-2.0

//! The commands of the cursor queue (virtio 1.x, section 5.7.6.9): `UPDATE_CURSOR` and
//! `MOVE_CURSOR`, which the device does not answer.

use kernel::uapi;

use super::{
    CtrlHdr,
    Wire, //
};

/// `VIRTIO_GPU_CMD_UPDATE_CURSOR`.
const CMD_UPDATE_CURSOR: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_UPDATE_CURSOR;
/// `VIRTIO_GPU_CMD_MOVE_CURSOR`.
const CMD_MOVE_CURSOR: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_MOVE_CURSOR;

/// A command of the cursor queue (`VIRTIO_GPU_CMD_UPDATE_CURSOR` or `VIRTIO_GPU_CMD_MOVE_CURSOR`).
/// The device does not answer cursor commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CursorCommand {
    /// Shows the image of resource `resource_id` (0: hides the cursor), its top-left corner at
    /// `x`, `y` of scanout `scanout`, its pixel `hot_x`, `hot_y` the one that points. The device
    /// copies the image when it executes the command: the resource must hold it by then.
    Update {
        /// The scanout.
        scanout: u32,
        /// The position on the scanout (negative: left of or above it).
        x: i32,
        /// See `x`.
        y: i32,
        /// The resource of the image, 0 for none.
        resource_id: u32,
        /// The hotspot in the image.
        hot_x: i32,
        /// See `hot_x`.
        hot_y: i32,
    },
    /// Moves the cursor of scanout `scanout`, showing the image of resource `resource_id`, to
    /// `x`, `y`, keeping its image and hotspot. QEMU takes a move's resource as whether the
    /// cursor is visible: it must be the one shown (0 would hide it).
    Move {
        /// The scanout.
        scanout: u32,
        /// The position on the scanout.
        x: i32,
        /// See `x`.
        y: i32,
        /// The resource of the image shown.
        resource_id: u32,
    },
}

impl CursorCommand {
    /// The request as the device reads it. The device's fields are unsigned: a negative
    /// position or hotspot goes in two's complement, as the C driver sends it (`as` keeps the
    /// bits).
    pub(crate) fn request(&self) -> Wire<uapi::virtio_gpu_update_cursor> {
        let (ty, scanout, x, y, resource_id, hot_x, hot_y) = match *self {
            Self::Update {
                scanout,
                x,
                y,
                resource_id,
                hot_x,
                hot_y,
            } => (CMD_UPDATE_CURSOR, scanout, x, y, resource_id, hot_x, hot_y),
            Self::Move {
                scanout,
                x,
                y,
                resource_id,
            } => (CMD_MOVE_CURSOR, scanout, x, y, resource_id, 0, 0),
        };
        Wire(uapi::virtio_gpu_update_cursor {
            hdr: CtrlHdr::request(ty),
            pos: uapi::virtio_gpu_cursor_pos {
                scanout_id: scanout.to_le(),
                x: (x as u32).to_le(),
                y: (y as u32).to_le(),
                padding: 0,
            },
            resource_id: resource_id.to_le(),
            hot_x: (hot_x as u32).to_le(),
            hot_y: (hot_y as u32).to_le(),
            padding: 0,
        })
    }
}
