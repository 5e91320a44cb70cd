//! C4.1: connecting. Everything the admin entered is checked at once and every problem is
//! answered, each on its field:
//!
//! - the career site's XML feed (`/xml` answering 404, or a web page instead of
//!   `<workzag-jobs>`: the XML interface is off);
//! - company ID and token (401), and the recruiting and Recruiting API features (403
//!   `feature.*`), by a validation-only probe: an application dated tomorrow everywhere on
//!   Earth (see [`probe_date`]), which Personio validates completely and refuses (`errors.date-validation.date-in-the-future`),
//!   so nothing is filed;
//! - the channel ID in the same probe (`errors.posting-validation.channel-not-found`). Where
//!   Personio would stop at the first error instead, an unknown channel is found at the
//!   first upload: that run fails naming the channel and the profiles stay queued.

use super::{NAME, Secret, Settings, cadence, links};
use chrono::{DateTime, Utc};
use renkei_core::ports::{SecretStore, StateStore, StoreError};
use renkei_core::repo::{Connection, Repo};
use renkei_core::setup::{ProblemKind, SetupProblem, SetupProblems};
use renkei_core::{ConnectionId, TenantId};
use renkei_vendors::VendorError;
use renkei_vendors::base_url;
use renkei_vendors::personio::{FeedError, LANGUAGES, PersonioClient, PersonioError, explain};

/// What connecting needs.
#[derive(Debug, Clone)]
pub struct SetupInput {
    /// Owner.
    pub tenant_id: TenantId,
    /// New connection id.
    pub connection_id: ConnectionId,
    /// Credentials.
    pub secret: Secret,
    /// Settings.
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
    // A pasted career-site address is taken for its domain.
    let d = s
        .jobs_domain
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let d = d
        .split(".jobs.personio.")
        .next()
        .unwrap_or(d)
        .trim_end_matches('/');
    s.jobs_domain = d.to_lowercase();
    let label_ok = !s.jobs_domain.is_empty()
        && s.jobs_domain.len() <= 63
        && s.jobs_domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.jobs_domain.starts_with('-');
    if !label_ok {
        out.push(problem(
            ProblemKind::Setting,
            Some("jobs_domain"),
            format!(
                "{:?} is not a Personio jobs domain (the name before .jobs.personio.de, Settings > Recruiting > Career page)",
                s.jobs_domain
            ),
        ));
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

/// Checks everything C4.1 asks for, then stores the secret and the connection.
pub async fn setup(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    now: DateTime<Utc>,
    mut input: SetupInput,
) -> Result<Connection, SetupProblems> {
    let repo = Repo::new(store);
    let (t, c) = (input.tenant_id.clone(), input.connection_id.clone());
    if let Some(other) = repo
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
    if input.secret.access_token.trim().is_empty() {
        problems.push(problem(
            ProblemKind::Credentials,
            Some("access_token"),
            "the access token is required",
        ));
    }
    // The upload secret Talentwunder signs with: long enough, and not the Personio token.
    problems.extend(renkei_core::config::Configurable::problems(&input.secret));
    if !problems.is_empty() {
        return Err(SetupProblems(problems));
    }
    let settings = &input.settings;
    // The feed, read fresh (and cached for the first links).
    let jobs = match links::jobs(store, &t, &c, settings, now, true).await {
        Ok(jobs) => Some(jobs),
        Err(links::LinkError::Feed(
            e @ (FeedError::Missing(_) | FeedError::NotEnabled(_) | FeedError::Malformed { .. }),
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
    let client = PersonioClient::new(
        &settings.personio(),
        &settings.company_id,
        &input.secret.access_token,
    )
    .map_err(unavailable)?;
    let job = jobs.as_ref().and_then(|j| j.first()).map_or(0, |j| j.id);
    match client
        .probe(job, settings.channel_id, probe_date(now))
        .await
    {
        Ok(reasons) => {
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
        }
        Err(PersonioError::Vendor(VendorError::Auth { message, .. })) => {
            problems.push(problem(
                ProblemKind::Credentials,
                Some("access_token"),
                message,
            ));
        }
        Err(PersonioError::Feature(code)) => {
            problems.push(problem(
                ProblemKind::Permissions,
                None,
                format!("{} ({code})", explain(&code)),
            ));
        }
        Err(PersonioError::Vendor(e)) => return Err(unavailable(e.at_setup())),
        Err(e) => return Err(unavailable(e)),
    }
    if !problems.is_empty() {
        return Err(SetupProblems(problems));
    }

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
    repo.put_connection(&conn, None)
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

/// The probe's application date: the day after today in the easternmost time zone (UTC+14).
/// Personio judges "in the future" by the company's own today (Berlin for most of ours), so
/// UTC's tomorrow is not enough: from 23:00 UTC (22:00 in summer) it already is today in
/// Berlin, and the probe would be filed as a real application.
pub fn probe_date(now: DateTime<Utc>) -> chrono::NaiveDate {
    (now + chrono::Duration::hours(14)).date_naive() + chrono::Days::new(1)
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
