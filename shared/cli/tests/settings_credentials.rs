//! Issue 26: `renkei settings show|set` and `renkei credentials show|set`, driven through
//! the binary as an operator would, on the embedded backend and on a deployed stack's
//! DynamoDB and Secrets Manager (moto), against the sandbox's Roumumate and Kaonavi. A bad
//! setting is refused naming its key and changes nothing; a good one is used by the next
//! run; rotated credentials are used by the next run (the sandbox's Kaonavi refuses the old
//! ones once they were rotated there); no secret value is ever printed; and `renkei run`
//! with new credentials on a connection that exists uses them instead of ignoring them.
//!
//! tests/run.sh starts moto and sets RENKEI_MOTO_ENDPOINT.

use renkei_sandbox::{CompanySetup, Limits};
use renkei_testbed::{KAONAVI_KEY, KAONAVI_SECRET, ROUMUMATE_TOKEN, SandboxEnv};
use serde_json::{Value, json};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

const CONNECTOR: &str = "roumumate-kaonavi";
/// `renkei run`'s default connection id.
const CONNECTION: &str = "roumumate-kaonavi";
/// Kaonavi's Consumer Secret after the company rotated it.
const ROTATED: &str = "rotated-consumer-secret-5f3a";

/// Where the binary acts: an embedded backend's folder, or a stack in moto.
enum Place {
    Local(tempfile::TempDir),
    Aws { table: String, bus: String },
}

