//! The records the repository reads and writes: connections and their claims, users,
//! leases, checkpoints, error rows.

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
    /// 管理者: the tenant's administrators, whom every connector notifies.
    Admin,
    /// 採用担当者: recruiters, whom the recruiting connectors (applicants, candidates)
    /// notify besides the administrators.
    Recruiter,
    /// Anyone else: listed with the tenant, but no connector names this role, so they are
    /// sent nothing.
    Member,
}

/// A user of a tenant who may receive notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantUser {
    /// Where notices go; also the user's key within the tenant (`USER#<email>`), so one
    /// address is one user.
    pub email: String,
    /// What the user is told about: a notice goes to every user holding any of the roles
    /// its connector names (empty: told nothing).
    pub roles: Vec<Role>,
}

/// Whether a connection runs on its schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Automation {
    /// 連携の自動化 ON: runs when due (the dispatcher's schedule) and on webhooks.
    On,
    /// Switched off by a person (a temporary stop): no scheduled or webhook runs; a person's
    /// "run now" still runs.
    Off,
    /// Switched off by renkei after repeated failures; a person turns it on after fixing.
    Paused {
        /// What renkei tells people (and the pause email says): how many runs failed in a
        /// row and the last one's error.
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
    /// The tenant that owns it; its items live in the tenant's partition only.
    pub tenant_id: TenantId,
    /// Names the connection within its tenant only: another tenant may use the same id.
    pub connection_id: ConnectionId,
    /// Connector name, same as its function folder (e.g. `roumumate-kaonavi`).
    pub connector: String,
    /// Connector-specific settings as the connector's settings type writes them (checked at
    /// setup and on every change, see [`crate::config::Schema`]); credentials are never
    /// here (they live in the secret store, under `secret_name`).
    pub settings: Value,
    /// Name of the connection's secret in the secret store.
    pub secret_name: String,
    /// Whether it runs on its own: only an `On` connection is in the due index and runs on
    /// webhooks.
    pub automation: Automation,
    /// When it runs on its own: `next_run_at` is set from it when a run closes (unless the
    /// connector decides otherwise) and when automation is switched on.
    pub cadence: Cadence,
    /// When it is due next: the dispatcher hands it out once this has passed (only while
    /// automation is on). Also moved past a claim's lifetime when a run is handed out, so
    /// that it is not handed out twice.
    pub next_run_at: DateTime<Utc>,
    /// Failed runs in a row (succeeded or partial resets it).
    pub consecutive_failures: u32,
    /// The failure notice last sent and the runs not told yet, so that a repeat is not
    /// mailed every run; None: nothing to remember (cleared by a clean run, or by switching
    /// automation on).
    pub notice: Option<NoticeState>,
    /// Status the last run closed with (a continued segment's included) or was found
    /// interrupted with, for listings; dry runs leave it as it is. None: no run has closed.
    pub last_status: Option<crate::run::RunStatus>,
    /// When the last successful (succeeded or partial) run finished; None: none has yet
    /// (dry runs do not count).
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last run failed, while the failure lasts (cleared by a successful run).
    #[serde(default)]
    pub last_error: Option<String>,
    /// When it was connected (setup); never changes afterwards.
    pub created_at: DateTime<Utc>,
    /// The run the dispatcher (or a continuing run) has handed out and not yet seen close;
    /// None: nothing handed out, so a scheduled event without a claim runs only when due.
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
    /// Unique per hand-out (see [`crate::engine::claim_id`]); the `SyncRequested` event
    /// carries it, and only an event with the current id may run.
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
    /// Where the next run starts reading: the connector's own cursor in its stored form
    /// (only the connector reads it). None: from the connector's starting point.
    pub cursor: Option<String>,
    /// When it was saved (engine clock): by a run's page commit or close, or by setup.
    pub saved_at: DateTime<Utc>,
}

/// The lease that keeps runs of one connection from overlapping. Its generation (the lease
/// item's version) only ever grows: every takeover, release and disconnect moves it on, so a
/// holder's fence ([`Lease::fence`]) breaks the moment anybody else could have written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Who holds it: the holding run's id for a run's lease (`disconnected` on a
    /// disconnect's tombstone); renewals and fenced writes require it to be unchanged.
    pub owner: String,
    /// The run it was taken for, which a takeover marks interrupted if it never closed.
    pub run_id: RunId,
    /// Expiry; a holder that stops renewing loses it then.
    pub expires_at: DateTime<Utc>,
    /// The generation this holder took: one past the lease item's last one, read back from
    /// the item's version (which is what the store's conditions compare).
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
    /// The connection's connector when the run began (becomes [`RunRecord::connector`]).
    pub connector: String,
    /// When the run took its lease (engine clock; becomes [`RunRecord::started_at`]).
    pub started_at: DateTime<Utc>,
    /// A person's dry run: the connector writes nothing, no checkpoint or hash is saved.
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
        /// The lease now held, at a generation one past the previous one: its fence is what
        /// every write of the run is conditional on.
        lease: Lease,
        /// An expired, never released lease that was taken over.
        abandoned: Option<Lease>,
    },
    /// Another run holds it and it has not expired (or another claimant won the race for
    /// it): nothing was written, and this run must not start.
    Held,
}

/// Users a tenant may have: the failure-email list stays a list people read, and every
/// read of it (each failed run mails them) stays one small query.
pub const MAX_USERS_PER_TENANT: usize = 200;

/// One rejected record in a run's error report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorRow {
    /// The record's key (社員番号, row number, …).
    pub record: String,
    /// Why it was rejected, for the people who fix the record at its source (a vendor's
    /// refusal or a mapping problem; may name the person's data, so it expires with the
    /// report).
    pub reason: String,
}

/// What the due index holds now.
#[derive(Debug, Default)]
pub struct Due {
    /// The connections due, oldest due first, each with its item version (the dispatcher's
    /// claim is a conditional write on it).
    pub connections: Vec<(Connection, u64)>,
    /// The keys of items that could not be decoded (left out).
    pub bad: Vec<String>,
}
