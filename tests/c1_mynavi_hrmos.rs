//! C1 マイナビ転職 → HRMOS採用, one test per requirement line, plus crash injection, faults
//! and file variants, on the embedded backend with an injected clock.

use chrono::{DateTime, Duration, Utc};
use renkei_connectors::mynavi_hrmos::{self as c1, AccountStatus, rules};
use renkei_core::engine::{Outcome, RunRecord, RunRequest, RunStatus, StepHook, Trigger};
use renkei_core::ports::{RecoveryWindow, SecretDeletion, SecretStore};
use renkei_core::repo::{Connection, Repo};
use renkei_core::{Clock, ConnectionId};
use renkei_e2e::conformance::{self, Crashed};
use renkei_e2e::*;
use renkei_sandbox::{
    Faults, MynaviAccountSetup, SAMPLE_POSITIONS, bad_applications, sample_applications,
};
use renkei_testbed::{HRMOS_KEY, MYNAVI_LOGIN, MYNAVI_PASSWORD};
use serde_json::Value;
use std::collections::BTreeMap;

/// How a tenant's unlink deletes the secret.
const RESTORABLE: SecretDeletion = SecretDeletion::Recoverable(RecoveryWindow::DEFAULT);

/// HRMOS applicants by Mynavi application id.
fn hrmos(env: &SandboxEnv) -> BTreeMap<String, Value> {
    let list = env.sandbox.hrmos().applicants(HRMOS_KEY);
    let map: BTreeMap<String, Value> = list
        .iter()
        .map(|a| {
            (
                a["source"]["id"].as_str().unwrap_or("").to_string(),
                a.clone(),
            )
        })
        .collect();
    assert_eq!(map.len(), list.len(), "no applicant twice in HRMOS");
    map
}

async fn connection(env: &SandboxEnv, c: &ConnectionId) -> Connection {
    stored_connection(env, &env.tenant(), c).await
}

async fn status(env: &SandboxEnv, c: &ConnectionId) -> AccountStatus {
    let conn = connection(env, c).await;
    serde_json::from_value::<c1::Settings>(conn.settings)
        .unwrap()
        .status
}

/// Lets the dispatcher fire at the current simulated time; the runs it started.
async fn tick(env: &SandboxEnv) -> Vec<RunRecord> {
    env.backend
        .tick()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|o| match o {
            Outcome::Ran(r) => Some(r),
            Outcome::Skipped(_) | Outcome::Fenced(_) => None,
        })
        .collect()
}

/// Applications applied `hours_ago` before now, one per minute.
fn apps(env: &SandboxEnv, n: usize, prefix: &str, hours_ago: i64) -> Vec<Value> {
    sample_applications(
        n,
        5,
        prefix,
        env.clock.now() - Duration::hours(hours_ago),
        1,
    )
}

async fn registered(env: &SandboxEnv) -> ConnectionId {
    env.register_mynavi().await.unwrap()
}

async fn set_page_size(env: &SandboxEnv, c: &ConnectionId, n: usize) {
    Repo::new(&env.backend.store)
        .update_connection(&env.tenant(), c, |conn| {
            conn.settings["page_size"] = n.into();
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn c1_1_any_number_of_accounts_per_tenant_with_credentials_only_in_secrets() {
    let env = env().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let login = format!("account-{i}");
        env.sandbox.mynavi().account(
            &login,
            MynaviAccountSetup {
                password: format!("pw-{i}"),
                ..Default::default()
            },
        );
        let conn = c1::register(
            &env.backend.store,
            &env.backend.secrets,
            env.clock.now(),
            env.mynavi_registration(&login, &format!("pw-{i}")),
        )
        .await
        .unwrap();
        let settings = conn.settings.to_string();
        assert!(
            !settings.contains(&login) && !settings.contains("pw-"),
            "{settings}"
        );
        let secret = env
            .backend
            .secrets
            .get(&conn.secret_name)
            .await
            .unwrap()
            .unwrap();
        assert!(secret.contains(&login) && secret.contains(&format!("pw-{i}")));
        ids.push(conn.connection_id);
    }
    let listed = c1::accounts(&env.backend.store, &env.tenant())
        .await
        .unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|a| a.status_label == "初回取り込み待ち"));
    let runs = tick(&env).await;
    assert_eq!(runs.len(), 3, "every account imports");
    assert!(runs.iter().all(|r| r.status == RunStatus::Succeeded));
}

