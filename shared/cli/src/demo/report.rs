//! What `renkei demo` tells at the end: each connector's run, its error report and why it is
//! `partial`, and where the state and the emails were kept — as text, or as JSON.

use super::out::{OutDir, shell_word};
use renkei_core::TenantId;
use renkei_core::repo::ErrorRow;
use renkei_testbed::demo::DemoRun;
use serde_json::{Value, json};

/// How many rows of a run's error report the text summary shows (all are in the report).
const ROWS_SHOWN: usize = 10;

/// One connector's demo, as shown.
pub struct Shown {
    /// The connector.
    pub connector: &'static str,
    /// The bad records its scenario seeded on purpose.
    pub bad_on_purpose: Option<&'static str>,
    /// Its run.
    pub demo: DemoRun,
    /// The run's error report.
    pub errors: Vec<ErrorRow>,
}

/// The command line that prints a run's error report from the kept state.
fn errors_command(out: &OutDir, tenant: &TenantId, s: &Shown) -> String {
    format!(
        "renkei --dir {} errors {tenant} {} {}",
        shell_word(out.path()),
        s.demo.connection,
        s.demo.run.run_id
    )
}

/// The summary as JSON (the `--json` output, also kept as the folder's summary file).
pub fn summary(out: &OutDir, tenant: &TenantId, shown: &[Shown]) -> Value {
    let connectors: Vec<Value> = shown
        .iter()
        .map(|s| {
            let r = &s.demo.run;
            json!({
                "connector": s.connector,
                "connection": s.demo.connection.as_str(),
                "run_id": r.run_id.as_str(),
                "status": r.status.as_str(),
                "created": r.counts.created,
                "updated": r.counts.updated,
                "unchanged": r.counts.unchanged,
                "rejected": r.counts.rejected,
                "skipped": r.counts.skipped,
                "seeded": s.demo.seeded,
                "result": s.demo.result,
                "bad_on_purpose": s.bad_on_purpose,
                "errors": s.errors.iter().map(|e| json!({"record": e.record, "reason": e.reason})).collect::<Vec<_>>(),
                "errors_command": errors_command(out, tenant, s),
            })
        })
        .collect();
    let emails: Vec<String> = out
        .emails()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    json!({
        "out": out.path().display().to_string(),
        "state": out.state().display().to_string(),
        "outbox": out.outbox().display().to_string(),
        "tenant": tenant.as_str(),
        "connectors": connectors,
        "emails": emails,
    })
}

/// The summary as text on stdout.
pub fn print(out: &OutDir, tenant: &TenantId, shown: &[Shown]) {
    println!(
        "{:<22} {:<10} {:>8} {:>8} {:>10} {:>9}",
        "connector", "status", "created", "updated", "unchanged", "rejected"
    );
    for s in shown {
        let r = &s.demo.run;
        println!(
            "{:<22} {:<10} {:>8} {:>8} {:>10} {:>9}",
            s.connector,
            r.status.as_str(),
            r.counts.created,
            r.counts.updated,
            r.counts.unchanged,
            r.counts.rejected
        );
    }
    for s in shown {
        println!(
            "\n{} — connection {}, run {} ({})",
            s.connector,
            s.demo.connection,
            s.demo.run.run_id,
            s.demo.run.status.as_str()
        );
        println!("  {}", s.demo.seeded);
        println!("  {}", s.demo.result);
        if s.errors.is_empty() {
            continue;
        }
        println!("  error report (record, reason):");
        for e in s.errors.iter().take(ROWS_SHOWN) {
            println!("    {:<28} {}", e.record, e.reason);
        }
        if s.errors.len() > ROWS_SHOWN {
            println!("    … {} more", s.errors.len() - ROWS_SHOWN);
        }
        println!(
            "  all of it: {}  (--csv for a file)",
            errors_command(out, tenant, s)
        );
    }
    println!(
        "\nWhy `partial`: the demo seeds bad records on purpose, to show that each is rejected \
         with its reason (in the run's error report and the failure email) while the rest sync:"
    );
    for s in shown {
        println!(
            "  {:<22} {}",
            s.connector,
            s.bad_on_purpose.unwrap_or("none seeded")
        );
    }
    print_kept(out, tenant);
}

/// Where the state and the emails are, and how to look at them.
fn print_kept(out: &OutDir, tenant: &TenantId) {
    let emails = out.emails();
    println!(
        "\nKept in {} (the next `renkei demo` there replaces what this one wrote):",
        out.path().display()
    );
    println!(
        "  state   {}  — e.g. renkei --dir {} connections {tenant}",
        out.state().display(),
        shell_word(out.path())
    );
    println!(
        "  emails  {}  — {} failure email(s) to the tenant's admins and recruiters, as .eml files a mail program opens:",
        out.outbox().display(),
        emails.len()
    );
    for email in &emails {
        println!("          {}", email.display());
    }
}
