//! C3: HRBrain → ミキワメ departments and employees (seed 002, requirements C3.1–C3.8).
//!
//! - [`setup`] checks the HRBrain subdomain and token (both scopes at once) and Mikiwame's
//!   API key, then stores one connection per tenant (C3.1).
//! - A run does departments, employees, or both (the run's scope, C3.6): departments first
//!   ([`departments`]: the validated tree, parents before children), then employees
//!   ([`mapping`]), so that a full run's employees find the departments it just wrote. The
//!   department tree is read whole (cycles need all of it); employees are read and written
//!   one page at a time, after a first pass that counts shared emails over every member's
//!   Email alone. The cursor is the position in that sequence.
//! - Persons start syncs ([`jobs`] lists them with their error files), HRBrain's webhooks
//!   start one of the affected kind (C3.7), and a daily run reconciles what webhooks missed.

mod config;
pub mod departments;
pub mod jobs;
pub mod mapping;
mod settings;
mod setup;

use settings::clients;
pub use settings::{Secret, Settings};
pub use setup::{SetupError, SetupInput, setup};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use renkei_core::Cadence;
use renkei_core::engine::{
    BuildEnv, Change, Connector, ConnectorFactory, Delivery, Page, Pulled, Refusal, RunConnector,
    SyncError, WebhookPlan, WebhookSource, WriteResult, decode_parts,
};
use renkei_core::repo::{Connection, Role};
use renkei_vendors::hrbrain::{self, HrbrainClient, OrgTree};
use renkei_vendors::http::RunBound;
use renkei_vendors::mikiwame::{self, MikiwameClient, RecordResult};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The connector's name (its function folder).
pub const NAME: &str = "hrbrain-mikiwame";

/// C3.7: the daily reconciliation that catches webhooks HRBrain never delivered.
pub fn cadence(connected_at: DateTime<Utc>) -> Cadence {
    Cadence::EveryHoursFrom {
        hours: 24,
        anchor: connected_at + chrono::Duration::hours(24),
    }
}

/// What a sync does (C3.6 実行内容), in the order a full run does them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 部署同期.
    Departments,
    /// 従業員同期.
    Employees,
}

impl Kind {
    /// As a run's scope.
    pub fn scope(self) -> &'static str {
        match self {
            Kind::Departments => "departments",
            Kind::Employees => "employees",
        }
    }

    /// The kinds a scope asks for (None: both).
    pub fn of_scope(scope: Option<&str>) -> Vec<Kind> {
        match scope {
            Some("departments") => vec![Kind::Departments],
            Some("employees") => vec![Kind::Employees],
            _ => vec![Kind::Departments, Kind::Employees],
        }
    }
}

/// A record as Mikiwame takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// A department (key: its code).
    Department(mikiwame::Department),
    /// An employee (key: the email).
    Employee(mikiwame::Employee),
}

/// A department's record key.
pub fn department_key(code: &str) -> String {
    format!("部署:{code}")
}

/// An employee's record key.
pub fn employee_key(email: &str) -> String {
    format!("社員:{email}")
}

/// Where a run stands: the kinds it does, the one under way and how many of its records
/// were handed to the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The kinds of this run, in order.
    pub plan: Vec<Kind>,
    /// The kind under way.
    pub at: Kind,
    /// Records of it already handed over.
    pub done: usize,
}

/// Builds the connector from a stored connection.
#[derive(Default)]
pub struct Factory;

const WEBHOOKS: &[WebhookSource] = &[WebhookSource::new(
    &renkei_vendors::webhooks::HrBrain,
    "webhook_secret",
)];

#[async_trait]
impl ConnectorFactory for Factory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn vendors(&self) -> &'static [&'static str] {
        &["hrbrain", "mikiwame"]
    }

    /// Mikiwame's administrators (管理者), who operate the integration.
    fn notify_roles(&self) -> &'static [Role] {
        &[Role::Admin]
    }

    /// People's changes are checked by the connector's settings and secret types.
    async fn setup(
        &self,
        env: renkei_core::setup::SetupEnv<'_>,
        request: renkei_core::setup::SetupRequest,
    ) -> Result<renkei_core::setup::Connected, renkei_core::setup::SetupError> {
        setup::from_request(env, request).await
    }

    fn schema(&self) -> Option<renkei_core::config::Schema> {
        Some(renkei_core::config::Schema::of::<Settings, Secret>())
    }

    async fn build<'a>(
        &self,
        conn: &Connection,
        secret: Option<String>,
        env: BuildEnv<'a>,
    ) -> Result<Box<dyn RunConnector + 'a>, SyncError> {
        let (settings, secret): (Settings, Secret) = decode_parts(
            conn,
            secret.as_deref(),
            "HRBrainの認証情報がありません。連携を設定し直してください (credentials missing: connect again)",
        )?;
        let (mut hrbrain, mut mikiwame) = clients(&settings, &secret)?;
        hrbrain.join_run(env.heartbeat.clone());
        mikiwame.join_run(env.heartbeat.clone());
        Ok(Box::new(HrbrainMikiwame {
            hrbrain,
            mikiwame,
            settings,
            requested: Kind::of_scope(env.scope),
            fields: None,
            tree: None,
            departments: None,
            shared_emails: None,
            mikiwame_codes: None,
        }))
    }

    fn webhooks(&self) -> &'static [WebhookSource] {
        WEBHOOKS
    }

    fn scopes(&self) -> &'static [&'static str] {
        &["departments", "employees"]
    }

    /// `organization.*` events change departments, `member.*` events employees; anything
    /// else (an event HRBrain adds later) asks for both.
    async fn on_webhook(&self, d: Delivery<'_>) -> Result<WebhookPlan, Refusal> {
        let event = d.body.get("event").and_then(serde_json::Value::as_str);
        let scope = match event.and_then(|e| e.split('.').next()) {
            Some("organization") => Some(Kind::Departments.scope().into()),
            Some("member") => Some(Kind::Employees.scope().into()),
            _ => None,
        };
        Ok(WebhookPlan::scoped(scope))
    }
}

