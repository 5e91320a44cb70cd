//! Run records: the item of one, reading one or all, and the run under way that has not
//! written its record yet (read from its lease's opening).

use super::{Repo, conn_pk, decode, encode};
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::ports::{Item, Key, StoreError};
use crate::run::RunRecord;
use chrono::{DateTime, Utc};

impl Repo<'_> {
    /// The item of a run record; `expires` is its retention (personal data in error
    /// messages must not stay forever).
    pub fn run_item(run: &RunRecord, expires: Option<DateTime<Utc>>) -> Item {
        let mut item = Item::new(
            Key::new(
                conn_pk(&run.tenant_id, &run.connection_id),
                format!("RUN#{}", run.run_id),
            ),
            encode(run),
        );
        item.expires_at = expires.map(|e| e.timestamp());
        item
    }

    /// One run record; a run under way that has not written one yet reads as it began
    /// (from its lease, [`Opening`]).
    pub async fn run(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        r: &RunId,
    ) -> Result<Option<crate::run::RunRecord>, StoreError> {
        match self
            .store
            .get(&Key::new(conn_pk(t, c), format!("RUN#{r}")))
            .await?
        {
            Some(item) => Ok(Some(decode(&item)?)),
            None => Ok(self.opened_run(t, c).await?.filter(|o| o.run_id == *r)),
        }
    }

    /// The connection's runs, oldest first (run ids sort by start time), the run under way
    /// included before it wrote its record.
    pub async fn runs(
        &self,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Vec<crate::run::RunRecord>, StoreError> {
        let items = self.store.query(&conn_pk(t, c), "RUN#").await?;
        let mut runs: Vec<crate::run::RunRecord> =
            items.iter().map(decode).collect::<Result<_, _>>()?;
        if let Some(open) = self.opened_run(t, c).await?
            && !runs.iter().any(|r| r.run_id == open.run_id)
        {
            runs.push(open);
            runs.sort_by(|a, b| a.run_id.as_str().cmp(b.run_id.as_str()));
        }
        Ok(runs)
    }

    /// One page of the connection's runs, newest first: at most `limit` runs that started
    /// before `before` (the last run of the page before; `None`: from the newest), read
    /// backwards from the store. The first page includes the run under way before it wrote
    /// its record.
    pub async fn runs_page(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        before: Option<&RunId>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let before_sk = before.map(|r| format!("RUN#{r}"));
        let items = self
            .store
            .query_page_back(&conn_pk(t, c), "RUN#", before_sk.as_deref(), limit)
            .await?;
        let mut runs: Vec<RunRecord> = items.iter().map(decode).collect::<Result<_, _>>()?;
        if before.is_none()
            && let Some(open) = self.opened_run(t, c).await?
            && !runs.iter().any(|r| r.run_id == open.run_id)
        {
            // The run under way is the newest but for clock skew between Lambdas; a page
            // that ends before its place leaves it out rather than misplace it.
            let at = runs
                .iter()
                .position(|r| r.run_id.as_str() < open.run_id.as_str())
                .unwrap_or(runs.len());
            if at < limit {
                runs.insert(at, open);
                runs.truncate(limit);
            }
        }
        Ok(runs)
    }

    /// The run the connection's lease is held for, as it began, while it is held.
    async fn opened_run(
        &self,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Option<crate::run::RunRecord>, StoreError> {
        Ok(self
            .lease(t, c)
            .await?
            .filter(|l| !l.released)
            .and_then(|l| l.opened_run(t, c)))
    }
}
