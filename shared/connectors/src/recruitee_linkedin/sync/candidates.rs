//! A page of candidates (C5.2, C5.7): read from Recruitee with their notes and interview
//! results, each mapped to a [`Bundle`] carrying the relink a recruiter made (C5.8).
//!
//! Recruitee lists candidates newest first by limit/offset only (no ascending order, no
//! `updated_after`: docs/contracts/recruitee.md), and the list moves while a pass of hours
//! pages through it: new candidates push it down, deletions pull it up. So every read
//! starts [`OVERLAP`] candidates before the offset, takes only candidates older than the
//! oldest one the pass has looked at (the position's `seen_at`/`seen_ids`: each candidate
//! once), and steps back when even the first one read is unseen (the list moved up past the
//! overlap: someone could be skipped). Candidates created during the pass are the next
//! pass's. A full pass (the historical one, and the daily one that also sweeps) hands every
//! candidate over and the content hashes drop the unchanged; an incremental pass scans the
//! list in large pages and hands over those updated since the last pass started (as
//! Recruitee's own timestamps on that pass's first read tell: no clock of ours is compared
//! with Recruitee's).

use super::*;
use renkei_vendors::recruitee::Candidate;

impl Position {
    /// Whether the pass has looked at `c` already (or `c` arrived after the pass started).
    fn seen(&self, c: &Candidate) -> bool {
        self.seen_at.is_some_and(|t| {
            c.created_at > t || (c.created_at == t && self.seen_ids.contains(&c.id))
        })
    }

    /// Notes that the pass has looked at `c` (the oldest so far: the list is newest first).
    fn look_at(&mut self, c: &Candidate) {
        if self.seen_at == Some(c.created_at) {
            self.seen_ids.push(c.id);
        } else {
            self.seen_at = Some(c.created_at);
            self.seen_ids = vec![c.id];
        }
    }
}

impl RecruiteeLinkedin<'_> {
    pub(super) async fn candidates_page(
        &mut self,
        pos: &mut Position,
    ) -> Result<Vec<Pulled<Record>>, SyncError> {
        let jobs = self.jobs().await?;
        let taken = self.next_candidates(pos).await?;
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
        for (cand, (notes, results)) in taken.iter().zip(extras) {
            records.push(self.record_of(cand, &notes, &results, &jobs).await?);
        }
        let (done, now) = (pos.done, self.clock.now());
        self.progress(|p| p.advance(done, now)).await?;
        Ok(records)
    }

    /// The pass's next candidates (at most a page), each looked at once; at the end of the
    /// list the pass moves on.
    async fn next_candidates(&self, pos: &mut Position) -> Result<Vec<Candidate>, SyncError> {
        let size = self.settings.page_size.max(1);
        let changed_since = match pos.pass {
            Pass::Incremental { since } if !pos.sweep => {
                Some(since - Duration::minutes(SINCE_MARGIN_MINUTES))
            }
            _ => None,
        };
        // A full pass hands over what it reads; an incremental one reads widely, most of
        // the list being unchanged.
        let read = if changed_since.is_some() {
            ENUMERATION_PAGE
        } else {
            size as u32
        };
        let (from, asked, page) = self.read_from(pos, read).await?;
        if pos.seen_at.is_none() {
            // The pass's first read: no change made after it can be older than what it shows.
            pos.high_water = page.iter().map(|c| c.updated_at.max(c.created_at)).max();
        }
        let mut taken = Vec::new();
        let mut looked = 0;
        for cand in &page {
            if taken.len() == size {
                break;
            }
            looked += 1;
            if pos.seen(cand) {
                continue;
            }
            pos.look_at(cand);
            if changed_since.is_none_or(|t| cand.updated_at >= t) {
                pos.done += 1;
                taken.push(cand.clone());
            }
        }
        pos.offset = from + looked as u64;
        // Everything read and fewer than asked: the end of Recruitee's list.
        if looked == page.len() && (page.len() as u64) < asked {
            pos.step = if pos.sweep { Step::Sweep } else { Step::Finish };
        }
        Ok(taken)
    }

    /// `read` candidates from [`OVERLAP`] before the pass's offset, with where they start and
    /// how many were asked. Steps back while the first one is unseen (or none is left
    /// there) and the pass has looked at some: candidates deleted meanwhile moved the list
    /// up past the overlap, and someone unseen may be before it.
    async fn read_from(
        &self,
        pos: &Position,
        read: u32,
    ) -> Result<(u64, u64, Vec<Candidate>), SyncError> {
        let asked = u64::from(read) + OVERLAP;
        let mut from = pos.offset.saturating_sub(OVERLAP);
        loop {
            let page = self.recruitee.candidates(from, asked as u32).await?;
            let moved_up = pos.seen_at.is_some() && page.first().is_none_or(|c| !pos.seen(c));
            if from == 0 || !moved_up {
                return Ok((from, asked, page));
            }
            from = from.saturating_sub(asked);
        }
    }

    /// A candidate's record: its bundle with the relink a recruiter made, if any (C5.8).
    pub(super) async fn record_of(
        &mut self,
        cand: &Candidate,
        notes: &[renkei_vendors::recruitee::Note],
        results: &[renkei_vendors::recruitee::InterviewResult],
        jobs: &mapping::Jobs,
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
