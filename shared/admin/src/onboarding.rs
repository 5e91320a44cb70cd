//! The public onboarding page of a recruitee-linkedin connection (`GET
//! /onboarding/linkedin/{token}`, and `POST …/notify` for its "Notify partner"): reached by
//! a customer's LinkedIn admin through the expiring, signed link an operator made
//! (`…/linkedin/onboarding-link`), with no caller identity — the link is the authority,
//! for its one connection (renkei_connectors::recruitee_linkedin::onboarding). The deployed
//! API routes these paths without an authoriser.

use crate::{AdminState, Problem};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use renkei_connectors::recruitee_linkedin::onboarding::{self, LinkRefused, NotifyError};
use renkei_connectors::recruitee_linkedin::setup::ActivationState;

pub(crate) fn routes() -> Router<AdminState> {
    Router::new()
        .route(&format!("{}/{{token}}", onboarding::PATH), get(page))
        .route(
            &format!("{}/{{token}}/notify", onboarding::PATH),
            post(notify),
        )
}

/// Never cached (the token is in the address), never framed, and LinkedIn's script is told
/// the page's origin only, never its address.
fn with_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    for (k, v) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "origin"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    r
}

fn refused_status(why: &LinkRefused) -> StatusCode {
    match why {
        LinkRefused::Invalid => StatusCode::NOT_FOUND,
        LinkRefused::Expired => StatusCode::GONE,
        LinkRefused::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn page(State(s): State<AdminState>, Path(token): Path<String>) -> Response {
    let (store, secrets) = (s.store.as_ref(), s.secrets.as_ref());
    let html = |status: StatusCode, body: String| {
        with_headers(
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response(),
        )
    };
    match onboarding::open(store, secrets, &token, s.clock.now()).await {
        Ok(o) => {
            let state = ActivationState::read(store, &o.conn.tenant_id, &o.conn.connection_id)
                .await
                .ok()
                .flatten();
            html(StatusCode::OK, onboarding::page(&o, state.as_ref()))
        }
        Err(why) => html(refused_status(&why), onboarding::refused_page(&why)),
    }
}

async fn notify(State(s): State<AdminState>, Path(token): Path<String>) -> Response {
    let answer =
        onboarding::notify(s.store.as_ref(), s.secrets.as_ref(), &token, s.clock.now()).await;
    with_headers(match answer {
        Ok(a) => Json(a).into_response(),
        Err(NotifyError::Link(why)) => {
            let status = refused_status(&why);
            let mut p = Problem::not_found(why.to_string());
            p.status = status.as_u16();
            p.into_response()
        }
        Err(NotifyError::Check(why)) => Problem::unavailable(why).into_response(),
    })
}
