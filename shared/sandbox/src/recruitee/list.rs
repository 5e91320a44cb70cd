//! Recruitee's candidate reads as docs.recruitee.com/reference documents them, and nothing
//! more (docs/contracts/recruitee.md):
//!
//! - `GET /candidates` (candidates-get): `limit`, `offset`, `created_after`, `qualified`,
//!   `disqualified`, `ids`, `offer_id`, `query` (a candidate's name or job — not an email),
//!   `sort` = `by_date` (the default: newest first) or `by_last_message`;
//! - `GET /search/new/candidates` (searchnewcandidates): `filters_json` (here the `all`
//!   filter, fuzzy as a full-text search is), `limit` (60 by default; above 10,000 a server
//!   error), with `page` and `sort_by` as public clients send them.
//!
//! A parameter or a value the reference does not list is refused with 400 and kept as a
//! contract violation (`GET …/stats`), so a client relying on one fails here first. While
//! churn is set, every list read is followed by deletions of the newest candidates and new
//! candidates at the front: the company keeps working while a long pass pages through it.

use super::*;

const LIST_PARAMS: &[&str] = &[
    "limit",
    "offset",
    "created_after",
    "qualified",
    "disqualified",
    "ids",
    "offer_id",
    "query",
    "sort",
];
const SORTS: &[&str] = &["by_date", "by_last_message"];
const SEARCH_PARAMS: &[&str] = &["filters_json", "limit", "page", "sort_by"];
const SEARCH_SORTS: &[&str] = &["relevance_desc", "created_at_desc", "created_at_asc"];
const SEARCH_DEFAULT_LIMIT: usize = 60;
const SEARCH_MAX_LIMIT: usize = 10_000;

/// What a list read asks for.
#[derive(Default)]
struct ListQuery {
    limit: Option<usize>,
    offset: usize,
    created_after: Option<DateTime<Utc>>,
    qualified: bool,
    disqualified: bool,
    ids: Option<Vec<u64>>,
    offer_id: Option<u64>,
    query: Option<String>,
}

fn number<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, String> {
    v.parse().map_err(|_| format!("{key}={v} is not a number"))
}

/// `yyyy-mm-ddThh:mm:ss`, "also works without seconds" (taken as UTC); an offset is accepted.
fn date_time(v: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(v, f).ok())
        .map(|t| t.and_utc())
}

/// A documented boolean: "should be string 'true' or '1'".
fn flag(v: &str) -> bool {
    v == "true" || v == "1"
}

fn list_query(params: &[(String, String)]) -> Result<ListQuery, String> {
    let mut q = ListQuery::default();
    for (k, v) in params {
        match k.as_str() {
            "limit" => q.limit = Some(number(k, v)?),
            "offset" => q.offset = number(k, v)?,
            "created_after" => {
                q.created_after = Some(date_time(v).ok_or_else(|| {
                    format!("created_after={v} is not a date (yyyy-mm-ddThh:mm:ss)")
                })?);
            }
            "qualified" => q.qualified = flag(v),
            "disqualified" => q.disqualified = flag(v),
            "ids" => {
                q.ids = Some(
                    v.split(',')
                        .map(|s| number(k, s.trim()))
                        .collect::<Result<_, _>>()?,
                );
            }
            "offer_id" => q.offer_id = Some(number(k, v)?),
            "query" => q.query = Some(v.to_lowercase()),
            // Both documented orders answer newest first here: the simulator keeps no
            // messages to order by.
            "sort" if SORTS.contains(&v.as_str()) => {}
            "sort" => {
                return Err(format!(
                    "sort={v} is not a sorting option of GET /candidates (documented: {})",
                    SORTS.join(", ")
                ));
            }
            other => {
                return Err(format!(
                    "{other} is not a query parameter of GET /candidates (documented: {})",
                    LIST_PARAMS.join(", ")
                ));
            }
        }
    }
    Ok(q)
}

