//! C3 HRBrain → ミキワメ, one test per requirement line, plus crashes at every step, faults,
//! deep and cyclic trees, and the webhook path over HTTP.

use chrono::Duration;
use renkei_connectors::hrbrain_mikiwame::{self as c3, SetupError, SetupInput, jobs};
use renkei_core::engine::{NoHook, Outcome, RunRecord, RunRequest, RunStatus, Step, StepHook};
use renkei_core::repo::Repo;
use renkei_core::{Clock, ConnectionId, TenantId};
use renkei_e2e::conformance::{self, Connected, Crashed};
use renkei_e2e::*;
use renkei_sandbox::{Faults, HrbrainSetup};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A small organization: 本社(HQ) → 営業部(S) → 第1課(S1); 開発部(D); 準備室 without a code.
fn small_tree() -> Value {
    json!({"type": "tree", "items": [
        {"id": "hq", "value": "本社", "code": "HQ", "items": [
            {"id": "s", "value": "営業部", "code": "S", "items": [
                {"id": "s1", "value": "第1課", "code": "S1"}
            ]},
            {"id": "d", "value": "開発部", "code": "D"},
            {"id": "x", "value": "準備室"}
        ]}
    ]})
}

fn person(id: &str, email: &str, team: Option<&str>) -> Value {
    json!({
        "id": id, "LastName": "山田", "FirstName": format!("太郎{id}"),
        "LastNameKana": "やまだ", "FirstNameKana": "たろう",
        "EmployeeNumber": format!("E-{id}"), "BirthDate": "1990-04-01",
        "MainTeam": team, "Job": "主任", "Gender": "男性",
        "EmploymentStatus": "正社員", "Email": email, "EnrollmentStatus": "在籍中",
    })
}

fn request(t: &TenantId, c: &ConnectionId, scope: Option<&str>) -> RunRequest {
    RunRequest {
        scope: scope.map(str::to_string),
        ..RunRequest::manual(t.clone(), c.clone())
    }
}

async fn run(env: &SandboxEnv, c: &ConnectionId, scope: Option<&str>) -> RunRecord {
    // A person presses the button a minute after the last time (jobs list newest first).
    env.clock.advance(Duration::minutes(1));
    match env
        .backend
        .run(&request(&env.tenant(), c, scope), &NoHook)
        .await
        .expect("runs")
    {
        Outcome::Ran(r) => r,
        other => panic!("did not run: {other:?}"),
    }
}

async fn connected(tree: Value, people: Vec<Value>) -> (SandboxEnv, ConnectionId) {
    let env = env().await;
    env.sandbox
        .hrbrain()
        .organization(HRBRAIN_SUBDOMAIN, tree)
        .unwrap();
    env.sandbox
        .hrbrain()
        .members(HRBRAIN_SUBDOMAIN, people)
        .unwrap();
    let c = env.connect_hrbrain(env.hrbrain_settings()).await.unwrap();
    (env, c)
}

fn departments(env: &SandboxEnv) -> BTreeMap<String, Value> {
    env.sandbox
        .mikiwame()
        .departments(MIKIWAME_KEY)
        .into_iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d))
        .collect()
}

fn employees(env: &SandboxEnv) -> BTreeMap<String, Value> {
    env.sandbox
        .mikiwame()
        .employees(MIKIWAME_KEY)
        .into_iter()
        .map(|e| (e["email"].as_str().unwrap().to_string(), e))
        .collect()
}

