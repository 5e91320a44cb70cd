//! C1.1, C1.2, C1.9: registering, listing and deleting Mynavi accounts (one connection each).

use super::*;
use chrono::{DateTime, Utc};
use mapping::ColumnMap;
use renkei_core::ports::{SecretDeletion, SecretStore, StateStore, StoreError};
use renkei_core::repo::{Automation, Connection, Repo};
use renkei_core::{Cadence, ConnectionId, TenantId};
use renkei_vendors::hrmos::HrmosClient;
use renkei_vendors::mynavi::{MynaviClient, MynaviError};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Account management errors.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// No such account.
    #[error("no Mynavi account {0} in this tenant")]
    NotFound(String),
    /// Store or secret store trouble.
    #[error("{0}")]
    Unavailable(String),
}

impl From<AccountError> for renkei_core::setup::SetupProblems {
    fn from(e: AccountError) -> Self {
        use renkei_core::setup::{ProblemKind, SetupProblem};
        let kind = match &e {
            AccountError::Invalid(_) => ProblemKind::Setting,
            AccountError::NotFound(_) => ProblemKind::NotFound,
            AccountError::Unavailable(_) => ProblemKind::Unavailable,
        };
        SetupProblem::new(kind, e.to_string()).into()
    }
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        AccountError::Unavailable(e.to_string())
    }
}

/// The connection id of a login ID: stable (re-registering finds the account) and not the
/// login ID itself, which stays in the secret only.
pub fn connection_id_for(login_id: &str) -> ConnectionId {
    let digest = hex::encode(Sha256::digest(login_id.as_bytes()));
    ConnectionId::new(format!("mynavi-{}", &digest[..12])).expect("hex ids are valid")
}

/// What an admin enters to add an account (C1.1).
#[derive(Debug, Clone)]
pub struct Registration {
    /// Tenant.
    pub tenant_id: TenantId,
    /// A name for lists and emails; default: the login ID with its middle masked.
    pub account_name: Option<String>,
    /// The account's credentials and the HRMOS key.
    pub secret: Secret,
    /// Mynavi's base URL.
    pub mynavi_url: String,
    /// HRMOS's API base URL.
    pub hrmos_url: String,
    /// Column mapping (None: the default).
    pub columns: Option<ColumnMap>,
}

fn masked(login_id: &str) -> String {
    let chars: Vec<char> = login_id.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 4))
}

fn secret_name(t: &TenantId, c: &ConnectionId) -> String {
    renkei_core::repo::secret_name(NAME, t, c)
}

/// Registers an account, or re-enters its credentials (C1.1, C1.2). Authentication starts
/// at once: the account is due now, status 初回取り込み待ち until its first import. A linked
/// account whose password is re-entered keeps its status, cadence and position; a deleted
/// (未連携) one starts over with a 3-day first import.
pub async fn register(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    now: DateTime<Utc>,
    reg: Registration,
) -> Result<Connection, AccountError> {
    let s = &reg.secret;
    if s.login_id.trim().is_empty() || s.password.is_empty() {
        return Err(AccountError::Invalid(
            "マイナビ転職のIDとパスワードを入力してください (login ID and password are required)"
                .into(),
        ));
    }
    if s.hrmos_api_key.is_empty() {
        return Err(AccountError::Invalid(
            "the HRMOS API key is required".into(),
        ));
    }
    for (field, url) in [
        ("mynavi_url", &reg.mynavi_url),
        ("hrmos_url", &reg.hrmos_url),
    ] {
        renkei_vendors::base_url::check(field, url)
            .map_err(|e| AccountError::Invalid(e.to_string()))?;
    }
    check_ends(&reg).await?;
    let repo = Repo::new(store);
    let t = reg.tenant_id.clone();
    let c = connection_id_for(&s.login_id);
    let name = secret_name(&t, &c);
    let json =
        serde_json::to_string(&reg.secret).map_err(|e| AccountError::Unavailable(e.to_string()))?;
    secrets
        .put(&name, &json)
        .await
        .map_err(|e| AccountError::Unavailable(e.to_string()))?;
    let existing = repo.connection(&t, &c).await?;
    if let Some((mut conn, version)) = existing {
        let mut settings =
            read_settings(&conn).map_err(|e| AccountError::Unavailable(e.to_string()))?;
        if settings.status == AccountStatus::Unlinked {
            repo.delete_checkpoint(&t, &c).await?;
            settings.status = AccountStatus::AwaitingFirstImport;
            settings.first_import_at = None;
            conn.cadence = Cadence::EveryHoursFrom {
                hours: EVERY_HOURS,
                anchor: now,
            };
        }
        if let Some(n) = reg.account_name {
            settings.account_name = n;
        }
        if let Some(cols) = reg.columns {
            settings.columns = cols;
        }
        settings.mynavi_url = reg.mynavi_url;
        settings.hrmos_url = reg.hrmos_url;
        conn.settings = serde_json::to_value(&settings)
            .map_err(|e| AccountError::Unavailable(e.to_string()))?;
        conn.automation = Automation::On;
        conn.consecutive_failures = 0;
        conn.next_run_at = now;
        repo.put_connection(&conn, Some(version)).await?;
        return Ok(conn);
    }
    let settings = Settings {
        mynavi_url: reg.mynavi_url,
        hrmos_url: reg.hrmos_url,
        account_name: reg.account_name.unwrap_or_else(|| masked(&s.login_id)),
        status: AccountStatus::AwaitingFirstImport,
        first_import_at: None,
        columns: reg.columns.unwrap_or_default(),
        page_size: default_page_size(),
        hrmos_per_minute: default_hrmos_per_minute(),
        overlap_minutes: default_overlap_minutes(),
    };
    let settings =
        serde_json::to_value(&settings).map_err(|e| AccountError::Unavailable(e.to_string()))?;
    // The cadence's anchor is replaced by the first import's time once it succeeded.
    let cadence = Cadence::EveryHoursFrom {
        hours: EVERY_HOURS,
        anchor: now,
    };
    let conn = Connection::new(t, c, NAME, settings, cadence, now, now);
    repo.put_connection(&conn, None).await?;
    Ok(conn)
}

