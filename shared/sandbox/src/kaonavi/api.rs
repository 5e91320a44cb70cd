//! The Kaonavi API's handlers: token, members, layouts (tasks are in `tasks`).

use super::*;
use crate::Sandbox;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub(super) fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
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

pub(super) async fn token(State(sb): State<Sandbox>, headers: HeaderMap, body: String) -> Response {
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
    if let Err(r) = w
        .state::<crate::kaonavi::Kaonavi>()
        .admit(&key, Call::Token, now, &clock)
    {
        return r;
    }
    w.state::<crate::kaonavi::Kaonavi>().next_id += 1;
    let token = format!(
        "tok-{}-{:016x}",
        w.state::<crate::kaonavi::Kaonavi>().next_id,
        fastrand::u64(..)
    );
    w.state::<crate::kaonavi::Kaonavi>()
        .tokens
        .insert(token.clone(), (key, now + chrono::Duration::seconds(3600)));
    // The documented sample's spelling (docs/contracts/kaonavi.md, "Token"; another public
    // client writes `expire_in`, which renkei's client reads too).
    Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600})).into_response()
}

/// Authenticates, counts against the limits, runs the tasks whose time has come (so that
/// what this call sees is current) and checks the permission.
pub(super) fn enter(
    w: &mut crate::World,
    headers: &HeaderMap,
    call: Call,
    allowed: fn(&Permissions) -> bool,
) -> Result<String, Response> {
    let now = w.clock.now();
    let clock = w.clock;
    let key = w
        .state::<crate::kaonavi::Kaonavi>()
        .authenticate(headers, now)?;
    w.state::<crate::kaonavi::Kaonavi>()
        .admit(&key, call, now, &clock)?;
    if let Some(c) = w.state::<crate::kaonavi::Kaonavi>().companies.get_mut(&key) {
        c.settle(now);
    }
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

pub(super) async fn list_members(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    let mut w = sb.world();
    let key = match enter(&mut w, &headers, Call::Members, |p| p.get) {
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

pub(super) async fn layouts(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    let mut w = sb.world();
    let key = match enter(&mut w, &headers, Call::Layouts, |p| p.get) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let options = w.state::<crate::kaonavi::Kaonavi>().companies[&key]
        .setup
        .gender_options
        .clone();
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
pub(super) struct MembersBody {
    pub(super) member_data: Vec<Map<String, Value>>,
}

/// Synchronous checks (before any task): required fields, lengths, formats, options.
pub(super) fn validate(
    m: &Map<String, Value>,
    gender_options: &[String],
) -> Result<String, String> {
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

/// Member keys a write may carry: the documented member fields (anything else is recorded
/// as a contract violation, and not stored).
fn undocumented_keys(members: &[Map<String, Value>]) -> Vec<String> {
    let mut keys: Vec<String> = members
        .iter()
        .flat_map(|m| m.keys())
        .filter(|k| !MEMBER_FIELDS.contains(&k.as_str()))
        .map(|k| format!("member field `{k}` is not one of Kaonavi's member fields"))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

pub(super) fn write(sb: &Sandbox, headers: &HeaderMap, body: &str, create: bool) -> Response {
    let mut w = sb.world();
    let allowed: fn(&Permissions) -> bool = if create { |p| p.register } else { |p| p.update };
    let call = if create { Call::Create } else { Call::Update };
    let key = match enter(&mut w, headers, call, allowed) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let dry_run = headers.get("Dry-Run").and_then(|v| v.to_str().ok()) == Some("1");
    let now = w.clock.now();
    let company = w
        .state::<crate::kaonavi::Kaonavi>()
        .companies
        .get_mut(&key)
        .expect("entered company exists");
    let Ok(parsed) = serde_json::from_str::<MembersBody>(body) else {
        return errors(
            StatusCode::BAD_REQUEST,
            &["リクエストの形式が正しくありません".into()],
        );
    };
    let sent = serde_json::from_str(body).unwrap_or(Value::Null);
    let codes = parsed
        .member_data
        .iter()
        .map(|m| {
            m.get("code")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect();
    company.note_write(codes, dry_run, sent);
    for v in undocumented_keys(&parsed.member_data) {
        if !company.stats.violations.contains(&v) {
            company.stats.violations.push(v);
        }
    }
    let problems: Vec<String> = parsed
        .member_data
        .iter()
        .filter_map(|m| validate(m, &company.setup.gender_options).err())
        .collect();
    if !problems.is_empty() {
        return errors(StatusCode::BAD_REQUEST, &problems);
    }
    let work = PendingWrite {
        members: parsed.member_data,
        create,
        dry_run,
    };
    let state = w.state::<crate::kaonavi::Kaonavi>();
    state.next_id += 1;
    let id = state.next_id;
    state
        .companies
        .get_mut(&key)
        .expect("entered company exists")
        .start_task(id, work, now);
    Json(json!({"task_id": id})).into_response()
}

pub(super) async fn create_members(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: String,
) -> Response {
    write(&sb, &headers, &body, true)
}

pub(super) async fn update_members(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: String,
) -> Response {
    write(&sb, &headers, &body, false)
}
