//! A `POST`: a vendor's notification, from its signature to the run it requests (steps 2–7
//! of the list in mod.rs). Kept apart from the `GET` answers (get.rs) and the plumbing both
//! share (mod.rs) because it changes for its own reason: the rules by which a delivery is
//! authenticated, checked for age, kept once, coalesced and turned into a `SyncRequested`.

use super::{Answer, Ingress, WebhookContract, WebhookRequest, WebhookResponse, reject};
use crate::connector::{Delivery, SyncRequested, Trigger};
use crate::ids::{ConnectionId, TenantId};
use crate::repo::Repo;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

impl Ingress<'_> {
    /// A notification: authenticated, checked for age and replay, kept by the connector,
    /// and turned into a run request (or joined to one).
    pub(super) async fn delivery(
        &self,
        req: &WebhookRequest,
        contract: &dyn WebhookContract,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<WebhookResponse, Answer> {
        let vendor = contract.vendor();
        // Recruitee sends its test ping when the webhook is created, before the customer
        // can store the secret it generates; it changes nothing, so it needs no signature,
        // and it is answered alike at every Recruitee address.
        if contract.is_test_ping(&req.body) {
            return Ok(WebhookResponse::new(200, json!({ "test": "ok" })));
        }
        let signature = req
            .header(contract.signature_header())
            .ok_or_else(|| reject(401, "signature missing"))?;
        let signing = self.signing(vendor, t, c).await?;
        // The decoy is checked too (and then refused), so that both take the same time.
        let verified = contract.verify(signing.secret.as_bytes(), &req.body, signature);
        if !(verified && signing.stored.is_some()) {
            return Err(reject(401, "signature invalid"));
        }
        // Authenticated: from here on the caller holds the endpoint's secret.
        let json: Value =
            serde_json::from_slice(&req.body).map_err(|_| reject(400, "body is not JSON"))?;
        let now = self.ports.clock.now();
        if let Some(at) = contract.timestamp(&json) {
            let at = at.map_err(|_| reject(400, "timestamp missing or malformed"))?;
            if (now - at).abs() > self.config.max_age {
                return Err(reject(401, "timestamp outside the accepted window"));
            }
        }
        let window = contract.redelivery_window().max(self.config.dedupe_ttl);
        let sent_at = match contract.sent_at(&json) {
            Some(Ok(at)) => Some(at),
            Some(Err(_)) => return Err(reject(400, "timestamp malformed")),
            None => None,
        };
        if let Some(at) = sent_at
            && (now - at > window || at - now > self.config.max_ahead)
        {
            // Older than any redelivery: a replay the dedupe item no longer catches.
            return Err(reject(401, "timestamp outside the accepted window"));
        }
        let Some(target) = self.target(vendor, t, c).await? else {
            return Err(reject(401, "unknown webhook endpoint"));
        };
        let plan = target
            .factory
            .on_webhook(Delivery {
                store: self.ports.store,
                conn: &target.conn,
                vendor,
                body: &json,
                now,
            })
            .await
            .map_err(|r| {
                Answer(
                    WebhookResponse::error(r.status, &r.message),
                    "refused by the connector",
                )
            })?;
        let kept = plan.answer.as_ref();
        let repo = Repo::new(self.ports.store);
        let id = contract.delivery_id(&req.body, &json);
        // Remembered until the body's own time is past the window: a replay after that is
        // refused by its time (above).
        let expires = dedupe_expiry(now, sent_at, window);
        if !repo
            .first_delivery(t, c, vendor.as_str(), &id, now, expires)
            .await?
        {
            return Ok(WebhookResponse::new(200, json!({ "duplicate": true })).with(kept));
        }
        // The kind of change decides the kind of run (a connector may do part of its work).
        let scope = plan.scope;
        if !repo
            .note_webhook(t, c, scope.as_deref(), now, self.config.coalesce)
            .await?
        {
            return Ok(WebhookResponse::new(202, json!({ "coalesced": true })).with(kept));
        }
        let event = SyncRequested {
            trigger: Trigger::Webhook,
            scope,
            ..SyncRequested::new(t.clone(), c.clone(), target.conn.connector.clone())
        };
        if self
            .ports
            .bus
            .publish(&[event.to_event(&self.config.event_source)])
            .await
            .is_err()
        {
            // Undo, so that the vendor's retry is neither a replay nor coalesced away.
            let _ = repo.forget_delivery(t, c, vendor.as_str(), &id).await;
            let _ = repo.reopen_webhooks(t, c).await;
            return Err(reject(503, "event bus unavailable"));
        }
        Ok(WebhookResponse::new(202, json!({ "requested": true })).with(kept))
    }
}

/// When a delivery's dedupe item may go: a window after the later of now and the time its
/// body says it was made.
fn dedupe_expiry(
    now: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    window: Duration,
) -> DateTime<Utc> {
    sent_at.map_or(now, |at| at.max(now)) + window
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s28_4_a_delivery_is_remembered_until_its_body_time_is_past_the_window() {
        let now = Utc::now();
        let w = Duration::days(30);
        assert_eq!(dedupe_expiry(now, None, w), now + w);
        assert_eq!(
            dedupe_expiry(now, Some(now - Duration::days(2)), w),
            now + w
        );
        let ahead = now + Duration::minutes(30);
        assert_eq!(dedupe_expiry(now, Some(ahead), w), ahead + w);
    }
}
