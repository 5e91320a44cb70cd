//! C1: マイナビ転職 → HRMOS採用 applicant import (seed 000, requirements C1.1–C1.10).
//!
//! - Each Mynavi account is one connection ([`register`], [`unlink`], [`accounts`]): its
//!   login ID, password and the HRMOS API key live in one secret per account (C1.1); the
//!   account status 未連携 → 初回取り込み待ち → 連携中 lives in the connection's settings
//!   and is moved by [`Factory::after_run`] (C1.2).
//! - Schedule (C1.3): registration makes the account due at once (authentication is the
//!   first run); the first successful import anchors a 4-hour cadence; a failure retries in
//!   an hour. The cursor is "imported until T": each run imports the window [T, run start),
//!   the first one the last 3 days, so a late run has no gap and no overlap.
//! - [`MynaviHrmos`] streams the download ([`renkei_vendors::mynavi::file`]), maps and
//!   validates rows ([`mapping`], [`email`]), routes them ([`mapping::Router`], rules in
//!   [`rules`]) and creates them in HRMOS idempotently by source key (C1.10).

pub mod email;
pub mod mapping;
pub mod rules;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use mapping::{ColumnMap, Columns, Router};
use renkei_core::engine::{
    BuildEnv, Change, Connector, ConnectorFactory, Page, Pulled, RunConnector, RunRecord, RunStatus,
    SyncError,
    WriteResult,
};
use renkei_core::notify::NoticePolicy;
use renkei_core::ports::{SecretStore, StateStore, StoreError};
use renkei_core::repo::{Automation, Connection, Medium, Repo, Role};
use renkei_core::{Cadence, ConnectionId, TenantId};
use renkei_vendors::hrmos::{Created, HrmosClient, NewApplicant};
use renkei_vendors::http::RunBound;
use renkei_vendors::mynavi::file::{FileError, FileReader, Row};
use renkei_vendors::mynavi::{Download, MynaviClient};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;

/// Connector name (its function folder).
pub const NAME: &str = "mynavi-hrmos";
/// The medium this connector imports from.
pub const MEDIUM: Medium = Medium::MynaviTenshoku;
/// Hours between imports (C1.3).
pub const EVERY_HOURS: u32 = 4;
/// The first import's reach (C1.3).
pub fn first_window() -> Duration {
    Duration::days(3)
}
/// Retry delay after a failed run, authentication included (C1.2).
pub fn retry_delay() -> Duration {
    Duration::hours(1)
}

/// 連携状況 of a Mynavi account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// 未連携: deleted (no credentials, no imports).
    Unlinked,
    /// 初回取り込み待ち: registered, not yet imported successfully.
    AwaitingFirstImport,
    /// 連携中: imports every 4 hours.
    Linked,
}

impl AccountStatus {
    /// The label recruiters know.
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Unlinked => "未連携",
            AccountStatus::AwaitingFirstImport => "初回取り込み待ち",
            AccountStatus::Linked => "連携中",
        }
    }
}

/// A Mynavi account connection's settings (no credentials here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Mynavi's base URL.
    pub mynavi_url: String,
    /// HRMOS's API base URL.
    pub hrmos_url: String,
    /// How the account is named in lists and emails (the login ID stays in the secret).
    pub account_name: String,
    /// 連携状況.
    pub status: AccountStatus,
    /// When the first successful import ran: the anchor of the 4-hour cadence.
    #[serde(default)]
    pub first_import_at: Option<DateTime<Utc>>,
    /// Column names of the download file.
    #[serde(default)]
    pub columns: ColumnMap,
    /// Rows per page (one checkpoint per page).
    #[serde(default = "default_page_size")]
    pub page_size: usize,
    /// HRMOS requests per minute (None: no limit).
    #[serde(default = "default_hrmos_per_minute")]
    pub hrmos_per_minute: Option<u32>,
    /// How far each window reaches back before the last one's end, in minutes (at least 1).
    /// 応募日時 has minute precision, so an application made in the minute a run started
    /// shows a time before that run's end; and Mynavi may list an application a few minutes
    /// late. Re-reading the overlap is harmless: content hashes and HRMOS's source key.
    #[serde(default = "default_overlap_minutes")]
    pub overlap_minutes: u32,
}

fn default_page_size() -> usize {
    200
}
fn default_hrmos_per_minute() -> Option<u32> {
    Some(600)
}
fn default_overlap_minutes() -> u32 {
    10
}

