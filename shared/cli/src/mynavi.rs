//! `renkei mynavi …` (C1 accounts) and `renkei rules …` (振り分けルール) on the embedded
//! backend: what the settings screens of seed 000 do.

use crate::args;
use crate::backend::Backend;
use crate::lookup;
use crate::table::{Cell, Table};
use chrono::Utc;
use clap::Subcommand;
use renkei_connectors::mynavi_hrmos::{self as c1, Registration, RoutingRule, Secret, rules};
use renkei_core::TenantId;
use renkei_core::ports::{RecoveryWindow, SecretDeletion};
use serde_json::json;

#[derive(Subcommand)]
pub enum MynaviCmd {
    /// List the tenant's Mynavi accounts: status, last import, next run, last failure.
    Accounts {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
    },
    /// Add an account, or re-enter its ID and password (starts authentication at once).
    Register {
        /// Tenant id (a new one is created by its first account).
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// マイナビ転職 ID.
        #[arg(long)]
        login_id: String,
        /// マイナビ転職 パスワード.
        #[arg(long, env = "MYNAVI_PASSWORD", hide_env_values = true)]
        password: String,
        /// The tenant's HRMOS API key.
        #[arg(long, env = "HRMOS_API_KEY", hide_env_values = true)]
        hrmos_api_key: String,
        /// Mynavi's base URL (the sandbox prints its own).
        #[arg(long)]
        mynavi_url: String,
        /// HRMOS's API base URL (with or without /api/v1).
        #[arg(long)]
        hrmos_url: String,
        /// Name shown in lists and emails (default: the login ID, masked).
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete an account: imports stop, its secret is deleted (restorable for the recovery
    /// window unless --purge is given), status 未連携.
    Delete {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// The account's connection id (from `renkei mynavi accounts`).
        #[arg(value_parser = args::connection)]
        connection: String,
        /// Delete the secret at once, beyond recovery (an operator's decision).
        #[arg(long)]
        purge: bool,
        /// Days the secret stays restorable (7 to 30).
        #[arg(long, default_value_t = 7, conflicts_with = "purge")]
        recovery_days: u32,
    },
    /// Import now (or only count with --dry-run).
    Import {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// The account's connection id (from `renkei mynavi accounts`).
        #[arg(value_parser = args::connection)]
        connection: String,
        /// Count what would be imported without writing to HRMOS.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum RulesCmd {
    /// List the tenant's routing rules.
    List {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
    },
    /// Create a rule: 募集ポジション名 (exactly Mynavi's 職種名) → HRMOS job id.
    Create {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// 募集ポジション名: compared byte for byte with Mynavi's 職種名.
        #[arg(long)]
        position: String,
        /// The HRMOS job id applicants of that position go to.
        #[arg(long)]
        job: String,
    },
    /// Change a rule's position name and job.
    Update {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// The rule's id (from `renkei rules list`).
        id: String,
        /// 募集ポジション名: compared byte for byte with Mynavi's 職種名.
        #[arg(long)]
        position: String,
        /// The HRMOS job id applicants of that position go to.
        #[arg(long)]
        job: String,
    },
    /// Delete a rule.
    Delete {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// The rule's id (from `renkei rules list`).
        id: String,
    },
}

fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// 連携状況 as its code (`linked`, …), as the admin API shows it.
fn status_code(s: c1::AccountStatus) -> Cell {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .into()
}

async fn accounts(b: &Backend, tenant: &str, json: bool) -> Result<(), String> {
    let t = lookup::tenant(b, tenant).await?;
    let mut table = Table::new(&[
        "connection_id",
        "account_name",
        "status",
        "status_label",
        "last_import_at",
        "next_run_at",
        "last_error",
    ]);
    for a in c1::accounts(b.store.as_ref(), &t)
        .await
        .map_err(|e| e.to_string())?
    {
        table.row(vec![
            Cell::from(a.connection_id.to_string()),
            a.account_name.into(),
            status_code(a.status),
            a.status_label.into(),
            a.last_import_at.into(),
            a.next_run_at.into(),
            a.last_error.into(),
        ]);
    }
    table.print(json);
    Ok(())
}

pub async fn mynavi(b: &Backend, cmd: MynaviCmd, json: bool) -> Result<(), String> {
    match cmd {
        MynaviCmd::Accounts { tenant } => accounts(b, &tenant, json).await,
        MynaviCmd::Register {
            tenant,
            login_id,
            password,
            hrmos_api_key,
            mynavi_url,
            hrmos_url,
            name,
        } => {
            let conn = c1::register(
                b.store.as_ref(),
                b.secrets.as_ref(),
                Utc::now(),
                Registration {
                    tenant_id: TenantId::new(&tenant).map_err(|e| e.to_string())?,
                    account_name: name,
                    secret: Secret {
                        login_id,
                        password,
                        hrmos_api_key,
                    },
                    mynavi_url,
                    hrmos_url,
                    columns: None,
                },
            )
            .await
            .map_err(crate::problems)?;
            let c = conn.connection_id;
            if json {
                print_json(&json!({
                    "tenant_id": conn.tenant_id,
                    "connection_id": c,
                    "status": "awaiting_first_import",
                    "status_label": c1::AccountStatus::AwaitingFirstImport.label(),
                    // The Mynavi ID and password are tried by the first import, not here.
                    "mynavi_login_verified": false,
                }));
            } else {
                // What register checked (c1::register): HRMOS's key, and that the Mynavi URL
                // is Mynavi's login — not the Mynavi password, which the first import tries.
                println!(
                    "{c}: 初回取り込み待ち — HRMOS accepted the API key and the Mynavi URL is Mynavi's login.\n\
                     The Mynavi login (ID and password) is not verified yet: the first import logs in, at the next \
                     dispatcher tick (`renkei mynavi import --tenant {tenant} {c}` runs it now). If Mynavi refuses it, \
                     `renkei mynavi accounts` shows the failure, the tenant's admins and recruiters are emailed, and the \
                     import is retried every hour until the password is entered again (`renkei mynavi register` with the \
                     same --login-id)."
                );
            }
            Ok(())
        }
        MynaviCmd::Delete {
            tenant,
            connection,
            purge,
            recovery_days,
        } => {
            let how = if purge {
                SecretDeletion::Purge
            } else {
                SecretDeletion::Recoverable(RecoveryWindow::days(recovery_days)?)
            };
            let (t, conn) = lookup::connection(b, &tenant, &connection).await?;
            let c = conn.connection_id;
            c1::unlink(b.store.as_ref(), b.secrets.as_ref(), &t, &c, how)
                .await
                .map_err(|e| e.to_string())?;
            if json {
                print_json(&json!({
                    "tenant_id": t,
                    "connection_id": c,
                    "status": "unlinked",
                    "status_label": c1::AccountStatus::Unlinked.label(),
                }));
            } else {
                let secret = match how {
                    SecretDeletion::Purge => "credentials purged".to_string(),
                    SecretDeletion::Recoverable(w) => {
                        format!("credentials deleted (restorable for {} days)", w.in_days())
                    }
                };
                println!("{c}: 未連携 — imports stopped, {secret}");
            }
            Ok(())
        }
        MynaviCmd::Import {
            tenant,
            connection,
            dry_run,
        } => {
            let (t, conn) = lookup::connection(b, &tenant, &connection).await?;
            crate::outcome::run_now(b, &t, &conn.connection_id, dry_run, json).await
        }
    }
}

fn rule_json(r: &RoutingRule) -> serde_json::Value {
    json!({
        "id": r.id,
        "medium": r.medium.code(),
        "position_name": r.position_name,
        "job_id": r.job_id,
        "updated_at": r.updated_at.to_rfc3339(),
    })
}

fn print_rule(r: &RoutingRule, json: bool) {
    if json {
        print_json(&rule_json(r));
    } else {
        println!(
            "{}\t{}\t「{}」\t→ {}",
            r.id,
            r.medium.label(),
            r.position_name,
            r.job_id
        );
    }
}

pub async fn rules_cmd(b: &Backend, cmd: RulesCmd, json: bool) -> Result<(), String> {
    let input = |position: String, job: String| rules::RuleInput {
        medium: c1::MEDIUM,
        position_name: position,
        job_id: job,
    };
    match cmd {
        RulesCmd::List { tenant } => {
            let t = lookup::tenant(b, &tenant).await?;
            let mut table = Table::new(&["id", "medium", "position_name", "job_id", "updated_at"]);
            for r in rules::list(b.store.as_ref(), &t)
                .await
                .map_err(|e| e.to_string())?
            {
                table.row(vec![
                    Cell::from(r.id),
                    r.medium.code().into(),
                    r.position_name.into(),
                    r.job_id.into(),
                    r.updated_at.into(),
                ]);
            }
            table.print(json);
        }
        RulesCmd::Create {
            tenant,
            position,
            job,
        } => {
            let t = lookup::tenant(b, &tenant).await?;
            let rule = rules::create(b.store.as_ref(), &t, input(position, job), Utc::now())
                .await
                .map_err(|e| e.to_string())?;
            print_rule(&rule, json);
        }
        RulesCmd::Update {
            tenant,
            id,
            position,
            job,
        } => {
            let t = lookup::tenant(b, &tenant).await?;
            let rule = rules::update(b.store.as_ref(), &t, &id, input(position, job), Utc::now())
                .await
                .map_err(|e| e.to_string())?;
            print_rule(&rule, json);
        }
        RulesCmd::Delete { tenant, id } => {
            let t = lookup::tenant(b, &tenant).await?;
            rules::delete(b.store.as_ref(), &t, &id)
                .await
                .map_err(|e| e.to_string())?;
            if json {
                print_json(&json!({"id": id, "deleted": true}));
            } else {
                println!("deleted rule {id}");
            }
        }
    }
    Ok(())
}
