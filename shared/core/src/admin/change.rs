//! Changing a connection after it was connected, for every connector: its settings and
//! schedule (checked by the connector's settings type; the next run reads the connection
//! afresh, so a change holds from then on) and its credentials (checked by its secret type
//! and written under the connection's secret name; every run reads the secret anew, nothing
//! keeps one across runs). Secrets are write-only here: what is answered names fields, never
//! a value.

use super::AdminError;
use crate::cadence::Cadence;
use crate::clock::Clock;
use crate::config::{Schema, change_cadence};
use crate::ports::{SecretStore, StateStore};
use crate::repo::{Automation, Connection, Repo};
use crate::setup::{ProblemKind, SetupProblem, SetupProblems};
use crate::{ConnectionId, Registry, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A connection's settings and schedule, as people see and change them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsView {
    /// The tenant the connection belongs to.
    pub tenant_id: TenantId,
    /// The connection shown.
    pub connection_id: ConnectionId,
    /// The connection's connector, whose types say which settings there are.
    pub connector: String,
    /// When it runs on its own.
    pub cadence: Cadence,
    /// When it runs next (None while automation is off or paused).
    pub next_run_at: Option<DateTime<Utc>>,
    /// The settings as the connector reads them, its defaults filled in.
    pub settings: Value,
    /// Keys of `settings` that renkei keeps itself (refused by a change).
    pub managed: Vec<&'static str>,
}

/// A change of settings and schedule: each a JSON merge patch (RFC 7396) of what
/// [`SettingsView`] shows — the keys named change, null restores a key's default, the
/// others stay.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    /// The patch of the connector's settings (keys as [`SettingsView::settings`] shows
    /// them); empty: the settings stay.
    #[serde(default)]
    pub settings: Map<String, Value>,
    /// The patch of the schedule (e.g. `{"minutes": 30}`); None: the schedule stays.
    #[serde(default)]
    pub cadence: Option<Value>,
}

/// How new credentials meet the stored secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The fields given replace those stored; the others stay (reads the stored secret).
    Merge,
    /// The fields given are the whole secret. Never reads the stored one: the deployed admin
    /// API's function may write secrets but not read them.
    Replace,
}

/// What a credentials change did, by field name only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rotated {
    /// The tenant the connection belongs to.
    pub tenant_id: TenantId,
    /// The connection whose credentials changed.
    pub connection_id: ConnectionId,
    /// The secret written, by name (`renkei/<connector>/<tenant>/<connection>`): where the
    /// next run reads the credentials.
    pub secret_name: String,
    /// Every field the secret holds now.
    pub fields: Vec<String>,
    /// The fields whose value changed ([`Rotation::Replace`]: every field given).
    pub changed: Vec<String>,
}

/// What a connection's secret holds, by field name only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialFields {
    /// The tenant the connection belongs to.
    pub tenant_id: TenantId,
    /// The connection whose secret was read.
    pub connection_id: ConnectionId,
    /// The secret's name in the secret store (legacy connections may still have
    /// `renkei/<tenant>/<connection>`).
    pub secret_name: String,
    /// The fields stored (empty: no secret stored).
    pub fields: Vec<String>,
}

fn store_err(e: impl std::fmt::Display) -> AdminError {
    AdminError::Store(e.to_string())
}

fn refused(problems: Vec<SetupProblem>) -> AdminError {
    AdminError::Refused(SetupProblems(problems))
}

