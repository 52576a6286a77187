// SPDX-License-Identifier: GPL-2.0

//! The planes of a scanout: its primary plane ([`primary`]) and its cursor plane ([`cursor`]).

mod cursor;
mod primary;

use kernel::drm::kms::{
    self,
    Access,
    PanicAccess,
    PlaneCheck,
    PlaneState,
    PlaneType,
    PlaneUpdate,
    ScanoutBuffer, //
};
use kernel::prelude::*;
use kernel::sync::atomic::Atomic;

use crate::{
    drm::DrmDriver,
    gpu::{
        CursorUpdate,
        ScanoutUpdate, //
    },
};

/// A plane of a scanout, primary or cursor, as the DRM core says ([`kms::Plane::plane_type`]).
#[pin_data]
pub(crate) struct Plane {
    /// The scanout's index (also its CRTC's).
    scanout: u32,
    /// A cursor plane: what the host shows, as far as the driver knows ([`cursor::HostCursor`],
    /// encoded).
    cursor_host: Atomic<u64>,
}

impl Plane {
    /// A plane of scanout `scanout`.
    pub(crate) fn new(scanout: u32) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            scanout,
            cursor_host: Atomic::new(cursor::HostCursor::UNKNOWN),
        })
    }
}

/// The driver's part of a plane state: the commands of its update, from `prepare_fb` to
/// `atomic_update`.
#[derive(Default)]
pub(crate) struct PlaneData {
    /// A primary plane's.
    update: Option<ScanoutUpdate>,
    /// A cursor plane's.
    cursor: Option<CursorUpdate>,
}

/// What a plane's `prepare_fb` made for its update, from [`Access::with`]: `None` once the device
/// is going away (unplugged, or the core being unbound with it: `ENODEV`), when the commit goes
/// on without touching it, as it does once the DRM device is unplugged. Errors: the
/// preparation's, which fail the commit.
fn prepared<T>(made: Option<Result<T>>) -> Result<Option<T>> {
    match made {
        Some(Ok(made)) => Ok(Some(made)),
        None | Some(Err(ENODEV)) => Ok(None),
        Some(Err(e)) => Err(e),
    }
}

#[vtable]
impl kms::DriverPlane for Plane {
    type Driver = DrmDriver;
    type State = PlaneData;

    fn atomic_check(plane: &kms::Plane<Self>, check: &mut PlaneCheck<'_, Self>) -> Result {
        match plane.plane_type() {
            PlaneType::Cursor => cursor::check(check),
            _ => primary::check(check),
        }
    }

    fn prepare_fb(
        plane: &kms::Plane<Self>,
        new: &mut PlaneState<Self>,
        hw: &Access<'_, DrmDriver>,
    ) -> Result {
        match plane.plane_type() {
            PlaneType::Cursor => cursor::prepare(plane, new, hw),
            _ => primary::prepare(plane, new, hw),
        }
    }

    fn atomic_update(
        plane: &kms::Plane<Self>,
        update: &mut PlaneUpdate<'_, Self>,
        hw: &Access<'_, DrmDriver>,
    ) {
        match plane.plane_type() {
            PlaneType::Cursor => cursor::update(plane, update, hw),
            _ => primary::update(plane, update, hw),
        }
    }

    /// Only the primary planes have the panic screen (`kms::build`).
    fn get_scanout_buffer<'a>(
        plane: &'a kms::Plane<Self>,
        state: &'a PlaneState<Self>,
        _hw: &PanicAccess<'_, DrmDriver>,
    ) -> Result<ScanoutBuffer<'a>> {
        match plane.plane_type() {
            PlaneType::Primary => primary::panic_buffer(state),
            _ => Err(ENODEV),
        }
    }

    fn panic_flush(
        plane: &kms::Plane<Self>,
        state: &PlaneState<Self>,
        hw: &PanicAccess<'_, DrmDriver>,
    ) {
        if plane.plane_type() == PlaneType::Primary {
            primary::panic_flush(plane, state, hw);
        }
    }
}
