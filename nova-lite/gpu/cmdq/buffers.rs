// SPDX-License-Identifier: GPL-2.0

//! The buffers of one command: its request, its payload and room for its response, in one
//! allocation of the kernel's linear mapping, which the virtio core maps for the device.

use kernel::{
    alloc::Flags,
    prelude::*,
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
    /// The slot of the command.
    pub(super) slot: usize,
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
            },
            flags,
        )?;
        this.request
            .get_mut(..bytes.len())
            .ok_or(EINVAL)?
            .copy_from_slice(bytes);
        Ok(this.into())
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
