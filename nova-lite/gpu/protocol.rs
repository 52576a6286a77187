// SPDX-License-Identifier: GPL-2.0

//! The virtio-gpu control protocol (virtio 1.x, section 5.7.6): the typed commands the core sends,
//! over the layouts of the kernel's `<linux/virtio_gpu.h>`.
//!
//! Every command implements [`Command`]: it knows its request, the response type it expects and
//! how to turn the response into a value. [`crate::gpu::cmdq`] moves the bytes; the rest of the
//! driver only sees the values ([`DisplayInfo`], [`Edid`]).
//!
//! The cursor queue's commands, which the device does not answer, are [`cursor`]'s.
//!
//! All fields are little endian on the wire; the structures hold them as the device wrote them
//! and the accessors convert.

use kernel::{
    prelude::*,
    transmute::{
        AsBytes,
        FromBytes, //
    },
    uapi, //
};

mod cursor;
#[cfg(CONFIG_DRM_NOVA_LITE_KUNIT_TEST)]
mod tests;

pub(crate) use cursor::CursorCommand;

/// The number of scanouts a display-information response describes (`VIRTIO_GPU_MAX_SCANOUTS`).
pub(crate) const MAX_SCANOUTS: usize = uapi::VIRTIO_GPU_MAX_SCANOUTS as usize;
/// The size of one EDID block.
const EDID_BLOCK_SIZE: usize = 128;

/// A structure of `<linux/virtio_gpu.h>`, which the device reads or writes as bytes.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub(crate) struct Wire<T>(pub(crate) T);

/// Makes `Wire<T>` of each listed structure readable and writable as bytes; `size` is the
/// structure's size, all of it fields.
macro_rules! wire {
    ($($t:ident = $size:literal),* $(,)?) => {$(
        const _: () = assert!(size_of::<uapi::$t>() == $size);
        // SAFETY: `uapi::$t` is a `#[repr(C)]` structure of `<linux/virtio_gpu.h>` made of
        // integers and integer arrays laid out without padding (its size is that of its
        // fields, asserted above): it has no uninitialised bytes, and every bit pattern is a
        // valid value.
        unsafe impl AsBytes for Wire<uapi::$t> {}
        // SAFETY: See above.
        unsafe impl FromBytes for Wire<uapi::$t> {}
    )*};
}

wire! {
    virtio_gpu_ctrl_hdr = 24,
    virtio_gpu_resp_display_info = 408,
    virtio_gpu_cmd_get_edid = 32,
    virtio_gpu_resp_edid = 1056,
    virtio_gpu_resource_create_2d = 40,
    virtio_gpu_resource_unref = 32,
    virtio_gpu_set_scanout = 48,
    virtio_gpu_resource_flush = 48,
    virtio_gpu_transfer_to_host_2d = 56,
    virtio_gpu_resource_attach_backing = 32,
    virtio_gpu_mem_entry = 16,
    virtio_gpu_update_cursor = 56,
}

/// The header of every request and response.
pub(crate) type CtrlHdr = Wire<uapi::virtio_gpu_ctrl_hdr>;

impl CtrlHdr {
    /// The header of a request of type `ty`, without fence.
    fn request(ty: u32) -> uapi::virtio_gpu_ctrl_hdr {
        uapi::virtio_gpu_ctrl_hdr {
            type_: ty.to_le(),
            ..Default::default()
        }
    }

    /// The response type.
    pub(crate) fn ty(&self) -> u32 {
        u32::from_le(self.0.type_)
    }
}

/// Command types (`enum virtio_gpu_ctrl_type`) the driver sends, and responses it expects.
const CMD_GET_DISPLAY_INFO: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_GET_DISPLAY_INFO;
const CMD_RESOURCE_CREATE_2D: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_RESOURCE_CREATE_2D;
const CMD_RESOURCE_UNREF: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_RESOURCE_UNREF;
const CMD_SET_SCANOUT: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_SET_SCANOUT;
const CMD_RESOURCE_FLUSH: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_RESOURCE_FLUSH;
const CMD_TRANSFER_TO_HOST_2D: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D;
const CMD_RESOURCE_ATTACH_BACKING: u32 =
    uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING;
const CMD_GET_EDID: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_CMD_GET_EDID;
const RESP_OK_NODATA: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_RESP_OK_NODATA;
const RESP_OK_DISPLAY_INFO: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
const RESP_OK_EDID: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_RESP_OK_EDID;

