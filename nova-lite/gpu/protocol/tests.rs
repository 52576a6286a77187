// SPDX-License-Identifier: GPL-2.0

//! KUnit suites of the virtio-gpu protocol (`DRM_NOVA_LITE_KUNIT_TEST`): the bytes of every
//! request the driver encodes, the decoding of every response it reads, and the errno of each
//! error response. None needs a device.
//!
//! Every expected byte vector is written by hand from the virtio specification (virtio 1.2,
//! section 5.7.6, "Device Operation"), field by field, each value in little-endian order, the
//! padding and the header fields the driver leaves unused as zeros. None is made from
//! `<linux/virtio_gpu.h>` or its bindings, which the encoders are made from: a mistake there
//! (a field's place, its size, the byte order) would then be in both and pass. The values have
//! distinct bytes, so that swapped bytes or swapped fields show.
//!
//! Every request and response starts with `struct virtio_gpu_ctrl_hdr` (24 bytes): le32 `type`
//! at 0, le32 `flags` at 4, le64 `fence_id` at 8, le32 `ctx_id` at 16, u8 `ring_idx` at 20 and
//! three bytes of padding; the driver sends no fence, no context and ring 0: all zeros but the
//! type.

use kernel::prelude::*;

/// Whether `got` is `want`. If not, logs where they first differ (info level: KUnit reports the
/// failed case).
fn same_bytes(what: &str, got: &[u8], want: &[u8]) -> bool {
    if got == want {
        return true;
    }
    if got.len() != want.len() {
        pr_info!("{}: {} bytes, want {}\n", what, got.len(), want.len());
    }
    if let Some((i, (g, w))) = got.iter().zip(want).enumerate().find(|(_, (g, w))| g != w) {
        pr_info!("{}: byte {}: {:#04x}, want {:#04x}\n", what, i, g, w);
    }
    false
}

/// Writes `bytes` into `buf` at `offset`, for the responses, whose vectors are mostly zeros.
fn put(buf: &mut [u8], offset: usize, bytes: &[u8]) {
    if let Some(dst) = buf.get_mut(offset..offset + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

/// The requests of the control queue (virtio 1.2, 5.7.6.7 and 5.7.6.8) and of the cursor queue
/// (5.7.6.10), as the device reads them.
mod requests;

/// The responses the driver reads (virtio 1.2, 5.7.6.7 and 5.7.6.8): their types, the checks of
/// their header and size, and what the driver takes from them.
mod responses;

/// The errno of each error response, as `uapi/drm/nova_lite_drm.h` documents it, and the
/// statistics' names and order.
#[kunit_tests(nova_lite_errors)]
mod errors {
    use kernel::prelude::*;

    use super::super::DeviceError;

    /// OUT_OF_MEMORY is ENOMEM; the three invalid ids ENOENT; INVALID_PARAMETER EINVAL;
    /// UNSPEC and the errors the header does not list EIO.
    #[test]
    fn errnos() {
        assert_eq!(DeviceError::Unspec.to_errno(), EIO);
        assert_eq!(DeviceError::OutOfMemory.to_errno(), ENOMEM);
        assert_eq!(DeviceError::InvalidScanoutId.to_errno(), ENOENT);
        assert_eq!(DeviceError::InvalidResourceId.to_errno(), ENOENT);
        assert_eq!(DeviceError::InvalidContextId.to_errno(), ENOENT);
        assert_eq!(DeviceError::InvalidParameter.to_errno(), EINVAL);
        assert_eq!(DeviceError::Other.to_errno(), EIO);
    }

    /// The response types map to the errors in order: 0x1200 + n.
    #[test]
    fn from_type() {
        assert_eq!(DeviceError::from_type(0x1200), Some(DeviceError::Unspec));
        assert_eq!(
            DeviceError::from_type(0x1201),
            Some(DeviceError::OutOfMemory)
        );
        assert_eq!(
            DeviceError::from_type(0x1202),
            Some(DeviceError::InvalidScanoutId)
        );
        assert_eq!(
            DeviceError::from_type(0x1203),
            Some(DeviceError::InvalidResourceId)
        );
        assert_eq!(
            DeviceError::from_type(0x1204),
            Some(DeviceError::InvalidContextId)
        );
        assert_eq!(
            DeviceError::from_type(0x1205),
            Some(DeviceError::InvalidParameter)
        );
        assert_eq!(DeviceError::from_type(0x1206), Some(DeviceError::Other));
        assert_eq!(DeviceError::from_type(0x12ff), Some(DeviceError::Other));
        assert_eq!(DeviceError::from_type(0x11ff), None);
        assert_eq!(DeviceError::from_type(0x1300), None);
        assert_eq!(DeviceError::from_type(0), None);
        assert_eq!(DeviceError::from_type(u32::MAX), None);
    }

    /// The statistics index their counters by the error's value: `ALL` lists them in that
    /// order, under the names debugfs shows.
    #[test]
    fn names_and_order() {
        const NAMES: [&str; 7] = [
            "err_unspec",
            "err_out_of_memory",
            "err_invalid_scanout_id",
            "err_invalid_resource_id",
            "err_invalid_context_id",
            "err_invalid_parameter",
            "err_other",
        ];
        assert_eq!(DeviceError::COUNT, 7);
        for (i, (err, name)) in DeviceError::ALL.iter().zip(NAMES).enumerate() {
            assert_eq!(*err as usize, i);
            assert!(err.name() == name);
        }
    }
}
