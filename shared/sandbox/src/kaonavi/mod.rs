//! Kaonavi public API v2 simulator (docs/contracts/kaonavi.md): the companies' state and
//! rules here, the API's handlers in `api`, asynchronous tasks in `tasks`, the control API
//! in `control`. Every request is journaled (method, path, simulated time, the members a
//! write names) so that tests can see what a client sent, and in which order.

mod api;
mod control;
pub use control::KaonaviControl;
mod tasks;
use api::*;
use control::*;
use tasks::{PendingWrite, Task};

use crate::Sandbox;
use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Which operations the company's 公開API v2 settings allow for member data.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Permissions {
    /// 取得.
    pub get: bool,
    /// 更新.
    pub update: bool,
    /// 登録.
    pub register: bool,
}

impl Default for Permissions {
    fn default() -> Self {
        Self {
            get: true,
            update: true,
            register: true,
        }
    }
}

/// Rate limits (None = off), counted in simulated time.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Limits {
    /// Requests per hour per company (Kaonavi: 1,000).
    pub requests_per_hour: Option<u32>,
    /// Write requests per 60 s (observed: 5).
    pub writes_per_minute: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            requests_per_hour: Some(1000),
            writes_per_minute: Some(5),
        }
    }
}

/// A company's setup (control API body).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanySetup {
    /// Consumer Secret.
    pub consumer_secret: String,
    /// Operation settings.
    pub permissions: Permissions,
    /// The member layout's gender options.
    pub gender_options: Vec<String>,
    /// Rate limits.
    pub limits: Limits,
    /// Polls that answer RUNNING before a task's result shows.
    pub task_polls_before_done: u32,
    /// Simulated seconds a write's task runs: RUNNING until then, and its members are
    /// written (or refused: NG) only then, as Kaonavi runs a task after answering its id.
    /// 0: the task's work is done at once (its result still waits for the polls above).
    pub task_seconds: f64,
}

impl Default for CompanySetup {
    fn default() -> Self {
        Self {
            consumer_secret: "secret".into(),
            permissions: Permissions::default(),
            gender_options: vec!["男性".into(), "女性".into()],
            limits: Limits::default(),
            task_polls_before_done: 1,
            task_seconds: 0.0,
        }
    }
}

#[derive(Default, Serialize)]
struct Stats {
    requests: u64,
    writes: u64,
    throttled: u64,
    /// The most writes seen in any 60-simulated-second window.
    max_writes_in_window: u64,
    /// The most requests seen in any simulated hour (Kaonavi's 1,000 per hour).
    max_requests_in_window: u64,
    /// `GET /tasks/{id}` requests.
    task_polls: u64,
    first_write_at: Option<DateTime<Utc>>,
    last_write_at: Option<DateTime<Utc>>,
    /// What a client sent that Kaonavi's documents do not describe.
    violations: Vec<String>,
}

/// One API call a company saw, for tests reading what a client did and in which order.
#[derive(Debug, Clone, Serialize)]
struct Entry {
    /// Simulated time of arrival.
    at: DateTime<Utc>,
    method: &'static str,
    path: String,
    /// 社員番号 of a write's members.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    codes: Vec<String>,
    /// Whether a write was a `Dry-Run: 1` check.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dry_run: bool,
}

/// Entries kept per company (the oldest go first).
const JOURNAL: usize = 5000;

/// The API call being admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    Token,
    Members,
    Layouts,
    Create,
    Update,
    Task(u64),
}

impl Call {
    fn is_write(self) -> bool {
        matches!(self, Call::Create | Call::Update)
    }

    fn route(self) -> (&'static str, String) {
        match self {
            Call::Token => ("POST", "/token".into()),
            Call::Members => ("GET", "/members".into()),
            Call::Layouts => ("GET", "/member_layouts".into()),
            Call::Create => ("POST", "/members".into()),
            Call::Update => ("PATCH", "/members".into()),
            Call::Task(id) => ("GET", format!("/tasks/{id}")),
        }
    }
}

