//! The rate-window layer: a call waits until its credential's windows have room, and is
//! counted in them. Within a run the windows are the credential's shared ones in the state
//! store (asked through the lease's link to the engine: renkei_core::rate); outside a run,
//! or when the store cannot answer, the in-process windows of limiter.rs.

use super::call::CallKind;
use super::lease::Lease;
use super::limiter::{LocalWindows, UnitWindow, local_windows};
use crate::error::VendorError;
use renkei_core::rate::{Admission, Slot, Window};
use std::sync::Arc;
use std::time::Duration;

/// A client's rate windows: its limits, and the credential they belong to once named.
#[derive(Debug)]
pub(crate) struct RateWindows {
    vendor: &'static str,
    /// All calls: (limit, window); None = unlimited.
    limit: Option<(u32, Duration)>,
    /// Write calls: (limit, window); None = unlimited.
    write_limit: Option<(u32, Duration)>,
    /// `<vendor>#<hash of the credential>`: names the credential's windows.
    credential: Option<String>,
    local: Arc<LocalWindows>,
    /// Units taken outside a run (no shared ledger): (when, how many).
    units: UnitWindow,
}

impl RateWindows {
    /// `vendor`'s windows of `limit` calls and `write_limit` writes, of no credential yet.
    pub(crate) fn new(
        vendor: &'static str,
        limit: Option<(u32, Duration)>,
        write_limit: Option<(u32, Duration)>,
    ) -> Self {
        Self {
            vendor,
            limit,
            write_limit,
            credential: None,
            local: Arc::new(LocalWindows::new(limit, write_limit)),
            units: UnitWindow::default(),
        }
    }

    /// Names the credential the windows belong to; only a hash of `identity` is kept.
    pub(crate) fn name_credential(&mut self, identity: &str) {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{}:{identity}", self.vendor).as_bytes());
        let key = format!("{}#{}", self.vendor, &hex::encode(digest)[..16]);
        self.local = local_windows(&key, self.limit, self.write_limit);
        self.credential = Some(key);
    }

    /// The key of the credential's windows, once named.
    pub(crate) fn credential(&self) -> Option<&str> {
        self.credential.as_deref()
    }

    /// The shared-window slot a call of `kind` needs (None: no credential, or no limits).
    fn slot(&self, kind: CallKind) -> Option<Slot> {
        let credential = self.credential.clone()?;
        let window = |name: &str, (limit, w): (u32, Duration)| Window {
            name: name.into(),
            limit,
            // Widened by 2% like the in-process window: clock jitter never costs a 429.
            window_ms: w.mul_f64(1.02).as_millis() as u64,
            cost: 1,
        };
        let mut windows: Vec<Window> = self.limit.map(|l| window("all", l)).into_iter().collect();
        if kind == CallKind::Write
            && let Some(l) = self.write_limit
        {
            windows.push(window("write", l));
        }
        (!windows.is_empty()).then_some(Slot {
            credential,
            windows,
        })
    }

    /// Waits until the windows allow one more call of `kind`, and counts it.
    pub(crate) async fn admit(&self, kind: CallKind, lease: &Lease) -> Result<(), VendorError> {
        let slot = self.slot(kind);
        room(slot.as_ref(), lease, || self.local.try_take(kind)).await
    }

    /// Takes `units` of a limit that counts something other than requests (LinkedIn's
    /// records per minute: a batch of 100 records takes 100), waiting until they fit: in a
    /// run in the credential's shared window named `name` (so all runs and continuations of
    /// one application share it), outside a run in-process.
    pub(crate) async fn take_units(
        &self,
        name: &str,
        (limit, window): (u32, Duration),
        units: u32,
        lease: &Lease,
    ) -> Result<(), VendorError> {
        let units = units.clamp(1, limit.max(1));
        let window = window.mul_f64(1.02);
        let slot = self.credential.clone().map(|credential| Slot {
            credential,
            windows: vec![Window {
                name: name.into(),
                limit,
                window_ms: window.as_millis() as u64,
                cost: units,
            }],
        });
        room(slot.as_ref(), lease, || {
            self.units.take(limit, window, units)
        })
        .await
    }
}

/// Waits until `slot` is granted in the shared windows or, where none answers (no slot, or
/// [`Admission::Local`]), until `local` takes it in-process; every wait goes through the
/// lease.
async fn room(
    slot: Option<&Slot>,
    lease: &Lease,
    local: impl Fn() -> Result<(), Duration> + Sync,
) -> Result<(), VendorError> {
    loop {
        let admission = match slot {
            Some(slot) => lease.admit(slot).await?,
            None => Admission::Local,
        };
        let taken = match admission {
            Admission::Granted => Ok(()),
            Admission::Wait(wait) => Err(wait),
            Admission::Local => local(),
        };
        match taken {
            Ok(()) => return Ok(()),
            Err(wait) => lease.pause(wait).await?,
        }
    }
}
