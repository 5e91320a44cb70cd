//! The records the repository reads and writes: connections and their claims, users,
//! routing rules, leases, checkpoints, error rows.

use super::Repo;
use crate::cadence::Cadence;
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::ports::Fence;
use crate::run::{Counts, RunRecord, RunStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Roles a tenant user can hold; notifications go to the roles a connector names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 管理者.
    Admin,
    /// 採用担当者.
    Recruiter,
    /// Anyone else.
    Member,
}

/// A user of a tenant who may receive notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantUser {
    /// Address.
    pub email: String,
    /// Roles held.
    pub roles: Vec<Role>,
}

/// Whether a connection runs on its schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Automation {
    /// 連携の自動化 ON.
    On,
    /// Switched off by a person (temporary stop).
    Off,
    /// Switched off by renkei after repeated failures; a person turns it on after fixing.
    Paused {
        /// Why.
        reason: String,
    },
}

/// The last failure notice sent, so repeats are not re-sent every run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeState {
    /// What failed (status and message), to recognise a repeat.
    pub fingerprint: String,
    /// When this failure was first seen.
    pub first_seen: DateTime<Utc>,
    /// When the last email went out.
    pub last_sent: DateTime<Utc>,
    /// Runs with a problem not yet told in an email (suppressed by the hourly limit).
    #[serde(default)]
    pub untold_runs: Vec<String>,
}

/// One configured integration of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    /// Owner.
    pub tenant_id: TenantId,
    /// Id within the tenant.
    pub connection_id: ConnectionId,
    /// Connector name, same as its function folder (e.g. `roumumate-kaonavi`).
    pub connector: String,
    /// Connector-specific settings (validated by the connector at setup).
    pub settings: Value,
    /// Name of the connection's secret in the secret store.
    pub secret_name: String,
    /// On, off, or paused by renkei.
    pub automation: Automation,
    /// Schedule.
    pub cadence: Cadence,
    /// When it is due next.
    pub next_run_at: DateTime<Utc>,
    /// Failed runs in a row (succeeded or partial resets it).
    pub consecutive_failures: u32,
    /// Last failure notice.
    pub notice: Option<NoticeState>,
    /// Status of the last finished run, for listings.
    pub last_status: Option<crate::run::RunStatus>,
    /// When the last successful (succeeded or partial) run finished.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last run failed, while the failure lasts (cleared by a successful run).
    #[serde(default)]
    pub last_error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// The run the dispatcher (or a continuing run) has handed out and not yet seen close.
    #[serde(default)]
    pub claim: Option<Claim>,
}

impl Connection {
    /// The secret a run may read: the connector-scoped name only (issue 28, item 14). A
    /// connection still named by the legacy scheme (`renkei/<tenant>/<connection>`, from
    /// before `migrate-secrets`) is refused, not read: under the deployed grants
    /// (`renkei/<connector>/*`) a legacy name is readable only when the tenant is named like a
    /// connector — that connector's function reading another connector's credentials.
    pub fn scoped_secret(&self) -> Result<&str, String> {
        let scoped = super::secret_name(&self.connector, &self.tenant_id, &self.connection_id);
        if self.secret_name == scoped {
            Ok(&self.secret_name)
        } else {
            Err(format!(
                "the credentials are stored under {:?}, a name from before connector-scoped \
                 secrets; an operator must move them (renkei migrate-secrets {})",
                self.secret_name, self.tenant_id
            ))
        }
    }

    /// A new connection with automation on, due at `next_run_at`, and no history: the one
    /// way every connector creates its connections (the secret named by [`super::secret_name`]).
    pub fn new(
        tenant_id: TenantId,
        connection_id: ConnectionId,
        connector: &str,
        settings: Value,
        cadence: Cadence,
        next_run_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            secret_name: super::secret_name(connector, &tenant_id, &connection_id),
            tenant_id,
            connection_id,
            connector: connector.to_string(),
            settings,
            automation: Automation::On,
            cadence,
            next_run_at,
            consecutive_failures: 0,
            notice: None,
            last_status: None,
            last_success_at: None,
            last_error: None,
            created_at: now,
            claim: None,
        }
    }
}

/// A due run handed out once: the dispatcher stores it with a conditional write and puts its
/// id in the event; the engine runs a scheduled event only if its claim is the current one,
/// so a backlog of re-sent or retried events runs the connection once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Carried by the event.
    pub id: String,
    /// When it was handed out.
    pub at: DateTime<Utc>,
    /// A continuation goes on with this run (its counts and error report).
    #[serde(default)]
    pub resume_run: Option<RunId>,
}

/// A run's saved position: the cursor after the last page whose writes succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Opaque source cursor.
    pub cursor: Option<String>,
    /// Saved at.
    pub saved_at: DateTime<Utc>,
}

