//! The two reference points `renkei-bench mynavi-hrmos` measures renkei's C1 pipeline
//! against, on the same file in the same command (issue 14, goal 1):
//!
//! - [`floor`]: decoding the whole file with encoding_rs and parsing it with the csv crate,
//!   nothing else — what any Rust reader of the file pays at least;
//! - [`python_baseline`]: `mynavi_baseline.py`, a plain Python implementation of the same
//!   per-row work (stdlib only), run by `python3`.

use std::path::Path;
use std::time::Instant;

/// What one reference run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Data rows seen (the header not counted).
    pub rows: u64,
    /// Seconds from reading the file to the last row.
    pub seconds: f64,
    /// The Python baseline's counts (None for the floor, which only parses).
    pub counts: Option<Counts>,
}

/// What a pipeline made of the rows: the bench checks the baseline agrees with renkei.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Applicants with a request body.
    pub imported: u64,
    /// Rows refused with a reason.
    pub rejected: u64,
    /// Applicants routed to a job's selection.
    pub routed_to_selection: u64,
}

impl Measured {
    /// Rows per second.
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.seconds
    }
}

/// The floor: the whole file read, decoded as CP932 (or UTF-8 after a BOM) by encoding_rs
/// and parsed by the csv crate into one reused record; nothing is done with the fields.
pub fn floor(path: &Path) -> Result<Measured, String> {
    let started = Instant::now();
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (text, _) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => encoding_rs::UTF_8.decode_without_bom_handling(rest),
        None => encoding_rs::SHIFT_JIS.decode_without_bom_handling(&bytes),
    };
    let first = text.lines().next().unwrap_or("");
    let tab = first.matches('\t').count() > first.matches(',').count();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(if tab { b'\t' } else { b',' })
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut rows = 0;
    while reader.read_record(&mut record).map_err(|e| e.to_string())? {
        rows += 1;
    }
    Ok(Measured {
        rows,
        seconds: started.elapsed().as_secs_f64(),
        counts: None,
    })
}

/// The Python baseline's source, written next to the file it reads.
pub const PYTHON_BASELINE: &str = include_str!("../mynavi_baseline.py");

/// Runs the Python baseline with `python` on `path`, `rules` mapping 職種名 to an open job.
pub fn python_baseline(
    python: &str,
    path: &Path,
    rules: &serde_json::Value,
) -> Result<Measured, String> {
    let script = path.with_file_name("mynavi_baseline.py");
    std::fs::write(&script, PYTHON_BASELINE).map_err(|e| e.to_string())?;
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(path)
        .arg(rules.to_string())
        .output()
        .map_err(|e| format!("{python} did not start: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the Python baseline failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("the Python baseline's answer is not JSON: {e}"))?;
    let n = |k: &str| {
        v[k].as_u64()
            .ok_or(format!("the Python baseline gave no {k}"))
    };
    Ok(Measured {
        rows: n("rows")?,
        seconds: v["seconds"]
            .as_f64()
            .ok_or("the Python baseline gave no seconds")?,
        counts: Some(Counts {
            imported: n("imported")?,
            rejected: n("rejected")?,
            routed_to_selection: n("routed_to_selection")?,
        }),
    })
}
