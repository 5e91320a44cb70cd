//! C5.4, C5.5 and C5.8 as people use them: a Recruitee team member links a personal
//! LinkedIn account (OAuth code flow: [`start_link`] gives the authorization URL, LinkedIn
//! sends the member back to the connection's callback URL, [`finish_link`] keeps the link),
//! unlinks it, sees a candidate's LinkedIn profile (linked members only), reads the exports
//! and their results with each seat's monthly count, and relinks a candidate matched to the
//! wrong LinkedIn profile (suggestions, search, the chosen member kept for the next sync).
//!
//! Kept per connection: `L#{admin}` links, `O#{state}` authorizations under way (10
//! minutes), `E#{request}` export results (a refused one for the platform's retention),
//! `Q#{month}#{seat}` export counts, `R#{candidate}` relinks. Only linked members' seats see
//! jobs in "export to ATS" (the ACLs the sync sends, `sync`), and only their exports are
//! accepted.

use super::{Secret, Settings};
use chrono::{DateTime, Duration, Utc};
use renkei_core::engine::{REAL_TIME, SyncError, decode_parts};
use renkei_core::ports::{Condition, SecretStore, StateStore};
use renkei_core::repo::{Connection, Repo};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::linkedin::{LinkedinClient, MemberHit, integration_context};
use serde::{Deserialize, Serialize};

/// How long an authorization may take.
const AUTHORIZATION_MINUTES: i64 = 10;

/// A member ↔ seat link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLink {
    /// Recruitee's admin id of the team member.
    pub admin_id: u64,
    /// The LinkedIn member (`urn:li:person:…`), i.e. the Recruiter seat.
    pub member: String,
    /// When linked.
    pub linked_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    admin_id: u64,
    expires: DateTime<Utc>,
}

/// What became of one export (`renkei linkedin exports`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportResult {
    /// LinkedIn's request id.
    pub request_id: String,
    /// The exporting seat, when known.
    #[serde(default)]
    pub seat: Option<String>,
    /// The Recruitee job, when known.
    #[serde(default)]
    pub job: Option<u64>,
    /// created, added (an existing candidate got the job), refused.
    pub status: String,
    /// The Recruitee candidate.
    #[serde(default)]
    pub candidate: Option<u64>,
    /// Why it was refused.
    #[serde(default)]
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A relink (C5.8): the member the candidate is, and members it is not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relink {
    /// The chosen member (None: only unlinked).
    #[serde(default)]
    pub member: Option<String>,
    /// Members the candidate was wrongly matched to.
    #[serde(default)]
    pub unmatched: Vec<String>,
    /// Not yet sent to LinkedIn.
    #[serde(default)]
    pub pending: bool,
}

pub(crate) fn link_sk(admin: u64) -> String {
    format!("L#{admin:020}")
}
pub(crate) fn export_sk(request: &str) -> String {
    format!("E#{request}")
}
pub(crate) fn relink_sk(candidate: u64) -> String {
    format!("R#{candidate:020}")
}
fn count_sk(month: &str, seat: &str) -> String {
    format!("Q#{month}#{seat}")
}

/// Every link of a connection.
pub async fn links(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
) -> Result<Vec<AccountLink>, SyncError> {
    let items: Vec<(String, AccountLink)> = Repo::new(store).own_query(t, c, "L#").await?;
    Ok(items.into_iter().map(|(_, l)| l).collect())
}

/// The exports' results, newest first, with each seat's count this month.
pub async fn exports(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    now: DateTime<Utc>,
) -> Result<(Vec<ExportResult>, Vec<(String, u32)>), SyncError> {
    let repo = Repo::new(store);
    let mut list: Vec<ExportResult> = repo
        .own_query(t, c, "E#")
        .await?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    list.sort_by_key(|e| std::cmp::Reverse(e.at));
    let month = now.format("%Y-%m").to_string();
    let counts: Vec<(String, u32)> = repo
        .own_query::<u32>(t, c, &format!("Q#{month}#"))
        .await?
        .into_iter()
        .map(|(k, n)| (k.rsplit('#').next().unwrap_or_default().to_string(), n))
        .collect();
    Ok((list, counts))
}