#[tokio::test]
async fn c1_2_registration_starts_authentication_and_the_status_moves_to_linked() {
    let env = env().await;
    let c = registered(&env).await;
    assert_eq!(status(&env, &c).await, AccountStatus::AwaitingFirstImport);
    assert!(
        connection(&env, &c).await.next_run_at <= env.clock.now(),
        "due at once"
    );
    let runs = tick(&env).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    assert_eq!(status(&env, &c).await, AccountStatus::Linked);
    let view = &c1::accounts(&env.backend.store, &env.tenant())
        .await
        .unwrap()[0];
    assert_eq!(view.status_label, "連携中");
    assert_eq!(view.last_import_at, Some(env.clock.now()));
}

#[tokio::test]
async fn c1_2_auth_failure_retries_hourly_with_status_and_reason_visible() {
    let env = env().await;
    env.add_users().await.unwrap();
    let conn = c1::register(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.now(),
        env.mynavi_registration(MYNAVI_LOGIN, "wrong-password"),
    )
    .await
    .unwrap();
    let c = conn.connection_id;
    let start = env.clock.now();
    let runs = tick(&env).await;
    assert_eq!(runs[0].status, RunStatus::AuthFailed);
    let view = &c1::accounts(&env.backend.store, &env.tenant())
        .await
        .unwrap()[0];
    assert_eq!(view.status, AccountStatus::AwaitingFirstImport);
    assert!(
        view.last_error
            .as_deref()
            .unwrap()
            .contains("IDまたはパスワード"),
        "{view:?}"
    );
    assert_eq!(view.next_run_at, Some(start + Duration::hours(1)));
    env.clock.advance(Duration::minutes(59));
    assert!(tick(&env).await.is_empty(), "not before the hour");
    for hour in 1..=30 {
        env.clock.set(start + Duration::hours(hour));
        let runs = tick(&env).await;
        assert_eq!(runs.len(), 1, "hour {hour}: retried");
        assert_eq!(runs[0].status, RunStatus::AuthFailed);
    }
    assert_eq!(
        connection(&env, &c).await.automation,
        renkei_core::repo::Automation::On,
        "retries go on until it succeeds (no pause)"
    );
    // The admin re-enters the right password: authentication starts at once and succeeds.
    c1::register(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.now(),
        env.mynavi_registration(MYNAVI_LOGIN, MYNAVI_PASSWORD),
    )
    .await
    .unwrap();
    let runs = tick(&env).await;
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    assert_eq!(status(&env, &c).await, AccountStatus::Linked);
    assert_eq!(connection(&env, &c).await.last_error, None);
}

#[tokio::test]
async fn c1_3_first_import_covers_the_last_three_days() {
    let env = env().await;
    let mut data = apps(&env, 2, "old-", 80); // 3 days and 8 hours ago
    data.extend(apps(&env, 3, "recent-", 70)); // within 3 days
    data.extend(apps(&env, 2, "today-", 1));
    env.sandbox.mynavi().add(MYNAVI_LOGIN, data).unwrap();
    registered(&env).await;
    let runs = tick(&env).await;
    assert_eq!(runs[0].counts.created, 5);
    let h = hrmos(&env);
    assert!(h.keys().all(|k| !k.starts_with("old-")), "{:?}", h.keys());
    assert_eq!(h.len(), 5);
}

#[tokio::test]
async fn c1_3_next_import_is_four_hours_after_first() {
    let env = env().await;
    let c = registered(&env).await;
    // Registered at 15:00 (say); authentication completes and the first import runs later.
    env.clock.advance(Duration::minutes(187));
    let first_at = env.clock.now();
    tick(&env).await;
    assert_eq!(
        connection(&env, &c).await.next_run_at,
        first_at + Duration::hours(4)
    );
    for k in 1..=3 {
        env.clock
            .set(first_at + Duration::hours(4 * k) + Duration::minutes(2));
        let runs = tick(&env).await;
        assert_eq!(runs.len(), 1);
        assert_eq!(
            connection(&env, &c).await.next_run_at,
            first_at + Duration::hours(4 * (k + 1)),
            "anchored on the first import, not on a global clock"
        );
    }
}

