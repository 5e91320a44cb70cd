//! A trivial connector kept as a fixture: the worked example of docs/adding-a-connector.md
//! (its files outside this folder are counted there) and the webhook-driven connector the
//! P9 tests drive. It copies an in-memory list of records into an in-memory target, and
//! takes webhooks from all three calling vendors.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use renkei_core::connector::WebhookSource;
use renkei_core::engine::{
    BuildEnv, Change, Connector, ConnectorFactory, Page, Pulled, RunConnector, SyncError,
    WriteResult,
};
use renkei_core::ports::{SecretStore, StateStore};
use renkei_core::repo::{Connection, Repo, Role};
use renkei_core::webhook::WebhookVendor;
use renkei_core::{Cadence, ConnectionId, TenantId};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// The connector's name.
pub const NAME: &str = "example-webhooks";

/// The signing secret every example connection is given.
pub const SECRET: &str = "renkei-test-webhook-secret";

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

    fn vendors(&self) -> &'static [&'static str] {
        &[]
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
        const WEBHOOKS: &[WebhookSource] = &[
            WebhookSource::new(WebhookVendor::HrBrain, "webhook_secret"),
            WebhookSource::new(WebhookVendor::Recruitee, "webhook_secret"),
            WebhookSource::new(WebhookVendor::LinkedIn, "client_secret"),
        ];
        WEBHOOKS
    }
}

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
        _dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        let mut written = self.0.written.lock().unwrap();
        Ok(changes
            .iter()
            .map(|ch| {
                written.push(ch.payload.clone());
                WriteResult::Created
            })
            .collect())
    }
}

/// Connects `tenant/connection` to the example connector: reconciled daily, its secret
/// holding the webhook secrets, each endpoint's copy written as setup writes it. Not due
/// until a webhook (or the daily run) comes.
pub async fn connect(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    tenant: &str,
    connection: &str,
    now: DateTime<Utc>,
) -> (TenantId, ConnectionId) {
    let t = TenantId::new(tenant).unwrap();
    let c = ConnectionId::new(connection).unwrap();
    let conn = Connection::new(
        t.clone(),
        c.clone(),
        NAME,
        serde_json::json!({}),
        Cadence::EveryHoursFrom {
            hours: 24,
            anchor: now,
        },
        now + Duration::hours(24),
        now,
    );
    let secret = serde_json::json!({"webhook_secret": SECRET, "client_secret": SECRET});
    secrets
        .put(&conn.secret_name, &secret.to_string())
        .await
        .unwrap();
    renkei_core::webhook::store_endpoint_secrets(
        secrets,
        Factory::default().webhooks(),
        &t,
        &c,
        &secret,
    )
    .await
    .unwrap();
    Repo::new(store).put_connection(&conn, None).await.unwrap();
    (t, c)
}
