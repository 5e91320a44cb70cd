//! C2 ロウムメイト → カオナビ, one test per requirement line.

use renkei_connectors::roumumate_kaonavi::{
    self as c2, Secret, SetupError, SetupInput, TargetFilter,
};
use renkei_core::engine::{Outcome, RunRequest, RunStatus};
use renkei_core::repo::{Automation, Repo};
use renkei_core::{Clock, ConnectionId, TenantId};
use renkei_e2e::*;
use renkei_sandbox::{CompanySetup, Permissions};
use renkei_vendors::kaonavi::Credentials;
use serde_json::json;

fn secret(key: &str, sec: &str) -> Secret {
    Secret {
        kaonavi: Credentials {
            consumer_key: key.into(),
            consumer_secret: sec.into(),
        },
        roumumate_token: ROUMUMATE_TOKEN.into(),
    }
}

async fn try_setup(env: &SandboxEnv, s: Secret, settings: c2::Settings) -> Result<(), SetupError> {
    let input = SetupInput {
        tenant_id: TenantId::new("t1").unwrap(),
        connection_id: ConnectionId::new("c1").unwrap(),
        secret: s,
        settings,
    };
    c2::setup(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.now(),
        input,
    )
    .await
    .map(|_| ())
}

#[tokio::test]
async fn c2_1_setup_names_every_missing_kaonavi_permission() {
    let env = env().await;
    env.sandbox.kaonavi().company(
        "restricted",
        CompanySetup {
            permissions: Permissions {
                get: true,
                update: false,
                register: false,
            },
            ..Default::default()
        },
    );
    let err = try_setup(
        &env,
        secret("restricted", "secret"),
        env.settings(50, no_limits()),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("「登録」") && text.contains("「更新」"),
        "{text}"
    );
    assert!(
        !text.contains("「取得」"),
        "get is allowed and must not be named: {text}"
    );
}

#[tokio::test]
async fn c2_1_wrong_consumer_secret_is_a_credentials_error() {
    let env = env().await;
    let err = try_setup(
        &env,
        secret(KAONAVI_KEY, "wrong"),
        env.settings(50, no_limits()),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SetupError::Credentials(_)), "{err:?}");
}

#[tokio::test]
async fn c2_2_skips_applicants_and_leavers() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    let mut applicant = employee("a", "0001", "応募", "者");
    applicant["status"] = json!("applicant");
    let mut leaver = employee("l", "0002", "退職", "者");
    leaver["status"] = json!("left");
    let mut unfinished = employee("u", "0003", "入力", "中");
    unfinished["state"] = json!("entry_in_progress");
    let ok = employee("k", "0004", "在籍", "者");
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, vec![applicant, leaver, unfinished, ok])
        .unwrap();
    let run = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(run.counts.skipped, 3);
    assert_eq!(
        members(&env).keys().cloned().collect::<Vec<_>>(),
        vec!["0004".to_string()]
    );
}

#[tokio::test]
async fn c2_3_target_filters_narrow_by_type_hire_date_and_conditions() {
    let env = env().await;
    let mut settings = env.settings(50, no_limits());
    settings.filter = TargetFilter {
        employment_types: vec!["正社員".into()],
        hired_from: Some("2020-01-01".parse().unwrap()),
        hired_to: None,
        conditions: vec![c2::FieldCondition {
            field: "部署".into(),
            any_of: vec!["営業部".into()],
        }],
    };
    let (t, c) = env.connect(settings).await.unwrap();
    let mut contract = employee("1", "0001", "契約", "社員");
    contract["employment_type"] = json!("契約社員");
    let mut old = employee("2", "0002", "古参", "社員");
    old["hire_date"] = json!("2010-04-01");
    let mut other_dept = employee("3", "0003", "開発", "社員");
    other_dept["attributes"] = json!({"部署": "開発部"});
    let fits = employee("4", "0004", "営業", "社員");
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, vec![contract, old, other_dept, fits])
        .unwrap();
    env.next_slot(&t, &c).await.unwrap();
    assert_eq!(
        members(&env).keys().cloned().collect::<Vec<_>>(),
        vec!["0004".to_string()]
    );
}

