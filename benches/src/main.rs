//! `renkei-bench <what>`: the figures of docs/benchmarks.md (until 2026-12-07 the CLI's
//! `renkei bench <what>`; the arguments, output and bounds are the same). Each bench prints
//! its report and exits 1 with `error: …` when a bound is not met.
//!
//! - `mynavi-hrmos` ([`c1`]), `roumumate-kaonavi` ([`c2`]), `hrbrain-mikiwame` ([`c3`]),
//!   `talentwunder-personio` ([`c4`]), `recruitee-linkedin` ([`c5`]): a connector against
//!   the sandbox;
//! - `lambda-memory` ([`memory`]): each connector's process alone, the sandbox in a child
//!   process;
//! - `dispatch` ([`fleet`]): a fleet due at once, on DynamoDB and EventBridge (moto);
//! - `cold-start` ([`cold`]): every function's init time and package size.

mod c1;
mod c2;
mod c3;
mod c4;
mod c5;
mod cold;
mod fleet;
mod memory;
mod process;

use clap::Parser;
use renkei_connectors::{
    hrbrain_mikiwame, mynavi_hrmos, recruitee_linkedin, roumumate_kaonavi, talentwunder_personio,
};

/// Benchmark a connector against the sandbox (docs/benchmarks.md).
#[derive(Parser)]
#[command(name = "renkei-bench", version)]
struct BenchArgs {
    /// Connector to benchmark, `cold-start` (every function's init time and package size),
    /// `dispatch` (a fleet due at once, against DynamoDB and EventBridge on moto) or
    /// `lambda-memory` (C2's, C1's, C3's and C4's connector process alone, the sandbox in a
    /// child process).
    connector: String,
    /// Employees for the initial sync (limits off).
    #[arg(long, default_value_t = 10_000)]
    employees: usize,
    /// roumumate-kaonavi: employees of the no-change run on DynamoDB (with AWS_ENDPOINT_URL;
    /// moto server's memory grew past 10 GB syncing 10,000 there, so fewer by default).
    #[arg(long, default_value_t = 2_000)]
    dynamodb_employees: usize,
    /// Employees for the rate-limit run (Kaonavi limits on, time-scaled).
    #[arg(long, default_value_t = 600)]
    limited_employees: usize,
    /// Simulated seconds per real second in the rate-limit run (C5: default 10).
    #[arg(long)]
    time_scale: Option<f64>,
    /// hrbrain-mikiwame: departments in the organization (6 levels).
    #[arg(long, default_value_t = 1_000)]
    departments: usize,
    /// talentwunder-personio: profiles of the upload (Personio's limit on, time-scaled);
    /// lambda-memory: profiles queued for C4's run (and ×10).
    #[arg(long, default_value_t = 200)]
    profiles: usize,
    /// recruitee-linkedin: candidates of the Recruitee company (historical sync). 25,000 fit
    /// in one LinkedIn day: LinkedIn's sub-resources cost a request per parent (≈ 3 per
    /// candidate) and an application makes 100,000 requests a day.
    #[arg(long, default_value_t = 25_000)]
    candidates: usize,
    /// recruitee-linkedin: a Lambda invocation's deadline, in simulated minutes.
    #[arg(long, default_value_t = 15)]
    invocation_minutes: i64,
    /// mynavi-hrmos: rows of the generated CP932 file.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// mynavi-hrmos: read this download file (CP932 or UTF-8, CSV or TSV) instead.
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// mynavi-hrmos: only write the generated file here (to profile or to run the
    /// baseline by hand: `python3 benches/mynavi_baseline.py FILE RULES`).
    #[arg(long)]
    write_file: Option<std::path::PathBuf>,
    /// mynavi-hrmos: the Python interpreter of the baseline.
    #[arg(long, default_value = "python3")]
    python: String,
    /// mynavi-hrmos: passes of the pipeline and of the floor (the fastest of each counts).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// dispatch: connections due at one quarter hour (DynamoDB/EventBridge at AWS_ENDPOINT_URL).
    #[arg(long, default_value_t = 10_000)]
    connections: usize,
    /// lambda-memory: only this connector (roumumate-kaonavi: --employees; mynavi-hrmos:
    /// --rows; hrbrain-mikiwame: --employees people; talentwunder-personio: --profiles);
    /// all four by default.
    #[arg(long)]
    only: Option<String>,
    /// lambda-memory: internal — run as the connector's process against this sandbox.
    #[arg(long, hide = true)]
    child: Option<String>,
    /// lambda-memory: internal — `setup` (connect) or `run` (the initial sync).
    #[arg(long, hide = true, default_value = "run")]
    child_step: String,
    /// cold-start: where the host binaries of the functions are.
    #[arg(long, default_value = "target/release")]
    bin_dir: std::path::PathBuf,
    /// cold-start: where cargo lambda put the zipped packages.
    #[arg(long, default_value = "target/lambda")]
    zip_dir: std::path::PathBuf,
    /// cold-start: starts per function.
    #[arg(long, default_value_t = 20)]
    runs: usize,
}

