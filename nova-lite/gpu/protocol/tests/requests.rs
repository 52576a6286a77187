// SPDX-License-Identifier: GPL-2.0

//! The requests of the control queue (virtio 1.2, 5.7.6.7 and 5.7.6.8) and of the cursor queue
//! (5.7.6.10), as the device reads them.

use kernel::prelude::*;

#[kunit_tests(nova_lite_requests)]
mod cases {
    use kernel::transmute::AsBytes;

    use super::super::{
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
