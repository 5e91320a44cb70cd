//! `renkei stack create|deliver`: the deployed stack's shape on one machine (moto server, or
//! any endpoint) — README "The deployed shape on your machine". `create` makes the table,
//! the bus with each connector's rule, the SES identity and a queue per rule (the stand-in
//! for the connector's Lambda), and prints the environment the CLI and the functions take;
//! `deliver` is the schedule and the Lambda service: each minute what the dispatcher does,
//! and every event a rule routed handed to its connector's handler in this process
//! (renkei_aws::stack).

use clap::Subcommand;
use renkei_aws::stack::{self, Delivery, LocalStack};
use renkei_core::clock::{Clock, SystemClock};
use renkei_core::outbound::OutboundPolicy;
use std::time::Duration;

#[derive(Subcommand)]
pub enum StackCmd {
    /// Create the stack's resources where AWS_ENDPOINT_URL (or --endpoint) points: the
    /// table, the bus with every connector's rule, the SES identity, a queue per rule.
    /// Prints `export` lines for the CLI (eval them). Safe to run again.
    Create {
        /// The AWS endpoint (moto: http://127.0.0.1:5000); default: AWS_ENDPOINT_URL, or AWS.
        #[arg(long)]
        endpoint: Option<String>,
        /// Stack name: resources are <name>-state, <name>-bus, <name>-<connector>.
        #[arg(long, default_value = "renkei")]
        name: String,
    },
    /// Run the stack's schedule and deliver its events to the connector handlers in this
    /// process: every minute the dispatcher's work, then every queued SyncRequested.
    Deliver {
        /// The AWS endpoint; default: AWS_ENDPOINT_URL.
        #[arg(long)]
        endpoint: Option<String>,
        /// Stack name given to `renkei stack create`.
        #[arg(long, default_value = "renkei")]
        name: String,
        /// One pass (dispatch what is due, deliver what is queued), then exit.
        #[arg(long)]
        once: bool,
        /// Only deliver what is queued: no dispatcher pass (the deployed dispatcher or a
        /// test runs it).
        #[arg(long)]
        no_dispatch: bool,
    },
}

/// The SDK configuration (the CLI's region and profile), pointed at `endpoint` when given.
fn config(config: &aws_config::SdkConfig, endpoint: Option<String>) -> aws_config::SdkConfig {
    let config = config.clone();
    match endpoint {
        Some(url) => config.to_builder().endpoint_url(url).build(),
        None => config,
    }
}

pub async fn stack(
    cmd: StackCmd,
    sdk: aws_config::SdkConfig,
    outbound: OutboundPolicy,
    mail_from: &str,
    json: bool,
) -> Result<(), String> {
    match cmd {
        StackCmd::Create { endpoint, name } => {
            let endpoint_env = endpoint
                .clone()
                .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
            let config = config(&sdk, endpoint);
            let made = stack::create(&config, &name, mail_from)
                .await
                .map_err(|e| e.to_string())?;
            print_created(&made, endpoint_env.as_deref(), json)
        }
        StackCmd::Deliver {
            endpoint,
            name,
            once,
            no_dispatch,
        } => {
            let config = config(&sdk, endpoint);
            let local = stack::open(&config, &name, mail_from)
                .await
                .map_err(|e| e.to_string())?;
            let registry = renkei_connectors::registry();
            loop {
                let started = SystemClock.now();
                if !no_dispatch {
                    dispatch(&config, &local).await?;
                }
                let delivered = stack::deliver(&config, &local, &registry, &SystemClock, &outbound)
                    .await
                    .map_err(|e| e.to_string())?;
                report(&delivered, json)?;
                if once {
                    return Ok(());
                }
                // Events "run now" puts on the bus are picked up within seconds; the
                // dispatcher's pass is once a minute, as its schedule in the template.
                for _ in 0..30 {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    let delivered =
                        stack::deliver(&config, &local, &registry, &SystemClock, &outbound)
                            .await
                            .map_err(|e| e.to_string())?;
                    report(&delivered, json)?;
                    if SystemClock.now() - started >= chrono::Duration::seconds(60) {
                        break;
                    }
                }
            }
        }
    }
}

/// What the dispatcher function does on each scheduled event (functions/dispatcher).
async fn dispatch(config: &aws_config::SdkConfig, local: &LocalStack) -> Result<(), String> {
    let ports = renkei_aws::AwsPorts::new(config, &local.table, &local.bus, &local.mail_from);
    let sent = renkei_core::dispatch::dispatch_due_until(
        &ports.store,
        &ports.bus,
        &SystemClock,
        "renkei",
        renkei_core::engine::EngineConfig::default().claim_ttl,
        None,
    )
    .await
    .map_err(|e| e.to_string())?;
    if !sent.is_empty() {
        eprintln!(
            "dispatcher: {} due connection(s) put on the bus",
            sent.len()
        );
    }
    Ok(())
}

fn print_created(made: &LocalStack, endpoint: Option<&str>, json: bool) -> Result<(), String> {
    if json {
        let v = serde_json::json!({
            "table": made.table, "bus": made.bus, "mail_from": made.mail_from,
            "endpoint": endpoint,
            "vendors": if endpoint.is_some() { "local" } else { "deployed" },
            "queues": made.queues.iter().map(|(c, q)| serde_json::json!({"connector": c, "queue_url": q})).collect::<Vec<_>>(),
        });
        println!("{v}");
        return Ok(());
    }
    eprintln!(
        "stack created: table {}, bus {} with a rule per connector ({}), SES identity {}",
        made.table,
        made.bus,
        made.queues
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        made.mail_from
    );
    eprintln!("next: eval these lines, then `renkei stack deliver` in another terminal");
    if let Some(e) = endpoint {
        println!("export AWS_ENDPOINT_URL={e}");
        // A stack on a local endpoint is tried with the sandbox's vendors on loopback, which
        // a deployed stack's policy refuses (https to the vendors' own hosts only).
        println!("export RENKEI_VENDORS=local");
    }
    println!("export RENKEI_BACKEND=aws");
    println!("export RENKEI_TABLE={}", made.table);
    println!("export RENKEI_BUS={}", made.bus);
    println!("export RENKEI_MAIL_FROM={}", made.mail_from);
    Ok(())
}

/// One line per delivered event (JSON lines with --json).
fn report(delivered: &[Delivery], json: bool) -> Result<(), String> {
    for d in delivered {
        if json {
            println!("{}", serde_json::to_string(d).map_err(|e| e.to_string())?);
            continue;
        }
        match (&d.answer, &d.error) {
            (Some(answer), _) => println!("{}: {answer}", d.connector),
            (None, e) => println!(
                "{}: failed, left queued for the next pass: {}",
                d.connector,
                e.as_deref().unwrap_or_default()
            ),
        }
    }
    Ok(())
}
