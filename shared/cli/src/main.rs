//! `renkei`: the command line, on the embedded backend (`--backend local`, no AWS needed) or
//! a deployed stack (`--backend aws --table … --bus …`, see backend.rs).
//!
//! - `renkei demo [--json]`: start the sandbox, seed realistic data, run every connector,
//!   print a summary.
//! - `renkei sandbox --port N`: serve the vendor simulators and their control API.
//! - `renkei run <connector> …`: set a connection up against given URLs and run it once.
//! - `renkei connections|runs|errors|pause|resume|disconnect`: look after connections.
//! - `renkei settings show|set`, `renkei credentials show|set`: change a connection's
//!   settings, cadence and credentials after connecting (settings.rs).
//! - `renkei mynavi accounts|register|delete|import`, `renkei rules list|create|update|delete`:
//!   C1's Mynavi accounts and routing rules.
//! - `renkei completions bash|zsh|fish`: the shell's completion script.
//!
//! Conventions every command keeps: `--json` answers, exit codes ([`exit`]), unknown names as
//! errors ([`lookup`]), ids and emails checked while parsing ([`args`]).

mod admin;
mod args;
mod backend;
mod connect;
mod console;
mod demo;
mod exit;
#[cfg(test)]
mod help_tests;
mod hrbrain;
mod linkedin;
mod lookup;
mod mynavi;
mod ops;
mod outcome;
mod personio;
mod settings;
mod stack;
mod table;
mod term;
mod users;

