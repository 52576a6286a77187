// SPDX-License-Identifier: GPL-2.0

//! A split virtqueue (virtio 1.x, section 2.7) in DMA-coherent memory.
//!
//! [`SplitQueue`] owns the three parts of the ring (descriptor table, driver area or "available
//! ring", device area or "used ring"), each in its own [`Coherent`] allocation made against the
//! device that does the DMA, and keeps a free list of descriptors. It exposes buffer chains to the
//! device ([`SplitQueue::add`]) and takes back the chains the device has used
//! ([`SplitQueue::pop_used`]). It knows nothing about what the buffers hold, nor how the device is
//! notified: the transport does that.
//!
//! What it assumes, so that it could serve as a generic Rust virtio ring:
//!
//! - The caller serialises every call (`&mut self`), for example with a lock that the interrupt
//!   path takes too; the ring itself takes no lock.
//! - Neither `VIRTIO_F_EVENT_IDX` nor `VIRTIO_F_INDIRECT_DESC` is negotiated: the driver notifies
//!   the device after every [`SplitQueue::add`], and the flags and event fields of both rings
//!   are left at 0.
//! - The device is trusted to follow the specification only as far as memory safety does not
//!   depend on it: the driver never reads back descriptors, and a used index that runs ahead of
//!   the chains in flight, or a used entry naming a descriptor that is not the head of a chain in
//!   flight, is reported as [`EIO`], not followed.
//! - The memory is freed when the [`SplitQueue`] is dropped: the caller must have reset the device
//!   (or never enabled the queue) by then, so that the device no longer accesses it.

use kernel::{
    device::{
        Bound,
        Device, //
    },
    dma::{
        Coherent,
        DmaAddress, //
    },
    io::{
        io_project,
        io_read,
        io_write,
        Io, //
    },
    prelude::*,
    sync::barrier::{
        dma_mb,
        Read,
        Write, //
    },
    transmute::{
        AsBytes,
        FromBytes as KFromBytes, //
    },
};

/// The largest queue this implementation sets up; the ring arrays are sized for it.
pub(crate) const MAX_QUEUE_SIZE: usize = 64;

/// `flags` bit of a descriptor: the chain continues with descriptor `next`.
const VIRTQ_DESC_F_NEXT: u16 = 1;
/// `flags` bit of a descriptor: the device writes the buffer (otherwise it reads it).
const VIRTQ_DESC_F_WRITE: u16 = 2;

/// `struct virtq_desc`: one buffer of a chain.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
struct Desc {
    /// DMA address of the buffer (little endian).
    addr: u64,
    /// Length of the buffer in bytes.
    len: u32,
    /// `VIRTQ_DESC_F_*`.
    flags: u16,
    /// The next descriptor of the chain, if `flags` has `VIRTQ_DESC_F_NEXT`.
    next: u16,
}

/// The descriptor table.
#[repr(C)]
#[derive(FromBytes, IntoBytes)]
struct DescTable([Desc; MAX_QUEUE_SIZE]);

/// `struct virtq_avail`: the driver area, where the driver offers chains to the device.
#[repr(C)]
#[derive(FromBytes, IntoBytes)]
struct AvailRing {
    flags: u16,
    /// Where the driver puts the next entry of `ring` (free-running, modulo 2^16).
    idx: u16,
    /// Heads of the chains offered, in order.
    ring: [u16; MAX_QUEUE_SIZE],
    /// Only used with `VIRTIO_F_EVENT_IDX`.
    used_event: u16,
}

/// `struct virtq_used_elem`: a chain the device has used.
#[repr(C)]
#[derive(Clone, Copy, FromBytes, IntoBytes)]
struct UsedElem {
    /// Head of the chain.
    id: u32,
    /// Number of bytes the device wrote into the chain's writable buffers.
    len: u32,
}

/// `struct virtq_used`: the device area, where the device returns used chains.
#[repr(C)]
#[derive(FromBytes, IntoBytes)]
struct UsedRing {
    flags: u16,
    /// Where the device puts the next entry of `ring` (free-running, modulo 2^16).
    idx: u16,
    ring: [UsedElem; MAX_QUEUE_SIZE],
    /// Only used with `VIRTIO_F_EVENT_IDX`.
    avail_event: u16,
    /// Explicit padding to the structure's alignment (4), outside the ring the device uses.
    _pad: u16,
}

