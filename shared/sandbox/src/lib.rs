//! The sandbox: simulated vendor APIs, faithful to docs/vendor-contracts.md (status codes,
//! body shapes, asynchronous tasks, rate limits), with seeded fault injection, scalable time
//! and a control API (docs/sandbox.md) so that any test can load data, run a connector
//! once, read back the simulated state and switch faults on.
//!
//! One server hosts every simulator under its own prefix:
//! `/kaonavi/api/v2.0/…`, `/roumumate/api/v1/…`, `/mynavi/…`, `/hrmos/api/v1/…`, and
//! `/_control/…`.

// Handlers answer early with a ready `Response` as their error; its size is irrelevant here.
#![allow(clippy::result_large_err)]

mod faults;
mod hrmos;
mod kaonavi;
mod mynavi;
mod roumumate;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use chrono::{DateTime, Utc};
pub use faults::Faults;
pub use hrmos::{HrmosJob, HrmosSetup};
pub use kaonavi::{CompanySetup, Limits, Permissions};
pub use mynavi::{
    DEFAULT_COLUMNS as MYNAVI_COLUMNS, MynaviAccountSetup, SAMPLE_POSITIONS, bad_applications,
    sample_applications,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Runs one connector once on behalf of `POST /_control/run/{connector}` (the CLI provides
/// it with the embedded backend; the sandbox itself knows no connector).
#[async_trait::async_trait]
pub trait Runner: Send + Sync {
    /// Runs and answers the run summary as JSON, or an error message.
    async fn run_once(&self, connector: &str, request: Value) -> Result<Value, String>;
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

/// Everything the simulators hold.
pub(crate) struct World {
    pub clock: SimClock,
    pub faults: Faults,
    pub kaonavi: kaonavi::Kaonavi,
    pub roumumate: roumumate::Roumumate,
    pub mynavi: mynavi::Mynavi,
    pub hrmos: hrmos::Hrmos,
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
            world: Arc::new(Mutex::new(World {
                clock: SimClock::new(1.0),
                faults: Faults::default(),
                kaonavi: Default::default(),
                roumumate: Default::default(),
                mynavi: Default::default(),
                hrmos: Default::default(),
            })),
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
        let vendors = Router::new()
            .nest("/kaonavi/api/v2.0", kaonavi::routes())
            .nest("/roumumate/api/v1", roumumate::routes())
            .nest("/mynavi", mynavi::routes())
            .nest("/hrmos/api/v1", hrmos::routes())
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                faults::inject,
            ));
        let control = Router::new()
            .route("/reset", post(reset))
            .route("/faults", put(set_faults).get(get_faults))
            .route("/time", put(set_time).get(get_time))
            .route("/run/{connector}", post(run_connector))
            .merge(kaonavi::control_routes())
            .merge(roumumate::control_routes())
            .merge(mynavi::control_routes())
            .merge(hrmos::control_routes());
        vendors.nest("/_control", control).with_state(self.clone())
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

    // ---- direct control (the same operations as the control API, for in-process callers)

    /// Sets up (or replaces the settings of) a Kaonavi company.
    pub fn kaonavi_company(&self, key: &str, setup: CompanySetup) {
        let mut w = self.world();
        let now = w.clock.now();
        w.kaonavi.setup(key, setup, now);
    }

    /// The members a Kaonavi company holds.
    pub fn kaonavi_members(&self, key: &str) -> Vec<Value> {
        self.world().kaonavi.members(key)
    }

    /// Adds a member to a Kaonavi company directly, as a person in Kaonavi would.
    pub fn kaonavi_put_member(&self, key: &str, member: Value) -> Result<(), String> {
        let Value::Object(m) = member else {
            return Err("a member is a JSON object".into());
        };
        self.world().kaonavi.put_member(key, m)
    }

    /// Request statistics of a Kaonavi company.
    pub fn kaonavi_stats(&self, key: &str) -> Value {
        self.world().kaonavi.stats(key)
    }

    /// Zeroes a Kaonavi company's request statistics (limits' windows are kept).
    pub fn kaonavi_reset_stats(&self, key: &str) {
        self.world().kaonavi.reset_stats(key);
    }

    /// Creates or updates Roumumate employees of the tenant with API token `token` (each
    /// becomes a change after every existing cursor).
    pub fn roumumate_upsert(&self, token: &str, employees: Vec<Value>) -> Result<usize, String> {
        self.world().roumumate.upsert(token, employees)
    }

    /// Creates a Roumumate tenant reachable with API token `token` (idempotent).
    pub fn roumumate_tenant(&self, token: &str) {
        // An empty upsert only creates the tenant.
        let _ = self.world().roumumate.upsert(token, Vec::new());
    }

    /// Sets up (or replaces the settings of) a Mynavi employer account.
    pub fn mynavi_account(&self, login_id: &str, setup: MynaviAccountSetup) {
        self.world().mynavi.setup(login_id, setup);
    }

    /// Adds applications to a Mynavi account (objects keyed by column name).
    pub fn mynavi_add(&self, login_id: &str, applications: Vec<Value>) -> Result<usize, String> {
        self.world().mynavi.add(login_id, applications)
    }

    /// Logins and downloads of a Mynavi account.
    pub fn mynavi_stats(&self, login_id: &str) -> Value {
        self.world().mynavi.stats(login_id)
    }

    /// Sets up (or replaces the jobs and limit of) an HRMOS tenant reachable with `api_key`.
    pub fn hrmos_tenant(&self, api_key: &str, setup: HrmosSetup) {
        self.world().hrmos.setup(api_key, setup);
    }

    /// The applicants an HRMOS tenant holds, as created.
    pub fn hrmos_applicants(&self, api_key: &str) -> Vec<Value> {
        self.world().hrmos.applicants(api_key)
    }

    /// Request statistics of an HRMOS tenant.
    pub fn hrmos_stats(&self, api_key: &str) -> Value {
        self.world().hrmos.stats(api_key)
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

/// A control-API error answer.
pub(crate) fn control_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

async fn reset(State(sb): State<Sandbox>) -> Response {
    let mut w = sb.world();
    w.faults = Faults::default();
    w.kaonavi = Default::default();
    w.roumumate = Default::default();
    w.mynavi = Default::default();
    w.hrmos = Default::default();
    w.clock = SimClock::new(1.0);
    StatusCode::NO_CONTENT.into_response()
}

async fn set_faults(State(sb): State<Sandbox>, Json(f): Json<Faults>) -> Response {
    let f = f.seeded();
    sb.world().faults = f;
    StatusCode::NO_CONTENT.into_response()
}

async fn get_faults(State(sb): State<Sandbox>) -> Response {
    Json(sb.world().faults.clone()).into_response()
}

#[derive(Deserialize)]
struct TimeBody {
    scale: f64,
}

async fn set_time(State(sb): State<Sandbox>, Json(t): Json<TimeBody>) -> Response {
    if !(t.scale.is_finite() && t.scale > 0.0) {
        return control_error(StatusCode::BAD_REQUEST, "scale must be a positive number");
    }
    sb.world().clock.rescale(t.scale);
    StatusCode::NO_CONTENT.into_response()
}

async fn get_time(State(sb): State<Sandbox>) -> Response {
    let c = sb.world().clock;
    Json(json!({"now": c.now(), "scale": c.scale})).into_response()
}

async fn run_connector(
    State(sb): State<Sandbox>,
    Path(connector): Path<String>,
    body: Option<Json<Value>>,
) -> Response {
    let Some(runner) = sb.runner.clone() else {
        return control_error(
            StatusCode::NOT_IMPLEMENTED,
            "this sandbox was started without a connector runner (use `renkei sandbox`)",
        );
    };
    match runner
        .run_once(&connector, body.map(|b| b.0).unwrap_or(Value::Null))
        .await
    {
        Ok(v) => Json(v).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, e),
    }
}
