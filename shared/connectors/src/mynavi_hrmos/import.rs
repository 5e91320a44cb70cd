//! One run's import: the position kept as the cursor, the streamed file, and the connector
//! that maps, routes and creates applicants (C1.4–C1.7, C1.10).

use super::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mapping::{BodyScratch, ColumnMap, Columns, Placement, Router};
use renkei_core::engine::{Cause, Change, Class, Connector, Page, Pulled, SyncError, WriteResult};
use renkei_vendors::hrmos::{ApplicantBody, Created, HrmosClient};
use renkei_vendors::mynavi::file::{FileError, FileReader};
use renkei_vendors::mynavi::{Download, MynaviClient};
use serde::{Deserialize, Serialize};

/// Where the import stands; the engine keeps it as the checkpoint cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Position {
    /// Every application before `until` is in HRMOS.
    Until {
        /// End of the last finished window.
        until: DateTime<Utc>,
    },
    /// Inside the window [from, to): rerun it whole (rows already written are unchanged).
    Within {
        /// Window start.
        from: DateTime<Utc>,
        /// Window end.
        to: DateTime<Utc>,
    },
}

/// The rows of one download file on their way to becoming records: bytes go in as they
/// arrive ([`FileImport::push`]), mapped, validated and routed records come out
/// ([`FileImport::next_record`]), one row at a time from the reader's buffer (nothing but
/// the record itself is allocated per row). Used by the connector and by
/// `renkei-bench mynavi-hrmos`.
pub struct FileImport {
    map: ColumnMap,
    reader: FileReader,
    columns: Option<Columns>,
    scratch: BodyScratch,
    routed_to_selection: u64,
}

impl FileImport {
    /// A file about to be read with the given column names.
    pub fn new(map: ColumnMap) -> Self {
        Self {
            map,
            reader: FileReader::new(),
            columns: None,
            scratch: BodyScratch::default(),
            routed_to_selection: 0,
        }
    }

    /// The next bytes of the file, or None at its end.
    pub fn push(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            Some(b) => self.reader.feed(b),
            None => self.reader.finish(),
        }
    }

    /// The next record, or None when more bytes are needed or the file is done.
    pub fn next_record(
        &mut self,
        router: &Router,
    ) -> Result<Option<Pulled<ApplicantBody>>, SyncError> {
        let (row, header) = match self.reader.next_row() {
            Ok(Some(read)) => read,
            Ok(None) => return Ok(None),
            Err(e) => return Err(file_error(e)),
        };
        if self.columns.is_none() {
            // A header without a mapped column fails the run, naming the column (C1.4).
            self.columns = Some(Columns::resolve(&self.map, header).map_err(SyncError::Permanent)?);
        }
        let cols = self.columns.as_ref().expect("resolved above");
        Ok(Some(match mapping::map_row(&row, cols) {
            Ok(applicant) => {
                let placement = router.place(applicant.position_name);
                self.routed_to_selection +=
                    u64::from(matches!(placement, Placement::Selection { .. }));
                Pulled::Ready {
                    key: applicant.id.to_string(),
                    payload: mapping::to_hrmos(&applicant, MEDIUM, &placement, &mut self.scratch),
                }
            }
            Err(reason) => Pulled::Rejected {
                record: mapping::row_label(&row, cols),
                reason,
            },
        }))
    }

    /// Whether every row has been handed out (Err: the file had no header).
    pub fn done(&self) -> Result<bool, SyncError> {
        self.reader.done().map_err(file_error)
    }

    /// How many applicants went to a job's 選考管理 so far.
    pub fn routed_to_selection(&self) -> u64 {
        self.routed_to_selection
    }
}

/// A download being read.
struct Active {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    download: Download,
    import: FileImport,
}

/// The C1 connector of one run.
pub struct MynaviHrmos {
    mynavi: MynaviClient,
    hrmos: HrmosClient,
    rules: Vec<super::store::RoutingRule>,
    router: Router,
    settings: Settings,
    /// The run's start: the end of its window.
    now: DateTime<Utc>,
    active: Option<Active>,
    /// Beaten between download chunks: a slow download stops at the deadline.
    heartbeat: std::sync::Arc<dyn renkei_core::heartbeat::Heartbeat>,
}

