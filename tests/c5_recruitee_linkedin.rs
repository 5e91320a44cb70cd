//! C5 Recruitee → LinkedIn RSC (the ATS → LinkedIn half), one test per requirement line,
//! plus crashes at every step, LinkedIn's day budget, deletions and faults.

use chrono::{Duration, TimeZone, Timelike, Utc};
use renkei_connectors::recruitee_linkedin::{self as c5, budget::Progress};
use renkei_core::engine::{NoHook, Outcome, RunRecord, RunRequest, RunStatus, Step, StepHook};
use renkei_core::{Clock, ConnectionId};
use renkei_e2e::conformance::{self, Connected, Crashed};
use renkei_e2e::*;
use renkei_sandbox::{Faults, LinkedinLimits};
use renkei_testbed::{
    CONTRACT_CORPORATE, CONTRACT_LITE, LINKEDIN_ADMIN, LINKEDIN_ORG, LINKEDIN_RECRUITER,
    RECRUITEE_COMPANY,
};
use serde_json::Value;
use std::collections::BTreeSet;

fn instant_activation() -> LinkedinLimits {
    LinkedinLimits {
        activation_checks: 0,
        ..LinkedinLimits::default()
    }
}

async fn connected(candidates: usize, page: usize) -> (SandboxEnv, ConnectionId) {
    let env = env().await;
    env.recruitee_linkedin_accounts(candidates)
        .expect("accounts");
    env.sandbox.linkedin().limits(instant_activation());
    let mut s = env.linkedin_settings(CONTRACT_CORPORATE);
    s.page_size = page;
    let c = env
        .connect_linkedin(s, LINKEDIN_ADMIN)
        .await
        .expect("connects");
    (env, c)
}

async fn run_with(
    env: &SandboxEnv,
    c: &ConnectionId,
    hook: &dyn renkei_core::engine::StepHook,
) -> Result<Outcome, String> {
    env.clock.advance(Duration::minutes(1));
    env.backend
        .run(&RunRequest::manual(env.tenant(), c.clone()), hook)
        .await
}

async fn run(env: &SandboxEnv, c: &ConnectionId) -> RunRecord {
    match run_with(env, c, &NoHook).await.expect("runs") {
        Outcome::Ran(r) => r,
        other => panic!("did not run: {other:?}"),
    }
}

fn ids(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// What LinkedIn should hold for Recruitee's data, worked out from Recruitee's side alone.
fn expected(env: &SandboxEnv) -> [BTreeSet<String>; 4] {
    let open: BTreeSet<u64> = env
        .sandbox
        .recruitee()
        .offers(RECRUITEE_COMPANY)
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "published" || o["status"] == "internal")
        .map(|o| o["id"].as_u64().unwrap())
        .collect();
    let (mut cands, mut apps, mut notes, mut feedback) = Default::default();
    let (c, a, n, f): (
        &mut BTreeSet<String>,
        &mut BTreeSet<String>,
        &mut BTreeSet<String>,
        &mut BTreeSet<String>,
    ) = (&mut cands, &mut apps, &mut notes, &mut feedback);
    for cand in env
        .sandbox
        .recruitee()
        .candidates(RECRUITEE_COMPANY)
        .unwrap()
    {
        let id = cand["id"].as_u64().unwrap();
        c.insert(id.to_string());
        let mine: Vec<String> = cand["placements"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| open.contains(&p["offer_id"].as_u64().unwrap()))
            .map(|p| p["id"].to_string())
            .collect();
        a.extend(mine.iter().cloned());
        let (ns, rs) = env
            .sandbox
            .recruitee()
            .extras(RECRUITEE_COMPANY, id)
            .unwrap();
        // Notes are the candidate's; feedback hangs off an application LinkedIn holds.
        n.extend(ns.iter().map(|x| x["id"].to_string()));
        if !mine.is_empty() {
            f.extend(rs.iter().map(|x| x["id"].to_string()));
        }
    }
    [cands, apps, notes, feedback]
}

/// A sub-resource's entries by their own id (the simulator keeps them as `{parent}|{id}`).
fn sub_ids(v: &Value) -> BTreeSet<String> {
    ids(v)
        .into_iter()
        .filter_map(|k| k.split_once('|').map(|(_, id)| id.to_string()))
        .collect()
}

fn held(env: &SandboxEnv) -> [BTreeSet<String>; 4] {
    let d = env.sandbox.linkedin().data(LINKEDIN_ORG);
    [
        ids(&d["atsCandidates"]),
        ids(&d["atsApplications"]),
        sub_ids(&d["atsCandidates/notes"]),
        sub_ids(&d["atsApplications/interviewFeedback"]),
    ]
}

