//! The connector author's API: what a connector implements ([`Connector`], built by a
//! [`ConnectorFactory`]), the records it hands the engine, the errors it reports, and how it
//! reads its settings and secret. How the engine drives it type-erased is in `erased.rs`;
//! the requests, events and outcomes around a run are in `request.rs` (re-exported here);
//! the engine itself is in `engine/`.

use crate::heartbeat::{Halt, Heartbeat};
use crate::notify::NoticePolicy;
use crate::ports::{StateStore, StoreError};
use crate::repo::{Connection, Role};

pub use crate::erased::{Payload, RunConnector, decode_cursor, encode_cursor};
pub use crate::request::*;
mod webhook;
use crate::run::{RunRecord, RunStatus};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
pub use webhook::{
    Authorization, Delivery, Refusal, UNKNOWN_AUTHORIZATION, WebhookPlan, WebhookSource,
};

mod cause;
pub use cause::{Cause, Class, RENKEI};

/// Errors a connector reports, each saying whether trying again can help, and — where the
/// raiser knows it — why, as a typed [`Cause`] ([`SyncError::because`]).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SyncError {
    /// The vendor refused the credentials: a person must fix them.
    #[error("{0}")]
    Auth(String),
    /// Throttling, network or server trouble: a later run will likely succeed.
    #[error("{0}")]
    Retryable(String),
    /// Configuration or contract problem: retrying without a change will not help.
    #[error("{0}")]
    Permanent(String),
    /// The run must stop at once (its lease is gone, or its deadline is near).
    #[error("{0}")]
    Halted(#[from] Halt),
    /// One of the errors above with its typed cause: it reads and counts as `error` does
    /// (match on [`SyncError::plain`] to tell Auth, Retryable and Permanent apart), and the
    /// notification policy knows it again by `cause` rather than by its text.
    #[error("{error}")]
    Caused {
        /// Why it failed.
        cause: Cause,
        /// What failed, and whether trying again can help.
        error: Box<SyncError>,
    },
}

impl SyncError {
    /// This error with its typed cause (replacing one it had). A halt stays as it is: it is
    /// how a run stops, not a failure.
    pub fn because(self, cause: Cause) -> Self {
        match self {
            SyncError::Halted(_) => self,
            SyncError::Caused { error, .. } => SyncError::Caused { cause, error },
            other => SyncError::Caused {
                cause,
                error: Box::new(other),
            },
        }
    }

    /// The typed cause, when whoever raised the error knew it.
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            SyncError::Caused { cause, .. } => Some(cause),
            _ => None,
        }
    }

    /// The error without its cause: `Auth`, `Retryable`, `Permanent` or `Halted`, what code
    /// that decides by the kind of failure matches on.
    pub fn plain(&self) -> &SyncError {
        match self {
            SyncError::Caused { error, .. } => error.plain(),
            other => other,
        }
    }
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Corrupt(m) => {
                SyncError::Permanent(m).because(Cause::renkei("store", Class::Invalid))
            }
            other => SyncError::Retryable(other.to_string())
                .because(Cause::renkei("store", Class::Unavailable)),
        }
    }
}

/// A record as pulled and mapped by the connector (`R`: the connector's typed record).
#[derive(Debug, Clone, PartialEq)]
pub enum Pulled<R = Payload> {
    /// Ready to write: `payload` is what the target should hold for `key`.
    Ready {
        /// Stable record key at the target (e.g. 社員番号).
        key: String,
        /// The mapped record; its hash decides whether a write is needed.
        payload: R,
    },
    /// Outside the connection's scope; not an error.
    Skipped,
    /// Bad input: goes to the error report, the run goes on.
    Rejected {
        /// How a person finds the record.
        record: String,
        /// Why.
        reason: String,
    },
}

/// One page from the source (`K`: the connector's typed cursor).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<R = Payload, K = String> {
    /// Records in source order.
    pub records: Vec<Pulled<R>>,
    /// Cursor after this page (saved once the page's writes succeeded).
    pub next_cursor: Option<K>,
    /// Whether another page follows now.
    pub has_more: bool,
}

impl<R, K> Default for Page<R, K> {
    fn default() -> Self {
        Self {
            records: Vec::new(),
            next_cursor: None,
            has_more: false,
        }
    }
}

/// A record to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<R = Payload> {
    /// Record key.
    pub key: String,
    /// Mapped record.
    pub payload: R,
}

/// What happened to one written record, in the order of the changes given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteResult {
    /// Created.
    Created,
    /// Updated.
    Updated,
    /// The target already held this record (an idempotent create found it): no change.
    Unchanged,
    /// The target refused it.
    Rejected(String),
}

