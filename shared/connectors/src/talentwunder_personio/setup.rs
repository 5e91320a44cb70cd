//! C4.1: connecting. Everything the admin entered is checked at once and every problem is
//! answered, each on its field:
//!
//! - the career site's XML feed (`/xml` answering 404, or a web page instead of
//!   `<workzag-jobs>`: the XML interface is off);
//! - the credentials — v2 client ID and secret (the token endpoint), or the legacy v1 token
//!   with the company ID (401) — the recruiting and Recruiting API features (403
//!   `feature.*`) and the permission to file (any other 403: on v2 the scope
//!   `personio:recruiting:write`), by a validation-only probe: an application dated
//!   tomorrow everywhere on Earth (see [`probe_date`]), which Personio validates completely
//!   and refuses (`errors.date-validation.date-in-the-future`), so nothing is filed — a
//!   probe Personio files anyway is a problem, never a pass;
//! - on v2, that the credential may read applications back (`personio:recruiting:read`)
//!   and Personio takes the query: what reconciles a create whose answer was lost (not
//!   checked with `reconcile` set to `duplicate_rule`);
//! - the channel ID in the same probe (`errors.posting-validation.channel-not-found`). Where
//!   Personio would stop at the first error instead, an unknown channel is found at the
//!   first upload: that run fails naming the channel and the profiles stay queued.

use super::{ConnectionSecret, NAME, Reconcile, Settings, cadence, links};
use chrono::{DateTime, Utc};
use renkei_core::engine::REAL_TIME;
use renkei_core::ports::{SecretStore, StateStore, StoreError};
use renkei_core::repo::{Connection, Repo};
use renkei_core::setup::{ProblemKind, SetupProblem, SetupProblems};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::VendorError;
use renkei_vendors::base_url;
use renkei_vendors::personio::{
    FeedError, JobsDomain, LANGUAGES, Listing, PROBE_EMAIL, PROBE_FILED, PersonioClient,
    PersonioError, Reason, explain,
};

/// What connecting needs: whose connection, its id, the secret ([`ConnectionSecret`]: v2
/// client credentials, or a legacy v1 token via [`ConnectionSecret::legacy`]) and the
/// settings.
#[derive(Debug, Clone)]
pub struct SetupInput {
    /// The tenant the connection belongs to.
    pub tenant_id: TenantId,
    /// The id the new connection gets.
    pub connection_id: ConnectionId,
    /// Personio's credentials and the upload signing secret.
    pub secret: ConnectionSecret,
    /// Everything else the admin entered.
    pub settings: Settings,
}

fn problem(kind: ProblemKind, field: Option<&str>, message: impl Into<String>) -> SetupProblem {
    let p = SetupProblem::new(kind, message);
    match field {
        Some(f) => p.at(f),
        None => p,
    }
}

fn unavailable(e: impl std::fmt::Display) -> SetupProblems {
    problem(
        ProblemKind::Unavailable,
        None,
        format!("connecting could not finish: {e}"),
    )
    .into()
}

/// The settings' own shape: a domain label, a numeric company ID, a feed language, URLs.
fn shape(s: &mut Settings) -> Vec<SetupProblem> {
    let mut out = Vec::new();
    s.company_id = s.company_id.trim().to_string();
    if s.company_id.is_empty() || !s.company_id.chars().all(|c| c.is_ascii_digit()) {
        out.push(problem(
            ProblemKind::Setting,
            Some("company_id"),
            "the company ID is a number (Personio: Settings > API access data > Recruiting API key)",
        ));
    }
    // A pasted career-site address is taken for its domain, `.de` or `.com`.
    match JobsDomain::parse(&s.jobs_domain) {
        Ok(d) => s.jobs_domain = d.setting(),
        Err(e) => out.push(problem(ProblemKind::Setting, Some("jobs_domain"), e)),
    }
    if !LANGUAGES.contains(&s.language.as_str()) {
        out.push(problem(
            ProblemKind::Setting,
            Some("language"),
            format!(
                "the XML feed has no language {:?} (one of {})",
                s.language,
                LANGUAGES.join(", ")
            ),
        ));
    }
    for (field, url) in [("api_url", &s.api_url), ("jobs_site_url", &s.jobs_site_url)] {
        if let Some(Err(e)) = url.as_deref().map(|u| base_url::check(field, u)) {
            out.push(e.problem());
        }
    }
    out
}

