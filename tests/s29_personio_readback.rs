//! Issue 29 item 2 for Personio (C4.4 on v2): a create whose answer was lost is reconciled by
//! reading the candidate's applications back; a read-back that could not see every page is
//! no answer and never leads to a second POST; a read-back that does not list it (yet)
//! sends nothing again within the same write; v1, which cannot read back, keeps the mark and
//! Personio's duplicate rule. Every test counts the simulator's POSTs.

mod s29_personio;

use chrono::Duration;
use renkei_connectors::talentwunder_personio as c4;
use renkei_core::Clock;
use renkei_core::engine::{ConnectorFactory, Outcome, RunRecord, RunStatus};
use renkei_e2e::*;
use renkei_testbed::{
    PERSONIO_CLIENT_ID, PERSONIO_CLIENT_SECRET, PERSONIO_COMPANY, PERSONIO_TOKEN,
    TALENTWUNDER_PROJECT,
};
use renkei_vendors::personio::{self, Credentials, Listing};
use s29_personio::*;
use serde_json::{Value, json};

#[tokio::test]
async fn s29_2_a_lost_201_on_v2_is_reconciled_by_reading_back_without_a_second_post() {
    let env = env().await;
    let c = env.connect_personio(env.personio_settings()).await.unwrap();
    let (posts, reads) = (
        stat(&env, "application_posts"),
        stat(&env, "application_reads"),
    );
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 1)
        .unwrap();
    let (_, a) = env
        .talentwunder_upload(
            "r-1",
            TALENTWUNDER_PROJECT,
            vec![profile("Lina@Example.de")],
        )
        .await
        .unwrap();
    env.backend.deliver().await.unwrap();
    let s = statuses(&env, &c, &a).await;
    assert_eq!(s[0].0, "filed");
    assert!(s[0].1.contains("reconciled"), "{s:?}");
    assert_eq!(stat(&env, "application_posts") - posts, 1, "no second POST");
    assert!(stat(&env, "application_reads") > reads, "read back");
    assert_eq!(
        env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
        1
    );
}

/// The run that sent the create could not read back (here: the credential lost its read
/// scope meanwhile) and failed with the mark saying *sending*: the next run reads back first
/// and finds it filed, without a second POST.
#[tokio::test]
async fn s29_2_a_later_run_reads_back_before_it_sends_again() {
    let env = env().await;
    let c = env.connect_personio(env.personio_settings()).await.unwrap();
    let scoped = |scopes: Value| {
        let mut setup = env.personio_setup();
        setup.oauth_clients = serde_json::from_value(json!([{"client_id": PERSONIO_CLIENT_ID,
            "client_secret": PERSONIO_CLIENT_SECRET, "scopes": scopes}]))
        .unwrap();
        env.sandbox.personio().company(PERSONIO_COMPANY, setup);
    };
    scoped(json!([]));
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 1)
        .unwrap();
    let posts = stat(&env, "application_posts");
    let (_, a) = env
        .talentwunder_upload("r-1", TALENTWUNDER_PROJECT, vec![profile("mia@example.de")])
        .await
        .unwrap();
    let failed = env.backend.deliver().await.unwrap();
    assert!(
        matches!(&failed[..], [Outcome::Ran(r)] if r.status == RunStatus::AuthFailed
            && r.error.as_deref().is_some_and(|e| e.contains("personio:recruiting:read"))),
        "{failed:?}"
    );
    assert_eq!(statuses(&env, &c, &a).await[0].0, "queued");
    scoped(json!(["personio:recruiting:read"]));
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let s = statuses(&env, &c, &a).await;
    assert_eq!(s[0].0, "filed");
    assert!(s[0].1.contains("reconciled"), "{s:?}");
    assert_eq!(
        stat(&env, "application_posts") - posts,
        1,
        "never sent twice"
    );
    assert_eq!(
        env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
        1
    );
}

