//! What `renkei demo` shows of each connector: one [`Scenario`] per connector of the
//! registry (tests/consistency.rs checks that each has one). A scenario seeds the sandbox,
//! connects, lets the dispatcher start the run, and says what the target now holds.

use crate::{
    HRBRAIN_SUBDOMAIN, HRMOS_KEY, KAONAVI_KEY, MIKIWAME_KEY, MYNAVI_LOGIN, PERSONIO_COMPANY,
    ROUMUMATE_TOKEN, SandboxEnv, TALENTWUNDER_PROJECT, seed,
};
use renkei_connectors::hrbrain_mikiwame as c3;
use renkei_connectors::mynavi_hrmos as c1;
use renkei_connectors::recruitee_linkedin as c5;
use renkei_connectors::roumumate_kaonavi::{self as c2, KaonaviLimits};
use renkei_connectors::talentwunder_personio as c4;
use renkei_core::engine::RunRecord;
use renkei_core::{Clock, ConnectionId};

/// How much data the demo seeds.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    /// Roumumate employees (C2).
    pub employees: usize,
    /// Mynavi applications (C1).
    pub applicants: usize,
}

/// One connector's demo run.
pub struct DemoRun {
    /// The connection run.
    pub connection: ConnectionId,
    /// Its run record.
    pub run: RunRecord,
    /// What was seeded (before the run).
    pub seeded: String,
    /// What the target holds now.
    pub result: String,
}

/// A connector's demo.
#[async_trait::async_trait]
pub trait Scenario: Send + Sync {
    /// The connector shown.
    fn connector(&self) -> &'static str;
    /// The bad records this scenario seeds on purpose (so its run is `partial`: they are
    /// rejected, each with its reason, while the rest sync); None when it seeds none.
    fn bad_on_purpose(&self) -> Option<&'static str>;
    /// Seeds, connects and runs once through the dispatcher.
    async fn run(&self, env: &SandboxEnv, size: DemoSize) -> Result<DemoRun, String>;
}

/// Every scenario, by connector name.
pub fn scenarios() -> Vec<Box<dyn Scenario>> {
    vec![
        Box::new(MynaviHrmos),
        Box::new(RoumumateKaonavi),
        Box::new(HrbrainMikiwame),
        Box::new(TalentwunderPersonio),
        Box::new(RecruiteeLinkedin),
    ]
}

/// The connectors that have a demo.
pub fn demo_connectors() -> Vec<&'static str> {
    scenarios().iter().map(|s| s.connector()).collect()
}

/// The run the dispatcher's next tick started for `connector`.
fn run_of(runs: Vec<RunRecord>, connector: &str) -> Result<RunRecord, String> {
    runs.into_iter()
        .rev()
        .find(|r| r.connector == connector)
        .ok_or(format!("the dispatcher started no {connector} run"))
}

/// C1: one Mynavi account with three days of applications (some with non-RFC emails),
/// routing rules for three positions.
struct MynaviHrmos;

#[async_trait::async_trait]
impl Scenario for MynaviHrmos {
    fn connector(&self) -> &'static str {
        c1::NAME
    }

    fn bad_on_purpose(&self) -> Option<&'static str> {
        Some(
            "5 applications: 4 email addresses Mynavi accepts but RFC 5322 does not (taro.@…, a leading dot, two dots in a row, a full-width ＠) and one without an application id",
        )
    }

    async fn run(&self, env: &SandboxEnv, size: DemoSize) -> Result<DemoRun, String> {
        let n = size.applicants;
        let now = env.clock.now();
        let mut apps = renkei_sandbox::sample_applications(
            n,
            17,
            "MN",
            now - chrono::Duration::hours(70),
            i64::try_from(70 * 60 / n.max(1)).unwrap_or(1),
        );
        apps.extend(renkei_sandbox::bad_applications(
            "MN-bad-",
            now - chrono::Duration::hours(2),
        ));
        env.sandbox.mynavi().add(MYNAVI_LOGIN, apps)?;
        let connection = env.register_mynavi().await?;
        let run = run_of(env.next_slot(&env.tenant(), &connection).await?, c1::NAME)?;
        let held = env.sandbox.hrmos().applicants(HRMOS_KEY);
        let in_selection = held
            .iter()
            .filter(|a| a["placement"]["kind"] == "selection")
            .count();
        Ok(DemoRun {
            connection,
            run,
            seeded: format!(
                "seeded {n} applications (+5 bad) in Mynavi account {MYNAVI_LOGIN}; 3 routing rules"
            ),
            result: format!(
                "HRMOS now holds {} applicants: {in_selection} in selection (routed by rule), {} in the import queue.",
                held.len(),
                held.len() - in_selection
            ),
        })
    }
}

