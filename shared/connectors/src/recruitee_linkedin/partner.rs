//! The partner's LinkedIn application belongs to the deployment, not to a tenant: one secret
//! per stack (its name from the stack parameter `LinkedinPartnerSecretName`, given to the
//! connector's function as `RENKEI_LINKEDIN_PARTNER_SECRET`; default
//! `renkei/linkedin-partner`), which only that function (and the operator) may read. With it
//! a run provisions the customer's child application under `renkei:{tenant}:{connection}` —
//! looked up first and again after an unclear answer, so a lost answer never makes a second
//! one — with the connection's member sign-in redirect URL and the origin of the stack's
//! onboarding page, and patches them when they change (`APP` keeps what LinkedIn holds).
//!
//! Connections made before kept the partner's credentials in their own secret:
//! [`migrate`] (`renkei migrate-secrets`) strips them and writes the stack secret if absent.

use super::{NAME, Secret, Settings};
use renkei_core::engine::{REAL_TIME, SyncError};
use renkei_core::ports::{Condition, SecretStore, StateStore};
use renkei_core::repo::{Connection, Repo};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::VendorError;
use renkei_vendors::linkedin::{ChildApp, ChildSpec, LinkedinClient, Provisioned};
use serde::{Deserialize, Serialize};

/// The stack secret's name when the deployment names none.
pub const DEFAULT_SECRET_NAME: &str = "renkei/linkedin-partner";
/// Where the deployment names it (the templates set it from `LinkedinPartnerSecretName`).
pub const SECRET_NAME_VAR: &str = "RENKEI_LINKEDIN_PARTNER_SECRET";

/// The name of this deployment's partner secret.
pub fn secret_name() -> String {
    std::env::var(SECRET_NAME_VAR)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SECRET_NAME.into())
}

/// The partner's parent application (`{"client_id","client_secret"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerApp {
    /// Its client id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
}

impl PartnerApp {
    /// The stack's partner application, or why there is none (Permanent: an operator sets
    /// it once, `renkei linkedin partner`).
    pub async fn read(secrets: &dyn SecretStore, name: &str) -> Result<Self, SyncError> {
        let raw = secrets
            .get(name)
            .await
            .map_err(|e| SyncError::Retryable(format!("reading the LinkedIn partner secret: {e}")))?
            .ok_or_else(|| {
                SyncError::Permanent(format!(
                    "the deployment has no LinkedIn partner application: an operator sets it with `renkei linkedin partner` (secret {name})"
                ))
            })?;
        serde_json::from_str(&raw).map_err(|e| {
            SyncError::Permanent(format!(
                "secret {name} is not {{\"client_id\",\"client_secret\"}}: {e}"
            ))
        })
    }

    /// Writes it as the stack's partner secret.
    pub async fn write(&self, secrets: &dyn SecretStore, name: &str) -> Result<(), String> {
        let json = serde_json::to_string(self).map_err(|e| e.to_string())?;
        secrets.put(name, &json).await.map_err(|e| e.to_string())
    }
}

/// What LinkedIn holds of the child application (`APP`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// Its URN (None: LinkedIn's answer named none; it cannot be patched).
    pub urn: Option<String>,
    /// Member sign-in redirect URLs.
    pub redirect_urls: Vec<String>,
    /// Origins allowed to embed LinkedIn's widget.
    pub js_sdk_domains: Vec<String>,
}

const REGISTERED: &str = "APP";

