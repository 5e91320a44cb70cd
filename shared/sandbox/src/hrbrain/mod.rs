//! HRBrain public API simulator (vendor-contracts.md, docs/contracts/hrbrain.md): tokens
//! from the client ID (subdomain) and a public-API token with scopes, member fields with
//! renamable aliases, paged members by column, a member looked up by email or employee
//! number, the organization as a list or a nested tree of any depth (an `items` of one item
//! served as a list or, switched on, as one object), a per-minute limit, signed webhooks
//! (Webhook設定) on every change made through the control API, and a log of the requests
//! received (what a client sent, for the contract tests).
//!
//! API under `/hrbrain/{subdomain}` (the base URL a client is given stands for
//! `https://{subdomain}.oapi.hrbrain.jp`); control under `/_control/hrbrain/companies/{subdomain}`.

mod control;
mod lookup;
mod members;
mod organization;
pub mod sample;

pub use control::HrbrainControl;
pub use organization::OneItem;

use crate::common::{MinuteWindow, api_error, bearer};
use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// The default fields: (alias, label). Field ids are `f-<default alias>` and never change;
/// a customer can rename an alias.
pub const DEFAULT_FIELDS: &[(&str, &str)] = &[
    ("LastName", "氏"),
    ("FirstName", "名"),
    ("LastNameKana", "氏（カナ）"),
    ("FirstNameKana", "名（カナ）"),
    ("BusinessLastName", "ビジネスネーム（氏）"),
    ("BusinessFirstName", "ビジネスネーム（名）"),
    ("BusinessLastNameKana", "ビジネスネーム（氏カナ）"),
    ("BusinessFirstNameKana", "ビジネスネーム（名カナ）"),
    ("EmployeeNumber", "従業員番号"),
    ("BirthDate", "生年月日"),
    ("MainTeam", "主部署"),
    ("Job", "役職・職位"),
    ("Gender", "性別"),
    ("EmploymentStatus", "雇用形態"),
    ("Email", "メールアドレス"),
    ("EnrollmentStatus", "在籍状況"),
    ("EnteredDay", "入社日"),
];

/// The organization the 主部署 field is a pull-down of.
pub const ORGANIZATION_ID: &str = "org-main";

/// The largest page the members endpoint serves.
const MAX_LIMIT: usize = 100;

/// Requests kept in a company's log (the oldest are dropped first).
const LOG_LEN: usize = 1000;

/// One API request as it arrived: what a client sent, for the contract tests
/// (`GET /_control/hrbrain/companies/{subdomain}/requests`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Recorded {
    method: &'static str,
    /// The path under the company's base (`/members/v1/members`).
    path: String,
    /// Query parameters in the order sent.
    query: Vec<(String, String)>,
    #[serde(rename = "contentType")]
    content_type: Option<String>,
    /// The scheme of `Authorization` (`Bearer`); the token itself is not kept (a token
    /// request's body, with the sandbox's client secret, is).
    authorization: Option<String>,
    /// A JSON body (None without one; a body that is not JSON as a string).
    body: Option<Value>,
}

impl Recorded {
    fn new(method: &'static str, path: String, headers: &HeaderMap) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Self {
            method,
            path,
            query: Vec::new(),
            content_type: header("content-type"),
            authorization: header("authorization")
                .and_then(|a| a.split_whitespace().next().map(str::to_string)),
            body: None,
        }
    }

    fn with_query(mut self, query: &[(String, String)]) -> Self {
        self.query = query.to_vec();
        self
    }

    fn with_body(mut self, body: &[u8]) -> Self {
        if !body.is_empty() {
            self.body = Some(
                serde_json::from_slice(body)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned())),
            );
        }
        self
    }
}

