// SPDX-License-Identifier: GPL-2.0

//! The debugfs file `nova-lite/<virtio device>/objects`: the GEM objects of the DRM device bound
//! to the GPU, one line each, then their totals.
//!
//! An object is listed from its creation until it is released: once its last reference is gone
//! and, if it became a host resource, once the device has answered the resource's
//! `RESOURCE_UNREF` (until then the core keeps it, and it is shown `freed`). The list, the DRM
//! device's [`ObjectList`], holds no reference to the objects, and reading the file never takes
//! one: it cannot keep an object alive or be the one that frees it.
//!
//! One line per object, oldest first, of `name=value` fields:
//!
//! - `size`: bytes;
//! - `handles`: handles of DRM files that name it (`drm_gem_object.handle_count`, a snapshot);
//! - `resource`: the id of the host resource it became, `-` for none;
//! - `resource-pages`: the pages of it that the resource's image covers (0 without one), as
//!   `resource_pages` of `nova-lite/live` counts them;
//! - `pinned-pages`: the pages the shmem helper holds for it (all of them once it is mapped to
//!   userspace, by the kernel or for the device; they are unevictable until released);
//! - `pinned`: `yes` while its pages are pinned (`drm_gem_shmem_pin()`: the fbdev emulation's
//!   kernel mapping, a dma-buf importer);
//! - `shown`: where the host shows its resource, as last posted: `scanoutN`, `cursorN`
//!   (comma-separated), `-` for nowhere;
//! - `state`: `live`, or `freed` once its last reference is gone (its pages wait for the device).
//!
//! Only the first [`MAX_LINES`] objects get a line (then `... N more`): the whole file is formatted
//! again into a buffer twice as large each time it does not fit, under the list's lock. Then one
//! line of totals, of every object, for the tests' leak checks:
//!
//! `total: objects N bytes B handles H resources R pinned-pages P resource-pages Q freed F`
//!
//! The DRM driver creates the file when it binds and removes it when it is unbound: objects that
//! outlive their DRM device are counted by `nova-lite/live` only.

use core::fmt;

use kernel::{
    debugfs,
    prelude::*,
    sync::aref::ARef, //
};

use super::{
    gem::ObjectList,
    NovaLiteDevice, //
};
use crate::gpu::Shown;

/// The most objects the file shows a line of: with the buffer of the file's last try, about
/// 128 KiB.
const MAX_LINES: u64 = 1024;

/// The data of the `objects` file.
pub(crate) struct ObjectsFile {
    /// The DRM device, whose data holds its objects' list; kept until the file is removed.
    drm: ARef<NovaLiteDevice>,
    /// What the scanouts and cursors show.
    shown: Shown,
}

/// The sums of the `objects` file's last line.
#[derive(Default)]
struct Totals {
    objects: u64,
    bytes: u64,
    handles: u64,
    resources: u64,
    pinned_pages: u64,
    resource_pages: u64,
    freed: u64,
}

/// Creates the `objects` file of `drm` in `dir`, showing its objects and what `shown` says of
/// their resources. Debugfs is optional: `None` if it cannot.
pub(crate) fn file(
    dir: &debugfs::Dir,
    drm: ARef<NovaLiteDevice>,
    shown: Shown,
) -> Option<Pin<KBox<debugfs::File<ObjectsFile>>>> {
    KBox::pin_init(
        dir.read_callback_file(
            c"objects",
            ObjectsFile { drm, shown },
            &|file: &ObjectsFile, f| file.show(f),
        ),
        GFP_KERNEL,
    )
    .ok()
}

impl ObjectsFile {
    /// The device's list of objects.
    fn list(&self) -> &ObjectList {
        &self.drm.objects
    }

    /// Writes the file: a line per object, then the totals.
    ///
    /// What the scanouts show is read first, under the resource table's lock; the objects are
    /// read under the DRM device's LRU lock, with no other lock taken under it (an object's
    /// release takes that lock: it waits for the walk).
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.shown.now();
        let mut t = Totals::default();
        self.list().walk(|obj| {
            let size = obj.size();
            let handles = obj.handle_count();
            let pinned_pages = obj.resident_pages();
            let res = obj.data().resource().map(|r| r.res);
            let live = obj.is_referenced();
            t.objects += 1;
            t.bytes += size as u64;
            t.handles += u64::from(handles);
            t.pinned_pages += pinned_pages as u64;
            if let Some(r) = res {
                t.resources += 1;
                t.resource_pages += r.pages() as u64;
            }
            if !live {
                t.freed += 1;
            }
            if t.objects > MAX_LINES {
                return Ok(());
            }
            write!(f, "size={size} handles={handles} ")?;
            match res {
                Some(r) => write!(f, "resource={} resource-pages={} ", r.id, r.pages())?,
                None => write!(f, "resource=- resource-pages=0 ")?,
            }
            let pinned = if obj.is_pinned() { "yes" } else { "no" };
            write!(f, "pinned-pages={pinned_pages} pinned={pinned} shown=")?;
            let mut places = 0;
            if let Some(r) = res {
                let on = [("scanout", &shown.scanouts), ("cursor", &shown.cursors)];
                for (what, ids) in on {
                    for (i, _) in ids.iter().enumerate().filter(|(_, id)| **id == r.id) {
                        let sep = if places == 0 { "" } else { "," };
                        write!(f, "{sep}{what}{i}")?;
                        places += 1;
                    }
                }
            }
            if places == 0 {
                write!(f, "-")?;
            }
            writeln!(f, " state={}", if live { "live" } else { "freed" })
        })?;
        if t.objects > MAX_LINES {
            writeln!(f, "... {} more", t.objects - MAX_LINES)?;
        }
        writeln!(
            f,
            "total: objects {} bytes {} handles {} resources {} \
             pinned-pages {} resource-pages {} freed {}",
            t.objects, t.bytes, t.handles, t.resources, t.pinned_pages, t.resource_pages, t.freed
        )
    }
}
