// SPDX-License-Identifier: GPL-2.0

//! The virtio-gpu control protocol (virtio 1.x, section 5.7.6): command and response layouts and
//! the typed commands the core sends.
//!
//! Every command implements [`Command`]: it knows its request bytes, the response type it
//! expects and how to turn the response into a value. [`crate::gpu::cmdq`] moves the bytes; the
//! rest of the driver only sees the values ([`DisplayInfo`], [`Edid`], [`CapsetInfo`]).
//!
//! All fields are little endian on the wire; the structures hold them as the device wrote them
//! and the accessors convert.

use kernel::prelude::*;

/// The number of scanouts a display-information response describes (`VIRTIO_GPU_MAX_SCANOUTS`).
pub(crate) const MAX_SCANOUTS: usize = 16;
/// The size of the EDID buffer of a `GET_EDID` response.
pub(crate) const EDID_MAX_SIZE: usize = 1024;
/// The size of one EDID block.
const EDID_BLOCK_SIZE: usize = 128;

/// `VIRTIO_GPU_EVENT_DISPLAY`: the display configuration changed (`events_read`).
pub(crate) const EVENT_DISPLAY: u32 = 1 << 0;

/// Command types (`enum virtio_gpu_ctrl_type`) the driver sends.
const CMD_GET_DISPLAY_INFO: u32 = 0x0100;
const CMD_RESOURCE_CREATE_2D: u32 = 0x0101;
const CMD_RESOURCE_UNREF: u32 = 0x0102;
const CMD_SET_SCANOUT: u32 = 0x0103;
const CMD_RESOURCE_FLUSH: u32 = 0x0104;
const CMD_TRANSFER_TO_HOST_2D: u32 = 0x0105;
const CMD_RESOURCE_ATTACH_BACKING: u32 = 0x0106;
const CMD_GET_CAPSET_INFO: u32 = 0x0108;
const CMD_GET_EDID: u32 = 0x010a;

/// Response types (`enum virtio_gpu_ctrl_type`) the driver expects.
const RESP_OK_NODATA: u32 = 0x1100;
const RESP_OK_DISPLAY_INFO: u32 = 0x1101;
const RESP_OK_CAPSET_INFO: u32 = 0x1102;
const RESP_OK_EDID: u32 = 0x1104;

/// The first error response type; error responses are `0x1200..=0x12ff`.
const RESP_ERR_BASE: u32 = 0x1200;

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

/// `struct virtio_gpu_ctrl_hdr`: the header of every request and response.
#[repr(C)]
#[derive(Clone, Copy, Default, FromBytes, IntoBytes)]
pub(crate) struct CtrlHdr {
    ty: u32,
    flags: u32,
    fence_id: u64,
    ctx_id: u32,
    ring_idx: u8,
    padding: [u8; 3],
}

impl CtrlHdr {
    /// The header of a request of type `ty`, without fence.
    const fn request(ty: u32) -> Self {
        Self {
            ty: ty.to_le(),
            flags: 0,
            fence_id: 0,
            ctx_id: 0,
            ring_idx: 0,
            padding: [0; 3],
        }
    }

    /// The response type.
    pub(crate) fn ty(&self) -> u32 {
        u32::from_le(self.ty)
    }
}

/// `struct virtio_gpu_rect`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, FromBytes, IntoBytes)]
pub(crate) struct Rect {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
}

impl Rect {
    /// The rectangle of `width` x `height` pixels at (`x`, `y`), in wire order.
    pub(crate) const fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Self {
            x: x.to_le(),
            y: y.to_le(),
            width: width.to_le(),
            height: height.to_le(),
        }
    }
}

/// The largest number of backing entries the device accepts in one `RESOURCE_ATTACH_BACKING`
/// (QEMU's limit; the specification gives none).
pub(crate) const MAX_BACKING_ENTRIES: usize = 16384;

/// `struct virtio_gpu_mem_entry`: one contiguous range of a resource's backing.
#[repr(C)]
#[derive(Clone, Copy, Default, FromBytes, IntoBytes)]
pub(crate) struct MemEntry {
    addr: u64,
    length: u32,
    padding: u32,
}

impl MemEntry {
    /// The range of `length` bytes at DMA address `addr`, in wire order.
    pub(crate) const fn new(addr: u64, length: u32) -> Self {
        Self {
            addr: addr.to_le(),
            length: length.to_le(),
            padding: 0,
        }
    }
}

// SAFETY: `MemEntry` is plain integers without padding (16 bytes, 8-aligned): it may be read by
// the device as bytes.
unsafe impl kernel::transmute::AsBytes for MemEntry {}
// SAFETY: See above; every bit pattern is a valid `MemEntry`.
unsafe impl kernel::transmute::FromBytes for MemEntry {}

