//! Kaonavi public API v2 client (docs/contracts/kaonavi.md): token by Basic auth, the
//! `Kaonavi-Token` header, `GET /members` (everything, no paging), `POST`/`PATCH /members`
//! answering a task id, `GET /tasks/{id}` until OK/NG/ERROR ([`polling`]: growing gaps, a
//! bound per run), `GET /member_layouts`, and the `Dry-Run: 1` header. What the answers to a
//! write mean (task statuses, NG/ERROR messages, 400 bodies) is read here into types
//! ([`WriteStart`], [`TaskOutcome`], [`TaskCheck`], [`Refusal`]), so that callers match on
//! enums only. Both of Kaonavi's limits (1,000 requests/h, 5 writes/60 s) are enforced before
//! sending, by the shared base, in the credential's shared windows: every call counts there,
//! task polls included.

mod model;
mod outcome;
pub mod polling;

pub use model::{
    Credentials, KaonaviError, MemberData, Permission, TASK_PENDING, TaskId, TaskProgress,
    TaskStatus,
};
pub use outcome::{
    MemberRefusal, Refusal, RefusalReason, TaskCheck, TaskFailure, TaskOutcome, WriteStart,
};
pub use polling::{FirstPoll, TaskPolling};

use crate::http::{Ambiguity, Call, HttpConfig, Reply, TokenCache, VendorClient, VendorError};
use polling::PollBudget;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// Default base URL.
pub const BASE_URL: &str = "https://api.kaonavi.jp/api/v2.0";
/// Where a deployed stack may call Kaonavi: its public API's host (developer.kaonavi.jp).
pub const HOSTS: &[renkei_core::outbound::HostPattern] = &["api.kaonavi.jp"];
const VENDOR: &str = "Kaonavi";

/// Kaonavi tunables.
#[derive(Debug, Clone)]
pub struct KaonaviConfig {
    /// HTTP base (limits default to Kaonavi's: 1,000/h, 5 writes/60 s).
    pub http: HttpConfig,
    /// How tasks are polled, and how many polls a run may spend.
    pub polling: TaskPolling,
}

impl KaonaviConfig {
    /// Kaonavi's documented limits against `base_url`.
    pub fn new(base_url: &str) -> Self {
        Self {
            http: HttpConfig {
                base_url: base_url.trim_end_matches('/').to_string(),
                timeout: Duration::from_secs(30),
                retry: Default::default(),
                limit: Some((1000, Duration::from_secs(3600))),
                write_limit: Some((5, Duration::from_secs(60))),
            },
            polling: TaskPolling::default(),
        }
    }
}

/// The Kaonavi client of one company, for one run: its task polls come out of one budget.
#[derive(Debug)]
pub struct KaonaviClient {
    base: VendorClient,
    creds: Credentials,
    token: TokenCache,
    polling: TaskPolling,
    polls: PollBudget,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    // Both spellings are published (docs/contracts/kaonavi.md, "Token").
    #[serde(default, alias = "expire_in")]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct MembersReply {
    #[serde(default)]
    member_data: Vec<MemberData>,
}

#[derive(Deserialize)]
struct TaskReply {
    task_id: TaskId,
}

/// Kaonavi's error body: `{"errors":["…"]}` (500s may be plain text).
fn vendor_message(body: &str) -> String {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<String>,
    }
    serde_json::from_str::<Errors>(body)
        .map_or_else(|_| body.trim().to_string(), |e| e.errors.join(" / "))
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &str) -> Result<T, VendorError> {
    crate::http::parse_json(VENDOR, body, what)
}

/// A write's answer as [`WriteStart`]: a synchronous refusal (400) is Kaonavi's verdict on
/// the request, not an error of the call.
fn started(sent: Result<TaskId, KaonaviError>) -> Result<WriteStart, KaonaviError> {
    match sent {
        Ok(task) => Ok(WriteStart::Task(task)),
        Err(KaonaviError::Vendor(VendorError::Permanent {
            status: 400,
            message,
            ..
        })) => Ok(WriteStart::Refused(Refusal::from_body(&message))),
        Err(e) => Err(e),
    }
}

fn refused_credentials(detail: &str) -> VendorError {
    VendorError::Auth {
        vendor: VENDOR,
        message: format!("Consumer Key / Consumer Secret が正しくありません ({detail})"),
    }
}

impl KaonaviClient {
    /// A client for one company.
    pub fn new(config: KaonaviConfig, creds: Credentials) -> Result<Self, VendorError> {
        let mut base = VendorClient::new(VENDOR, config.http)?;
        base.set_credential(&creds.consumer_key);
        Ok(Self {
            base,
            creds,
            token: TokenCache::default(),
            polls: PollBudget::new(config.polling.per_run),
            polling: config.polling,
        })
    }

    /// Request counters.
    pub fn stats(&self) -> &crate::http::Stats {
        &self.base.stats
    }

