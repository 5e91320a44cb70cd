//! C5: Recruitee ↔ LinkedIn Recruiter System Connect (seed 004, requirements C5.1–C5.8).
//! ATS → LinkedIn: C5.1–C5.3, C5.7; LinkedIn → ATS: C5.4–C5.6, C5.8 ([`accounts`],
//! [`admin`], and the inbound and access steps of `sync`).
//!
//! - [`setup`]: connecting checks the Recruitee token and the addresses; the first run
//!   provisions the customer's child application with the deployment's partner application
//!   ([`partner`]); the customer's admin enables the integrations in LinkedIn's widget on the
//!   onboarding page ([`onboarding`], a signed link); renkei then names them and sets the
//!   CALLBACK_URL; activation is refreshed by every run, by LinkedIn's
//!   INTEGRATION_STATUS_CHANGE and on request (C5.1, C5.3).
//! - [`sync`]: a pass sends pending webhook deletions, then the jobs, then the candidates
//!   (each a [`mapping::Bundle`] of candidate, applications, stages, notes and feedback),
//!   then — after the historical pass and once a day — a sweep that compares every
//!   Recruitee id with what LinkedIn was sent and deletes what Recruitee no longer has
//!   (each confirmed by a 404 first). The first pass after activation is the historical
//!   sync; later ones are incremental (updated since the last pass). Checkpoints are per
//!   page (≈ one LinkedIn batch), continuations carry long passes over invocations (C5.2).
//! - [`budget`]: LinkedIn's 100,000 requests per day per application, persisted; when it is
//!   spent the run stops as `continued` until the next UTC day. The 10,000 records per
//!   minute are taken before each batch in the application's shared window.
//! - Recruitee's webhooks (C5.7) request a run; `candidate_deleted` is kept (`D#<id>`) so
//!   the run deletes it on LinkedIn. LinkedIn's EXPORT_CANDIDATE_PROFILE is kept (`X#<id>`,
//!   at most for the platform's retention) so the run files it (C5.5); a team member's
//!   consent comes back to the same address ([`ConnectorFactory::authorization`], C5.4).
//! - Every pass first does what LinkedIn sent (exports, mail stubs every 10 minutes,
//!   relinks), then jobs, who sees them (ACLs), candidates.

pub mod accounts;
pub mod admin;
pub mod budget;
mod config;
pub mod mapping;
pub mod onboarding;
pub mod partner;
pub mod setup;
mod sync;

pub use setup::{ActivationState, SetupInput, check, refresh, setup};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use renkei_core::Cadence;
use renkei_core::engine::{
    Authorization, BuildEnv, ConnectorFactory, Delivery, REAL_TIME, Refusal, RunConnector,
    RunRecord, RunStatus, SyncError, WebhookPlan, WebhookSource, decode_parts, decode_settings,
};
use renkei_core::ports::Condition;
use renkei_core::repo::{Connection, Repo, Role};
use renkei_core::webhook::WebhookVendor;
use renkei_vendors::http::RunBound;
use renkei_vendors::linkedin::{self, Api, ChildApp, LinkedinClient, LinkedinConfig};
use renkei_vendors::recruitee::{self, RecruiteeClient, RecruiteeConfig};
use renkei_vendors::webhooks;
use serde::{Deserialize, Serialize};

/// The connector's name (its function folder).
pub const NAME: &str = "recruitee-linkedin";

/// C5.7: every 15 minutes an incremental pass catches what webhooks missed (and a pass of
/// a historical sync that is waiting goes on).
pub fn cadence() -> Cadence {
    Cadence::AlignedMinutes { minutes: 15 }
}

