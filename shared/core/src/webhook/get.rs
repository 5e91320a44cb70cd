//! The ingress's `GET` answers, apart from deliveries because they change with the vendors'
//! sign-in and endpoint-validation flows, not with how a notification is accepted:
//!
//! - a person coming back from a vendor's consent page (`code` and `state`, or `error`):
//!   the connector finishes the authorization it started;
//! - LinkedIn's endpoint validation (`challengeCode`): an HMAC with the endpoint's secret,
//!   given only for what a challenge may be.
//!
//! Like the rest of the ingress, every refusal here is the same at every address.

use super::{
    Answer, Ingress, WebhookContract, WebhookRequest, WebhookResponse, WebhookVendor, reject,
};
use crate::connector::{Authorization, Refusal};
use crate::ids::{ConnectionId, TenantId};

fn unknown_authorization() -> Answer {
    let r = Refusal::unknown_authorization();
    Answer(
        WebhookResponse::error(r.status, &r.message),
        "authorization unknown",
    )
}

impl Ingress<'_> {
    /// A person coming back from a vendor's consent page (OAuth code flow): the connector
    /// checks the state it issued and finishes. Every authorization that cannot be finished
    /// is told the same, whether or not the address has a connection behind it.
    pub(super) async fn authorization(
        &self,
        req: &WebhookRequest,
        vendor: WebhookVendor,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<WebhookResponse, Answer> {
        let (Some(code), Some(state)) = (req.query_param("code"), req.query_param("state")) else {
            return Err(reject(400, "code and state are required"));
        };
        // The state the connector issued is the authentication, and it is in the store: the
        // connection is read whether or not the address has an endpoint secret, so that both
        // cost the same reads up to the connector's own check of the state.
        let target = self.target(vendor, t, c).await?;
        let signing = self.signing(vendor, t, c).await?;
        let (Some(target), Some(endpoint_secret)) = (target, signing.stored.as_ref()) else {
            return Err(unknown_authorization());
        };
        let a = Authorization {
            store: self.ports.store,
            conn: &target.conn,
            vendor,
            endpoint_secret,
            code,
            state,
            now: self.ports.clock.now(),
        };
        match target.factory.authorization(a).await {
            Ok(v) => Ok(WebhookResponse::new(200, v)),
            Err(r) => Err(Answer(
                WebhookResponse::error(r.status, &r.message),
                "authorization refused",
            )),
        }
    }

    /// A vendor's endpoint validation (LinkedIn's `challengeCode`): its contract reads the
    /// code — refusing what is no code before anything is read — and answers it signed with
    /// the endpoint's secret or, at an address without one, with its decoy secret, so that
    /// the answer looks the same. The answer is an HMAC with the signing secret, so the
    /// contract gives it only for what a challenge may be, and nothing a notification could
    /// be. Every refusal is the same at every address.
    pub(super) async fn challenge(
        &self,
        req: &WebhookRequest,
        contract: &dyn WebhookContract,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<WebhookResponse, Answer> {
        let code = match contract.challenge_code(req) {
            None => return Err(reject(405, "method not allowed")),
            Some(Err(why)) => return Err(reject(400, why)),
            Some(Ok(code)) => code,
        };
        let signing = self.signing(contract.vendor(), t, c).await?;
        contract
            .challenge_answer(req, code, &signing.secret, signing.stored.as_ref())
            .map(|answer| WebhookResponse::new(200, answer))
            .map_err(|why| reject(400, why))
    }
}

/// A consent the person refused at the vendor: said so (it changes nothing, so it is
/// answered alike at every address).
pub(super) fn refused_consent(req: &WebhookRequest) -> WebhookResponse {
    let e = req.query_param("error").unwrap_or_default();
    let why = req.query_param("error_description").unwrap_or(e);
    WebhookResponse::error(400, &format!("the authorization was not given: {why}"))
}
