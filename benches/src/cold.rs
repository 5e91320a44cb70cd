//! `renkei-bench cold-start` (issue 14, goal 4): how long each function takes from exec to
//! its first `GET /2018-06-01/runtime/invocation/next` — the moment Lambda's init phase
//! ends and the function can take its first event — against a minimal Lambda Runtime API
//! on loopback, and the size of each zipped arm64 package.
//!
//! Measured on the host build of the same code (`cargo build --release --workspace --bins`): the
//! arm64 package is what Lambda runs, but it cannot run here; what init does (tracing, the
//! AWS SDK's configuration from the environment, the clients, no network call) is the same.
//! Bounds: median ≤ 15 ms per function, each package ≤ 8 MB; the command exits non-zero
//! when one is missed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Every function of the stack (its folder under functions/ and its binary's name).
pub const FUNCTIONS: &[&str] = &[
    "dispatcher",
    "webhooks",
    "mynavi-hrmos",
    "roumumate-kaonavi",
    "hrbrain-mikiwame",
    "talentwunder-personio",
    "recruitee-linkedin",
    "admin",
];

const MEDIAN_BOUND_MS: f64 = 15.0;
const PACKAGE_BOUND_BYTES: u64 = 8 * 1024 * 1024;

/// What the bench is told.
pub struct ColdStart {
    /// Where the host binaries are (`target/release`).
    pub bin_dir: PathBuf,
    /// Where cargo lambda put the packages (`target/lambda`): `{name}/bootstrap.zip`.
    pub zip_dir: PathBuf,
    /// Starts per function.
    pub runs: usize,
}

/// One start: exec → the first `invocation/next` request, in milliseconds.
async fn one_start(bin: &Path, name: &str) -> Result<f64, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(bin)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_REGION", "ap-northeast-1")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("RENKEI_TABLE", "renkei")
        .env("RENKEI_BUS", "renkei")
        .env("RENKEI_MAIL_FROM", "renkei@example.com")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let wait = async {
        loop {
            let (mut sock, _) = listener.accept().await.map_err(|e| e.to_string())?;
            let mut buf = vec![0u8; 4096];
            let n = sock.read(&mut buf).await.map_err(|e| e.to_string())?;
            let head = String::from_utf8_lossy(&buf[..n]);
            if head.starts_with("GET /2018-06-01/runtime/invocation/next") {
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let _ = sock
                    .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n")
                    .await;
                return Ok::<f64, String>(ms);
            }
        }
    };
    let ms = tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .map_err(|_| format!("{name} asked for no event within 10 s (did init fail?)"))??;
    let _ = child.kill().await;
    Ok(ms)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs the bench and prints one line per function and a JSON summary.
pub async fn cold_start(a: ColdStart) -> Result<(), String> {
    let mut missed = Vec::new();
    let mut rows = Vec::new();
    println!("function               median ms   p90 ms   max ms   package (arm64 zip)");
    for name in FUNCTIONS {
        let bin = a.bin_dir.join(name);
        if !bin.exists() {
            return Err(format!(
                "{} is missing: build the host binaries first (cargo build --release --workspace --bins)",
                bin.display()
            ));
        }
        // One start first so that the binary is in the page cache, as on a warm host.
        one_start(&bin, name).await?;
        let mut times = Vec::with_capacity(a.runs);
        for _ in 0..a.runs.max(1) {
            times.push(one_start(&bin, name).await?);
        }
        times.sort_by(f64::total_cmp);
        let (median, p90, max) = (
            quantile(&times, 0.5),
            quantile(&times, 0.9),
            times[times.len() - 1],
        );
        let zip = a.zip_dir.join(name).join("bootstrap.zip");
        let size = std::fs::metadata(&zip).ok().map(|m| m.len());
        let size_text = size.map_or_else(
            || format!("not built ({})", zip.display()),
            |b| format!("{:.2} MB", b as f64 / 1_048_576.0),
        );
        println!("{name:<22} {median:>9.1} {p90:>8.1} {max:>8.1}   {size_text}");
        if median > MEDIAN_BOUND_MS {
            missed.push(format!(
                "{name}: median {median:.1} ms > {MEDIAN_BOUND_MS} ms"
            ));
        }
        match size {
            Some(b) if b > PACKAGE_BOUND_BYTES => {
                missed.push(format!("{name}: package {b} bytes > 8 MB"));
            }
            None => missed.push(format!(
                "{name}: no package at {} (cargo lambda build --release --arm64 --output-format zip)",
                zip.display()
            )),
            _ => {}
        }
        rows.push(
            serde_json::json!({"function": name, "median_ms": median, "p90_ms": p90,
            "max_ms": max, "runs": times.len(), "package_bytes": size}),
        );
    }
    println!("{}", serde_json::json!({ "cold_start": rows }));
    if missed.is_empty() {
        Ok(())
    } else {
        Err(format!("bounds missed: {}", missed.join("; ")))
    }
}
