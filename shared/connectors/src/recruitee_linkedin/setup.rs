//! C5.1 and C5.3: connecting and activation.
//!
//! Connecting checks at once, each problem on its field: the Recruitee company and token,
//! the partner's LinkedIn application, the chosen contract (a customer may have several;
//! only Recruiter Corporate and RPS are eligible, never Lite) and that the person enabling
//! has admin or product-settings permission on it. Then the customer's child application
//! is provisioned under `uniqueForeignId = renkei:{tenant}:{connection}` — looked up first
//! and again after an unclear answer, so a lost answer never makes a second one — the
//! integrations are enabled and the CALLBACK_URL set to this connection's webhook address.
//!
//! LinkedIn enables asynchronously: the activation status (pending → active | failed) is
//! kept (`A`), refreshed by every run and on request ([`refresh`], "notify partner"); the
//! historical sync starts in the first run that finds it active.

use super::{NAME, Secret, Settings, cadence};
use chrono::{DateTime, Utc};
use renkei_core::ports::{Condition, SecretStore, StateStore, StoreError};
use renkei_core::repo::{Connection, Repo};
use renkei_core::setup::{ProblemKind, SetupProblem, SetupProblems};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::VendorError;
use renkei_vendors::base_url;
use renkei_vendors::linkedin::{Activation, ChildApp, LinkedinClient, integration_context};
use renkei_vendors::recruitee::RecruiteeClient;
use serde::{Deserialize, Serialize};

/// What connecting needs.
#[derive(Debug, Clone)]
pub struct SetupInput {
    /// Owner.
    pub tenant_id: TenantId,
    /// New connection id.
    pub connection_id: ConnectionId,
    /// Settings (company, organization, contract…).
    pub settings: Settings,
    /// Credentials (the child application is added by provisioning).
    pub secret: Secret,
    /// The LinkedIn member (email) enabling the integration on the contract.
    pub enabled_by: String,
    /// The webhook ingress's base URL (`https://…/webhooks`): the CALLBACK_URL is
    /// `{base}/linkedin/{tenant}/{connection}`.
    pub webhook_base: String,
}

/// Where activation stands (`A`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationState {
    /// pending, active or failed.
    pub status: Activation,
    /// LinkedIn's words on it.
    pub message: String,
    /// Last asked.
    pub checked_at: DateTime<Utc>,
}

impl ActivationState {
    const SK: &'static str = "A";

