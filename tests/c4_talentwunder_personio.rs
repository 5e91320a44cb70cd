//! C4 Talentwunder → Personio, one test per requirement line, plus conformance to Personio's
//! published spec, crashes at every step, faults, lost answers and the upload path over
//! HTTP (signed, through the webhook ingress).

use chrono::Duration;
use renkei_connectors::talentwunder_personio::{self as c4, SetupInput, links, upload};
use renkei_core::engine::{NoHook, Outcome, RunRecord, RunRequest, RunStatus, Step, StepHook};
use renkei_core::setup::ProblemKind;
use renkei_core::{Clock, ConnectionId};
use renkei_e2e::conformance::{self, Crashed};
use renkei_e2e::*;
use renkei_sandbox::{Faults, PersonioJob, personio_spec};
use renkei_testbed::{
    PERSONIO_COMPANY, PERSONIO_CONNECTION, PERSONIO_JOBS, TALENTWUNDER_PROJECT, TALENTWUNDER_SECRET,
};
use renkei_vendors::personio::ERROR_CODES;
use serde_json::{Value, json};

async fn connected() -> (SandboxEnv, ConnectionId) {
    let env = env().await;
    let c = env
        .connect_personio(env.personio_settings())
        .await
        .expect("connects");
    (env, c)
}

async fn run(env: &SandboxEnv, c: &ConnectionId) -> RunRecord {
    env.clock.advance(Duration::minutes(1));
    match env
        .backend
        .run(&RunRequest::manual(env.tenant(), c.clone()), &NoHook)
        .await
        .expect("runs")
    {
        Outcome::Ran(r) => r,
        other => panic!("did not run: {other:?}"),
    }
}

/// Sends an upload and answers (status, answer); the run it requests is left on the bus.
async fn send(env: &SandboxEnv, request_id: &str, profiles: Vec<Value>) -> (u16, Value) {
    env.talentwunder_upload(request_id, TALENTWUNDER_PROJECT, profiles)
        .await
        .expect("sent")
}

async fn status(env: &SandboxEnv, c: &ConnectionId, upload_id: &str) -> Value {
    upload::status(&env.backend.store, &env.tenant(), c, upload_id)
        .await
        .unwrap()
        .expect("upload exists")
}