async fn error_rows(env: &SandboxEnv, c: &ConnectionId, run: &RecordId) -> String {
    let bytes = jobs::error_file(&env.backend.store, &env.tenant(), c, &run.0)
        .await
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

struct RecordId(renkei_core::RunId);

fn id(r: &RunRecord) -> RecordId {
    RecordId(r.run_id.clone())
}

async fn try_connect(env: &SandboxEnv, conn: &str) -> Result<(), SetupError> {
    let input = SetupInput {
        tenant_id: env.tenant(),
        connection_id: ConnectionId::new(conn).unwrap(),
        secret: env.hrbrain_secret(),
        settings: env.hrbrain_settings(),
    };
    c3::setup(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.now(),
        input,
    )
    .await
    .map(|_| ())
}

#[tokio::test]
async fn c3_1_connecting_checks_the_token_and_names_a_missing_organization_scope() {
    let env = env().await;
    let setup = |scopes: &[&str], token: &str| HrbrainSetup {
        token: token.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        per_minute: None,
    };
    env.sandbox
        .hrbrain()
        .company(HRBRAIN_SUBDOMAIN, setup(&["member:read"], HRBRAIN_TOKEN));
    let err = try_connect(&env, "c3").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, SetupError::MissingScopes(_)), "{err:?}");
    assert!(
        text.contains("organization:read") && !text.contains("member:read、"),
        "{text}"
    );

    env.sandbox
        .hrbrain()
        .company(HRBRAIN_SUBDOMAIN, setup(&[], HRBRAIN_TOKEN));
    let text = try_connect(&env, "c3").await.unwrap_err().to_string();
    assert!(
        text.contains("member:read") && text.contains("organization:read"),
        "both named at once: {text}"
    );

    env.sandbox.hrbrain().company(
        HRBRAIN_SUBDOMAIN,
        setup(&["member:read", "organization:read"], "other"),
    );
    assert!(matches!(
        try_connect(&env, "c3").await,
        Err(SetupError::Credentials(_))
    ));

    env.sandbox.hrbrain().company(
        HRBRAIN_SUBDOMAIN,
        setup(&["member:read", "organization:read"], HRBRAIN_TOKEN),
    );
    try_connect(&env, "c3").await.expect("connects");
    let conn = stored_connection(&env, &env.tenant(), &ConnectionId::new("c3").unwrap()).await;
    assert!(
        conn.next_run_at > env.clock.now(),
        "no expiry: a daily reconciliation is scheduled"
    );
    assert!(
        matches!(
            try_connect(&env, "c3-again").await,
            Err(SetupError::Exists(_))
        ),
        "one connection per tenant"
    );
}

#[tokio::test]
async fn c3_2_departments_parents_first_by_code_and_codeless_skipped_with_a_reason() {
    let (env, c) = connected(small_tree(), vec![]).await;
    let r = run(&env, &c, Some("departments")).await;
    assert_eq!(
        r.status,
        RunStatus::Partial,
        "the code-less department is reported"
    );
    let d = departments(&env);
    assert_eq!(d.keys().collect::<Vec<_>>(), ["D", "HQ", "S", "S1"]);
    assert_eq!(d["S1"]["parent_code"], "S");
    assert_eq!(d["HQ"]["parent_code"], Value::Null);
    assert!(error_rows(&env, &c, &id(&r)).await.contains("準備室"));
    assert_eq!(
        env.sandbox.mikiwame().employees(MIKIWAME_KEY).len(),
        0,
        "departments only"
    );

    // Renamed department: updated in place. Same name with a new code: a new department.
    let mut tree = small_tree();
    tree["items"][0]["items"][0]["value"] = json!("営業本部");
    tree["items"][0]["items"][1]["code"] = json!("D2");
    env.sandbox
        .hrbrain()
        .organization(HRBRAIN_SUBDOMAIN, tree)
        .unwrap();
    let r = run(&env, &c, Some("departments")).await;
    assert_eq!(
        (r.counts.created, r.counts.updated),
        (1, 1),
        "{:?}",
        r.counts
    );
    let d = departments(&env);
    assert_eq!(d["S"]["name"], "営業本部");
    assert!(d.contains_key("D") && d.contains_key("D2"));
}