/// How a company is set up (`PUT /_control/hrbrain/companies/{subdomain}`).
#[derive(Debug, Clone, Deserialize)]
pub struct HrbrainSetup {
    /// The public-API token (the client secret).
    pub token: String,
    /// Its scopes; default both that renkei needs.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Requests per minute (None: unlimited).
    #[serde(default)]
    pub per_minute: Option<u32>,
}

fn default_scopes() -> Vec<String> {
    vec!["member:read".into(), "organization:read".into()]
}

/// Where the company's Webhook設定 sends changes.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookTarget {
    /// renkei tenant.
    pub tenant: String,
    /// renkei connection.
    pub connection: String,
    /// The signing secret.
    pub secret: String,
}

pub(crate) struct Company {
    setup: HrbrainSetup,
    /// alias by field id (renamable).
    aliases: BTreeMap<String, String>,
    /// member id → field id → value, in insertion order.
    members: Vec<(String, Map<String, Value>)>,
    organization: Value,
    tokens: HashSet<String>,
    window: MinuteWindow,
    requests: u64,
    webhook: Option<WebhookTarget>,
    /// How an organization `items` of one item is served.
    one_item: OneItem,
    log: VecDeque<Recorded>,
}

#[derive(Default)]
pub(crate) struct Hrbrain {
    companies: HashMap<String, Company>,
}

fn field_id(alias: &str) -> String {
    format!("f-{alias}")
}

impl Company {
    fn new(setup: HrbrainSetup) -> Self {
        Self {
            setup,
            aliases: DEFAULT_FIELDS
                .iter()
                .map(|(a, _)| (field_id(a), a.to_string()))
                .collect(),
            members: Vec::new(),
            organization: json!({"type": "tree", "items": []}),
            tokens: HashSet::new(),
            window: MinuteWindow::default(),
            requests: 0,
            webhook: None,
            one_item: OneItem::default(),
            log: VecDeque::new(),
        }
    }

    /// Counts a request and keeps it in the log.
    fn record(&mut self, call: Recorded) {
        self.requests += 1;
        if self.log.len() == LOG_LEN {
            self.log.pop_front();
        }
        self.log.push_back(call);
    }

    /// The ids of the members whose field `field` (a default alias) holds `wanted`.
    fn member_where(&self, field: &str, wanted: &str, same: fn(&str, &str) -> bool) -> Vec<&str> {
        let fid = field_id(field);
        self.members
            .iter()
            .filter(|(_, values)| {
                values
                    .get(&fid)
                    .and_then(Value::as_str)
                    .is_some_and(|v| same(v.trim(), wanted.trim()))
            })
            .map(|(id, _)| id.as_str())
            .collect()
    }

    fn fields(&self) -> Vec<Value> {
        DEFAULT_FIELDS
            .iter()
            .map(|(a, label)| {
                let id = field_id(a);
                let mut f = json!({"id": id, "label": label, "alias": self.aliases[&id]});
                if *a == "MainTeam" {
                    f["organizationId"] = json!(ORGANIZATION_ID);
                }
                f
            })
            .collect()
    }

    /// Loads members given by default alias (`{"id"?, "LastName": …}`); replaces by id.
    fn upsert_members(&mut self, list: Vec<Value>) -> Result<usize, String> {
        let n = list.len();
        for (i, m) in list.into_iter().enumerate() {
            let Value::Object(obj) = m else {
                return Err(format!("member {i} is not an object"));
            };
            let id = obj
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("m-{}", self.members.len() + 1), str::to_string);
            let mut values = Map::new();
            for (k, v) in obj {
                if k == "id" {
                    continue;
                }
                if !DEFAULT_FIELDS.iter().any(|(a, _)| *a == k) {
                    return Err(format!(
                        "member {id}: unknown field {k} (use the default aliases)"
                    ));
                }
                values.insert(field_id(&k), v);
            }
            match self.members.iter_mut().find(|(mid, _)| *mid == id) {
                Some(slot) => slot.1 = values,
                None => self.members.push((id, values)),
            }
        }
        Ok(n)
    }
}

