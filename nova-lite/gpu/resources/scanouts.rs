// SPDX-License-Identifier: GPL-2.0

//! What the scanouts show: changed by `SET_SCANOUT` commands posted for KMS's scanout updates
//! ([`crate::gpu::scanout`]), and recorded in the table under its lock, so that a reset's restore
//! shows what was posted last. The cursors' images are recorded too, for debugfs only ([`Shown`]).

use kernel::sync::{
    atomic::Relaxed,
    Arc, //
};

use super::{
    super::{
        cmdq::{
            Prepared,
            CONTROL_QUEUE, //
        },
        protocol::{
            Rect,
            MAX_SCANOUTS, //
        },
        Queues, //
    },
    Resources,
};

impl Resources {
    /// Posts `cmds` in order without waiting ([`ControlQueue::post_or_park_all`]) and, if
    /// `shown` is given, records that scanout `index` shows it, under the table's lock: the
    /// device sees the scanouts change in the order the table does.
    ///
    /// [`ControlQueue::post_or_park_all`]: super::super::cmdq::ControlQueue::post_or_park_all
    pub(in crate::gpu) fn post_scanout<const N: usize>(
        &self,
        queues: &Queues,
        index: usize,
        shown: Option<(u32, Rect)>,
        cmds: [Option<Prepared>; N],
    ) {
        let Some(control) = queues.queue(CONTROL_QUEUE) else {
            return;
        };
        let mut table = self.table.lock();
        queues.handler().post_or_park_all(control, cmds);
        if let (Some(shown), Some(scanout)) = (shown, table.scanouts.get_mut(index)) {
            *scanout = shown;
        }
    }

    /// Records that the cursor of scanout `index` shows resource `id` (0: none), as posted last.
    pub(in crate::gpu) fn cursor_shown(&self, index: usize, id: u32) {
        if let Some(cursor) = self.cursors.get(index) {
            cursor.store(id, Relaxed);
        }
    }
}

/// What the scanouts and their cursors show, for debugfs (the DRM driver's `objects` file): it
/// keeps the resource table, not the [`Gpu`](crate::gpu::Gpu), so it may outlive the core's
/// binding (it then reads what was shown last).
pub(crate) struct Shown(Arc<Resources>);

/// A snapshot of [`Shown`]: the resource id each scanout shows, and each cursor (0 for none).
pub(crate) struct ShownNow {
    /// By scanout index.
    pub(crate) scanouts: [u32; MAX_SCANOUTS],
    /// By scanout index.
    pub(crate) cursors: [u32; MAX_SCANOUTS],
}

impl Shown {
    /// What `resources` show.
    pub(in crate::gpu) fn new(resources: Arc<Resources>) -> Self {
        Self(resources)
    }

    /// Reads what is shown now; takes the table's lock, briefly.
    pub(crate) fn now(&self) -> ShownNow {
        let scanouts = self.0.table.lock().scanouts.map(|(id, _)| id);
        let cursors = self.0.cursors.each_ref().map(|c| c.load(Relaxed));
        ShownNow { scanouts, cursors }
    }
}
