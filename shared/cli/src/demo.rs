//! `renkei demo`, `renkei sandbox` and `renkei run`.

mod out;
mod report;

use crate::backend::Backend;
use crate::exit::Failure;
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
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// `renkei demo`'s options.
#[derive(Args)]
pub struct DemoArgs {
    /// Employees to seed.
    #[arg(long, default_value_t = 300)]
    employees: usize,
    /// Mynavi applications to seed (over the last three days).
    #[arg(long, default_value_t = 150)]
    applicants: usize,
    /// Folder that keeps what the demo made: state.redb (open it with `renkei --dir`),
    /// outbox/*.eml (the failure emails) and renkei-demo.json (the summary). A folder an
    /// earlier demo made is cleared of that demo's files first; any other folder must be new
    /// or empty.
    #[arg(long, default_value = "renkei-demo")]
    out: PathBuf,
    /// Then serve the web console (and the sandbox) on what the demo kept, until stopped:
    /// the demo's tenant, runs and error reports in a browser.
    #[arg(long)]
    console: bool,
}

/// One line per step on stderr, only when stderr is a terminal: a person watching sees the
/// demo move on, a script or a pipe gets nothing extra.
struct Progress {
    on: bool,
}

impl Progress {
    fn new() -> Self {
        Self {
            on: std::io::stderr().is_terminal(),
        }
    }

    fn line(&self, text: impl std::fmt::Display) {
        if self.on {
            eprintln!("{text}");
        }
    }
}

/// Starts the sandbox with the embedded backend in `--out`, runs every connector of the
/// registry through its scenario, keeps the state and the emails there and tells what
/// happened (`--json`: the same summary as JSON).
pub async fn demo(as_json: bool, args: DemoArgs) -> Result<(), String> {
    let out = out::OutDir::prepare(&args.out)?;
    let progress = Progress::new();
    let no_limits = Limits {
        requests_per_hour: None,
        writes_per_minute: None,
    };
    let env = Env::start_in(out.path(), no_limits, 1).await?;
    let names = renkei_connectors::registry().names();
    progress.line(format_args!(
        "sandbox on http://{}; running {} connectors, keeping what they make in {}",
        env.addr,
        names.len(),
        out.path().display()
    ));
    let size = DemoSize {
        employees: args.employees,
        applicants: args.applicants,
    };
    let scenarios = scenarios();
    let tenant = env.tenant();
    let mut shown = Vec::new();
    let names_len = names.len();
    for (i, connector) in names.into_iter().enumerate() {
        let step = format!("[{}/{}] {connector}", i + 1, names_len);
        let Some(scenario) = scenarios.iter().find(|s| s.connector() == connector) else {
            // A connector is registered without a demo until it gets a Scenario
            // (shared/testbed/src/demo.rs): said, not failed.
            progress.line(format_args!("{step}: no demo scenario, skipped"));
            continue;
        };
        progress.line(format_args!(
            "{step}: seeding the sandbox, connecting, running…"
        ));
        let started = std::time::Instant::now();
        let demo = scenario.run(&env, size).await?;
        let r = &demo.run;
        progress.line(format_args!(
            "{step}: {} ({} created, {} rejected) in {:.1} s",
            r.status.as_str(),
            r.counts.created,
            r.counts.rejected,
            started.elapsed().as_secs_f64()
        ));
        let errors = Repo::new(&env.backend.store)
            .errors(&tenant, &demo.connection, &r.run_id)
            .await
            .map_err(|e| e.to_string())?;
        shown.push(report::Shown {
            connector,
            bad_on_purpose: scenario.bad_on_purpose(),
            demo,
            errors,
        });
    }
    // Closes the store (and stops the sandbox), so the kept state is whole and free to open.
    drop(env);
    let summary = report::summary(&out, &tenant, &shown);
    out.write_summary(&format!("{summary:#}\n"))?;
    if as_json {
        println!("{summary}");
    } else {
        report::print(&out, &tenant, &shown);
    }
    if args.console {
        let kept = LocalBackend::open(
            out.path(),
            Arc::new(renkei_core::SystemClock),
            renkei_connectors::registry(),
        )
        .map_err(|e| format!("opening {}: {e}", out.path().display()))?;
        if !as_json {
            println!("\nServing what the demo kept (Ctrl-C stops):");
        }
        return serve_sandbox(&crate::backend::Backend::local(kept), 0, 0, as_json).await;
    }
    if !as_json {
        println!(
            "  console renkei demo --console, or renkei --dir {} sandbox: the same in a browser",
            out.path().display()
        );
    }
    Ok(())
}

