//! Which requests may run: a scheduled event only under the connection's current claim (or
//! when due), a webhook's while automation is on and nothing is handed out, a person's always.

use crate::ids::RunId;
use crate::repo::{Automation, Connection};
use crate::request::{RunRequest, Trigger};
use chrono::{DateTime, Utc};

/// Whether a request may run now, and which continued run it resumes.
pub(super) fn admit(
    req: &RunRequest,
    conn: &Connection,
    now: DateTime<Utc>,
) -> Result<Option<RunId>, String> {
    if req.trigger == Trigger::Person {
        return Ok(None);
    }
    if conn.automation != Automation::On {
        return Err("automation is off for this connection".into());
    }
    let current = conn.claim.as_ref();
    if req.trigger == Trigger::Webhook {
        // A run already handed out has not started yet (it will read the change), or is
        // under way (its close sees the webhook's mark and makes the connection due).
        return match current {
            Some(_) => Err("a run is already handed out; it covers this webhook".into()),
            None => Ok(None),
        };
    }
    match (req.trigger.claim(), current) {
        (Some(id), Some(claim)) if claim.id == id => Ok(claim.resume_run.clone()),
        (Some(_), _) => Err(
            "the event's claim is stale: this run was handed out again or has already run".into(),
        ),
        (None, _) if conn.next_run_at > now => Err("the connection is not due".into()),
        (None, claim) => Ok(claim.and_then(|c| c.resume_run.clone())),
    }
}

/// A claim id: unique per hand-out, readable in logs.
pub fn claim_id(seed: &impl std::fmt::Display, now: DateTime<Utc>) -> String {
    format!(
        "{}-{seed}-{:06x}",
        now.timestamp_millis(),
        fastrand::u32(..) & 0xff_ffff
    )
}