/// What a connector does; the engine does everything else (leases, hashes, checkpoints,
/// error reports, notices).
#[async_trait]
pub trait Connector: Send {
    /// A mapped record, as the target takes it. Its JSON form is hashed to skip writes of
    /// records that did not change.
    type Record: Serialize + Clone + Send + Sync + 'static;
    /// Where the source stands after a page (saved as the checkpoint). A cursor that is a
    /// JSON string is stored as that string; anything else as JSON.
    type Cursor: Serialize + DeserializeOwned + Send + Sync;

    /// Once per segment (a run continued in a new invocation begins again), before its
    /// first page: tokens, the target's existing keys.
    async fn begin(&mut self) -> Result<(), SyncError> {
        Ok(())
    }
    /// The page after `cursor` (None: the connection's start).
    async fn pull(
        &mut self,
        cursor: Option<Self::Cursor>,
    ) -> Result<Page<Self::Record, Self::Cursor>, SyncError>;
    /// Writes changes as upserts, or only validates them when `dry_run`.
    async fn write(
        &mut self,
        changes: &[Change<Self::Record>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError>;
}

/// A connection's settings as the connector's type: the one way every factory reads them.
pub fn decode_settings<S: DeserializeOwned>(conn: &Connection) -> Result<S, SyncError> {
    serde_json::from_value(conn.settings.clone())
        .map_err(|e| SyncError::Permanent(format!("connection settings unreadable: {e}")))
}

/// A connection's settings and secret as the connector's types (what every factory's build
/// starts with): [`decode_settings`], then [`decode_secret`] with `missing` as its advice.
pub fn decode_parts<S: DeserializeOwned, K: DeserializeOwned>(
    conn: &Connection,
    secret: Option<&str>,
    missing: &str,
) -> Result<(S, K), SyncError> {
    Ok((decode_settings(conn)?, decode_secret(secret, missing)?))
}

/// A connection's secret as the connector's type: the one way every factory reads it.
/// No secret stored is an authentication problem a person fixes (`missing` says how); an
/// unreadable one is named by position only, since a decoder's message may quote a value.
pub fn decode_secret<S: DeserializeOwned>(
    secret: Option<&str>,
    missing: &str,
) -> Result<S, SyncError> {
    let secret = secret.ok_or_else(|| SyncError::Auth(missing.to_string()))?;
    serde_json::from_str(secret).map_err(|e| {
        SyncError::Auth(format!(
            "stored credentials unreadable ({:?} at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

/// What a factory may read while building a connector, besides the connection itself.
#[derive(Clone, Copy)]
pub struct BuildEnv<'a> {
    /// The state store (e.g. a tenant's routing rules).
    pub store: &'a dyn StateStore,
    /// The secret store, for what a connector keeps besides the connection's secret (the
    /// deployment's own credentials, a credential it provisions); IAM decides which names.
    pub secrets: &'a dyn crate::ports::SecretStore,
    /// The run's start: the one "now" a connector uses (time windows end here).
    pub now: DateTime<Utc>,
    /// The engine's clock, for what is measured while the run goes on (progress, ETA).
    pub clock: &'a dyn crate::clock::Clock,
    /// Beat before every vendor write and every long wait (vendor clients take it).
    pub heartbeat: &'a Arc<dyn Heartbeat>,
    /// The part of the work the run was asked for (one of the factory's
    /// [`ConnectorFactory::scopes`]); None: all of it.
    pub scope: Option<&'a str>,
    /// Where the deployment lets the connector call out (addresses that come with the work,
    /// such as a CV's download URL, are checked against it).
    pub outbound: &'a crate::outbound::OutboundPolicy,
    /// Simulated seconds per real second of the run's environment ([`REAL_TIME`] in a
    /// deployment; [`EngineConfig::time_scale`]): the vendor clients' rate windows and
    /// waits are divided by it, so that they match a time-scaled sandbox.
    pub time_scale: f64,
}

/// Builds a connector for a connection from its settings and secret.
#[async_trait]
pub trait ConnectorFactory: Send + Sync {
    /// The connector's name (its function folder).
    fn name(&self) -> &'static str;
    /// The vendors it talks to, by the sandbox simulator's name (the consistency test
    /// checks that each one is simulated).
    fn vendors(&self) -> &'static [&'static str];
    /// Roles told about failures.
    fn notify_roles(&self) -> &'static [Role];
    /// A connector ready to run. It may keep `env`'s borrows (a connector whose target has
    /// no upsert keeps its own records of what it sent in the store) for the run.
    async fn build<'a>(
        &self,
        conn: &Connection,
        secret: Option<String>,
        env: BuildEnv<'a>,
    ) -> Result<Box<dyn RunConnector + 'a>, SyncError>;

    /// Connects a tenant's accounts: reads what the person entered into the connector's
    /// settings and secret types, checks everything with the vendors at once (every problem
    /// is answered, typed, so the CLI, the admin API and the console show them alike), then
    /// stores the secret and the connection. The admin API, the CLI and the sandbox all
    /// connect through here. Default: this connector is not connected this way.
    async fn setup(
        &self,
        _env: crate::setup::SetupEnv<'_>,
        _request: crate::setup::SetupRequest,
    ) -> Result<crate::setup::Connected, crate::setup::SetupError> {
        Err(crate::setup::SetupError::NotHere(format!(
            "{} is not connected with settings and a secret",
            self.name()
        )))
    }

    /// The work a new connection needs before its first sync, done by the sandbox right
    /// after connecting (one process, no run wanted yet). Elsewhere the connector's own
    /// function does it in the run that [`crate::setup::Connected`]'s `run_at_once` asks
    /// for: the admin API publishes that run, `renkei connect` requests it (the embedded
    /// backend runs it at once). Default: none.
    async fn prepare(
        &self,
        _env: crate::setup::SetupEnv<'_>,
        _conn: &Connection,
    ) -> Result<(), SyncError> {
        Ok(())
    }

    /// The operations this connector offers beside syncing, served by the admin API under
    /// their segment and reached by the sandbox the same way. None: it has none.
    fn actions(&self) -> Option<crate::action::Actions> {
        None
    }

    /// Does one of [`ConnectorFactory::actions`] on `conn`: `body` is read into the
    /// connector's typed action, and its typed answer comes back as the JSON the caller is
    /// shown (the one place it is erased, at the edge where a request came in as JSON).
    async fn act(
        &self,
        _env: crate::setup::SetupEnv<'_>,
        _conn: &Connection,
        action: &str,
        _body: &serde_json::Value,
    ) -> Result<serde_json::Value, crate::action::ActionError> {
        Err(crate::action::ActionError::Unknown {
            action: action.to_string(),
            known: &[],
        })
    }

    /// Updates the connection after a run: at least `next_run_at`. The default follows the
    /// cadence, and a continued run is due again at once.
    fn after_run(&self, conn: &mut Connection, run: &RunRecord, now: DateTime<Utc>) {
        conn.next_run_at = if run.status == RunStatus::Continued {
            now
        } else {
            conn.cadence.next_after(now)
        };
    }

    /// How long a record's content hash is kept (None: as long as the connection). Records
    /// that come and go (applicants) set one so that hash rows do not grow forever.
    fn hash_ttl(&self) -> Option<Duration> {
        None
    }

    /// The connector's settings and secret types, which check what people change after
    /// connecting (`renkei settings|credentials set`, the admin API). None: nothing of its
    /// connections can be changed by hand.
    fn schema(&self) -> Option<crate::config::Schema> {
        None
    }

    /// The notification policy for this connector's connections.
    fn notice_policy(&self, default: NoticePolicy) -> NoticePolicy {
        default
    }

    /// What a person should do about a failed run, told in the failure email.
    fn failure_advice(&self, _conn: &Connection, _run: &RunRecord) -> Option<String> {
        None
    }

    /// The vendors whose webhooks start this connector's runs (P9), each with where its
    /// signing secret is in the connection's secret. Empty: schedule only.
    fn webhooks(&self) -> &'static [WebhookSource] {
        &[]
    }

    /// The parts a run can be asked to do alone (e.g. departments, employees), each a
    /// word a person types; empty: a run always does all the work.
    fn scopes(&self) -> &'static [&'static str] {
        &[]
    }

    /// What a vendor's verified delivery asks of this connector (P9), decided before the
    /// ingress answers: keep what the delivery carries (a Talentwunder upload's profiles, a
    /// Recruitee deletion — the run it requests reads them from the store; vendors retry, so
    /// keeping must be idempotent), which part of the work to run (C3: `organization.*`
    /// events are departments), or refuse it with a status. Default: the delivery asks for
    /// a run of all the work and carries nothing to keep.
    async fn on_webhook(&self, _delivery: Delivery<'_>) -> Result<WebhookPlan, Refusal> {
        Ok(WebhookPlan::default())
    }

    /// Finishes a person's authorization (OAuth code flow) that the vendor sent back to the
    /// connection's webhook address; the answer is shown to the person. Default: none.
    /// (Refused as an unknown authorization, as for an address that does not exist, so that
    /// the answer tells nothing about which connections exist.)
    async fn authorization(&self, _a: Authorization<'_>) -> Result<serde_json::Value, Refusal> {
        Err(Refusal::unknown_authorization())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Secret {
        #[allow(dead_code)]
        token: String,
    }

    #[test]
    fn p12_an_unreadable_secret_is_named_without_quoting_it() {
        let err = decode_secret::<Secret>(Some(r#"{"token": 12345678}"#), "none").unwrap_err();
        assert!(matches!(err, SyncError::Auth(_)));
        assert!(!err.to_string().contains("12345678"), "{err}");
        let err = decode_secret::<Secret>(None, "connect again").unwrap_err();
        assert_eq!(err, SyncError::Auth("connect again".into()));
    }
}
