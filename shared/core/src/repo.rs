//! Typed records over the [`StateStore`] port, and the one place that knows the key layout
//! (documented in docs/state-store.md):
//!
//! | pk                       | sk                          | what                          |
//! |--------------------------|-----------------------------|-------------------------------|
//! | `T#<tenant>`             | `CONN#<connection>`         | connection (settings, schedule) |
//! | `T#<tenant>`             | `USER#<email>`              | a tenant user and their roles |
//! | `T#<tenant>`             | `RULE#<rule id>`            | a routing rule (振り分けルール) |
//! | `T#<tenant>#C#<conn>`    | `CURSOR`                    | checkpoint                    |
//! | `T#<tenant>`             | `RATE#<vendor>#<credential>`| a vendor credential's rate-limit window |
//! | `T#<tenant>#C#<conn>`    | `LEASE`                     | the run lease (generation = version) |
//! | `T#<tenant>#C#<conn>`    | `RUN#<run id>`              | run record                    |
//! | `T#<tenant>#C#<conn>`    | `ERR#<run id>#<seq>`        | error report rows             |
//! | `T#<tenant>#C#<conn>`    | `H#<record key>`            | content hash of a record (TTL per connector) |
//!
//! Every function takes the tenant, so no call can reach another tenant's partition.

use crate::cadence::Cadence;
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::ports::{Condition, Fence, Item, Key, StateStore, StoreError};
use crate::run::RunRecord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
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
}

impl Lease {
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

/// Typed access to the state store.
pub struct Repo<'a> {
    store: &'a dyn StateStore,
}

fn tenant_pk(t: &TenantId) -> String {
    format!("T#{t}")
}
fn conn_pk(t: &TenantId, c: &ConnectionId) -> String {
    format!("T#{t}#C#{c}")
}
/// The name of a connection's secret: `renkei/<connector>/<tenant>/<connection>`, so that
/// each connector function's IAM policy can reach its own connector's secrets only.
pub fn secret_name(connector: &str, t: &TenantId, c: &ConnectionId) -> String {
    format!("renkei/{connector}/{t}/{c}")
}

/// Rows per error-report item: keeps each item far below DynamoDB's 400 KB.
const ERROR_ROWS_PER_ITEM: usize = 100;