#[tokio::test]
async fn c1_3_a_missed_slot_runs_late_without_gap_or_overlap() {
    let env = env().await;
    let c = registered(&env).await;
    let first_at = env.clock.now();
    tick(&env).await;
    // Applications arrive during the 4 hours and during the outage that follows.
    let mut data = sample_applications(4, 1, "a-", first_at + Duration::minutes(30), 60);
    data.extend(sample_applications(
        3,
        2,
        "b-",
        first_at + Duration::hours(5),
        20,
    ));
    env.sandbox.mynavi().add(MYNAVI_LOGIN, data).unwrap();
    // The 4-hour slot is missed (maintenance); the dispatcher comes back 3 h late.
    env.clock.set(first_at + Duration::hours(7));
    let runs = tick(&env).await;
    assert_eq!(runs.len(), 1, "the missed slot runs as soon as possible");
    assert_eq!(runs[0].counts.created, 7, "nothing lost in the gap");
    assert_eq!(
        connection(&env, &c).await.next_run_at,
        first_at + Duration::hours(8),
        "the cadence stays anchored"
    );
    env.clock.set(first_at + Duration::hours(8));
    let runs = tick(&env).await;
    assert_eq!(
        runs[0].counts.created + runs[0].counts.unchanged,
        0,
        "no overlap"
    );
    assert_eq!(hrmos(&env).len(), 7);
}

#[tokio::test]
async fn c1_4_cp932_csv_and_utf8_bom_tsv_with_quoted_newlines_import_the_same() {
    for (encoding, format) in [
        ("cp932", "csv"),
        ("utf8_bom", "tsv"),
        ("cp932", "tsv"),
        ("utf8_bom", "csv"),
    ] {
        let env = env().await;
        env.sandbox.mynavi().account(
            MYNAVI_LOGIN,
            MynaviAccountSetup {
                password: MYNAVI_PASSWORD.into(),
                encoding: encoding.into(),
                format: format.into(),
                ..Default::default()
            },
        );
        let data = apps(&env, 30, "f-", 2);
        env.sandbox
            .mynavi()
            .add(MYNAVI_LOGIN, data.clone())
            .unwrap();
        registered(&env).await;
        let runs = tick(&env).await;
        assert_eq!(runs[0].status, RunStatus::Succeeded, "{encoding}/{format}");
        let h = hrmos(&env);
        assert_eq!(h.len(), 30);
        for app in &data {
            let got = &h[app["応募ID"].as_str().unwrap()]["applicant"];
            assert_eq!(got["family_name"], app["姓漢字"], "{encoding}/{format}");
            assert_eq!(
                got["address"], app["住所"],
                "quoted newlines, commas and quotes survive"
            );
            assert_eq!(got["email"], app["メールアドレス"]);
        }
    }
}

#[tokio::test]
async fn c1_4_a_truncated_last_line_is_rejected_and_the_rest_imported() {
    let env = env().await;
    env.sandbox.mynavi().account(
        MYNAVI_LOGIN,
        MynaviAccountSetup {
            password: MYNAVI_PASSWORD.into(),
            truncate_last_line: true,
            ..Default::default()
        },
    );
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, apps(&env, 10, "t-", 2))
        .unwrap();
    let c = registered(&env).await;
    let runs = tick(&env).await;
    assert_eq!(runs[0].status, RunStatus::Partial);
    assert_eq!(runs[0].counts.created, 9);
    let errors = Repo::new(&env.backend.store)
        .errors(&env.tenant(), &c, &runs[0].run_id)
        .await
        .unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].record.starts_with("11行目"), "{errors:?}");
    assert!(errors[0].reason.contains("切れて"), "{errors:?}");
}

#[tokio::test]
async fn c1_4_a_header_missing_a_mapped_column_fails_the_run_naming_it() {
    let env = env().await;
    let columns: Vec<String> = renkei_sandbox::MYNAVI_COLUMNS
        .iter()
        .filter(|c| **c != "メールアドレス")
        .map(|c| c.to_string())
        .collect();
    env.sandbox.mynavi().account(
        MYNAVI_LOGIN,
        MynaviAccountSetup {
            password: MYNAVI_PASSWORD.into(),
            columns,
            ..Default::default()
        },
    );
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, apps(&env, 5, "h-", 2))
        .unwrap();
    let c = registered(&env).await;
    let runs = tick(&env).await;
    assert_eq!(
        runs[0].status,
        RunStatus::Failed,
        "not a silent empty import"
    );
    assert!(
        runs[0]
            .error
            .as_deref()
            .unwrap()
            .contains("「メールアドレス」"),
        "{:?}",
        runs[0].error
    );
    assert!(hrmos(&env).is_empty());
    assert_eq!(status(&env, &c).await, AccountStatus::AwaitingFirstImport);
    assert_eq!(connection(&env, &c).await.last_success_at, None);
}

