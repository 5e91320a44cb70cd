//! A run's page loop: pull, drop what the hashes say is unchanged, write, commit the page's
//! hashes, errors and checkpoint under the lease's fence.
//!
//! A page with nothing to write and nothing to report (every record unchanged) writes
//! nothing to the state store: its cursor is carried in memory ([`Progress::cursor_pending`])
//! and committed with the next page that writes, or by the run's close. A no-change run of
//! 10,000 employees in 20 pages is thus the lease, the run record and the close (issue 14,
//! goal 3) instead of three writes a page. A crash loses at most those quiet pages, which the
//! next run reads again and again finds unchanged.

use super::*;
use crate::heartbeat::{Answerer as _, Ask, Heartbeat};
use std::sync::Arc;
use tokio::sync::mpsc::Receiver;

impl Engine<'_> {
    /// Steps 3 and 4 for every page of the segment: pull, sift, write, commit, until the
    /// source has no more or the invocation's time budget is spent.
    pub(super) async fn pages(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
        conn: &Connection,
        run: &mut RunRecord,
        keeper: &mut Keeper<'_>,
        progress: &mut Progress,
    ) -> Result<(), Stop> {
        let (heartbeat, mut beats) = HeartbeatLink::channel();
        // The scope is lent to the connector for the run, apart from the record it updates.
        let scope = run.scope.clone();
        let mut connector = self
            .connector(factory, conn, run.started_at, scope.as_deref(), &heartbeat)
            .await?;
        keeper.drive(&mut beats, connector.begin()).await?;
        loop {
            if let Some(deadline) = req.deadline
                && self.ports.clock.now() + self.config.budget_margin >= deadline
            {
                return Err(Stop::Budget { not_before: None });
            }
            let page = keeper
                .drive(&mut beats, connector.pull(run.cursor_to.as_deref()))
                .await?;
            self.hook.reached(Step::Pulled)?;
            let mut sifted = self.sift(req, page.records, run).await?;
            if sifted.changes.is_empty() && sifted.errors.is_empty() {
                quiet(req, keeper, run, progress, page.next_cursor).await?;
            } else {
                let (changes, hashes) = (&sifted.changes, sifted.hashes);
                let results = self
                    .write(req, connector.as_mut(), keeper, &mut beats, changes)
                    .await?;
                let written = tally(changes, results, hashes, run, &mut sifted.errors);
                let done = Done {
                    written,
                    errors: sifted.errors,
                    next_cursor: page.next_cursor,
                };
                self.commit(req, factory, keeper, run, progress, done)
                    .await?;
            }
            progress.pages_now += 1;
            if !page.has_more {
                return Ok(());
            }
        }
    }

    /// The run's connector, built only for a connection the deployment's outbound policy
    /// allows: one stored before the policy (or written around the admin API) is refused here
    /// too, before its credentials are read or sent anywhere.
    async fn connector<'e>(
        &'e self,
        factory: &dyn ConnectorFactory,
        conn: &Connection,
        now: DateTime<Utc>,
        scope: Option<&'e str>,
        heartbeat: &'e Arc<dyn Heartbeat>,
    ) -> Result<Box<dyn RunConnector + 'e>, Stop> {
        let refused = factory.schema().and_then(|schema| {
            let endpoints = schema.endpoints(&conn.settings);
            endpoints
                .iter()
                .find_map(|e| self.config.outbound.check(e).err())
        });
        if let Some(refused) = refused {
            let e = SyncError::Permanent(format!("settings.{refused}"));
            return Err(e.because(Cause::renkei("outbound", Class::Invalid)).into());
        }
        let name = conn.scoped_secret().map_err(|e| {
            SyncError::Permanent(e).because(Cause::renkei("secret_name", Class::Invalid))
        })?;
        let secret = self.ports.secrets.get(name).await.map_err(|e| {
            SyncError::Retryable(format!("reading the connection's credentials: {e}"))
                .because(Cause::renkei("secrets", Class::Unavailable))
        })?;
        // `set_time_scale` refuses a bad scale; a config written field by field is checked
        // here, before a vendor client divides a window by it.
        let time_scale = checked_time_scale(self.config.time_scale).map_err(|e| {
            SyncError::Permanent(e).because(Cause::renkei("time_scale", Class::Invalid))
        })?;
        let env = BuildEnv {
            store: self.ports.store,
            secrets: self.ports.secrets,
            now,
            clock: self.ports.clock,
            heartbeat,
            scope,
            outbound: &self.config.outbound,
            time_scale,
        };
        Ok(factory.build(conn, secret, env).await?)
    }

    /// What of a page goes to the target: records whose content hash differs from the one
    /// stored (unchanged ones are only counted), and the page's rejections for the report.
    async fn sift(
        &self,
        req: &RunRequest,
        records: Vec<Pulled>,
        run: &mut RunRecord,
    ) -> Result<Sifted, Stop> {
        let (ready, errors) = sort_page(records, &mut run.counts);
        let keys: Vec<String> = ready.iter().map(|ch| ch.key.clone()).collect();
        let stored = self
            .repo()
            .hashes(&req.tenant_id, &req.connection_id, &keys)
            .await?;
        let mut sifted = Sifted {
            changes: Vec::new(),
            hashes: Vec::new(),
            errors,
        };
        for change in ready {
            let hash = content_hash(&change.payload.json);
            if stored.get(&change.key) == Some(&hash) {
                run.counts.unchanged += 1;
            } else {
                sifted.hashes.push((change.key.clone(), hash));
                sifted.changes.push(change);
            }
        }
        Ok(sifted)
    }

    /// Sends a page's changes. The fence is checked (and the lease extended) right before the
    /// vendor sees anything of the page; a dry run renews too, so it is never taken over. A
    /// connector that does not answer one result per change has broken its contract.
    async fn write(
        &self,
        req: &RunRequest,
        connector: &mut (dyn RunConnector + '_),
        keeper: &mut Keeper<'_>,
        beats: &mut Receiver<Ask>,
        changes: &[Change],
    ) -> Result<Vec<WriteResult>, Stop> {
        keeper.renew(Duration::zero()).await?;
        let results = if changes.is_empty() {
            Vec::new()
        } else {
            keeper
                .drive(beats, connector.write(changes, req.dry_run))
                .await?
        };
        if results.len() != changes.len() {
            let e = SyncError::Permanent(format!(
                "connector answered {} results for {} changes",
                results.len(),
                changes.len()
            ));
            return Err(e.because(Cause::renkei("write", Class::Invalid)).into());
        }
        self.hook.reached(Step::Written)?;
        Ok(results)
    }

    /// Commits a page that wrote or rejected something: its error rows, then (unless a dry
    /// run) the hashes of what was written and the checkpoint, then the run record last — one
    /// write that holds only while the fence holds, so the checkpoint and what it covers
    /// commit together or not at all.
    async fn commit(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
        keeper: &Keeper<'_>,
        run: &mut RunRecord,
        progress: &mut Progress,
        done: Done,
    ) -> Result<(), Stop> {
        let (t, c) = (&req.tenant_id, &req.connection_id);
        run.counts.rejected += done.errors.len() as u64;
        run.pages += 1;
        let now = self.ports.clock.now();
        let first = run.error_items;
        let mut items = Repo::error_items(t, c, &run.run_id, first, &done.errors, self.retention());
        run.error_items += items.len();
        run.cursor_to = done.next_cursor;
        if !req.dry_run {
            let expires = factory.hash_ttl().map(|ttl| now + ttl);
            items.extend(Repo::hash_items(t, c, &done.written, expires));
            let checkpoint = Checkpoint {
                cursor: run.cursor_to.clone(),
                saved_at: now,
            };
            items.push(Repo::checkpoint_item(t, c, &checkpoint));
        }
        // The run record goes last: the checkpoint and what it covers commit together.
        items.push(Repo::run_item(run, self.retention()));
        self.repo().commit(&keeper.lease.fence(t, c), items).await?;
        progress.cursor_pending = false;
        progress.committed = run.cursor_to.clone();
        self.hook.reached(Step::Committed)?;
        Ok(())
    }
}

