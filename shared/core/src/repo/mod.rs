//! Typed records over the [`StateStore`] port, and the one place that knows the key layout
//! (documented in docs/state-store.md):
//!
//! | pk                       | sk                          | what                          |
//! |--------------------------|-----------------------------|-------------------------------|
//! | `T#<tenant>`             | `CONN#<connection>`         | connection (settings, schedule) |
//! | `T#<tenant>`             | `USER#<email>`              | a tenant user and their roles |
//! | `T#<tenant>`             | `<tag><key>`                | a connector's own tenant-wide item (C1: `RULE#<rule id>`, a routing rule) |
//! | `T#<tenant>#C#<conn>`    | `CURSOR`                    | checkpoint                    |
//! | `T#<tenant>`             | `RATE#<vendor>#<credential>`| a vendor credential's rate-limit window |
//! | `T#<tenant>#C#<conn>`    | `LEASE`                     | the run lease (generation = version) |
//! | `T#<tenant>#C#<conn>`    | `RUN#<run id>`              | run record                    |
//! | `T#<tenant>#C#<conn>`    | `ERR#<run id>#<seq>`        | error report rows             |
//! | `T#<tenant>#C#<conn>`    | `H#<record key>`            | content hash of a record (TTL per connector) |
//! | `T#<tenant>#C#<conn>`    | `HOOK`                      | webhook coalescing window, last arrival |
//! | `T#<tenant>#C#<conn>`    | `DLV#<vendor>#<delivery>`   | a webhook delivery seen (TTL: replay dedupe) |
//! | `T#<tenant>#C#<conn>`    | `X#<connector's own key>`   | a connector's own state (C4: uploads, profile queue, project links, jobs cache) |
//!
//! Every function takes the tenant, so no call can reach another tenant's partition.

use crate::ids::{ConnectionId, TenantId};
use crate::ports::{Condition, Fence, Item, Key, StateStore, StoreError};
use chrono::{DateTime, Utc};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

mod hooks;
mod lease;
mod model;
mod own;
mod report;
mod runs;

pub use hooks::WebhookMark;
pub use report::{BadReportCursor, ReportCursor};

pub use model::*;

/// Typed access to the state store: every record of the key layout above is read and
/// written through it, never by building keys elsewhere. Cheap to make (it borrows the
/// store), so callers make one where they need it.
pub struct Repo<'a> {
    store: &'a dyn StateStore,
}

/// The partition listing every tenant (`TENANT#<id>` items).
const TENANTS_PK: &str = "TENANTS";

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

