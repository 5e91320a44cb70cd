//! `renkei` behaves as people expect of a command line (issue 26 part 3), checked on the
//! built binary with `--dir` on a fresh folder (the embedded backend; runs happen in the
//! process): exit codes (0 done, 1 error, 2 usage, 3 a partial run, 4 a failed run), JSON
//! with typed values and one key per concept, unknown names as errors that name them,
//! shell completions, the error report's BOM, and AWS errors in one line of words.

use renkei_sandbox::{Limits, bad_applications, sample_applications};
use renkei_testbed::{
    HRMOS_KEY, KAONAVI_KEY, KAONAVI_SECRET, MYNAVI_LOGIN, MYNAVI_PASSWORD, ROUMUMATE_TOKEN,
    SandboxEnv, TENANT,
};
use serde_json::Value;
use std::path::Path;
use tokio::process::Command;

/// What one `renkei` call did.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", self.stdout, self.stderr))
    }
}

/// `renkei --dir <dir> args…` on the embedded backend, with no AWS or renkei settings from
/// the environment. (A child process awaited, not waited for: the sandbox serves on this
/// test's runtime.)
async fn renkei_in(dir: &Path, args: &[&str]) -> Ran {
    renkei_env(args, |c| {
        c.arg("--dir").arg(dir);
    })
    .await
}

async fn renkei_env(args: &[&str], env: impl FnOnce(&mut Command)) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_renkei"));
    for var in [
        "RENKEI_BACKEND",
        "RENKEI_DIR",
        "RENKEI_TABLE",
        "RENKEI_BUS",
        "RENKEI_LOG",
        "KAONAVI_CONSUMER_KEY",
        "KAONAVI_CONSUMER_SECRET",
    ] {
        cmd.env_remove(var);
    }
    env(&mut cmd);
    let out = cmd.args(args).output().await.unwrap();
    Ran {
        code: out.status.code().expect("renkei exited by itself"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_code(ran: &Ran, code: i32, what: &str) {
    assert_eq!(
        ran.code, code,
        "{what}: exit {} (stdout: {}; stderr: {})",
        ran.code, ran.stdout, ran.stderr
    );
}

#[tokio::test]
async fn p_cli_usage_errors_exit_2_ours_included() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: &[(&str, &[&str])] = &[
        ("a missing positional argument", &["connections"]),
        ("an unknown command", &["no-such-command"]),
        (
            "an email without a domain",
            &["users", "add", "acme", "admin", "--role", "admin"],
        ),
        ("a tenant id with a key separator", &["connections", "a#b"]),
        (
            "a connector that does not exist",
            &["run", "no-such-connector", "--tenant", "acme"],
        ),
        (
            "setting up a connection without its URLs",
            &["run", "roumumate-kaonavi", "--tenant", "acme"],
        ),
        (
            "--backend aws without the stack's table",
            &["--backend", "aws", "connections", "acme"],
        ),
    ];
    for (what, args) in cases {
        let ran = renkei_in(d, args).await;
        assert_code(&ran, 2, what);
        assert!(ran.stdout.is_empty(), "{what}: nothing on stdout");
        assert!(ran.stderr.starts_with("error: "), "{what}: {}", ran.stderr);
    }
}

#[tokio::test]
async fn p_cli_an_unknown_tenant_connection_or_run_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [
        &["connections", "nosuch-tenant"][..],
        &["users", "list", "nosuch-tenant"],
        &["--json", "rules", "list", "--tenant", "nosuch-tenant"],
        &["runs", "nosuch-tenant", "c1"],
        &["mynavi", "accounts", "--tenant", "nosuch-tenant"],
    ] {
        let ran = renkei_in(d, args).await;
        assert_code(&ran, 1, &format!("{args:?}"));
        assert!(
            ran.stderr.contains("nosuch-tenant"),
            "{args:?}: {}",
            ran.stderr
        );
        assert!(
            ran.stdout.is_empty(),
            "{args:?}: no empty table: {}",
            ran.stdout
        );
    }
    let ran = renkei_in(
        d,
        &["users", "add", "acme", "a@acme.example", "--role", "admin"],
    )
    .await;
    assert_code(&ran, 0, "users add");
    let ran = renkei_in(d, &["runs", "acme", "nosuch-connection"]).await;
    assert_code(&ran, 1, "an unknown connection");
    assert!(ran.stderr.contains("nosuch-connection"), "{}", ran.stderr);
    let ran = renkei_in(d, &["pause", "acme", "nosuch-connection"]).await;
    assert_code(&ran, 1, "pausing an unknown connection");
    assert!(ran.stderr.contains("nosuch-connection"), "{}", ran.stderr);
}