    /// The stored state of a connection.
    pub async fn read(
        store: &dyn StateStore,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Option<Self>, StoreError> {
        Ok(Repo::new(store)
            .own_get::<Self>(t, c, Self::SK)
            .await?
            .map(|(a, _)| a))
    }

    async fn save(
        &self,
        store: &dyn StateStore,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<(), StoreError> {
        Repo::new(store)
            .own_put(t, c, Self::SK, self, Condition::Always, None)
            .await
    }
}

fn problem(kind: ProblemKind, field: &str, message: impl Into<String>) -> SetupProblem {
    SetupProblem::new(kind, message).at(field)
}

fn unavailable(e: impl std::fmt::Display) -> SetupProblems {
    SetupProblem::new(
        ProblemKind::Unavailable,
        format!("connecting could not finish: {e}"),
    )
    .into()
}

/// The child application's unique foreign id: renkei's tenant and connection.
pub fn unique_foreign_id(t: &TenantId, c: &ConnectionId) -> String {
    format!("renkei:{t}:{c}")
}

/// The child application of this connection: looked up, provisioned if there is none, and
/// looked up again when the provisioning answer was unclear (it may have been created).
async fn child_app(
    partner: &LinkedinClient,
    ufid: &str,
    name: &str,
) -> Result<ChildApp, VendorError> {
    if let Some(app) = partner.find_child(ufid).await? {
        return Ok(app);
    }
    match partner.provision_child(ufid, name).await {
        Ok(app) => Ok(app),
        Err(e @ (VendorError::Retryable { .. } | VendorError::Permanent { status: 409, .. })) => {
            partner.find_child(ufid).await?.ok_or(e)
        }
        Err(e) => Err(e),
    }
}

/// Checks everything, provisions and enables; stores the connection.
pub async fn setup(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    mut input: SetupInput,
    now: DateTime<Utc>,
) -> Result<Connection, SetupProblems> {
    let (t, c) = (input.tenant_id.clone(), input.connection_id.clone());
    let s = &mut input.settings;
    s.company_id = s.company_id.trim().to_string();
    s.organization = s
        .organization
        .trim()
        .trim_start_matches("urn:li:organization:")
        .to_string();
    s.contract = s
        .contract
        .trim()
        .trim_start_matches("urn:li:contract:")
        .to_string();
    let mut problems = Vec::new();
    if s.company_id.is_empty() {
        problems.push(problem(ProblemKind::Setting, "company_id", "the Recruitee company id is needed (Settings > Company: the number in the API address)"));
    }
    if s.organization.is_empty() || !s.organization.chars().all(|c| c.is_ascii_digit()) {
        problems.push(problem(
            ProblemKind::Setting,
            "organization",
            "the LinkedIn organization id is a number",
        ));
    }
    if !input.enabled_by.contains('@') {
        problems.push(problem(
            ProblemKind::Setting,
            "enabled_by",
            "the LinkedIn member enabling RSC, by email",
        ));
    }
    let urls = [
        ("recruitee_url", s.recruitee_url.as_deref()),
        ("linkedin_api_url", Some(s.linkedin_api_url.as_str())),
        ("linkedin_oauth_url", Some(s.linkedin_oauth_url.as_str())),
        ("webhook_base", Some(input.webhook_base.as_str())),
    ];
    for (field, url) in urls {
        if let Some(Err(e)) = url.map(|u| base_url::check(field, u)) {
            problems.push(e.problem());
        }
    }
    // Recruitee's webhook secret: long enough, and none of the API credentials.
    problems.extend(renkei_core::config::Configurable::problems(&input.secret));
    if !problems.is_empty() {
        return Err(SetupProblems(problems));
    }
    let settings = input.settings.clone();
    let recruitee = RecruiteeClient::new(settings.recruitee(), &input.secret.recruitee_token)
        .map_err(unavailable)?;
    match recruitee.offers().await {
        Ok(_) => {}
        Err(VendorError::Auth { message, .. }) => {
            problems.push(problem(
                ProblemKind::Credentials,
                "recruitee_token",
                message,
            ));
        }
        Err(VendorError::Permanent { status: 404, .. }) => problems.push(problem(
            ProblemKind::Setting,
            "company_id",
            format!("Recruitee has no company {}", settings.company_id),
        )),
        Err(e) => return Err(unavailable(e.at_setup())),
    }
    let config = settings.linkedin();
    let partner = LinkedinClient::new(
        &config,
        &input.secret.partner_client_id,
        &input.secret.partner_client_secret,
    )
    .map_err(unavailable)?;
    match partner.contracts(&settings.organization).await {
        Ok(contracts) => match contracts.iter().find(|k| k.id == settings.contract) {
            None => problems.push(problem(
                ProblemKind::Setting,
                "contract",
                format!(
                    "organization {} has no Recruiter contract {:?}; its contracts: {}",
                    settings.organization,
                    settings.contract,
                    if contracts.is_empty() {
                        "none".to_string()
                    } else {
                        contracts
                            .iter()
                            .map(|k| format!("{} ({}, {})", k.id, k.name, k.kind))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            )),
            Some(k) if !k.eligible() => problems.push(problem(
                ProblemKind::Permissions,
                "contract",
                format!(
                    "contract {} is {}: only Recruiter Corporate and Recruiter Professional Services (RPS) contracts can use Recruiter System Connect; Recruiter Lite cannot",
                    k.id, k.kind
                ),
            )),
            Some(k) if !k.may_enable(&input.enabled_by) => problems.push(problem(
                ProblemKind::Permissions,
                "enabled_by",
                format!(
                    "{} has no admin or product-settings permission on contract {}: ask the contract's admin to enable it or to give you that role",
                    input.enabled_by, k.id
                ),
            )),
            Some(_) => {}
        },
        Err(VendorError::Auth { message, .. }) => problems.push(problem(
            ProblemKind::Credentials,
            "partner_client_secret",
            message,
        )),
        Err(e) => return Err(unavailable(e.at_setup())),
    }
    if !problems.is_empty() {
        return Err(SetupProblems(problems));
    }

    let ufid = unique_foreign_id(&t, &c);
    let child = child_app(&partner, &ufid, &format!("renkei {t}/{c}"))
        .await
        .map_err(unavailable)?;
    input.secret.child = Some(child.clone());
    let context = integration_context(&settings.organization);
    let customer = LinkedinClient::new(&config, &child.client_id, &child.client_secret)
        .map_err(unavailable)?;
    customer
        .enable_integrations(&context, &settings.contract, &input.enabled_by)
        .await
        .map_err(unavailable)?;
    let callback = format!(
        "{}/linkedin/{t}/{c}",
        input.webhook_base.trim_end_matches('/')
    );
    customer
        .set_callback_url(&context, &callback)
        .await
        .map_err(unavailable)?;

    let secret_name = renkei_core::repo::secret_name(NAME, &t, &c);
    let secret_json = serde_json::to_string(&input.secret).map_err(unavailable)?;
    secrets
        .put(&secret_name, &secret_json)
        .await
        .map_err(unavailable)?;
    // The endpoints' own copies (Recruitee's signing secret; the child application's secret
    // and id for LinkedIn): all the webhooks function reads, never the Recruitee token or the
    // partner credentials.
    let whole = serde_json::to_value(&input.secret).map_err(unavailable)?;
    renkei_core::webhook::store_endpoint_secrets(secrets, super::WEBHOOKS, &t, &c, &whole)
        .await
        .map_err(unavailable)?;
    ActivationState {
        status: Activation::Pending,
        message: "LinkedIn is enabling the integrations".into(),
        checked_at: now,
    }
    .save(store, &t, &c)
    .await
    .map_err(unavailable)?;
    let mut settings = settings;
    // Members' authorizations (C5.4) come back to the same address.
    settings.callback_url = Some(callback);
    let settings_json = serde_json::to_value(&settings).map_err(unavailable)?;
    let cadence = cadence();
    let conn = Connection::new(t, c, NAME, settings_json, cadence, now, now);
    Repo::new(store)
        .put_connection(&conn, None)
        .await
        .map_err(|e| match e {
            StoreError::ConditionFailed => SetupProblem::new(
                ProblemKind::Exists,
                format!("connection {} exists already", conn.connection_id),
            )
            .into(),
            other => unavailable(other),
        })?;
    Ok(conn)
}

/// C5.3 "notify partner": asks LinkedIn where activation stands and keeps the answer.
pub async fn check(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    customer: &LinkedinClient,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<ActivationState, renkei_core::engine::SyncError> {
    let known = ActivationState::read(store, t, c).await?;
    if let Some(a) = known.filter(|a| a.status == Activation::Active) {
        return Ok(a);
    }
    let (status, message) = customer
        .activation(&integration_context(&settings.organization))
        .await?;
    let state = ActivationState {
        status,
        message,
        checked_at: now,
    };
    state.save(store, t, c).await?;
    Ok(state)
}

/// Reads a connection's settings and secret and checks its activation (the CLI's and the
/// admin surface's "notify partner").
pub async fn refresh(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
    now: DateTime<Utc>,
) -> Result<ActivationState, renkei_core::engine::SyncError> {
    let l = super::accounts::Linked::open(store, secrets, t, c).await?;
    check(store, t, c, &l.linkedin, &l.settings, now).await
}