/// `struct virtio_gpu_display_one`.
#[repr(C)]
#[derive(Clone, Copy, Default, FromBytes, IntoBytes)]
struct DisplayOne {
    r: Rect,
    enabled: u32,
    flags: u32,
}

/// `struct virtio_gpu_resp_display_info`.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct RespDisplayInfo {
    hdr: CtrlHdr,
    pmodes: [DisplayOne; MAX_SCANOUTS],
}

/// `struct virtio_gpu_get_edid` and `struct virtio_gpu_get_capset_info`: a header and an index.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct IndexedRequest {
    hdr: CtrlHdr,
    index: u32,
    padding: u32,
}

impl IndexedRequest {
    /// A request of type `ty` for instance `index`.
    const fn new(ty: u32, index: u32) -> Self {
        Self {
            hdr: CtrlHdr::request(ty),
            index: index.to_le(),
            padding: 0,
        }
    }
}

/// `struct virtio_gpu_resp_edid`.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct RespEdid {
    hdr: CtrlHdr,
    size: u32,
    padding: u32,
    edid: [u8; EDID_MAX_SIZE],
}

/// `struct virtio_gpu_resp_capset_info`.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct RespCapsetInfo {
    hdr: CtrlHdr,
    capset_id: u32,
    capset_max_version: u32,
    capset_max_size: u32,
    padding: u32,
}

/// The size of the largest request the driver sends.
pub(crate) const MAX_REQUEST_SIZE: usize = 64;
/// The size of the largest response the driver accepts.
pub(crate) const MAX_RESPONSE_SIZE: usize = size_of::<RespEdid>();

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

/// The EDID blob of one scanout.
pub(crate) struct Edid {
    /// The bytes; `len` of them are valid.
    pub(crate) data: [u8; EDID_MAX_SIZE],
    /// The size the device reported: a multiple of 128, at most [`EDID_MAX_SIZE`].
    pub(crate) len: usize,
}

/// One capability set, as `GET_CAPSET_INFO` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CapsetInfo {
    /// `capset_id`.
    pub(crate) id: u32,
    /// `capset_max_version`.
    pub(crate) max_version: u32,
    /// `capset_max_size`.
    pub(crate) max_size: u32,
}

/// What went wrong with a response.
pub(crate) enum ResponseError {
    /// The device answered with an error response.
    Device(DeviceError),
    /// The response is not the type this command expects, or is shorter than it.
    Malformed,
}

/// A command of the control queue.
pub(crate) trait Command {
    /// The request as the device reads it.
    type Request: IntoBytes + FromBytes + Copy;
    /// The response the device writes on success.
    type Response: IntoBytes + FromBytes + Copy;
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
    type Response = RespDisplayInfo;
    type Output = DisplayInfo;

    const OK_TYPE: u32 = RESP_OK_DISPLAY_INFO;
    const NAME: &'static str = "GET_DISPLAY_INFO";

    fn request(&self) -> CtrlHdr {
        CtrlHdr::request(CMD_GET_DISPLAY_INFO)
    }

    fn output(&self, resp: &RespDisplayInfo) -> Result<DisplayInfo> {
        let mut info = DisplayInfo::default();
        for (out, one) in info.scanouts.iter_mut().zip(resp.pmodes.iter()) {
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
    type Request = IndexedRequest;
    type Response = RespEdid;
    type Output = Edid;

    const OK_TYPE: u32 = RESP_OK_EDID;
    const NAME: &'static str = "GET_EDID";

    fn request(&self) -> IndexedRequest {
        IndexedRequest::new(CMD_GET_EDID, self.scanout)
    }

    /// An EDID is made of 128-byte blocks, at most [`EDID_MAX_SIZE`] bytes here.
    fn output(&self, resp: &RespEdid) -> Result<Edid> {
        let len = usize::try_from(u32::from_le(resp.size)).map_err(|_| EPROTO)?;
        if len == 0 || len > EDID_MAX_SIZE || len % EDID_BLOCK_SIZE != 0 {
            return Err(EPROTO);
        }
        Ok(Edid {
            data: resp.edid,
            len,
        })
    }
}

/// `VIRTIO_GPU_CMD_GET_CAPSET_INFO` for one capability set.
pub(crate) struct GetCapsetInfo {
    /// The capability set's index, below `num_capsets`.
    pub(crate) index: u32,
}

impl Command for GetCapsetInfo {
    type Request = IndexedRequest;
    type Response = RespCapsetInfo;
    type Output = CapsetInfo;

    const OK_TYPE: u32 = RESP_OK_CAPSET_INFO;
    const NAME: &'static str = "GET_CAPSET_INFO";

    fn request(&self) -> IndexedRequest {
        IndexedRequest::new(CMD_GET_CAPSET_INFO, self.index)
    }

    fn output(&self, resp: &RespCapsetInfo) -> Result<CapsetInfo> {
        Ok(CapsetInfo {
            id: u32::from_le(resp.capset_id),
            max_version: u32::from_le(resp.capset_max_version),
            max_size: u32::from_le(resp.capset_max_size),
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
            type Request = $wire;
            type Response = CtrlHdr;
            type Output = ();

            const OK_TYPE: u32 = RESP_OK_NODATA;
            const NAME: &'static str = $label;

            fn request(&self) -> $wire {
                let $this = self;
                $body
            }

            fn output(&self, _resp: &CtrlHdr) -> Result {
                Ok(())
            }
        }
    };
}

/// `struct virtio_gpu_resource_create_2d`.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct ResourceCreate2dReq {
    hdr: CtrlHdr,
    resource_id: u32,
    format: u32,
    width: u32,
    height: u32,
}

/// `struct virtio_gpu_resource_unref`: a header and a resource id.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct ResourceReq {
    hdr: CtrlHdr,
    resource_id: u32,
    padding: u32,
}

/// `struct virtio_gpu_set_scanout`.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct SetScanoutReq {
    hdr: CtrlHdr,
    r: Rect,
    scanout_id: u32,
    resource_id: u32,
}

