// SPDX-License-Identifier: GPL-2.0

//! Fences: how far the commands posted for one object (a resource) have come, and the first
//! error the device answered to one of them.

use kernel::{
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

/// The progress of the commands posted for one object.
///
/// The commands have passed once the queue has completed every command up to the sequence
/// number of the last one ([`ControlQueue::wait_fence`]). The first error the device answered to
/// one of them stays: every later operation on the object returns it.
///
/// [`ControlQueue::wait_fence`]: super::ControlQueue::wait_fence
pub(crate) struct Fence {
    /// The sequence number of the last command posted for the object, 0 if none, `u64::MAX`
    /// while one waits in the backlog.
    last: Atomic<u64>,
    /// The errno of the first error, 0 if none.
    error: Atomic<i32>,
}

impl Fence {
    /// A fence without commands or error.
    pub(crate) fn new() -> Self {
        Self {
            last: Atomic::new(0),
            error: Atomic::new(0),
        }
    }

    /// The first error the device answered to a command of the object, if any.
    pub(crate) fn error(&self) -> Result {
        match self.error.load(Relaxed) {
            0 => Ok(()),
            errno => Err(Error::from_errno(errno)),
        }
    }

    /// Records `err` unless an error is recorded already: the completion path, and the core's
    /// restore when the device refuses to re-create the object.
    pub(crate) fn record(&self, err: Error) {
        let _ = self.error.cmpxchg(0, err.to_errno(), Relaxed);
    }

    /// The sequence number of the last command posted for the object.
    pub(super) fn last(&self) -> u64 {
        self.last.load(Relaxed)
    }

    /// Records that the command `seq` was posted for the object. Called under the queue's lock,
    /// which orders the sequence numbers.
    pub(super) fn posted(&self, seq: u64) {
        self.last.store(seq, Relaxed);
    }

    /// Records that a command for the object waits in the backlog, without a sequence number
    /// yet: the fence has not passed until it is posted ([`Self::posted`]) and completed. Called
    /// under the queue's lock.
    pub(super) fn parked(&self) {
        self.last.store(u64::MAX, Relaxed);
    }
}

/// A resource's first error, as its fence keeps it (`DRM_NOVA_LITE_KUNIT_TEST`).
#[cfg(CONFIG_DRM_NOVA_LITE_KUNIT_TEST)]
#[kunit_tests(nova_lite_fence)]
mod tests {
    use super::*;

    /// A new fence has no error and no command.
    #[test]
    fn new_fence() {
        let fence = Fence::new();
        assert!(fence.error().is_ok());
        assert_eq!(fence.last(), 0);
    }

    /// The first error recorded stays, whatever comes after it; the errno is the one recorded.
    #[test]
    fn first_error_stays() {
        let fence = Fence::new();
        fence.record(ENOENT);
        assert!(matches!(fence.error(), Err(e) if e == ENOENT));
        fence.record(EIO);
        fence.record(ENOMEM);
        assert!(matches!(fence.error(), Err(e) if e == ENOENT));
    }

    /// A command waiting in the backlog holds the fence back until it is posted.
    #[test]
    fn parked_then_posted() {
        let fence = Fence::new();
        fence.posted(5);
        assert_eq!(fence.last(), 5);
        fence.parked();
        assert_eq!(fence.last(), u64::MAX);
        fence.posted(9);
        assert_eq!(fence.last(), 9);
    }
}
