//! `renkei linkedin …` (C5) on the embedded backend: connect Recruitee to a LinkedIn
//! Recruiter contract (C5.1), see where activation and the sync stand (C5.2 progress), and
//! ask LinkedIn again while it is enabling the integration ("notify partner", C5.3).

use crate::{ids, problems};
use clap::Subcommand;
use renkei_connectors::recruitee_linkedin::{
    self as c5, ActivationState, Secret, Settings, SetupInput, budget::Progress,
};
use renkei_local::LocalBackend;

// Parsed once per command line: the size of the connect variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum LinkedinCmd {
    /// Connect Recruitee to a LinkedIn Recruiter contract: checks the Recruitee token, the
    /// contract (Corporate or RPS) and the enabling member's permission, provisions the
    /// customer's application, enables the integrations and sets the callback URL.
    Connect {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c5::NAME)]
        connection: String,
        /// Recruitee company id.
        #[arg(long)]
        company: String,
        /// Recruitee personal API token.
        #[arg(long, env = "RECRUITEE_TOKEN", hide_env_values = true)]
        recruitee_token: String,
        /// Recruitee API base (default https://api.recruitee.com/c/{company}).
        #[arg(long)]
        recruitee_url: Option<String>,
        /// The secret of Recruitee's webhook (C5.7).
        #[arg(long, env = "RECRUITEE_WEBHOOK_SECRET", hide_env_values = true)]
        recruitee_webhook_secret: Option<String>,
        /// renkei's partner (parent) application on LinkedIn.
        #[arg(long, env = "LINKEDIN_PARTNER_CLIENT_ID")]
        partner_client_id: String,
        #[arg(long, env = "LINKEDIN_PARTNER_CLIENT_SECRET", hide_env_values = true)]
        partner_client_secret: String,
        /// LinkedIn API and OAuth base (default LinkedIn's own).
        #[arg(long)]
        linkedin_url: Option<String>,
        /// The customer's LinkedIn organization id.
        #[arg(long)]
        organization: String,
        /// The Recruiter contract for this connection.
        #[arg(long)]
        contract: String,
        /// The LinkedIn member (admin or product settings on the contract) enabling it.
        #[arg(long)]
        enabled_by: String,
        /// The webhook ingress's base URL (the CALLBACK_URL is {base}/linkedin/{t}/{c}).
        #[arg(long)]
        webhook_base: String,
    },
    /// Where activation and the sync stand: status, LinkedIn's message, records done/total, ETA.
    Status {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c5::NAME)]
        connection: String,
    },
    /// Ask LinkedIn for the activation status now ("notify partner"); the sync starts by
    /// itself at its next run once LinkedIn reports it active.
    Refresh {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = c5::NAME)]
        connection: String,
    },
}

fn activation_line(a: &ActivationState) -> String {
    format!(
        "activation\t{:?}\t{}\t(checked {})",
        a.status,
        a.message,
        a.checked_at.to_rfc3339()
    )
}

pub async fn linkedin(b: &LocalBackend, cmd: LinkedinCmd) -> Result<(), String> {
    match cmd {
        LinkedinCmd::Connect {
            tenant,
            connection,
            company,
            recruitee_token,
            recruitee_url,
            recruitee_webhook_secret,
            partner_client_id,
            partner_client_secret,
            linkedin_url,
            organization,
            contract,
            enabled_by,
            webhook_base,
        } => {
            let (t, c) = ids(&tenant, &connection)?;
            let mut settings = Settings::new(&company, &organization, &contract);
            settings.recruitee_url = recruitee_url;
            if let Some(url) = linkedin_url {
                settings.linkedin_api_url.clone_from(&url);
                settings.linkedin_oauth_url = url;
            }
            let input = SetupInput {
                tenant_id: t.clone(),
                connection_id: c.clone(),
                settings,
                secret: Secret {
                    recruitee_token,
                    recruitee_webhook_secret,
                    partner_client_id,
                    partner_client_secret,
                    child: None,
                },
                enabled_by,
                webhook_base,
            };
            let conn = c5::setup(&b.store, &b.secrets, input, b.clock.now())
                .await
                .map_err(problems)?;
            println!(
                "connected: {} (LinkedIn is enabling the integration; `renkei linkedin status`)",
                conn.connection_id
            );
            Ok(())
        }
        LinkedinCmd::Status { tenant, connection } => {
            let (t, c) = ids(&tenant, &connection)?;
            match ActivationState::read(&b.store, &t, &c)
                .await
                .map_err(|e| e.to_string())?
            {
                Some(a) => println!("{}", activation_line(&a)),
                None => return Err(format!("no C5 connection {t}/{c}")),
            }
            if let Some(p) = Progress::read(&b.store, &t, &c)
                .await
                .map_err(|e| e.to_string())?
            {
                let total = p.total.map_or("-".into(), |n| n.to_string());
                let eta = p.eta.map_or("-".into(), |e| e.to_rfc3339());
                println!(
                    "sync\t{}\t{}/{total} candidates\tETA {eta}",
                    p.phase, p.done
                );
                if let Some(note) = p.note {
                    println!("note\t{note}");
                }
            }
            Ok(())
        }
        LinkedinCmd::Refresh { tenant, connection } => {
            let (t, c) = ids(&tenant, &connection)?;
            let a = c5::refresh(&b.store, &b.secrets, &t, &c, b.clock.now())
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", activation_line(&a));
            Ok(())
        }
    }
}
