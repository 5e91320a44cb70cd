//! The web console on the embedded backend: `renkei sandbox` serves the admin API and the
//! console (renkei_admin's routes, as the stack's admin function does) on a second loopback
//! port, behind a development sign-in that stands in for the stack's OIDC issuer.
//!
//! The sign-in is a real OIDC authorization-code flow with PKCE, so the console runs the
//! same code as against Cognito: `/dev-oidc/authorize` shows a form (sign in as the
//! operator or as a user of one tenant — no password: anyone who can reach this loopback
//! port is trusted, which is why the console says "development sign-in" on every page),
//! `/dev-oidc/token` checks the code's PKCE verifier and answers an HS256 ID token signed
//! with a key made at start. Requests to the API then carry it as a bearer token, and
//! [`bearer`] turns it into the caller exactly as the stack's JWT authoriser and the admin
//! function do (`cognito:groups` with `tenant:<id>` groups, the operator group).

use crate::backend::Backend;
use axum::Router;
use axum::extract::{Form, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use renkei_admin::claim::{DEFAULT_CLAIM, TENANT_PREFIX, TenantClaim};
use renkei_admin::console::SignIn;
use renkei_admin::{AdminState, ConsoleConfig, Problem};
use renkei_core::TenantId;
use renkei_core::clock::Clock;
use renkei_core::ports::StateStore;
use renkei_core::repo::Repo;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The console's client id at the development issuer.
pub const CLIENT_ID: &str = "renkei-console";
/// The group that makes a signed-in user an operator (the stack's user pool has it too).
pub const OPERATOR_GROUP: &str = "renkei-operators";
/// The sign-in form's choice for the operator: not a tenant id (`TenantId` refuses `*`).
const AS_OPERATOR: &str = "*operator";
/// How long a development token lasts.
const TOKEN_SECONDS: i64 = 3600;
/// How long an authorization code may wait for its exchange.
const CODE_SECONDS: i64 = 300;

/// The development issuer of one `renkei sandbox` process.
pub struct DevIssuer {
    /// `http://127.0.0.1:<port>`: the console's origin and the issuer's.
    origin: String,
    /// Signs the tokens; made at start, so a token outlives neither the process nor a
    /// restart.
    key: Vec<u8>,
    /// Codes handed out and not yet exchanged (each once).
    codes: Mutex<HashMap<String, Pending>>,
    store: Arc<dyn StateStore>,
    clock: Arc<dyn Clock>,
}

/// A code waiting for its exchange.
struct Pending {
    challenge: String,
    redirect_uri: String,
    groups: Vec<String>,
    subject: String,
    expires: i64,
}

/// What the console sends to start signing in (and the form sends back).
#[derive(Debug, Deserialize)]
struct Authorize {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
    /// The form's choice: `operator` or a tenant id.
    subject: Option<String>,
    /// A tenant id typed in (a tenant with no users yet), preferred over `subject`.
    tenant: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenRequest {
    grant_type: String,
    code: String,
    redirect_uri: String,
    client_id: String,
    code_verifier: String,
}

impl DevIssuer {
    /// An issuer for the console served at `origin`.
    pub fn new(origin: String, store: Arc<dyn StateStore>, clock: Arc<dyn Clock>) -> Self {
        let key = renkei_core::webhook::generate_signing_secret()
            .expect("the OS random source")
            .into_bytes();
        Self {
            origin,
            key,
            codes: Mutex::new(HashMap::new()),
            store,
            clock,
        }
    }

    /// The console's sign-in settings for this issuer.
    pub fn console_config(&self) -> ConsoleConfig {
        ConsoleConfig::oidc(
            SignIn {
                authorization_endpoint: format!("{}/dev-oidc/authorize", self.origin),
                token_endpoint: format!("{}/dev-oidc/token", self.origin),
                end_session_endpoint: None,
                client_id: CLIENT_ID.into(),
                scope: "openid email".into(),
            },
            true,
        )
    }

    /// The console's address, which is also its redirect URI.
    fn console_url(&self) -> String {
        format!("{}/console", self.origin)
    }

    /// The authorization request's problem, if any: only the console, coming back to
    /// itself, with an S256 challenge.
    fn check(&self, a: &Authorize) -> Result<(), String> {
        if a.response_type != "code" {
            return Err("response_type must be code".into());
        }
        if a.client_id != CLIENT_ID {
            return Err(format!("unknown client_id {:?}", a.client_id));
        }
        let console = self.console_url();
        if a.redirect_uri != console && a.redirect_uri != format!("{console}/") {
            return Err(format!("redirect_uri must be {console} (the console here)"));
        }
        if a.code_challenge_method != "S256" || a.code_challenge.len() != 43 {
            return Err("PKCE: an S256 code_challenge (43 characters) is required".into());
        }
        Ok(())
    }

    /// An HS256 JWT of `claims`.
    fn sign(&self, claims: &serde_json::Value) -> String {
        let head = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = B64.encode(claims.to_string());
        let input = format!("{head}.{body}");
        format!("{input}.{}", B64.encode(self.mac(&input)))
    }

    fn mac(&self, input: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The groups claim of a token this issuer signed that is still valid, as API Gateway
    /// would hand it over (`[a b]`).
    fn verify(&self, token: &str) -> Result<String, &'static str> {
        let (input, sig) = token.rsplit_once('.').ok_or("not a JWT")?;
        let sig = B64.decode(sig).map_err(|_| "not a JWT")?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(input.as_bytes());
        mac.verify_slice(&sig).map_err(|_| "bad signature")?;
        let (head, body) = input.split_once('.').ok_or("not a JWT")?;
        if B64.decode(head).ok().as_deref() != Some(br#"{"alg":"HS256","typ":"JWT"}"#) {
            return Err("not this issuer's token");
        }
        let claims: serde_json::Value =
            serde_json::from_slice(&B64.decode(body).map_err(|_| "not a JWT")?)
                .map_err(|_| "not a JWT")?;
        if claims["aud"] != CLIENT_ID || claims["iss"] != format!("{}/dev-oidc", self.origin) {
            return Err("not this issuer's token");
        }
        if claims["exp"].as_i64().unwrap_or(0) <= self.clock.now().timestamp() {
            return Err("the token has expired: sign in again");
        }
        let groups: Vec<&str> = claims[DEFAULT_CLAIM]
            .as_array()
            .map(|a| a.iter().filter_map(|g| g.as_str()).collect())
            .unwrap_or_default();
        Ok(format!("[{}]", groups.join(" ")))
    }
}

/// The development issuer's routes.
pub fn routes(issuer: Arc<DevIssuer>) -> Router {
    Router::new()
        .route("/dev-oidc/authorize", get(authorize_form).post(authorize))
        .route("/dev-oidc/token", axum::routing::post(token))
        .with_state(issuer)
}

/// The caller of a request with a bearer token from `issuer`; 401 for a token that is not
/// (any more) valid. A request without one goes on without a caller: the console's files
/// and the onboarding page need none, and the API answers 401 itself.
pub async fn bearer(
    State(issuer): State<Arc<DevIssuer>>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    if let Some(token) = token {
        match issuer.verify(&token) {
            Ok(groups) => {
                let caller = TenantClaim::new(DEFAULT_CLAIM)
                    .with_operator_group(OPERATOR_GROUP)
                    .expect("a plain group name")
                    .caller(Some(&groups));
                req.extensions_mut().insert(caller);
            }
            Err(why) => return Problem::unauthorized(why).into_response(),
        }
    }
    next.run(req).await
}

/// Refuses a request whose `Host` is not this server's loopback address: a web page the
/// browser loaded from elsewhere could otherwise point its own name at 127.0.0.1 (DNS
/// rebinding) and read what the sign-in form lists, or the API with a token it got.
pub async fn own_host(State(issuer): State<Arc<DevIssuer>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let own = issuer.origin.trim_start_matches("http://");
    let port = own.rsplit(':').next().unwrap_or_default();
    if host == own || host == format!("localhost:{port}") {
        next.run(req).await
    } else {
        Problem::forbidden(format!("this server answers {own} only, not {host:?}")).into_response()
    }
}

/// HTML-escaped text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page of the issuer's own, with a CSP that allows no script at all.
fn page(status: StatusCode, body: String) -> Response {
    let mut r = (status, Html(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    r
}

fn refused(why: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        format!(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Sign-in refused</title>\
             <h1>Sign-in refused</h1><p>{}</p></html>",
            esc(why)
        ),
    )
}

async fn authorize_form(
    State(issuer): State<Arc<DevIssuer>>,
    Query(a): Query<Authorize>,
) -> Response {
    if let Err(why) = issuer.check(&a) {
        return refused(&why);
    }
    let tenants = Repo::new(issuer.store.as_ref())
        .tenants_page(None, 500)
        .await
        .unwrap_or_default();
    let options: String = std::iter::once(format!(
        "<option value=\"{AS_OPERATOR}\">operator — every tenant / 運用者（全テナント）</option>"
    ))
    .chain(tenants.iter().map(|t| {
        let t = esc(t.as_str());
        format!("<option value=\"{t}\">{t}</option>")
    }))
    .collect();
    let hidden: String = [
        ("response_type", &a.response_type),
        ("client_id", &a.client_id),
        ("redirect_uri", &a.redirect_uri),
        ("state", &a.state),
        ("code_challenge", &a.code_challenge),
        ("code_challenge_method", &a.code_challenge_method),
    ]
    .iter()
    .map(|(k, v)| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", esc(v)))
    .collect();
    page(
        StatusCode::OK,
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\">\
             <title>renkei — development sign-in</title>\
             <style>body{{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.6}}\
             .dev{{background:#fff3cd;border:1px solid #b58100;padding:.5rem 1rem}}label{{display:block;margin-top:1rem}}\
             select,input,button{{font:inherit;padding:.3rem}}button{{margin-top:1.5rem}}</style></head><body>\
             <main><h1>Development sign-in / 開発用サインイン</h1>\
             <p class=\"dev\">This is <code>renkei sandbox</code>'s stand-in for the stack's sign-in: no password, \
             anyone who reaches this port may act as any tenant. Not for production. \
             / 本番用ではありません。パスワードなしで任意のテナントとして操作できます。</p>\
             <form method=\"post\" action=\"/dev-oidc/authorize\">{hidden}\
             <label for=\"subject\">Sign in as / サインインするユーザー</label>\
             <select id=\"subject\" name=\"subject\">{options}</select>\
             <label for=\"tenant\">or a new tenant id / または新しいテナントID</label>\
             <input id=\"tenant\" name=\"tenant\" autocomplete=\"off\">\
             <div><button type=\"submit\">Sign in (development) / サインイン</button></div>\
             </form></main></body></html>"
        ),
    )
}

async fn authorize(State(issuer): State<Arc<DevIssuer>>, Form(a): Form<Authorize>) -> Response {
    if let Err(why) = issuer.check(&a) {
        return refused(&why);
    }
    let chosen = match a.tenant.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => a.subject.clone().unwrap_or_default(),
    };
    let (groups, subject) = if chosen == AS_OPERATOR {
        (vec![OPERATOR_GROUP.to_string()], "operator".to_string())
    } else {
        match TenantId::new(&chosen) {
            Ok(t) => (vec![format!("{TENANT_PREFIX}{t}")], format!("hr-admin@{t}")),
            Err(e) => return refused(&format!("tenant {chosen:?}: {e}")),
        }
    };
    let Some(code) = renkei_core::webhook::generate_signing_secret() else {
        return refused("no random source");
    };
    let now = issuer.clock.now().timestamp();
    let mut codes = issuer.codes.lock().expect("codes");
    codes.retain(|_, p| p.expires > now);
    codes.insert(
        code.clone(),
        Pending {
            challenge: a.code_challenge.clone(),
            redirect_uri: a.redirect_uri.clone(),
            groups,
            subject,
            expires: now + CODE_SECONDS,
        },
    );
    let query = serde_urlencoded::to_string([("code", code.as_str()), ("state", &a.state)])
        .unwrap_or_default();
    Redirect::to(&format!("{}?{query}", a.redirect_uri)).into_response()
}

/// An OAuth error answer (RFC 6749 §5.2).
fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

async fn token(State(issuer): State<Arc<DevIssuer>>, Form(t): Form<TokenRequest>) -> Response {
    if t.grant_type != "authorization_code" || t.client_id != CLIENT_ID {
        return oauth_error(
            "unsupported_grant_type",
            "authorization_code for renkei-console only",
        );
    }
    let now = issuer.clock.now().timestamp();
    // A code is taken out at the first try, right or wrong: it is never exchanged twice.
    let Some(p) = issuer.codes.lock().expect("codes").remove(&t.code) else {
        return oauth_error("invalid_grant", "unknown or used code");
    };
    if p.expires <= now || p.redirect_uri != t.redirect_uri {
        return oauth_error("invalid_grant", "expired code or another redirect_uri");
    }
    if B64.encode(Sha256::digest(t.code_verifier.as_bytes())) != p.challenge {
        return oauth_error("invalid_grant", "the PKCE code_verifier does not match");
    }
    let claims = serde_json::json!({
        "iss": format!("{}/dev-oidc", issuer.origin),
        "aud": CLIENT_ID,
        "sub": p.subject,
        "email": format!("{}@renkei.invalid", p.subject.replace('@', ".")),
        "iat": now,
        "exp": now + TOKEN_SECONDS,
        DEFAULT_CLAIM: p.groups,
    });
    let jwt = issuer.sign(&claims);
    let mut r = axum::Json(serde_json::json!({
        "id_token": jwt,
        "access_token": jwt,
        "token_type": "Bearer",
        "expires_in": TOKEN_SECONDS,
    }))
    .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Serves the admin API, the console and the development sign-in on `listener` (loopback)
/// on the embedded backend `b`; "run now" runs here. Returns the console's URL and the
/// server.
pub fn serve(
    b: &Backend,
    listener: tokio::net::TcpListener,
) -> Result<(String, impl Future<Output = Result<(), String>> + use<>), String> {
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let issuer = Arc::new(DevIssuer::new(
        format!("http://{addr}"),
        b.store.clone(),
        b.clock.clone(),
    ));
    let mut state: AdminState = crate::admin::state(b);
    state.console = Arc::new(issuer.console_config());
    let app = renkei_admin::router(state)
        .layer(axum::middleware::from_fn_with_state(issuer.clone(), bearer))
        .merge(routes(issuer.clone()))
        .layer(axum::middleware::from_fn_with_state(
            issuer.clone(),
            own_host,
        ));
    crate::admin::deliver_runs(b);
    let url = issuer.console_url();
    Ok((url, async move {
        axum::serve(listener, app).await.map_err(|e| e.to_string())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> DevIssuer {
        let dir = tempfile::tempdir().unwrap();
        let clock: Arc<dyn Clock> = Arc::new(renkei_core::SystemClock);
        let b = renkei_local::LocalBackend::open(
            dir.path(),
            clock.clone(),
            renkei_connectors::registry(),
        )
        .unwrap();
        DevIssuer::new(
            "http://127.0.0.1:9".into(),
            Arc::new(b.store.clone()),
            clock,
        )
    }

    #[test]
    fn s31_2_a_development_token_names_its_groups_and_nothing_else_verifies() {
        let i = issuer();
        let now = i.clock.now().timestamp();
        let good = i.sign(&serde_json::json!({
            "iss": "http://127.0.0.1:9/dev-oidc", "aud": CLIENT_ID, "exp": now + 60,
            DEFAULT_CLAIM: ["tenant:acme"],
        }));
        assert_eq!(i.verify(&good).unwrap(), "[tenant:acme]");
        let expired = i.sign(&serde_json::json!({
            "iss": "http://127.0.0.1:9/dev-oidc", "aud": CLIENT_ID, "exp": now,
            DEFAULT_CLAIM: ["tenant:acme"],
        }));
        assert!(i.verify(&expired).is_err());
        let other_key = issuer().sign(&serde_json::json!({
            "iss": "http://127.0.0.1:9/dev-oidc", "aud": CLIENT_ID, "exp": now + 60,
            DEFAULT_CLAIM: ["renkei-operators"],
        }));
        assert!(i.verify(&other_key).is_err(), "another process's key");
        let (input, _) = good.rsplit_once('.').unwrap();
        let forged_body = B64.encode(
            serde_json::json!({"iss": "http://127.0.0.1:9/dev-oidc", "aud": CLIENT_ID,
                "exp": now + 60, DEFAULT_CLAIM: ["renkei-operators"]})
            .to_string(),
        );
        let head = input.split('.').next().unwrap();
        let sig = good.rsplit('.').next().unwrap();
        assert!(i.verify(&format!("{head}.{forged_body}.{sig}")).is_err());
    }
}
