//! LinkedIn Recruiter System Connect client (remote side of C5), as in vendor-contracts.md
//! and docs/contracts/linkedin.md.
//!
//! - Tokens: client credentials (`POST /oauth/v2/accessToken`), 30 minutes, fetched once per
//!   client and shared by its callers (single-flight), refreshed before expiry and after 401.
//!   The partner's parent application provisions one child application per customer; every
//!   customer call uses the child's token.
//! - Paths and the version header live in [`Api`] alone: `/v2/…`, or `/rest/…` with
//!   `LinkedIn-Version: YYYYMM` once LinkedIn retires `/v2/`.
//! - Sync calls are rest.li batches of at most [`MAX_BATCH`] entities, sent one at a time;
//!   every entity's status is read from the answer. Records count against LinkedIn's
//!   10,000 per minute before they are sent ([`LinkedinConfig::records`]).

use crate::http::{CallKind, HttpConfig, Reply, TokenCache, VendorClient, VendorError};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

mod recruiter;
mod types;
pub use recruiter::*;
pub use types::*;

const VENDOR: &str = "LinkedIn";

/// Where a deployed stack may call LinkedIn's API (Recruiter System Connect).
pub const API_HOSTS: &[renkei_core::outbound::HostPattern] = &["api.linkedin.com"];
/// Where a deployed stack may call LinkedIn's OAuth endpoints (`/oauth/v2/accessToken`,
/// `/oauth/v2/authorization`): LinkedIn's own host for them, the client's default.
pub const OAUTH_HOSTS: &[renkei_core::outbound::HostPattern] = &["www.linkedin.com"];

/// The client of one LinkedIn application (the partner's parent or a customer's child).
#[derive(Debug)]
pub struct LinkedinClient {
    base: VendorClient,
    oauth: VendorClient,
    client_id: String,
    client_secret: String,
    token: TokenCache,
    api: Api,
    records: Option<(u32, Duration)>,
    oauth_base: String,
}

impl crate::http::RunBound for LinkedinClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    expires_in: u64,
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &str) -> Result<T, VendorError> {
    crate::http::parse_json(VENDOR, body, what)
}

/// Each of `ids`' status in a rest.li batch answer `body`, as `batch_update` and
/// `batch_delete` read it. Public so that the fuzz target (fuzz/) decodes answers as the
/// client does.
pub fn batch_statuses(
    resource: Resource,
    ids: &[&str],
    context: &str,
    body: &str,
    deleting: bool,
) -> Result<Vec<EntityStatus>, VendorError> {
    let b: BatchReply = parse(body, "batch")?;
    Ok(b.statuses(resource, ids, context, deleting))
}

fn http(base_url: &str) -> HttpConfig {
    HttpConfig {
        base_url: base_url.to_string(),
        timeout: Duration::from_secs(30),
        retry: Default::default(),
        limit: None,
        write_limit: None,
    }
}

impl LinkedinClient {
    /// A client for the application `client_id`.
    pub fn new(
        config: &LinkedinConfig,
        client_id: &str,
        client_secret: &str,
    ) -> Result<Self, VendorError> {
        let mut base = VendorClient::new(VENDOR, http(&config.api_url))?;
        // LinkedIn's limits are per application: its windows are the application's.
        base.set_credential(client_id);
        Ok(Self {
            base,
            oauth: VendorClient::new(VENDOR, http(&config.oauth_url))?,
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            token: TokenCache::default(),
            api: config.api.clone(),
            records: config.records,
            oauth_base: config.oauth_url.trim_end_matches('/').to_string(),
        })
    }

    /// Waits on the run's behalf (the lease is kept alive over it).
    pub async fn wait(&self, d: Duration) -> Result<(), VendorError> {
        self.base.pause(d).await
    }

    /// Request counters (API calls; token fetches are not counted against the day).
    pub fn stats(&self) -> &crate::http::Stats {
        &self.base.stats
    }

