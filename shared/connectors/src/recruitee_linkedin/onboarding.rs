//! The onboarding page (C5.1, C5.3): where a customer's LinkedIn admin enables Recruiter
//! System Connect in LinkedIn's ATS Integration Configuration Plugin, served by the stack at
//! `{onboarding_url}/onboarding/linkedin/{token}` (the admin API's public route; docs/
//! contracts/linkedin.md, "Onboarding").
//!
//! An operator makes the link for one connection (`renkei linkedin onboarding-link`, the
//! admin API's `onboarding-link`), as Nango's Connect session links are made: the token
//! names the tenant and connection and an expiry, signed with HMAC-SHA256 under a key of
//! that connection alone (`onboarding_key` in its secret), so a link is refused once it
//! expired, when any character of it changed, and can never reach another connection. The
//! page holds no secret: the child application's client id (LinkedIn's widget takes it as
//! `api_key`, a public value) and the token already in its address.
//!
//! The widget hands the enabled integrations to the page's `data-onintegrate` function; it
//! and the "Notify partner" button post to `{page}/notify`, which checks activation at once
//! ([`super::setup::check`]). LinkedIn's INTEGRATION_STATUS_CHANGE notifications to the
//! CALLBACK_URL are kept here ([`accept_status_change`], `N#{request}`) for the next check.

use super::setup::{ActivationState, check};
use super::{NAME, Secret, Settings};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use renkei_core::engine::{Delivery, REAL_TIME, Refusal, SyncError, decode_parts};
use renkei_core::ports::{Condition, SecretStore, StateStore};
use renkei_core::repo::{Connection, Repo};
use renkei_core::{ConnectionId, TenantId};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Where the stack serves the page: `{onboarding_url}{PATH}/{token}` (and `…/notify`).
pub const PATH: &str = "/onboarding/linkedin";
/// How long a link lives unless the operator says otherwise.
pub const DEFAULT_TTL: Duration = Duration::hours(24);
/// The longest a link may live.
pub const MAX_TTL: Duration = Duration::days(7);
/// Kept INTEGRATION_STATUS_CHANGE notifications (`N#{request id}`).
pub(crate) const STATUS_CHANGES: &str = "N#";
/// What signs a link (a version, so that a later format never verifies as this one).
const CONTEXT: &[u8] = b"renkei-linkedin-onboarding-link/v1\n";
/// The bundles renkei's page offers in LinkedIn's widget (sample page's attribute).
const BUNDLES: &str = "RECRUITER_SYSTEM_CONNECT_COMPANY,RECRUITER_SYSTEM_CONNECT_CONTRACT";
/// The widget's extension (customer-configuration; LinkedIn's sample page names
/// `https://www.linkedin.com/recruiter/widget/ATSIntegration`).
const EXTENSION: &str =
    "ATSIntegrationWidget@https://platform.linkedin.com/rsc/extensions/onboarding-widget";

/// A kept INTEGRATION_STATUS_CHANGE.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StatusChange {
    pub request_id: String,
    pub at: DateTime<Utc>,
}

/// A fresh per-connection link key (32 bytes from the OS, hex).
pub(crate) fn new_key() -> String {
    let mut key = [0u8; 32];
    // Without OS randomness no key is made that could be guessed: the connection then has
    // none and links are refused until one can be made.
    match getrandom::fill(&mut key) {
        Ok(()) => hex::encode(key),
        Err(_) => String::new(),
    }
}

/// `90m`, `24h`, `7d` (at most [`MAX_TTL`]).
pub fn parse_ttl(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n
        .parse()
        .map_err(|_| format!("{s:?}: a number and m, h or d (90m, 24h, 7d)"))?;
    let ttl = match unit {
        "m" => Duration::minutes(n),
        "h" | "" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return Err(format!("{s:?}: a number and m, h or d (90m, 24h, 7d)")),
    };
    if ttl <= Duration::zero() || ttl > MAX_TTL {
        return Err(format!(
            "{s:?}: a link lives more than 0 and at most 7 days"
        ));
    }
    Ok(ttl)
}

