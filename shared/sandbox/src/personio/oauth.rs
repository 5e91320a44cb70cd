//! Personio's v2 token endpoint (`POST /v2/auth/token`): the OAuth 2.0 client credentials
//! grant, form-encoded as its reference page requires (`grant_type=client_credentials`,
//! `client_id`, `client_secret`), answering `{access_token, token_type, expires_in, scope}`;
//! every refusal is a 400 with an RFC 6749 error code, as the page's "Bad Request" examples
//! are. Tokens live `token_lifetime_seconds` of simulated time (24 h by default, as Personio's
//! authentication page says) or until the control API revokes them.

use super::Personio;
use crate::Sandbox;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// The token endpoint's path.
pub(super) const TOKEN_PATH: &str = "/v2/auth/token";

/// A token as issued: to whose client, until when, with which scopes.
pub(crate) struct Issued {
    company: String,
    expires: DateTime<Utc>,
    scopes: Vec<String>,
}

/// The company whose client `token` was issued to, while it is valid.
pub(super) fn company_of(p: &Personio, token: &str, now: DateTime<Utc>) -> Option<String> {
    p.tokens
        .get(token)
        .filter(|t| now < t.expires)
        .map(|t| t.company.clone())
}

/// Whether `token` carries `scope`.
pub(super) fn has_scope(p: &Personio, token: &str, scope: &str) -> bool {
    p.tokens
        .get(token)
        .is_some_and(|t| t.scopes.iter().any(|s| s == scope))
}

fn refuse(error: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
}

pub(super) async fn token(State(sb): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return refuse("invalid_request");
    }
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (Some(grant), Some(id), Some(secret)) = (
        field("grant_type"),
        field("client_id"),
        field("client_secret"),
    ) else {
        return refuse("invalid_request");
    };
    if grant != "client_credentials" {
        return refuse("unsupported_grant_type");
    }
    let mut w = sb.world();
    let now = w.clock.now();
    let p = w.state::<Personio>();
    let Some((company_id, client)) = p.companies.iter_mut().find_map(|(cid, c)| {
        c.setup
            .oauth_clients
            .iter()
            .find(|o| o.client_id == id)
            .cloned()
            .map(|o| (cid.clone(), o))
    }) else {
        return refuse("invalid_client");
    };
    if client.client_secret != secret {
        return refuse("unauthorized_client");
    }
    let Some(company) = p.companies.get_mut(&company_id) else {
        return refuse("invalid_client");
    };
    company.token_requests += 1;
    let lifetime = company.setup.token_lifetime_seconds;
    let access_token = format!("papi-{:032x}", fastrand::u128(..));
    p.tokens.insert(
        access_token.clone(),
        Issued {
            company: company_id,
            expires: now + Duration::seconds(lifetime as i64),
            scopes: client.granted(),
        },
    );
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": client.granted().join(" "),
    }))
    .into_response()
}

/// Revokes every token issued for `company` (a rotated secret, Personio's revocation).
pub(super) fn revoke(p: &mut Personio, company: &str) -> usize {
    let before = p.tokens.len();
    p.tokens.retain(|_, t| t.company != company);
    before - p.tokens.len()
}
