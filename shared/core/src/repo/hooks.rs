//! The webhook ingress's items: one dedupe item per delivery (TTL) and one coalescing mark
//! per connection.

use super::{Repo, conn_pk, decode, encode};
use crate::ids::{ConnectionId, TenantId};
use crate::ports::{Condition, Item, Key, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A connection's webhook state: while a window has not passed, webhooks of its scope join
/// the run already requested instead of requesting another; `last_at` is the latest
/// request that could not start on its own (a webhook, or a person's request that found a
/// run under way), which a run that started before it has not necessarily seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookMark {
    /// End of the coalescing window of webhooks that ask for all of the work.
    pub window_until: DateTime<Utc>,
    /// When the latest webhook (or waiting request) arrived.
    pub last_at: DateTime<Utc>,
    /// Ends of the windows of webhooks that ask for part of the work, by scope: a burst of
    /// one kind of change is one run of that kind, and another kind is not swallowed by it.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub scoped: std::collections::BTreeMap<String, DateTime<Utc>>,
}

impl WebhookMark {
    fn window(&self, scope: Option<&str>) -> Option<DateTime<Utc>> {
        match scope {
            None => Some(self.window_until),
            Some(s) => self.scoped.get(s).copied(),
        }
    }

    fn set_window(&mut self, scope: Option<&str>, until: DateTime<Utc>) {
        match scope {
            None => self.window_until = until,
            Some(s) => {
                self.scoped.insert(s.to_string(), until);
            }
        }
    }
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

    /// Notes a webhook's arrival at `now` asking for `scope` (None: all the work). True when
    /// it opens a coalescing window for that scope (the caller requests a run); false when
    /// one is open (the requested run, or the one after it, covers this webhook).
    pub async fn note_webhook(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        scope: Option<&str>,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<bool, StoreError> {
        self.update_mark(t, c, now, |mark| {
            if mark.window(scope).is_some_and(|until| until > now) {
                false
            } else {
                mark.set_window(scope, now + window);
                true
            }
        })
        .await
        // Eight writers in a row beat us: they are requesting runs; ours is covered.
        .map(|opened| opened.unwrap_or(false))
    }

    /// Notes a request that found the connection's run under way (a person's, a webhook's):
    /// the running run's close sees it and makes the connection due at once, so the request
    /// waits for that run instead of being lost.
    pub async fn note_waiting(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        match self.update_mark(t, c, now, |_| ()).await? {
            Some(()) => Ok(()),
            None => Err(StoreError::Unavailable(
                "the connection's request mark is too contended to update".into(),
            )),
        }
    }

    /// Reads, changes (`last_at` becomes at least `now`) and conditionally writes the mark;
    /// None when eight concurrent writers in a row beat us.
    async fn update_mark<T>(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        now: DateTime<Utc>,
        mut change: impl FnMut(&mut WebhookMark) -> T,
    ) -> Result<Option<T>, StoreError> {
        let key = mark_key(t, c);
        for _ in 0..8 {
            let stored = self.store.get(&key).await?;
            let (mut mark, condition, version) = match &stored {
                // A fresh mark's windows are closed: the change opens what it opens.
                None => (
                    WebhookMark {
                        window_until: now,
                        last_at: now,
                        scoped: Default::default(),
                    },
                    Condition::NotExists,
                    1,
                ),
                Some(item) => (
                    decode::<WebhookMark>(item)?,
                    Condition::VersionIs(item.version),
                    item.version + 1,
                ),
            };
            mark.last_at = mark.last_at.max(now);
            let out = change(&mut mark);
            let mut item = Item::new(key.clone(), encode(&mark));
            item.version = version;
            match self.store.put(item, condition).await {
                Ok(()) => return Ok(Some(out)),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// At a run's close: whether a webhook (or waiting request) arrived after the run
    /// began (the connection is due again at once), else closes the coalescing windows the
    /// run covered, so that the next webhook requests a run of its own instead of joining a
    /// run that has ended. Conditional on the mark's version: a webhook arriving meanwhile
    /// is seen on the re-read.
    pub async fn close_webhook_windows(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        started_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let key = mark_key(t, c);
        for _ in 0..8 {
            let Some(item) = self.store.get(&key).await? else {
                return Ok(false);
            };
            let mut mark: WebhookMark = decode(&item)?;
            if mark.last_at > started_at {
                return Ok(true);
            }
            let open = mark.window_until > now || mark.scoped.values().any(|u| *u > now);
            if !open {
                return Ok(false);
            }
            mark.window_until = mark.window_until.min(now);
            for until in mark.scoped.values_mut() {
                *until = (*until).min(now);
            }
            let mut next = Item::new(key.clone(), encode(&mark));
            next.version = item.version + 1;
            match self
                .store
                .put(next, Condition::VersionIs(item.version))
                .await
            {
                Ok(()) => return Ok(false),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        // Contended: a webhook is arriving right now; run again rather than miss it.
        Ok(true)
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
