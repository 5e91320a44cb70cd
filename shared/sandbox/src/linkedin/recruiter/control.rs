//! The control side of Recruiter's simulation (`/_control/linkedin/…`, docs/sandbox.md):
//! members, a member's consent, exports, mail stubs, what a seat and a member's profile show.

use super::*;
use serde::Deserialize;

/// `POST /_control/linkedin/consent`: the member signed in and approved the application of
/// an authorization URL; answers where the browser is sent (redirect URI with code, state).
#[derive(Deserialize)]
struct Consent {
    authorize_url: String,
    member: String,
}

/// `POST /_control/linkedin/exports`: a seat exports a member's profile to a job.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Export {
    /// The customer organization.
    pub organization: String,
    /// The exporting seat (member id).
    pub seat: String,
    /// The exported member (id in the directory).
    pub member: String,
    /// The ATS job (externalJobPostingId).
    pub job: String,
    /// Send the export under another integration context (a misrouted export).
    #[serde(default)]
    pub integration_context: Option<String>,
}

/// `POST /_control/linkedin/mail-stubs`: a member shared contact data with a seat's InMail.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Stub {
    /// The customer organization.
    pub organization: String,
    /// The seat whose InMail was answered (member id).
    pub seat: String,
    /// The member who shared contact data.
    pub member: String,
    /// The email shared (default: the member's).
    #[serde(default)]
    pub email: Option<String>,
    /// The phone shared (default: the member's).
    #[serde(default)]
    pub phone: Option<String>,
}

fn query_of(url: &str) -> HashMap<String, String> {
    let q = url.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

impl LinkedinControl<'_> {
    /// Adds or changes a LinkedIn member.
    pub fn member(&self, id: &str, mut m: Value) {
        m["id"] = json!(id);
        let name = format!("{} {}", text(&m, "firstName"), text(&m, "lastName"));
        m["name"] = json!(name.trim());
        self.0
            .world()
            .state::<Linkedin>()
            .recruiter
            .members
            .insert(id.to_string(), m);
    }

    /// A member's consent at an authorization URL: the redirect with code and state.
    pub fn consent(&self, authorize_url: &str, member: &str) -> Result<String, String> {
        let q = query_of(authorize_url);
        let get = |k: &str| q.get(k).cloned().unwrap_or_default();
        let mut w = self.0.world();
        let now = w.clock.now();
        let li = w.state::<Linkedin>();
        if get("response_type") != "code" {
            return Err("response_type=code is required".into());
        }
        if !li.apps.contains_key(&get("client_id")) {
            return Err(format!("no application {}", get("client_id")));
        }
        if !li.recruiter.members.contains_key(member) {
            return Err(format!("no LinkedIn member {member}"));
        }
        let redirect = get("redirect_uri");
        if let Some(why) = li.sign_in_refusal(&get("client_id"), &redirect, &get("scope")) {
            return Err(why);
        }
        let code = format!("code-{}-{}", li.next(), fastrand::u64(..));
        li.recruiter.codes.insert(
            code.clone(),
            (
                get("client_id"),
                redirect.clone(),
                member.to_string(),
                now + Duration::minutes(10),
            ),
        );
        let sep = if redirect.contains('?') { '&' } else { '?' };
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        Ok(format!(
            "{redirect}{sep}code={}&state={}",
            enc(&code),
            enc(&get("state"))
        ))
    }

    /// What a seat sees through the ACLs renkei sent.
    pub fn seat(&self, org: &str, member: &str) -> Value {
        let ctx = integration(org);
        let mut w = self.0.world();
        let li = w.state::<Linkedin>();
        let mut v = li.seat_view(&ctx, member);
        let month = w.clock.now().format("%Y-%m").to_string();
        let used = w
            .state::<Linkedin>()
            .recruiter
            .export_counts
            .get(&(member.to_string(), month))
            .copied()
            .unwrap_or(0);
        v["exports_this_month"] = json!(used);
        v
    }

    /// The candidates shown on a member's profile.
    pub fn member_view(&self, org: &str, member: &str) -> Value {
        self.0
            .world()
            .state::<Linkedin>()
            .member_view(&integration(org), member)
    }

    /// A seat's export: counted (300 a month), kept for `exportedCandidates`, and notified
    /// to the context's callback URL, signed with the integrated application's secret.
    pub async fn export(&self, e: Export) -> Result<Value, String> {
        let ctx = integration(&e.organization);
        let (body, url, secret) = {
            let mut w = self.0.world();
            let now = w.clock.now();
            let li = w.state::<Linkedin>();
            let member = li
                .recruiter
                .members
                .get(&e.member)
                .cloned()
                .ok_or_else(|| format!("no LinkedIn member {}", e.member))?;
            let c = li
                .contexts
                .get(&ctx)
                .ok_or_else(|| format!("{ctx} is not integrated"))?;
            let url = c
                .callback_url
                .clone()
                .ok_or_else(|| format!("{ctx} has no CALLBACK_URL"))?;
            let secret = li
                .apps
                .values()
                .find(|a| a.context.as_deref() == Some(ctx.as_str()))
                .map(|a| a.secret.clone())
                .ok_or_else(|| format!("no application integrated with {ctx}"))?;
            let month = now.format("%Y-%m").to_string();
            let used = li
                .recruiter
                .export_counts
                .entry((e.seat.clone(), month))
                .or_default();
            if *used >= EXPORTS_PER_MONTH {
                return Err(format!(
                    "seat {} has used its {EXPORTS_PER_MONTH} exports this month",
                    e.seat
                ));
            }
            *used += 1;
            let n = li.next();
            let request = format!("export-{n}");
            li.recruiter.exports.insert(
                request.clone(),
                json!({"requestId": request,
                    "integrationContext": e.integration_context.clone().unwrap_or(ctx.clone()),
                    "exporter": person(&e.seat), "externalJobPostingId": e.job,
                    "exportedAt": now.timestamp_millis(),
                    "candidate": {"member": person(&e.member), "firstName": member["firstName"],
                        "lastName": member["lastName"], "emailAddress": member["email"],
                        "phoneNumber": member["phone"], "headline": member["headline"],
                        "profileUrl": format!("https://www.linkedin.com/in/{}", e.member)}}),
            );
            let body = json!({"notificationId": format!("notification-{n}"),
                "type": "EXPORT_CANDIDATE_PROFILE", "requestId": request,
                "integrationContext": ctx, "createdAt": now.timestamp_millis()});
            (body, url, secret)
        };
        let path = url::Url::parse(&url).map_err(|e| format!("callback URL: {e}"))?;
        let seg: Vec<&str> = path
            .path()
            .trim_end_matches('/')
            .rsplit('/')
            .take(2)
            .collect();
        let (connection, tenant) = match seg.as_slice() {
            [c, t] => (*c, *t),
            _ => return Err(format!("callback URL {url} is not a renkei webhook URL")),
        };
        let answer =
            crate::webhooks::send_signed(self.0, "linkedin", tenant, connection, &secret, &body)
                .await;
        Ok(json!({"requestId": body["requestId"], "notification": body,
            "delivery": {"status": answer.status, "answer": answer.body}}))
    }

    /// A member shares contact data in reply to a seat's InMail: a mail stub.
    pub fn mail_stub(&self, s: &Stub) -> Result<Value, String> {
        let ctx = integration(&s.organization);
        let mut w = self.0.world();
        let now = w.clock.now();
        let li = w.state::<Linkedin>();
        let member = li.recruiter.member(&s.member)?;
        let contract = li
            .contexts
            .get(&ctx)
            .and_then(|c| c.contract.clone())
            .ok_or_else(|| format!("{ctx} is not integrated"))?;
        let n = li.next();
        let stub = json!({"id": format!("urn:li:mailStub:{n}"),
            "contract": format!("urn:li:contract:{contract}"),
            "owner": format!("urn:li:seat:{}", super::seat_id(&s.seat)),
            "createdAt": now.timestamp_millis(), "member": person(&s.member),
            "firstName": member["firstName"], "lastName": member["lastName"],
            "emailAddress": s.email.clone().map_or(member["email"].clone(), Value::from),
            "phoneNumber": s.phone.clone().map_or(member["phone"].clone(), Value::from),
            "profileUrl": format!("https://www.linkedin.com/in/{}", s.member)});
        li.recruiter.stubs.push(stub.clone());
        Ok(stub)
    }
}

