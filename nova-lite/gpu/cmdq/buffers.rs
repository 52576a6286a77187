// SPDX-License-Identifier: GPL-2.0

//! The buffers of one command: its request, its payload and room for its response, in the
//! kernel's linear mapping, which the virtio core maps for the device. A response of a bare
//! header (every resource command's) fits in the command's own allocation; a larger one (display
//! information, an EDID) gets an allocation of its own.

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

use super::{
    fence::Fence,
    panic::PanicSlot, //
};

/// The largest cache line a DMA buffer must not share (`ARCH_DMA_MINALIGN` is at most 128 on
/// the architectures with virtio-gpu): what the device writes is on cache lines of its own.
const DMA_LINE: usize = 128;

/// The size of the response buffer in the command's allocation: one whole cache line, first in
/// it.
const SMALL_RESPONSE_SIZE: usize = DMA_LINE;

/// The size of a response buffer of its own: the largest response, in whole cache lines.
const LARGE_RESPONSE_SIZE: usize = MAX_RESPONSE_SIZE.next_multiple_of(DMA_LINE);

/// A response buffer of its own, for responses larger than [`SMALL_RESPONSE_SIZE`].
#[derive(Zeroable)]
#[repr(align(128))]
struct LargeResponse([u8; LARGE_RESPONSE_SIZE]);

/// The buffers of one command, which the control queue owns while the device holds them.
#[repr(C, align(128))]
pub(crate) struct CmdBuffers {
    /// Written by the device (unless `large` is there); first, on a cache line of its own.
    response: [u8; SMALL_RESPONSE_SIZE],
    /// Written by the device instead of `response`, for a response that does not fit there.
    large: Option<KBox<LargeResponse>>,
    request: [u8; MAX_REQUEST_SIZE],
    request_len: usize,
    /// Whether the device writes a response: not for the cursor queue's commands.
    answered: bool,
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

// `align(128)` above cannot name the constant: both must be `DMA_LINE`.
const _: () =
    assert!(align_of::<LargeResponse>() == DMA_LINE && align_of::<CmdBuffers>() == DMA_LINE);

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
    /// Whether an error answer is logged (a warning, rate-limited), not only counted and
    /// recorded: for commands whose submitter cannot return the error ([`Prepared::log_refusals`]).
    ///
    /// [`Prepared::log_refusals`]: super::Prepared::log_refusals
    pub(super) log_refusal: bool,
    /// A panic screen's command: where it goes back in the reserve once the device returns it
    /// ([`super::panic`]).
    pub(super) reserve: Option<PanicSlot>,
}

