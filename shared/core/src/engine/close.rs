//! How a run ends: the segment that ran out of time, the run found abandoned at takeover,
//! closing with a truthful status, and telling people.

use super::{Engine, MAX_RECIPIENTS, claim_id};
use crate::connector::{
    ConnectorFactory, EngineError, Outcome, RunRequest, SyncRequested, Trigger,
};
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::notify::{self, Outgoing};
use crate::ports::{Email, StoreError};
use crate::repo::{Automation, Checkpoint, Claim, Lease, Repo};
use crate::run::{RunRecord, RunStatus};
use chrono::Duration;

/// What a segment leaves its close besides the run record.
pub(super) struct Leftover {
    /// The cursor of quiet pages not committed yet.
    pub checkpoint: Option<Checkpoint>,
    /// The vendor asked for a pause this long before the run goes on.
    pub resume_after: Option<Duration>,
}

impl Engine<'_> {
    /// A segment that reached its budget continues, unless segment after segment has ended
    /// without finishing a single page: then the page can never finish, and saying so beats
    /// continuing silently forever.
    pub(super) fn budget_spent(&self, run: &mut RunRecord, pages_now: u32) -> RunStatus {
        run.stalled_segments = if pages_now == 0 {
            run.stalled_segments + 1
        } else {
            0
        };
        if run.stalled_segments >= self.config.max_stalled_segments {
            run.error = Some(format!(
                "no progress: {} invocations in a row reached the time limit without finishing one page (cursor {})",
                run.stalled_segments,
                run.cursor_to.as_deref().unwrap_or("start")
            ));
            RunStatus::Failed
        } else {
            RunStatus::Continued
        }
    }

    /// Marks a run whose holder let its lease expire as interrupted, counts it as a failed
    /// run and tells it per the notification policy (a page that always kills its Lambda
    /// must not stall silently).
    pub(super) async fn interrupted(
        &self,
        factory: &dyn ConnectorFactory,
        t: &TenantId,
        c: &ConnectionId,
        abandoned: &Lease,
        lease: &Lease,
    ) -> Result<(), StoreError> {
        let repo = self.repo();
        // A run that never wrote its record is known by the lease it abandoned.
        let found = match repo.run(t, c, &abandoned.run_id).await? {
            Some(run) => Some(run),
            None => abandoned.opened_run(t, c),
        };
        let Some(mut old) = found else {
            return Ok(());
        };
        if old.status != RunStatus::Running {
            return Ok(());
        }
        let now = self.ports.clock.now();
        old.status = RunStatus::Interrupted;
        old.finished_at = Some(now);
        old.error = Some(
            "the run stopped without finishing (its process ended or stalled past its lease); taken over"
                .into(),
        );
        repo.commit(
            &lease.fence(t, c),
            vec![Repo::run_item(&old, self.retention())],
        )
        .await?;
        let policy = factory.notice_policy(self.config.notice);
        let mut outgoing = None;
        let mut paused = false;
        repo.update_connection(t, c, |conn| {
            conn.last_status = Some(RunStatus::Interrupted);
            conn.last_error = old.error.clone();
            let advice = factory.failure_advice(conn, &old);
            let was_on = conn.automation == Automation::On;
            outgoing = notify::after_run(conn, &old, &[], policy, advice.as_deref(), now);
            paused = was_on && matches!(conn.automation, Automation::Paused { .. });
        })
        .await?;
        if paused {
            crate::metrics::emit(&crate::metrics::pause_document(&old, now));
        }
        if let Some(out) = outgoing {
            self.tell(factory, t, c, &old.run_id, out).await?;
        }
        Ok(())
    }

    pub(super) async fn close(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
        mut run: RunRecord,
        status: RunStatus,
        lease: &Lease,
        left: Leftover,
    ) -> Result<Outcome, EngineError> {
        let Leftover {
            checkpoint,
            resume_after,
        } = left;
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        let now = self.ports.clock.now();
        run.status = status;
        run.finished_at = Some(now);
        // The cursor of quiet pages not yet committed goes with the final run record.
        let mut items: Vec<_> = checkpoint
            .iter()
            .map(|cp| Repo::checkpoint_item(t, c, cp))
            .collect();
        items.push(Repo::run_item(&run, self.retention()));
        match repo.commit(&lease.fence(t, c), items).await {
            Err(StoreError::ConditionFailed) => return Ok(Outcome::Fenced(run)),
            other => other?,
        }
        crate::metrics::emit_run(&run, now);
        if req.dry_run {
            repo.release_lease(t, c, lease).await?;
            return Ok(Outcome::Ran(run));
        }
        // The whole run's rejections, earlier segments included (the final segment reports
        // the run, not only itself).
        let rejected = if run.counts.rejected > 0 && status != RunStatus::Continued {
            repo.errors(t, c, &run.run_id).await?
        } else {
            Vec::new()
        };
        let policy = factory.notice_policy(self.config.notice);
        let mut outgoing = None;
        let mut paused = false;
        let mut continuation = None;
        // A webhook that arrived after this run began reading may describe a change it did
        // not see (its run request was coalesced into this one), and a person's request may
        // have found this run under way: the connection is due again at once (the
        // dispatcher's next tick) rather than at the next slot.
        // A run that ends closes the coalescing windows it covered: a webhook after it asks
        // for a run of its own.
        let missed_webhook = if status == RunStatus::Continued {
            repo.webhook_mark(t, c)
                .await?
                .is_some_and(|m| m.last_at > run.started_at)
        } else {
            repo.close_webhook_windows(t, c, run.started_at, now)
                .await?
        };
        let updated = repo
            .update_connection(t, c, |conn| {
                conn.last_status = Some(status);
                match status {
                    RunStatus::Succeeded | RunStatus::Partial => {
                        conn.last_success_at = Some(now);
                        conn.last_error = None;
                    }
                    RunStatus::Failed | RunStatus::AuthFailed => {
                        conn.last_error = run.error.clone();
                    }
                    _ => {}
                }
                factory.after_run(conn, &run, now);
                if missed_webhook && status != RunStatus::Continued {
                    conn.next_run_at = conn.next_run_at.min(now);
                }
                if status == RunStatus::Continued {
                    // Handed to the next invocation under a claim of its own; should the
                    // event be lost, the dispatcher hands it out again after the claim TTL.
                    let id = claim_id(&run.run_id, now);
                    conn.claim = Some(Claim {
                        id: id.clone(),
                        at: now,
                        resume_run: Some(run.run_id.clone()),
                    });
                    match resume_after {
                        // The vendor asked for a pause: the dispatcher hands the run out
                        // again once it has passed, instead of an event now.
                        Some(after) => conn.next_run_at = now + after,
                        None => {
                            conn.next_run_at = now + self.config.claim_ttl;
                            continuation = Some(id);
                        }
                    }
                } else {
                    conn.claim = None;
                }
                let advice = factory.failure_advice(conn, &run);
                let was_on = conn.automation == Automation::On;
                outgoing = notify::after_run(conn, &run, &rejected, policy, advice.as_deref(), now);
                // Set on every attempt of this read-modify-write: only the written one counts.
                paused = was_on && matches!(conn.automation, Automation::Paused { .. });
            })
            .await?;
        if paused {
            crate::metrics::emit(&crate::metrics::pause_document(&run, now));
        }
        if updated.is_none() {
            return Ok(Outcome::Ran(run));
        }
        if let Some(claim) = continuation {
            let event = SyncRequested {
                trigger: Trigger::Continuation { claim: Some(claim) },
                scope: run.scope.clone(),
                ..SyncRequested::new(t.clone(), c.clone(), run.connector.clone())
            };
            if let Err(e) = self
                .ports
                .bus
                .publish(&[event.to_event(&self.config.event_source)])
                .await
            {
                tracing::warn!(error = %e, "continuation event not delivered; the dispatcher resumes it after the claim expires");
            }
        }
        if let Some(out) = outgoing {
            self.tell(factory, t, c, &run.run_id, out).await?;
        }
        repo.release_lease(t, c, lease).await?;
        if status != RunStatus::Continued
            && !missed_webhook
            && repo
                .webhook_mark(t, c)
                .await?
                .is_some_and(|m| m.last_at > run.started_at)
        {
            // A request arrived while this run was closing (it found the lease still held,
            // or its window just closed): the connection is due at once, not lost.
            repo.update_connection(t, c, |conn| conn.next_run_at = conn.next_run_at.min(now))
                .await?;
        }
        Ok(Outcome::Ran(run))
    }

    /// Sends a notice to the connector's roles (at most 50 recipients per message) and records
    /// it as sent only once the mail service accepted every message; otherwise the run is
    /// remembered as untold, and the next notice tells it.
    async fn tell(
        &self,
        factory: &dyn ConnectorFactory,
        t: &TenantId,
        c: &ConnectionId,
        run_id: &RunId,
        out: Outgoing,
    ) -> Result<(), StoreError> {
        let repo = self.repo();
        let to = repo.recipients(t, factory.notify_roles()).await?;
        let mut sent = !to.is_empty();
        if to.is_empty() {
            tracing::warn!(tenant = %t, connection = %c, "failure notice not sent: no user with the notified roles");
        }
        for chunk in to.chunks(MAX_RECIPIENTS) {
            let email = Email {
                to: chunk.to_vec(),
                subject: out.message.subject.clone(),
                body: out.message.body.clone(),
            };
            if let Err(e) = self.ports.notifier.send(&email).await {
                // The mail service's text may quote addresses: log only what kind it was.
                let kind = if crate::ports::Retryability::is_retryable(&e) {
                    "unavailable"
                } else {
                    "refused"
                };
                tracing::error!(tenant = %t, connection = %c, kind, "failure notice not sent");
                sent = false;
                break;
            }
        }
        let now = self.ports.clock.now();
        repo.update_connection(t, c, |conn| {
            if sent {
                conn.notice = out.notice.clone();
            } else {
                notify::untold(conn, run_id, now);
            }
        })
        .await?;
        Ok(())
    }
}
