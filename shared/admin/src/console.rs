//! The web console (console/, issue 31): a single-page app built by Vite into console/dist
//! and embedded in this crate, so the admin function serves it at `/console` from the same
//! origin as the API — one deploy, no bucket or CDN, no CORS — and the API stays the only
//! way it acts (it is a client of docs/openapi.yaml). docs/architecture.md says why.
//!
//! The files are public (the app holds no data; everything it shows comes from the API with
//! the signed-in user's token) and carry a strict Content-Security-Policy: scripts and
//! styles from this origin only, nothing framed, forms posting here only, network calls to
//! this origin and the sign-in's token endpoint only. `config.json` tells the app how to
//! sign in: OIDC authorization code with PKCE against the stack's issuer (the Cognito user
//! pool the stack can create, or JwtIssuer's), or nothing when the API is IAM-authorised.

use crate::AdminState;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// How the console signs people in, as the stack (or `renkei sandbox`) configures it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// The sandbox's development sign-in: the console says so on every page.
    pub development: bool,
    /// None: the API is IAM-authorised and a browser cannot sign its requests.
    pub sign_in: Option<SignIn>,
    /// Why there is no sign-in, for the console to show.
    pub why_no_sign_in: Option<String>,
    /// The Content-Security-Policy of every console answer (from `sign_in`).
    #[serde(skip)]
    csp: HeaderValue,
}

/// An OIDC client's view of the issuer: authorization code with PKCE, a public client.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SignIn {
    /// Where the browser goes to sign in.
    pub authorization_endpoint: String,
    /// Where the app exchanges the code (and its PKCE verifier) for tokens.
    pub token_endpoint: String,
    /// Where signing out ends the issuer's session too (Cognito's `/logout`), if any.
    pub end_session_endpoint: Option<String>,
    /// The app client (a public client: no secret).
    pub client_id: String,
    /// The scopes asked for.
    pub scope: String,
}

/// A console setting that cannot be used (Permanent: the stack's parameters are wrong).
#[derive(Debug, thiserror::Error)]
#[error("{var}: {why}")]
pub struct BadConsoleConfig {
    var: &'static str,
    why: String,
}

impl ConsoleConfig {
    /// A console without sign-in: the API is IAM-authorised (the stack's default).
    pub fn iam() -> Self {
        Self::new(
            false,
            None,
            Some(
                "This stack's admin API has no browser sign-in: it is authorised with IAM \
                 (SigV4), which a browser cannot sign, or JwtIssuer was given without \
                 ConsoleAuthorizeUrl and ConsoleTokenUrl. Deploy it with CreateUserPool=true, \
                 or with those three, to sign in here."
                    .into(),
            ),
        )
    }

    /// A console that cannot sign in here, saying `why`.
    pub fn unavailable(why: &str) -> Self {
        Self::new(false, None, Some(why.into()))
    }

    /// A console signing in with `sign_in`; `development` marks the sandbox's sign-in.
    pub fn oidc(sign_in: SignIn, development: bool) -> Self {
        Self::new(development, Some(sign_in), None)
    }

    fn new(development: bool, sign_in: Option<SignIn>, why_no_sign_in: Option<String>) -> Self {
        let token_origin = sign_in
            .as_ref()
            .and_then(|s| origin(&s.token_endpoint))
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        let csp = format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'{token_origin}; form-action 'self'; \
             base-uri 'none'; frame-ancestors 'none'"
        );
        // `origin` lets through only characters a header may hold; should that ever change,
        // the console stays closed rather than served without its policy.
        let csp = HeaderValue::from_str(&csp)
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
        Self {
            development,
            sign_in,
            why_no_sign_in,
            csp,
        }
    }

    /// From the process environment: see [`ConsoleConfig::from_vars`].
    pub fn from_env() -> Result<Self, BadConsoleConfig> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// From the admin function's environment, as both templates set it: the sign-in when
    /// `RENKEI_CONSOLE_AUTHORIZE_URL`, `RENKEI_CONSOLE_TOKEN_URL` and
    /// `RENKEI_CONSOLE_CLIENT_ID` are all set, else [`ConsoleConfig::iam`].
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, BadConsoleConfig> {
        let var = |name| get(name).filter(|v| !v.trim().is_empty());
        let (Some(authorize), Some(token), Some(client_id)) = (
            var("RENKEI_CONSOLE_AUTHORIZE_URL"),
            var("RENKEI_CONSOLE_TOKEN_URL"),
            var("RENKEI_CONSOLE_CLIENT_ID"),
        ) else {
            return Ok(Self::iam());
        };
        let url = |name: &'static str, v: String| {
            if origin(&v).is_some_and(|o| o.starts_with("https://")) {
                Ok(v)
            } else {
                Err(BadConsoleConfig {
                    var: name,
                    why: format!("{v:?} is not an https URL"),
                })
            }
        };
        let sign_in = SignIn {
            authorization_endpoint: url("RENKEI_CONSOLE_AUTHORIZE_URL", authorize)?,
            token_endpoint: url("RENKEI_CONSOLE_TOKEN_URL", token)?,
            end_session_endpoint: var("RENKEI_CONSOLE_LOGOUT_URL")
                .map(|v| url("RENKEI_CONSOLE_LOGOUT_URL", v))
                .transpose()?,
            client_id,
            scope: var("RENKEI_CONSOLE_SCOPE").unwrap_or_else(|| "openid email".into()),
        };
        Ok(Self::oidc(sign_in, false))
    }

    /// The Content-Security-Policy the console's answers carry.
    pub fn csp(&self) -> &str {
        self.csp.to_str().unwrap_or_default()
    }
}

