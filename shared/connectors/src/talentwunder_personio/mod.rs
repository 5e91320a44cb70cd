//! C4: Talentwunder → Personio ATS profile upload (seed 003, requirements C4.1–C4.4).
//!
//! - [`setup`] checks the Recruiting API company ID and token, both features, the career
//!   site's XML feed and the channel ID at once (C4.1).
//! - [`links`] reads the open jobs from the XML feed (cached for minutes) and links each
//!   Talentwunder project to exactly one of them (C4.2).
//! - Talentwunder's uploads arrive through the webhook ingress (or `renkei talentwunder
//!   upload`): [`upload`] checks every profile and queues it under an upload id, and the
//!   ingress requests a run. A run files the queued profiles oldest first: the CV through
//!   the documents endpoint, then the application ([`mapping`]), within Personio's 20
//!   requests per 60 s per company (C4.3).
//! - Personio has no update: a profile is never filed twice because a mark
//!   (`F#<job>#<email hash>`) is written before the create, and a create whose answer was
//!   lost is reconciled — on v2 by reading the candidate's applications back first
//!   ([`reconcile`]; an incomplete read-back, or one that does not list it yet, leaves it
//!   for a later run and sends nothing), and on v1 through Personio's duplicate rule (same
//!   email, same job → `errors.applicant-already-exists`): after a send of ours that error
//!   means *our* earlier create landed (C4.4, docs/contracts/personio.md).
//! - The connection's secret ([`ConnectionSecret`]) holds v2 OAuth client credentials, or
//!   the legacy v1 token of a connection made before; an operator moves one to v2 with
//!   `renkei credentials set` (docs/operations.md).

mod config;
mod filing;
pub mod links;
pub mod mapping;
pub mod profile;
mod reconcile;
mod secret;
mod setup;
pub mod upload;

pub use reconcile::Reconcile;
pub use secret::ConnectionSecret;
pub use setup::{SetupInput, setup};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use filing::TalentwunderPersonio;
use renkei_core::Cadence;
use renkei_core::engine::{
    BuildEnv, Change, Connector, ConnectorFactory, Delivery, Page, Pulled, Refusal, RunConnector,
    SyncError, WebhookPlan, WebhookSource, WriteResult, decode_parts,
};
use renkei_core::notify::NoticePolicy;
use renkei_core::repo::{Connection, Role};
use renkei_vendors::http::RunBound;
use renkei_vendors::personio::{self, PersonioClient, PersonioConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use upload::Queued;

/// The connector's name (its function folder).
pub const NAME: &str = "talentwunder-personio";

/// Uploads request their own runs; this hourly sweep files whatever is still queued (a
/// run that failed on Personio's side, a request lost on the bus).
pub fn cadence(connected_at: DateTime<Utc>) -> Cadence {
    Cadence::EveryHoursFrom {
        hours: 1,
        anchor: connected_at + Duration::hours(1),
    }
}

/// Connection settings (no secrets here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Settings {
    /// Personio's company ID (Unternehmens-ID of the Recruiting API key).
    pub company_id: String,
    /// The jobs domain: `acme` for `https://acme.jobs.personio.de`,
    /// `acme.jobs.personio.com` for `https://acme.jobs.personio.com`.
    pub jobs_domain: String,
    /// Channel-ID for source reporting (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<u64>,
    /// The XML feed's language.
    #[serde(default = "default_language")]
    pub language: String,
    /// Recruiting API base URL; None: `https://api.personio.de`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Career site URL; None: the jobs domain's (`https://acme.jobs.personio.de|com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs_site_url: Option<String>,
    /// Applications and documents per minute per company (Personio: 20); None: no limit.
    #[serde(default = "default_per_minute")]
    pub per_minute: Option<u32>,
    // No `time_scale` any more (issue 30, item 6): a sandbox's time scale is the run's
    // (`BuildEnv::time_scale`). Connections stored before still hold the key; serde skips
    // it on reading and it is not written again.
    /// Profile fields sent as custom attributes: `current_title`, `current_company`,
    /// `profile_url` → `custom_attribute_N`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_attributes: BTreeMap<String, String>,
    /// Tags every application gets (Personio creates missing ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Profiles per page (checkpoint granularity).
    #[serde(default = "default_page_size")]
    pub page_size: usize,
    /// How long the XML feed is cached.
    #[serde(default = "default_ttl")]
    pub jobs_ttl_seconds: u64,
    /// How a create whose answer was lost is reconciled: `read_back` (v2, the default) or
    /// `duplicate_rule` (send again; Personio refuses a second application).
    #[serde(default)]
    pub reconcile: Reconcile,
}