/// The secret's own problems: credentials named on their fields, the signing secret's.
fn secret_problems(secret: &ConnectionSecret) -> Vec<SetupProblem> {
    let fields: Vec<&str> = secret
        .credentials
        .values()
        .iter()
        .map(|(f, _)| *f)
        .collect();
    renkei_core::config::Configurable::problems(secret)
        .into_iter()
        .map(|mut p| {
            if p.field.as_deref().is_some_and(|f| fields.contains(&f)) {
                p.kind = ProblemKind::Credentials;
            }
            p
        })
        .collect()
}

/// Checks everything C4.1 asks for, then stores the secret and the connection.
pub async fn setup(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    now: DateTime<Utc>,
    mut input: SetupInput,
) -> Result<Connection, SetupProblems> {
    let (t, c) = (input.tenant_id.clone(), input.connection_id.clone());
    if let Some(other) = Repo::new(store)
        .connections(&t)
        .await
        .map_err(unavailable)?
        .into_iter()
        .find(|x| x.connector == NAME || x.connection_id == c)
    {
        return Err(problem(
            ProblemKind::Exists,
            None,
            format!(
                "the tenant has a Personio connection already ({}); disconnect it first to connect again",
                other.connection_id
            ),
        )
        .into());
    }
    let mut problems = shape(&mut input.settings);
    // Credentials present; the upload secret long enough, and none of Personio's.
    problems.extend(secret_problems(&input.secret));
    if !problems.is_empty() {
        return Err(SetupProblems(problems));
    }
    problems = remote_problems(store, now, &input).await?;
    if !problems.is_empty() {
        return Err(SetupProblems(problems));
    }
    stored(store, secrets, now, input).await
}

/// What Personio and the career site answer: the feed, then the probe and the read-back.
async fn remote_problems(
    store: &dyn StateStore,
    now: DateTime<Utc>,
    input: &SetupInput,
) -> Result<Vec<SetupProblem>, SetupProblems> {
    let (t, c, settings) = (&input.tenant_id, &input.connection_id, &input.settings);
    let mut problems = Vec::new();
    // The feed, read fresh (and cached for the first links).
    let jobs = match links::jobs(store, t, c, settings, now, true).await {
        Ok(jobs) => Some(jobs),
        Err(links::LinkError::Feed(
            e @ (FeedError::Missing(_)
            | FeedError::NotEnabled(_)
            | FeedError::Malformed { .. }
            | FeedError::OffSite { .. }
            | FeedError::Redirects { .. }
            | FeedError::Refused { .. }),
        )) => {
            problems.push(problem(
                ProblemKind::Setting,
                Some("jobs_domain"),
                e.to_string(),
            ));
            None
        }
        Err(e) => return Err(unavailable(e)),
    };
    let credentials = input.secret.credentials.clone();
    let field = credentials.field();
    // Real time: the probe's few requests stay far inside the minute's 20 at any scale,
    // and connecting keeps no window the connection's runs share.
    let client = PersonioClient::new(
        &settings.personio(REAL_TIME),
        &settings.company_id,
        credentials,
    )
    .map_err(unavailable)?;
    let job = jobs.as_ref().and_then(|j| j.first()).map_or(0, |j| j.id);
    let probed = probe_problems(&client, settings, job, field, now).await?;
    problems.extend(probed.problems);
    if probed.credentials_work
        && client.can_read_back()
        && settings.reconcile == Reconcile::ReadBack
    {
        problems.extend(read_back_problems(&client).await?);
    }
    Ok(problems)
}