#[tokio::test]
async fn p_cli_users_remove_of_an_unknown_email_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let add = &["users", "add", "acme", "a@acme.example", "--role", "admin"];
    assert_code(&renkei_in(d, add).await, 0, "users add");
    let ran = renkei_in(d, &["users", "remove", "acme", "nobody@acme.example"]).await;
    assert_code(&ran, 1, "removing an unknown user");
    assert!(ran.stderr.contains("nobody@acme.example"), "{}", ran.stderr);
    let ran = renkei_in(d, &["--json", "users", "remove", "acme", "a@acme.example"]).await;
    assert_code(&ran, 0, "removing a user");
    assert_eq!(ran.json()["removed"], true, "{}", ran.stdout);
}

#[tokio::test]
async fn p_cli_json_lists_are_arrays_even_when_empty_and_answers_are_objects() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ran = renkei_in(
        d,
        &[
            "--json",
            "users",
            "add",
            "acme",
            "a@acme.example",
            "--role",
            "admin",
            "--role",
            "recruiter",
        ],
    )
    .await;
    assert_code(&ran, 0, "users add");
    assert_eq!(
        ran.json(),
        serde_json::json!({
            "tenant_id": "acme",
            "email": "a@acme.example",
            "roles": ["admin", "recruiter"],
        })
    );
    let ran = renkei_in(d, &["--json", "rules", "list", "--tenant", "acme"]).await;
    assert_code(&ran, 0, "rules list");
    assert_eq!(ran.stdout.trim(), "[]");
    let ran = renkei_in(d, &["--json", "connections", "acme"]).await;
    assert_eq!(ran.stdout.trim(), "[]");
    let ran = renkei_in(
        d,
        &[
            "--json",
            "rules",
            "create",
            "--tenant",
            "acme",
            "--position",
            "営業",
            "--job",
            "J-1",
        ],
    )
    .await;
    assert_code(&ran, 0, "rules create");
    let rule = ran.json();
    assert_eq!(rule["position_name"], "営業", "{rule}");
    let ran = renkei_in(d, &["--json", "rules", "list", "--tenant", "acme"]).await;
    assert_eq!(ran.json()[0]["id"], rule["id"], "{}", ran.stdout);
}

#[tokio::test]
async fn p_cli_completions_are_generated_for_bash_zsh_and_fish() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let ran = renkei_in(dir.path(), &["completions", shell]).await;
        assert_code(&ran, 0, shell);
        assert!(ran.stdout.contains("renkei"), "{shell}: {}", ran.stdout);
        assert!(
            ran.stdout.contains("connections"),
            "{shell} completes subcommands"
        );
    }
    assert_code(
        &renkei_in(dir.path(), &["completions", "tcsh"]).await,
        2,
        "an unknown shell",
    );
}

/// The demo tenant's C2 connection set up with `renkei run` against the sandbox; its first
/// run (nothing to create yet) succeeds.
async fn c2_connected(env: &SandboxEnv, d: &Path) {
    let addr = env.addr;
    let ran = renkei_in(
        d,
        &[
            "--json",
            "run",
            "roumumate-kaonavi",
            "--tenant",
            TENANT,
            "--roumumate-url",
            &format!("http://{addr}/roumumate"),
            "--roumumate-token",
            ROUMUMATE_TOKEN,
            "--kaonavi-url",
            &format!("http://{addr}/kaonavi/api/v2.0"),
            "--consumer-key",
            KAONAVI_KEY,
            "--consumer-secret",
            KAONAVI_SECRET,
        ],
    )
    .await;
    assert_code(&ran, 0, "a run that succeeded");
    let outcomes = ran.json();
    assert_eq!(outcomes[0]["outcome"], "ran", "{outcomes}");
    assert_eq!(outcomes[0]["status"], "succeeded", "{outcomes}");
    assert!(outcomes[0]["run_id"].is_string(), "{outcomes}");
    assert!(outcomes[0]["counts"]["created"].is_u64(), "{outcomes}");
}