impl Settings {
    /// The overlap of consecutive windows: never less than the file's time precision.
    fn overlap(&self) -> Duration {
        Duration::minutes(i64::from(self.overlap_minutes.max(1)))
    }
}

/// The account's secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Secret {
    /// マイナビ転職 ID.
    pub login_id: String,
    /// マイナビ転職 パスワード.
    pub password: String,
    /// The tenant's HRMOS API key.
    pub hrmos_api_key: String,
}

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

/// Deletes an account (C1.9): its secret is deleted, imports stop, the status becomes 未連携.
/// The account stays listed with its history; registering it again starts over.
pub async fn unlink(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<Connection, AccountError> {
    let repo = Repo::new(store);
    let Some((conn, _)) = repo.connection(t, c).await? else {
        return Err(AccountError::NotFound(c.to_string()));
    };
    if conn.connector != NAME {
        return Err(AccountError::NotFound(c.to_string()));
    }
    secrets
        .delete(&conn.secret_name)
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

fn read_settings(conn: &Connection) -> Result<Settings, SyncError> {
    serde_json::from_value(conn.settings.clone())
        .map_err(|e| SyncError::Permanent(format!("connection settings unreadable: {e}")))
}

/// Builds [`MynaviHrmos`] and owns C1's schedule, status and failure advice.
#[derive(Default)]
pub struct Factory;

#[async_trait]
impl ConnectorFactory for Factory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn vendors(&self) -> &'static [&'static str] {
        &["mynavi", "hrmos"]
    }

    /// C1.8: 管理者 and 採用担当者.
    fn notify_roles(&self) -> &'static [Role] {
        &[Role::Admin, Role::Recruiter]
    }

    async fn build(
        &self,
        conn: &Connection,
        secret: Option<String>,
        env: BuildEnv<'_>,
    ) -> Result<Box<dyn RunConnector>, SyncError> {
        let settings = read_settings(conn)?;
        let secret = secret.ok_or_else(|| {
            SyncError::Auth(
                "マイナビ転職のID・パスワードが登録されていません (no credentials: the account was deleted)"
                    .into(),
            )
        })?;
        let secret: Secret = serde_json::from_str(&secret)
            .map_err(|e| SyncError::Auth(format!("stored credentials unreadable: {e}")))?;
        let mut mynavi =
            MynaviClient::new(&settings.mynavi_url, &secret.login_id, &secret.password)?;
        let mut hrmos = HrmosClient::new(
            &settings.hrmos_url,
            &secret.hrmos_api_key,
            settings.hrmos_per_minute,
        )?;
        // Every account of the tenant shares the HRMOS key's window, across runs.
        mynavi.join_run(env.heartbeat.clone());
        hrmos.join_run(env.heartbeat.clone());
        let rules = Repo::new(env.store).rules(&conn.tenant_id).await?;
        Ok(Box::new(MynaviHrmos {
            mynavi,
            hrmos,
            rules,
            router: Router::default(),
            settings,
            now: env.now,
            active: None,
            heartbeat: env.heartbeat.clone(),
        }))
    }

    fn after_run(&self, conn: &mut Connection, run: &RunRecord, now: DateTime<Utc>) {
        let Ok(mut s) = read_settings(conn) else {
            conn.next_run_at = now + retry_delay();
            return;
        };
        match run.status {
            RunStatus::Continued => conn.next_run_at = now,
            RunStatus::Succeeded | RunStatus::Partial => {
                // A run that was under way while the account was deleted leaves it 未連携.
                if s.status == AccountStatus::AwaitingFirstImport {
                    s.status = AccountStatus::Linked;
                    s.first_import_at = Some(run.started_at);
                    conn.cadence = Cadence::EveryHoursFrom {
                        hours: EVERY_HOURS,
                        anchor: run.started_at,
                    };
                }
                conn.next_run_at = conn.cadence.next_after(now);
            }
            _ => {
                // C1.2: retry hourly until it works; a linked account never waits past its slot.
                let retry = now + retry_delay();
                conn.next_run_at = match s.status {
                    AccountStatus::Linked => retry.min(conn.cadence.next_after(now)),
                    _ => retry,
                };
            }
        }
        if let Ok(v) = serde_json::to_value(&s) {
            conn.settings = v;
        }
    }

    /// An application is only ever read again by an overlapping window (at most the 3-day
    /// first import after re-registration): 30 days covers that with room; beyond it
    /// HRMOS's source key still refuses a duplicate.
    fn hash_ttl(&self) -> Option<Duration> {
        Some(Duration::days(30))
    }

    /// Accounts keep retrying hourly until a person fixes them (C1.2), so they never pause;
    /// a failure that persists is re-told once a day instead of at every hourly retry.
    fn notice_policy(&self, default: NoticePolicy) -> NoticePolicy {
        NoticePolicy {
            repeat_interval: Duration::hours(24),
            pause_after: u32::MAX,
            ..default
        }
    }

    fn failure_advice(&self, conn: &Connection, run: &RunRecord) -> Option<String> {
        let name = read_settings(conn)
            .map(|s| s.account_name)
            .unwrap_or_else(|_| conn.connection_id.to_string());
        Some(match run.status {
            RunStatus::AuthFailed => format!(
                "マイナビ転職アカウント「{name}」の連携に失敗しました: ①ID・パスワードの誤り (wrong ID or password).\n\
                 対処: 設定 → 自動応募者取り込み → マイナビ転職 で、このアカウントのIDとパスワードを入力し直してください\n\
                 (renkei mynavi register --tenant {} --login-id <ID> --password <パスワード> …)。\n\
                 成功するまで1時間ごとに自動で再試行します。",
                conn.tenant_id
            ),
            RunStatus::Partial => format!(
                "マイナビ転職アカウント「{name}」: 一部の応募者を取り込めませんでした (some applicants were not imported).\n\
                 上の行番号と理由を確認し、必要であればHRMOS採用に手動で登録してください。その他の応募者は取り込まれています。"
            ),
            _ => format!(
                "マイナビ転職アカウント「{name}」の連携に失敗しました: ②その他のエラー (other error: e.g. a change on Mynavi's side or trouble at HRMOS).\n\
                 対処: 1時間後に自動で再試行します。続く場合は、この実行ID ({}) を添えてサポートにお問い合わせください。\n\
                 次の取り込みは前回成功した時点から再開するため、応募者の取りこぼしはありません。",
                run.run_id
            ),
        })
    }
}

