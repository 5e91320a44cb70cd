//! What Kaonavi's answers to a write mean (docs/contracts/kaonavi.md, "Writes are tasks"):
//! the task status words, the `messages` of an NG or ERROR task and the `{"errors":[…]}` body
//! of a synchronous 400 are read here, once, into types; callers match on enums only.

use super::model::{KaonaviError, TaskId, TaskProgress, TaskStatus};
use super::{VENDOR, vendor_message};
use crate::http::VendorError;

/// What a write request (`POST`/`PATCH /members`) came to at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteStart {
    /// Kaonavi took the request: its task writes the members when it runs.
    Task(TaskId),
    /// Kaonavi refused the request at once (a 400 validation error before any task
    /// existed): nothing of it was written.
    Refused(Refusal),
}

/// A finished task's outcome (OK, NG or ERROR). A task still running is no outcome: the
/// client answers [`KaonaviError::TaskStillRunning`] when it cannot wait for it any longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOutcome {
    /// OK: every member of the request was written.
    Written,
    /// NG: Kaonavi refused the request while the task ran (all or nothing): nothing was
    /// written.
    Refused(Refusal),
    /// ERROR: Kaonavi's own failure; nothing can be assumed written.
    Failed(TaskFailure),
}

/// What Kaonavi says of a task an earlier run started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskCheck {
    /// The task has finished, with this outcome.
    Finished(TaskOutcome),
    /// Kaonavi no longer knows the task (404): its members are simply written again.
    Forgotten,
}

/// Why Kaonavi refused a whole request (an NG task or a synchronous 400). Refusals are all
/// or nothing: none of the request's members was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Kaonavi named these members (each 社員番号 once, with the last message naming it);
    /// the members it did not name were refused only with them and may be sent again.
    Members(Vec<MemberRefusal>),
    /// Kaonavi named no member: none of the request's members can be trusted to pass.
    Request {
        /// Kaonavi's messages, joined with ` / ` (what a person is shown).
        message: String,
    },
}

/// One member Kaonavi named in a refusal (`社員番号「<code>」…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRefusal {
    /// The 社員番号 the message names.
    pub code: String,
    /// What the message says of it.
    pub reason: RefusalReason,
    /// Kaonavi's message, as written (what a person is shown).
    pub message: String,
}

/// What a refusal says of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    /// Kaonavi has this 社員番号 already (`…既に登録…`): a create of it cannot pass, an update
    /// can.
    AlreadyRegistered,
    /// Any other refusal of the member (duplicate in the request, unknown code, invalid
    /// field …).
    Other,
}

/// A task that ended in ERROR: Retryable, since it is Kaonavi's own failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailure {
    /// The task, as its answer names it.
    pub task: TaskId,
    /// Kaonavi's messages for it.
    pub messages: Vec<String>,
}

impl From<TaskFailure> for KaonaviError {
    fn from(f: TaskFailure) -> Self {
        VendorError::Retryable {
            vendor: VENDOR,
            message: format!("task {} ended in ERROR: {}", f.task, f.messages.join(" / ")),
        }
        .into()
    }
}

impl TaskProgress {
    /// The task's outcome once it has finished (OK, NG or ERROR); `None` while it is
    /// WAITING or RUNNING.
    pub fn outcome(&self) -> Option<TaskOutcome> {
        let messages = || self.messages.clone().unwrap_or_default();
        match self.status {
            TaskStatus::Ok => Some(TaskOutcome::Written),
            TaskStatus::Ng => Some(TaskOutcome::Refused(Refusal::from_messages(messages()))),
            TaskStatus::Error => Some(TaskOutcome::Failed(TaskFailure {
                task: self.id,
                messages: messages(),
            })),
            TaskStatus::Waiting | TaskStatus::Running => None,
        }
    }
}