#[tokio::test]
async fn p_cli_a_failed_run_exits_4_and_a_paused_connection_shows_no_next_run() {
    let env = SandboxEnv::start(Limits::default(), 0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    c2_connected(&env, d).await;
    // Kaonavi's credentials change at the vendor: the next run is refused.
    env.sandbox.kaonavi().company(
        KAONAVI_KEY,
        renkei_sandbox::CompanySetup {
            consumer_secret: "rotated".into(),
            gender_options: vec!["男性".into(), "女性".into(), "その他".into()],
            ..Default::default()
        },
    );
    let ran = renkei_in(d, &["run", "roumumate-kaonavi", "--tenant", TENANT]).await;
    assert_code(&ran, 4, "an auth_failed run");
    assert!(ran.stdout.contains("auth_failed"), "{}", ran.stdout);

    let runs = renkei_in(d, &["--json", "runs", TENANT, "roumumate-kaonavi"])
        .await
        .json();
    assert_eq!(runs[0]["status"], "auth_failed", "{runs}");
    assert!(runs[0]["run_id"].is_string(), "the key is run_id: {runs}");
    assert!(runs[0].get("run").is_none(), "one key per concept: {runs}");
    assert!(runs[1]["created"].is_u64(), "counts are numbers: {runs}");
    assert_eq!(runs[1]["dry_run"], false, "{runs}");

    let paused = renkei_in(d, &["--json", "pause", TENANT, "roumumate-kaonavi"]).await;
    assert_code(&paused, 0, "pause");
    assert_eq!(paused.json()["automation"], "off", "{}", paused.stdout);
    assert!(paused.json()["next_run_at"].is_null(), "{}", paused.stdout);
    let conns = renkei_in(d, &["--json", "connections", TENANT])
        .await
        .json();
    assert_eq!(conns[0]["connection_id"], "roumumate-kaonavi", "{conns}");
    assert!(conns[0]["next_run_at"].is_null(), "{conns}");
    let text = renkei_in(d, &["pause", TENANT, "roumumate-kaonavi"]).await;
    assert!(!text.stdout.contains("next run at"), "{}", text.stdout);
    let resumed = renkei_in(d, &["--json", "resume", TENANT, "roumumate-kaonavi"]).await;
    assert!(
        resumed.json()["next_run_at"].is_string(),
        "{}",
        resumed.stdout
    );
}

#[tokio::test]
async fn p_cli_a_partial_run_exits_3_its_report_has_a_bom_and_dry_runs_are_marked() {
    let env = SandboxEnv::start(Limits::default(), 0).await.unwrap();
    let now = chrono::Utc::now();
    let mut applications = sample_applications(3, 5, "CLI", now - chrono::Duration::hours(2), 1);
    applications.extend(bad_applications(
        "CLI-BAD-",
        now - chrono::Duration::hours(1),
    ));
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, applications)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let addr = env.addr;
    let ran = renkei_in(
        d,
        &[
            "--json",
            "mynavi",
            "register",
            "--tenant",
            TENANT,
            "--login-id",
            MYNAVI_LOGIN,
            "--password",
            MYNAVI_PASSWORD,
            "--hrmos-api-key",
            HRMOS_KEY,
            "--mynavi-url",
            &format!("http://{addr}/mynavi"),
            "--hrmos-url",
            &format!("http://{addr}/hrmos/api/v1"),
        ],
    )
    .await;
    assert_code(&ran, 0, "mynavi register");
    let connection = ran.json()["connection_id"].as_str().unwrap().to_string();
    let c = connection.as_str();

    let dry = renkei_in(d, &["mynavi", "import", "--tenant", TENANT, c, "--dry-run"]).await;
    assert_code(&dry, 3, "a dry run that would be partial");
    let ran = renkei_in(d, &["--json", "mynavi", "import", "--tenant", TENANT, c]).await;
    assert_code(&ran, 3, "a partial run");
    let run = ran.json()[0].clone();
    assert_eq!(run["status"], "partial", "{run}");
    assert!(run["counts"]["rejected"].as_u64().unwrap() > 0, "{run}");

    let runs = renkei_in(d, &["--json", "runs", TENANT, c]).await.json();
    assert_eq!(runs[0]["run_id"], run["run_id"], "newest first: {runs}");
    assert_eq!(runs[0]["dry_run"], false, "{runs}");
    assert_eq!(runs[1]["dry_run"], true, "the dry run is marked: {runs}");
    let table = renkei_in(d, &["runs", TENANT, c]).await.stdout;
    assert!(table.lines().next().unwrap().contains("dry_run"), "{table}");

    let run_id = run["run_id"].as_str().unwrap();
    let csv = renkei_in(d, &["errors", TENANT, c, run_id, "--csv"]).await;
    assert_code(&csv, 0, "errors --csv");
    assert!(
        csv.stdout.starts_with('\u{feff}'),
        "a UTF-8 BOM: {:?}",
        csv.stdout
    );
    assert!(csv.stdout.contains("CLI-BAD-"), "{}", csv.stdout);
    let missing = renkei_in(d, &["errors", TENANT, c, "20990101T000000000Z-00000000"]).await;
    assert_code(&missing, 1, "an unknown run");
    assert!(
        missing.stderr.contains("20990101T000000000Z-00000000"),
        "{}",
        missing.stderr
    );
}

