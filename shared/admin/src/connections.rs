//! A tenant's connections, their runs and error reports: read, pause, resume, run now,
//! disconnect (what `renkei connections|runs|errors|pause|resume|disconnect` do).

use crate::page::{Page, PageQuery};
use crate::{AdminState, Caller, Problem, Query, known_connection, known_tenant};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use renkei_core::engine::{RunRecord, SyncRequested};
use renkei_core::ports::SecretDeletion;
use renkei_core::repo::ReportCursor;
use renkei_core::repo::{Automation, Connection, Repo};
use renkei_core::{ConnectionId, RunId};
use serde::Serialize;

pub(crate) fn routes() -> Router<AdminState> {
    Router::new()
        .route("/v1/tenants/{tenant}/connections", get(list))
        .route(
            "/v1/tenants/{tenant}/connections/{connection}",
            get(one).delete(disconnect),
        )
        .route(
            "/v1/tenants/{tenant}/connections/{connection}/pause",
            post(pause),
        )
        .route(
            "/v1/tenants/{tenant}/connections/{connection}/resume",
            post(resume),
        )
        .route(
            "/v1/tenants/{tenant}/connections/{connection}/runs",
            get(runs).post(run_now),
        )
        .route(
            "/v1/tenants/{tenant}/connections/{connection}/runs/{run}/errors",
            get(errors),
        )
}

/// A connection as the API shows it (settings hold no secrets; the secret is not shown).
#[derive(Debug, Serialize)]
pub(crate) struct ConnectionView {
    connection: ConnectionId,
    connector: String,
    automation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    paused_reason: Option<String>,
    next_run_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_success_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
    consecutive_failures: u32,
    settings: serde_json::Value,
}

impl From<Connection> for ConnectionView {
    fn from(c: Connection) -> Self {
        let (automation, paused_reason) = match c.automation {
            Automation::On => ("on", None),
            Automation::Off => ("off", None),
            Automation::Paused { reason } => ("paused", Some(reason)),
        };
        Self {
            connection: c.connection_id,
            connector: c.connector,
            automation,
            paused_reason,
            next_run_at: c.next_run_at,
            last_status: c.last_status.map(|s| s.as_str()),
            last_success_at: c.last_success_at,
            last_error: c.last_error,
            consecutive_failures: c.consecutive_failures,
            settings: c.settings,
        }
    }
}

type Result<T> = std::result::Result<T, Problem>;

