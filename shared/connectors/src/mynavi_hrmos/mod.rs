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
//!   [`rules`], stored by [`store`]) and creates them in HRMOS idempotently by source key (C1.10).

mod accounts;
mod config;
pub mod dates;
pub mod email;
mod factory;
mod import;
pub mod mapping;
pub mod routing;
pub mod rules;
pub mod store;

pub use accounts::*;
use chrono::{DateTime, Duration, Utc};
pub use config::endpoints;
pub use factory::Factory;
pub use import::{FileImport, MynaviHrmos, Position};
use mapping::ColumnMap;
use renkei_core::engine::SyncError;
use renkei_core::repo::Connection;
use serde::{Deserialize, Serialize};
pub use store::{MAX_RULES_PER_TENANT, Medium, RoutingRule};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Secret {
    /// マイナビ転職 ID.
    pub login_id: String,
    /// マイナビ転職 パスワード.
    pub password: String,
    /// The tenant's HRMOS API key.
    pub hrmos_api_key: String,
}

fn read_settings(conn: &Connection) -> Result<Settings, SyncError> {
    renkei_core::connector::decode_settings(conn)
}
