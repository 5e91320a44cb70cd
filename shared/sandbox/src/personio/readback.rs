//! `GET /v2/recruiting/applications`: a company's applications, newest update first, paged
//! with `limit` (1–200, default 100) and `cursor`, filtered by `candidate.email` and
//! `updated_at.gt` / `updated_at.lt` (mutually exclusive). It needs an access token with
//! `personio:recruiting:read` (403 without). A parameter Personio does not document is
//! refused (400) and recorded as a contract violation, so no client can rely on one.
//!
//! A company's list may lag behind (held back: what is filed meanwhile is not listed until
//! it is released), and may answer with one of the [`ListFault`]s a client must not read as
//! a complete list.

use super::control::ListFault;
use super::rules::problem;
use super::{Company, Personio, READ_SCOPE, Version, admit};
use crate::Sandbox;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The documented query parameters.
const PARAMETERS: &[&str] = &[
    "limit",
    "cursor",
    "candidate.email",
    "updated_at.gt",
    "updated_at.lt",
];

/// The query as asked, or why it is refused.
struct Ask {
    limit: usize,
    offset: usize,
    email: Option<String>,
    after: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
}

fn ask(query: &[(String, String)]) -> Result<Ask, String> {
    if let Some((k, _)) = query
        .iter()
        .find(|(k, _)| !PARAMETERS.contains(&k.as_str()))
    {
        return Err(format!("unknown query parameter {k:?}"));
    }
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let limit = match get("limit") {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=200).contains(l))
            .ok_or(format!("limit must be 1 to 200, not {l:?}"))?,
    };
    let offset = match get("cursor") {
        None => 0,
        Some(c) => c
            .strip_prefix("cur_")
            .and_then(|n| n.parse().ok())
            .ok_or(format!("unknown cursor {c:?}"))?,
    };
    let time = |name: &str| -> Result<Option<DateTime<Utc>>, String> {
        get(name)
            .map(|v| {
                DateTime::parse_from_rfc3339(&v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| format!("{name} must be a date-time, not {v:?}"))
            })
            .transpose()
    };
    let (after, before) = (time("updated_at.gt")?, time("updated_at.lt")?);
    if after.is_some() && before.is_some() {
        return Err("updated_at.gt and updated_at.lt are mutually exclusive".into());
    }
    Ok(Ask {
        limit,
        offset,
        email: get("candidate.email"),
        after,
        before,
    })
}

/// An application as the v2 list shows it.
fn listed(a: &Value) -> Value {
    let email = a["email"].as_str().unwrap_or_default();
    let candidate_id = format!("{:x}", fxhash(&email.to_lowercase()));
    json!({
        "id": a["id"].to_string().trim_matches('"'),
        "application_date": a.get("application_date"),
        "candidate": {"id": candidate_id, "email": email,
                      "first_name": a.get("first_name"), "last_name": a.get("last_name")},
        "job": {"id": a["job_position_id"].to_string()},
        "created_at": a.get("created_at"),
        "updated_at": a.get("created_at"),
    })
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// When an application was last updated (filed: the simulator never updates one).
fn updated(a: &Value) -> Option<DateTime<Utc>> {
    a["created_at"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The applications the list shows for `ask`, newest first: not those filed while it is
/// held back.
fn hits<'a>(company: &'a Company, ask: &Ask) -> Vec<&'a Value> {
    let held = company.listing_held_since;
    let mut hits: Vec<&Value> = company
        .applications
        .iter()
        .filter(|a| held.is_none_or(|since| updated(a).is_none_or(|u| u < since)))
        .filter(|a| {
            ask.email.as_deref().is_none_or(|e| {
                a["email"]
                    .as_str()
                    .is_some_and(|x| x.trim().eq_ignore_ascii_case(e.trim()))
            })
        })
        .filter(|a| ask.after.is_none_or(|t| updated(a).is_some_and(|u| u > t)))
        .filter(|a| ask.before.is_none_or(|t| updated(a).is_some_and(|u| u < t)))
        .collect();
    hits.reverse();
    hits
}

/// The link to the page at `offset` of the list `ask` reads.
fn href(ask: &Ask, offset: usize) -> String {
    let mut href = format!(
        "/v2/recruiting/applications?limit={}&cursor=cur_{offset}",
        ask.limit
    );
    let encode = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    if let Some(e) = &ask.email {
        href.push_str(&format!("&candidate.email={}", encode(e)));
    }
    if let Some(t) = ask.after {
        href.push_str(&format!("&updated_at.gt={}", encode(&t.to_rfc3339())));
    }
    href
}

/// A full page of other candidates' applications, from `offset` on.
fn others(ask: &Ask) -> Vec<Value> {
    (ask.offset..ask.offset + ask.limit)
        .map(|n| {
            listed(
                &json!({"id": 1_000_000 + n, "email": format!("other-{n}@example.com"),
                "job_position_id": 1}),
            )
        })
        .collect()
}

fn page(company: &Company, ask: &Ask) -> Value {
    let hits = hits(company, ask);
    let end = (ask.offset + ask.limit).min(hits.len());
    let data: Vec<Value> = if company.setup.list_fault.pages_others() {
        others(ask)
    } else {
        hits.get(ask.offset..end)
            .unwrap_or_default()
            .iter()
            .map(|a| listed(a))
            .collect()
    };
    let mut links = json!({"self": {"href": href(ask, ask.offset)}});
    let next = match company.setup.list_fault {
        ListFault::CursorlessNext => {
            Some(format!("/v2/recruiting/applications?limit={}", ask.limit))
        }
        ListFault::SameCursor => Some(href(ask, ask.limit)),
        ListFault::Endless => Some(href(ask, ask.offset + ask.limit)),
        _ => (end < hits.len()).then(|| href(ask, end)),
    };
    if let Some(next) = next {
        links["next"] = json!({ "href": next });
    }
    let mut body = json!({"_data": data, "_meta": {"links": links}});
    if company.setup.list_fault == ListFault::WithoutData
        && let Some(o) = body.as_object_mut()
    {
        o.remove("_data");
    }
    body
}

pub(super) async fn list(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let mut w = sb.world();
    let id = match admit(&mut w, &headers, Version::V2, READ_SCOPE) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Some(company) = w.state::<Personio>().companies.get_mut(&id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    company.application_reads += 1;
    let ask = match ask(&query) {
        Ok(ask) => ask,
        Err(why) => {
            company
                .nonconformant
                .push(json!({"request": "GET /v2/recruiting/applications", "query": query, "violations": [why.clone()]}));
            return problem(StatusCode::BAD_REQUEST, why);
        }
    };
    match company.setup.list_fault {
        ListFault::Unavailable => {
            (StatusCode::SERVICE_UNAVAILABLE, "service unavailable").into_response()
        }
        ListFault::EmailFilterRefused if ask.email.is_some() => problem(
            StatusCode::BAD_REQUEST,
            "candidate.email is not a filter of this list".into(),
        ),
        _ => Json(page(company, &ask)).into_response(),
    }
}
