//! The sandbox: simulated vendor APIs, faithful to docs/vendor-contracts.md (status codes,
//! body shapes, asynchronous tasks, rate limits), with seeded fault injection, scalable time
//! and a control API (docs/sandbox.md) so that any test can load data, run a connector
//! once, read back the simulated state and switch faults on.
//!
//! One server hosts every simulator under its own prefix:
//! `/kaonavi/api/v2.0/…`, `/roumumate/api/v1/…`, `/mynavi/…`, `/hrmos/api/v1/…`,
//! `/hrbrain/{subdomain}/…`, `/mikiwame/api/v1/…`, `/personio/…` (Recruiting API and career
//! sites), `/talentwunder/files/…`, `/recruitee/c/{company}/…`, `/linkedin/…` (RSC and OAuth), and `/_control/…`.

// Handlers answer early with a ready `Response` as their error; its size is irrelevant here.
#![allow(clippy::result_large_err)]

mod calls;
pub use calls::{CALL_LOG_DIR, Call};
mod common;
mod control;
pub(crate) use control::control_error;
mod faults;
mod hrbrain;
mod hrmos;
mod kaonavi;
mod linkedin;
mod mikiwame;
mod mynavi;
mod personio;
mod recruitee;
mod roumumate;
mod talentwunder;
mod webhooks;

/// Every simulated vendor. A new vendor is one module implementing [`Simulator`] and one
/// line here.
const SIMULATORS: &[&dyn Simulator] = &[
    &kaonavi::Sim,
    &roumumate::Sim,
    &mynavi::Sim,
    &hrmos::Sim,
    &hrbrain::Sim,
    &mikiwame::Sim,
    &personio::Sim,
    &talentwunder::Sim,
    &recruitee::Sim,
    &linkedin::Sim,
    &webhooks::Sim,
];

/// A simulated vendor plugged into the sandbox: its API under its own prefix, its control
/// routes under `/_control`, and its state in the [`World`] (created on first use, dropped by
/// `POST /_control/reset`).
pub(crate) trait Simulator: Send + Sync {
    /// The vendor's name (its control routes are `/_control/{name}/…`).
    fn name(&self) -> &'static str;
    /// Where its API is served (the base URL to give a connector is the sandbox's address
    /// plus this), or None for a simulator with no API of its own.
    fn prefix(&self) -> Option<&'static str>;
    /// The base URL path a connector's client is given (its client adds the API's own path,
    /// e.g. Roumumate's `/api/v1`); by default the prefix.
    fn base_path(&self) -> Option<&'static str> {
        self.prefix()
    }
    /// The vendor API (faults apply to it).
    fn routes(&self) -> Router<Sandbox> {
        Router::new()
    }
    /// Its control routes (paths relative to `/_control`).
    fn control_routes(&self) -> Router<Sandbox>;
}

/// The simulated vendors' names, with the base URL path to give each one's client (None: a
/// simulator with no API of its own).
pub fn simulators() -> Vec<(&'static str, Option<&'static str>)> {
    SIMULATORS
        .iter()
        .map(|s| (s.name(), s.base_path()))
        .collect()
}

use axum::Router;
use axum::routing::{post, put};
use chrono::{DateTime, Utc};
pub use faults::Faults;
pub use hrbrain::sample::{SampleCompany as HrbrainSample, company as hrbrain_sample};
pub use hrbrain::{
    HrbrainControl, HrbrainSetup, ORGANIZATION_ID as HRBRAIN_ORGANIZATION,
    OneItem as HrbrainOneItem, WebhookTarget,
};
pub use hrmos::{HrmosControl, HrmosJob, HrmosSetup};
pub use kaonavi::{CompanySetup, KaonaviControl, Limits, Permissions};
pub use linkedin::{
    Export as LinkedinExport, LinkedinControl, LinkedinLimits,
    Organization as LinkedinOrganization, Stub as LinkedinStub,
};
pub use mikiwame::{MikiwameControl, MikiwameSetup};
pub use mynavi::{
    DEFAULT_COLUMNS as MYNAVI_COLUMNS, MynaviAccountSetup, MynaviControl, SAMPLE_POSITIONS,
    bad_applications, sample_applications,
};
pub use personio::spec as personio_spec;
pub use personio::{PersonioControl, PersonioSetup, SimJob as PersonioJob};
pub use recruitee::{
    Edit as RecruiteeEdit, Load as RecruiteeLoad, Member as RecruiteeMember, RecruiteeControl,
    RecruiteeSetup,
};
pub use roumumate::RoumumateControl;
use serde_json::Value;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
pub use talentwunder::{profiles as talentwunder_profiles, upload_body as talentwunder_upload};