fn decode<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    serde_json::from_value(item.body.clone())
        .map_err(|e| StoreError::Corrupt(format!("{}/{}: {e}", item.key.pk, item.key.sk)))
}
fn encode<T: Serialize>(value: &T) -> Value {
    // Serialising our own plain structs to a Value cannot fail (no maps with non-string keys).
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl<'a> Repo<'a> {
    /// Wraps a store.
    pub fn new(store: &'a dyn StateStore) -> Self {
        Self { store }
    }

    // ---- connections

    /// Reads a connection and its version.
    pub async fn connection(
        &self,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Option<(Connection, u64)>, StoreError> {
        let key = Key::new(tenant_pk(t), format!("CONN#{c}"));
        match self.store.get(&key).await? {
            Some(item) => Ok(Some((decode(&item)?, item.version))),
            None => Ok(None),
        }
    }

    /// All connections of a tenant.
    pub async fn connections(&self, t: &TenantId) -> Result<Vec<Connection>, StoreError> {
        let items = self.store.query(&tenant_pk(t), "CONN#").await?;
        items.iter().map(decode).collect()
    }

    /// Forgets a connection's position (its next run starts from the connection's start).
    pub async fn delete_checkpoint(
        &self,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<(), StoreError> {
        self.store.delete(&Key::new(conn_pk(t, c), "CURSOR")).await
    }

    /// Writes a connection; `expected_version` None creates it (fails if it exists).
    pub async fn put_connection(
        &self,
        conn: &Connection,
        expected_version: Option<u64>,
    ) -> Result<u64, StoreError> {
        let mut item = Item::new(
            Key::new(
                tenant_pk(&conn.tenant_id),
                format!("CONN#{}", conn.connection_id),
            ),
            encode(conn),
        );
        // Only connections that run on their own are in the due index.
        if conn.automation == Automation::On {
            item.due_at = Some(conn.next_run_at.timestamp());
        }
        let (condition, version) = match expected_version {
            None => (Condition::NotExists, 1),
            Some(v) => (Condition::VersionIs(v), v + 1),
        };
        item.version = version;
        self.store.put(item, condition).await?;
        Ok(version)
    }

    /// Read-modify-write of a connection, retried when somebody else wrote in between.
    /// Returns the connection as written, or None when it no longer exists.
    pub async fn update_connection(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        mut change: impl FnMut(&mut Connection),
    ) -> Result<Option<Connection>, StoreError> {
        for _ in 0..8 {
            let Some((mut conn, version)) = self.connection(t, c).await? else {
                return Ok(None);
            };
            change(&mut conn);
            match self.put_connection(&conn, Some(version)).await {
                Ok(_) => return Ok(Some(conn)),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Unavailable(format!(
            "connection {t}/{c} kept changing; gave up"
        )))
    }

    /// Connections due at `now` (automation on, next_run_at passed), across tenants, each
    /// with its version. An item that cannot be decoded is left out and named in `bad`, so
    /// that one broken item never stops everyone else's schedule.
    pub async fn due_connections(&self, now: DateTime<Utc>) -> Result<Due, StoreError> {
        let mut due = Due::default();
        for item in self.store.due(now.timestamp()).await? {
            match decode::<Connection>(&item) {
                Ok(conn) => due.connections.push((conn, item.version)),
                // The key only: a decoder's message may quote the item's values.
                Err(_) => due.bad.push(format!("{}/{}", item.key.pk, item.key.sk)),
            }
        }
        Ok(due)
    }

    /// Deletes a connection and everything stored under it (cursor, runs, hashes, reports).
    pub async fn delete_connection(
        &self,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<(), StoreError> {
        for item in self.store.query(&conn_pk(t, c), "").await? {
            self.store.delete(&item.key).await?;
        }
        self.store
            .delete(&Key::new(tenant_pk(t), format!("CONN#{c}")))
            .await
    }

    // ---- routing rules

    /// The tenant's routing rules.
    pub async fn rules(&self, t: &TenantId) -> Result<Vec<RoutingRule>, StoreError> {
        let items = self.store.query(&tenant_pk(t), "RULE#").await?;
        items.iter().map(decode).collect()
    }

    /// Creates (`create`: fails if the id exists) or replaces a routing rule.
    pub async fn put_rule(
        &self,
        t: &TenantId,
        rule: &RoutingRule,
        create: bool,
    ) -> Result<(), StoreError> {
        let item = Item::new(
            Key::new(tenant_pk(t), format!("RULE#{}", rule.id)),
            encode(rule),
        );
        let condition = if create {
            Condition::NotExists
        } else {
            Condition::Always
        };
        self.store.put(item, condition).await
    }

    /// Deletes a routing rule (no error when it is already gone).
    pub async fn delete_rule(&self, t: &TenantId, id: &str) -> Result<(), StoreError> {
        self.store
            .delete(&Key::new(tenant_pk(t), format!("RULE#{id}")))
            .await
    }

    // ---- users

    /// Adds or replaces a tenant user.
    pub async fn put_user(&self, t: &TenantId, user: &TenantUser) -> Result<(), StoreError> {
        let item = Item::new(
            Key::new(tenant_pk(t), format!("USER#{}", user.email)),
            encode(user),
        );
        self.store.put(item, Condition::Always).await
    }

    /// The tenant's users.
    pub async fn users(&self, t: &TenantId) -> Result<Vec<TenantUser>, StoreError> {
        let items = self.store.query(&tenant_pk(t), "USER#").await?;
        items.iter().map(decode).collect()
    }

    /// Removes a tenant user (no error when absent).
    pub async fn delete_user(&self, t: &TenantId, email: &str) -> Result<(), StoreError> {
        self.store
            .delete(&Key::new(tenant_pk(t), format!("USER#{email}")))
            .await
    }

    /// Addresses of the tenant's users holding any of `roles`.
    pub async fn recipients(
        &self,
        t: &TenantId,
        roles: &[Role],
    ) -> Result<Vec<String>, StoreError> {
        Ok(self
            .users(t)
            .await?
            .into_iter()
            .filter(|u| u.roles.iter().any(|r| roles.contains(r)))
            .map(|u| u.email)
            .collect())
    }

    // ---- lease

    fn lease_key(t: &TenantId, c: &ConnectionId) -> Key {
        Key::new(conn_pk(t, c), "LEASE")
    }

    fn lease_item(t: &TenantId, c: &ConnectionId, lease: &Lease) -> Item {
        let mut item = Item::new(Self::lease_key(t, c), encode(lease));
        item.version = lease.generation;
        item.owner = Some(lease.owner.clone());
        // No TTL (`expires_at`): the lease must outlive a crashed holder, so that the next
        // run finds it and marks that holder's run interrupted.
        item.lease_until = (!lease.released).then(|| lease.expires_at.timestamp());
        item
    }

    /// The connection's lease as stored (released or not).
    pub async fn lease(&self, t: &TenantId, c: &ConnectionId) -> Result<Option<Lease>, StoreError> {
        match self.store.get(&Self::lease_key(t, c)).await? {
            Some(item) => {
                let mut lease: Lease = decode(&item)?;
                lease.generation = item.version;
                Ok(Some(lease))
            }
            None => Ok(None),
        }
    }

    /// Tries to take the connection's lease for `owner`'s run until `until`: free, released
    /// or expired at `now` (by the claimant's clock). The new generation is one past the last.
    pub async fn acquire_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        owner: &str,
        run_id: &RunId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<LeaseClaim, StoreError> {
        let previous = self.lease(t, c).await?;
        if let Some(p) = &previous
            && !p.released
            && p.expires_at > now
        {
            return Ok(LeaseClaim::Held);
        }
        let lease = Lease {
            owner: owner.to_string(),
            run_id: run_id.clone(),
            expires_at: until,
            generation: previous.as_ref().map_or(1, |p| p.generation + 1),
            released: false,
        };
        let condition = match &previous {
            Some(p) => Condition::LeaseExpired {
                version: p.generation,
                now: now.timestamp(),
            },
            None => Condition::NotExists,
        };
        match self
            .store
            .put(Self::lease_item(t, c, &lease), condition)
            .await
        {
            Ok(()) => Ok(LeaseClaim::Taken {
                lease,
                abandoned: previous.filter(|p| !p.released),
            }),
            Err(StoreError::ConditionFailed) => Ok(LeaseClaim::Held),
            Err(e) => Err(e),
        }
    }

    /// Extends a held lease to `until`, only while `owner = me AND generation = mine`; a lost
    /// lease fails with ConditionFailed (never re-taken: a stalled run must not come back).
    pub async fn renew_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        lease: &mut Lease,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let fence = Condition::Held(lease.fence(t, c));
        let mut renewed = lease.clone();
        renewed.expires_at = until;
        self.store
            .put(Self::lease_item(t, c, &renewed), fence)
            .await?;
        *lease = renewed;
        Ok(())
    }

    /// Gives the lease back if it is still ours (a conditional write on owner and
    /// generation). It is kept as a released tombstone one generation on rather than deleted,
    /// so generations never repeat and a stale holder's fence stays broken.
    pub async fn release_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        lease: &Lease,
    ) -> Result<(), StoreError> {
        let mut released = lease.clone();
        released.released = true;
        released.generation = lease.generation + 1;
        match self
            .store
            .put(
                Self::lease_item(t, c, &released),
                Condition::Held(lease.fence(t, c)),
            )
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Breaks whatever lease the connection has (disconnect): moves the generation on
    /// unconditionally, so a run in flight fails its next fenced write and stops.
    pub async fn break_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let previous = self.lease(t, c).await?;
        let tombstone = Lease {
            owner: "disconnected".into(),
            run_id: previous
                .as_ref()
                .map_or_else(|| RunId::generate(now), |p| p.run_id.clone()),
            expires_at: now,
            generation: previous.map_or(1, |p| p.generation + 1),
            released: true,
        };
        self.store
            .put(Self::lease_item(t, c, &tombstone), Condition::Always)
            .await
    }

    // ---- rate windows of vendor credentials

    /// Takes a slot in a credential's shared rate windows at `now_ms` (wall-clock ms: vendor
    /// limits run on real time), retrying when another run counted at the same moment.
    pub async fn admit(
        &self,
        t: &TenantId,
        slot: &crate::rate::Slot,
        now_ms: i64,
    ) -> Result<crate::rate::Admission, StoreError> {
        use crate::rate::{Admission, Ledger};
        let key = Key::new(tenant_pk(t), format!("RATE#{}", slot.credential));
        for _ in 0..16 {
            let (mut ledger, version) = match self.store.get(&key).await? {
                Some(item) => (decode::<Ledger>(&item)?, Some(item.version)),
                None => (Ledger::default(), None),
            };
            if let Err(wait) = ledger.take(slot, now_ms) {
                return Ok(Admission::Wait(wait));
            }
            let mut item = Item::new(key.clone(), encode(&ledger));
            item.version = version.map_or(1, |v| v + 1);
            // Idle credentials vanish with the table's TTL after a day.
            item.expires_at = Some(now_ms / 1000 + 86_400);
            let condition = version.map_or(Condition::NotExists, Condition::VersionIs);
            match self.store.put(item, condition).await {
                Ok(()) => return Ok(Admission::Granted),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Unavailable(format!(
            "rate window {} kept changing",
            slot.credential
        )))
    }

    // ---- checkpoint

    /// The saved checkpoint, if any.
    pub async fn checkpoint(
        &self,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Option<Checkpoint>, StoreError> {
        match self.store.get(&Key::new(conn_pk(t, c), "CURSOR")).await? {
            Some(item) => Ok(Some(decode(&item)?)),
            None => Ok(None),
        }
    }

    /// Saves a checkpoint outside any run: setup positions a connection that has never run.
    /// Runs commit theirs fenced, with [`Repo::commit`].
    pub async fn save_checkpoint(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        cp: &Checkpoint,
    ) -> Result<(), StoreError> {
        self.store
            .put(Self::checkpoint_item(t, c, cp), Condition::Always)
            .await
    }

    /// The item that saves a checkpoint (written with [`Repo::commit`]).
    pub fn checkpoint_item(t: &TenantId, c: &ConnectionId, cp: &Checkpoint) -> Item {
        Item::new(Key::new(conn_pk(t, c), "CURSOR"), encode(cp))
    }

    /// Writes a run's items while its lease holds (see [`StateStore::put_fenced`]): nothing of
    /// a run that lost its lease reaches the store.
    pub async fn commit(&self, fence: &Fence, items: Vec<Item>) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        self.store.put_fenced(fence, items).await
    }

    // ---- runs

    /// The item of a run record; `expires` is its retention (personal data in error
    /// messages must not stay forever).
    pub fn run_item(run: &RunRecord, expires: Option<DateTime<Utc>>) -> Item {
        let mut item = Item::new(
            Key::new(
                conn_pk(&run.tenant_id, &run.connection_id),
                format!("RUN#{}", run.run_id),
            ),
            encode(run),
        );
        item.expires_at = expires.map(|e| e.timestamp());
        item
    }

    /// One run record.
    pub async fn run(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        r: &RunId,
    ) -> Result<Option<crate::run::RunRecord>, StoreError> {
        match self
            .store
            .get(&Key::new(conn_pk(t, c), format!("RUN#{r}")))
            .await?
        {
            Some(item) => Ok(Some(decode(&item)?)),
            None => Ok(None),
        }
    }

    /// The connection's runs, oldest first (run ids sort by start time).
    pub async fn runs(
        &self,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Vec<crate::run::RunRecord>, StoreError> {
        let items = self.store.query(&conn_pk(t, c), "RUN#").await?;
        items.iter().map(decode).collect()
    }

    // ---- error report

    /// The items that append `rows` to a run's error report, numbered from `first_seq`
    /// (written with [`Repo::commit`]); `expires` is the report's retention.
    pub fn error_items(
        t: &TenantId,
        c: &ConnectionId,
        r: &RunId,
        first_seq: usize,
        rows: &[ErrorRow],
        expires: Option<DateTime<Utc>>,
    ) -> Vec<Item> {
        rows.chunks(ERROR_ROWS_PER_ITEM)
            .enumerate()
            .map(|(i, chunk)| {
                let mut item = Item::new(
                    Key::new(conn_pk(t, c), format!("ERR#{r}#{:08}", first_seq + i)),
                    encode(&chunk),
                );
                item.expires_at = expires.map(|e| e.timestamp());
                item
            })
            .collect()
    }

    /// A run's whole error report, in the order the rows were found.
    pub async fn errors(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        r: &RunId,
    ) -> Result<Vec<ErrorRow>, StoreError> {
        let mut rows = Vec::new();
        for item in self
            .store
            .query(&conn_pk(t, c), &format!("ERR#{r}#"))
            .await?
        {
            rows.extend(decode::<Vec<ErrorRow>>(&item)?);
        }
        Ok(rows)
    }

    // ---- record hashes

    /// Stored content hashes for `keys` (record key → hash); unknown keys are absent.
    pub async fn hashes(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        keys: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let pk = conn_pk(t, c);
        let ks: Vec<Key> = keys
            .iter()
            .map(|k| Key::new(pk.clone(), format!("H#{k}")))
            .collect();
        let mut out = std::collections::HashMap::new();
        for item in self.store.get_many(&ks).await? {
            let record = item.key.sk.trim_start_matches("H#").to_string();
            if let Some(h) = item.body.as_str() {
                out.insert(record, h.to_string());
            }
        }
        Ok(out)
    }

    /// The items that save content hashes of records whose writes succeeded.
    pub fn hash_items(
        t: &TenantId,
        c: &ConnectionId,
        hashes: &[(String, String)],
        expires_at: Option<DateTime<Utc>>,
    ) -> Vec<Item> {
        let pk = conn_pk(t, c);
        hashes
            .iter()
            .map(|(k, h)| {
                let mut item = Item::new(
                    Key::new(pk.clone(), format!("H#{k}")),
                    Value::String(h.clone()),
                );
                item.expires_at = expires_at.map(|e| e.timestamp());
                item
            })
            .collect()
    }
}