// SAFETY: The ring types are `repr(C)` integers and arrays of them, with no padding (the sizes of
// their fields add up to their sizes: 16, 1024, 134, 8 and 520 bytes, which zerocopy's
// `IntoBytes` derive checks); every bit pattern is valid.
unsafe impl AsBytes for DescTable {}
// SAFETY: See above.
unsafe impl KFromBytes for DescTable {}
// SAFETY: See above.
unsafe impl AsBytes for AvailRing {}
// SAFETY: See above.
unsafe impl KFromBytes for AvailRing {}
// SAFETY: See above.
unsafe impl AsBytes for UsedRing {}
// SAFETY: See above.
unsafe impl KFromBytes for UsedRing {}

/// One buffer of a chain given to [`SplitQueue::add`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Buffer {
    /// DMA address of the buffer, mapped for the device the queue was allocated against.
    pub(crate) addr: DmaAddress,
    /// Length in bytes.
    pub(crate) len: u32,
    /// Whether the device writes the buffer (a response) rather than reads it (a request).
    pub(crate) device_writes: bool,
}

/// A chain the device has given back: see [`SplitQueue::pop_used`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct UsedChain {
    /// The head descriptor, as [`SplitQueue::add`] returned it.
    pub(crate) head: u16,
    /// The number of bytes the device says it wrote into the chain's writable buffers.
    pub(crate) written: u32,
}

/// The DMA addresses of the three parts of a queue, for the transport's queue setup.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueueAddresses {
    /// The descriptor table.
    pub(crate) desc: DmaAddress,
    /// The driver area (available ring).
    pub(crate) driver: DmaAddress,
    /// The device area (used ring).
    pub(crate) device: DmaAddress,
}

/// A split virtqueue of `size` descriptors; see the [module documentation](self).
///
/// # Invariants
///
/// - `size` is a power of two, at most [`MAX_QUEUE_SIZE`].
/// - The descriptors not in a chain in flight form the free list starting at `free_head` and
///   linked by `next`; there are `num_free` of them.
/// - `chain_len[h]` is the number of descriptors of the chain in flight with head `h`, 0 if `h` is
///   not such a head.
pub(crate) struct SplitQueue {
    desc: Coherent<DescTable>,
    avail: Coherent<AvailRing>,
    used: Coherent<UsedRing>,
    size: u16,
    free_head: u16,
    num_free: u16,
    /// The driver's copy of the free list links (the device may not change them).
    next: [u16; MAX_QUEUE_SIZE],
    chain_len: [u8; MAX_QUEUE_SIZE],
    /// The next value of the available ring's `idx`.
    avail_idx: u16,
    /// The used ring's `idx` up to which chains have been taken back.
    last_used: u16,
}

impl SplitQueue {
    /// Allocates a queue of `size` descriptors in coherent memory DMA-mapped for `dev`.
    ///
    /// Fails with `EINVAL` if `size` is not a power of two between 1 and [`MAX_QUEUE_SIZE`], and
    /// with `ENOMEM` if the memory cannot be allocated.
    pub(crate) fn new(dev: &Device<Bound>, size: u16) -> Result<Self> {
        if !size.is_power_of_two() || usize::from(size) > MAX_QUEUE_SIZE {
            return Err(EINVAL);
        }
        let mut next = [0u16; MAX_QUEUE_SIZE];
        for (i, n) in (1u16..).zip(next.iter_mut()) {
            *n = i;
        }
        // INVARIANT: every descriptor is free, linked in order; none is in flight.
        Ok(Self {
            desc: Coherent::zeroed(dev, GFP_KERNEL)?,
            avail: Coherent::zeroed(dev, GFP_KERNEL)?,
            used: Coherent::zeroed(dev, GFP_KERNEL)?,
            size,
            free_head: 0,
            num_free: size,
            next,
            chain_len: [0; MAX_QUEUE_SIZE],
            avail_idx: 0,
            last_used: 0,
        })
    }

    /// The number of descriptors.
    pub(crate) fn size(&self) -> u16 {
        self.size
    }

    /// The number of free descriptors.
    pub(crate) fn num_free(&self) -> u16 {
        self.num_free
    }

    /// The DMA addresses to give the device in the queue setup.
    pub(crate) fn addresses(&self) -> QueueAddresses {
        QueueAddresses {
            desc: self.desc.dma_address(),
            driver: self.avail.dma_address(),
            device: self.used.dma_address(),
        }
    }