/// C2: Roumumate employees (some out of scope, some bad) pushed to Kaonavi.
struct RoumumateKaonavi;

#[async_trait::async_trait]
impl Scenario for RoumumateKaonavi {
    fn connector(&self) -> &'static str {
        c2::NAME
    }

    fn bad_on_purpose(&self) -> Option<&'static str> {
        Some(
            "4 employees: no 社員番号, a gender option not mapped to Kaonavi, a 123-character name, the birth date 1990-02-30 (the 3 out of scope — an applicant, a leaver, an unfinished entry — are skipped, not rejected)",
        )
    }

    async fn run(&self, env: &SandboxEnv, size: DemoSize) -> Result<DemoRun, String> {
        let limits = KaonaviLimits {
            requests_per_hour: None,
            writes_per_minute: None,
        };
        let (t, connection) = env.connect(env.settings(200, limits)).await?;
        let mut data = seed::employees(size.employees, 7);
        data.extend(seed::out_of_scope());
        data.extend(seed::bad());
        env.sandbox.roumumate().upsert(ROUMUMATE_TOKEN, data)?;
        let run = run_of(env.next_slot(&t, &connection).await?, c2::NAME)?;
        Ok(DemoRun {
            connection,
            seeded: format!(
                "seeded {} employees (+3 out of scope, +4 bad) in Roumumate",
                size.employees
            ),
            result: format!(
                "Kaonavi now holds {} members; {} employees were out of scope (applicants, leavers, unfinished).",
                env.sandbox.kaonavi().members(KAONAVI_KEY).len(),
                run.counts.skipped
            ),
            run,
        })
    }
}

/// C3: the sample HRBrain company (a 6-level organization with one department without a
/// code; business names, every employment type, leavers and a few bad records) synced to
/// Mikiwame by the daily reconciliation run: departments, then employees.
struct HrbrainMikiwame;

#[async_trait::async_trait]
impl Scenario for HrbrainMikiwame {
    fn connector(&self) -> &'static str {
        c3::NAME
    }

    fn bad_on_purpose(&self) -> Option<&'static str> {
        Some(
            "a department without a code (and the member whose main department it is), one email address on two members (both refused), a member without kana, an employee number with a full-width ー",
        )
    }

    async fn run(&self, env: &SandboxEnv, size: DemoSize) -> Result<DemoRun, String> {
        let sample = renkei_sandbox::hrbrain_sample(size.employees, 3);
        let people = sample.members.len();
        env.sandbox
            .hrbrain()
            .organization(HRBRAIN_SUBDOMAIN, sample.organization)?;
        env.sandbox
            .hrbrain()
            .members(HRBRAIN_SUBDOMAIN, sample.members)?;
        let connection = env.connect_hrbrain(env.hrbrain_settings()).await?;
        let run = run_of(env.next_slot(&env.tenant(), &connection).await?, c3::NAME)?;
        Ok(DemoRun {
            connection,
            seeded: format!(
                "seeded HRBrain with {} departments ({} with a code, 6 levels) and {people} members ({} bad)",
                sample.departments, sample.departments_with_code, sample.bad_members
            ),
            result: format!(
                "Mikiwame now holds {} departments and {} employees; {} records are in the error file.",
                env.sandbox.mikiwame().departments(MIKIWAME_KEY).len(),
                env.sandbox.mikiwame().employees(MIKIWAME_KEY).len(),
                run.counts.rejected
            ),
            run,
        })
    }
}

