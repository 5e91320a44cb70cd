//! The ports: the only ways the engine and the connectors reach storage, secrets, mail and
//! the event bus. Each has an AWS implementation (renkei-aws) and an embedded one
//! (renkei-local); both pass the same contract tests.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whether a failure is worth retrying later. Every port error says which it is.
pub trait Retryability {
    /// True when the same call may succeed later (throttling, a network fault).
    fn is_retryable(&self) -> bool;
}

// ---------------------------------------------------------------- state store

/// The key of one stored item: a partition and a sort key within it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    /// Partition key: the tenant's (`T#<tenant>…`), except the stack's list of tenants
    /// (`TENANTS`).
    pub pk: String,
    /// Sort key within the partition: the record's kind and id (`CONN#<connection>`,
    /// `RUN#<run id>`, …), so queries select a kind by prefix in key order.
    pub sk: String,
}

impl Key {
    /// Sort key `sk` in partition `pk` (the layout is [`crate::repo`]'s; code outside it
    /// takes its keys from there).
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// One stored item. `body` is the typed record serialised as JSON; the other fields are the
/// few attributes the store itself must understand (conditions, TTL, the due index).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Where it is stored; one item per key.
    pub key: Key,
    /// The typed record as JSON, as the repository encoded it; the store keeps it opaque.
    pub body: Value,
    /// Optimistic-concurrency version; a conditional put compares the stored one.
    pub version: u64,
    /// Unix seconds after which the item is dead (DynamoDB TTL attribute; leases, dedupe).
    pub expires_at: Option<i64>,
    /// Unix seconds when the item is due; only items with it appear in [`StateStore::due`]
    /// (a sparse index: paused connections simply have none).
    pub due_at: Option<i64>,
    /// On a lease item only: its holder ([`Fence::owner`]), which a [`Condition::Held`]
    /// compares. None on every other item.
    pub owner: Option<String>,
    /// Unix seconds when a lease item stops protecting its holder. Kept apart from
    /// `expires_at` (the table's TTL) on purpose: DynamoDB may delete a TTL-expired item at any
    /// time, and a lease that vanished could no longer name the run it protected.
    #[serde(default)]
    pub lease_until: Option<i64>,
}

impl Item {
    /// A plain item with version 1 and no special attributes.
    pub fn new(key: Key, body: Value) -> Self {
        Self {
            key,
            body,
            version: 1,
            expires_at: None,
            due_at: None,
            owner: None,
            lease_until: None,
        }
    }
}

/// The condition a put must meet, evaluated atomically by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Write whether or not the item exists or changed since it was read: the last writer
    /// wins (a user, a replaced rule, a disconnect's lease tombstone).
    Always,
    /// Only if no item has this key.
    NotExists,
    /// Only if the stored item has exactly this version.
    VersionIs(u64),
    /// A lease takeover: only if the stored item still has `version` (nobody renewed or took
    /// it since it was read) and its `lease_until` has passed at `now` (unix seconds).
    LeaseExpired {
        /// The lease item's version as the claimant read it (its generation).
        version: u64,
        /// The claimant's "now" (unix seconds), compared with the stored `lease_until`: the
        /// claimant's clock decides whether the lease has expired.
        now: i64,
    },
    /// Only while the fence holds: the lease is still held by its owner at its generation.
    Held(Fence),
}

/// A fencing token: the lease item, its holder and the generation (the lease item's version)
/// that the holder took. Every write a run makes after taking its lease is conditional on it,
/// so a run that lost its lease (stalled past expiry, fenced by a disconnect) writes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// The key of the connection's lease item (`LEASE`), whose owner and version the
    /// fenced write checks.
    pub key: Key,
    /// The holder as the lease item names it (a run's lease: the run's id).
    pub owner: String,
    /// The generation taken; a takeover or a release moves it on.
    pub generation: u64,
}

/// Why a state store call failed; only [`StoreError::Unavailable`] is worth retrying.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The put's condition did not hold: somebody else changed or holds the item.
    #[error("condition failed")]
    ConditionFailed,
    /// The store could not be reached or throttled us.
    #[error("state store unavailable: {0}")]
    Unavailable(String),
    /// A stored item does not decode as the record its key says (the message names the
    /// key): retrying will not help.
    #[error("state store item corrupt: {0}")]
    Corrupt(String),
}

