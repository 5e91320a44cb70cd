//! renkei-core: the domain types, the ports every adapter implements, and the sync engine
//! that every connector runs on.
//!
//! Connectors depend on this crate only (never on an AWS crate): the engine talks to the
//! outside world through the small port traits in [`ports`], and to the vendor through the
//! [`engine::Connector`] trait that each connector implements.
//!
//! Every public item is documented (issue 30, item 7): what it means, its units, who sets
//! it and what `None` stands for. The workspace turns the lint on for every crate; it is
//! repeated here so that this crate keeps it even if the workspace's lints change.
#![warn(missing_docs)]

pub mod action;
pub mod admin;
pub mod backoff;
pub mod cadence;
pub mod clock;
pub mod config;
pub mod connector;
pub mod contract;
pub mod dispatch;
pub mod engine;
mod erased;
pub mod handler;
pub mod heartbeat;
pub mod ids;
mod keeper;
pub mod meter;
pub mod metrics;
pub mod notify;
pub mod outbound;
pub mod ports;
pub mod rate;
pub mod registry;
pub mod repo;
pub mod report;
mod request;
pub mod run;
pub mod setup;
pub mod webhook;

pub use cadence::Cadence;
pub use clock::{Clock, ManualClock, ScaledClock, SystemClock};
pub use ids::{ConnectionId, RunId, TenantId};
pub use registry::Registry;
