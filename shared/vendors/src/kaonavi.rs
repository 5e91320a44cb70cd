//! Kaonavi public API v2 client, as in vendor-contracts.md: token by Basic auth, the
//! `Kaonavi-Token` header, `GET /members` (everything, no paging), `POST`/`PATCH /members`
//! answering a task id, `GET /tasks/{id}` until OK/NG/ERROR, `GET /member_layouts`, and the
//! `Dry-Run: 1` header. Both of Kaonavi's limits (1,000 requests/h, 5 writes/60 s) are
//! enforced before sending, by the shared base.

use crate::http::{CallKind, HttpConfig, Reply, TokenCache, VendorClient, VendorError};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// Default base URL.
pub const BASE_URL: &str = "https://api.kaonavi.jp/api/v2.0";
/// Where a deployed stack may call Kaonavi: its public API's host (developer.kaonavi.jp).
pub const HOSTS: &[renkei_core::outbound::HostPattern] = &["api.kaonavi.jp"];
const VENDOR: &str = "Kaonavi";

/// Consumer Key and Secret (C2.1).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credentials {
    /// Consumer Key.
    pub consumer_key: String,
    /// Consumer Secret.
    pub consumer_secret: String,
}

/// A member as written (fields we do not manage are omitted, so PATCH leaves them alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MemberData {
    /// 社員番号 (opaque; leading zeros kept).
    pub code: String,
    /// 氏名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// フリガナ (full-width katakana).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
    /// 性別: one of the layout's options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// 生年月日 `YYYY-MM-DD`; `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// 入社日 `YYYY-MM-DD`; `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_date: Option<String>,
}

/// A task's progress.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TaskProgress {
    /// Task id.
    pub id: u64,
    /// `OK`, `NG`, `ERROR`, `WAITING` or `RUNNING`.
    pub status: String,
    /// Messages for NG/ERROR.
    #[serde(default)]
    pub messages: Option<Vec<String>>,
}

/// Which permission of Kaonavi's 公開API v2 操作対象 a call needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// 取得.
    Get,
    /// 更新.
    Update,
    /// 登録.
    Register,
}

impl Permission {
    /// The setting's label on Kaonavi's admin screen.
    pub fn label(self) -> &'static str {
        match self {
            Permission::Get => "メンバー情報の「取得」",
            Permission::Update => "メンバー情報の「更新」",
            Permission::Register => "メンバー情報の「登録」",
        }
    }
}

/// Kaonavi-specific failures on top of the base's.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KaonaviError {
    /// Transport or vendor error.
    #[error(transparent)]
    Vendor(#[from] VendorError),
    /// 403: the API's operation settings do not allow this.
    #[error("カオナビの公開API v2 設定で {} が許可されていません (Kaonavi refused: permission missing)", .0.label())]
    PermissionMissing(Permission),
}

impl From<KaonaviError> for renkei_core::engine::SyncError {
    fn from(e: KaonaviError) -> Self {
        match e {
            KaonaviError::Vendor(v) => v.into(),
            p @ KaonaviError::PermissionMissing(_) => {
                renkei_core::engine::SyncError::Permanent(p.to_string())
            }
        }
    }
}

/// Kaonavi tunables.
#[derive(Debug, Clone)]
pub struct KaonaviConfig {
    /// HTTP base (limits default to Kaonavi's: 1,000/h, 5 writes/60 s).
    pub http: HttpConfig,
    /// Pause between task polls.
    pub task_poll: Duration,
    /// Polls before a task counts as stuck.
    pub task_max_polls: u32,
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
            task_poll: Duration::from_secs(2),
            task_max_polls: 150,
        }
    }
}

/// The Kaonavi client of one company.
#[derive(Debug)]
pub struct KaonaviClient {
    base: VendorClient,
    creds: Credentials,
    token: TokenCache,
    task_poll: Duration,
    task_max_polls: u32,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default, alias = "expires_in")]
    expire_in: Option<u64>,
}

#[derive(Deserialize)]
struct MembersReply {
    #[serde(default)]
    member_data: Vec<MemberData>,
}

