//! A connector's own items under its connection (`X#…`): what a connector keeps beyond the
//! engine's checkpoint, hashes and runs, deleted with the connection.

use super::{Repo, conn_pk, decode, encode};
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
}
