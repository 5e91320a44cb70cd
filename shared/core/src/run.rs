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
    /// The source had no more pages and no record was rejected: every record in scope is at
    /// the target (written now, or unchanged since it was; in a dry run, would be).
    Succeeded,
    /// The run finished, but some records were rejected (see the error report).
    Partial,
    /// The run stopped on an error; the checkpoint holds what was done.
    Failed,
    /// The vendor refused the connection's credentials (or a needed permission): the run
    /// stopped, and a person must enter them again or grant the access.
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

/// What happened to the records a run read: each record read lands in exactly one count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Created at the target (or would be, in a dry run).
    pub created: u64,
    /// Updated at the target (or would be).
    pub updated: u64,
    /// Same content as last written (by content hash), so not sent; or sent, and the target
    /// answered that nothing changed.
    pub unchanged: u64,
    /// Rejected, each with a row in the error report.
    pub rejected: u64,
    /// Outside the connection's scope (filters, statuses): not an error.
    pub skipped: u64,
}

/// One run of one connection, as its history shows it: stored as `RUN#<run id>` for the
/// engine's retention, written with each committed page and at every segment's close (a run
/// that has not written it yet reads as its lease's [`crate::repo::Opening`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The tenant the connection belongs to (part of the record's key).
    pub tenant_id: TenantId,
    /// The connection this run synced (part of the record's key).
    pub connection_id: ConnectionId,
    /// Sorts by start time (see [`RunId::generate`]); a continued run keeps its id across
    /// segments.
    pub run_id: RunId,
    /// The connector the connection used when the run began (e.g. `roumumate-kaonavi`).
    pub connector: String,
    /// How the run stands: `Running` while a segment works on it, then what it earned at
    /// its close (`Succeeded` only when the source had no more pages and nothing was
    /// rejected).
    pub status: RunStatus,
    /// A person's dry run: the connector was asked to write nothing, no checkpoint or hash
    /// was saved, and the counts say what would have been written.
    pub dry_run: bool,
    /// When the run's first segment took the lease (engine clock); later segments keep it.
    pub started_at: DateTime<Utc>,
    /// When the latest segment ended (closed, continued, or found interrupted); None while a
    /// segment is working on it.
    pub finished_at: Option<DateTime<Utc>>,
    /// The connection's saved cursor when the run began, in the connector's stored form; None:
    /// the connection had no checkpoint, so the run read from the connector's starting point.
    pub cursor_from: Option<String>,
    /// The cursor after the last page the run processed (quiet pages included), as the
    /// connector answered it; the connection's checkpoint moves to it as the pages commit
    /// (not in a dry run). None: no position to save (the connector starts over next time).
    pub cursor_to: Option<String>,
    /// What happened to the records read, summed over all of the run's segments.
    pub counts: Counts,
    /// Pages pulled and processed, over all segments (pages with nothing to write included).
    pub pages: u32,
    /// Why the run failed, was interrupted or was stopped as stuck, as people read it (may
    /// quote a vendor's message); None for a run that did not fail.
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
