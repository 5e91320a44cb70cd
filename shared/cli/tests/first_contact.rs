//! First contact (issue 26, part 4): what a newcomer meets first — `renkei demo` keeping
//! what it made, `renkei run` against the sandbox, and setup's answers — driven through the
//! built binary as a person types it.

use renkei_sandbox::Limits;
use renkei_testbed::{KAONAVI_KEY, KAONAVI_SECRET, ROUMUMATE_TOKEN, SandboxEnv, seed};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};
use tokio::process::Command;

/// The CLI as a newcomer runs it: the embedded backend, nothing from the environment.
fn renkei() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_renkei"));
    for var in [
        "RENKEI_BACKEND",
        "RENKEI_DIR",
        "RENKEI_TABLE",
        "RENKEI_BUS",
        "RENKEI_LOG",
        "MYNAVI_PASSWORD",
        "HRMOS_API_KEY",
        "KAONAVI_CONSUMER_KEY",
        "KAONAVI_CONSUMER_SECRET",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

async fn output(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().await.expect("renkei runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

async fn small_demo(out_dir: &Path, json: bool) -> (String, String) {
    let mut cmd = renkei();
    if json {
        cmd.arg("--json");
    }
    cmd.args(["demo", "--employees", "5", "--applicants", "5", "--out"])
        .arg(out_dir);
    let (out, stdout, stderr) = output(&mut cmd).await;
    assert!(out.status.success(), "demo failed: {stderr}\n{stdout}");
    assert!(
        !stderr.contains("[1/"),
        "progress only on a terminal, not into a pipe: {stderr}"
    );
    (stdout, stderr)
}

#[tokio::test]
async fn demo_keeps_its_outbox_and_its_json_lists_run_ids_error_reports_and_email_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("renkei-demo");
    let (stdout, _) = small_demo(&out_dir, true).await;
    let summary: Value = serde_json::from_str(&stdout).expect("one JSON document");
    let connectors = summary["connectors"].as_array().expect("connectors");
    assert_eq!(connectors.len(), 5, "every connector: {summary:#}");
    for c in connectors {
        let run_id = c["run_id"].as_str().expect("run_id");
        assert!(!run_id.is_empty(), "{c}");
        let command = c["errors_command"].as_str().expect("errors_command");
        assert!(command.contains(run_id), "{command}");
        assert!(c["created"].is_u64(), "counts are numbers: {c}");
    }
    let partial: Vec<&Value> = connectors
        .iter()
        .filter(|c| c["status"] == "partial")
        .collect();
    assert!(!partial.is_empty());
    for c in &partial {
        assert!(
            c["bad_on_purpose"].is_string(),
            "a partial run says what was seeded bad: {c}"
        );
        assert!(!c["errors"].as_array().unwrap().is_empty(), "{c}");
    }
    let emails = summary["emails"].as_array().expect("emails");
    assert!(!emails.is_empty(), "the failure emails are listed");
    for email in emails {
        let path = Path::new(email.as_str().unwrap());
        assert!(
            path.starts_with(out_dir.join("outbox")),
            "{} is in the kept outbox",
            path.display()
        );
        let text = std::fs::read_to_string(path).expect("the .eml file exists");
        assert!(text.contains("Subject: "), "{text}");
    }
    assert!(out_dir.join("state.redb").exists(), "the state is kept");
    assert_eq!(
        serde_json::from_str::<Value>(
            &std::fs::read_to_string(out_dir.join("renkei-demo.json")).unwrap()
        )
        .unwrap(),
        summary,
        "the summary is kept beside them"
    );

    // The printed command line reads the error report from the kept state.
    let mynavi = &connectors[0];
    let words: Vec<&str> = mynavi["errors_command"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(words[0], "renkei");
    let (out, report, stderr) = output(renkei().args(&words[1..])).await;
    assert!(out.status.success(), "{stderr}");
    let first = &mynavi["errors"][0]["reason"];
    assert!(report.contains(first.as_str().unwrap()), "{report}");
}

#[tokio::test]
async fn demo_again_in_its_folder_starts_clean_and_says_why_partial_and_where_the_files_are() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("kept");
    small_demo(&out_dir, false).await;
    let first: Vec<_> = std::fs::read_dir(out_dir.join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let (stdout, _) = small_demo(&out_dir, false).await;
    assert!(
        first.iter().all(|p| !p.exists()),
        "the earlier demo's emails were replaced"
    );
    assert!(stdout.contains("Why `partial`"), "{stdout}");
    assert!(
        stdout.contains("RFC 5322"),
        "names the bad records: {stdout}"
    );
    let outbox = out_dir.join("outbox");
    assert!(stdout.contains(&outbox.display().to_string()), "{stdout}");
    let emails: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!emails.is_empty());
    for email in emails {
        assert!(
            stdout.contains(&email.display().to_string()),
            "{} is printed",
            email.display()
        );
    }
}

#[tokio::test]
async fn demo_refuses_an_out_folder_it_did_not_make() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("thesis.docx"), "mine").unwrap();
    let (out, _, stderr) = output(renkei().arg("demo").arg("--out").arg(tmp.path())).await;
    assert!(!out.status.success());
    assert!(stderr.contains("not made by `renkei demo`"), "{stderr}");
    assert!(tmp.path().join("thesis.docx").exists());
}