impl CmdBuffers {
    /// The buffers of a command with `request` and `payload`, whose response takes at most
    /// `response_size` bytes (at most [`MAX_RESPONSE_SIZE`]; 0: the device writes none, as for
    /// the cursor queue's commands), in a new allocation.
    pub(super) fn new<R: AsBytes>(
        request: &R,
        response_size: usize,
        payload: KVec<MemEntry>,
        flags: Flags,
    ) -> Result<Pin<KBox<Self>>> {
        let bytes = request.as_bytes();
        let large = if response_size > SMALL_RESPONSE_SIZE {
            if response_size > MAX_RESPONSE_SIZE {
                return Err(EINVAL);
            }
            Some(KBox::init(pin_init::init_zeroed::<LargeResponse>(), flags)?)
        } else {
            None
        };
        let mut this = KBox::new(
            Self {
                response: [0; SMALL_RESPONSE_SIZE],
                large,
                request: [0; MAX_REQUEST_SIZE],
                request_len: bytes.len(),
                answered: response_size > 0,
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

    /// Replaces the request with `request`, which has the size of the current one, and whose
    /// response takes at most `response_size` bytes, which the response buffer holds: for a
    /// command prepared with a placeholder and filled in where nothing may be allocated. The
    /// command must not be offered to the device yet. Errors: `EINVAL` if the sizes do not fit.
    pub(super) fn set_request<R: AsBytes>(&mut self, request: &R, response_size: usize) -> Result {
        let bytes = request.as_bytes();
        if bytes.len() != self.request_len
            || response_size > self.response_buffer().len()
            || (response_size > 0 && !self.answered)
        {
            return Err(EINVAL);
        }
        self.request
            .get_mut(..bytes.len())
            .ok_or(EINVAL)?
            .copy_from_slice(bytes);
        Ok(())
    }

    /// The number of descriptors the command takes in the ring without indirect descriptors.
    pub(super) fn descriptors(&self) -> u32 {
        1 + u32::from(!self.payload.is_empty()) + u32::from(self.answered)
    }

    /// The response buffer the device writes.
    fn response_buffer(&self) -> &[u8] {
        match &self.large {
            Some(large) => &large.0,
            None => &self.response,
        }
    }

    /// Reads the response as a header and as an `R`.
    pub(super) fn response<R: FromBytes>(&self) -> Result<(CtrlHdr, R)> {
        let buffer = self.response_buffer();
        let hdr = CtrlHdr::from_bytes_copy_prefix(buffer).ok_or(EPROTO)?.0;
        let resp = R::from_bytes_copy_prefix(buffer).ok_or(EPROTO)?.0;
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
        if !this.answered {
            return Ok(());
        }
        match &mut this.large {
            Some(large) => buffers.writable(&mut large.0),
            None => buffers.writable(&mut this.response),
        }
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
    /// The earliest pushed at the head.
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

/// How a command prepared with a placeholder is filled in where nothing may be allocated (the
/// scanout updates, the panic screen): in place, or not at all (`DRM_NOVA_LITE_KUNIT_TEST`).
#[cfg(CONFIG_DRM_NOVA_LITE_KUNIT_TEST)]
#[kunit_tests(nova_lite_cmd_buffers)]
mod tests {
    use super::*;

    /// A request of the placeholder's size whose response fits replaces it; one of another size,
    /// or whose response is larger than the response buffer, is refused and changes nothing.
    #[test]
    fn set_request_in_place() -> Result {
        let mut cmd = CmdBuffers::new(&[1u8; 24], 24, KVec::new(), GFP_KERNEL)?;
        assert!(cmd.set_request(&[2u8; 24], 24).is_ok());
        assert!(cmd.request[..24] == [2u8; 24]);
        assert!(cmd.set_request(&[3u8; 32], 24) == Err(EINVAL));
        assert!(cmd.set_request(&[3u8; 16], 24) == Err(EINVAL));
        assert!(cmd.set_request(&[3u8; 24], SMALL_RESPONSE_SIZE + 1) == Err(EINVAL));
        assert!(cmd.request[..24] == [2u8; 24] && cmd.request[24..32] == [0u8; 8]);
        Ok(())
    }

    /// A command that gets no response (the cursor queue's) cannot be given one in place: the
    /// device has no buffer to write it to.
    #[test]
    fn no_response_stays_none() -> Result {
        let mut cmd = CmdBuffers::new(&[0u8; 56], 0, KVec::new(), GFP_KERNEL)?;
        assert!(cmd.set_request(&[1u8; 56], 0).is_ok());
        assert!(cmd.set_request(&[1u8; 56], 24) == Err(EINVAL));
        assert_eq!(cmd.descriptors(), 1);
        Ok(())
    }

    /// A response larger than a cache line gets a buffer of its own, which a later request may
    /// use; one larger than the largest response is refused.
    #[test]
    fn large_responses() -> Result {
        let mut cmd = CmdBuffers::new(&[0u8; 24], MAX_RESPONSE_SIZE, KVec::new(), GFP_KERNEL)?;
        assert!(cmd.set_request(&[1u8; 24], MAX_RESPONSE_SIZE).is_ok());
        assert_eq!(cmd.descriptors(), 2);
        assert!(
            CmdBuffers::new(&[0u8; 24], MAX_RESPONSE_SIZE + 1, KVec::new(), GFP_KERNEL).is_err()
        );
        Ok(())
    }
}