/// C4: a Talentwunder upload of 30 profiles (German, Japanese and other names; a third with
/// CVs; 2 listed twice, 3 bad) for the demo project, filed in Personio by the run the
/// upload requests; one of them had applied on the career page already.
struct TalentwunderPersonio;

#[async_trait::async_trait]
impl Scenario for TalentwunderPersonio {
    fn connector(&self) -> &'static str {
        c4::NAME
    }

    fn bad_on_purpose(&self) -> Option<&'static str> {
        Some(
            "2 profiles listed twice in the upload and 3 bad ones: no last name, an email without @, a CV that is an .exe",
        )
    }

    async fn run(&self, env: &SandboxEnv, _size: DemoSize) -> Result<DemoRun, String> {
        let connection = env.connect_personio(env.personio_settings()).await?;
        let profiles = env.talentwunder_profiles(30, 2, 3, 5);
        let mut existing = profiles[4].clone();
        existing["job_position_id"] = serde_json::json!(crate::PERSONIO_JOBS[0].0);
        env.sandbox
            .personio()
            .add_application(PERSONIO_COMPANY, existing)?;
        let (status, answer) = env
            .talentwunder_upload("demo-upload-1", TALENTWUNDER_PROJECT, profiles)
            .await?;
        if status != 202 {
            return Err(format!("the upload was answered {status}: {answer}"));
        }
        let outcomes = env.backend.deliver().await?;
        let runs = outcomes
            .into_iter()
            .filter_map(|o| match o {
                renkei_core::engine::Outcome::Ran(r) => Some(r),
                _ => None,
            })
            .collect();
        let run = run_of(runs, c4::NAME)?;
        Ok(DemoRun {
            connection,
            seeded: format!(
                "Talentwunder uploaded 35 profiles to project {TALENTWUNDER_PROJECT} (upload {}; 2 listed twice, 3 bad)",
                answer["uploadId"].as_str().unwrap_or("?")
            ),
            result: format!(
                "Personio now holds {} applications and {} CVs; {} already applied, {} refused with reasons.",
                env.sandbox.personio().applications(PERSONIO_COMPANY).len(),
                env.sandbox.personio().documents(PERSONIO_COMPANY).len(),
                run.counts.unchanged,
                run.counts.rejected
            ),
            run,
        })
    }
}

/// C5: a Recruitee company of 200 candidates (placements on published and internal jobs,
/// stages, notes, interview feedback; one in ten disqualified), connected to the demo
/// organization's Recruiter Corporate contract; the dispatcher's run finds the activation
/// done and sends the historical sync.
struct RecruiteeLinkedin;

#[async_trait::async_trait]
impl Scenario for RecruiteeLinkedin {
    fn connector(&self) -> &'static str {
        c5::NAME
    }

    fn bad_on_purpose(&self) -> Option<&'static str> {
        None
    }

    async fn run(&self, env: &SandboxEnv, _size: DemoSize) -> Result<DemoRun, String> {
        env.recruitee_linkedin_accounts(200)?;
        env.sandbox
            .linkedin()
            .limits(renkei_sandbox::LinkedinLimits {
                activation_checks: 0,
                ..Default::default()
            });
        let connection = env
            .connect_linkedin(
                env.linkedin_settings(crate::CONTRACT_CORPORATE),
                crate::LINKEDIN_ADMIN,
            )
            .await?;
        let run = run_of(env.next_slot(&env.tenant(), &connection).await?, c5::NAME)?;
        let held = env.sandbox.linkedin().data(crate::LINKEDIN_ORG);
        let count = |k: &str| held[k].as_object().map_or(0, serde_json::Map::len);
        Ok(DemoRun {
            connection,
            seeded: "seeded Recruitee with 200 candidates on 8 jobs (placements, stages, notes, interview feedback)".into(),
            result: format!(
                "LinkedIn RSC now holds {} jobs, {} candidates, {} applications, {} stages, {} notes and {} interview feedbacks.",
                count("jobs"),
                count("atsCandidates"),
                count("atsApplications"),
                count("atsApplications/stages"),
                count("atsCandidates/notes"),
                count("atsApplications/interviewFeedback"),
            ),
            run,
        })
    }
}