/// The first error response type; error responses are `0x1200..=0x12ff`.
const RESP_ERR_BASE: u32 = uapi::virtio_gpu_ctrl_type_VIRTIO_GPU_RESP_ERR_UNSPEC;

/// The error responses the device may give (`VIRTIO_GPU_RESP_ERR_*`), one counter each in the
/// control queue's statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum DeviceError {
    /// `ERR_UNSPEC`.
    Unspec = 0,
    /// `ERR_OUT_OF_MEMORY`.
    OutOfMemory = 1,
    /// `ERR_INVALID_SCANOUT_ID`.
    InvalidScanoutId = 2,
    /// `ERR_INVALID_RESOURCE_ID`.
    InvalidResourceId = 3,
    /// `ERR_INVALID_CONTEXT_ID`.
    InvalidContextId = 4,
    /// `ERR_INVALID_PARAMETER`.
    InvalidParameter = 5,
    /// An error type this driver does not know (`0x1206..=0x12ff`).
    Other = 6,
}

impl DeviceError {
    /// The number of variants, for tables indexed by them.
    pub(crate) const COUNT: usize = 7;

    /// Every variant, in the order of their values.
    pub(crate) const ALL: [Self; Self::COUNT] = [
        Self::Unspec,
        Self::OutOfMemory,
        Self::InvalidScanoutId,
        Self::InvalidResourceId,
        Self::InvalidContextId,
        Self::InvalidParameter,
        Self::Other,
    ];

    /// The error of response type `ty`, if it is an error response.
    fn from_type(ty: u32) -> Option<Self> {
        match ty.checked_sub(RESP_ERR_BASE)? {
            n @ 0..=5 => Some(Self::ALL[n as usize]),
            0x06..=0xff => Some(Self::Other),
            _ => None,
        }
    }

    /// The errno the uAPI documents for this error (`uapi/drm/nova_lite_drm.h`).
    pub(crate) fn to_errno(self) -> Error {
        match self {
            Self::OutOfMemory => ENOMEM,
            Self::InvalidScanoutId | Self::InvalidResourceId | Self::InvalidContextId => ENOENT,
            Self::InvalidParameter => EINVAL,
            Self::Unspec | Self::Other => EIO,
        }
    }

    /// The name used in the debugfs file.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Unspec => "err_unspec",
            Self::OutOfMemory => "err_out_of_memory",
            Self::InvalidScanoutId => "err_invalid_scanout_id",
            Self::InvalidResourceId => "err_invalid_resource_id",
            Self::InvalidContextId => "err_invalid_context_id",
            Self::InvalidParameter => "err_invalid_parameter",
            Self::Other => "err_other",
        }
    }
}

/// A rectangle of a resource (`struct virtio_gpu_rect`), in wire order.
#[derive(Clone, Copy, Default)]
pub(crate) struct Rect(uapi::virtio_gpu_rect);

impl Rect {
    /// The rectangle of `width` x `height` pixels at (`x`, `y`).
    pub(crate) fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Self(uapi::virtio_gpu_rect {
            x: x.to_le(),
            y: y.to_le(),
            width: width.to_le(),
            height: height.to_le(),
        })
    }
}

impl PartialEq for Rect {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.0, &other.0);
        (a.x, a.y, a.width, a.height) == (b.x, b.y, b.width, b.height)
    }
}

/// The largest number of backing entries the device accepts in one `RESOURCE_ATTACH_BACKING`
/// (QEMU's limit; the specification gives none).
pub(crate) const MAX_BACKING_ENTRIES: usize = 16384;

/// One contiguous range of a resource's backing (`struct virtio_gpu_mem_entry`).
pub(crate) type MemEntry = Wire<uapi::virtio_gpu_mem_entry>;

impl MemEntry {
    /// The range of `length` bytes at device address `addr`, in wire order.
    pub(crate) fn new(addr: u64, length: u32) -> Self {
        Wire(uapi::virtio_gpu_mem_entry {
            addr: addr.to_le(),
            length: length.to_le(),
            padding: 0,
        })
    }
}

/// The display information of one scanout, as `GET_DISPLAY_INFO` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Scanout {
    /// Whether the host shows this output.
    pub(crate) enabled: bool,
    /// Position of the output, in pixels.
    pub(crate) x: u32,
    /// Position of the output, in pixels.
    pub(crate) y: u32,
    /// Preferred width in pixels.
    pub(crate) width: u32,
    /// Preferred height in pixels.
    pub(crate) height: u32,
    /// The device's `flags` for this output.
    pub(crate) flags: u32,
}

