//! A run and how it ended: the record every segment of a run updates, kept apart from the
//! engine so that the repository and the notification policy need not depend on the engine.

use crate::ids::{ConnectionId, RunId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a run ended. Only `Succeeded` means everything arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still going (or its process died and nobody has taken over yet).
    Running,
    /// Every record arrived.
    Succeeded,
    /// The run finished, but some records were rejected (see the error report).
    Partial,
    /// The run stopped on an error; the checkpoint holds what was done.
    Failed,
    /// The vendor refused our credentials.
    AuthFailed,
    /// Its process stopped without closing it (found when the lease was taken over).
    Interrupted,
    /// It reached its time budget, saved, and handed over to a new invocation.
    Continued,
}

impl RunStatus {
    /// The status as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::AuthFailed => "auth_failed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Continued => "continued",
        }
    }
}

/// Record counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Created at the target (or would be, in a dry run).
    pub created: u64,
    /// Updated at the target (or would be).
    pub updated: u64,
    /// Same content as last written: no write.
    pub unchanged: u64,
    /// Rejected, each with a row in the error report.
    pub rejected: u64,
    /// Outside the connection's scope (filters, statuses): not an error.
    pub skipped: u64,
}

/// One run of one connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Owner.
    pub tenant_id: TenantId,
    /// Connection.
    pub connection_id: ConnectionId,
    /// This run.
    pub run_id: RunId,
    /// Connector name.
    pub connector: String,
    /// Truthful status.
    pub status: RunStatus,
    /// Nothing was written.
    pub dry_run: bool,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Finished (None while running).
    pub finished_at: Option<DateTime<Utc>>,
    /// Checkpoint at the start.
    pub cursor_from: Option<String>,
    /// Checkpoint reached.
    pub cursor_to: Option<String>,
    /// Counts.
    pub counts: Counts,
    /// Pages processed.
    pub pages: u32,
    /// What stopped the run, if anything.
    pub error: Option<String>,
    /// Error-report items written so far (the next one's number), carried across segments.
    #[serde(default)]
    pub error_items: usize,
    /// Invocations the run has taken (a continued run goes on in a new one).
    #[serde(default = "one")]
    pub segments: u32,
    /// Segments in a row that ended at the time budget without finishing a page.
    #[serde(default)]
    pub stalled_segments: u32,
    /// The part of the connection's work this run did (a connector's scope); None: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

fn one() -> u32 {
    1
}
