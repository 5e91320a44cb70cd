//! C4.3/C4.4 intake: Talentwunder's upload request (docs/contracts/talentwunder.md), checked
//! profile by profile before anything is sent, and queued in the state store under an
//! upload id that the same request always gets (Talentwunder retries; a retry changes
//! nothing). Every profile of an upload is one queue item; its state is the status a
//! recruiter reads.

use super::links;
pub use super::profile::{Cv, Profile, check, decode_cv, extension, valid_email};
use chrono::{DateTime, Duration, Utc};
use renkei_core::engine::Refusal;
use renkei_core::ports::{Condition, StateStore, StoreError};
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, TenantId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// How long an upload and its statuses are kept after it arrived.
pub const KEEP: i64 = 90;

/// A queue item's state: what a recruiter reads as the profile's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum State {
    /// Waiting for a run.
    Queued,
    /// Bad input found at intake; the next run reports it.
    Invalid {
        /// Why.
        reason: String,
    },
    /// Filed in Personio.
    Filed {
        /// When.
        at: DateTime<Utc>,
        /// Found filed by an earlier attempt whose answer was lost.
        #[serde(default)]
        reconciled: bool,
    },
    /// Personio holds an application of this email for this job already (C4.4).
    AlreadyApplied {
        /// When found.
        at: DateTime<Utc>,
        /// Who filed it: renkei in an earlier upload, or someone else.
        detail: String,
    },
    /// Could not be filed; the reason is in the failure email too.
    Failed {
        /// When.
        at: DateTime<Utc>,
        /// Why, readable.
        reason: String,
    },
}

impl State {
    /// The status word (`queued`, `filed`, `already_applied`, `failed`).
    pub fn word(&self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Invalid { .. } | State::Failed { .. } => "failed",
            State::Filed { .. } => "filed",
            State::AlreadyApplied { .. } => "already_applied",
        }
    }

    /// Whether a run still has to handle it.
    pub fn open(&self) -> bool {
        matches!(self, State::Queued | State::Invalid { .. })
    }
}

/// One queued profile (`X#Q#<upload>#<n>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    /// The upload.
    pub upload_id: String,
    /// Its place in the upload (0-based).
    pub n: usize,
    /// When the upload arrived (queue order).
    pub received_at: DateTime<Utc>,
    /// Talentwunder's project.
    pub project_id: String,
    /// The Personio job the project was linked to when the upload arrived.
    pub job_position_id: u64,
    /// The profile as sent.
    pub profile: Profile,
    /// Where it stands.
    pub state: State,
    /// The uploaded CV's uuid (kept so that a retry attaches the same upload).
    #[serde(default)]
    pub cv_uuid: Option<String>,
}

impl Queued {
    /// The queue key.
    pub fn sk(&self) -> String {
        queue_sk(&self.upload_id, self.n)
    }

    /// The engine's record key: how a person finds it in the error report.
    pub fn record_key(&self) -> String {
        format!("{}#{:04} {}", self.upload_id, self.n, self.profile.label())
    }
}

fn queue_sk(upload_id: &str, n: usize) -> String {
    format!("Q#{upload_id}#{n:04}")
}

/// An upload (`X#U#<upload>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    /// renkei's id, answered to Talentwunder.
    pub upload_id: String,
    /// Talentwunder's request id.
    pub request_id: String,
    /// The project.
    pub project_id: String,
    /// Its name, if sent.
    #[serde(default)]
    pub project_name: Option<String>,
    /// The job it was linked to.
    pub job_position_id: u64,
    /// The job's title then.
    pub job_name: String,
    /// Who uploaded (a Talentwunder user), if sent.
    #[serde(default)]
    pub uploaded_by: Option<String>,
    /// Arrival.
    pub received_at: DateTime<Utc>,
    /// Profiles in it.
    pub profiles: usize,
    /// The profiles refused at intake (told in the answer; kept here so that a retry is
    /// answered the same from this item alone).
    #[serde(default)]
    pub rejected: Vec<Value>,
}

/// The request body of the contract.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    request_id: Option<String>,
    project_id: Option<String>,
    #[serde(default)]
    project_name: Option<String>,
    #[serde(default)]
    uploaded_by: Option<String>,
    profiles: Option<Vec<Value>>,
}

/// The most profiles one upload may carry.
pub const MAX_PROFILES: usize = 1000;

