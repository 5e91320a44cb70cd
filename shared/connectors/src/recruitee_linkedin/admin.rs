//! The operator's and recruiter's surface of C5.4–C5.8: one typed [`Action`] in, one typed
//! [`Answer`] out, so that the CLI (`renkei linkedin …`, which builds the `Action` from its
//! arguments), the sandbox's `POST /_control/admin/recruitee-linkedin/{action}` and the
//! admin API (which read it from the path and a JSON body, [`Action::from_body`]) take the
//! same path:
//!
//! | action      | body                                     | answer                         |
//! |-------------|------------------------------------------|--------------------------------|
//! | link        | team_member                              | authorize_url                  |
//! | unlink      | team_member                              | unlinked                       |
//! | accounts    |                                          | accounts [{team_member, …}]    |
//! | exports     |                                          | exports […], per_seat […]      |
//! | profile     | team_member, candidate                   | profiles [{member, current …}] |
//! | search      | team_member, title?, company?            | members […]                    |
//! | relink      | candidate, member?, wrong?               | relink {member, unmatched}     |
//! | onboarding-link | ttl? (`90m`, `24h`, `7d`; default 24h)   | url, expires_at                |
//! | refresh     |                                          | activation ("notify partner")  |
//!
//! Numbers may come as JSON numbers or strings of digits; an empty text is no text.

mod body;

use super::accounts::{self, AccountLink, ExportResult, Linked, Relink};
use super::setup::ActivationState;
use chrono::{DateTime, Duration, Utc};
use renkei_core::engine::SyncError;
use renkei_core::ports::{Retryability, SecretStore, StateStore, StoreError};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::linkedin::{EXPORTS_PER_SEAT_PER_MONTH, MemberHit};
use serde::Serialize;

/// The actions, for help texts: each [`Action`]'s [`name`](Action::name), in order.
pub const ACTIONS: &[&str] = &[
    "link",
    "unlink",
    "accounts",
    "exports",
    "profile",
    "search",
    "relink",
    "onboarding-link",
    "refresh",
];

/// One operation on a C5 connection, with its inputs. Read from an action's name and its
/// JSON body by [`Action::from_body`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Start linking a team member's LinkedIn account (C5.4): the URL the member opens.
    Link {
        /// Recruitee's admin id of the team member.
        #[serde(deserialize_with = "body::number")]
        team_member: u64,
    },
    /// Unlink a team member's LinkedIn account.
    Unlink {
        /// Recruitee's admin id of the team member.
        #[serde(deserialize_with = "body::number")]
        team_member: u64,
    },
    /// The linked accounts.
    Accounts,
    /// The exports and each seat's count this month (C5.5).
    Exports,
    /// A candidate's LinkedIn profile as a linked team member sees it (C5.4, C5.8).
    Profile {
        /// The linked team member asking.
        #[serde(deserialize_with = "body::number")]
        team_member: u64,
        /// The Recruitee candidate.
        #[serde(deserialize_with = "body::number")]
        candidate: u64,
    },
    /// LinkedIn members by current title and/or company (C5.8).
    Search {
        /// The linked team member asking.
        #[serde(deserialize_with = "body::number")]
        team_member: u64,
        /// Current job title to match.
        #[serde(default, deserialize_with = "body::text")]
        title: Option<String>,
        /// Current company to match.
        #[serde(default, deserialize_with = "body::text")]
        company: Option<String>,
    },
    /// Relink a candidate matched to the wrong LinkedIn profile (C5.8).
    Relink {
        /// The Recruitee candidate.
        #[serde(deserialize_with = "body::number")]
        candidate: u64,
        /// The right member (`urn:li:person:…` or its id).
        #[serde(default, deserialize_with = "body::text")]
        member: Option<String>,
        /// The wrong member, never matched to this candidate again.
        #[serde(default, deserialize_with = "body::text")]
        wrong: Option<String>,
    },
    /// The signed link for the customer's LinkedIn admin.
    OnboardingLink {
        /// How long it works (default [`onboarding::DEFAULT_TTL`](super::onboarding::DEFAULT_TTL)).
        #[serde(default, deserialize_with = "body::ttl")]
        ttl: Option<Ttl>,
    },
    /// Ask LinkedIn for the activation status now ("notify partner").
    Refresh,
}

impl Action {
    /// The action `name` (a path's last segment) with the fields of its JSON `body`;
    /// fields an action does not take are ignored. The error names what does not fit.
    pub fn from_body<'de, D: serde::Deserializer<'de>>(
        name: &str,
        body: D,
    ) -> Result<Self, D::Error> {
        body::action(name, body)
    }

    /// Its name, one of [`ACTIONS`].
    pub fn name(&self) -> &'static str {
        match self {
            Action::Link { .. } => "link",
            Action::Unlink { .. } => "unlink",
            Action::Accounts => "accounts",
            Action::Exports => "exports",
            Action::Profile { .. } => "profile",
            Action::Search { .. } => "search",
            Action::Relink { .. } => "relink",
            Action::OnboardingLink { .. } => "onboarding-link",
            Action::Refresh => "refresh",
        }
    }
}

