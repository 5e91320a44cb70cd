//! C5 in the testbed: the demo company's Recruitee (candidates with placements, stages,
//! notes and interview feedback) and its LinkedIn organization with two Recruiter contracts
//! (Corporate and Lite), the partner's parent application, and a connection between them.

use crate::SandboxEnv;
use renkei_connectors::recruitee_linkedin::{self as c5, Secret, SetupInput};
use renkei_core::{Clock, ConnectionId};
use renkei_sandbox::{LinkedinOrganization, RecruiteeLoad, RecruiteeSetup, WebhookTarget};
use serde_json::json;

/// The demo company's Recruitee company id.
pub const RECRUITEE_COMPANY: &str = "70001";
/// Its personal API token.
pub const RECRUITEE_TOKEN: &str = "recruitee-demo-token";
/// Its webhook secret.
pub const RECRUITEE_WEBHOOK_SECRET: &str = "recruitee-demo-webhook-secret";
/// renkei's parent application on LinkedIn.
pub const PARTNER_ID: &str = "renkei-partner";
/// Its secret.
pub const PARTNER_SECRET: &str = "renkei-partner-secret";
/// The demo company's LinkedIn organization.
pub const LINKEDIN_ORG: &str = "5550001";
/// Its Recruiter Corporate contract.
pub const CONTRACT_CORPORATE: &str = "900100";
/// Its Recruiter Lite contract.
pub const CONTRACT_LITE: &str = "900200";
/// A contract admin.
pub const LINKEDIN_ADMIN: &str = "admin@demo-gmbh.example";
/// A recruiter without settings permission.
pub const LINKEDIN_RECRUITER: &str = "recruiter@demo-gmbh.example";
/// The demo tenant's C5 connection.
pub const LINKEDIN_CONNECTION: &str = "recruitee-linkedin";

impl SandboxEnv {
    /// Sets up the demo company's Recruitee (with `candidates` loaded), its LinkedIn
    /// organization and the partner application.
    pub fn recruitee_linkedin_accounts(&self, candidates: usize) -> Result<(), String> {
        self.sandbox.recruitee_company(
            RECRUITEE_COMPANY,
            RecruiteeSetup {
                token: RECRUITEE_TOKEN.into(),
                per_minute: None,
                webhook: Some(WebhookTarget {
                    tenant: crate::TENANT.into(),
                    connection: LINKEDIN_CONNECTION.into(),
                    secret: RECRUITEE_WEBHOOK_SECRET.into(),
                }),
            },
        );
        self.sandbox.recruitee_load(
            RECRUITEE_COMPANY,
            &RecruiteeLoad {
                candidates,
                offers: 8,
                seed: 7,
            },
        )?;
        self.sandbox.linkedin_partner(PARTNER_ID, PARTNER_SECRET);
        let users = json!({LINKEDIN_ADMIN: ["ADMIN"], LINKEDIN_RECRUITER: ["RECRUITER"]});
        self.sandbox.linkedin_organization(
            LINKEDIN_ORG,
            LinkedinOrganization {
                contracts: vec![
                    json!({"id": CONTRACT_CORPORATE, "name": "Demo GmbH Recruiter", "type": "RECRUITER_CORPORATE", "users": users}),
                    json!({"id": CONTRACT_LITE, "name": "Demo GmbH Lite", "type": "RECRUITER_LITE", "users": users}),
                ],
            },
        );
        Ok(())
    }

    /// Settings of a C5 connection against this sandbox.
    pub fn linkedin_settings(&self, contract: &str) -> c5::Settings {
        let mut s = c5::Settings::new(RECRUITEE_COMPANY, LINKEDIN_ORG, contract);
        s.recruitee_url = Some(format!(
            "http://{}/recruitee/c/{RECRUITEE_COMPANY}",
            self.addr
        ));
        s.linkedin_api_url = format!("http://{}/linkedin", self.addr);
        s.linkedin_oauth_url = format!("http://{}/linkedin", self.addr);
        s.recruitee_per_minute = None;
        s
    }

    /// The demo company's C5 secret (before provisioning).
    pub fn linkedin_secret(&self) -> Secret {
        Secret {
            recruitee_token: RECRUITEE_TOKEN.into(),
            recruitee_webhook_secret: Some(RECRUITEE_WEBHOOK_SECRET.into()),
            partner_client_id: PARTNER_ID.into(),
            partner_client_secret: PARTNER_SECRET.into(),
            child: None,
        }
    }

    /// Connects Recruitee to LinkedIn for the demo tenant, enabled by `enabled_by`.
    pub async fn connect_linkedin(
        &self,
        settings: c5::Settings,
        enabled_by: &str,
    ) -> Result<ConnectionId, String> {
        let c = ConnectionId::new(LINKEDIN_CONNECTION).map_err(|e| e.to_string())?;
        let input = SetupInput {
            tenant_id: self.tenant(),
            connection_id: c.clone(),
            settings,
            secret: self.linkedin_secret(),
            enabled_by: enabled_by.into(),
            webhook_base: format!("http://{}/webhooks", self.addr),
        };
        c5::setup(
            &self.backend.store,
            &self.backend.secrets,
            input,
            self.clock.now(),
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(c)
    }
}