#[tokio::test]
async fn c1_5_non_rfc_emails_are_not_imported_and_each_row_says_why() {
    let env = env().await;
    let mut data = apps(&env, 6, "ok-", 3);
    data.extend(bad_applications(
        "bad-",
        env.clock.now() - Duration::hours(2),
    ));
    env.sandbox.mynavi().add(MYNAVI_LOGIN, data).unwrap();
    let c = registered(&env).await;
    let runs = tick(&env).await;
    assert_eq!(runs[0].status, RunStatus::Partial);
    assert_eq!(runs[0].counts.created, 6);
    assert_eq!(runs[0].counts.rejected, 5);
    let h = hrmos(&env);
    assert!(h.keys().all(|k| k.starts_with("ok-")));
    let errors = Repo::new(&env.backend.store)
        .errors(&env.tenant(), &c, &runs[0].run_id)
        .await
        .unwrap();
    let by_record: BTreeMap<&str, &str> = errors
        .iter()
        .map(|e| (e.record.as_str(), e.reason.as_str()))
        .collect();
    assert!(
        by_record
            .iter()
            .any(|(r, why)| r.contains("bad-dot-before-at") && why.contains("「@」の直前に「.」")),
        "{by_record:?}"
    );
    assert!(
        by_record
            .iter()
            .any(|(r, why)| r.contains("bad-leading-dot") && why.contains("先頭"))
    );
    assert!(
        by_record
            .iter()
            .any(|(r, why)| r.contains("bad-double-dot") && why.contains("連続"))
    );
    assert!(
        by_record
            .iter()
            .any(|(r, why)| r.contains("bad-full-width-at") && why.contains("全角"))
    );
    assert!(
        by_record
            .iter()
            .any(|(r, why)| r.ends_with("行目") && why.contains("応募ID"))
    );
    assert!(
        errors.iter().all(|e| e.record.contains("行目")),
        "row numbers given"
    );
}

#[tokio::test]
async fn c1_6_last_import_time_advances_also_when_no_applicant_was_new() {
    let env = env().await;
    let c = registered(&env).await;
    tick(&env).await;
    env.clock.advance(Duration::hours(4));
    let runs = tick(&env).await;
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    assert_eq!(runs[0].counts.created, 0);
    assert_eq!(
        connection(&env, &c).await.last_success_at,
        Some(env.clock.now())
    );
}

#[tokio::test]
async fn c1_7_routing_rules_crud() {
    let env = env().await;
    let t = env.tenant();
    let store = &env.backend.store;
    let now = env.clock.now();
    let input = |p: &str, j: &str| rules::RuleInput {
        medium: c1::MEDIUM,
        position_name: p.into(),
        job_id: j.into(),
    };
    let r = rules::create(store, &t, input("営業職", "J-SALES"), now)
        .await
        .unwrap();
    assert!(
        rules::create(store, &t, input("営業職", "J-WEB"), now)
            .await
            .is_err(),
        "one rule per name"
    );
    rules::create(store, &t, input("営業職 ", "J-WEB"), now)
        .await
        .expect("a different string is a different rule: no trimming");
    let updated = rules::update(store, &t, &r.id, input("営業職（東京）", "J-SALES"), now)
        .await
        .unwrap();
    assert_eq!(updated.id, r.id);
    let listed = rules::list(store, &t).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|x| x.position_name == "営業職（東京）"));
    rules::delete(store, &t, &r.id).await.unwrap();
    assert_eq!(rules::list(store, &t).await.unwrap().len(), 1);
    assert!(
        rules::delete(store, &t, &r.id).await.is_err(),
        "deleting twice says so"
    );
}

#[tokio::test]
async fn c1_7_matched_applicants_go_to_selection_and_the_rest_wait_in_the_import_queue() {
    let env = env().await;
    let at = env.clock.now() - Duration::hours(1);
    let mut data = sample_applications(40, 9, "r-", at - Duration::hours(2), 1);
    // A one-character change of the title on Mynavi no longer matches.
    let mut changed = sample_applications(1, 3, "changed-", at, 1);
    changed[0]["求人名称"] = "法人営業(東京本社)".into();
    data.extend(changed);
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, data.clone())
        .unwrap();
    registered(&env).await;
    tick(&env).await;
    let h = hrmos(&env);
    for app in &data {
        let id = app["応募ID"].as_str().unwrap();
        let placement = &h[id]["placement"];
        let position = app["求人名称"].as_str().unwrap();
        match position {
            p if p == SAMPLE_POSITIONS[0] => assert_eq!(placement["job_id"], "J-SALES"),
            p if p == SAMPLE_POSITIONS[1] => assert_eq!(placement["job_id"], "J-WEB"),
            p if p == SAMPLE_POSITIONS[2] => {
                assert_eq!(placement["kind"], "import_queue");
                assert!(placement["note"].as_str().unwrap().contains("募集を終了"));
            }
            _ => {
                assert_eq!(placement["kind"], "import_queue", "{position}");
                assert_eq!(placement["position_name"], position);
                assert!(
                    placement["note"]
                        .as_str()
                        .unwrap()
                        .contains("一致する振り分けルールがありません")
                );
            }
        }
    }
    assert_eq!(h["changed-0"]["placement"]["kind"], "import_queue");
}

