//! C5 in the testbed: the demo company's Recruitee (candidates with placements, stages,
//! notes and interview feedback) and its LinkedIn organization with two Recruiter contracts
//! (Corporate and Lite), the sandbox's own partner application (registered with the
//! simulator and kept as the local stack's partner secret), and a connection between them,
//! onboarded as a customer's admin does it: LinkedIn's widget saved on the onboarding page's
//! origin, then "notify partner".

use crate::SandboxEnv;
use renkei_connectors::recruitee_linkedin::{self as c5, Secret, SetupInput, partner};
use renkei_core::ports::SecretStore;
use renkei_core::{Clock, ConnectionId};
use renkei_sandbox::{LinkedinOrganization, RecruiteeLoad, RecruiteeSetup, Sandbox, WebhookTarget};
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
/// The bundles an admin ticks in LinkedIn's widget for renkei's RSC.
pub const RSC_BUNDLES: &[&str] = &[
    "RECRUITER_SYSTEM_CONNECT_COMPANY",
    "RECRUITER_SYSTEM_CONNECT_CONTRACT",
];

/// The sandbox's own partner application: registered with its LinkedIn simulator and kept
/// as the local stack's partner secret (what `renkei sandbox`, the demo and the tests use in
/// place of the deployment's).
pub async fn install_partner(sandbox: &Sandbox, secrets: &dyn SecretStore) -> Result<(), String> {
    sandbox.linkedin().partner(PARTNER_ID, PARTNER_SECRET);
    partner::PartnerApp {
        client_id: PARTNER_ID.into(),
        client_secret: PARTNER_SECRET.into(),
    }
    .write(secrets, &partner::secret_name())
    .await
}

