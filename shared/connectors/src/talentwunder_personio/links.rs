//! C4.2: the open jobs (the career site's XML feed, cached in the state store for a few
//! minutes) and the links of Talentwunder projects to them. A project is linked to exactly
//! one job (linking again replaces it); only a job the feed publishes can be linked.

use super::Settings;
use chrono::{DateTime, Duration, Utc};
use renkei_core::ports::{Condition, StateStore, StoreError};
use renkei_core::repo::Repo;
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::personio::{FeedError, Job, JobsFeed};
use serde::{Deserialize, Serialize};

/// A project's link (`X#L#<project>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectLink {
    /// Talentwunder's project id.
    pub project_id: String,
    /// Its name, as the person linking typed it.
    #[serde(default)]
    pub project_name: Option<String>,
    /// The Personio job.
    pub job_position_id: u64,
    /// The job's title when linked.
    pub job_name: String,
    /// When.
    pub linked_at: DateTime<Utc>,
}

/// The feed as last read (`X#J#<language>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    fetched_at: DateTime<Utc>,
    jobs: Vec<Job>,
}

/// Why a link was refused or a list could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The job is not in the feed.
    #[error("{0}")]
    NotPublished(String),
    /// No such link.
    #[error("project {0} is not linked")]
    NotFound(String),
    /// A bad value.
    #[error("{0}")]
    Invalid(String),
    /// The feed could not be read.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// Storage trouble.
    #[error("{0}")]
    Store(String),
}

impl From<StoreError> for LinkError {
    fn from(e: StoreError) -> Self {
        LinkError::Store(e.to_string())
    }
}

/// The open jobs: the cached feed while it is younger than the connection's TTL, else read
/// again (and cached). `fresh` always reads.
pub async fn jobs(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    settings: &Settings,
    now: DateTime<Utc>,
    fresh: bool,
) -> Result<Vec<Job>, LinkError> {
    let repo = Repo::new(store);
    let sk = format!("J#{}", settings.language);
    let ttl = Duration::seconds(settings.jobs_ttl_seconds as i64);
    if !fresh
        && let Some((cached, _)) = repo.own_get::<Cached>(t, c, &sk).await?
        && now - cached.fetched_at < ttl
        && cached.fetched_at <= now
    {
        return Ok(cached.jobs);
    }
    let feed = JobsFeed::new(&settings.jobs_url()).map_err(FeedError::Vendor)?;
    let jobs = feed.jobs(&settings.language).await?;
    let cached = Cached {
        fetched_at: now,
        jobs: jobs.clone(),
    };
    repo.own_put(t, c, &sk, &cached, Condition::Always, Some(now + ttl))
        .await?;
    Ok(jobs)
}

/// A project's link.
pub async fn get(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    project_id: &str,
) -> Result<Option<ProjectLink>, StoreError> {
    Ok(Repo::new(store)
        .own_get::<ProjectLink>(t, c, &format!("L#{project_id}"))
        .await?
        .map(|(l, _)| l))
}

/// Every link, by project id.
pub async fn list(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<Vec<ProjectLink>, StoreError> {
    Ok(Repo::new(store)
        .own_query::<ProjectLink>(t, c, "L#")
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect())
}

/// Links (or relinks) a project to a job the feed publishes now.
#[allow(clippy::too_many_arguments)]
pub async fn link(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    settings: &Settings,
    project_id: &str,
    project_name: Option<String>,
    job_position_id: u64,
    now: DateTime<Utc>,
) -> Result<ProjectLink, LinkError> {
    let project_id = project_id.trim();
    if project_id.is_empty() || project_id.contains('#') {
        return Err(LinkError::Invalid(
            "a project id is required (and cannot contain #)".into(),
        ));
    }
    let open = jobs(store, t, c, settings, now, true).await?;
    let Some(job) = open.iter().find(|j| j.id == job_position_id) else {
        let names: Vec<String> = open
            .iter()
            .take(20)
            .map(|j| format!("{} {}", j.id, j.name))
            .collect();
        return Err(LinkError::NotPublished(format!(
            "job {job_position_id} is not published on the career site's XML feed; open jobs: {}",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )));
    };
    let link = ProjectLink {
        project_id: project_id.to_string(),
        project_name,
        job_position_id,
        job_name: job.name.clone(),
        linked_at: now,
    };
    Repo::new(store)
        .own_put(
            t,
            c,
            &format!("L#{project_id}"),
            &link,
            Condition::Always,
            None,
        )
        .await?;
    Ok(link)
}

/// Removes a project's link (its queued profiles keep the job they were uploaded for).
pub async fn unlink(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    project_id: &str,
) -> Result<ProjectLink, LinkError> {
    let link = get(store, t, c, project_id)
        .await?
        .ok_or_else(|| LinkError::NotFound(project_id.to_string()))?;
    Repo::new(store)
        .own_delete(t, c, &format!("L#{project_id}"))
        .await?;
    Ok(link)
}
