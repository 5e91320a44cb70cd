//! C2: ロウムメイト → カオナビ employee push (seed 001, requirements C2.1–C2.10).
//!
//! - [`setup`] checks credentials, Kaonavi's operation settings (get, update, register) and
//!   the gender mapping before a connection can start (C2.1, C2.6), and starts the
//!   connection at Roumumate's current position, so only later changes are pushed (C2.7).
//! - [`RoumumateKaonavi`] is the connector the engine runs every 15 minutes (C2.8): it pulls
//!   changed employees, maps them ([`mapping`]), and upserts by 社員番号 (C2.4): POST for
//!   codes Kaonavi does not have, PATCH for the others, then waits for Kaonavi's tasks
//!   (`push`); tasks a stopped run left are checked before anything is written again
//!   (`tasks`).

mod config;
pub mod mapping;
mod push;
mod setup;
mod tasks;

pub use push::RoumumateKaonavi;
pub use setup::{SetupError, SetupInput, setup, setup_scaled};
pub use tasks::{CARRIED as TASKS_ITEM, MAX_QUIET_CHECKS};

use async_trait::async_trait;
use chrono::NaiveDate;
use renkei_core::Cadence;
use renkei_core::engine::{BuildEnv, ConnectorFactory, RunConnector, SyncError, decode_parts};
use renkei_core::repo::{Connection, Role};
use renkei_vendors::VendorError;
use renkei_vendors::http::RunBound;
use renkei_vendors::kaonavi::{Credentials, KaonaviClient, KaonaviConfig, TaskPolling};
use renkei_vendors::roumumate::{RawEmployee, RoumumateClient};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

/// The connector's name (its function folder).
pub const NAME: &str = "roumumate-kaonavi";

/// C2.8: :00, :15, :30, :45 — EventBridge `cron(0,15,30,45 * * * ? *)`.
pub const CADENCE: Cadence = Cadence::AlignedMinutes { minutes: 15 };

/// One further target condition (C2.3 "+条件を追加"): the employee's attribute `field`
/// must be one of `any_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldCondition {
    /// Attribute name (e.g. 部署, 勤務地).
    pub field: String,
    /// Accepted values.
    pub any_of: Vec<String>,
}

/// Optional target filters (C2.3); empty means everyone in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct TargetFilter {
    /// 雇用形態: any of these (empty = any).
    pub employment_types: Vec<String>,
    /// 入社日 from (inclusive).
    pub hired_from: Option<NaiveDate>,
    /// 入社日 to (inclusive).
    pub hired_to: Option<NaiveDate>,
    /// Further conditions, all of which must hold.
    pub conditions: Vec<FieldCondition>,
}

impl TargetFilter {
    /// Whether the employee is a target.
    pub fn admits(&self, e: &RawEmployee, hire_date: Option<NaiveDate>) -> bool {
        let ty_ok = self.employment_types.is_empty()
            || e.employment_type
                .as_ref()
                .is_some_and(|t| self.employment_types.contains(t));
        let from_ok = self
            .hired_from
            .is_none_or(|f| hire_date.is_some_and(|d| d >= f));
        let to_ok = self
            .hired_to
            .is_none_or(|t| hire_date.is_some_and(|d| d <= t));
        let cond_ok = self.conditions.iter().all(|c| {
            e.attributes
                .get(&c.field)
                .is_some_and(|v| c.any_of.contains(v))
        });
        ty_ok && from_ok && to_ok && cond_ok
    }
}

/// Kaonavi rate limits as configuration (vendor-contracts.md: make both limits configuration;
/// the evidence for each default is in docs/contracts/kaonavi.md, "Limits").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KaonaviLimits {
    /// Requests per hour (None = unlimited). Default 1,000: Kaonavi's support page; a third
    /// party says 3,000, so a company that has that much sets it here. A run spends at most
    /// a fifth of it on task polls (`TaskPolling::per_run_for`).
    pub requests_per_hour: Option<u32>,
    /// Writes per 60 s (None = unlimited).
    pub writes_per_minute: Option<u32>,
    // No `time_scale` any more (issue 30, item 6): a sandbox's time scale is the run's
    // (`BuildEnv::time_scale`). Connections stored before still hold the key; serde skips
    // it on reading and it is not written again (`tests/config.rs`,
    // `s30_6_a_connection_stored_with_a_time_scale_still_reads`).
}

impl Default for KaonaviLimits {
    fn default() -> Self {
        Self {
            requests_per_hour: Some(1000),
            writes_per_minute: Some(5),
        }
    }
}

