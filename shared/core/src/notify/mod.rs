//! When a run's outcome becomes an email (P8, C2.9): failures and rejected records are told
//! to the connector's roles; success is silent; a repeated failure is told at most once per
//! interval per connection, saying that it persists; a connection that keeps failing is
//! paused, and says so.
//!
//! "The same failure again" is decided by the failure's typed [`Cause`] (who failed, in what,
//! how), which the engine carries from the error to here. Only a failure raised without one
//! (a connector's own text) is still known by its message, with numbers folded.

use crate::connector::Cause;
use crate::ids::RunId;
use crate::repo::{Automation, Connection, ErrorRow, NoticeState};
use crate::run::{RunRecord, RunStatus};
use chrono::{DateTime, Duration, Utc};
use email::{pause_email, render, resolved_email};

mod email;

/// Tunables of the notification policy.
#[derive(Debug, Clone, Copy)]
pub struct NoticePolicy {
    /// At most one email per connection within this interval (a pause notice always goes).
    pub interval: Duration,
    /// The same failure again is told at most once within this (≥ `interval`).
    pub repeat_interval: Duration,
    /// Failed runs in a row after which the connection pauses itself.
    pub pause_after: u32,
}

impl Default for NoticePolicy {
    fn default() -> Self {
        Self {
            interval: Duration::hours(1),
            repeat_interval: Duration::hours(1),
            pause_after: 12,
        }
    }
}

/// Subject and body of an email to send, the same for every recipient (the engine adds the
/// addresses of the connector's roles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `[renkei] <connection>: <what happened>` (a failure's in Japanese with English
    /// alongside).
    pub subject: String,
    /// Plain text for the tenant's people: what happened, the rejected records (the first
    /// 20; the rest are in the CSV report) and what to do, in Japanese with English.
    pub body: String,
}

/// An email to send, and the notice state to record once the mail service accepted it
/// (recording it before would hide the failure for an hour if sending failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The email's words.
    pub message: Message,
    /// What the connection's [`Connection::notice`] becomes once the email is accepted
    /// (None: clear it, as after a recovery).
    pub notice: Option<NoticeState>,
}

/// Remembers a run whose problem was not told (suppressed, or the email could not be sent),
/// so that the next email tells it.
pub fn untold(conn: &mut Connection, run_id: &RunId, now: DateTime<Utc>) {
    let notice = conn.notice.get_or_insert_with(|| NoticeState {
        fingerprint: String::new(),
        first_seen: now,
        last_sent: DateTime::<Utc>::MIN_UTC,
        untold_runs: Vec::new(),
    });
    let id = run_id.to_string();
    if !notice.untold_runs.contains(&id) {
        notice.untold_runs.push(id);
    }
}

/// A failure's fingerprint from its message, with the volatile parts of vendor messages (ids,
/// counts, timestamps) folded, so that one persistent failure is recognised as one failure.
/// The fallback for failures that truly have no structure (raised without a [`Cause`]), and
/// what notices stored before failures had typed causes hold.
pub fn fingerprint(status: RunStatus, error: &str) -> String {
    let mut out = String::with_capacity(error.len());
    let mut in_token = false;
    for ch in error.chars() {
        if ch.is_ascii_digit() {
            if !in_token {
                out.push('#');
            }
            in_token = true;
        } else {
            in_token = false;
            out.push(ch);
        }
    }
    format!("{}:{out}", status.as_str())
}

/// Marks a fingerprint made from a typed cause (`failed:cause=Kaonavi/task/pending`).
const CAUSE_MARK: &str = "cause=";

/// A failure's fingerprint from its typed cause: the same while the cause is, whatever its
/// message names; readable as it is stored.
pub fn cause_fingerprint(status: RunStatus, cause: &Cause) -> String {
    format!("{}:{CAUSE_MARK}{cause}", status.as_str())
}

/// A problem as the policy tells one from another.
struct Problem {
    /// What the notice records (`NoticeState::fingerprint`).
    key: String,
    /// This failure's message fingerprint, when `key` is its cause's: a notice stored before
    /// failures had typed causes holds that, and is still recognised.
    legacy: Option<String>,
}

