//! When a run's outcome becomes an email (P8, C2.9): failures and rejected records are told
//! to the connector's roles; success is silent; a repeated failure is told at most once per
//! interval per connection, saying that it persists; a connection that keeps failing is
//! paused, and says so.

use crate::ids::RunId;
use crate::repo::{Automation, Connection, ErrorRow, NoticeState};
use crate::run::{RunRecord, RunStatus};
use chrono::{DateTime, Duration, Utc};

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

/// Subject and body of an email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// An email to send, and the notice state to record once the mail service accepted it
/// (recording it before would hide the failure for an hour if sending failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// What to send.
    pub message: Message,
    /// The connection's notice state after a successful send.
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

/// A failure's fingerprint, with the volatile parts of vendor messages (ids, counts,
/// timestamps) folded, so that one persistent failure is recognised as one failure.
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

/// How many rejected records an email lists; the rest are in the CSV report.
const ROWS_IN_EMAIL: usize = 20;

/// Updates the connection's failure bookkeeping for a finished run and says what to send.
/// An interrupted run (its process died, or it stalled past its lease) is a failed run: it
/// counts toward the pause and is told, so a page that always kills its Lambda never
/// stalls silently.
pub fn after_run(
    conn: &mut Connection,
    run: &RunRecord,
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
            let fp = format!("partial:{}", run.run_id);
            problem_email(conn, run, rejected, &fp, policy, advice, now)
        }
        RunStatus::Failed | RunStatus::AuthFailed | RunStatus::Interrupted => {
            conn.consecutive_failures += 1;
            let fp = fingerprint(run.status, run.error.as_deref().unwrap_or(""));
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
                        fingerprint: fp,
                        first_seen: conn.notice.as_ref().map_or(now, |n| n.first_seen),
                        last_sent: now,
                        untold_runs: vec![],
                    }),
                });
            }
            problem_email(conn, run, rejected, &fp, policy, advice, now)
        }
    }
}

fn resolved_email(conn: &Connection, run: &RunRecord, untold: &[String]) -> Message {
    let body = format!(
        "連携は回復しました (the connection works again)\n\n{}\n前回の通知以降、次の実行で問題がありました (problems since the last email, not mailed separately): {}\n詳細: renkei runs {} {}\n",
        header(conn, run),
        untold.join(", "),
        conn.tenant_id,
        conn.connection_id
    );
    Message {
        subject: format!(
            "[renkei] {} {}: recovered after earlier problems",
            conn.connector, conn.connection_id
        ),
        body,
    }
}

fn problem_email(
    conn: &mut Connection,
    run: &RunRecord,
    rejected: &[ErrorRow],
    fingerprint: &str,
    policy: NoticePolicy,
    advice: Option<&str>,
    now: DateTime<Utc>,
) -> Option<Outgoing> {
    let repeat = conn
        .notice
        .as_ref()
        .filter(|n| n.fingerprint == fingerprint)
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
        if notice.fingerprint != fingerprint || repeat.is_none() {
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
            fingerprint: fingerprint.to_string(),
            first_seen: repeat.unwrap_or(now),
            last_sent: now,
            untold_runs: vec![],
        }),
    })
}

fn header(conn: &Connection, run: &RunRecord) -> String {
    format!(
        "テナント / tenant: {}\n接続 / connection: {} ({})\n実行 / run: {}\n状態 / status: {}\n",
        conn.tenant_id,
        conn.connection_id,
        conn.connector,
        run.run_id,
        run.status.as_str()
    )
}

fn render(
    conn: &Connection,
    run: &RunRecord,
    rejected: &[ErrorRow],
    persists_since: Option<DateTime<Utc>>,
    untold: &[String],
    advice: Option<&str>,
) -> Message {
    let what = match run.status {
        RunStatus::Partial => "一部のデータを連携できませんでした (some records were rejected)",
        RunStatus::AuthFailed => "認証に失敗しました (authentication failed)",
        RunStatus::Interrupted => "連携が途中で止まりました (the run stopped without finishing)",
        _ => "連携に失敗しました (the sync failed)",
    };
    let mut body = format!("{what}\n\n{}", header(conn, run));
    if let Some(since) = persists_since {
        body += &format!(
            "\nこのエラーは {} から続いています ({} 回連続)。 This failure persists since {} ({} failed runs in a row).\n",
            since.format("%Y-%m-%d %H:%M UTC"),
            conn.consecutive_failures,
            since.to_rfc3339(),
            conn.consecutive_failures
        );
    }
    if let Some(err) = &run.error {
        body += &format!("\nエラー内容 / error:\n{err}\n");
    }
    if !rejected.is_empty() {
        body += &format!(
            "\n連携できなかったデータ / rejected records ({}):\n",
            rejected.len()
        );
        for row in rejected.iter().take(ROWS_IN_EMAIL) {
            body += &format!("- {}: {}\n", row.record, row.reason);
        }
        if rejected.len() > ROWS_IN_EMAIL {
            body += &format!(
                "… {} more in the error report.\n",
                rejected.len() - ROWS_IN_EMAIL
            );
        }
    }
    if !untold.is_empty() {
        body += &format!(
            "\nProblems in earlier runs not mailed separately: {}\n",
            untold.join(", ")
        );
    }
    match advice {
        Some(advice) => body += &format!("\n{advice}\n"),
        None => body += "\n内容を確認・修正したうえで、再度『連携の自動化』をONにしてください。\n",
    }
    body += &format!(
        "Full report: renkei errors {} {} {} --csv\n",
        conn.tenant_id, conn.connection_id, run.run_id
    );
    Message {
        subject: format!(
            "[renkei] {} {}: {}",
            conn.connector, conn.connection_id, what
        ),
        body,
    }
}

fn pause_email(conn: &Connection, run: &RunRecord, reason: &str) -> Message {
    let body = format!(
        "連携を一時停止しました (the connection has been paused)\n\n{}\n理由 / reason: {reason}\n\n原因を修正したうえで、『連携の自動化』をONにしてください (renkei resume {} {}).\n",
        header(conn, run),
        conn.tenant_id,
        conn.connection_id
    );
    Message {
        subject: format!(
            "[renkei] {} {}: paused after repeated failures",
            conn.connector, conn.connection_id
        ),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