/// How long an onboarding link works: more than nothing, at most
/// [`onboarding::MAX_TTL`](super::onboarding::MAX_TTL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ttl(Duration);

impl Ttl {
    /// `90m`, `24h`, `7d`.
    pub fn parse(s: &str) -> Result<Self, String> {
        super::onboarding::parse_ttl(s).map(Ttl)
    }

    /// The duration.
    pub fn duration(self) -> Duration {
        self.0
    }
}

/// What an action answers (as JSON: the one object of its variant).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// `link`.
    Link(LinkStarted),
    /// `unlink`.
    Unlink(Unlinked),
    /// `accounts`.
    Accounts(Accounts),
    /// `exports`.
    Exports(Exports),
    /// `profile`.
    Profile(Profiles),
    /// `search`.
    Search(Members),
    /// `relink`.
    Relink(Relinked),
    /// `onboarding-link`.
    OnboardingLink(OnboardingLink),
    /// `refresh`.
    Refresh(Refreshed),
}

impl Answer {
    /// The answer as JSON. Through a `Value`, whose keys are sorted, because that is the
    /// order the API and `renkei linkedin … --json` have always answered them in.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The URL a team member opens to link a LinkedIn account.
#[derive(Debug, Clone, Serialize)]
pub struct LinkStarted {
    /// Recruitee's admin id of the team member.
    pub team_member: u64,
    /// LinkedIn's authorization URL.
    pub authorize_url: String,
    /// What to do with it.
    pub note: &'static str,
}

/// Whether an unlink found a link.
#[derive(Debug, Clone, Serialize)]
pub struct Unlinked {
    /// The team member had a linked account.
    pub unlinked: bool,
    /// Recruitee's admin id of the team member.
    pub team_member: u64,
}

/// The linked accounts.
#[derive(Debug, Clone, Serialize)]
pub struct Accounts {
    /// One per linked team member.
    pub accounts: Vec<Account>,
}

/// A team member's linked LinkedIn account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// Recruitee's admin id of the team member.
    pub team_member: u64,
    /// The LinkedIn member (`urn:li:person:…`), i.e. the Recruiter seat.
    pub linkedin_member: String,
    /// Since when.
    pub linked_at: DateTime<Utc>,
}

impl From<AccountLink> for Account {
    fn from(l: AccountLink) -> Self {
        Self {
            team_member: l.admin_id,
            linkedin_member: l.member,
            linked_at: l.linked_at,
        }
    }
}

/// The exports, newest first, and each seat's count this month.
#[derive(Debug, Clone, Serialize)]
pub struct Exports {
    /// What became of each export.
    pub exports: Vec<ExportResult>,
    /// Exports per seat this month.
    pub per_seat: Vec<SeatCount>,
}

/// A seat's exports this month against LinkedIn's monthly limit.
#[derive(Debug, Clone, Serialize)]
pub struct SeatCount {
    /// The seat (LinkedIn member).
    pub seat: String,
    /// Exports this month.
    pub this_month: u32,
    /// LinkedIn's limit per seat and month.
    pub limit: u32,
}

/// A candidate's LinkedIn profiles: the current match first, then suggestions.
#[derive(Debug, Clone, Serialize)]
pub struct Profiles {
    /// The Recruitee candidate.
    pub candidate: u64,
    /// The members.
    pub profiles: Vec<MemberHit>,
}

/// LinkedIn members a search found.
#[derive(Debug, Clone, Serialize)]
pub struct Members {
    /// The members.
    pub members: Vec<MemberHit>,
}

/// A candidate's relink as kept for the next sync.
#[derive(Debug, Clone, Serialize)]
pub struct Relinked {
    /// The Recruitee candidate.
    pub candidate: u64,
    /// The member it is, and members it is not.
    pub relink: Relink,
    /// What happens next.
    pub note: &'static str,
}

/// A signed link for the customer's LinkedIn admin.
#[derive(Debug, Clone, Serialize)]
pub struct OnboardingLink {
    /// The page's address, with its token.
    pub url: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// What to do with it.
    pub note: &'static str,
}

/// The activation as LinkedIn reports it now.
#[derive(Debug, Clone, Serialize)]
pub struct Refreshed {
    /// Where activation stands.
    pub activation: ActivationState,
}

/// Why an action was not done.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The connection does not exist (nothing is stored for a typo).
    #[error("no connection {0}/{1}")]
    NoConnection(TenantId, ConnectionId),
    /// The connection is another connector's.
    #[error("{0}/{1} is a {2} connection, not {name}", name = super::NAME)]
    OtherConnector(TenantId, ConnectionId, String),
    /// The state store did not answer the connection's lookup.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The action itself failed: refused (Permanent, Auth) or worth a retry (Retryable).
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl Retryability for ActionError {
    fn is_retryable(&self) -> bool {
        match self {
            ActionError::NoConnection(..) | ActionError::OtherConnector(..) => false,
            ActionError::Store(e) => e.is_retryable(),
            ActionError::Sync(e) => {
                matches!(e.plain(), SyncError::Retryable(_) | SyncError::Halted(_))
            }
        }
    }
}