/// A quiet page — every record unchanged, none rejected — writes nothing: the vendor sees
/// nothing, so there is nothing to fence; the lease is only kept alive (renewed when due, as
/// a heartbeat would), and the page's cursor waits in memory for the next commit or the close.
async fn quiet(
    req: &RunRequest,
    keeper: &mut Keeper<'_>,
    run: &mut RunRecord,
    progress: &mut Progress,
    next_cursor: Option<String>,
) -> Result<(), Stop> {
    keeper.beat(std::time::Duration::ZERO).await?;
    run.pages += 1;
    run.cursor_to = next_cursor;
    progress.cursor_pending = !req.dry_run && run.cursor_to != progress.committed;
    Ok(())
}

/// Counts what the target made of each change. A rejection becomes a row of the error report;
/// only what was written keeps its new hash (a rejected record is tried again next run).
fn tally(
    changes: &[Change],
    results: Vec<WriteResult>,
    hashes: Vec<(String, String)>,
    run: &mut RunRecord,
    errors: &mut Vec<ErrorRow>,
) -> Vec<(String, String)> {
    let mut written = Vec::new();
    for ((change, result), hash) in changes.iter().zip(results).zip(hashes) {
        match result {
            WriteResult::Created => run.counts.created += 1,
            WriteResult::Updated => run.counts.updated += 1,
            WriteResult::Unchanged => run.counts.unchanged += 1,
            WriteResult::Rejected(reason) => {
                errors.push(ErrorRow {
                    record: change.key.clone(),
                    reason,
                });
                continue;
            }
        }
        written.push(hash);
    }
    written
}

