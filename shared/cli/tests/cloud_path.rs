//! The cloud path on one machine (issues 13, 26): the deployed stack's resources in moto
//! server made by `renkei stack create` — the table as infra/template.yaml declares it, the
//! bus with each connector's rule as the template declares it (an SQS queue stands in for the
//! function as its target), SES — operated only through `renkei --backend aws`; the real
//! dispatcher handler fires on events/dispatcher-scheduled.json, `renkei stack deliver` hands
//! the SyncRequested the rule routed to the real connector handler, which syncs against the
//! sandbox; the run, its error report and the failure email are then read back from AWS, the
//! runs also through the admin API served by `renkei admin serve`.
//!
//! tests/run.sh starts moto and sets RENKEI_MOTO_ENDPOINT.

use renkei_sandbox::{Limits, bad_applications, sample_applications};
use renkei_testbed::{HRMOS_KEY, MYNAVI_LOGIN, MYNAVI_PASSWORD, SandboxEnv, TENANT};
use serde_json::Value;
use tokio::process::Command;

const MAIL_FROM: &str = "renkei@demo-co.example";

fn moto() -> String {
    std::env::var("RENKEI_MOTO_ENDPOINT").expect(
        "RENKEI_MOTO_ENDPOINT is not set: run the README's test command (bash tests/run.sh), which starts moto server",
    )
}

