//! The emails' words: what a notice says, to the tenant's people, in Japanese with English
//! alongside (notify/mod.rs decides whether and when one goes).

use super::Message;
use crate::repo::{Automation, Connection, ErrorRow};
use crate::run::{RunRecord, RunStatus};
use chrono::{DateTime, Utc};

/// How many rejected records an email lists; the rest are in the CSV report.
const ROWS_IN_EMAIL: usize = 20;

pub(super) fn resolved_email(conn: &Connection, run: &RunRecord, untold: &[String]) -> Message {
    let body = format!(
        "連携は回復しました (the connection works again)\n\n{}\n前回の通知以降、次の実行で問題がありました (problems since the last email, not mailed separately): {}\n詳細は接続の実行履歴でご確認いただけます (the connection's run history shows them).\n",
        header(conn, run),
        untold.join(", "),
    );
    Message {
        subject: format!(
            "[renkei] {}: recovered after earlier problems",
            connection_name(conn)
        ),
        body,
    }
}

/// How an email names the connection: its id after the connector's name, or the id alone
/// when it says the connector's name already (`roumumate-kaonavi` once, not twice).
fn connection_name(conn: &Connection) -> String {
    let id = conn.connection_id.as_str();
    if id.starts_with(conn.connector.as_str()) {
        id.to_string()
    } else {
        format!("{} {id}", conn.connector)
    }
}

fn header(conn: &Connection, run: &RunRecord) -> String {
    format!(
        "テナント / tenant: {}\n接続 / connection: {}\n実行 / run: {}\n状態 / status: {}\n",
        conn.tenant_id,
        connection_name(conn),
        run.run_id,
        run.status.as_str()
    )
}

/// What to do, when the connector has no advice of its own: the email goes to the tenant's
/// people (no operator commands), and says what renkei does next given the automation's
/// state — switching it back on is asked only when it is off.
fn default_advice(conn: &Connection, run: &RunRecord) -> &'static str {
    match (&conn.automation, run.status) {
        (Automation::Paused { .. }, _) => {
            "連携の自動化はrenkeiが停止しています。内容を確認・修正したうえで、再度『連携の自動化』をONにしてください (automation was paused by renkei: switch it back on once fixed)."
        }
        (Automation::Off, _) => {
            "連携の自動化はOFFです (automation is off): ONにするまで自動では実行されません。"
        }
        (Automation::On, RunStatus::Partial) => {
            "上記のデータを元のシステムで確認・修正してください。その他のデータは連携済みです。連携の自動化はONのままで、次回の実行は予定どおり行われます (correct these records at the source; the rest were synced; automation stays on)."
        }
        (Automation::On, RunStatus::AuthFailed) => {
            "認証情報を確認し、接続の設定で入力し直してください。連携の自動化はONのままで、次回の実行で再試行します (check the credentials and enter them again in the connection's settings; automation stays on and the next run tries again)."
        }
        (Automation::On, _) => {
            "連携の自動化はONのままで、次回の実行で自動的に再試行します (automation stays on; the next run tries again)."
        }
    }
}

pub(super) fn render(
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
            let more = rejected.len() - ROWS_IN_EMAIL;
            body += &format!(
                "… 他 {more} 件は実行 {} のエラーレポートにあります ({more} more in the error report of run {}).\n",
                run.run_id, run.run_id
            );
        }
    }
    if !untold.is_empty() {
        body += &format!(
            "\nProblems in earlier runs not mailed separately: {}\n",
            untold.join(", ")
        );
    }
    let advice = advice.unwrap_or_else(|| default_advice(conn, run));
    body += &format!("\n{advice}\n");
    Message {
        subject: format!("[renkei] {}: {what}", connection_name(conn)),
        body,
    }
}

pub(super) fn pause_email(conn: &Connection, run: &RunRecord, reason: &str) -> Message {
    let body = format!(
        "連携を一時停止しました (the connection has been paused)\n\n{}\n理由 / reason: {reason}\n\n原因を修正したうえで、接続の設定で『連携の自動化』をONにしてください (switch automation back on once the cause is fixed).\n",
        header(conn, run),
    );
    Message {
        subject: format!(
            "[renkei] {}: paused after repeated failures",
            connection_name(conn)
        ),
        body,
    }
}
