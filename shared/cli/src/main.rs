//! `renkei`: the command line, on the embedded backend (`--backend local`, no AWS needed) or
//! a deployed stack (`--backend aws --table … --bus …`, see backend.rs).
//!
//! - `renkei demo [--json]`: start the sandbox, seed realistic data, run every connector,
//!   print a summary.
//! - `renkei sandbox --port N`: serve the vendor simulators and their control API.
//! - `renkei run <connector> …`: set a connection up against given URLs and run it once.
//! - `renkei bench <connector> …`: the benchmark of docs/benchmarks.md.
//! - `renkei connections|runs|errors|pause|resume|disconnect`: look after connections.
//! - `renkei mynavi accounts|register|delete|import`, `renkei rules list|create|update|delete`:
//!   C1's Mynavi accounts and routing rules.

mod backend;
mod bench;
mod bench_c5;
mod bench_cold;
mod demo;
mod hrbrain;
mod linkedin;
mod mynavi;
mod ops;
mod personio;
mod table;

use backend::{Backend, Kind, Requested};
use clap::{Parser, Subcommand};
use renkei_core::engine::{Outcome, RunRequest};
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, SystemClock, TenantId};
use renkei_local::LocalBackend;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "renkei",
    version,
    about = "renkei (連携): HR data connectors — the embedded backend or a deployed stack"
)]
struct Cli {
    /// Where commands act: the embedded backend in --dir, or the deployed stack named by
    /// --table and --bus (region, profile and AWS_ENDPOINT_URL from the AWS configuration).
    #[arg(
        long,
        global = true,
        env = "RENKEI_BACKEND",
        value_enum,
        default_value = "local"
    )]
    backend: Kind,
    /// The stack's DynamoDB table (--backend aws; the stack output TableName).
    #[arg(long, global = true, env = "RENKEI_TABLE")]
    table: Option<String>,
    /// The stack's EventBridge bus (--backend aws; the stack output BusName).
    #[arg(long, global = true, env = "RENKEI_BUS")]
    bus: Option<String>,
    /// Sender of the failure emails of runs made in this process (--backend aws, --dry-run).
    #[arg(
        long,
        global = true,
        env = "RENKEI_MAIL_FROM",
        default_value = "renkei@localhost"
    )]
    mail_from: String,
    /// Folder of the embedded backend (state.redb, outbox/).
    #[arg(long, global = true, env = "RENKEI_DIR", default_value = ".renkei")]
    dir: PathBuf,
    /// Lists as JSON (an array of objects) instead of a table, for scripts.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the sandbox, seed data, run every connector, print a summary.
    Demo {
        /// Employees to seed.
        #[arg(long, default_value_t = 300)]
        employees: usize,
        /// Mynavi applications to seed (over the last three days).
        #[arg(long, default_value_t = 150)]
        applicants: usize,
    },
    /// Serve the vendor simulators and the control API (docs/sandbox.md).
    Sandbox {
        /// Port on 127.0.0.1 (0 = any free port).
        #[arg(long, default_value_t = 8790)]
        port: u16,
    },
    /// Set a connection up (if it does not exist) and run it once.
    Run(demo::RunArgs),
    /// Benchmark a connector against the sandbox (docs/benchmarks.md).
    Bench(bench::BenchArgs),
    /// List a tenant's connections.
    Connections { tenant: String },
    /// List a connection's runs, newest first.
    Runs {
        tenant: String,
        connection: String,
        /// How many (the newest).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show a run's error report.
    Errors {
        tenant: String,
        connection: String,
        run: String,
        /// As CSV (record,reason).
        #[arg(long)]
        csv: bool,
    },
    /// Switch automation off (temporary stop).
    Pause { tenant: String, connection: String },
    /// Switch automation on again (also after renkei paused it).
    Resume { tenant: String, connection: String },
    /// Disconnect: delete the credentials and all state of the connection.
    Disconnect { tenant: String, connection: String },
    /// Move every connection's secret of a tenant to its connector-scoped name
    /// (renkei/<connector>/<tenant>/<connection>), as the deployed IAM policies require.
    MigrateSecrets { tenant: String },
    /// Tenant users who receive failure emails, by role.
    #[command(subcommand)]
    Users(UsersCmd),
    /// マイナビ転職 accounts (C1).
    #[command(subcommand)]
    Mynavi(mynavi::MynaviCmd),
    /// 振り分けルール: routing rules of imported applicants (C1.7).
    #[command(subcommand)]
    Rules(mynavi::RulesCmd),
    /// HRBrain → ミキワメ (C3): connect, start syncs, the job list and its error files.
    #[command(subcommand)]
    Hrbrain(hrbrain::HrbrainCmd),
    /// Talentwunder → Personio (C4): connect, jobs, project links, uploads and their status.
    #[command(subcommand)]
    Personio(personio::PersonioCmd),
    /// C5 Recruitee → LinkedIn RSC: connect a contract, activation and sync status, refresh.
    #[command(subcommand)]
    Linkedin(linkedin::LinkedinCmd),
}