#[tokio::test]
async fn c3_2_a_tree_of_ten_levels_syncs_and_eleven_rejects_only_the_too_deep_part() {
    let mut level = json!({"id": "l11", "value": "第11階層", "code": "L11"});
    for n in (1..=10).rev() {
        level = json!({"id": format!("l{n}"), "value": format!("第{n}階層"), "code": format!("L{n}"), "items": [level]});
    }
    let (env, c) = connected(json!({"type": "tree", "items": [level]}), vec![]).await;
    let r = run(&env, &c, Some("departments")).await;
    let d = departments(&env);
    assert_eq!(d.len(), 10, "levels 1–10");
    assert!(!d.contains_key("L11"));
    assert_eq!(r.counts.rejected, 1);
    let errors = error_rows(&env, &c, &id(&r)).await;
    assert!(
        errors.contains("L11") && errors.contains("10階層"),
        "{errors}"
    );
}

#[tokio::test]
async fn c3_2_a_cycle_is_rejected_without_looping_and_the_rest_synced() {
    let tree = json!({"type": "list", "items": [
        {"id": "a", "value": "A部", "code": "A", "parentId": "c"},
        {"id": "b", "value": "B部", "code": "B", "parentId": "a"},
        {"id": "c", "value": "C部", "code": "C", "parentId": "b"},
        {"id": "ok", "value": "総務部", "code": "G"},
        {"id": "dup1", "value": "経理部", "code": "K"},
        {"id": "dup2", "value": "財務部", "code": "K"}
    ]});
    let (env, c) = connected(tree, vec![]).await;
    let r = run(&env, &c, Some("departments")).await;
    assert_eq!(departments(&env).keys().collect::<Vec<_>>(), ["G"]);
    assert_eq!(r.counts.rejected, 5);
    let errors = error_rows(&env, &c, &id(&r)).await;
    assert_eq!(errors.matches("循環").count(), 3, "{errors}");
    assert_eq!(errors.matches("複数の部署").count(), 2, "{errors}");
}

#[tokio::test]
async fn c3_3_employee_fields_business_names_numbers_and_the_retired_flag() {
    let mut p = person("1", "Taro@Example.jp", Some("s1"));
    p["BusinessLastName"] = json!("Smith");
    p["BusinessFirstName"] = json!("Taro");
    p["BusinessLastNameKana"] = json!("すみす");
    p["BusinessFirstNameKana"] = json!("ﾀﾛｳ");
    p["EmployeeNumber"] = json!("ＥＭＰ－００１");
    p["EnrollmentStatus"] = json!("退職済み");
    let mut on_leave = person("2", "hanako@example.jp", None);
    on_leave["EnrollmentStatus"] = json!("休職中");
    let (env, c) = connected(small_tree(), vec![p, on_leave]).await;
    run(&env, &c, None).await;
    let e = employees(&env);
    let taro = &e["taro@example.jp"];
    assert_eq!(
        (taro["last_name"].as_str(), taro["first_name"].as_str()),
        (Some("Smith"), Some("Taro"))
    );
    assert_eq!(taro["last_name_kana"], "スミス");
    assert_eq!(taro["first_name_kana"], "タロウ");
    assert_eq!(taro["employee_number"], "EMP-001");
    assert_eq!(taro["department_code"], "S1");
    assert_eq!(taro["position"], "主任");
    assert_eq!(taro["birthday"], "1990-04-01");
    assert_eq!(taro["retired"], true);
    assert_eq!(e["hanako@example.jp"]["retired"], false, "only 退職済み");
    assert_eq!(
        e["hanako@example.jp"]["department_code"],
        Value::Null,
        "blank is fine"
    );
}

