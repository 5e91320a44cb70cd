//! How a run ends: the segment that ran out of time, the run found abandoned at takeover,
//! closing with a truthful status, and telling people.

use super::{Engine, MAX_RECIPIENTS, claim_id};
use crate::connector::{
    Cause, ConnectorFactory, EngineError, Outcome, RunRequest, SyncRequested, Trigger,
};
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::notify::{self, Outgoing};
use crate::ports::{Email, StoreError};
use crate::repo::{Automation, Checkpoint, Claim, Connection, ErrorRow, Lease, Repo};
use crate::run::{RunRecord, RunStatus};
use chrono::{DateTime, Duration, Utc};

/// What a segment leaves its close besides the run record.
pub(super) struct Leftover {
    /// The cursor of quiet pages not committed yet.
    pub checkpoint: Option<Checkpoint>,
    /// The vendor asked for a pause this long before the run goes on.
    pub resume_after: Option<Duration>,
    /// The typed cause of the run's failure, for its notice.
    pub cause: Option<Cause>,
}

/// What the connection's update at the close goes by (read before it, so that every attempt
/// of the read-modify-write decides alike).
struct Closing<'r> {
    run: &'r RunRecord,
    /// The whole run's rejections (earlier segments included), for the notice.
    rejected: Vec<ErrorRow>,
    /// A webhook or a person's request came while the run was under way.
    missed_webhook: bool,
    resume_after: Option<Duration>,
    cause: Option<Cause>,
    now: DateTime<Utc>,
}

