//! The admin HTTP API of a deployed stack (functions/admin behind API Gateway's HTTP API):
//! what the `renkei` CLI does, per tenant, over HTTP. docs/openapi.yaml describes it and
//! tests/openapi.rs holds the implementation to it.
//!
//! - Tenants come from the path; a caller authorised by a JWT may only act on the tenants its
//!   token names ([`Caller`]); an IAM-authorised caller is an operator of the stack.
//! - Every error is a problem+json ([`Problem`]); lists are paginated (`limit`, `cursor`).
//! - Secrets are write-only: they go to the secret store and are never returned.
//! - Nothing is written before a request is fully checked (unknown tenant 404, another
//!   tenant's connection 404, malformed body 400 naming the field, oversize body 413).
//! - The web console (`console.rs`): public static files and their sign-in settings; the
//!   app acts only through this API with the signed-in user's token.
//! - One public page (`onboarding.rs`): a recruitee-linkedin connection's onboarding page,
//!   whose signed, expiring link is its authority (no caller identity).

mod catalog;
pub mod claim;
mod connect;
mod connections;
pub mod console;
mod onboarding;
mod outbound;
mod page;
mod people;
mod problem;
mod settings;
mod tenants;
mod vendors;

pub use console::ConsoleConfig;
pub use page::Page;
pub use problem::Problem;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use renkei_core::clock::Clock;
use renkei_core::ports::{EventBus, RecoveryWindow, SecretStore, StateStore};
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, TenantId};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The connectors whose secrets (`renkei/<connector>/…`) the API reads: the LinkedIn
/// routes call LinkedIn with the connection's credentials and answer with what it says.
/// Every other route only writes secrets. Both templates grant the admin function
/// GetSecretValue on exactly these prefixes (tests/deployment.rs), and
/// tests/security.rs holds the routes to this list.
pub const SECRETS_READ: &[&str] = &["recruitee-linkedin"];

/// Largest request body taken (a Mynavi registration is a few hundred bytes).
pub const BODY_LIMIT: usize = 64 * 1024;

/// What the API works through: the stack's ports.
#[derive(Clone)]
pub struct AdminState {
    /// State.
    pub store: Arc<dyn StateStore>,
    /// Credentials (written, never read back out).
    pub secrets: Arc<dyn SecretStore>,
    /// Where "run now" puts its SyncRequested.
    pub bus: Arc<dyn EventBus>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// How long a disconnected connection's secret stays restorable (stack parameter
    /// SecretRecoveryDays); only an operator may purge at once.
    pub recovery: RecoveryWindow,
    /// Where the vendor addresses people give may point (the stack: its vendors' documented
    /// hosts and AllowedVendorHosts; the embedded backend: the sandbox on loopback too).
    pub outbound: renkei_core::outbound::OutboundPolicy,
    /// How the console (served at `/console/`) signs people in.
    pub console: Arc<ConsoleConfig>,
}

/// Who is calling, as API Gateway's authoriser established it (functions/admin sets it on
/// every request from the Lambda request context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// IAM-authorised: an operator of the whole stack.
    Operator,
    /// JWT-authorised, in the stack's OperatorGroup: acts on every tenant like an operator,
    /// but not where only IAM may (purging a secret at once): a browser's token must not
    /// destroy credentials for good.
    TokenOperator,
    /// JWT-authorised: may act on these tenants only (the token's tenant claim).
    Tenants(Vec<String>),
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| Problem::unauthorized("no authorised caller reached the API"))
    }
}

impl Caller {
    /// The tenant of the path, if this caller may act on it.
    fn tenant(&self, tenant: &str) -> Result<TenantId, Problem> {
        let id = TenantId::new(tenant)
            .map_err(|e| Problem::bad_request(Some("tenant".into()), e.to_string()))?;
        match self {
            Caller::Operator | Caller::TokenOperator => Ok(id),
            Caller::Tenants(allowed) if allowed.iter().any(|t| t == tenant) => Ok(id),
            Caller::Tenants(_) => Err(Problem::forbidden(format!(
                "the caller's token does not name tenant {tenant}"
            ))),
        }
    }
}

/// A tenant the caller may act on and that exists (has users or connections).
async fn known_tenant(s: &AdminState, caller: &Caller, tenant: &str) -> Result<TenantId, Problem> {
    let t = caller.tenant(tenant)?;
    if !Repo::new(s.store.as_ref()).tenant_exists(&t).await? {
        return Err(Problem::not_found(format!("no tenant {tenant}")));
    }
    Ok(t)
}

/// A connection of a known tenant (another tenant's connection is not found here).
async fn known_connection(
    s: &AdminState,
    caller: &Caller,
    tenant: &str,
    connection: &str,
) -> Result<(TenantId, renkei_core::repo::Connection), Problem> {
    let t = known_tenant(s, caller, tenant).await?;
    let c = ConnectionId::new(connection)
        .map_err(|e| Problem::bad_request(Some("connection".into()), e.to_string()))?;
    let conn = Repo::new(s.store.as_ref())
        .connection(&t, &c)
        .await?
        .ok_or_else(|| {
            Problem::not_found(format!("no connection {connection} in tenant {tenant}"))
        })?
        .0;
    Ok((t, conn))
}

/// A JSON body: 413 over [`BODY_LIMIT`], 400 naming the field that does not fit.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    Problem::too_large(BODY_LIMIT)
                } else {
                    Problem::bad_request(None, e.body_text())
                }
            })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(Body)
            .map_err(|e| body_problem(&e, None))
    }
}

/// Query parameters: 400 naming what does not fit (an unknown parameter, a limit that is
/// not a number).
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Query)
            .map_err(|e| Problem::bad_request(None, format!("query: {e}")))
    }
}

/// A body that does not fit its type: 400 naming the field (under `at`, e.g. `settings`).
pub(crate) fn body_problem(
    e: &serde_path_to_error::Error<serde_json::Error>,
    at: Option<&str>,
) -> Problem {
    let (inner, detail) = renkei_core::action::field_at_fault(e);
    let field = match (at, inner) {
        (Some(at), Some(f)) => Some(format!("{at}.{f}")),
        (Some(at), None) => Some(at.to_string()),
        (None, f) => f,
    };
    Problem::bad_request(field, detail)
}

/// The API's routes, on `state`. The caller identity must be set on each request (the
/// Lambda does it from API Gateway's request context).
pub fn router(state: AdminState) -> Router {
    Router::new()
        .merge(catalog::routes())
        .merge(connections::routes())
        .merge(connect::routes())
        .merge(vendors::routes())
        .merge(people::routes())
        .merge(settings::routes())
        .merge(onboarding::routes())
        .merge(tenants::routes())
        .merge(console::routes())
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .fallback(|| async { Problem::not_found("no such route") })
        .with_state(state)
}
