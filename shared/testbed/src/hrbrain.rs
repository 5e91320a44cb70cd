//! C3 in the testbed: the demo company's HRBrain and Mikiwame accounts and connecting them.

use crate::SandboxEnv;
use renkei_connectors::hrbrain_mikiwame::{self as c3, Secret, Settings, SetupInput};
use renkei_core::repo::Role;
use renkei_core::{Clock, ConnectionId};
use renkei_sandbox::{HrbrainSetup, MikiwameSetup, WebhookTarget};

/// The demo company's HRBrain subdomain (C3's client ID).
pub const HRBRAIN_SUBDOMAIN: &str = "demo-co";
/// Its public-API token (C3's client secret).
pub const HRBRAIN_TOKEN: &str = "demo-hrbrain-token";
/// The signing secret of its Webhook設定.
pub const HRBRAIN_WEBHOOK_SECRET: &str = "demo-hrbrain-webhook-secret";
/// The demo company's Mikiwame API key.
pub const MIKIWAME_KEY: &str = "demo-mikiwame-key";
/// The demo tenant's C3 connection.
pub const HRBRAIN_CONNECTION: &str = "hrbrain-mikiwame";

impl SandboxEnv {
    /// Sets the demo company's HRBrain (both scopes) and Mikiwame accounts up, unlimited.
    pub(crate) fn hrbrain_accounts(&self) {
        self.sandbox.hrbrain().company(
            HRBRAIN_SUBDOMAIN,
            HrbrainSetup {
                token: HRBRAIN_TOKEN.into(),
                scopes: vec!["member:read".into(), "organization:read".into()],
                per_minute: None,
            },
        );
        self.sandbox
            .mikiwame()
            .company(MIKIWAME_KEY, MikiwameSetup::default());
    }

    /// Settings of a C3 connection against this sandbox (no client-side rate limits).
    pub fn hrbrain_settings(&self) -> Settings {
        Settings {
            subdomain: HRBRAIN_SUBDOMAIN.into(),
            hrbrain_url: Some(format!("http://{}/hrbrain/{HRBRAIN_SUBDOMAIN}", self.addr)),
            mikiwame_url: format!("http://{}/mikiwame", self.addr),
            organization_id: None,
            page_size: 100,
            hrbrain_per_minute: None,
            mikiwame_per_minute: None,
        }
    }

    /// The demo company's C3 secret.
    pub fn hrbrain_secret(&self) -> Secret {
        Secret {
            hrbrain_token: HRBRAIN_TOKEN.into(),
            mikiwame_api_key: MIKIWAME_KEY.into(),
            webhook_secret: Some(HRBRAIN_WEBHOOK_SECRET.into()),
        }
    }

    /// Connects the demo tenant's HRBrain to Mikiwame (with an admin user) and points
    /// HRBrain's Webhook設定 at the connection.
    pub async fn connect_hrbrain(&self, settings: Settings) -> Result<ConnectionId, String> {
        let t = self.tenant();
        let c = ConnectionId::new(HRBRAIN_CONNECTION).map_err(|e| e.to_string())?;
        self.add_user("admin@demo-co.example", Role::Admin).await?;
        let input = SetupInput {
            tenant_id: t.clone(),
            connection_id: c.clone(),
            secret: self.hrbrain_secret(),
            settings,
        };
        c3::setup(
            &self.backend.store,
            &self.backend.secrets,
            self.clock.now(),
            input,
        )
        .await
        .map_err(|e| e.to_string())?;
        self.sandbox.hrbrain().webhook(
            HRBRAIN_SUBDOMAIN,
            WebhookTarget {
                tenant: t.to_string(),
                connection: c.to_string(),
                secret: HRBRAIN_WEBHOOK_SECRET.into(),
            },
        )?;
        Ok(c)
    }
}
