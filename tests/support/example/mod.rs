//! The smallest complete connector, kept as a fixture: the worked example of
//! docs/adding-a-connector.md (tests/add_example_connector.sh adds it to the product as a
//! connector of its own and counts the files that took) and the webhook-driven connector
//! the P9 tests drive. It copies an in-memory list of records into an in-memory target,
//! takes webhooks from three calling vendors, and is connected like every connector:
//! settings and a secret of its own types, checked by its `setup`.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use renkei_core::config::{Checks, Configurable, Schema};
use renkei_core::connector::WebhookSource;
use renkei_core::engine::{
    BuildEnv, Change, Connector, ConnectorFactory, Page, Pulled, RunConnector, SyncError,
    WriteResult,
};
use renkei_core::ports::{SecretStore, StateStore};
use renkei_core::repo::{Connection, Repo, Role};
use renkei_core::setup::{
    Connected, ProblemKind, SetupEnv, SetupError, SetupProblem, SetupProblems, SetupRequest,
};
use renkei_core::{Cadence, ConnectionId, TenantId};
use renkei_vendors::webhooks;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// The connector's name.
pub const NAME: &str = "example-webhooks";

/// The signing secret every example connection is given.
pub const SECRET: &str = "renkei-test-webhook-secret";

/// What a person may set: how often the connection is reconciled without a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Hours between the runs that come without a webhook (at least 1).
    #[serde(default = "daily")]
    pub reconcile_hours: u32,
}

fn daily() -> u32 {
    24
}

impl Configurable for Settings {
    fn problems(&self) -> Vec<SetupProblem> {
        Checks::new()
            .that(
                "reconcile_hours",
                self.reconcile_hours >= 1,
                "at least 1 hour",
            )
            .done()
    }
}

/// The connection's secret: the signing secrets its three vendors sign deliveries with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    /// HRBrain's and Recruitee's signing secret.
    pub webhook_secret: String,
    /// LinkedIn's (its application's client secret).
    pub client_secret: String,
}

impl Configurable for Secret {
    fn problems(&self) -> Vec<SetupProblem> {
        Checks::new()
            .signing_secret("webhook_secret", Some(&self.webhook_secret), &[])
            .signing_secret("client_secret", Some(&self.client_secret), &[])
            .done()
    }
}

/// A record: a person with a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Key.
    pub id: String,
    /// Name.
    pub name: String,
}

/// The source and the target, shared by every run of the example connector.
#[derive(Clone, Default)]
pub struct World {
    /// Records at the source.
    pub source: Arc<Mutex<Vec<Person>>>,
    /// Records written to the target, in order.
    pub written: Arc<Mutex<Vec<Person>>>,
}

/// Builds [`Example`] connectors over one [`World`].
#[derive(Clone, Default)]
pub struct Factory(pub World);

