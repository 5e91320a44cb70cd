//! LinkedIn's control API (`/_control/linkedin/…`): the partner's parent application, a
//! customer organization's Recruiter contracts (types, users' permissions; a contract's type
//! switched), the limits and activation behaviour, lost provisioning answers, an admin's
//! save in the onboarding widget without a browser (`widget`), the customer switching its
//! integrations in Recruiter (`organizations/{id}/integrations`), and what LinkedIn holds
//! per integration context with each application's registration and statistics.

use super::{App, Linkedin};
use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// LinkedIn's limits and behaviour (`PUT /_control/linkedin/limits`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkedinLimits {
    /// Records per minute per application (LinkedIn's: 10,000).
    #[serde(default = "records")]
    pub records_per_minute: u32,
    /// Requests per UTC day per application (LinkedIn's: 100,000).
    #[serde(default = "requests")]
    pub requests_per_day: u32,
    /// Partner reads (batch GET, `q=request`) pre-authorized integrations stay PENDING for.
    #[serde(default = "checks")]
    pub activation_checks: u32,
    /// Pre-authorized integrations end FAILED instead of ENABLED.
    #[serde(default)]
    pub fail_activation: bool,
    /// Status checks a job task stays IN_PROGRESS for.
    #[serde(default)]
    pub task_checks: u32,
}

fn records() -> u32 {
    10_000
}
fn requests() -> u32 {
    100_000
}
fn checks() -> u32 {
    2
}

impl Default for LinkedinLimits {
    fn default() -> Self {
        Self {
            records_per_minute: records(),
            requests_per_day: requests(),
            activation_checks: checks(),
            fail_activation: false,
            task_checks: 0,
        }
    }
}

/// A customer organization (`PUT /_control/linkedin/organizations/{id}`): its contracts,
/// each `{"id","name","type","users":{member: [permissions]}}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Organization {
    /// Recruiter contracts.
    #[serde(default)]
    pub contracts: Vec<Value>,
}

#[derive(Deserialize)]
struct Partner {
    client_id: String,
    client_secret: String,
}

/// The LinkedIn simulator's control operations, for in-process callers (the same
/// operations as its control routes): `sandbox.linkedin().…`.
#[derive(Clone, Copy)]
pub struct LinkedinControl<'a>(pub(super) &'a Sandbox);

impl Sandbox {
    /// The LinkedIn simulator's control operations.
    pub fn linkedin(&self) -> LinkedinControl<'_> {
        LinkedinControl(self)
    }
}

impl LinkedinControl<'_> {
    /// Registers the partner's parent application.
    pub fn partner(&self, client_id: &str, client_secret: &str) {
        self.0.world().state::<Linkedin>().apps.insert(
            client_id.to_string(),
            App {
                secret: client_secret.to_string(),
                parent: true,
                ..App::default()
            },
        );
    }

    /// Sets a customer organization's contracts.
    pub fn organization(&self, id: &str, org: Organization) {
        self.0
            .world()
            .state::<Linkedin>()
            .organizations
            .insert(id.to_string(), org);
    }

    /// A child application integrated with organization `org` on `contract` (as if
    /// provisioned and enabled), and a fresh access token of it: for tests that call
    /// LinkedIn's API the way LinkedIn's own examples do, without renkei's onboarding.
    pub fn integrated_app(&self, org: &str, contract: &str) -> String {
        let ctx = format!("urn:li:organization:{org}");
        let mut w = self.0.world();
        let now = w.clock.now();
        let li = w.state::<Linkedin>();
        let n = li.next();
        let id = format!("integrated-app-{n}");
        li.apps.insert(
            id.clone(),
            App {
                secret: format!("integrated-secret-{n}"),
                context: Some(ctx.clone()),
                ..App::default()
            },
        );
        li.contexts.entry(ctx).or_default().contract = Some(contract.to_string());
        let token = format!("li-token-{}-{}", li.next(), fastrand::u64(..));
        li.tokens
            .insert(token.clone(), (id, now + Duration::seconds(1800)));
        token
    }

    /// Sets the limits and the activation behaviour.
    pub fn limits(&self, limits: LinkedinLimits) {
        self.0.world().state::<Linkedin>().limits = limits;
    }

    /// The next `count` provisioning calls create the application but lose the answer.
    pub fn lose_answers(&self, count: u32) {
        self.0.world().state::<Linkedin>().lose_answers = count;
    }

    /// Switches a contract's type (e.g. to RECRUITER_LITE).
    pub fn contract_type(&self, contract: &str, kind: &str) -> Result<(), String> {
        let mut w = self.0.world();
        let li = w.state::<Linkedin>();
        let c = li
            .organizations
            .values_mut()
            .flat_map(|o| o.contracts.iter_mut())
            .find(|c| c["id"] == contract)
            .ok_or_else(|| format!("no contract {contract}"))?;
        c["type"] = json!(kind);
        Ok(())
    }

    /// What LinkedIn holds for organization `org` (its integration context).
    pub fn data(&self, org: &str) -> Value {
        let ctx = format!("urn:li:organization:{org}");
        let mut w = self.0.world();
        let li = w.state::<Linkedin>();
        let Some(c) = li.contexts.get(&ctx) else {
            return json!({"integrationContext": ctx, "integrations": [],
                "nonconformant": li.nonconformant});
        };
        let mut out = json!({
            "integrationContext": ctx,
            "contract": c.contract,
            "integrations": c.integrations,
            "callbackUrl": c.callback_url,
            "jobs": c.jobs,
            "nulledFields": c.nulled,
            "nonconformant": li.nonconformant,
        });
        for r in super::COLLECTIONS {
            out[*r] = json!(c.entities.get(*r).cloned().unwrap_or_default());
        }
        out
    }

    /// The provisioned (child) applications, and per application its statistics: requests
    /// (all, today), records, 429s and the most records in any minute.
    pub fn apps(&self) -> Value {
        let mut w = self.0.world();
        let li = w.state::<Linkedin>();
        let apps: Vec<Value> = li
            .apps
            .iter()
            .filter(|(_, a)| !a.parent)
            .map(|(id, a)| {
                let r = li.onboarding.children.get(id).cloned().unwrap_or_default();
                json!({"client_id": id, "uniqueForeignId": a.unique_foreign_id,
                    "key": r.urn, "name": r.name,
                    "oauth2AuthorizedCallbackUrls": r.redirect_urls,
                    "validJsSdkDomains": r.js_sdk_domains,
                    "integrationContext": a.context, "requests": a.requests,
                    "requests_today": a.today, "records": a.records, "throttled": a.throttled,
                    "max_records_per_minute": max_per_minute(&a.history),
                    "first_call": a.history.first().map(|h| h.0),
                    "last_call": a.history.last().map(|h| h.0)})
            })
            .collect();
        json!({ "apps": apps })
    }
}

