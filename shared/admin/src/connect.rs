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
use renkei_connectors::hrbrain_mikiwame as c3;
use renkei_core::action::ActionError;
use renkei_core::setup::{ProblemKind, SetupEnv, SetupError, SetupProblems, SetupRequest};
use renkei_core::{ConnectionId, RunId, TenantId};
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn routes() -> Router<AdminState> {
    action_routes(Router::new())
        .route("/v1/tenants/{tenant}/connections", post(connect))
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
    /// Where the stack receives webhooks (output WebhooksUrl), for a connector whose vendor
    /// calls back to an address set up when connecting (recruitee-linkedin).
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

impl From<SetupError> for Problem {
    fn from(e: SetupError) -> Self {
        match e {
            SetupError::Malformed { field, message } => Problem::bad_request(field, message),
            SetupError::Problems(p) => p.into(),
            SetupError::NotHere(why) => Problem::bad_request(Some("connector".into()), why),
        }
    }
}

/// Connects through the named connector's own setup (every registered connector answers
/// the same way: its settings and secret checked with the vendors, every problem typed).
async fn connect(
    State(s): State<AdminState>,
    caller: Caller,
    Path(tenant): Path<String>,
    headers: axum::http::HeaderMap,
    Body(body): Body<Connect>,
) -> Result<(StatusCode, Json<crate::connections::ConnectionView>)> {
    let t: TenantId = known_tenant(&s, &caller, &tenant).await?;
    let c = ConnectionId::new(&body.connection)
        .map_err(|e| Problem::bad_request(Some("connection".into()), e.to_string()))?;
    let Some(factory) = renkei_connectors::factory(&body.connector) else {
        return Err(Problem::bad_request(
            Some("connector".into()),
            format!(
                "{:?} is not a connector; one of {}",
                body.connector,
                renkei_connectors::registry().names().join(", ")
            ),
        ));
    };
    crate::outbound::check_settings(&s.outbound, &body.connector, &body.settings)?;
    let env = SetupEnv {
        store: s.store.as_ref(),
        secrets: s.secrets.as_ref(),
        now: s.clock.now(),
    };
    let request = SetupRequest {
        tenant: t.clone(),
        connection: c.clone(),
        settings: body.settings,
        secret: body.secret,
        webhook_base: body.webhook_base,
        own_url: own_url(&headers),
    };
    let connected = factory.setup(env, request).await?;
    if connected.run_at_once {
        // Work only the connector's function may do (it reads the deployment's secrets,
        // e.g. C5's partner application) before the first sync: at once, not at the next
        // tick.
        let event = renkei_core::engine::SyncRequested {
            trigger: renkei_core::engine::Trigger::Person,
            ..renkei_core::engine::SyncRequested::new(t, c, factory.name())
        };
        s.bus
            .publish(&[event.to_event("renkei")])
            .await
            .map_err(|e| Problem::unavailable(e.to_string()))?;
    }
    Ok((StatusCode::CREATED, Json(connected.connection.into())))
}

/// One of a connector's own operations (C5's link, unlink, accounts, exports, profile,
/// search, relink, onboarding-link, refresh): the path names the action, the JSON body holds
/// its inputs; the connector's `ConnectorFactory::act` does the work (the CLI's and the
/// sandbox's too). Served under the segment each connector declares, for the connections of
/// that connector.
async fn act(
    s: AdminState,
    caller: Caller,
    (tenant, connection, action): (String, String, String),
    owner: &'static str,
    body: Value,
) -> Result<Json<Value>> {
    let (_, conn) = known_connection(&s, &caller, &tenant, &connection).await?;
    let factory = renkei_connectors::factory(&conn.connector).filter(|f| f.name() == owner);
    let Some((factory, actions)) = factory.and_then(|f| f.actions().map(|a| (f, a))) else {
        return Err(Problem::not_found(format!(
            "{connection} is a {} connection, not {owner}",
            conn.connector
        )));
    };
    if !actions.names.contains(&action.as_str()) {
        return Err(Problem::not_found(format!(
            "no action {action} (one of {})",
            actions.names.join(", ")
        )));
    }
    if !body.is_object() {
        return Err(Problem::bad_request(None, "the body is a JSON object"));
    }
    // An action may call the connection's vendors at its stored addresses.
    crate::outbound::check_settings(&s.outbound, &conn.connector, &conn.settings)?;
    let env = SetupEnv {
        store: s.store.as_ref(),
        secrets: s.secrets.as_ref(),
        now: s.clock.now(),
    };
    match factory.act(env, &conn, &action, &body).await {
        Ok(answer) => Ok(Json(answer)),
        Err(ActionError::Unknown { .. }) => Err(Problem::not_found(format!(
            "no action {action} (one of {})",
            actions.names.join(", ")
        ))),
        Err(ActionError::Malformed { field, message }) => Err(Problem::bad_request(field, message)),
        // Refused or not, as this route has always answered: the reason, as a 422.
        Err(ActionError::Failed { message, .. }) => Err(Problem::refused(None, message)),
    }
}

/// `POST …/connections/{connection}/{segment}/{action}` for every connector of the registry
/// that declares actions.
fn action_routes(mut router: Router<AdminState>) -> Router<AdminState> {
    for factory in renkei_connectors::registry().iter() {
        let Some(actions) = factory.actions() else {
            continue;
        };
        let owner = factory.name();
        router = router.route(
            &format!(
                "/v1/tenants/{{tenant}}/connections/{{connection}}/{}/{{action}}",
                actions.segment
            ),
            post(
                move |State(s): State<AdminState>,
                      caller: Caller,
                      Path(path): Path<(String, String, String)>,
                      Body(body): Body<Value>| act(s, caller, path, owner, body),
            ),
        );
    }
    router
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
