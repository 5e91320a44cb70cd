//! `renkei personio …` (C4) on the embedded backend: what seed 003's dialog and screens do —
//! connect (company ID, API credential — or the legacy token —, jobs domain, channel ID),
//! list the open jobs, link a
//! Talentwunder project to a job, upload profiles as Talentwunder does, and read an
//! upload's status per profile.

use crate::backend::Backend;
use crate::table::{Cell, Table};
use crate::{args, ids, lookup, problems};
use clap::Subcommand;
use renkei_connectors::talentwunder_personio::{
    self as c4, ConnectionSecret, Settings, SetupInput, links, upload,
};
use renkei_core::TenantId;
use renkei_core::engine::SyncRequested;
use renkei_core::repo::Connection;
use renkei_vendors::personio::Credentials;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The connection a command acts on.
#[derive(clap::Args)]
pub struct Conn {
    /// Tenant id.
    #[arg(long, value_parser = args::tenant)]
    tenant: String,
    /// Connection id.
    #[arg(long, default_value = c4::NAME, value_parser = args::connection)]
    connection: String,
}

#[derive(Subcommand)]
pub enum PersonioCmd {
    /// Connect Talentwunder to Personio (every setting checked at once).
    Connect {
        #[command(flatten)]
        on: Conn,
        /// Personio's company ID (Settings > Integrations > API credentials).
        #[arg(long)]
        company_id: String,
        /// Client ID of the API credential (v2; needs the scope personio:recruiting:read).
        #[arg(long, env = "PERSONIO_CLIENT_ID")]
        client_id: Option<String>,
        /// Client secret of the API credential (v2).
        #[arg(long, env = "PERSONIO_CLIENT_SECRET", hide_env_values = true)]
        client_secret: Option<String>,
        /// Legacy (v1): the Zugriffs-Token of the Recruiting API key, instead of an API
        /// credential.
        #[arg(long, env = "PERSONIO_ACCESS_TOKEN", hide_env_values = true)]
        access_token: Option<String>,
        /// Domain of the career page (`acme` for acme.jobs.personio.de,
        /// `acme.jobs.personio.com` for a `.com` career page).
        #[arg(long)]
        jobs_domain: String,
        /// Channel-ID (optional, for source reporting).
        #[arg(long)]
        channel_id: Option<u64>,
        /// The secret Talentwunder signs uploads with (default: a new random one, printed).
        #[arg(long, env = "TALENTWUNDER_UPLOAD_SECRET", hide_env_values = true)]
        upload_secret: Option<String>,
        /// XML feed language.
        #[arg(long, default_value = "de")]
        language: String,
        /// Recruiting API base URL (default https://api.personio.de; the sandbox prints its own).
        #[arg(long)]
        api_url: Option<String>,
        /// Career site URL (default https://{domain}.jobs.personio.de).
        #[arg(long)]
        jobs_site_url: Option<String>,
    },
    /// The open jobs of the XML feed.
    Jobs(Conn),
    /// Project links (Talentwunder project → Personio job).
    Links(Conn),
    /// Link a project to a job of the feed (linking again replaces the link).
    Link {
        #[command(flatten)]
        on: Conn,
        /// Talentwunder's project id.
        #[arg(long)]
        project: String,
        /// The project's name, shown in lists.
        #[arg(long)]
        project_name: Option<String>,
        /// The Personio job position id (from `renkei personio jobs`).
        #[arg(long)]
        job: u64,
    },
    /// Remove a project's link.
    Unlink {
        #[command(flatten)]
        on: Conn,
        /// Talentwunder's project id.
        #[arg(long)]
        project: String,
    },
    /// Upload profiles as Talentwunder does (a JSON file of the contract's request body),
    /// then run the filing.
    Upload {
        #[command(flatten)]
        on: Conn,
        /// The request body (docs/contracts/talentwunder.md).
        file: PathBuf,
    },
    /// Uploads, newest first.
    Uploads(Conn),
    /// The status of every profile of an upload.
    Status {
        #[command(flatten)]
        on: Conn,
        /// The upload's id (from `renkei personio uploads`).
        upload: String,
    },
}