/// What one invocation answered.
struct Answer {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: not JSON: {}{}", self.stdout, self.stderr))
    }

    /// The record of the run a `renkei --json run` made.
    fn run(&self) -> Value {
        let v = self.json();
        let ran = match &v {
            Value::Array(outcomes) => outcomes.iter().find(|o| o.get("status").is_some()),
            record => Some(record),
        };
        ran.cloned()
            .unwrap_or_else(|| panic!("no run in {}{}", self.stdout, self.stderr))
    }

    fn printed(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

struct Operator {
    place: Place,
    tenant: String,
}

impl Operator {
    /// `renkei …` on this place, `stdin` fed to it; a child process awaited, not waited for,
    /// since the sandbox serves on this test's runtime.
    async fn renkei(&self, args: &[&str], stdin: Option<&str>) -> Answer {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_renkei"));
        match &self.place {
            Place::Local(dir) => {
                cmd.arg("--dir").arg(dir.path());
            }
            Place::Aws { table, bus } => {
                cmd.args(["--backend", "aws", "--table", table, "--bus", bus])
                    .args(["--mail-from", "renkei@demo-co.example"])
                    .env("AWS_ENDPOINT_URL", moto())
                    .env("AWS_REGION", "ap-northeast-1")
                    .env("AWS_ACCESS_KEY_ID", "testing")
                    .env("AWS_SECRET_ACCESS_KEY", "testing")
                    // The sandbox's vendors on loopback (a deployed stack refuses them).
                    .env("RENKEI_VENDORS", "local");
            }
        }
        let mut child = cmd
            .args(args)
            .env("ROTATED_SECRET", ROTATED)
            .env_remove("RENKEI_BACKEND")
            .env_remove("RENKEI_DIR")
            .env_remove("KAONAVI_CONSUMER_KEY")
            .env_remove("KAONAVI_CONSUMER_SECRET")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input
            .write_all(stdin.unwrap_or_default().as_bytes())
            .await
            .unwrap();
        drop(input);
        let out = child.wait_with_output().await.unwrap();
        Answer {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    async fn ok(&self, args: &[&str], stdin: Option<&str>) -> Answer {
        let a = self.renkei(args, stdin).await;
        assert!(a.ok, "renkei {args:?} failed: {}", a.printed());
        a
    }

    /// Sets the connection up with the company's first credentials and runs it once.
    async fn connect(&self, env: &SandboxEnv, dry_run: bool) {
        let roumumate = format!("http://{}/roumumate", env.addr);
        let kaonavi = format!("http://{}/kaonavi/api/v2.0", env.addr);
        let mut args = vec![
            "--json",
            "run",
            CONNECTOR,
            "--tenant",
            &self.tenant,
            "--roumumate-url",
            &roumumate,
            "--kaonavi-url",
            &kaonavi,
            "--consumer-key",
            KAONAVI_KEY,
            "--consumer-secret",
            KAONAVI_SECRET,
            "--roumumate-token",
            ROUMUMATE_TOKEN,
        ];
        if dry_run {
            args.push("--dry-run");
        }
        let first = self.ok(&args, None).await.run();
        assert_eq!(first["status"], "succeeded", "{first}");
        // Runs in these tests are few: no Kaonavi write window to wait for.
        self.ok(
            &[
                "settings",
                "set",
                &self.tenant,
                CONNECTION,
                "kaonavi_limits.writes_per_minute=null",
            ],
            None,
        )
        .await;
    }

    /// A run now (`--dry-run`: counted in this process, also on AWS).
    async fn run(&self, dry_run: bool, extra: &[&str]) -> Value {
        let mut args = vec!["--json", "run", CONNECTOR, "--tenant", &self.tenant];
        if dry_run {
            args.push("--dry-run");
        }
        args.extend_from_slice(extra);
        self.renkei(&args, None).await.run()
    }

    async fn settings(&self) -> Value {
        self.ok(
            &["--json", "settings", "show", &self.tenant, CONNECTION],
            None,
        )
        .await
        .json()["settings"]
            .clone()
    }
}

fn moto() -> String {
    std::env::var("RENKEI_MOTO_ENDPOINT").expect(
        "RENKEI_MOTO_ENDPOINT is not set: run the README's test command (bash tests/run.sh), which starts moto server",
    )
}

/// The sandbox with the demo company and no rate limits (the tests are about credentials).
async fn sandbox() -> SandboxEnv {
    let unlimited = Limits {
        requests_per_hour: None,
        writes_per_minute: None,
    };
    SandboxEnv::start(unlimited, 0).await.unwrap()
}

fn local() -> Operator {
    Operator {
        place: Place::Local(tempfile::tempdir().unwrap()),
        tenant: "demo-co".into(),
    }
}

/// Roumumate employees added after the connection was set up (it starts at Roumumate's
/// current position).
fn hire(env: &SandboxEnv, n: usize) {
    let employees = (0..n)
        .map(|i| {
            json!({"id": format!("e{i}"), "employee_number": format!("{:04}", i + 1),
                   "status": "active", "state": "data_entry_complete", "employment_type": "正社員",
                   "hire_date": "2024-04-01", "birth_date": "1990-05-06", "last_name": "山田",
                   "first_name": format!("太郎{i}"), "last_name_kana": "やまだ",
                   "first_name_kana": "たろう", "gender": "male", "attributes": {"部署": "営業部"}})
        })
        .collect();
    env.sandbox
        .roumumate()
        .upsert(ROUMUMATE_TOKEN, employees)
        .unwrap();
}

/// The company rotates its Consumer Secret at Kaonavi: the old one is refused from now on.
fn rotate_at_kaonavi(env: &SandboxEnv, secret: &str) {
    env.sandbox.kaonavi().company(
        KAONAVI_KEY,
        CompanySetup {
            consumer_secret: secret.into(),
            gender_options: vec!["男性".into(), "女性".into(), "その他".into()],
            limits: Limits {
                requests_per_hour: None,
                writes_per_minute: None,
            },
            task_polls_before_done: 0,
            ..Default::default()
        },
    );
}

/// A refused change names the key, and nothing of the settings changed.
async fn refused(op: &Operator, pair: &str, key: &str) {
    let before = op.settings().await;
    let a = op
        .renkei(&["settings", "set", &op.tenant, CONNECTION, pair], None)
        .await;
    assert!(!a.ok, "{pair} was taken: {}", a.printed());
    assert!(a.stderr.contains(key), "{pair}: {}", a.printed());
    assert_eq!(op.settings().await, before, "{pair} changed nothing");
}

async fn a_bad_setting_is_refused_and_a_good_one_is_used_by_the_next_run(
    op: &Operator,
    env: &SandboxEnv,
) {
    let dry_run = matches!(op.place, Place::Aws { .. });
    op.connect(env, dry_run).await;
    refused(op, "page_size=0", "settings.page_size").await;
    refused(op, "page_size=501", "settings.page_size").await;
    refused(op, "page_size=many", "settings.page_size").await;
    refused(op, "pagesize=2", "settings.pagesize").await;
    refused(
        op,
        "kaonavi_limits.requests_per_hour=0",
        "settings.kaonavi_limits.requests_per_hour",
    )
    .await;
    refused(op, "cadence.minutes=7", "cadence.minutes").await;
    let changed = op
        .ok(
            &[
                "settings",
                "set",
                &op.tenant,
                CONNECTION,
                "page_size=2",
                "cadence.minutes=30",
            ],
            None,
        )
        .await;
    assert!(
        changed.stdout.contains("settings.page_size: 200 → 2"),
        "{}",
        changed.printed()
    );
    let shown = op
        .ok(
            &["--json", "settings", "show", &op.tenant, CONNECTION],
            None,
        )
        .await
        .json();
    assert_eq!(shown["settings"]["page_size"], 2);
    assert_eq!(
        shown["cadence"],
        json!({"kind": "aligned_minutes", "minutes": 30})
    );
    // Five new employees, two a page: the next run reads three pages.
    hire(env, 5);
    let run = op.run(dry_run, &[]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["counts"]["created"], 5, "{run}");
    assert_eq!(run["pages"], 3, "{run}");
}

async fn rotated_credentials_are_used_by_the_next_run_and_never_printed(
    op: &Operator,
    env: &SandboxEnv,
) {
    let dry_run = matches!(op.place, Place::Aws { .. });
    op.connect(env, dry_run).await;
    rotate_at_kaonavi(env, ROTATED);
    hire(env, 1);
    let refused = op.run(dry_run, &[]).await;
    assert_eq!(
        refused["status"], "auth_failed",
        "the old secret is refused: {refused}"
    );
    // A typo is refused by the secret's type, naming the field, before anything is stored.
    let typo = op
        .renkei(
            &[
                "credentials",
                "set",
                &op.tenant,
                CONNECTION,
                "consumer_sekret=@-",
            ],
            Some(ROTATED),
        )
        .await;
    assert!(
        !typo.ok && typo.stderr.contains("consumer_sekret"),
        "{}",
        typo.printed()
    );
    let rotated = op
        .ok(
            &[
                "credentials",
                "set",
                &op.tenant,
                CONNECTION,
                "consumer_secret=@env:ROTATED_SECRET",
            ],
            None,
        )
        .await;
    assert!(
        rotated.stdout.contains("changed: consumer_secret"),
        "{}",
        rotated.printed()
    );
    let shown = op
        .ok(
            &["--json", "credentials", "show", &op.tenant, CONNECTION],
            None,
        )
        .await;
    let mut fields: Vec<String> = serde_json::from_value(shown.json()["fields"].clone()).unwrap();
    fields.sort();
    assert_eq!(
        fields,
        ["consumer_key", "consumer_secret", "roumumate_token"]
    );
    for a in [&typo, &rotated, &shown] {
        for secret in [ROTATED, KAONAVI_SECRET, ROUMUMATE_TOKEN] {
            assert!(
                !a.printed().contains(secret),
                "a secret was printed: {}",
                a.printed()
            );
        }
    }
    let run = op.run(dry_run, &[]).await;
    assert_eq!(
        run["status"], "succeeded",
        "the rotated secret is used: {run}"
    );
    assert_eq!(run["counts"]["created"], 1, "{run}");
}

#[tokio::test]
async fn p10_a_refused_setting_names_its_key_and_a_good_one_is_used_by_the_next_run_embedded() {
    let env = sandbox().await;
    a_bad_setting_is_refused_and_a_good_one_is_used_by_the_next_run(&local(), &env).await;
}

#[tokio::test]
async fn p12_rotated_credentials_are_used_by_the_next_run_and_never_printed_embedded() {
    let env = sandbox().await;
    rotated_credentials_are_used_by_the_next_run_and_never_printed(&local(), &env).await;
}

#[tokio::test]
async fn p12_run_with_new_credentials_on_a_connection_that_exists_uses_them() {
    let env = sandbox().await;
    let op = local();
    op.connect(&env, false).await;
    rotate_at_kaonavi(&env, ROTATED);
    hire(&env, 1);
    let a = op
        .renkei(
            &[
                "--json",
                "run",
                CONNECTOR,
                "--tenant",
                &op.tenant,
                "--consumer-secret",
                ROTATED,
            ],
            None,
        )
        .await;
    let run = a.run();
    assert_eq!(
        run["status"],
        "succeeded",
        "the new secret was used: {}",
        a.printed()
    );
    assert_eq!(run["counts"]["created"], 1, "{run}");
    assert!(
        a.stderr.contains("credentials replaced (consumer_secret)"),
        "{}",
        a.printed()
    );
    assert!(!a.stderr.contains(ROTATED), "{}", a.printed());
}

/// A stack's table in moto (Secrets Manager needs nothing made first; dry runs need no bus).
async fn aws() -> Operator {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto())
        .region(aws_config::Region::new("ap-northeast-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await;
    let id = format!("{:08x}", fastrand::u32(..));
    let table = format!("renkei-settings-{id}");
    renkei_aws::create_table(&aws_sdk_dynamodb::Client::new(&config), &table)
        .await
        .unwrap();
    Operator {
        place: Place::Aws {
            table,
            bus: format!("renkei-bus-{id}"),
        },
        // Moto serves the whole suite: secret names must not meet another test's.
        tenant: format!("demo-co-{id}"),
    }
}

#[tokio::test]
async fn p10_a_refused_setting_names_its_key_and_a_good_one_is_used_by_the_next_run_on_aws() {
    let env = sandbox().await;
    a_bad_setting_is_refused_and_a_good_one_is_used_by_the_next_run(&aws().await, &env).await;
}

#[tokio::test]
async fn p12_rotated_credentials_are_used_by_the_next_run_and_never_printed_on_aws() {
    let env = sandbox().await;
    rotated_credentials_are_used_by_the_next_run_and_never_printed(&aws().await, &env).await;
}
