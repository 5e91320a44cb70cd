//! C2.1, C2.6, C2.7: setting a connection up. Kaonavi's credentials and operation settings
//! (get, update, register) and the gender mapping are checked before anything is stored;
//! the connection starts at Roumumate's current position, so only later changes are pushed.

use super::{CADENCE, NAME, Secret, Settings, kaonavi_client};
use chrono::{DateTime, Utc};
use renkei_core::engine::REAL_TIME;
use renkei_core::heartbeat::{HeartbeatLink, outside_run};
use renkei_core::ports::{SecretStore, StateStore};
use renkei_core::repo::{Checkpoint, Connection, Repo};
use renkei_core::setup::{ProblemKind, SetupProblem, SetupProblems};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::VendorError;
use renkei_vendors::base_url::{self, NotAUrl};
use renkei_vendors::http::RunBound;
use renkei_vendors::kaonavi::{KaonaviClient, KaonaviError, MemberData, Permission};
use renkei_vendors::roumumate::RoumumateClient;

/// Why a setup was refused; each names what to fix.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SetupError {
    /// Consumer Key / Secret refused.
    #[error("{0}")]
    Credentials(String),
    /// Kaonavi's 公開API v2 operation settings miss permissions.
    #[error("カオナビの『公開API v2 情報』の操作対象の管理で次の項目にチェックを入れてください: {}", .0.iter().map(|p| p.label()).collect::<Vec<_>>().join("、"))]
    MissingPermissions(Vec<Permission>),
    /// Roumumate gender options without a Kaonavi option (C2.6).
    #[error("性別の選択肢がすべて紐づけられていません (unmapped gender options): {0}")]
    UnmappedGender(String),
    /// A mapping names an option Kaonavi does not have.
    #[error("カオナビに存在しない性別の選択肢が指定されています: {0} (Kaonavi options: {1})")]
    UnknownKaonaviOption(String, String),
    /// Could not reach a vendor or the state store.
    #[error("setup could not finish: {0}")]
    Unavailable(String),
    /// The connection exists already.
    #[error("connection {0} exists already; disconnect it first or choose another id")]
    Exists(String),
    /// A URL setting is not a URL.
    #[error(transparent)]
    NotAUrl(#[from] NotAUrl),
}

impl From<VendorError> for SetupError {
    fn from(e: VendorError) -> Self {
        match e {
            VendorError::Auth { message, .. } => SetupError::Credentials(message),
            other => SetupError::Unavailable(other.at_setup()),
        }
    }
}

impl From<SetupError> for SetupProblems {
    fn from(e: SetupError) -> Self {
        let kind = match &e {
            SetupError::Credentials(_) => ProblemKind::Credentials,
            SetupError::MissingPermissions(_) => ProblemKind::Permissions,
            SetupError::UnmappedGender(_) | SetupError::UnknownKaonaviOption(..) => {
                ProblemKind::Setting
            }
            SetupError::Unavailable(_) => ProblemKind::Unavailable,
            SetupError::Exists(_) => ProblemKind::Exists,
            SetupError::NotAUrl(e) => return e.problem().into(),
        };
        let problem = SetupProblem::new(kind, e.to_string());
        match e {
            SetupError::UnmappedGender(_) | SetupError::UnknownKaonaviOption(..) => {
                problem.at("gender_map").into()
            }
            _ => problem.into(),
        }
    }
}

impl From<KaonaviError> for SetupError {
    fn from(e: KaonaviError) -> Self {
        match e {
            KaonaviError::Vendor(v) => v.into(),
            KaonaviError::PermissionMissing(p) => SetupError::MissingPermissions(vec![p]),
            // Setup polls no task (its writes are Dry-Run probes whose ids it ignores).
            still @ (KaonaviError::TaskStillRunning { .. } | KaonaviError::PollsSpent { .. }) => {
                SetupError::Unavailable(still.to_string())
            }
        }
    }
}