impl Retryability for StoreError {
    fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// Per-tenant state: connections, cursors, leases, runs, error reports, record hashes.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Reads one item (strongly consistent); `None` when no item has the key.
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;
    /// Reads many items (absent ones are left out).
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError>;
    /// Writes one item if `condition` holds.
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError>;
    /// Writes many items unconditionally (record hashes, error rows).
    async fn put_many(&self, items: Vec<Item>) -> Result<(), StoreError>;
    /// Deletes one item (absent is fine).
    async fn delete(&self, key: &Key) -> Result<(), StoreError>;
    /// Writes `items` only while `fence` holds, in order, in atomic groups (DynamoDB:
    /// TransactWriteItems with a ConditionCheck on the lease; embedded: one transaction).
    /// A group that finds the fence broken fails with ConditionFailed and writes nothing;
    /// the groups before it stay written, so callers put the item that commits progress
    /// (the checkpoint) last. Keys must be distinct.
    async fn put_fenced(&self, fence: &Fence, items: Vec<Item>) -> Result<(), StoreError>;
    /// Items of a partition whose sort key starts with `sk_prefix`, in sort-key order.
    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError>;
    /// One page of [`StateStore::query`]: at most `limit` items whose sort key comes after
    /// `after` (the last one of the page before; `None` from the start), so that a prefix
    /// of 100,000 items is never held whole. Stores that can page override this; the
    /// default reads the whole prefix and keeps the page.
    async fn query_page(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let all = self.query(pk, sk_prefix).await?;
        Ok(all
            .into_iter()
            .filter(|i| after.is_none_or(|a| i.key.sk.as_str() > a))
            .take(limit)
            .collect())
    }
    /// One page of the prefix read backwards: at most `limit` items whose sort key comes
    /// before `before` (the last one of the page before; `None` from the end), last first.
    /// Lists shown newest first (runs) page with it without reading the whole history.
    async fn query_page_back(
        &self,
        pk: &str,
        sk_prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let all = self.query(pk, sk_prefix).await?;
        Ok(all
            .into_iter()
            .rev()
            .filter(|i| before.is_none_or(|b| i.key.sk.as_str() < b))
            .take(limit)
            .collect())
    }
    /// Items with `due_at <= now`, across all tenants, oldest due first.
    async fn due(&self, now: i64) -> Result<Vec<Item>, StoreError>;
}

// ---------------------------------------------------------------- secrets

/// Why a secret store call failed; only [`SecretError::Unavailable`] is worth retrying.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Could not reach the store, or it throttled us: a later try may succeed.
    #[error("secret store unavailable: {0}")]
    Unavailable(String),
    /// Refused for good (no permission for the name, an invalid name): retrying will not
    /// help.
    #[error("secret store refused: {0}")]
    Refused(String),
}

impl Retryability for SecretError {
    fn is_retryable(&self) -> bool {
        matches!(self, SecretError::Unavailable(_))
    }
}

/// Credentials, one secret per connection (or per account). Values never reach the state
/// store or the logs.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Creates or replaces a secret.
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretError>;
    /// Reads a secret; `None` when it does not exist.
    async fn get(&self, name: &str) -> Result<Option<String>, SecretError>;
    /// Deletes a secret at once, beyond recovery: an operator's purge, or a copy that is
    /// no longer the connection's secret (after `migrate-secrets`).
    async fn delete(&self, name: &str) -> Result<(), SecretError>;
    /// Deletes a secret so that it stays restorable for `window` (Secrets Manager's
    /// RecoveryWindowInDays): a tenant's own disconnect must not destroy credentials an
    /// operator may need back. The name reads as absent at once; a later `put` of the same
    /// name restores and replaces it.
    async fn delete_recoverable(
        &self,
        name: &str,
        window: RecoveryWindow,
    ) -> Result<(), SecretError>;

    /// Deletes `name` as `how` says.
    async fn delete_as(&self, name: &str, how: SecretDeletion) -> Result<(), SecretError> {
        match how {
            SecretDeletion::Recoverable(window) => self.delete_recoverable(name, window).await,
            SecretDeletion::Purge => self.delete(name).await,
        }
    }
}