async fn known(b: &Backend, on: &Conn) -> Result<(TenantId, Connection), String> {
    lookup::connection(b, &on.tenant, &on.connection).await
}

fn settings(conn: &Connection) -> Result<Settings, String> {
    renkei_core::engine::decode_settings(conn).map_err(|e| e.to_string())
}

fn print(v: &Value) {
    println!("{v:#}");
}

pub async fn personio(b: &Backend, cmd: PersonioCmd, json: bool) -> Result<(), String> {
    match cmd {
        PersonioCmd::Connect {
            on,
            company_id,
            client_id,
            client_secret,
            access_token,
            jobs_domain,
            channel_id,
            upload_secret,
            language,
            api_url,
            jobs_site_url,
        } => {
            let (t, c) = ids(&on.tenant, &on.connection)?;
            let mut settings = Settings::new(&company_id, &jobs_domain, channel_id);
            settings.language = language;
            settings.api_url = api_url;
            settings.jobs_site_url = jobs_site_url;
            let generated = upload_secret.is_none();
            // A secret Talentwunder signs with must be unguessable: from the OS, not fastrand.
            let upload_secret = match upload_secret {
                Some(s) => s,
                None => renkei_core::webhook::generate_signing_secret().ok_or(
                    "no randomness from the OS to make an upload secret: give --upload-secret",
                )?,
            };
            let input = SetupInput {
                tenant_id: t,
                connection_id: c,
                secret: ConnectionSecret {
                    credentials: credentials(client_id, client_secret, access_token)?,
                    upload_secret: upload_secret.clone(),
                },
                settings,
            };
            let conn = c4::setup(b.store.as_ref(), b.secrets.as_ref(), b.clock.now(), input)
                .await
                .map_err(problems)?;
            let path = format!(
                "/webhooks/talentwunder/{}/{}",
                conn.tenant_id, conn.connection_id
            );
            let shown = generated.then_some(upload_secret);
            if json {
                print(&json!({
                    "tenant_id": conn.tenant_id,
                    "connection_id": conn.connection_id,
                    "upload_path": path,
                    "upload_secret": shown,
                }));
            } else {
                println!("connected: {} (uploads go to {path})", conn.connection_id);
                if let Some(secret) = shown {
                    println!("upload secret for Talentwunder (shown once): {secret}");
                }
            }
            Ok(())
        }
        PersonioCmd::Upload { on, file } => upload(b, &on, &file, json).await,
        other => lists(b, other, json).await,
    }
}

/// The credentials given: an API credential (v2), or the legacy token — not both.
fn credentials(
    client_id: Option<String>,
    client_secret: Option<String>,
    access_token: Option<String>,
) -> Result<Credentials, String> {
    match (client_id, client_secret, access_token) {
        (Some(client_id), Some(client_secret), None) => Ok(Credentials::OAuth {
            client_id,
            client_secret,
        }),
        (None, None, Some(access_token)) => Ok(Credentials::Legacy { access_token }),
        (Some(_), Some(_), Some(_)) => Err(
            "give either --client-id and --client-secret (v2) or --access-token (legacy v1), not both".into(),
        ),
        _ => Err(
            "give --client-id and --client-secret of a Personio API credential (or, for a legacy connection, --access-token)".into(),
        ),
    }
}

/// An upload as Talentwunder sends it, then the filing run: the receipt and the runs.
async fn upload(b: &Backend, on: &Conn, file: &Path, json: bool) -> Result<(), String> {
    let (t, conn) = known(b, on).await?;
    let c = conn.connection_id;
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let body: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
    let receipt = upload::accept(b.store.as_ref(), &t, &c, &body, b.clock.now())
        .await
        .map_err(|r| format!("upload refused ({}): {}", r.status, r.message))?;
    let event = SyncRequested {
        trigger: renkei_core::engine::Trigger::Person,
        ..SyncRequested::new(t.clone(), c.clone(), c4::NAME)
    };
    let asked = crate::outcome::ask(b, event).await?;
    if json {
        print(&json!({"receipt": receipt, "runs": asked.json()}));
        return Ok(());
    }
    print(&receipt);
    asked.print(false, &|r| {
        format!(
            "run {}: {} (filed {}, already applied {}, failed {})",
            r.run_id,
            r.status.as_str(),
            r.counts.created,
            r.counts.unchanged,
            r.counts.rejected
        )
    });
    Ok(())
}