impl Hrbrain {
    fn company(&mut self, sub: &str) -> Result<&mut Company, Response> {
        self.companies.get_mut(sub).ok_or_else(|| {
            control_error(StatusCode::NOT_FOUND, format!("no HRBrain company {sub}"))
        })
    }
}

/// Records `call`, then runs `f` for it when authenticated with `scope`: 401 without a valid
/// token, 403 without the scope, 429 over the limit.
fn authorized(
    sb: &Sandbox,
    sub: &str,
    headers: &HeaderMap,
    call: Recorded,
    scope: &str,
    f: impl FnOnce(&mut Company) -> Response,
) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let Some(c) = w.state::<Hrbrain>().companies.get_mut(sub) else {
        return api_error(StatusCode::NOT_FOUND, json!({"message": "not found"}));
    };
    c.record(call);
    if let Err(r) = c.window.admit(c.setup.per_minute, now) {
        return r;
    }
    if !bearer(headers).is_some_and(|t| c.tokens.contains(&t)) {
        return api_error(
            StatusCode::UNAUTHORIZED,
            json!({"message": "invalid token"}),
        );
    }
    if !c.setup.scopes.iter().any(|s| s == scope) {
        return api_error(
            StatusCode::FORBIDDEN,
            json!({"message": format!("insufficient scope: {scope} required")}),
        );
    }
    f(c)
}

#[derive(Deserialize)]
struct TokenBody {
    #[serde(rename = "clientId")]
    client_id: String,
    #[serde(rename = "clientSecret")]
    client_secret: String,
}

/// A JSON body of a request that must send one (`Content-Type: application/json`), or the
/// answer refusing it.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Response> {
    let json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().starts_with("application/json"));
    if !json {
        return Err(api_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({"message": "Content-Type must be application/json"}),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        api_error(
            StatusCode::BAD_REQUEST,
            json!({"message": format!("invalid request body: {e}")}),
        )
    })
}

async fn token(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let Some(c) = w.state::<Hrbrain>().companies.get_mut(&sub) else {
        return api_error(StatusCode::NOT_FOUND, json!({"message": "not found"}));
    };
    c.record(Recorded::new("POST", "/auth/token".into(), &headers).with_body(&raw));
    if let Err(r) = c.window.admit(c.setup.per_minute, now) {
        return r;
    }
    let body: TokenBody = match json_body(&headers, &raw) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if body.client_id != sub || body.client_secret != c.setup.token {
        return api_error(
            StatusCode::UNAUTHORIZED,
            json!({"message": "invalid client"}),
        );
    }
    let token = format!("hrb-{:016x}", fastrand::u64(..));
    c.tokens.insert(token.clone());
    Json(json!({ "token": token })).into_response()
}

async fn fields(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    headers: HeaderMap,
) -> Response {
    let call = Recorded::new("GET", "/members/v1/fields".into(), &headers);
    authorized(&sb, &sub, &headers, call, "member:read", |c| {
        Json(Value::Array(c.fields())).into_response()
    })
}

/// The HRBrain simulator's registration.
pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "hrbrain"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/hrbrain")
    }
    fn base_path(&self) -> Option<&'static str> {
        Some("/hrbrain/{subdomain}")
    }
    fn routes(&self) -> Router<Sandbox> {
        // Parameters named as docs/contracts/hrbrain.md writes the paths (the call log
        // compares them).
        Router::new()
            .route("/{subdomain}/auth/token", post(token))
            .route("/{subdomain}/members/v1/fields", get(fields))
            .route("/{subdomain}/members/v1/members", get(members::members))
            .route(
                "/{subdomain}/members/v1/members/lookup",
                post(lookup::lookup),
            )
            .route(
                "/{subdomain}/members/v1.1/organization/{organizationId}/items",
                get(organization::items),
            )
    }
    fn control_routes(&self) -> Router<Sandbox> {
        control::routes()
    }
}