/// Connection settings (no secrets here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Settings {
    /// Recruitee company id.
    pub company_id: String,
    /// Recruitee API base of the company; None: `https://api.recruitee.com/c/{company_id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruitee_url: Option<String>,
    /// LinkedIn API base.
    #[serde(default = "default_api")]
    pub linkedin_api_url: String,
    /// LinkedIn OAuth base.
    #[serde(default = "default_oauth")]
    pub linkedin_oauth_url: String,
    /// `/v2/` or `/rest/` with a version.
    #[serde(default = "default_generation")]
    pub api: Api,
    /// The customer's LinkedIn organization id (its integration context).
    pub organization: String,
    /// The Recruiter contract chosen for this connection.
    pub contract: String,
    /// Candidates per page (a page is about one LinkedIn batch: the checkpoint's step).
    #[serde(default = "default_page")]
    pub page_size: usize,
    /// Recruitee requests per minute (Recruitee publishes none: conservative).
    #[serde(default = "default_recruitee_rate")]
    pub recruitee_per_minute: Option<u32>,
    /// LinkedIn requests per UTC day renkei spends (LinkedIn's 100,000 less a margin for
    /// the few calls outside the sync: activation checks, tokens).
    #[serde(default = "default_day")]
    pub requests_per_day: u32,
    /// Hours between sweeps that find deletions by comparing every id.
    #[serde(default = "default_sweep")]
    pub sweep_hours: u32,
    // No `time_scale` any more (issue 30, item 6): a sandbox's time scale is the run's
    // (`BuildEnv::time_scale`). Connections stored before still hold the key; serde skips
    // it on reading and it is not written again.
    /// This connection's LinkedIn callback URL (set by connecting): LinkedIn's webhooks and
    /// members' authorizations (C5.4) come back to it; the child application registers it
    /// as its member sign-in redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Where the stack serves the onboarding page (the admin API's URL): LinkedIn lets only
    /// its origin embed the widget (the child's `validJsSdkDomains`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboarding_url: Option<String>,
    /// LinkedIn's platform host, whose `/xdoor/scripts/in.js` the onboarding page loads.
    #[serde(default = "default_platform")]
    pub linkedin_platform_url: String,
}

fn default_api() -> String {
    "https://api.linkedin.com".into()
}
fn default_oauth() -> String {
    "https://www.linkedin.com".into()
}
fn default_platform() -> String {
    "https://platform.linkedin.com".into()
}
fn default_generation() -> Api {
    Api::V2
}
fn default_page() -> usize {
    20
}
#[allow(clippy::unnecessary_wraps)]
fn default_recruitee_rate() -> Option<u32> {
    Some(600)
}
fn default_day() -> u32 {
    linkedin::REQUESTS_PER_DAY / 100 * 99
}
fn default_sweep() -> u32 {
    24
}

impl Settings {
    /// Settings with every default for a company, organization and contract.
    pub fn new(company_id: &str, organization: &str, contract: &str) -> Self {
        Self {
            company_id: company_id.into(),
            recruitee_url: None,
            linkedin_api_url: default_api(),
            linkedin_oauth_url: default_oauth(),
            api: default_generation(),
            organization: organization.into(),
            contract: contract.into(),
            page_size: default_page(),
            recruitee_per_minute: default_recruitee_rate(),
            requests_per_day: default_day(),
            sweep_hours: default_sweep(),
            callback_url: None,
            onboarding_url: None,
            linkedin_platform_url: default_platform(),
        }
    }

    /// Recruitee's client configuration; against a sandbox `scale` times faster than real
    /// time (simulated seconds per real second) its minute's budget is spent that much
    /// faster.
    fn recruitee(&self, scale: f64) -> RecruiteeConfig {
        let url = self
            .recruitee_url
            .clone()
            .unwrap_or_else(|| recruitee::base_url(&self.company_id));
        let per_minute = self
            .recruitee_per_minute
            .map(|n| (f64::from(n) * scale.max(1.0)) as u32);
        RecruiteeConfig::new(&url, per_minute)
    }

    /// LinkedIn's client configuration, its minute divided by `scale` (as for
    /// [`Settings::recruitee`]).
    fn linkedin(&self, scale: f64) -> LinkedinConfig {
        let mut c = LinkedinConfig::new(&self.linkedin_api_url, &self.linkedin_oauth_url, scale);
        c.api = self.api.clone();
        c
    }
}

/// The connection's secret. The partner's credentials are never part of it
/// ([`partner`]): connecting refuses them and `renkei migrate-secrets` strips them from
/// connections made before.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Secret {
    /// Recruitee personal API token.
    pub recruitee_token: String,
    /// The secret of Recruitee's webhook (None: no webhooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruitee_webhook_secret: Option<String>,
    /// The customer's child application (set by provisioning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<ChildApp>,
    /// This connection's key for its onboarding links (set by connecting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboarding_key: Option<String>,
    /// Read, never written: where connections made before kept the partner's client id.
    #[serde(default, rename = "partner_client_id", skip_serializing)]
    legacy_partner_id: Option<String>,
    /// Read, never written: the partner's client secret of connections made before.
    #[serde(default, rename = "partner_client_secret", skip_serializing)]
    legacy_partner_secret: Option<String>,
}

impl Secret {
    /// A secret with the Recruitee credentials only (what connecting takes).
    pub fn new(recruitee_token: &str, recruitee_webhook_secret: Option<&str>) -> Self {
        Self {
            recruitee_token: recruitee_token.into(),
            recruitee_webhook_secret: recruitee_webhook_secret.map(str::to_string),
            ..Self::default()
        }
    }

