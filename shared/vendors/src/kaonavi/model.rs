//! Kaonavi's records as renkei writes and reads them (docs/contracts/kaonavi.md), and the
//! errors of its client.

use super::VENDOR;
use crate::http::VendorError;
use renkei_core::engine::{Cause, Class};
use serde::{Deserialize, Serialize};

/// Consumer Key and Secret (C2.1).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Credentials {
    /// Consumer Key.
    pub consumer_key: String,
    /// Consumer Secret.
    pub consumer_secret: String,
}

/// A member as written (fields we do not manage are omitted, so PATCH leaves them alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MemberData {
    /// 社員番号 (opaque; leading zeros kept).
    pub code: String,
    /// 氏名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// フリガナ (full-width katakana).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
    /// 性別: one of the layout's options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// 生年月日 `YYYY-MM-DD`; `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// 入社日 `YYYY-MM-DD`; `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_date: Option<String>,
}

/// The id Kaonavi gives an asynchronous write (`{"task_id": N}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub u64);

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A task's state, as `GET /tasks/{id}` names it. Any other word is a contract change, and
/// the answer fails to parse (Permanent) rather than being polled forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskStatus {
    /// Done: every member of the request was written.
    #[serde(rename = "OK")]
    Ok,
    /// Refused while running (all or nothing): nothing was written.
    #[serde(rename = "NG")]
    Ng,
    /// Kaonavi's own failure: nothing can be assumed written.
    #[serde(rename = "ERROR")]
    Error,
    /// Queued.
    #[serde(rename = "WAITING")]
    Waiting,
    /// Running.
    #[serde(rename = "RUNNING")]
    Running,
}

impl TaskStatus {
    /// Whether the task has its result (polling it again changes nothing).
    pub fn is_finished(self) -> bool {
        matches!(self, TaskStatus::Ok | TaskStatus::Ng | TaskStatus::Error)
    }
}

/// A task's progress.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TaskProgress {
    /// Task id.
    pub id: TaskId,
    /// Where it stands.
    pub status: TaskStatus,
    /// Messages for NG/ERROR (absent while it runs).
    #[serde(default)]
    pub messages: Option<Vec<String>>,
}

/// Which permission of Kaonavi's 公開API v2 操作対象 a call needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// 取得.
    Get,
    /// 更新.
    Update,
    /// 登録.
    Register,
}

impl Permission {
    /// The setting's label on Kaonavi's admin screen.
    pub fn label(self) -> &'static str {
        match self {
            Permission::Get => "メンバー情報の「取得」",
            Permission::Update => "メンバー情報の「更新」",
            Permission::Register => "メンバー情報の「登録」",
        }
    }
}

/// Kaonavi-specific failures on top of the base's.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KaonaviError {
    /// Transport or vendor error.
    #[error(transparent)]
    Vendor(#[from] VendorError),
    /// 403: the API's operation settings do not allow this (assumed meaning of a 403; see
    /// docs/contracts/kaonavi.md).
    #[error("カオナビの公開API v2 設定で {} が許可されていません (Kaonavi refused: permission missing)", .0.label())]
    PermissionMissing(Permission),
    /// The run's task polls are spent and the task still runs: Retryable, and the caller
    /// keeps the task so that the next run checks it before writing its members again.
    #[error(
        "カオナビのタスク {task} がこの実行で {polls} 回確認しても完了していません。次回の実行でこのタスクの結果を確認してから、その社員を書き込みます (Kaonavi task {task} still running after {polls} polls; this run's {per_run} task polls are spent, and the next run checks the task before writing its members again)"
    )]
    TaskStillRunning {
        /// The task.
        task: TaskId,
        /// Polls of it in this run.
        polls: u32,
        /// The run's bound on task polls.
        per_run: u32,
    },
    /// The run's task polls are spent before a write: it is not sent, since its task could
    /// not be followed (the run continues later with a new bound).
    #[error(
        "この実行のカオナビのタスク確認 ({per_run} 回) を使い切ったため、書き込みを次回の実行に回します (this run's {per_run} Kaonavi task polls are spent: the write waits for the next run)"
    )]
    PollsSpent {
        /// The run's bound on task polls.
        per_run: u32,
    },
}

impl From<KaonaviError> for renkei_core::engine::SyncError {
    fn from(e: KaonaviError) -> Self {
        use renkei_core::engine::SyncError;
        match e {
            KaonaviError::Vendor(v) => v.into(),
            KaonaviError::PermissionMissing(p) => {
                let operation = match p {
                    Permission::Get => "member_get",
                    Permission::Update => "member_update",
                    Permission::Register => "member_register",
                };
                SyncError::Permanent(e.to_string()).because(Cause::vendor(
                    VENDOR,
                    operation,
                    Class::Refused(403),
                ))
            }
            t @ (KaonaviError::TaskStillRunning { .. } | KaonaviError::PollsSpent { .. }) => {
                SyncError::Retryable(t.to_string()).because(TASK_PENDING)
            }
        }
    }
}

/// A Kaonavi task that has not finished: one cause whichever task it is and however many
/// polls or runs it has outlasted.
pub const TASK_PENDING: Cause = Cause::vendor(VENDOR, "task", Class::Pending);
