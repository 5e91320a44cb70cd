//! `renkei personio …` (C4) on the embedded backend: what seed 003's dialog and screens do —
//! connect (company ID, token, jobs domain, channel ID), list the open jobs, link a
//! Talentwunder project to a job, upload profiles as Talentwunder does, and read an
//! upload's status per profile.

use crate::backend::Backend;
use crate::{ids, problems};
use clap::Subcommand;
use renkei_connectors::talentwunder_personio::{
    self as c4, Secret, Settings, SetupInput, links, upload,
};
use renkei_core::engine::SyncRequested;
use renkei_core::repo::Repo;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PersonioCmd {
    /// Connect Talentwunder to Personio (every setting checked at once).
    Connect {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c4::NAME)]
        connection: String,
        /// Unternehmens-ID of the Recruiting API key.
        #[arg(long)]
        company_id: String,
        /// Zugriffs-Token of the Recruiting API key.
        #[arg(long, env = "PERSONIO_ACCESS_TOKEN", hide_env_values = true)]
        access_token: String,
        /// Domain of the career page (`acme` for acme.jobs.personio.de).
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
    Jobs {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c4::NAME)]
        connection: String,
    },
    /// Project links (Talentwunder project → Personio job).
    Links {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c4::NAME)]
        connection: String,
    },
    /// Link a project to a job of the feed (linking again replaces the link).
    Link {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c4::NAME)]
        connection: String,
        #[arg(long)]
        project: String,
        #[arg(long)]
        project_name: Option<String>,
        /// The Personio job position id (from `renkei personio jobs`).
        #[arg(long)]
        job: u64,
    },
    /// Remove a project's link.
    Unlink {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c4::NAME)]
        connection: String,
        #[arg(long)]
        project: String,
    },
    /// Upload profiles as Talentwunder does (a JSON file of the contract's request body),
    /// then run the filing.
    Upload {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c4::NAME)]
        connection: String,
        /// The request body (docs/contracts/talentwunder.md).
        file: PathBuf,
    },
    /// Uploads, newest first.
    Uploads {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c4::NAME)]
        connection: String,
    },
    /// The status of every profile of an upload.
    Status {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c4::NAME)]
        connection: String,
        upload: String,
    },
}

async fn settings(b: &Backend, tenant: &str, connection: &str) -> Result<Settings, String> {
    let (t, c) = ids(tenant, connection)?;
    let (conn, _) = Repo::new(b.store.as_ref())
        .connection(&t, &c)
        .await
        .map_err(|e| e.to_string())?
        .ok_or(format!("no connection {tenant}/{connection}"))?;
    renkei_core::engine::decode_settings(&conn).map_err(|e| e.to_string())
}

fn print(v: &Value) -> Result<(), String> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).map_err(|e| e.to_string())?
    );
    Ok(())
}

pub async fn personio(b: &Backend, cmd: PersonioCmd) -> Result<(), String> {
    let now = renkei_core::Clock::now(b.clock.as_ref());
    match cmd {
        PersonioCmd::Connect {
            tenant,
            connection,
            company_id,
            access_token,
            jobs_domain,
            channel_id,
            upload_secret,
            language,
            api_url,
            jobs_site_url,
        } => {
            let (t, c) = ids(&tenant, &connection)?;
            let mut settings = Settings::new(&company_id, &jobs_domain, channel_id);
            settings.language = language;
            settings.api_url = api_url;
            settings.jobs_site_url = jobs_site_url;
            let generated = upload_secret.is_none();
            let upload_secret =
                upload_secret.unwrap_or_else(|| format!("{:032x}", fastrand::u128(..)));
            let input = SetupInput {
                tenant_id: t,
                connection_id: c,
                secret: Secret {
                    access_token,
                    upload_secret: upload_secret.clone(),
                },
                settings,
            };
            let conn = c4::setup(b.store.as_ref(), b.secrets.as_ref(), now, input)
                .await
                .map_err(problems)?;
            println!(
                "connected: {} (uploads go to /webhooks/talentwunder/{}/{})",
                conn.connection_id, conn.tenant_id, conn.connection_id
            );
            if generated {
                println!("upload secret for Talentwunder (shown once): {upload_secret}");
            }
            Ok(())
        }
        PersonioCmd::Jobs { tenant, connection } => {
            let s = settings(b, &tenant, &connection).await?;
            let (t, c) = ids(&tenant, &connection)?;
            let jobs = links::jobs(b.store.as_ref(), &t, &c, &s, now, false)
                .await
                .map_err(|e| e.to_string())?;
            println!("job\ttitle\toffice\tdepartment");
            for j in jobs {
                println!("{}\t{}\t{}\t{}", j.id, j.name, j.office, j.department);
            }
            Ok(())
        }
        PersonioCmd::Links { tenant, connection } => {
            let (t, c) = ids(&tenant, &connection)?;
            println!("project\tjob\tjob title\tlinked at");
            for l in links::list(b.store.as_ref(), &t, &c)
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "{}\t{}\t{}\t{}",
                    l.project_id, l.job_position_id, l.job_name, l.linked_at
                );
            }
            Ok(())
        }
        PersonioCmd::Link {
            tenant,
            connection,
            project,
            project_name,
            job,
        } => {
            let s = settings(b, &tenant, &connection).await?;
            let (t, c) = ids(&tenant, &connection)?;
            let l = links::link(
                b.store.as_ref(),
                &t,
                &c,
                &s,
                &project,
                project_name,
                job,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "linked {} → {} {}",
                l.project_id, l.job_position_id, l.job_name
            );
            Ok(())
        }
        PersonioCmd::Unlink {
            tenant,
            connection,
            project,
        } => {
            let (t, c) = ids(&tenant, &connection)?;
            let l = links::unlink(b.store.as_ref(), &t, &c, &project)
                .await
                .map_err(|e| e.to_string())?;
            println!("unlinked {} (was job {})", l.project_id, l.job_position_id);
            Ok(())
        }
        PersonioCmd::Upload {
            tenant,
            connection,
            file,
        } => {
            let (t, c) = ids(&tenant, &connection)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("reading {}: {e}", file.display()))?;
            let body: Value = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
            let receipt = upload::accept(b.store.as_ref(), &t, &c, &body, now)
                .await
                .map_err(|r| format!("upload refused ({}): {}", r.status, r.message))?;
            print(&receipt)?;
            let event = SyncRequested {
                manual: true,
                ..SyncRequested::new(t.clone(), c.clone(), c4::NAME)
            };
            crate::request_run(b, event, |r| {
                format!(
                    "run {}: {} (filed {}, already applied {}, failed {})",
                    r.run_id,
                    r.status.as_str(),
                    r.counts.created,
                    r.counts.unchanged,
                    r.counts.rejected
                )
            })
            .await
        }
        PersonioCmd::Uploads { tenant, connection } => {
            let (t, c) = ids(&tenant, &connection)?;
            println!("upload\treceived\tproject\tjob\tprofiles");
            for u in upload::uploads(b.store.as_ref(), &t, &c)
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "{}\t{}\t{}\t{} {}\t{}",
                    u.upload_id,
                    u.received_at,
                    u.project_id,
                    u.job_position_id,
                    u.job_name,
                    u.profiles
                );
            }
            Ok(())
        }
        PersonioCmd::Status {
            tenant,
            connection,
            upload: id,
        } => {
            let (t, c) = ids(&tenant, &connection)?;
            let status = upload::status(b.store.as_ref(), &t, &c, &id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or(format!("no upload {id}"))?;
            print(&status)
        }
    }
}
