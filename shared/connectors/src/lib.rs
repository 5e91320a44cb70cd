//! One module per connector: its settings, setup checks, mapping and the
//! [`renkei_core::engine::Connector`] that the sync engine runs. Connectors depend on the
//! core ports and the vendor clients, never on an AWS crate.

pub mod mynavi_hrmos;
pub mod roumumate_kaonavi;

use renkei_core::engine::ConnectorFactory;
use std::sync::Arc;

/// The factory for a connector name (the name of its function folder), if it exists.
pub fn factory(name: &str) -> Option<Arc<dyn ConnectorFactory>> {
    match name {
        mynavi_hrmos::NAME => Some(Arc::new(mynavi_hrmos::Factory)),
        roumumate_kaonavi::NAME => Some(Arc::new(roumumate_kaonavi::Factory)),
        _ => None,
    }
}

/// Every connector that exists, by name.
pub const CONNECTORS: &[&str] = &[mynavi_hrmos::NAME, roumumate_kaonavi::NAME];
