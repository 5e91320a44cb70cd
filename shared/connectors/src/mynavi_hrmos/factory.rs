//! C1's factory: builds the connector of a run, and owns the schedule (C1.3), the account
//! status (C1.2) and the failure advice (C1.8).

use super::*;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use renkei_core::Cadence;
use renkei_core::engine::{
    BuildEnv, ConnectorFactory, RunConnector, RunRecord, RunStatus, SyncError,
};
use renkei_core::notify::NoticePolicy;
use renkei_core::repo::{Connection, Role};
use renkei_vendors::hrmos::HrmosClient;
use renkei_vendors::http::RunBound;
use renkei_vendors::mynavi::MynaviClient;

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

    /// C1 is connected one Mynavi account at a time (`renkei mynavi register`, the admin
    /// API's `POST …/mynavi/accounts`), each checked with its own login.
    async fn setup(
        &self,
        _env: renkei_core::setup::SetupEnv<'_>,
        _request: renkei_core::setup::SetupRequest,
    ) -> Result<renkei_core::setup::Connected, renkei_core::setup::SetupError> {
        Err(renkei_core::setup::SetupError::NotHere(format!(
            "{NAME} connects one Mynavi account at a time: POST …/mynavi/accounts (renkei mynavi register)"
        )))
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
        let settings = read_settings(conn)?;
        let secret: Secret = renkei_core::connector::decode_secret(
            secret.as_deref(),
            "マイナビ転職のID・パスワードが登録されていません (no credentials: the account was deleted)",
        )?;
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
        let rules = super::store::rules(env.store, &conn.tenant_id).await?;
        Ok(Box::new(MynaviHrmos::new(
            mynavi,
            hrmos,
            rules,
            settings,
            env.now,
            env.heartbeat.clone(),
        )))
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
        let name =
            read_settings(conn).map_or_else(|_| conn.connection_id.to_string(), |s| s.account_name);
        Some(match run.status {
            RunStatus::AuthFailed => format!(
                "マイナビ転職アカウント「{name}」の連携に失敗しました: ①ID・パスワードの誤り (wrong ID or password).\n\
                 対処: 設定 → 自動応募者取り込み → マイナビ転職 で、このアカウントのIDとパスワードを入力し直してください。\n\
                 成功するまで1時間ごとに自動で再試行します。"
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
