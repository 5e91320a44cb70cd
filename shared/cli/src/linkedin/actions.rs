//! The `renkei linkedin` commands that are actions of the admin surface (link, unlink,
//! accounts, exports, profile, search, relink, onboarding-link): each runs
//! `renkei_connectors::recruitee_linkedin::admin::handle` and prints its answer, as JSON or
//! as lines and tables.
//!
//! Apart from the connection commands (linkedin.rs: partner, connect, status, refresh)
//! because these change with the admin surface's actions and their answers, not with the
//! connector's setup.

use super::LinkedinCmd;
use crate::backend::Backend;
use crate::table::Cell;
use renkei_connectors::recruitee_linkedin as c5;

/// Runs one admin action and answers its JSON.
async fn admin(
    b: &Backend,
    action: &str,
    tenant: &str,
    connection: &str,
    mut body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    crate::lookup::connection(b, tenant, connection).await?;
    body["tenant"] = serde_json::json!(tenant);
    body["connection"] = serde_json::json!(connection);
    c5::admin::handle(
        b.store.as_ref(),
        b.secrets.as_ref(),
        action,
        &body,
        b.clock.now(),
    )
    .await
}

fn cell(v: &serde_json::Value) -> Cell {
    Cell::from(v)
}

/// The recruiter-facing commands (link … relink) and the onboarding link.
pub(super) async fn run(b: &Backend, cmd: LinkedinCmd, json: bool) -> Result<(), String> {
    use serde_json::json as j;
    let print = |v: &serde_json::Value| {
        println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    };
    match cmd {
        LinkedinCmd::Link {
            tenant,
            connection,
            member,
        } => {
            let v = admin(b, "link", &tenant, &connection, j!({"team_member": member})).await?;
            if json {
                print(&v);
            } else {
                println!("Team member {member}: open this URL and approve on LinkedIn:");
                println!("{}", cell(&v["authorize_url"]));
            }
        }
        LinkedinCmd::Unlink {
            tenant,
            connection,
            member,
        } => {
            let v = admin(
                b,
                "unlink",
                &tenant,
                &connection,
                j!({"team_member": member}),
            )
            .await?;
            if json {
                print(&v);
            } else if v["unlinked"] == true {
                println!("unlinked team member {member}");
            } else {
                println!("team member {member} had no linked LinkedIn account");
            }
        }
        LinkedinCmd::Accounts { tenant, connection } => {
            let v = admin(b, "accounts", &tenant, &connection, j!({})).await?;
            let mut t = crate::table::Table::new(&["team_member", "linkedin_member", "linked_at"]);
            for a in v["accounts"].as_array().into_iter().flatten() {
                t.row(vec![
                    cell(&a["team_member"]),
                    cell(&a["linkedin_member"]),
                    cell(&a["linked_at"]),
                ]);
            }
            t.print(json);
        }
        LinkedinCmd::Exports { tenant, connection } => {
            let v = admin(b, "exports", &tenant, &connection, j!({})).await?;
            if json {
                print(&v);
                return Ok(());
            }
            let mut t = crate::table::Table::new(&[
                "at",
                "request",
                "seat",
                "job",
                "status",
                "candidate",
                "reason",
            ]);
            for e in v["exports"].as_array().into_iter().flatten() {
                t.row(
                    [
                        "at",
                        "request_id",
                        "seat",
                        "job",
                        "status",
                        "candidate",
                        "reason",
                    ]
                    .iter()
                    .map(|k| cell(&e[*k]))
                    .collect(),
                );
            }
            t.print(false);
            for s in v["per_seat"].as_array().into_iter().flatten() {
                println!(
                    "{}: {} of {} exports this month",
                    cell(&s["seat"]),
                    cell(&s["this_month"]),
                    cell(&s["limit"])
                );
            }
        }
        LinkedinCmd::Profile {
            tenant,
            connection,
            as_member,
            candidate,
        } => {
            let body = j!({"team_member": as_member, "candidate": candidate});
            print(&admin(b, "profile", &tenant, &connection, body).await?);
        }
        LinkedinCmd::Search {
            tenant,
            connection,
            as_member,
            title,
            company,
        } => {
            let body = j!({"team_member": as_member, "title": title, "company": company});
            print(&admin(b, "search", &tenant, &connection, body).await?);
        }
        LinkedinCmd::Relink {
            tenant,
            connection,
            candidate,
            member,
            wrong,
        } => {
            let body = j!({"candidate": candidate, "member": member, "wrong": wrong});
            print(&admin(b, "relink", &tenant, &connection, body).await?);
        }
        LinkedinCmd::OnboardingLink {
            tenant,
            connection,
            ttl,
        } => {
            let v = admin(b, "onboarding-link", &tenant, &connection, j!({"ttl": ttl})).await?;
            if json {
                print(&v);
            } else {
                println!("{}", cell(&v["url"]));
                println!(
                    "works until {} for {tenant}/{connection} only: send it to the customer's LinkedIn admin",
                    cell(&v["expires_at"])
                );
            }
        }
        _ => unreachable!("connection commands are handled by linkedin()"),
    }
    Ok(())
}