/// The most records in any 60 s (simulated) of `history`.
fn max_per_minute(history: &[(chrono::DateTime<chrono::Utc>, u32)]) -> u32 {
    let mut best = 0;
    let mut sum = 0;
    let mut start = 0;
    for (i, (t, n)) in history.iter().enumerate() {
        sum += n;
        while history[start].0 <= *t - Duration::minutes(1) {
            sum -= history[start].1;
            start += 1;
        }
        best = best.max(sum);
        let _ = i;
    }
    best
}

async fn control_partner(State(sb): State<Sandbox>, Json(p): Json<Partner>) -> Response {
    sb.linkedin().partner(&p.client_id, &p.client_secret);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_organization(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
    Json(o): Json<Organization>,
) -> Response {
    sb.linkedin().organization(&id, o);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_limits(State(sb): State<Sandbox>, Json(l): Json<LinkedinLimits>) -> Response {
    sb.linkedin().limits(l);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Lose {
    count: u32,
}

async fn control_lose(State(sb): State<Sandbox>, Json(l): Json<Lose>) -> Response {
    sb.linkedin().lose_answers(l.count);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type")]
    kind: String,
}

async fn control_contract(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
    Json(k): Json<Kind>,
) -> Response {
    match sb.linkedin().contract_type(&id, &k.kind) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => control_error(StatusCode::NOT_FOUND, e),
    }
}

async fn control_data(State(sb): State<Sandbox>, Path(id): Path<String>) -> Response {
    Json(sb.linkedin().data(&id)).into_response()
}

async fn control_apps(State(sb): State<Sandbox>) -> Response {
    Json(sb.linkedin().apps()).into_response()
}

#[derive(Deserialize)]
struct Switch {
    status: String,
}

/// The customer switches its integrations in Recruiter (`ENABLED`, `DISABLED`).
async fn control_switch(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
    Json(s): Json<Switch>,
) -> Response {
    match sb.linkedin().switch_integrations(&id, &s.status).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => control_error(StatusCode::NOT_FOUND, e),
    }
}

pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/linkedin/partner", put(control_partner))
        .route("/linkedin/organizations/{id}", put(control_organization))
        .route("/linkedin/organizations/{id}/data", get(control_data))
        .route("/linkedin/contracts/{id}", patch(control_contract))
        .route("/linkedin/limits", put(control_limits))
        .route("/linkedin/lose-answers", post(control_lose))
        .route("/linkedin/apps", get(control_apps))
        .route("/linkedin/widget", post(super::widget::control_widget))
        .route(
            "/linkedin/organizations/{id}/integrations",
            post(control_switch),
        )
}