#[tokio::test]
async fn c2_4_upserts_by_employee_number_and_creates_new_ones_next_run() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    // Kaonavi already has 0001 (with a field we do not manage, which must survive).
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, vec![employee("1", "0001", "山田", "太郎")])
        .unwrap();
    let first = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!((first.counts.created, first.counts.updated), (1, 0));
    let mut changed = employee("1", "0001", "山田", "次郎");
    changed["first_name_kana"] = json!("じろう");
    env.sandbox
        .roumumate()
        .upsert(
            ROUMUMATE_TOKEN,
            vec![changed, employee("2", "0002", "佐藤", "花子")],
        )
        .unwrap();
    let second = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!((second.counts.created, second.counts.updated), (1, 1));
    let m = members(&env);
    assert_eq!(m.len(), 2);
    assert_eq!(m["0001"]["name"], "山田 次郎");
    assert_eq!(m["0001"]["name_kana"], "ヤマダ ジロウ");
}

#[tokio::test]
async fn c2_5_maps_fields_and_business_name_wins() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    let mut legal = employee("1", "00042", " 高橋 ", "一郎");
    legal["last_name_kana"] = json!("ﾀｶﾊｼ");
    legal["first_name_kana"] = json!("いちろう");
    legal["gender"] = json!("female");
    let mut business = employee("2", "00043", "鈴木", "花子");
    business["business_name"] = json!("佐藤　はな");
    business["business_name_kana"] = json!("さとう　はな");
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, vec![legal, business])
        .unwrap();
    env.next_slot(&t, &c).await.unwrap();
    let m = members(&env);
    assert_eq!(
        m["00042"]["name"], "高橋 一郎",
        "family and given name joined by one space"
    );
    assert_eq!(
        m["00042"]["name_kana"], "タカハシ イチロウ",
        "readings in full-width katakana"
    );
    assert_eq!(m["00042"]["gender"], "女性");
    assert_eq!(m["00042"]["birthday"], "1990-05-06");
    assert_eq!(m["00042"]["entered_date"], "2024-04-01");
    assert_eq!(m["00043"]["name"], "佐藤 はな");
    assert_eq!(m["00043"]["name_kana"], "サトウ ハナ");
}

#[tokio::test]
async fn c2_6_unmapped_gender_blocks_setup() {
    let env = env().await;
    let mut settings = env.settings(50, no_limits());
    settings.gender_map.remove("unanswered");
    let err = try_setup(&env, secret(KAONAVI_KEY, "demo-secret"), settings)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SetupError::UnmappedGender(ref s) if s.contains("未回答")),
        "{err:?}"
    );
    let repo = Repo::new(&env.backend.store);
    assert!(
        repo.connection(
            &TenantId::new("t1").unwrap(),
            &ConnectionId::new("c1").unwrap()
        )
        .await
        .unwrap()
        .is_none(),
        "no connection was created"
    );
}

#[tokio::test]
async fn c2_6_mapping_to_an_option_kaonavi_lacks_blocks_setup() {
    let env = env().await;
    let mut settings = env.settings(50, no_limits());
    settings
        .gender_map
        .insert("unanswered".into(), "無回答".into());
    let err = try_setup(&env, secret(KAONAVI_KEY, "demo-secret"), settings)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SetupError::UnknownKaonaviOption(..)),
        "{err:?}"
    );
}

#[tokio::test]
async fn c2_7_differences_older_than_the_connection_are_not_pushed() {
    let env = env().await;
    env.sandbox
        .roumumate()
        .upsert(
            ROUMUMATE_TOKEN,
            vec![employee("old", "0100", "既存", "社員")],
        )
        .unwrap();
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(
            ROUMUMATE_TOKEN,
            vec![employee("new", "0200", "新規", "社員")],
        )
        .unwrap();
    env.next_slot(&t, &c).await.unwrap();
    assert_eq!(
        members(&env).keys().cloned().collect::<Vec<_>>(),
        vec!["0200".to_string()]
    );
}

#[tokio::test]
async fn c2_8_next_run_is_the_next_quarter_hour() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    env.next_slot(&t, &c).await.unwrap();
    let conn = stored_connection(&env, &t, &c).await;
    use chrono::Timelike;
    assert!(
        matches!(conn.next_run_at.minute(), 0 | 15 | 30 | 45) && conn.next_run_at.second() == 0
    );
    assert!(conn.next_run_at > env.clock.now());
    assert!(conn.next_run_at - env.clock.now() <= chrono::Duration::minutes(15));
}

