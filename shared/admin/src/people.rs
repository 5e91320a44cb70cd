//! A tenant's users (who gets failure emails), its マイナビ転職 accounts (C1.1, C1.9) and its
//! 振り分けルール (C1.7): what `renkei users|mynavi|rules` do.

use crate::connections::DisconnectQuery;
use crate::page::{Page, PageQuery};
use crate::{AdminState, Body, Caller, Problem, Query, known_tenant};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use renkei_connectors::mynavi_hrmos::{self as c1, AccountError, AccountView, RoutingRule, rules};
use renkei_core::ConnectionId;
use renkei_core::repo::{MAX_USERS_PER_TENANT, Repo, Role, TenantUser};
use serde::Deserialize;

pub(crate) fn routes() -> Router<AdminState> {
    Router::new()
        .route("/v1/tenants/{tenant}/users", get(users))
        .route(
            "/v1/tenants/{tenant}/users/{email}",
            put(put_user).delete(delete_user),
        )
        .route(
            "/v1/tenants/{tenant}/mynavi/accounts",
            get(accounts).post(register),
        )
        .route(
            "/v1/tenants/{tenant}/mynavi/accounts/{connection}",
            axum::routing::delete(unlink),
        )
        .route(
            "/v1/tenants/{tenant}/rules",
            get(list_rules).post(create_rule),
        )
        .route(
            "/v1/tenants/{tenant}/rules/{id}",
            put(update_rule).delete(delete_rule),
        )
}

type Result<T> = std::result::Result<T, Problem>;

impl From<AccountError> for Problem {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(why) => {
                // The connector names the field first ("hrmos_url: …") where there is one.
                let field = why
                    .split_once(": ")
                    .map(|(f, _)| f)
                    .filter(|f| f.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                    .map(str::to_string);
                Problem::refused(field, why)
            }
            AccountError::NotFound(what) => Problem::not_found(what),
            AccountError::Unavailable(why) => Problem::unavailable(why),
        }
    }
}