/// renkei's side of the sandbox, provided by whoever starts it with a backend (renkei-testbed
/// with the embedded one; the sandbox itself knows no connector).
#[async_trait::async_trait]
pub trait Runner: Send + Sync {
    /// `POST /_control/run/{connector}`: runs a connection once and answers the run summary
    /// as JSON, or an error message.
    async fn run_once(&self, connector: &str, request: Value) -> Result<Value, String>;
    /// `/webhooks/...`: renkei's webhook ingress (the same code as the webhooks Lambda).
    async fn webhook(&self, call: HttpCall) -> HttpAnswer;
    /// `POST /_control/deliver`: runs the events waiting on the bus (as EventBridge would
    /// deliver them to the connector functions) and answers their runs.
    async fn deliver(&self) -> Result<Value, String>;
    /// `POST /_control/connect/{connector}`: sets a connection up as the connector's own
    /// setup does (every check included) and answers it, or the setup's refusal.
    async fn connect(&self, connector: &str, request: Value) -> Result<Value, String>;
    /// `POST /_control/admin/{connector}/{action}`: an operation of the connector's admin
    /// surface (e.g. linking a LinkedIn account), answered as JSON or an error message.
    async fn admin(&self, connector: &str, action: &str, request: Value) -> Result<Value, String> {
        let _ = request;
        Err(format!("{connector} has no admin action {action}"))
    }
}

/// An HTTP request as received, for the webhook ingress.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpCall {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
}

/// The ingress's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpAnswer {
    /// Status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

/// Simulated time: `scale` simulated seconds pass per real second, so rate windows of
/// minutes or hours can be exercised in seconds.
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    real_origin: Instant,
    sim_origin: DateTime<Utc>,
    scale: f64,
}

impl SimClock {
    fn new(scale: f64) -> Self {
        Self {
            real_origin: Instant::now(),
            sim_origin: Utc::now(),
            scale: scale.max(0.001),
        }
    }
    /// Simulated now.
    pub fn now(&self) -> DateTime<Utc> {
        let real = self.real_origin.elapsed().as_secs_f64() * self.scale;
        self.sim_origin + chrono::Duration::microseconds((real * 1e6) as i64)
    }
    /// Real seconds that `sim_seconds` take.
    pub fn real_seconds(&self, sim_seconds: f64) -> f64 {
        sim_seconds / self.scale
    }
    fn rescale(&mut self, scale: f64) {
        *self = Self {
            real_origin: Instant::now(),
            sim_origin: self.now(),
            scale: scale.max(0.001),
        };
    }
}

/// Everything the simulators hold: the clock, the faults, and each simulator's state by type.
pub(crate) struct World {
    pub clock: SimClock,
    pub faults: Faults,
    states: HashMap<TypeId, Box<dyn Any + Send>>,
}

impl World {
    fn new() -> Self {
        Self {
            clock: SimClock::new(1.0),
            faults: Faults::default(),
            states: HashMap::new(),
        }
    }

    /// A simulator's state (empty until first used).
    pub fn state<T: Default + Send + 'static>(&mut self) -> &mut T {
        self.states
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .unwrap_or_else(|| unreachable!("the state of a type is stored under its TypeId"))
    }
}

/// Shared sandbox state.
#[derive(Clone)]
pub struct Sandbox {
    world: Arc<Mutex<World>>,
    runner: Option<Arc<dyn Runner>>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// An empty sandbox in real time with no faults.
    pub fn new() -> Self {
        Self {
            world: Arc::new(Mutex::new(World::new())),
            runner: None,
        }
    }

    /// Lets `POST /_control/run/{connector}` run connectors.
    pub fn with_runner(mut self, runner: Arc<dyn Runner>) -> Self {
        self.runner = Some(runner);
        self
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The HTTP application.
    pub fn router(&self) -> Router {
        let mut vendors = Router::new();
        let mut control = Router::new()
            .route("/reset", post(control::reset))
            .route("/faults", put(control::set_faults).get(control::get_faults))
            .route("/time", put(control::set_time).get(control::get_time))
            .route("/run/{connector}", post(control::run_connector))
            .route("/deliver", post(control::deliver))
            .route("/connect/{connector}", post(control::connect_connector))
            .route("/admin/{connector}/{action}", post(control::admin_action));
        for sim in SIMULATORS {
            if let Some(prefix) = sim.prefix() {
                let noted = axum::middleware::from_fn_with_state(
                    (self.clone(), sim.name(), prefix),
                    calls::record,
                );
                vendors = vendors.nest(prefix, sim.routes().route_layer(noted));
            }
            control = control.merge(sim.control_routes());
        }
        let vendors = vendors.layer(axum::middleware::from_fn_with_state(
            self.clone(),
            faults::inject,
        ));
        // The webhook ingress is renkei's, not a vendor's: no faults injected into it.
        vendors
            .merge(webhooks::ingress_routes())
            .nest("/_control", control)
            .with_state(self.clone())
    }

    /// Serves on `addr` (port 0 picks a free port); answers the bound address. The server
    /// stops when the returned handle is dropped or aborted.
    pub async fn serve(
        &self,
        addr: SocketAddr,
    ) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let app = self.router();
        let handle = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "sandbox server stopped");
            }
        });
        Ok((bound, handle))
    }

    /// Sets the fault configuration.
    pub fn set_faults(&self, faults: Faults) {
        self.world().faults = faults;
    }

    /// Sets the time scale.
    pub fn set_time_scale(&self, scale: f64) {
        self.world().clock.rescale(scale);
    }
}
