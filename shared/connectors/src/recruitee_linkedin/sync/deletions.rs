//! Deletions (C5.7): the ones Recruitee's webhooks told us about, handled first in every
//! pass, and the sweep that finds the ones no webhook told — only after reading every id
//! Recruitee has, each missing one confirmed by Recruitee itself before it is deleted.

use super::*;

impl RecruiteeLinkedin<'_> {
    /// Deletions Recruitee told us about, a page at a time, confirmed (a candidate
    /// Recruitee still has is not deleted).
    pub(super) async fn deletions(
        &mut self,
        pos: &mut Position,
    ) -> Result<Vec<Pulled<Record>>, SyncError> {
        for id in std::mem::take(&mut pos.clear) {
            self.repo()
                .own_delete(&self.t, &self.c, &deletion_sk(id))
                .await?;
        }
        let noted: Vec<(String, Value)> = self.repo().own_query(&self.t, &self.c, "D#").await?;
        if noted.is_empty() {
            pos.step = Step::Relinks;
            return Ok(Vec::new());
        }
        // This page's notes are cleared by the next pull, once its deletions committed.
        let mut records = Vec::new();
        for (_, v) in noted.iter().take(self.settings.page_size.max(1)) {
            let Some(id) = v["candidate"].as_u64() else {
                continue;
            };
            pos.clear.push(id);
            if self.recruitee.candidate(id).await?.is_none() {
                records.push(gone(id));
            }
        }
        Ok(records)
    }

    /// Candidates LinkedIn was sent that Recruitee no longer has: only after reading every
    /// id, and each confirmed by Recruitee answering 404 for it.
    /// The stored hashes are read a page at a time: a company of 100,000 candidates would
    /// otherwise hold every key and hash at once, on top of Recruitee's ids.
    pub(super) async fn sweep(&mut self) -> Result<Vec<Pulled<Record>>, SyncError> {
        let present = self.all_ids().await?;
        // Ten candidate pages' worth of hashes a read (200 by default).
        let sweep_page = self.settings.page_size.max(1) * 10;
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .repo()
                .hashed_page(&self.t, &self.c, "C:", after.as_deref(), sweep_page)
                .await?;
            let full = page.len() == sweep_page;
            after = page.last().map(|(key, _)| key.clone());
            for (key, hash) in page {
                let Some(id) = key.strip_prefix("C:").and_then(|s| s.parse::<u64>().ok()) else {
                    continue;
                };
                if present.contains(&id) || hash == tombstone_for(id) {
                    continue;
                }
                if self.recruitee.candidate(id).await?.is_none() {
                    out.push(gone(id));
                }
            }
            if !full {
                return Ok(out);
            }
        }
    }

    /// Every candidate id Recruitee has, read to the end (an error: no answer at all). The
    /// list may move meanwhile: a new candidate read twice counts once, and one a deletion
    /// moved past a page boundary is not lost to the sweep (a missing id is deleted only
    /// after Recruitee answers 404 for it).
    pub(super) async fn all_ids(&self) -> Result<HashSet<u64>, SyncError> {
        let mut ids = HashSet::new();
        let mut offset = 0;
        loop {
            let page = self.recruitee.candidates(offset, ENUMERATION_PAGE).await?;
            let n = page.len() as u64;
            ids.extend(page.iter().map(|c| c.id));
            if n < u64::from(ENUMERATION_PAGE) {
                return Ok(ids);
            }
            offset += n;
        }
    }
}

fn gone_record(candidate: u64) -> Record {
    Record::Gone { candidate }
}

/// The hash the engine keeps for a deleted candidate (its Gone record's).
fn tombstone_for(id: u64) -> String {
    content_hash(&Payload::new(gone_record(id)).json)
}

pub(super) fn gone(id: u64) -> Pulled<Record> {
    Pulled::Ready {
        key: candidate_key(id),
        payload: gone_record(id),
    }
}