/// Jobs, links, uploads and an upload's status; a link made or removed.
async fn lists(b: &Backend, cmd: PersonioCmd, json: bool) -> Result<(), String> {
    let now = b.clock.now();
    match cmd {
        PersonioCmd::Jobs(on) => {
            let (t, conn) = known(b, &on).await?;
            let s = settings(&conn)?;
            let jobs = links::jobs(b.store.as_ref(), &t, &conn.connection_id, &s, now, false)
                .await
                .map_err(|e| e.to_string())?;
            let mut table = Table::new(&["job_position_id", "title", "office", "department"]);
            for j in jobs {
                table.row(vec![
                    Cell::from(j.id),
                    j.name.into(),
                    j.office.into(),
                    j.department.into(),
                ]);
            }
            table.print(json);
        }
        PersonioCmd::Links(on) => {
            let (t, conn) = known(b, &on).await?;
            let mut table = Table::new(&["project_id", "job_position_id", "job_name", "linked_at"]);
            for l in links::list(b.store.as_ref(), &t, &conn.connection_id)
                .await
                .map_err(|e| e.to_string())?
            {
                table.row(vec![
                    Cell::from(l.project_id),
                    l.job_position_id.into(),
                    l.job_name.into(),
                    l.linked_at.into(),
                ]);
            }
            table.print(json);
        }
        PersonioCmd::Link {
            on,
            project,
            project_name,
            job,
        } => {
            let (t, conn) = known(b, &on).await?;
            let s = settings(&conn)?;
            let c = &conn.connection_id;
            let l = links::link(
                b.store.as_ref(),
                &t,
                c,
                &s,
                &project,
                project_name,
                job,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            if json {
                print(&json!(l));
            } else {
                println!(
                    "linked {} → {} {}",
                    l.project_id, l.job_position_id, l.job_name
                );
            }
        }
        PersonioCmd::Unlink { on, project } => {
            let (t, conn) = known(b, &on).await?;
            let l = links::unlink(b.store.as_ref(), &t, &conn.connection_id, &project)
                .await
                .map_err(|e| e.to_string())?;
            if json {
                print(&json!({
                    "project_id": l.project_id,
                    "job_position_id": l.job_position_id,
                    "unlinked": true,
                }));
            } else {
                println!("unlinked {} (was job {})", l.project_id, l.job_position_id);
            }
        }
        PersonioCmd::Uploads(on) => {
            let (t, conn) = known(b, &on).await?;
            let mut table = Table::new(&[
                "upload_id",
                "received_at",
                "project_id",
                "job_position_id",
                "job_name",
                "profiles",
            ]);
            for u in upload::uploads(b.store.as_ref(), &t, &conn.connection_id)
                .await
                .map_err(|e| e.to_string())?
            {
                table.row(vec![
                    Cell::from(u.upload_id),
                    u.received_at.into(),
                    u.project_id.into(),
                    u.job_position_id.into(),
                    u.job_name.into(),
                    u.profiles.into(),
                ]);
            }
            table.print(json);
        }
        PersonioCmd::Status { on, upload: id } => {
            let (t, conn) = known(b, &on).await?;
            let status = upload::status(b.store.as_ref(), &t, &conn.connection_id, &id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or(format!(
                    "no upload {id} of connection {} in tenant {t}",
                    conn.connection_id
                ))?;
            print(&status);
        }
        PersonioCmd::Connect { .. } | PersonioCmd::Upload { .. } => {
            unreachable!("personio() handles connect and upload")
        }
    }
    Ok(())
}
