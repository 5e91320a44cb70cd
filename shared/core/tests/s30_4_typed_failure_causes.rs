//! Issue 30, item 4: a failure carries a typed cause (who failed, in what, how), and the
//! notification policy knows "the same failure again" by it, not by the digits of its message.

use chrono::{DateTime, Duration, Utc};
use renkei_core::engine::{Cause, Class, RunRecord, RunStatus};
use renkei_core::notify::{Message, NoticePolicy, after_run, fingerprint};
use renkei_core::repo::{Connection, NoticeState};
use renkei_core::{Cadence, ConnectionId, TenantId};

fn connection() -> Connection {
    let now = Utc::now();
    Connection::new(
        TenantId::new("acme").unwrap(),
        ConnectionId::new("roumumate-kaonavi").unwrap(),
        "roumumate-kaonavi",
        serde_json::json!({}),
        Cadence::AlignedMinutes { minutes: 15 },
        now,
        now,
    )
}

fn failed(conn: &Connection, error: &str) -> RunRecord {
    serde_json::from_value(serde_json::json!({
        "tenant_id": conn.tenant_id, "connection_id": conn.connection_id,
        "run_id": "20261207T101500000Z-0000abcd", "connector": conn.connector,
        "status": "failed", "dry_run": false, "started_at": Utc::now(),
        "counts": {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0, "skipped": 0},
        "pages": 0, "error": error,
    }))
    .unwrap()
}

/// The email of a failed run with `error` and `cause`, `at`.
fn told(conn: &mut Connection, error: &str, cause: Cause, at: DateTime<Utc>) -> Option<Message> {
    let run = failed(conn, error);
    let out = after_run(
        conn,
        &run,
        Some(&cause),
        &[],
        NoticePolicy::default(),
        None,
        at,
    )?;
    conn.notice = out.notice;
    Some(out.message)
}

/// Two failed runs an hour and a half apart (past the hourly limit), each with its message
/// and cause: the second one's email.
fn told_again(first: (&str, Cause), second: (&str, Cause)) -> Message {
    let mut conn = connection();
    let t0 = Utc::now();
    told(&mut conn, first.0, first.1, t0).expect("the first failure is told");
    let later = t0 + Duration::minutes(90);
    told(&mut conn, second.0, second.1, later).expect("told again after the interval")
}

#[test]
fn s30_4_one_typed_cause_is_one_failure_whatever_numbers_its_messages_name() {
    let task = Cause::vendor("Kaonavi", "task", Class::Pending);
    let first = "Kaonavi task 81723 (0001 yamada@example.com) still running after 3 runs";
    let second = "Kaonavi task 91 (0417 sato@example.com) still running after 4 runs";
    assert_ne!(
        fingerprint(RunStatus::Failed, first),
        fingerprint(RunStatus::Failed, second),
        "their texts alone would read as two failures"
    );
    let again = told_again((first, task), (second, task));
    assert!(
        again.body.contains("persists since"),
        "the same cause is the same failure: {}",
        again.body
    );
}

#[test]
fn s30_4_one_typed_cause_within_the_hour_is_not_listed_as_another_problem() {
    let mut conn = connection();
    let t0 = Utc::now();
    let unavailable = Cause::vendor("Kaonavi", "call", Class::Unavailable);
    let first = "Kaonavi temporarily unavailable: HTTP 503 (request 7f3a)";
    told(&mut conn, first, unavailable, t0).expect("the first failure is told");
    let second = "Kaonavi temporarily unavailable: timed out (request c0de)";
    let quiet = told(&mut conn, second, unavailable, t0 + Duration::minutes(15));
    assert!(quiet.is_none(), "within the hour: no email");
    let notice = conn.notice.expect("the notice stays");
    assert!(
        notice.untold_runs.is_empty(),
        "a repeat of the told failure is not another problem to tell: {:?}",
        notice.untold_runs
    );
}

#[test]
fn s30_4_two_typed_causes_are_two_failures_however_alike_their_messages_read() {
    let text = |status| format!("Kaonavi refused the request (HTTP {status})");
    let (bad, gone) = (text(400), text(404));
    assert_eq!(
        fingerprint(RunStatus::Failed, &bad),
        fingerprint(RunStatus::Failed, &gone),
        "their texts alone would read as one failure"
    );
    let again = told_again(
        (&bad, Cause::vendor("Kaonavi", "call", Class::Refused(400))),
        (&gone, Cause::vendor("Kaonavi", "call", Class::Refused(404))),
    );
    assert!(
        !again.body.contains("persists since"),
        "another cause is another failure: {}",
        again.body
    );
}

#[test]
fn s30_4_a_notice_stored_before_typed_causes_still_names_the_same_failure() {
    let message = "Kaonavi temporarily unavailable: HTTP 503 (gave up after 6 attempts)";
    let mut conn = connection();
    let t0 = Utc::now();
    conn.consecutive_failures = 1;
    conn.notice = Some(NoticeState {
        fingerprint: fingerprint(RunStatus::Failed, message),
        first_seen: t0,
        last_sent: t0,
        untold_runs: vec![],
    });
    let unavailable = Cause::vendor("Kaonavi", "call", Class::Unavailable);
    let later = t0 + Duration::minutes(90);
    let email = told(&mut conn, message, unavailable, later).expect("told after the interval");
    assert!(email.body.contains("persists since"), "{}", email.body);
    let notice = conn.notice.expect("recorded");
    assert_eq!(notice.first_seen, t0, "as old as the stored notice");
    assert_eq!(
        notice.fingerprint, "failed:cause=Kaonavi/call/unavailable",
        "from here on the notice keeps the typed cause, readable as stored"
    );
}