/// The running connector.
pub struct HrbrainMikiwame {
    hrbrain: HrbrainClient,
    mikiwame: MikiwameClient,
    settings: Settings,
    requested: Vec<Kind>,
    fields: Option<Vec<hrbrain::Field>>,
    tree: Option<OrgTree>,
    /// This run's department records, in write order (read once per run).
    departments: Option<Vec<Pulled<Record>>>,
    /// The emails HRBrain holds more than once (counted once per run, when the employees
    /// begin, after the departments were written).
    shared_emails: Option<mapping::SharedEmails>,
    /// The 部署コード Mikiwame holds (read when first needed, kept up to date as we write).
    mikiwame_codes: Option<HashSet<String>>,
}

impl HrbrainMikiwame {
    async fn fields(&mut self) -> Result<&[hrbrain::Field], SyncError> {
        if self.fields.is_none() {
            self.fields = Some(self.hrbrain.fields().await?);
        }
        Ok(self.fields.as_deref().unwrap_or_default())
    }

    async fn tree(&mut self) -> Result<&OrgTree, SyncError> {
        if self.tree.is_none() {
            let org = match self.settings.organization_id.clone() {
                Some(id) => id,
                None => setup::main_team_organization(self.fields().await?)
                    .map_err(SyncError::Permanent)?,
            };
            self.tree = Some(self.hrbrain.organization(&org).await?);
        }
        self.tree
            .as_ref()
            .ok_or_else(|| SyncError::Retryable("organization not read".into()))
    }

    async fn mikiwame_codes(&mut self) -> Result<&mut HashSet<String>, SyncError> {
        if self.mikiwame_codes.is_none() {
            let codes = self
                .mikiwame
                .departments()
                .await?
                .into_iter()
                .map(|d| d.code)
                .collect();
            self.mikiwame_codes = Some(codes);
        }
        self.mikiwame_codes
            .as_mut()
            .ok_or_else(|| SyncError::Retryable("departments not read".into()))
    }

    /// Up to `size` records of `kind` from the `done`th, and how many there are in all.
    async fn records(
        &mut self,
        kind: Kind,
        done: usize,
        size: usize,
    ) -> Result<(Vec<Pulled<Record>>, usize), SyncError> {
        match kind {
            Kind::Departments => {
                if self.departments.is_none() {
                    let items = self.tree().await?.departments();
                    self.departments = Some(departments::plan(&items));
                }
                let all = self.departments.as_deref().unwrap_or_default();
                let end = (done + size).min(all.len());
                Ok((all.get(done..end).unwrap_or_default().to_vec(), all.len()))
            }
            Kind::Employees => self.employees(done, size).await,
        }
    }

    /// One page of employees, read from HRBrain at the position (a company of 100,000 is
    /// never held whole: goal 2 of issue 14). The first page of a run also counts the
    /// shared emails over every member and reads Mikiwame's departments as this run's
    /// department sync left them.
    async fn employees(
        &mut self,
        done: usize,
        size: usize,
    ) -> Result<(Vec<Pulled<Record>>, usize), SyncError> {
        let renamed = mapping::renamed_fields(self.fields().await?);
        let columns: Vec<&str> = if renamed.is_empty() {
            mapping::aliases()
        } else {
            // Enough to name each rejected member.
            vec!["Email"]
        };
        if self.shared_emails.is_none() {
            let mut hashes = Vec::new();
            if renamed.is_empty() {
                self.hrbrain
                    .scan_members(&["Email"], |page| {
                        hashes.extend(page.iter().filter_map(mapping::email_hash));
                    })
                    .await?;
            }
            self.shared_emails = Some(mapping::SharedEmails::count(hashes));
            self.mikiwame_codes = None;
        }
        let (members, total) = self
            .hrbrain
            .members_page(&columns, done as u64, size)
            .await?;
        let items = self.tree().await?.departments();
        let codes = self.mikiwame_codes().await?.clone();
        let lookup = mapping::Departments {
            items: items.iter().map(|i| (i.id.as_str(), i)).collect(),
            mikiwame: &codes,
        };
        let shared = self
            .shared_emails
            .as_ref()
            .ok_or_else(|| SyncError::Retryable("shared emails not counted".into()))?;
        let records = mapping::map_page(&members, &renamed, shared, &lookup);
        // A company that shrank while paging ends where its pages end.
        let total = if members.is_empty() {
            done
        } else {
            usize::try_from(total).unwrap_or(usize::MAX)
        };
        Ok((records, total))
    }