async fn sdk() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto())
        .region(aws_config::Region::new("ap-northeast-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await
}

/// A deployed stack's names, unique per test run (moto is shared by the whole suite).
struct Stack {
    name: String,
    table: String,
    bus: String,
}

/// `renkei stack create`, as README "The deployed shape on your machine" runs it: the table
/// and the rules from infra/template.yaml, the bus, the SES identity, a queue per rule.
async fn deploy() -> Stack {
    let name = format!("renkei-{:08x}", fastrand::u32(..));
    let out = Command::new(env!("CARGO_BIN_EXE_renkei"))
        .args([
            "--json",
            "--mail-from",
            MAIL_FROM,
            "stack",
            "create",
            "--endpoint",
            &moto(),
            "--name",
            &name,
        ])
        .env("AWS_REGION", "ap-northeast-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "renkei stack create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        made["vendors"], "local",
        "a local stack's runs may call the sandbox: {made}"
    );
    assert_eq!(
        made["queues"].as_array().unwrap().len(),
        5,
        "a rule and queue per connector: {made}"
    );
    Stack {
        table: made["table"].as_str().unwrap().to_string(),
        bus: made["bus"].as_str().unwrap().to_string(),
        name,
    }
}

/// `renkei --backend aws …` as a cloud team runs it: names from the stack, the standard AWS
/// configuration from the environment. Answers stdout; fails the test on a non-zero exit.
/// (A child process awaited, not waited for: the sandbox serves on this test's runtime.)
async fn renkei(stack: &Stack, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_renkei"))
        .args([
            "--backend",
            "aws",
            "--table",
            &stack.table,
            "--bus",
            &stack.bus,
        ])
        .args(args)
        .env("AWS_ENDPOINT_URL", moto())
        .env("AWS_REGION", "ap-northeast-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        // The sandbox's vendors on loopback, as `stack create --endpoint` exports.
        .env("RENKEI_VENDORS", "local")
        .env_remove("RENKEI_DIR")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "renkei {args:?} failed: {}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `renkei stack deliver --once --no-dispatch`: what the rules routed, handed to each
/// connector's handler (the Lambda's own `answer_sync_event`) in the CLI's process; one JSON
/// line per delivered event.
async fn deliver(stack: &Stack) -> Vec<Value> {
    renkei(
        stack,
        &[
            "--json",
            "--mail-from",
            MAIL_FROM,
            "stack",
            "deliver",
            "--name",
            &stack.name,
            "--once",
            "--no-dispatch",
        ],
    )
    .await
    .lines()
    .map(json)
    .collect()
}

/// `renkei admin serve --port 0` on the stack, in the background: the API's base URL.
async fn admin_serve(stack: &Stack) -> (String, tokio::process::Child) {
    use tokio::io::AsyncBufReadExt;
    let mut child = Command::new(env!("CARGO_BIN_EXE_renkei"))
        .args([
            "--backend",
            "aws",
            "--table",
            &stack.table,
            "--bus",
            &stack.bus,
            "admin",
            "serve",
            "--port",
            "0",
        ])
        .env("AWS_ENDPOINT_URL", moto())
        .env("AWS_REGION", "ap-northeast-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        // The sandbox's vendors on loopback, as `stack create --endpoint` exports.
        .env("RENKEI_VENDORS", "local")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines
        .next_line()
        .await
        .unwrap()
        .expect("admin serve prints its address");
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .trim_end_matches('/')
        .to_string();
    (base, child)
}

#[tokio::test]
async fn the_deployed_stack_is_operated_with_the_cli_and_runs_a_connector_end_to_end() {
    let env = SandboxEnv::start(Limits::default(), 0).await.unwrap();
    let now = chrono::Utc::now();
    let mut applications = sample_applications(3, 5, "CLOUD", now - chrono::Duration::hours(2), 1);
    applications.extend(bad_applications(
        "CLOUD-BAD-",
        now - chrono::Duration::hours(1),
    ));
    env.sandbox
        .mynavi()
        .add(MYNAVI_LOGIN, applications)
        .unwrap();

    let config = sdk().await;
    let stack = deploy().await;

    // Set up as the README's deploy walkthrough does, through the CLI only.
    renkei(
        &stack,
        &[
            "users",
            "add",
            TENANT,
            "admin@demo-co.example",
            "--role",
            "admin",
        ],
    )
    .await;
    for (position, job) in [
        (renkei_sandbox::SAMPLE_POSITIONS[0], "J-SALES"),
        (renkei_sandbox::SAMPLE_POSITIONS[1], "J-WEB"),
    ] {
        renkei(
            &stack,
            &[
                "rules",
                "create",
                "--tenant",
                TENANT,
                "--position",
                position,
                "--job",
                job,
            ],
        )
        .await;
    }
    let addr = env.addr;
    renkei(
        &stack,
        &[
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
    let connections = json(&renkei(&stack, &["--json", "connections", TENANT]).await);
    assert_eq!(connections.as_array().unwrap().len(), 1, "{connections}");
    let connection = connections[0]["connection_id"]
        .as_str()
        .unwrap()
        .to_string();

    // The schedule fires the real dispatcher handler; the bus routes its SyncRequested by the
    // template's pattern to the connector's target.
    let dispatcher = dispatcher::Deps {
        store: renkei_aws::DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), &stack.table),
        bus: renkei_aws::EventBridgeBus::new(aws_sdk_eventbridge::Client::new(&config), &stack.bus),
        clock: renkei_core::SystemClock,
    };
    let scheduled: Value =
        serde_json::from_str(include_str!("../../../events/dispatcher-scheduled.json")).unwrap();
    let answer = dispatcher::handle(
        lambda_runtime::LambdaEvent::new(scheduled, Default::default()),
        &dispatcher,
    )
    .await
    .unwrap();
    assert_eq!(answer["dispatched"], 1, "{answer}");
    // The rule routed it to the connector's queue; the local delivery loop hands it to the
    // connector function's handler on the stack's ports.
    let delivered = deliver(&stack).await;
    assert_eq!(
        delivered.len(),
        1,
        "one SyncRequested reached the connector: {delivered:?}"
    );
    assert_eq!(delivered[0]["connector"], "mynavi-hrmos");
    let answer = &delivered[0]["answer"];
    assert_eq!(answer["status"], "partial", "{delivered:?}");
    let applicants = env.sandbox.hrmos().applicants(HRMOS_KEY);
    assert_eq!(applicants.len(), 3, "the good applications are in HRMOS");
    assert!(
        applicants
            .iter()
            .any(|a| a["placement"]["job_id"] == "J-WEB"),
        "routed by the rule made with the CLI: {applicants:?}"
    );

    // Read back from AWS through the CLI.
    let runs = json(&renkei(&stack, &["--json", "runs", TENANT, &connection]).await);
    assert_eq!(runs[0]["status"], "partial", "{runs}");
    let run = runs[0]["run_id"].as_str().unwrap().to_string();
    let report = renkei(&stack, &["errors", TENANT, &connection, &run, "--csv"]).await;
    let rejected = bad_applications("CLOUD-BAD-", now).len();
    assert_eq!(report.lines().count(), 1 + rejected, "{report}");
    assert!(report.contains("CLOUD-BAD-dot-before-at"), "{report}");
    let accounts = json(
        &renkei(
            &stack,
            &["--json", "mynavi", "accounts", "--tenant", TENANT],
        )
        .await,
    );
    assert_eq!(accounts[0]["status_label"], "連携中", "{accounts}");

    // And through the admin API served locally on the same stack (`renkei admin serve`).
    let (base, admin) = admin_serve(&stack).await;
    let runs: Value = reqwest::get(format!(
        "{base}/v1/tenants/{TENANT}/connections/{connection}/runs"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(runs["items"][0]["run_id"], run.as_str(), "{runs}");
    assert_eq!(runs["items"][0]["status"], "partial");
    let errors: Value = reqwest::get(format!(
        "{base}/v1/tenants/{TENANT}/connections/{connection}/runs/{run}/errors"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        errors["items"].as_array().unwrap().len(),
        rejected,
        "{errors}"
    );
    drop(admin);

    // The failure email is in SES (moto keeps what was sent).
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", moto()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sent = data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        sent.iter().any(|m| m["source"] == MAIL_FROM
            && m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a == "admin@demo-co.example"))),
        "a failure email to the tenant's admin: {sent:?}"
    );

    // "Run now" on AWS is a request on the bus, not a run in the CLI's process.
    let said = renkei(
        &stack,
        &["mynavi", "import", "--tenant", TENANT, &connection],
    )
    .await;
    assert!(said.contains("requested"), "{said}");
    let runs = json(&renkei(&stack, &["--json", "runs", TENANT, &connection]).await);
    assert_eq!(runs.as_array().unwrap().len(), 1, "nothing ran in the CLI");
    let delivered = deliver(&stack).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert!(
        delivered[0]["answer"]["run_id"].is_string(),
        "the person's request ran: {delivered:?}"
    );
    let runs = json(&renkei(&stack, &["--json", "runs", TENANT, &connection]).await);
    assert_eq!(runs.as_array().unwrap().len(), 2, "{runs}");
}