async fn users(
    State(s): State<AdminState>,
    caller: Caller,
    Path(tenant): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<TenantUser>>> {
    let t = known_tenant(&s, &caller, &tenant).await?;
    let users = Repo::new(s.store.as_ref())
        .users_page(&t, q.cursor.as_deref(), q.size()? + 1)
        .await?;
    Ok(Json(q.page_read(
        users.into_iter().map(|u| (u.email.clone(), u)).collect(),
    )?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserBody {
    roles: Vec<Role>,
}

/// Adds a user or replaces their roles. The one call that may name a tenant with no users
/// or connections yet (an operator's first step for a new customer); a JWT caller's token
/// must name the tenant all the same.
async fn put_user(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, email)): Path<(String, String)>,
    Body(body): Body<UserBody>,
) -> Result<Json<TenantUser>> {
    let t = caller.tenant(&tenant)?;
    if !email.contains('@') || email.contains(char::is_whitespace) {
        return Err(Problem::bad_request(
            Some("email".into()),
            format!("{email:?} is not an email address"),
        ));
    }
    if body.roles.is_empty() {
        return Err(Problem::bad_request(
            Some("roles".into()),
            "a user holds at least one role",
        ));
    }
    let repo = Repo::new(s.store.as_ref());
    if repo.user(&t, &email).await?.is_none()
        && repo.users_page(&t, None, MAX_USERS_PER_TENANT).await?.len() >= MAX_USERS_PER_TENANT
    {
        return Err(Problem::conflict(format!(
            "tenant {tenant} has {MAX_USERS_PER_TENANT} users, the most it may have: remove one first"
        )));
    }
    let user = TenantUser {
        email,
        roles: body.roles,
    };
    repo.put_user(&t, &user).await?;
    Ok(Json(user))
}

async fn delete_user(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, email)): Path<(String, String)>,
) -> Result<StatusCode> {
    let t = known_tenant(&s, &caller, &tenant).await?;
    let repo = Repo::new(s.store.as_ref());
    if repo.user(&t, &email).await?.is_none() {
        return Err(Problem::not_found(format!(
            "no user {email} in tenant {tenant}"
        )));
    }
    repo.delete_user(&t, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn accounts(
    State(s): State<AdminState>,
    caller: Caller,
    Path(tenant): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<AccountView>>> {
    let t = known_tenant(&s, &caller, &tenant).await?;
    let all = c1::accounts(s.store.as_ref(), &t).await?;
    Ok(Json(
        q.page(
            all.into_iter()
                .map(|a| (a.connection_id.to_string(), a))
                .collect(),
        )?,
    ))
}

/// A registration: the password and the HRMOS key go to the secret store only.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Registration {
    login_id: String,
    password: String,
    hrmos_api_key: String,
    mynavi_url: String,
    hrmos_url: String,
    name: Option<String>,
}

async fn register(
    State(s): State<AdminState>,
    caller: Caller,
    Path(tenant): Path<String>,
    Body(body): Body<Registration>,
) -> Result<(StatusCode, Json<AccountView>)> {
    let t = known_tenant(&s, &caller, &tenant).await?;
    crate::outbound::check(
        &s.outbound,
        &c1::endpoints(&body.mynavi_url, &body.hrmos_url),
    )?;
    let conn = c1::register(
        s.store.as_ref(),
        s.secrets.as_ref(),
        s.clock.now(),
        c1::Registration {
            tenant_id: t.clone(),
            account_name: body.name,
            secret: c1::Secret {
                login_id: body.login_id,
                password: body.password,
                hrmos_api_key: body.hrmos_api_key,
            },
            mynavi_url: body.mynavi_url,
            hrmos_url: body.hrmos_url,
            columns: None,
        },
    )
    .await?;
    let view = c1::accounts(s.store.as_ref(), &t)
        .await?
        .into_iter()
        .find(|a| a.connection_id == conn.connection_id)
        .ok_or_else(|| Problem::unavailable("the account was stored but cannot be read back"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Like a disconnect, the secret stays restorable unless an operator purges it.
async fn unlink(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, connection)): Path<(String, String)>,
    Query(q): Query<DisconnectQuery>,
) -> Result<StatusCode> {
    let how = q.deletion(&s, &caller)?;
    let t = known_tenant(&s, &caller, &tenant).await?;
    let c = ConnectionId::new(&connection)
        .map_err(|e| Problem::bad_request(Some("connection".into()), e.to_string()))?;
    c1::unlink(s.store.as_ref(), s.secrets.as_ref(), &t, &c, how).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleBody {
    /// 募集ポジション名, exactly as Mynavi's 職種名.
    position_name: String,
    /// HRMOS job id.
    job_id: String,
}

impl RuleBody {
    fn input(self) -> rules::RuleInput {
        rules::RuleInput {
            medium: c1::MEDIUM,
            position_name: self.position_name,
            job_id: self.job_id,
        }
    }
}

async fn list_rules(
    State(s): State<AdminState>,
    caller: Caller,
    Path(tenant): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<RoutingRule>>> {
    let t = known_tenant(&s, &caller, &tenant).await?;
    let page =
        c1::store::rules_page(s.store.as_ref(), &t, q.cursor.as_deref(), q.size()? + 1).await?;
    Ok(Json(q.page_read(
        page.into_iter().map(|r| (r.id.clone(), r)).collect(),
    )?))
}

async fn create_rule(
    State(s): State<AdminState>,
    caller: Caller,
    Path(tenant): Path<String>,
    Body(body): Body<RuleBody>,
) -> Result<(StatusCode, Json<RoutingRule>)> {
    let t = known_tenant(&s, &caller, &tenant).await?;
    let rule = rules::create(s.store.as_ref(), &t, body.input(), s.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

async fn update_rule(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, id)): Path<(String, String)>,
    Body(body): Body<RuleBody>,
) -> Result<Json<RoutingRule>> {
    let t = known_tenant(&s, &caller, &tenant).await?;
    let rule = rules::update(s.store.as_ref(), &t, &id, body.input(), s.clock.now()).await?;
    Ok(Json(rule))
}

async fn delete_rule(
    State(s): State<AdminState>,
    caller: Caller,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let t = known_tenant(&s, &caller, &tenant).await?;
    rules::delete(s.store.as_ref(), &t, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
