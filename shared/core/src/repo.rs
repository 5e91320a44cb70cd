//! Typed records over the [`StateStore`] port, and the one place that knows the key layout
//! (documented in docs/state-store.md):
//!
//! | pk                       | sk                          | what                          |
//! |--------------------------|-----------------------------|-------------------------------|
//! | `T#<tenant>`             | `CONN#<connection>`         | connection (settings, schedule) |
//! | `T#<tenant>`             | `USER#<email>`              | a tenant user and their roles |
//! | `T#<tenant>`             | `RULE#<rule id>`            | a routing rule (振り分けルール) |
//! | `T#<tenant>#C#<conn>`    | `CURSOR`                    | checkpoint                    |
//! | `T#<tenant>#C#<conn>`    | `LEASE`                     | the run lease (TTL)           |
//! | `T#<tenant>#C#<conn>`    | `RUN#<run id>`              | run record                    |
//! | `T#<tenant>#C#<conn>`    | `ERR#<run id>#<seq>`        | error report rows             |
//! | `T#<tenant>#C#<conn>`    | `H#<record key>`            | content hash of a record (TTL per connector) |
//!
//! Every function takes the tenant, so no call can reach another tenant's partition.

use crate::cadence::Cadence;
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::ports::{Condition, Item, Key, StateStore, StoreError};
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
    pub last_status: Option<crate::engine::RunStatus>,
    /// When the last successful (succeeded or partial) run finished.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last run failed, while the failure lasts (cleared by a successful run).
    #[serde(default)]
    pub last_error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A run's saved position: the cursor after the last page whose writes succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Opaque source cursor.
    pub cursor: Option<String>,
    /// Saved at.
    pub saved_at: DateTime<Utc>,
}

/// The lease that keeps runs of one connection from overlapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Holder (an invocation id).
    pub owner: String,
    /// The run it protects.
    pub run_id: RunId,
    /// Expiry; a holder that stops renewing loses it then.
    pub expires_at: DateTime<Utc>,
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

    /// Connections due at `now` (automation on, next_run_at passed), across tenants.
    pub async fn due_connections(&self, now: DateTime<Utc>) -> Result<Vec<Connection>, StoreError> {
        let items = self.store.due(now.timestamp()).await?;
        items.iter().map(decode).collect()
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

    /// Tries to take the connection's lease. Returns the previous lease when it was taken
    /// over from a holder that let it expire (its run is then known to be interrupted).
    pub async fn acquire_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        lease: &Lease,
        now: DateTime<Utc>,
    ) -> Result<Option<Option<Lease>>, StoreError> {
        let key = Key::new(conn_pk(t, c), "LEASE");
        let previous = match self.store.get(&key).await? {
            Some(item) => Some(decode::<Lease>(&item)?),
            None => None,
        };
        let mut item = Item::new(key, encode(lease));
        item.owner = Some(lease.owner.clone());
        item.expires_at = Some(lease.expires_at.timestamp());
        let claim = Condition::Claimable {
            owner: lease.owner.clone(),
            now: now.timestamp(),
        };
        match self.store.put(item, claim).await {
            Ok(()) => Ok(Some(previous.filter(|p| p.owner != lease.owner))),
            Err(StoreError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Extends a held lease; fails with ConditionFailed if it was lost.
    pub async fn renew_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        lease: &Lease,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.acquire_lease(t, c, lease, now)
            .await?
            .map(|_| ())
            .ok_or(StoreError::ConditionFailed)
    }

    /// Gives the lease back (only if still ours).
    pub async fn release_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        owner: &str,
    ) -> Result<(), StoreError> {
        let key = Key::new(conn_pk(t, c), "LEASE");
        if let Some(item) = self.store.get(&key).await?
            && item.owner.as_deref() == Some(owner)
        {
            self.store.delete(&key).await?;
        }
        Ok(())
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

    /// Saves the checkpoint. Call only after the writes it covers succeeded.
    pub async fn save_checkpoint(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        cp: &Checkpoint,
    ) -> Result<(), StoreError> {
        let item = Item::new(Key::new(conn_pk(t, c), "CURSOR"), encode(cp));
        self.store.put(item, Condition::Always).await
    }

    // ---- runs

    /// Creates or updates a run record.
    pub async fn put_run(&self, run: &crate::engine::RunRecord) -> Result<(), StoreError> {
        let item = Item::new(
            Key::new(
                conn_pk(&run.tenant_id, &run.connection_id),
                format!("RUN#{}", run.run_id),
            ),
            encode(run),
        );
        self.store.put(item, Condition::Always).await
    }

    /// One run record.
    pub async fn run(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        r: &RunId,
    ) -> Result<Option<crate::engine::RunRecord>, StoreError> {
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
    ) -> Result<Vec<crate::engine::RunRecord>, StoreError> {
        let items = self.store.query(&conn_pk(t, c), "RUN#").await?;
        items.iter().map(decode).collect()
    }

    // ---- error report

    /// Appends rows to a run's error report; `first_seq` numbers the first stored chunk.
    pub async fn append_errors(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        r: &RunId,
        first_seq: usize,
        rows: &[ErrorRow],
    ) -> Result<usize, StoreError> {
        let items: Vec<Item> = rows
            .chunks(ERROR_ROWS_PER_ITEM)
            .enumerate()
            .map(|(i, chunk)| {
                Item::new(
                    Key::new(conn_pk(t, c), format!("ERR#{r}#{:08}", first_seq + i)),
                    encode(&chunk),
                )
            })
            .collect();
        let n = items.len();
        if n > 0 {
            self.store.put_many(items).await?;
        }
        Ok(first_seq + n)
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

    /// Saves content hashes of records whose writes succeeded.
    pub async fn save_hashes(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        hashes: &[(String, String)],
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let pk = conn_pk(t, c);
        let items = hashes
            .iter()
            .map(|(k, h)| {
                let mut item = Item::new(
                    Key::new(pk.clone(), format!("H#{k}")),
                    Value::String(h.clone()),
                );
                item.expires_at = expires_at.map(|e| e.timestamp());
                item
            })
            .collect::<Vec<_>>();
        if items.is_empty() {
            return Ok(());
        }
        self.store.put_many(items).await
    }
}