use backend::{Backend, Kind};
use clap::{CommandFactory, Parser, Subcommand};
use exit::Failure;
use renkei_core::ports::{RecoveryWindow, SecretDeletion};
use renkei_core::{ConnectionId, SystemClock, TenantId};
use renkei_local::LocalBackend;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "renkei",
    version,
    about = "renkei (連携): HR data connectors — the embedded backend or a deployed stack",
    after_help = exit::HELP
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
    /// AWS region of the stack (--backend aws; default: AWS_REGION or the profile's).
    #[arg(long, global = true)]
    region: Option<String>,
    /// Named AWS profile to use (--backend aws; default: AWS_PROFILE or `default`).
    #[arg(long, global = true)]
    profile: Option<String>,
    /// Where runs made by this process on a stack may call out: `deployed` — https to the
    /// vendors' documented hosts and RENKEI_ALLOWED_VENDOR_HOSTS, as the stack's functions —
    /// or `local` — any URL, loopback included (a stack on moto with the sandbox's vendors;
    /// `renkei stack create --endpoint` prints it). The embedded backend is always local.
    #[arg(
        long,
        global = true,
        env = "RENKEI_VENDORS",
        value_enum,
        default_value = "deployed"
    )]
    vendors: Vendors,
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
    /// Answer as JSON for scripts: lists as arrays of objects (`[]` when empty), other
    /// answers as one object, run outcomes as an array; numbers as numbers.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the sandbox, seed data, run every connector, print a summary; the state and the
    /// failure emails are kept in --out.
    Demo(demo::DemoArgs),
    /// Serve the vendor simulators and the control API (docs/sandbox.md), and the web
    /// console with the admin API on the state of --dir, behind a development sign-in.
    Sandbox {
        /// Port on 127.0.0.1 (0 = any free port).
        #[arg(long, default_value_t = 8790)]
        port: u16,
        /// The console's port on 127.0.0.1 (default: --port + 2, beside `renkei admin serve`'s
        /// 8791; any free port with --port 0).
        #[arg(long)]
        console_port: Option<u16>,
    },
    /// Set a connection up (if it does not exist) and run it once.
    Run(demo::RunArgs),
    /// Connect any connector: its settings (`--set key=value`) and credentials
    /// (`--secret field=value`) checked with its vendors by its own setup.
    Connect(connect::ConnectArgs),
    /// Print a shell completion script, e.g.
    /// `renkei completions bash > ~/.local/share/bash-completion/completions/renkei`.
    Completions {
        /// The shell: bash, zsh or fish (also elvish, powershell).
        shell: clap_complete::Shell,
    },
    /// List a tenant's connections.
    Connections {
        /// Tenant id.
        #[arg(value_parser = args::tenant)]
        tenant: String,
    },
    /// List a connection's runs, newest first.
    Runs {
        /// Tenant id.
        #[arg(value_parser = args::tenant)]
        tenant: String,
        /// Connection id (from `renkei connections`).
        #[arg(value_parser = args::connection)]
        connection: String,
        /// How many (the newest).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show a run's error report.
    Errors {
        /// Tenant id.
        #[arg(value_parser = args::tenant)]
        tenant: String,
        /// Connection id (from `renkei connections`).
        #[arg(value_parser = args::connection)]
        connection: String,
        /// Run id (from `renkei runs`).
        #[arg(value_parser = args::run)]
        run: String,
        /// As CSV (record,reason; UTF-8 with a BOM so Excel reads it), in place of --json.
        #[arg(long)]
        csv: bool,
    },
    /// Switch automation off (temporary stop).
    Pause(ConnectionArgs),
    /// Switch automation on again (also after renkei paused it).
    Resume(ConnectionArgs),
    /// Disconnect: delete the credentials and all state of the connection. The secret
    /// stays restorable for the recovery window unless --purge is given.
    Disconnect {
        #[command(flatten)]
        c: ConnectionArgs,
        /// Delete the secret at once, beyond recovery (an operator's decision).
        #[arg(long)]
        purge: bool,
        /// Days the secret stays restorable (7 to 30).
        #[arg(long, default_value_t = 7, conflicts_with = "purge")]
        recovery_days: u32,
    },
    /// Move every connection's secret of a tenant to its connector-scoped name
    /// (renkei/<connector>/<tenant>/<connection>), as the deployed IAM policies require, and
    /// write each webhook endpoint's own signing secret (renkei-webhook/<vendor>/<tenant>/<connection>),
    /// the only secrets the public webhooks function may read; strip the LinkedIn partner
    /// credentials older recruitee-linkedin connections kept (the stack's partner secret is
    /// written from them if it has none).
    MigrateSecrets {
        /// Tenant id.
        #[arg(value_parser = args::tenant)]
        tenant: String,
    },
    /// Tenant users who receive failure emails, by role.
    #[command(subcommand)]
    Users(users::UsersCmd),
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
    /// A connection's settings and cadence: show them, or change them (checked by its
    /// connector's settings type; the next run uses them).
    #[command(subcommand)]
    Settings(settings::SettingsCmd),
    /// Rotate a connection's credentials (write-only: only field names are ever shown).
    #[command(subcommand)]
    Credentials(settings::CredentialsCmd),
    /// The deployed stack's resources on one machine (moto): create them, deliver their
    /// events to the connectors (README "The deployed shape on your machine").
    #[command(subcommand)]
    Stack(stack::StackCmd),
    /// The admin HTTP API (docs/openapi.yaml), served locally on either backend.
    #[command(subcommand)]
    Admin(AdminCmd),
}

/// `--vendors`: the outbound policy of runs made on a stack.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Vendors {
    /// As the deployed functions: https to documented or allowed hosts only.
    Deployed,
    /// Anywhere, loopback included: the sandbox's simulators on this machine.
    Local,
}

