use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use renkei_core::ports::{
    Condition, Fence, Item, Key, RecoveryWindow, SecretError, SecretStore, StateStore, StoreError,
};
use std::path::Path;
use std::sync::Arc;

/// Items by "pk\u{0}sk" (NUL sorts first, so a partition's items are contiguous and ordered).
const ITEMS: TableDefinition<&str, &[u8]> = TableDefinition::new("items");
/// Secrets by name.
const SECRETS: TableDefinition<&str, &str> = TableDefinition::new("secrets");
/// Secrets deleted with a recovery window, by name: absent to `get`, gone on a purge or
/// replaced by the next `put`, as in Secrets Manager. One difference: the embedded backend
/// has no scheduler, so they stay here past the window until purged (docs/operations.md).
const RECOVERABLE: TableDefinition<&str, &str> = TableDefinition::new("secrets_recoverable");

fn flat(key: &Key) -> String {
    format!("{}\u{0}{}", key.pk, key.sk)
}
fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// The embedded state store: one redb file.
#[derive(Clone)]
pub struct FileStore {
    db: Arc<Database>,
}

/// Where the process holding a store says who it is.
fn owner_file(path: &Path) -> std::path::PathBuf {
    path.with_extension("owner")
}

fn owner() -> String {
    let args: Vec<String> = std::env::args().collect();
    format!("pid {}: {}", std::process::id(), args.join(" "))
}

/// The answer when another process holds the store: who, and what to do.
fn in_use(path: &Path) -> String {
    let holder = std::fs::read_to_string(owner_file(path))
        .map(|o| format!(" ({})", o.trim()))
        .unwrap_or_default();
    format!(
        "{} is in use by another renkei process{holder}: the embedded store has one user at \
         a time. Stop that process (or use it: `renkei sandbox` serves the control API), or \
         give this command its own folder with --dir / RENKEI_DIR",
        path.display()
    )
}