#[async_trait]
impl ConnectorFactory for Factory {
    fn name(&self) -> &'static str {
        NAME
    }

    /// The vendors whose webhooks it takes (their simulators sign deliveries in the tests).
    fn vendors(&self) -> &'static [&'static str] {
        &["hrbrain", "recruitee", "linkedin"]
    }

    fn notify_roles(&self) -> &'static [Role] {
        &[Role::Admin]
    }

    async fn build<'a>(
        &self,
        _conn: &Connection,
        _secret: Option<String>,
        _env: BuildEnv<'a>,
    ) -> Result<Box<dyn RunConnector + 'a>, SyncError> {
        Ok(Box::new(Example(self.0.clone())))
    }

    fn webhooks(&self) -> &'static [WebhookSource] {
        WEBHOOKS
    }

    fn schema(&self) -> Option<Schema> {
        Some(Schema::of::<Settings, Secret>())
    }

    /// Checks both parts, then stores the secret, each webhook endpoint's own copy of its
    /// signing secret, and the connection (not due until a webhook or its reconciliation).
    async fn setup(
        &self,
        env: SetupEnv<'_>,
        request: SetupRequest,
    ) -> Result<Connected, SetupError> {
        let (settings, secret): (Settings, Secret) = request.parts()?;
        let mut problems = settings.problems();
        problems.extend(secret.problems());
        if !problems.is_empty() {
            return Err(SetupProblems(problems).into());
        }
        let (t, c) = (request.tenant, request.connection);
        let unavailable = |e: &dyn std::fmt::Display| {
            SetupError::from(SetupProblems::from(SetupProblem::new(
                ProblemKind::Unavailable,
                e.to_string(),
            )))
        };
        let repo = Repo::new(env.store);
        if repo
            .connection(&t, &c)
            .await
            .map_err(|e| unavailable(&e))?
            .is_some()
        {
            return Err(SetupProblems::from(SetupProblem::new(
                ProblemKind::Exists,
                format!("connection {c} exists already"),
            ))
            .into());
        }
        let hours = i64::from(settings.reconcile_hours);
        let conn = Connection::new(
            t.clone(),
            c.clone(),
            NAME,
            serde_json::to_value(&settings).map_err(|e| unavailable(&e))?,
            Cadence::EveryHoursFrom {
                hours: settings.reconcile_hours,
                anchor: env.now,
            },
            env.now + Duration::hours(hours),
            env.now,
        );
        let whole = serde_json::to_value(&secret).map_err(|e| unavailable(&e))?;
        env.secrets
            .put(&conn.secret_name, &whole.to_string())
            .await
            .map_err(|e| unavailable(&e))?;
        renkei_core::webhook::store_endpoint_secrets(env.secrets, WEBHOOKS, &t, &c, &whole)
            .await
            .map_err(|e| unavailable(&e))?;
        repo.put_connection(&conn, None)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(conn.into())
    }
}

/// HRBrain and Recruitee sign with `webhook_secret`, LinkedIn with `client_secret`.
const WEBHOOKS: &[WebhookSource] = &[
    WebhookSource::new(&webhooks::HrBrain, "webhook_secret"),
    WebhookSource::new(&webhooks::Recruitee, "webhook_secret"),
    WebhookSource::new(&webhooks::LinkedIn, "client_secret"),
];

/// One run of the example connector.
pub struct Example(World);

#[async_trait]
impl Connector for Example {
    type Record = Person;
    /// How many source records were read.
    type Cursor = usize;

    async fn pull(&mut self, cursor: Option<usize>) -> Result<Page<Person, usize>, SyncError> {
        let source = self.0.source.lock().unwrap().clone();
        let from = cursor.unwrap_or(0).min(source.len());
        Ok(Page {
            records: source[from..]
                .iter()
                .map(|p| Pulled::Ready {
                    key: p.id.clone(),
                    payload: p.clone(),
                })
                .collect(),
            next_cursor: Some(source.len()),
            has_more: false,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change<Person>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        let mut written = self.0.written.lock().unwrap();
        Ok(changes
            .iter()
            .map(|ch| {
                // A dry run validates only: the target is not touched.
                if !dry_run {
                    written.push(ch.payload.clone());
                }
                WriteResult::Created
            })
            .collect())
    }
}

/// Connects `tenant/connection` to the example connector through its `setup`, as the admin
/// API and `renkei connect` do: reconciled daily, its secret holding the webhook secrets.
/// Not due until a webhook (or the daily run) comes.
pub async fn connect(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    tenant: &str,
    connection: &str,
    now: DateTime<Utc>,
) -> (TenantId, ConnectionId) {
    let request = SetupRequest {
        tenant: TenantId::new(tenant).unwrap(),
        connection: ConnectionId::new(connection).unwrap(),
        settings: serde_json::json!({}),
        secret: serde_json::json!({"webhook_secret": SECRET, "client_secret": SECRET}),
        webhook_base: None,
        own_url: None,
    };
    let env = SetupEnv {
        store,
        secrets,
        now,
    };
    let conn = Factory::default()
        .setup(env, request)
        .await
        .expect("the example connects")
        .connection;
    (conn.tenant_id, conn.connection_id)
}
