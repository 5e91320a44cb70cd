//! `renkei mynavi …` (C1 accounts) and `renkei rules …` (振り分けルール) on the embedded
//! backend: what the settings screens of seed 000 do.

use crate::backend::Backend;
use chrono::Utc;
use clap::Subcommand;
use renkei_connectors::mynavi_hrmos::{self as c1, Registration, Secret, rules};
use renkei_core::TenantId;

#[derive(Subcommand)]
pub enum MynaviCmd {
    /// List the tenant's Mynavi accounts: status, last import, last failure.
    Accounts {
        #[arg(long)]
        tenant: String,
    },
    /// Add an account, or re-enter its ID and password (starts authentication at once).
    Register {
        #[arg(long)]
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
        #[arg(long)]
        mynavi_url: String,
        #[arg(long)]
        hrmos_url: String,
        /// Name shown in lists and emails (default: the login ID, masked).
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete an account: imports stop, its secret is deleted, status 未連携.
    Delete {
        #[arg(long)]
        tenant: String,
        connection: String,
    },
    /// Import now (or only count with --dry-run).
    Import {
        #[arg(long)]
        tenant: String,
        connection: String,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum RulesCmd {
    /// List the tenant's routing rules.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Create a rule: 募集ポジション名 (exactly Mynavi's 職種名) → HRMOS job id.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        position: String,
        #[arg(long)]
        job: String,
    },
    /// Change a rule's position name and job.
    Update {
        #[arg(long)]
        tenant: String,
        id: String,
        #[arg(long)]
        position: String,
        #[arg(long)]
        job: String,
    },
    /// Delete a rule.
    Delete {
        #[arg(long)]
        tenant: String,
        id: String,
    },
}

fn tenant(t: &str) -> Result<TenantId, String> {
    TenantId::new(t).map_err(|e| e.to_string())
}

pub async fn mynavi(b: &Backend, cmd: MynaviCmd, json: bool) -> Result<(), String> {
    match cmd {
        MynaviCmd::Accounts { tenant: t } => {
            let mut table = crate::table::Table::new(&[
                "connection",
                "account",
                "status",
                "last_import",
                "next_run",
                "last_failure",
            ]);
            for a in c1::accounts(b.store.as_ref(), &tenant(&t)?)
                .await
                .map_err(|e| e.to_string())?
            {
                table.row(vec![
                    a.connection_id.to_string(),
                    a.account_name,
                    a.status_label.to_string(),
                    a.last_import_at.map_or("-".into(), |t| t.to_rfc3339()),
                    a.next_run_at.map_or("-".into(), |t| t.to_rfc3339()),
                    a.last_error.unwrap_or_default(),
                ]);
            }
            table.print(json);
            Ok(())
        }
        MynaviCmd::Register {
            tenant: t,
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
                    tenant_id: tenant(&t)?,
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
            println!(
                "{}: 初回取り込み待ち — authentication starts with the next dispatcher tick (renkei mynavi import --tenant {t} {} to run it now)",
                conn.connection_id, conn.connection_id
            );
            Ok(())
        }
        MynaviCmd::Delete {
            tenant: t,
            connection,
        } => {
            let (t, c) = crate::ids(&t, &connection)?;
            c1::unlink(b.store.as_ref(), b.secrets.as_ref(), &t, &c)
                .await
                .map_err(|e| e.to_string())?;
            println!("{c}: 未連携 — imports stopped, credentials deleted");
            Ok(())
        }
        MynaviCmd::Import {
            tenant: t,
            connection,
            dry_run,
        } => {
            let (t, c) = crate::ids(&t, &connection)?;
            crate::run_now(b, &t, &c, dry_run).await
        }
    }
}

pub async fn rules_cmd(b: &Backend, cmd: RulesCmd) -> Result<(), String> {
    let input = |position: String, job: String| rules::RuleInput {
        medium: c1::MEDIUM,
        position_name: position,
        job_id: job,
    };
    let print = |r: &renkei_core::repo::RoutingRule| {
        println!(
            "{}\t{}\t「{}」\t→ {}",
            r.id,
            r.medium.label(),
            r.position_name,
            r.job_id
        );
    };
    match cmd {
        RulesCmd::List { tenant: t } => {
            for r in rules::list(b.store.as_ref(), &tenant(&t)?)
                .await
                .map_err(|e| e.to_string())?
            {
                print(&r);
            }
        }
        RulesCmd::Create {
            tenant: t,
            position,
            job,
        } => print(
            &rules::create(
                b.store.as_ref(),
                &tenant(&t)?,
                input(position, job),
                Utc::now(),
            )
            .await
            .map_err(|e| e.to_string())?,
        ),
        RulesCmd::Update {
            tenant: t,
            id,
            position,
            job,
        } => print(
            &rules::update(
                b.store.as_ref(),
                &tenant(&t)?,
                &id,
                input(position, job),
                Utc::now(),
            )
            .await
            .map_err(|e| e.to_string())?,
        ),
        RulesCmd::Delete { tenant: t, id } => {
            rules::delete(b.store.as_ref(), &tenant(&t)?, &id)
                .await
                .map_err(|e| e.to_string())?;
            println!("deleted rule {id}");
        }
    }
    Ok(())
}