impl SandboxEnv {
    /// Sets up the demo company's Recruitee (with `candidates` loaded), its LinkedIn
    /// organization and the partner application.
    pub fn recruitee_linkedin_accounts(&self, candidates: usize) -> Result<(), String> {
        self.sandbox.recruitee().company(
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
        self.sandbox.recruitee().load(
            RECRUITEE_COMPANY,
            &RecruiteeLoad {
                candidates,
                offers: 8,
                seed: 7,
            },
        )?;
        // The contract's seat holders: its admin, a recruiter, and the two members the team
        // links to (seatsV2 lists them; their InMails' stubs are read by seat).
        let users = json!({LINKEDIN_ADMIN: ["ADMIN"], LINKEDIN_RECRUITER: ["RECRUITER"],
            "rita@demo-gmbh.example": ["RECRUITER"], "hans@demo-gmbh.example": ["RECRUITER"]});
        self.sandbox.linkedin().organization(
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
        s.linkedin_platform_url = format!("http://{}/linkedin", self.addr);
        s.onboarding_url = Some(self.onboarding_origin());
        s.recruitee_per_minute = None;
        s
    }

    /// Where the testbed's onboarding page is (as served by the stack's admin API).
    pub fn onboarding_origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The demo company's C5 secret (Recruitee's credentials: all a connection takes).
    pub fn linkedin_secret(&self) -> Secret {
        Secret::new(RECRUITEE_TOKEN, Some(RECRUITEE_WEBHOOK_SECRET))
    }

    /// Connects Recruitee to LinkedIn for the demo tenant and onboards it: the connection's
    /// LinkedIn application provisioned (as its first run does), then [`Self::onboard_linkedin`]
    /// by `enabled_by` on the settings' contract. Errors name LinkedIn's refusal.
    pub async fn connect_linkedin(
        &self,
        settings: c5::Settings,
        enabled_by: &str,
    ) -> Result<ConnectionId, String> {
        let contract = settings.contract.clone();
        let c = self.connect_linkedin_only(settings).await?;
        self.onboard_linkedin(&c, enabled_by, &contract).await?;
        Ok(c)
    }

    /// Connects and provisions, without onboarding.
    pub async fn connect_linkedin_only(
        &self,
        settings: c5::Settings,
    ) -> Result<ConnectionId, String> {
        let c = ConnectionId::new(LINKEDIN_CONNECTION).map_err(|e| e.to_string())?;
        let input = SetupInput {
            tenant_id: self.tenant(),
            connection_id: c.clone(),
            settings,
            secret: self.linkedin_secret(),
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
        partner::provision_now(
            &self.backend.store,
            &self.backend.secrets,
            &self.tenant(),
            &c,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(c)
    }

    /// The customer's admin `member` saves LinkedIn's widget on the onboarding page with
    /// RSC ticked on `contract`, and the page notifies renkei ("notify partner").
    pub async fn onboard_linkedin(
        &self,
        c: &ConnectionId,
        member: &str,
        contract: &str,
    ) -> Result<c5::ActivationState, String> {
        let secret: Secret = self
            .backend
            .secrets
            .get(&renkei_core::repo::secret_name(c5::NAME, &self.tenant(), c))
            .await
            .map_err(|e| e.to_string())?
            .and_then(|s| serde_json::from_str(&s).ok())
            .ok_or("no connection secret")?;
        let child = secret.child.ok_or("no child application provisioned")?;
        let bundles: Vec<String> = RSC_BUNDLES.iter().map(|b| b.to_string()).collect();
        self.sandbox
            .linkedin()
            .pre_authorize(
                &child.client_id,
                Some(&self.onboarding_origin()),
                member,
                contract,
                &bundles,
            )
            .await
            .map_err(|(status, m)| format!("LinkedIn's widget refused ({status}): {m}"))?;
        c5::refresh(
            &self.backend.store,
            &self.backend.secrets,
            &self.tenant(),
            c,
            self.clock.now(),
        )
        .await
        .map_err(|e| e.to_string())
    }
}

/// The demo company's Recruitee admin (every job), linked as LinkedIn member `rita`.
pub const TEAM_ADMIN: u64 = 501;
/// A hiring manager who may access the first job only, linked as LinkedIn member `hans`.
pub const TEAM_HIRING_MANAGER: u64 = 502;
/// A recruiter who never links a LinkedIn account.
pub const TEAM_UNLINKED: u64 = 503;

impl SandboxEnv {
    /// The first job's id (the hiring manager's only one).
    pub fn first_job(&self) -> u64 {
        self.sandbox
            .recruitee()
            .offers(RECRUITEE_COMPANY)
            .ok()
            .and_then(|o| o.first().and_then(|o| o["id"].as_u64()))
            .unwrap_or_default()
    }

    /// The team in Recruitee (an admin, a hiring manager with the first job, an unlinked
    /// recruiter) and LinkedIn's members: the team's seats `rita`, `hans`, and two
    /// candidates-to-be, `maria` (Backend Engineer at Acme) and `mario` (a namesake).
    pub fn recruiter_team(&self) -> Result<(), String> {
        use renkei_sandbox::RecruiteeMember as M;
        let first = self.first_job();
        for (id, name, role, offers) in [
            (TEAM_ADMIN, "Rita Recruiter", "admin", vec![]),
            (
                TEAM_HIRING_MANAGER,
                "Hans Hiring",
                "hiring_manager",
                vec![first],
            ),
            (TEAM_UNLINKED, "Uwe Unlinked", "recruiter", vec![first]),
        ] {
            self.sandbox.recruitee().member(
                RECRUITEE_COMPANY,
                id,
                M {
                    name: name.into(),
                    email: format!(
                        "{}@demo-gmbh.example",
                        name.to_lowercase().replace(' ', ".")
                    ),
                    role: role.into(),
                    offer_ids: offers,
                },
            )?;
        }
        for (id, first, last, title, company, email) in [
            (
                "rita",
                "Rita",
                "Recruiter",
                "Talent Partner",
                "Demo GmbH",
                "rita@demo-gmbh.example",
            ),
            (
                "hans",
                "Hans",
                "Hiring",
                "Engineering Lead",
                "Demo GmbH",
                "hans@demo-gmbh.example",
            ),
            (
                "maria",
                "Maria",
                "Schulz",
                "Backend Engineer",
                "Acme",
                "maria.schulz@example.net",
            ),
            (
                "mario",
                "Mario",
                "Schulz",
                "Sales Manager",
                "Other AG",
                "mario@example.net",
            ),
        ] {
            self.sandbox.linkedin().member(
                id,
                json!({"firstName": first, "lastName": last, "title": title,
                    "company": company, "email": email, "phone": "+49 170 0000000",
                    "headline": format!("{title} at {company}")}),
            );
        }
        Ok(())
    }

    /// Links team member `admin` to LinkedIn member `member` the way a person does: the
    /// authorization URL renkei gives, the member's consent on LinkedIn, the browser sent
    /// back to renkei's callback over HTTP. Answers renkei's answer to the browser.
    pub async fn link_account(
        &self,
        c: &ConnectionId,
        admin: u64,
        member: &str,
    ) -> Result<serde_json::Value, String> {
        let start = c5::admin::handle(
            &self.backend.store,
            &self.backend.secrets,
            &self.tenant(),
            c,
            c5::admin::Action::Link { team_member: admin },
            self.clock.now(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let c5::admin::Answer::Link(start) = start else {
            return Err("no authorize_url".into());
        };
        let url = &start.authorize_url;
        let redirect = self.sandbox.linkedin().consent(url, member)?;
        let answer = reqwest::get(&redirect).await.map_err(|e| e.to_string())?;
        let status = answer.status();
        let body: serde_json::Value = answer.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(format!("{status}: {body}"))
        }
    }

    /// One admin action of the C5 connection.
    pub async fn linkedin_admin(
        &self,
        c: &ConnectionId,
        action: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let action = c5::admin::Action::from_body(action, &body).map_err(|e| e.to_string())?;
        c5::admin::handle(
            &self.backend.store,
            &self.backend.secrets,
            &self.tenant(),
            c,
            action,
            self.clock.now(),
        )
        .await
        .map(|answer| answer.to_json())
        .map_err(|e| e.to_string())
    }
}
