/// Unprocessed keys or items of a batch are sent again after this backoff.
const UNPROCESSED: renkei_core::backoff::Backoff = renkei_core::backoff::Backoff::new(
    std::time::Duration::from_millis(50),
    std::time::Duration::from_millis(1600),
);

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, KeysAndAttributes, Put, PutRequest, TransactWriteItem,
    WriteRequest,
};
use renkei_core::ports::{Condition, Fence, Item, Key, StateStore, StoreError};
use std::collections::HashMap;

/// Name of the sparse index of due connections (see docs/state-store.md).
pub const DUE_INDEX: &str = "due";
/// The due index is split over this many partition keys (`due#00`…`due#15`), each item's
/// fixed by a hash of its key, so that 10,000 connections due at one quarter hour are not one
/// hot partition; the dispatcher queries the shards concurrently and merges them.
pub const DUE_SHARDS: u32 = 16;
/// The one partition key of the index before it was sharded. Items still carrying it (not
/// rewritten since) are read as well, so an upgrade never strands a connection.
const LEGACY_DUE_SHARD: &str = "due";

/// The due-index partition of the item at `key` (FNV-1a, mixed: stable across processes
/// and releases).
pub fn due_shard(key: &Key) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.pk.bytes().chain([0]).chain(key.sk.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    // FNV's low bits vary little between similar keys: mix them (murmur3's finaliser).
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    format!("due#{:02}", h % DUE_SHARDS)
}

mod codec;
use codec::{
    Expr, expression, from_attrs, is_condition_failure, is_fence_failure, last_per_key, n, s,
    to_attrs,
};

type Attrs = HashMap<String, AttributeValue>;

/// DynamoDB single-table state store.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

/// A failed call on `table` in one line; a table that does not exist said so by its name.
pub(crate) fn unavailable<E>(table: &str, e: SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if e.as_service_error().and_then(ProvideErrorMetadata::code)
        == Some("ResourceNotFoundException")
    {
        return StoreError::Unavailable(format!(
            "DynamoDB table {table} not found (in this account and region)"
        ));
    }
    StoreError::Unavailable(crate::describe_sdk_error(&e))
}

impl DynamoStore {
    /// A store on `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table's name.
    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// Deletes the whole table (tests and throw-away local stacks clean up with it).
    pub async fn delete_table(&self) -> Result<(), StoreError> {
        self.client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| unavailable(&self.table, e))?;
        Ok(())
    }

    /// Items of `pk` under `sk_prefix` after `start`, up to `limit` (or all), in as many
    /// Query calls as DynamoDB's 1 MB pages take. Query's Limit counts the items it reads;
    /// with no filter expression, those it returns.
    async fn query_from(
        &self,
        pk: &str,
        sk_prefix: &str,
        mut start: Option<Attrs>,
        limit: Option<usize>,
        direction: Direction,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        loop {
            let mut req = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .scan_index_forward(direction == Direction::Forward)
                .set_limit(limit.map(|l| i32::try_from(l - out.len()).unwrap_or(i32::MAX)))
                .expression_attribute_values(":pk", s(pk))
                .set_exclusive_start_key(start.take());
            req = if sk_prefix.is_empty() {
                req.key_condition_expression("pk = :pk")
            } else {
                req.key_condition_expression("pk = :pk AND begins_with(sk, :p)")
                    .expression_attribute_values(":p", s(sk_prefix))
            };
            let resp = req.send().await.map_err(|e| unavailable(&self.table, e))?;
            for a in resp.items() {
                out.push(from_attrs(a)?);
            }
            let full = limit.is_some_and(|l| out.len() >= l);
            match resp.last_evaluated_key() {
                Some(k) if !k.is_empty() && !full => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }

    fn key_attrs(key: &Key) -> Attrs {
        Attrs::from([
            ("pk".to_string(), s(&key.pk)),
            ("sk".to_string(), s(&key.sk)),
        ])
    }
}

/// Which way a Query reads the sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Forward,
    Backward,
}

/// DynamoDB batch limits.
const BATCH_GET: usize = 100;
const BATCH_WRITE: usize = 25;
const TRANSACT_MAX: usize = 100;
/// Rounds of retrying unprocessed items before giving up (throttling that does not pass).
const UNPROCESSED_ROUNDS: u32 = 8;

