//! When a run's outcome becomes an email (P8, C2.9): failures and rejected records are told
//! to the connector's roles; success is silent; a repeated failure is told at most once per
//! interval per connection, saying that it persists; a connection that keeps failing is
//! paused, and says so.

use crate::engine::{RunRecord, RunStatus};
use crate::repo::{Automation, Connection, ErrorRow, NoticeState};
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

/// How many rejected records an email lists; the rest are in the CSV report.
const ROWS_IN_EMAIL: usize = 20;

/// Updates the connection's failure bookkeeping for a finished run and says what to send.
pub fn after_run(
    conn: &mut Connection,
    run: &RunRecord,
    rejected: &[ErrorRow],
    policy: NoticePolicy,
    advice: Option<&str>,
    now: DateTime<Utc>,
) -> Option<Message> {
    match run.status {
        RunStatus::Succeeded => {
            conn.consecutive_failures = 0;
            conn.notice = None;
            None
        }
        RunStatus::Running | RunStatus::Continued | RunStatus::Interrupted => None,
        RunStatus::Partial => {
            conn.consecutive_failures = 0;
            let fp = format!("partial:{}", run.run_id);
            problem_email(conn, run, rejected, &fp, policy, advice, now)
        }
        RunStatus::Failed | RunStatus::AuthFailed => {
            conn.consecutive_failures += 1;
            let fp = format!("{:?}:{}", run.status, run.error.as_deref().unwrap_or(""));
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
                conn.notice = Some(NoticeState {
                    fingerprint: fp,
                    first_seen: conn.notice.as_ref().map_or(now, |n| n.first_seen),
                    last_sent: now,
                    untold_runs: vec![],
                });
                return Some(pause_email(conn, run, &reason));
            }
            problem_email(conn, run, rejected, &fp, policy, advice, now)
        }
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
) -> Option<Message> {
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
    conn.notice = Some(NoticeState {
        fingerprint: fingerprint.to_string(),
        first_seen: repeat.unwrap_or(now),
        last_sent: now,
        untold_runs: vec![],
    });
    Some(render(conn, run, rejected, repeat, &untold, advice))
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