fn assert_mirrors(env: &SandboxEnv, when: &str) {
    let (want, got) = (expected(env), held(env));
    for (i, what) in ["candidates", "applications", "notes", "feedback"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            got[i], want[i],
            "{when}: LinkedIn's {what} differ from Recruitee's"
        );
    }
    let d = env.sandbox.linkedin().data(LINKEDIN_ORG);
    assert_eq!(
        d["nulledFields"],
        serde_json::json!([]),
        "{when}: every application field sent"
    );
}

/// C5.1 as LinkedIn enforces it: in its widget on the onboarding page, a Lite contract and
/// a member without admin or product-settings permission are refused with LinkedIn's
/// reason, and nothing is pre-authorized; renkei's activation says what it waits for.
#[tokio::test]
async fn c5_1_lite_contracts_and_users_without_settings_permission_are_refused_clearly() {
    let env = env().await;
    env.recruitee_linkedin_accounts(3).unwrap();
    let c = env
        .connect_linkedin_only(env.linkedin_settings(CONTRACT_CORPORATE))
        .await
        .unwrap();
    let lite = env
        .onboard_linkedin(&c, LINKEDIN_ADMIN, CONTRACT_LITE)
        .await
        .expect_err("Lite is not eligible");
    assert!(
        lite.contains("RECRUITER_LITE") && lite.contains("not eligible"),
        "{lite}"
    );
    let user = env
        .onboard_linkedin(&c, LINKEDIN_RECRUITER, CONTRACT_CORPORATE)
        .await
        .expect_err("a recruiter may not enable");
    assert!(
        user.contains("lacks admin or product-settings permission"),
        "{user}"
    );
    let unknown = env
        .onboard_linkedin(&c, LINKEDIN_ADMIN, "123")
        .await
        .expect_err("not a contract of the customer");
    assert!(unknown.contains("no contract 123"), "{unknown}");
    assert_eq!(
        env.sandbox.linkedin().data(LINKEDIN_ORG)["integrations"],
        serde_json::json!([]),
        "nothing pre-authorized"
    );
    let a = c5::refresh(
        &env.backend.store,
        &env.backend.secrets,
        &env.tenant(),
        &c,
        env.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, renkei_vendors::linkedin::Activation::Pending);
    assert!(a.message.contains("onboarding"), "{a:?}");
}

#[tokio::test]
async fn c5_1_a_lost_provisioning_answer_does_not_create_a_second_child_app() {
    let env = env().await;
    env.recruitee_linkedin_accounts(3).unwrap();
    env.sandbox.linkedin().lose_answers(1);
    env.connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .expect("connects after looking the child app up");
    let apps = env.sandbox.linkedin().apps();
    assert_eq!(apps["apps"].as_array().unwrap().len(), 1, "{apps}");
    let app = &apps["apps"][0];
    assert_eq!(
        app["validJsSdkDomains"],
        serde_json::json!([env.onboarding_origin()]),
        "the found child registers the onboarding page's origin: {app}"
    );
    let d = env.sandbox.linkedin().data(LINKEDIN_ORG);
    assert_eq!(d["integrations"].as_array().unwrap().len(), 4, "{d}");
    assert!(
        d["callbackUrl"]
            .as_str()
            .unwrap()
            .ends_with("/webhooks/linkedin/demo-co/recruitee-linkedin"),
        "{d}"
    );
}

#[tokio::test]
async fn c5_3_activation_is_refreshed_and_the_historical_sync_starts_once_linkedin_reports_it_active()
 {
    let env = env().await;
    env.recruitee_linkedin_accounts(25).unwrap();
    // Pending for three reads after the admin saved the widget: the page's own "notify
    // partner" (in connect_linkedin), the first run, the first manual refresh.
    env.sandbox.linkedin().limits(LinkedinLimits {
        activation_checks: 3,
        ..LinkedinLimits::default()
    });
    let c = env
        .connect_linkedin(env.linkedin_settings(CONTRACT_CORPORATE), LINKEDIN_ADMIN)
        .await
        .unwrap();
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded);
    assert!(
        held(&env)[0].is_empty(),
        "nothing is sent while LinkedIn is enabling"
    );
    let p = Progress::read(&env.backend.store, &env.tenant(), &c)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.phase, "waiting for LinkedIn to activate");
    // "Notify partner": the manual refresh.
    let a = c5::refresh(
        &env.backend.store,
        &env.backend.secrets,
        &env.tenant(),
        &c,
        env.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, renkei_vendors::linkedin::Activation::Pending);
    let a = c5::refresh(
        &env.backend.store,
        &env.backend.secrets,
        &env.tenant(),
        &c,
        env.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(
        a.status,
        renkei_vendors::linkedin::Activation::Active,
        "{a:?}"
    );
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{r:?}");
    assert_mirrors(&env, "after the historical sync");
    let jobs = env.sandbox.linkedin().data(LINKEDIN_ORG)["jobs"].clone();
    let kinds: BTreeSet<&str> = jobs
        .as_object()
        .unwrap()
        .values()
        .map(|j| j["availability"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["PRIVATE_TO_ATS_INTEGRATION", "PUBLIC"].into(),
        "published and internal jobs"
    );
    let p = Progress::read(&env.backend.store, &env.tenant(), &c)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (p.phase.as_str(), p.done, p.total),
        ("historical done", 25, Some(25)),
        "{p:?}"
    );
}

