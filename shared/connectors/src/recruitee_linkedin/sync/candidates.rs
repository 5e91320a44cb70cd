//! A page of candidates (C5.2, C5.7): read from Recruitee with their notes and interview
//! results, each mapped to a [`Bundle`] carrying the relink a recruiter made (C5.8).

use super::*;

impl RecruiteeLinkedin<'_> {
    pub(super) async fn candidates_page(
        &mut self,
        pos: &mut Position,
    ) -> Result<Vec<Pulled<Record>>, SyncError> {
        let jobs = self.jobs().await?;
        let size = self.settings.page_size.max(1) as u64;
        let from = pos.offset.saturating_sub(OVERLAP);
        let since = match &pos.pass {
            Pass::Historical => None,
            Pass::Incremental { since } => Some(*since - Duration::minutes(SINCE_MARGIN_MINUTES)),
        };
        let page = self
            .recruitee
            .candidates(from, (size + (pos.offset - from)) as u32, since)
            .await?;
        let asked = size + (pos.offset - from);
        let fetched = page.len() as u64;
        let mut taken = Vec::new();
        let mut taken_to = pos.offset;
        for (i, cand) in page.iter().enumerate() {
            if cand.id <= pos.last_id {
                continue;
            }
            taken_to = from + i as u64 + 1;
            pos.last_id = cand.id;
            pos.done += 1;
            pos.high_water = pos.high_water.max(Some(cand.updated_at));
            taken.push(cand);
        }
        // Each candidate's notes and results are one Recruitee call each: read for several
        // candidates at once, so that Recruitee's latency does not set the pace (its limit,
        // shared by all of them, still does).
        let recruitee = &self.recruitee;
        let ids: Vec<u64> = taken.iter().map(|c| c.id).collect();
        let extras: Vec<_> = futures::stream::iter(ids)
            .map(|id| async move {
                let notes = recruitee.notes(id).await?;
                let results = recruitee.interview_results(id).await?;
                Ok::<_, SyncError>((notes, results))
            })
            .buffered(FETCH_CONCURRENCY)
            .try_collect()
            .await?;
        let mut records = Vec::with_capacity(taken.len());
        for (cand, (notes, results)) in taken.into_iter().zip(extras) {
            records.push(self.record_of(cand, &notes, &results, &jobs).await?);
        }
        pos.offset = taken_to.max(pos.offset);
        // Fewer than asked: the end of Recruitee's list.
        if fetched < asked {
            pos.step = if pos.sweep { Step::Sweep } else { Step::Finish };
        }
        let (done, now) = (pos.done, self.clock.now());
        self.progress(|p| p.advance(done, now)).await?;
        Ok(records)
    }

    /// A candidate's record: its bundle with the relink a recruiter made, if any (C5.8).
    pub(super) async fn record_of(
        &mut self,
        cand: &renkei_vendors::recruitee::Candidate,
        notes: &[renkei_vendors::recruitee::Note],
        results: &[renkei_vendors::recruitee::InterviewResult],
        jobs: &HashSet<u64>,
    ) -> Result<Pulled<Record>, SyncError> {
        let relink = self.relinks().await?.get(&cand.id).cloned();
        Ok(match mapping::bundle(cand, notes, results, jobs) {
            Ok(mut b) => {
                if let Some(r) = relink {
                    b.candidate.manual_matched_member = r.member;
                    b.candidate.unmatched_members = r.unmatched;
                }
                Pulled::Ready {
                    key: candidate_key(cand.id),
                    payload: Record::Candidate(b),
                }
            }
            Err(reason) => Pulled::Rejected {
                record: format!(
                    "candidate {} ({})",
                    cand.id,
                    cand.emails.first().map_or("no email", String::as_str)
                ),
                reason,
            },
        })
    }
}
