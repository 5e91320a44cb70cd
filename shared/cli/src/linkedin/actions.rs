//! The `renkei linkedin` commands that are actions of the admin surface (link, unlink,
//! accounts, exports, profile, search, relink, onboarding-link): each builds its
//! `renkei_connectors::recruitee_linkedin::admin::Action`, runs it and prints the answer, as
//! JSON or as lines and tables.
//!
//! Apart from the connection commands (linkedin.rs: partner, connect, status, refresh)
//! because these change with the admin surface's actions and their answers, not with the
//! connector's setup.

use super::LinkedinCmd;
use crate::backend::Backend;
use crate::table::{Cell, Table};
use chrono::{DateTime, SecondsFormat, Utc};
use renkei_connectors::recruitee_linkedin as c5;
use renkei_connectors::recruitee_linkedin::admin::{Action, Answer, Ttl};

/// A command's tenant, connection and action; the action's inputs are checked after the
/// connection is found (so a wrong connection is what is said first).
fn action(cmd: LinkedinCmd) -> (String, String, Result<Action, String>) {
    // An empty text is no text, as in the API's bodies.
    let text = |s: Option<String>| s.filter(|s| !s.is_empty());
    match cmd {
        LinkedinCmd::Link {
            tenant,
            connection,
            member,
        } => (
            tenant,
            connection,
            Ok(Action::Link {
                team_member: member,
            }),
        ),
        LinkedinCmd::Unlink {
            tenant,
            connection,
            member,
        } => (
            tenant,
            connection,
            Ok(Action::Unlink {
                team_member: member,
            }),
        ),
        LinkedinCmd::Accounts { tenant, connection } => (tenant, connection, Ok(Action::Accounts)),
        LinkedinCmd::Exports { tenant, connection } => (tenant, connection, Ok(Action::Exports)),
        LinkedinCmd::Profile {
            tenant,
            connection,
            as_member,
            candidate,
        } => (
            tenant,
            connection,
            Ok(Action::Profile {
                team_member: as_member,
                candidate,
            }),
        ),
        LinkedinCmd::Search {
            tenant,
            connection,
            as_member,
            title,
            company,
        } => (
            tenant,
            connection,
            Ok(Action::Search {
                team_member: as_member,
                title: text(title),
                company: text(company),
            }),
        ),
        LinkedinCmd::Relink {
            tenant,
            connection,
            candidate,
            member,
            wrong,
        } => (
            tenant,
            connection,
            Ok(Action::Relink {
                candidate,
                member: text(member),
                wrong: text(wrong),
            }),
        ),
        LinkedinCmd::OnboardingLink {
            tenant,
            connection,
            ttl,
        } => {
            let ttl = text(Some(ttl)).map(|s| Ttl::parse(&s)).transpose();
            (
                tenant,
                connection,
                ttl.map(|ttl| Action::OnboardingLink { ttl }),
            )
        }
        _ => unreachable!("connection commands are handled by linkedin()"),
    }
}

/// A time as it reads in the JSON answers (RFC 3339, `Z`).
fn at(t: DateTime<Utc>) -> Cell {
    Cell::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn print(answer: &Answer) {
    println!(
        "{}",
        serde_json::to_string_pretty(&answer.to_json()).unwrap_or_default()
    );
}

/// The recruiter-facing commands (link … relink) and the onboarding link.
pub(super) async fn run(b: &Backend, cmd: LinkedinCmd, json: bool) -> Result<(), String> {
    let (tenant, connection, action) = action(cmd);
    let (t, conn) = crate::lookup::connection(b, &tenant, &connection).await?;
    let answer = c5::admin::handle(
        b.store.as_ref(),
        b.secrets.as_ref(),
        &t,
        &conn.connection_id,
        action?,
        b.clock.now(),
    )
    .await
    .map_err(|e| e.to_string())?;
    match &answer {
        // Its JSON is the table's, as every list command's.
        Answer::Accounts(a) => {
            let mut t = Table::new(&["team_member", "linkedin_member", "linked_at"]);
            for a in &a.accounts {
                t.row(vec![
                    a.team_member.into(),
                    a.linkedin_member.as_str().into(),
                    at(a.linked_at),
                ]);
            }
            t.print(json);
        }
        _ if json => print(&answer),
        Answer::Link(l) => {
            println!(
                "Team member {}: open this URL and approve on LinkedIn:",
                l.team_member
            );
            println!("{}", l.authorize_url);
        }
        Answer::Unlink(u) if u.unlinked => println!("unlinked team member {}", u.team_member),
        Answer::Unlink(u) => println!(
            "team member {} had no linked LinkedIn account",
            u.team_member
        ),
        Answer::Exports(x) => exports(x),
        Answer::OnboardingLink(o) => {
            println!("{}", o.url);
            println!(
                "works until {} for {tenant}/{connection} only: send it to the customer's LinkedIn admin",
                at(o.expires_at)
            );
        }
        Answer::Profile(_) | Answer::Search(_) | Answer::Relink(_) | Answer::Refresh(_) => {
            print(&answer);
        }
    }
    Ok(())
}

fn exports(x: &c5::admin::Exports) {
    let mut t = Table::new(&[
        "at",
        "request",
        "seat",
        "job",
        "status",
        "candidate",
        "reason",
    ]);
    for e in &x.exports {
        t.row(vec![
            at(e.at),
            e.request_id.as_str().into(),
            e.seat.clone().into(),
            e.job.into(),
            e.status.as_str().into(),
            e.candidate.into(),
            e.reason.clone().into(),
        ]);
    }
    t.print(false);
    for s in &x.per_seat {
        println!(
            "{}: {} of {} exports this month",
            s.seat, s.this_month, s.limit
        );
    }
}