#[derive(Subcommand)]
enum UsersCmd {
    /// List a tenant's users and roles.
    List { tenant: String },
    /// Add a user (or replace their roles): admin (管理者), recruiter (採用担当者), member.
    Add {
        tenant: String,
        email: String,
        #[arg(long = "role", value_enum, required = true)]
        roles: Vec<RoleArg>,
    },
    /// Remove a user.
    Remove { tenant: String, email: String },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Admin,
    Recruiter,
    Member,
}

impl From<RoleArg> for renkei_core::repo::Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => Self::Admin,
            RoleArg::Recruiter => Self::Recruiter,
            RoleArg::Member => Self::Member,
        }
    }
}

async fn users(b: &Backend, cmd: UsersCmd, json: bool) -> Result<(), String> {
    let repo = Repo::new(b.store.as_ref());
    let tenant = |t: &str| TenantId::new(t).map_err(|e| e.to_string());
    match cmd {
        UsersCmd::List { tenant: t } => {
            let mut table = table::Table::new(&["email", "roles"]);
            for u in repo.users(&tenant(&t)?).await.map_err(|e| e.to_string())? {
                let roles: Vec<String> = u
                    .roles
                    .iter()
                    .map(|r| format!("{r:?}").to_lowercase())
                    .collect();
                table.row(vec![u.email, roles.join(",")]);
            }
            table.print(json);
        }
        UsersCmd::Add {
            tenant: t,
            email,
            roles,
        } => {
            if !email.contains('@') {
                return Err(format!("{email:?} is not an email address"));
            }
            let user = renkei_core::repo::TenantUser {
                email,
                roles: roles.into_iter().map(Into::into).collect(),
            };
            repo.put_user(&tenant(&t)?, &user)
                .await
                .map_err(|e| e.to_string())?;
            println!("{}\t{:?}", user.email, user.roles);
        }
        UsersCmd::Remove { tenant: t, email } => {
            repo.delete_user(&tenant(&t)?, &email)
                .await
                .map_err(|e| e.to_string())?;
            println!("removed {email}");
        }
    }
    Ok(())
}

/// How the CLI shows a setup check's problems: one line each, with its kind and field.
pub(crate) fn problems(p: impl Into<renkei_core::setup::SetupProblems>) -> String {
    let p = p.into();
    let lines: Vec<String> =
        p.0.iter()
            .map(|x| match &x.field {
                Some(f) => format!("  [{:?}] {f}: {}", x.kind, x.message),
                None => format!("  [{:?}] {}", x.kind, x.message),
            })
            .collect();
    format!("setup refused:\n{}", lines.join("\n"))
}

fn ids(tenant: &str, connection: &str) -> Result<(TenantId, ConnectionId), String> {
    Ok((
        TenantId::new(tenant).map_err(|e| e.to_string())?,
        ConnectionId::new(connection).map_err(|e| e.to_string())?,
    ))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RENKEI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let open_local = || {
        LocalBackend::open(
            &cli.dir,
            Arc::new(SystemClock),
            renkei_connectors::registry(),
        )
        .map_err(|e| format!("opening {}: {e}", cli.dir.display()))
    };
    let open = || async {
        match cli.backend {
            Kind::Local => Ok(Backend::local(open_local()?)),
            Kind::Aws => {
                let need = |v: &Option<String>, flag: &str| {
                    v.clone().ok_or(format!(
                        "--backend aws needs --{flag} (the stack's outputs; or RENKEI_{})",
                        flag.to_uppercase()
                    ))
                };
                let target = backend::AwsTarget {
                    table: need(&cli.table, "table")?,
                    bus: need(&cli.bus, "bus")?,
                    mail_from: cli.mail_from.clone(),
                };
                Ok::<_, String>(Backend::aws(target, renkei_connectors::registry()).await)
            }
        }
    };
    match cli.command {
        Command::Demo {
            employees,
            applicants,
        } => demo::demo(cli.json, employees, applicants).await,
        Command::Sandbox { port } => {
            let b = open().await?.embedded("renkei sandbox")?;
            demo::serve_sandbox(b, port).await
        }
        Command::Run(args) => demo::run_once(&open().await?, args).await,
        Command::Bench(args) => bench::bench(args).await,
        Command::Users(cmd) => users(&open().await?, cmd, cli.json).await,
        Command::Mynavi(cmd) => mynavi::mynavi(&open().await?, cmd, cli.json).await,
        Command::Rules(cmd) => mynavi::rules_cmd(&open().await?, cmd).await,
        Command::Hrbrain(cmd) => hrbrain::hrbrain(&open().await?, cmd).await,
        Command::Personio(cmd) => personio::personio(&open().await?, cmd).await,
        Command::Linkedin(cmd) => linkedin::linkedin(&open().await?, cmd, cli.json).await,
        Command::Connections { tenant } => {
            ops::connections(&open().await?, &tenant, cli.json).await
        }
        Command::Runs {
            tenant,
            connection,
            limit,
        } => ops::runs(&open().await?, &tenant, &connection, limit, cli.json).await,
        Command::Errors {
            tenant,
            connection,
            run,
            csv,
        } => ops::errors(&open().await?, &tenant, &connection, &run, csv, cli.json).await,
        Command::Pause { tenant, connection } => {
            toggle(&open().await?, &tenant, &connection, false).await
        }
        Command::Resume { tenant, connection } => {
            toggle(&open().await?, &tenant, &connection, true).await
        }
        Command::Disconnect { tenant, connection } => {
            let b = open().await?;
            let (t, c) = ids(&tenant, &connection)?;
            renkei_core::admin::disconnect(
                b.store.as_ref(),
                b.secrets.as_ref(),
                b.clock.as_ref(),
                &t,
                &c,
            )
            .await
            .map_err(|e| e.to_string())?;
            println!("disconnected {t}/{c}: credentials and state deleted");
            Ok(())
        }
        Command::MigrateSecrets { tenant } => {
            let b = open().await?;
            let t = renkei_core::TenantId::new(&tenant).map_err(|e| e.to_string())?;
            let conns = renkei_core::repo::Repo::new(b.store.as_ref())
                .connections(&t)
                .await
                .map_err(|e| e.to_string())?;
            for conn in conns {
                let c = conn.connection_id;
                let moved = renkei_core::admin::migrate_secret(
                    b.store.as_ref(),
                    b.secrets.as_ref(),
                    &t,
                    &c,
                )
                .await
                .map_err(|e| e.to_string())?;
                println!(
                    "{t}/{c}: {}",
                    if moved { "moved" } else { "already scoped" }
                );
            }
            Ok(())
        }
    }
}

