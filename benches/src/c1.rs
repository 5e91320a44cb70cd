//! `renkei-bench mynavi-hrmos`: renkei's C1 pipeline on one CP932 download file, next to
//! the floor (encoding_rs + csv, nothing else) and the Python baseline, on the same file in
//! the same command (issue 14, goal 1). Prints both ratios; exits non-zero under the bounds
//! (≥ 60% of the floor, ≥ 10× Python, peak memory ≤ 16 MiB) or when Python's counts differ.

use crate::process::peak_rss_kib;
use renkei_benches::{Counts, Measured};
use renkei_connectors::mynavi_hrmos::{FileImport, MEDIUM, mapping::Router};
use renkei_core::engine::Pulled;
use serde_json::json;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to measure.
pub struct C1Bench {
    /// Rows of the generated file (when no file is given).
    pub rows: usize,
    /// A download file to read instead of a generated one.
    pub file: Option<PathBuf>,
    /// Only write the generated file there.
    pub write_file: Option<PathBuf>,
    /// The Python interpreter of the baseline.
    pub python: String,
    /// Runs of the pipeline and of the floor; the fastest of each counts.
    pub repeat: usize,
}

/// Lower bounds of issue 14, goal 1.
const FLOOR_SHARE: f64 = 0.6;
const TIMES_PYTHON: f64 = 10.0;
const PEAK_MIB: f64 = 16.0;

