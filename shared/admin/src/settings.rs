//! A connection's settings, schedule and credentials after it was connected (what `renkei
//! settings show|set` and `renkei credentials set` do): changes are checked by the
//! connector's own types, each refused key named in a 422 (`field`, `problems`), and
//! nothing is written unless the whole change fits. Credentials are write-only: the answer
//! names fields, never a value.

use crate::{AdminState, Body, Caller, Problem, known_connection};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use renkei_core::admin::{self, AdminError, Rotated, Rotation, SettingsChange, SettingsView};
use renkei_core::{ConnectionId, Registry, TenantId};
use serde_json::Value;

pub(crate) fn routes() -> Router<AdminState> {
    Router::new()
        .route(
            "/v1/tenants/{tenant}/connections/{connection}/settings",
            get(show).patch(change),
        )
        .route(
            "/v1/tenants/{tenant}/connections/{connection}/credentials",
            put(credentials),
        )
}

type Result<T> = std::result::Result<T, Problem>;

impl From<AdminError> for Problem {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::NotFound(..) => Problem::not_found(e.to_string()),
            AdminError::Refused(p) => p.into(),
            AdminError::Unsupported(m) => Problem::refused(None, m),
            AdminError::Store(m) => Problem::unavailable(m),
        }
    }
}

/// The connectors this API knows (the deployed stack's: every connector of the build).
fn registry() -> Registry {
    renkei_connectors::registry()
}

/// The connection of the path, for a caller that may act on its tenant.
async fn target(
    s: &AdminState,
    caller: &Caller,
    tenant: &str,
    connection: &str,
) -> Result<(TenantId, ConnectionId)> {
    let (t, conn) = known_connection(s, caller, tenant, connection).await?;
    Ok((t, conn.connection_id))
}

async fn show(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
) -> Result<Json<SettingsView>> {
    let (t, c) = target(&s, &caller, &tenant, &connection).await?;
    Ok(Json(
        admin::settings(s.store.as_ref(), &registry(), &t, &c).await?,
    ))
}

async fn change(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
    Body(change): Body<SettingsChange>,
) -> Result<Json<SettingsView>> {
    let (t, conn) = known_connection(&s, &caller, &tenant, &connection).await?;
    // The settings as they would be after the change; a change the connector's types refuse
    // is told by change_settings below.
    let changed = registry()
        .get(&conn.connector)
        .and_then(|f| f.schema())
        .and_then(|schema| {
            let patch = Value::Object(change.settings.clone());
            schema.change_settings(&conn.settings, &patch).ok()
        });
    if let Some(changed) = changed {
        crate::outbound::check_settings(&s.outbound, &conn.connector, &changed)?;
    }
    let c = conn.connection_id;
    let view = admin::change_settings(
        s.store.as_ref(),
        s.clock.as_ref(),
        &registry(),
        &t,
        &c,
        &change,
    )
    .await?;
    Ok(Json(view))
}

/// The body is the whole secret: the function may write secrets but never read them, so
/// it cannot merge a part into what is stored (the CLI's `renkei credentials set` can).
async fn credentials(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
    Body(secret): Body<Value>,
) -> Result<Json<Rotated>> {
    let (t, c) = target(&s, &caller, &tenant, &connection).await?;
    // Taken as any JSON and checked here: a type error of serde's would quote the value.
    let Value::Object(secret) = secret else {
        return Err(Problem::bad_request(
            None,
            "the body is the secret: a JSON object of its fields",
        ));
    };
    let rotated = admin::set_credentials(
        s.store.as_ref(),
        s.secrets.as_ref(),
        &registry(),
        &t,
        &c,
        &secret,
        Rotation::Replace,
    )
    .await?;
    Ok(Json(rotated))
}
