//! The lease heartbeat hook. A client lent to a run (`VendorClient::join_run`) beats the
//! run's heartbeat before every write and before every wait — so a run that lost its lease
//! never writes, and one whose deadline falls inside a wait stops instead — and asks for its
//! rate slots through it (the engine keeps the credential's shared windows). Outside a run
//! ([`NoRun`]) nothing stops it and no shared window answers.

use crate::error::VendorError;
use renkei_core::heartbeat::{Heartbeat, NoRun};
use renkei_core::rate::{Admission, Slot};
use std::sync::Arc;
use std::time::Duration;

/// The run a client works for, if any.
#[derive(Debug, Clone)]
pub(crate) struct Lease(Arc<dyn Heartbeat>);

impl Default for Lease {
    fn default() -> Self {
        Self(Arc::new(NoRun))
    }
}

impl Lease {
    /// The lease of `run`.
    pub(crate) fn new(run: Arc<dyn Heartbeat>) -> Self {
        Self(run)
    }

    /// Beats before a write: a run that lost its lease never sends it.
    pub(crate) async fn before_write(&self) -> Result<(), VendorError> {
        self.0
            .beat(Duration::ZERO)
            .await
            .map_err(VendorError::Halted)
    }

    /// Waits `wait` on the run's behalf: the heartbeat extends the lease over it, or stops
    /// the run when its deadline falls inside it.
    pub(crate) async fn pause(&self, wait: Duration) -> Result<(), VendorError> {
        self.0.beat(wait).await.map_err(VendorError::Halted)?;
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Asks for `slot` in the credential's shared windows ([`Admission::Local`]: none here).
    pub(crate) async fn admit(&self, slot: &Slot) -> Result<Admission, VendorError> {
        self.0.admit(slot).await.map_err(VendorError::Halted)
    }
}
