//! Where the CLI's commands act: the embedded backend (`--backend local`: a folder with
//! state.redb and the outbox) or a deployed stack (`--backend aws`: its DynamoDB table,
//! Secrets Manager, SES and EventBridge bus, with region, profile and `AWS_ENDPOINT_URL` from
//! the standard AWS configuration). Every command goes through the same ports either way;
//! the one difference is "run now": locally the connector runs in this process, on AWS the
//! request is put on the bus and the connector's Lambda runs it, as the dispatcher's would.

use renkei_core::Registry;
use renkei_core::clock::Clock;
use renkei_core::engine::{
    Engine, EngineConfig, NoHook, Outcome, Ports, RunRequest, SyncRequested,
};
use renkei_core::outbound::OutboundPolicy;
use renkei_core::ports::{EventBus, Notifier, SecretStore, StateStore};
use renkei_local::LocalBackend;
use std::sync::Arc;

/// The command line's choice of backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// The embedded backend in `--dir` (no AWS needed).
    Local,
    /// The deployed stack named by `--table` and `--bus`.
    Aws,
}

/// Where a deployed stack keeps its state (the SAM/CDK stack's outputs).
pub struct AwsTarget {
    /// DynamoDB table (output `TableName`).
    pub table: String,
    /// EventBridge bus (output `BusName`).
    pub bus: String,
    /// Sender of failure emails for runs this process makes (`--dry-run` only).
    pub mail_from: String,
    /// `--region`, in place of the AWS configuration's.
    pub region: Option<String>,
    /// `--profile`, in place of `AWS_PROFILE`.
    pub profile: Option<String>,
    /// Where runs this process makes may call out (`--vendors`).
    pub outbound: OutboundPolicy,
}

/// The ports a command works through, on either backend.
pub struct Backend {
    /// State (connections, runs, cursors, rules).
    pub store: Arc<dyn StateStore>,
    /// Credentials.
    pub secrets: Arc<dyn SecretStore>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// The connectors renkei has.
    pub registry: Registry,
    /// Where runs and setup checks made here may call out: anywhere on the embedded backend
    /// (the sandbox is on loopback), the `--vendors` choice on a stack.
    pub outbound: OutboundPolicy,
    place: Place,
}

/// What differs between the two: who runs a requested sync, and with which mail and bus.
enum Place {
    /// Runs happen in this process.
    Local(Arc<LocalBackend>),
    /// Runs happen in the stack's Lambdas.
    Aws(renkei_aws::AwsPorts),
}

/// What asking for a run did.
pub enum Requested {
    /// The embedded backend ran it (and what it started) at once.
    Ran(Vec<Outcome>),
    /// The request is on the deployed stack's bus; its Lambda runs it.
    Queued,
}

impl Backend {
    /// The embedded backend.
    pub fn local(b: LocalBackend) -> Self {
        let b = Arc::new(b);
        Self {
            store: Arc::new(b.store.clone()),
            secrets: Arc::new(b.secrets.clone()),
            clock: b.clock.clone(),
            registry: b.registry.clone(),
            outbound: OutboundPolicy::Local,
            place: Place::Local(b),
        }
    }

    /// A deployed stack, through the standard AWS configuration (with `--region` and
    /// `--profile` in place of its own). No region is refused here, in words, rather than
    /// by the SDK at the first call.
    pub async fn aws(target: AwsTarget, registry: Registry) -> Result<Self, String> {
        let config =
            renkei_aws::sdk_config_with(target.region.as_deref(), target.profile.as_deref()).await;
        if config.region().is_none() {
            return Err(
                "no AWS region: pass --region, set AWS_REGION, or give the profile a region".into(),
            );
        }
        let aws = renkei_aws::AwsPorts::new(&config, target.table, target.bus, target.mail_from);
        Ok(Self {
            store: Arc::new(aws.store.clone()),
            secrets: Arc::new(aws.secrets.clone()),
            clock: Arc::new(renkei_core::SystemClock),
            registry,
            outbound: target.outbound,
            place: Place::Aws(aws),
        })
    }

    /// The embedded backend itself, for what only exists there (the sandbox's control API).
    pub fn embedded(&self, what: &str) -> Result<Arc<LocalBackend>, String> {
        match &self.place {
            Place::Local(b) => Ok(b.clone()),
            Place::Aws(_) => Err(format!(
                "{what} runs on the embedded backend only (--backend local)"
            )),
        }
    }

    /// The bus "run now" publishes to, shared (the admin API's).
    pub fn bus(&self) -> Arc<dyn EventBus> {
        match &self.place {
            Place::Local(b) => Arc::new(LocalBus(b.clone())),
            Place::Aws(aws) => Arc::new(aws.bus.clone()),
        }
    }

    /// Whether runs happen in this process (the embedded backend).
    pub fn runs_here(&self) -> bool {
        matches!(self.place, Place::Local(_))
    }

    /// The ports, borrowed.
    pub fn ports(&self) -> Ports<'_> {
        let (notifier, bus): (&dyn Notifier, &dyn EventBus) = match &self.place {
            Place::Local(b) => (&b.outbox, &b.bus),
            Place::Aws(aws) => (&aws.notifier, &aws.bus),
        };
        Ports {
            store: self.store.as_ref(),
            secrets: self.secrets.as_ref(),
            notifier,
            bus,
            clock: self.clock.as_ref(),
        }
    }

    /// A person's "run now": on the bus as a SyncRequested (the connector's Lambda picks it
    /// up on AWS; the embedded bus delivers at once and the runs happen here).
    pub async fn request(&self, event: SyncRequested) -> Result<Requested, String> {
        self.ports()
            .bus
            .publish(&[event.to_event("renkei")])
            .await
            .map_err(|e| e.to_string())?;
        match &self.place {
            Place::Local(b) => Ok(Requested::Ran(b.deliver().await?)),
            Place::Aws(_) => Ok(Requested::Queued),
        }
    }

    /// Runs one connection in this process (`--dry-run`: counts without writing, so there is
    /// nothing to hand to a Lambda). On AWS it uses the stack's table, lease and secrets.
    pub async fn run_here(&self, req: &RunRequest) -> Result<Outcome, String> {
        if let Place::Local(b) = &self.place {
            return b.run(req, &NoHook).await;
        }
        let config = EngineConfig {
            outbound: self.outbound.clone(),
            ..EngineConfig::default()
        };
        Engine::new(self.ports(), config, &NoHook)
            .run_registered(req, &self.registry)
            .await
    }
}

/// The embedded backend's bus behind an `Arc` (it is a field of the backend, not shared).
struct LocalBus(Arc<LocalBackend>);

#[async_trait::async_trait]
impl EventBus for LocalBus {
    async fn publish(
        &self,
        events: &[renkei_core::ports::BusEvent],
    ) -> Result<(), renkei_core::ports::BusError> {
        self.0.bus.publish(events).await
    }
}