fn statuses(s: &Value) -> Vec<String> {
    s["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap().to_string())
        .collect()
}

fn applications(env: &SandboxEnv) -> Vec<Value> {
    env.sandbox.personio().applications(PERSONIO_COMPANY)
}

fn profile(first: &str, last: &str, email: &str) -> Value {
    json!({"profileId": email, "firstName": first, "lastName": last, "email": email,
           "phone": "+49 89 1234567", "location": "München", "currentTitle": "Data Engineer",
           "currentCompany": "ACME", "profileUrl": format!("https://app.talentwunder.com/p/{email}")})
}

fn nonconformant(env: &SandboxEnv) -> Value {
    env.sandbox.personio().stats(PERSONIO_COMPANY)["nonconformant"].clone()
}

// ---------------------------------------------------------------- C4.1 connect

/// Connecting as new connections do (v2), with `client_secret` as the API credential's.
fn input(env: &SandboxEnv, client_secret: &str, settings: c4::Settings) -> SetupInput {
    let secret = c4::ConnectionSecret::oauth(
        renkei_testbed::PERSONIO_CLIENT_ID,
        client_secret,
        TALENTWUNDER_SECRET,
    );
    SetupInput {
        tenant_id: env.tenant(),
        connection_id: ConnectionId::new(PERSONIO_CONNECTION).unwrap(),
        secret,
        settings,
    }
}

async fn connect(
    env: &SandboxEnv,
    client_secret: &str,
    settings: c4::Settings,
) -> Result<(), Vec<(ProblemKind, Option<String>, String)>> {
    c4::setup(
        &env.backend.store,
        &env.backend.secrets,
        env.clock.now(),
        input(env, client_secret, settings),
    )
    .await
    .map(|_| ())
    .map_err(|p| {
        p.0.into_iter()
            .map(|x| (x.kind, x.field, x.message))
            .collect()
    })
}

#[tokio::test]
async fn c4_1_connecting_checks_token_features_feed_and_channel_at_once() {
    let env = env().await;
    // A wrong client secret and a domain without a career site: both named at once.
    let mut s = env.personio_settings();
    s.jobs_site_url = Some(format!("http://{}/personio/jobs/nobody", env.addr));
    let problems = connect(&env, "wrong", s).await.unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|(k, f, m)| *k == ProblemKind::Credentials
                && f.as_deref() == Some("client_secret")
                && m.contains("unauthorized_client"))
    );
    assert!(problems.iter().any(|(k, f, m)| *k == ProblemKind::Setting
        && f.as_deref() == Some("jobs_domain")
        && m.contains("404")));

    // The XML interface off (the career page answers HTML) and an unknown channel.
    let mut setup = env.personio_setup();
    setup.xml = false;
    env.sandbox.personio().company(PERSONIO_COMPANY, setup);
    let mut s = env.personio_settings();
    s.channel_id = Some(555);
    let problems = connect(&env, renkei_testbed::PERSONIO_CLIENT_SECRET, s)
        .await
        .unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|(_, f, m)| f.as_deref() == Some("jobs_domain") && m.contains("XML interface"))
    );
    assert!(
        problems
            .iter()
            .any(|(_, f, m)| f.as_deref() == Some("channel_id") && m.contains("555"))
    );

    // Features off: each named by its code.
    for (recruiting, public_api, code) in [
        (false, true, "feature.recruiting.disabled"),
        (true, false, "feature.public-api.disabled"),
    ] {
        let mut setup = env.personio_setup();
        setup.recruiting = recruiting;
        setup.public_api = public_api;
        env.sandbox.personio().company(PERSONIO_COMPANY, setup);
        let problems = connect(
            &env,
            renkei_testbed::PERSONIO_CLIENT_SECRET,
            env.personio_settings(),
        )
        .await
        .unwrap_err();
        assert!(
            problems
                .iter()
                .any(|(k, _, m)| *k == ProblemKind::Permissions && m.contains(code)),
            "{problems:?}"
        );
    }

    // All good: connected, and the probe filed nothing.
    env.sandbox
        .personio()
        .company(PERSONIO_COMPANY, env.personio_setup());
    connect(
        &env,
        renkei_testbed::PERSONIO_CLIENT_SECRET,
        env.personio_settings(),
    )
    .await
    .expect("connects");
    assert!(
        applications(&env).is_empty(),
        "the validation probe files nothing"
    );
    assert_eq!(
        nonconformant(&env),
        json!([]),
        "the probe conforms to the spec"
    );
}

// ---------------------------------------------------------------- C4.2 jobs and links