impl Registered {
    /// What a connection's settings ask LinkedIn to hold.
    fn wanted(settings: &Settings) -> Self {
        Self {
            urn: None,
            redirect_urls: settings.callback_url.iter().cloned().collect(),
            js_sdk_domains: settings
                .onboarding_url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok())
                .map(|u| u.origin().ascii_serialization())
                .into_iter()
                .collect(),
        }
    }

    /// The stored record of a connection.
    pub async fn read(
        store: &dyn StateStore,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Option<Self>, SyncError> {
        Ok(Repo::new(store)
            .own_get::<Self>(t, c, REGISTERED)
            .await?
            .map(|(r, _)| r))
    }

    async fn save(
        &self,
        store: &dyn StateStore,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<(), SyncError> {
        Ok(Repo::new(store)
            .own_put(t, c, REGISTERED, self, Condition::Always, None)
            .await?)
    }
}

/// The child application's unique foreign id: renkei's tenant and connection.
pub fn unique_foreign_id(t: &TenantId, c: &ConnectionId) -> String {
    format!("renkei:{t}:{c}")
}

fn spec(t: &TenantId, c: &ConnectionId, wanted: &Registered) -> ChildSpec {
    ChildSpec {
        unique_foreign_id: unique_foreign_id(t, c),
        name: ChildSpec::name_for("renkei", t.as_str()),
        description: ChildSpec::description_for(&format!(
            "renkei connection {t}/{c}: Recruitee to LinkedIn Recruiter System Connect"
        )),
        redirect_urls: wanted.redirect_urls.clone(),
        js_sdk_domains: wanted.js_sdk_domains.clone(),
    }
}

/// The child application, and whether it was found rather than created by this call:
/// looked up, provisioned if there is none, and looked up again when the provisioning
/// answer was unclear (it may have been created).
async fn child_app(
    partner: &LinkedinClient,
    spec: &ChildSpec,
) -> Result<(Provisioned, bool), VendorError> {
    if let Some(app) = partner.find_child(&spec.unique_foreign_id).await? {
        return Ok((app, true));
    }
    match partner.provision_child(spec).await {
        Ok(app) => Ok((app, false)),
        Err(e @ (VendorError::Retryable { .. } | VendorError::Permanent { status: 409, .. })) => {
            let found = partner
                .find_child(&spec.unique_foreign_id)
                .await?
                .ok_or(e)?;
            Ok((found, true))
        }
        Err(e) => Err(e),
    }
}

/// Makes LinkedIn hold the connection's child application as its settings want it:
/// provisioned when `secret` has none (then kept in the connection's secret and the LinkedIn
/// webhook endpoint's), patched when the redirect URL or the onboarding origin changed.
/// Answers the child application when it was provisioned now. `scale`: the run's time
/// scale (`BuildEnv::time_scale`), `REAL_TIME` outside runs.
pub async fn provision(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    conn: &Connection,
    settings: &Settings,
    secret: &Secret,
    scale: f64,
) -> Result<Option<ChildApp>, SyncError> {
    let (t, c) = (&conn.tenant_id, &conn.connection_id);
    let wanted = Registered::wanted(settings);
    let known = Registered::read(store, t, c).await?;
    let held = known.as_ref().filter(|_| secret.child.is_some());
    if held.is_some_and(|k| {
        k.redirect_urls == wanted.redirect_urls && k.js_sdk_domains == wanted.js_sdk_domains
    }) {
        return Ok(None);
    }
    let app = PartnerApp::read(secrets, &secret_name()).await?;
    let partner = LinkedinClient::new(
        &settings.linkedin(scale),
        &app.client_id,
        &app.client_secret,
    )?;
    if let Some(k) = held {
        let urn = k.urn.clone().ok_or_else(|| {
            SyncError::Permanent("LinkedIn named no URN for the child application: its redirect URL and widget origin cannot be changed".into())
        })?;
        partner
            .update_child(&urn, &wanted.redirect_urls, &wanted.js_sdk_domains)
            .await?;
        Registered {
            urn: Some(urn),
            ..wanted
        }
        .save(store, t, c)
        .await?;
        return Ok(None);
    }
    let (got, found) = child_app(&partner, &spec(t, c, &wanted)).await?;
    if found && let Some(urn) = &got.urn {
        // Made earlier (a lost answer, a connection made again): it holds what this
        // connection wants from now on.
        partner
            .update_child(urn, &wanted.redirect_urls, &wanted.js_sdk_domains)
            .await?;
    }
    let mut secret = secret.clone();
    secret.child = Some(got.app.clone());
    let name = conn.scoped_secret().map_err(SyncError::Permanent)?;
    let json = serde_json::to_string(&secret).map_err(|e| SyncError::Permanent(e.to_string()))?;
    secrets
        .put(name, &json)
        .await
        .map_err(|e| SyncError::Retryable(format!("keeping the child application: {e}")))?;
    let whole = serde_json::to_value(&secret).map_err(|e| SyncError::Permanent(e.to_string()))?;
    // LinkedIn's endpoint only (Recruitee's was written by connecting): the function's grant.
    let linkedin: Vec<_> = super::WEBHOOKS
        .iter()
        .copied()
        .filter(|w| w.vendor() == renkei_core::webhook::WebhookVendor::LinkedIn)
        .collect();
    renkei_core::webhook::store_endpoint_secrets(secrets, &linkedin, t, c, &whole)
        .await
        .map_err(|e| {
            SyncError::Retryable(format!("keeping the LinkedIn endpoint's secret: {e}"))
        })?;
    Registered {
        urn: got.urn,
        ..wanted
    }
    .save(store, t, c)
    .await?;
    Ok(Some(got.app))
}

/// Provisions a connection now, as its run would (the CLI's and the sandbox's connect,
/// where the partner secret is readable): reads the connection and its secret.
pub async fn provision_now(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<(), SyncError> {
    let Some((conn, _)) = Repo::new(store).connection(t, c).await? else {
        return Err(SyncError::Permanent(format!("no connection {t}/{c}")));
    };
    if conn.connector != NAME {
        return Err(SyncError::Permanent(format!(
            "{t}/{c} is not a {NAME} connection"
        )));
    }
    let raw = secrets
        .get(conn.scoped_secret().map_err(SyncError::Permanent)?)
        .await
        .map_err(|e| SyncError::Retryable(e.to_string()))?;
    let (settings, secret): (Settings, Secret) = renkei_core::engine::decode_parts(
        &conn,
        raw.as_deref(),
        "credentials missing: connect again",
    )?;
    // Outside a run (connecting, the admin API): real time.
    provision(store, secrets, &conn, &settings, &secret, REAL_TIME).await?;
    Ok(())
}

/// What [`migrate`] did to one connection's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Migrated {
    /// The connection's secret held partner credentials, now removed.
    pub stripped: bool,
    /// The stack secret was absent and was written from them.
    pub partner_written: bool,
}

/// Strips the partner's credentials from a connection's secret (`name`), writing them as
/// the stack's partner secret (`partner_name`) first if it does not exist. Safe to run again.
pub async fn migrate(
    secrets: &dyn SecretStore,
    name: &str,
    partner_name: &str,
) -> Result<Migrated, String> {
    let mut done = Migrated {
        stripped: false,
        partner_written: false,
    };
    let Some(raw) = secrets.get(name).await.map_err(|e| e.to_string())? else {
        return Ok(done);
    };
    let secret: Secret = serde_json::from_str(&raw).map_err(|e| format!("{name}: {e}"))?;
    let Some(legacy) = secret.legacy_partner() else {
        return Ok(done);
    };
    if secrets
        .get(partner_name)
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        legacy.write(secrets, partner_name).await?;
        done.partner_written = true;
    }
    // Serialising leaves the legacy fields out.
    let json = serde_json::to_string(&secret).map_err(|e| e.to_string())?;
    secrets.put(name, &json).await.map_err(|e| e.to_string())?;
    done.stripped = true;
    Ok(done)
}