#[tokio::test]
async fn c3_4_employment_types_reach_mikiwame_through_the_table() {
    let types = [
        ("正社員", "正社員"),
        ("契約社員", "契約社員"),
        ("派遣", "派遣社員"),
        ("パートタイム", "パート・アルバイト"),
        ("アルバイト", "パート・アルバイト"),
        ("バイト", "パート・アルバイト"),
        ("業務委託", "業務委託"),
        ("インターン", "その他"),
        ("短時間正社員", "その他"),
        ("地域限定社員", "その他"),
    ];
    let people: Vec<Value> = types
        .iter()
        .enumerate()
        .map(|(i, (h, _))| {
            let mut p = person(&i.to_string(), &format!("p{i}@example.jp"), None);
            p["EmploymentStatus"] = json!(h);
            p
        })
        .collect();
    let (env, c) = connected(small_tree(), people).await;
    run(&env, &c, Some("employees")).await;
    let e = employees(&env);
    for (i, (h, m)) in types.iter().enumerate() {
        assert_eq!(e[&format!("p{i}@example.jp")]["employment_type"], *m, "{h}");
    }
}

#[tokio::test]
async fn c3_5_matched_by_email_and_every_rejection_is_in_the_error_file_with_its_reason() {
    let mut no_kana = person("3", "nokana@example.jp", None);
    no_kana["FirstNameKana"] = Value::Null;
    let people = vec![
        person("1", "a@example.jp", Some("s1")),
        person("2", "b@example.jp", Some("x")),
        no_kana,
        person("4", "dup@example.jp", None),
        person("5", "DUP@example.jp", None),
        person("6", "c@example.jp", Some("d")),
    ];
    let (env, c) = connected(small_tree(), people).await;
    // Employees before any department sync: their departments are not in Mikiwame yet.
    let r = run(&env, &c, Some("employees")).await;
    let errors = error_rows(&env, &c, &id(&r)).await;
    assert!(
        errors.contains("a@example.jp") && errors.contains("先に部署を同期"),
        "{errors}"
    );
    run(&env, &c, Some("departments")).await;
    let r = run(&env, &c, Some("employees")).await;
    let e = employees(&env);
    assert_eq!(
        e.keys().collect::<Vec<_>>(),
        ["a@example.jp", "c@example.jp"]
    );
    let errors = error_rows(&env, &c, &id(&r)).await;
    assert!(
        errors.contains("b@example.jp") && errors.contains("組織情報コードがない"),
        "{errors}"
    );
    assert!(
        errors.contains("nokana@example.jp") && errors.contains("カナ"),
        "{errors}"
    );
    assert_eq!(
        errors.matches("複数の社員").count(),
        2,
        "both rows of the duplicate: {errors}"
    );

    // Update by email; a changed email is a different employee.
    let mut a = person("1", "a@example.jp", Some("s"));
    a["Job"] = json!("課長");
    let mut moved = person("6", "c.new@example.jp", Some("d"));
    moved["Job"] = json!("部長");
    env.sandbox
        .hrbrain()
        .members(HRBRAIN_SUBDOMAIN, vec![a, moved])
        .unwrap();
    run(&env, &c, Some("employees")).await;
    let e = employees(&env);
    assert_eq!(e["a@example.jp"]["position"], "課長");
    assert_eq!(e["a@example.jp"]["department_code"], "S");
    assert!(e.contains_key("c@example.jp") && e.contains_key("c.new@example.jp"));

    // A field renamed from its default alias: every employee rejected, the field named.
    env.sandbox
        .hrbrain()
        .rename(HRBRAIN_SUBDOMAIN, "Gender", "Sex")
        .unwrap();
    let r = run(&env, &c, Some("employees")).await;
    assert_eq!(r.counts.created + r.counts.updated + r.counts.unchanged, 0);
    let errors = error_rows(&env, &c, &id(&r)).await;
    assert!(
        errors.contains("性別") && errors.contains("Sex"),
        "{errors}"
    );
    let list = jobs::jobs(&env.backend.store, &env.tenant(), &c)
        .await
        .unwrap();
    assert_eq!(
        list[0].status,
        jobs::JobStatus::Failure,
        "nothing synced: 失敗"
    );
}