#[derive(Serialize, Deserialize)]
struct Claims {
    t: String,
    c: String,
    exp: i64,
}

fn mac(key: &str, payload: &str) -> Option<Hmac<Sha256>> {
    if key.len() < 32 {
        return None;
    }
    let mut m = Hmac::<Sha256>::new_from_slice(key.as_bytes()).ok()?;
    m.update(CONTEXT);
    m.update(payload.as_bytes());
    Some(m)
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A link's token for `t`/`c` until `expires`, signed with the connection's `key`.
fn sign(key: &str, t: &TenantId, c: &ConnectionId, expires: DateTime<Utc>) -> Option<String> {
    let claims = Claims {
        t: t.to_string(),
        c: c.to_string(),
        exp: expires.timestamp(),
    };
    let payload = B64.encode(serde_json::to_vec(&claims).ok()?);
    let tag = mac(key, &payload)?.finalize().into_bytes();
    Some(format!("{payload}.{}", B64.encode(tag)))
}

/// An onboarding link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The page's address, with its token.
    pub url: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A connection with its settings and secret, as the page needs it.
pub struct Opened {
    /// The connection.
    pub conn: Connection,
    /// Its settings.
    pub settings: Settings,
    /// Its secret.
    pub secret: Secret,
}

async fn open_connection(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<Opened, SyncError> {
    let Some((conn, _)) = Repo::new(store).connection(t, c).await? else {
        return Err(SyncError::Permanent(format!("no connection {t}/{c}")));
    };
    if conn.connector != NAME {
        return Err(SyncError::Permanent(format!(
            "{t}/{c} is a {} connection, not {NAME}",
            conn.connector
        )));
    }
    let raw = secrets
        .get(conn.scoped_secret().map_err(SyncError::Permanent)?)
        .await
        .map_err(|e| SyncError::Retryable(e.to_string()))?;
    let (settings, secret) =
        decode_parts(&conn, raw.as_deref(), "credentials missing: connect again")?;
    Ok(Opened {
        conn,
        settings,
        secret,
    })
}

/// Makes a link for the customer's admin of `t`/`c`, valid for `ttl`. A connection made
/// before links existed gets its key now.
pub async fn create_link(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Link, SyncError> {
    if ttl <= Duration::zero() || ttl > MAX_TTL {
        return Err(SyncError::Permanent("a link lives at most 7 days".into()));
    }
    let mut o = open_connection(store, secrets, t, c).await?;
    let base = o.settings.onboarding_url.clone().ok_or_else(|| {
        SyncError::Permanent(
            "the connection has no onboarding_url (where the stack serves the page): `renkei settings set … onboarding_url=<admin API URL>`".into(),
        )
    })?;
    if o.secret.onboarding_key.as_deref().is_none_or(str::is_empty) {
        let key = new_key();
        if key.is_empty() {
            return Err(SyncError::Retryable(
                "no OS randomness for a link key".into(),
            ));
        }
        o.secret.onboarding_key = Some(key);
        let json =
            serde_json::to_string(&o.secret).map_err(|e| SyncError::Permanent(e.to_string()))?;
        secrets
            .put(o.conn.scoped_secret().map_err(SyncError::Permanent)?, &json)
            .await
            .map_err(|e| SyncError::Retryable(e.to_string()))?;
    }
    let expires_at = now + ttl;
    let key = o.secret.onboarding_key.as_deref().unwrap_or_default();
    let token = sign(key, t, c, expires_at)
        .ok_or_else(|| SyncError::Permanent("the connection's link key is unusable".into()))?;
    Ok(Link {
        url: format!("{}{PATH}/{token}", base.trim_end_matches('/')),
        expires_at,
    })
}

/// Why a link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefused {
    /// Not a link renkei made, or one that was changed.
    #[error("this onboarding link is not valid: ask your renkei operator for a new one")]
    Invalid,
    /// It was, but its time is up.
    #[error("this onboarding link has expired: ask your renkei operator for a new one")]
    Expired,
    /// The store or the secret store cannot answer now.
    #[error("the onboarding page is unavailable, try again in a minute ({0})")]
    Unavailable(String),
}

/// The connection a link is for, if the link is genuine and alive.
pub async fn open(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Opened, LinkRefused> {
    let (payload, tag) = token.split_once('.').ok_or(LinkRefused::Invalid)?;
    let claims: Claims = B64
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(LinkRefused::Invalid)?;
    let tag = B64.decode(tag).map_err(|_| LinkRefused::Invalid)?;
    let t = TenantId::new(&claims.t).map_err(|_| LinkRefused::Invalid)?;
    let c = ConnectionId::new(&claims.c).map_err(|_| LinkRefused::Invalid)?;
    let o = match open_connection(store, secrets, &t, &c).await {
        Ok(o) => o,
        Err(e) => match e.plain() {
            SyncError::Retryable(m) => return Err(LinkRefused::Unavailable(m.clone())),
            _ => return Err(LinkRefused::Invalid),
        },
    };
    let key = o.secret.onboarding_key.as_deref().unwrap_or_default();
    mac(key, payload)
        .ok_or(LinkRefused::Invalid)?
        .verify_slice(&tag)
        .map_err(|_| LinkRefused::Invalid)?;
    if now.timestamp() >= claims.exp {
        return Err(LinkRefused::Expired);
    }
    Ok(o)
}

/// "Notify partner": activation checked at once, for the connection of a genuine link.
pub async fn notify(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    token: &str,
    now: DateTime<Utc>,
) -> Result<ActivationState, NotifyError> {
    let o = open(store, secrets, token, now).await?;
    let customer = o
        .secret
        // The onboarding page's check runs in the admin API, outside runs: real time.
        .customer(&o.settings, REAL_TIME)
        .map_err(|e| NotifyError::Check(e.to_string()))?;
    check(
        store,
        &o.conn.tenant_id,
        &o.conn.connection_id,
        &customer,
        &o.settings,
        now,
    )
    .await
    .map_err(|e| NotifyError::Check(e.to_string()))
}

/// Why "notify partner" did not check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// The link.
    #[error(transparent)]
    Link(#[from] LinkRefused),
    /// LinkedIn or the store (the message says which).
    #[error("{0}")]
    Check(String),
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page for a genuine link: LinkedIn's widget for the child application (or, before it
/// is provisioned, a note to come back), the activation state, and "Notify partner".
pub fn page(o: &Opened, state: Option<&ActivationState>) -> String {
    let status = state.map_or_else(
        || "not checked yet".to_string(),
        |a| format!("{:?}: {}", a.status, a.message).to_lowercase(),
    );
    let widget = match &o.secret.child {
        Some(child) => format!(
            r#"<script type="text/javascript" src="{src}">
api_key: {key}
extensions: {EXTENSION}
</script>
<script type="IN/ATSIntegrationWidget" data-supported-bundled-integration-types="{BUNDLES}" data-onintegrate="renkeiIntegrated" data-width="500"></script>"#,
            src = escape(&format!(
                "{}/xdoor/scripts/in.js",
                o.settings.linkedin_platform_url.trim_end_matches('/')
            )),
            key = escape(&child.client_id),
        ),
        None => "<p id=\"preparing\">Your LinkedIn application is being prepared. Reload this page in a minute.</p>".into(),
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="origin">
<title>Connect Recruitee to LinkedIn Recruiter System Connect</title></head>
<body style="font-family:sans-serif;max-width:44rem;margin:2rem auto">
<h1>LinkedIn Recruiter System Connect</h1>
<p>Recruitee company {company} · LinkedIn organization {org}, Recruiter contract {contract}.</p>
<ol><li>Sign in with your LinkedIn Recruiter account (admin or product settings permission on the contract).</li>
<li>Choose the contract, tick <b>Recruiter System Connect</b> and save.</li>
<li>While LinkedIn enables it, press <b>Notify partner</b> to refresh the status.</li></ol>
{widget}
<p><button id="notify" type="button">Notify partner</button></p>
<p>Status: <span id="status" role="status">{status}</span></p>
<script>
async function renkeiNotify() {{
  var out = document.getElementById("status");
  out.textContent = "asking LinkedIn…";
  try {{
    var r = await fetch(location.pathname + "/notify", {{method: "POST", headers: {{"content-type": "application/json"}}, body: "{{}}"}});
    var a = await r.json();
    out.textContent = r.ok ? (a.status + ": " + a.message) : (a.detail || a.message || ("error " + r.status));
  }} catch (e) {{ out.textContent = "could not reach renkei: " + e; }}
}}
function renkeiIntegrated(integrations) {{ renkeiNotify(); }}
document.getElementById("notify").addEventListener("click", renkeiNotify);
</script>
</body></html>"#,
        company = escape(&o.settings.company_id),
        org = escape(&o.settings.organization),
        contract = escape(&o.settings.contract),
        status = escape(&status),
    )
}

/// The page for a refused link.
pub fn refused_page(why: &LinkRefused) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Onboarding link</title></head><body><p id=\"refused\">{}</p></body></html>",
        escape(&why.to_string())
    )
}

/// Keeps LinkedIn's INTEGRATION_STATUS_CHANGE for the run it requests (`N#{requestId}`;
/// a redelivery keeps the same item).
pub(crate) async fn accept_status_change(
    d: &Delivery<'_>,
) -> Result<Option<serde_json::Value>, Refusal> {
    let Some(request) = d.body["requestId"].as_str().filter(|r| !r.is_empty()) else {
        return Err(Refusal {
            status: 400,
            message: "INTEGRATION_STATUS_CHANGE without requestId".into(),
        });
    };
    let kept = StatusChange {
        request_id: request.to_string(),
        at: d.now,
    };
    Repo::new(d.store)
        .own_put(
            &d.conn.tenant_id,
            &d.conn.connection_id,
            &format!("{STATUS_CHANGES}{request}"),
            &kept,
            Condition::Always,
            None,
        )
        .await?;
    Ok(Some(
        serde_json::json!({"integration_status_change": request}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (TenantId, ConnectionId) {
        (
            TenantId::new("acme").unwrap(),
            ConnectionId::new("c5").unwrap(),
        )
    }

    #[test]
    fn s27_5_a_link_verifies_under_its_key_only_and_any_change_breaks_it() {
        let (t, c) = ids();
        let key = "k".repeat(64);
        let exp = Utc::now() + Duration::hours(1);
        let token = sign(&key, &t, &c, exp).unwrap();
        let (payload, tag) = token.split_once('.').unwrap();
        let tag = B64.decode(tag).unwrap();
        assert!(mac(&key, payload).unwrap().verify_slice(&tag).is_ok());
        assert!(
            mac(&"x".repeat(64), payload)
                .unwrap()
                .verify_slice(&tag)
                .is_err()
        );
        let other = sign(&key, &t, &ConnectionId::new("other").unwrap(), exp).unwrap();
        let forged = format!("{}.{}", other.split_once('.').unwrap().0, B64.encode(&tag));
        let (p, g) = forged.split_once('.').unwrap();
        assert!(
            mac(&key, p)
                .unwrap()
                .verify_slice(&B64.decode(g).unwrap())
                .is_err()
        );
        assert!(
            mac("short", payload).is_none(),
            "no link under a missing key"
        );
    }

    #[test]
    fn s27_5_a_links_lifetime_is_bounded() {
        assert_eq!(parse_ttl("90m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::days(7)));
        assert!(parse_ttl("8d").is_err());
        assert!(parse_ttl("0h").is_err());
        assert!(parse_ttl("1w").is_err());
    }
}
