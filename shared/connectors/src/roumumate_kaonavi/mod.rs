//! C2: ロウムメイト → カオナビ employee push (seed 001, requirements C2.1–C2.10).
//!
//! - [`setup`] checks credentials, Kaonavi's operation settings (get, update, register) and
//!   the gender mapping before a connection can start (C2.1, C2.6), and starts the
//!   connection at Roumumate's current position, so only later changes are pushed (C2.7).
//! - [`RoumumateKaonavi`] is the connector the engine runs every 15 minutes (C2.8): it pulls
//!   changed employees, maps them ([`mapping`]), and upserts by 社員番号 (C2.4): POST for
//!   codes Kaonavi does not have, PATCH for the others, then waits for Kaonavi's tasks.

mod config;
pub mod mapping;
mod setup;

pub use setup::{SetupError, SetupInput, setup};

use async_trait::async_trait;
use chrono::NaiveDate;
use renkei_core::Cadence;
use renkei_core::engine::{
    BuildEnv, Change, Connector, ConnectorFactory, Page, RunConnector, SyncError, WriteResult,
    decode_parts,
};
use renkei_core::repo::{Connection, Role};
use renkei_vendors::VendorError;
use renkei_vendors::http::RunBound;
use renkei_vendors::kaonavi::{
    Credentials, KaonaviClient, KaonaviConfig, KaonaviError, MemberData,
};
use renkei_vendors::roumumate::{RawEmployee, RoumumateClient};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

/// The connector's name (its function folder).
pub const NAME: &str = "roumumate-kaonavi";

/// C2.8: :00, :15, :30, :45 — EventBridge `cron(0,15,30,45 * * * ? *)`.
pub const CADENCE: Cadence = Cadence::AlignedMinutes { minutes: 15 };

/// One further target condition (C2.3 "+条件を追加"): the employee's attribute `field`
/// must be one of `any_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCondition {
    /// Attribute name (e.g. 部署, 勤務地).
    pub field: String,
    /// Accepted values.
    pub any_of: Vec<String>,
}

/// Optional target filters (C2.3); empty means everyone in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetFilter {
    /// 雇用形態: any of these (empty = any).
    pub employment_types: Vec<String>,
    /// 入社日 from (inclusive).
    pub hired_from: Option<NaiveDate>,
    /// 入社日 to (inclusive).
    pub hired_to: Option<NaiveDate>,
    /// Further conditions, all of which must hold.
    pub conditions: Vec<FieldCondition>,
}

impl TargetFilter {
    /// Whether the employee is a target.
    pub fn admits(&self, e: &RawEmployee, hire_date: Option<NaiveDate>) -> bool {
        let ty_ok = self.employment_types.is_empty()
            || e.employment_type
                .as_ref()
                .is_some_and(|t| self.employment_types.contains(t));
        let from_ok = self
            .hired_from
            .is_none_or(|f| hire_date.is_some_and(|d| d >= f));
        let to_ok = self
            .hired_to
            .is_none_or(|t| hire_date.is_some_and(|d| d <= t));
        let cond_ok = self.conditions.iter().all(|c| {
            e.attributes
                .get(&c.field)
                .is_some_and(|v| c.any_of.contains(v))
        });
        ty_ok && from_ok && to_ok && cond_ok
    }
}

/// Kaonavi rate limits as configuration (vendor-contracts.md: make both limits configuration).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KaonaviLimits {
    /// Requests per hour (None = unlimited).
    pub requests_per_hour: Option<u32>,
    /// Writes per 60 s (None = unlimited).
    pub writes_per_minute: Option<u32>,
    /// Divides the windows (sandbox time scaling; 1.0 in production).
    pub time_scale: f64,
}

impl Default for KaonaviLimits {
    fn default() -> Self {
        Self {
            requests_per_hour: Some(1000),
            writes_per_minute: Some(5),
            time_scale: 1.0,
        }
    }
}

/// Connection settings (stored in the connection; no secrets here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Roumumate API base URL.
    pub roumumate_url: String,
    /// Kaonavi API base URL.
    pub kaonavi_url: String,
    /// Roumumate gender code → Kaonavi gender option (C2.6).
    pub gender_map: BTreeMap<String, String>,
    /// Target filters (C2.3).
    #[serde(default)]
    pub filter: TargetFilter,
    /// Employees per Roumumate page.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Kaonavi limits.
    #[serde(default)]
    pub kaonavi_limits: KaonaviLimits,
    /// Pause between Kaonavi task polls, in milliseconds.
    #[serde(default = "default_task_poll_ms")]
    pub task_poll_ms: u64,
}

