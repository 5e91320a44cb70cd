//! LinkedIn Recruiter's side of C5.4–C5.8 as the simulator keeps it: LinkedIn members (a
//! directory with names, titles, companies, emails), a member's consent to an application
//! (OAuth authorization code → member token → `GET /v2/userinfo`), the seats' view of jobs and
//! applications through the ACLs the ATS sent, exports to the ATS (the signed
//! EXPORT_CANDIDATE_PROFILE notification to the callback URL, `exportedCandidates`, 300 per
//! seat per month), InMail mail stubs per seat (`mailStubs`, start/count paging, owners
//! required), and which member a synced candidate is matched to (email or name, unless the
//! ATS sent a `manualMatchedMember`; `unmatchedMembers` are never matched), with
//! `matchedMembers` suggestions and a member search.

use super::*;

/// Exports a seat may make in a calendar month.
pub(crate) const EXPORTS_PER_MONTH: u32 = 300;

#[derive(Default)]
pub(crate) struct Recruiter {
    /// Member id → `{id, name, firstName, lastName, headline, title, company, email}`.
    members: BTreeMap<String, Value>,
    /// Authorization code → (application, redirect URI, member, expiry).
    codes: HashMap<String, (String, String, String, DateTime<Utc>)>,
    /// Member token → (member, expiry).
    member_tokens: HashMap<String, (String, DateTime<Utc>)>,
    /// Export request id → its exportedCandidates element.
    exports: HashMap<String, Value>,
    /// (seat member, "YYYY-MM") → exports made.
    export_counts: HashMap<(String, String), u32>,
    /// Mail stubs, oldest first.
    stubs: Vec<Value>,
}

impl Recruiter {
    /// A member of the directory, or why not.
    fn member(&self, id: &str) -> Result<Value, String> {
        self.members
            .get(id)
            .cloned()
            .ok_or_else(|| format!("no LinkedIn member {id}"))
    }
}

/// A member's Recruiter seat id: stable, and unlike any member id (a seat is not a person).
pub(super) fn seat_id(member: &str) -> u64 {
    let id = member.trim_start_matches("urn:li:person:");
    id.bytes().fold(1_469_598_103_934_665_603_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211)
    }) % 1_000_000_000
}

pub(super) fn person(member: &str) -> String {
    if member.starts_with("urn:li:person:") {
        member.to_string()
    } else {
        format!("urn:li:person:{member}")
    }
}

fn text(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().trim().to_string()
}

impl Linkedin {
    /// `grant_type=authorization_code`: a member's token for the application the code was
    /// issued to (single use, 10 minutes, the same redirect URI).
    pub(super) fn exchange(
        &mut self,
        form: &HashMap<String, String>,
        now: DateTime<Utc>,
    ) -> Response {
        let get = |k: &str| form.get(k).cloned().unwrap_or_default();
        let app = get("client_id");
        if self
            .apps
            .get(&app)
            .is_none_or(|a| a.secret != get("client_secret"))
        {
            return api_error(
                StatusCode::UNAUTHORIZED,
                json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
            );
        }
        let Some((code_app, redirect, member, expires)) = self.recruiter.codes.remove(&get("code"))
        else {
            return api_error(
                StatusCode::BAD_REQUEST,
                json!({"error": "invalid_grant", "error_description": "authorization code unknown or used"}),
            );
        };
        if code_app != app || redirect != get("redirect_uri") || expires <= now {
            return api_error(
                StatusCode::BAD_REQUEST,
                json!({"error": "invalid_grant", "error_description": "code expired or issued for another client or redirect_uri"}),
            );
        }
        let token = format!("li-member-{}-{}", self.next(), fastrand::u64(..));
        self.recruiter
            .member_tokens
            .insert(token.clone(), (member, now + Duration::days(60)));
        Json(json!({"access_token": token, "expires_in": 5_184_000})).into_response()
    }

