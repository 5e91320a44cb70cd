//! The sandbox's simulated vendors wired to the embedded backend and the connectors of a
//! registry: [`SandboxEnv`] (what `renkei demo`, `renkei-bench` and the end-to-end tests
//! run in) and [`LocalRunner`] (how the sandbox's control API and its `/webhooks/...` route
//! reach the backend). Kept out of renkei-local so that the embedded adapters depend on
//! renkei-core alone.

pub mod demo;
mod env;
mod hrbrain;
mod linkedin;
mod runner;
pub mod seed;
mod talentwunder;

pub use env::*;
pub use hrbrain::*;
pub use linkedin::*;
pub use runner::LocalRunner;
pub use talentwunder::*;