#[tokio::test]
async fn setup_refuses_a_url_without_a_scheme_at_once_naming_the_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (out, _, stderr) = output(
        renkei()
            .arg("--dir")
            .arg(tmp.path())
            .args(["run", "roumumate-kaonavi", "--tenant", "acme"])
            .args(["--roumumate-url", "http://127.0.0.1:9/roumumate"])
            .args(["--roumumate-token", "t", "--consumer-key", "k"])
            .args(["--consumer-secret", "s"])
            .args(["--kaonavi-url", "localhost:8790/kaonavi"]),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        stderr.contains(r#"kaonavi_url: "localhost:8790/kaonavi" is not a URL (https://…)"#),
        "{stderr}"
    );
    assert!(
        !stderr.contains("temporarily unavailable") && !stderr.contains("Unavailable"),
        "a setup problem, not an outage: {stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "refused at once, not retried"
    );

    let (out, _, stderr) = output(
        renkei()
            .arg("--dir")
            .arg(tmp.path())
            .args(["mynavi", "register", "--tenant", "acme", "--login-id", "x"])
            .args(["--mynavi-url", "mynavi.example/login"])
            .args(["--hrmos-url", "http://127.0.0.1:9/hrmos"])
            .env("MYNAVI_PASSWORD", "p")
            .env("HRMOS_API_KEY", "k"),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        stderr.contains(r#"mynavi_url: "mynavi.example/login" is not a URL (https://…)"#),
        "{stderr}"
    );
}

/// `renkei run roumumate-kaonavi` against `env`'s sandbox, state in `dir`.
fn run_c2(env: &SandboxEnv, dir: &Path) -> Command {
    let mut cmd = renkei();
    cmd.arg("--dir")
        .arg(dir)
        .args(["run", "roumumate-kaonavi", "--tenant", "acme"])
        .arg("--roumumate-url")
        .arg(format!("http://{}/roumumate", env.addr))
        .arg("--kaonavi-url")
        .arg(format!("http://{}/kaonavi/api/v2.0", env.addr))
        .args(["--roumumate-token", ROUMUMATE_TOKEN])
        .args(["--consumer-key", KAONAVI_KEY])
        .args(["--consumer-secret", KAONAVI_SECRET]);
    cmd
}

const NO_LIMITS: Limits = Limits {
    requests_per_hour: None,
    writes_per_minute: None,
};

#[tokio::test]
async fn a_first_run_that_creates_nothing_says_a_new_connection_starts_at_the_current_position() {
    let env = SandboxEnv::start(NO_LIMITS, 1).await.unwrap();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed::employees(3, 7))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (out, _, stderr) = output(&mut run_c2(&env, dir.path())).await;
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("first run created nothing")
            && stderr.contains("Roumumate's current position"),
        "{stderr}"
    );
    // A later change is synced, and then there is nothing to explain.
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, seed::employees(4, 7).split_off(3))
        .unwrap();
    let (out, _, stderr) = output(&mut run_c2(&env, dir.path())).await;
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        env.sandbox.kaonavi().members(KAONAVI_KEY).len(),
        1,
        "the new one only"
    );
    assert!(!stderr.contains("created nothing"), "{stderr}");
}

#[tokio::test]
async fn setup_stopped_by_a_vendor_rate_limit_says_setup_was_refused_and_when_to_retry() {
    // Kaonavi allows one write a minute: setup's second Dry-Run write is answered 429 with a
    // Retry-After of about a minute, longer than setup waits.
    let one_write = Limits {
        requests_per_hour: None,
        writes_per_minute: Some(1),
    };
    let env = SandboxEnv::start(one_write, 1).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (out, _, stderr) = output(&mut run_c2(&env, dir.path())).await;
    assert!(!out.status.success());
    assert!(
        stderr.contains("setup was refused and nothing was stored")
            && stderr.contains("try again in"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("the run continues"),
        "no run yet: {stderr}"
    );
}

#[tokio::test]
async fn mynavi_register_says_the_mynavi_login_is_not_verified_yet() {
    let env = SandboxEnv::start(NO_LIMITS, 1).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let register = || {
        let mut cmd = renkei();
        cmd.arg("--dir")
            .arg(dir.path())
            .args(["mynavi", "register", "--tenant", "acme"])
            .args(["--login-id", renkei_testbed::MYNAVI_LOGIN])
            .arg("--mynavi-url")
            .arg(format!("http://{}/mynavi", env.addr))
            .arg("--hrmos-url")
            .arg(format!("http://{}/hrmos", env.addr))
            .env("MYNAVI_PASSWORD", "not-the-password")
            .env("HRMOS_API_KEY", renkei_testbed::HRMOS_KEY);
        cmd
    };
    let (out, stdout, stderr) = output(&mut register()).await;
    assert!(out.status.success(), "kept, as C1.2 asks: {stderr}");
    assert!(
        stdout.contains("not verified yet") && stdout.contains("retried every hour"),
        "{stdout}"
    );
    let (out, stdout, stderr) = output(register().arg("--json")).await;
    assert!(out.status.success(), "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(answer["mynavi_login_verified"], false, "{answer}");
}
