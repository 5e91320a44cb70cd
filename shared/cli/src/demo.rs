//! `renkei demo`, `renkei sandbox` and `renkei run`.

use crate::backend::Backend;
use chrono::Utc;
use clap::Args;
use renkei_connectors::mynavi_hrmos as c1;
use renkei_connectors::roumumate_kaonavi::{
    self as c2, KaonaviLimits, Secret, Settings, SetupInput, TargetFilter,
};
use renkei_core::repo::Repo;
use renkei_local::LocalBackend;
use renkei_sandbox::{Limits, Sandbox};
use renkei_testbed::SandboxEnv as Env;
use renkei_testbed::demo::{DemoSize, scenarios};
use renkei_vendors::kaonavi::Credentials;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

pub async fn demo(as_json: bool, employees: usize, applicants: usize) -> Result<(), String> {
    let env = Env::start(
        Limits {
            requests_per_hour: None,
            writes_per_minute: None,
        },
        1,
    )
    .await?;
    if !as_json {
        eprintln!("sandbox on http://{}", env.addr);
    }
    // Every connector of the registry, in its order, each through its scenario.
    let size = DemoSize {
        employees,
        applicants,
    };
    let scenarios = scenarios();
    let mut runs = Vec::new();
    for name in renkei_connectors::registry().names() {
        let scenario = scenarios
            .iter()
            .find(|s| s.connector() == name)
            .ok_or(format!("connector {name} has no demo scenario"))?;
        let run = scenario.run(&env, size).await?;
        if !as_json {
            eprintln!("{name}: {}", run.seeded);
        }
        runs.push((name, run));
    }
    let rows: Vec<Value> = runs
        .iter()
        .map(|(name, d)| {
            json!({
                "name": name,
                "status": d.run.status.as_str(),
                "created": d.run.counts.created,
                "updated": d.run.counts.updated,
                "unchanged": d.run.counts.unchanged,
                "rejected": d.run.counts.rejected,
            })
        })
        .collect();
    if as_json {
        println!("{}", json!({ "connectors": rows }));
        return Ok(());
    }
    println!(
        "{:<22} {:<12} {:>8} {:>8} {:>10} {:>9}",
        "connector", "status", "created", "updated", "unchanged", "rejected"
    );
    for (name, d) in &runs {
        let r = &d.run;
        println!(
            "{:<22} {:<12} {:>8} {:>8} {:>10} {:>9}",
            name,
            r.status.as_str(),
            r.counts.created,
            r.counts.updated,
            r.counts.unchanged,
            r.counts.rejected
        );
    }
    println!();
    for (_, d) in &runs {
        println!("{}", d.result);
    }
    let t = env.tenant();
    for (name, d) in &runs {
        let errors = Repo::new(&env.backend.store)
            .errors(&t, &d.connection, &d.run.run_id)
            .await
            .map_err(|e| e.to_string())?;
        if !errors.is_empty() {
            println!(
                "\n{name}: error report of run {} (record, reason):",
                d.run.run_id
            );
            for e in &errors {
                println!("  {:<28} {}", e.record, e.reason);
            }
        }
    }
    let mails = env.backend.outbox.sent();
    println!(
        "\n{} failure email(s) written to the outbox for the tenants' admins and recruiters.",
        mails.len()
    );
    Ok(())
}

