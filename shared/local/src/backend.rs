use crate::{FileStore, InProcessBus, Outbox};
use renkei_core::Registry;
use renkei_core::clock::Clock;
use renkei_core::engine::{
    Engine, EngineConfig, NoHook, Outcome, Ports, RunRequest, StepHook, SyncRequested,
};
use renkei_core::ports::StoreError;
use std::path::Path;
use std::sync::Arc;

/// The whole embedded backend in one value: store and secrets (one redb file), outbox,
/// in-process bus and a clock. It plays the dispatcher and the connector Lambdas locally.
pub struct LocalBackend {
    /// State.
    pub store: FileStore,
    /// Secrets (same file).
    pub secrets: crate::FileSecrets,
    /// Mail.
    pub outbox: Outbox,
    /// Bus.
    pub bus: InProcessBus,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Engine tunables.
    pub config: EngineConfig,
    /// The connectors it runs (the caller's: this crate knows none).
    pub registry: Registry,
}

impl LocalBackend {
    /// A backend keeping its files in `dir` (state.redb, outbox/), running the connectors
    /// of `registry`.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>, registry: Registry) -> Result<Self, StoreError> {
        let store = FileStore::open(&dir.join("state.redb"))?;
        Ok(Self {
            secrets: store.secrets(),
            store,
            outbox: Outbox::new(dir.join("outbox"), "renkei@localhost"),
            bus: InProcessBus::default(),
            clock,
            // The embedded backend runs against the sandbox, whose vendors listen on loopback.
            config: EngineConfig {
                outbound: renkei_core::outbound::OutboundPolicy::Local,
                ..EngineConfig::default()
            },
            registry,
        })
    }

    /// The ports, borrowed.
    pub fn ports(&self) -> Ports<'_> {
        Ports {
            store: &self.store,
            secrets: &self.secrets,
            notifier: &self.outbox,
            bus: &self.bus,
            clock: self.clock.as_ref(),
        }
    }

    /// Runs one connection once (as its Lambda would for a SyncRequested event).
    pub async fn run(&self, req: &RunRequest, hook: &dyn StepHook) -> Result<Outcome, String> {
        Engine::new(self.ports(), self.config.clone(), hook)
            .run_registered(req, &self.registry)
            .await
    }

    /// One dispatcher tick followed by the runs it requested (and their continuations),
    /// like EventBridge delivering the events to the connector functions.
    pub async fn tick(&self) -> Result<Vec<Outcome>, String> {
        renkei_core::dispatch::dispatch_due(
            &self.store,
            &self.bus,
            self.clock.as_ref(),
            &self.config.event_source,
            self.config.claim_ttl,
        )
        .await
        .map_err(|e| e.to_string())?;
        self.deliver().await
    }

    /// Runs every event waiting on the bus (webhook requests, continuations) and the ones
    /// those runs publish, like EventBridge delivering them to the connector functions.
    pub async fn deliver(&self) -> Result<Vec<Outcome>, String> {
        let mut outcomes = Vec::new();
        loop {
            let events = self.bus.drain();
            if events.is_empty() {
                return Ok(outcomes);
            }
            for event in events {
                let Ok(req) = serde_json::from_value::<SyncRequested>(event.detail) else {
                    continue;
                };
                outcomes.push(self.run(&req.to_request(None), &NoHook).await?);
            }
        }
    }
}