fn default_language() -> String {
    "de".into()
}
#[allow(clippy::unnecessary_wraps)]
fn default_per_minute() -> Option<u32> {
    Some(personio::REQUESTS_PER_MINUTE)
}
fn default_page_size() -> usize {
    20
}
fn default_ttl() -> u64 {
    300
}

impl Settings {
    /// Settings with Personio's defaults.
    pub fn new(company_id: &str, jobs_domain: &str, channel_id: Option<u64>) -> Self {
        Self {
            company_id: company_id.into(),
            jobs_domain: jobs_domain.into(),
            channel_id,
            language: default_language(),
            api_url: None,
            jobs_site_url: None,
            per_minute: default_per_minute(),
            custom_attributes: BTreeMap::new(),
            tags: Vec::new(),
            page_size: default_page_size(),
            jobs_ttl_seconds: default_ttl(),
            reconcile: Reconcile::ReadBack,
        }
    }

    /// The career site.
    pub fn jobs_url(&self) -> String {
        self.jobs_site_url
            .clone()
            .unwrap_or_else(|| personio::jobs_url(&self.jobs_domain))
    }

    /// The Recruiting API's base URL.
    pub fn api_url(&self) -> String {
        self.api_url
            .clone()
            .unwrap_or_else(|| personio::API_URL.into())
            .trim_end_matches('/')
            .to_string()
    }

    /// The Recruiting API client's configuration, its minute divided by `scale` (simulated
    /// seconds per real second: `REAL_TIME` but against a time-scaled sandbox).
    pub fn personio(&self, scale: f64) -> PersonioConfig {
        PersonioConfig {
            api_url: self.api_url(),
            per_window: self.per_minute,
            window: std::time::Duration::from_secs_f64(60.0 / scale),
        }
    }
}

/// Builds the connector from a stored connection.
#[derive(Default)]
pub struct Factory;

const WEBHOOKS: &[WebhookSource] = &[WebhookSource::new(
    &renkei_vendors::webhooks::Talentwunder,
    "upload_secret",
)];

#[async_trait]
impl ConnectorFactory for Factory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn vendors(&self) -> &'static [&'static str] {
        &["personio", "talentwunder"]
    }

    /// Recruiters, who uploaded the profiles, and admins, who fix credentials.
    fn notify_roles(&self) -> &'static [Role] {
        &[Role::Recruiter, Role::Admin]
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
        Some(renkei_core::config::Schema::of::<Settings, ConnectionSecret>())
    }

    async fn build<'a>(
        &self,
        conn: &Connection,
        secret: Option<String>,
        env: BuildEnv<'a>,
    ) -> Result<Box<dyn RunConnector + 'a>, SyncError> {
        let (settings, secret): (Settings, ConnectionSecret) = decode_parts(
            conn,
            secret.as_deref(),
            "Personio credentials missing: connect again",
        )?;
        let mut personio = PersonioClient::new(
            &settings.personio(env.time_scale),
            &settings.company_id,
            secret.credentials,
        )?;
        personio.join_run(env.heartbeat.clone());
        Ok(Box::new(TalentwunderPersonio {
            store: env.store,
            t: conn.tenant_id.clone(),
            c: conn.connection_id.clone(),
            settings,
            personio,
            now: env.now,
            outbound: env.outbound,
            jobs: None,
            scan: QueueScan::default(),
        }))
    }

    /// Queue items are unique per upload, so their hashes only guard a page's replay.
    fn hash_ttl(&self) -> Option<Duration> {
        Some(Duration::days(upload::KEEP))
    }

    /// Every upload's failed profiles are told, not only the first in an hour.
    fn notice_policy(&self, default: NoticePolicy) -> NoticePolicy {
        NoticePolicy {
            interval: Duration::zero(),
            repeat_interval: Duration::zero(),
            ..default
        }
    }

    fn failure_advice(
        &self,
        _conn: &Connection,
        run: &renkei_core::engine::RunRecord,
    ) -> Option<String> {
        let error = run.error.as_deref().unwrap_or_default();
        if error.contains("client ID") || error.contains("access token (HTTP") {
            Some("Check the client ID and secret of the API credential (Personio: Settings > Integrations > API credentials) and store them with `renkei credentials set` (docs/operations.md). Queued profiles are filed once it works.".into())
        } else if error.contains("scope") {
            Some(format!(
                "Give the API credential the scopes {} and {} (Personio: Settings > Integrations > API credentials): renkei files applications and reads them back before it sends one again. Queued profiles are filed once it works.",
                personio::WRITE_SCOPE,
                personio::READ_SCOPE
            ))
        } else if error.contains("read-back query") {
            Some("Personio refused to list the candidate's applications, so renkei cannot tell whether a create whose answer was lost was filed, and sends nothing again. Check in Personio whether the profiles named in the runs are there; if Personio no longer takes the candidate.email filter, set the connection's reconcile to duplicate_rule (`renkei settings set <tenant> <connection> reconcile=duplicate_rule`): lost answers are then reconciled by Personio's duplicate rule, as on v1 (docs/contracts/personio.md).".into())
        } else if error.contains("token (403)") {
            Some("Personio refused the Recruiting API token (403): check in Personio (Settings > API access data > Recruiting API key) that it may file applications, or move the connection to v2 API credentials (docs/operations.md). Queued profiles are filed once it works.".into())
        } else if error.contains("401") {
            Some("Check the company ID and the Recruiting API access token (Personio: Settings > API access data > Recruiting API key) and connect again, or move the connection to v2 API credentials (docs/operations.md). Queued profiles are filed once it works.".into())
        } else if error.contains("feature.") {
            Some("Ask Personio to enable the recruiting features and the Recruiting API for the company. Queued profiles are filed once it works.".into())
        } else if error.contains("channel") {
            Some("Copy the channel ID again from Personio (Settings > Recruiting > Channels) and connect again. Queued profiles are filed once it works.".into())
        } else {
            None
        }
    }

    fn webhooks(&self) -> &'static [WebhookSource] {
        WEBHOOKS
    }

    /// An upload's profiles are kept before the answer (the run files them); the answer
    /// carries the upload's id.
    async fn on_webhook(&self, d: Delivery<'_>) -> Result<WebhookPlan, Refusal> {
        upload::accept(
            d.store,
            &d.conn.tenant_id,
            &d.conn.connection_id,
            d.body,
            d.now,
        )
        .await
        .map(WebhookPlan::answering)
    }
}