fn decode<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    serde_json::from_value(item.body.clone())
        .map_err(|e| StoreError::Corrupt(format!("{}/{}: {e}", item.key.pk, item.key.sk)))
}
fn encode<T: Serialize>(value: &T) -> Value {
    // Serialising our own plain structs to a Value cannot fail (no maps with non-string keys).
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl<'a> Repo<'a> {
    /// The repository over `store` (any [`StateStore`]: DynamoDB, the embedded one, a
    /// metered wrapper).
    pub fn new(store: &'a dyn StateStore) -> Self {
        Self { store }
    }

    // ---- connections

    /// A connection and its item version (what [`Repo::put_connection`] expects back for a
    /// conditional write); None: the tenant has no such connection.
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
        // First, and idempotent: a failure here leaves nothing half made.
        if expected_version.is_none() {
            self.register_tenant(&conn.tenant_id).await?;
        }
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

    // ---- users

    /// Adds or replaces a tenant user.
    pub async fn put_user(&self, t: &TenantId, user: &TenantUser) -> Result<(), StoreError> {
        let item = Item::new(
            Key::new(tenant_pk(t), format!("USER#{}", user.email)),
            encode(user),
        );
        self.register_tenant(t).await?;
        self.store.put(item, Condition::Always).await
    }

    // ---- the tenants of the stack (an operator's view across tenants)

    /// Notes that tenant `t` exists: written when it gets a user or a connection, so an
    /// operator can list tenants without scanning the table. Kept after the tenant's last
    /// user and connection go (a tenant is not deleted as a whole).
    async fn register_tenant(&self, t: &TenantId) -> Result<(), StoreError> {
        let item = Item::new(
            Key::new(TENANTS_PK, format!("TENANT#{t}")),
            serde_json::json!({ "tenant": t.as_str() }),
        );
        self.store.put(item, Condition::Always).await
    }

    /// At most `limit` tenant ids after `after`, in id order.
    pub async fn tenants_page(
        &self,
        after: Option<&TenantId>,
        limit: usize,
    ) -> Result<Vec<TenantId>, StoreError> {
        let after = after.map(|a| format!("TENANT#{a}"));
        let items = self
            .store
            .query_page(TENANTS_PK, "TENANT#", after.as_deref(), limit)
            .await?;
        items
            .iter()
            .filter_map(|i| i.key.sk.strip_prefix("TENANT#"))
            .map(|t| TenantId::new(t).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    /// All of the tenant's users, by address (the admin API adds none past
    /// [`MAX_USERS_PER_TENANT`]); what a failure notice's recipients are chosen from.
    pub async fn users(&self, t: &TenantId) -> Result<Vec<TenantUser>, StoreError> {
        let items = self.store.query(&tenant_pk(t), "USER#").await?;
        items.iter().map(decode).collect()
    }

    /// At most `limit` of the tenant's users whose address comes after `after`, by address.
    pub async fn users_page(
        &self,
        t: &TenantId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<TenantUser>, StoreError> {
        let after = after.map(|a| format!("USER#{a}"));
        let items = self
            .store
            .query_page(&tenant_pk(t), "USER#", after.as_deref(), limit)
            .await?;
        items.iter().map(decode).collect()
    }

    /// Whether the tenant has a user or a connection: two reads of one item each, however
    /// many it has.
    pub async fn tenant_exists(&self, t: &TenantId) -> Result<bool, StoreError> {
        let pk = tenant_pk(t);
        for prefix in ["USER#", "CONN#"] {
            if !self
                .store
                .query_page(&pk, prefix, None, 1)
                .await?
                .is_empty()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The tenant's user with address `email` (compared exactly), or None.
    pub async fn user(&self, t: &TenantId, email: &str) -> Result<Option<TenantUser>, StoreError> {
        self.store
            .get(&Key::new(tenant_pk(t), format!("USER#{email}")))
            .await?
            .map(|i| decode(&i))
            .transpose()
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

    // ---- checkpoint

    /// The connection's saved position; None: none saved (never run, or forgotten), so the
    /// next run reads from the connector's start.
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

    /// Every stored content hash whose record key starts with `prefix` (record key →
    /// hash): what a connector has written to its target, e.g. to find the records the
    /// source no longer has.
    pub async fn hashed(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let items = self
            .store
            .query(&conn_pk(t, c), &format!("H#{prefix}"))
            .await?;
        Ok(hash_pairs(items))
    }

    /// One page of [`Repo::hashed`]: at most `limit` (key, hash) pairs whose key comes
    /// after `after` (the last key of the page before).
    pub async fn hashed_page(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let items = self.tagged_page(t, c, "H#", prefix, after, limit).await?;
        Ok(hash_pairs(items))
    }

    /// One page of a connection's items under `tag` (`H#`, `X#`) whose key (without the
    /// tag) starts with `prefix`, after the key `after` (also without it).
    pub(super) async fn tagged_page(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        tag: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let after = after.map(|a| format!("{tag}{a}"));
        self.store
            .query_page(
                &conn_pk(t, c),
                &format!("{tag}{prefix}"),
                after.as_deref(),
                limit,
            )
            .await
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

/// Hash items as (record key, hash).
fn hash_pairs(items: Vec<Item>) -> Vec<(String, String)> {
    items
        .into_iter()
        .filter_map(|i| {
            let key = i.key.sk.trim_start_matches("H#").to_string();
            i.body.as_str().map(|h| (key, h.to_string()))
        })
        .collect()
}