/// The store's page cache: 16 MiB, or `RENKEI_STORE_CACHE_MIB` (`renkei-bench
/// lambda-memory` sets 1 in the connector's process, where the store stands in for
/// DynamoDB, which holds nothing in a Lambda's memory).
fn cache_bytes() -> usize {
    std::env::var("RENKEI_STORE_CACHE_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(16)
        << 20
}

impl FileStore {
    /// Opens (or creates) the store file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(unavailable)?;
        }
        // redb caches up to 1 GiB by default; the embedded backend is one person's CLI
        // store, and a bounded cache keeps its memory (and a benchmark's reading of a
        // connector's memory) from growing with every item written.
        let db = match Database::builder()
            .set_cache_size(cache_bytes())
            .create(path)
        {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::Unavailable(in_use(path)));
            }
            Err(e) => return Err(unavailable(e)),
        };
        // Who holds it, for the next process that finds it locked.
        let _ = std::fs::write(owner_file(path), owner());
        let tx = db.begin_write().map_err(unavailable)?;
        tx.open_table(ITEMS).map_err(unavailable)?;
        tx.open_table(SECRETS).map_err(unavailable)?;
        tx.commit().map_err(unavailable)?;
        Ok(Self { db: Arc::new(db) })
    }

    /// The secret store that shares this file.
    pub fn secrets(&self) -> FileSecrets {
        FileSecrets {
            db: self.db.clone(),
        }
    }

    fn decode(bytes: &[u8]) -> Result<Item, StoreError> {
        serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    fn holds(condition: &Condition, current: Option<&Item>) -> bool {
        match (condition, current) {
            (Condition::Always, _) => true,
            (Condition::NotExists, cur) => cur.is_none(),
            (Condition::VersionIs(v), Some(cur)) => cur.version == *v,
            (Condition::VersionIs(_), None) => false,
            (Condition::LeaseExpired { version, now }, Some(cur)) => {
                cur.version == *version && cur.lease_until.is_none_or(|u| u <= *now)
            }
            (Condition::Held(fence), Some(cur)) => {
                cur.owner.as_deref() == Some(fence.owner.as_str())
                    && cur.version == fence.generation
            }
            (Condition::LeaseExpired { .. } | Condition::Held(_), None) => false,
        }
    }

    fn read(
        table: &impl ReadableTable<&'static str, &'static [u8]>,
        key: &Key,
    ) -> Result<Option<Item>, StoreError> {
        match table.get(flat(key).as_str()).map_err(unavailable)? {
            Some(v) => Ok(Some(Self::decode(v.value())?)),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl StateStore for FileStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let tx = self.db.begin_read().map_err(unavailable)?;
        let table = tx.open_table(ITEMS).map_err(unavailable)?;
        match table.get(flat(key).as_str()).map_err(unavailable)? {
            Some(v) => Ok(Some(Self::decode(v.value())?)),
            None => Ok(None),
        }
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let tx = self.db.begin_read().map_err(unavailable)?;
        let table = tx.open_table(ITEMS).map_err(unavailable)?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for key in keys.iter().filter(|k| seen.insert(*k)) {
            if let Some(v) = table.get(flat(key).as_str()).map_err(unavailable)? {
                out.push(Self::decode(v.value())?);
            }
        }
        Ok(out)
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(unavailable)?;
        {
            let mut table = tx.open_table(ITEMS).map_err(unavailable)?;
            let k = flat(&item.key);
            let current = Self::read(&table, &item.key)?;
            if !Self::holds(&condition, current.as_ref()) {
                return Err(StoreError::ConditionFailed);
            }
            let bytes =
                serde_json::to_vec(&item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            table
                .insert(k.as_str(), bytes.as_slice())
                .map_err(unavailable)?;
        }
        tx.commit().map_err(unavailable)
    }

    async fn put_many(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(unavailable)?;
        {
            let mut table = tx.open_table(ITEMS).map_err(unavailable)?;
            for item in &items {
                let bytes =
                    serde_json::to_vec(item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                table
                    .insert(flat(&item.key).as_str(), bytes.as_slice())
                    .map_err(unavailable)?;
            }
        }
        tx.commit().map_err(unavailable)
    }

    async fn put_fenced(&self, fence: &Fence, items: Vec<Item>) -> Result<(), StoreError> {
        // One redb transaction: the check and every write commit together or not at all.
        let tx = self.db.begin_write().map_err(unavailable)?;
        {
            let mut table = tx.open_table(ITEMS).map_err(unavailable)?;
            let lease = Self::read(&table, &fence.key)?;
            if !Self::holds(&Condition::Held(fence.clone()), lease.as_ref()) {
                return Err(StoreError::ConditionFailed);
            }
            for item in &items {
                let bytes =
                    serde_json::to_vec(item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                table
                    .insert(flat(&item.key).as_str(), bytes.as_slice())
                    .map_err(unavailable)?;
            }
        }
        tx.commit().map_err(unavailable)
    }

    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(unavailable)?;
        {
            let mut table = tx.open_table(ITEMS).map_err(unavailable)?;
            table.remove(flat(key).as_str()).map_err(unavailable)?;
        }
        tx.commit().map_err(unavailable)
    }

    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        let tx = self.db.begin_read().map_err(unavailable)?;
        let table = tx.open_table(ITEMS).map_err(unavailable)?;
        let start = format!("{pk}\u{0}{sk_prefix}");
        let mut out = Vec::new();
        for entry in table.range(start.as_str()..).map_err(unavailable)? {
            let (k, v) = entry.map_err(unavailable)?;
            if !k.value().starts_with(start.as_str()) {
                break;
            }
            out.push(Self::decode(v.value())?);
        }
        Ok(out)
    }

    async fn query_page(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let tx = self.db.begin_read().map_err(unavailable)?;
        let table = tx.open_table(ITEMS).map_err(unavailable)?;
        let prefix = format!("{pk}\u{0}{sk_prefix}");
        let from = after.map_or_else(|| prefix.clone(), |a| format!("{pk}\u{0}{a}"));
        let mut out = Vec::new();
        for entry in table.range(from.as_str()..).map_err(unavailable)? {
            if out.len() >= limit {
                break;
            }
            let (k, v) = entry.map_err(unavailable)?;
            let k = k.value();
            if !k.starts_with(prefix.as_str()) {
                break;
            }
            if k == from && after.is_some() {
                continue;
            }
            out.push(Self::decode(v.value())?);
        }
        Ok(out)
    }

    async fn query_page_back(
        &self,
        pk: &str,
        sk_prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let tx = self.db.begin_read().map_err(unavailable)?;
        let table = tx.open_table(ITEMS).map_err(unavailable)?;
        let prefix = format!("{pk}\u{0}{sk_prefix}");
        // Every key of the prefix sorts below the prefix followed by the last char.
        let end = before.map_or_else(
            || format!("{prefix}{}", char::MAX),
            |b| format!("{pk}\u{0}{b}"),
        );
        let mut out = Vec::new();
        for entry in table
            .range(prefix.as_str()..end.as_str())
            .map_err(unavailable)?
            .rev()
        {
            if out.len() >= limit {
                break;
            }
            let (k, v) = entry.map_err(unavailable)?;
            if k.value().starts_with(prefix.as_str()) {
                out.push(Self::decode(v.value())?);
            }
        }
        Ok(out)
    }

    async fn due(&self, now: i64) -> Result<Vec<Item>, StoreError> {
        // A full scan stands in for DynamoDB's sparse due index: local stores are small.
        let tx = self.db.begin_read().map_err(unavailable)?;
        let table = tx.open_table(ITEMS).map_err(unavailable)?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(unavailable)? {
            let (_, v) = entry.map_err(unavailable)?;
            let item = Self::decode(v.value())?;
            if item.due_at.is_some_and(|d| d <= now) {
                out.push(item);
            }
        }
        out.sort_by_key(|i| i.due_at);
        Ok(out)
    }
}

/// Secrets kept in the same redb file (the embedded stand-in for Secrets Manager).
#[derive(Clone)]
pub struct FileSecrets {
    db: Arc<Database>,
}

fn secret_err(e: impl std::fmt::Display) -> SecretError {
    SecretError::Unavailable(e.to_string())
}

#[async_trait]
impl SecretStore for FileSecrets {
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretError> {
        let tx = self.db.begin_write().map_err(secret_err)?;
        tx.open_table(SECRETS)
            .map_err(secret_err)?
            .insert(name, value)
            .map_err(secret_err)?;
        tx.open_table(RECOVERABLE)
            .map_err(secret_err)?
            .remove(name)
            .map_err(secret_err)?;
        tx.commit().map_err(secret_err)
    }

    async fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        let tx = self.db.begin_read().map_err(secret_err)?;
        let table = tx.open_table(SECRETS).map_err(secret_err)?;
        Ok(table
            .get(name)
            .map_err(secret_err)?
            .map(|v| v.value().to_string()))
    }

    async fn delete(&self, name: &str) -> Result<(), SecretError> {
        let tx = self.db.begin_write().map_err(secret_err)?;
        for table in [SECRETS, RECOVERABLE] {
            tx.open_table(table)
                .map_err(secret_err)?
                .remove(name)
                .map_err(secret_err)?;
        }
        tx.commit().map_err(secret_err)
    }

    async fn delete_recoverable(&self, name: &str, _: RecoveryWindow) -> Result<(), SecretError> {
        let tx = self.db.begin_write().map_err(secret_err)?;
        let value = tx
            .open_table(SECRETS)
            .map_err(secret_err)?
            .remove(name)
            .map_err(secret_err)?
            .map(|v| v.value().to_string());
        if let Some(value) = value {
            tx.open_table(RECOVERABLE)
                .map_err(secret_err)?
                .insert(name, value.as_str())
                .map_err(secret_err)?;
        }
        tx.commit().map_err(secret_err)
    }
}