    /// The partner credentials a secret of a connection made before holds, if any.
    pub fn legacy_partner(&self) -> Option<partner::PartnerApp> {
        match (&self.legacy_partner_id, &self.legacy_partner_secret) {
            (None, None) => None,
            (id, secret) => Some(partner::PartnerApp {
                client_id: id.clone().unwrap_or_default(),
                client_secret: secret.clone().unwrap_or_default(),
            }),
        }
    }

    /// The client of the customer's child application, on time `scale` times faster than
    /// real time (`REAL_TIME` but in a time-scaled sandbox's runs).
    pub fn customer(&self, settings: &Settings, scale: f64) -> Result<LinkedinClient, SyncError> {
        let child = self.child.as_ref().ok_or_else(|| {
            SyncError::Auth(
                "the connection's LinkedIn application is not provisioned yet: its next run provisions it".into(),
            )
        })?;
        Ok(LinkedinClient::new(
            &settings.linkedin(scale),
            &child.client_id,
            &child.client_secret,
        )?)
    }
}

/// Builds the connector from a stored connection.
#[derive(Default)]
pub struct Factory;

/// Recruitee's webhooks, and LinkedIn's notifications signed with the customer's child
/// application's secret (LinkedIn signs with the secret of the application it calls for).
/// LinkedIn's endpoint also takes the child application's id: members' authorizations come
/// back to the same address and are finished with that application (its secret is the
/// signing secret already). The Recruitee token and the link key stay out of it.
const WEBHOOKS: &[WebhookSource] = &[
    WebhookSource::new(&webhooks::Recruitee, "recruitee_webhook_secret"),
    WebhookSource {
        contract: &webhooks::LinkedIn,
        secret_field: "/child/client_secret",
        also: &[("client_id", "/child/client_id")],
    },
];

/// Keeps an export notification, or an INTEGRATION_STATUS_CHANGE, for the run it requests.
async fn accept_linkedin(d: Delivery<'_>) -> Result<Option<serde_json::Value>, Refusal> {
    if d.body["type"] == "INTEGRATION_STATUS_CHANGE" {
        return onboarding::accept_status_change(&d).await;
    }
    if d.body["type"] != "EXPORT_CANDIDATE_PROFILE" {
        return Ok(None);
    }
    let Some(request) = d.body["requestId"].as_str().filter(|r| !r.is_empty()) else {
        return Err(Refusal {
            status: 400,
            message: "EXPORT_CANDIDATE_PROFILE without requestId".into(),
        });
    };
    let kept = sync::Notified {
        request_id: request.to_string(),
        at: d.now,
    };
    // Kept no longer than the platform's retention: a run takes it long before, unless the
    // connection stops running (then nobody files it).
    Repo::new(d.store)
        .own_put(
            &d.conn.tenant_id,
            &d.conn.connection_id,
            &format!("X#{request}"),
            &kept,
            Condition::Always,
            Some(retained_until(d.now)),
        )
        .await?;
    Ok(Some(serde_json::json!({"export": request})))
}

/// When what is kept of an export that filed no candidate goes (its `X#` notification, the
/// result of a refused or forged export): after the platform's retention of run records and
/// error reports (`EngineConfig::retention`), which name the same people (the table's TTL).
pub(crate) fn retained_until(now: DateTime<Utc>) -> DateTime<Utc> {
    now + renkei_core::engine::EngineConfig::default().retention
}

/// A deletion Recruitee told us about, kept until a run has deleted it on LinkedIn.
pub(crate) fn deletion_sk(candidate: u64) -> String {
    format!("D#{candidate:020}")
}

