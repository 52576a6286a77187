// SPDX-License-Identifier: GPL-2.0

//! Destroying a resource: what it takes is allocated with the resource, so that destroying it
//! never waits, never fails and needs no [`Gpu`](super::Gpu) (the DRM device may be gone while
//! the core is still bound).

use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::{
    super::{
        cmdq::{
            Prepared,
            CONTROL_QUEUE, //
        },
        protocol,
        Queues,
        Rect, //
    },
    Resources,
};

/// What destroying a resource takes: its `RESOURCE_UNREF`, prepared, what its completion frees,
/// and the queues to post it on. Dropped without [`Teardown::destroy`], it does nothing: only
/// once the device is reset (the core unbound) may a resource be forgotten.
pub(crate) struct Teardown {
    id: u32,
    unref: Prepared,
    release: KBox<Release>,
    queues: Arc<Queues>,
}

impl Teardown {
    /// The teardown of resource `id`.
    pub(super) fn new(
        id: u32,
        unref: Prepared,
        release: KBox<Release>,
        queues: Arc<Queues>,
    ) -> Self {
        Self {
            id,
            unref,
            release,
            queues,
        }
    }

    /// Destroys the resource: forgets it (a reset from now on does not re-create it), disables
    /// the scanouts that show it and posts `RESOURCE_UNREF`, which also detaches its backing.
    /// Once the device has answered (and every command posted before), or has been reset, the id
    /// is freed and `keep` dropped: `keep` holds the backing's memory and mapping.
    ///
    /// One command, not `RESOURCE_DETACH_BACKING` then `RESOURCE_UNREF`: the device drops a
    /// resource's backing when it destroys the resource. A reset already under way may have
    /// re-created the resource: the command waits for the end of its restore.
    ///
    /// Never waits for the device and never fails: it may run where the last reference of an
    /// object is dropped (`munmap()`, process exit, a dma-buf importer, the completion path).
    /// Sleeps only for the table's mutex and to allocate a `SET_SCANOUT` per scanout that shows
    /// the resource (one that cannot be allocated is not sent: the device disables the scanouts
    /// of a resource it destroys). Once the core is unbound, the device is reset: nothing is
    /// sent, and `keep` is dropped at once.
    pub(crate) fn destroy(self, keep: Option<KBox<dyn Send>>) {
        let Self {
            id,
            mut unref,
            mut release,
            queues,
        } = self;
        release.arm(keep);
        let resources = release.resources.clone();
        let cmdq = queues.handler();
        let Some(control) = queues.queue(CONTROL_QUEUE) else {
            return;
        };
        {
            // The scanouts change under the table's lock, in the order the device sees them.
            let mut table = resources.table.lock();
            table.records.remove(&id);
            for (scanout, shown) in (0u32..).zip(table.scanouts.iter_mut()) {
                if shown.0 != id {
                    continue;
                }
                *shown = (0, Rect::default());
                let disable = protocol::SetScanout {
                    scanout_id: scanout,
                    resource_id: 0,
                    rect: Rect::default(),
                };
                match Prepared::new(&disable, KVec::new(), None) {
                    Ok(disable) => cmdq.post_or_park(control, disable),
                    Err(e) => {
                        dev_dbg!(cmdq.device(), "scanout {} not disabled: {:?}\n", scanout, e)
                    }
                }
            }
        }
        // Without the table's lock: once the device is reset the release runs at once, and takes
        // it.
        unref.keep(release);
        cmdq.post_or_park(control, unref);
    }
}

/// Frees a destroyed resource's id and what the caller kept with it, once the device has
/// answered its `RESOURCE_UNREF` (and every command before it), or has been reset.
pub(super) struct Release {
    resources: Arc<Resources>,
    id: u32,
    /// Set once `RESOURCE_UNREF` is posted: only then does dropping this free anything.
    armed: bool,
    /// The caller's: the memory of the resource's backing.
    keep: Option<KBox<dyn Send>>,
}

impl Release {
    /// The release of resource `id`, not armed.
    pub(super) fn new(resources: Arc<Resources>, id: u32) -> Self {
        Self {
            resources,
            id,
            armed: false,
            keep: None,
        }
    }

    /// Arms the release: dropping it frees the id and drops `keep`.
    fn arm(&mut self, keep: Option<KBox<dyn Send>>) {
        self.keep = keep;
        self.armed = true;
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // The backing first: the id may be reused as soon as it is free.
        drop(self.keep.take());
        self.resources.destroyed(self.id);
    }
}