/// `scheme://host[:port]` of `url`, when it is an http(s) URL with nothing in it that could
/// break out of a header value or a CSP source list.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "https" | "http") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let clean = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    (!host.is_empty() && host.chars().all(clean) && url.chars().all(|c| c.is_ascii_graphic()))
        .then(|| format!("{scheme}://{host}"))
}

/// One embedded file of console/dist.
struct Asset {
    body: &'static [u8],
    content_type: &'static str,
    etag: LazyLock<String>,
}

macro_rules! asset {
    ($path:literal, $type:literal) => {
        Asset {
            body: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../console/dist/",
                $path
            )),
            content_type: $type,
            etag: LazyLock::new(|| {
                let body: &[u8] = include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../console/dist/",
                    $path
                ));
                format!("\"{}\"", &hex::encode(Sha256::digest(body))[..32])
            }),
        }
    };
}

static INDEX: Asset = asset!("index.html", "text/html; charset=utf-8");
static APP_JS: Asset = asset!("assets/app.js", "text/javascript; charset=utf-8");
static APP_CSS: Asset = asset!("assets/app.css", "text/css; charset=utf-8");

pub(crate) fn routes() -> Router<AdminState> {
    Router::new()
        // `/console` is the address (an HTTP API route matches it exactly; whether one
        // matches a trailing slash is not documented), `/console/` works the same.
        .route("/console", get(|s, h| async move { serve(s, h, &INDEX) }))
        .route("/console/", get(|s, h| async move { serve(s, h, &INDEX) }))
        .route(
            "/console/assets/app.js",
            get(|s, h| async move { serve(s, h, &APP_JS) }),
        )
        .route(
            "/console/assets/app.css",
            get(|s, h| async move { serve(s, h, &APP_CSS) }),
        )
        .route("/console/config.json", get(config))
}

/// The headers every console answer carries.
fn guarded(s: &AdminState, mut r: Response, cache: &'static str) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, s.console.csp.clone());
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

fn serve(
    axum::extract::State(s): axum::extract::State<AdminState>,
    headers: HeaderMap,
    asset: &'static Asset,
) -> Response {
    let etag = asset.etag.as_str();
    // Fixed file names: the browser revalidates every time and gets 304 while unchanged.
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let r = if unchanged {
        (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response()
    } else {
        (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::ETAG, etag),
            ],
            asset.body,
        )
            .into_response()
    };
    guarded(&s, r, "no-cache")
}

async fn config(axum::extract::State(s): axum::extract::State<AdminState>) -> Response {
    let r = axum::Json(s.console.as_ref().clone()).into_response();
    guarded(&s, r, "no-store")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let v: Vec<(String, String)> = v
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        move |n| v.iter().find(|(a, _)| a == n).map(|(_, b)| b.clone())
    }

    #[test]
    fn s31_3_without_sign_in_settings_the_console_says_why_and_connects_to_itself_only() {
        let c = ConsoleConfig::from_vars(vars(&[])).unwrap();
        assert_eq!(c.sign_in, None);
        assert!(c.why_no_sign_in.as_deref().unwrap().contains("IAM"));
        assert!(c.csp().contains("connect-src 'self';"));
    }

    #[test]
    fn s31_3_the_token_endpoint_is_the_only_other_origin_the_console_may_call() {
        let c = ConsoleConfig::from_vars(vars(&[
            (
                "RENKEI_CONSOLE_AUTHORIZE_URL",
                "https://acme.auth.eu-central-1.amazoncognito.com/oauth2/authorize",
            ),
            (
                "RENKEI_CONSOLE_TOKEN_URL",
                "https://acme.auth.eu-central-1.amazoncognito.com/oauth2/token",
            ),
            ("RENKEI_CONSOLE_CLIENT_ID", "abc"),
        ]))
        .unwrap();
        assert_eq!(c.sign_in.as_ref().unwrap().scope, "openid email");
        assert!(
            c.csp()
                .contains("connect-src 'self' https://acme.auth.eu-central-1.amazoncognito.com;")
        );
        assert!(c.csp().contains("script-src 'self';"));
        assert!(c.csp().contains("frame-ancestors 'none'"));
    }

    #[test]
    fn s31_3_a_sign_in_url_that_is_not_plain_https_is_refused_at_start() {
        for bad in [
            "http://idp.example/token",
            "https://idp.example/token; script-src *",
            "javascript:alert(1)",
            "https://",
        ] {
            let r = ConsoleConfig::from_vars(vars(&[
                (
                    "RENKEI_CONSOLE_AUTHORIZE_URL",
                    "https://idp.example/authorize",
                ),
                ("RENKEI_CONSOLE_TOKEN_URL", bad),
                ("RENKEI_CONSOLE_CLIENT_ID", "abc"),
            ]));
            assert!(r.is_err(), "{bad} accepted");
        }
    }
}