struct Company {
    setup: CompanySetup,
    members: BTreeMap<String, Map<String, Value>>,
    tasks: HashMap<u64, Task>,
    /// Writes whose task has not run yet, by task id (run in id order).
    pending: BTreeMap<u64, PendingWrite>,
    requests: VecDeque<DateTime<Utc>>,
    writes: VecDeque<DateTime<Utc>>,
    stats: Stats,
    journal: VecDeque<Entry>,
    /// The body of the latest write, as sent.
    last_write: Option<Value>,
    updated_at: DateTime<Utc>,
}

#[derive(Default)]
pub(crate) struct Kaonavi {
    companies: HashMap<String, Company>,
    /// token → (consumer key, expiry)
    tokens: HashMap<String, (String, DateTime<Utc>)>,
    next_id: u64,
}

const MEMBER_FIELDS: &[&str] = &[
    "code",
    "name",
    "name_kana",
    "mail",
    "entered_date",
    "retired_date",
    "gender",
    "birthday",
    "department",
    "sub_departments",
    "custom_fields",
];

fn errors(status: StatusCode, messages: &[String]) -> Response {
    (status, Json(json!({ "errors": messages }))).into_response()
}

impl Kaonavi {
    pub fn setup(&mut self, key: &str, setup: CompanySetup, now: DateTime<Utc>) {
        match self.companies.get_mut(key) {
            Some(c) => c.setup = setup,
            None => {
                self.companies.insert(
                    key.to_string(),
                    Company {
                        setup,
                        members: BTreeMap::new(),
                        tasks: HashMap::new(),
                        pending: BTreeMap::new(),
                        requests: VecDeque::new(),
                        writes: VecDeque::new(),
                        stats: Stats::default(),
                        journal: VecDeque::new(),
                        last_write: None,
                        updated_at: now,
                    },
                );
            }
        }
    }

