//! A connector's own items under its connection (`X#…`): what a connector keeps beyond the
//! engine's checkpoint, hashes and runs, deleted with the connection. And its own
//! tenant-wide items (`<tag><key>` under `T#<tenant>`): what all of a tenant's connections
//! of the connector share, such as C1's routing rules (`RULE#<rule id>`).

use super::{Repo, conn_pk, decode, encode, tenant_pk};
use crate::ids::{ConnectionId, TenantId};
use crate::ports::{Condition, Item, Key, StoreError};
use chrono::{DateTime, Utc};
use serde::{Serialize, de::DeserializeOwned};

impl Repo<'_> {
    /// The key of a connector's own item `sk` under a connection (stored as `X#<sk>`, so
    /// that it can never collide with the engine's items; deleted with the connection).
    pub fn own_key(t: &TenantId, c: &ConnectionId, sk: &str) -> Key {
        Key::new(conn_pk(t, c), format!("X#{sk}"))
    }

    /// A connector's own item as `T`, with its version (for a conditional [`Repo::own_put`]);
    /// None: no such item.
    pub async fn own_get<T: DeserializeOwned>(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        sk: &str,
    ) -> Result<Option<(T, u64)>, StoreError> {
        match self.store.get(&Self::own_key(t, c, sk)).await? {
            Some(item) => Ok(Some((decode(&item)?, item.version))),
            None => Ok(None),
        }
    }

    /// Writes a connector's own item under `condition`, dying at `expires` if given.
    pub async fn own_put<T: Serialize>(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        sk: &str,
        value: &T,
        condition: Condition,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let mut item = Item::new(Self::own_key(t, c, sk), encode(value));
        item.expires_at = expires.map(|e| e.timestamp());
        if let Condition::VersionIs(v) = condition {
            item.version = v + 1;
        }
        self.store.put(item, condition).await
    }

    /// A connector's own items whose key starts with `prefix`, in key order, as `T`.
    pub async fn own_query<T: DeserializeOwned>(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        prefix: &str,
    ) -> Result<Vec<(String, T)>, StoreError> {
        let items = self
            .store
            .query(&conn_pk(t, c), &format!("X#{prefix}"))
            .await?;
        items
            .iter()
            .map(|i| Ok((i.key.sk.trim_start_matches("X#").to_string(), decode(i)?)))
            .collect()
    }

    /// One page of [`Repo::own_query`]: at most `limit` items after the key `after` (a key
    /// as this answers it; `None`: from the start of `prefix`).
    pub async fn own_query_page<T: DeserializeOwned>(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, T)>, StoreError> {
        let items = self.tagged_page(t, c, "X#", prefix, after, limit).await?;
        items
            .iter()
            .map(|i| Ok((i.key.sk.trim_start_matches("X#").to_string(), decode(i)?)))
            .collect()
    }

    /// Deletes a connector's own item (no error when it is already gone).
    pub async fn own_delete(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        sk: &str,
    ) -> Result<(), StoreError> {
        self.store.delete(&Self::own_key(t, c, sk)).await
    }

    // ---- a connector's own tenant-wide items

    /// The key of a connector's own tenant-wide item: `<tag><key>` beside the tenant's
    /// connections and users. Not under an `X#` namespace because C1's routing rules were
    /// stored as `RULE#<id>` before connectors kept their own records, and rules stored
    /// then must still be read; so a tag must not be one the engine uses there.
    fn tenant_own_key(t: &TenantId, tag: &str, key: &str) -> Key {
        debug_assert!(
            !["CONN#", "USER#", "RATE#"].contains(&tag),
            "{tag} is the engine's"
        );
        Key::new(tenant_pk(t), format!("{tag}{key}"))
    }

    /// All of a connector's own tenant-wide items tagged `tag`, in key order, as `T`.
    pub async fn tenant_own_query<T: DeserializeOwned>(
        &self,
        t: &TenantId,
        tag: &str,
    ) -> Result<Vec<T>, StoreError> {
        let items = self.store.query(&tenant_pk(t), tag).await?;
        items.iter().map(decode).collect()
    }

    /// One page of [`Repo::tenant_own_query`]: at most `limit` items whose key (without the
    /// tag) comes after `after`.
    pub async fn tenant_own_query_page<T: DeserializeOwned>(
        &self,
        t: &TenantId,
        tag: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<T>, StoreError> {
        let after = after.map(|a| format!("{tag}{a}"));
        let items = self
            .store
            .query_page(&tenant_pk(t), tag, after.as_deref(), limit)
            .await?;
        items.iter().map(decode).collect()
    }

    /// Writes a connector's own tenant-wide item `<tag><key>` under `condition`.
    pub async fn tenant_own_put<T: Serialize>(
        &self,
        t: &TenantId,
        tag: &str,
        key: &str,
        value: &T,
        condition: Condition,
    ) -> Result<(), StoreError> {
        let mut item = Item::new(Self::tenant_own_key(t, tag, key), encode(value));
        if let Condition::VersionIs(v) = condition {
            item.version = v + 1;
        }
        self.store.put(item, condition).await
    }

    /// Deletes a connector's own tenant-wide item (no error when it is already gone).
    pub async fn tenant_own_delete(
        &self,
        t: &TenantId,
        tag: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        self.store.delete(&Self::tenant_own_key(t, tag, key)).await
    }
}
