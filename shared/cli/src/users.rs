//! `renkei users …`: who of a tenant receives failure emails, by role.

use crate::args;
use crate::backend::Backend;
use crate::lookup;
use crate::table::Table;
use clap::Subcommand;
use renkei_core::TenantId;
use renkei_core::repo::{Repo, Role, TenantUser};
use serde_json::json;

#[derive(Subcommand)]
pub enum UsersCmd {
    /// List a tenant's users and roles.
    List {
        /// Tenant id.
        #[arg(value_parser = args::tenant)]
        tenant: String,
    },
    /// Add a user (or replace their roles): admin (管理者), recruiter (採用担当者), member.
    Add {
        /// Tenant id (a new one is created by its first user).
        #[arg(value_parser = args::tenant)]
        tenant: String,
        /// The user's email address (where failure emails go).
        #[arg(value_parser = args::email)]
        email: String,
        /// A role (repeat for several): admin (管理者), recruiter (採用担当者), member.
        #[arg(long = "role", value_enum, required = true)]
        roles: Vec<RoleArg>,
    },
    /// Remove a user (an address the tenant does not have is an error).
    Remove {
        /// Tenant id.
        #[arg(value_parser = args::tenant)]
        tenant: String,
        /// The user's email address, as `renkei users list` shows it.
        email: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    /// 管理者.
    Admin,
    /// 採用担当者.
    Recruiter,
    /// Anyone else.
    Member,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => Self::Admin,
            RoleArg::Recruiter => Self::Recruiter,
            RoleArg::Member => Self::Member,
        }
    }
}

fn role_names(roles: &[Role]) -> Vec<String> {
    roles
        .iter()
        .map(|r| format!("{r:?}").to_lowercase())
        .collect()
}

pub async fn users(b: &Backend, cmd: UsersCmd, json: bool) -> Result<(), String> {
    let repo = Repo::new(b.store.as_ref());
    match cmd {
        UsersCmd::List { tenant } => {
            let t = lookup::tenant(b, &tenant).await?;
            let mut table = Table::new(&["email", "roles"]);
            for u in repo.users(&t).await.map_err(|e| e.to_string())? {
                table.row(vec![u.email, role_names(&u.roles).join(",")]);
            }
            table.print(json);
        }
        UsersCmd::Add {
            tenant,
            email,
            roles,
        } => {
            let t = TenantId::new(&tenant).map_err(|e| e.to_string())?;
            let user = TenantUser {
                email,
                roles: roles.into_iter().map(Into::into).collect(),
            };
            repo.put_user(&t, &user).await.map_err(|e| e.to_string())?;
            let roles = role_names(&user.roles);
            if json {
                print_json(&json!({"tenant_id": t, "email": user.email, "roles": roles}));
            } else {
                println!("{}\t{}", user.email, roles.join(","));
            }
        }
        UsersCmd::Remove { tenant, email } => {
            let t = lookup::tenant(b, &tenant).await?;
            let users = repo.users(&t).await.map_err(|e| e.to_string())?;
            if !users.iter().any(|u| u.email == email) {
                return Err(format!("tenant {tenant} has no user {email}"));
            }
            repo.delete_user(&t, &email)
                .await
                .map_err(|e| e.to_string())?;
            if json {
                print_json(&json!({"tenant_id": t, "email": email, "removed": true}));
            } else {
                println!("removed {email}");
            }
        }
    }
    Ok(())
}

fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}