/// C5 (Recruitee → LinkedIn) under the conformance kit: `candidates` Recruitee candidates,
/// connected (corporate contract, activation at once) with `page_size` candidates a page;
/// runs as a person asks for them, a minute apart.
struct Rsc {
    page_size: usize,
}

impl conformance::Subject for Rsc {
    /// Candidates at Recruitee.
    type Seed = usize;
    type World = Connected;
    /// LinkedIn's candidates, applications, notes and feedback by id, and the application
    /// fields it was sent as null.
    type Target = ([BTreeSet<String>; 4], Value);

    fn target_name(&self) -> &'static str {
        "LinkedIn"
    }

    async fn world(&self, &candidates: &usize) -> Connected {
        let (env, c) = connected(candidates, self.page_size).await;
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
        conformance::a_minute_later(&w.env, &w.t, &w.c, dry_run, hook).await
    }

    fn target(&self, w: &Connected) -> Self::Target {
        let d = w.env.sandbox.linkedin().data(LINKEDIN_ORG);
        (held(&w.env), d["nulledFields"].clone())
    }

    /// Records LinkedIn took.
    async fn writes(&self, w: &Connected) -> Option<u64> {
        w.env.sandbox.linkedin().apps()["apps"][0]["records"].as_u64()
    }

    fn crashes(&self) -> Vec<(Step, usize)> {
        STEPS
            .into_iter()
            .flat_map(|step| [(step, 1), (step, 3)])
            .collect()
    }
}

#[tokio::test]
async fn c5_2_a_crash_at_every_step_then_a_rerun_leaves_linkedin_holding_exactly_recruitees_data() {
    conformance::crash_at_every_step_then(
        &Rsc { page_size: 4 },
        &12,
        async |w: &Connected, crash: &Crashed| {
            let (step, nth, crashed, r) = (crash.step, crash.nth, &crash.crashed, &crash.rerun);
            assert!(
                crashed.is_err() || step == Step::Closing || nth > 1,
                "{step:?}/{nth}: {crashed:?}"
            );
            assert!(
                matches!(r.status, RunStatus::Succeeded),
                "{step:?}/{nth}: {r:?}"
            );
            assert_mirrors(&w.env, &crash.label());
        },
    )
    .await;
}

#[tokio::test]
async fn c5_2_the_day_budget_stops_the_sync_as_continued_until_the_next_utc_day_and_it_resumes() {
    let env = env().await;
    env.recruitee_linkedin_accounts(40).unwrap();
    env.sandbox.linkedin().limits(instant_activation());
    let mut s = env.linkedin_settings(CONTRACT_CORPORATE);
    s.page_size = 5;
    // A page of 5 candidates is one call for the candidates, one per candidate with notes,
    // one for the applications and one per application with stages or feedback (LinkedIn's
    // sub-resources are per parent): a day's budget must hold at least one page.
    s.requests_per_day = 40;
    let c = env.connect_linkedin(s, LINKEDIN_ADMIN).await.unwrap();
    let day = Utc.with_ymd_and_hms(2026, 11, 22, 20, 0, 0).unwrap();
    env.clock.set(day);
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Continued, "{r:?}");
    let conn = stored_connection(&env, &env.tenant(), &c).await;
    assert_eq!(
        conn.next_run_at.date_naive(),
        day.date_naive() + Duration::days(1),
        "next UTC day"
    );
    assert_eq!((conn.next_run_at.hour(), conn.next_run_at.minute()), (0, 0));
    let p = Progress::read(&env.backend.store, &env.tenant(), &c)
        .await
        .unwrap()
        .unwrap();
    assert!(
        p.note
            .as_deref()
            .unwrap_or("")
            .contains("daily request budget (40) is spent"),
        "{p:?}"
    );
    let partial = held(&env)[0].len();
    assert!(partial > 0 && partial < 40, "{partial}");
    // Days pass; each day's budget moves it on, never more than 40 a day.
    let requests = |env: &SandboxEnv| {
        env.sandbox.linkedin().apps()["apps"][0]["requests"]
            .as_u64()
            .unwrap()
    };
    for d in 1..20 {
        env.clock.set(day + Duration::days(d) - Duration::hours(19));
        let before = requests(&env);
        let r = run(&env, &c).await;
        let spent = requests(&env) - before;
        assert!(spent <= 40, "day {d}: {spent} requests");
        if r.status == RunStatus::Succeeded {
            assert_mirrors(&env, "after resuming over days");
            return;
        }
        assert_eq!(r.status, RunStatus::Continued, "{r:?}");
    }
    panic!("never finished");
}

