//! Connecting a tenant's accounts and the connector-specific operations: what `renkei run
//! roumumate-kaonavi`, `hrbrain connect|jobs|error-file` and `personio connect` and `linkedin
//! connect|link|…` do. Each connector's own setup checks the vendors before anything is
//! stored; their problems come back as one 422 naming the first field at fault.

use crate::{AdminState, Body, Caller, Problem, known_connection, known_tenant};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use renkei_connectors::{
    hrbrain_mikiwame as c3, recruitee_linkedin as c5, roumumate_kaonavi as c2,
    talentwunder_personio as c4,
};
use renkei_core::setup::{ProblemKind, SetupProblems};
use renkei_core::{ConnectionId, RunId, TenantId};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub(crate) fn routes() -> Router<AdminState> {
    Router::new()
        .route("/v1/tenants/{tenant}/connections", post(connect))
        .route(
            "/v1/tenants/{tenant}/connections/{connection}/linkedin/{action}",
            post(linkedin),
        )
        .route(
            "/v1/tenants/{tenant}/connections/{connection}/hrbrain/jobs",
            get(hrbrain_jobs),
        )
        .route(
            "/v1/tenants/{tenant}/connections/{connection}/hrbrain/jobs/{run}/error-file",
            get(hrbrain_error_file),
        )
}

type Result<T> = std::result::Result<T, Problem>;

impl From<SetupProblems> for Problem {
    fn from(p: SetupProblems) -> Self {
        let all = |k: ProblemKind| !p.0.is_empty() && p.0.iter().all(|x| x.kind == k);
        let detail = p.to_string();
        let mut problem = if all(ProblemKind::Unavailable) {
            Problem::unavailable(detail)
        } else if all(ProblemKind::Exists) {
            Problem::conflict(detail)
        } else {
            Problem::refused(p.0.iter().find_map(|x| x.field.clone()), detail)
        };
        problem.problems = serde_json::to_value(&p.0).ok().map(Box::new);
        problem
    }
}

/// A connection to make: the connector, its id, its settings and its secret (written to
/// the secret store only), as the connector's setup takes them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Connect {
    connector: String,
    connection: String,
    settings: Value,
    secret: Value,
    /// recruitee-linkedin: the stack's webhook base URL (output WebhooksUrl + `webhooks`).
    webhook_base: Option<String>,
}

/// Where this API is reached (`https://{Host}` behind API Gateway, which sets
/// X-Forwarded-Proto; plain http on `renkei admin serve`): the onboarding page's origin
/// when a recruitee-linkedin connection names none.
fn own_url(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("http");
    Some(format!("{scheme}://{host}"))
}

/// `v` as `T`, or a 400 naming the field under `at` (`settings.kaonavi_url`).
fn part<T: DeserializeOwned>(v: Value, at: &str) -> Result<T> {
    serde_path_to_error::deserialize(v).map_err(|e| crate::body_problem(&e, Some(at)))
}

fn required(v: Option<String>, field: &str) -> Result<String> {
    v.filter(|s| !s.is_empty())
        .ok_or_else(|| Problem::bad_request(Some(field.into()), format!("{field} is required")))
}

async fn connect(
    State(s): State<AdminState>,
    caller: Caller,
    Path(tenant): Path<String>,
    headers: axum::http::HeaderMap,
    Body(mut body): Body<Connect>,
) -> Result<(StatusCode, Json<crate::connections::ConnectionView>)> {
    if body.connector == c5::NAME
        && body
            .settings
            .get("onboarding_url")
            .is_none_or(Value::is_null)
        && let (Some(url), Some(settings)) = (own_url(&headers), body.settings.as_object_mut())
    {
        settings.insert("onboarding_url".into(), json!(url));
    }
    let t: TenantId = known_tenant(&s, &caller, &tenant).await?;
    let c = ConnectionId::new(&body.connection)
        .map_err(|e| Problem::bad_request(Some("connection".into()), e.to_string()))?;
    crate::outbound::check_settings(&s.outbound, &body.connector, &body.settings)?;
    let (store, secrets, now) = (s.store.as_ref(), s.secrets.as_ref(), s.clock.now());
    let conn = match body.connector.as_str() {
        c2::NAME => {
            let input = c2::SetupInput {
                tenant_id: t,
                connection_id: c,
                settings: part(body.settings, "settings")?,
                secret: part(body.secret, "secret")?,
            };
            c2::setup(store, secrets, now, input)
                .await
                .map_err(SetupProblems::from)?
        }
        c3::NAME => {
            let input = c3::SetupInput {
                tenant_id: t,
                connection_id: c,
                settings: part(body.settings, "settings")?,
                secret: part(body.secret, "secret")?,
            };
            c3::setup(store, secrets, now, input)
                .await
                .map_err(SetupProblems::from)?
        }
        c4::NAME => {
            // v2 client credentials or the legacy token, as the secret's fields say.
            let input = c4::SetupInput {
                tenant_id: t,
                connection_id: c,
                settings: part(body.settings, "settings")?,
                secret: part(body.secret, "secret")?,
            };
            c4::setup(store, secrets, now, input).await?
        }
        c5::NAME => {
            let input = c5::SetupInput {
                tenant_id: t.clone(),
                connection_id: c.clone(),
                settings: part(body.settings, "settings")?,
                secret: part(body.secret, "secret")?,
                webhook_base: required(body.webhook_base, "webhook_base")?,
            };
            let conn = c5::setup(store, secrets, input, now).await?;
            // Its first run provisions the LinkedIn application (the connector's function
            // alone reads the deployment's partner secret): at once, not at the next tick.
            let event = renkei_core::engine::SyncRequested {
                trigger: renkei_core::engine::Trigger::Person,
                ..renkei_core::engine::SyncRequested::new(t, c, c5::NAME)
            };
            s.bus
                .publish(&[event.to_event("renkei")])
                .await
                .map_err(|e| Problem::unavailable(e.to_string()))?;
            conn
        }
        other => {
            return Err(Problem::bad_request(
                Some("connector".into()),
                format!(
                    "{other:?} is not a connector that connects here (Mynavi accounts: POST …/mynavi/accounts); one of {}, {}, {}, {}",
                    c2::NAME,
                    c3::NAME,
                    c4::NAME,
                    c5::NAME
                ),
            ));
        }
    };
    Ok((StatusCode::CREATED, Json(conn.into())))
}

