//! HRBrain public API client (remote side of C3), as in vendor-contracts.md: a token from
//! `POST /auth/token` (client ID = subdomain, client secret = a public-API token), Bearer
//! calls that fetch a new token once on 401, `GET /members/v1/fields`, paged
//! `GET /members/v1/members` by column alias, and the department tree from
//! `GET /members/v1.1/organization/{id}/items` (a list or a nested tree whose `items` are a
//! list or one object: `organization.rs`). A 403 names the token scope the call needed.
//! Rate limits are not public: a conservative configurable limit is enforced before sending.

use crate::http::{Call, HttpConfig, Reply, TokenCache, VendorClient, VendorError};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

mod organization;
pub use organization::{Department, OrgItem, OrgTree};

const VENDOR: &str = "HRBrain";

/// Members per page (the contract's `limit`; HRBrain's clients use 100).
pub const PAGE_SIZE: u32 = 100;

/// Where a deployed stack may call HRBrain: `{subdomain}.oapi.hrbrain.jp`
/// (docs/contracts/hrbrain.md).
pub const HOSTS: &[renkei_core::outbound::HostPattern] = &["*.oapi.hrbrain.jp"];

/// The production base URL of a subdomain.
pub fn base_url(subdomain: &str) -> String {
    format!("https://{subdomain}.oapi.hrbrain.jp")
}

/// The paging parameters, in one place: the contract's clients differ (limit/offset vs
/// page-size/page) and renkei assumes limit/offset.
fn paging(offset: u64, limit: u32) -> [(&'static str, String); 2] {
    [("limit", limit.to_string()), ("offset", offset.to_string())]
}

/// A token scope renkei needs (開発者向けサイト → 公開API/Token設定).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `member:read`: fields and members.
    MemberRead,
    /// `organization:read`: the department tree.
    OrganizationRead,
}

impl Scope {
    /// As HRBrain's token screen names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::MemberRead => "member:read",
            Scope::OrganizationRead => "organization:read",
        }
    }
}

/// HRBrain-specific failures on top of the base's.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum HrbrainError {
    /// Transport or vendor error.
    #[error(transparent)]
    Vendor(#[from] VendorError),
    /// 403: the token lacks a scope.
    #[error("HRBrainのトークンにスコープ「{}」がありません。公開API/Token設定でチェックを入れたトークンを作成してください (token scope missing)", .0.as_str())]
    ScopeMissing(Scope),
}

impl From<HrbrainError> for renkei_core::engine::SyncError {
    fn from(e: HrbrainError) -> Self {
        match e {
            HrbrainError::Vendor(v) => v.into(),
            HrbrainError::ScopeMissing(scope) => renkei_core::engine::SyncError::Auth(
                e.to_string(),
            )
            .because(renkei_core::engine::Cause::vendor(
                VENDOR,
                scope.as_str(),
                renkei_core::engine::Class::Auth,
            )),
        }
    }
}

/// A member field definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Field id (uuid).
    pub id: String,
    /// Its label on HRBrain's screens (氏, メールアドレス, …).
    pub label: String,
    /// Its API alias (LastName, Email, …), renamable by the customer.
    #[serde(default)]
    pub alias: Option<String>,
    /// For pull-down fields over the organization (主部署): the organization's id.
    #[serde(default, rename = "organizationId")]
    pub organization_id: Option<String>,
}

/// One field of a member.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FieldValue {
    /// Field id.
    #[serde(default)]
    pub id: String,
    /// Field alias.
    #[serde(default)]
    pub alias: Option<String>,
    /// Field type (string, date, pulldown, …).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Its value (text, or an item id for pull-downs; null when empty).
    #[serde(default)]
    pub value: Value,
}

/// A member with the columns asked for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Member {
    /// Member id (uuid).
    pub id: String,
    /// Its fields.
    #[serde(default)]
    pub fields: Vec<FieldValue>,
}

impl Member {
    /// The trimmed text of the field with `alias`; None when absent or blank.
    pub fn text(&self, alias: &str) -> Option<String> {
        let v = &self
            .fields
            .iter()
            .find(|f| f.alias.as_deref() == Some(alias))?
            .value;
        let s = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            Value::Object(o) => o.get("value").and_then(Value::as_str)?.trim().to_string(),
            _ => return None,
        };
        (!s.is_empty()).then_some(s)
    }
}

#[derive(Deserialize)]
struct MembersReply {
    data: Vec<Member>,
    paging: PagingReply,
}

#[derive(Deserialize)]
struct PagingReply {
    #[serde(rename = "totalCount")]
    total_count: u64,
}

/// HRBrain tunables.
#[derive(Debug, Clone)]
pub struct HrbrainConfig {
    /// HTTP base.
    pub http: HttpConfig,
    /// Members per page.
    pub page_size: u32,
}

impl HrbrainConfig {
    /// Against `base_url`, at most `per_minute` requests a minute (None: unlimited).
    pub fn new(base_url: &str, per_minute: Option<u32>) -> Self {
        Self {
            http: HttpConfig {
                base_url: base_url.trim_end_matches('/').to_string(),
                timeout: Duration::from_secs(30),
                retry: Default::default(),
                limit: per_minute.map(|n| (n, Duration::from_secs(60))),
                write_limit: None,
            },
            page_size: PAGE_SIZE,
        }
    }
}