impl Refusal {
    /// Reads Kaonavi's messages of a refusal: the members they name, or the whole request
    /// when they name nobody.
    pub fn from_messages(messages: Vec<String>) -> Self {
        let mut members: Vec<MemberRefusal> = Vec::new();
        for message in &messages {
            let Some(code) = named_code(message) else {
                continue;
            };
            let refusal = MemberRefusal {
                code: code.to_string(),
                reason: if is_already_registered(message) {
                    RefusalReason::AlreadyRegistered
                } else {
                    RefusalReason::Other
                },
                message: message.clone(),
            };
            // The last message naming a member is the one it is refused with.
            match members.iter_mut().find(|r| r.code == refusal.code) {
                Some(earlier) => *earlier = refusal,
                None => members.push(refusal),
            }
        }
        if members.is_empty() {
            Refusal::Request {
                message: messages.join(" / "),
            }
        } else {
            Refusal::Members(members)
        }
    }

    /// A synchronous refusal's body (`{"errors":["…"]}`, or plain text), one message per
    /// ` / `-separated part.
    pub(super) fn from_body(body: &str) -> Self {
        Self::from_messages(
            vendor_message(body)
                .split(" / ")
                .map(str::to_string)
                .collect(),
        )
    }
}

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

    fn strings(messages: &[&str]) -> Vec<String> {
        messages.iter().map(|m| m.to_string()).collect()
    }

    #[test]
    fn a_refusal_names_each_member_once_with_its_last_message() {
        let refusal = Refusal::from_messages(strings(&[
            "社員番号「0001」は既に登録されています",
            "社員番号「0002」が重複しています",
            "名前が長すぎます",
            "社員番号「0002」のメンバーが存在しません",
        ]));
        assert_eq!(
            refusal,
            Refusal::Members(vec![
                MemberRefusal {
                    code: "0001".into(),
                    reason: RefusalReason::AlreadyRegistered,
                    message: "社員番号「0001」は既に登録されています".into(),
                },
                MemberRefusal {
                    code: "0002".into(),
                    reason: RefusalReason::Other,
                    message: "社員番号「0002」のメンバーが存在しません".into(),
                },
            ])
        );
    }

    #[test]
    fn a_refusal_naming_nobody_refuses_the_request_in_kaonavi_s_words() {
        assert_eq!(
            Refusal::from_messages(strings(&["エラーメッセージ1", "エラーメッセージ2"])),
            Refusal::Request {
                message: "エラーメッセージ1 / エラーメッセージ2".into()
            }
        );
        assert_eq!(
            Refusal::from_body(r#"{"errors":["エラーメッセージ1","社員番号「7」は不正です"]}"#),
            Refusal::Members(vec![MemberRefusal {
                code: "7".into(),
                reason: RefusalReason::Other,
                message: "社員番号「7」は不正です".into(),
            }])
        );
        assert_eq!(
            Refusal::from_body(" plain text "),
            Refusal::Request {
                message: "plain text".into()
            }
        );
    }

    #[test]
    fn the_documented_task_answers_have_an_outcome_exactly_when_finished() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/kaonavi/tasks.json"
        ))
        .expect("fixture is JSON");
        let answers: Vec<TaskProgress> =
            serde_json::from_value(fixture["answers"].clone()).expect("documented answers");
        let outcomes: Vec<Option<TaskOutcome>> = answers.iter().map(|t| t.outcome()).collect();
        assert_eq!(
            outcomes,
            [
                Some(TaskOutcome::Written),
                None,
                Some(TaskOutcome::Refused(Refusal::Request {
                    message: "エラーメッセージ1 / エラーメッセージ2".into()
                })),
            ]
        );
        for t in &answers {
            assert_eq!(t.outcome().is_some(), t.status.is_finished());
        }
        let error: TaskProgress =
            serde_json::from_str(r#"{"id":9,"status":"ERROR","messages":["a","b"]}"#).unwrap();
        let Some(TaskOutcome::Failed(failure)) = error.outcome() else {
            panic!("ERROR is a failure: {error:?}");
        };
        assert_eq!(
            KaonaviError::from(failure),
            KaonaviError::Vendor(VendorError::Retryable {
                vendor: "Kaonavi",
                message: "task 9 ended in ERROR: a / b".into()
            })
        );
    }
}
