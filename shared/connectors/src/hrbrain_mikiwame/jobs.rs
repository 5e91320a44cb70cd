//! C3.6: the background-job list (バックグラウンド処理一覧) and its error files, read from
//! the connection's run records and error reports.
//!
//! ステータス: a run that finished with every record synced is 成功; a partial run (some
//! records rejected, each in the error file) is also 成功 — seed 002 shows 成功 with an
//! error file to download — unless nothing at all was synced, which is 失敗; a failed,
//! refused (credentials) or interrupted run is 失敗; a running or continued one is 実行中.

use super::Kind;
use chrono::{DateTime, FixedOffset, Utc};
use renkei_core::engine::{RunRecord, RunStatus};
use renkei_core::ports::{StateStore, StoreError};
use renkei_core::repo::{ErrorRow, Repo};
use renkei_core::{ConnectionId, RunId, TenantId};
use serde::Serialize;

/// ステータス.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JobStatus {
    /// 実行中.
    #[serde(rename = "実行中")]
    Running,
    /// 成功.
    #[serde(rename = "成功")]
    Success,
    /// 失敗.
    #[serde(rename = "失敗")]
    Failure,
}

impl JobStatus {
    /// As the list shows it.
    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Running => "実行中",
            JobStatus::Success => "成功",
            JobStatus::Failure => "失敗",
        }
    }

    /// The status of a run (the mapping in the module docs).
    pub fn of(run: &RunRecord) -> Self {
        let c = run.counts;
        match run.status {
            RunStatus::Running | RunStatus::Continued => JobStatus::Running,
            RunStatus::Succeeded => JobStatus::Success,
            RunStatus::Partial if c.created + c.updated + c.unchanged > 0 => JobStatus::Success,
            RunStatus::Partial
            | RunStatus::Failed
            | RunStatus::AuthFailed
            | RunStatus::Interrupted => JobStatus::Failure,
        }
    }
}

/// One line of the job list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// The run.
    pub run_id: RunId,
    /// 実行内容.
    pub what: &'static str,
    /// ステータス.
    pub status: JobStatus,
    /// 実行日時 (Japan time, `YYYY/MM/DD HH:MM` as Mikiwame shows it).
    pub started: String,
    /// Rows in the error file (0: no file, shown as `-`).
    pub errors: u64,
    /// Why the run failed, if it did.
    pub error: Option<String>,
    /// A dry run (nothing was written).
    pub dry_run: bool,
}

/// 実行内容 of a run's scope.
pub fn what(scope: Option<&str>) -> &'static str {
    match Kind::of_scope(scope).as_slice() {
        [Kind::Departments] => "HRBrain部署情報取込（部署同期）",
        [Kind::Employees] => "HRBrain社員情報取込（従業員同期）",
        _ => "HRBrain部署・社員情報取込（部署同期・従業員同期）",
    }
}

/// Japan Standard Time (UTC+9, no summer time).
fn jst(at: DateTime<Utc>) -> String {
    let offset =
        FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!("9 h is a valid offset"));
    at.with_timezone(&offset)
        .format("%Y/%m/%d %H:%M")
        .to_string()
}

/// The connection's jobs, newest first.
pub async fn jobs(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<Vec<Job>, StoreError> {
    let mut runs = Repo::new(store).runs(t, c).await?;
    runs.reverse();
    Ok(runs
        .iter()
        .map(|r| Job {
            run_id: r.run_id.clone(),
            what: what(r.scope.as_deref()),
            status: JobStatus::of(r),
            started: jst(r.started_at),
            errors: r.counts.rejected,
            error: r.error.clone(),
            dry_run: r.dry_run,
        })
        .collect())
}

/// The error file of a run (エラーファイル): CSV in UTF-8 with a BOM so that Excel opens it,
/// CRLF line ends, one row per rejected record with its reason.
pub async fn error_file(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    run: &RunId,
) -> Result<Vec<u8>, StoreError> {
    let rows = Repo::new(store).errors(t, c, run).await?;
    Ok(error_csv(&rows))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Rows as the error file's bytes.
pub fn error_csv(rows: &[ErrorRow]) -> Vec<u8> {
    let mut out = String::from("\u{feff}種別,対象,理由\r\n");
    for row in rows {
        let (kind, target) = match row.record.split_once(':') {
            Some(("部署", rest)) => ("部署", rest),
            Some(("社員", rest)) => ("社員", rest),
            _ if row.record.starts_with("部署") => ("部署", row.record.as_str()),
            _ => ("", row.record.as_str()),
        };
        out.push_str(&format!(
            "{},{},{}\r\n",
            csv_field(kind),
            csv_field(target),
            csv_field(&row.reason)
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c3_6_the_error_file_opens_in_excel_and_quotes_what_needs_it() {
        let bytes = error_csv(&[
            ErrorRow {
                record: "社員:a@example.jp".into(),
                reason: "所属部署「営業部, 東京」がミキワメにありません".into(),
            },
            ErrorRow {
                record: "部署「本社」(項目ID x)".into(),
                reason: "組織情報コードが入力されていないため連携しません".into(),
            },
        ]);
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "種別,対象,理由");
        assert_eq!(
            lines[1],
            "社員,a@example.jp,\"所属部署「営業部, 東京」がミキワメにありません\""
        );
        assert!(lines[2].starts_with("部署,部署「本社」"));
    }

    #[test]
    fn c3_6_partial_is_success_with_an_error_file_unless_nothing_synced() {
        let mut run: RunRecord = serde_json::from_value(serde_json::json!({
            "tenant_id": "t", "connection_id": "c", "run_id": "r", "connector": "hrbrain-mikiwame",
            "status": "partial", "dry_run": false, "started_at": "2026-11-22T11:27:00Z",
            "finished_at": null, "cursor_from": null, "cursor_to": null,
            "counts": {"created": 3, "updated": 0, "unchanged": 0, "rejected": 1, "skipped": 0},
            "pages": 1, "error": null
        }))
        .expect("run");
        assert_eq!(JobStatus::of(&run), JobStatus::Success);
        run.counts.created = 0;
        assert_eq!(JobStatus::of(&run), JobStatus::Failure);
        run.status = RunStatus::Continued;
        assert_eq!(JobStatus::of(&run), JobStatus::Running);
        assert_eq!(jst(run.started_at), "2026/11/22 20:27");
    }
}
