// SPDX-License-Identifier: GPL-2.0

//! The CRTC of a scanout: paced by the DRM core's vblank timer at the mode's refresh rate, as the
//! C driver's since Linux 6.19; scanning out is its primary plane's business.

use kernel::drm::kms::{
    self,
    DisplayMode,
    ModeStatus,
    Vblank, //
};

use kernel::prelude::*;

use crate::drm::DrmDriver;

/// The lowest refresh rate a mode may have, in Hz: a vblank timer slower than this would make
/// commits wait for seconds for their vblank.
const MIN_REFRESH: i32 = 1;

/// The highest refresh rate a mode may have, in Hz: a faster vblank timer would only burn the
/// CPU on a virtual display.
const MAX_REFRESH: i32 = 240;

/// The CRTC of a scanout. Its index is the scanout's.
#[pin_data]
pub(crate) struct Crtc {}

#[vtable]
impl kms::DriverCrtc for Crtc {
    type Driver = DrmDriver;

    const VBLANK: Vblank = Vblank::Timer;

    /// Refuses modes whose refresh rate is outside [`MIN_REFRESH`]..=[`MAX_REFRESH`].
    fn mode_valid(_crtc: &kms::Crtc<Self>, mode: &DisplayMode) -> ModeStatus {
        match mode.vrefresh() {
            r if r < MIN_REFRESH => ModeStatus::ClockLow,
            r if r > MAX_REFRESH => ModeStatus::Bad,
            _ => ModeStatus::Ok,
        }
    }
}