#[tokio::test]
async fn c3_5_an_email_shared_by_the_first_and_the_last_page_is_refused_on_both() {
    // Employees are read and written a page at a time; the shared email's holders are two
    // pages apart, and a third member on the last page writes "dup" in capitals.
    let env = env().await;
    env.sandbox
        .hrbrain()
        .organization(HRBRAIN_SUBDOMAIN, small_tree())
        .unwrap();
    env.sandbox
        .hrbrain()
        .members(
            HRBRAIN_SUBDOMAIN,
            vec![
                person("1", "dup@example.jp", Some("d")),
                person("2", "a@example.jp", Some("d")),
                person("3", "b@example.jp", Some("d")),
                person("4", "c@example.jp", Some("d")),
                person("5", "Dup@Example.jp", Some("d")),
            ],
        )
        .unwrap();
    let mut settings = env.hrbrain_settings();
    settings.page_size = 2;
    let c = env.connect_hrbrain(settings).await.unwrap();
    let r = run(&env, &c, None).await;
    assert_eq!(r.status, RunStatus::Partial, "{r:?}");
    assert_eq!(
        employees(&env).keys().collect::<Vec<_>>(),
        ["a@example.jp", "b@example.jp", "c@example.jp"]
    );
    let errors = error_rows(&env, &c, &id(&r)).await;
    assert_eq!(
        errors.matches("複数の社員（2名）").count(),
        2,
        "member 1 and member 5: {errors}"
    );
    assert!(
        errors.contains("HRBrainメンバーID 1") && errors.contains("HRBrainメンバーID 5"),
        "{errors}"
    );
}