impl MynaviHrmos {
    /// The connector of one run ending at `now`.
    pub(super) fn new(
        mynavi: MynaviClient,
        hrmos: HrmosClient,
        rules: Vec<super::store::RoutingRule>,
        settings: Settings,
        now: DateTime<Utc>,
        heartbeat: std::sync::Arc<dyn renkei_core::heartbeat::Heartbeat>,
    ) -> Self {
        Self {
            mynavi,
            hrmos,
            rules,
            router: Router::default(),
            settings,
            now,
            active: None,
            heartbeat,
        }
    }
}

/// HRMOS refusing its API key is not the Mynavi ID/password problem that `auth_failed`
/// tells the customer to fix: it is an "other" failure (C1.8 ②), reported as such.
fn hrmos_error(e: renkei_vendors::VendorError) -> SyncError {
    match e {
        renkei_vendors::VendorError::Auth { vendor, message } => SyncError::Permanent(format!(
            "HRMOS採用がAPIキーを受け付けませんでした (HRMOS refused its API key: {message})"
        ))
        .because(Cause::vendor(vendor, "call", Class::Auth)),
        other => other.into(),
    }
}

fn file_error(e: FileError) -> SyncError {
    SyncError::Permanent(format!(
        "マイナビ転職のファイルを読めません (unreadable download): {e}"
    ))
}

#[async_trait]
impl Connector for MynaviHrmos {
    type Record = ApplicantBody;
    type Cursor = Position;

    async fn begin(&mut self) -> Result<(), SyncError> {
        // Authentication first: a wrong password is told as such (C1.8).
        self.mynavi.login().await?;
        let jobs = self.hrmos.jobs().await.map_err(hrmos_error)?;
        self.router = Router::new(
            &self.rules,
            MEDIUM,
            jobs.into_iter().map(|j| {
                let open = j.status == "open";
                (j.id, open)
            }),
        );
        Ok(())
    }

    async fn pull(
        &mut self,
        cursor: Option<Position>,
    ) -> Result<Page<ApplicantBody, Position>, SyncError> {
        if self.active.is_none() {
            let position = cursor.unwrap_or(Position::Until {
                until: self.now - first_window(),
            });
            let (from, to) = match position {
                Position::Until { until } if until >= self.now => {
                    // Nothing new since the last window's end (a clock behind the last
                    // run's): keep the position rather than move it back.
                    return Ok(Page {
                        records: Vec::new(),
                        next_cursor: Some(Position::Until { until }),
                        has_more: false,
                    });
                }
                Position::Until { until } => (until - self.settings.overlap(), self.now),
                Position::Within { from, to } => (from, to),
            };
            let download = self.mynavi.download(from, to).await?;
            self.active = Some(Active {
                from,
                to,
                download,
                import: FileImport::new(self.settings.columns.clone()),
            });
        }
        let a = self.active.as_mut().expect("a download is active");
        let mut records = Vec::new();
        while records.len() < self.settings.page_size.max(1) {
            if let Some(record) = a.import.next_record(&self.router)? {
                records.push(record);
            } else if a.import.done()? {
                break;
            } else {
                self.heartbeat.beat(std::time::Duration::ZERO).await?;
                let chunk = a.download.chunk().await?;
                a.import.push(chunk.as_deref());
            }
        }
        let (from, to, done) = (a.from, a.to, a.import.done()?);
        if done {
            self.active = None;
            // A window resumed from an earlier run ends before this run's start: go on.
            return Ok(Page {
                records,
                next_cursor: Some(Position::Until { until: to }),
                has_more: to < self.now,
            });
        }
        Ok(Page {
            records,
            next_cursor: Some(Position::Within { from, to }),
            has_more: true,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change<ApplicantBody>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        let mut out = Vec::with_capacity(changes.len());
        for change in changes {
            let result = if dry_run {
                if self
                    .hrmos
                    .exists(MEDIUM.code(), &change.key)
                    .await
                    .map_err(hrmos_error)?
                {
                    WriteResult::Unchanged
                } else {
                    WriteResult::Created
                }
            } else {
                match self
                    .hrmos
                    .create_applicant(&change.payload)
                    .await
                    .map_err(hrmos_error)?
                {
                    Created::New(_) => WriteResult::Created,
                    Created::Existing(_) => WriteResult::Unchanged,
                    Created::Invalid(reason) => WriteResult::Rejected(reason),
                }
            };
            out.push(result);
        }
        Ok(out)
    }
}
