//! `renkei connect <connector> <tenant> <connection> --set key=value --secret field=value`
//! (issue 30 item 2): any registered connector connected through its own setup, values typed
//! by its settings schema, driven through the built binary as a person types it.

use renkei_sandbox::Limits;
use renkei_testbed::{KAONAVI_KEY, KAONAVI_SECRET, ROUMUMATE_TOKEN, SandboxEnv};
use serde_json::Value;
use std::path::Path;
use tokio::process::Command;

fn renkei(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_renkei"));
    for var in ["RENKEI_BACKEND", "RENKEI_DIR", "RENKEI_TABLE", "RENKEI_BUS"] {
        cmd.env_remove(var);
    }
    cmd.arg("--dir").arg(dir);
    cmd
}

/// C2 connected with `secret` as its Kaonavi Consumer Secret.
fn connect_c2(env: &SandboxEnv, dir: &Path, connection: &str, secret: &str) -> Command {
    let mut cmd = renkei(dir);
    cmd.args(["--json", "connect", "roumumate-kaonavi", "acme", connection])
        .arg(format!("--set=roumumate_url=http://{}/roumumate", env.addr))
        .arg(format!(
            "--set=kaonavi_url=http://{}/kaonavi/api/v2.0",
            env.addr
        ))
        .args(["--set", "gender_map.male=男性"])
        .args(["--set", "gender_map.female=女性"])
        .args(["--set", "gender_map.unanswered=その他"])
        .args(["--set", "page_size=50"])
        .args(["--set", "task_poll_ms=5"])
        .args(["--secret", &format!("roumumate_token={ROUMUMATE_TOKEN}")])
        .args(["--secret", &format!("consumer_key={KAONAVI_KEY}")])
        .args(["--secret", &format!("consumer_secret={secret}")]);
    cmd
}

async fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().await.expect("renkei runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn s30_2_renkei_connect_connects_any_connector_by_its_schema_and_its_setup_checks() {
    let env = SandboxEnv::start(
        Limits {
            requests_per_hour: None,
            writes_per_minute: None,
        },
        1,
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // A wrong Consumer Secret is refused by C2's own setup, nothing is stored.
    let (ok, _, stderr) = run(&mut connect_c2(&env, dir.path(), "c2", "wrong")).await;
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("setup refused") && stderr.contains("[Credentials]"),
        "{stderr}"
    );

    let (ok, stdout, stderr) = run(&mut connect_c2(&env, dir.path(), "c2", KAONAVI_SECRET)).await;
    assert!(ok, "{stderr}");
    let made: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(made["connector"], "roumumate-kaonavi", "{made}");
    assert_eq!(made["connection_id"], "c2", "{made}");

    // The values were typed by the schema: a number where it takes a number, text where it
    // takes text (a gender option stays text).
    let (ok, stdout, stderr) =
        run(renkei(dir.path()).args(["--json", "settings", "show", "acme", "c2"])).await;
    assert!(ok, "{stderr}");
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(shown["settings"]["page_size"], 50, "{shown}");
    assert_eq!(shown["settings"]["gender_map"]["male"], "男性", "{shown}");

    // Connecting the same id again is refused as existing.
    let (ok, _, stderr) = run(&mut connect_c2(&env, dir.path(), "c2", KAONAVI_SECRET)).await;
    assert!(!ok && stderr.contains("[Exists]"), "{stderr}");

    // A connector that does not connect this way says how it does.
    let (ok, _, stderr) =
        run(renkei(dir.path()).args(["connect", "mynavi-hrmos", "acme", "c1"])).await;
    assert!(!ok && stderr.contains("mynavi/accounts"), "{stderr}");
    let (ok, _, stderr) = run(renkei(dir.path()).args(["connect", "nope", "acme", "x"])).await;
    assert!(!ok && stderr.contains("roumumate-kaonavi"), "{stderr}");
}
