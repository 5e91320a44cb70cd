//! The per-run error report as a downloadable CSV (one line per rejected record).

use crate::repo::ErrorRow;

/// Renders rows as CSV with a header line `record,reason` (RFC 4180 quoting, UTF-8).
pub fn to_csv(rows: &[ErrorRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; a failure here would be a csv crate bug.
    let _ = w.write_record(["record", "reason"]);
    for row in rows {
        let _ = w.write_record([row.record.as_str(), row.reason.as_str()]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p7_error_report_is_csv_with_quoting() {
        let rows = vec![ErrorRow {
            record: "0001".into(),
            reason: "性別「その他」, 未設定".into(),
        }];
        assert_eq!(
            to_csv(&rows),
            "record,reason\n0001,\"性別「その他」, 未設定\"\n"
        );
    }
}
