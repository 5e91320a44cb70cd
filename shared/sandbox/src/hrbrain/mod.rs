//! HRBrain public API simulator (vendor-contracts.md, docs/contracts/hrbrain.md): tokens
//! from the client ID (subdomain) and a public-API token with scopes, member fields with
//! renamable aliases, paged members by column, the organization as a list or a nested tree
//! of any depth, a per-minute limit, and signed webhooks (Webhook設定) on every change made
//! through the control API.
//!
//! API under `/hrbrain/{subdomain}` (the base URL a client is given stands for
//! `https://{subdomain}.oapi.hrbrain.jp`); control under `/_control/hrbrain/companies/{subdomain}`.

mod control;
pub mod sample;

use crate::common::{MinuteWindow, api_error, bearer};
use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

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
        }
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

/// Runs `f` for an authenticated call with `scope`: 401 without a valid token, 403 without
/// the scope, 429 over the limit.
fn authorized(
    sb: &Sandbox,
    sub: &str,
    headers: &HeaderMap,
    scope: &str,
    f: impl FnOnce(&mut Company) -> Response,
) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let Some(c) = w.state::<Hrbrain>().companies.get_mut(sub) else {
        return api_error(StatusCode::NOT_FOUND, json!({"message": "not found"}));
    };
    c.requests += 1;
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

async fn token(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    Json(body): Json<TokenBody>,
) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let Some(c) = w.state::<Hrbrain>().companies.get_mut(&sub) else {
        return api_error(StatusCode::NOT_FOUND, json!({"message": "not found"}));
    };
    c.requests += 1;
    if let Err(r) = c.window.admit(c.setup.per_minute, now) {
        return r;
    }
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
    authorized(&sb, &sub, &headers, "member:read", |c| {
        Json(Value::Array(c.fields())).into_response()
    })
}

async fn members(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let param = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let number = |k: &str, d: usize| param(k).map_or(Ok(d), str::parse::<usize>);
    let (Ok(limit), Ok(offset)) = (number("limit", MAX_LIMIT), number("offset", 0)) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            json!({"message": "limit and offset are numbers"}),
        );
    };
    if limit == 0 || limit > MAX_LIMIT {
        return api_error(
            StatusCode::BAD_REQUEST,
            json!({"message": format!("limit must be 1..={MAX_LIMIT}")}),
        );
    }
    let columns: Vec<String> = q
        .iter()
        .filter(|(k, _)| k == "columns")
        .flat_map(|(_, v)| v.split(',').map(str::to_string).collect::<Vec<_>>())
        .collect();
    authorized(&sb, &sub, &headers, "member:read", |c| {
        let mut ids = Vec::new();
        for col in &columns {
            match c
                .aliases
                .iter()
                .find(|(id, alias)| *id == col || *alias == col)
            {
                Some((id, alias)) => ids.push((id.clone(), alias.clone())),
                None => {
                    return api_error(
                        StatusCode::BAD_REQUEST,
                        json!({"message": format!("unknown column: {col}")}),
                    );
                }
            }
        }
        let data: Vec<Value> = c
            .members
            .iter()
            .skip(offset)
            .take(limit)
            .map(|(id, values)| {
                let fields: Vec<Value> = ids
                    .iter()
                    .map(|(fid, alias)| {
                        let kind = match fid.as_str() {
                            "f-MainTeam" | "f-EmploymentStatus" | "f-EnrollmentStatus"
                            | "f-Gender" => "pulldown",
                            "f-BirthDate" | "f-EnteredDay" => "date",
                            _ => "string",
                        };
                        json!({"id": fid, "alias": alias, "type": kind,
                               "value": values.get(fid).cloned().unwrap_or(Value::Null)})
                    })
                    .collect();
                json!({"id": id, "fields": fields})
            })
            .collect();
        Json(json!({"data": data, "paging": {"totalCount": c.members.len()}})).into_response()
    })
}

async fn organization(
    State(sb): State<Sandbox>,
    Path((sub, org)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    authorized(&sb, &sub, &headers, "organization:read", |c| {
        if org == ORGANIZATION_ID {
            Json(c.organization.clone()).into_response()
        } else {
            api_error(
                StatusCode::NOT_FOUND,
                json!({"message": "organization not found"}),
            )
        }
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
        Router::new()
            .route("/{sub}/auth/token", post(token))
            .route("/{sub}/members/v1/fields", get(fields))
            .route("/{sub}/members/v1/members", get(members))
            .route(
                "/{sub}/members/v1.1/organization/{org}/items",
                get(organization),
            )
    }
    fn control_routes(&self) -> Router<Sandbox> {
        control::routes()
    }
}
