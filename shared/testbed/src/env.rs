//! A sandbox on a loopback port plus an embedded backend on simulated time: what
//! `renkei demo`, `renkei-bench` and the end-to-end tests run connectors in.

use crate::LocalRunner;
use chrono::Utc;
use renkei_connectors::mynavi_hrmos::{self as c1, Registration};
use renkei_connectors::roumumate_kaonavi::{
    self as c2, KaonaviLimits, Secret, Settings, SetupInput, TargetFilter,
};
use renkei_core::Registry;
use renkei_core::engine::{Outcome, REAL_TIME, RunRecord};
use renkei_core::repo::{Repo, Role, TenantUser};
use renkei_core::{Clock, ConnectionId, ManualClock, TenantId};
use renkei_local::LocalBackend;
use renkei_sandbox::{
    CompanySetup, HrmosJob, HrmosSetup, Limits, MynaviAccountSetup, SAMPLE_POSITIONS, Sandbox,
};
use renkei_vendors::kaonavi::Credentials;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A sandbox on a free loopback port plus an embedded backend on simulated time.
pub struct SandboxEnv {
    /// The simulators.
    pub sandbox: Sandbox,
    /// Their address.
    pub addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
    /// The embedded backend (shared with the sandbox's runner: `/_control/run`,
    /// `/_control/deliver` and `/webhooks/...` reach it).
    pub backend: Arc<LocalBackend>,
    /// Its clock.
    pub clock: Arc<ManualClock>,
    /// The backend's folder when this env made it in the temp dir (removed on drop); None
    /// when the caller gave it ([`SandboxEnv::start_in`]: kept).
    temp_dir: Option<PathBuf>,
}

impl Drop for SandboxEnv {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(dir) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The demo company's Consumer Key.
pub const KAONAVI_KEY: &str = "demo-kaonavi";
/// Its Consumer Secret.
pub const KAONAVI_SECRET: &str = "demo-secret";
/// The demo tenant's Roumumate API token.
pub const ROUMUMATE_TOKEN: &str = "demo-roumumate-token";
/// The demo company's Mynavi login ID.
pub const MYNAVI_LOGIN: &str = "demo-co-mynavi";
/// Its password.
pub const MYNAVI_PASSWORD: &str = "mynavi-pass-2026";
/// The demo tenant's HRMOS API key.
pub const HRMOS_KEY: &str = "demo-hrmos-key";
/// The demo tenant.
pub const TENANT: &str = "demo-co";

/// The demo tenant's HRMOS jobs: `(id, title, open)`. The first two match sample positions
/// and are open, the third's job is closed.
pub const HRMOS_JOBS: &[(&str, &str, bool)] = &[
    ("J-SALES", "法人営業（東京本社）", true),
    ("J-WEB", "Webエンジニア【リモート可】", true),
    ("J-ACC", "経理スタッフ", false),
];

impl SandboxEnv {
    /// Starts the sandbox (Kaonavi limits as given) and opens a fresh backend running every
    /// connector of `renkei_connectors::registry()`.
    pub async fn start(limits: Limits, task_polls: u32) -> Result<Self, String> {
        Self::start_with(limits, task_polls, renkei_connectors::registry()).await
    }

    /// As [`SandboxEnv::start`], with the connectors of `registry` (tests add fixtures).
    pub async fn start_with(
        limits: Limits,
        task_polls: u32,
        registry: Registry,
    ) -> Result<Self, String> {
        Self::start_temp(limits, task_polls, registry, REAL_TIME).await
    }

    /// As [`SandboxEnv::start`], on time `scale` times faster than real time (simulated
    /// seconds per real second): the simulators' clock runs that fast, and the engine tells
    /// the connectors so, which shorten their vendors' windows and waits alike. Refuses a
    /// scale that is not a positive finite number.
    pub async fn start_scaled(limits: Limits, task_polls: u32, scale: f64) -> Result<Self, String> {
        Self::start_temp(limits, task_polls, renkei_connectors::registry(), scale).await
    }

    async fn start_temp(
        limits: Limits,
        task_polls: u32,
        registry: Registry,
        scale: f64,
    ) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "renkei-demo-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        let mut env = Self::open(&dir, limits, task_polls, registry, scale).await?;
        env.temp_dir = Some(dir);
        Ok(env)
    }

