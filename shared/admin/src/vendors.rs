//! The rest of the connector-specific operations: Talentwunder → Personio's jobs, project
//! links and uploads (`renkei personio jobs|links|link|unlink|uploads|status`), and
//! Recruitee ↔ LinkedIn's activation and progress (`renkei linkedin status|refresh`).

use crate::{AdminState, Body, Caller, Problem, known_connection};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use renkei_connectors::recruitee_linkedin::{self as c5, ActivationState, budget::Progress};
use renkei_connectors::talentwunder_personio::links::{self, LinkError};
use renkei_connectors::talentwunder_personio::{self as c4, upload};
use renkei_core::repo::Connection;
use renkei_core::{ConnectionId, TenantId};
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn routes() -> Router<AdminState> {
    let base = "/v1/tenants/{tenant}/connections/{connection}";
    Router::new()
        .route(&format!("{base}/personio/jobs"), get(personio_jobs))
        .route(&format!("{base}/personio/links"), get(personio_links))
        .route(
            &format!("{base}/personio/links/{{project}}"),
            put(personio_link).delete(personio_unlink),
        )
        .route(&format!("{base}/personio/uploads"), get(personio_uploads))
        .route(
            &format!("{base}/personio/uploads/{{upload}}"),
            get(personio_upload),
        )
        .route(&format!("{base}/linkedin"), get(linkedin_status))
        .route(&format!("{base}/linkedin/refresh"), post(linkedin_refresh))
}

type Result<T> = std::result::Result<T, Problem>;

/// A connection of `connector`, or 404.
async fn of(
    s: &AdminState,
    caller: &Caller,
    tenant: &str,
    connection: &str,
    connector: &str,
) -> Result<(TenantId, ConnectionId, Connection)> {
    let (t, conn) = known_connection(s, caller, tenant, connection).await?;
    if conn.connector != connector {
        return Err(Problem::not_found(format!(
            "{connection} is a {} connection, not {connector}",
            conn.connector
        )));
    }
    Ok((t, conn.connection_id.clone(), conn))
}

impl From<LinkError> for Problem {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::NotFound(_) => Problem::not_found(e.to_string()),
            LinkError::NotPublished(_) => Problem::refused(Some("job".into()), e.to_string()),
            LinkError::Invalid(_) => Problem::bad_request(None, e.to_string()),
            LinkError::Feed(_) | LinkError::Store(_) => Problem::unavailable(e.to_string()),
        }
    }
}

fn settings(conn: &Connection) -> Result<c4::Settings> {
    renkei_core::engine::decode_settings(conn).map_err(|e| Problem::unavailable(e.to_string()))
}

/// The open jobs of the XML feed (the ones a project may be linked to).
async fn personio_jobs(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (t, c, conn) = of(&s, &caller, &tenant, &connection, c4::NAME).await?;
    let jobs = links::jobs(
        s.store.as_ref(),
        &t,
        &c,
        &settings(&conn)?,
        s.clock.now(),
        false,
    )
    .await?;
    Ok(Json(json!({ "items": jobs })))
}

async fn personio_links(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (t, c, _) = of(&s, &caller, &tenant, &connection, c4::NAME).await?;
    let all = links::list(s.store.as_ref(), &t, &c).await?;
    Ok(Json(json!({ "items": all })))
}

/// A project → job link: the job must be in the feed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    job_position_id: u64,
    project_name: Option<String>,
}

async fn personio_link(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection, project)): Path<(String, String, String)>,
    Body(body): Body<LinkBody>,
) -> Result<Json<links::ProjectLink>> {
    let (t, c, conn) = of(&s, &caller, &tenant, &connection, c4::NAME).await?;
    let link = links::link(
        s.store.as_ref(),
        &t,
        &c,
        &settings(&conn)?,
        &project,
        body.project_name,
        body.job_position_id,
        s.clock.now(),
    )
    .await?;
    Ok(Json(link))
}

async fn personio_unlink(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection, project)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    let (t, c, _) = of(&s, &caller, &tenant, &connection, c4::NAME).await?;
    links::unlink(s.store.as_ref(), &t, &c, &project).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn personio_uploads(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (t, c, _) = of(&s, &caller, &tenant, &connection, c4::NAME).await?;
    let all = upload::uploads(s.store.as_ref(), &t, &c).await?;
    Ok(Json(json!({ "items": all })))
}

/// An upload and every profile's status.
async fn personio_upload(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection, id)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let (t, c, _) = of(&s, &caller, &tenant, &connection, c4::NAME).await?;
    upload::status(s.store.as_ref(), &t, &c, &id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("no upload {id}")))
}

/// Activation (C5.2) and the sync's progress: records done of total, ETA, the budget note.
async fn linkedin_status(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (t, c, _) = of(&s, &caller, &tenant, &connection, c5::NAME).await?;
    let activation = ActivationState::read(s.store.as_ref(), &t, &c).await?;
    let progress = Progress::read(s.store.as_ref(), &t, &c).await?;
    Ok(Json(
        json!({ "activation": activation, "progress": progress }),
    ))
}

/// Asks LinkedIn for the activation now ("notify partner", C5.3).
async fn linkedin_refresh(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<ActivationState>> {
    let (t, c, _) = of(&s, &caller, &tenant, &connection, c5::NAME).await?;
    c5::refresh(s.store.as_ref(), s.secrets.as_ref(), &t, &c, s.clock.now())
        .await
        .map(Json)
        .map_err(|e| Problem::unavailable(e.to_string()))
}