    /// Where to go on from `cursor` for this run's requested kinds. A position that plans
    /// them all is followed as it is (the next page, a continuation, or an unfinished
    /// earlier run that covers this request); kinds it does not plan are added, and one
    /// that comes before its position starts the work over from there (upserts make the
    /// repetition harmless).
    fn position(&self, cursor: Option<Position>) -> Position {
        let Some(mut pos) = cursor else {
            return Position {
                plan: self.requested.clone(),
                at: self.requested[0],
                done: 0,
            };
        };
        let added: Vec<Kind> = self
            .requested
            .iter()
            .filter(|k| !pos.plan.contains(k))
            .copied()
            .collect();
        pos.plan.extend(&added);
        pos.plan.sort();
        if let Some(first) = added.iter().filter(|k| **k < pos.at).min() {
            pos.at = *first;
            pos.done = 0;
        }
        pos
    }
}

/// Mikiwame's per-record error → the error file's reason.
fn reason(r: &RecordResult) -> String {
    let (code, message) = r
        .error
        .as_ref()
        .map_or(("unknown", ""), |e| (e.code.as_str(), e.message.as_str()));
    let what = match code {
        "department_not_found" => "所属部署がミキワメにありません",
        "parent_not_found" => "親部署がミキワメにありません",
        "invalid_value" => "ミキワメが値を受け付けませんでした",
        "duplicate_key" => "同じキーが一度に複数送られました",
        _ => "ミキワメが登録を拒否しました",
    };
    format!("{what} ({code}: {message})")
}

#[async_trait]
impl Connector for HrbrainMikiwame {
    type Record = Record;
    type Cursor = Position;

    async fn pull(
        &mut self,
        cursor: Option<Position>,
    ) -> Result<Page<Record, Position>, SyncError> {
        let pos = self.position(cursor);
        let size = self.settings.page_size.max(1);
        let (page, total) = self.records(pos.at, pos.done, size).await?;
        let end = pos.done + page.len();
        let next_kind = pos.plan.iter().find(|k| **k > pos.at).copied();
        let (next_cursor, has_more) = match (!page.is_empty() && end < total, next_kind) {
            (true, _) => (Some(Position { done: end, ..pos }), true),
            (false, Some(k)) => (
                Some(Position {
                    at: k,
                    done: 0,
                    ..pos
                }),
                true,
            ),
            // Finished: the next run starts from the beginning of a fresh read.
            (false, None) => (None, false),
        };
        Ok(Page {
            records: page,
            next_cursor,
            has_more,
        })
    }

    async fn write(
        &mut self,
        changes: &[Change<Record>],
        dry_run: bool,
    ) -> Result<Vec<WriteResult>, SyncError> {
        let mut depts = Vec::new();
        let mut emps = Vec::new();
        for c in changes {
            match &c.payload {
                Record::Department(d) => depts.push(d.clone()),
                Record::Employee(e) => emps.push(e.clone()),
            }
        }
        let mut results: HashMap<String, WriteResult> = HashMap::new();
        if dry_run {
            // Nothing is sent: what would be created or updated, by what Mikiwame holds.
            let codes = self.mikiwame_codes().await?.clone();
            for d in &depts {
                let r = if codes.contains(&d.code) {
                    WriteResult::Updated
                } else {
                    WriteResult::Created
                };
                results.insert(department_key(&d.code), r);
            }
            for e in &emps {
                results.insert(employee_key(&e.email), WriteResult::Created);
            }
        } else {
            let mut answered = Vec::new();
            if !depts.is_empty() {
                let r = self.mikiwame.upsert_departments(&depts).await?;
                let codes = self.mikiwame_codes().await?;
                for x in r.iter().filter(|x| x.status != "error") {
                    codes.insert(x.key.clone());
                }
                answered.extend(r.into_iter().map(|x| (department_key(&x.key), x)));
            }
            if !emps.is_empty() {
                let r = self.mikiwame.upsert_employees(&emps).await?;
                answered.extend(
                    r.into_iter()
                        .map(|x| (employee_key(&x.key.to_lowercase()), x)),
                );
            }
            for (key, x) in answered {
                let r = match x.status.as_str() {
                    "created" => WriteResult::Created,
                    "updated" => WriteResult::Updated,
                    _ => WriteResult::Rejected(reason(&x)),
                };
                results.insert(key, r);
            }
        }
        Ok(changes
            .iter()
            .map(|c| {
                results.remove(&c.key).unwrap_or_else(|| {
                    WriteResult::Rejected("ミキワメから結果が返りませんでした (no result)".into())
                })
            })
            .collect())
    }
}