#[async_trait]
impl ConnectorFactory for Factory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn vendors(&self) -> &'static [&'static str] {
        &["recruitee", "linkedin"]
    }

    /// Recruitee admins operate the integration.
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

    fn actions(&self) -> Option<renkei_core::action::Actions> {
        Some(renkei_core::action::Actions {
            segment: "linkedin",
            names: admin::ACTIONS,
        })
    }

    async fn act(
        &self,
        env: renkei_core::setup::SetupEnv<'_>,
        conn: &Connection,
        action: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, renkei_core::action::ActionError> {
        admin::act(env, conn, action, body).await
    }

    async fn prepare(
        &self,
        env: renkei_core::setup::SetupEnv<'_>,
        conn: &Connection,
    ) -> Result<(), SyncError> {
        partner::provision_now(env.store, env.secrets, &conn.tenant_id, &conn.connection_id).await
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
        let (settings, mut secret): (Settings, Secret) = decode_parts(
            conn,
            secret.as_deref(),
            "Recruitee/LinkedIn credentials missing: connect again",
        )?;
        // The partner's side first: the child application provisioned, or patched when the
        // connection's addresses changed.
        if let Some(child) = partner::provision(
            env.store,
            env.secrets,
            conn,
            &settings,
            &secret,
            env.time_scale,
        )
        .await?
        {
            secret.child = Some(child);
        }
        let mut recruitee =
            RecruiteeClient::new(settings.recruitee(env.time_scale), &secret.recruitee_token)?;
        recruitee.join_run(env.heartbeat.clone());
        let mut linkedin = secret.customer(&settings, env.time_scale)?;
        linkedin.join_run(env.heartbeat.clone());
        Ok(Box::new(sync::RecruiteeLinkedin::new(
            conn, settings, recruitee, linkedin, env,
        )))
    }

    fn webhooks(&self) -> &'static [WebhookSource] {
        WEBHOOKS
    }

    /// A team member back from LinkedIn's consent page (C5.4): the link is kept. This runs
    /// in the public webhooks function, which reads no connection secret: the child
    /// application's id and secret come from the LinkedIn endpoint's own secret.
    async fn authorization(&self, a: Authorization<'_>) -> Result<serde_json::Value, Refusal> {
        if a.vendor != WebhookVendor::LinkedIn {
            return Err(Refusal::unknown_authorization());
        }
        let refuse = |e: SyncError| Refusal {
            status: match e.plain() {
                SyncError::Retryable(_) => 503,
                _ => 400,
            },
            message: e.to_string(),
        };
        let settings: Settings =
            decode_settings(a.conn).map_err(|_| Refusal::unknown_authorization())?;
        let child = |field: &str| {
            a.endpoint_secret
                .get(field)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
        };
        // Real time: a member's authorization comes to the webhooks function, outside runs.
        let config = settings.linkedin(REAL_TIME);
        let app = child("client_id").zip(child(renkei_core::webhook::SIGNING_SECRET));
        let linkedin = || {
            let (id, secret) = app.ok_or_else(|| {
                SyncError::Auth("no LinkedIn child application provisioned: connect again".into())
            })?;
            Ok(LinkedinClient::new(&config, id, secret)?)
        };
        let link =
            accounts::finish_link(a.store, a.conn, &settings, linkedin, a.state, a.code, a.now)
                .await
                .map_err(refuse)?;
        Ok(serde_json::json!({
            "linked": true, "team_member": link.admin_id, "linkedin_member": link.member,
            "message": "Your LinkedIn account is linked. You can close this window.",
        }))
    }

    /// InMail every 10 minutes beside the 15-minute pass: the next run is at whichever
    /// comes first (a run reads mail stubs only when 10 minutes have passed).
    fn after_run(&self, conn: &mut Connection, run: &RunRecord, now: DateTime<Utc>) {
        conn.next_run_at = if run.status == RunStatus::Continued {
            now
        } else {
            let inmail = Cadence::AlignedMinutes {
                minutes: sync::INMAIL_MINUTES as u32,
            };
            conn.cadence.next_after(now).min(inmail.next_after(now))
        };
    }

    /// A `candidate_deleted` is kept for the run it requests (Recruitee retries a delivery
    /// until it is answered 2xx, so keeping is idempotent: one item per candidate). So is
    /// LinkedIn's EXPORT_CANDIDATE_PROFILE (`X#{requestId}`): the run files it.
    async fn on_webhook(&self, d: Delivery<'_>) -> Result<WebhookPlan, Refusal> {
        keep(d).await.map(|answer| WebhookPlan {
            answer,
            scope: None,
        })
    }
}

/// What [`Factory::on_webhook`] keeps of a delivery, and the fields it adds to the answer.
async fn keep(d: Delivery<'_>) -> Result<Option<serde_json::Value>, Refusal> {
    {
        if d.vendor == WebhookVendor::LinkedIn {
            return accept_linkedin(d).await;
        }
        if d.vendor != WebhookVendor::Recruitee {
            return Ok(None);
        }
        let event = d.body["event_type"].as_str().unwrap_or_default();
        if !matches!(event, "candidate_deleted" | "candidate_destroyed") {
            return Ok(None);
        }
        let Some(id) = d.body["payload"]["candidate"]["id"].as_u64() else {
            return Err(Refusal {
                status: 400,
                message: format!("{event} without payload.candidate.id"),
            });
        };
        Repo::new(d.store)
            .own_put(
                &d.conn.tenant_id,
                &d.conn.connection_id,
                &deletion_sk(id),
                &serde_json::json!({"candidate": id, "at": d.now}),
                Condition::Always,
                None,
            )
            .await?;
        Ok(Some(serde_json::json!({"deletion": id})))
    }
}