/// The lease that keeps runs of one connection from overlapping. Its generation (the lease
/// item's version) only ever grows: every takeover, release and disconnect moves it on, so a
/// holder's fence ([`Lease::fence`]) breaks the moment anybody else could have written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Holder (unique per run).
    pub owner: String,
    /// The run it protects.
    pub run_id: RunId,
    /// Expiry; a holder that stops renewing loses it then.
    pub expires_at: DateTime<Utc>,
    /// The generation this holder took.
    #[serde(default)]
    pub generation: u64,
    /// Given back (or fenced by a disconnect): free for the next run.
    #[serde(default)]
    pub released: bool,
    /// The run it was taken for, as that run began (None: a lease taken without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening: Option<Opening>,
}

/// A run as it began, kept in the lease taken for it. A new run writes no record when it
/// opens: its record is written with its first committed page, or when it closes. So a run
/// that changes nothing writes its record once (issue 14, goal 3: five state-store items).
/// Until then the run reads as running from its lease ([`Lease::opened_run`]), and a
/// takeover marks it interrupted from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// Connector name.
    pub connector: String,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Nothing is to be written.
    #[serde(default)]
    pub dry_run: bool,
    /// The part of the connection's work the run does (None: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Opening {
    /// The run's record as it begins: running, nothing done yet, no cursor.
    pub fn record(&self, t: &TenantId, c: &ConnectionId, run_id: &RunId) -> RunRecord {
        RunRecord {
            tenant_id: t.clone(),
            connection_id: c.clone(),
            run_id: run_id.clone(),
            connector: self.connector.clone(),
            status: RunStatus::Running,
            dry_run: self.dry_run,
            started_at: self.started_at,
            finished_at: None,
            cursor_from: None,
            cursor_to: None,
            counts: Counts::default(),
            pages: 0,
            error: None,
            error_items: 0,
            segments: 1,
            stalled_segments: 0,
            scope: self.scope.clone(),
        }
    }
}

impl Lease {
    /// The record of the run this lease was taken for, as it began (None: taken without an
    /// [`Opening`]).
    pub fn opened_run(&self, t: &TenantId, c: &ConnectionId) -> Option<RunRecord> {
        let o = self.opening.as_ref()?;
        Some(o.record(t, c, &self.run_id))
    }

    /// The fencing token of this holding.
    pub fn fence(&self, t: &TenantId, c: &ConnectionId) -> Fence {
        Fence {
            key: Repo::lease_key(t, c),
            owner: self.owner.clone(),
            generation: self.generation,
        }
    }
}

/// What an attempt to take the lease found.
// Returned once per run and matched at once: boxing the lease would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseClaim {
    /// Taken. `abandoned` is the previous holder's lease when it expired without a release:
    /// that run stopped without closing and is known to be interrupted.
    Taken {
        /// The lease now held.
        lease: Lease,
        /// An expired, never released lease that was taken over.
        abandoned: Option<Lease>,
    },
    /// Somebody else holds it.
    Held,
}

/// 媒体: the job board an applicant came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Medium {
    /// マイナビ転職.
    MynaviTenshoku,
}

impl Medium {
    /// The name recruiters see.
    pub fn label(self) -> &'static str {
        match self {
            Medium::MynaviTenshoku => "マイナビ転職",
        }
    }
    /// The stable code used in source keys.
    pub fn code(self) -> &'static str {
        match self {
            Medium::MynaviTenshoku => "mynavi_tenshoku",
        }
    }
}

/// 振り分けルール: applicants of `medium` whose position name is exactly `position_name`
/// go into selection for the ATS job `job_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    /// Id within the tenant.
    pub id: String,
    /// 求人媒体.
    pub medium: Medium,
    /// 募集ポジション名: compared byte for byte with the job board's 職種名.
    pub position_name: String,
    /// 振り分け先の求人 (the ATS job id).
    pub job_id: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Users a tenant may have: the failure-email list stays a list people read, and every
/// read of it (each failed run mails them) stays one small query.
pub const MAX_USERS_PER_TENANT: usize = 200;
/// Routing rules a tenant may have: each Mynavi import reads them all to route applicants.
pub const MAX_RULES_PER_TENANT: usize = 1_000;

/// One rejected record in a run's error report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorRow {
    /// The record's key (社員番号, row number, …).
    pub record: String,
    /// Why it was rejected.
    pub reason: String,
}

/// What the due index holds now.
#[derive(Debug, Default)]
pub struct Due {
    /// Due connections and their versions.
    pub connections: Vec<(Connection, u64)>,
    /// The keys of items that could not be decoded (left out).
    pub bad: Vec<String>,
}