/// One of C5's recruiter operations (link, unlink, accounts, exports, profile, search,
/// relink, onboarding-link, refresh): the path names the action, the JSON body holds its
/// inputs; `recruitee_linkedin::admin` does the work for the CLI too.
async fn linkedin(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection, action)): Path<(String, String, String)>,
    Body(body): Body<Value>,
) -> Result<Json<Value>> {
    let (t, conn) = known_connection(&s, &caller, &tenant, &connection).await?;
    if conn.connector != c5::NAME {
        return Err(Problem::not_found(format!(
            "{connection} is a {} connection, not {}",
            conn.connector,
            c5::NAME
        )));
    }
    if !c5::admin::ACTIONS.contains(&action.as_str()) {
        return Err(Problem::not_found(format!(
            "no action {action} (one of {})",
            c5::admin::ACTIONS.join(", ")
        )));
    }
    if !body.is_object() {
        return Err(Problem::bad_request(None, "the body is a JSON object"));
    }
    // These operations call LinkedIn at the connection's stored addresses.
    crate::outbound::check_settings(&s.outbound, &conn.connector, &conn.settings)?;
    let mut track = serde_path_to_error::Track::new();
    let read = c5::admin::Action::from_body(
        &action,
        serde_path_to_error::Deserializer::new(&body, &mut track),
    );
    let action = read.map_err(|e| {
        crate::body_problem(&serde_path_to_error::Error::new(track.path(), e), None)
    })?;
    let answer = c5::admin::handle(
        s.store.as_ref(),
        s.secrets.as_ref(),
        &t,
        &conn.connection_id,
        action,
        s.clock.now(),
    )
    .await
    // Refused or not, as this route has always answered: the reason, as a 422.
    .map_err(|why| Problem::refused(None, why.to_string()))?;
    Ok(Json(answer.to_json()))
}

async fn hrbrain_connection(
    s: &AdminState,
    caller: &Caller,
    tenant: &str,
    connection: &str,
) -> Result<(TenantId, ConnectionId)> {
    let (t, conn) = known_connection(s, caller, tenant, connection).await?;
    if conn.connector != c3::NAME {
        return Err(Problem::not_found(format!(
            "{connection} is a {} connection, not {}",
            conn.connector,
            c3::NAME
        )));
    }
    Ok((t, conn.connection_id))
}

/// バックグラウンド処理一覧: the syncs, newest first, with their status and error file.
async fn hrbrain_jobs(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (t, c) = hrbrain_connection(&s, &caller, &tenant, &connection).await?;
    let jobs = c3::jobs::jobs(s.store.as_ref(), &t, &c).await?;
    Ok(Json(json!({ "items": jobs })))
}

/// A job's error file (CSV, UTF-8 with BOM, as Mikiwame users open it in Excel).
async fn hrbrain_error_file(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection, run)): Path<(String, String, String)>,
) -> Result<Response> {
    let (t, c) = hrbrain_connection(&s, &caller, &tenant, &connection).await?;
    let r =
        RunId::new(&run).map_err(|e| Problem::bad_request(Some("run".into()), e.to_string()))?;
    if renkei_core::repo::Repo::new(s.store.as_ref())
        .run(&t, &c, &r)
        .await?
        .is_none()
    {
        return Err(Problem::not_found(format!("no job {run}")));
    }
    let bytes = c3::jobs::error_file(s.store.as_ref(), &t, &c, &r).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response())
}