impl Vendors {
    fn policy(self) -> renkei_core::outbound::OutboundPolicy {
        match self {
            Vendors::Deployed => renkei_aws::lambda::outbound_policy(),
            Vendors::Local => renkei_core::outbound::OutboundPolicy::Local,
        }
    }
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Serve the admin API on 127.0.0.1 (unauthenticated: every request is the operator's).
    Serve {
        /// Port on 127.0.0.1 (0 = any free port).
        #[arg(long, default_value_t = 8791)]
        port: u16,
        /// Act as a user of this tenant (as a JWT with its tenant claim would), not as the
        /// operator: to try the tenant rules, e.g. tests/schemathesis.sh's cross-tenant run.
        #[arg(long, value_parser = args::tenant)]
        as_tenant: Option<String>,
    },
}

/// One connection of a tenant, named on the command line.
#[derive(clap::Args)]
struct ConnectionArgs {
    /// Tenant id.
    #[arg(value_parser = args::tenant)]
    tenant: String,
    /// Connection id (from `renkei connections`).
    #[arg(value_parser = args::connection)]
    connection: String,
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
        .with_ansi(term::stderr_is_terminal())
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::exit(exit::code()),
        Err(Failure::Usage(message)) => Cli::command()
            .error(clap::error::ErrorKind::ValueValidation, message)
            .exit(),
        Err(Failure::Error(message)) => {
            eprintln!("error: {message}");
            std::process::exit(exit::ERROR);
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
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
                    v.clone().ok_or(Failure::Usage(format!(
                        "--backend aws needs --{flag} (the stack's outputs; or RENKEI_{})",
                        flag.to_uppercase()
                    )))
                };
                let target = backend::AwsTarget {
                    table: need(&cli.table, "table")?,
                    bus: need(&cli.bus, "bus")?,
                    mail_from: cli.mail_from.clone(),
                    region: cli.region.clone(),
                    profile: cli.profile.clone(),
                    outbound: cli.vendors.policy(),
                };
                Ok::<_, Failure>(Backend::aws(target, renkei_connectors::registry()).await?)
            }
        }
    };
    let done = match cli.command {
        Command::Demo(args) => demo::demo(cli.json, args).await,
        Command::Sandbox { port, console_port } => {
            let backend = open().await?;
            let console_port =
                console_port.unwrap_or(if port == 0 { 0 } else { port.saturating_add(2) });
            demo::serve_sandbox(&backend, port, console_port, cli.json).await
        }
        Command::Run(args) => return demo::run_once(&open().await?, args, cli.json).await,
        Command::Connect(args) => connect::connect(&open().await?, args, cli.json).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "renkei", &mut std::io::stdout());
            Ok(())
        }
        Command::Users(cmd) => users::users(&open().await?, cmd, cli.json).await,
        Command::Mynavi(cmd) => mynavi::mynavi(&open().await?, cmd, cli.json).await,
        Command::Rules(cmd) => mynavi::rules_cmd(&open().await?, cmd, cli.json).await,
        Command::Hrbrain(cmd) => hrbrain::hrbrain(&open().await?, cmd, cli.json).await,
        Command::Personio(cmd) => personio::personio(&open().await?, cmd, cli.json).await,
        Command::Linkedin(cmd) => linkedin::linkedin(&open().await?, cmd, cli.json).await,
        Command::Settings(cmd) => settings::settings(&open().await?, cmd, cli.json).await,
        Command::Credentials(cmd) => settings::credentials(&open().await?, cmd, cli.json).await,
        Command::Stack(cmd) => {
            let config =
                renkei_aws::sdk_config_with(cli.region.as_deref(), cli.profile.as_deref()).await;
            stack::stack(cmd, config, cli.vendors.policy(), &cli.mail_from, cli.json).await
        }
        Command::Admin(AdminCmd::Serve { port, as_tenant }) => {
            admin::serve(open().await?, port, as_tenant).await
        }
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
        Command::Pause(a) => {
            ops::set_automation(&open().await?, &a.tenant, &a.connection, false, cli.json).await
        }
        Command::Resume(a) => {
            ops::set_automation(&open().await?, &a.tenant, &a.connection, true, cli.json).await
        }
        Command::Disconnect {
            c,
            purge,
            recovery_days,
        } => {
            let how = if purge {
                SecretDeletion::Purge
            } else {
                SecretDeletion::Recoverable(RecoveryWindow::days(recovery_days)?)
            };
            ops::disconnect(&open().await?, &c.tenant, &c.connection, how, cli.json).await
        }
        Command::MigrateSecrets { tenant } => {
            ops::migrate_secrets(&open().await?, &tenant, cli.json).await
        }
    };
    done.map_err(Failure::from)
}
