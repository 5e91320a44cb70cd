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
use crate::heartbeat::Answerer as _;

impl Engine<'_> {
    pub(super) async fn pages(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
        conn: &Connection,
        run: &mut RunRecord,
        keeper: &mut Keeper<'_>,
        progress: &mut Progress,
    ) -> Result<(), Stop> {
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        // A connection stored before the deployment's outbound policy (or written around the
        // admin API) is refused here too, before its credentials are read or sent anywhere.
        if let Some(refused) = factory.schema().and_then(|schema| {
            let endpoints = schema.endpoints(&conn.settings);
            endpoints
                .iter()
                .find_map(|e| self.config.outbound.check(e).err())
        }) {
            return Err(SyncError::Permanent(format!("settings.{refused}")).into());
        }
        let name = conn.scoped_secret().map_err(SyncError::Permanent)?;
        let secret = self.ports.secrets.get(name).await.map_err(|e| {
            SyncError::Retryable(format!("reading the connection's credentials: {e}"))
        })?;
        let (heartbeat, mut beats) = HeartbeatLink::channel();
        let env = BuildEnv {
            store: self.ports.store,
            secrets: self.ports.secrets,
            now: run.started_at,
            clock: self.ports.clock,
            heartbeat: &heartbeat,
            scope: run.scope.as_deref(),
            outbound: &self.config.outbound,
        };
        let mut connector = factory.build(conn, secret, env).await?;
        keeper.drive(&mut beats, connector.begin()).await?;
        let mut cursor = run.cursor_to.clone();
        loop {
            if let Some(deadline) = req.deadline
                && self.ports.clock.now() + self.config.budget_margin >= deadline
            {
                return Err(Stop::Budget { not_before: None });
            }
            let page = keeper
                .drive(&mut beats, connector.pull(cursor.as_deref()))
                .await?;
            self.hook.reached(Step::Pulled)?;
            let (ready, mut page_errors) = sort_page(page.records, &mut run.counts);
            let keys: Vec<String> = ready.iter().map(|ch| ch.key.clone()).collect();
            let stored = repo.hashes(t, c, &keys).await?;
            let mut changes = Vec::new();
            let mut new_hashes = Vec::new();
            for change in ready {
                let hash = content_hash(&change.payload.json);
                if stored.get(&change.key) == Some(&hash) {
                    run.counts.unchanged += 1;
                } else {
                    new_hashes.push((change.key.clone(), hash));
                    changes.push(change);
                }
            }
            if changes.is_empty() && page_errors.is_empty() {
                // A quiet page: the vendor sees nothing, so there is nothing to fence; the
                // lease is only kept alive (renewed when due, as a heartbeat would).
                keeper.beat(std::time::Duration::ZERO).await?;
                run.pages += 1;
                cursor = page.next_cursor;
                run.cursor_to = cursor.clone();
                progress.cursor_pending = !req.dry_run && run.cursor_to != progress.committed;
                progress.pages_now += 1;
                if !page.has_more {
                    return Ok(());
                }
                continue;
            }
            // The fence is checked (and the lease extended) right before the vendor sees
            // anything of this page; a dry run renews too, so it is never taken over.
            keeper.renew(Duration::zero()).await?;
            let results = if changes.is_empty() {
                Vec::new()
            } else {
                keeper
                    .drive(&mut beats, connector.write(&changes, req.dry_run))
                    .await?
            };
            if results.len() != changes.len() {
                return Err(SyncError::Permanent(format!(
                    "connector answered {} results for {} changes",
                    results.len(),
                    changes.len()
                ))
                .into());
            }
            self.hook.reached(Step::Written)?;
            let mut written = Vec::new();
            for ((change, result), hash) in changes.iter().zip(results).zip(new_hashes) {
                match result {
                    WriteResult::Created => run.counts.created += 1,
                    WriteResult::Updated => run.counts.updated += 1,
                    WriteResult::Unchanged => run.counts.unchanged += 1,
                    WriteResult::Rejected(reason) => {
                        page_errors.push(ErrorRow {
                            record: change.key.clone(),
                            reason,
                        });
                        continue;
                    }
                }
                written.push(hash);
            }
            run.counts.rejected += page_errors.len() as u64;
            run.pages += 1;
            let now = self.ports.clock.now();
            let mut items = Repo::error_items(
                t,
                c,
                &run.run_id,
                run.error_items,
                &page_errors,
                self.retention(),
            );
            run.error_items += items.len();
            if !req.dry_run {
                let expires = factory.hash_ttl().map(|ttl| now + ttl);
                items.extend(Repo::hash_items(t, c, &written, expires));
                cursor = page.next_cursor;
                items.push(Repo::checkpoint_item(
                    t,
                    c,
                    &Checkpoint {
                        cursor: cursor.clone(),
                        saved_at: now,
                    },
                ));
            } else {
                cursor = page.next_cursor;
            }
            run.cursor_to = cursor.clone();
            // The run record goes last: the checkpoint and what it covers commit together.
            items.push(Repo::run_item(run, self.retention()));
            repo.commit(&keeper.lease.fence(t, c), items).await?;
            progress.cursor_pending = false;
            progress.committed = run.cursor_to.clone();
            self.hook.reached(Step::Committed)?;
            progress.pages_now += 1;
            if !page.has_more {
                return Ok(());
            }
        }
    }
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