fn default_page_size() -> u32 {
    200
}
fn default_task_poll_ms() -> u64 {
    1000
}

/// The connection's secret (one Secrets Manager secret, JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Secret {
    /// Kaonavi Consumer Key / Secret.
    #[serde(flatten)]
    pub kaonavi: Credentials,
    /// Roumumate API token of the tenant.
    pub roumumate_token: String,
}

fn kaonavi_client(settings: &Settings, creds: Credentials) -> Result<KaonaviClient, VendorError> {
    let mut config = KaonaviConfig::new(&settings.kaonavi_url);
    let l = settings.kaonavi_limits;
    let scale = if l.time_scale > 0.0 {
        l.time_scale
    } else {
        1.0
    };
    config.http.limit = l
        .requests_per_hour
        .map(|n| (n, Duration::from_secs_f64(3600.0 / scale)));
    config.http.write_limit = l
        .writes_per_minute
        .map(|n| (n, Duration::from_secs_f64(60.0 / scale)));
    config.task_poll = Duration::from_millis(settings.task_poll_ms);
    KaonaviClient::new(config, creds)
}

/// Builds the connector from a stored connection.
#[derive(Default)]
pub struct Factory;

#[async_trait]
impl ConnectorFactory for Factory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn vendors(&self) -> &'static [&'static str] {
        &["roumumate", "kaonavi"]
    }

    /// C2.9: the Roumumate administrators.
    fn notify_roles(&self) -> &'static [Role] {
        &[Role::Admin]
    }

    /// People's changes are checked by the connector's settings and secret types.
    fn schema(&self) -> Option<renkei_core::config::Schema> {
        Some(renkei_core::config::Schema::of::<Settings, Secret>())
    }

    async fn build<'a>(
        &self,
        conn: &Connection,
        secret: Option<String>,
        env: BuildEnv<'a>,
    ) -> Result<Box<dyn RunConnector + 'a>, SyncError> {
        let (settings, secret): (Settings, Secret) = decode_parts(
            conn,
            secret.as_deref(),
            "認証情報がありません。連携を設定し直してください (credentials missing: set the connection up again)",
        )?;
        let mut kaonavi = kaonavi_client(&settings, secret.kaonavi).map_err(SyncError::from)?;
        let mut roumumate = RoumumateClient::new(
            &settings.roumumate_url,
            &secret.roumumate_token,
            settings.page_size,
        )
        .map_err(SyncError::from)?;
        // Kaonavi's 5 writes per 60 s belong to the Consumer Key: they hold across runs.
        kaonavi.join_run(env.heartbeat.clone());
        roumumate.join_run(env.heartbeat.clone());
        Ok(Box::new(RoumumateKaonavi {
            roumumate,
            kaonavi,
            settings,
            existing: HashSet::new(),
        }))
    }
}

/// The running connector.
pub struct RoumumateKaonavi {
    roumumate: RoumumateClient,
    kaonavi: KaonaviClient,
    settings: Settings,
    /// 社員番号 Kaonavi has (read once per run, kept up to date as we create).
    existing: HashSet<String>,
}

/// Attempts at one batch (each NG or refused request removes the named members).
const BATCH_ROUNDS: usize = 6;

/// 社員番号 named in a Kaonavi message (`社員番号「0001」…`).
fn named_code(message: &str) -> Option<&str> {
    let start = message.find('「')? + '「'.len_utf8();
    let len = message[start..].find('」')?;
    Some(&message[start..start + len])
}

/// Kaonavi's NG message for a create of a 社員番号 it already has.
fn is_already_registered(message: &str) -> bool {
    message.contains("既に登録")
}

impl RoumumateKaonavi {
    async fn refresh_existing(&mut self) -> Result<(), SyncError> {
        self.existing = self
            .kaonavi
            .members()
            .await?
            .into_iter()
            .map(|m| m.code)
            .collect();
        Ok(())
    }