/// `struct virtio_gpu_resource_flush`.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct ResourceFlushReq {
    hdr: CtrlHdr,
    r: Rect,
    resource_id: u32,
    padding: u32,
}

/// `struct virtio_gpu_transfer_to_host_2d`.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct TransferToHost2dReq {
    hdr: CtrlHdr,
    r: Rect,
    offset: u64,
    resource_id: u32,
    padding: u32,
}

/// `struct virtio_gpu_resource_attach_backing`, without its entries, which follow in a buffer of
/// their own.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
pub(crate) struct AttachBackingReq {
    hdr: CtrlHdr,
    resource_id: u32,
    nr_entries: u32,
}

nodata_command!(
    /// `VIRTIO_GPU_CMD_RESOURCE_CREATE_2D`.
    ResourceCreate2d, ResourceCreate2dReq, "RESOURCE_CREATE_2D",
    { resource_id: u32, format: u32, width: u32, height: u32 },
    |c| ResourceCreate2dReq {
        hdr: CtrlHdr::request(CMD_RESOURCE_CREATE_2D),
        resource_id: c.resource_id.to_le(),
        format: c.format.to_le(),
        width: c.width.to_le(),
        height: c.height.to_le(),
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_RESOURCE_UNREF`.
    ResourceUnref, ResourceReq, "RESOURCE_UNREF",
    { resource_id: u32 },
    |c| ResourceReq {
        hdr: CtrlHdr::request(CMD_RESOURCE_UNREF),
        resource_id: c.resource_id.to_le(),
        padding: 0,
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_SET_SCANOUT` (resource 0 disables the scanout).
    SetScanout, SetScanoutReq, "SET_SCANOUT",
    { scanout_id: u32, resource_id: u32, rect: Rect },
    |c| SetScanoutReq {
        hdr: CtrlHdr::request(CMD_SET_SCANOUT),
        r: c.rect,
        scanout_id: c.scanout_id.to_le(),
        resource_id: c.resource_id.to_le(),
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_RESOURCE_FLUSH`.
    ResourceFlush, ResourceFlushReq, "RESOURCE_FLUSH",
    { resource_id: u32, rect: Rect },
    |c| ResourceFlushReq {
        hdr: CtrlHdr::request(CMD_RESOURCE_FLUSH),
        r: c.rect,
        resource_id: c.resource_id.to_le(),
        padding: 0,
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D`: `offset` is where `rect` starts in the backing.
    TransferToHost2d, TransferToHost2dReq, "TRANSFER_TO_HOST_2D",
    { resource_id: u32, rect: Rect, offset: u64 },
    |c| TransferToHost2dReq {
        hdr: CtrlHdr::request(CMD_TRANSFER_TO_HOST_2D),
        r: c.rect,
        offset: c.offset.to_le(),
        resource_id: c.resource_id.to_le(),
        padding: 0,
    }
);

nodata_command!(
    /// `VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING`; the entries are sent as the command's payload
    /// ([`crate::gpu::cmdq::ControlQueue::send_with_payload`]).
    AttachBacking, AttachBackingReq, "RESOURCE_ATTACH_BACKING",
    { resource_id: u32, nr_entries: u32 },
    |c| AttachBackingReq {
        hdr: CtrlHdr::request(CMD_RESOURCE_ATTACH_BACKING),
        resource_id: c.resource_id.to_le(),
        nr_entries: c.nr_entries.to_le(),
    }
);