/// Checks what can be checked before anything is stored: HRMOS must accept the key at the
/// URL given (a wrong URL or key would only fail the first import hours later), and the
/// Mynavi URL must answer as Mynavi's login. The Mynavi ID and password are not verified
/// here — Mynavi's answer to them is not kept: the first import logs in, and C1.2 keeps an
/// account it refuses, shows the reason and retries every hour (as it does when Mynavi is in
/// maintenance), so the admin sees it in the account list.
async fn check_ends(reg: &Registration) -> Result<(), AccountError> {
    use renkei_vendors::VendorError;
    let hrmos = HrmosClient::new(&reg.hrmos_url, &reg.secret.hrmos_api_key, None)
        .map_err(|e| AccountError::Invalid(format!("hrmos_url: {e}")))?;
    match hrmos.jobs().await {
        Ok(_) => {}
        Err(VendorError::Auth { .. }) => {
            return Err(AccountError::Invalid(format!(
                "hrmos_api_key: HRMOS at {} refused the API key",
                reg.hrmos_url
            )));
        }
        Err(e @ (VendorError::Retryable { .. } | VendorError::Halted(_))) => {
            return Err(AccountError::Unavailable(format!(
                "HRMOS at {}: {}",
                reg.hrmos_url,
                e.at_setup()
            )));
        }
        Err(e) => {
            return Err(AccountError::Invalid(format!(
                "hrmos_url: {} is not HRMOS's API (its jobs list answered: {e}); pass the API's base URL, e.g. https://<host>/api/v1",
                reg.hrmos_url
            )));
        }
    }
    let mynavi = MynaviClient::new(&reg.mynavi_url, &reg.secret.login_id, &reg.secret.password)
        .map_err(|e| AccountError::Invalid(format!("mynavi_url: {e}")))?;
    match mynavi.login().await {
        Ok(()) | Err(MynaviError::WrongCredentials) => Ok(()),
        Err(MynaviError::Vendor(VendorError::Retryable { .. } | VendorError::Halted(_))) => Ok(()),
        Err(MynaviError::Vendor(e)) => Err(AccountError::Invalid(format!(
            "mynavi_url: {} is not the Mynavi employer site's login ({e})",
            reg.mynavi_url
        ))),
    }
}

/// Deletes an account (C1.9): its secret is deleted as `how` says (restorable for the
/// recovery window unless an operator purges it: a stolen token must not destroy
/// credentials for good), imports stop, the status becomes 未連携. The account stays listed
/// with its history; registering it again starts over.
pub async fn unlink(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
    how: SecretDeletion,
) -> Result<Connection, AccountError> {
    let repo = Repo::new(store);
    let Some((conn, _)) = repo.connection(t, c).await? else {
        return Err(AccountError::NotFound(c.to_string()));
    };
    if conn.connector != NAME {
        return Err(AccountError::NotFound(c.to_string()));
    }
    secrets
        .delete_as(&conn.secret_name, how)
        .await
        .map_err(|e| AccountError::Unavailable(e.to_string()))?;
    let mut bad_settings = None;
    let updated = repo
        .update_connection(t, c, |conn| {
            conn.automation = Automation::Off;
            match read_settings(conn) {
                Ok(mut s) => {
                    s.status = AccountStatus::Unlinked;
                    conn.settings = serde_json::to_value(&s).unwrap_or(conn.settings.clone());
                }
                Err(e) => bad_settings = Some(e.to_string()),
            }
        })
        .await?
        .ok_or_else(|| AccountError::NotFound(c.to_string()))?;
    match bad_settings {
        Some(e) => Err(AccountError::Unavailable(e)),
        None => Ok(updated),
    }
}

/// One account as the settings screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountView {
    /// Connection id.
    pub connection_id: ConnectionId,
    /// Name.
    pub account_name: String,
    /// 連携状況.
    pub status: AccountStatus,
    /// Its label.
    pub status_label: &'static str,
    /// 最終取り込み日時 (C1.6).
    pub last_import_at: Option<DateTime<Utc>>,
    /// Why the last run failed, while it lasts.
    pub last_error: Option<String>,
    /// When it runs next (None when not linked).
    pub next_run_at: Option<DateTime<Utc>>,
}

/// The tenant's Mynavi accounts.
pub async fn accounts(
    store: &dyn StateStore,
    t: &TenantId,
) -> Result<Vec<AccountView>, AccountError> {
    let mut out = Vec::new();
    for conn in Repo::new(store).connections(t).await? {
        if conn.connector != NAME {
            continue;
        }
        let s = read_settings(&conn).map_err(|e| AccountError::Unavailable(e.to_string()))?;
        out.push(AccountView {
            connection_id: conn.connection_id.clone(),
            account_name: s.account_name,
            status: s.status,
            status_label: s.status.label(),
            last_import_at: conn.last_success_at,
            last_error: conn.last_error.clone(),
            next_run_at: (conn.automation == Automation::On).then_some(conn.next_run_at),
        });
    }
    Ok(out)
}