/// Serves the sandbox until stopped; first prints its base URLs (`--json`: one object of
/// them, `simulators` by name, for a script that starts it in the background).
pub async fn serve_sandbox(
    on: &crate::backend::Backend,
    port: u16,
    console_port: u16,
    json: bool,
) -> Result<(), String> {
    let backend = on.embedded("renkei sandbox")?;
    let sandbox =
        Sandbox::new().with_runner(Arc::new(renkei_testbed::LocalRunner(backend.clone())));
    // C5's partner application: the sandbox's own, kept as this local stack's partner secret.
    renkei_testbed::install_partner(&sandbox, &backend.secrets).await?;
    let (addr, server) = sandbox
        .serve(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .map_err(|e| e.to_string())?;
    let server = async move { server.await.map_err(|e| e.to_string()) };
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], console_port)))
        .await
        .map_err(|e| format!("binding 127.0.0.1:{console_port} for the console: {e}"))?;
    let (console, console_server) = crate::console::serve(on, listener)?;
    let both = async move { tokio::try_join!(server, console_server).map(|_| ()) };
    if json {
        let simulators: serde_json::Map<String, serde_json::Value> = renkei_sandbox::simulators()
            .into_iter()
            .filter_map(|(name, prefix)| {
                Some((name.to_string(), format!("http://{addr}{}", prefix?).into()))
            })
            .collect();
        println!(
            "{:#}",
            serde_json::json!({
                "url": format!("http://{addr}"),
                "simulators": simulators,
                "webhooks": format!("http://{addr}/webhooks"),
                "control": format!("http://{addr}/_control"),
                "console": console,
            })
        );
        return both.await;
    }
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
    println!(
        "  console    {console} (the admin API too, at /v1; development sign-in: no password, \
         anyone who can reach this port may act as any tenant)"
    );
    both.await
}