/// The HRBrain client of one company (subdomain).
#[derive(Debug)]
pub struct HrbrainClient {
    base: VendorClient,
    subdomain: String,
    secret: String,
    token: TokenCache,
    page_size: u32,
}

#[derive(Deserialize)]
struct TokenReply {
    token: String,
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &str) -> Result<T, VendorError> {
    crate::http::parse_json(VENDOR, body, what)
}

impl HrbrainClient {
    /// A client for the company at `subdomain` with its public-API token.
    pub fn new(config: HrbrainConfig, subdomain: &str, secret: &str) -> Result<Self, VendorError> {
        let mut base = VendorClient::new(VENDOR, config.http)?;
        base.set_credential(subdomain);
        Ok(Self {
            base,
            subdomain: subdomain.to_string(),
            secret: secret.to_string(),
            token: TokenCache::default(),
            page_size: config.page_size.clamp(1, 1000),
        })
    }

    /// Request counters.
    pub fn stats(&self) -> &crate::http::Stats {
        &self.base.stats
    }

    async fn fetch_token(&self) -> Result<(String, Duration), VendorError> {
        let refused = || {
            VendorError::Auth {
            vendor: VENDOR,
            message: "クライアントID（サブドメイン）またはクライアントシークレットが正しくありません (token refused)".into(),
        }
        };
        let body = json!({ "clientId": self.subdomain, "clientSecret": self.secret });
        let reply = self
            .base
            .send(Call::read(), || {
                self.base.request(Method::POST, "/auth/token").json(&body)
            })
            .await
            .map_err(|e| match e {
                VendorError::Permanent { status, .. } if status == 400 || status == 404 => {
                    refused()
                }
                other => other,
            })?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(refused());
        }
        // HRBrain states no lifetime; a 401 fetches a new one whenever it ends.
        Ok((
            parse::<TokenReply>(&reply.body, "token")?.token,
            Duration::from_secs(3600),
        ))
    }

    /// Sends an authenticated read; a 401 drops the token and tries once more with a new one.
    async fn call(
        &self,
        scope: Scope,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Reply, HrbrainError> {
        for _ in 0..2 {
            let token = self.token.get(|| self.fetch_token()).await?;
            let reply = self
                .base
                .send(Call::read(), || build().bearer_auth(&token))
                .await?;
            match reply.status {
                StatusCode::UNAUTHORIZED => self.token.invalidate(&token).await,
                StatusCode::FORBIDDEN => return Err(HrbrainError::ScopeMissing(scope)),
                _ => return Ok(reply),
            }
        }
        Err(VendorError::Auth {
            vendor: VENDOR,
            message: "a fresh token was refused (401)".into(),
        }
        .into())
    }

    /// Checks the client ID and secret by fetching a token.
    pub async fn authenticate(&self) -> Result<(), HrbrainError> {
        self.token.get(|| self.fetch_token()).await?;
        Ok(())
    }

    /// The member field definitions.
    pub async fn fields(&self) -> Result<Vec<Field>, HrbrainError> {
        let reply = self
            .call(Scope::MemberRead, || {
                self.base.request(Method::GET, "/members/v1/fields")
            })
            .await?;
        Ok(parse(&reply.body, "fields")?)
    }

    /// At most `limit` members from `offset` (clamped to 1..=1000), with the given columns
    /// (aliases); answers them and the total.
    pub async fn members_page(
        &self,
        columns: &[&str],
        offset: u64,
        limit: usize,
    ) -> Result<(Vec<Member>, u64), HrbrainError> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX).clamp(1, 1000);
        let reply = self
            .call(Scope::MemberRead, || {
                let cols: Vec<(&str, &str)> = columns.iter().map(|c| ("columns", *c)).collect();
                self.base
                    .request(Method::GET, "/members/v1/members")
                    .query(&cols)
                    .query(&paging(offset, limit))
            })
            .await?;
        let page: MembersReply = parse(&reply.body, "members")?;
        Ok((page.data, page.paging.total_count))
    }

    /// Every member in pages of the configured size, each handed to `each` and dropped,
    /// until the total is reached (or a page comes back empty).
    pub async fn scan_members(
        &self,
        columns: &[&str],
        mut each: impl FnMut(&[Member]),
    ) -> Result<(), HrbrainError> {
        let mut offset = 0;
        loop {
            let (page, total) = self
                .members_page(columns, offset, self.page_size as usize)
                .await?;
            each(&page);
            offset += page.len() as u64;
            if page.is_empty() || offset >= total {
                return Ok(());
            }
        }
    }

    /// The organization's items (the department tree).
    pub async fn organization(&self, organization_id: &str) -> Result<OrgTree, HrbrainError> {
        let path = format!("/members/v1.1/organization/{organization_id}/items");
        let reply = self
            .call(Scope::OrganizationRead, || {
                self.base.request(Method::GET, &path)
            })
            .await?;
        Ok(parse(&reply.body, "organization items")?)
    }
}

impl crate::http::RunBound for HrbrainClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}