#[tokio::test]
async fn c1_8_failures_are_mailed_to_admins_and_recruiters_telling_the_two_kinds_apart() {
    let env = env().await;
    env.add_users().await.unwrap();
    c1::register(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.now(),
        env.mynavi_registration(MYNAVI_LOGIN, "wrong"),
    )
    .await
    .unwrap();
    tick(&env).await;
    let mails = env.backend.outbox.sent();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("admin@demo-co.example") && mail.contains("recruiter@demo-co.example"));
    assert!(
        !mail.contains("staff@demo-co.example"),
        "members are not told"
    );
    assert!(
        mail.contains("ID・パスワードの誤り") && mail.contains("入力し直して"),
        "{mail}"
    );
    assert!(mail.contains("de**********vi"), "names the account: {mail}");

    // The other kind: Mynavi's side changed.
    let env = renkei_e2e::env().await;
    env.add_users().await.unwrap();
    registered(&env).await;
    // Mynavi changes its site after the account was registered.
    env.sandbox.mynavi().account(
        MYNAVI_LOGIN,
        MynaviAccountSetup {
            password: MYNAVI_PASSWORD.into(),
            login_page_changed: true,
            ..Default::default()
        },
    );
    let runs = tick(&env).await;
    assert_eq!(runs[0].status, RunStatus::Failed);
    let mails = env.backend.outbox.sent();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("その他のエラー") && mails[0].contains("サポート"),
        "{}",
        mails[0]
    );
    assert!(!mails[0].contains("ID・パスワードの誤り"));
    // Success says nothing.
    env.sandbox.mynavi().account(
        MYNAVI_LOGIN,
        MynaviAccountSetup {
            password: MYNAVI_PASSWORD.into(),
            ..Default::default()
        },
    );
    env.clock.advance(Duration::hours(1));
    assert_eq!(tick(&env).await[0].status, RunStatus::Succeeded);
    assert_eq!(env.backend.outbox.sent().len(), 1);
}

#[tokio::test]
async fn c1_9_deleting_an_account_stops_imports_and_makes_it_unlinked() {
    let env = env().await;
    let c = registered(&env).await;
    tick(&env).await;
    let secret_name = connection(&env, &c).await.secret_name;
    c1::unlink(
        &env.backend.store,
        &env.backend.secrets,
        &env.tenant(),
        &c,
        RESTORABLE,
    )
    .await
    .unwrap();
    assert_eq!(env.backend.secrets.get(&secret_name).await.unwrap(), None);
    assert_eq!(status(&env, &c).await, AccountStatus::Unlinked);
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, apps(&env, 3, "late-", 0))
        .unwrap();
    for _ in 0..3 {
        env.clock.advance(Duration::hours(4));
        assert!(tick(&env).await.is_empty(), "no import after deletion");
    }
    assert!(hrmos(&env).is_empty());
    let view = &c1::accounts(&env.backend.store, &env.tenant())
        .await
        .unwrap()[0];
    assert_eq!(view.status_label, "未連携");
    assert_eq!(view.next_run_at, None);
}