    /// Writes one group (all creates or all updates), answering a result per member code.
    /// NG tasks and synchronous 400s are all-or-nothing at Kaonavi: the members they name
    /// are rejected and the rest sent again. A create whose answer was lost is reconciled by
    /// reading the members again: those that now exist are updated instead.
    async fn write_group(
        &mut self,
        mut pending: Vec<MemberData>,
        create: bool,
        dry_run: bool,
        results: &mut HashMap<String, WriteResult>,
    ) -> Result<Vec<MemberData>, SyncError> {
        let mut moved_to_update = Vec::new();
        for _ in 0..BATCH_ROUNDS {
            if pending.is_empty() {
                break;
            }
            let sent = if create {
                self.kaonavi.create_members(&pending, dry_run).await
            } else {
                self.kaonavi.update_members(&pending, dry_run).await
            };
            let messages = match sent {
                Ok(task_id) => {
                    let task = self.kaonavi.wait_task(task_id).await?;
                    match task.status.as_str() {
                        "OK" => {
                            for m in pending.drain(..) {
                                if create && !dry_run {
                                    self.existing.insert(m.code.clone());
                                }
                                let r = if create {
                                    WriteResult::Created
                                } else {
                                    WriteResult::Updated
                                };
                                results.insert(m.code, r);
                            }
                            break;
                        }
                        "NG" => task.messages.unwrap_or_default(),
                        _ => {
                            return Err(SyncError::Retryable(format!(
                                "Kaonavi task {} ended in ERROR: {}",
                                task.id,
                                task.messages.unwrap_or_default().join(" / ")
                            )));
                        }
                    }
                }
                Err(KaonaviError::Vendor(VendorError::Permanent {
                    status: 400,
                    message,
                    ..
                })) => vec![KaonaviClient::message_of(&message)]
                    .into_iter()
                    .flat_map(|m| m.split(" / ").map(str::to_string).collect::<Vec<_>>())
                    .collect(),
                Err(KaonaviError::Vendor(VendorError::Retryable { .. })) if create && !dry_run => {
                    // The create may or may not have happened: look, then route each member.
                    self.refresh_existing().await?;
                    let (now_exist, still_new): (Vec<_>, Vec<_>) = pending
                        .drain(..)
                        .partition(|m| self.existing.contains(&m.code));
                    moved_to_update.extend(now_exist);
                    pending = still_new;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let named: HashMap<&str, &String> = messages
                .iter()
                .filter_map(|m| named_code(m).map(|c| (c, m)))
                .collect();
            if named.is_empty() {
                // Kaonavi did not say which member: none of them can be trusted to pass.
                let reason = format!("カオナビが拒否しました: {}", messages.join(" / "));
                for m in pending.drain(..) {
                    results.insert(m.code, WriteResult::Rejected(reason.clone()));
                }
                break;
            }
            let mut rest = Vec::new();
            for m in pending.drain(..) {
                match named.get(m.code.as_str()) {
                    // Created in Kaonavi after this run read its members (C2.4: upsert by
                    // 社員番号): it exists now, so it is updated instead of rejected.
                    Some(msg) if create && is_already_registered(msg) => {
                        self.existing.insert(m.code.clone());
                        moved_to_update.push(m);
                    }
                    Some(msg) => {
                        results.insert(
                            m.code.clone(),
                            WriteResult::Rejected(format!("カオナビが拒否しました: {msg}")),
                        );
                    }
                    None => rest.push(m),
                }
            }
            pending = rest;
        }
        for m in pending {
            results.insert(
                m.code,
                WriteResult::Rejected(
                    "カオナビへの書き込みを完了できませんでした (gave up after repeated refusals)"
                        .into(),
                ),
            );
        }
        Ok(moved_to_update)
    }
}

#[async_trait]
impl Connector for RoumumateKaonavi {
    type Record = MemberData;
    /// Roumumate's opaque change cursor.
    type Cursor = String;

    async fn begin(&mut self) -> Result<(), SyncError> {
        self.refresh_existing().await
    }

    async fn pull(&mut self, cursor: Option<String>) -> Result<Page<MemberData>, SyncError> {
        let page = self.roumumate.changed_employees(cursor.as_deref()).await?;
        Ok(Page {
            records: page
                .employees
                .iter()
                .map(|e| mapping::map(e, &self.settings))
                .collect(),
            next_cursor: Some(page.next_cursor),
            has_more: page.has_more,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change<MemberData>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        let mut results = HashMap::new();
        for change in changes {
            let m = change.payload.clone();
            if self.existing.contains(&m.code) {
                updates.push(m);
            } else {
                creates.push(m);
            }
        }
        let moved = self
            .write_group(creates, true, dry_run, &mut results)
            .await?;
        updates.extend(moved);
        self.write_group(updates, false, dry_run, &mut results)
            .await?;
        Ok(changes
            .iter()
            .map(|c| {
                results
                    .remove(&c.key)
                    .unwrap_or_else(|| WriteResult::Rejected("no result from Kaonavi".into()))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kaonavi_messages_name_the_member() {
        assert_eq!(
            named_code("社員番号「0012」は既に登録されています"),
            Some("0012")
        );
        assert_eq!(named_code("サーバーエラー"), None);
    }
}