/// Where the import stands; the engine keeps it as the checkpoint cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Position {
    /// Every application before `until` is in HRMOS.
    Until {
        /// End of the last finished window.
        until: DateTime<Utc>,
    },
    /// Inside the window [from, to): rerun it whole (rows already written are unchanged).
    Within {
        /// Window start.
        from: DateTime<Utc>,
        /// Window end.
        to: DateTime<Utc>,
    },
}


/// The rows of one download file on their way to becoming records: bytes go in as they
/// arrive ([`FileImport::push`]), mapped, validated and routed records come out
/// ([`FileImport::next_record`]). Used by the connector and by `renkei bench mynavi-hrmos`.
pub struct FileImport {
    map: ColumnMap,
    reader: FileReader,
    columns: Option<Columns>,
    rows: VecDeque<Row>,
    ended: bool,
}

impl FileImport {
    /// A file about to be read with the given column names.
    pub fn new(map: ColumnMap) -> Self {
        Self {
            map,
            reader: FileReader::new(),
            columns: None,
            rows: VecDeque::new(),
            ended: false,
        }
    }

    /// The next bytes of the file, or None at its end.
    pub fn push(&mut self, bytes: Option<&[u8]>) -> Result<(), SyncError> {
        let mut fresh = Vec::new();
        match bytes {
            Some(b) => self.reader.feed(b, &mut fresh).map_err(file_error)?,
            None => {
                self.reader.finish(&mut fresh).map_err(file_error)?;
                self.ended = true;
            }
        }
        self.rows.extend(fresh);
        if self.columns.is_none()
            && let Some(header) = self.reader.header()
        {
            // A header without a mapped column fails the run, naming the column (C1.4).
            self.columns = Some(Columns::resolve(&self.map, header).map_err(SyncError::Permanent)?);
        }
        Ok(())
    }

    /// The next record, or None when more bytes are needed or the file is done.
    pub fn next_record(&mut self, router: &Router) -> Option<Pulled<NewApplicant>> {
        let cols = self.columns.as_ref()?;
        let row = self.rows.pop_front()?;
        Some(match mapping::map_row(&row, cols) {
            Ok(applicant) => {
                let placement = router.place(&applicant.position_name);
                Pulled::Ready {
                    key: applicant.id.as_str().to_string(),
                    payload: mapping::to_hrmos(&applicant, MEDIUM, &placement),
                }
            }
            Err(reason) => Pulled::Rejected {
                record: mapping::row_label(&row, cols),
                reason,
            },
        })
    }

