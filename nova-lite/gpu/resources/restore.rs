// SPDX-License-Identifier: GPL-2.0

//! Re-creating the host's resources and scanouts after a reset of the device.

use kernel::{
    prelude::*,
    sync::{
        atomic::Relaxed,
        Arc, //
    },
};

use super::{
    super::{
        cmdq::{
            Fence,
            CONTROL_QUEUE, //
        },
        protocol::{
            self,
            MemEntry,
            Rect, //
        },
        Queues,
    },
    Resources,
};

/// A copy of a [`Record`](super::Record) for the restore, which sends its commands without the
/// table's lock.
struct Restore {
    id: u32,
    create: protocol::ResourceCreate2d,
    entries: KVec<MemEntry>,
    fence: Arc<Fence>,
}

impl Resources {
    /// Re-creates the resources and the scanouts after a reset of the device, which destroyed
    /// them: each resource with its backing and the pixels of its last transfer, then what each
    /// scanout showed. The device is being restored: only the core's commands are sent. The
    /// table is copied, then the commands are sent without its lock (other commands wait for the
    /// restore). A resource or a scanout the device refuses (the host's memory for resources
    /// is used up, for example: a resource it refused before the reset is recorded too) is
    /// skipped, and the refusal is the resource's first error unless it has one (commands on it
    /// fail, and a WAIT reports it); the restore stops at the first command the device does
    /// not answer (a device that stalls again is reset again once it has stalled for as long)
    /// or once the core is being unbound. Returns how many commands the device refused.
    pub(crate) fn restore(&self, queues: &Queues) -> Result<usize> {
        let cmdq = queues.handler();
        let q = queues.queue(CONTROL_QUEUE).ok_or(ENODEV)?;
        let mut todo = KVec::new();
        let mut shown = KVec::new();
        {
            let table = self.table.lock();
            // Creations recorded before this copy and posted after it are not posted: the
            // restore makes them.
            self.restores.fetch_add(1, Relaxed);
            for (&id, r) in table.records.iter() {
                let mut entries = KVec::with_capacity(r.entries.len(), GFP_KERNEL)?;
                entries.extend_from_slice(&r.entries, GFP_KERNEL)?;
                let create = protocol::ResourceCreate2d {
                    resource_id: id,
                    format: r.format,
                    width: r.width,
                    height: r.height,
                };
                todo.push(
                    Restore {
                        id,
                        create,
                        entries,
                        fence: r.fence.clone(),
                    },
                    GFP_KERNEL,
                )?;
            }
            // The reset hid the cursors, and the restore does not show them again (debugfs).
            for cursor in &self.cursors {
                cursor.store(0, Relaxed);
            }
            for (scanout, &(id, rect)) in (0u32..).zip(table.scanouts.iter()) {
                if id != 0 && table.records.get(&id).is_some() {
                    shown.push((scanout, id, rect), GFP_KERNEL)?;
                }
            }
        }
        let mut refused = 0;
        // A refusal of the device skips what depends on the command, and is the resource's error
        // (`fence`, if the command is a resource's); no answer ends the restore.
        let mut refusal = |result: Result, fence: Option<&Fence>| match result {
            Ok(()) => Ok(true),
            Err(e) if e == ETIMEDOUT || e == ENODEV || e == ERESTARTSYS => Err(e),
            Err(e) => {
                refused += 1;
                if let Some(fence) = fence {
                    fence.record(e);
                }
                Ok(false)
            }
        };
        for r in todo {
            let (width, height) = (r.create.width, r.create.height);
            let fence = Some(&*r.fence);
            if !refusal(cmdq.send_restoring(q, &r.create, KVec::new()), fence)? {
                continue;
            }
            let entries = r.entries;
            let attach = protocol::AttachBacking {
                resource_id: r.id,
                nr_entries: u32::try_from(entries.len())?,
            };
            if !refusal(cmdq.send_restoring(q, &attach, entries), fence)? {
                continue;
            }
            let transfer = protocol::TransferToHost2d {
                resource_id: r.id,
                rect: Rect::new(0, 0, width, height),
                offset: 0,
            };
            refusal(cmdq.send_restoring(q, &transfer, KVec::new()), fence)?;
        }
        for (scanout, id, rect) in shown {
            let set = protocol::SetScanout {
                scanout_id: scanout,
                resource_id: id,
                rect,
            };
            if !refusal(cmdq.send_restoring(q, &set, KVec::new()), None)? {
                continue;
            }
            let flush = protocol::ResourceFlush {
                resource_id: id,
                rect,
            };
            refusal(cmdq.send_restoring(q, &flush, KVec::new()), None)?;
        }
        Ok(refused)
    }
}