pub async fn serve_sandbox(backend: Arc<LocalBackend>, port: u16) -> Result<(), String> {
    let sandbox = Sandbox::new().with_runner(Arc::new(renkei_testbed::LocalRunner(backend)));
    let (addr, server) = sandbox
        .serve(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .map_err(|e| e.to_string())?;
    println!("sandbox listening on http://{addr} (see docs/sandbox.md); base URLs to pass:");
    for (name, prefix) in renkei_sandbox::simulators() {
        match prefix {
            Some(p) => println!("  {name:<10} http://{addr}{p}"),
            None => println!(
                "  {name:<10} simulated senders: POST http://{addr}/_control/{{vendor}}/webhooks"
            ),
        }
    }
    println!(
        "  webhooks   http://{addr}/webhooks/{{vendor}}/{{tenant}}/{{connection}} (renkei's ingress)"
    );
    println!("  control    http://{addr}/_control");
    server.await.map_err(|e| e.to_string())
}

#[derive(Args, Clone)]
pub struct RunArgs {
    /// Connector name.
    connector: String,
    #[arg(long)]
    tenant: String,
    #[arg(long, default_value = "roumumate-kaonavi")]
    connection: String,
    #[arg(long)]
    roumumate_url: Option<String>,
    #[arg(long)]
    roumumate_token: Option<String>,
    #[arg(long)]
    kaonavi_url: Option<String>,
    #[arg(long, env = "KAONAVI_CONSUMER_KEY")]
    consumer_key: Option<String>,
    #[arg(long, env = "KAONAVI_CONSUMER_SECRET")]
    consumer_secret: Option<String>,
    /// Roumumate gender code=Kaonavi option, comma-separated.
    #[arg(long, default_value = "male=男性,female=女性,unanswered=その他")]
    gender_map: String,
    /// Validate and count without writing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run_once(b: &Backend, a: RunArgs) -> Result<(), String> {
    if b.registry.get(&a.connector).is_none() {
        return Err(format!(
            "unknown connector {} (known: {})",
            a.connector,
            b.registry.names().join(", ")
        ));
    }
    let (t, c) = crate::ids(&a.tenant, &a.connection)?;
    let existing = Repo::new(b.store.as_ref())
        .connection(&t, &c)
        .await
        .map_err(|e| e.to_string())?;
    match existing {
        Some((conn, _)) if conn.connector != a.connector => {
            return Err(format!(
                "{t}/{c} runs {}, not {}",
                conn.connector, a.connector
            ));
        }
        Some(_) => {}
        None if a.connector == c2::NAME => setup_c2(b, &t, &c, a.clone()).await?,
        None => {
            return Err(format!(
                "{t}/{c} is not connected; connect it first (e.g. `renkei mynavi register` for {})",
                c1::NAME
            ));
        }
    }
    crate::run_now(b, &t, &c, a.dry_run).await
}

/// Sets up a C2 connection from `renkei run`'s flags (every one required here).
async fn setup_c2(
    b: &Backend,
    t: &renkei_core::TenantId,
    c: &renkei_core::ConnectionId,
    a: RunArgs,
) -> Result<(), String> {
    let need =
        |v: Option<String>, flag: &str| v.ok_or(format!("setting up {} needs --{flag}", c2::NAME));
    let roumumate_url = need(a.roumumate_url, "roumumate-url")?;
    let roumumate_token = need(a.roumumate_token, "roumumate-token")?;
    let kaonavi_url = need(a.kaonavi_url, "kaonavi-url")?;
    let consumer_key = need(a.consumer_key, "consumer-key")?;
    let consumer_secret = need(a.consumer_secret, "consumer-secret")?;
    {
        let mut gender_map = BTreeMap::new();
        for pair in a.gender_map.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or(format!("--gender-map entry {pair:?} is not code=option"))?;
            gender_map.insert(k.to_string(), v.to_string());
        }
        let settings = Settings {
            roumumate_url,
            kaonavi_url,
            gender_map,
            filter: TargetFilter::default(),
            page_size: 200,
            kaonavi_limits: KaonaviLimits::default(),
            task_poll_ms: 1000,
        };
        let secret = Secret {
            kaonavi: Credentials {
                consumer_key,
                consumer_secret,
            },
            roumumate_token,
        };
        c2::setup(
            b.store.as_ref(),
            b.secrets.as_ref(),
            Utc::now(),
            SetupInput {
                tenant_id: t.clone(),
                connection_id: c.clone(),
                secret,
                settings,
            },
        )
        .await
        .map_err(crate::problems)?;
        eprintln!("connection {t}/{c} set up");
    }
    Ok(())
}