async fn load(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<Connection, AdminError> {
    Ok(Repo::new(store)
        .connection(t, c)
        .await
        .map_err(store_err)?
        .ok_or_else(|| AdminError::NotFound(t.clone(), c.clone()))?
        .0)
}

fn schema_of(registry: &Registry, conn: &Connection) -> Result<Schema, AdminError> {
    factory_of(registry, conn)?.schema().ok_or_else(|| {
        AdminError::Unsupported(format!(
            "{}'s connections cannot be changed by hand",
            conn.connector
        ))
    })
}

fn factory_of(
    registry: &Registry,
    conn: &Connection,
) -> Result<std::sync::Arc<dyn crate::connector::ConnectorFactory>, AdminError> {
    registry.get(&conn.connector).ok_or_else(|| {
        AdminError::Unsupported(format!(
            "connector {} is not part of this build",
            conn.connector
        ))
    })
}

fn view(conn: &Connection, schema: &Schema) -> SettingsView {
    SettingsView {
        tenant_id: conn.tenant_id.clone(),
        connection_id: conn.connection_id.clone(),
        connector: conn.connector.clone(),
        cadence: conn.cadence,
        next_run_at: (conn.automation == Automation::On).then_some(conn.next_run_at),
        // Settings the connector cannot read are shown as stored: that is what to fix.
        settings: schema
            .read_settings(&conn.settings)
            .unwrap_or_else(|_| conn.settings.clone()),
        managed: schema.managed(),
    }
}

/// A connection's settings (its connector's defaults filled in) and schedule, as people
/// see them before changing them; a connector without a settings type is
/// [`AdminError::Unsupported`].
pub async fn settings(
    store: &dyn StateStore,
    registry: &Registry,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<SettingsView, AdminError> {
    let conn = load(store, t, c).await?;
    let schema = schema_of(registry, &conn)?;
    Ok(view(&conn, &schema))
}

/// Changes a connection's settings and schedule, checked by the connector's types: an unknown
/// key, a value of the wrong type or out of range, or a key renkei keeps refuses the whole
/// change, naming each key, and nothing is written. A new schedule is due at its next slot.
pub async fn change_settings(
    store: &dyn StateStore,
    clock: &dyn Clock,
    registry: &Registry,
    t: &TenantId,
    c: &ConnectionId,
    change: &SettingsChange,
) -> Result<SettingsView, AdminError> {
    let conn = load(store, t, c).await?;
    let schema = schema_of(registry, &conn)?;
    if change.settings.is_empty() && change.cadence.is_none() {
        return Err(refused(vec![SetupProblem::new(
            ProblemKind::Setting,
            "nothing to change: name a setting or the cadence",
        )]));
    }
    let patch = Value::Object(change.settings.clone());
    let mut problems = schema
        .change_settings(&conn.settings, &patch)
        .err()
        .unwrap_or_default();
    let cadence = match change
        .cadence
        .as_ref()
        .map(|p| change_cadence(&conn.cadence, p))
    {
        Some(Ok(cadence)) => Some(cadence),
        Some(Err(p)) => {
            problems.extend(p);
            None
        }
        None => None,
    };
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    let now = clock.now();
    let mut late = Ok(());
    let updated = Repo::new(store)
        .update_connection(t, c, |conn| {
            // Applied to the connection as it is now: a run closing meanwhile may have
            // changed keys renkei keeps (C1's account status), which the patch never names.
            match schema.change_settings(&conn.settings, &patch) {
                Ok(settings) => conn.settings = settings,
                Err(p) => late = Err(p),
            }
            if let Some(cadence) = cadence {
                conn.cadence = cadence;
                if conn.automation == Automation::On {
                    conn.next_run_at = cadence.next_after(now);
                }
            }
        })
        .await
        .map_err(store_err)?
        .ok_or_else(|| AdminError::NotFound(t.clone(), c.clone()))?;
    // Only a write in between that made the stored settings refuse the change gets here;
    // the connection was written with its settings as they were.
    late.map_err(refused)?;
    Ok(view(&updated, &schema))
}

/// The stored secret as JSON; an unreadable one as none (a merge then needs every field,
/// and the type's check names the missing ones).
async fn stored_secret(secrets: &dyn SecretStore, name: &str) -> Result<Option<Value>, AdminError> {
    let raw = secrets.get(name).await.map_err(store_err)?;
    Ok(raw.and_then(|s| serde_json::from_str::<Value>(&s).ok()))
}

/// Replaces a connection's credentials (a rotation), checked by the connector's secret type,
/// under the connection's secret name; the next run reads them. Answers field names only.
pub async fn set_credentials(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    registry: &Registry,
    t: &TenantId,
    c: &ConnectionId,
    given: &Map<String, Value>,
    how: Rotation,
) -> Result<Rotated, AdminError> {
    let conn = load(store, t, c).await?;
    let schema = schema_of(registry, &conn)?;
    // A legacy-named secret is moved by migrate-secrets first, never rotated in place.
    conn.scoped_secret().map_err(AdminError::Unsupported)?;
    if given.is_empty() {
        return Err(refused(vec![SetupProblem::new(
            ProblemKind::Credentials,
            "no credential fields given",
        )]));
    }
    let stored = match how {
        Rotation::Merge => stored_secret(secrets, &conn.secret_name).await?,
        Rotation::Replace => {
            if let Some((key, why)) = schema.secret_managed().first() {
                return Err(AdminError::Unsupported(format!(
                    "{}'s secret also holds {key} ({why}), which a replacement would lose and \
                     which this API cannot read to keep: rotate with `renkei credentials set` \
                     (it merges) or connect again",
                    conn.connector
                )));
            }
            None
        }
    };
    let merged = schema
        .change_secret(stored.as_ref(), &Value::Object(given.clone()))
        .map_err(refused)?;
    secrets
        .put(&conn.secret_name, &merged.to_string())
        .await
        .map_err(store_err)?;
    // The endpoints' own copies of the signing secrets follow (the webhooks function reads
    // those, never this secret).
    let sources = factory_of(registry, &conn)?.webhooks();
    crate::webhook::store_endpoint_secrets(
        secrets,
        sources,
        &conn.tenant_id,
        &conn.connection_id,
        &merged,
    )
    .await
    .map_err(store_err)?;
    let changed = given
        .iter()
        .filter(|(k, v)| stored.as_ref().and_then(|s| s.get(k.as_str())) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    Ok(Rotated {
        tenant_id: conn.tenant_id,
        connection_id: conn.connection_id,
        secret_name: conn.secret_name,
        fields: field_names(Some(&merged)),
        changed,
    })
}

/// The fields of a connection's secret, by name (the CLI's `credentials show`; reads the
/// secret, so not on the admin API).
pub async fn credential_fields(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<CredentialFields, AdminError> {
    let conn = load(store, t, c).await?;
    let stored = stored_secret(secrets, &conn.secret_name).await?;
    Ok(CredentialFields {
        tenant_id: conn.tenant_id,
        connection_id: conn.connection_id,
        secret_name: conn.secret_name,
        fields: field_names(stored.as_ref()),
    })
}

fn field_names(secret: Option<&Value>) -> Vec<String> {
    secret
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}