/// The display information of the device's scanouts (the first `num_scanouts` entries are
/// meaningful).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DisplayInfo {
    /// One entry per possible scanout.
    pub(crate) scanouts: [Scanout; MAX_SCANOUTS],
}

/// The size of the EDID buffer of a `GET_EDID` response.
pub(crate) const EDID_MAX_SIZE: usize = 1024;

/// The EDID blob of one scanout.
pub(crate) struct Edid {
    /// The bytes; `len` of them are valid.
    pub(crate) data: [u8; EDID_MAX_SIZE],
    /// The size the device reported: a multiple of 128, at most [`EDID_MAX_SIZE`].
    pub(crate) len: usize,
}

/// What went wrong with a response.
pub(crate) enum ResponseError {
    /// The device answered with an error response.
    Device(DeviceError),
    /// The response is not the type this command expects, or is shorter than it.
    Malformed,
}

/// The size of the largest request the driver sends.
pub(crate) const MAX_REQUEST_SIZE: usize = 64;
/// The size of the largest response the driver accepts.
pub(crate) const MAX_RESPONSE_SIZE: usize = size_of::<uapi::virtio_gpu_resp_edid>();

/// A command of the control queue.
pub(crate) trait Command {
    /// The request as the device reads it (at most [`MAX_REQUEST_SIZE`] bytes).
    type Request: AsBytes;
    /// The response the device writes on success (at most [`MAX_RESPONSE_SIZE`] bytes).
    type Response: FromBytes + Sized;
    /// What the caller gets.
    type Output;

    /// The response type of a successful answer.
    const OK_TYPE: u32;
    /// A short name, for logs.
    const NAME: &'static str;

    /// The request.
    fn request(&self) -> Self::Request;

    /// Turns a successful response into the output; `EPROTO` if its content is invalid.
    fn output(&self, resp: &Self::Response) -> Result<Self::Output>;
}

/// Checks a response's header: `Ok` if it has type `ok_type`, the device's error if it is an
/// error response, [`ResponseError::Malformed`] otherwise. `written` is the number of bytes the
/// device wrote; a success must have written `full` bytes, an error at least the header.
pub(crate) fn check_response(
    hdr: &CtrlHdr,
    written: usize,
    ok_type: u32,
    full: usize,
) -> core::result::Result<(), ResponseError> {
    if written < size_of::<CtrlHdr>() {
        return Err(ResponseError::Malformed);
    }
    if let Some(err) = DeviceError::from_type(hdr.ty()) {
        return Err(ResponseError::Device(err));
    }
    if hdr.ty() != ok_type || written < full {
        return Err(ResponseError::Malformed);
    }
    Ok(())
}

/// `VIRTIO_GPU_CMD_GET_DISPLAY_INFO`.
pub(crate) struct GetDisplayInfo;

impl Command for GetDisplayInfo {
    type Request = CtrlHdr;
    type Response = Wire<uapi::virtio_gpu_resp_display_info>;
    type Output = DisplayInfo;

    const OK_TYPE: u32 = RESP_OK_DISPLAY_INFO;
    const NAME: &'static str = "GET_DISPLAY_INFO";

    fn request(&self) -> CtrlHdr {
        Wire(CtrlHdr::request(CMD_GET_DISPLAY_INFO))
    }

    fn output(&self, resp: &Self::Response) -> Result<DisplayInfo> {
        let mut info = DisplayInfo::default();
        for (out, one) in info.scanouts.iter_mut().zip(resp.0.pmodes.iter()) {
            *out = Scanout {
                enabled: u32::from_le(one.enabled) != 0,
                x: u32::from_le(one.r.x),
                y: u32::from_le(one.r.y),
                width: u32::from_le(one.r.width),
                height: u32::from_le(one.r.height),
                flags: u32::from_le(one.flags),
            };
        }
        Ok(info)
    }
}

/// `VIRTIO_GPU_CMD_GET_EDID` for one scanout.
pub(crate) struct GetEdid {
    /// The scanout.
    pub(crate) scanout: u32,
}

impl Command for GetEdid {
    type Request = Wire<uapi::virtio_gpu_cmd_get_edid>;
    type Response = Wire<uapi::virtio_gpu_resp_edid>;
    type Output = Edid;

    const OK_TYPE: u32 = RESP_OK_EDID;
    const NAME: &'static str = "GET_EDID";

    fn request(&self) -> Self::Request {
        Wire(uapi::virtio_gpu_cmd_get_edid {
            hdr: CtrlHdr::request(CMD_GET_EDID),
            scanout: self.scanout.to_le(),
            padding: 0,
        })
    }