#[tokio::test]
async fn c5_7_changes_reach_linkedin_by_webhook_and_unchanged_candidates_are_not_resent() {
    let subject = Rsc { page_size: 20 };
    let w = conformance::Subject::world(&subject, &10).await;
    let (env, c) = (&w.env, &w.c);
    run(env, c).await;
    env.clock.advance(Duration::minutes(20));
    // No candidate created or updated, no record sent to LinkedIn.
    conformance::unchanged_run(&subject, &w, "nothing re-sent").await;

    let cands = env
        .sandbox
        .recruitee()
        .candidates(RECRUITEE_COMPANY)
        .unwrap();
    let moved = cands[3]["id"].as_u64().unwrap();
    let placement = cands[3]["placements"][0]["id"].to_string();
    let answer = env
        .sandbox
        .recruitee()
        .edit(
            RECRUITEE_COMPANY,
            renkei_sandbox::RecruiteeEdit::Change {
                id: moved,
                change: serde_json::json!({"stage": "Offer", "note": "Offer sent"}),
            },
        )
        .await
        .unwrap();
    assert_eq!(answer["delivery"]["status"], 202, "{answer}");
    env.clock.advance(Duration::minutes(1));
    env.backend.deliver().await.unwrap();
    let d = env.sandbox.linkedin().data(LINKEDIN_ORG);
    if d["atsApplications"].get(&placement).is_some() {
        let stages: Vec<&Value> = d["atsApplications/stages"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{placement}|")))
            .map(|(_, v)| v)
            .collect();
        assert!(
            stages.iter().any(|s| s["stage"] == "Offer"),
            "the new stage reached LinkedIn: {stages:?}"
        );
    }
    assert_mirrors(env, "after the webhook");

    let gone = cands[5]["id"].as_u64().unwrap();
    let answer = env
        .sandbox
        .recruitee()
        .edit(
            RECRUITEE_COMPANY,
            renkei_sandbox::RecruiteeEdit::Delete { id: gone },
        )
        .await
        .unwrap();
    assert_eq!(answer["delivery"]["status"], 202, "{answer}");
    env.clock.advance(Duration::minutes(1));
    env.backend.deliver().await.unwrap();
    assert!(
        !held(env)[0].contains(&gone.to_string()),
        "deleted on LinkedIn"
    );
    assert_mirrors(env, "after the deletion webhook");
}

#[tokio::test]
async fn c5_7_a_deletion_no_webhook_told_is_found_by_the_daily_sweep_after_a_complete_enumeration()
{
    // Pages of 2: the sweep reads the stored hashes 20 at a time, so 30 take two reads.
    let (env, c) = connected(30, 2).await;
    run(&env, &c).await;
    let cands = env
        .sandbox
        .recruitee()
        .candidates(RECRUITEE_COMPANY)
        .unwrap();
    // The candidate whose stored key sorts last: found only if the sweep reads every page.
    let gone = cands
        .iter()
        .filter_map(|c| c["id"].as_u64())
        .max_by_key(u64::to_string)
        .unwrap();
    // Deleted without a webhook (a missed delivery).
    let _ = reqwest::Client::new()
        .delete(format!("http://{}/_control/recruitee/companies/{RECRUITEE_COMPANY}/candidates/{gone}?quiet=true", env.addr))
        .send()
        .await
        .unwrap();
    // Recruitee fails every other answer: the sweep must not delete from a partial read.
    env.sandbox.set_faults(Faults::uniform(0.5, 3).seeded());
    env.clock.advance(Duration::hours(25));
    let _ = run(&env, &c).await;
    env.sandbox.set_faults(Faults::default());
    let still: usize = held(&env)[0].len();
    assert!(still >= 29, "never more than the one deleted: {still}");
    env.clock.advance(Duration::hours(25));
    run(&env, &c).await;
    assert!(
        !held(&env)[0].contains(&gone.to_string()),
        "the sweep deleted it"
    );
    assert_mirrors(&env, "after the sweep");
}

#[tokio::test]
async fn c5_2_twenty_percent_faults_converge() {
    let (env, c) = connected(30, 5).await;
    env.sandbox.set_faults(Faults::uniform(0.2, 11).seeded());
    for _ in 0..10 {
        env.clock.advance(Duration::minutes(16));
        let r = run(&env, &c).await;
        if r.status == RunStatus::Succeeded && held(&env)[0].len() == 30 {
            break;
        }
    }
    env.sandbox.set_faults(Faults::default());
    env.clock.advance(Duration::minutes(16));
    run(&env, &c).await;
    assert_mirrors(&env, "after faults");
}

/// The candidates Recruitee has that were loaded (not arrived during a pass).
fn loaded(env: &SandboxEnv) -> BTreeSet<String> {
    env.sandbox
        .recruitee()
        .candidates(RECRUITEE_COMPANY)
        .unwrap()
        .iter()
        .filter(|c| !c["name"].as_str().unwrap().starts_with("Arriving"))
        .map(|c| c["id"].to_string())
        .collect()
}

#[tokio::test]
async fn c5_13_a_pass_sees_every_candidate_exactly_once_while_new_ones_arrive_at_the_front() {
    let (env, c) = connected(30, 5).await;
    let before = loaded(&env);
    // Two new candidates at the front after every page Recruitee answers.
    env.sandbox
        .recruitee()
        .churn(RECRUITEE_COMPANY, 2, 0)
        .unwrap();
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{r:?}");
    assert_eq!(r.counts.unchanged, 0, "nobody handed over twice: {r:?}");
    let held = held(&env)[0].clone();
    assert!(
        before.is_subset(&held),
        "every candidate of the pass's start"
    );
    let p = Progress::read(&env.backend.store, &env.tenant(), &c)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        p.done,
        held.len() as u64,
        "each one handed over once: {p:?}"
    );
    assert_eq!(
        env.sandbox.recruitee().stats(RECRUITEE_COMPANY).unwrap()["violations"],
        serde_json::json!([])
    );
    // Those that arrived during the pass are the next pass's.
    env.sandbox
        .recruitee()
        .churn(RECRUITEE_COMPANY, 0, 0)
        .unwrap();
    env.clock.advance(Duration::minutes(15));
    run(&env, &c).await;
    assert_mirrors(&env, "after the next pass");
}