/// The upload id a request id always gets under a connection.
pub fn upload_id(t: &TenantId, c: &ConnectionId, request_id: &str) -> String {
    let h = Sha256::digest(format!("{t}/{c}/{request_id}").as_bytes());
    format!("up-{}", &hex::encode(h)[..16])
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

/// Takes an upload: checks it, queues every profile (bad ones with their reason) and
/// answers the upload id with each profile's intake result. Idempotent: the same
/// `requestId` again changes nothing and answers the same.
pub async fn accept(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Value, Refusal> {
    let req: Request = serde_json::from_value(body.clone()).map_err(|e| {
        refuse(
            400,
            format!("the upload is not of the contract's shape: {e}"),
        )
    })?;
    let request_id = req
        .request_id
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| refuse(400, "requestId is missing"))?;
    let project_id = req
        .project_id
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| refuse(400, "projectId is missing"))?;
    let profiles = req.profiles.unwrap_or_default();
    if profiles.is_empty() {
        return Err(refuse(400, "the upload has no profiles"));
    }
    if profiles.len() > MAX_PROFILES {
        return Err(refuse(
            413,
            format!(
                "{} profiles in one upload; at most {MAX_PROFILES}",
                profiles.len()
            ),
        ));
    }
    let repo = Repo::new(store);
    let id = upload_id(t, c, &request_id);
    if let Some((existing, _)) = repo.own_get::<Upload>(t, c, &format!("U#{id}")).await? {
        return Ok(receipt(&existing));
    }
    let link = links::get(store, t, c, &project_id).await?.ok_or_else(|| {
        refuse(
            422,
            format!(
                "project {project_id} is not linked to a Personio job: link it first (renkei personio link)"
            ),
        )
    })?;
    let mut upload = Upload {
        upload_id: id.clone(),
        request_id,
        project_id: project_id.clone(),
        project_name: req.project_name.or(link.project_name.clone()),
        job_position_id: link.job_position_id,
        job_name: link.job_name.clone(),
        uploaded_by: req.uploaded_by,
        received_at: now,
        profiles: profiles.len(),
        rejected: Vec::new(),
    };
    let expires = Some(now + Duration::days(KEEP));
    // First: the mark that the upload has open profiles, so that a run finds every one
    // queued below even if this intake stops part-way.
    repo.own_put(
        t,
        c,
        &open_sk(now, &id),
        &OpenUpload {
            upload_id: id.clone(),
        },
        Condition::Always,
        expires,
    )
    .await?;
    let mut seen = HashSet::new();
    for (n, raw) in profiles.into_iter().enumerate() {
        let (profile, state) = match serde_json::from_value::<Profile>(raw.clone()) {
            Ok(p) => {
                let state = match check(&p) {
                    Err(reason) => State::Invalid { reason },
                    Ok(()) if !seen.insert(p.email_key()) => State::Invalid {
                        reason: format!(
                            "{} is in this upload twice; only the first is filed",
                            p.email_key()
                        ),
                    },
                    Ok(()) => State::Queued,
                };
                (p, state)
            }
            Err(e) => (
                Profile {
                    profile_id: raw
                        .get("profileId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    ..Profile::default()
                },
                State::Invalid {
                    reason: format!("profile {} is not of the contract's shape: {e}", n + 1),
                },
            ),
        };
        if let State::Invalid { reason } = &state {
            upload.rejected.push(json!({
                "n": n, "profileId": profile.profile_id, "profile": profile.label(), "reason": reason,
            }));
        }
        let item = Queued {
            upload_id: id.clone(),
            n,
            received_at: now,
            project_id: project_id.clone(),
            job_position_id: link.job_position_id,
            profile,
            state,
            cv_uuid: None,
        };
        // A retry after a crash part-way finds some written: those may be handled already.
        match repo
            .own_put(t, c, &item.sk(), &item, Condition::NotExists, expires)
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Written last: an upload item means all its profiles are queued.
    match repo
        .own_put(
            t,
            c,
            &format!("U#{id}"),
            &upload,
            Condition::NotExists,
            expires,
        )
        .await
    {
        Ok(()) | Err(StoreError::ConditionFailed) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(receipt(&upload))
}

fn receipt(upload: &Upload) -> Value {
    json!({
        "uploadId": upload.upload_id,
        "projectId": upload.project_id,
        "jobPositionId": upload.job_position_id,
        "profiles": upload.profiles,
        "queued": upload.profiles - upload.rejected.len(),
        "rejected": upload.rejected,
    })
}

/// An upload's queue items, in upload order.
pub async fn profiles(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    upload_id: &str,
) -> Result<Vec<Queued>, StoreError> {
    Ok(Repo::new(store)
        .own_query::<Queued>(t, c, &format!("Q#{upload_id}#"))
        .await?
        .into_iter()
        .map(|(_, q)| q)
        .collect())
}

/// An upload with profiles still to be handled (`X#O#<received ms>#<upload>`): the run's
/// index of its work, oldest upload first, so that it never reads the 90 days of handled
/// profiles kept for the status pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenUpload {
    /// The upload.
    pub upload_id: String,
}

fn open_sk(received_at: DateTime<Utc>, upload_id: &str) -> String {
    format!(
        "O#{:015}#{upload_id}",
        received_at.timestamp_millis().max(0)
    )
}

/// The open upload after the mark `after` (None: the oldest): its mark and upload id.
pub async fn next_open(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    after: Option<&str>,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(Repo::new(store)
        .own_query_page::<OpenUpload>(t, c, "O#", after, 1)
        .await?
        .pop()
        .map(|(sk, o)| (sk, o.upload_id)))
}

/// At most `limit` of an upload's queue items after the item `after` (None: its first), in
/// upload order.
pub async fn queue_page(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    upload_id: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<Queued>, StoreError> {
    Ok(Repo::new(store)
        .own_query_page::<Queued>(t, c, &format!("Q#{upload_id}#"), after, limit)
        .await?
        .into_iter()
        .map(|(_, q)| q)
        .collect())
}

/// Takes an upload off the open list once a full pass found none of its profiles open —
/// and only if its intake finished (the upload item, written last, exists): an intake
/// still under way may queue more.
pub async fn close(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    mark: &str,
    upload_id: &str,
) -> Result<(), StoreError> {
    let repo = Repo::new(store);
    if repo
        .own_get::<Upload>(t, c, &format!("U#{upload_id}"))
        .await?
        .is_some()
    {
        repo.own_delete(t, c, mark).await?;
    }
    Ok(())
}

/// Saves a queue item's new state (final states keep it for [`KEEP`] days).
pub async fn save(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    q: &Queued,
) -> Result<(), StoreError> {
    let expires = Some(q.received_at + Duration::days(KEEP));
    Repo::new(store)
        .own_put(t, c, &q.sk(), q, Condition::Always, expires)
        .await
}

/// The uploads of a connection, newest first.
pub async fn uploads(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<Vec<Upload>, StoreError> {
    let mut all: Vec<Upload> = Repo::new(store)
        .own_query::<Upload>(t, c, "U#")
        .await?
        .into_iter()
        .map(|(_, u)| u)
        .collect();
    all.sort_by_key(|u| std::cmp::Reverse(u.received_at));
    Ok(all)
}

/// An upload and the status of each of its profiles, as the CLI and the sandbox show it.
pub async fn status(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    upload_id: &str,
) -> Result<Option<Value>, StoreError> {
    let Some((upload, _)) = Repo::new(store)
        .own_get::<Upload>(t, c, &format!("U#{upload_id}"))
        .await?
    else {
        return Ok(None);
    };
    let items = profiles(store, t, c, upload_id).await?;
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for q in &items {
        *counts.entry(q.state.word()).or_default() += 1;
    }
    let rows: Vec<Value> = items
        .iter()
        .map(|q| {
            let (reason, at) = match &q.state {
                State::Queued => (None, None),
                State::Invalid { reason } => (Some(reason.clone()), None),
                State::Failed { reason, at } => (Some(reason.clone()), Some(*at)),
                State::Filed { at, reconciled } => (
                    reconciled.then(|| {
                        "filed by an earlier attempt whose answer was lost (reconciled)".to_string()
                    }),
                    Some(*at),
                ),
                State::AlreadyApplied { at, detail } => (Some(detail.clone()), Some(*at)),
            };
            json!({
                "n": q.n, "profileId": q.profile.profile_id, "profile": q.profile.label(),
                "status": q.state.word(), "reason": reason, "at": at,
            })
        })
        .collect();
    Ok(Some(json!({
        "upload": upload, "counts": counts, "profiles": rows,
    })))
}