/// A run's pass over the open uploads (kept in memory: the next run makes its own pass,
/// in which what this one filed is no longer open).
#[derive(Debug, Default)]
pub(crate) struct QueueScan {
    /// The open-upload mark passed last.
    passed: Option<String>,
    /// The upload being read: its mark and id.
    upload: Option<(String, String)>,
    /// Its queue item read last.
    after: Option<String>,
    /// Whether this pass found any of its items open.
    open_seen: bool,
}

impl QueueScan {
    fn start(&mut self, upload: (String, String)) {
        self.upload = Some(upload);
        self.after = None;
        self.open_seen = false;
    }
}

#[async_trait]
impl Connector for TalentwunderPersonio<'_> {
    type Record = Queued;
    type Cursor = String;

    /// The next open profiles, oldest upload first: one pass per run over the open
    /// uploads, a page of queue items at a time (nothing of a filed profile is kept).
    async fn pull(&mut self, cursor: Option<String>) -> Result<Page<Queued, String>, SyncError> {
        let size = self.settings.page_size.max(1);
        let mut page: Vec<Queued> = Vec::new();
        while page.len() < size {
            let Some((mark, upload_id)) = self.scan.upload.clone() else {
                match upload::next_open(self.store, &self.t, &self.c, self.scan.passed.as_deref())
                    .await?
                {
                    Some(next) => self.scan.start(next),
                    None => break,
                }
                continue;
            };
            let items = upload::queue_page(
                self.store,
                &self.t,
                &self.c,
                &upload_id,
                self.scan.after.as_deref(),
                size - page.len(),
            )
            .await?;
            let Some(last) = items.last() else {
                if !self.scan.open_seen {
                    upload::close(self.store, &self.t, &self.c, &mark, &upload_id).await?;
                }
                self.scan.passed = Some(mark);
                self.scan.upload = None;
                continue;
            };
            self.scan.after = Some(last.sk());
            let open: Vec<Queued> = items.into_iter().filter(|q| q.state.open()).collect();
            self.scan.open_seen |= !open.is_empty();
            page.extend(open);
        }
        let more = page.len() == size;
        let next = page.last().map(Queued::sk).or(cursor);
        let records = page
            .into_iter()
            .map(|q| Pulled::Ready {
                key: q.record_key(),
                payload: q,
            })
            .collect();
        Ok(Page {
            records,
            next_cursor: next,
            has_more: more,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change<Queued>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        let mut results = Vec::with_capacity(changes.len());
        for ch in changes {
            results.push(self.file(ch.payload.clone(), dry_run).await?);
        }
        Ok(results)
    }
}
