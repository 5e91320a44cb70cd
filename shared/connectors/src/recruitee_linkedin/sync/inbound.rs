//! The LinkedIn → Recruitee work of a pass (C5.5, C5.6, C5.8), done before any page of the
//! ATS → LinkedIn work so that a long historical sync never keeps a recruiter's export or
//! a shared contact waiting:
//!
//! - exports LinkedIn notified (`X#{request}`, kept by the webhook ingress): each export
//!   request is read from LinkedIn, its integration context checked, the exporting seat
//!   must be a linked team member who may access the job in Recruitee; then the candidate
//!   is found by email or LinkedIn profile (never created twice) and given the job, or
//!   created on it (filing.rs). Refusals are kept with their reason (`E#`), for the
//!   exporter to read, for the platform's retention (as the notifications are: both expire,
//!   the table's TTL);
//! - InMail mail stubs every 10 minutes (cursor `I`, with an overlap for late stubs; each
//!   stub is one record, so a stub is processed once);
//! - relinks waiting to be sent: those candidates are sent again with their manual match.
//!
//! What a page handed over is settled at the next pull, after the engine committed it.

use super::super::accounts::{
    AccountLink, ExportResult, Relink, count_export, export_sk, links, relink_sk,
};
use super::super::retained_until;
use super::filing::name_of;
use super::*;
use renkei_vendors::linkedin::SharedProfile;

/// Mail stubs are read this often.
pub(crate) const INMAIL_MINUTES: i64 = 10;
/// A stub created this long before the last read may arrive late: read again (each stub is
/// processed once all the same).
const INMAIL_OVERLAP_MINUTES: i64 = 10;
/// A run this much before the 10 minutes are up counts as on time (schedules fire late).
const INMAIL_TOLERANCE_SECONDS: i64 = 60;

/// An export accepted for writing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportTask {
    /// LinkedIn's request id.
    pub request_id: String,
    /// The exporting seat.
    pub seat: String,
    /// The Recruitee job.
    pub job: u64,
    /// The exported member.
    pub profile: SharedProfile,
}

/// A kept export notification.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Notified {
    pub request_id: String,
    pub at: DateTime<Utc>,
}

/// The InMail cursor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct InmailCursor {
    since_ms: Option<i64>,
    read_at: Option<DateTime<Utc>>,
}

const INMAIL: &str = "I";

/// What a page of inbound work handed over, settled at the next pull.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    /// Export notifications handled.
    #[serde(default)]
    pub exports: Vec<String>,
    /// Relinks sent.
    #[serde(default)]
    pub relinks: Vec<u64>,
    /// The InMail cursor to keep (newest stub seen, ms) with when it was read.
    #[serde(default)]
    pub inmail: Option<(Option<i64>, DateTime<Utc>)>,
}