/// Stores the secret (and the upload endpoint's copy of its signing secret) and the
/// connection.
async fn stored(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    now: DateTime<Utc>,
    input: SetupInput,
) -> Result<Connection, SetupProblems> {
    let (t, c) = (input.tenant_id, input.connection_id);
    let secret_name = renkei_core::repo::secret_name(NAME, &t, &c);
    let secret_json = serde_json::to_string(&input.secret).map_err(unavailable)?;
    secrets
        .put(&secret_name, &secret_json)
        .await
        .map_err(unavailable)?;
    // The upload endpoint's own copy of the signing secret: all the webhooks function reads.
    let whole = serde_json::to_value(&input.secret).map_err(unavailable)?;
    renkei_core::webhook::store_endpoint_secrets(secrets, super::WEBHOOKS, &t, &c, &whole)
        .await
        .map_err(unavailable)?;
    let settings_json = serde_json::to_value(&input.settings).map_err(unavailable)?;
    let cadence = cadence(now);
    let conn = Connection::new(
        t,
        c,
        NAME,
        settings_json,
        cadence,
        cadence.next_after(now),
        now,
    );
    Repo::new(store)
        .put_connection(&conn, None)
        .await
        .map_err(|e| match e {
            StoreError::ConditionFailed => problem(
                ProblemKind::Exists,
                None,
                format!("connection {} exists already", conn.connection_id),
            )
            .into(),
            other => unavailable(other),
        })?;
    Ok(conn)
}

/// What connecting's probe found, and whether the credentials work at all.
struct Probed {
    problems: Vec<SetupProblem>,
    credentials_work: bool,
}

/// The validation-only probe (see [`probe_date`]): the credentials, the features, the write
/// permission and the channel, each named on its field. A probe Personio filed is a problem
/// too: it was meant to be refused, and what it should have checked is unknown.
async fn probe_problems(
    client: &PersonioClient,
    settings: &Settings,
    job: u64,
    field: &'static str,
    now: DateTime<Utc>,
) -> Result<Probed, SetupProblems> {
    let mut problems = Vec::new();
    let probed = client
        .probe(job, settings.channel_id, probe_date(now))
        .await;
    let credentials_work = matches!(probed, Ok(_) | Err(PersonioError::MissingScope(_)));
    match probed {
        Ok(reasons) => problems.extend(refusal_problems(&reasons, settings, job)),
        Err(PersonioError::Vendor(VendorError::Auth { message, .. })) => {
            problems.push(problem(ProblemKind::Credentials, Some(field), message));
        }
        Err(PersonioError::Feature(code)) => {
            problems.push(problem(
                ProblemKind::Permissions,
                None,
                format!("{} ({code})", explain(&code)),
            ));
        }
        Err(PersonioError::MissingScope(scope)) => {
            problems.push(problem(
                ProblemKind::Permissions,
                Some("client_id"),
                format!(
                    "the API credential lacks the scope {scope}: renkei files applications and uploads CVs with it (Settings > Integrations > API credentials)"
                ),
            ));
        }
        Err(e @ PersonioError::Forbidden(_)) => {
            problems.push(problem(
                ProblemKind::Permissions,
                Some(field),
                format!("{e}: the token may not file applications (Settings > API access data > Recruiting API key)"),
            ));
        }
        Err(PersonioError::Vendor(e)) => return Err(unavailable(e.at_setup())),
        Err(e) => return Err(unavailable(e)),
    }
    Ok(Probed {
        problems,
        credentials_work,
    })
}

/// The problems among the reasons Personio refused the probe for (its date in the future
/// is the refusal it is meant to get); a probe it filed is one.
fn refusal_problems(reasons: &[Reason], settings: &Settings, job: u64) -> Vec<SetupProblem> {
    let mut problems = Vec::new();
    if reasons.iter().any(|r| r.code == PROBE_FILED) {
        problems.push(problem(
            ProblemKind::Setting,
            Some("company_id"),
            format!(
                "Personio filed connecting's check application ({PROBE_EMAIL}, job {job}) instead of refusing its date in the future, so the channel and fields were not checked: delete that application in Personio and ask Personio's support why a future application date is accepted; nothing was stored"
            ),
        ));
    }
    if reasons
        .iter()
        .any(|r| r.code == "errors.posting-validation.channel-not-found")
    {
        problems.push(problem(
            ProblemKind::Setting,
            Some("channel_id"),
            format!(
                "Personio has no recruiting channel {} (Settings > Recruiting > Channels: copy the Channel-ID)",
                settings.channel_id.map_or("-".into(), |c| c.to_string())
            ),
        ));
    }
    problems
}