#[tokio::test]
async fn c4_2_jobs_come_from_the_feed_and_only_a_published_job_can_be_linked() {
    let (env, c) = connected().await;
    let t = env.tenant();
    let s = env.personio_settings();
    let jobs = links::jobs(&env.backend.store, &t, &c, &s, env.clock.now(), false)
        .await
        .unwrap();
    assert_eq!(
        jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
        PERSONIO_JOBS.iter().map(|j| j.0).collect::<Vec<_>>()
    );
    assert_eq!(
        jobs[2].name, "Recruiter:in Tech & Product",
        "entities decoded"
    );

    let refused = links::link(
        &env.backend.store,
        &t,
        &c,
        &s,
        "p-2",
        None,
        9999,
        env.clock.now(),
    )
    .await
    .unwrap_err();
    assert!(
        refused.to_string().contains("job 9999 is not published"),
        "{refused}"
    );
    let l = links::link(
        &env.backend.store,
        &t,
        &c,
        &s,
        "p-2",
        None,
        4104,
        env.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(l.job_name, "Data Engineer (m/w/d)");
    // Exactly one job per project: linking again replaces.
    links::link(
        &env.backend.store,
        &t,
        &c,
        &s,
        "p-2",
        None,
        4105,
        env.clock.now(),
    )
    .await
    .unwrap();
    let all = links::list(&env.backend.store, &t, &c).await.unwrap();
    assert_eq!(
        all.iter()
            .filter(|l| l.project_id == "p-2")
            .map(|l| l.job_position_id)
            .collect::<Vec<_>>(),
        vec![4105]
    );
    links::unlink(&env.backend.store, &t, &c, "p-2")
        .await
        .unwrap();
    assert!(
        links::unlink(&env.backend.store, &t, &c, "p-2")
            .await
            .is_err()
    );

    // An empty board is no jobs, not an error (read fresh past the cache's TTL).
    env.sandbox
        .personio()
        .jobs(PERSONIO_COMPANY, vec![])
        .unwrap();
    env.clock.advance(Duration::minutes(6));
    assert!(
        links::jobs(&env.backend.store, &t, &c, &s, env.clock.now(), false)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn c4_2_a_linked_job_that_leaves_the_feed_fails_its_uploads_as_no_longer_published() {
    let (env, c) = connected().await;
    let (code, answer) = send(
        &env,
        "r-1",
        vec![profile("Jürgen", "Müller", "jm@example.de")],
    )
    .await;
    assert_eq!(code, 202, "{answer}");
    let mut jobs: Vec<PersonioJob> = env.personio_setup().jobs;
    jobs[0].published = false;
    env.sandbox.personio().jobs(PERSONIO_COMPANY, jobs).unwrap();
    env.clock.advance(Duration::minutes(6)); // past the feed cache's TTL
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Partial);
    let s = status(&env, &c, answer["uploadId"].as_str().unwrap()).await;
    assert_eq!(statuses(&s), vec!["failed"]);
    assert!(
        s["profiles"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("job no longer published"),
        "{s}"
    );
    assert!(applications(&env).is_empty());
}

// ---------------------------------------------------------------- C4.3 upload

#[tokio::test]
async fn c4_3_an_upload_is_answered_at_once_and_filed_with_channel_date_attributes_message_and_cv()
{
    let (env, c) = connected().await;
    let profiles = env.talentwunder_profiles(9, 0, 0, 11);
    let with_cv = profiles.iter().filter(|p| p.get("cv").is_some()).count();
    let (code, answer) = send(&env, "r-1", profiles).await;
    assert_eq!(code, 202, "{answer}");
    assert_eq!(answer["queued"], 9);
    let upload_id = answer["uploadId"].as_str().unwrap().to_string();
    assert_eq!(
        statuses(&status(&env, &c, &upload_id).await),
        vec!["queued"; 9],
        "queued before any run"
    );

    let outcomes = env.backend.deliver().await.unwrap();
    assert!(
        matches!(&outcomes[..], [Outcome::Ran(r)] if r.status == RunStatus::Succeeded && r.counts.created == 9),
        "{outcomes:?}"
    );
    let apps = applications(&env);
    assert_eq!(apps.len(), 9);
    for a in &apps {
        assert_eq!(a["job_position_id"], PERSONIO_JOBS[0].0);
        assert_eq!(a["recruiting_channel_id"], renkei_testbed::PERSONIO_CHANNEL);
        assert_eq!(
            a["application_date"],
            env.clock.now().format("%Y-%m-%d").to_string()
        );
        assert!(
            a["message"]
                .as_str()
                .unwrap()
                .contains("https://app.talentwunder.com/profiles/")
        );
        let ids: Vec<&str> = a["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec!["phone", "location", "custom_attribute_7"]);
    }
    assert!(apps.iter().any(|a| a["first_name"] == "Jürgen"
        || a["first_name"] == "太郎"
        || a["first_name"] == "Zoë"));
    let cvs: Vec<&Value> = apps
        .iter()
        .filter_map(|a| a["files"].as_array())
        .flatten()
        .collect();
    assert_eq!(cvs.len(), with_cv);
    assert!(cvs.iter().all(|f| f["category"] == "cv"));
    assert_eq!(
        env.sandbox.personio().documents(PERSONIO_COMPANY).len(),
        with_cv
    );
    assert_eq!(
        statuses(&status(&env, &c, &upload_id).await),
        vec!["filed"; 9]
    );
    assert_eq!(nonconformant(&env), json!([]));
}

// ---------------------------------------------------------------- C4.4 duplicates, bad profiles

#[tokio::test]
async fn c4_3_a_run_reads_only_uploads_with_open_profiles_oldest_first_a_page_at_a_time() {
    let env = env().await;
    let mut settings = env.personio_settings();
    settings.page_size = 2;
    let c = env.connect_personio(settings).await.unwrap();
    let (t, store) = (env.tenant(), &env.backend.store);
    let emails = |who: &str, n: usize| -> Vec<String> {
        (0..n).map(|i| format!("{who}{i}@example.com")).collect()
    };
    let upload_of = |who: &str, n: usize| -> Vec<Value> {
        emails(who, n)
            .iter()
            .map(|e| profile("Anna", "Alt", e))
            .collect()
    };
    send(&env, "r-1", upload_of("a", 5)).await;
    env.clock.advance(Duration::minutes(1));
    send(&env, "r-2", upload_of("b", 3)).await;
    let r = run(&env, &c).await;
    assert_eq!((r.status, r.counts.created), (RunStatus::Succeeded, 8));
    assert!(r.pages >= 4, "pages of 2: {}", r.pages);
    let filed: Vec<String> = applications(&env)
        .iter()
        .map(|a| a["email"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        filed,
        [emails("a", 5), emails("b", 3)].concat(),
        "oldest upload first"
    );

    // The next pass finds nothing open in either upload and takes both off the open list:
    // the 90 days of filed profiles kept for the status pages are not read again.
    assert!(
        upload::next_open(store, &t, &c, None)
            .await
            .unwrap()
            .is_some()
    );
    let r = run(&env, &c).await;
    assert_eq!(r.counts.created + r.counts.rejected, 0);
    assert_eq!(upload::next_open(store, &t, &c, None).await.unwrap(), None);
    let (_, third) = send(&env, "r-3", upload_of("c", 1)).await;
    let (_, open) = upload::next_open(store, &t, &c, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open, third["uploadId"].as_str().unwrap());
    assert_eq!(run(&env, &c).await.counts.created, 1);
    assert_eq!(applications(&env).len(), 9);
}

#[tokio::test]
async fn c4_4_already_applied_is_reported_per_profile_and_bad_profiles_get_clear_errors() {
    let (env, c) = connected().await;
    // Anna applied on the career page herself.
    env.sandbox
        .personio()
        .add_application(
            PERSONIO_COMPANY,
            json!({"email": "ANNA@example.de", "job_position_id": PERSONIO_JOBS[0].0}),
        )
        .unwrap();
    let (_, answer) = send(
        &env,
        "r-1",
        vec![
            profile("Anna", "Schäfer", "anna@example.de"),
            profile("Björn", "Weiß", "bw@example.de"),
        ],
    )
    .await;
    let r = env.backend.deliver().await.unwrap();
    let Outcome::Ran(r) = &r[0] else {
        panic!("{r:?}")
    };
    assert_eq!(
        r.status,
        RunStatus::Succeeded,
        "an applicant who applied already is no failure"
    );
    let s = status(&env, &c, answer["uploadId"].as_str().unwrap()).await;
    assert_eq!(statuses(&s), vec!["already_applied", "filed"]);
    assert!(
        s["profiles"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("already applied to this job")
    );

    let mut big = profile("Groß", "Datei", "gross@example.de");
    big["cv"] = json!({"fileName": "cv.pdf", "url": format!("http://{}/talentwunder/files/huge.pdf", env.addr)});
    let mut exe = profile("Ex", "E", "exe@example.de");
    exe["cv"] = json!({"fileName": "setup.exe", "contentBase64": "TVo="});
    let mut no_last = profile("Nur", "", "nur@example.de");
    no_last.as_object_mut().unwrap().remove("lastName");
    let (code, answer) = send(
        &env,
        "r-2",
        vec![
            no_last,
            profile("Bad", "Mail", "bad-mail.example.de"),
            exe,
            big,
            profile("Ok", "Person", "ok@example.de"),
        ],
    )
    .await;
    assert_eq!(code, 202);
    let rejected: Vec<String> = answer["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(rejected.len(), 3, "told at once: {answer}");
    assert!(rejected[0].contains("missing last name"));
    assert!(rejected[1].contains("bad email"));
    assert!(rejected[2].contains("does not accept .exe"));
    env.backend.deliver().await.unwrap();
    let s = status(&env, &c, answer["uploadId"].as_str().unwrap()).await;
    assert_eq!(
        statuses(&s),
        vec!["failed", "failed", "failed", "failed", "filed"]
    );
    assert!(
        s["profiles"][3]["reason"]
            .as_str()
            .unwrap()
            .contains("larger than"),
        "{s}"
    );
    // The recruiters are told which profiles failed and why.
    let mails = env.backend.outbox.sent();
    let last = mails.last().expect("a failure email");
    assert!(last.contains("recruiter@demo-gmbh.example"), "{last}");
    assert!(
        last.contains("missing last name") && last.contains("bad email"),
        "{last}"
    );
    assert_eq!(applications(&env).len(), 3, "Anna (her own), Björn, Ok");
}

#[tokio::test]
async fn c4_4_a_retried_upload_never_files_a_profile_twice() {
    let (env, c) = connected().await;
    let profiles = env.talentwunder_profiles(4, 0, 0, 3);
    let (_, first) = send(&env, "r-1", profiles.clone()).await;
    // Talentwunder's retry of the same request: the same upload, nothing queued twice.
    let (code, again) = send(&env, "r-1", profiles.clone()).await;
    assert_eq!(code, 200);
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["uploadId"], first["uploadId"]);
    env.backend.deliver().await.unwrap();
    assert_eq!(applications(&env).len(), 4);
    // The same profiles uploaded again as a new request: renkei knows it filed them.
    let before = env.sandbox.personio().stats(PERSONIO_COMPANY)["requests"]
        .as_u64()
        .unwrap();
    let (_, second) = send(&env, "r-2", profiles).await;
    env.backend.deliver().await.unwrap();
    let s = status(&env, &c, second["uploadId"].as_str().unwrap()).await;
    assert_eq!(statuses(&s), vec!["already_applied"; 4]);
    assert!(
        s["profiles"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("renkei filed this email")
    );
    assert_eq!(
        env.sandbox.personio().stats(PERSONIO_COMPANY)["requests"]
            .as_u64()
            .unwrap(),
        before,
        "not sent again"
    );
    assert_eq!(applications(&env).len(), 4);
}

/// On a v1 (legacy) connection, which cannot read back: the mark and Personio's duplicate
/// rule reconcile, within the same write (v2 reads back first and re-sends only in a later
/// run: tests/s29_personio_readback.rs).
#[tokio::test]
async fn c4_4_a_lost_201_answer_is_reconciled_not_filed_again() {
    let env = env().await;
    let c = env
        .connect_personio_v1(env.personio_settings())
        .await
        .expect("connects");
    // One lost answer: the create is repeated within the write and Personio's duplicate rule
    // tells that the first one landed.
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 1)
        .unwrap();
    let (_, a) = send(
        &env,
        "r-1",
        vec![profile("Lina", "Groß", "lina@example.de")],
    )
    .await;
    env.backend.deliver().await.unwrap();
    let s = status(&env, &c, a["uploadId"].as_str().unwrap()).await;
    assert_eq!(statuses(&s), vec!["filed"]);
    assert!(
        s["profiles"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("reconciled")
    );
    assert_eq!(applications(&env).len(), 1);

    // Every answer of a run lost: the run fails, the profile stays queued, and the next run
    // reconciles it instead of filing it again.
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 50)
        .unwrap();
    let (_, b) = send(
        &env,
        "r-2",
        vec![profile("Timo", "Böhm", "timo@example.de")],
    )
    .await;
    let r = env.backend.deliver().await.unwrap();
    assert!(
        matches!(&r[..], [Outcome::Ran(r)] if r.status == RunStatus::Failed),
        "{r:?}"
    );
    assert_eq!(
        statuses(&status(&env, &c, b["uploadId"].as_str().unwrap()).await),
        vec!["queued"]
    );
    env.sandbox
        .personio()
        .lose_answers(PERSONIO_COMPANY, 0)
        .unwrap();
    let r = run(&env, &c).await;
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(
        statuses(&status(&env, &c, b["uploadId"].as_str().unwrap()).await),
        vec!["filed"]
    );
    let timos = applications(&env)
        .into_iter()
        .filter(|a| a["email"] == "timo@example.de")
        .count();
    assert_eq!(timos, 1, "exactly one applicant despite every answer lost");
}

// ---------------------------------------------------------------- robustness

/// C4 under the conformance kit: one upload of Talentwunder profiles (`count`, `duplicates`,
/// `bad`, `seed` as `talentwunder_profiles` takes them) to a connected Personio; runs as a
/// person asks for them, a minute apart.
struct Talentwunder {
    page_size: usize,
}

/// A connection and the upload sent to it.
struct Uploaded {
    env: SandboxEnv,
    c: ConnectionId,
    upload_id: String,
}

impl conformance::Subject for Talentwunder {
    type Seed = (usize, usize, usize, u64);
    type World = Uploaded;
    /// The emails of Personio's applications, sorted (one twice if filed twice).
    type Target = Vec<String>;

    fn target_name(&self) -> &'static str {
        "Personio"
    }

    async fn world(&self, &(count, duplicates, bad, seed): &Self::Seed) -> Uploaded {
        let env = env().await;
        let mut settings = env.personio_settings();
        settings.page_size = self.page_size;
        let c = env.connect_personio(settings).await.unwrap();
        let profiles = env.talentwunder_profiles(count, duplicates, bad, seed);
        let (_, a) = send(&env, "r-1", profiles).await;
        let upload_id = a["uploadId"].as_str().unwrap().to_string();
        Uploaded { env, c, upload_id }
    }

    fn env<'w>(&self, w: &'w Uploaded) -> &'w SandboxEnv {
        &w.env
    }

    async fn sync(
        &self,
        w: &Uploaded,
        dry_run: bool,
        hook: &dyn StepHook,
    ) -> Result<Outcome, String> {
        conformance::a_minute_later(&w.env, &w.env.tenant(), &w.c, dry_run, hook).await
    }

    fn target(&self, w: &Uploaded) -> Vec<String> {
        let mut emails: Vec<String> = applications(&w.env)
            .iter()
            .map(|a| a["email"].as_str().unwrap().to_string())
            .collect();
        emails.sort_unstable();
        emails
    }

    /// Every step; mid-run (the second page) where a step comes once per page.
    fn crashes(&self) -> Vec<(Step, usize)> {
        STEPS
            .into_iter()
            .map(|step| {
                let nth = if matches!(step, Step::Pulled | Step::Written | Step::Committed) {
                    2
                } else {
                    1
                };
                (step, nth)
            })
            .collect()
    }
}

#[tokio::test]
async fn c4_crash_at_every_step_then_rerun_files_each_profile_exactly_once() {
    let subject = Talentwunder { page_size: 4 };
    conformance::crash_at_every_step_then(
        &subject,
        &(10, 1, 1, 21),
        async |w: &Uploaded, crash: &Crashed| {
            let step = crash.step;
            let s = status(&w.env, &w.c, &w.upload_id).await;
            assert_eq!(s["counts"]["filed"], 10, "{step:?}: {s}");
            assert_eq!(s["counts"]["failed"], 2, "{step:?}");
            let apps = applications(&w.env);
            let mut emails: Vec<&str> = apps.iter().map(|a| a["email"].as_str().unwrap()).collect();
            emails.sort_unstable();
            emails.dedup();
            assert_eq!(
                (apps.len(), emails.len()),
                (10, 10),
                "{step:?}: each filed exactly once"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn c4_twenty_percent_faults_converge_with_each_profile_filed_once() {
    let (env, c) = connected().await;
    let (_, a) = send(&env, "r-1", env.talentwunder_profiles(30, 0, 0, 8)).await;
    env.sandbox.set_faults(Faults::uniform(0.2, 9).seeded());
    // A lost answer whose application Personio does not list stops the write, and only a
    // later run sends it again (docs/contracts/personio.md): a faulty hour takes some runs.
    for _ in 0..16 {
        let r = run(&env, &c).await;
        if r.status == RunStatus::Succeeded {
            break;
        }
        env.clock.advance(Duration::minutes(10));
    }
    env.sandbox.set_faults(Faults::default());
    let s = status(&env, &c, a["uploadId"].as_str().unwrap()).await;
    assert_eq!(s["counts"]["filed"], 30, "{s}");
    assert_eq!(applications(&env).len(), 30);
}

// ---------------------------------------------------------------- spec conformance

#[tokio::test]
async fn c4_spec_every_request_the_connector_sends_conforms_and_the_simulator_answers_the_spec() {
    let (env, c) = connected().await;
    let mut settings = env.personio_settings();
    settings.tags = vec!["Talentwunder".into()];
    // Everything the connector can send: channel, date, attributes (system and custom),
    // message, tags, a CV reference.
    let mut p = profile("Zoë", "Nguyễn", "zoe@example.com");
    p["cv"] = json!({"fileName": "Lebenslauf.pdf", "contentBase64": "JVBERi0xLjQK"});
    let q = upload::Queued {
        upload_id: "up-x".into(),
        n: 0,
        received_at: env.clock.now(),
        project_id: "p".into(),
        job_position_id: 4103,
        profile: serde_json::from_value(p.clone()).unwrap(),
        state: upload::State::Queued,
        cv_uuid: None,
    };
    let app = c4::mapping::application(
        &q,
        &settings,
        Some(("0b6e5f1e-8a7c-4d2b-9f3e-2c1d0a9b8c7d", "Lebenslauf.pdf")),
    );
    let body = serde_json::to_value(&app).unwrap();
    assert_eq!(
        personio_spec::violations("submit_application", &body),
        vec![],
        "{body}"
    );
    // The check can fail: a request Personio would not take is caught.
    let mut bad = body.clone();
    bad["email"] = json!("not-an-email");
    bad["application_date"] = json!("22.11.2026");
    bad.as_object_mut().unwrap().remove("last_name");
    assert_eq!(
        personio_spec::violations("submit_application", &bad).len(),
        3
    );

    // Through the simulator: every request of a run conforms, and the simulator's answers
    // are the spec's schemas.
    let (_, a) = send(
        &env,
        "r-1",
        vec![p, profile("Ayşe", "Yılmaz", "ayse@example.com")],
    )
    .await;
    env.backend.deliver().await.unwrap();
    assert_eq!(
        statuses(&status(&env, &c, a["uploadId"].as_str().unwrap()).await),
        vec!["filed", "filed"]
    );
    assert_eq!(nonconformant(&env), json!([]));
    for doc in env.sandbox.personio().documents(PERSONIO_COMPANY) {
        assert_eq!(personio_spec::violations("uploaded_document", &doc), vec![]);
    }
    let resp = reqwest::Client::new()
        .post(format!(
            "http://{}/personio/v1/recruiting/applications",
            env.addr
        ))
        .bearer_auth(renkei_testbed::PERSONIO_TOKEN)
        .header("X-Company-ID", PERSONIO_COMPANY)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(
        personio_spec::violations("error_response", &err),
        vec![],
        "{err}"
    );
    assert_eq!(nonconformant(&env).as_array().unwrap().len(), 1, "recorded");
}

#[test]
fn c4_4_every_personio_error_code_of_the_spec_maps_to_a_readable_reason() {
    let codes = personio_spec::error_codes();
    assert_eq!(codes.len(), 18, "{codes:?}");
    for code in codes {
        assert!(
            ERROR_CODES.iter().any(|(c, _)| *c == code),
            "{code} has no readable reason"
        );
    }
}

#[test]
fn c4_spec_the_copy_in_the_repository_is_the_team_folders_spec() {
    let team = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/specs/personio-recruiting-api.yaml");
    if let Ok(text) = std::fs::read_to_string(team) {
        assert_eq!(text, personio_spec::SPEC_YAML, "docs/specs/ is out of date");
    }
}

// ---------------------------------------------------------------- the upload over HTTP

#[tokio::test]
async fn c4_3_uploads_over_http_are_signed_recent_and_for_a_linked_project() {
    let (env, _c) = connected().await;
    let http = reqwest::Client::new();
    let emit = |body: Value| {
        let http = http.clone();
        let url = format!("http://{}/_control/talentwunder/uploads", env.addr);
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let base = json!({"tenant": env.tenant().as_str(), "connection": PERSONIO_CONNECTION, "projectId": TALENTWUNDER_PROJECT,
                      "count": 2, "sentAt": env.clock.now()});
    let mut forged = base.clone();
    forged["secret"] = json!("not-the-secret");
    assert_eq!(emit(forged).await["status"], 401);
    let mut unlinked = base.clone();
    unlinked["secret"] = json!(TALENTWUNDER_SECRET);
    unlinked["projectId"] = json!("p-unlinked");
    let a = emit(unlinked).await;
    assert_eq!(a["status"], 422);
    assert!(
        a["answer"]["error"]
            .as_str()
            .unwrap()
            .contains("not linked"),
        "{a}"
    );
    let mut old = base.clone();
    old["secret"] = json!(TALENTWUNDER_SECRET);
    old["sentAt"] = json!(env.clock.now() - Duration::minutes(30));
    assert_eq!(
        emit(old).await["status"],
        401,
        "an old signed upload is not replayed"
    );
    let mut ok = base.clone();
    ok["secret"] = json!(TALENTWUNDER_SECRET);
    let a = emit(ok).await;
    assert_eq!(a["status"], 202, "{a}");
    assert!(a["answer"]["uploadId"].as_str().unwrap().starts_with("up-"));
    assert!(
        applications(&env).is_empty(),
        "nothing filed before the run"
    );
}
