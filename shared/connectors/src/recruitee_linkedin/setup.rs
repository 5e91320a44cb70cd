//! C5.1 and C5.3: connecting and activation, as LinkedIn documents onboarding
//! (docs/contracts/linkedin.md, "Onboarding").
//!
//! Connecting checks the Recruitee company and token and every address, each problem on its
//! field, and stores the connection; it calls no LinkedIn API and takes no partner
//! credentials (they are the deployment's, [`super::partner`]). The connection's first run
//! provisions the customer's child application. The customer's admin then opens the
//! onboarding page (a signed link, [`super::onboarding`]) and pre-authorizes the
//! integrations in LinkedIn's widget — LinkedIn checks there that the contract is Recruiter
//! Corporate or RPS and that the admin may enable it.
//!
//! Activation ([`check`], kept as `A`): the integrations the connection's organization and
//! contract need are read from LinkedIn (the INTEGRATION_STATUS_CHANGE notifications kept by
//! the webhook ingress first, then a batch GET of every key); once all are pre-authorized
//! renkei names them and sets CALLBACK_URL to the connection's webhook address; it is active
//! when LinkedIn reports every one enabled. Every pass checks until then, and "notify
//! partner" (the onboarding page's button, `renkei linkedin refresh`) checks at once.

use super::{NAME, Secret, Settings, cadence};
use chrono::{DateTime, Utc};
use renkei_core::engine::{REAL_TIME, SyncError};
use renkei_core::ports::{Condition, SecretStore, StateStore, StoreError};
use renkei_core::repo::{Connection, Repo};
use renkei_core::setup::{ProblemKind, SetupProblem, SetupProblems};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::VendorError;
use renkei_vendors::base_url;
use renkei_vendors::linkedin::{Activation, Integration, IntegrationKey, LinkedinClient};
use renkei_vendors::recruitee::RecruiteeClient;
use serde::{Deserialize, Serialize};

pub use super::partner::unique_foreign_id;

/// What connecting needs.
#[derive(Debug, Clone)]
pub struct SetupInput {
    /// Owner.
    pub tenant_id: TenantId,
    /// New connection id.
    pub connection_id: ConnectionId,
    /// Settings (company, organization, contract, where the onboarding page is served…).
    pub settings: Settings,
    /// The Recruitee credentials (the child application is added by provisioning).
    pub secret: Secret,
    /// The webhook ingress's base URL (`https://…/webhooks`): the CALLBACK_URL and the
    /// member sign-in redirect are `{base}/linkedin/{tenant}/{connection}`.
    pub webhook_base: String,
}

/// Where activation stands (`A`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationState {
    /// pending, active or failed.
    pub status: Activation,
    /// LinkedIn's words on it, or what is awaited.
    pub message: String,
    /// Last asked.
    pub checked_at: DateTime<Utc>,
    /// The CALLBACK_URL renkei set on LinkedIn (with the integrations' names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_synced: Option<String>,
}

impl ActivationState {
    const SK: &'static str = "A";

