//! The HRBrain simulator's control API (docs/sandbox.md): set a company up, load members
//! and the organization (each change sends the company's signed webhook, as Webhook設定
//! would), serve an organization `items` of one item as an object, rename a field's alias,
//! read members, request statistics and the requests received, expire tokens, load the
//! sample company.

use super::{Company, Hrbrain, HrbrainSetup, OneItem, WebhookTarget, field_id};
use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

async fn control_setup(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    Json(setup): Json<HrbrainSetup>,
) -> Response {
    sb.hrbrain().company(&sub, setup);
    StatusCode::NO_CONTENT.into_response()
}

/// 204 when a control operation succeeded, else its message with `status`.
fn no_content(result: Result<(), String>, status: StatusCode) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => control_error(status, e),
    }
}

/// After a change: the company's Webhook設定 tells renkei (assumed event names).
async fn changed(sb: &Sandbox, sub: &str, event: &str, ids: Vec<String>) -> Value {
    let (target, now) = {
        let mut w = sb.world();
        let now = w.clock.now();
        let target = w
            .state::<Hrbrain>()
            .companies
            .get(sub)
            .and_then(|c| c.webhook.clone());
        (target, now)
    };
    let Some(t) = target else {
        return Value::Null;
    };
    let body = json!({
        "event": event,
        "occurredAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "resourceIds": ids,
    });
    let answer =
        crate::webhooks::send_signed(sb, "hrbrain", &t.tenant, &t.connection, &t.secret, &body)
            .await;
    json!({"status": answer.status, "answer": answer.body})
}

async fn control_members(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let list = match body {
        Value::Array(a) => a,
        other => vec![other],
    };
    let ids: Vec<String> = list
        .iter()
        .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    match sb.hrbrain().members(&sub, list) {
        Ok(n) => {
            let webhook = changed(&sb, &sub, "member.updated", ids).await;
            Json(json!({"upserted": n, "webhook": webhook})).into_response()
        }
        Err(e) => control_error(StatusCode::BAD_REQUEST, e),
    }
}

async fn control_list_members(State(sb): State<Sandbox>, Path(sub): Path<String>) -> Response {
    let mut w = sb.world();
    match w.state::<Hrbrain>().company(&sub) {
        Ok(c) => {
            let list: Vec<Value> = c
                .members
                .iter()
                .map(|(id, v)| json!({"id": id, "values": v}))
                .collect();
            Json(json!({"members": list})).into_response()
        }
        Err(r) => r,
    }
}