#[tokio::test]
async fn c3_6_jobs_list_what_status_when_and_an_excel_error_file() {
    let (env, c) = connected(small_tree(), vec![person("1", "a@example.jp", Some("s"))]).await;
    let t = env.tenant();
    // A person's sync goes through the bus like the admin surface's and runs in the
    // background (the connector function).
    let ask = |scope: &str| renkei_core::engine::SyncRequested {
        trigger: renkei_core::engine::Trigger::Person,
        scope: Some(scope.into()),
        ..renkei_core::engine::SyncRequested::new(t.clone(), c.clone(), c3::NAME)
    };
    use renkei_core::ports::EventBus;
    for scope in ["departments", "employees"] {
        env.backend
            .bus
            .publish(&[ask(scope).to_event("renkei")])
            .await
            .unwrap();
        env.backend.deliver().await.unwrap();
        env.clock.advance(Duration::minutes(7));
    }
    let list = jobs::jobs(&env.backend.store, &t, &c).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list[0].what.contains("従業員同期") && list[1].what.contains("部署同期"),
        "newest first"
    );
    assert_eq!(list[0].status, jobs::JobStatus::Success);
    assert_eq!(
        list[1].status,
        jobs::JobStatus::Success,
        "partial (準備室) is 成功 with an error file"
    );
    assert_eq!((list[0].errors, list[1].errors), (0, 1));
    assert_eq!(list[1].started.len(), "2026/11/22 20:27".len());
    let file = jobs::error_file(&env.backend.store, &t, &c, &list[1].run_id)
        .await
        .unwrap();
    assert!(file.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    assert!(String::from_utf8_lossy(&file).contains("準備室"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c3_6_an_employee_sync_asked_for_during_a_department_sync_waits_for_it() {
    let (env, c) = connected(small_tree(), vec![person("1", "a@example.jp", Some("s1"))]).await;
    let t = env.tenant();
    let (stall, control) = Stall::at(Step::Pulled, 1);
    let backend = env.backend.clone();
    let req = request(&t, &c, Some("departments"));
    let departments_run = tokio::spawn(async move { backend.run(&req, &stall).await });
    control.frozen().await;
    env.clock.advance(Duration::seconds(1));
    let asked = env
        .backend
        .run(&request(&t, &c, Some("employees")), &NoHook)
        .await
        .unwrap();
    assert!(
        matches!(&asked, Outcome::Skipped(why) if why.contains("after it")),
        "{asked:?}"
    );
    control.release();
    departments_run.await.unwrap().unwrap();
    let conn = stored_connection(&env, &t, &c).await;
    assert!(
        conn.next_run_at <= env.clock.now(),
        "due at once after the department sync"
    );
    let runs = env.backend.tick().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        employees(&env).len(),
        1,
        "the waiting employee sync ran after the departments"
    );
}

/// POST/PUT a JSON body to the sandbox's control API; its JSON answer.
async fn control(
    http: &reqwest::Client,
    env: &SandboxEnv,
    method: &str,
    path: &str,
    body: Value,
) -> Value {
    let url = format!("http://{}/_control{path}", env.addr);
    let req = match method {
        "PUT" => http.put(url),
        _ => http.post(url),
    };
    let resp = req.json(&body).send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[tokio::test]
async fn c3_7_a_signed_hrbrain_webhook_over_http_becomes_one_sync_of_the_affected_kind() {
    // Everything over HTTP against the sandbox, as an outside test would do it.
    let env = env().await;
    let http = reqwest::Client::new();
    let sandbox = format!("http://{}", env.addr);
    control(
        &http,
        &env,
        "PUT",
        "/hrbrain/companies/acme",
        json!({"token": "t"}),
    )
    .await;
    control(&http, &env, "PUT", "/mikiwame/companies/k", json!({})).await;
    control(
        &http,
        &env,
        "PUT",
        "/hrbrain/companies/acme/organization",
        small_tree(),
    )
    .await;
    control(
        &http,
        &env,
        "POST",
        "/hrbrain/companies/acme/members",
        person("1", "a@example.jp", Some("s")),
    )
    .await;
    control(
        &http,
        &env,
        "POST",
        "/connect/hrbrain-mikiwame",
        json!({
            "tenant": "acme", "connection": "c3",
            "secret": {"hrbrain_token": "t", "mikiwame_api_key": "k", "webhook_secret": "hrbrain-webhook-secret-1"},
            "settings": {"subdomain": "acme", "hrbrain_url": format!("{sandbox}/hrbrain/acme"),
                         "mikiwame_url": format!("{sandbox}/mikiwame"),
                         "hrbrain_per_minute": null, "mikiwame_per_minute": null},
        }),
    )
    .await;
    control(
        &http,
        &env,
        "PUT",
        "/hrbrain/companies/acme/webhook",
        json!({"tenant": "acme", "connection": "c3", "secret": "hrbrain-webhook-secret-1"}),
    )
    .await;
    let first = control(
        &http,
        &env,
        "POST",
        "/run/hrbrain-mikiwame",
        json!({"tenant": "acme", "connection": "c3"}),
    )
    .await;
    assert_eq!(first["status"], "partial", "{first}");
    let read = |what: &'static str| {
        let (http, url) = (
            http.clone(),
            format!("{sandbox}/_control/mikiwame/companies/k/{what}"),
        );
        async move {
            http.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()[what]
                .clone()
        }
    };

    // Two member changes in HRBrain: Webhook設定 sends two signed webhooks.
    env.clock.advance(Duration::minutes(1));
    for job in ["課長", "部長"] {
        let mut p = person("1", "a@example.jp", Some("s"));
        p["Job"] = json!(job);
        let answer = control(&http, &env, "POST", "/hrbrain/companies/acme/members", p).await;
        assert_eq!(answer["webhook"]["status"], 202, "{answer}");
    }
    let delivered = control(&http, &env, "POST", "/deliver", json!({})).await;
    let runs = delivered["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "a burst is one sync: {delivered}");
    assert_eq!(
        runs[0]["scope"], "employees",
        "member changes sync employees only"
    );
    assert_eq!(read("employees").await[0]["position"], "部長");

    // A forged webhook is refused and changes nothing.
    let forged = control(
        &http,
        &env,
        "POST",
        "/hrbrain/webhooks",
        json!({"tenant": "acme", "connection": "c3", "secret": "wrong"}),
    )
    .await;
    assert_eq!(forged["deliveries"][0]["status"], 401, "{forged}");
    // The organization changes: a department sync.
    env.clock.advance(Duration::minutes(2));
    let mut tree = small_tree();
    tree["items"][0]["items"][1]["value"] = json!("開発本部");
    control(
        &http,
        &env,
        "PUT",
        "/hrbrain/companies/acme/organization",
        tree,
    )
    .await;
    let delivered = control(&http, &env, "POST", "/deliver", json!({})).await;
    assert_eq!(delivered["runs"][0]["scope"], "departments", "{delivered}");
    let d = read("departments").await;
    assert!(
        d.as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "D" && d["name"] == "開発本部"),
        "{d}"
    );
}

#[tokio::test]
async fn c3_8_disconnect_removes_the_connection_its_credentials_and_state() {
    let (env, c) = connected(small_tree(), vec![]).await;
    let t = env.tenant();
    run(&env, &c, Some("departments")).await;
    let secret = stored_connection(&env, &t, &c).await.secret_name;
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
    assert_eq!(env.backend.secrets.get(&secret).await.unwrap(), None);
    assert!(
        Repo::new(&env.backend.store)
            .connection(&t, &c)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        connection_items(&env.backend.store, &t, &c)
            .await
            .is_empty(),
        "no state left"
    );
    try_connect(&env, "again").await.expect("connects afresh");
}

#[tokio::test]
async fn c3_1_a_token_that_expires_mid_run_is_fetched_again_and_the_run_goes_on() {
    let (env, c) = connected(small_tree(), vec![person("1", "a@example.jp", Some("s"))]).await;
    let sandbox = env.sandbox.clone();
    // Right after the department page was read, HRBrain revokes the run's token.
    let expire = Probe(move |step| {
        if step == Step::Pulled {
            sandbox.hrbrain().expire_tokens(HRBRAIN_SUBDOMAIN).unwrap();
        }
    });
    env.clock.advance(Duration::minutes(1));
    let out = env
        .backend
        .run(&request(&env.tenant(), &c, None), &expire)
        .await
        .unwrap();
    let Outcome::Ran(r) = out else {
        panic!("{out:?}")
    };
    assert_eq!(r.status, RunStatus::Partial, "{r:?}");
    assert_eq!(
        employees(&env).len(),
        1,
        "the employee phase re-fetched a token"
    );
}

#[tokio::test]
async fn p11_a_dry_run_counts_what_would_change_and_writes_nothing() {
    let seed = (small_tree(), vec![person("1", "a@example.jp", None)]);
    let (w, r) = conformance::dry_run_writes_nothing(&Hrbrain::default(), &seed).await;
    let (env, c) = (&w.env, &w.c);
    assert_eq!(
        r.counts.created, 5,
        "4 departments and 1 employee would be created"
    );
    assert_eq!(env.sandbox.mikiwame().writes(MIKIWAME_KEY), (0, 0));
    let r = run(env, c, None).await;
    assert_eq!(r.counts.created, 5, "the real run still writes them");
}

fn sample_env_data(env: &SandboxEnv, people: usize) -> renkei_sandbox::HrbrainSample {
    let sample = renkei_sandbox::hrbrain_sample(people, 11);
    env.sandbox
        .hrbrain()
        .organization(HRBRAIN_SUBDOMAIN, sample.organization.clone())
        .unwrap();
    env.sandbox
        .hrbrain()
        .members(HRBRAIN_SUBDOMAIN, sample.members.clone())
        .unwrap();
    sample
}

/// C3 under the conformance kit: HRBrain holding (organization, members), connected; runs as
/// a person asks for them, a minute apart.
#[derive(Default)]
struct Hrbrain {
    page_size: Option<usize>,
}

impl conformance::Subject for Hrbrain {
    type Seed = (Value, Vec<Value>);
    type World = Connected;
    /// Mikiwame's departments by code and employees by email.
    type Target = (BTreeMap<String, Value>, BTreeMap<String, Value>);

    fn target_name(&self) -> &'static str {
        "Mikiwame"
    }

    async fn world(&self, (tree, people): &Self::Seed) -> Connected {
        let env = env().await;
        env.sandbox
            .hrbrain()
            .organization(HRBRAIN_SUBDOMAIN, tree.clone())
            .unwrap();
        env.sandbox
            .hrbrain()
            .members(HRBRAIN_SUBDOMAIN, people.clone())
            .unwrap();
        let mut settings = env.hrbrain_settings();
        if let Some(n) = self.page_size {
            settings.page_size = n;
        }
        let c = env.connect_hrbrain(settings).await.unwrap();
        Connected {
            t: env.tenant(),
            env,
            c,
        }
    }

    fn env<'w>(&self, w: &'w Connected) -> &'w SandboxEnv {
        &w.env
    }

    async fn sync(
        &self,
        w: &Connected,
        dry_run: bool,
        hook: &dyn StepHook,
    ) -> Result<Outcome, String> {
        // A person presses the button a minute after the last time (jobs list newest first).
        conformance::a_minute_later(&w.env, &w.t, &w.c, dry_run, hook).await
    }

    fn target(&self, w: &Connected) -> Self::Target {
        (departments(&w.env), employees(&w.env))
    }

    async fn writes(&self, w: &Connected) -> Option<u64> {
        let (a, b) = w.env.sandbox.mikiwame().writes(MIKIWAME_KEY);
        Some(a + b)
    }

    fn crashes(&self) -> Vec<(Step, usize)> {
        STEPS
            .into_iter()
            .flat_map(|step| [(step, 1), (step, 3)])
            .collect()
    }
}