/// What the connection's update decided. Set on every attempt of the read-modify-write: only
/// the written one counts.
#[derive(Default)]
struct Settled {
    /// The notice to send once the connection is written (None: nothing to tell).
    outgoing: Option<Outgoing>,
    /// The connection paused itself with this run.
    paused: bool,
    /// The claim of a continuation to announce now.
    continuation: Option<String>,
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
        let fence = lease.fence(t, c);
        repo.commit(&fence, vec![Repo::run_item(&old, self.retention())])
            .await?;
        let mut told = Settled::default();
        repo.update_connection(t, c, |conn| {
            conn.last_status = Some(RunStatus::Interrupted);
            conn.last_error = old.error.clone();
            let cause = Some(&Cause::INTERRUPTED);
            told = self.notice(factory, conn, &old, cause, &[], now);
        })
        .await?;
        if told.paused {
            crate::metrics::emit(&crate::metrics::pause_document(&old, now));
        }
        if let Some(out) = told.outgoing {
            self.tell(factory, t, c, &old.run_id, out).await?;
        }
        Ok(())
    }

    /// Step 6: closes the run — its final record (fenced, with the cursor of quiet pages not
    /// committed yet) and metrics, then the connection (status, next run, claim, notice
    /// bookkeeping), the continuation's event, the email, and last the lease.
    pub(super) async fn close(
        &self,
        req: &RunRequest,
        factory: &dyn ConnectorFactory,
        mut run: RunRecord,
        status: RunStatus,
        lease: &Lease,
        left: Leftover,
    ) -> Result<Outcome, EngineError> {
        let (t, c) = (&req.tenant_id, &req.connection_id);
        let repo = self.repo();
        let now = self.ports.clock.now();
        run.status = status;
        run.finished_at = Some(now);
        if !self
            .final_record(t, c, &run, lease, left.checkpoint)
            .await?
        {
            return Ok(Outcome::Fenced(run));
        }
        crate::metrics::emit_run(&run, now);
        if req.dry_run {
            repo.release_lease(t, c, lease).await?;
            return Ok(Outcome::Ran(run));
        }
        let end = Closing {
            run: &run,
            rejected: self.rejected(t, c, &run).await?,
            missed_webhook: self.missed_webhook(t, c, &run, now).await?,
            resume_after: left.resume_after,
            cause: left.cause,
            now,
        };
        let mut settled = Settled::default();
        let updated = repo
            .update_connection(t, c, |conn| settled = self.settle(factory, conn, &end))
            .await?;
        if settled.paused {
            crate::metrics::emit(&crate::metrics::pause_document(&run, now));
        }
        if updated.is_none() {
            return Ok(Outcome::Ran(run));
        }
        if let Some(claim) = settled.continuation {
            self.announce_continuation(t, c, &run, claim).await;
        }
        if let Some(out) = settled.outgoing {
            self.tell(factory, t, c, &run.run_id, out).await?;
        }
        repo.release_lease(t, c, lease).await?;
        self.due_if_asked_meanwhile(t, c, &end).await?;
        Ok(Outcome::Ran(run))
    }

    /// Writes the final run record while the fence holds, with the cursor of quiet pages not
    /// yet committed. False: the lease is gone, and the run stops without writing more.
    async fn final_record(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        run: &RunRecord,
        lease: &Lease,
        checkpoint: Option<Checkpoint>,
    ) -> Result<bool, StoreError> {
        let mut items: Vec<_> = checkpoint
            .iter()
            .map(|cp| Repo::checkpoint_item(t, c, cp))
            .collect();
        items.push(Repo::run_item(run, self.retention()));
        match self.repo().commit(&lease.fence(t, c), items).await {
            Err(StoreError::ConditionFailed) => Ok(false),
            other => other.map(|()| true),
        }
    }

    /// The whole run's rejections, earlier segments included: the final segment reports the
    /// run, not only itself (a continued one reports nothing yet).
    async fn rejected(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        run: &RunRecord,
    ) -> Result<Vec<ErrorRow>, StoreError> {
        if run.counts.rejected > 0 && run.status != RunStatus::Continued {
            self.repo().errors(t, c, &run.run_id).await
        } else {
            Ok(Vec::new())
        }
    }

    /// Whether a webhook arrived after this run began reading: it may describe a change the
    /// run did not see (its run request was coalesced into this one), and a person's request
    /// may have found this run under way; either makes the connection due again at once (the
    /// dispatcher's next tick) rather than at the next slot. A run that ends closes the
    /// coalescing windows it covered, so a webhook after it asks for a run of its own.
    async fn missed_webhook(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        run: &RunRecord,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let repo = self.repo();
        if run.status == RunStatus::Continued {
            Ok(repo
                .webhook_mark(t, c)
                .await?
                .is_some_and(|m| m.last_at > run.started_at))
        } else {
            repo.close_webhook_windows(t, c, run.started_at, now).await
        }
    }

    /// The connection after the run: its last status and error, its next run (the cadence,
    /// at once after a missed webhook), the claim of a continuation or none, and the notice.
    fn settle(
        &self,
        factory: &dyn ConnectorFactory,
        conn: &mut Connection,
        end: &Closing<'_>,
    ) -> Settled {
        let (run, now) = (end.run, end.now);
        let status = run.status;
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
        factory.after_run(conn, run, now);
        if end.missed_webhook && status != RunStatus::Continued {
            conn.next_run_at = conn.next_run_at.min(now);
        }
        let continuation = if status == RunStatus::Continued {
            self.hand_on(conn, run, end.resume_after, now)
        } else {
            conn.claim = None;
            None
        };
        let cause = end.cause.as_ref();
        let settled = self.notice(factory, conn, run, cause, &end.rejected, now);
        Settled {
            continuation,
            ..settled
        }
    }

    /// Hands a continued run to the next invocation under a claim of its own (should its
    /// event be lost, the dispatcher hands it out again after the claim's lifetime). When the
    /// vendor asked for a pause, the dispatcher hands it out once the pause has passed instead
    /// of an event now. Returns the claim to announce now, if any.
    fn hand_on(
        &self,
        conn: &mut Connection,
        run: &RunRecord,
        resume_after: Option<Duration>,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let id = claim_id(&run.run_id, now);
        conn.claim = Some(Claim {
            id: id.clone(),
            at: now,
            resume_run: Some(run.run_id.clone()),
        });
        match resume_after {
            Some(after) => {
                conn.next_run_at = now + after;
                None
            }
            None => {
                conn.next_run_at = now + self.config.claim_ttl;
                Some(id)
            }
        }
    }

    /// The notice a finished run gets (notify/, with the failure's typed cause), and whether
    /// the policy paused the connection with it.
    fn notice(
        &self,
        factory: &dyn ConnectorFactory,
        conn: &mut Connection,
        run: &RunRecord,
        cause: Option<&Cause>,
        rejected: &[ErrorRow],
        now: DateTime<Utc>,
    ) -> Settled {
        let policy = factory.notice_policy(self.config.notice);
        let advice = factory.failure_advice(conn, run);
        let was_on = conn.automation == Automation::On;
        let outgoing =
            notify::after_run(conn, run, cause, rejected, policy, advice.as_deref(), now);
        Settled {
            outgoing,
            paused: was_on && matches!(conn.automation, Automation::Paused { .. }),
            continuation: None,
        }
    }

    /// Announces a continuation: an event with its claim, for a new invocation now. A lost
    /// event is not fatal: the dispatcher resumes the run once the claim expires.
    async fn announce_continuation(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        run: &RunRecord,
        claim: String,
    ) {
        let event = SyncRequested {
            trigger: Trigger::Continuation { claim: Some(claim) },
            scope: run.scope.clone(),
            ..SyncRequested::new(t.clone(), c.clone(), run.connector.clone())
        };
        let events = [event.to_event(&self.config.event_source)];
        if let Err(e) = self.ports.bus.publish(&events).await {
            tracing::warn!(error = %e, "continuation event not delivered; the dispatcher resumes it after the claim expires");
        }
    }

    /// A request that arrived while this run was closing (it found the lease still held, or
    /// its window just closed) makes the connection due at once, so it is not lost.
    async fn due_if_asked_meanwhile(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        end: &Closing<'_>,
    ) -> Result<(), StoreError> {
        let (run, now) = (end.run, end.now);
        if run.status == RunStatus::Continued || end.missed_webhook {
            return Ok(());
        }
        let repo = self.repo();
        let asked = repo
            .webhook_mark(t, c)
            .await?
            .is_some_and(|m| m.last_at > run.started_at);
        if asked {
            repo.update_connection(t, c, |conn| conn.next_run_at = conn.next_run_at.min(now))
                .await?;
        }
        Ok(())
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