/// How many days a deleted secret stays restorable: 7 to 30, Secrets Manager's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryWindow(u8);

impl RecoveryWindow {
    /// The shortest window Secrets Manager takes, and the stack's default.
    pub const DEFAULT: RecoveryWindow = RecoveryWindow(7);

    /// A window of `days`, or why not (Permanent: a configuration error).
    pub fn days(days: u32) -> Result<Self, String> {
        match u8::try_from(days) {
            Ok(d @ 7..=30) => Ok(Self(d)),
            _ => Err(format!("a recovery window is 7 to 30 days, not {days}")),
        }
    }

    /// The window in days (7 to 30), as Secrets Manager's `RecoveryWindowInDays` takes it.
    pub fn in_days(self) -> u8 {
        self.0
    }
}

impl Default for RecoveryWindow {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How a disconnect deletes a connection's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretDeletion {
    /// Restorable for the window (every tenant's disconnect).
    Recoverable(RecoveryWindow),
    /// Gone at once (an operator's explicit purge only).
    Purge,
}

// ---------------------------------------------------------------- notifier

/// One email, as every notice is sent: plain text to a list of addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The addresses it goes to, all on one message (the engine sends at most 50 per
    /// message, SES's limit, and splits longer lists).
    pub to: Vec<String>,
    /// The subject line, UTF-8 (a failure notice's is in Japanese and English).
    pub subject: String,
    /// The body, plain text (no HTML), UTF-8.
    pub body: String,
}

/// Why an email was not sent; only [`NotifyError::Unavailable`] is worth retrying. The
/// text may quote addresses, so callers log only which kind it was.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The mail service could not take it now (unreachable, throttled): a later try may
    /// succeed.
    #[error("mail unavailable: {0}")]
    Unavailable(String),
    /// Refused (unverified sender, bad address).
    #[error("mail refused: {0}")]
    Refused(String),
}

impl Retryability for NotifyError {
    fn is_retryable(&self) -> bool {
        matches!(self, NotifyError::Unavailable(_))
    }
}

/// Sends emails (SES in AWS, an outbox folder of .eml files locally).
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Sends one email; Ok once the mail service has accepted it (delivery to the
    /// mailboxes is not awaited).
    async fn send(&self, email: &Email) -> Result<(), NotifyError>;
}

// ---------------------------------------------------------------- event bus

/// One event for the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusEvent {
    /// Who emits it (EventBridge `source`; the deployment's event source, `renkei` by
    /// default): the bus rules match on it.
    pub source: String,
    /// What kind of event it is (EventBridge `detail-type`, e.g.
    /// [`crate::engine::SyncRequested::DETAIL_TYPE`]): the bus rules match on it.
    pub detail_type: String,
    /// The event's content (EventBridge `detail`), a JSON object whose fields rules may
    /// also match (a run request's `connector`).
    pub detail: Value,
}

/// Why events were not put on the bus; always worth retrying.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Some entries could not be delivered even after retries.
    #[error("{failed} of {total} events not delivered: {reason}")]
    Undelivered {
        /// Events the bus still refused after the retries.
        failed: usize,
        /// Events in the publish call, delivered or not.
        total: usize,
        /// The bus's reason for the last refusal seen (one stands for all).
        reason: String,
    },
    /// A call to the bus failed as a whole (unreachable, throttled, refused), not entry by
    /// entry; events of other calls in the same publish may have gone out.
    #[error("event bus unavailable: {0}")]
    Unavailable(String),
}

impl Retryability for BusError {
    fn is_retryable(&self) -> bool {
        true
    }
}

/// Puts events on the bus (EventBridge in AWS, an in-process queue locally).
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Publishes all events, or says how many could not be delivered.
    async fn publish(&self, events: &[BusEvent]) -> Result<(), BusError>;
}
