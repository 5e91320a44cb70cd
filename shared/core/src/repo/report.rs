//! A run's error report: rows kept in items of up to [`ERROR_ROWS_PER_ITEM`] under
//! `ERR#<run>#<item seq>`, appended page by page while the run goes, read whole (the run's
//! close, the CLI) or a page at a time from the store (the admin API), so a report of
//! 100,000 rows is never held whole to show 100 of them.

use super::{ErrorRow, Repo, conn_pk, decode, encode};
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::ports::{Item, Key, StoreError};
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// Rows per error-report item: keeps each item far below DynamoDB's 400 KB.
const ERROR_ROWS_PER_ITEM: usize = 100;

/// Where a page of an error report starts: the item (its seq) and how many of its rows
/// the pages before already gave. Written `<item>.<rows>`, e.g. `3.40`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportCursor {
    item: usize,
    skip: usize,
}

impl fmt::Display for ReportCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.item, self.skip)
    }
}

/// A cursor that is not `<item>.<rows>` in digits.
#[derive(Debug, thiserror::Error)]
#[error("a report cursor is <item>.<rows>, as next_cursor gave it")]
pub struct BadReportCursor;

impl FromStr for ReportCursor {
    type Err = BadReportCursor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (item, skip) = s.split_once('.').ok_or(BadReportCursor)?;
        let digits = |p: &str| {
            (!p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<usize>().ok())
                .flatten()
                .ok_or(BadReportCursor)
        };
        Ok(Self {
            item: digits(item)?,
            skip: digits(skip)?,
        })
    }
}

fn item_sk(r: &RunId, seq: usize) -> String {
    format!("ERR#{r}#{seq:08}")
}

impl Repo<'_> {
    /// The items that append `rows` to a run's error report, numbered from `first_seq`
    /// (written with [`Repo::commit`]); `expires` is the report's retention.
    pub fn error_items(
        t: &TenantId,
        c: &ConnectionId,
        r: &RunId,
        first_seq: usize,
        rows: &[ErrorRow],
        expires: Option<DateTime<Utc>>,
    ) -> Vec<Item> {
        rows.chunks(ERROR_ROWS_PER_ITEM)
            .enumerate()
            .map(|(i, chunk)| {
                let mut item = Item::new(
                    Key::new(conn_pk(t, c), item_sk(r, first_seq + i)),
                    encode(&chunk),
                );
                item.expires_at = expires.map(|e| e.timestamp());
                item
            })
            .collect()
    }

    /// A run's whole error report, in the order the rows were found.
    pub async fn errors(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        r: &RunId,
    ) -> Result<Vec<ErrorRow>, StoreError> {
        let mut rows = Vec::new();
        for item in self
            .store
            .query(&conn_pk(t, c), &format!("ERR#{r}#"))
            .await?
        {
            rows.extend(decode::<Vec<ErrorRow>>(&item)?);
        }
        Ok(rows)
    }

    /// At most `limit` rows of a run's error report from `from`, read from the store a few
    /// items at a time, and where the next page starts when rows remain.
    pub async fn errors_page(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        r: &RunId,
        from: ReportCursor,
        limit: usize,
    ) -> Result<(Vec<ErrorRow>, Option<ReportCursor>), StoreError> {
        let (pk, prefix) = (conn_pk(t, c), format!("ERR#{r}#"));
        // Items hold up to 100 rows (fewer when a page of the run had fewer errors).
        let per_read = limit.div_ceil(ERROR_ROWS_PER_ITEM) + 1;
        let mut after = from.item.checked_sub(1).map(|seq| item_sk(r, seq));
        let mut skip = from.skip;
        let mut rows = Vec::new();
        loop {
            let items = self
                .store
                .query_page(&pk, &prefix, after.as_deref(), per_read)
                .await?;
            for item in &items {
                let seq = item.key.sk[prefix.len()..]
                    .parse::<usize>()
                    .map_err(|_| StoreError::Corrupt(format!("{pk}/{}", item.key.sk)))?;
                let chunk: Vec<ErrorRow> = decode(item)?;
                for (i, row) in chunk.into_iter().enumerate().skip(skip) {
                    if rows.len() == limit {
                        return Ok((rows, Some(ReportCursor { item: seq, skip: i })));
                    }
                    rows.push(row);
                }
                skip = 0;
                after = Some(item.key.sk.clone());
            }
            if items.len() < per_read {
                return Ok((rows, None));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_cursor_reads_back_as_written_and_refuses_anything_else() {
        let c = ReportCursor { item: 3, skip: 40 };
        assert_eq!(c.to_string().parse::<ReportCursor>().unwrap(), c);
        for bad in ["", "3", "3.", ".4", "a.1", "1.-1", "1.2.3", "9999999999.1"] {
            assert!(bad.parse::<ReportCursor>().is_err(), "{bad:?}");
        }
    }
}