    /// An EDID is made of 128-byte blocks, at most [`EDID_MAX_SIZE`] bytes here.
    fn output(&self, resp: &Self::Response) -> Result<Edid> {
        let len = usize::try_from(u32::from_le(resp.0.size)).map_err(|_| EPROTO)?;
        if len == 0 || len > EDID_MAX_SIZE || len % EDID_BLOCK_SIZE != 0 {
            return Err(EPROTO);
        }
        Ok(Edid {
            data: resp.0.edid,
            len,
        })
    }
}

/// A command that the device answers with `RESP_OK_NODATA` (a bare header) on success.
macro_rules! nodata_command {
    ($(#[$doc:meta])* $name:ident, $wire:ident, $label:literal,
     { $($field:ident: $fty:ty),* $(,)? }, |$this:ident| $body:expr) => {
        $(#[$doc])*
        pub(crate) struct $name {
            $(
                #[doc = concat!("`", stringify!($field), "` of the request.")]
                pub(crate) $field: $fty,
            )*
        }

        impl Command for $name {
            type Request = Wire<uapi::$wire>;
            type Response = CtrlHdr;
            type Output = ();

            const OK_TYPE: u32 = RESP_OK_NODATA;
            const NAME: &'static str = $label;

            fn request(&self) -> Self::Request {
                let $this = self;
                Wire($body)
            }

            fn output(&self, _resp: &CtrlHdr) -> Result {
                Ok(())
            }
        }
    };
}

nodata_command!(
    /// `VIRTIO_GPU_CMD_RESOURCE_CREATE_2D`.
    ResourceCreate2d, virtio_gpu_resource_create_2d, "RESOURCE_CREATE_2D",
    { resource_id: u32, format: u32, width: u32, height: u32 },
    |c| uapi::virtio_gpu_resource_create_2d {
        hdr: CtrlHdr::request(CMD_RESOURCE_CREATE_2D),
        resource_id: c.resource_id.to_le(),
        format: c.format.to_le(),
        width: c.width.to_le(),
        height: c.height.to_le(),
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_RESOURCE_UNREF`.
    ResourceUnref, virtio_gpu_resource_unref, "RESOURCE_UNREF",
    { resource_id: u32 },
    |c| uapi::virtio_gpu_resource_unref {
        hdr: CtrlHdr::request(CMD_RESOURCE_UNREF),
        resource_id: c.resource_id.to_le(),
        padding: 0,
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_SET_SCANOUT` (resource 0 disables the scanout).
    SetScanout, virtio_gpu_set_scanout, "SET_SCANOUT",
    { scanout_id: u32, resource_id: u32, rect: Rect },
    |c| uapi::virtio_gpu_set_scanout {
        hdr: CtrlHdr::request(CMD_SET_SCANOUT),
        r: c.rect.0,
        scanout_id: c.scanout_id.to_le(),
        resource_id: c.resource_id.to_le(),
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_RESOURCE_FLUSH`.
    ResourceFlush, virtio_gpu_resource_flush, "RESOURCE_FLUSH",
    { resource_id: u32, rect: Rect },
    |c| uapi::virtio_gpu_resource_flush {
        hdr: CtrlHdr::request(CMD_RESOURCE_FLUSH),
        r: c.rect.0,
        resource_id: c.resource_id.to_le(),
        padding: 0,
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D`: `offset` is where `rect` starts in the backing.
    TransferToHost2d, virtio_gpu_transfer_to_host_2d, "TRANSFER_TO_HOST_2D",
    { resource_id: u32, rect: Rect, offset: u64 },
    |c| uapi::virtio_gpu_transfer_to_host_2d {
        hdr: CtrlHdr::request(CMD_TRANSFER_TO_HOST_2D),
        r: c.rect.0,
        offset: c.offset.to_le(),
        resource_id: c.resource_id.to_le(),
        padding: 0,
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING`; the entries are sent as the command's payload
    /// ([`crate::gpu::cmdq::ControlQueue::send_with_payload`]).
    AttachBacking, virtio_gpu_resource_attach_backing, "RESOURCE_ATTACH_BACKING",
    { resource_id: u32, nr_entries: u32 },
    |c| uapi::virtio_gpu_resource_attach_backing {
        hdr: CtrlHdr::request(CMD_RESOURCE_ATTACH_BACKING),
        resource_id: c.resource_id.to_le(),
        nr_entries: c.nr_entries.to_le(),
    }
);
