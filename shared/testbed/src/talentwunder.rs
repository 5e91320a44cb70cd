//! C4 in the testbed: the demo company's Personio (three open positions and a channel) and
//! its Talentwunder connection, with uploads sent as Talentwunder sends them.

use crate::SandboxEnv;
use renkei_connectors::talentwunder_personio::{self as c4, ConnectionSecret, SetupInput, links};
use renkei_core::repo::Role;
use renkei_core::{Clock, ConnectionId};
use renkei_sandbox::{PersonioJob, PersonioSetup};
use serde_json::Value;

/// The demo company's Personio company ID.
pub const PERSONIO_COMPANY: &str = "123456";
/// Its legacy (v1) Recruiting API access token.
pub const PERSONIO_TOKEN: &str = "papi-demo-recruiting-token";
/// Its API credential (v2): client ID.
pub const PERSONIO_CLIENT_ID: &str = "papi-demo-client-id";
/// Its API credential (v2): client secret.
pub const PERSONIO_CLIENT_SECRET: &str = "papi-demo-client-secret-0123456789";
/// Its jobs domain (`demo-gmbh.jobs.personio.de`).
pub const PERSONIO_DOMAIN: &str = "demo-gmbh";
/// Its Talentwunder channel.
pub const PERSONIO_CHANNEL: u64 = 987;
/// The secret Talentwunder signs uploads with.
pub const TALENTWUNDER_SECRET: &str = "demo-talentwunder-upload-secret";
/// The demo tenant's C4 connection.
pub const PERSONIO_CONNECTION: &str = "talentwunder-personio";
/// The demo Talentwunder project, linked to [`PERSONIO_JOBS`]' first job.
pub const TALENTWUNDER_PROJECT: &str = "proj-backend";
/// The demo company's positions: `(id, title, office)`.
pub const PERSONIO_JOBS: &[(u64, &str, &str)] = &[
    (4103, "Backend-Entwickler:in (m/w/d)", "Berlin"),
    (4104, "Data Engineer (m/w/d)", "München"),
    (4105, "Recruiter:in Tech & Product", "Köln"),
];

impl SandboxEnv {
    /// The demo company's Personio as `setup` says, with the demo positions, its legacy
    /// token and its API credential (with the recruiting read scope).
    pub fn personio_setup(&self) -> PersonioSetup {
        let mut setup = PersonioSetup {
            token: PERSONIO_TOKEN.into(),
            domain: PERSONIO_DOMAIN.into(),
            jobs: PERSONIO_JOBS
                .iter()
                .map(|(id, name, office)| PersonioJob {
                    id: *id,
                    name: (*name).into(),
                    office: (*office).into(),
                    department: "Tech".into(),
                    published: true,
                })
                .collect(),
            channels: vec![PERSONIO_CHANNEL],
            custom_attributes: vec!["custom_attribute_7".into()],
            ..PersonioSetup::default()
        };
        // Built from JSON: the sandbox does not name the client type.
        setup.oauth_clients = serde_json::from_value(serde_json::json!([{
            "client_id": PERSONIO_CLIENT_ID, "client_secret": PERSONIO_CLIENT_SECRET,
            "scopes": ["personio:recruiting:read"],
        }]))
        .unwrap_or_default();
        setup
    }

    /// Sets the demo company's Personio up (unlimited).
    pub(crate) fn personio_accounts(&self) {
        self.sandbox
            .personio()
            .company(PERSONIO_COMPANY, self.personio_setup());
    }

    /// Settings of a C4 connection against this sandbox (no client-side limit).
    pub fn personio_settings(&self) -> c4::Settings {
        let mut s = c4::Settings::new(PERSONIO_COMPANY, PERSONIO_DOMAIN, Some(PERSONIO_CHANNEL));
        s.api_url = Some(format!("http://{}/personio", self.addr));
        s.jobs_site_url = Some(format!(
            "http://{}/personio/jobs/{PERSONIO_DOMAIN}",
            self.addr
        ));
        s.per_minute = None;
        s.custom_attributes
            .insert("current_title".into(), "custom_attribute_7".into());
        s
    }

    /// The demo company's legacy (v1) C4 secret: a connection made before v2.
    pub fn personio_secret(&self) -> ConnectionSecret {
        ConnectionSecret::legacy(PERSONIO_TOKEN, TALENTWUNDER_SECRET)
    }

    /// The demo company's C4 secret as new connections have it (v2 client credentials).
    pub fn personio_oauth_secret(&self) -> ConnectionSecret {
        ConnectionSecret::oauth(
            PERSONIO_CLIENT_ID,
            PERSONIO_CLIENT_SECRET,
            TALENTWUNDER_SECRET,
        )
    }

    /// Connects the demo tenant's Personio with v2 credentials (with a recruiter) and links
    /// the demo project to the first demo job.
    pub async fn connect_personio(&self, settings: c4::Settings) -> Result<ConnectionId, String> {
        self.connect_personio_with(settings, self.personio_oauth_secret())
            .await
    }

    /// [`Self::connect_personio`] with the legacy (v1) token: a connection made before v2.
    pub async fn connect_personio_v1(
        &self,
        settings: c4::Settings,
    ) -> Result<ConnectionId, String> {
        self.connect_personio_with(settings, self.personio_secret())
            .await
    }

    /// Connects the demo tenant's Personio with `secret` and links the demo project.
    pub async fn connect_personio_with(
        &self,
        settings: c4::Settings,
        secret: ConnectionSecret,
    ) -> Result<ConnectionId, String> {
        let t = self.tenant();
        let c = ConnectionId::new(PERSONIO_CONNECTION).map_err(|e| e.to_string())?;
        self.add_user("recruiter@demo-gmbh.example", Role::Recruiter)
            .await?;
        let input = SetupInput {
            tenant_id: t.clone(),
            connection_id: c.clone(),
            secret,
            settings: settings.clone(),
        };
        c4::setup(
            &self.backend.store,
            &self.backend.secrets,
            self.clock.now(),
            input,
        )
        .await
        .map_err(|e| e.to_string())?;
        links::link(
            &self.backend.store,
            &t,
            &c,
            &settings,
            TALENTWUNDER_PROJECT,
            Some("Backend Hiring 2026".into()),
            PERSONIO_JOBS[0].0,
            self.clock.now(),
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(c)
    }

    /// Sends an upload of `profiles` for `project` as Talentwunder does (signed, through
    /// the webhook ingress); answers the HTTP status and the ingress's answer.
    pub async fn talentwunder_upload(
        &self,
        request_id: &str,
        project: &str,
        profiles: Vec<Value>,
    ) -> Result<(u16, Value), String> {
        let resp = reqwest::Client::new()
            .post(format!(
                "http://{}/_control/talentwunder/uploads",
                self.addr
            ))
            .json(&serde_json::json!({
                "tenant": self.tenant().as_str(), "connection": PERSONIO_CONNECTION,
                "secret": TALENTWUNDER_SECRET, "projectId": project, "requestId": request_id,
                "profiles": profiles, "sentAt": self.clock.now(),
            }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let v: Value = resp.json().await.map_err(|e| e.to_string())?;
        Ok((
            v["status"].as_u64().unwrap_or(0) as u16,
            v["answer"].clone(),
        ))
    }

    /// `count` generated profiles whose CV URLs point at this sandbox.
    pub fn talentwunder_profiles(
        &self,
        count: usize,
        duplicates: usize,
        bad: usize,
        seed: u64,
    ) -> Vec<Value> {
        renkei_sandbox::talentwunder_profiles(
            &format!("http://{}", self.addr),
            count,
            duplicates,
            bad,
            seed,
        )
    }
}