pub fn bench_c1(b: C1Bench) -> Result<(), String> {
    if let Some(path) = &b.write_file {
        write_cp932_file(path, b.rows)?;
        eprintln!("wrote {} rows to {}", b.rows, path.display());
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("renkei-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = measure(&b, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure(b: &C1Bench, dir: &Path) -> Result<(), String> {
    let path = match &b.file {
        Some(p) => p.clone(),
        None => {
            let p = dir.join("oubo.csv");
            write_cp932_file(&p, b.rows)?;
            p
        }
    };
    let bytes = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
    let positions = &renkei_sandbox::SAMPLE_POSITIONS[..2];
    // The pipeline first: the floor holds the whole file, which would hide its peak.
    let rss_before = peak_rss_kib();
    let mut runs = Vec::new();
    for _ in 0..b.repeat.max(1) {
        runs.push(pipeline(&path, positions)?);
    }
    let peak_mib = peak_rss_kib() as f64 / 1024.0;
    let ours = fastest(&runs).clone();
    let mut floors = Vec::new();
    for _ in 0..b.repeat.max(1) {
        floors.push(renkei_benches::floor(&path)?);
    }
    let floor = fastest(&floors).clone();
    let rules: serde_json::Map<String, serde_json::Value> = positions
        .iter()
        .enumerate()
        .map(|(i, p)| (p.to_string(), json!(format!("J{i}"))))
        .collect();
    let python = renkei_benches::python_baseline(&b.python, &path, &rules.into())?;
    let (share, times) = (
        ours.rows_per_second() / floor.rows_per_second(),
        ours.rows_per_second() / python.rows_per_second(),
    );
    let counts = ours.counts.expect("the pipeline counts");
    let figure = |m: &Measured| {
        json!({"rows": m.rows, "seconds": m.seconds, "rows_per_second": m.rows_per_second().round(),
               "mb_per_second": (bytes as f64 / m.seconds / 1e6 * 10.0).round() / 10.0})
    };
    let report = json!({
        "file": {"path": b.file.as_ref().map(|p| p.display().to_string()), "rows": ours.rows, "bytes": bytes},
        "renkei": figure(&ours),
        "floor_encoding_rs_csv": figure(&floor),
        "python_baseline": figure(&python),
        "counts": {"imported": counts.imported, "rejected": counts.rejected,
                   "routed_to_selection": counts.routed_to_selection},
        "share_of_floor": (share * 1000.0).round() / 1000.0,
        "times_python": (times * 100.0).round() / 100.0,
        "peak_rss_mib": peak_mib,
        "peak_rss_before_reading_mib": rss_before as f64 / 1024.0,
        "runs_each": b.repeat.max(1),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    eprintln!(
        "renkei is {:.0}% of the floor (bound ≥ {:.0}%) and {times:.1}× the Python baseline (bound ≥ {TIMES_PYTHON}×); peak {peak_mib:.1} MiB (bound ≤ {PEAK_MIB} MiB)",
        share * 100.0,
        FLOOR_SHARE * 100.0
    );
    let mut missed = Vec::new();
    if python.counts != Some(counts) || python.rows != ours.rows {
        missed.push(format!(
            "the Python baseline's counts {:?} ({} rows) differ from renkei's {counts:?} ({} rows): they did not do the same work",
            python.counts, python.rows, ours.rows
        ));
    }
    if share < FLOOR_SHARE {
        missed.push(format!("{:.0}% of the floor", share * 100.0));
    }
    if times < TIMES_PYTHON {
        missed.push(format!("{times:.1}× Python"));
    }
    if peak_mib > PEAK_MIB {
        missed.push(format!("peak {peak_mib:.1} MiB"));
    }
    if missed.is_empty() {
        Ok(())
    } else {
        Err(format!("bounds not met: {}", missed.join("; ")))
    }
}

fn fastest(runs: &[Measured]) -> &Measured {
    runs.iter()
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .expect("at least one run")
}

/// One pass of the connector's own pipeline ([`FileImport`]: encoding and separator
/// detection, decode, parse, header check, mapping, date and RFC 5322 checks, routing, the
/// HRMOS request body) over the file read in 64 KiB chunks, as a download arrives.
fn pipeline(path: &Path, positions: &[&str]) -> Result<Measured, String> {
    let rules: Vec<renkei_connectors::mynavi_hrmos::RoutingRule> = positions
        .iter()
        .enumerate()
        .map(|(i, p)| renkei_connectors::mynavi_hrmos::RoutingRule {
            id: format!("r{i}"),
            medium: MEDIUM,
            position_name: p.to_string(),
            job_id: format!("J{i}"),
            updated_at: chrono::Utc::now(),
        })
        .collect();
    let router = Router::new(
        &rules,
        MEDIUM,
        (0..positions.len()).map(|i| (format!("J{i}"), true)),
    );
    let started = Instant::now();
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut import = FileImport::new(Default::default());
    let mut buf = vec![0u8; 64 * 1024];
    let (mut imported, mut rejected, mut body_bytes) = (0u64, 0u64, 0usize);
    loop {
        while let Some(record) = import.next_record(&router).map_err(|e| e.to_string())? {
            match record {
                Pulled::Ready { payload, .. } => {
                    imported += 1;
                    body_bytes += payload.as_str().len();
                }
                Pulled::Rejected { .. } => rejected += 1,
                Pulled::Skipped => {}
            }
        }
        if import.done().map_err(|e| e.to_string())? {
            break;
        }
        let n = file.read(&mut buf).map_err(|e| e.to_string())?;
        import.push(if n == 0 { None } else { Some(&buf[..n]) });
    }
    let seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(body_bytes);
    Ok(Measured {
        rows: imported + rejected,
        seconds,
        counts: Some(Counts {
            imported,
            rejected,
            routed_to_selection: import.routed_to_selection(),
        }),
    })
}

/// Writes a CP932 CSV download file of `rows` applications (every 97th with a non-RFC
/// email), streaming, so that generating it does not count against the reader's memory.
fn write_cp932_file(path: &std::path::Path, rows: usize) -> Result<(), String> {
    use std::io::Write;
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::new(file);
    let quote = |v: &str| {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    let columns = renkei_sandbox::MYNAVI_COLUMNS;
    let mut text = columns.join(",") + "\r\n";
    let start = chrono::Utc::now() - chrono::Duration::days(2);
    let mut done = 0;
    while done < rows {
        let n = (rows - done).min(1000);
        for (i, mut app) in
            renkei_sandbox::sample_applications(n, done as u64, &format!("B{done}-"), start, 0)
                .into_iter()
                .enumerate()
        {
            if (done + i) % 97 == 0 {
                app["メールアドレス"] = "taro.@docomo.ne.jp".into();
            }
            let cells: Vec<String> = columns
                .iter()
                .map(|c| quote(app[*c].as_str().unwrap_or("")))
                .collect();
            text += &cells.join(",");
            text += "\r\n";
        }
        out.write_all(&encoding_rs::SHIFT_JIS.encode(&text).0)
            .map_err(|e| e.to_string())?;
        text.clear();
        done += n;
    }
    out.flush().map_err(|e| e.to_string())
}