#[tokio::test]
async fn c5_13_b_a_pass_skips_nobody_when_deletions_move_the_list_up_past_its_overlap() {
    let (env, c) = connected(60, 10).await;
    // After every page: the eight newest leave (no webhook), one arrives at the front.
    env.sandbox
        .recruitee()
        .churn(RECRUITEE_COMPANY, 1, 8)
        .unwrap();
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded, "{r:?}");
    assert_eq!(r.counts.unchanged, 0, "nobody handed over twice: {r:?}");
    let (survivors, held) = (loaded(&env), held(&env)[0].clone());
    let missed: Vec<&String> = survivors.difference(&held).collect();
    assert!(missed.is_empty(), "skipped by the pass: {missed:?}");
}

#[tokio::test]
async fn c5_13_c_recruitee_refuses_an_ascending_sort_and_updated_after_and_lists_newest_first() {
    let env = env().await;
    env.recruitee_linkedin_accounts(5).expect("accounts");
    let http = reqwest::Client::new();
    let list = |query: &str| {
        http.get(format!(
            "http://{}/recruitee/c/{RECRUITEE_COMPANY}/candidates?{query}",
            env.addr
        ))
        .bearer_auth(renkei_testbed::RECRUITEE_TOKEN)
        .send()
    };
    for (query, named) in [
        ("sort=by_date_asc&limit=5", "by_date_asc"),
        ("updated_after=2024-01-01T00:00:00Z", "updated_after"),
    ] {
        let answer = list(query).await.unwrap();
        assert_eq!(answer.status(), 400, "{query}");
        let body: Value = answer.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(named), "{body}");
    }
    let violations =
        env.sandbox.recruitee().stats(RECRUITEE_COMPANY).unwrap()["violations"].clone();
    assert_eq!(violations.as_array().unwrap().len(), 2, "{violations}");
    // The documented order: by_date, newest first.
    let page: Value = list("sort=by_date&limit=5&offset=0")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created: Vec<&str> = page["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["created_at"].as_str().unwrap())
        .collect();
    assert_eq!(created.len(), 5);
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");
}
