//! `renkei linkedin …` (C5): the deployment's partner application (`partner`), connect
//! Recruitee to a LinkedIn Recruiter contract (C5.1), the signed onboarding link for the
//! customer's LinkedIn admin (`onboarding-link`), see where activation and the sync stand
//! (C5.2 progress), and ask LinkedIn again while it is enabling the integration ("notify
//! partner", C5.3); team
//! members' LinkedIn accounts (C5.4), exports and their results (C5.5), a candidate's
//! LinkedIn profile and relinking it (C5.8) — the same operations as the admin surface's
//! (`renkei_connectors::recruitee_linkedin::admin`). The commands that are the admin
//! surface's actions are in linkedin/actions.rs; this file parses them all and runs the
//! connection's own (partner, connect, status, refresh).

mod actions;

use crate::backend::Backend;
use crate::{ids, lookup, problems};
use clap::Subcommand;
use renkei_connectors::recruitee_linkedin::{
    self as c5, ActivationState, Secret, Settings, SetupInput, budget::Progress, partner,
};

// Parsed once per command line: the size of the connect variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum LinkedinCmd {
    /// Keep the deployment's LinkedIn partner (parent) application as the stack's partner
    /// secret (an operator, once per stack); connections never carry it.
    Partner {
        /// The partner application's client id.
        #[arg(long, env = "LINKEDIN_PARTNER_CLIENT_ID")]
        client_id: String,
        /// Its client secret.
        #[arg(long, env = "LINKEDIN_PARTNER_CLIENT_SECRET", hide_env_values = true)]
        client_secret: String,
        /// The stack's partner secret (stack parameter LinkedinPartnerSecretName).
        #[arg(long, env = partner::SECRET_NAME_VAR, default_value = partner::DEFAULT_SECRET_NAME)]
        secret_name: String,
    },
    /// Connect Recruitee to a LinkedIn Recruiter contract: checks the Recruitee token and the
    /// addresses and stores the connection; its first run (requested at once) provisions the
    /// customer's LinkedIn application. Then send the customer's admin an onboarding link.
    Connect {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
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
        /// LinkedIn API, OAuth and platform base (default LinkedIn's own; the sandbox's
        /// `…/linkedin` serves all three).
        #[arg(long)]
        linkedin_url: Option<String>,
        /// The customer's LinkedIn organization id.
        #[arg(long)]
        organization: String,
        /// The Recruiter contract for this connection.
        #[arg(long)]
        contract: String,
        /// The webhook ingress's base URL (the CALLBACK_URL is {base}/linkedin/{t}/{c}).
        #[arg(long)]
        webhook_base: String,
        /// Where the stack serves the onboarding page (the admin API's URL, output
        /// AdminApiUrl; `renkei admin serve`'s address locally).
        #[arg(long)]
        onboarding_url: String,
    },
    /// Make the signed link the customer's LinkedIn admin opens to enable Recruiter System
    /// Connect in LinkedIn's widget (this connection only; refused once expired or changed).
    OnboardingLink {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
        /// How long it works: 90m, 24h, 7d (at most 7 days).
        #[arg(long, default_value = "24h")]
        ttl: String,
    },
    /// Where activation and the sync stand: status, LinkedIn's message, records done/total, ETA.
    Status {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
    },
    /// Ask LinkedIn for the activation status now ("notify partner"); the sync starts by
    /// itself at its next run once LinkedIn reports it active.
    Refresh {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
    },
    /// Start linking a team member's personal LinkedIn account: prints the URL the member
    /// opens; LinkedIn sends them back to the connection's callback URL, which links it.
    Link {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
        /// Recruitee team member (admin id).
        #[arg(long)]
        member: u64,
    },
    /// Unlink a team member's LinkedIn account (the next run withdraws its job visibility).
    Unlink {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
        /// Recruitee team member (admin id).
        #[arg(long)]
        member: u64,
    },
    /// Linked accounts: team member, LinkedIn member, since.
    Accounts {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
    },
    /// Exports to Recruitee, newest first, with their result or why they were refused, and
    /// each seat's exports this month (LinkedIn allows 300).
    Exports {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
    },
    /// A candidate's LinkedIn profile (the current match first, then suggestions), as a
    /// linked team member sees it.
    Profile {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
        /// The linked team member asking.
        #[arg(long = "as")]
        as_member: u64,
        /// Recruitee candidate id.
        #[arg(long)]
        candidate: u64,
    },
    /// Search LinkedIn members by current job title and/or company (to relink a candidate).
    Search {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
        /// The linked team member asking.
        #[arg(long = "as")]
        as_member: u64,
        /// Current job title to match.
        #[arg(long)]
        title: Option<String>,
        /// Current company to match.
        #[arg(long)]
        company: Option<String>,
    },
    /// Relink a candidate matched to the wrong LinkedIn profile: the right member, the
    /// wrong one, or both; the next run moves the candidate's data.
    Relink {
        /// Tenant id.
        #[arg(long, value_parser = crate::args::tenant)]
        tenant: String,
        /// Connection id.
        #[arg(long, default_value = c5::NAME, value_parser = crate::args::connection)]
        connection: String,
        /// Recruitee candidate id.
        #[arg(long)]
        candidate: u64,
        /// The right member (urn:li:person:… or its id).
        #[arg(long)]
        member: Option<String>,
        /// The wrong member, never matched to this candidate again.
        #[arg(long)]
        wrong: Option<String>,
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

pub async fn linkedin(b: &Backend, cmd: LinkedinCmd, json: bool) -> Result<(), String> {
    match cmd {
        LinkedinCmd::Partner {
            client_id,
            client_secret,
            secret_name,
        } => {
            partner::PartnerApp {
                client_id: client_id.clone(),
                client_secret,
            }
            .write(b.secrets.as_ref(), &secret_name)
            .await?;
            if json {
                println!(
                    "{:#}",
                    serde_json::json!({"partner_client_id": client_id, "secret": secret_name})
                );
            } else {
                println!("LinkedIn partner application {client_id} kept in {secret_name}");
            }
            Ok(())
        }
        LinkedinCmd::Connect {
            tenant,
            connection,
            company,
            recruitee_token,
            recruitee_url,
            recruitee_webhook_secret,
            linkedin_url,
            organization,
            contract,
            webhook_base,
            onboarding_url,
        } => {
            let (t, c) = ids(&tenant, &connection)?;
            let mut settings = Settings::new(&company, &organization, &contract);
            settings.recruitee_url = recruitee_url;
            settings.onboarding_url = Some(onboarding_url);
            if let Some(url) = linkedin_url {
                settings.linkedin_api_url.clone_from(&url);
                settings.linkedin_oauth_url.clone_from(&url);
                settings.linkedin_platform_url = url;
            }
            let input = SetupInput {
                tenant_id: t.clone(),
                connection_id: c.clone(),
                settings,
                secret: Secret::new(&recruitee_token, recruitee_webhook_secret.as_deref()),
                webhook_base,
            };
            let conn = c5::setup(b.store.as_ref(), b.secrets.as_ref(), input, b.clock.now())
                .await
                .map_err(problems)?;
            // The first run provisions the LinkedIn application (here on the embedded
            // backend; the connector's function on a stack).
            let event = renkei_core::engine::SyncRequested {
                trigger: renkei_core::engine::Trigger::Person,
                ..renkei_core::engine::SyncRequested::new(t.clone(), c.clone(), c5::NAME)
            };
            let ran = b.request(event).await?;
            let activation = ActivationState::read(b.store.as_ref(), &t, &c)
                .await
                .map_err(|e| e.to_string())?;
            if json {
                println!(
                    "{:#}",
                    serde_json::json!({
                        "tenant_id": conn.tenant_id,
                        "connection_id": conn.connection_id,
                        "activation": activation,
                    })
                );
            } else {
                println!("connected: {}", conn.connection_id);
                match ran {
                    crate::backend::Requested::Ran(_) => {
                        if let Some(a) = &activation {
                            println!("{}", activation_line(a));
                        }
                    }
                    crate::backend::Requested::Queued => {
                        println!("its first run (queued) provisions the LinkedIn application");
                    }
                }
                println!(
                    "next: `renkei linkedin onboarding-link --tenant {t} --connection {c}` for the customer's LinkedIn admin"
                );
            }
            Ok(())
        }
        LinkedinCmd::Status { tenant, connection } => {
            let (t, conn) = lookup::connection(b, &tenant, &connection).await?;
            let c = conn.connection_id;
            let activation = ActivationState::read(b.store.as_ref(), &t, &c)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("{c} in tenant {t} is not a {} connection", c5::NAME))?;
            let progress = Progress::read(b.store.as_ref(), &t, &c)
                .await
                .map_err(|e| e.to_string())?;
            if json {
                println!(
                    "{:#}",
                    serde_json::json!({"activation": activation, "sync": progress})
                );
                return Ok(());
            }
            println!("{}", activation_line(&activation));
            if let Some(p) = progress {
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
            let (t, conn) = lookup::connection(b, &tenant, &connection).await?;
            let c = conn.connection_id;
            let a = c5::refresh(b.store.as_ref(), b.secrets.as_ref(), &t, &c, b.clock.now())
                .await
                .map_err(|e| e.to_string())?;
            if json {
                println!("{:#}", serde_json::json!({ "activation": a }));
            } else {
                println!("{}", activation_line(&a));
            }
            Ok(())
        }
        other => actions::run(b, other, json).await,
    }
}