#[tokio::test]
async fn c1_10_reruns_overlapping_windows_and_retries_never_duplicate() {
    let env = env().await;
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, apps(&env, 25, "d-", 10))
        .unwrap();
    let c = registered(&env).await;
    tick(&env).await;
    assert_eq!(hrmos(&env).len(), 25);
    // Delete and register again: the new first import covers the same 3 days again.
    c1::unlink(
        &env.backend.store,
        &env.backend.secrets,
        &env.tenant(),
        &c,
        RESTORABLE,
    )
    .await
    .unwrap();
    env.clock.advance(Duration::hours(1));
    registered(&env).await;
    let runs = tick(&env).await;
    assert_eq!(runs[0].counts.created, 0);
    assert_eq!(
        hrmos(&env).len(),
        25,
        "the overlapping window created nobody twice"
    );
    // A forgotten position (lost state) reruns everything: HRMOS's source key holds.
    for item in renkei_core::ports::StateStore::query(
        &env.backend.store,
        &format!("T#{}#C#{}", env.tenant(), c),
        "H#",
    )
    .await
    .unwrap()
    {
        // Hash rows expire (30 days) so they do not grow with every applicant ever seen.
        let ttl = item.expires_at.expect("hash rows carry a TTL") - env.clock.now().timestamp();
        assert!((29 * 86_400..=30 * 86_400).contains(&ttl), "{ttl}");
        renkei_core::ports::StateStore::delete(&env.backend.store, &item.key)
            .await
            .unwrap();
    }
    Repo::new(&env.backend.store)
        .delete_checkpoint(&env.tenant(), &c)
        .await
        .unwrap();
    env.clock.advance(Duration::hours(4));
    let runs = tick(&env).await;
    assert_eq!(runs[0].counts.created, 0);
    assert_eq!(runs[0].counts.unchanged, 25);
    assert_eq!(hrmos(&env).len(), 25);
}

fn expected_job(position: &str) -> Option<&'static str> {
    match position {
        p if p == SAMPLE_POSITIONS[0] => Some("J-SALES"),
        p if p == SAMPLE_POSITIONS[1] => Some("J-WEB"),
        _ => None,
    }
}

fn assert_each_once_and_routed(env: &SandboxEnv, data: &[Value], label: &str) {
    let h = hrmos(env);
    assert_eq!(h.len(), data.len(), "{label}: each applicant exactly once");
    for app in data {
        let got = &h[app["応募ID"].as_str().unwrap()]["placement"];
        match expected_job(app["求人名称"].as_str().unwrap()) {
            Some(job) => assert_eq!(got["job_id"], job, "{label}"),
            None => assert_eq!(got["kind"], "import_queue", "{label}"),
        }
    }
}

/// C1 under the conformance kit: `n` applications made `hours_ago` (ids `{prefix}…`) at Mynavi,
/// an account registered, runs asked for by `trigger` (made due when scheduled).
struct Mynavi {
    page_size: Option<usize>,
    trigger: Trigger,
}

/// A registered account and the applications its Mynavi holds.
struct Registered {
    env: SandboxEnv,
    c: ConnectionId,
    data: Vec<Value>,
}

impl conformance::Subject for Mynavi {
    type Seed = (usize, &'static str, i64);
    type World = Registered;
    /// HRMOS's applicants' placements by Mynavi application id.
    type Target = BTreeMap<String, Value>;

    fn target_name(&self) -> &'static str {
        "HRMOS"
    }

    async fn world(&self, &(n, prefix, hours_ago): &Self::Seed) -> Registered {
        let env = env().await;
        let data = apps(&env, n, prefix, hours_ago);
        env.sandbox
            .mynavi()
            .add(MYNAVI_LOGIN, data.clone())
            .unwrap();
        let c = registered(&env).await;
        if let Some(n) = self.page_size {
            set_page_size(&env, &c, n).await;
        }
        Registered { env, c, data }
    }

    fn env<'w>(&self, w: &'w Registered) -> &'w SandboxEnv {
        &w.env
    }

    async fn sync(
        &self,
        w: &Registered,
        dry_run: bool,
        hook: &dyn StepHook,
    ) -> Result<Outcome, String> {
        if matches!(self.trigger, Trigger::Schedule { .. }) {
            make_due(&w.env, &w.env.tenant(), &w.c).await;
        }
        let req = RunRequest {
            tenant_id: w.env.tenant(),
            connection_id: w.c.clone(),
            deadline: None,
            dry_run,
            trigger: self.trigger.clone(),
            scope: None,
        };
        w.env.backend.run(&req, hook).await
    }

    fn target(&self, w: &Registered) -> Self::Target {
        hrmos(&w.env)
            .into_iter()
            .map(|(id, a)| (id, a["placement"].clone()))
            .collect()
    }

    async fn writes(&self, w: &Registered) -> Option<u64> {
        w.env.sandbox.hrmos().stats(HRMOS_KEY)["creates"].as_u64()
    }
}