    /// As [`SandboxEnv::start`], with the backend's state and outbox in `dir`, which is kept
    /// after the env is dropped (`renkei demo --out`: the user opens them afterwards).
    pub async fn start_in(dir: &Path, limits: Limits, task_polls: u32) -> Result<Self, String> {
        Self::open(
            dir,
            limits,
            task_polls,
            renkei_connectors::registry(),
            REAL_TIME,
        )
        .await
    }

    async fn open(
        dir: &Path,
        limits: Limits,
        task_polls: u32,
        registry: Registry,
        scale: f64,
    ) -> Result<Self, String> {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let mut backend =
            LocalBackend::open(dir, clock.clone(), registry).map_err(|e| e.to_string())?;
        // Set before the backend is shared with the sandbox's runner: every run, whoever
        // starts it, builds its connectors on this scale.
        backend.config.set_time_scale(scale)?;
        let backend = Arc::new(backend);
        let sandbox = Sandbox::new().with_runner(Arc::new(LocalRunner(backend.clone())));
        let (addr, server) = sandbox
            .serve(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(|e| format!("starting the sandbox: {e}"))?;
        sandbox.kaonavi().company(
            KAONAVI_KEY,
            CompanySetup {
                consumer_secret: KAONAVI_SECRET.into(),
                gender_options: vec!["男性".into(), "女性".into(), "その他".into()],
                limits,
                task_polls_before_done: task_polls,
                ..Default::default()
            },
        );
        sandbox.roumumate().tenant(ROUMUMATE_TOKEN);
        crate::linkedin::install_partner(&sandbox, &backend.secrets).await?;
        sandbox.mynavi().account(
            MYNAVI_LOGIN,
            MynaviAccountSetup {
                password: MYNAVI_PASSWORD.into(),
                ..Default::default()
            },
        );
        sandbox.hrmos().tenant(
            HRMOS_KEY,
            HrmosSetup {
                jobs: HRMOS_JOBS
                    .iter()
                    .map(|(id, title, open)| HrmosJob {
                        id: id.to_string(),
                        title: title.to_string(),
                        status: if *open { "open" } else { "closed" }.into(),
                    })
                    .collect(),
                per_minute: None,
            },
        );
        let env = Self {
            sandbox,
            addr,
            server,
            backend,
            clock,
            temp_dir: None,
        };
        env.hrbrain_accounts();
        env.personio_accounts();
        // The simulators' clock last, once their accounts are set up; an unscaled env
        // leaves it as it started.
        if scale != REAL_TIME {
            env.sandbox.set_time_scale(scale);
        }
        Ok(env)
    }

    /// Simulated seconds per real second of this env (1: real time).
    pub fn time_scale(&self) -> f64 {
        self.backend.config.time_scale
    }

    /// Settings of a C2 connection against this sandbox.
    pub fn settings(&self, page_size: u32, limits: KaonaviLimits) -> Settings {
        Settings {
            roumumate_url: format!("http://{}/roumumate", self.addr),
            kaonavi_url: format!("http://{}/kaonavi/api/v2.0", self.addr),
            gender_map: default_gender_map(),
            filter: TargetFilter::default(),
            page_size,
            kaonavi_limits: limits,
            task_poll_ms: 5,
        }
    }

    /// Sets up the demo tenant's C2 connection and its admin user.
    pub async fn connect(&self, settings: Settings) -> Result<(TenantId, ConnectionId), String> {
        self.connect_in(&self.backend.store, &self.tenant(), settings)
            .await
    }

    /// Sets up a C2 connection of tenant `t` against this sandbox's demo company, kept in
    /// `store` (the embedded one, or DynamoDB in the AWS tests).
    pub async fn connect_in(
        &self,
        store: &dyn renkei_core::ports::StateStore,
        t: &TenantId,
        settings: Settings,
    ) -> Result<(TenantId, ConnectionId), String> {
        let t = t.clone();
        let c = ConnectionId::new("roumumate-kaonavi").map_err(|e| e.to_string())?;
        Repo::new(store)
            .put_user(
                &t,
                &TenantUser {
                    email: "admin@demo-co.example".into(),
                    roles: vec![Role::Admin],
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        let secret = Secret {
            kaonavi: Credentials {
                consumer_key: KAONAVI_KEY.into(),
                consumer_secret: KAONAVI_SECRET.into(),
            },
            roumumate_token: ROUMUMATE_TOKEN.into(),
        };
        let input = SetupInput {
            tenant_id: t.clone(),
            connection_id: c.clone(),
            secret,
            settings,
        };
        // On the env's time scale: setup's Dry-Run writes count in the windows the runs
        // share.
        c2::setup_scaled(
            store,
            &self.backend.secrets,
            self.clock.now(),
            input,
            self.time_scale(),
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok((t, c))
    }

    /// The demo tenant.
    pub fn tenant(&self) -> TenantId {
        TenantId::new(TENANT).expect("valid tenant id")
    }

    /// Adds (or replaces) one user of the demo tenant with `role`.
    pub async fn add_user(&self, email: &str, role: Role) -> Result<(), String> {
        Repo::new(&self.backend.store)
            .put_user(
                &self.tenant(),
                &TenantUser {
                    email: email.into(),
                    roles: vec![role],
                },
            )
            .await
            .map_err(|e| e.to_string())
    }

    /// The tenant's users: an admin (管理者), a recruiter (採用担当者) and a member.
    pub async fn add_users(&self) -> Result<(), String> {
        for (email, role) in [
            ("admin@demo-co.example", Role::Admin),
            ("recruiter@demo-co.example", Role::Recruiter),
            ("staff@demo-co.example", Role::Member),
        ] {
            self.add_user(email, role).await?;
        }
        Ok(())
    }

    /// A Mynavi account registration of the demo tenant against this sandbox.
    pub fn mynavi_registration(&self, login_id: &str, password: &str) -> Registration {
        Registration {
            tenant_id: self.tenant(),
            account_name: None,
            secret: c1::Secret {
                login_id: login_id.into(),
                password: password.into(),
                hrmos_api_key: HRMOS_KEY.into(),
            },
            mynavi_url: format!("http://{}/mynavi", self.addr),
            hrmos_url: format!("http://{}/hrmos", self.addr),
            columns: None,
        }
    }

    /// Registers the demo Mynavi account and routing rules for the open sample positions.
    pub async fn register_mynavi(&self) -> Result<ConnectionId, String> {
        self.add_users().await?;
        let store = &self.backend.store;
        if c1::rules::list(store, &self.tenant())
            .await
            .map_err(|e| e.to_string())?
            .is_empty()
        {
            for (job, position) in [
                ("J-SALES", SAMPLE_POSITIONS[0]),
                ("J-WEB", SAMPLE_POSITIONS[1]),
                ("J-ACC", SAMPLE_POSITIONS[2]),
            ] {
                c1::rules::create(
                    store,
                    &self.tenant(),
                    c1::rules::RuleInput {
                        medium: c1::MEDIUM,
                        position_name: position.into(),
                        job_id: job.into(),
                    },
                    self.clock.now(),
                )
                .await
                .map_err(|e| e.to_string())?;
            }
        }
        let conn = c1::register(
            store,
            &self.backend.secrets,
            self.clock.now(),
            self.mynavi_registration(MYNAVI_LOGIN, MYNAVI_PASSWORD),
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(conn.connection_id)
    }

    /// Moves simulated time to the connection's next slot and lets the dispatcher fire.
    pub async fn next_slot(
        &self,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Vec<RunRecord>, String> {
        let (conn, _) = Repo::new(&self.backend.store)
            .connection(t, c)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("connection vanished")?;
        if conn.next_run_at > self.clock.now() {
            self.clock.set(conn.next_run_at);
        }
        let outcomes = self.backend.tick().await?;
        Ok(outcomes
            .into_iter()
            .filter_map(|o| {
                if let Outcome::Ran(r) = o {
                    Some(r)
                } else {
                    None
                }
            })
            .collect())
    }
}

/// Roumumate's options mapped to the demo company's Kaonavi options.
pub fn default_gender_map() -> BTreeMap<String, String> {
    [
        ("male", "男性"),
        ("female", "女性"),
        ("unanswered", "その他"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}