impl RecruiteeLinkedin<'_> {
    /// Settles what the previous page handed over (it committed).
    pub(super) async fn settle(&mut self, pos: &mut Position) -> Result<(), SyncError> {
        let inbound = std::mem::take(&mut pos.inbound);
        for r in &inbound.exports {
            self.repo()
                .own_delete(&self.t, &self.c, &format!("X#{r}"))
                .await?;
        }
        for id in &inbound.relinks {
            // The run's copy too, or the relinks step would hand the same ones over again.
            if let Some(r) = self.relinks.as_mut().and_then(|m| m.get_mut(id)) {
                r.pending = false;
            }
            let sk = relink_sk(*id);
            if let Some((mut r, v)) = self.repo().own_get::<Relink>(&self.t, &self.c, &sk).await? {
                r.pending = false;
                // A relink made meanwhile stays pending.
                let _ = self
                    .repo()
                    .own_put(&self.t, &self.c, &sk, &r, Condition::VersionIs(v), None)
                    .await;
            }
        }
        if let Some((since_ms, read_at)) = inbound.inmail {
            let old: InmailCursor = self
                .repo()
                .own_get(&self.t, &self.c, INMAIL)
                .await?
                .map(|(c, _)| c)
                .unwrap_or_default();
            let cursor = InmailCursor {
                since_ms: since_ms.max(old.since_ms),
                read_at: Some(read_at),
            };
            self.repo()
                .own_put(&self.t, &self.c, INMAIL, &cursor, Condition::Always, None)
                .await?;
        }
        Ok(())
    }

    /// Inbound work waiting, as one page (None: nothing waits).
    pub(super) async fn inbound(
        &mut self,
        pos: &mut Position,
    ) -> Result<Option<Vec<Pulled<Record>>>, SyncError> {
        let notified: Vec<(String, Notified)> =
            self.repo().own_query(&self.t, &self.c, "X#").await?;
        if !notified.is_empty() {
            let page: Vec<Notified> = notified
                .into_iter()
                .take(self.settings.page_size.max(1))
                .map(|(_, n)| n)
                .collect();
            return Ok(Some(self.exports_page(pos, page).await?));
        }
        if let Some(page) = self.inmail_page(pos).await? {
            return Ok(Some(page));
        }
        Ok(None)
    }

    /// The relinks waiting, as candidates to send again (one page).
    pub(super) async fn relinks_page(
        &mut self,
        pos: &mut Position,
    ) -> Result<Vec<Pulled<Record>>, SyncError> {
        let size = self.settings.page_size.max(1);
        let waiting: Vec<u64> = self
            .relinks()
            .await?
            .iter()
            .filter(|(_, r)| r.pending)
            .map(|(id, _)| *id)
            .take(size)
            .collect();
        if waiting.is_empty() {
            pos.step = Step::Jobs;
            return Ok(Vec::new());
        }
        let jobs = self.jobs().await?;
        let mut out = Vec::new();
        for id in waiting {
            pos.inbound.relinks.push(id);
            let Some(cand) = self.recruitee.candidate(id).await? else {
                continue;
            };
            let notes = self.recruitee.notes(id).await?;
            let results = self.recruitee.interview_results(id).await?;
            out.push(self.record_of(&cand, &notes, &results, &jobs).await?);
        }
        Ok(out)
    }

    /// Every relink of the connection (read once per run).
    pub(super) async fn relinks(&mut self) -> Result<&HashMap<u64, Relink>, SyncError> {
        if self.relinks.is_none() {
            let items: Vec<(String, Relink)> =
                self.repo().own_query(&self.t, &self.c, "R#").await?;
            self.relinks = Some(
                items
                    .into_iter()
                    .filter_map(|(k, r)| Some((k.trim_start_matches("R#").parse().ok()?, r)))
                    .collect(),
            );
        }
        Ok(self.relinks.get_or_insert_with(HashMap::new))
    }

    async fn exports_page(
        &mut self,
        pos: &mut Position,
        page: Vec<Notified>,
    ) -> Result<Vec<Pulled<Record>>, SyncError> {
        let members = self.recruitee.memberships().await?;
        let linked = links(self.store, &self.t, &self.c).await?;
        let now = self.clock.now();
        let mut out = Vec::new();
        for n in page {
            pos.inbound.exports.push(n.request_id.clone());
            if self
                .repo()
                .own_get::<ExportResult>(&self.t, &self.c, &export_sk(&n.request_id))
                .await?
                .is_some()
            {
                // Handled before (a notification LinkedIn sent again with a new id).
                continue;
            }
            let record = format!("export {}", n.request_id);
            let refuse = |seat: Option<String>, job: Option<u64>, reason: String| {
                Box::new(ExportResult {
                    request_id: n.request_id.clone(),
                    seat,
                    job,
                    status: "refused".into(),
                    candidate: None,
                    reason: Some(reason),
                    at: now,
                })
            };
            let verdict = match self.linkedin.exported_candidate(&n.request_id).await? {
                None => Err(refuse(
                    None,
                    None,
                    "LinkedIn has no such export request".into(),
                )),
                Some(e) if e.integration_context != self.context => Err(refuse(
                    Some(e.exporter.clone()),
                    None,
                    format!(
                        "it was made for {}, not this connection's {}",
                        e.integration_context, self.context
                    ),
                )),
                Some(e) => self.may_export(&e, &linked, &members, now),
            };
            match verdict {
                Ok(task) => {
                    out.push(Pulled::Ready {
                        key: format!("X:{}", task.request_id),
                        payload: Record::Export(task),
                    });
                }
                Err(result) => {
                    if let Some(seat) = &result.seat {
                        count_export(self.store, &self.t, &self.c, seat, now).await?;
                    }
                    let reason = result.reason.clone().unwrap_or_default();
                    self.repo()
                        .own_put(
                            &self.t,
                            &self.c,
                            &export_sk(&n.request_id),
                            &result,
                            Condition::Always,
                            Some(retained_until(now)),
                        )
                        .await?;
                    out.push(Pulled::Rejected { record, reason });
                }
            }
        }
        Ok(out)
    }

    /// Whether the export's seat may file candidates on its job: a linked team member with
    /// access to that job in Recruitee (what LinkedIn offered it may be out of date).
    fn may_export(
        &self,
        e: &renkei_vendors::linkedin::ExportedCandidate,
        linked: &[AccountLink],
        members: &[renkei_vendors::recruitee::Membership],
        now: DateTime<Utc>,
    ) -> Result<ExportTask, Box<ExportResult>> {
        let refuse = |job: Option<u64>, reason: String| {
            Box::new(ExportResult {
                request_id: e.request_id.clone(),
                seat: Some(e.exporter.clone()),
                job,
                status: "refused".into(),
                candidate: None,
                reason: Some(reason),
                at: now,
            })
        };
        let Ok(job) = e.external_job_posting_id.parse::<u64>() else {
            return Err(refuse(
                None,
                format!("job {:?} is not a Recruitee job", e.external_job_posting_id),
            ));
        };
        let Some(link) = linked.iter().find(|l| l.member == e.exporter) else {
            return Err(refuse(
                Some(job),
                format!(
                    "LinkedIn account {} is not linked to a Recruitee team member: link it first",
                    e.exporter
                ),
            ));
        };
        let member = members.iter().find(|m| m.admin_id == link.admin_id);
        let allowed = member.is_some_and(|m| m.role == "admin" || m.offer_ids.contains(&job));
        if !allowed {
            let who = member.map_or(format!("team member {}", link.admin_id), |m| {
                format!("{} (team member {})", m.name, m.admin_id)
            });
            return Err(refuse(
                Some(job),
                format!("{who} may not access job {job} in Recruitee: ask an admin for access"),
            ));
        }
        if e.candidate.member.is_empty() && name_of(&e.candidate).is_empty() {
            return Err(refuse(Some(job), "the export carries no profile".into()));
        }
        Ok(ExportTask {
            request_id: e.request_id.clone(),
            seat: e.exporter.clone(),
            job,
            profile: e.candidate.clone(),
        })
    }

    async fn inmail_page(
        &mut self,
        pos: &mut Position,
    ) -> Result<Option<Vec<Pulled<Record>>>, SyncError> {
        if pos.inmail_read {
            return Ok(None);
        }
        let now = self.clock.now();
        let cursor: InmailCursor = self
            .repo()
            .own_get(&self.t, &self.c, INMAIL)
            .await?
            .map(|(c, _)| c)
            .unwrap_or_default();
        let due = cursor.read_at.is_none_or(|at| {
            now - at
                >= Duration::minutes(INMAIL_MINUTES) - Duration::seconds(INMAIL_TOLERANCE_SECONDS)
        });
        if !due {
            return Ok(None);
        }
        pos.inmail_read = true;
        // Stubs are asked by seat; the linked team members are known by member.
        let members: HashSet<String> = links(self.store, &self.t, &self.c)
            .await?
            .into_iter()
            .map(|l| l.member)
            .collect();
        let owners: Vec<String> = if members.is_empty() {
            Vec::new()
        } else {
            self.spend().await?;
            self.linkedin
                .seats(&self.settings.contract)
                .await?
                .into_iter()
                .filter(|s| members.contains(&s.member))
                .map(|s| s.urn())
                .collect()
        };
        let from = cursor.since_ms.map_or(now - Duration::days(1), |ms| {
            DateTime::from_timestamp_millis(ms).unwrap_or(now)
        }) - Duration::minutes(INMAIL_OVERLAP_MINUTES);
        let stubs = self
            .linkedin
            .mail_stubs(&self.settings.contract, &owners, from.timestamp_millis())
            .await?;
        let newest = stubs.iter().map(|s| s.created_at).max();
        pos.inbound.inmail = Some((newest.or(cursor.since_ms), now));
        let records: Vec<Pulled<Record>> = stubs
            .into_iter()
            .map(|s| Pulled::Ready {
                key: format!("M:{}", s.id),
                payload: Record::Stub(s),
            })
            .collect();
        Ok(Some(records))
    }
}
