//! `GET /members/v1/members?columns=…&limit=…&offset=…`: a page of members with the
//! columns asked for, and the total (docs/contracts/hrbrain.md).

use super::{Company, MAX_LIMIT, Recorded, authorized};
use crate::Sandbox;
use crate::common::api_error;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A members request's parameters: `columns` (repeated, or comma-joined as some clients
/// send them), `limit` (1..=100) and `offset`. Anything else is refused: renkei must send
/// only what HRBrain's clients are seen to send (docs/contracts/hrbrain.md).
struct Page {
    columns: Vec<String>,
    limit: usize,
    offset: usize,
}

impl Page {
    fn parse(q: &[(String, String)]) -> Result<Self, Response> {
        let bad = |message: String| api_error(StatusCode::BAD_REQUEST, json!({"message": message}));
        if let Some((k, _)) = q
            .iter()
            .find(|(k, _)| !matches!(k.as_str(), "columns" | "limit" | "offset"))
        {
            return Err(bad(format!("unknown parameter: {k}")));
        }
        let param = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let number = |k: &str, d: usize| param(k).map_or(Ok(d), str::parse::<usize>);
        let (Ok(limit), Ok(offset)) = (number("limit", MAX_LIMIT), number("offset", 0)) else {
            return Err(bad("limit and offset are numbers".into()));
        };
        if limit == 0 || limit > MAX_LIMIT {
            return Err(bad(format!("limit must be 1..={MAX_LIMIT}")));
        }
        let columns = q
            .iter()
            .filter(|(k, _)| k == "columns")
            .flat_map(|(_, v)| v.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect();
        Ok(Self {
            columns,
            limit,
            offset,
        })
    }
}

/// A field's `type` in a members answer. `organizationPulldown` is what a public client
/// tests for (docs/contracts/hrbrain.md); the others are assumed.
fn field_type(field_id: &str) -> &'static str {
    match field_id {
        "f-MainTeam" => "organizationPulldown",
        "f-EmploymentStatus" | "f-EnrollmentStatus" | "f-Gender" => "pulldown",
        "f-BirthDate" | "f-EnteredDay" => "date",
        _ => "string",
    }
}

impl Company {
    /// A page of members with the columns asked for (by field id or alias).
    fn members_page(&self, page: &Page) -> Response {
        let mut ids = Vec::new();
        for col in &page.columns {
            match self
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
        let data: Vec<Value> = self
            .members
            .iter()
            .skip(page.offset)
            .take(page.limit)
            .map(|(id, values)| {
                let fields: Vec<Value> = ids
                    .iter()
                    .map(|(fid, alias)| {
                        json!({"id": fid, "alias": alias, "type": field_type(fid),
                               "value": values.get(fid).cloned().unwrap_or(Value::Null)})
                    })
                    .collect();
                json!({"id": id, "fields": fields})
            })
            .collect();
        Json(json!({"data": data, "paging": {"totalCount": self.members.len()}})).into_response()
    }
}

pub(super) async fn members(
    State(sb): State<Sandbox>,
    Path(sub): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let call = Recorded::new("GET", "/members/v1/members".into(), &headers).with_query(&q);
    authorized(
        &sb,
        &sub,
        &headers,
        call,
        "member:read",
        |c| match Page::parse(&q) {
            Ok(page) => c.members_page(&page),
            Err(refused) => refused,
        },
    )
}