fn integration(org: &str) -> String {
    format!("urn:li:organization:{org}")
}

fn answer(r: Result<Value, String>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => crate::control_error(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

async fn control_member(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
    Json(m): Json<Value>,
) -> Response {
    sb.linkedin().member(&id, m);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_consent(State(sb): State<Sandbox>, Json(c): Json<Consent>) -> Response {
    answer(
        sb.linkedin()
            .consent(&c.authorize_url, &c.member)
            .map(|r| json!({"redirect": r})),
    )
}

async fn control_export(State(sb): State<Sandbox>, Json(e): Json<Export>) -> Response {
    answer(sb.linkedin().export(e).await)
}

async fn control_stub(State(sb): State<Sandbox>, Json(s): Json<Stub>) -> Response {
    answer(sb.linkedin().mail_stub(&s))
}

async fn control_seat(
    State(sb): State<Sandbox>,
    Path((org, member)): Path<(String, String)>,
) -> Response {
    Json(sb.linkedin().seat(&org, &member)).into_response()
}

async fn control_member_view(
    State(sb): State<Sandbox>,
    Path((org, member)): Path<(String, String)>,
) -> Response {
    Json(sb.linkedin().member_view(&org, &member)).into_response()
}

/// `/_control/linkedin/…` routes of Recruiter's side (docs/sandbox.md).
pub(in crate::linkedin) fn routes() -> Router<Sandbox> {
    use axum::routing::{get, put};
    Router::new()
        .route("/linkedin/members/{id}", put(control_member))
        .route("/linkedin/consent", post(control_consent))
        .route("/linkedin/exports", post(control_export))
        .route("/linkedin/mail-stubs", post(control_stub))
        .route(
            "/linkedin/organizations/{org}/seats/{member}",
            get(control_seat),
        )
        .route(
            "/linkedin/organizations/{org}/members/{member}",
            get(control_member_view),
        )
}