impl Problem {
    /// A failed or interrupted run, by its cause if it has one.
    fn failure(run: &RunRecord, cause: Option<&Cause>) -> Self {
        let by_text = fingerprint(run.status, run.error.as_deref().unwrap_or(""));
        match cause {
            Some(cause) => Self {
                key: cause_fingerprint(run.status, cause),
                legacy: Some(by_text),
            },
            None => Self {
                key: by_text,
                legacy: None,
            },
        }
    }

    /// Whether a notice's stored fingerprint is this problem's. A typed fingerprint is only
    /// ever compared as typed: two causes stay two however alike their messages read.
    fn is(&self, stored: &str) -> bool {
        let typed = stored
            .split_once(':')
            .is_some_and(|(_, rest)| rest.starts_with(CAUSE_MARK));
        stored == self.key || (!typed && self.legacy.as_deref() == Some(stored))
    }
}

/// Updates the connection's failure bookkeeping for a finished run and says what to send.
/// An interrupted run (its process died, or it stalled past its lease) is a failed run: it
/// counts toward the pause and is told, so a page that always kills its Lambda never
/// stalls silently. `cause` is the failure's typed cause, when it has one.
pub fn after_run(
    conn: &mut Connection,
    run: &RunRecord,
    cause: Option<&Cause>,
    rejected: &[ErrorRow],
    policy: NoticePolicy,
    advice: Option<&str>,
    now: DateTime<Utc>,
) -> Option<Outgoing> {
    match run.status {
        RunStatus::Succeeded => {
            conn.consecutive_failures = 0;
            let untold = conn
                .notice
                .as_ref()
                .map(|n| n.untold_runs.clone())
                .unwrap_or_default();
            if untold.is_empty() {
                conn.notice = None;
                return None;
            }
            // Problems suppressed by the hourly limit are told now, with the good news.
            Some(Outgoing {
                message: resolved_email(conn, run, &untold),
                notice: None,
            })
        }
        RunStatus::Running | RunStatus::Continued => None,
        RunStatus::Partial => {
            conn.consecutive_failures = 0;
            let problem = Problem {
                key: format!("partial:{}", run.run_id),
                legacy: None,
            };
            problem_email(conn, run, rejected, &problem, policy, advice, now)
        }
        RunStatus::Failed | RunStatus::AuthFailed | RunStatus::Interrupted => {
            conn.consecutive_failures += 1;
            let problem = Problem::failure(run, cause);
            if conn.consecutive_failures >= policy.pause_after && conn.automation == Automation::On
            {
                let reason = format!(
                    "{} failed runs in a row; last error: {}",
                    conn.consecutive_failures,
                    run.error.as_deref().unwrap_or("unknown")
                );
                conn.automation = Automation::Paused {
                    reason: reason.clone(),
                };
                return Some(Outgoing {
                    message: pause_email(conn, run, &reason),
                    notice: Some(NoticeState {
                        fingerprint: problem.key,
                        first_seen: conn.notice.as_ref().map_or(now, |n| n.first_seen),
                        last_sent: now,
                        untold_runs: vec![],
                    }),
                });
            }
            problem_email(conn, run, rejected, &problem, policy, advice, now)
        }
    }
}