#[tokio::test]
async fn c1_crash_at_every_step_boundary_then_rerun_holds_each_applicant_once() {
    let subject = Mynavi {
        page_size: Some(10),
        trigger: Trigger::Schedule { claim: None },
    };
    conformance::crash_at_every_step_then(
        &subject,
        &(23, "x-", 5),
        async |w: &Registered, crash: &Crashed| {
            let (step, nth) = (crash.step, crash.nth);
            assert_eq!(crash.rerun.status, RunStatus::Succeeded, "{step:?}/{nth}");
            assert_each_once_and_routed(&w.env, &w.data, &crash.label());
            assert_eq!(status(&w.env, &w.c).await, AccountStatus::Linked);
        },
    )
    .await;
}

#[tokio::test]
async fn c1_with_20_percent_faults_runs_converge_and_statuses_stay_truthful() {
    let env = env().await;
    let data = apps(&env, 60, "z-", 6);
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, data.clone())
        .unwrap();
    let c = registered(&env).await;
    set_page_size(&env, &c, 15).await;
    env.sandbox.set_faults(Faults::uniform(0.2, 7));
    let mut succeeded = false;
    for _ in 0..30 {
        for run in tick(&env).await {
            match run.status {
                RunStatus::Succeeded => succeeded = true,
                RunStatus::Failed => assert!(run.error.is_some(), "a failed run says why"),
                other => panic!("faults must not look like {other:?}: {:?}", run.error),
            }
        }
        if succeeded {
            break;
        }
        env.clock.advance(Duration::hours(1));
    }
    env.sandbox.set_faults(Faults::default());
    assert!(succeeded, "converged within 30 runs");
    assert_each_once_and_routed(&env, &data, "faults");
}

#[tokio::test]
async fn c1_dry_run_writes_nothing() {
    let subject = Mynavi {
        page_size: None,
        trigger: Trigger::Person,
    };
    let (w, run) = conformance::dry_run_writes_nothing(&subject, &(8, "dry-", 2)).await;
    let (env, c) = (&w.env, &w.c);
    assert_eq!(run.counts.created, 8, "counts what it would create");
    assert!(hrmos(env).is_empty());
    assert_eq!(status(env, c).await, AccountStatus::AwaitingFirstImport);
    assert_eq!(
        connection(env, c).await.last_success_at,
        None::<DateTime<Utc>>
    );
}

#[tokio::test]
async fn c1_8_a_refused_hrmos_key_is_not_told_as_a_wrong_mynavi_password() {
    let env = env().await;
    env.add_users().await.unwrap();
    let c = c1::register(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.now(),
        env.mynavi_registration(MYNAVI_LOGIN, MYNAVI_PASSWORD),
    )
    .await
    .unwrap();
    // The tenant revokes the HRMOS key after registering (what the secret now holds).
    let mut secret = env
        .mynavi_registration(MYNAVI_LOGIN, MYNAVI_PASSWORD)
        .secret;
    secret.hrmos_api_key = "revoked-key".into();
    SecretStore::put(
        &env.backend.secrets,
        &c.secret_name,
        &serde_json::to_string(&secret).unwrap(),
    )
    .await
    .unwrap();
    let runs = tick(&env).await;
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert!(
        runs[0].error.as_deref().unwrap().contains("APIキー"),
        "{:?}",
        runs[0].error
    );
    let mails = env.backend.outbox.sent();
    assert!(mails[0].contains("その他のエラー") && !mails[0].contains("ID・パスワードの誤り"));
}

#[tokio::test]
async fn c1_4_an_expired_mynavi_session_logs_in_again_and_downloads() {
    let env = env().await;
    env.sandbox.mynavi().account(
        MYNAVI_LOGIN,
        MynaviAccountSetup {
            password: MYNAVI_PASSWORD.into(),
            expire_next_session: true,
            ..Default::default()
        },
    );
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, apps(&env, 4, "s-", 2))
        .unwrap();
    registered(&env).await;
    let runs = tick(&env).await;
    assert_eq!(runs[0].status, RunStatus::Succeeded, "{:?}", runs[0].error);
    assert_eq!(hrmos(&env).len(), 4);
    let stats = env.sandbox.mynavi().stats(MYNAVI_LOGIN);
    assert_eq!(stats["logins"], 2, "logged in again once: {stats}");
}