    /// `GET /v2/me` needs `r_liteprofile`, which no application created after 2023-08-01 —
    /// every child here — is given (sign-in is OpenID Connect: [`Self::userinfo`]).
    pub(super) fn me(&self, headers: &HeaderMap, now: DateTime<Utc>) -> Response {
        let token = bearer(headers).unwrap_or_default();
        match self.recruiter.member_tokens.get(&token) {
            Some((_, exp)) if *exp > now => li_error(
                StatusCode::FORBIDDEN,
                "Not enough permissions to access: me.GET.NO_VERSION",
            ),
            _ => li_error(StatusCode::UNAUTHORIZED, "Invalid access token"),
        }
    }

    /// `GET /v2/userinfo` (Sign In with LinkedIn using OpenID Connect): the member as `sub`.
    pub(super) fn userinfo(&self, headers: &HeaderMap, now: DateTime<Utc>) -> Response {
        let token = bearer(headers).unwrap_or_default();
        match self.recruiter.member_tokens.get(&token) {
            Some((m, exp)) if *exp > now => {
                let v = self.recruiter.members.get(m).cloned().unwrap_or(json!({}));
                Json(
                    json!({"sub": m, "name": v["name"], "given_name": v["firstName"],
                    "family_name": v["lastName"]}),
                )
                .into_response()
            }
            _ => li_error(StatusCode::UNAUTHORIZED, "Invalid access token"),
        }
    }

    fn own_context(&self, app: &str) -> Result<String, Response> {
        self.context_of(app)
            .ok_or_else(|| li_error(StatusCode::FORBIDDEN, "the application is not integrated"))
    }

    /// `GET exportedCandidates?q=request&requestId=…`.
    pub(super) fn exported(&self, app: &str, q: &dyn Fn(&str) -> String) -> Response {
        if let Err(r) = self.own_context(app) {
            return r;
        }
        if q("q") != "request" {
            return li_error(StatusCode::BAD_REQUEST, "q=request is required");
        }
        let elements: Vec<Value> = self
            .recruiter
            .exports
            .get(&q("requestId"))
            .cloned()
            .into_iter()
            .collect();
        Json(json!({"elements": elements})).into_response()
    }