async fn bench(a: BenchArgs) -> Result<(), String> {
    match a.connector.as_str() {
        roumumate_kaonavi::NAME => {
            c2::bench_c2(c2::C2Bench {
                employees: a.employees,
                dynamodb_employees: a.dynamodb_employees,
                limited_employees: a.limited_employees,
                time_scale: a.time_scale,
            })
            .await
        }
        "lambda-memory" => match (&a.child, a.only.as_deref()) {
            (Some(base), Some(mynavi_hrmos::NAME)) => {
                memory::c1::child_c1(base, &a.child_step, a.rows).await
            }
            (Some(base), Some(hrbrain_mikiwame::NAME)) => {
                memory::c3::child_c3(base, &a.child_step, a.employees).await
            }
            (Some(base), Some(talentwunder_personio::NAME)) => {
                memory::c4::child_c4(base, &a.child_step, a.profiles).await
            }
            (Some(base), _) => memory::c2::child(base, &a.child_step, a.employees).await,
            (None, only) => memory::lambda_memory(a.employees, a.rows, a.profiles, only).await,
        },
        mynavi_hrmos::NAME => c1::bench_c1(c1::C1Bench {
            rows: a.rows,
            file: a.file,
            write_file: a.write_file,
            python: a.python,
            repeat: a.repeat,
        }),
        hrbrain_mikiwame::NAME => c3::bench_c3(a.employees, a.departments).await,
        talentwunder_personio::NAME => c4::bench_c4(a.profiles, a.time_scale.unwrap_or(60.0)).await,
        recruitee_linkedin::NAME => {
            c5::bench_c5(c5::C5Bench {
                candidates: a.candidates,
                scale: a.time_scale.unwrap_or(10.0),
                invocation_minutes: a.invocation_minutes,
            })
            .await
        }
        "dispatch" => fleet::dispatch(a.connections).await,
        "cold-start" => {
            cold::cold_start(cold::ColdStart {
                bin_dir: a.bin_dir,
                zip_dir: a.zip_dir,
                runs: a.runs,
            })
            .await
        }
        // Not a bench: the simulators a bench runs in a child process of this binary.
        process::SANDBOX => process::serve_sandbox().await,
        other => Err(format!("no benchmark for {other}")),
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RENKEI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match bench(BenchArgs::parse()).await {
        // Exiting here, as `renkei bench` did, does not wait for the runtime's blocking
        // tasks (a bench's in-process sandbox may still hold some).
        Ok(()) => std::process::exit(0),
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BenchArgs;
    use clap::{CommandFactory, Parser};

    #[test]
    fn the_arguments_are_well_formed_and_each_has_help_text() {
        let cmd = BenchArgs::command();
        cmd.clone().debug_assert();
        let bare: Vec<&str> = cmd
            .get_arguments()
            .filter(|a| !["help", "version"].contains(&a.get_id().as_str()))
            .filter(|a| a.get_help().is_none() && a.get_long_help().is_none())
            .map(|a| a.get_id().as_str())
            .collect();
        assert!(bare.is_empty(), "add a doc comment to: {bare:?}");
    }

    #[test]
    fn a_bench_s_arguments_parse_as_renkei_bench_took_them() {
        let a = BenchArgs::try_parse_from([
            "renkei-bench",
            "lambda-memory",
            "--only",
            "mynavi-hrmos",
            "--rows",
            "100",
            "--child",
            "http://127.0.0.1:1",
            "--child-step",
            "setup",
        ])
        .unwrap();
        assert_eq!(a.connector, "lambda-memory");
        assert_eq!((a.rows, a.child_step.as_str()), (100, "setup"));
        assert_eq!(a.child.as_deref(), Some("http://127.0.0.1:1"));
    }
}
