//! C3.1: connecting. The client ID (subdomain) and client secret (token) are checked at
//! once, with both scopes the syncs need (a token without organization:read is refused
//! naming it), and so is Mikiwame's API key; then the connection is stored, one per tenant,
//! usable by every admin and without expiry.

use super::settings::clients;
use super::{NAME, Secret, Settings, WEBHOOKS, cadence};
use chrono::{DateTime, Utc};
use renkei_core::config::Configurable;
use renkei_core::ports::{SecretStore, StateStore, StoreError};
use renkei_core::repo::{Connection, Repo};
use renkei_core::setup::{ProblemKind, SetupProblem, SetupProblems};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::VendorError;
use renkei_vendors::base_url::{self, NotAUrl};
use renkei_vendors::hrbrain::{Field, HrbrainError, Scope};

/// Why connecting was refused; each names what to fix.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SetupError {
    /// Subdomain or token refused by HRBrain, or the API key by Mikiwame.
    #[error("{0}")]
    Credentials(String),
    /// The token lacks scopes.
    #[error("HRBrainのトークンに次のスコープがありません: {}。公開API/Token設定で「member:read」と「organization:read」にチェックを入れたトークンを作成してください", .0.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("、"))]
    MissingScopes(Vec<Scope>),
    /// HRBrain's fields do not allow a department sync.
    #[error("{0}")]
    Setting(String),
    /// Could not reach a vendor or the state store.
    #[error("connecting could not finish: {0}")]
    Unavailable(String),
    /// The tenant has an HRBrain connection already (one per tenant).
    #[error(
        "HRBrain連携は設定済みです（{0}）。設定し直すには先に連携を解除してください (one connection per tenant)"
    )]
    Exists(String),
    /// A URL setting is not a URL.
    #[error(transparent)]
    NotAUrl(#[from] NotAUrl),
    /// A credential that cannot be taken as it is (a webhook secret too short, or the same as
    /// an API credential), each naming its field.
    #[error("{0}")]
    Secret(SetupProblems),
}

impl From<VendorError> for SetupError {
    fn from(e: VendorError) -> Self {
        match e {
            VendorError::Auth { message, .. } => SetupError::Credentials(message),
            other => SetupError::Unavailable(other.at_setup()),
        }
    }
}

impl From<StoreError> for SetupError {
    fn from(e: StoreError) -> Self {
        SetupError::Unavailable(e.to_string())
    }
}

impl From<SetupError> for SetupProblems {
    fn from(e: SetupError) -> Self {
        let (kind, field) = match &e {
            SetupError::Credentials(_) => (ProblemKind::Credentials, None),
            SetupError::MissingScopes(_) => (ProblemKind::Permissions, Some("hrbrain_token")),
            SetupError::Setting(_) => (ProblemKind::Setting, Some("organization_id")),
            SetupError::Unavailable(_) => (ProblemKind::Unavailable, None),
            SetupError::Exists(_) => (ProblemKind::Exists, None),
            SetupError::NotAUrl(e) => return e.problem().into(),
            SetupError::Secret(p) => return p.clone(),
        };
        let problem = SetupProblem::new(kind, e.to_string());
        match field {
            Some(f) => problem.at(f).into(),
            None => problem.into(),
        }
    }
}

/// The organization the 主部署 (MainTeam) field is a pull-down of: its items are the
/// departments.
pub fn main_team_organization(fields: &[Field]) -> Result<String, String> {
    fields
        .iter()
        .find(|f| f.alias.as_deref() == Some("MainTeam"))
        .and_then(|f| f.organization_id.clone())
        .ok_or_else(|| {
            "HRBrainの「主部署」項目（エイリアス MainTeam）が組織を参照していません。項目名をデフォルトに戻すか、設定で organization_id を指定してください".into()
        })
}

/// What connecting needs.
#[derive(Debug, Clone)]
pub struct SetupInput {
    /// Owner.
    pub tenant_id: TenantId,
    /// New connection id.
    pub connection_id: ConnectionId,
    /// Credentials.
    pub secret: Secret,
    /// Settings.
    pub settings: Settings,
}

