//! Who the caller is (`GET /v1/me`) and, for operators, every tenant of the stack
//! (`GET /v1/tenants`): what the console asks after sign-in to know where the user may go.

use crate::page::PageQuery;
use crate::{AdminState, Caller, Page, Problem, Query};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use renkei_core::TenantId;
use renkei_core::repo::Repo;
use serde::Serialize;

pub(crate) fn routes() -> Router<AdminState> {
    Router::new()
        .route("/v1/me", get(me))
        .route("/v1/tenants", get(tenants))
}

/// The caller as the API takes it.
#[derive(Debug, Serialize)]
struct Me {
    /// May act on every tenant.
    operator: bool,
    /// The tenants a signed-in user may act on (empty for an operator).
    tenants: Vec<String>,
}

async fn me(caller: Caller) -> Json<Me> {
    Json(match caller {
        Caller::Operator | Caller::TokenOperator => Me {
            operator: true,
            tenants: vec![],
        },
        Caller::Tenants(tenants) => Me {
            operator: false,
            tenants,
        },
    })
}

#[derive(Debug, Serialize)]
struct TenantView {
    tenant: String,
}

async fn tenants(
    State(s): State<AdminState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<TenantView>>, Problem> {
    if !matches!(caller, Caller::Operator | Caller::TokenOperator) {
        return Err(Problem::forbidden(
            "only an operator of the stack may list its tenants",
        ));
    }
    let after = q
        .cursor
        .as_deref()
        .map(TenantId::new)
        .transpose()
        .map_err(|e| Problem::bad_request(Some("cursor".into()), e.to_string()))?;
    let ids = Repo::new(s.store.as_ref())
        .tenants_page(after.as_ref(), q.size()? + 1)
        .await?;
    Ok(Json(
        q.page_read(
            ids.into_iter()
                .map(|t| {
                    let id = t.as_str().to_string();
                    (id.clone(), TenantView { tenant: id })
                })
                .collect(),
        )?,
    ))
}