    async fn fetch_token(&self) -> Result<(String, Duration), VendorError> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
        ];
        let reply = self
            .oauth
            .send(CallKind::Read, true, || {
                self.oauth
                    .request(Method::POST, "/oauth/v2/accessToken")
                    .form(&form)
            })
            .await
            .map_err(|e| match e {
                VendorError::Permanent { message, .. } => VendorError::Auth {
                    vendor: VENDOR,
                    message: format!("the application's credentials were refused: {message}"),
                },
                other => other,
            })?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(VendorError::Auth {
                vendor: VENDOR,
                message: "the application's client id or secret was refused".into(),
            });
        }
        let t: TokenReply = parse(&reply.body, "token")?;
        Ok((t.access_token, Duration::from_secs(t.expires_in)))
    }

    /// An authenticated call; a 401 drops the token and tries once more with a new one. A
    /// write that LinkedIn may have processed is retried only where it is idempotent
    /// (`retry_ambiguous`: batch updates and deletes are, creates are not).
    async fn call(
        &self,
        kind: CallKind,
        retry_ambiguous: bool,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Reply, VendorError> {
        for _ in 0..2 {
            let token = self.token.get(|| self.fetch_token()).await?;
            let reply = self
                .base
                .send(kind, retry_ambiguous, || {
                    self.api.headers(build()).bearer_auth(&token)
                })
                .await?;
            match reply.status {
                StatusCode::UNAUTHORIZED => self.token.invalidate(&token).await,
                StatusCode::FORBIDDEN => {
                    return Err(VendorError::Permanent {
                        vendor: VENDOR,
                        status: 403,
                        message: reply.body,
                    });
                }
                _ => return Ok(reply),
            }
        }
        Err(VendorError::Auth {
            vendor: VENDOR,
            message: "a fresh token was refused (401)".into(),
        })
    }

    fn url(&self, resource: &str) -> String {
        self.api.path(resource)
    }

    // ---- partner (parent application)

    /// The customer's child application, if one was provisioned under `unique_foreign_id`.
    pub async fn find_child(
        &self,
        unique_foreign_id: &str,
    ) -> Result<Option<ChildApp>, VendorError> {
        let path = self.url("provisionedApplications");
        let q = [
            ("q", "credentialsByUniqueForeignId"),
            ("uniqueForeignId", unique_foreign_id),
        ];
        let reply = self
            .call(CallKind::Read, true, || {
                self.base.request(Method::GET, &path).query(&q)
            })
            .await?;
        let v: Value = parse(&reply.body, "provisioned applications")?;
        Ok(v["elements"]
            .as_array()
            .and_then(|e| e.first())
            .and_then(|a| serde_json::from_value(a["credentials"].clone()).ok()))
    }

    /// Provisions the customer's child application. Not retried when LinkedIn may have
    /// processed it: the caller looks it up by `unique_foreign_id` instead.
    pub async fn provision_child(
        &self,
        unique_foreign_id: &str,
        name: &str,
    ) -> Result<ChildApp, VendorError> {
        let path = self.url("provisionedApplications");
        let body = json!({
            "uniqueForeignId": unique_foreign_id,
            "name": name,
            "description": "renkei: Recruitee ↔ LinkedIn Recruiter System Connect",
        });
        let reply = self
            .call(CallKind::Write, false, || {
                self.base.request(Method::POST, &path).json(&body)
            })
            .await?;
        let v: Value = parse(&reply.body, "provisioned application")?;
        serde_json::from_value(v["credentials"].clone()).map_err(|e| VendorError::Permanent {
            vendor: VENDOR,
            status: reply.status.as_u16(),
            message: format!("provisioned application without credentials ({e})"),
        })
    }

    /// The Recruiter contracts of a customer's organization.
    pub async fn contracts(&self, organization: &str) -> Result<Vec<Contract>, VendorError> {
        let path = self.url("recruiterContracts");
        let ctx = integration_context(organization);
        let q = [("q", "organization"), ("organization", ctx.as_str())];
        let reply = self
            .call(CallKind::Read, true, || {
                self.base.request(Method::GET, &path).query(&q)
            })
            .await?;
        let v: Value = parse(&reply.body, "contracts")?;
        serde_json::from_value(v["elements"].clone()).map_err(|e| VendorError::Permanent {
            vendor: VENDOR,
            status: 200,
            message: format!("unexpected contracts answer ({e})"),
        })
    }

    // ---- customer (child application)

    /// Asks LinkedIn to enable the RSC integrations on `contract` for the customer
    /// (idempotent: enabling again changes nothing).
    pub async fn enable_integrations(
        &self,
        context: &str,
        contract: &str,
        enabled_by: &str,
    ) -> Result<(), VendorError> {
        let path = self.url("atsIntegrations");
        let body = json!({
            "integrationContext": context,
            "contract": format!("urn:li:contract:{contract}"),
            "enabledBy": enabled_by,
            "integrationTypes": INTEGRATION_TYPES,
        });
        self.call(CallKind::Write, true, || {
            self.base
                .request(Method::PUT, &path)
                .header("x-restli-method", "update")
                .json(&body)
        })
        .await?;
        Ok(())
    }

    /// Sets the customer's CALLBACK_URL (where LinkedIn posts its notifications).
    pub async fn set_callback_url(&self, context: &str, url: &str) -> Result<(), VendorError> {
        let path = self.url("atsIntegrationConfigurations");
        let body = json!({"integrationContext": context, "type": "CALLBACK_URL", "value": url});
        self.call(CallKind::Write, true, || {
            self.base
                .request(Method::PUT, &path)
                .header("x-restli-method", "update")
                .json(&body)
        })
        .await?;
        Ok(())
    }

    /// Where enabling stands: active once every integration is, failed if one failed.
    pub async fn activation(&self, context: &str) -> Result<(Activation, String), VendorError> {
        let path = self.url("atsIntegrations");
        let q = [("q", "integrationContext"), ("integrationContext", context)];
        let reply = self
            .call(CallKind::Read, true, || {
                self.base.request(Method::GET, &path).query(&q)
            })
            .await?;
        let v: Value = parse(&reply.body, "integrations")?;
        let items = v["elements"].as_array().cloned().unwrap_or_default();
        let status = |i: &Value| i["status"].as_str().unwrap_or("PENDING").to_string();
        if let Some(f) = items.iter().find(|i| status(i) == "FAILED") {
            return Ok((
                Activation::Failed,
                format!(
                    "{} failed: {}",
                    f["integrationType"].as_str().unwrap_or("an integration"),
                    message(f)
                ),
            ));
        }
        let active = items.iter().filter(|i| status(i) == "ACTIVE").count();
        let all = INTEGRATION_TYPES.len();
        if items.len() >= all && active == items.len() {
            Ok((
                Activation::Active,
                format!("{active} of {all} integrations active"),
            ))
        } else {
            Ok((
                Activation::Pending,
                format!("{active} of {all} integrations active"),
            ))
        }
    }

    /// Waits for room for `records` records in the application's records window.
    async fn take_records(&self, records: usize) -> Result<(), VendorError> {
        match self.records {
            Some(limit) => {
                self.base
                    .take_units("records", limit, records.max(1) as u32)
                    .await
            }
            None => Ok(()),
        }
    }

    /// One rest.li batch write of `records` entities (`x-restli-method: {restli}`), its
    /// records taken in the application's window first.
    async fn batch_write(
        &self,
        (method, restli): (Method, &str),
        resource: &str,
        records: usize,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Reply, VendorError> {
        let path = self.url(resource);
        self.take_records(records).await?;
        self.call(CallKind::Write, true, || {
            let mut rb = self
                .base
                .request(method.clone(), &path)
                .header("x-restli-method", restli);
            if !query.is_empty() {
                rb = rb.query(query);
            }
            match body {
                Some(b) => rb.json(b),
                None => rb,
            }
        })
        .await
    }

    fn statuses(
        resource: Resource,
        ids: &[&str],
        context: &str,
        reply: &Reply,
        deleting: bool,
    ) -> Result<Vec<EntityStatus>, VendorError> {
        batch_statuses(resource, ids, context, &reply.body, deleting)
    }

    /// Upserts ≤ [`MAX_BATCH`] entities of `resource` (rest.li `batch_update`), answering
    /// each one's status in order.
    pub async fn batch_update<T: Serialize>(
        &self,
        resource: Resource,
        context: &str,
        entities: &[(String, T)],
    ) -> Result<Vec<EntityStatus>, VendorError> {
        assert!(entities.len() <= MAX_BATCH, "at most {MAX_BATCH} per batch");
        let ids: Vec<&str> = entities.iter().map(|(id, _)| id.as_str()).collect();
        let body: serde_json::Map<String, Value> = entities
            .iter()
            .map(|(id, e)| {
                (
                    resource.key(id, context),
                    serde_json::to_value(e).unwrap_or(Value::Null),
                )
            })
            .collect();
        let body = json!({ "entities": body });
        let query = resource.query(&ids, context);
        let reply = self
            .batch_write(
                (Method::PUT, "batch_update"),
                resource.name(),
                entities.len(),
                &query,
                Some(&body),
            )
            .await?;
        Self::statuses(resource, &ids, context, &reply, false)
    }

    /// Deletes ≤ [`MAX_BATCH`] entities of `resource` (an application takes its notes,
    /// stages and feedback along; one LinkedIn does not hold counts as deleted).
    pub async fn batch_delete(
        &self,
        resource: Resource,
        context: &str,
        ids: &[&str],
    ) -> Result<Vec<EntityStatus>, VendorError> {
        assert!(ids.len() <= MAX_BATCH, "at most {MAX_BATCH} per batch");
        let query = resource.query(ids, context);
        let reply = self
            .batch_write(
                (Method::DELETE, "batch_delete"),
                resource.name(),
                ids.len(),
                &query,
                None,
            )
            .await?;
        Self::statuses(resource, ids, context, &reply, true)
    }

    /// Creates, updates or closes ≤ [`MAX_BATCH`] jobs (`batch_create`, asynchronous): the
    /// task id of each, in order. Sending a job again is harmless (LinkedIn keys jobs by
    /// their external id).
    pub async fn post_jobs(
        &self,
        jobs: &[JobPosting],
    ) -> Result<Vec<Result<String, EntityStatus>>, VendorError> {
        assert!(jobs.len() <= MAX_BATCH, "at most {MAX_BATCH} per batch");
        let body = json!({ "elements": jobs });
        let reply = self
            .batch_write(
                (Method::POST, "batch_create"),
                "simpleJobPostings",
                jobs.len(),
                &[],
                Some(&body),
            )
            .await?;
        let v: Value = parse(&reply.body, "job postings")?;
        let elements = v["elements"].as_array().cloned().unwrap_or_default();
        Ok((0..jobs.len())
            .map(|i| match elements.get(i) {
                Some(e) if e["status"].as_u64().is_some_and(|s| s < 300) => {
                    Ok(e["id"].as_str().unwrap_or_default().to_string())
                }
                Some(e) => Err(EntityStatus::Refused {
                    status: e["status"].as_u64().unwrap_or(400) as u16,
                    message: message(e),
                }),
                None => Err(EntityStatus::Failed(
                    "no status for it in LinkedIn's answer".into(),
                )),
            })
            .collect())
    }

    /// The status of job tasks: Done, Refused (FAILED) or Failed (still IN_PROGRESS).
    pub async fn job_tasks(&self, tasks: &[String]) -> Result<Vec<EntityStatus>, VendorError> {
        let path = self.url("simpleJobPostingTasks");
        let list = format!("List({})", tasks.join(","));
        let reply = self
            .call(CallKind::Read, true, || {
                self.base
                    .request(Method::GET, &path)
                    .query(&[("ids", list.as_str())])
            })
            .await?;
        let v: Value = parse(&reply.body, "job tasks")?;
        Ok(tasks
            .iter()
            .map(|t| {
                let r = &v["results"][t];
                match r["status"].as_str() {
                    Some("SUCCEEDED") => EntityStatus::Done,
                    Some("FAILED") => EntityStatus::Refused {
                        status: 422,
                        message: message(r),
                    },
                    _ => EntityStatus::Failed("still in progress".into()),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found while writing the fuzz target's oracle (fuzz/fuzz_targets/vendor_json.rs): a
    /// status past u16 wrapped (`as u16`), so 65736 read as 200 and the entity as done.
    #[test]
    fn s28_15_a_batch_status_that_is_no_http_status_is_a_failure_not_done() {
        let key = Resource::Candidates.key("1", "ctx");
        let body = json!({ "results": { key: { "status": 65736 } } }).to_string();
        let got =
            batch_statuses(Resource::Candidates, &["1"], "ctx", &body, false).expect("decodes");
        assert!(matches!(got[..], [EntityStatus::Failed(_)]), "{got:?}");
    }
}
