//! The deployment's outbound policy applied where people name vendor addresses (connect,
//! registering a Mynavi account, changing settings) and before the admin function itself
//! calls a stored connection's vendor (LinkedIn's recruiter operations): a refused address
//! is a 422 naming its setting and why, and nothing is stored or called.

use crate::Problem;
use renkei_core::outbound::{Endpoint, OutboundPolicy};
use renkei_core::setup::SetupProblems;
use serde_json::Value;

/// `settings` of a `connector` connection, or the problem naming each address refused.
pub(crate) fn check_settings(
    policy: &OutboundPolicy,
    connector: &str,
    settings: &Value,
) -> Result<(), Problem> {
    let endpoints = renkei_connectors::factory(connector)
        .and_then(|f| f.schema())
        .map(|schema| schema.endpoints(settings))
        .unwrap_or_default();
    check(policy, &endpoints)
}

/// Every endpoint, or the problem naming each one refused.
pub(crate) fn check(policy: &OutboundPolicy, endpoints: &[Endpoint]) -> Result<(), Problem> {
    let refused = policy.problems(endpoints);
    if refused.is_empty() {
        Ok(())
    } else {
        Err(SetupProblems(refused).into())
    }
}
