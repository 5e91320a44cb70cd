//! The operator's and recruiter's surface of C5.4–C5.8, one JSON operation per action, so
//! that the CLI (`renkei linkedin …`), the sandbox's `POST /_control/admin/recruitee-linkedin/{action}`
//! and the admin API take the same path:
//!
//! | action      | body (besides tenant, connection)        | answer                         |
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

use super::accounts::{self, Linked};
use chrono::{DateTime, Utc};
use renkei_core::ports::{SecretStore, StateStore};
use renkei_core::{ConnectionId, TenantId};
use serde_json::{Value, json};

/// The actions, for help texts.
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

fn text<'a>(body: &'a Value, k: &str) -> Option<&'a str> {
    body.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn number(body: &Value, k: &str) -> Result<u64, String> {
    match body.get(k) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or(format!("\"{k}\" (a number) is required"))
}

/// Runs one action for a connection.
pub async fn handle(
    store: &dyn StateStore,
    secrets: &dyn SecretStore,
    action: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Value, String> {
    let t = TenantId::new(text(body, "tenant").ok_or("\"tenant\" is required")?)
        .map_err(|e| e.to_string())?;
    let c = ConnectionId::new(text(body, "connection").ok_or("\"connection\" is required")?)
        .map_err(|e| e.to_string())?;
    let s = |e: renkei_core::engine::SyncError| e.to_string();
    // Every action is about an existing C5 connection (a typo must not store anything).
    match renkei_core::repo::Repo::new(store)
        .connection(&t, &c)
        .await
        .map_err(|e| e.to_string())?
    {
        None => return Err(format!("no connection {t}/{c}")),
        Some((conn, _)) if conn.connector != super::NAME => {
            return Err(format!(
                "{t}/{c} is a {} connection, not {}",
                conn.connector,
                super::NAME
            ));
        }
        Some(_) => {}
    }
    match action {
        "onboarding-link" => {
            let ttl = match text(body, "ttl") {
                Some(ttl) => super::onboarding::parse_ttl(ttl)?,
                None => super::onboarding::DEFAULT_TTL,
            };
            let link = super::onboarding::create_link(store, secrets, &t, &c, ttl, now)
                .await
                .map_err(s)?;
            Ok(json!({"url": link.url, "expires_at": link.expires_at,
                "note": "send this link to the customer's LinkedIn admin; it works for this connection only, until it expires"}))
        }
        "refresh" => {
            let a = super::setup::refresh(store, secrets, &t, &c, now)
                .await
                .map_err(s)?;
            Ok(json!({ "activation": a }))
        }
        "accounts" => {
            let links = accounts::links(store, &t, &c).await.map_err(s)?;
            Ok(json!({"accounts": links.iter().map(|l| json!({
                "team_member": l.admin_id, "linkedin_member": l.member, "linked_at": l.linked_at,
            })).collect::<Vec<_>>()}))
        }
        "unlink" => {
            let admin = number(body, "team_member")?;
            let had = accounts::unlink(store, &t, &c, admin).await.map_err(s)?;
            Ok(json!({"unlinked": had, "team_member": admin}))
        }
        "exports" => {
            let (list, counts) = accounts::exports(store, &t, &c, now).await.map_err(s)?;
            Ok(json!({
                "exports": list,
                "per_seat": counts.iter().map(|(seat, n)| json!({
                    "seat": seat, "this_month": n,
                    "limit": renkei_vendors::linkedin::EXPORTS_PER_SEAT_PER_MONTH,
                })).collect::<Vec<_>>(),
            }))
        }
        "relink" => {
            let candidate = number(body, "candidate")?;
            let r = accounts::relink(
                store,
                &t,
                &c,
                candidate,
                text(body, "member"),
                text(body, "wrong"),
            )
            .await
            .map_err(s)?;
            Ok(json!({"candidate": candidate, "relink": r,
                "note": "the next sync sends the candidate to this profile"}))
        }
        "link" | "profile" | "search" => {
            let l = Linked::open(store, secrets, &t, &c).await.map_err(s)?;
            let admin = number(body, "team_member")?;
            match action {
                "link" => {
                    let url = accounts::start_link(store, &l, admin, now)
                        .await
                        .map_err(s)?;
                    Ok(json!({"team_member": admin, "authorize_url": url,
                        "note": "open this URL as the team member and approve; LinkedIn sends you back to renkei"}))
                }
                "profile" => {
                    let candidate = number(body, "candidate")?;
                    let hits = accounts::profile(store, &l, admin, candidate)
                        .await
                        .map_err(s)?;
                    Ok(json!({"candidate": candidate, "profiles": hits}))
                }
                _ => {
                    let hits = accounts::search(
                        store,
                        &l,
                        admin,
                        text(body, "title"),
                        text(body, "company"),
                    )
                    .await
                    .map_err(s)?;
                    Ok(json!({"members": hits}))
                }
            }
        }
        other => Err(format!(
            "no action {other:?} (actions: {})",
            ACTIONS.join(", ")
        )),
    }
}