/// C2.1: Kaonavi takes the credentials and allows get, update and register; answers the
/// gender options of its member layout. Names every missing permission at once.
async fn check_kaonavi(kaonavi: &KaonaviClient) -> Result<Vec<String>, SetupError> {
    kaonavi.authenticate().await?;
    let mut missing = Vec::new();
    let probe = [MemberData {
        code: "renkei-setup-check".into(),
        ..Default::default()
    }];
    let mut options = Vec::new();
    match kaonavi.gender_options().await {
        Ok(o) => options = o,
        Err(KaonaviError::PermissionMissing(p)) => missing.push(p),
        Err(e) => return Err(e.into()),
    }
    for (result, permission) in [
        (
            kaonavi.create_members(&probe, true).await,
            Permission::Register,
        ),
        (
            kaonavi.update_members(&probe, true).await,
            Permission::Update,
        ),
    ] {
        match result {
            Ok(_) => {}
            Err(KaonaviError::PermissionMissing(_)) => missing.push(permission),
            Err(e) => return Err(e.into()),
        }
    }
    if !missing.is_empty() {
        return Err(SetupError::MissingPermissions(missing));
    }
    Ok(options)
}

/// What setup needs.
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

/// Checks everything C2.1 and C2.6 ask for, then stores the secret and the connection with
/// automation on, starting at Roumumate's current position (C2.7).
pub async fn setup(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    now: DateTime<Utc>,
    input: SetupInput,
) -> Result<Connection, SetupError> {
    setup_scaled(store, secrets, now, input, REAL_TIME).await
}

/// [`setup`] against a time-scaled sandbox (`scale` simulated seconds per real second): its
/// Dry-Run writes count in the Consumer Key's shared windows, which the connection's runs
/// then divide by the same scale, so the check must too.
pub async fn setup_scaled(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    now: DateTime<Utc>,
    input: SetupInput,
    scale: f64,
) -> Result<Connection, SetupError> {
    let repo = Repo::new(store);
    if repo
        .connection(&input.tenant_id, &input.connection_id)
        .await
        .map_err(|e| SetupError::Unavailable(e.to_string()))?
        .is_some()
    {
        return Err(SetupError::Exists(input.connection_id.to_string()));
    }
    let s = &input.settings;
    base_url::check("roumumate_url", &s.roumumate_url)?;
    base_url::check("kaonavi_url", &s.kaonavi_url)?;
    let mut kaonavi = kaonavi_client(s, input.secret.kaonavi.clone(), scale)?;
    // Setup's Dry-Run writes count in the Consumer Key's shared window, like every run's.
    let (link, mut asks) = HeartbeatLink::channel();
    kaonavi.join_run(link);
    let options = outside_run(store, &input.tenant_id, &mut asks, check_kaonavi(&kaonavi)).await?;
    // C2.6: every Roumumate option must map to an option of Kaonavi's member layout.
    let roumumate =
        RoumumateClient::new(&s.roumumate_url, &input.secret.roumumate_token, s.page_size)?;
    let unmapped: Vec<String> = roumumate
        .gender_options()
        .await?
        .into_iter()
        .filter(|o| !s.gender_map.contains_key(&o.code))
        .map(|o| format!("{} ({})", o.label, o.code))
        .collect();
    if !unmapped.is_empty() {
        return Err(SetupError::UnmappedGender(unmapped.join(", ")));
    }
    let unknown: Vec<&str> = s
        .gender_map
        .values()
        .filter(|v| !options.contains(v))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(SetupError::UnknownKaonaviOption(
            unknown.join(", "),
            options.join(", "),
        ));
    }
    let cursor = roumumate.current_cursor().await?;

    let secret_name = renkei_core::repo::secret_name(NAME, &input.tenant_id, &input.connection_id);
    let secret_json =
        serde_json::to_string(&input.secret).map_err(|e| SetupError::Unavailable(e.to_string()))?;
    secrets
        .put(&secret_name, &secret_json)
        .await
        .map_err(|e| SetupError::Unavailable(e.to_string()))?;
    let settings = serde_json::to_value(&input.settings)
        .map_err(|e| SetupError::Unavailable(e.to_string()))?;
    // New employees go out at the next quarter hour (C2.4 "right away").
    let conn = Connection::new(
        input.tenant_id.clone(),
        input.connection_id.clone(),
        NAME,
        settings,
        CADENCE,
        CADENCE.next_after(now),
        now,
    );
    let unavailable = |e: renkei_core::ports::StoreError| SetupError::Unavailable(e.to_string());
    repo.save_checkpoint(
        &conn.tenant_id,
        &conn.connection_id,
        &Checkpoint {
            cursor: Some(cursor),
            saved_at: now,
        },
    )
    .await
    .map_err(unavailable)?;
    repo.put_connection(&conn, None)
        .await
        .map_err(|e| match e {
            renkei_core::ports::StoreError::ConditionFailed => {
                SetupError::Exists(conn.connection_id.to_string())
            }
            other => unavailable(other),
        })?;
    Ok(conn)
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
