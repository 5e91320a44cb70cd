//! Kaonavi public API v2 simulator (vendor-contracts.md, Kaonavi section).

use crate::{Sandbox, control_error};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
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
}

impl Default for CompanySetup {
    fn default() -> Self {
        Self {
            consumer_secret: "secret".into(),
            permissions: Permissions::default(),
            gender_options: vec!["男性".into(), "女性".into()],
            limits: Limits::default(),
            task_polls_before_done: 1,
        }
    }
}

struct Task {
    status: &'static str,
    messages: Vec<String>,
    polls_left: u32,
}

#[derive(Default, Serialize)]
struct Stats {
    requests: u64,
    writes: u64,
    throttled: u64,
    /// The most writes seen in any 60-simulated-second window.
    max_writes_in_window: u64,
    first_write_at: Option<DateTime<Utc>>,
    last_write_at: Option<DateTime<Utc>>,
}

struct Company {
    setup: CompanySetup,
    members: BTreeMap<String, Map<String, Value>>,
    tasks: HashMap<u64, Task>,
    requests: VecDeque<DateTime<Utc>>,
    writes: VecDeque<DateTime<Utc>>,
    stats: Stats,
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
                        requests: VecDeque::new(),
                        writes: VecDeque::new(),
                        stats: Stats::default(),
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
        self.companies
            .get(key)
            .map(|c| serde_json::to_value(&c.stats).unwrap_or(Value::Null))
            .unwrap_or(Value::Null)
    }

    /// Counts a request against the company's limits; Err(429 response) when over.
    fn admit(
        &mut self,
        key: &str,
        write: bool,
        now: DateTime<Utc>,
        clock: &crate::SimClock,
    ) -> Result<(), Response> {
        let Some(c) = self.companies.get_mut(key) else {
            return Ok(());
        };
        c.stats.requests += 1;
        let hour = chrono::Duration::hours(1);
        let minute = chrono::Duration::seconds(60);
        while c.requests.front().is_some_and(|t| now - *t >= hour) {
            c.requests.pop_front();
        }
        while c.writes.front().is_some_and(|t| now - *t >= minute) {
            c.writes.pop_front();
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
        let wait = over(&c.requests, c.setup.limits.requests_per_hour, hour).or_else(|| {
            if write {
                over(&c.writes, c.setup.limits.writes_per_minute, minute)
            } else {
                None
            }
        });
        if let Some(sim_wait) = wait {
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
        if write {
            c.writes.push_back(now);
            c.stats.writes += 1;
            c.stats.max_writes_in_window = c.stats.max_writes_in_window.max(c.writes.len() as u64);
            c.stats.first_write_at.get_or_insert(now);
            c.stats.last_write_at = Some(now);
        }
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

fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/token", post(token))
        .route(
            "/members",
            get(list_members).post(create_members).patch(update_members),
        )
        .route("/member_layouts", get(layouts))
        .route("/tasks/{id}", get(task))
}

fn control_routes() -> Router<Sandbox> {
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
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (k, s) = text.split_once(':')?;
    Some((k.to_string(), s.to_string()))
}

async fn token(State(sb): State<Sandbox>, headers: HeaderMap, body: String) -> Response {
    let mut w = sb.world();
    let now = w.clock.now();
    let clock = w.clock;
    if !body
        .split('&')
        .any(|p| p == "grant_type=client_credentials")
    {
        return errors(StatusCode::BAD_REQUEST, &["grant_type が不正です".into()]);
    }
    let Some((key, secret)) = basic_auth(&headers) else {
        return errors(StatusCode::UNAUTHORIZED, &["認証情報がありません".into()]);
    };
    let valid = w
        .state::<crate::kaonavi::Kaonavi>()
        .companies
        .get(&key)
        .is_some_and(|c| c.setup.consumer_secret == secret);
    if !valid {
        return errors(
            StatusCode::UNAUTHORIZED,
            &["Consumer Key または Consumer Secret が正しくありません".into()],
        );
    }
    if let Err(r) = w.state::<crate::kaonavi::Kaonavi>().admit(&key, false, now, &clock) {
        return r;
    }
    w.state::<crate::kaonavi::Kaonavi>().next_id += 1;
    let token = format!("tok-{}-{:016x}", w.state::<crate::kaonavi::Kaonavi>().next_id, fastrand::u64(..));
    w.state::<crate::kaonavi::Kaonavi>()
        .tokens
        .insert(token.clone(), (key, now + chrono::Duration::seconds(3600)));
    Json(json!({"access_token": token, "token_type": "Bearer", "expire_in": 3600})).into_response()
}

/// Authenticates, counts against the limits and checks the permission.
fn enter(
    w: &mut crate::World,
    headers: &HeaderMap,
    write: bool,
    allowed: fn(&Permissions) -> bool,
) -> Result<String, Response> {
    let now = w.clock.now();
    let clock = w.clock;
    let key = w.state::<crate::kaonavi::Kaonavi>().authenticate(headers, now)?;
    w.state::<crate::kaonavi::Kaonavi>().admit(&key, write, now, &clock)?;
    let perms = w
        .state::<crate::kaonavi::Kaonavi>()
        .companies
        .get(&key)
        .map(|c| c.setup.permissions)
        .unwrap_or_default();
    if !allowed(&perms) {
        return Err(errors(
            StatusCode::FORBIDDEN,
            &["この操作を行う権限がありません".into()],
        ));
    }
    Ok(key)
}

async fn list_members(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    let mut w = sb.world();
    let key = match enter(&mut w, &headers, false, |p| p.get) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let c = &w.state::<crate::kaonavi::Kaonavi>().companies[&key];
    let data: Vec<Value> = c
        .members
        .values()
        .map(|m| Value::Object(member_view(m)))
        .collect();
    Json(json!({"updated_at": c.updated_at.format("%Y-%m-%d %H:%M:%S").to_string(), "member_data": data})).into_response()
}

async fn layouts(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    let mut w = sb.world();
    let key = match enter(&mut w, &headers, false, |p| p.get) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let options = w.state::<crate::kaonavi::Kaonavi>().companies[&key].setup.gender_options.clone();
    let f = |name: &str, required: bool, ty: &str, max: Option<u32>, e: Vec<String>| json!({"name": name, "required": required, "type": ty, "max_length": max, "enum": e});
    Json(json!({
        "code": f("社員番号", true, "string", Some(50), vec![]),
        "name": f("氏名", false, "string", Some(100), vec![]),
        "name_kana": f("フリガナ", false, "string", Some(100), vec![]),
        "mail": f("メールアドレス", false, "string", Some(100), vec![]),
        "entered_date": f("入社日", false, "date", None, vec![]),
        "retired_date": f("退職日", false, "date", None, vec![]),
        "gender": f("性別", false, "enum", None, options),
        "birthday": f("生年月日", false, "date", None, vec![]),
        "department": f("所属", false, "department", None, vec![]),
        "sub_departments": f("兼務情報", false, "department[]", None, vec![]),
        "custom_fields": []
    }))
    .into_response()
}

#[derive(Deserialize)]
struct MembersBody {
    member_data: Vec<Map<String, Value>>,
}

/// Synchronous checks (before any task): required fields, lengths, formats, options.
fn validate(m: &Map<String, Value>, gender_options: &[String]) -> Result<String, String> {
    let text = |f: &str| m.get(f).and_then(Value::as_str);
    let code = text("code").unwrap_or("");
    let label = format!("社員番号「{code}」");
    if code.is_empty() {
        return Err("社員番号は必須です".into());
    }
    if code.chars().count() > 50 {
        return Err(format!("{label}: 社員番号は50文字以内で入力してください"));
    }
    for (f, name) in [("name", "氏名"), ("name_kana", "フリガナ")] {
        if text(f).is_some_and(|v| v.chars().count() > 100) {
            return Err(format!("{label}: {name}は100文字以内で入力してください"));
        }
    }
    for (f, name) in [("birthday", "生年月日"), ("entered_date", "入社日")] {
        if let Some(v) = text(f)
            && !v.is_empty()
            && NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err()
        {
            return Err(format!("{label}: {name}の形式が正しくありません"));
        }
    }
    if let Some(g) = text("gender")
        && !g.is_empty()
        && !gender_options.iter().any(|o| o == g)
    {
        return Err(format!("{label}: 性別「{g}」は選択肢にありません"));
    }
    Ok(code.to_string())
}

fn write(sb: &Sandbox, headers: &HeaderMap, body: &str, create: bool) -> Response {
    let mut w = sb.world();
    let allowed: fn(&Permissions) -> bool = if create { |p| p.register } else { |p| p.update };
    let key = match enter(&mut w, headers, true, allowed) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let dry_run = headers.get("Dry-Run").and_then(|v| v.to_str().ok()) == Some("1");
    let Ok(parsed) = serde_json::from_str::<MembersBody>(body) else {
        return errors(
            StatusCode::BAD_REQUEST,
            &["リクエストの形式が正しくありません".into()],
        );
    };
    let now = w.clock.now();
    let company = w
        .state::<crate::kaonavi::Kaonavi>()
        .companies
        .get_mut(&key)
        .expect("entered company exists");
    let mut problems = Vec::new();
    let mut codes = Vec::new();
    for m in &parsed.member_data {
        match validate(m, &company.setup.gender_options) {
            Ok(code) => codes.push(code),
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return errors(StatusCode::BAD_REQUEST, &problems);
    }
    // Task-time checks: NG leaves the data untouched (all or nothing).
    let mut seen = std::collections::HashSet::new();
    let mut ng = Vec::new();
    for code in &codes {
        if !seen.insert(code.clone()) {
            ng.push(format!("社員番号「{code}」が重複しています"));
        } else if create && company.members.contains_key(code) {
            ng.push(format!("社員番号「{code}」は既に登録されています"));
        } else if !create && !company.members.contains_key(code) {
            ng.push(format!("社員番号「{code}」のメンバーが存在しません"));
        }
    }
    let status = if ng.is_empty() { "OK" } else { "NG" };
    if ng.is_empty() && !dry_run {
        for m in parsed.member_data {
            let code = m
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let entry = company.members.entry(code).or_default();
            for (k, v) in m {
                if MEMBER_FIELDS.contains(&k.as_str()) {
                    entry.insert(k, v);
                }
            }
        }
        company.updated_at = now;
    }
    let polls = company.setup.task_polls_before_done;
    w.state::<crate::kaonavi::Kaonavi>().next_id += 1;
    let id = w.state::<crate::kaonavi::Kaonavi>().next_id;
    let company = w
        .state::<crate::kaonavi::Kaonavi>()
        .companies
        .get_mut(&key)
        .expect("entered company exists");
    company.tasks.insert(
        id,
        Task {
            status,
            messages: ng,
            polls_left: polls,
        },
    );
    Json(json!({"task_id": id})).into_response()
}

async fn create_members(State(sb): State<Sandbox>, headers: HeaderMap, body: String) -> Response {
    write(&sb, &headers, &body, true)
}

async fn update_members(State(sb): State<Sandbox>, headers: HeaderMap, body: String) -> Response {
    write(&sb, &headers, &body, false)
}

async fn task(State(sb): State<Sandbox>, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let mut w = sb.world();
    let key = match enter(&mut w, &headers, false, |_| true) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let company = w
        .state::<crate::kaonavi::Kaonavi>()
        .companies
        .get_mut(&key)
        .expect("entered company exists");
    let Some(t) = company.tasks.get_mut(&id) else {
        return errors(StatusCode::NOT_FOUND, &["タスクが見つかりません".into()]);
    };
    if t.polls_left > 0 {
        t.polls_left -= 1;
        return Json(json!({"id": id, "status": "RUNNING", "messages": []})).into_response();
    }
    Json(json!({"id": id, "status": t.status, "messages": t.messages})).into_response()
}

async fn control_setup(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
    Json(setup): Json<CompanySetup>,
) -> Response {
    sb.kaonavi_company(&key, setup);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_members(State(sb): State<Sandbox>, Path(key): Path<String>) -> Response {
    if !sb.world().state::<crate::kaonavi::Kaonavi>().companies.contains_key(&key) {
        return control_error(StatusCode::NOT_FOUND, format!("no Kaonavi company {key}"));
    }
    Json(json!({"member_data": sb.kaonavi_members(&key)})).into_response()
}

async fn control_load_members(
    State(sb): State<Sandbox>,
    Path(key): Path<String>,
    Json(body): Json<MembersBody>,
) -> Response {
    let mut w = sb.world();
    let Some(c) = w.state::<crate::kaonavi::Kaonavi>().companies.get_mut(&key) else {
        return control_error(StatusCode::NOT_FOUND, format!("no Kaonavi company {key}"));
    };
    for m in body.member_data {
        let code = m
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        c.members.insert(code, m);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn control_stats(State(sb): State<Sandbox>, Path(key): Path<String>) -> Response {
    Json(sb.kaonavi_stats(&key)).into_response()
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
        routes()
    }
    fn control_routes(&self) -> Router<Sandbox> {
        control_routes()
    }
}
