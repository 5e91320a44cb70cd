//! The cloud path on one machine (issue 13): the deployed stack's resources in moto server —
//! the table as infra/template.yaml declares it, the bus with the connector's rule as the
//! template declares it (an SQS queue stands in for the function as its target), secrets and
//! SES — operated only through `renkei --backend aws`; the real dispatcher handler fires on
//! events/dispatcher-scheduled.json, the SyncRequested it put is taken from the rule's target
//! and handed to the real connector handler, which syncs against the sandbox; the run, its
//! error report and the failure email are then read back from AWS.
//!
//! tests/run.sh starts moto and sets RENKEI_MOTO_ENDPOINT.

use renkei_core::engine::EngineConfig;
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
    table: String,
    bus: String,
    queue_url: String,
}

/// The template's event pattern of `function`'s SyncRequested rule, as JSON.
fn rule_pattern(function: &str) -> String {
    let doc: serde_yaml::Value = serde_yaml::from_str(renkei_aws::TEMPLATE).unwrap();
    let pattern = &doc["Resources"][function]["Properties"]["Events"]["SyncRequested"]["Properties"]
        ["Pattern"];
    assert!(!pattern.is_null(), "{function} has a SyncRequested rule");
    serde_json::to_string(&serde_json::to_value(pattern).unwrap()).unwrap()
}

async fn deploy(config: &aws_config::SdkConfig, function: &str) -> Stack {
    let id = format!("{:08x}", fastrand::u32(..));
    let table = format!("renkei-state-{id}");
    renkei_aws::create_table(&aws_sdk_dynamodb::Client::new(config), &table)
        .await
        .unwrap();
    let events = aws_sdk_eventbridge::Client::new(config);
    let bus = format!("renkei-bus-{id}");
    events.create_event_bus().name(&bus).send().await.unwrap();
    let sqs = aws_sdk_sqs::Client::new(config);
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("renkei-{function}-{id}"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    events
        .put_rule()
        .name(format!("{function}-sync-requested"))
        .event_bus_name(&bus)
        .event_pattern(rule_pattern(function))
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule(format!("{function}-sync-requested"))
        .event_bus_name(&bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("function")
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    aws_sdk_sesv2::Client::new(config)
        .create_email_identity()
        .email_identity(MAIL_FROM)
        .send()
        .await
        .unwrap();
    Stack {
        table,
        bus,
        queue_url,
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

/// The EventBridge events the rule's target holds now.
async fn delivered(config: &aws_config::SdkConfig, stack: &Stack) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut events = Vec::new();
    loop {
        let got = sqs
            .receive_message()
            .queue_url(&stack.queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            return events;
        }
        for m in messages {
            events.push(json(m.body.as_deref().unwrap_or_default()));
            sqs.delete_message()
                .queue_url(&stack.queue_url)
                .receipt_handle(m.receipt_handle.unwrap_or_default())
                .send()
                .await
                .unwrap();
        }
    }
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
    env.sandbox.mynavi_add(MYNAVI_LOGIN, applications).unwrap();

    let config = sdk().await;
    let stack = deploy(&config, "MynaviHrmosFunction").await;

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
    let connection = connections[0]["connection"].as_str().unwrap().to_string();

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
    let events = delivered(&config, &stack).await;
    assert_eq!(
        events.len(),
        1,
        "one SyncRequested reached the target: {events:?}"
    );
    assert_eq!(events[0]["detail"]["connection_id"], connection.as_str());

    // The connector function's handler runs it on the stack's ports.
    let ports = renkei_aws::AwsPorts::new(&config, &stack.table, &stack.bus, MAIL_FROM);
    let answer = renkei_aws::lambda::answer_sync_event(
        events[0].clone(),
        None,
        ports.ports(&renkei_core::SystemClock),
        EngineConfig::default(),
        &renkei_connectors::mynavi_hrmos::Factory,
    )
    .await
    .unwrap();
    assert_eq!(answer["status"], "partial", "{answer}");
    let applicants = env.sandbox.hrmos_applicants(HRMOS_KEY);
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
    let run = runs[0]["run"].as_str().unwrap().to_string();
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
    assert_eq!(accounts[0]["status"], "連携中", "{accounts}");

    // And through the admin API's handler, on the same stack (an operator's IAM call).
    let admin = renkei_admin::router(renkei_admin::AdminState {
        store: std::sync::Arc::new(ports.store.clone()),
        secrets: std::sync::Arc::new(ports.secrets.clone()),
        bus: std::sync::Arc::new(ports.bus.clone()),
        clock: std::sync::Arc::new(renkei_core::SystemClock),
    })
    .layer(axum::Extension(renkei_admin::Caller::Operator));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, admin).await });
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
    server.abort();

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
    let events = delivered(&config, &stack).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail"]["manual"], true);
    let runs = json(&renkei(&stack, &["--json", "runs", TENANT, &connection]).await);
    assert_eq!(runs.as_array().unwrap().len(), 1, "nothing ran in the CLI");
}