#[derive(Args, Clone)]
pub struct RunArgs {
    /// Connector name (e.g. roumumate-kaonavi; others are connected by their own commands).
    connector: String,
    /// Tenant id.
    #[arg(long, value_parser = crate::args::tenant)]
    tenant: String,
    /// Connection id (set up on first use for roumumate-kaonavi).
    #[arg(
        long,
        default_value = "roumumate-kaonavi",
        value_parser = crate::args::connection
    )]
    connection: String,
    /// Roumumate API base URL (setting up roumumate-kaonavi).
    #[arg(long)]
    roumumate_url: Option<String>,
    /// Roumumate API token (setting up roumumate-kaonavi).
    #[arg(long)]
    roumumate_token: Option<String>,
    /// Kaonavi API base URL (setting up roumumate-kaonavi).
    #[arg(long)]
    kaonavi_url: Option<String>,
    /// Kaonavi Consumer Key (setting up roumumate-kaonavi).
    #[arg(long, env = "KAONAVI_CONSUMER_KEY", hide_env_values = true)]
    consumer_key: Option<String>,
    /// Kaonavi Consumer Secret (setting up roumumate-kaonavi).
    #[arg(long, env = "KAONAVI_CONSUMER_SECRET", hide_env_values = true)]
    consumer_secret: Option<String>,
    /// Roumumate gender code=Kaonavi option, comma-separated (at setup; later:
    /// `renkei settings set T C gender_map.<code>=<option>`).
    #[arg(long, default_value = "male=男性,female=女性,unanswered=その他")]
    gender_map: String,
    /// Validate and count without writing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run_once(b: &Backend, a: RunArgs, json: bool) -> Result<(), Failure> {
    if b.registry.get(&a.connector).is_none() {
        return Err(Failure::Usage(format!(
            "unknown connector {} (known: {})",
            a.connector,
            b.registry.names().join(", ")
        )));
    }
    let (t, c) = crate::ids(&a.tenant, &a.connection)?;
    let existing = Repo::new(b.store.as_ref())
        .connection(&t, &c)
        .await
        .map_err(|e| e.to_string())?;
    match existing {
        Some((conn, _)) if conn.connector != a.connector => {
            return Err(format!("{t}/{c} runs {}, not {}", conn.connector, a.connector).into());
        }
        // Credentials and URLs given for a connection that exists replace the stored ones
        // (checked as `renkei credentials|settings set` check them), never silently ignored.
        Some(_) if a.connector == c2::NAME => {
            let credentials = [
                ("roumumate_token", &a.roumumate_token),
                ("consumer_key", &a.consumer_key),
                ("consumer_secret", &a.consumer_secret),
            ];
            let urls = [
                ("roumumate_url", &a.roumumate_url),
                ("kaonavi_url", &a.kaonavi_url),
            ];
            crate::settings::apply_run_flags(b, &t, &c, &credentials, &urls).await?;
        }
        Some(_) => {}
        None if a.connector == c2::NAME => setup_c2(b, &t, &c, a.clone()).await?,
        None => {
            return Err(format!(
                "{t}/{c} is not connected; connect it first (e.g. `renkei mynavi register` for {})",
                c1::NAME
            )
            .into());
        }
    }
    crate::outcome::run_now(b, &t, &c, a.dry_run, json).await?;
    if a.connector == c2::NAME {
        first_run_hint(b, &t, &c).await?;
    }
    Ok(())
}

/// C2.7: a new connection starts at Roumumate's current position, so its first run often
/// creates nothing — which looks like a failure to whoever loaded employees first. Says why
/// (on stderr: stdout holds the run's record).
async fn first_run_hint(
    b: &Backend,
    t: &renkei_core::TenantId,
    c: &renkei_core::ConnectionId,
) -> Result<(), String> {
    let runs = Repo::new(b.store.as_ref())
        .runs(t, c)
        .await
        .map_err(|e| e.to_string())?;
    if let [only] = runs.as_slice()
        && only.counts.created == 0
        && only.counts.updated == 0
        && only.status == renkei_core::engine::RunStatus::Succeeded
    {
        eprintln!(
            "note: {t}/{c}'s first run created nothing. A new {} connection starts at \
             Roumumate's current position: employees that were in Roumumate before it was set \
             up are not synced, only those added or changed after setup (docs/sandbox.md).",
            c2::NAME
        );
    }
    Ok(())
}

/// Sets up a C2 connection from `renkei run`'s flags (every one required here).
async fn setup_c2(
    b: &Backend,
    t: &renkei_core::TenantId,
    c: &renkei_core::ConnectionId,
    a: RunArgs,
) -> Result<(), Failure> {
    let need = |v: Option<String>, flag: &str| {
        v.ok_or_else(|| Failure::Usage(format!("setting up {} needs --{flag}", c2::NAME)))
    };
    let roumumate_url = need(a.roumumate_url, "roumumate-url")?;
    let roumumate_token = need(a.roumumate_token, "roumumate-token")?;
    let kaonavi_url = need(a.kaonavi_url, "kaonavi-url")?;
    let consumer_key = need(a.consumer_key, "consumer-key")?;
    let consumer_secret = need(a.consumer_secret, "consumer-secret")?;
    {
        let mut gender_map = BTreeMap::new();
        for pair in a.gender_map.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                Failure::Usage(format!("--gender-map entry {pair:?} is not code=option"))
            })?;
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