#[async_trait]
impl StateStore for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_attrs(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable(&self.table, e))?;
        out.item().map(from_attrs).transpose()
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let mut seen = std::collections::HashSet::new();
        let keys: Vec<&Key> = keys.iter().filter(|k| seen.insert(*k)).collect();
        let mut out = Vec::new();
        for chunk in keys.chunks(BATCH_GET) {
            let mut pending: Vec<Attrs> = chunk.iter().map(|k| Self::key_attrs(k)).collect();
            let mut rounds = 0;
            while !pending.is_empty() {
                rounds += 1;
                if rounds > UNPROCESSED_ROUNDS {
                    return Err(StoreError::Unavailable(
                        "BatchGetItem kept leaving keys unprocessed".into(),
                    ));
                }
                let ka = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let resp = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, ka)
                    .send()
                    .await
                    .map_err(|e| unavailable(&self.table, e))?;
                if let Some(items) = resp.responses().and_then(|r| r.get(&self.table)) {
                    for a in items {
                        out.push(from_attrs(a)?);
                    }
                }
                pending = resp
                    .unprocessed_keys()
                    .and_then(|u| u.get(&self.table))
                    .map(|k| k.keys().to_vec())
                    .unwrap_or_default();
                if !pending.is_empty() {
                    UNPROCESSED.wait(rounds).await;
                }
            }
        }
        Ok(out)
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_attrs(&item)));
        if let Some(expr) = expression(&condition) {
            req = req.condition_expression(expr.text);
            for (k, v) in expr.names {
                req = req.expression_attribute_names(k, v);
            }
            for (k, v) in expr.values {
                req = req.expression_attribute_values(k, v);
            }
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(StoreError::ConditionFailed),
            Err(e) => Err(unavailable(&self.table, e)),
        }
    }

    async fn put_fenced(&self, fence: &Fence, items: Vec<Item>) -> Result<(), StoreError> {
        let items = last_per_key(items);
        let check = |expr: Expr| {
            let mut b = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(Self::key_attrs(&fence.key)))
                .condition_expression(expr.text);
            for (k, v) in expr.names {
                b = b.expression_attribute_names(k, v);
            }
            for (k, v) in expr.values {
                b = b.expression_attribute_values(k, v);
            }
            b.build().map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        // One ConditionCheck plus at most 99 puts: TransactWriteItems takes 100 actions.
        for chunk in items.chunks(TRANSACT_MAX - 1) {
            let expr = expression(&Condition::Held(fence.clone()))
                .ok_or_else(|| StoreError::Corrupt("fence without a condition".into()))?;
            let mut actions = vec![
                TransactWriteItem::builder()
                    .condition_check(check(expr)?)
                    .build(),
            ];
            for item in chunk {
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(to_attrs(item)))
                    .build()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                actions.push(TransactWriteItem::builder().put(put).build());
            }
            match self
                .client
                .transact_write_items()
                .set_transact_items(Some(actions))
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_fence_failure(&e) => return Err(StoreError::ConditionFailed),
                Err(e) => return Err(unavailable(&self.table, e)),
            }
        }
        Ok(())
    }

    async fn put_many(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let items = last_per_key(items);
        for chunk in items.chunks(BATCH_WRITE) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|i| {
                    PutRequest::builder()
                        .set_item(Some(to_attrs(i)))
                        .build()
                        .map(|p| WriteRequest::builder().put_request(p).build())
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                })
                .collect::<Result<_, _>>()?;
            let mut rounds = 0;
            while !pending.is_empty() {
                rounds += 1;
                if rounds > UNPROCESSED_ROUNDS {
                    return Err(StoreError::Unavailable(
                        "BatchWriteItem kept leaving items unprocessed".into(),
                    ));
                }
                let resp = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(|e| unavailable(&self.table, e))?;
                pending = resp
                    .unprocessed_items()
                    .and_then(|u| u.get(&self.table))
                    .cloned()
                    .unwrap_or_default();
                if !pending.is_empty() {
                    UNPROCESSED.wait(rounds).await;
                }
            }
        }
        Ok(())
    }

    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_attrs(key)))
            .send()
            .await
            .map_err(|e| unavailable(&self.table, e))?;
        Ok(())
    }

    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query_from(pk, sk_prefix, None, None, Direction::Forward)
            .await
    }

    async fn query_page(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let start = after.map(|a| Self::key_attrs(&Key::new(pk, a)));
        self.query_from(pk, sk_prefix, start, Some(limit), Direction::Forward)
            .await
    }

    async fn query_page_back(
        &self,
        pk: &str,
        sk_prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // With ScanIndexForward=false, ExclusiveStartKey is the key to continue below.
        let start = before.map(|b| Self::key_attrs(&Key::new(pk, b)));
        self.query_from(pk, sk_prefix, start, Some(limit), Direction::Backward)
            .await
    }

    async fn due(&self, now: i64) -> Result<Vec<Item>, StoreError> {
        let shards = (0..DUE_SHARDS)
            .map(|i| format!("due#{i:02}"))
            .chain([LEGACY_DUE_SHARD.to_string()]);
        let parts =
            futures::future::try_join_all(shards.map(|shard| self.due_in(shard, now))).await?;
        let mut out: Vec<Item> = parts.into_iter().flatten().collect();
        out.sort_by_key(|i| i.due_at);
        Ok(out)
    }
}

impl DynamoStore {
    /// The items of one due-index shard with `due_at <= now`, oldest first.
    async fn due_in(&self, shard: String, now: i64) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Attrs> = None;
        loop {
            let resp = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(DUE_INDEX)
                .key_condition_expression("due_shard = :shard AND due_at <= :now")
                .expression_attribute_values(":shard", s(&shard))
                .expression_attribute_values(":now", n(now))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| unavailable(&self.table, e))?;
            for a in resp.items() {
                out.push(from_attrs(a)?);
            }
            match resp.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }
}

#[cfg(test)]
mod shard_tests {
    use super::*;

    #[test]
    fn p5_a_fleet_spreads_over_every_due_shard_and_a_key_keeps_its_shard() {
        let mut counts = std::collections::BTreeMap::new();
        for i in 0..10_000 {
            let key = Key::new(
                format!("T#tenant-{:04}", i % 1000),
                format!("CONN#conn-{i:05}"),
            );
            *counts.entry(due_shard(&key)).or_insert(0usize) += 1;
        }
        assert_eq!(counts.len(), DUE_SHARDS as usize, "{counts:?}");
        // Even enough that no shard is a hot key: within ±20% of the mean.
        let mean = 10_000 / DUE_SHARDS as usize;
        assert!(
            counts
                .values()
                .all(|&n| n * 5 > mean * 4 && n * 5 < mean * 6),
            "{counts:?}"
        );
        let key = Key::new("T#acme", "CONN#c1");
        assert_eq!(due_shard(&key), due_shard(&key.clone()));
        let shard = due_shard(&key);
        assert!(shard.starts_with("due#") && shard.len() == 6, "{shard}");
    }
}
