// SPDX-License-Identifier: GPL-2.0

//! What the scanouts show: changed by `SET_SCANOUT` commands posted for KMS's scanout updates
//! ([`crate::gpu::scanout`]), and recorded in the table under its lock, so that a reset's restore
//! shows what was posted last.

use super::{
    super::{
        cmdq::{
            Prepared,
            CONTROL_QUEUE, //
        },
        protocol::Rect,
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
}