/// On v2: whether the credential may read applications back (a read of the probe's email,
/// which Personio never holds), and whether Personio takes the query.
async fn read_back_problems(client: &PersonioClient) -> Result<Vec<SetupProblem>, SetupProblems> {
    match client.applications_of(PROBE_EMAIL, None).await {
        Ok(Listing::Complete(_)) => Ok(Vec::new()),
        Ok(Listing::Open(why)) => Err(unavailable(format!(
            "Personio's application list could not be read to its end ({why})"
        ))),
        Err(PersonioError::MissingScope(scope)) => Ok(vec![problem(
            ProblemKind::Permissions,
            Some("client_id"),
            format!(
                "the API credential lacks the scope {scope}: renkei reads applications back to never file one twice (Settings > Integrations > API credentials)"
            ),
        )]),
        Err(e @ PersonioError::ReadBackRefused { .. }) => Ok(vec![problem(
            ProblemKind::Setting,
            Some("reconcile"),
            format!(
                "{e}: renkei reads applications back by the candidate's email to never file one twice; to connect without it, set reconcile to duplicate_rule (lost answers are then reconciled by Personio's duplicate rule, docs/contracts/personio.md)"
            ),
        )]),
        Err(PersonioError::Vendor(e)) => Err(unavailable(e.at_setup())),
        Err(e) => Err(unavailable(e)),
    }
}

/// The probe's application date: the day after today in the easternmost time zone (UTC+14).
/// Personio judges "in the future" by the company's own today (Berlin for most of ours), so
/// UTC's tomorrow is not enough: from 23:00 UTC (22:00 in summer) it already is today in
/// Berlin, and the probe would be filed as a real application.
pub fn probe_date(now: DateTime<Utc>) -> chrono::NaiveDate {
    (now + chrono::Duration::hours(14)).date_naive() + chrono::Days::new(1)
}

/// Connecting through [`renkei_core::engine::ConnectorFactory::setup`]: the person's
/// entries read as this connector's types, then [`setup`].
pub(super) async fn from_request(
    env: renkei_core::setup::SetupEnv<'_>,
    request: renkei_core::setup::SetupRequest,
) -> Result<renkei_core::setup::Connected, renkei_core::setup::SetupError> {
    let (settings, secret) = request.parts()?;
    let input = SetupInput {
        tenant_id: request.tenant,
        connection_id: request.connection,
        settings,
        secret,
    };
    Ok(setup(env.store, env.secrets, env.now, input).await?.into())
}

#[cfg(test)]
mod tests {
    use super::probe_date;
    use chrono::{DateTime, Duration, FixedOffset, Utc};

    #[test]
    fn c4_1_the_probe_is_dated_in_the_future_in_every_time_zone_at_any_hour() {
        // The last hour of the UTC day is the edge: Berlin is already on the next date.
        for at in [
            "2026-11-22T00:00:00Z",
            "2026-11-22T12:00:00Z",
            "2026-11-22T22:30:00Z",
            "2026-11-22T23:26:47Z",
            "2026-11-22T23:59:59Z",
            "2026-06-30T22:15:00Z",
            "2026-12-31T23:59:59Z",
        ] {
            let now: DateTime<Utc> = at.parse().unwrap();
            let date = probe_date(now);
            for hours in -12..=14 {
                let zone = FixedOffset::east_opt(hours * 3600).unwrap();
                let today = now.with_timezone(&zone).date_naive();
                assert!(
                    date > today,
                    "{at}: {date} is not after {today} at UTC{hours:+}"
                );
            }
            // And it is not far off: at most two days after UTC's date.
            assert!(
                date <= (now + Duration::days(2)).date_naive(),
                "{at}: {date}"
            );
        }
    }
}
