//! What the benches share: this process's peak memory, and the sandbox's simulators in a
//! child process of their own (this binary's internal `sandbox`) with their control API, so
//! that a bench process holds what a connector's Lambda holds and not the simulators' data.

use renkei_core::SystemClock;
use renkei_local::LocalBackend;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

/// The `<what>` that runs the sandbox's child process (no bench).
pub const SANDBOX: &str = "sandbox";

/// This process's peak resident set (VmHWM), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The sandbox ([`serve_sandbox`]) in a child process, stopped when dropped.
pub struct SandboxProcess {
    child: Child,
    /// Where it listens: `http://127.0.0.1:PORT`.
    pub base: String,
}

impl SandboxProcess {
    /// Starts it with its embedded backend under `dir`, once it listens.
    pub fn start(dir: &std::path::Path) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg(SANDBOX)
            .env("RENKEI_DIR", dir.join("sandbox"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting the sandbox: {e}"))?;
        let out = child.stdout.take().ok_or("the sandbox has no stdout")?;
        let mut out = BufReader::new(out);
        let mut first = String::new();
        out.read_line(&mut first).map_err(|e| e.to_string())?;
        // Keep reading what it prints: a closed pipe would end it at its next line.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        // "sandbox listening on http://127.0.0.1:PORT"
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .ok_or_else(|| format!("unexpected sandbox banner: {first:?}"))?
            .to_string();
        Ok(Self { child, base })
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One call of the sandbox's control API; an error status is an error.
pub async fn control(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut req = http.request(method, format!("{base}/_control{path}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.map_err(|e| format!("{path}: {e}"))?;
    let status = res.status();
    let text = res.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{path}: {status} {text}"));
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Resets the process's peak resident set (VmHWM), so that the next reading is one
/// invocation's peak.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `renkei-bench sandbox`, the child [`SandboxProcess`] starts: the simulators and their
/// control API on a free loopback port, renkei's side of them (webhooks, runs) on the
/// embedded backend in RENKEI_DIR with the sandbox's own LinkedIn partner, as `renkei
/// sandbox` serves them (without its console, which no bench reads). The address is on the
/// first line printed; it serves until killed.
pub async fn serve_sandbox() -> Result<(), String> {
    let dir = std::env::var_os("RENKEI_DIR")
        .map(std::path::PathBuf::from)
        .ok_or("RENKEI_DIR is not set")?;
    let backend = Arc::new(
        LocalBackend::open(&dir, Arc::new(SystemClock), renkei_connectors::registry())
            .map_err(|e| format!("opening {}: {e}", dir.display()))?,
    );
    let sandbox = renkei_sandbox::Sandbox::new()
        .with_runner(Arc::new(renkei_testbed::LocalRunner(backend.clone())));
    renkei_testbed::install_partner(&sandbox, &backend.secrets).await?;
    let (addr, server) = sandbox
        .serve(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| e.to_string())?;
    println!("sandbox listening on http://{addr}");
    server.await.map_err(|e| e.to_string())
}