#[tokio::test]
async fn c3_crash_at_every_step_boundary_then_rerun_leaves_exactly_the_expected_records() {
    // The expected state: a clean full run of the sample company (the kit's own); each crash
    // and rerun must leave Mikiwame's departments and employees equal to it — nobody lost
    // or doubled.
    let sample = renkei_sandbox::hrbrain_sample(40, 11);
    let subject = Hrbrain {
        page_size: Some(30),
    };
    let (want_d, want_e) = conformance::crash_at_every_step_then(
        &subject,
        &(sample.organization, sample.members),
        async |_: &Connected, crash: &Crashed| {
            assert_eq!(
                crash.rerun.status,
                RunStatus::Partial,
                "{}: the bad records only",
                crash.label()
            );
        },
    )
    .await;
    assert!(want_d.len() > 60 && want_e.len() > 30);
}

#[tokio::test]
async fn c3_twenty_percent_faults_converge_and_a_rerun_without_changes_writes_nothing() {
    let env = env().await;
    let sample = sample_env_data(&env, 120);
    let c = env.connect_hrbrain(env.hrbrain_settings()).await.unwrap();
    env.sandbox.set_faults(Faults::uniform(0.2, 7).seeded());
    let mut last = None;
    for _ in 0..6 {
        let r = run(&env, &c, None).await;
        let done = r.status == RunStatus::Partial && r.error.is_none();
        last = Some(r);
        if done {
            break;
        }
        env.clock.advance(Duration::minutes(10));
    }
    let last = last.unwrap();
    assert_eq!(last.status, RunStatus::Partial, "{last:?}");
    env.sandbox.set_faults(Faults::default());
    assert_eq!(departments(&env).len(), sample.departments_with_code);
    assert_eq!(
        employees(&env).len(),
        sample.members.len() - sample.bad_members
    );
    let w = Connected {
        t: env.tenant(),
        env,
        c,
    };
    conformance::unchanged_run(&Hrbrain::default(), &w, "no change → no write").await;
}