fn problem_email(
    conn: &mut Connection,
    run: &RunRecord,
    rejected: &[ErrorRow],
    problem: &Problem,
    policy: NoticePolicy,
    advice: Option<&str>,
    now: DateTime<Utc>,
) -> Option<Outgoing> {
    let repeat = conn
        .notice
        .as_ref()
        .filter(|n| problem.is(&n.fingerprint))
        .map(|n| n.first_seen);
    let quiet = |n: &NoticeState| {
        let wait = if repeat.is_some() {
            policy.repeat_interval.max(policy.interval)
        } else {
            policy.interval
        };
        now < n.last_sent + wait
    };
    if let Some(notice) = conn.notice.as_mut()
        && quiet(notice)
    {
        // Told recently: remember the run so the next email mentions it.
        if !problem.is(&notice.fingerprint) || repeat.is_none() {
            notice.untold_runs.push(run.run_id.to_string());
        }
        return None;
    }
    let untold = conn
        .notice
        .as_ref()
        .map(|n| n.untold_runs.clone())
        .unwrap_or_default();
    Some(Outgoing {
        message: render(conn, run, rejected, repeat, &untold, advice),
        notice: Some(NoticeState {
            fingerprint: problem.key.clone(),
            first_seen: repeat.unwrap_or(now),
            last_sent: now,
            untold_runs: vec![],
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cadence, ConnectionId, TenantId};

    fn connection(connector: &str, id: &str) -> Connection {
        let now = Utc::now();
        Connection::new(
            TenantId::new("acme").unwrap(),
            ConnectionId::new(id).unwrap(),
            connector,
            serde_json::json!({}),
            Cadence::AlignedMinutes { minutes: 15 },
            now,
            now,
        )
    }

    fn run(conn: &Connection, status: &str, error: Option<&str>) -> RunRecord {
        serde_json::from_value(serde_json::json!({
            "tenant_id": conn.tenant_id, "connection_id": conn.connection_id,
            "run_id": "20261207T101500000Z-0000abcd", "connector": conn.connector,
            "status": status, "dry_run": false, "started_at": Utc::now(),
            "counts": {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1, "skipped": 0},
            "pages": 1, "error": error,
        }))
        .unwrap()
    }

    fn email(conn: &mut Connection, status: &str) -> Message {
        let r = run(conn, status, Some("Kaonavi refused the request"));
        let rows = [ErrorRow {
            record: "99002".into(),
            reason: "gender option not mapped".into(),
        }];
        let policy = NoticePolicy::default();
        after_run(conn, &r, None, &rows, policy, None, Utc::now())
            .expect("an email")
            .message
    }

    #[test]
    fn p8_an_email_subject_names_a_connection_named_after_its_connector_once() {
        let mut conn = connection("roumumate-kaonavi", "roumumate-kaonavi");
        let subject = email(&mut conn, "partial").subject;
        assert_eq!(subject.matches("roumumate-kaonavi").count(), 1, "{subject}");
        let mut other = connection("mynavi-hrmos", "mynavi-3f2a9c01b7de");
        let subject = email(&mut other, "failed").subject;
        assert!(
            subject.contains("mynavi-hrmos mynavi-3f2a9c01b7de:"),
            "a connection id that does not say its connector gets it: {subject}"
        );
    }

    #[test]
    fn p8_a_tenant_email_has_no_operator_command() {
        for status in ["partial", "failed", "auth_failed"] {
            let mut conn = connection("roumumate-kaonavi", "roumumate-kaonavi");
            let m = email(&mut conn, status);
            assert!(!m.body.contains("renkei "), "{status}: {}", m.body);
        }
        let mut conn = connection("roumumate-kaonavi", "roumumate-kaonavi");
        conn.consecutive_failures = NoticePolicy::default().pause_after - 1;
        let pause = email(&mut conn, "failed");
        assert!(pause.subject.contains("paused"), "{}", pause.subject);
        assert!(!pause.body.contains("renkei "), "{}", pause.body);
        let r = run(&conn, "succeeded", None);
        untold(
            &mut conn,
            &RunId::new("20261207T091500000Z-00000001").unwrap(),
            Utc::now(),
        );
        let resolved = after_run(
            &mut conn,
            &r,
            None,
            &[],
            NoticePolicy::default(),
            None,
            Utc::now(),
        )
        .expect("the recovery tells the untold run")
        .message;
        assert!(!resolved.body.contains("renkei "), "{}", resolved.body);
    }

    #[test]
    fn p8_switching_automation_back_on_is_asked_only_when_renkei_paused_it() {
        let on = "『連携の自動化』をONにしてください";
        let mut conn = connection("roumumate-kaonavi", "roumumate-kaonavi");
        let m = email(&mut conn, "failed");
        assert!(!m.body.contains(on), "automation is on: {}", m.body);
        assert!(m.body.contains("ONのまま"), "{}", m.body);
        let mut paused = connection("roumumate-kaonavi", "roumumate-kaonavi");
        paused.automation = Automation::Paused {
            reason: "12 failed runs in a row".into(),
        };
        let m = email(&mut paused, "failed");
        assert!(m.body.contains(on), "{}", m.body);
    }

    #[test]
    fn p8_one_persistent_failure_has_one_fingerprint_whatever_ids_and_times_it_names() {
        let a = fingerprint(
            RunStatus::Failed,
            "Kaonavi task 81723 ended in ERROR at 2026-11-22T10:15:03Z (request 7f3a)",
        );
        let b = fingerprint(
            RunStatus::Failed,
            "Kaonavi task 91 ended in ERROR at 2026-11-22T11:30:44Z (request 7f3a)",
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint(RunStatus::Failed, "Roumumate refused the credentials"),
            "different failures stay apart"
        );
    }
}
