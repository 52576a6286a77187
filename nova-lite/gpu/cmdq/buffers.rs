// SPDX-License-Identifier: GPL-2.0

//! The buffers of one command: its request, its payload and room for its response, in one
//! allocation of the kernel's linear mapping, which the virtio core maps for the device.

use kernel::{
    alloc::Flags,
    prelude::*,
    sync::Arc,
    transmute::{
        AsBytes,
        FromBytes, //
    },
    virtio::virtqueue::{
        Buffers,
        Request, //
    },
};

use crate::gpu::protocol::{
    CtrlHdr,
    MemEntry,
    MAX_REQUEST_SIZE,
    MAX_RESPONSE_SIZE, //
};

use super::fence::Fence;

/// The response buffer's size: the largest response, rounded up to whole cache lines (of up to
/// 128 bytes) so that no other data shares a cache line with what the device writes.
const RESPONSE_BUFFER_SIZE: usize = MAX_RESPONSE_SIZE.next_multiple_of(128);

/// The buffers of one command, which the control queue owns while the device holds them.
#[repr(C, align(128))]
pub(crate) struct CmdBuffers {
    /// Written by the device; first, on cache lines of its own.
    response: [u8; RESPONSE_BUFFER_SIZE],
    request: [u8; MAX_REQUEST_SIZE],
    request_len: usize,
    /// Read by the device after the request, if not empty.
    payload: KVec<MemEntry>,
    /// The slot of a command whose submitter waits for it (or of a display refresh); unused for
    /// a posted one.
    pub(super) slot: usize,
    /// What the completion of a posted command does; `None` for one that uses a slot.
    pub(super) posted: Option<Posted>,
    /// The sequence number the queue gave the command.
    pub(super) seq: u64,
    /// The next command of a list of the queue (the backlog, the commands to retire).
    pub(super) next: Option<Pin<KBox<CmdBuffers>>>,
}

/// What the completion of a posted command does.
pub(crate) struct Posted {
    /// The response type of a success (the response is a bare header).
    pub(super) ok_type: u32,
    /// The command's name, for logs.
    pub(super) name: &'static str,
    /// Where an error answer is recorded.
    pub(super) fence: Option<Arc<Fence>>,
    /// Dropped once the device has completed this command and every command posted before it
    /// (or has been reset): memory the device reads while it executes the command, such as a
    /// resource's backing that `RESOURCE_UNREF` detaches.
    pub(super) keep: Option<KBox<dyn Send>>,
}

impl CmdBuffers {
    /// The buffers of a command with `request` and `payload`, in a new allocation.
    pub(super) fn new<R: AsBytes>(
        request: &R,
        payload: KVec<MemEntry>,
        flags: Flags,
    ) -> Result<Pin<KBox<Self>>> {
        let bytes = request.as_bytes();
        let mut this = KBox::new(
            Self {
                response: [0; RESPONSE_BUFFER_SIZE],
                request: [0; MAX_REQUEST_SIZE],
                request_len: bytes.len(),
                payload,
                slot: 0,
                posted: None,
                seq: 0,
                next: None,
            },
            flags,
        )?;
        this.request
            .get_mut(..bytes.len())
            .ok_or(EINVAL)?
            .copy_from_slice(bytes);
        Ok(this.into())
    }

    /// The number of descriptors the command takes in the ring without indirect descriptors.
    pub(super) fn descriptors(&self) -> u32 {
        if self.payload.is_empty() {
            2
        } else {
            3
        }
    }

    /// Reads the response as a header and as an `R`.
    pub(super) fn response<R: FromBytes>(&self) -> Result<(CtrlHdr, R)> {
        let hdr = CtrlHdr::from_bytes_copy_prefix(&self.response)
            .ok_or(EPROTO)?
            .0;
        let resp = R::from_bytes_copy_prefix(&self.response).ok_or(EPROTO)?.0;
        Ok((hdr, resp))
    }
}

impl Request for CmdBuffers {
    fn buffers<'a>(self: Pin<&'a mut Self>, buffers: &mut Buffers<'a>) -> Result {
        let this = self.get_mut();
        buffers.readable(this.request.get(..this.request_len).ok_or(EINVAL)?)?;
        if !this.payload.is_empty() {
            buffers.readable(this.payload.as_slice().as_bytes())?;
        }
        buffers.writable(&mut this.response)
    }
}

/// A list of commands linked through [`CmdBuffers::next`], most recently pushed first.
#[derive(Default)]
pub(super) struct List {
    head: Option<Pin<KBox<CmdBuffers>>>,
}

impl List {
    /// Pushes `b`.
    pub(super) fn push(&mut self, mut b: Pin<KBox<CmdBuffers>>) {
        b.next = self.head.take();
        self.head = Some(b);
    }

    /// Pops the most recently pushed command.
    pub(super) fn pop(&mut self) -> Option<Pin<KBox<CmdBuffers>>> {
        let mut b = self.head.take()?;
        self.head = b.next.take();
        Some(b)
    }

    /// Whether the list is empty.
    pub(super) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// The list in the opposite order (pushed first comes first).
    pub(super) fn reversed(mut self) -> Self {
        let mut out = Self::default();
        while let Some(b) = self.pop() {
            out.push(b);
        }
        out
    }

    /// Takes the whole list, leaving this one empty.
    pub(super) fn take(&mut self) -> Self {
        Self {
            head: self.head.take(),
        }
    }
}

/// A first-in, first-out list of commands: two stacks, so that each command moves once.
#[derive(Default)]
pub(super) struct Fifo {
    /// Pushed most recently first.
    inbox: List,
    /// Pushed first first.
    outbox: List,
}

impl Fifo {
    /// Appends `b`.
    pub(super) fn push_back(&mut self, b: Pin<KBox<CmdBuffers>>) {
        self.inbox.push(b);
    }

    /// Puts `b` back in front (it was just taken with [`Self::pop_front`]).
    pub(super) fn push_front(&mut self, b: Pin<KBox<CmdBuffers>>) {
        self.outbox.push(b);
    }

    /// Takes the first command.
    pub(super) fn pop_front(&mut self) -> Option<Pin<KBox<CmdBuffers>>> {
        if self.outbox.is_empty() {
            self.outbox = self.inbox.take().reversed();
        }
        self.outbox.pop()
    }

    /// Whether the list is empty.
    pub(super) fn is_empty(&self) -> bool {
        self.inbox.is_empty() && self.outbox.is_empty()
    }

    /// Takes the whole list, leaving this one empty.
    pub(super) fn take(&mut self) -> Self {
        Self {
            inbox: self.inbox.take(),
            outbox: self.outbox.take(),
        }
    }
}

impl Drop for List {
    fn drop(&mut self) {
        // One command at a time: a recursive drop of a long list would overflow the stack.
        while self.pop().is_some() {}
    }
}