#[tokio::test]
async fn s29_2_on_v1_the_mark_and_the_duplicate_rule_still_reconcile() {
    let env = env().await;
    let c = env
        .connect_personio_v1(env.personio_settings())
        .await
        .unwrap();
    let (posts, reads) = (
        stat(&env, "application_posts"),
        stat(&env, "application_reads"),
    );
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 1)
        .unwrap();
    let (_, a) = env
        .talentwunder_upload(
            "r-1",
            TALENTWUNDER_PROJECT,
            vec![profile("timo@example.de")],
        )
        .await
        .unwrap();
    env.backend.deliver().await.unwrap();
    let s = statuses(&env, &c, &a).await;
    assert_eq!(s[0].0, "filed");
    assert!(s[0].1.contains("reconciled"), "{s:?}");
    assert_eq!(
        stat(&env, "application_posts") - posts,
        2,
        "sent again: the duplicate rule tells"
    );
    assert_eq!(
        stat(&env, "application_reads"),
        reads,
        "v1 cannot read back"
    );
    assert_eq!(
        env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
        1
    );
}

#[tokio::test]
async fn s29_2_read_back_pages_with_the_cursor_and_matches_email_and_job() {
    let env = env().await;
    // The wanted application first (oldest: last page), then 120 of the same email elsewhere.
    let add = |job: u64, email: &str| {
        env.sandbox
            .personio()
            .add_application(
                PERSONIO_COMPANY,
                json!({"email": email, "job_position_id": job}),
            )
            .unwrap();
    };
    add(4103, "Ana@example.de");
    for i in 0..120 {
        add(9000 + i, "ana@example.de");
    }
    add(4103, "someone@example.de");
    let reads = stat(&env, "application_reads");
    let listing = client(&env, oauth())
        .applications_of("ana@example.de", None)
        .await
        .unwrap();
    let Listing::Complete(found) = listing else {
        panic!("{listing:?}")
    };
    assert_eq!(found.len(), 121);
    assert_eq!(
        found
            .iter()
            .filter(|a| a.is("ana@example.de", 4103))
            .count(),
        1
    );
    assert_eq!(
        stat(&env, "application_reads") - reads,
        2,
        "two pages of 100"
    );
    assert_eq!(violations(&env), 0, "only documented parameters");
    let legacy = Credentials::Legacy {
        access_token: PERSONIO_TOKEN.into(),
    };
    assert!(
        client(&env, legacy)
            .applications_of("ana@example.de", None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn s29_2_the_list_refuses_what_personio_does_not_document() {
    let env = env().await;
    let c = client(&env, oauth());
    c.upload_document("warm.pdf", b"%PDF").await.unwrap(); // a token exists now
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!(
            "http://{}/personio{}",
            env.addr,
            personio::TOKEN_PATH
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", PERSONIO_CLIENT_ID),
            ("client_secret", PERSONIO_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let get = |query: &'static str| {
        http.get(format!(
            "http://{}/personio/v2/recruiting/applications?{query}",
            env.addr
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
    };
    for bad in [
        "job_id=4103",
        "limit=500",
        "updated_at.gt=2026-01-01T00:00:00Z&updated_at.lt=2026-02-01T00:00:00Z",
        "cursor=nonsense",
    ] {
        assert_eq!(get(bad).await.unwrap().status().as_u16(), 400, "{bad}");
    }
    assert_eq!(violations(&env), 4, "each recorded");
    let ok: Value = get("candidate.email=x%40example.de&limit=1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["_data"], json!([]));
}

/// Item 6: the contract describes the read-back, and every test it cites for a claim
/// exists (a name ending in `…` is a prefix).
#[test]
fn s29_2_the_contract_describes_the_read_back() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/contracts/personio.md")).unwrap();
    assert!(
        !doc.to_lowercase().contains("no read-back"),
        "the contract still says there is none"
    );
    assert!(doc.contains("`GET /v2/recruiting/applications"));
    assert!(doc.contains("## Sources") && doc.contains("## Calls"));
    let tests: String = [
        "tests/s29_personio_v2.rs",
        "tests/s29_personio_readback.rs",
        "tests/s29_personio_site.rs",
        "tests/c4_talentwunder_personio.rs",
        "shared/vendors/src/personio/readback.rs",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(format!("{root}/{f}")).unwrap())
    .collect();
    let cited: Vec<&str> = doc
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with("s29_") || c.starts_with("c4_"))
        .map(|c| c.trim_end_matches('…'))
        .collect();
    assert!(cited.len() >= 15, "{cited:?}");
    for name in cited {
        assert!(
            tests.contains(&format!("fn {name}")),
            "the contract cites {name}, which no test is"
        );
    }
}

/// Uploads one profile with `email` and delivers: the upload's answer and the run.
async fn upload_one(env: &SandboxEnv, request: &str, email: &str) -> (Value, RunRecord) {
    let (_, a) = env
        .talentwunder_upload(request, TALENTWUNDER_PROJECT, vec![profile(email)])
        .await
        .unwrap();
    let outcomes = env.backend.deliver().await.unwrap();
    (a, only_run(&outcomes).clone())
}

fn failed_saying(r: &RunRecord, words: &str) {
    assert_eq!(r.status, RunStatus::Failed, "{:?}", r.error);
    assert!(
        r.error.as_deref().is_some_and(|e| e.contains(words)),
        "{words:?} not in {:?}",
        r.error
    );
}

/// Files `count` applications of `email` for other jobs than the demo's, updated at `at`.
fn applied_elsewhere(env: &SandboxEnv, email: &str, count: u64, at: chrono::DateTime<chrono::Utc>) {
    for i in 0..count {
        env.sandbox
            .personio()
            .add_application(
                PERSONIO_COMPANY,
                json!({"email": email, "job_position_id": 20_000 + i, "created_at": at}),
            )
            .unwrap();
    }
}

/// Item 1: a candidate with more applications than renkei reads pages of leaves the read-back
/// open, never "not found"; narrowed to what was updated since, the same list is complete.
#[tokio::test]
async fn s29_2_more_applications_than_the_page_cap_leave_the_read_back_open() {
    let env = env().await;
    let now = env.clock.now();
    applied_elsewhere(&env, "many@example.de", 1_001, now);
    let c = client(&env, oauth());
    let reads = stat(&env, "application_reads");
    let listing = c
        .applications_of("many@example.de", Some(now - Duration::hours(1)))
        .await
        .unwrap();
    assert!(
        matches!(&listing, Listing::Open(why) if why.contains("more than 10 pages")),
        "{listing:?}"
    );
    assert_eq!(stat(&env, "application_reads") - reads, 10, "the cap");
    let later = c
        .applications_of("many@example.de", Some(now + Duration::minutes(1)))
        .await
        .unwrap();
    assert_eq!(later, Listing::Complete(Vec::new()));
    assert_eq!(violations(&env), 0, "updated_at.gt as documented");
}

/// Item 1: the read-back after a lost answer asks only for what was updated since shortly
/// before renkei sent (`updated_at.gt`): a candidate's 1,001 older applications elsewhere
/// are one page, not a list too long to read.
#[tokio::test]
async fn s29_2_the_read_back_looks_only_at_applications_updated_since_shortly_before_the_send() {
    let env = env().await;
    let c = env.connect_personio(env.personio_settings()).await.unwrap();
    applied_elsewhere(
        &env,
        "old@example.de",
        1_001,
        env.clock.now() - Duration::days(2),
    );
    let (posts, reads) = (
        stat(&env, "application_posts"),
        stat(&env, "application_reads"),
    );
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 1)
        .unwrap();
    let (a, r) = upload_one(&env, "r-1", "old@example.de").await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let s = statuses(&env, &c, &a).await;
    assert!(s[0].0 == "filed" && s[0].1.contains("reconciled"), "{s:?}");
    assert_eq!(stat(&env, "application_posts") - posts, 1, "no second POST");
    assert_eq!(stat(&env, "application_reads") - reads, 1, "one page");
    assert_eq!(violations(&env), 0);
}

/// Item 1: every way a read-back can fall short of the list's end — more pages than the cap,
/// a next link without a cursor, the same cursor again, a 200 without `_data` — sends
/// nothing again: the run fails to be retried, the profile stays queued, and once the list
/// answers properly a later run finds the application filed, with one POST in all.
#[tokio::test]
async fn s29_2_an_incomplete_read_back_never_leads_to_a_second_post() {
    for fault in ["endless", "cursorless_next", "same_cursor", "without_data"] {
        let env = env().await;
        let c = env.connect_personio(env.personio_settings()).await.unwrap();
        let posts = stat(&env, "application_posts");
        env.sandbox
            .personio()
            .lose_answers(PERSONIO_COMPANY, 1)
            .unwrap();
        reconfigure(&env, |s| {
            s.list_fault = serde_json::from_value(json!(fault)).unwrap();
        });
        let (a, r) = upload_one(&env, "r-1", "pia@example.de").await;
        failed_saying(&r, "the read-back was incomplete");
        assert_eq!(
            stat(&env, "application_posts") - posts,
            1,
            "{fault}: no second POST"
        );
        assert_eq!(statuses(&env, &c, &a).await[0].0, "queued", "{fault}");
        // Runs while it lasts send nothing either.
        failed_saying(&run(&env, &c).await, "the read-back was incomplete");
        assert_eq!(stat(&env, "application_posts") - posts, 1, "{fault}");
        reconfigure(&env, |_| {});
        let r = run(&env, &c).await;
        assert_eq!(r.status, RunStatus::Succeeded, "{fault}: {:?}", r.error);
        let s = statuses(&env, &c, &a).await;
        assert!(
            s[0].0 == "filed" && s[0].1.contains("reconciled"),
            "{fault}: {s:?}"
        );
        assert_eq!(stat(&env, "application_posts") - posts, 1, "{fault}");
        assert_eq!(
            env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
            1,
            "{fault}: filed once"
        );
    }
}

/// Item 3: the list answering 503 (after the client's retries) is a transient error of the
/// read-back: no second POST, the run is retryable, and the next run files it once.
#[tokio::test]
async fn s29_2_a_transient_read_back_error_sends_nothing_again_and_the_next_run_files_once() {
    let env = env().await;
    let c = env.connect_personio(env.personio_settings()).await.unwrap();
    let posts = stat(&env, "application_posts");
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 1)
        .unwrap();
    reconfigure(&env, |s| {
        s.list_fault = serde_json::from_value(json!("unavailable")).unwrap();
    });
    let (a, r) = upload_one(&env, "r-1", "ole@example.de").await;
    failed_saying(&r, "temporarily unavailable");
    assert_eq!(stat(&env, "application_posts") - posts, 1, "no second POST");
    assert_eq!(statuses(&env, &c, &a).await[0].0, "queued");
    reconfigure(&env, |_| {});
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let s = statuses(&env, &c, &a).await;
    assert!(s[0].0 == "filed" && s[0].1.contains("reconciled"), "{s:?}");
    assert_eq!(stat(&env, "application_posts") - posts, 1);
    assert_eq!(
        env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
        1
    );
}

/// Item 2: Personio lists an application a little after filing it. A lost answer whose
/// application the read-back does not show yet is not sent again in the same write; the
/// next run, once Personio lists it, finds it filed: one POST.
#[tokio::test]
async fn s29_2_a_lost_answer_personio_does_not_list_yet_is_not_sent_again_in_the_same_write() {
    let env = env().await;
    let c = env.connect_personio(env.personio_settings()).await.unwrap();
    env.sandbox
        .personio()
        .hold_listing(PERSONIO_COMPANY, true)
        .unwrap();
    let posts = stat(&env, "application_posts");
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 1)
        .unwrap();
    let (a, r) = upload_one(&env, "r-1", "eva@example.de").await;
    failed_saying(&r, "does not list the application yet");
    assert_eq!(stat(&env, "application_posts") - posts, 1, "not sent again");
    assert_eq!(statuses(&env, &c, &a).await[0].0, "queued");
    env.sandbox
        .personio()
        .hold_listing(PERSONIO_COMPANY, false)
        .unwrap();
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let s = statuses(&env, &c, &a).await;
    assert!(s[0].0 == "filed" && s[0].1.contains("reconciled"), "{s:?}");
    assert_eq!(
        stat(&env, "application_posts") - posts,
        1,
        "one POST in all"
    );
    assert_eq!(
        env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
        1
    );
}

/// Item 2: a create that never reached Personio (503 before it processed it) is not found by
/// the read-back; it is sent again only by a later run, after reading back once more.
#[tokio::test]
async fn s29_2_a_create_that_never_arrived_is_sent_again_only_by_a_later_run() {
    let env = env().await;
    let c = env.connect_personio(env.personio_settings()).await.unwrap();
    let (posts, reads) = (
        stat(&env, "application_posts"),
        stat(&env, "application_reads"),
    );
    env.sandbox
        .personio()
        .drop_creates(PERSONIO_COMPANY, 1)
        .unwrap();
    let (a, r) = upload_one(&env, "r-1", "udo@example.de").await;
    failed_saying(&r, "does not list the application yet");
    assert_eq!(stat(&env, "application_posts") - posts, 1);
    assert!(
        env.sandbox
            .personio()
            .applications(PERSONIO_COMPANY)
            .is_empty()
    );
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    assert_eq!(statuses(&env, &c, &a).await[0].0, "filed");
    assert_eq!(
        stat(&env, "application_posts") - posts,
        2,
        "sent again once"
    );
    assert_eq!(
        stat(&env, "application_reads") - reads,
        2,
        "read back in each run before deciding"
    );
    assert_eq!(
        env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
        1
    );
}

/// Item 3: Personio refusing the `candidate.email` filter (400) stops the read-back: runs
/// fail naming it with the way out and send nothing again; the operator sets the
/// connection's reconcile to duplicate_rule, and the next run re-sends once and Personio's
/// duplicate rule reconciles it.
#[tokio::test]
async fn s29_2_a_refused_email_filter_sends_nothing_again_until_the_operator_chooses_the_duplicate_rule()
 {
    let env = env().await;
    let c = env.connect_personio(env.personio_settings()).await.unwrap();
    let posts = stat(&env, "application_posts");
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 1)
        .unwrap();
    reconfigure(&env, |s| {
        s.list_fault = serde_json::from_value(json!("email_filter_refused")).unwrap();
    });
    let (a, r) = upload_one(&env, "r-1", "jan@example.de").await;
    failed_saying(&r, "read-back query");
    let conn = renkei_core::repo::Repo::new(&env.backend.store)
        .connection(&env.tenant(), &c)
        .await
        .unwrap()
        .unwrap()
        .0;
    let advice = c4::Factory.failure_advice(&conn, &r).unwrap_or_default();
    assert!(advice.contains("reconcile=duplicate_rule"), "{advice}");
    failed_saying(&run(&env, &c).await, "read-back query");
    assert_eq!(
        stat(&env, "application_posts") - posts,
        1,
        "nothing sent again"
    );
    assert_eq!(statuses(&env, &c, &a).await[0].0, "queued");
    let change = renkei_core::admin::SettingsChange {
        settings: serde_json::from_value(json!({"reconcile": "duplicate_rule"})).unwrap(),
        cadence: None,
    };
    renkei_core::admin::change_settings(
        &env.backend.store,
        &*env.clock,
        &env.backend.registry,
        &env.tenant(),
        &c,
        &change,
    )
    .await
    .expect("the setting is taken");
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
    let s = statuses(&env, &c, &a).await;
    assert!(s[0].0 == "filed" && s[0].1.contains("reconciled"), "{s:?}");
    assert_eq!(stat(&env, "application_posts") - posts, 2, "one re-send");
    assert_eq!(
        env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
        1
    );
    // And back, once Personio takes the filter again.
    let back = renkei_core::admin::SettingsChange {
        settings: serde_json::from_value(json!({"reconcile": "read_back"})).unwrap(),
        cadence: None,
    };
    let view = renkei_core::admin::change_settings(
        &env.backend.store,
        &*env.clock,
        &env.backend.registry,
        &env.tenant(),
        &c,
        &back,
    )
    .await
    .expect("the setting is taken");
    let settings: c4::Settings = serde_json::from_value(view.settings).unwrap();
    assert_eq!(settings.reconcile, c4::Reconcile::ReadBack);
}

/// Item 3: connecting while Personio refuses the filter names the `reconcile` setting;
/// with it set to duplicate_rule the connection is made.
#[tokio::test]
async fn s29_2_connecting_while_personio_refuses_the_email_filter_names_the_reconcile_setting() {
    let env = env().await;
    reconfigure(&env, |s| {
        s.list_fault = serde_json::from_value(json!("email_filter_refused")).unwrap();
    });
    let problems = connect_with(&env, env.personio_oauth_secret(), env.personio_settings())
        .await
        .unwrap_err();
    assert!(
        problems
            .iter()
            .any(|(_, f, m)| f.as_deref() == Some("reconcile") && m.contains("duplicate_rule")),
        "{problems:?}"
    );
    let mut settings = env.personio_settings();
    settings.reconcile = c4::Reconcile::DuplicateRule;
    connect_with(&env, env.personio_oauth_secret(), settings)
        .await
        .expect("connects");
}
