//! `renkei hrbrain …` (C3) on the embedded backend: what seed 002's screens do — connect
//! (連携する), start a sync (HRBrainと同期) of departments or employees, the background-job
//! list (バックグラウンド処理一覧) and its error files.

use crate::backend::Backend;
use crate::table::{Cell, Table};
use crate::{args, ids, lookup, problems};
use clap::{Subcommand, ValueEnum};
use renkei_connectors::hrbrain_mikiwame::{self as c3, Secret, Settings, SetupInput, jobs};
use renkei_core::engine::SyncRequested;
use serde_json::json;
use std::path::PathBuf;

/// What a sync does.
#[derive(Clone, Copy, ValueEnum)]
pub enum What {
    /// 部署同期.
    Departments,
    /// 従業員同期.
    Employees,
    /// Both, departments first.
    All,
}

#[derive(Subcommand)]
pub enum HrbrainCmd {
    /// Connect HRBrain to Mikiwame (checks the token, both scopes and the API key at once).
    Connect {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c3::NAME, value_parser = args::connection)]
        connection: String,
        /// クライアントID: the subdomain of https://{subdomain}.members.hrbrain.jp.
        #[arg(long)]
        subdomain: String,
        /// クライアントシークレット: a public-API token with member:read and organization:read.
        #[arg(long, env = "HRBRAIN_TOKEN", hide_env_values = true)]
        token: String,
        /// HRBrain API base URL (default https://{subdomain}.oapi.hrbrain.jp).
        #[arg(long)]
        hrbrain_url: Option<String>,
        /// Mikiwame API base URL.
        #[arg(long)]
        mikiwame_url: String,
        /// Mikiwame API key.
        #[arg(long, env = "MIKIWAME_API_KEY", hide_env_values = true)]
        mikiwame_api_key: String,
        /// The signing secret entered in HRBrain's Webhook設定 (C3.7).
        #[arg(long, env = "HRBRAIN_WEBHOOK_SECRET", hide_env_values = true)]
        webhook_secret: Option<String>,
    },
    /// HRBrainと同期: start a sync; it runs in the background (here: the bus, delivered at once).
    Sync {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c3::NAME, value_parser = args::connection)]
        connection: String,
        /// What to sync.
        #[arg(long, value_enum)]
        what: What,
    },
    /// バックグラウンド処理一覧: 実行内容, ステータス, 実行日時, エラーファイル (newest first).
    Jobs {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c3::NAME, value_parser = args::connection)]
        connection: String,
    },
    /// Write a job's エラーファイル (CSV, UTF-8 with BOM).
    ErrorFile {
        /// Tenant id.
        #[arg(long, value_parser = args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c3::NAME, value_parser = args::connection)]
        connection: String,
        /// The job's run id (from `renkei hrbrain jobs`).
        #[arg(value_parser = args::run)]
        run: String,
        /// File to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn hrbrain(b: &Backend, cmd: HrbrainCmd, json: bool) -> Result<(), String> {
    match cmd {
        HrbrainCmd::Connect {
            tenant,
            connection,
            subdomain,
            token,
            hrbrain_url,
            mikiwame_url,
            mikiwame_api_key,
            webhook_secret,
        } => {
            let (t, c) = ids(&tenant, &connection)?;
            let settings = Settings {
                subdomain,
                hrbrain_url,
                mikiwame_url,
                organization_id: None,
                page_size: renkei_vendors::mikiwame::MAX_BATCH,
                hrbrain_per_minute: Some(60),
                mikiwame_per_minute: Some(renkei_vendors::mikiwame::REQUESTS_PER_MINUTE),
            };
            let input = SetupInput {
                tenant_id: t,
                connection_id: c,
                secret: Secret {
                    hrbrain_token: token,
                    mikiwame_api_key,
                    webhook_secret,
                },
                settings,
            };
            let conn = c3::setup(b.store.as_ref(), b.secrets.as_ref(), b.clock.now(), input)
                .await
                .map_err(problems)?;
            if json {
                println!(
                    "{:#}",
                    json!({
                        "tenant_id": conn.tenant_id,
                        "connection_id": conn.connection_id,
                        "next_run_at": conn.next_run_at.to_rfc3339(),
                    })
                );
            } else {
                println!(
                    "連携が完了しました: {} (daily reconciliation next at {})",
                    conn.connection_id, conn.next_run_at
                );
            }
            Ok(())
        }
        HrbrainCmd::Sync {
            tenant,
            connection,
            what,
        } => {
            let (t, conn) = lookup::connection(b, &tenant, &connection).await?;
            let c = conn.connection_id;
            let scope = match what {
                What::Departments => Some("departments".to_string()),
                What::Employees => Some("employees".to_string()),
                What::All => None,
            };
            let event = SyncRequested {
                trigger: renkei_core::engine::Trigger::Person,
                scope,
                ..SyncRequested::new(t, c, c3::NAME)
            };
            crate::outcome::request_run(b, event, json, |r| {
                format!(
                    "{}\t{}\t{}",
                    r.run_id,
                    jobs::what(r.scope.as_deref()),
                    jobs::JobStatus::of(r).label()
                )
            })
            .await
        }
        HrbrainCmd::Jobs { tenant, connection } => {
            let (t, conn) = lookup::connection(b, &tenant, &connection).await?;
            let mut table = Table::new(&[
                "what", "status", "started", "errors", "run_id", "dry_run", "error",
            ]);
            for j in jobs::jobs(b.store.as_ref(), &t, &conn.connection_id)
                .await
                .map_err(|e| e.to_string())?
            {
                table.row(vec![
                    Cell::from(j.what),
                    j.status.label().into(),
                    j.started.into(),
                    j.errors.into(),
                    j.run_id.to_string().into(),
                    j.dry_run.into(),
                    j.error.into(),
                ]);
            }
            table.print(json);
            Ok(())
        }
        HrbrainCmd::ErrorFile {
            tenant,
            connection,
            run,
            out,
        } => {
            let r = lookup::run(b, &tenant, &connection, &run).await?;
            let bytes =
                jobs::error_file(b.store.as_ref(), &r.tenant_id, &r.connection_id, &r.run_id)
                    .await
                    .map_err(|e| e.to_string())?;
            match out {
                Some(path) => {
                    std::fs::write(&path, bytes)
                        .map_err(|e| format!("writing {}: {e}", path.display()))?;
                    if json {
                        println!("{:#}", json!({"run_id": r.run_id, "file": path}));
                    } else {
                        println!("wrote {}", path.display());
                    }
                    Ok(())
                }
                None => {
                    use std::io::Write;
                    std::io::stdout()
                        .write_all(&bytes)
                        .map_err(|e| e.to_string())
                }
            }
        }
    }
}
