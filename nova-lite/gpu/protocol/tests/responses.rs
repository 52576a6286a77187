// SPDX-License-Identifier: GPL-2.0

//! The responses the driver reads (virtio 1.2, 5.7.6.7 and 5.7.6.8): their types, the checks of
//! their header and size, and what the driver takes from them.

use kernel::prelude::*;

#[kunit_tests(nova_lite_responses)]
mod cases {
    use kernel::{
        prelude::*,
        transmute::FromBytes,
        uapi, //
    };

    use super::super::{
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
