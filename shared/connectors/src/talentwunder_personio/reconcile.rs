//! C4.4 on v2: a create whose answer was lost (the mark says *sending*, or the answer just
//! failed to arrive) is checked against Personio before anything is sent again — the
//! candidate's applications, read back by email and narrowed to those updated since shortly
//! before renkei first sent (`GET /v2/recruiting/applications?candidate.email=…&
//! updated_at.gt=…`), hold one for the job: it was filed.
//!
//! Only a complete read-back counts: one that could not read every page is no answer, and
//! the profile waits, its mark *sending*, for a later run to read again. Where renkei cannot
//! read back at all (v1 credentials, or the connection set to [`Reconcile::DuplicateRule`])
//! Personio's duplicate rule tells instead (filing.rs).

use super::filing::TalentwunderPersonio;
use super::upload::Queued;
use chrono::{DateTime, Duration, Utc};
use renkei_core::engine::SyncError;
use renkei_vendors::personio::{Listing, READ_BACK_OPEN};
use serde::{Deserialize, Serialize};

/// How a create whose answer was lost is reconciled.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Reconcile {
    /// v2: read the candidate's applications back before anything is sent again (v1
    /// credentials cannot, and use the duplicate rule).
    #[default]
    ReadBack,
    /// Send it again and let Personio's duplicate rule tell (same email, same job →
    /// `errors.applicant-already-exists`): the way out should Personio refuse the read-back
    /// query (docs/contracts/personio.md).
    DuplicateRule,
}

/// How long before renkei first sent an application the read-back starts looking: clocks
/// differ, and Personio's `updated_at` is its own. A day covers any skew, and a candidate
/// has few applications updated within a day, so the list stays short.
pub(super) const CLOCK_MARGIN: Duration = Duration::days(1);

/// What reading back found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadBack {
    /// Personio holds the application: filed.
    Filed,
    /// Every page was read and it is not there (yet).
    NotFound,
    /// No read-back: v1 credentials, the duplicate rule chosen, or no email to look for
    /// (then Personio, which requires one, filed nothing).
    Unavailable,
}

impl TalentwunderPersonio<'_> {
    /// Whether Personio holds `q`'s application for its job, looking at what was updated
    /// after `sent_at` (when renkei first sent it) less [`CLOCK_MARGIN`]. A read-back that
    /// could not see every page is a retryable error: never "not found".
    pub(super) async fn read_back(
        &self,
        q: &Queued,
        sent_at: DateTime<Utc>,
    ) -> Result<ReadBack, SyncError> {
        let email = q
            .profile
            .email
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        if !self.personio.can_read_back()
            || self.settings.reconcile == Reconcile::DuplicateRule
            || email.is_empty()
        {
            return Ok(ReadBack::Unavailable);
        }
        let listing = self
            .personio
            .applications_of(email, Some(sent_at - CLOCK_MARGIN))
            .await
            .map_err(SyncError::from)?;
        let found = match listing {
            Listing::Complete(found) => found,
            Listing::Open(why) => {
                return Err(SyncError::Retryable(format!(
                    "whether Personio holds {}'s application is unknown: the read-back was incomplete ({why}); nothing is sent again, and a later run reads back again",
                    q.record_key()
                ))
                .because(READ_BACK_OPEN));
            }
        };
        let filed = found.iter().any(|a| a.is(email, q.job_position_id));
        tracing::info!(
            upload = %q.upload_id,
            n = q.n,
            filed,
            "read back after a lost create answer"
        );
        Ok(if filed {
            ReadBack::Filed
        } else {
            ReadBack::NotFound
        })
    }
}