const LINK_NOTE: &str =
    "open this URL as the team member and approve; LinkedIn sends you back to renkei";
const RELINK_NOTE: &str = "the next sync sends the candidate to this profile";
const ONBOARDING_NOTE: &str = "send this link to the customer's LinkedIn admin; it works for this connection only, until it expires";

/// Runs one action for connection `c` of tenant `t`.
pub async fn handle(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    t: &TenantId,
    c: &ConnectionId,
    action: Action,
    now: DateTime<Utc>,
) -> Result<Answer, ActionError> {
    // Every action is about an existing C5 connection (a typo must not store anything).
    match renkei_core::repo::Repo::new(store).connection(t, c).await? {
        None => return Err(ActionError::NoConnection(t.clone(), c.clone())),
        Some((conn, _)) if conn.connector != super::NAME => {
            return Err(ActionError::OtherConnector(
                t.clone(),
                c.clone(),
                conn.connector,
            ));
        }
        Some(_) => {}
    }
    Ok(match action {
        Action::OnboardingLink { ttl } => {
            let ttl = ttl.map_or(super::onboarding::DEFAULT_TTL, Ttl::duration);
            let link = super::onboarding::create_link(store, secrets, t, c, ttl, now).await?;
            Answer::OnboardingLink(OnboardingLink {
                url: link.url,
                expires_at: link.expires_at,
                note: ONBOARDING_NOTE,
            })
        }
        Action::Refresh => Answer::Refresh(Refreshed {
            activation: super::setup::refresh(store, secrets, t, c, now).await?,
        }),
        Action::Accounts => Answer::Accounts(Accounts {
            accounts: accounts::links(store, t, c)
                .await?
                .into_iter()
                .map(Account::from)
                .collect(),
        }),
        Action::Unlink { team_member } => Answer::Unlink(Unlinked {
            unlinked: accounts::unlink(store, t, c, team_member).await?,
            team_member,
        }),
        Action::Exports => {
            let (exports, counts) = accounts::exports(store, t, c, now).await?;
            let per_seat = counts.into_iter().map(|(seat, this_month)| SeatCount {
                seat,
                this_month,
                limit: EXPORTS_PER_SEAT_PER_MONTH,
            });
            Answer::Exports(Exports {
                exports,
                per_seat: per_seat.collect(),
            })
        }
        Action::Relink {
            candidate,
            member,
            wrong,
        } => Answer::Relink(Relinked {
            candidate,
            relink: accounts::relink(store, t, c, candidate, member.as_deref(), wrong.as_deref())
                .await?,
            note: RELINK_NOTE,
        }),
        Action::Link { team_member } => {
            let l = Linked::open(store, secrets, t, c).await?;
            Answer::Link(LinkStarted {
                team_member,
                authorize_url: accounts::start_link(store, &l, team_member, now).await?,
                note: LINK_NOTE,
            })
        }
        Action::Profile {
            team_member,
            candidate,
        } => {
            let l = Linked::open(store, secrets, t, c).await?;
            Answer::Profile(Profiles {
                candidate,
                profiles: accounts::profile(store, &l, team_member, candidate).await?,
            })
        }
        Action::Search {
            team_member,
            title,
            company,
        } => {
            let l = Linked::open(store, secrets, t, c).await?;
            let (title, company) = (title.as_deref(), company.as_deref());
            Answer::Search(Members {
                members: accounts::search(store, &l, team_member, title, company).await?,
            })
        }
    })
}

/// [`Action`]s as the connector's declaration offers them: `body` read into the action
/// named `name` (a field at fault is named by its path), done by [`handle`], its
/// [`Answer`] as JSON.
pub async fn act(
    env: renkei_core::setup::SetupEnv<'_>,
    conn: &renkei_core::repo::Connection,
    name: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, renkei_core::action::ActionError> {
    use renkei_core::action::ActionError as Refused;
    if !ACTIONS.contains(&name) {
        return Err(Refused::Unknown {
            action: name.to_string(),
            known: ACTIONS,
        });
    }
    let mut track = serde_path_to_error::Track::new();
    let read = Action::from_body(
        name,
        serde_path_to_error::Deserializer::new(body, &mut track),
    );
    let action = read.map_err(|e| {
        let (field, message) =
            renkei_core::action::field_at_fault(&serde_path_to_error::Error::new(track.path(), e));
        Refused::Malformed { field, message }
    })?;
    let (t, c) = (&conn.tenant_id, &conn.connection_id);
    match handle(env.store, env.secrets, t, c, action, env.now).await {
        Ok(answer) => Ok(answer.to_json()),
        Err(e) => Err(Refused::Failed {
            retryable: e.is_retryable(),
            message: e.to_string(),
        }),
    }
}
