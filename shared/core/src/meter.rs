//! What a run costs the state store (issue 14, goal 3): a [`StateStore`] wrapper counting
//! calls, items written and read, and the request units DynamoDB would bill for them —
//! reads 1 unit per 4 KB (strongly consistent: renkei's gets, queries and batch gets; a
//! batch get item by item, a key that finds nothing included), writes 1 unit per 1 KB an item, a transactional write twice that, its condition
//! check on the lease 2 read units (DynamoDB's on-demand rules). Item sizes are those of
//! the stored JSON with its key; close to DynamoDB's attribute sizes, not exact.

use crate::ports::{Condition, Fence, Item, Key, StateStore, StoreError};
use async_trait::async_trait;
use std::sync::Mutex;

/// Counters of a metered store, counting only calls that succeeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// Calls that read (get, get_many, query, due).
    pub read_calls: u64,
    /// Items the reads returned (a key a batch get did not find costs a unit but is not
    /// an item read).
    pub items_read: u64,
    /// Calls that write (put, put_many, delete, put_fenced).
    pub write_calls: u64,
    /// Items put or deleted, each item of a batch or a fenced write counted once.
    pub items_written: u64,
    /// Read request units DynamoDB would bill.
    pub read_units: u64,
    /// Write request units DynamoDB would bill.
    pub write_units: u64,
}

impl Usage {
    /// What happened between `earlier` and this.
    pub fn since(&self, earlier: &Usage) -> Usage {
        Usage {
            read_calls: self.read_calls - earlier.read_calls,
            items_read: self.items_read - earlier.items_read,
            write_calls: self.write_calls - earlier.write_calls,
            items_written: self.items_written - earlier.items_written,
            read_units: self.read_units - earlier.read_units,
            write_units: self.write_units - earlier.write_units,
        }
    }
}

/// A store that counts what passes through it.
pub struct Metered<'a> {
    inner: &'a dyn StateStore,
    usage: Mutex<Usage>,
    written: Mutex<Vec<String>>,
}

fn size(item: &Item) -> u64 {
    (item.key.pk.len() + item.key.sk.len() + item.body.to_string().len() + 40) as u64
}

fn units(bytes: u64, per: u64) -> u64 {
    bytes.div_ceil(per).max(1)
}

impl<'a> Metered<'a> {
    /// A store that passes every call to `inner` and counts it, from zero.
    pub fn new(inner: &'a dyn StateStore) -> Self {
        Self {
            inner,
            usage: Mutex::new(Usage::default()),
            written: Mutex::new(Vec::new()),
        }
    }

    /// The sort keys written or deleted, in order (what a run's writes were).
    pub fn written(&self) -> Vec<String> {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn note(&self, keys: impl IntoIterator<Item = String>) {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(keys);
    }

    /// The counters since this wrapper was made; two readings and [`Usage::since`] give
    /// one stretch of work (a run).
    pub fn usage(&self) -> Usage {
        *self.usage.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, f: impl FnOnce(&mut Usage)) {
        f(&mut self.usage.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// A get, query or due-index query: billed on the items' total size.
    fn read(&self, items: &[Item]) {
        let bytes: u64 = items.iter().map(size).sum();
        self.add(|u| {
            u.read_calls += 1;
            u.items_read += items.len() as u64;
            u.read_units += units(bytes, 4096);
        });
    }

    /// A BatchGetItem: billed item by item, each rounded up to 4 KB, and a key that finds
    /// nothing still costs its unit.
    fn read_each(&self, asked: usize, items: &[Item]) {
        let found: u64 = items.iter().map(|i| units(size(i), 4096)).sum();
        let missing = asked.saturating_sub(items.len()) as u64;
        self.add(|u| {
            u.read_calls += asked.div_ceil(100).max(1) as u64;
            u.items_read += items.len() as u64;
            u.read_units += found + missing;
        });
    }

    fn wrote(&self, items: &[Item], per_item_factor: u64) {
        self.note(items.iter().map(|i| i.key.sk.clone()));
        self.add(|u| {
            u.write_calls += 1;
            u.items_written += items.len() as u64;
            u.write_units += items
                .iter()
                .map(|i| units(size(i), 1024) * per_item_factor)
                .sum::<u64>();
        });
    }
}

#[async_trait]
impl StateStore for Metered<'_> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let r = self.inner.get(key).await?;
        self.read(r.as_slice());
        Ok(r)
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let r = self.inner.get_many(keys).await?;
        self.read_each(keys.len(), &r);
        Ok(r)
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let sized = [item.clone()];
        self.inner.put(item, condition).await?;
        self.wrote(&sized, 1);
        Ok(())
    }

    async fn put_many(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let sized = items.clone();
        self.inner.put_many(items).await?;
        self.wrote(&sized, 1);
        Ok(())
    }

    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.inner.delete(key).await?;
        self.note([format!("delete {}", key.sk)]);
        self.add(|u| {
            u.write_calls += 1;
            u.items_written += 1;
            u.write_units += 1;
        });
        Ok(())
    }

    async fn put_fenced(&self, fence: &Fence, items: Vec<Item>) -> Result<(), StoreError> {
        let sized = items.clone();
        self.inner.put_fenced(fence, items).await?;
        // A transaction: 2 units per KB an item, and the lease's condition check.
        self.wrote(&sized, 2);
        self.add(|u| u.read_units += 2);
        Ok(())
    }

    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        let r = self.inner.query(pk, sk_prefix).await?;
        self.read(&r);
        Ok(r)
    }

    async fn query_page(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let r = self.inner.query_page(pk, sk_prefix, after, limit).await?;
        self.read(&r);
        Ok(r)
    }

    async fn query_page_back(
        &self,
        pk: &str,
        sk_prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let r = self
            .inner
            .query_page_back(pk, sk_prefix, before, limit)
            .await?;
        self.read(&r);
        Ok(r)
    }

    async fn due(&self, now: i64) -> Result<Vec<Item>, StoreError> {
        let r = self.inner.due(now).await?;
        self.read(&r);
        Ok(r)
    }
}