    /// Whether every row has been handed out.
    pub fn done(&self) -> bool {
        self.ended && self.rows.is_empty()
    }
}

/// A download being read.
struct Active {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    download: Download,
    import: FileImport,
}

/// The C1 connector of one run.
pub struct MynaviHrmos {
    mynavi: MynaviClient,
    hrmos: HrmosClient,
    rules: Vec<renkei_core::repo::RoutingRule>,
    router: Router,
    settings: Settings,
    /// The run's start: the end of its window.
    now: DateTime<Utc>,
    active: Option<Active>,
    /// Beaten between download chunks: a slow download stops at the deadline.
    heartbeat: std::sync::Arc<dyn renkei_core::heartbeat::Heartbeat>,
}

/// HRMOS refusing its API key is not the Mynavi ID/password problem that `auth_failed`
/// tells the customer to fix: it is an "other" failure (C1.8 ②), reported as such.
fn hrmos_error(e: renkei_vendors::VendorError) -> SyncError {
    match e {
        renkei_vendors::VendorError::Auth { message, .. } => SyncError::Permanent(format!(
            "HRMOS採用がAPIキーを受け付けませんでした (HRMOS refused its API key: {message})"
        )),
        other => other.into(),
    }
}

fn file_error(e: FileError) -> SyncError {
    SyncError::Permanent(format!(
        "マイナビ転職のファイルを読めません (unreadable download): {e}"
    ))
}

#[async_trait]
impl Connector for MynaviHrmos {
    type Record = NewApplicant;
    type Cursor = Position;

    async fn begin(&mut self) -> Result<(), SyncError> {
        // Authentication first: a wrong password is told as such (C1.8).
        self.mynavi.login().await?;
        let jobs = self.hrmos.jobs().await.map_err(hrmos_error)?;
        self.router = Router::new(
            &self.rules,
            MEDIUM,
            jobs.into_iter().map(|j| {
                let open = j.status == "open";
                (j.id, open)
            }),
        );
        Ok(())
    }

    async fn pull(
        &mut self,
        cursor: Option<Position>,
    ) -> Result<Page<NewApplicant, Position>, SyncError> {
        if self.active.is_none() {
            let position = cursor.unwrap_or(Position::Until {
                until: self.now - first_window(),
            });
            let (from, to) = match position {
                Position::Until { until } if until >= self.now => {
                    // Nothing new since the last window's end (a clock behind the last
                    // run's): keep the position rather than move it back.
                    return Ok(Page {
                        records: Vec::new(),
                        next_cursor: Some(Position::Until { until }),
                        has_more: false,
                    });
                }
                Position::Until { until } => (until - self.settings.overlap(), self.now),
                Position::Within { from, to } => (from, to),
            };
            let download = self.mynavi.download(from, to).await?;
            self.active = Some(Active {
                from,
                to,
                download,
                import: FileImport::new(self.settings.columns.clone()),
            });
        }
        let a = self.active.as_mut().expect("a download is active");
        let mut records = Vec::new();
        while records.len() < self.settings.page_size.max(1) {
            if let Some(record) = a.import.next_record(&self.router) {
                records.push(record);
            } else if a.import.done() {
                break;
            } else {
                self.heartbeat.beat(std::time::Duration::ZERO).await?;
                let chunk = a.download.chunk().await?;
                a.import.push(chunk.as_deref())?;
            }
        }
        let (from, to, done) = (a.from, a.to, a.import.done());
        if done {
            self.active = None;
            // A window resumed from an earlier run ends before this run's start: go on.
            return Ok(Page {
                records,
                next_cursor: Some(Position::Until { until: to }),
                has_more: to < self.now,
            });
        }
        Ok(Page {
            records,
            next_cursor: Some(Position::Within { from, to }),
            has_more: true,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change<NewApplicant>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        let mut out = Vec::with_capacity(changes.len());
        for change in changes {
            let result = if dry_run {
                if self
                    .hrmos
                    .exists(MEDIUM.code(), &change.key)
                    .await
                    .map_err(hrmos_error)?
                {
                    WriteResult::Unchanged
                } else {
                    WriteResult::Created
                }
            } else {
                match self
                    .hrmos
                    .create_applicant(&change.payload)
                    .await
                    .map_err(hrmos_error)?
                {
                    Created::New(_) => WriteResult::Created,
                    Created::Existing(_) => WriteResult::Unchanged,
                    Created::Invalid(reason) => WriteResult::Rejected(reason),
                }
            };
            out.push(result);
        }
        Ok(out)
    }
}