#[tokio::test]
async fn c2_9_automation_switch_stops_runs_and_failure_emails_the_admin_only() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, vec![employee("1", "0001", "山田", "太郎")])
        .unwrap();
    env.next_slot(&t, &c).await.unwrap();
    assert!(env.backend.outbox.sent().is_empty(), "no email on success");
    renkei_core::admin::set_automation(&env.backend.store, env.clock.as_ref(), &t, &c, false)
        .await
        .unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, vec![employee("2", "0002", "佐藤", "花子")])
        .unwrap();
    env.clock.advance(chrono::Duration::minutes(30));
    assert!(
        env.backend.tick().await.unwrap().is_empty(),
        "switched off: the dispatcher starts nothing"
    );
    // A failure (Kaonavi rejects the credentials) while switched on: the admin gets the error.
    renkei_core::admin::set_automation(&env.backend.store, env.clock.as_ref(), &t, &c, true)
        .await
        .unwrap();
    env.sandbox.kaonavi().company(
        KAONAVI_KEY,
        CompanySetup {
            consumer_secret: "rotated".into(),
            gender_options: vec!["男性".into(), "女性".into(), "その他".into()],
            ..Default::default()
        },
    );
    let run = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(run.status, RunStatus::AuthFailed);
    let mails = env.backend.outbox.sent();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("To: admin@demo-co.example")
            && mails[0].contains("Consumer Key / Consumer Secret"),
        "{}",
        mails[0]
    );
}

#[tokio::test]
async fn c2_10_disconnect_deletes_credentials_and_reconnect_starts_from_setup() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    renkei_core::admin::disconnect(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.as_ref(),
        &t,
        &c,
        renkei_core::ports::SecretDeletion::Recoverable(Default::default()),
    )
    .await
    .unwrap();
    use renkei_core::ports::SecretStore;
    assert_eq!(
        env.backend
            .secrets
            .get("renkei/demo-co/roumumate-kaonavi")
            .await
            .unwrap(),
        None
    );
    let repo = Repo::new(&env.backend.store);
    assert!(repo.connection(&t, &c).await.unwrap().is_none());
    assert!(
        repo.checkpoint(&t, &c).await.unwrap().is_none(),
        "state is gone too"
    );
    env.connect(env.settings(50, no_limits()))
        .await
        .expect("setup again works");
    let (conn, _) = repo.connection(&t, &c).await.unwrap().unwrap();
    assert_eq!(conn.automation, Automation::On);
}

#[tokio::test]
async fn p7_bad_employees_are_rejected_with_reasons_and_the_rest_synced() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    let mut missing = employee("m", "", "番号", "無し");
    missing["employee_number"] = json!(null);
    let mut gender = employee("g", "0002", "性別", "不明");
    gender["gender"] = json!("x");
    let long = employee("n", "0003", &"長".repeat(60), &"名".repeat(60));
    let mut date = employee("d", "0004", "日付", "不正");
    date["hire_date"] = json!("2024-13-01");
    let good: Vec<_> = (10..20)
        .map(|i| employee(&format!("ok{i}"), &format!("00{i}"), "正常", "社員"))
        .collect();
    let mut all = vec![missing, gender, long, date];
    all.extend(good);
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, all)
        .unwrap();
    let run = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(run.status, RunStatus::Partial);
    assert_eq!((run.counts.created, run.counts.rejected), (10, 4));
    let rows = Repo::new(&env.backend.store)
        .errors(&t, &c, &run.run_id)
        .await
        .unwrap();
    let csv = renkei_core::report::to_csv(&rows);
    assert!(csv.contains("roumumate:m,社員番号がありません"), "{csv}");
    assert!(csv.contains("0002,") && csv.contains("性別「x」"), "{csv}");
    assert!(csv.contains("0003,氏名が100文字を超えています"), "{csv}");
    assert!(csv.contains("0004,入社日「2024-13-01」"), "{csv}");
    assert_eq!(members(&env).len(), 10);
}