#[derive(Deserialize)]
struct TaskReply {
    task_id: u64,
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

impl KaonaviClient {
    /// A client for one company.
    pub fn new(config: KaonaviConfig, creds: Credentials) -> Result<Self, VendorError> {
        let mut base = VendorClient::new(VENDOR, config.http)?;
        base.set_credential(&creds.consumer_key);
        Ok(Self {
            base,
            creds,
            token: TokenCache::default(),
            task_poll: config.task_poll,
            task_max_polls: config.task_max_polls,
        })
    }

    /// Request counters.
    pub fn stats(&self) -> &crate::http::Stats {
        &self.base.stats
    }

    async fn fetch_token(&self) -> Result<(String, Duration), VendorError> {
        let reply = self
            .base
            .send(CallKind::Read, true, || {
                self.base
                    .request(Method::POST, "/token")
                    .basic_auth(&self.creds.consumer_key, Some(&self.creds.consumer_secret))
                    .form(&[("grant_type", "client_credentials")])
            })
            .await
            .map_err(|e| match e {
                VendorError::Permanent {
                    status, message, ..
                } if status == 400 || status == 401 => VendorError::Auth {
                    vendor: VENDOR,
                    message: format!(
                        "Consumer Key / Consumer Secret が正しくありません (token refused: {})",
                        vendor_message(&message)
                    ),
                },
                other => other,
            })?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(VendorError::Auth {
                vendor: VENDOR,
                message: format!(
                    "Consumer Key / Consumer Secret が正しくありません ({})",
                    vendor_message(&reply.body)
                ),
            });
        }
        let t: TokenReply = parse(&reply.body, "token")?;
        Ok((
            t.access_token,
            Duration::from_secs(t.expire_in.unwrap_or(3600)),
        ))
    }

    /// Sends an authenticated call; a 401 drops the token and retries once with a new one.
    async fn call(
        &self,
        kind: CallKind,
        ambiguous_ok: bool,
        permission: Permission,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<Reply, KaonaviError> {
        for _ in 0..2 {
            let token = self.token.get(|| self.fetch_token()).await?;
            let reply = self
                .base
                .send(kind, ambiguous_ok, || {
                    build(&token).header("Kaonavi-Token", &token)
                })
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
            .call(CallKind::Read, true, Permission::Get, |_| {
                self.base.request(Method::GET, "/members")
            })
            .await?;
        Ok(parse::<MembersReply>(&reply.body, "members")?.member_data)
    }

    /// The gender options of the member layout.
    pub async fn gender_options(&self) -> Result<Vec<String>, KaonaviError> {
        let reply = self
            .call(CallKind::Read, true, Permission::Get, |_| {
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
    ) -> Result<u64, KaonaviError> {
        let permission = if method == Method::POST {
            Permission::Register
        } else {
            Permission::Update
        };
        // PATCH is idempotent and may be retried blindly; a POST that may have been processed
        // is left to the caller, which re-reads the members before deciding again.
        let idempotent = method == Method::PATCH;
        let body = serde_json::json!({ "member_data": members });
        let reply = self
            .call(CallKind::Write, idempotent, permission, |_| {
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
    ) -> Result<u64, KaonaviError> {
        self.write(Method::POST, members, dry_run).await
    }

    /// Starts updating members (only the fields given); answers the task id.
    pub async fn update_members(
        &self,
        members: &[MemberData],
        dry_run: bool,
    ) -> Result<u64, KaonaviError> {
        self.write(Method::PATCH, members, dry_run).await
    }

    /// Polls a task until it is OK, NG or ERROR.
    pub async fn wait_task(&self, id: u64) -> Result<TaskProgress, KaonaviError> {
        for _ in 0..self.task_max_polls {
            let reply = self
                .call(CallKind::Read, true, Permission::Get, |_| {
                    self.base.request(Method::GET, &format!("/tasks/{id}"))
                })
                .await?;
            let task: TaskProgress = parse(&reply.body, "task progress")?;
            if matches!(task.status.as_str(), "OK" | "NG" | "ERROR") {
                return Ok(task);
            }
            // A task can take minutes: the heartbeat keeps the lease alive meanwhile.
            self.base.pause(self.task_poll).await?;
        }
        Err(VendorError::Retryable {
            vendor: VENDOR,
            message: format!("task {id} did not finish in time"),
        }
        .into())
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
