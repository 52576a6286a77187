// SPDX-License-Identifier: GPL-2.0

//! The formats, strides, offsets and rectangles of resources (`DRM_NOVA_LITE_KUNIT_TEST`), as
//! `uapi/drm/nova_lite_drm.h` documents them.

use kernel::prelude::*;

#[kunit_tests(nova_lite_resource_checks)]
mod cases {
    use super::super::*;

    /// A resource of `width` x `height` in `B8G8R8X8_UNORM` (2).
    fn resource(width: u32, height: u32) -> Resource {
        Resource {
            id: 1,
            width,
            height,
            format: 2,
        }
    }

    /// The eight 32-bit formats of the 2D protocol, by their DRM fourcc codes (written as the
    /// four characters' bytes, least significant first), and the virtio-gpu format that names
    /// the same bytes in memory (virtio 1.2, 5.7.6.8: B8G8R8A8 = 1, B8G8R8X8 = 2, A8R8G8B8 = 3,
    /// X8R8G8B8 = 4, R8G8B8A8 = 67, X8B8G8R8 = 68, A8B8G8R8 = 121, R8G8B8X8 = 134).
    #[test]
    fn formats() {
        let table: [(u32, u32); 8] = [
            (0x3432_5258, 2),   // 'XR24', x:R:G:B: bytes B, G, R, x
            (0x3432_5241, 1),   // 'AR24', A:R:G:B: bytes B, G, R, A
            (0x3432_4258, 134), // 'XB24', x:B:G:R: bytes R, G, B, x
            (0x3432_4241, 67),  // 'AB24', A:B:G:R: bytes R, G, B, A
            (0x3432_5852, 68),  // 'RX24', R:G:B:x: bytes x, B, G, R
            (0x3432_4152, 121), // 'RA24', R:G:B:A: bytes A, B, G, R
            (0x3432_5842, 4),   // 'BX24', B:G:R:x: bytes x, R, G, B
            (0x3432_4142, 3),   // 'BA24', B:G:R:A: bytes A, R, G, B
        ];
        for (fourcc, want) in table {
            assert!(matches!(virtio_format(fourcc), Ok(f) if f == want));
        }
    }

    /// Other layouts, and the big-endian flag (bit 31), are refused.
    #[test]
    fn other_formats() {
        for fourcc in [
            0x3631_4752, // 'RG16', RGB565
            0x3033_5258, // 'XR30', XRGB2101010
            0xb432_5258, // 'XR24' | DRM_FORMAT_BIG_ENDIAN
            0,
        ] {
            assert!(matches!(virtio_format(fourcc), Err(e) if e == EINVAL));
        }
    }

    /// Four bytes a pixel, rows without padding; pixel (x, y) at y * stride + x * 4.
    #[test]
    fn stride_and_offset() {
        let r = resource(1024, 768);
        assert_eq!(r.stride(), 4096);
        assert_eq!(r.offset(0, 0), 0);
        assert_eq!(r.offset(3, 2), 2 * 4096 + 12);
        // The largest resource: its last pixel is past 2^30, its stride 64 KiB.
        let big = resource(16384, 16384);
        assert_eq!(big.stride(), 65536);
        assert_eq!(big.offset(16383, 16383), 0x3fff_fffc);
    }

    /// The pages an image covers, rounded up.
    #[test]
    fn pages() {
        let row = u32::try_from(page::PAGE_SIZE / 4).unwrap_or(0);
        assert_eq!(resource(row, 1).pages(), 1);
        assert_eq!(resource(row + 1, 1).pages(), 2);
        assert_eq!(resource(row, 3).pages(), 3);
        assert_eq!(resource(1, 1).pages(), 1);
    }

    /// A rectangle is valid if it is not empty and lies inside the resource.
    #[test]
    fn rects_inside() {
        let r = resource(64, 32);
        assert!(matches!(r.rect([0, 0, 64, 32]), Ok(x) if x == Rect::new(0, 0, 64, 32)));
        assert!(matches!(r.rect([63, 31, 1, 1]), Ok(x) if x == Rect::new(63, 31, 1, 1)));
        assert!(matches!(r.rect([10, 5, 20, 7]), Ok(x) if x == Rect::new(10, 5, 20, 7)));
    }

    /// Empty, past an edge, or wrapping around 2^32: `EINVAL`.
    #[test]
    fn rects_outside() {
        let r = resource(64, 32);
        for bad in [
            [0, 0, 0, 1],
            [0, 0, 1, 0],
            [1, 0, 64, 1],
            [0, 1, 1, 32],
            [64, 0, 1, 1],
            [0, 32, 1, 1],
            [u32::MAX, 0, 2, 1],
            [1, 0, u32::MAX, 1],
            [0, u32::MAX, 1, 2],
        ] {
            assert!(matches!(r.rect(bad), Err(e) if e == EINVAL));
        }
    }

    /// `RESOURCE_CREATE`'s checks: a 2D format, 1 to 16384 pixels each way, an object that
    /// holds stride * height bytes.
    #[test]
    fn resource_arguments() {
        let ok = |f, w, h, size| Resource::checked(f, w, h, size).is_ok();
        assert!(ok(2, 1024, 768, 1024 * 768 * 4));
        assert!(ok(134, 1, 1, 4));
        assert!(ok(2, 16384, 1, 65536));
        assert!(ok(2, 1, 16384, 65536));
        // One byte short.
        assert!(!ok(2, 1024, 768, 1024 * 768 * 4 - 1));
        // Sizes.
        assert!(!ok(2, 0, 1, 4096));
        assert!(!ok(2, 1, 0, 4096));
        assert!(!ok(2, 16385, 1, 1 << 20));
        assert!(!ok(2, 1, 16385, 1 << 20));
        // Not a 2D format of the protocol (a DRM code, or 0).
        assert!(!ok(0x3432_5258, 1, 1, 4096));
        assert!(!ok(0, 1, 1, 4096));
    }
}
