// SPDX-License-Identifier: GPL-2.0

//! What the scanouts show: changed by `SET_SCANOUT`, waited for (the `SET_SCANOUT` ioctl) or
//! posted (KMS's scanout updates, [`crate::gpu::scanout`]), and recorded in the table under its
//! lock, so that a reset's restore shows what was posted last.

use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::{
    super::{
        cmdq::{
            Fence,
            Prepared,
            COMMAND_TIMEOUT,
            CONTROL_QUEUE, //
        },
        protocol::{
            self,
            Rect,
            MAX_SCANOUTS, //
        },
        Gpu,
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

impl Gpu<'_> {
    /// Shows `rect` of resource `id` (whose fence is `fence`) on scanout `scanout`, or disables
    /// the scanout if `id` is 0: posts `SET_SCANOUT` and waits for the answer, after the
    /// commands posted before, without holding a lock. Errors: `EINVAL` if `scanout` is not
    /// below [`Gpu::num_scanouts`]; the first error of `fence`; those of
    /// [`ControlQueue::wait_room`] and of [`Gpu::wait`] with [`COMMAND_TIMEOUT`] (a
    /// refusal of the device among them).
    ///
    /// [`ControlQueue::wait_room`]: super::super::cmdq::ControlQueue::wait_room
    pub(crate) fn set_scanout(
        &self,
        scanout: u32,
        id: u32,
        fence: Option<&Arc<Fence>>,
        rect: Rect,
    ) -> Result {
        let index = usize::try_from(scanout)?;
        if scanout >= self.num_scanouts || index >= MAX_SCANOUTS {
            return Err(EINVAL);
        }
        if let Some(fence) = fence {
            fence.error()?;
        }
        // The answer is the caller's: the command's own fence, not the resource's.
        let answer = Arc::new(Fence::new(), GFP_KERNEL)?;
        let set = Prepared::new(
            &protocol::SetScanout {
                scanout_id: scanout,
                resource_id: id,
                rect,
            },
            KVec::new(),
            Some(answer.clone()),
        )?;
        let cmdq = self.queues.handler();
        let control = self.control()?;
        let room = cmdq.wait_room(control, &[&set]);
        self.check_stall(control, &room);
        room?;
        // Posted under the table's lock without waiting: the device sees the scanouts change in
        // the order the table does.
        let before = {
            let mut table = self.resources.table.lock();
            cmdq.post_or_park(control, set);
            core::mem::replace(&mut table.scanouts[index], (id, rect))
        };
        let mut timeout = COMMAND_TIMEOUT;
        let result = self.wait(&answer, Some(&mut timeout));
        if matches!(result, Err(e) if e != ETIMEDOUT && e != ERESTARTSYS && e != ENODEV) {
            // The device refused: it shows what it showed, unless the scanout changed since (or
            // what it showed is destroyed: then nothing is known to be shown).
            let mut table = self.resources.table.lock();
            if table.scanouts[index] == (id, rect) {
                let known = before.0 == 0 || table.records.get(&before.0).is_some();
                table.scanouts[index] = if known { before } else { (0, Rect::default()) };
            }
        }
        result
    }
}