#[tokio::test]
async fn p11_dry_run_counts_without_writing() {
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, vec![employee("1", "0001", "山田", "太郎")])
        .unwrap();
    let req = renkei_core::engine::RunRequest {
        dry_run: true,
        ..renkei_core::engine::RunRequest::manual(t.clone(), c.clone())
    };
    let out = env
        .backend
        .run(&req, &renkei_core::engine::NoHook)
        .await
        .unwrap();
    let renkei_core::engine::Outcome::Ran(run) = out else {
        panic!("ran")
    };
    assert_eq!(run.counts.created, 1);
    assert!(members(&env).is_empty(), "nothing written");
    let real = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(
        real.counts.created, 1,
        "the dry run did not move the cursor"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c2_4_a_member_created_in_kaonavi_after_the_run_read_its_members_is_updated_not_rejected() {
    let env = std::sync::Arc::new(env().await);
    let mut settings = env.settings(50, no_limits());
    settings.task_poll_ms = 1;
    let (t, c) = env.connect(settings).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(
            ROUMUMATE_TOKEN,
            vec![
                employee("1", "0001", "山田", "太郎"),
                employee("2", "0002", "佐藤", "花子"),
            ],
        )
        .unwrap();
    make_due(&env, &t, &c).await;
    // Somebody registers 0002 in Kaonavi's own screen after the run read Kaonavi's members.
    let sandbox = env.sandbox.clone();
    let meanwhile = Probe(move |step| {
        if step == renkei_core::engine::Step::Pulled {
            sandbox
                .kaonavi()
                .put_member(KAONAVI_KEY, json!({"code": "0002", "name": "佐藤 花"}))
                .unwrap();
        }
    });
    let outcome = env
        .backend
        .run(
            &RunRequest::scheduled(t.clone(), c.clone(), None),
            &meanwhile,
        )
        .await
        .unwrap();
    let Outcome::Ran(run) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(
        (run.counts.created, run.counts.updated, run.counts.rejected),
        (1, 1, 0)
    );
    assert_eq!(
        members(&env)["0002"]["name"],
        "佐藤 花子",
        "upserted by 社員番号"
    );
}

#[tokio::test]
async fn p1_a_secret_under_the_old_name_moves_to_its_connector_scoped_name() {
    use renkei_core::ports::SecretStore;
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    let conn = stored_connection(&env, &t, &c).await;
    assert_eq!(
        conn.secret_name,
        format!("renkei/roumumate-kaonavi/{t}/{c}")
    );
    // A connection made before the scoped names existed.
    let old = format!("renkei/{t}/{c}");
    let value = env
        .backend
        .secrets
        .get(&conn.secret_name)
        .await
        .unwrap()
        .unwrap();
    env.backend.secrets.put(&old, &value).await.unwrap();
    env.backend.secrets.delete(&conn.secret_name).await.unwrap();
    Repo::new(&env.backend.store)
        .update_connection(&t, &c, |conn| conn.secret_name = old.clone())
        .await
        .unwrap();
    let moved =
        renkei_core::admin::migrate_secret(&env.backend.store, &env.backend.secrets, &t, &c)
            .await
            .unwrap();
    assert!(moved);
    let conn = stored_connection(&env, &t, &c).await;
    assert_eq!(
        conn.secret_name,
        format!("renkei/roumumate-kaonavi/{t}/{c}")
    );
    assert_eq!(
        env.backend.secrets.get(&conn.secret_name).await.unwrap(),
        Some(value)
    );
    assert_eq!(
        env.backend.secrets.get(&old).await.unwrap(),
        None,
        "the old copy is gone"
    );
    make_due(&env, &t, &c).await;
    let run = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(
        run.status,
        RunStatus::Succeeded,
        "the connection runs with the moved secret"
    );
}

/// Issue 28, item 14: the deployed grants are `renkei/<connector>/*`, so a legacy name
/// `renkei/<tenant>/<connection>` is only ever readable when the tenant is named like a
/// connector — by that other connector's function. Runs read the connector-scoped name
/// alone: a legacy-named connection fails, saying what to do, until it is migrated.
#[tokio::test]
async fn s28_14_a_legacy_secret_name_is_never_read_the_run_fails_until_migrated() {
    use renkei_core::ports::SecretStore;
    let env = env().await;
    let (t, c) = env.connect(env.settings(50, no_limits())).await.unwrap();
    let conn = stored_connection(&env, &t, &c).await;
    let value = env
        .backend
        .secrets
        .get(&conn.secret_name)
        .await
        .unwrap()
        .unwrap();
    let legacy = format!("renkei/{t}/{c}");
    env.backend.secrets.put(&legacy, &value).await.unwrap();
    Repo::new(&env.backend.store)
        .update_connection(&t, &c, |conn| conn.secret_name = legacy.clone())
        .await
        .unwrap();
    make_due(&env, &t, &c).await;
    let before = env.sandbox.kaonavi().stats(KAONAVI_KEY)["requests"].clone();
    let run = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    let why = run.error.clone().unwrap_or_default();
    assert!(why.contains("migrate-secrets"), "{why}");
    assert_eq!(
        env.sandbox.kaonavi().stats(KAONAVI_KEY)["requests"],
        before,
        "nothing was called with the legacy credentials"
    );

    renkei_core::admin::migrate_secret(&env.backend.store, &env.backend.secrets, &t, &c)
        .await
        .unwrap();
    make_due(&env, &t, &c).await;
    let run = env.next_slot(&t, &c).await.unwrap().pop().unwrap();
    assert_ne!(run.status, RunStatus::Failed, "{run:?}");
}