    /// `GET mailStubs?q=contract&contract=…&owners=List(…)&createdDateStart=…&start&count`.
    pub(super) fn mail_stubs(&mut self, app: &str, call: &Call<'_>) -> Response {
        let ctx = match self.own_context(app) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let q = |k: &str| {
            call.query
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let contract = q("contract");
        let own_contract = self
            .contexts
            .get(&ctx)
            .and_then(|c| c.contract.clone())
            .map(|c| format!("urn:li:contract:{c}"));
        if q("q") != "contract" || own_contract.as_deref() != Some(contract.as_str()) {
            return li_error(
                StatusCode::FORBIDDEN,
                format!("contract {contract} is not this application's"),
            );
        }
        // inmail-stub-profiles: owners are seat URNs, "multiple allowed" — in protocol
        // 1.0.0 the parameter repeated.
        let owners: Vec<String> = call
            .query
            .iter()
            .filter(|(n, _)| n == "owners")
            .map(|(_, v)| v.clone())
            .collect();
        if let Some(bad) = owners.iter().find(|o| !o.starts_with("urn:li:seat:")) {
            let why = format!("owners are seat URNs (urn:li:seat:{{id}}), not {bad}");
            self.nonconformant.push(
                json!({"method": "GET", "resource": "mailStubs", "violations": [why.clone()]}),
            );
            return li_error(StatusCode::BAD_REQUEST, why);
        }
        let from: i64 = q("createdDateStart").parse().unwrap_or(0);
        let start: usize = q("start").parse().unwrap_or(0);
        let count: usize = q("count").parse().unwrap_or(10).min(100);
        let matching: Vec<&Value> = self
            .recruiter
            .stubs
            .iter()
            .filter(|s| s["contract"] == contract.as_str())
            .filter(|s| owners.is_empty() || owners.iter().any(|o| s["owner"] == o.as_str()))
            .filter(|s| s["createdAt"].as_i64().unwrap_or(0) >= from)
            .collect();
        let total = matching.len();
        let page: Vec<&Value> = matching.into_iter().skip(start).take(count).collect();
        Json(json!({"elements": page, "paging": {"start": start, "count": count, "total": total}}))
            .into_response()
    }

    /// `GET seatsV2?q=attributes&contracts=urn:li:contract:{id}&start=…` (recruiter-
    /// seatholders: `start` required): the contract's users who are LinkedIn members, each
    /// with its seat id.
    pub(super) fn seats(&mut self, app: &str, call: &Call<'_>) -> Response {
        let ctx = match self.own_context(app) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let q = |k: &str| {
            call.query
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        if q("q").as_deref() != Some("attributes") || q("start").is_none() {
            let why = "seatsV2 takes q=attributes and requires start".to_string();
            self.nonconformant
                .push(json!({"method": "GET", "resource": "seatsV2", "violations": [why.clone()]}));
            return li_error(StatusCode::BAD_REQUEST, why);
        }
        let contract = q("contracts").unwrap_or_default();
        let Some(id) = self
            .contexts
            .get(&ctx)
            .and_then(|c| c.contract.clone())
            .filter(|c| format!("urn:li:contract:{c}") == contract)
        else {
            return li_error(
                StatusCode::FORBIDDEN,
                format!("contract {contract} is not this application's"),
            );
        };
        let users: Vec<String> = self
            .organizations
            .values()
            .flat_map(|o| o.contracts.iter())
            .filter(|c| c["id"] == id.as_str())
            .filter_map(|c| c["users"].as_object())
            .flat_map(|u| u.keys().cloned())
            .map(|u| u.to_lowercase())
            .collect();
        let holders: Vec<String> = self
            .recruiter
            .members
            .iter()
            .filter(|(_, m)| users.contains(&text(m, "email").to_lowercase()))
            .map(|(id, _)| id.clone())
            .collect();
        let start: usize = q("start").and_then(|s| s.parse().ok()).unwrap_or(0);
        let count: usize = q("count")
            .and_then(|s| s.parse().ok())
            .unwrap_or(10)
            .min(100);
        let page: Vec<Value> = holders
            .iter()
            .skip(start)
            .take(count)
            .map(|m| {
                let member = &self.recruiter.members[m];
                json!({"id": seat_id(m), "member": person(m), "contract": contract,
                    "firstName": member["firstName"], "lastName": member["lastName"],
                    "state": "ACTIVE"})
            })
            .collect();
        Json(json!({"elements": page, "paging": {"start": start, "count": count}})).into_response()
    }

    /// The member a synced candidate is matched to, if any.
    pub(super) fn matched(&self, candidate: &Value) -> Option<String> {
        if let Some(m) = candidate["manualMatchedMember"].as_str() {
            return Some(m.trim_start_matches("urn:li:person:").to_string());
        }
        let unmatched: Vec<String> = candidate["unmatchedMembers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.trim_start_matches("urn:li:person:").to_string())
                    .collect()
            })
            .unwrap_or_default();
        let emails: Vec<String> = candidate["emailAddresses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        let name = format!(
            "{} {}",
            text(candidate, "firstName"),
            text(candidate, "lastName")
        );
        let open = self
            .recruiter
            .members
            .iter()
            .filter(|(id, _)| !unmatched.contains(id));
        let by_email = open
            .clone()
            .find(|(_, m)| emails.contains(&text(m, "email").to_lowercase()));
        by_email
            .or_else(|| open.clone().find(|(_, m)| text(m, "name") == name.trim()))
            .map(|(id, _)| id.clone())
    }

    fn candidate_of(&self, ctx: &str, id: &str) -> Option<&Value> {
        self.contexts
            .get(ctx)?
            .entities
            .get("atsCandidates")?
            .get(id)
    }

    fn describe(&self, id: &str, current: bool) -> Value {
        let m = self.recruiter.members.get(id).cloned().unwrap_or(json!({}));
        json!({"member": person(id), "name": m["name"], "headline": m["headline"],
            "title": m["title"], "company": m["company"], "current": current})
    }

    /// `GET matchedMembers?q=candidate&atsCandidateId=…&integrationContext=…`: the member
    /// the candidate is matched to (`current`), then members whose name or email is like
    /// the candidate's.
    pub(super) fn matched_members(&self, app: &str, q: &dyn Fn(&str) -> String) -> Response {
        let ctx = q("integrationContext");
        if self.context_of(app).as_deref() != Some(ctx.as_str()) {
            return li_error(StatusCode::FORBIDDEN, format!("not integrated with {ctx}"));
        }
        let Some(cand) = self.candidate_of(&ctx, &q("atsCandidateId")) else {
            return li_error(StatusCode::NOT_FOUND, "candidate not synced");
        };
        let current = self.matched(cand);
        let mut out: Vec<Value> = current.iter().map(|m| self.describe(m, true)).collect();
        let (first, last) = (text(cand, "firstName"), text(cand, "lastName"));
        for (id, m) in &self.recruiter.members {
            if Some(id) == current.as_ref() {
                continue;
            }
            let n = text(m, "name");
            if (!last.is_empty() && n.contains(&last)) || (!first.is_empty() && n.contains(&first))
            {
                out.push(self.describe(id, false));
            }
        }
        Json(json!({"elements": out})).into_response()
    }

    /// `GET memberSearch?q=criteria&title=…&company=…` (either, case-insensitive contains).
    pub(super) fn member_search(&self, q: &dyn Fn(&str) -> String) -> Response {
        let (title, company) = (q("title").to_lowercase(), q("company").to_lowercase());
        if title.is_empty() && company.is_empty() {
            return li_error(StatusCode::BAD_REQUEST, "title or company is required");
        }
        let hits: Vec<Value> = self
            .recruiter
            .members
            .iter()
            .filter(|(_, m)| title.is_empty() || text(m, "title").to_lowercase().contains(&title))
            .filter(|(_, m)| {
                company.is_empty() || text(m, "company").to_lowercase().contains(&company)
            })
            .map(|(id, _)| self.describe(id, false))
            .collect();
        Json(json!({"elements": hits})).into_response()
    }

    /// The jobs a seat sees in "export to ATS" (through the ACLs: its assignments to ACL
    /// groups, the groups' jobs) and the applications to them (past applications).
    fn seat_view(&self, ctx: &str, member: &str) -> Value {
        let urn = person(member);
        let Some(c) = self.contexts.get(ctx) else {
            return json!({"jobs": [], "applications": []});
        };
        let of = |r: &str| c.entities.get(r).cloned().unwrap_or_default();
        // Assignees are kept as "{acl}|{assignee urn}".
        let groups: Vec<String> = of("atsEntityAclAssignees")
            .keys()
            .filter_map(|k| k.split_once('|'))
            .filter(|(_, a)| *a == urn.as_str())
            .map(|(g, _)| g.to_string())
            .collect();
        let jobs: std::collections::BTreeSet<String> = of("atsEntityAcls")
            .keys()
            .filter_map(|k| k.split_once('|'))
            .filter(|(g, _)| groups.iter().any(|x| x == g))
            .map(|(_, j)| j.to_string())
            .collect();
        let apps: Vec<String> = of("atsApplications")
            .iter()
            .filter(|(_, a)| {
                a["atsJobPostingId"]
                    .as_str()
                    .is_some_and(|j| jobs.contains(j))
            })
            .map(|(k, _)| k.clone())
            .collect();
        json!({"member": urn, "jobs": jobs, "applications": apps})
    }

    /// The candidates (with their applications) shown on a member's profile in Recruiter.
    fn member_view(&self, ctx: &str, member: &str) -> Value {
        let Some(c) = self.contexts.get(ctx) else {
            return json!({"candidates": []});
        };
        let cands: Vec<String> = c
            .entities
            .get("atsCandidates")
            .into_iter()
            .flat_map(|m| m.iter())
            .filter(|(_, e)| self.matched(e).as_deref() == Some(member))
            .map(|(k, _)| k.clone())
            .collect();
        json!({"member": person(member), "candidates": cands})
    }
}

mod control;
pub(super) use control::routes;
pub use control::{Export, Stub};