/// Counts one accepted export against its seat's month; answers the new count.
pub(crate) async fn count_export(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    seat: &str,
    now: DateTime<Utc>,
) -> Result<u32, SyncError> {
    let repo = Repo::new(store);
    let sk = count_sk(&now.format("%Y-%m").to_string(), seat);
    loop {
        let read: Option<(u32, u64)> = repo.own_get(t, c, &sk).await?;
        let (n, cond) = match read {
            Some((n, v)) => (n + 1, Condition::VersionIs(v)),
            None => (1, Condition::NotExists),
        };
        match repo.own_put(t, c, &sk, &n, cond, None).await {
            Ok(()) => return Ok(n),
            Err(renkei_core::ports::StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// A connection with its settings, secret and the customer's LinkedIn client.
pub struct Linked {
    /// The connection.
    pub conn: Connection,
    /// Its settings.
    pub settings: Settings,
    /// Its secret.
    pub secret: Secret,
    /// The customer's child application.
    pub linkedin: LinkedinClient,
}

impl Linked {
    /// Reads a connection.
    pub async fn open(
        store: &dyn StateStore,
        secrets: &dyn SecretStore,
        t: &TenantId,
        c: &ConnectionId,
    ) -> Result<Self, SyncError> {
        let Some((conn, _)) = Repo::new(store).connection(t, c).await? else {
            return Err(SyncError::Permanent(format!("no connection {t}/{c}")));
        };
        if conn.connector != super::NAME {
            return Err(SyncError::Permanent(format!(
                "{t}/{c} is a {} connection, not {}",
                conn.connector,
                super::NAME
            )));
        }
        let raw = secrets
            .get(conn.scoped_secret().map_err(SyncError::Permanent)?)
            .await
            .map_err(|e| SyncError::Retryable(e.to_string()))?;
        let (settings, secret): (Settings, Secret) =
            decode_parts(&conn, raw.as_deref(), "credentials missing: connect again")?;
        // Team members are linked through the admin API, outside runs: real time.
        let linkedin = secret.customer(&settings, REAL_TIME)?;
        Ok(Self {
            conn,
            settings,
            secret,
            linkedin,
        })
    }

    fn callback(&self) -> Result<&str, SyncError> {
        callback(&self.settings)
    }
}

/// Where LinkedIn sends members back after their consent.
fn callback(settings: &Settings) -> Result<&str, SyncError> {
    settings.callback_url.as_deref().ok_or_else(|| {
        SyncError::Permanent(
            "this connection has no callback URL (connected before C5.4): connect again".into(),
        )
    })
}

/// Starts linking team member `admin_id`'s LinkedIn account: the URL to open.
pub async fn start_link(
    store: &dyn StateStore,
    l: &Linked,
    admin_id: u64,
    now: DateTime<Utc>,
) -> Result<String, SyncError> {
    // The state is what ties LinkedIn's redirect to this team member (OAuth's CSRF guard):
    // it must be unguessable, so it comes from the OS, never from a fast PRNG.
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        SyncError::Retryable(format!(
            "no randomness from the OS for the sign-in state: {e}"
        ))
    })?;
    let state = hex::encode(bytes);
    let expires = now + Duration::minutes(AUTHORIZATION_MINUTES);
    Repo::new(store)
        .own_put(
            &l.conn.tenant_id,
            &l.conn.connection_id,
            &format!("O#{state}"),
            &Pending { admin_id, expires },
            Condition::NotExists,
            Some(expires),
        )
        .await?;
    Ok(l.linkedin.authorize_url(l.callback()?, &state))
}

/// Finishes an authorization LinkedIn sent back (`state`, `code`): keeps the link. A
/// state used, unknown or expired is refused (Permanent).
///
/// Runs in the public webhooks function: `linkedin` is the child application as the LinkedIn
/// endpoint's own secret gives it (that function reads no connection secret). The state is
/// checked before anything else, and an unknown one is told in the words every unfinished
/// authorization gets ([`renkei_core::connector::UNKNOWN_AUTHORIZATION`]).
pub async fn finish_link(
    store: &dyn StateStore,
    conn: &Connection,
    settings: &Settings,
    linkedin: impl FnOnce() -> Result<LinkedinClient, SyncError>,
    state: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<AccountLink, SyncError> {
    let repo = Repo::new(store);
    let (t, c) = (&conn.tenant_id, &conn.connection_id);
    let sk = format!("O#{state}");
    let pending: Option<(Pending, u64)> = repo.own_get(t, c, &sk).await?;
    let Some((p, _)) = pending.filter(|(p, _)| p.expires > now) else {
        return Err(SyncError::Permanent(
            renkei_core::connector::UNKNOWN_AUTHORIZATION.into(),
        ));
    };
    // Used once, before LinkedIn is asked (a replayed redirect changes nothing).
    repo.own_delete(t, c, &sk).await?;
    let member = linkedin()?
        .authorized_member(code, callback(settings)?)
        .await?;
    if let Some(other) = links(store, t, c)
        .await?
        .into_iter()
        .find(|x| x.member == member && x.admin_id != p.admin_id)
    {
        return Err(SyncError::Permanent(format!(
            "LinkedIn account {member} is linked to team member {} already: unlink it there first",
            other.admin_id
        )));
    }
    let link = AccountLink {
        admin_id: p.admin_id,
        member,
        linked_at: now,
    };
    repo.own_put(t, c, &link_sk(p.admin_id), &link, Condition::Always, None)
        .await?;
    Ok(link)
}

/// Unlinks team member `admin_id` (the next sync withdraws its seat's job visibility).
pub async fn unlink(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    admin_id: u64,
) -> Result<bool, SyncError> {
    let repo = Repo::new(store);
    let had: Option<(AccountLink, u64)> = repo.own_get(t, c, &link_sk(admin_id)).await?;
    repo.own_delete(t, c, &link_sk(admin_id)).await?;
    Ok(had.is_some())
}

async fn linked_member(
    store: &dyn StateStore,
    l: &Linked,
    admin_id: u64,
) -> Result<AccountLink, SyncError> {
    let (t, c) = (&l.conn.tenant_id, &l.conn.connection_id);
    Repo::new(store)
        .own_get::<AccountLink>(t, c, &link_sk(admin_id))
        .await?
        .map(|(a, _)| a)
        .ok_or_else(|| {
            SyncError::Permanent(format!(
                "team member {admin_id} has no linked LinkedIn account: link it first (renkei linkedin link)"
            ))
        })
}

/// The LinkedIn profile a candidate is matched to, for a linked team member (C5.4), with
/// LinkedIn's other suggestions (C5.8).
pub async fn profile(
    store: &dyn StateStore,
    l: &Linked,
    admin_id: u64,
    candidate: u64,
) -> Result<Vec<MemberHit>, SyncError> {
    linked_member(store, l, admin_id).await?;
    Ok(l.linkedin
        .matched_members(
            &candidate.to_string(),
            &integration_context(&l.settings.organization),
        )
        .await?)
}

/// LinkedIn members by current title and/or company (C5.8), for a linked team member.
pub async fn search(
    store: &dyn StateStore,
    l: &Linked,
    admin_id: u64,
    title: Option<&str>,
    company: Option<&str>,
) -> Result<Vec<MemberHit>, SyncError> {
    linked_member(store, l, admin_id).await?;
    if title.is_none() && company.is_none() {
        return Err(SyncError::Permanent(
            "search by a job title, a company or both".into(),
        ));
    }
    Ok(l.linkedin.member_search(title, company).await?)
}

/// Relinks a candidate (C5.8): `wrong` (if given) is never matched to it again; `member`
/// (if given) is attached as its manual match. The next sync sends the candidate again.
pub async fn relink(
    store: &dyn StateStore,
    t: &TenantId,
    c: &ConnectionId,
    candidate: u64,
    member: Option<&str>,
    wrong: Option<&str>,
) -> Result<Relink, SyncError> {
    let urn = |m: &str| {
        if m.starts_with("urn:li:person:") {
            m.to_string()
        } else {
            format!("urn:li:person:{m}")
        }
    };
    if member.is_none() && wrong.is_none() {
        return Err(SyncError::Permanent(
            "name the right member, the wrong one, or both".into(),
        ));
    }
    let repo = Repo::new(store);
    let sk = relink_sk(candidate);
    let mut r: Relink = repo
        .own_get(t, c, &sk)
        .await?
        .map(|(r, _)| r)
        .unwrap_or_default();
    if let Some(w) = wrong.map(urn) {
        if r.member.as_deref() == Some(w.as_str()) {
            r.member = None;
        }
        if !r.unmatched.contains(&w) {
            r.unmatched.push(w);
        }
    }
    if let Some(m) = member.map(urn) {
        r.unmatched.retain(|x| *x != m);
        r.member = Some(m);
    }
    r.pending = true;
    repo.own_put(t, c, &sk, &r, Condition::Always, None).await?;
    Ok(r)
}