    /// The polling policy this client follows.
    pub fn polling(&self) -> TaskPolling {
        self.polling
    }

    /// Task polls this run may still spend.
    pub fn polls_left(&self) -> u32 {
        self.polls.left()
    }

    async fn fetch_token(&self) -> Result<(String, Duration), VendorError> {
        let reply = self
            .base
            .send(Call::read(), || {
                self.base
                    .request(Method::POST, "/token")
                    .basic_auth(&self.creds.consumer_key, Some(&self.creds.consumer_secret))
                    .form(&[("grant_type", "client_credentials")])
            })
            .await
            .map_err(|e| match e {
                VendorError::Permanent {
                    status, message, ..
                } if status == 400 || status == 401 => {
                    refused_credentials(&format!("token refused: {}", vendor_message(&message)))
                }
                other => other,
            })?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(refused_credentials(&vendor_message(&reply.body)));
        }
        let t: TokenReply = parse(&reply.body, "token")?;
        Ok((
            t.access_token,
            Duration::from_secs(t.expires_in.unwrap_or(3600)),
        ))
    }

    /// Sends an authenticated call; a 401 drops the token and retries once with a new one.
    async fn call(
        &self,
        call: Call,
        permission: Permission,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<Reply, KaonaviError> {
        for _ in 0..2 {
            let token = self.token.get(|| self.fetch_token()).await?;
            let reply = self
                .base
                .send(call, || build(&token).header("Kaonavi-Token", &token))
                .await?;
            match reply.status {
                StatusCode::UNAUTHORIZED => self.token.invalidate(&token).await,
                StatusCode::FORBIDDEN => return Err(KaonaviError::PermissionMissing(permission)),
                _ => return Ok(reply),
            }
        }
        Err(VendorError::Auth {
            vendor: VENDOR,
            message: "a fresh token was refused (401)".into(),
        }
        .into())
    }

    /// Checks the credentials by fetching a token.
    pub async fn authenticate(&self) -> Result<(), KaonaviError> {
        self.token.get(|| self.fetch_token()).await?;
        Ok(())
    }

    /// All members (Kaonavi answers them in one response).
    pub async fn members(&self) -> Result<Vec<MemberData>, KaonaviError> {
        let reply = self
            .call(Call::read(), Permission::Get, |_| {
                self.base.request(Method::GET, "/members")
            })
            .await?;
        Ok(parse::<MembersReply>(&reply.body, "members")?.member_data)
    }

    /// The gender options of the member layout.
    pub async fn gender_options(&self) -> Result<Vec<String>, KaonaviError> {
        let reply = self
            .call(Call::read(), Permission::Get, |_| {
                self.base.request(Method::GET, "/member_layouts")
            })
            .await?;
        let layout: Value = parse(&reply.body, "member_layouts")?;
        Ok(layout
            .pointer("/gender/enum")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn write(
        &self,
        method: Method,
        members: &[MemberData],
        dry_run: bool,
    ) -> Result<TaskId, KaonaviError> {
        let permission = if method == Method::POST {
            Permission::Register
        } else {
            Permission::Update
        };
        // PATCH is idempotent and may be retried blindly; a POST that may have been processed
        // is left to the caller, which re-reads the members before deciding again.
        let ambiguity = if method == Method::PATCH {
            Ambiguity::Retry
        } else {
            Ambiguity::DoNotRetry
        };
        let body = serde_json::json!({ "member_data": members });
        let reply = self
            .call(Call::write(ambiguity), permission, |_| {
                let r = self.base.request(method.clone(), "/members").json(&body);
                if dry_run { r.header("Dry-Run", "1") } else { r }
            })
            .await?;
        Ok(parse::<TaskReply>(&reply.body, "task")?.task_id)
    }

    /// Starts creating members; answers the task id.
    pub async fn create_members(
        &self,
        members: &[MemberData],
        dry_run: bool,
    ) -> Result<TaskId, KaonaviError> {
        self.write(Method::POST, members, dry_run).await
    }

    /// Starts updating members (only the fields given); answers the task id.
    pub async fn update_members(
        &self,
        members: &[MemberData],
        dry_run: bool,
    ) -> Result<TaskId, KaonaviError> {
        self.write(Method::PATCH, members, dry_run).await
    }

    /// Starts creating members, reading a synchronous refusal (400) into a [`Refusal`].
    pub async fn start_create(
        &self,
        members: &[MemberData],
        dry_run: bool,
    ) -> Result<WriteStart, KaonaviError> {
        started(self.create_members(members, dry_run).await)
    }

    /// Starts updating members, reading a synchronous refusal (400) into a [`Refusal`].
    pub async fn start_update(
        &self,
        members: &[MemberData],
        dry_run: bool,
    ) -> Result<WriteStart, KaonaviError> {
        started(self.update_members(members, dry_run).await)
    }

    /// Follows a task this run just started until it is OK, NG or ERROR.
    pub async fn wait_task(&self, id: TaskId) -> Result<TaskProgress, KaonaviError> {
        Ok(self.follow(id, FirstPoll::AfterWait).await?.0)
    }

    /// Follows a task this run just started until it has its [`TaskOutcome`].
    pub async fn wait_outcome(&self, id: TaskId) -> Result<TaskOutcome, KaonaviError> {
        Ok(self.follow(id, FirstPoll::AfterWait).await?.1)
    }

    /// Checks a task an earlier run started (polled at once: it has been running since)
    /// until it has its outcome; a task Kaonavi no longer knows (404) is
    /// [`TaskCheck::Forgotten`].
    pub async fn check_outcome(&self, id: TaskId) -> Result<TaskCheck, KaonaviError> {
        match self.follow(id, FirstPoll::Now).await {
            Ok((_, outcome)) => Ok(TaskCheck::Finished(outcome)),
            Err(KaonaviError::Vendor(VendorError::Permanent { status: 404, .. })) => {
                Ok(TaskCheck::Forgotten)
            }
            Err(e) => Err(e),
        }
    }

    /// Polls with growing gaps until the task has its result, or until the run's polls are
    /// spent ([`KaonaviError::TaskStillRunning`]: nothing is waited for then). Each wait goes
    /// through the run's heartbeat, which stops the run when its deadline falls inside.
    async fn follow(
        &self,
        id: TaskId,
        start: FirstPoll,
    ) -> Result<(TaskProgress, TaskOutcome), KaonaviError> {
        let mut polls = 0;
        loop {
            if self.polls.left() == 0 {
                return Err(KaonaviError::TaskStillRunning {
                    task: id,
                    polls,
                    per_run: self.polling.per_run,
                });
            }
            let wait = self.polling.wait_before(polls, start);
            if !wait.is_zero() {
                self.base.pause(wait).await?;
            }
            self.polls.take();
            polls += 1;
            let task = self.task_progress(id).await?;
            if let Some(outcome) = task.outcome() {
                return Ok((task, outcome));
            }
        }
    }

    /// One poll: `GET /tasks/{id}` (a request of the hourly budget like any other).
    async fn task_progress(&self, id: TaskId) -> Result<TaskProgress, KaonaviError> {
        let reply = self
            .call(Call::read(), Permission::Get, |_| {
                self.base.request(Method::GET, &format!("/tasks/{id}"))
            })
            .await?;
        Ok(parse(&reply.body, "task progress")?)
    }

    /// A vendor error message from a 4xx body (for synchronous validation errors).
    pub fn message_of(body: &str) -> String {
        vendor_message(body)
    }
}

impl crate::http::RunBound for KaonaviClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented sample (tests/fixtures/kaonavi/token.json, which names its source).
    const DOCUMENTED: &str = include_str!("../../../../tests/fixtures/kaonavi/token.json");

    #[test]
    fn s29_7_the_documented_token_answer_and_the_other_published_spelling_are_both_read() {
        let fixture: Value = serde_json::from_str(DOCUMENTED).expect("fixture is JSON");
        let documented: TokenReply =
            serde_json::from_value(fixture["answer"].clone()).expect("documented answer");
        assert_eq!(
            documented.access_token,
            "25396f58-10f8-c228-7f0f-818b1d666b2e"
        );
        assert_eq!(documented.expires_in, Some(3600));
        let other: TokenReply =
            serde_json::from_str(r#"{"access_token":"t","token_type":"Bearer","expire_in":60}"#)
                .expect("expire_in");
        assert_eq!(other.expires_in, Some(60));
    }

    #[test]
    fn s29_7_the_documented_task_answers_parse_and_only_ok_ng_error_are_finished() {
        let fixture: Value = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/kaonavi/tasks.json"
        ))
        .expect("fixture is JSON");
        let answers: Vec<TaskProgress> =
            serde_json::from_value(fixture["answers"].clone()).expect("documented answers");
        let statuses: Vec<(TaskStatus, bool)> = answers
            .iter()
            .map(|t| (t.status, t.status.is_finished()))
            .collect();
        assert_eq!(
            statuses,
            [
                (TaskStatus::Ok, true),
                (TaskStatus::Running, false),
                (TaskStatus::Ng, true)
            ]
        );
        assert_eq!(answers[1].messages, None, "RUNNING carries no messages");
        let every: Vec<TaskStatus> =
            serde_json::from_value(fixture["statuses"].clone()).expect("every documented status");
        assert_eq!(every.iter().filter(|s| s.is_finished()).count(), 3);
        assert!(
            serde_json::from_str::<TaskProgress>(r#"{"id":1,"status":"DONE"}"#).is_err(),
            "an undocumented status is a contract change, not a task to poll forever"
        );
    }
}