async fn control_organization(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    Json(tree): Json<Value>,
) -> Response {
    match sb.hrbrain().organization(&sub, tree) {
        Ok(()) => {
            let webhook = changed(&sb, &sub, "organization.updated", Vec::new()).await;
            Json(json!({"webhook": webhook})).into_response()
        }
        Err(e) => control_error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
struct Rename {
    alias: String,
}

async fn control_rename(
    State(sb): State<Sandbox>,
    Path((sub, default_alias)): Path<(String, String)>,
    Json(r): Json<Rename>,
) -> Response {
    no_content(
        sb.hrbrain().rename(&sub, &default_alias, &r.alias),
        StatusCode::BAD_REQUEST,
    )
}

async fn control_webhook(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    Json(t): Json<WebhookTarget>,
) -> Response {
    no_content(sb.hrbrain().webhook(&sub, t), StatusCode::NOT_FOUND)
}

async fn control_stats(State(sb): State<Sandbox>, Path(sub): Path<String>) -> Response {
    let mut w = sb.world();
    match w.state::<Hrbrain>().company(&sub) {
        Ok(c) => {
            Json(json!({"requests": c.requests, "throttled": c.window.throttled})).into_response()
        }
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct OneItemBody {
    #[serde(rename = "as")]
    one_item: OneItem,
}

async fn control_one_item(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    Json(body): Json<OneItemBody>,
) -> Response {
    no_content(
        sb.hrbrain().one_item(&sub, body.one_item),
        StatusCode::NOT_FOUND,
    )
}

async fn control_requests(State(sb): State<Sandbox>, Path(sub): Path<String>) -> Response {
    match sb.hrbrain().requests(&sub) {
        Ok(list) => Json(json!({ "requests": list })).into_response(),
        Err(e) => control_error(StatusCode::NOT_FOUND, e),
    }
}

async fn control_expire_tokens(State(sb): State<Sandbox>, Path(sub): Path<String>) -> Response {
    no_content(sb.hrbrain().expire_tokens(&sub), StatusCode::NOT_FOUND)
}

#[derive(Deserialize)]
struct SampleBody {
    #[serde(default = "default_people")]
    people: usize,
    #[serde(default)]
    seed: u64,
}

fn default_people() -> usize {
    300
}

async fn control_sample(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    Json(s): Json<SampleBody>,
) -> Response {
    let sample = super::sample::company(s.people, s.seed);
    let (members, depts) = (sample.members.len(), sample.departments);
    if let Err(e) = sb
        .hrbrain()
        .organization(&sub, sample.organization)
        .and_then(|()| sb.hrbrain().members(&sub, sample.members).map(|_| ()))
    {
        return control_error(StatusCode::NOT_FOUND, e);
    }
    Json(json!({"members": members, "departments": depts})).into_response()
}

impl Sandbox {
    /// Runs `f` on a company, or answers that there is none.
    fn with_company<T>(
        &self,
        subdomain: &str,
        f: impl FnOnce(&mut Company) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut w = self.world();
        let c = w
            .state::<Hrbrain>()
            .companies
            .get_mut(subdomain)
            .ok_or_else(|| format!("no HRBrain company {subdomain}"))?;
        f(c)
    }
}

/// The HRBrain simulator's control operations, for in-process callers (the same
/// operations as its control routes): `sandbox.hrbrain().…`.
#[derive(Clone, Copy)]
pub struct HrbrainControl<'a>(&'a Sandbox);

impl Sandbox {
    /// The HRBrain simulator's control operations.
    pub fn hrbrain(&self) -> HrbrainControl<'_> {
        HrbrainControl(self)
    }
}

impl HrbrainControl<'_> {
    /// Sets up (or replaces the token, scopes and limit of) an HRBrain company.
    pub fn company(&self, subdomain: &str, setup: HrbrainSetup) {
        let mut w = self.0.world();
        let h = w.state::<Hrbrain>();
        match h.companies.get_mut(subdomain) {
            Some(c) => {
                c.setup = setup;
                c.tokens.clear();
            }
            None => {
                h.companies
                    .insert(subdomain.to_string(), Company::new(setup));
            }
        }
    }

    /// Creates or replaces HRBrain members, given by default alias (no webhook is sent;
    /// the control API's route sends one).
    pub fn members(&self, subdomain: &str, members: Vec<Value>) -> Result<usize, String> {
        self.0
            .with_company(subdomain, |c| c.upsert_members(members))
    }

    /// Replaces the organization (`{"type":"tree"|"list","items":[…] or {…}}`).
    pub fn organization(&self, subdomain: &str, tree: Value) -> Result<(), String> {
        super::organization::check(&tree)?;
        self.0.with_company(subdomain, |c| {
            c.organization = tree;
            Ok(())
        })
    }

    /// Renames a field's alias (as a customer can in HRBrain).
    pub fn rename(&self, subdomain: &str, default_alias: &str, alias: &str) -> Result<(), String> {
        self.0.with_company(subdomain, |c| {
            let slot = c
                .aliases
                .get_mut(&field_id(default_alias))
                .ok_or(format!("no field with default alias {default_alias}"))?;
            *slot = alias.to_string();
            Ok(())
        })
    }

    /// Serves an organization `items` of one item as a list (the default) or as one object.
    pub fn one_item(&self, subdomain: &str, one_item: OneItem) -> Result<(), String> {
        self.0.with_company(subdomain, |c| {
            c.one_item = one_item;
            Ok(())
        })
    }

    /// The API requests the company received, oldest first (the last 1,000): method, path,
    /// query, content type, the `Authorization` scheme and the JSON body.
    pub fn requests(&self, subdomain: &str) -> Result<Vec<Value>, String> {
        self.0.with_company(subdomain, |c| {
            c.log
                .iter()
                .map(|r| serde_json::to_value(r).map_err(|e| e.to_string()))
                .collect()
        })
    }

    /// Revokes every token issued so far (they answer 401 from now on).
    pub fn expire_tokens(&self, subdomain: &str) -> Result<(), String> {
        self.0.with_company(subdomain, |c| {
            c.tokens.clear();
            Ok(())
        })
    }

    /// Points the company's Webhook設定 at a renkei connection.
    pub fn webhook(&self, subdomain: &str, target: WebhookTarget) -> Result<(), String> {
        self.0.with_company(subdomain, |c| {
            c.webhook = Some(target);
            Ok(())
        })
    }
}

/// The control routes (relative to `/_control`).
pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/hrbrain/companies/{sub}", put(control_setup))
        .route(
            "/hrbrain/companies/{sub}/members",
            post(control_members).get(control_list_members),
        )
        .route(
            "/hrbrain/companies/{sub}/organization",
            put(control_organization),
        )
        .route(
            "/hrbrain/companies/{sub}/organization/one-item",
            put(control_one_item),
        )
        .route("/hrbrain/companies/{sub}/requests", get(control_requests))
        .route(
            "/hrbrain/companies/{sub}/fields/{alias}",
            put(control_rename),
        )
        .route("/hrbrain/companies/{sub}/webhook", put(control_webhook))
        .route("/hrbrain/companies/{sub}/stats", get(control_stats))
        .route(
            "/hrbrain/companies/{sub}/expire-tokens",
            post(control_expire_tokens),
        )
        .route("/hrbrain/companies/{sub}/sample", post(control_sample))
}