    /// Offers the chain `bufs` to the device and returns its head descriptor.
    ///
    /// The readable buffers must come before the writable ones (virtio 1.x, 2.7.4.2). The caller
    /// notifies the device afterwards. Fails with `EINVAL` if `bufs` is empty, longer than the
    /// queue or out of order, and with `ENOSPC` if fewer than `bufs.len()` descriptors are free.
    pub(crate) fn add(&mut self, bufs: &[Buffer]) -> Result<u16> {
        let count = u16::try_from(bufs.len()).map_err(|_| EINVAL)?;
        let out_of_order = bufs
            .windows(2)
            .any(|w| w[0].device_writes && !w[1].device_writes);
        if count == 0 || count > self.size || out_of_order {
            return Err(EINVAL);
        }
        if count > self.num_free {
            return Err(ENOSPC);
        }

        let head = self.free_head;
        let mut id = head;
        for (i, buf) in bufs.iter().enumerate() {
            let last = i + 1 == bufs.len();
            let mut flags = if buf.device_writes {
                VIRTQ_DESC_F_WRITE
            } else {
                0
            };
            if !last {
                flags |= VIRTQ_DESC_F_NEXT;
            }
            let next = self.next[usize::from(id)];
            let desc = Desc {
                addr: buf.addr.to_le(),
                len: buf.len.to_le(),
                flags: flags.to_le(),
                next: if last { 0 } else { next.to_le() },
            };
            io_project!(&self.desc, .0[try: usize::from(id)]).copy_write(desc);
            if !last {
                id = next;
            }
        }
        // `id` is the chain's last descriptor; the free list continues after it.
        self.free_head = self.next[usize::from(id)];
        self.num_free -= count;
        // `count` is at most `size`, which is at most MAX_QUEUE_SIZE (64).
        self.chain_len[usize::from(head)] = count as u8;

        let slot = usize::from(self.avail_idx & (self.size - 1));
        io_write!(&self.avail, .ring[try: slot], head.to_le());
        // The device must see the descriptors and the ring entry before the new index
        // (virtio 1.x, 2.7.13.3.1).
        dma_mb(Write);
        self.avail_idx = self.avail_idx.wrapping_add(1);
        io_write!(&self.avail, .idx, self.avail_idx.to_le());
        // The caller's notification is an MMIO write, which the architecture's MMIO accessors
        // order after these stores to memory.
        Ok(head)
    }

    /// Takes back the next chain the device has used, if any, and frees its descriptors.
    ///
    /// Fails with `EIO` if the device's used index runs ahead of the chains in flight, or it
    /// returned a descriptor that is not the head of a chain in flight: the ring can no longer be
    /// trusted, and the caller should treat the device as
    /// broken.
    pub(crate) fn pop_used(&mut self) -> Result<Option<UsedChain>> {
        let used_idx = u16::from_le(io_read!(&self.used, .idx));
        if used_idx == self.last_used {
            return Ok(None);
        }
        // The device cannot have returned more chains than are in flight; an index beyond that
        // would expose stale entries.
        let in_flight_descs = self.size - self.num_free;
        if used_idx.wrapping_sub(self.last_used) > in_flight_descs {
            return Err(EIO);
        }
        // Read the entry only after the index that published it (virtio 1.x, 2.7.14).
        dma_mb(Read);
        let slot = usize::from(self.last_used & (self.size - 1));
        let elem: UsedElem = io_project!(&self.used, .ring[try: slot]).copy_read();
        let head = u32::from_le(elem.id);
        let written = u32::from_le(elem.len);

        let head = u16::try_from(head)
            .ok()
            .filter(|h| *h < self.size && self.chain_len[usize::from(*h)] != 0)
            .ok_or(EIO)?;
        self.last_used = self.last_used.wrapping_add(1);

        // Put the chain back on the free list: walk it with the driver's own links.
        let count = u16::from(self.chain_len[usize::from(head)]);
        let mut last = head;
        for _ in 1..count {
            last = self.next[usize::from(last)];
        }
        self.next[usize::from(last)] = self.free_head;
        self.free_head = head;
        self.num_free += count;
        self.chain_len[usize::from(head)] = 0;

        Ok(Some(UsedChain { head, written }))
    }
}