async fn list(
    State(s): State<AdminState>,
    caller: Caller,
    Path(tenant): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<ConnectionView>>> {
    let t = known_tenant(&s, &caller, &tenant).await?;
    let all = Repo::new(s.store.as_ref()).connections(&t).await?;
    let keyed = all
        .into_iter()
        .map(|c| (c.connection_id.to_string(), ConnectionView::from(c)))
        .collect();
    Ok(Json(q.page(keyed)?))
}

async fn one(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<ConnectionView>> {
    let (_, conn) = known_connection(&s, &caller, &tenant, &connection).await?;
    Ok(Json(conn.into()))
}

async fn toggle(
    s: &AdminState,
    caller: &Caller,
    tenant: &str,
    connection: &str,
    on: bool,
) -> Result<Json<ConnectionView>> {
    let (t, conn) = known_connection(s, caller, tenant, connection).await?;
    let updated = renkei_core::admin::set_automation(
        s.store.as_ref(),
        s.clock.as_ref(),
        &t,
        &conn.connection_id,
        on,
    )
    .await
    .map_err(|e| Problem::unavailable(e.to_string()))?;
    Ok(Json(updated.into()))
}

async fn pause(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<ConnectionView>> {
    toggle(&s, &caller, &tenant, &connection, false).await
}

async fn resume(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<ConnectionView>> {
    toggle(&s, &caller, &tenant, &connection, true).await
}

/// `?purge=true`: delete the secret at once instead of after the recovery window.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisconnectQuery {
    #[serde(default)]
    purge: bool,
}

impl DisconnectQuery {
    /// How the secret goes: restorable for the stack's recovery window, or at once when an
    /// operator purges (a tenant may not).
    pub(crate) fn deletion(&self, s: &AdminState, caller: &Caller) -> Result<SecretDeletion> {
        match (self.purge, caller) {
            (false, _) => Ok(SecretDeletion::Recoverable(s.recovery)),
            (true, Caller::Operator) => Ok(SecretDeletion::Purge),
            (true, Caller::Tenants(_)) => Err(Problem::forbidden(
                "only an operator may purge a secret; a disconnect keeps it restorable",
            )),
            (true, Caller::TokenOperator) => Err(Problem::forbidden(
                "purging a secret at once needs an IAM-signed request; a disconnect keeps it restorable",
            )),
        }
    }
}

/// A tenant's disconnect leaves the secret restorable for the stack's recovery window (a
/// stolen token must not destroy credentials for good); only an operator may purge.
async fn disconnect(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
    Query(q): Query<DisconnectQuery>,
) -> Result<StatusCode> {
    let how = q.deletion(&s, &caller)?;
    let (t, conn) = known_connection(&s, &caller, &tenant, &connection).await?;
    renkei_core::admin::disconnect(
        s.store.as_ref(),
        s.secrets.as_ref(),
        s.clock.as_ref(),
        &t,
        &conn.connection_id,
        how,
    )
    .await
    .map_err(|e| Problem::unavailable(e.to_string()))?;
    Ok(StatusCode::NO_CONTENT)
}

/// What "run now" answers: the request is on the bus; the connector's function runs it.
#[derive(Debug, Serialize)]
struct Requested {
    connection: ConnectionId,
    connector: String,
    requested_at: DateTime<Utc>,
}

/// `?scope=`: the part of the work (HRBrain → ミキワメ: `departments` or `employees`);
/// `?dry_run=true`: count what the run would write and write nothing.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    scope: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// The scopes a person may ask for, per connector (the others run all of their work).
const SCOPES: &[(&str, &[&str])] = &[("hrbrain-mikiwame", &["departments", "employees"])];

async fn run_now(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
    Query(q): Query<RunQuery>,
) -> Result<(StatusCode, Json<Requested>)> {
    let (t, conn) = known_connection(&s, &caller, &tenant, &connection).await?;
    if let Some(scope) = &q.scope {
        let allowed = SCOPES
            .iter()
            .find(|(c, _)| *c == conn.connector)
            .map_or(&[][..], |(_, s)| *s);
        if !allowed.contains(&scope.as_str()) {
            return Err(Problem::bad_request(
                Some("scope".into()),
                format!(
                    "{} runs take no scope {scope:?} (allowed: {})",
                    conn.connector,
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
    }
    let event = SyncRequested {
        trigger: renkei_core::engine::Trigger::Person,
        scope: q.scope,
        dry_run: q.dry_run,
        ..SyncRequested::new(t, conn.connection_id.clone(), &conn.connector)
    };
    s.bus
        .publish(&[event.to_event("renkei")])
        .await
        .map_err(|e| Problem::unavailable(e.to_string()))?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Requested {
            connection: conn.connection_id,
            connector: conn.connector,
            requested_at: s.clock.now(),
        }),
    ))
}

/// Runs newest first (run ids start with their start time).
async fn runs(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<RunRecord>>> {
    let (t, conn) = known_connection(&s, &caller, &tenant, &connection).await?;
    let before = q
        .cursor
        .as_deref()
        .map(RunId::new)
        .transpose()
        .map_err(|e| Problem::bad_request(Some("cursor".into()), e.to_string()))?;
    let runs = Repo::new(s.store.as_ref())
        .runs_page(&t, &conn.connection_id, before.as_ref(), q.size()? + 1)
        .await?;
    let keyed = runs
        .into_iter()
        .map(|r| (r.run_id.to_string(), r))
        .collect();
    Ok(Json(q.page_read(keyed)?))
}

/// Rows of an error report in one CSV answer: far below Lambda's 6 MB answer at a few
/// hundred bytes a row; a longer report continues at the `Link: rel="next"` address.
const CSV_ROWS: usize = 10_000;

/// A run's error report: JSON pages, or the whole report as CSV with `Accept: text/csv`.
async fn errors(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection, run)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let (t, conn) = known_connection(&s, &caller, &tenant, &connection).await?;
    let r =
        RunId::new(&run).map_err(|e| Problem::bad_request(Some("run".into()), e.to_string()))?;
    let repo = Repo::new(s.store.as_ref());
    if repo.run(&t, &conn.connection_id, &r).await?.is_none() {
        return Err(Problem::not_found(format!(
            "no run {run} of connection {connection}"
        )));
    }
    let from = q
        .cursor
        .as_deref()
        .map(str::parse::<ReportCursor>)
        .transpose()
        .map_err(|e| Problem::bad_request(Some("cursor".into()), e.to_string()))?
        .unwrap_or_default();
    let csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    let limit = if csv {
        q.size_within(CSV_ROWS, CSV_ROWS)?
    } else {
        q.size()?
    };
    let (rows, next) = repo
        .errors_page(&t, &conn.connection_id, &r, from, limit)
        .await?;
    if csv {
        let mut answer = (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            renkei_core::report::to_csv(&rows),
        )
            .into_response();
        if let Some(next) = next {
            let link = format!(
                "</v1/tenants/{tenant}/connections/{connection}/runs/{run}/errors?limit={limit}&cursor={next}>; rel=\"next\""
            );
            if let Ok(v) = header::HeaderValue::from_str(&link) {
                answer.headers_mut().insert(header::LINK, v);
            }
        }
        return Ok(answer);
    }
    Ok(Json(Page {
        items: rows,
        next_cursor: next.map(|c| c.to_string()),
    })
    .into_response())
}