/// Connection settings (stored in the connection; no secrets here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Settings {
    /// Roumumate API base URL.
    pub roumumate_url: String,
    /// Kaonavi API base URL.
    pub kaonavi_url: String,
    /// Roumumate gender code → Kaonavi gender option (C2.6).
    pub gender_map: BTreeMap<String, String>,
    /// Target filters (C2.3).
    #[serde(default)]
    pub filter: TargetFilter,
    /// Employees per Roumumate page.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Kaonavi limits.
    #[serde(default)]
    pub kaonavi_limits: KaonaviLimits,
    /// The wait before a Kaonavi task's first poll, in milliseconds; each later wait
    /// doubles it, up to 30 s (or 30 first waits, if shorter): every poll is a request of
    /// the hourly budget (`TaskPolling::for_connection`).
    #[serde(default = "default_task_poll_ms")]
    pub task_poll_ms: u64,
}

fn default_page_size() -> u32 {
    200
}
fn default_task_poll_ms() -> u64 {
    1000
}

/// The connection's secret (one Secrets Manager secret, JSON).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Secret {
    /// Kaonavi Consumer Key / Secret.
    #[serde(flatten)]
    pub kaonavi: Credentials,
    /// Roumumate API token of the tenant.
    pub roumumate_token: String,
}

/// The Kaonavi client of `settings`, its windows and task-poll waits divided by `scale`
/// (simulated seconds per real second: `REAL_TIME` but in a time-scaled sandbox).
fn kaonavi_client(
    settings: &Settings,
    creds: Credentials,
    scale: f64,
) -> Result<KaonaviClient, VendorError> {
    let mut config = KaonaviConfig::new(&settings.kaonavi_url);
    let l = settings.kaonavi_limits;
    config.http.limit = l
        .requests_per_hour
        .map(|n| (n, Duration::from_secs_f64(3600.0 / scale)));
    config.http.write_limit = l
        .writes_per_minute
        .map(|n| (n, Duration::from_secs_f64(60.0 / scale)));
    config.polling = TaskPolling::for_connection(
        Duration::from_millis(settings.task_poll_ms),
        scale,
        l.requests_per_hour,
    );
    KaonaviClient::new(config, creds)
}

/// Builds the connector from a stored connection.
#[derive(Default)]
pub struct Factory;

#[async_trait]
impl ConnectorFactory for Factory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn vendors(&self) -> &'static [&'static str] {
        &["roumumate", "kaonavi"]
    }

    /// C2.9: the Roumumate administrators.
    fn notify_roles(&self) -> &'static [Role] {
        &[Role::Admin]
    }

    /// People's changes are checked by the connector's settings and secret types.
    async fn setup(
        &self,
        env: renkei_core::setup::SetupEnv<'_>,
        request: renkei_core::setup::SetupRequest,
    ) -> Result<renkei_core::setup::Connected, renkei_core::setup::SetupError> {
        setup::from_request(env, request).await
    }

    fn schema(&self) -> Option<renkei_core::config::Schema> {
        Some(renkei_core::config::Schema::of::<Settings, Secret>())
    }

    async fn build<'a>(
        &self,
        conn: &Connection,
        secret: Option<String>,
        env: BuildEnv<'a>,
    ) -> Result<Box<dyn RunConnector + 'a>, SyncError> {
        let (settings, secret): (Settings, Secret) = decode_parts(
            conn,
            secret.as_deref(),
            "認証情報がありません。連携を設定し直してください (credentials missing: set the connection up again)",
        )?;
        let mut kaonavi =
            kaonavi_client(&settings, secret.kaonavi, env.time_scale).map_err(SyncError::from)?;
        let mut roumumate = RoumumateClient::new(
            &settings.roumumate_url,
            &secret.roumumate_token,
            settings.page_size,
        )
        .map_err(SyncError::from)?;
        // Kaonavi's 5 writes per 60 s belong to the Consumer Key: they hold across runs.
        kaonavi.join_run(env.heartbeat.clone());
        roumumate.join_run(env.heartbeat.clone());
        let tasks = tasks::TaskLedger::new(
            env.store,
            conn.tenant_id.clone(),
            conn.connection_id.clone(),
            env.now,
        );
        Ok(Box::new(RoumumateKaonavi {
            roumumate,
            kaonavi,
            settings,
            existing: HashSet::new(),
            tasks,
            checked: false,
        }))
    }
}
