// SPDX-License-Identifier: GPL-2.0

//! The connector of a scanout: connected when the host says the scanout is enabled; its modes
//! come from the host's EDID, or else are the standard ones with the display's size preferred.
//!
//! Both read what the core last learnt from the host (at probe, and after each display-change
//! event): the DRM core probes connectors with the mode configuration's mutex held, which no
//! wait for the device should hold up.

use kernel::drm::kms::{
    self,
    Access,
    ConnectorStatus,
    ProbedModes, //
};

use kernel::prelude::*;

use crate::drm::DrmDriver;

/// The preferred mode when the host gives no display size (the C driver's).
const DEFAULT_SIZE: (u32, u32) = (1024, 768);

/// The largest standard mode offered without an EDID.
const MAX_MODE: (u32, u32) = (8192, 8192);

/// The refresh rate of the preferred mode without an EDID, in Hz.
const REFRESH: u32 = 60;

/// The connector of a scanout.
#[pin_data]
pub(crate) struct Connector {
    /// The scanout's index.
    scanout: u32,
}

impl Connector {
    /// The connector of scanout `scanout`.
    pub(crate) fn new(scanout: u32) -> impl PinInit<Self, Error> {
        try_pin_init!(Self { scanout })
    }
}

#[vtable]
impl kms::DriverConnector for Connector {
    type Driver = DrmDriver;

    /// Connected if the host reported the scanout enabled; disconnected once the device is gone.
    fn detect(
        conn: &kms::Connector<Self>,
        _force: bool,
        hw: &Access<'_, DrmDriver>,
    ) -> ConnectorStatus {
        let enabled = hw.with(|_, gpu| {
            let displays = gpu.displays();
            displays
                .scanouts
                .get(conn.data().scanout as usize)
                .is_some_and(|s| s.enabled)
        });
        match enabled {
            Some(true) => ConnectorStatus::Connected,
            _ => ConnectorStatus::Disconnected,
        }
    }

    /// The EDID's modes if the host gave an EDID with modes; otherwise the standard modes up to
    /// [`MAX_MODE`], with a mode of the display's size preferred ([`DEFAULT_SIZE`] if unknown).
    fn get_modes(
        conn: &kms::Connector<Self>,
        modes: &mut ProbedModes<'_>,
        hw: &Access<'_, DrmDriver>,
    ) -> u32 {
        let scanout = conn.data().scanout;
        hw.with(|_, gpu| {
            let edid = gpu.cached_edid(scanout);
            // An EDID that is not valid leaves the connector without one: the standard modes
            // below apply.
            let _ = modes.update_edid(edid.as_deref().map(|e| &e.data[..e.len]));
            let n = modes.add_edid_modes();
            if n > 0 {
                return n;
            }
            let n = modes.add_modes_noedid(MAX_MODE.0, MAX_MODE.1);
            let displays = gpu.displays();
            let (width, height) = displays
                .scanouts
                .get(scanout as usize)
                .map_or((0, 0), |s| (s.width, s.height));
            if width == 0 || height == 0 {
                modes.set_preferred(DEFAULT_SIZE.0, DEFAULT_SIZE.1);
                n
            } else if modes.add_cvt_mode(width, height, REFRESH, true).is_ok() {
                n + 1
            } else {
                n
            }
        })
        .unwrap_or(0)
    }
}