fn at(v: &Value, field: &str) -> Option<DateTime<Utc>> {
    v[field]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn placements(v: &Value) -> &[Value] {
    v["placements"].as_array().map_or(&[], Vec::as_slice)
}

impl Company {
    /// Every candidate, newest first (`sort=by_date`; equal times: the later id first).
    pub(super) fn newest_first(&self) -> Vec<&Value> {
        let mut all: Vec<&Value> = self.candidates.values().collect();
        all.sort_by_key(|v| std::cmp::Reverse((at(v, "created_at"), v["id"].as_u64())));
        all
    }

    fn listed(&self, v: &Value, q: &ListQuery) -> bool {
        let ps = placements(v);
        let on_offer = |p: &Value, text: &str| {
            p["offer_id"]
                .as_u64()
                .and_then(|o| self.offers.get(&o))
                .and_then(|o| o["title"].as_str())
                .is_some_and(|t| t.to_lowercase().contains(text))
        };
        q.created_after
            .is_none_or(|t| at(v, "created_at").is_some_and(|c| c > t))
            && q.ids
                .as_ref()
                .is_none_or(|ids| v["id"].as_u64().is_some_and(|id| ids.contains(&id)))
            && q.offer_id
                .is_none_or(|o| ps.iter().any(|p| p["offer_id"] == o))
            && (!q.qualified || ps.iter().any(|p| p["disqualified_at"].is_null()))
            && (!q.disqualified || ps.iter().any(|p| !p["disqualified_at"].is_null()))
            && q.query.as_deref().is_none_or(|text| {
                v["name"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(text))
                    || ps.iter().any(|p| on_offer(p, text))
            })
    }

    /// Refuses a call that uses what the reference does not document, and keeps it.
    pub(super) fn refuse(&mut self, call: &str, violation: String) -> Response {
        self.violations
            .push(json!({"call": call, "violation": violation}));
        api_error(StatusCode::BAD_REQUEST, json!({"error": violation}))
    }

    /// After a list read, while churn is set: the newest candidates leave (no webhook) and
    /// new ones arrive at the front.
    fn churn(&mut self, now: DateTime<Utc>) {
        let (arrive, leave) = self.churn;
        let newest: Vec<u64> = self
            .newest_first()
            .iter()
            .take(leave)
            .filter_map(|v| v["id"].as_u64())
            .collect();
        for id in newest {
            self.candidates.remove(&id);
            self.notes.remove(&id);
            self.results.remove(&id);
        }
        for _ in 0..arrive {
            let id = self.next_id + 1;
            self.add(
                &json!({"name": format!("Arriving Candidate {id}"),
                    "emails": [format!("arrival.{id}@example.org")]}),
                now,
            );
        }
    }
}

pub(super) async fn candidates(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    authorized(&sb, &company, &headers, |c, now| {
        let q = match list_query(&params) {
            Ok(q) => q,
            Err(e) => return c.refuse("GET /candidates", e),
        };
        // Without limit/offset Recruitee answers all of them.
        let page: Vec<Value> = c
            .newest_first()
            .into_iter()
            .filter(|v| c.listed(v, &q))
            .skip(q.offset)
            .take(q.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect();
        c.churn(now);
        Json(json!({"candidates": page})).into_response()
    })
}

/// What a search asks for.
struct SearchQuery {
    text: String,
    limit: usize,
    page: usize,
    by_relevance: bool,
    oldest_first: bool,
}

fn search_query(params: &[(String, String)]) -> Result<SearchQuery, String> {
    let mut s = SearchQuery {
        text: String::new(),
        limit: SEARCH_DEFAULT_LIMIT,
        page: 1,
        by_relevance: false,
        oldest_first: false,
    };
    for (k, v) in params {
        match k.as_str() {
            "filters_json" => s.text = all_filter(v)?,
            "limit" => s.limit = number(k, v)?,
            "page" => s.page = number::<usize>(k, v)?.max(1),
            "sort_by" if SEARCH_SORTS.contains(&v.as_str()) => {
                s.by_relevance = v == "relevance_desc";
                s.oldest_first = v == "created_at_asc";
            }
            "sort_by" => return Err(format!("sort_by={v} is not a sort of the search")),
            other => {
                return Err(format!(
                    "{other} is not a query parameter of GET /search/new/candidates ({})",
                    SEARCH_PARAMS.join(", ")
                ));
            }
        }
    }
    Ok(s)
}

/// The text of the `all` filter of a `filters_json` array (the one filter simulated).
fn all_filter(json: &str) -> Result<String, String> {
    let filters: Vec<Value> = serde_json::from_str(json)
        .map_err(|e| format!("filters_json is not a JSON array of filters: {e}"))?;
    let mut text = String::new();
    for f in &filters {
        match (f["field"].as_str(), f["query"].as_str()) {
            (Some("all"), Some(q)) => text = q.to_string(),
            _ => return Err(format!("filter {f} is not simulated (only field \"all\")")),
        }
    }
    Ok(text)
}

/// How well `v` answers a full-text search for `text` (None: not at all). Like a search
/// engine it matches any word of the text anywhere in the candidate's name, emails,
/// phones and links, so `ann@example.org` finds `joann@example.org` too; a field that
/// equals the text ranks first.
fn relevance(v: &Value, text: &str) -> Option<usize> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return Some(0);
    }
    let fields: Vec<String> = ["emails", "phones", "social_links"]
        .iter()
        .flat_map(|f| v[*f].as_array().into_iter().flatten())
        .chain(std::iter::once(&v["name"]))
        .filter_map(Value::as_str)
        .map(str::to_lowercase)
        .collect();
    let words = text
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|w| w.len() >= 2);
    let score = words
        .filter(|w| fields.iter().any(|f| f.contains(w)))
        .count()
        + 100 * usize::from(fields.contains(&text));
    (score > 0).then_some(score)
}

/// A search hit: the candidate's identity and contacts, not its profile links (which the
/// client reads from the candidate itself).
fn hit(v: &Value) -> Value {
    let mut h = json!({});
    for field in [
        "id",
        "name",
        "emails",
        "phones",
        "placements",
        "created_at",
        "updated_at",
    ] {
        h[field] = v[field].clone();
    }
    h
}

pub(super) async fn search(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    authorized(&sb, &company, &headers, |c, _| {
        let s = match search_query(&params) {
            Ok(s) => s,
            Err(e) => return c.refuse("GET /search/new/candidates", e),
        };
        if s.limit > SEARCH_MAX_LIMIT {
            return api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": "Server internal error"}),
            );
        }
        let mut found: Vec<(usize, &Value)> = c
            .newest_first()
            .into_iter()
            .filter_map(|v| Some((relevance(v, &s.text)?, v)))
            .collect();
        if s.oldest_first {
            found.reverse();
        }
        if s.by_relevance {
            // Stable: equally relevant ones stay newest first.
            found.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        }
        let hits: Vec<Value> = found
            .iter()
            .skip((s.page - 1) * s.limit)
            .take(s.limit)
            .map(|(_, v)| hit(v))
            .collect();
        Json(json!({"hits": hits, "total": found.len()})).into_response()
    })
}
