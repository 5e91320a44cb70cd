//! The webhook ingress's items: one dedupe item per delivery (TTL) and one coalescing mark
//! per connection.

use super::{Repo, conn_pk, decode, encode};
use crate::ids::{ConnectionId, TenantId};
use crate::ports::{Condition, Item, Key, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A connection's webhook state: while `window_until` has not passed, webhooks join the
/// run already requested instead of requesting another; `last_at` is the latest arrival,
/// which a run that started before it has not necessarily seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookMark {
    /// End of the coalescing window opened by the webhook that requested a run.
    pub window_until: DateTime<Utc>,
    /// When the latest webhook arrived.
    pub last_at: DateTime<Utc>,
}

fn mark_key(t: &TenantId, c: &ConnectionId) -> Key {
    Key::new(conn_pk(t, c), "HOOK")
}

fn delivery_key(t: &TenantId, c: &ConnectionId, vendor: &str, id: &str) -> Key {
    // Vendor ids are short; anything long is hashed to keep the sort key small.
    let id = if id.len() <= 128 {
        id.to_string()
    } else {
        format!("h:{}", hex::encode(Sha256::digest(id.as_bytes())))
    };
    Key::new(conn_pk(t, c), format!("DLV#{vendor}#{id}"))
}

impl Repo<'_> {
    /// Records a delivery; false when it was recorded before (a replay). The item expires at
    /// `expires` (the table's TTL).
    pub async fn first_delivery(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        vendor: &str,
        id: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut item = Item::new(
            delivery_key(t, c, vendor, id),
            serde_json::json!({"received_at": now}),
        );
        item.expires_at = Some(expires.timestamp());
        match self.store.put(item, Condition::NotExists).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Forgets a delivery whose run request could not be published, so the vendor's retry
    /// of it is not taken for a replay.
    pub async fn forget_delivery(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        vendor: &str,
        id: &str,
    ) -> Result<(), StoreError> {
        self.store.delete(&delivery_key(t, c, vendor, id)).await
    }

    /// Notes a webhook's arrival at `now`. True when it opens a coalescing window (the
    /// caller requests a run); false when a window is open (the requested run, or the one
    /// after it, covers this webhook).
    pub async fn note_webhook(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<bool, StoreError> {
        let key = mark_key(t, c);
        for _ in 0..8 {
            let stored = self.store.get(&key).await?;
            let (mark, opens, condition, version) = match &stored {
                None => (
                    WebhookMark {
                        window_until: now + window,
                        last_at: now,
                    },
                    true,
                    Condition::NotExists,
                    1,
                ),
                Some(item) => {
                    let old: WebhookMark = decode(item)?;
                    let open = old.window_until > now;
                    let mark = WebhookMark {
                        window_until: if open { old.window_until } else { now + window },
                        last_at: old.last_at.max(now),
                    };
                    (
                        mark,
                        !open,
                        Condition::VersionIs(item.version),
                        item.version + 1,
                    )
                }
            };
            let mut item = Item::new(key.clone(), encode(&mark));
            item.version = version;
            match self.store.put(item, condition).await {
                Ok(()) => return Ok(opens),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        // Eight writers in a row beat us: they are requesting runs; ours is covered.
        Ok(false)
    }

    /// Closes the coalescing window early (its run request could not be published), so
    /// that the next webhook requests a run.
    pub async fn reopen_webhooks(&self, t: &TenantId, c: &ConnectionId) -> Result<(), StoreError> {
        self.store.delete(&mark_key(t, c)).await
    }

    /// The connection's webhook mark, if a webhook ever arrived.
    pub async fn webhook_mark(
        &self,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Option<WebhookMark>, StoreError> {
        match self.store.get(&mark_key(t, c)).await? {
            Some(item) => Ok(Some(decode(&item)?)),
            None => Ok(None),
        }
    }
}
