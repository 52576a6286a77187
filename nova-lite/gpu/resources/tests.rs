// SPDX-License-Identifier: GPL-2.0

//! The resource-id pool and the backing entries (`DRM_NOVA_LITE_KUNIT_TEST`).

use kernel::prelude::*;

#[kunit_tests(nova_lite_resources)]
mod cases {
    use kernel::transmute::AsBytes;

    use super::super::*;

    /// Id 0 is never handed out: the first id is 1, then each next one, lowest first.
    #[test]
    fn ids_start_at_one() -> Result {
        let mut ids = new_id_pool()?;
        let max = ids.capacity();
        assert_eq!(take_id(&mut ids, max)?, 1);
        assert_eq!(take_id(&mut ids, max)?, 2);
        assert_eq!(take_id(&mut ids, max)?, 3);
        Ok(())
    }

    /// A released id is handed out again, the lowest free one first.
    #[test]
    fn released_ids_come_back() -> Result {
        let mut ids = new_id_pool()?;
        let max = ids.capacity();
        for want in 1..=5 {
            assert_eq!(take_id(&mut ids, max)?, want);
        }
        ids.release_id(4);
        ids.release_id(2);
        assert_eq!(take_id(&mut ids, max)?, 2);
        assert_eq!(take_id(&mut ids, max)?, 4);
        assert_eq!(take_id(&mut ids, max)?, 6);
        Ok(())
    }

    /// The pool grows past its first capacity, up to `max` ids: every id below `max` but 0 is
    /// handed out once, then `ENOSPC`, until one is released.
    #[test]
    fn pool_grows_to_its_limit() -> Result {
        let mut ids = new_id_pool()?;
        let first = ids.capacity();
        let max = 2 * first;
        for want in 1..max {
            assert_eq!(take_id(&mut ids, max)?, u32::try_from(want)?);
        }
        assert_eq!(ids.capacity(), max);
        assert!(matches!(take_id(&mut ids, max), Err(e) if e == ENOSPC));
        ids.release_id(first);
        assert_eq!(take_id(&mut ids, max)?, u32::try_from(first)?);
        assert!(matches!(take_id(&mut ids, max), Err(e) if e == ENOSPC));
        Ok(())
    }

    /// The driver's pool: the table of a device starts with id 1, and an id the device has
    /// destroyed is taken again. (A fresh table holds no resource on the host: the module's
    /// live counts do not move.)
    #[test]
    fn table_ids() -> Result {
        let resources = Arc::pin_init(Resources::new()?, GFP_KERNEL)?;
        assert_eq!(resources.alloc_id()?, 1);
        assert_eq!(resources.alloc_id()?, 2);
        resources.destroyed(1);
        assert_eq!(resources.alloc_id()?, 1);
        assert_eq!(resources.alloc_id()?, 3);
        Ok(())
    }

    /// Contiguous pages are one entry: three pages of 4 KiB at 0x1_2345_6000, one entry of
    /// 0x3000 bytes (le64 addr, le32 length, le32 padding).
    #[test]
    fn contiguous_pages_are_one_entry() -> Result {
        let entries = backing_runs([
            (0x1_2345_6000, 0x1000),
            (0x1_2345_7000, 0x1000),
            (0x1_2345_8000, 0x1000),
        ])?;
        const WANT: [u8; 16] = [
            0x00, 0x60, 0x45, 0x23, 0x01, 0x00, 0x00, 0x00, // addr: 0x1_2345_6000
            0x00, 0x30, 0x00, 0x00, // length: 0x3000
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        assert!(entries.as_slice().as_bytes() == WANT);
        Ok(())
    }

    /// A gap starts a new entry; so does a range that comes before the run (runs only grow at
    /// their end).
    #[test]
    fn gaps_split_entries() -> Result {
        let entries = backing_runs([
            (0x10_0000, 0x2000),
            (0x10_3000, 0x1000),
            (0x10_2000, 0x1000),
        ])?;
        const WANT: [u8; 48] = [
            0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, // addr: 0x10_0000
            0x00, 0x20, 0x00, 0x00, // length: 0x2000
            0x00, 0x00, 0x00, 0x00, // padding
            0x00, 0x30, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, // addr: 0x10_3000
            0x00, 0x10, 0x00, 0x00, // length: 0x1000
            0x00, 0x00, 0x00, 0x00, // padding
            0x00, 0x20, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, // addr: 0x10_2000
            0x00, 0x10, 0x00, 0x00, // length: 0x1000
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        assert!(entries.as_slice().as_bytes() == WANT);
        Ok(())
    }

    /// An entry's length is 32 bits: a run stops short of 4 GiB, the next range starts another.
    #[test]
    fn runs_stop_below_4_gib() -> Result {
        // 0xffff_e000 + 0x1000 = 0xffff_f000 fits; 0xffff_f000 + 0x1000 = 2^32 does not.
        let fits = backing_runs([(0, 0xffff_e000), (0xffff_e000, 0x1000)])?;
        assert_eq!(fits.len(), 1);
        let split = backing_runs([(0, 0xffff_f000), (0xffff_f000, 0x1000)])?;
        const WANT: [u8; 32] = [
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // addr: 0
            0x00, 0xf0, 0xff, 0xff, // length: 0xffff_f000
            0x00, 0x00, 0x00, 0x00, // padding
            0x00, 0xf0, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, // addr: 0xffff_f000
            0x00, 0x10, 0x00, 0x00, // length: 0x1000
            0x00, 0x00, 0x00, 0x00, // padding
        ];
        assert!(split.as_slice().as_bytes() == WANT);
        Ok(())
    }

    /// No memory, no entry (`Gpu::create_resource` refuses it).
    #[test]
    fn no_ranges_no_entries() -> Result {
        assert!(backing_runs([])?.is_empty());
        Ok(())
    }
}