/// A page sifted: what to write, the hashes it will have, and what to report.
struct Sifted {
    changes: Vec<Change>,
    /// `(key, content hash)` of each change, in order.
    hashes: Vec<(String, String)>,
    errors: Vec<ErrorRow>,
}

/// A page written, to commit.
struct Done {
    /// `(key, content hash)` of what the target took.
    written: Vec<(String, String)>,
    errors: Vec<ErrorRow>,
    next_cursor: Option<String>,
}

/// What a segment has done so far, beyond the run record.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// Pages finished in this invocation (a segment that finishes none is stalled).
    pub pages_now: u32,
    /// The run's cursor moved past quiet pages since the last commit: the close commits it.
    pub cursor_pending: bool,
    /// The cursor the store holds (read at the start, then each page's commit).
    pub committed: Option<String>,
}

/// Splits a page into records to write and rejections. Two records with one key in one
/// page (two changes of one employee between runs) collapse into the last one: the
/// stores refuse a batch naming one key twice, and the last change is the current state.
fn sort_page(records: Vec<Pulled>, counts: &mut Counts) -> (Vec<Change>, Vec<ErrorRow>) {
    let mut ready: Vec<Change> = Vec::new();
    let mut errors = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for record in records {
        match record {
            Pulled::Ready { key, payload } => match at.get(&key) {
                Some(&i) => {
                    ready[i].payload = payload;
                    counts.skipped += 1;
                }
                None => {
                    at.insert(key.clone(), ready.len());
                    ready.push(Change { key, payload });
                }
            },
            Pulled::Skipped => counts.skipped += 1,
            Pulled::Rejected { record, reason } => errors.push(ErrorRow { record, reason }),
        }
    }
    (ready, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn p3_two_changes_of_one_key_in_one_page_collapse_to_the_last() {
        let mut counts = Counts::default();
        let (ready, errors) = sort_page(
            vec![
                Pulled::Ready {
                    key: "0001".into(),
                    payload: Payload::new(json!({"name": "old"})),
                },
                Pulled::Ready {
                    key: "0002".into(),
                    payload: Payload::new(json!({"name": "b"})),
                },
                Pulled::Ready {
                    key: "0001".into(),
                    payload: Payload::new(json!({"name": "new"})),
                },
            ],
            &mut counts,
        );
        assert!(errors.is_empty());
        assert_eq!(ready.len(), 2, "one write per key");
        assert_eq!(ready[0].key, "0001");
        assert_eq!(
            ready[0].payload.json,
            json!({"name": "new"}),
            "the last change wins"
        );
        assert_eq!(
            counts.skipped, 1,
            "the superseded change is counted, not lost silently"
        );
    }
}
