//! One module per connector: its settings, setup checks, mapping and the
//! [`renkei_core::engine::Connector`] that the sync engine runs. Connectors depend on the
//! core ports and the vendor clients, never on an AWS crate.
//!
//! Adding a connector: docs/adding-a-connector.md.

pub mod hrbrain_mikiwame;
pub mod kana;
pub mod mynavi_hrmos;
pub mod recruitee_linkedin;
pub mod roumumate_kaonavi;
pub mod talentwunder_personio;

use renkei_core::Registry;
use renkei_core::engine::ConnectorFactory;
use std::sync::Arc;

/// Every connector that exists: the one list the webhook ingress, the CLI (demo, run) and
/// the consistency test read.
pub fn registry() -> Registry {
    Registry::new()
        .with(Arc::new(mynavi_hrmos::Factory))
        .with(Arc::new(roumumate_kaonavi::Factory))
        .with(Arc::new(hrbrain_mikiwame::Factory))
        .with(Arc::new(talentwunder_personio::Factory))
        .with(Arc::new(recruitee_linkedin::Factory))
}

/// The factory for a connector name (the name of its function folder), if it exists.
pub fn factory(name: &str) -> Option<Arc<dyn ConnectorFactory>> {
    registry().get(name)
}