    pub fn members(&self, key: &str) -> Vec<Value> {
        self.companies
            .get(key)
            .map(|c| {
                c.members
                    .values()
                    .map(|m| Value::Object(member_view(m)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Adds (or replaces) a member as a person would in Kaonavi's own screens.
    pub fn put_member(&mut self, key: &str, member: Map<String, Value>) -> Result<(), String> {
        let code = member
            .get("code")
            .and_then(Value::as_str)
            .ok_or("a member needs a code (社員番号)")?
            .to_string();
        let company = self.companies.get_mut(key).ok_or("no such company")?;
        company.members.insert(code, member);
        Ok(())
    }

    pub fn reset_stats(&mut self, key: &str) {
        if let Some(c) = self.companies.get_mut(key) {
            c.stats = Stats::default();
        }
    }

    pub fn stats(&self, key: &str) -> Value {
        self.companies.get(key).map_or(Value::Null, |c| {
            serde_json::to_value(&c.stats).unwrap_or(Value::Null)
        })
    }

    /// Counts a request against the company's limits and journals it; Err(429) when over.
    fn admit(
        &mut self,
        key: &str,
        call: Call,
        now: DateTime<Utc>,
        clock: &crate::SimClock,
    ) -> Result<(), Response> {
        let Some(c) = self.companies.get_mut(key) else {
            return Ok(());
        };
        c.stats.requests += 1;
        if let Some(sim_wait) = c.over_limit(call.is_write(), now) {
            c.stats.throttled += 1;
            let real = clock.real_seconds(sim_wait).ceil().max(1.0) as u64;
            return Err((
                StatusCode::TOO_MANY_REQUESTS,
                [("Retry-After", real.to_string())],
                Json(json!({"errors": ["リクエスト数が上限を超えています。しばらく経ってから再度お試しください"]})),
            )
                .into_response());
        }
        c.requests.push_back(now);
        c.stats.max_requests_in_window =
            c.stats.max_requests_in_window.max(c.requests.len() as u64);
        if call.is_write() {
            c.writes.push_back(now);
            c.stats.writes += 1;
            c.stats.max_writes_in_window = c.stats.max_writes_in_window.max(c.writes.len() as u64);
            c.stats.first_write_at.get_or_insert(now);
            c.stats.last_write_at = Some(now);
        }
        let (method, path) = call.route();
        if c.journal.len() >= JOURNAL {
            c.journal.pop_front();
        }
        c.journal.push_back(Entry {
            at: now,
            method,
            path,
            codes: Vec::new(),
            dry_run: false,
        });
        Ok(())
    }

    /// Resolves the Kaonavi-Token header to a company key.
    fn authenticate(&self, headers: &HeaderMap, now: DateTime<Utc>) -> Result<String, Response> {
        let token = headers
            .get("Kaonavi-Token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        match self.tokens.get(token) {
            Some((key, exp)) if *exp > now => Ok(key.clone()),
            _ => Err(errors(
                StatusCode::UNAUTHORIZED,
                &["アクセストークンが無効です".into()],
            )),
        }
    }
}

impl Company {
    /// Simulated seconds until one more request (a write: `write`) fits both windows; None
    /// when it fits now. Calls that left their window are forgotten first.
    fn over_limit(&mut self, write: bool, now: DateTime<Utc>) -> Option<f64> {
        let hour = chrono::Duration::hours(1);
        let minute = chrono::Duration::seconds(60);
        while self.requests.front().is_some_and(|t| now - *t >= hour) {
            self.requests.pop_front();
        }
        while self.writes.front().is_some_and(|t| now - *t >= minute) {
            self.writes.pop_front();
        }
        let over = |q: &VecDeque<DateTime<Utc>>,
                    limit: Option<u32>,
                    window: chrono::Duration|
         -> Option<f64> {
            let limit = limit? as usize;
            if q.len() < limit {
                return None;
            }
            let oldest = *q.front()?;
            Some(((oldest + window) - now).num_milliseconds().max(0) as f64 / 1000.0)
        };
        over(&self.requests, self.setup.limits.requests_per_hour, hour).or_else(|| {
            if write {
                over(&self.writes, self.setup.limits.writes_per_minute, minute)
            } else {
                None
            }
        })
    }

    /// Fills in the journal entry of the write just admitted, and keeps its body.
    fn note_write(&mut self, codes: Vec<String>, dry_run: bool, body: Value) {
        if let Some(e) = self.journal.back_mut() {
            e.codes = codes;
            e.dry_run = dry_run;
        }
        self.last_write = Some(body);
    }

    /// What the control API shows of the journal.
    fn journal_view(&self) -> Value {
        json!({"requests": self.journal, "last_write": self.last_write})
    }
}

fn member_view(m: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for f in MEMBER_FIELDS {
        let v = m.get(*f).cloned().unwrap_or(match *f {
            "department" => json!({"code": ""}),
            "sub_departments" | "custom_fields" => json!([]),
            "birthday" => Value::Null,
            _ => json!(""),
        });
        out.insert((*f).to_string(), v);
    }
    out
}

/// The Kaonavi simulator's registration.
pub(crate) struct Sim;

impl crate::Simulator for Sim {
    fn name(&self) -> &'static str {
        "kaonavi"
    }
    fn prefix(&self) -> Option<&'static str> {
        Some("/kaonavi/api/v2.0")
    }
    fn routes(&self) -> Router<Sandbox> {
        Router::new()
            .route("/token", post(token))
            .route(
                "/members",
                get(list_members).post(create_members).patch(update_members),
            )
            .route("/member_layouts", get(layouts))
            .route("/tasks/{id}", get(tasks::task))
    }
    fn control_routes(&self) -> Router<Sandbox> {
        Router::new()
            .route(
                "/kaonavi/companies/{key}",
                axum::routing::put(control_setup),
            )
            .route(
                "/kaonavi/companies/{key}/members",
                get(control_members).put(control_load_members),
            )
            .route("/kaonavi/companies/{key}/stats", get(control_stats))
            .route("/kaonavi/companies/{key}/requests", get(control_requests))
            .route(
                "/kaonavi/companies/{key}/tasks/finish",
                post(control_finish_tasks),
            )
    }
}