/// Puts the simulated clock half a minute past a whole minute, once the account is due: a
/// run starting then ends its window mid-minute, as real runs do.
async fn mid_minute(env: &SandboxEnv, c: &ConnectionId) -> DateTime<Utc> {
    let now = env.clock.now().max(connection(env, c).await.next_run_at);
    let mut at =
        DateTime::from_timestamp(now.timestamp() - now.timestamp() % 60 + 30, 500_000_000).unwrap();
    if at < now {
        at += Duration::minutes(1);
    }
    env.clock.set(at);
    at
}

#[tokio::test]
async fn c1_10_an_application_made_in_the_minute_a_run_started_is_imported_by_the_next_run() {
    let env = env().await;
    let c = registered(&env).await;
    let run_start = mid_minute(&env, &c).await;
    assert_eq!(tick(&env).await.len(), 1);
    // Made 10 s after the run started, shown by Mynavi with minute precision: "10:23", a
    // time before the first run's window end.
    let late = sample_applications(1, 9, "same-minute-", run_start + Duration::seconds(10), 1);
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, late.clone())
        .unwrap();
    let next = env.next_slot(&env.tenant(), &c).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0].counts.created, 1,
        "not lost between the two windows"
    );
    assert!(hrmos(&env).contains_key("same-minute-0"));
}

#[tokio::test]
async fn c1_10_an_application_mynavi_lists_late_is_imported_once_within_the_lag() {
    let env = env().await;
    let c = registered(&env).await;
    let run_start = mid_minute(&env, &c).await;
    let on_time = sample_applications(3, 4, "on-time-", run_start - Duration::hours(1), 5);
    env.sandbox.mynavi().add(MYNAVI_LOGIN, on_time).unwrap();
    assert_eq!(tick(&env).await[0].counts.created, 3);
    // Applied 7 minutes before the run, but listed by Mynavi only after it.
    let late = sample_applications(1, 8, "indexed-late-", run_start - Duration::minutes(7), 1);
    env.sandbox.mynavi().add(MYNAVI_LOGIN, late).unwrap();
    let second = env
        .next_slot(&env.tenant(), &c)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(second.counts.created, 1, "the late one arrives");
    assert_eq!(
        second.counts.unchanged, 0,
        "the overlap holds nothing already imported but it"
    );
    let third = env
        .next_slot(&env.tenant(), &c)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(third.counts.created, 0, "nothing is imported twice");
    assert_eq!(hrmos(&env).len(), 4);
}

/// The registration screen refuses what would only fail the first import hours later.
async fn refused(env: &SandboxEnv, reg: c1::Registration) -> String {
    let err = c1::register(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.now(),
        reg,
    )
    .await
    .expect_err("refused");
    assert!(
        c1::accounts(&env.backend.store, &env.tenant())
            .await
            .unwrap()
            .is_empty(),
        "nothing stored"
    );
    err.to_string()
}

#[tokio::test]
async fn c1_1_registration_checks_hrmos_and_refuses_a_wrong_url_or_key_storing_nothing() {
    let env = env().await;
    let mut reg = env.mynavi_registration(MYNAVI_LOGIN, MYNAVI_PASSWORD);
    reg.hrmos_url = format!("http://{}/not-hrmos", env.addr);
    let why = refused(&env, reg).await;
    assert!(why.starts_with("hrmos_url:"), "{why}");
    let mut reg = env.mynavi_registration(MYNAVI_LOGIN, MYNAVI_PASSWORD);
    reg.secret.hrmos_api_key = "wrong-key".into();
    let why = refused(&env, reg).await;
    assert!(why.starts_with("hrmos_api_key:"), "{why}");
    let mut reg = env.mynavi_registration(MYNAVI_LOGIN, MYNAVI_PASSWORD);
    reg.mynavi_url = format!("http://{}/hrmos", env.addr);
    let why = refused(&env, reg).await;
    assert!(why.starts_with("mynavi_url:"), "{why}");
}

#[tokio::test]
async fn c1_1_hrmos_is_reached_with_or_without_its_api_prefix_in_the_url() {
    let env = env().await;
    registered(&env).await;
    // The admin re-enters the account with HRMOS's documented API base URL.
    let mut reg = env.mynavi_registration(MYNAVI_LOGIN, MYNAVI_PASSWORD);
    reg.hrmos_url = format!("http://{}/hrmos/api/v1/", env.addr);
    c1::register(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.now(),
        reg,
    )
    .await
    .unwrap();
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, apps(&env, 2, "P", 1))
        .unwrap();
    let runs = tick(&env).await;
    assert_eq!(runs[0].status, RunStatus::Succeeded, "{:?}", runs[0].error);
    assert_eq!(hrmos(&env).len(), 2);
}