async fn toggle(b: &Backend, tenant: &str, connection: &str, on: bool) -> Result<(), String> {
    let (t, c) = ids(tenant, connection)?;
    let conn = renkei_core::admin::set_automation(b.store.as_ref(), b.clock.as_ref(), &t, &c, on)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{t}/{c}: automation {:?}, next run at {}",
        conn.automation,
        conn.next_run_at.to_rfc3339()
    );
    Ok(())
}

/// Prints what a run by hand did: its record as JSON, or why nothing ran.
pub(crate) fn print_outcome(outcome: Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Ran(r) => println!(
            "{}",
            serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?
        ),
        Outcome::Skipped(why) => println!("skipped: {why}"),
        Outcome::Fenced(r) => println!("run {} lost its lease and stopped", r.run_id),
    }
    Ok(())
}

/// Puts a person's run request on the bus and prints one line per run it started: `describe`
/// for a run, why otherwise (the embedded bus delivers at once); on AWS, that it is queued.
pub(crate) async fn request_run(
    b: &Backend,
    event: renkei_core::engine::SyncRequested,
    describe: impl Fn(&renkei_core::engine::RunRecord) -> String,
) -> Result<(), String> {
    let what = format!("{}/{}", event.tenant_id, event.connection_id);
    match b.request(event).await? {
        Requested::Queued => println!(
            "{what}: requested — the connector's Lambda runs it (follow with `renkei runs`)"
        ),
        Requested::Ran(outcomes) => {
            for outcome in outcomes {
                match outcome {
                    Outcome::Ran(r) => println!("{}", describe(&r)),
                    Outcome::Skipped(why) => println!("not started: {why}"),
                    Outcome::Fenced(r) => {
                        println!("run {} lost its lease and stopped", r.run_id);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Runs a connection once by hand and prints its record: in this process on the embedded
/// backend, and for a dry run (it counts without writing); otherwise on AWS a request on the
/// bus that the connector's Lambda runs.
pub(crate) async fn run_now(
    b: &Backend,
    t: &TenantId,
    c: &ConnectionId,
    dry_run: bool,
) -> Result<(), String> {
    if !dry_run && !b.runs_here() {
        let conn = renkei_core::repo::Repo::new(b.store.as_ref())
            .connection(t, c)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("connection {t}/{c} does not exist"))?
            .0;
        let event = renkei_core::engine::SyncRequested {
            manual: true,
            ..renkei_core::engine::SyncRequested::new(t.clone(), c.clone(), &conn.connector)
        };
        return request_run(b, event, |r| r.run_id.to_string()).await;
    }
    let req = RunRequest {
        tenant_id: t.clone(),
        connection_id: c.clone(),
        deadline: None,
        dry_run,
        manual: true,
        claim: None,
        webhook: false,
        scope: None,
    };
    print_outcome(b.run_here(&req).await?)
}
