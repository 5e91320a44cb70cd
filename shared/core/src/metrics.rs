//! Run metrics in CloudWatch Embedded Metric Format. The EMF document must be a top-level
//! JSON line of its own on stdout: printed through `tracing`, a JSON log formatter nests it
//! under `fields.message` and CloudWatch extracts nothing.

use crate::run::{RunRecord, RunStatus};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::io::Write;

/// The EMF document of a finished (or continued) run. It names no person: counts and ids.
pub fn run_document(run: &RunRecord, now: DateTime<Utc>) -> Value {
    json!({
        "_aws": {
            "Timestamp": now.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "renkei",
                "Dimensions": [["connector"]],
                "Metrics": [
                    {"Name": "created", "Unit": "Count"}, {"Name": "updated", "Unit": "Count"},
                    {"Name": "unchanged", "Unit": "Count"}, {"Name": "rejected", "Unit": "Count"},
                    {"Name": "failed_runs", "Unit": "Count"}, {"Name": "duration_ms", "Unit": "Milliseconds"}
                ]
            }]
        },
        "connector": run.connector,
        "tenant": run.tenant_id,
        "connection": run.connection_id,
        "run": run.run_id,
        "status": run.status.as_str(),
        "created": run.counts.created,
        "updated": run.counts.updated,
        "unchanged": run.counts.unchanged,
        "rejected": run.counts.rejected,
        "failed_runs": u8::from(matches!(run.status, RunStatus::Failed | RunStatus::AuthFailed | RunStatus::Interrupted)),
        "duration_ms": (now - run.started_at).num_milliseconds(),
    })
}

/// The EMF document of a connection renkei has just paused after repeated failures (P8): one
/// count per pause, by connector and in total (the stack's PausedConnectionsAlarm watches the
/// total), so an operator hears of it without reading every tenant's email.
pub fn pause_document(run: &RunRecord, now: DateTime<Utc>) -> Value {
    json!({
        "_aws": {
            "Timestamp": now.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "renkei",
                "Dimensions": [["connector"], []],
                "Metrics": [{"Name": "paused_connections", "Unit": "Count"}]
            }]
        },
        "connector": run.connector,
        "tenant": run.tenant_id,
        "connection": run.connection_id,
        "run": run.run_id,
        "paused_connections": 1,
    })
}

/// The EMF document of a dispatcher tick: connections handed out, and items that could not
/// be decoded (skipped, so that everyone else is still scheduled).
pub fn dispatch_document(dispatched: usize, undecodable: usize, now: DateTime<Utc>) -> Value {
    json!({
        "_aws": {
            "Timestamp": now.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "renkei",
                "Dimensions": [[]],
                "Metrics": [
                    {"Name": "dispatched", "Unit": "Count"},
                    {"Name": "undecodable_connections", "Unit": "Count"}
                ]
            }]
        },
        "dispatched": dispatched,
        "undecodable_connections": undecodable,
    })
}

/// Writes one EMF document as one line.
pub fn write_line(out: &mut impl Write, document: &Value) -> std::io::Result<()> {
    writeln!(out, "{document}")
}

/// Prints the run's EMF document on stdout, where the Lambda runtime forwards it verbatim.
pub fn emit_run(run: &RunRecord, now: DateTime<Utc>) {
    emit(&run_document(run, now));
}

/// Prints an EMF document on stdout — inside Lambda, whose log capture hands it to
/// CloudWatch (or wherever `RENKEI_EMF=stdout` asks for it). Elsewhere (the CLI, the demo,
/// `--json` output meant for scripts) a metrics line would only be noise.
pub fn emit(document: &Value) {
    let in_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let asked = std::env::var("RENKEI_EMF").is_ok_and(|v| v == "stdout");
    if in_lambda || asked {
        // A metrics line that cannot be written (closed stdout) must not fail the run.
        let _ = write_line(&mut std::io::stdout().lock(), document);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Counts;
    use crate::{ConnectionId, RunId, TenantId};

    #[test]
    fn p12_emf_is_a_top_level_json_line_with_cloudwatch_metrics() {
        let now = Utc::now();
        let run = RunRecord {
            tenant_id: TenantId::new("t1").expect("id"),
            connection_id: ConnectionId::new("c1").expect("id"),
            run_id: RunId::generate(now),
            connector: "roumumate-kaonavi".into(),
            status: RunStatus::Partial,
            dry_run: false,
            started_at: now,
            finished_at: Some(now),
            cursor_from: None,
            cursor_to: None,
            counts: Counts {
                created: 3,
                rejected: 1,
                ..Counts::default()
            },
            pages: 1,
            error: None,
            error_items: 1,
            segments: 1,
            stalled_segments: 0,
            scope: None,
        };
        let mut out = Vec::new();
        write_line(&mut out, &run_document(&run, now)).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text.lines().count(), 1, "one line per document");
        let doc: Value = serde_json::from_str(text.trim()).expect("the line is JSON itself");
        assert!(
            doc["_aws"]["CloudWatchMetrics"][0]["Metrics"].is_array(),
            "{doc}"
        );
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "renkei");
        assert_eq!(doc["created"], 3, "metric values are top-level members");
        assert_eq!(
            doc["connector"], "roumumate-kaonavi",
            "the dimension is top-level"
        );
        assert!(doc.get("fields").is_none(), "not nested in a log record");
        let pause = pause_document(&run, now);
        let metrics = &pause["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(metrics["Metrics"][0]["Name"], "paused_connections");
        assert_eq!(
            metrics["Dimensions"],
            serde_json::json!([["connector"], []]),
            "by connector and in total (what the alarm watches)"
        );
        assert_eq!(pause["paused_connections"], 1);
    }
}
