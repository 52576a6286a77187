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
#[kunit_tests(nova_lite_requests)]
mod requests {
    use kernel::transmute::AsBytes;

    use super::{
        super::{
            AttachBacking,
            Command,
            CursorCommand,
            GetDisplayInfo,
            GetEdid,
            MemEntry,
            Rect,
            ResourceCreate2d,
            ResourceFlush,
            ResourceUnref,
            SetScanout,
            TransferToHost2d, //
        },
        same_bytes,
    };

    /// `GET_DISPLAY_INFO` is a bare header of type 0x0100.
    #[test]
    fn get_display_info() {
        const WANT: [u8; 24] = [
            0x00, 0x01, 0x00, 0x00, // type: CMD_GET_DISPLAY_INFO
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
        ];
        let req = GetDisplayInfo.request();
        assert!(same_bytes("GET_DISPLAY_INFO", req.as_bytes(), &WANT));
    }

    /// `GET_EDID` (0x010a): the header, le32 scanout, le32 padding.
    #[test]
    fn get_edid() {
        const WANT: [u8; 32] = [
            0x0a, 0x01, 0x00, 0x00, // type: CMD_GET_EDID
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x0d, 0x0c, 0x0b, 0x0a, // scanout: 0x0a0b0c0d
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        let req = GetEdid {
            scanout: 0x0a0b_0c0d,
        }
        .request();
        assert!(same_bytes("GET_EDID", req.as_bytes(), &WANT));
    }

    /// `RESOURCE_CREATE_2D` (0x0101): the header, le32 resource_id, format, width, height.
    #[test]
    fn resource_create_2d() {
        const WANT: [u8; 40] = [
            0x01, 0x01, 0x00, 0x00, // type: CMD_RESOURCE_CREATE_2D
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x03, 0x02, 0x01, 0x00, // resource_id: 0x00010203
            0x86, 0x00, 0x00, 0x00, // format: 134, R8G8B8X8_UNORM
            0x80, 0x07, 0x00, 0x00, // width: 1920
            0x38, 0x04, 0x00, 0x00, // height: 1080
        ];
        let req = ResourceCreate2d {
            resource_id: 0x0001_0203,
            format: 134,
            width: 1920,
            height: 1080,
        }
        .request();
        assert!(same_bytes("RESOURCE_CREATE_2D", req.as_bytes(), &WANT));
    }

    /// `RESOURCE_UNREF` (0x0102): the header, le32 resource_id, le32 padding.
    #[test]
    fn resource_unref() {
        const WANT: [u8; 32] = [
            0x02, 0x01, 0x00, 0x00, // type: CMD_RESOURCE_UNREF
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x02, 0x03, 0x04, 0x05, // resource_id: 0x05040302
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        let req = ResourceUnref {
            resource_id: 0x0504_0302,
        }
        .request();
        assert!(same_bytes("RESOURCE_UNREF", req.as_bytes(), &WANT));
    }

    /// `SET_SCANOUT` (0x0103): the header, the rectangle (le32 x, y, width, height), le32
    /// scanout_id, le32 resource_id.
    #[test]
    fn set_scanout() {
        const WANT: [u8; 48] = [
            0x03, 0x01, 0x00, 0x00, // type: CMD_SET_SCANOUT
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x10, 0x00, 0x00, 0x00, // r.x: 16
            0x20, 0x00, 0x00, 0x00, // r.y: 32
            0x00, 0x04, 0x00, 0x00, // r.width: 1024
            0x00, 0x03, 0x00, 0x00, // r.height: 768
            0x01, 0x00, 0x00, 0x00, // scanout_id: 1
            0x34, 0x12, 0x00, 0x00, // resource_id: 0x1234
        ];
        let req = SetScanout {
            scanout_id: 1,
            resource_id: 0x1234,
            rect: Rect::new(16, 32, 1024, 768),
        }
        .request();
        assert!(same_bytes("SET_SCANOUT", req.as_bytes(), &WANT));
    }

    /// `SET_SCANOUT` of resource 0 disables the scanout: the driver sends an empty rectangle.
    #[test]
    fn set_scanout_off() {
        const WANT: [u8; 48] = [
            0x03, 0x01, 0x00, 0x00, // type: CMD_SET_SCANOUT
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x00, 0x00, 0x00, 0x00, // r.x
            0x00, 0x00, 0x00, 0x00, // r.y
            0x00, 0x00, 0x00, 0x00, // r.width
            0x00, 0x00, 0x00, 0x00, // r.height
            0x0f, 0x00, 0x00, 0x00, // scanout_id: 15
            0x00, 0x00, 0x00, 0x00, // resource_id: 0, none
        ];
        let req = SetScanout {
            scanout_id: 15,
            resource_id: 0,
            rect: Rect::default(),
        }
        .request();
        assert!(same_bytes("SET_SCANOUT (off)", req.as_bytes(), &WANT));
    }

    /// `RESOURCE_FLUSH` (0x0104): the header, the rectangle, le32 resource_id, le32 padding.
    #[test]
    fn resource_flush() {
        const WANT: [u8; 48] = [
            0x04, 0x01, 0x00, 0x00, // type: CMD_RESOURCE_FLUSH
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x02, 0x01, 0x00, 0x00, // r.x: 0x0102
            0x04, 0x03, 0x00, 0x00, // r.y: 0x0304
            0x06, 0x05, 0x00, 0x00, // r.width: 0x0506
            0x08, 0x07, 0x00, 0x00, // r.height: 0x0708
            0x0d, 0x0c, 0x0b, 0x0a, // resource_id: 0x0a0b0c0d
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        let req = ResourceFlush {
            resource_id: 0x0a0b_0c0d,
            rect: Rect::new(0x0102, 0x0304, 0x0506, 0x0708),
        }
        .request();
        assert!(same_bytes("RESOURCE_FLUSH", req.as_bytes(), &WANT));
    }

    /// `TRANSFER_TO_HOST_2D` (0x0105): the header, the rectangle, le64 offset, le32 resource_id,
    /// le32 padding.
    #[test]
    fn transfer_to_host_2d() {
        const WANT: [u8; 56] = [
            0x05, 0x01, 0x00, 0x00, // type: CMD_TRANSFER_TO_HOST_2D
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x08, 0x00, 0x00, 0x00, // r.x: 8
            0x04, 0x00, 0x00, 0x00, // r.y: 4
            0x80, 0x02, 0x00, 0x00, // r.width: 640
            0xe0, 0x01, 0x00, 0x00, // r.height: 480
            0x20, 0x40, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, // offset: 0x1_0000_4020
            0x07, 0x00, 0x00, 0x00, // resource_id: 7
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        let req = TransferToHost2d {
            resource_id: 7,
            rect: Rect::new(8, 4, 640, 480),
            offset: 0x1_0000_4020,
        }
        .request();
        assert!(same_bytes("TRANSFER_TO_HOST_2D", req.as_bytes(), &WANT));
    }

    /// `RESOURCE_ATTACH_BACKING` (0x0106): the header, le32 resource_id, le32 nr_entries; the
    /// entries follow as the payload.
    #[test]
    fn resource_attach_backing() {
        const WANT: [u8; 32] = [
            0x06, 0x01, 0x00, 0x00, // type: CMD_RESOURCE_ATTACH_BACKING
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x04, 0x03, 0x02, 0x01, // resource_id: 0x01020304
            0x03, 0x00, 0x00, 0x00, // nr_entries: 3
        ];
        let req = AttachBacking {
            resource_id: 0x0102_0304,
            nr_entries: 3,
        }
        .request();
        assert!(same_bytes("RESOURCE_ATTACH_BACKING", req.as_bytes(), &WANT));
    }

    /// A backing entry (`struct virtio_gpu_mem_entry`): le64 addr, le32 length, le32 padding.
    #[test]
    fn mem_entry() {
        const WANT: [u8; 16] = [
            0x00, 0x70, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, // addr: 0x12_3456_7000
            0x00, 0x10, 0x02, 0x00, // length: 0x21000
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        let entry = MemEntry::new(0x12_3456_7000, 0x2_1000);
        assert!(same_bytes("mem_entry", entry.as_bytes(), &WANT));
    }

    /// `UPDATE_CURSOR` (0x0300): the header, the position (le32 scanout_id, x, y, padding), le32
    /// resource_id, hot_x, hot_y, padding. A position left of the scanout goes in two's
    /// complement.
    #[test]
    fn update_cursor() {
        const WANT: [u8; 56] = [
            0x00, 0x03, 0x00, 0x00, // type: CMD_UPDATE_CURSOR
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x01, 0x00, 0x00, 0x00, // pos.scanout_id: 1
            0xfb, 0xff, 0xff, 0xff, // pos.x: -5
            0x2c, 0x01, 0x00, 0x00, // pos.y: 300
            0x00, 0x00, 0x00, 0x00, // pos.padding
            0x42, 0x00, 0x00, 0x00, // resource_id: 0x42
            0x03, 0x00, 0x00, 0x00, // hot_x: 3
            0x3c, 0x00, 0x00, 0x00, // hot_y: 60
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        let req = CursorCommand::Update {
            scanout: 1,
            x: -5,
            y: 300,
            resource_id: 0x42,
            hot_x: 3,
            hot_y: 60,
        }
        .request();
        assert!(same_bytes("UPDATE_CURSOR", req.as_bytes(), &WANT));
    }

    /// Hiding the cursor is `UPDATE_CURSOR` of resource 0.
    #[test]
    fn update_cursor_hidden() {
        const WANT: [u8; 56] = [
            0x00, 0x03, 0x00, 0x00, // type: CMD_UPDATE_CURSOR
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x02, 0x00, 0x00, 0x00, // pos.scanout_id: 2
            0x00, 0x00, 0x00, 0x00, // pos.x
            0x00, 0x00, 0x00, 0x00, // pos.y
            0x00, 0x00, 0x00, 0x00, // pos.padding
            0x00, 0x00, 0x00, 0x00, // resource_id: 0, none
            0x00, 0x00, 0x00, 0x00, // hot_x
            0x00, 0x00, 0x00, 0x00, // hot_y
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        let req = CursorCommand::Update {
            scanout: 2,
            x: 0,
            y: 0,
            resource_id: 0,
            hot_x: 0,
            hot_y: 0,
        }
        .request();
        assert!(same_bytes("UPDATE_CURSOR (hidden)", req.as_bytes(), &WANT));
    }

    /// `MOVE_CURSOR` (0x0301) has `UPDATE_CURSOR`'s layout; the hotspot is not sent (zeros).
    #[test]
    fn move_cursor() {
        const WANT: [u8; 56] = [
            0x01, 0x03, 0x00, 0x00, // type: CMD_MOVE_CURSOR
            0x00, 0x00, 0x00, 0x00, // flags
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // fence_id
            0x00, 0x00, 0x00, 0x00, // ctx_id
            0x00, 0x00, 0x00, 0x00, // ring_idx, padding
            0x00, 0x00, 0x00, 0x00, // pos.scanout_id: 0
            0x64, 0x00, 0x00, 0x00, // pos.x: 100
            0xff, 0xff, 0xff, 0xff, // pos.y: -1
            0x00, 0x00, 0x00, 0x00, // pos.padding
            0x42, 0x00, 0x00, 0x00, // resource_id: 0x42
            0x00, 0x00, 0x00, 0x00, // hot_x
            0x00, 0x00, 0x00, 0x00, // hot_y
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        let req = CursorCommand::Move {
            scanout: 0,
            x: 100,
            y: -1,
            resource_id: 0x42,
        }
        .request();
        assert!(same_bytes("MOVE_CURSOR", req.as_bytes(), &WANT));
    }

    /// A hidden cursor's update is filled in later with a move (and a move with an update):
    /// both are the same wire command, so `set_request` fits one in place of the other.
    #[test]
    fn cursor_commands_share_a_size() {
        let hidden = CursorCommand::Update {
            scanout: 0,
            x: 0,
            y: 0,
            resource_id: 0,
            hot_x: 0,
            hot_y: 0,
        };
        let moved = CursorCommand::Move {
            scanout: 0,
            x: 0,
            y: 0,
            resource_id: 0,
        };
        assert_eq!(
            hidden.request().as_bytes().len(),
            moved.request().as_bytes().len()
        );
    }
}

/// The responses the driver reads (virtio 1.2, 5.7.6.7 and 5.7.6.8): their types, the checks of
/// their header and size, and what the driver takes from them.
#[kunit_tests(nova_lite_responses)]
mod responses {
    use kernel::{
        prelude::*,
        transmute::FromBytes,
        uapi, //
    };

    use super::{
        super::{
            check_response,
            AttachBacking,
            Command,
            CtrlHdr,
            DeviceError,
            Edid,
            GetDisplayInfo,
            GetEdid,
            ResourceCreate2d,
            ResourceFlush,
            ResourceUnref,
            ResponseError,
            Scanout,
            SetScanout,
            TransferToHost2d,
            Wire, //
        },
        put,
    };

    /// `RESP_OK_NODATA` (0x1100), as the device may write it: it may echo the request's flags
    /// and fence, which the driver does not read.
    const OK_NODATA: [u8; 24] = [
        0x00, 0x11, 0x00, 0x00, // type: RESP_OK_NODATA
        0x01, 0x00, 0x00, 0x00, // flags: FLAG_FENCE
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // fence_id
        0x00, 0x00, 0x00, 0x00, // ctx_id
        0x00, 0x00, 0x00, 0x00, // ring_idx, padding
    ];

    /// A header of type `ty` (two bytes, little endian), the rest zeros.
    fn header(lo: u8, hi: u8) -> CtrlHdr {
        let mut bytes = [0u8; 24];
        put(&mut bytes, 0, &[lo, hi]);
        CtrlHdr::from_bytes_copy(&bytes).unwrap_or(Wire(Default::default()))
    }

    /// The type each command expects on success.
    #[test]
    fn ok_types() {
        assert_eq!(GetDisplayInfo::OK_TYPE, 0x1101);
        assert_eq!(GetEdid::OK_TYPE, 0x1104);
        assert_eq!(ResourceCreate2d::OK_TYPE, 0x1100);
        assert_eq!(ResourceUnref::OK_TYPE, 0x1100);
        assert_eq!(SetScanout::OK_TYPE, 0x1100);
        assert_eq!(ResourceFlush::OK_TYPE, 0x1100);
        assert_eq!(TransferToHost2d::OK_TYPE, 0x1100);
        assert_eq!(AttachBacking::OK_TYPE, 0x1100);
    }

    /// `RESP_OK_NODATA`, read as the completion path reads a posted command's answer: its type
    /// whatever the flags and fence, then accepted if the device wrote the whole header.
    #[test]
    fn ok_nodata() -> Result {
        let (hdr, _) = CtrlHdr::from_bytes_copy_prefix(&OK_NODATA).ok_or(EINVAL)?;
        assert_eq!(hdr.ty(), 0x1100);
        assert!(check_response(&hdr, 24, 0x1100, 24).is_ok());
        // Fewer bytes than a header: not an answer.
        assert!(matches!(
            check_response(&hdr, 23, 0x1100, 24),
            Err(ResponseError::Malformed)
        ));
        // A success of another command's type.
        assert!(matches!(
            check_response(&hdr, 24, 0x1101, 408),
            Err(ResponseError::Malformed)
        ));
        Ok(())
    }

    /// Error responses (0x1200..=0x12ff) are the device's errors, whatever the command expected
    /// and however much it wrote beyond the header.
    #[test]
    fn error_types() {
        let cases = [
            ((0x00, 0x12), DeviceError::Unspec),
            ((0x01, 0x12), DeviceError::OutOfMemory),
            ((0x02, 0x12), DeviceError::InvalidScanoutId),
            ((0x03, 0x12), DeviceError::InvalidResourceId),
            ((0x04, 0x12), DeviceError::InvalidContextId),
            ((0x05, 0x12), DeviceError::InvalidParameter),
            // Types this driver does not know: still errors.
            ((0x06, 0x12), DeviceError::Other),
            ((0xff, 0x12), DeviceError::Other),
        ];
        for ((lo, hi), want) in cases {
            let hdr = header(lo, hi);
            let got = check_response(&hdr, 24, 0x1101, 408);
            assert!(matches!(got, Err(ResponseError::Device(e)) if e == want));
        }
    }

    /// Types neither the expected success nor an error are malformed answers.
    #[test]
    fn unexpected_types() {
        for (lo, hi) in [
            (0x00, 0x00),
            (0x00, 0x01),
            (0xff, 0x11),
            (0x00, 0x13),
            (0xff, 0xff),
        ] {
            let hdr = header(lo, hi);
            assert!(matches!(
                check_response(&hdr, 24, 0x1100, 24),
                Err(ResponseError::Malformed)
            ));
        }
    }

    /// The 408 bytes of `RESP_OK_DISPLAY_INFO`: the header, then 16 scanouts of 24 bytes at
    /// 24 + 24 * i: the rectangle (le32 x, y, width, height), le32 enabled, le32 flags.
    fn display_info_bytes() -> [u8; 408] {
        let mut b = [0u8; 408];
        put(&mut b, 0, &[0x01, 0x11, 0x00, 0x00]); // type: RESP_OK_DISPLAY_INFO

        // Scanout 0, at 24: 1024x768 at (0, 0), enabled.
        put(&mut b, 32, &[0x00, 0x04, 0x00, 0x00]); // width: 1024
        put(&mut b, 36, &[0x00, 0x03, 0x00, 0x00]); // height: 768
        put(&mut b, 40, &[0x01, 0x00, 0x00, 0x00]); // enabled: 1

        // Scanout 1, at 48: 1280x800 at (1024, 16); enabled is any value but 0.
        put(&mut b, 48, &[0x00, 0x04, 0x00, 0x00]); // x: 1024
        put(&mut b, 52, &[0x10, 0x00, 0x00, 0x00]); // y: 16
        put(&mut b, 56, &[0x00, 0x05, 0x00, 0x00]); // width: 1280
        put(&mut b, 60, &[0x20, 0x03, 0x00, 0x00]); // height: 800
        put(&mut b, 64, &[0x00, 0x01, 0x00, 0x00]); // enabled: 0x100
        put(&mut b, 68, &[0x01, 0x00, 0x00, 0x80]); // flags: 0x80000001

        // Scanout 15, the last, at 384: disabled, with a size.
        put(&mut b, 384, &[0x78, 0x56, 0x34, 0x12]); // x: 0x12345678
        put(&mut b, 392, &[0xfe, 0xff, 0x00, 0x00]); // width: 0xfffe
        put(&mut b, 396, &[0x01, 0x00, 0x00, 0x00]); // height: 1
        b
    }

    /// `RESP_OK_DISPLAY_INFO` decoded: each scanout's fields, in its place.
    #[test]
    fn display_info() -> Result {
        let bytes = display_info_bytes();
        let (hdr, _) = CtrlHdr::from_bytes_copy_prefix(&bytes).ok_or(EINVAL)?;
        assert!(check_response(&hdr, 408, GetDisplayInfo::OK_TYPE, 408).is_ok());
        let resp =
            Wire::<uapi::virtio_gpu_resp_display_info>::from_bytes_copy(&bytes).ok_or(EINVAL)?;
        let info = GetDisplayInfo.output(&resp)?;
        let s = &info.scanouts;
        let first = Scanout {
            enabled: true,
            x: 0,
            y: 0,
            width: 1024,
            height: 768,
            flags: 0,
        };
        let second = Scanout {
            enabled: true,
            x: 1024,
            y: 16,
            width: 1280,
            height: 800,
            flags: 0x8000_0001,
        };
        let last = Scanout {
            enabled: false,
            x: 0x1234_5678,
            y: 0,
            width: 0xfffe,
            height: 1,
            flags: 0,
        };
        let off = Scanout::default();
        assert_eq!(s[0], first);
        assert_eq!(s[1], second);
        for one in &s[2..15] {
            assert_eq!(*one, off);
        }
        assert_eq!(s[15], last);
        Ok(())
    }

    /// A display-information answer cut short is malformed; an error answer to
    /// `GET_DISPLAY_INFO` is a bare header.
    #[test]
    fn display_info_short() -> Result {
        let bytes = display_info_bytes();
        let (hdr, _) = CtrlHdr::from_bytes_copy_prefix(&bytes).ok_or(EINVAL)?;
        assert!(matches!(
            check_response(&hdr, 407, GetDisplayInfo::OK_TYPE, 408),
            Err(ResponseError::Malformed)
        ));
        assert!(matches!(
            check_response(&hdr, 24, GetDisplayInfo::OK_TYPE, 408),
            Err(ResponseError::Malformed)
        ));
        let err = header(0x05, 0x12);
        assert!(matches!(
            check_response(&err, 24, GetDisplayInfo::OK_TYPE, 408),
            Err(ResponseError::Device(DeviceError::InvalidParameter))
        ));
        Ok(())
    }

    /// The first 16 bytes of an EDID block (the fixed header, a manufacturer and a product
    /// code), and its last byte, as the device may send them. The driver does not parse the
    /// blob (the DRM core does): it must hand it on unchanged.
    const EDID_START: [u8; 16] = [
        0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, // header
        0x49, 0x14, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, // manufacturer, product, serial
    ];

    /// `RESP_OK_EDID` (1056 bytes): the header, le32 size at 24, le32 padding, 1024 bytes of
    /// EDID at 32. `size` is the size field's four bytes.
    fn edid_bytes(size: [u8; 4]) -> Result<KVec<u8>> {
        let mut b = KVec::from_elem(0u8, 1056, GFP_KERNEL)?;
        put(&mut b, 0, &[0x04, 0x11, 0x00, 0x00]); // type: RESP_OK_EDID
        put(&mut b, 24, &size);
        put(&mut b, 32, &EDID_START);
        put(&mut b, 32 + 127, &[0x5a]); // the first block's checksum byte
        put(&mut b, 32 + 128, &[0x02, 0x03]); // a CTA extension's first bytes
        put(&mut b, 32 + 1023, &[0xee]); // the buffer's last byte
        Ok(b)
    }

    /// Decodes an EDID answer whose size field is `size`.
    fn edid(size: [u8; 4]) -> Result<Edid> {
        let bytes = edid_bytes(size)?;
        let (hdr, _) = CtrlHdr::from_bytes_copy_prefix(&bytes).ok_or(EINVAL)?;
        check_response(&hdr, bytes.len(), GetEdid::OK_TYPE, 1056).map_err(|_| EBADMSG)?;
        let resp = Wire::<uapi::virtio_gpu_resp_edid>::from_bytes_copy(&bytes).ok_or(EINVAL)?;
        GetEdid { scanout: 0 }.output(&resp)
    }

    /// One EDID block: 128 bytes, handed on as the device sent them.
    #[test]
    fn edid_one_block() -> Result {
        let e = edid([0x80, 0x00, 0x00, 0x00])?; // size: 128
        assert_eq!(e.len, 128);
        assert!(e.data[..16] == EDID_START);
        assert_eq!(e.data[127], 0x5a);
        Ok(())
    }

    /// Two blocks (256 bytes: a byte-swapped read would see 65536) and the largest size.
    #[test]
    fn edid_sizes() -> Result {
        let two = edid([0x00, 0x01, 0x00, 0x00])?; // size: 256
        assert_eq!(two.len, 256);
        assert!(two.data[..16] == EDID_START);
        assert_eq!(two.data[128], 0x02);
        assert_eq!(two.data[129], 0x03);
        let full = edid([0x00, 0x04, 0x00, 0x00])?; // size: 1024
        assert_eq!(full.len, 1024);
        assert_eq!(full.data[1023], 0xee);
        Ok(())
    }

    /// Sizes that are not whole blocks, none, or more than the buffer: `EPROTO`.
    #[test]
    fn edid_bad_sizes() {
        for size in [
            [0x00, 0x00, 0x00, 0x00], // 0
            [0x64, 0x00, 0x00, 0x00], // 100
            [0x81, 0x00, 0x00, 0x00], // 129
            [0x80, 0x04, 0x00, 0x00], // 1152: whole blocks, more than 1024
            [0x00, 0x00, 0x00, 0x80], // 0x80000000
        ] {
            assert!(matches!(edid(size), Err(e) if e == EPROTO));
        }
    }
}

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