    /// The stored state of a connection. An INTEGRATION_STATUS_CHANGE LinkedIn sent since
    /// (kept by the webhook ingress) makes an active one pending until [`check`] read it:
    /// the customer may have switched an integration off.
    pub async fn read(
        store: &dyn StateStore,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Option<Self>, StoreError> {
        let repo = Repo::new(store);
        let Some((mut a, _)) = repo.own_get::<Self>(t, c, Self::SK).await? else {
            return Ok(None);
        };
        if a.status == Activation::Active {
            let kept: Vec<(String, serde_json::Value)> = repo
                .own_query(t, c, super::onboarding::STATUS_CHANGES)
                .await?;
            if !kept.is_empty() {
                a.status = Activation::Pending;
                a.message =
                    "LinkedIn notified a change of the integrations: the next check reads it"
                        .into();
            }
        }
        Ok(Some(a))
    }

    pub(super) async fn save(
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

/// Why a connection's settings and secret cannot be taken, each on its field.
fn problems(s: &mut Settings, secret: &Secret, webhook_base: &str) -> Vec<SetupProblem> {
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
    let number = |v: &str| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit());
    if !number(&s.organization) {
        problems.push(problem(
            ProblemKind::Setting,
            "organization",
            "the LinkedIn organization id is a number",
        ));
    }
    if !number(&s.contract) {
        problems.push(problem(
            ProblemKind::Setting,
            "contract",
            "the Recruiter contract id is a number (the customer may have several: name the one this connection is for)",
        ));
    }
    if s.onboarding_url.is_none() {
        problems.push(problem(
            ProblemKind::Setting,
            "onboarding_url",
            "where the stack serves the onboarding page (the admin API's URL, output AdminApiUrl): LinkedIn lets only that origin embed its widget",
        ));
    }
    let urls = [
        ("recruitee_url", s.recruitee_url.as_deref()),
        ("linkedin_api_url", Some(s.linkedin_api_url.as_str())),
        ("linkedin_oauth_url", Some(s.linkedin_oauth_url.as_str())),
        (
            "linkedin_platform_url",
            Some(s.linkedin_platform_url.as_str()),
        ),
        ("onboarding_url", s.onboarding_url.as_deref()),
        ("webhook_base", Some(webhook_base)),
    ];
    for (field, url) in urls {
        if let Some(Err(e)) = url.map(|u| base_url::check(field, u)) {
            problems.push(e.problem());
        }
    }
    if secret.legacy_partner().is_some() {
        problems.push(problem(
            ProblemKind::Credentials,
            "partner_client_id",
            "the LinkedIn partner application belongs to the deployment, never to a connection: leave partner_client_id and partner_client_secret out (an operator sets them once, `renkei linkedin partner`)",
        ));
    }
    // Recruitee's webhook secret: long enough, and none of the API credentials.
    problems.extend(renkei_core::config::Configurable::problems(secret));
    problems
}

/// Checks everything and stores the connection (its first run provisions LinkedIn's side).
pub async fn setup(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    mut input: SetupInput,
    now: DateTime<Utc>,
) -> Result<Connection, SetupProblems> {
    let (t, c) = (input.tenant_id.clone(), input.connection_id.clone());
    let found = problems(&mut input.settings, &input.secret, &input.webhook_base);
    if !found.is_empty() {
        return Err(SetupProblems(found));
    }
    // Before anything is written: a connect sent twice must not overwrite the live
    // connection's secret, endpoint secrets and activation (nor another connector's under
    // the same id). The conditional put below still catches a race between two.
    if Repo::new(store)
        .connection(&t, &c)
        .await
        .map_err(unavailable)?
        .is_some()
    {
        return Err(exists(&c));
    }
    let mut settings = input.settings.clone();
    // Real time: connecting asks Recruitee once, far inside any minute's budget.
    let recruitee =
        RecruiteeClient::new(settings.recruitee(REAL_TIME), &input.secret.recruitee_token)
            .map_err(unavailable)?;
    match recruitee.offers().await {
        Ok(_) => {}
        Err(VendorError::Auth { message, .. }) => {
            return Err(problem(ProblemKind::Credentials, "recruitee_token", message).into());
        }
        Err(VendorError::Permanent { status: 404, .. }) => {
            return Err(problem(
                ProblemKind::Setting,
                "company_id",
                format!("Recruitee has no company {}", settings.company_id),
            )
            .into());
        }
        Err(e) => return Err(unavailable(e.at_setup())),
    }
    let mut secret = input.secret;
    secret.child = None;
    secret.onboarding_key = Some(super::onboarding::new_key());
    let secret_name = renkei_core::repo::secret_name(NAME, &t, &c);
    let secret_json = serde_json::to_string(&secret).map_err(unavailable)?;
    secrets
        .put(&secret_name, &secret_json)
        .await
        .map_err(unavailable)?;
    // The endpoints' own copies (Recruitee's signing secret now; LinkedIn's when the child
    // application is provisioned): all the webhooks function reads.
    let whole = serde_json::to_value(&secret).map_err(unavailable)?;
    renkei_core::webhook::store_endpoint_secrets(secrets, super::WEBHOOKS, &t, &c, &whole)
        .await
        .map_err(unavailable)?;
    ActivationState {
        status: Activation::Pending,
        message: "the connection's first run provisions its LinkedIn application".into(),
        checked_at: now,
        callback_synced: None,
    }
    .save(store, &t, &c)
    .await
    .map_err(unavailable)?;
    // LinkedIn's notifications and members' authorizations (C5.4) come to this address.
    settings.callback_url = Some(format!(
        "{}/linkedin/{t}/{c}",
        input.webhook_base.trim_end_matches('/')
    ));
    let settings_json = serde_json::to_value(&settings).map_err(unavailable)?;
    let conn = Connection::new(t, c, NAME, settings_json, cadence(), now, now);
    Repo::new(store)
        .put_connection(&conn, None)
        .await
        .map_err(|e| match e {
            StoreError::ConditionFailed => exists(&conn.connection_id),
            other => unavailable(other),
        })?;
    Ok(conn)
}

fn exists(c: &ConnectionId) -> SetupProblems {
    SetupProblem::new(
        ProblemKind::Exists,
        format!("connection {c} exists already"),
    )
    .into()
}

/// The name renkei gives an integration (LinkedIn's Postman collection names them
/// "{customer} LinkedIn Recruiter … Integration").
fn integration_name(t: &TenantId, kind: &str) -> String {
    let what = match kind {
        "ONE_CLICK_EXPORT" => "One-Click Export",
        "IN_ATS_INDICATOR" => "ATS Indicator",
        "PROFILE_PLUGIN" => "Profile Plugin",
        other => other,
    };
    format!("{t} LinkedIn Recruiter {what} Integration")
}

/// Where LinkedIn stands on `got`: the state to keep, before naming and CALLBACK_URL.
fn verdict(got: &[(IntegrationKey, Option<Integration>)]) -> (Activation, String) {
    let missing: Vec<String> = got
        .iter()
        .filter(|(_, i)| i.is_none())
        .map(|(k, _)| format!("{} on {}", k.integration_type, k.integration_context))
        .collect();
    if missing.len() == got.len() {
        return (
            Activation::Pending,
            "waiting for the customer's LinkedIn admin to enable Recruiter System Connect in LinkedIn's widget on the onboarding page (`renkei linkedin onboarding-link`)".into(),
        );
    }
    if !missing.is_empty() {
        return (
            Activation::Pending,
            format!(
                "the customer's admin has not enabled {} in LinkedIn's widget",
                missing.join(", ")
            ),
        );
    }
    let present: Vec<&Integration> = got.iter().filter_map(|(_, i)| i.as_ref()).collect();
    if let Some(f) = present
        .iter()
        .find(|i| i.status.as_deref() == Some("FAILED"))
    {
        return (
            Activation::Failed,
            format!(
                "{} failed: {}",
                f.integration_type,
                f.message.as_deref().unwrap_or("no message")
            ),
        );
    }
    let enabled = present
        .iter()
        .filter(|i| i.status.as_deref() == Some("ENABLED"))
        .count();
    let all = got.len();
    if enabled == all {
        (
            Activation::Active,
            format!("{enabled} of {all} integrations enabled"),
        )
    } else {
        (
            Activation::Pending,
            format!(
                "waiting for LinkedIn to enable every integration ({enabled} of {all} enabled)"
            ),
        )
    }
}

/// Reads the INTEGRATION_STATUS_CHANGE notifications the webhook ingress kept (each is read
/// once, by its request id); answers what they said about other customers, if anything.
async fn status_changes(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    customer: &LinkedinClient,
    keys: &[IntegrationKey],
) -> Result<Option<String>, SyncError> {
    let repo = Repo::new(store);
    let kept: Vec<(String, super::onboarding::StatusChange)> = repo
        .own_query(t, c, super::onboarding::STATUS_CHANGES)
        .await?;
    let mut foreign = None;
    for (sk, n) in kept {
        let about = customer.integrations_of_request(&n.request_id).await?;
        // Callback URLs are one per customer: a notification about another customer's
        // integration is not this connection's to act on.
        if let Some(other) = about.iter().find(|i| !keys.contains(&i.key())) {
            foreign = Some(format!(
                "LinkedIn notified a change of {} on {}, which is not this connection's",
                other.integration_type, other.integration_context
            ));
        }
        repo.own_delete(t, c, &sk).await?;
    }
    Ok(foreign)
}

/// C5.3: asks LinkedIn where activation stands and keeps the answer (see the module doc).
pub async fn check(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    customer: &LinkedinClient,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<ActivationState, SyncError> {
    let known = ActivationState::read(store, t, c).await?;
    let keys = IntegrationKey::rsc(&settings.organization, &settings.contract);
    let noted = status_changes(store, t, c, customer, &keys).await?;
    let got = customer.integrations(&keys).await?;
    let (status, mut message) = verdict(&got);
    let callback = settings.callback_url.clone().ok_or_else(|| {
        SyncError::Permanent("this connection has no callback URL: connect again".into())
    })?;
    let mut synced = known.and_then(|k| k.callback_synced);
    let all_there = got.iter().all(|(_, i)| i.is_some());
    let unnamed = got
        .iter()
        .any(|(_, i)| i.as_ref().is_some_and(|i| i.integration_name.is_none()));
    if all_there && (unnamed || synced.as_deref() != Some(callback.as_str())) {
        let names: Vec<(IntegrationKey, String)> = keys
            .iter()
            .map(|k| (k.clone(), integration_name(t, &k.integration_type)))
            .collect();
        customer.name_integrations(&names).await?;
        let export = keys
            .iter()
            .find(|k| k.integration_type == "ONE_CLICK_EXPORT")
            .ok_or_else(|| SyncError::Permanent("no ONE_CLICK_EXPORT integration".into()))?;
        customer.set_callback_url(export, &callback).await?;
        synced = Some(callback);
    }
    if let Some(n) = noted {
        message = format!("{message}; {n}");
    }
    let state = ActivationState {
        status,
        message,
        checked_at: now,
        callback_synced: synced,
    };
    state.save(store, t, c).await?;
    Ok(state)
}

/// Reads a connection's settings and secret and checks its activation (the onboarding
/// page's "notify partner", the CLI's and the admin API's refresh).
pub async fn refresh(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
    now: DateTime<Utc>,
) -> Result<ActivationState, SyncError> {
    let l = super::accounts::Linked::open(store, secrets, t, c).await?;
    check(store, t, c, &l.linkedin, &l.settings, now).await
}

/// Connecting through [`renkei_core::engine::ConnectorFactory::setup`]: the person's
/// entries read as this connector's types, the onboarding page served where the request
/// came in unless the settings name another address, then [`setup`]. Its LinkedIn
/// application is provisioned before its first sync: by a run at once in a deployment
/// (only the connector's function reads the partner secret), by
/// [`super::partner::provision_now`] where everything is one process.
pub(super) async fn from_request(
    env: renkei_core::setup::SetupEnv<'_>,
    request: renkei_core::setup::SetupRequest,
) -> Result<renkei_core::setup::Connected, renkei_core::setup::SetupError> {
    let (mut settings, secret): (Settings, Secret) = request.parts()?;
    if settings.onboarding_url.is_none() {
        settings.onboarding_url = request.own_url.clone();
    }
    let webhook_base = renkei_core::setup::SetupRequest::required(
        request.webhook_base.as_deref(),
        "webhook_base",
    )?;
    let input = SetupInput {
        tenant_id: request.tenant,
        connection_id: request.connection,
        settings,
        secret,
        webhook_base,
    };
    let connection = setup(env.store, env.secrets, input, env.now).await?;
    Ok(renkei_core::setup::Connected {
        connection,
        run_at_once: true,
    })
}
