//! What a connector declares about the webhooks it takes and what the ingress hands it: the
//! sources (each vendor's contract and where its signing secret is), a verified delivery
//! and the plan the connector makes of it, a person's authorization coming back, and the
//! refusal both may answer with.

use crate::ports::{StateStore, StoreError};
use crate::repo::Connection;
use chrono::{DateTime, Utc};

/// A person's authorization coming back from a vendor's OAuth consent (a GET with `code`
/// and `state` to the connection's webhook address), as
/// [`super::ConnectorFactory::authorization`] sees it.
#[derive(Clone, Copy)]
pub struct Authorization<'a> {
    /// Where the connector keeps its state.
    pub store: &'a dyn StateStore,
    /// The connection.
    pub conn: &'a crate::repo::Connection,
    /// The calling vendor (the `{vendor}` of the address).
    pub vendor: crate::webhook::WebhookVendor,
    /// The endpoint's own secret (JSON: `signing_secret` and the source's `also` fields);
    /// never the connection's secret, which the webhooks function cannot read.
    pub endpoint_secret: &'a serde_json::Value,
    /// The authorization code.
    pub code: &'a str,
    /// The state the connector issued.
    pub state: &'a str,
    /// Now.
    pub now: DateTime<Utc>,
}

/// What a verified delivery asks for, as [`super::ConnectorFactory::on_webhook`] decides it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookPlan {
    /// Fields joined to the ingress's answer to the vendor (a Talentwunder upload's id and
    /// counts); None: the ingress's own answer alone.
    pub answer: Option<serde_json::Value>,
    /// The part of the work the run is asked to do (one of
    /// [`super::ConnectorFactory::scopes`]); None: all of it.
    pub scope: Option<String>,
}

impl WebhookPlan {
    /// A plan whose answer carries `fields` and whose run does all the work.
    pub fn answering(fields: serde_json::Value) -> Self {
        Self {
            answer: Some(fields),
            scope: None,
        }
    }

    /// A plan whose run does only `scope` (None: all of it).
    pub fn scoped(scope: Option<String>) -> Self {
        Self {
            answer: None,
            scope,
        }
    }
}

/// A verified webhook delivery, as [`super::ConnectorFactory::on_webhook`] sees it.
#[derive(Clone, Copy)]
pub struct Delivery<'a> {
    /// Where to keep it.
    pub store: &'a dyn StateStore,
    /// The connection it is for.
    pub conn: &'a Connection,
    /// The calling vendor.
    pub vendor: crate::webhook::WebhookVendor,
    /// The body, parsed.
    pub body: &'a serde_json::Value,
    /// When it arrived.
    pub now: DateTime<Utc>,
}

/// Why a delivery was not accepted: the HTTP status and what the vendor's caller is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// 4xx: the caller must change the request; 503: try again later.
    pub status: u16,
    /// What is wrong (names the record and the reason).
    pub message: String,
}

/// What every authorization that cannot be finished is told, whatever the reason (an
/// unknown, used or expired state, an address that does not exist, a connection that takes
/// none): one answer, so that it tells nothing about which connections exist.
pub const UNKNOWN_AUTHORIZATION: &str =
    "this authorization is unknown, used or expired: start linking again";

impl Refusal {
    /// 400 [`UNKNOWN_AUTHORIZATION`].
    pub fn unknown_authorization() -> Self {
        Self {
            status: 400,
            message: UNKNOWN_AUTHORIZATION.into(),
        }
    }
}

impl From<StoreError> for Refusal {
    fn from(_: StoreError) -> Self {
        Self {
            status: 503,
            message: "state store unavailable".into(),
        }
    }
}

/// A vendor whose signed webhooks may start a connection's run.
///
/// The webhooks function never reads the connection's secret: setup, rotation and
/// `renkei migrate-secrets` copy the signing secret (and `also`) into the endpoint's own
/// secret ([`crate::webhook::endpoint_secret_name`]), which only that function may read.
#[derive(Clone, Copy)]
pub struct WebhookSource {
    /// The calling vendor's contract (renkei_vendors::webhooks): how its deliveries are
    /// signed, identified and dated.
    pub contract: &'static dyn crate::webhook::WebhookContract,
    /// The field of the connection's secret (a JSON object) holding the signing secret: a
    /// top-level name, or a JSON pointer (`/child/client_secret`).
    pub secret_field: &'static str,
    /// Other fields the endpoint needs beside the signing secret, each as (its name in the
    /// endpoint's secret, where it is in the connection's secret): C5's LinkedIn client id,
    /// for the authorizations LinkedIn sends back to the same address. Never a vendor API
    /// credential.
    pub also: &'static [(&'static str, &'static str)],
}

impl WebhookSource {
    /// A source whose endpoint needs the signing secret only.
    pub const fn new(
        contract: &'static dyn crate::webhook::WebhookContract,
        secret_field: &'static str,
    ) -> Self {
        Self {
            contract,
            secret_field,
            also: &[],
        }
    }

    /// The calling vendor.
    pub fn vendor(&self) -> crate::webhook::WebhookVendor {
        self.contract.vendor()
    }
}

impl std::fmt::Debug for WebhookSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSource")
            .field("vendor", &self.vendor())
            .field("secret_field", &self.secret_field)
            .field("also", &self.also)
            .finish()
    }
}

impl PartialEq for WebhookSource {
    fn eq(&self, other: &Self) -> bool {
        self.vendor() == other.vendor()
            && self.secret_field == other.secret_field
            && self.also == other.also
    }
}

impl Eq for WebhookSource {}