/// `renkei --backend aws` with the AWS configuration given only by `vars` (empty profile
/// and credentials files, no instance metadata), against an endpoint where nothing listens.
async fn renkei_aws(vars: &[(&str, &str)]) -> Ran {
    let empty = tempfile::NamedTempFile::new().unwrap();
    renkei_env(
        &[
            "--backend",
            "aws",
            "--table",
            "t",
            "--bus",
            "b",
            "connections",
            "acme",
        ],
        |c| {
            for var in [
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "AWS_PROFILE",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            ] {
                c.env_remove(var);
            }
            c.env("AWS_CONFIG_FILE", empty.path())
                .env("AWS_SHARED_CREDENTIALS_FILE", empty.path())
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
            for (k, v) in vars {
                c.env(k, v);
            }
        },
    )
    .await
}

fn assert_one_line_of_words(ran: &Ran, says: &str) {
    assert_code(ran, 1, says);
    let text = ran.stderr.trim();
    assert!(text.contains(says), "{text}");
    assert!(
        text.lines().count() == 1 && text.len() < 600,
        "one short line, no SDK debug dump ({} bytes): {text}",
        text.len()
    );
}

#[tokio::test]
async fn p_cli_aws_errors_say_no_region_and_no_credentials_in_one_line() {
    assert_one_line_of_words(&renkei_aws(&[]).await, "no AWS region");
    assert_one_line_of_words(
        &renkei_aws(&[("AWS_REGION", "ap-northeast-1")]).await,
        "no AWS credentials",
    );
    // --region stands in for AWS_REGION.
    let empty = tempfile::NamedTempFile::new().unwrap();
    let ran = renkei_env(
        &[
            "--backend",
            "aws",
            "--table",
            "t",
            "--bus",
            "b",
            "--region",
            "eu-west-1",
            "connections",
            "acme",
        ],
        |c| {
            c.env_remove("AWS_REGION")
                .env_remove("AWS_DEFAULT_REGION")
                .env("AWS_CONFIG_FILE", empty.path())
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
        },
    )
    .await;
    assert!(!ran.stderr.contains("no AWS region"), "{}", ran.stderr);
    assert_one_line_of_words(&ran, "error");
}

#[tokio::test]
async fn p_cli_a_missing_table_is_named() {
    let endpoint = std::env::var("RENKEI_MOTO_ENDPOINT").expect(
        "RENKEI_MOTO_ENDPOINT is not set: run the README's test command (bash tests/run.sh), \
         which starts moto server",
    );
    let table = format!("renkei-missing-{:08x}", fastrand::u32(..));
    let ran = renkei_env(
        &[
            "--backend",
            "aws",
            "--table",
            &table,
            "--bus",
            "b",
            "--region",
            "ap-northeast-1",
            "connections",
            "acme",
        ],
        |c| {
            c.env("AWS_ENDPOINT_URL", &endpoint)
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing");
        },
    )
    .await;
    assert_one_line_of_words(&ran, &format!("table {table} not found"));
}
