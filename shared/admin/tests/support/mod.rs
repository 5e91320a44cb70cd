//! The admin API served on a free loopback port over the embedded backend of a sandbox
//! environment, with the caller identity a test chooses; and a store that counts writes, so
//! a test can prove a refused request wrote nothing.
#![allow(dead_code)]

use async_trait::async_trait;
use renkei_admin::{AdminState, Caller, router};
use renkei_core::ports::{
    BusError, BusEvent, Condition, EventBus, Fence, Item, Key, RecoveryWindow, SecretError,
    SecretStore, StateStore, StoreError,
};
use renkei_local::LocalBackend;
use renkei_testbed::SandboxEnv;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Writes counted across the store, the secret store and the bus, with what they wrote.
#[derive(Default)]
pub struct Writes(AtomicUsize, std::sync::Mutex<Vec<String>>);

impl Writes {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
    /// What was written (keys, secret names, "bus").
    pub fn what(&self) -> Vec<String> {
        self.1.lock().unwrap().clone()
    }
    fn add(&self, what: impl Into<String>) {
        self.0.fetch_add(1, Ordering::SeqCst);
        self.1.lock().unwrap().push(what.into());
    }
}

/// The embedded backend's ports, counting every write.
pub struct Counting {
    backend: Arc<LocalBackend>,
    writes: Arc<Writes>,
    reads: Arc<std::sync::Mutex<Vec<String>>>,
    store_reads: Arc<StoreReads>,
}

/// The store's queries: what each asked for and how many items it read.
#[derive(Default)]
pub struct StoreReads(std::sync::Mutex<Vec<(String, usize)>>);

impl StoreReads {
    /// Forgets the queries so far.
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
    /// The queries since the last clear: (what, items read).
    pub fn list(&self) -> Vec<(String, usize)> {
        self.0.lock().unwrap().clone()
    }
}

impl Counting {
    fn log_read(&self, what: String, n: usize) {
        self.store_reads.0.lock().unwrap().push((what, n));
    }
}

#[async_trait]
impl StateStore for Counting {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.backend.store.get(key).await
    }
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        self.backend.store.get_many(keys).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.writes.add(format!("{}/{}", item.key.pk, item.key.sk));
        self.backend.store.put(item, condition).await
    }
    async fn put_many(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.writes.add(format!("{} items", items.len()));
        self.backend.store.put_many(items).await
    }
    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.writes.add(format!("delete {}/{}", key.pk, key.sk));
        self.backend.store.delete(key).await
    }
    async fn put_fenced(&self, fence: &Fence, items: Vec<Item>) -> Result<(), StoreError> {
        self.writes.add(format!("{} fenced items", items.len()));
        self.backend.store.put_fenced(fence, items).await
    }
    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        let items = self.backend.store.query(pk, sk_prefix).await?;
        self.log_read(format!("query {sk_prefix}"), items.len());
        Ok(items)
    }
    async fn query_page(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let items = self
            .backend
            .store
            .query_page(pk, sk_prefix, after, limit)
            .await?;
        self.log_read(format!("page {sk_prefix} limit {limit}"), items.len());
        Ok(items)
    }
    async fn query_page_back(
        &self,
        pk: &str,
        sk_prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let items = self
            .backend
            .store
            .query_page_back(pk, sk_prefix, before, limit)
            .await?;
        self.log_read(format!("page back {sk_prefix} limit {limit}"), items.len());
        Ok(items)
    }
    async fn due(&self, now: i64) -> Result<Vec<Item>, StoreError> {
        self.backend.store.due(now).await
    }
}

#[async_trait]
impl SecretStore for Counting {
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretError> {
        self.writes.add(format!("secret {name}"));
        self.backend.secrets.put(name, value).await
    }
    async fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        self.reads.lock().unwrap().push(name.to_string());
        self.backend.secrets.get(name).await
    }
    async fn delete(&self, name: &str) -> Result<(), SecretError> {
        self.writes.add(format!("delete secret {name}"));
        self.backend.secrets.delete(name).await
    }
    async fn delete_recoverable(
        &self,
        name: &str,
        window: RecoveryWindow,
    ) -> Result<(), SecretError> {
        self.writes.add(format!(
            "delete secret {name} recoverable for {} days",
            window.in_days()
        ));
        self.backend.secrets.delete_recoverable(name, window).await
    }
}

#[async_trait]
impl EventBus for Counting {
    async fn publish(&self, events: &[BusEvent]) -> Result<(), BusError> {
        self.writes.add("bus");
        self.backend.bus.publish(events).await
    }
}

/// A running admin API.
pub struct Api {
    pub base: String,
    pub writes: Arc<Writes>,
    /// The names of the secrets read.
    pub secret_reads: Arc<std::sync::Mutex<Vec<String>>>,
    /// The store's queries.
    pub store_reads: Arc<StoreReads>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Api {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Serves the admin API over `env`'s backend for `caller`.
pub async fn serve(env: &SandboxEnv, caller: Caller) -> Api {
    serve_as(env, Some(caller)).await
}

/// Serves the admin API over `env`'s backend with no caller on any request (what the
/// stack's routes without an authoriser deliver).
#[allow(dead_code)] // not every test binary uses it
pub async fn serve_without_caller(env: &SandboxEnv) -> Api {
    serve_as(env, None).await
}

async fn serve_as(env: &SandboxEnv, caller: Option<Caller>) -> Api {
    let writes = Arc::new(Writes::default());
    let reads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let store_reads = Arc::new(StoreReads::default());
    let ports = Arc::new(Counting {
        backend: env.backend.clone(),
        writes: writes.clone(),
        reads: reads.clone(),
        store_reads: store_reads.clone(),
    });
    let state = AdminState {
        store: ports.clone(),
        secrets: ports.clone(),
        bus: ports,
        clock: env.clock.clone(),
        recovery: RecoveryWindow::DEFAULT,
        outbound: renkei_core::outbound::OutboundPolicy::Local,
        console: std::sync::Arc::new(renkei_admin::ConsoleConfig::iam()),
    };
    let app = match caller {
        Some(caller) => router(state).layer(axum::Extension(caller)),
        None => router(state),
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Api {
        base: format!("http://{addr}"),
        writes,
        secret_reads: reads,
        store_reads,
        server,
    }
}