/// Checks everything C3.1 asks for, then stores the secret and the connection (automation
/// on; the daily reconciliation's first slot is a day from now).
pub async fn setup(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    now: DateTime<Utc>,
    input: SetupInput,
) -> Result<Connection, SetupError> {
    let repo = Repo::new(store);
    if let Some(other) = repo
        .connections(&input.tenant_id)
        .await?
        .into_iter()
        .find(|c| c.connector == NAME || c.connection_id == input.connection_id)
    {
        return Err(SetupError::Exists(other.connection_id.to_string()));
    }
    let problems = input.secret.problems();
    if !problems.is_empty() {
        return Err(SetupError::Secret(SetupProblems(problems)));
    }
    if let Some(url) = &input.settings.hrbrain_url {
        base_url::check("hrbrain_url", url)?;
    }
    base_url::check("mikiwame_url", &input.settings.mikiwame_url)?;
    let (hrbrain, mikiwame) = clients(&input.settings, &input.secret)?;
    hrbrain.authenticate().await.map_err(hrbrain_error)?;
    // Both scopes are probed before anything is said, so one answer names all that is missing.
    let mut missing = Vec::new();
    let fields = match hrbrain.fields().await {
        Ok(f) => Some(f),
        Err(HrbrainError::ScopeMissing(s)) => {
            missing.push(s);
            None
        }
        Err(e) => return Err(hrbrain_error(e)),
    };
    let organization = match (&input.settings.organization_id, &fields) {
        (Some(id), _) => Some(id.clone()),
        (None, Some(f)) => Some(main_team_organization(f).map_err(SetupError::Setting)?),
        // Without member:read the fields are unreadable; any id probes the scope.
        (None, None) => Some("renkei-scope-probe".into()),
    };
    if let Some(org) = organization {
        match hrbrain.organization(&org).await {
            Ok(_) => {}
            Err(HrbrainError::ScopeMissing(s)) => missing.push(s),
            Err(HrbrainError::Vendor(VendorError::Permanent { status: 404, .. }))
                if fields.is_none() => {}
            Err(e) => return Err(hrbrain_error(e)),
        }
    }
    if !missing.is_empty() {
        return Err(SetupError::MissingScopes(missing));
    }
    mikiwame.departments().await?;

    let secret_name = renkei_core::repo::secret_name(NAME, &input.tenant_id, &input.connection_id);
    let secret_json =
        serde_json::to_string(&input.secret).map_err(|e| SetupError::Unavailable(e.to_string()))?;
    secrets
        .put(&secret_name, &secret_json)
        .await
        .map_err(|e| SetupError::Unavailable(e.to_string()))?;
    // The webhook endpoint's own copy of the signing secret: all the webhooks function reads.
    let whole =
        serde_json::to_value(&input.secret).map_err(|e| SetupError::Unavailable(e.to_string()))?;
    renkei_core::webhook::store_endpoint_secrets(
        secrets,
        WEBHOOKS,
        &input.tenant_id,
        &input.connection_id,
        &whole,
    )
    .await
    .map_err(|e| SetupError::Unavailable(e.to_string()))?;
    let settings = serde_json::to_value(&input.settings)
        .map_err(|e| SetupError::Unavailable(e.to_string()))?;
    let cadence = cadence(now);
    let conn = Connection::new(
        input.tenant_id.clone(),
        input.connection_id.clone(),
        NAME,
        settings,
        cadence,
        cadence.next_after(now),
        now,
    );
    repo.put_connection(&conn, None)
        .await
        .map_err(|e| match e {
            StoreError::ConditionFailed => SetupError::Exists(conn.connection_id.to_string()),
            other => other.into(),
        })?;
    Ok(conn)
}

fn hrbrain_error(e: HrbrainError) -> SetupError {
    match e {
        HrbrainError::Vendor(v) => v.into(),
        HrbrainError::ScopeMissing(s) => SetupError::MissingScopes(vec![s]),
    }
}

/// Connecting through [`renkei_core::engine::ConnectorFactory::setup`]: the person's
/// entries read as this connector's types, then [`setup`].
pub(super) async fn from_request(
    env: renkei_core::setup::SetupEnv<'_>,
    request: renkei_core::setup::SetupRequest,
) -> Result<renkei_core::setup::Connected, renkei_core::setup::SetupError> {
    let (settings, secret) = request.parts()?;
    let input = SetupInput {
        tenant_id: request.tenant,
        connection_id: request.connection,
        settings,
        secret,
    };
    let conn = setup(env.store, env.secrets, env.now, input)
        .await
        .map_err(SetupProblems::from)?;
    Ok(conn.into())
}
