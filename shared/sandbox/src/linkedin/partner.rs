//! What only the partner's parent application may do (provisioning-api; Postman module 1):
//! find, provision and update customers' child applications — unique `uniqueForeignId`
//! (a second create is a conflict), a name of at most 50 characters without "LinkedIn", a
//! description, the member sign-in redirect URLs (`oauth2AuthorizedCallbackUrls`) and the
//! origins allowed to embed LinkedIn's widgets (`validJsSdkDomains`); a lost answer is
//! simulated. Also what a child's registration decides for a member's sign-in (the redirect
//! must be registered; Sign In with LinkedIn using OpenID Connect scopes only) and a
//! customer organization's Recruiter contracts.

use super::*;

/// A child application as its parent registered it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registration {
    pub(super) urn: String,
    pub(super) name: String,
    pub(super) redirect_urls: Vec<String>,
    pub(super) js_sdk_domains: Vec<String>,
}

/// Scopes of the deprecated Sign In with LinkedIn (v1), refused for applications created
/// after 2023-08-01 — every child application the simulator provisions.
const DEPRECATED_SCOPES: &[&str] = &["r_liteprofile", "r_emailaddress", "r_basicprofile"];

fn absolute_url(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.has_host())
}

/// `scheme://host[:port]` exactly (provisioning-api: "Remove trailing '/' from domains").
fn origin_only(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|p| {
        matches!(p.scheme(), "http" | "https")
            && p.has_host()
            && p.origin().ascii_serialization() == u
    })
}

fn strings(
    v: &Value,
    field: &str,
    ok: fn(&str) -> bool,
    want: &str,
) -> Result<Vec<String>, String> {
    match &v[field] {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => a
            .iter()
            .map(|x| match x.as_str() {
                Some(s) if ok(s) => Ok(s.to_string()),
                _ => Err(format!("{field}: {x} is not {want}")),
            })
            .collect(),
        other => Err(format!("{field} is a list of strings, not {other}")),
    }
}

fn urls(v: &Value) -> Result<(Vec<String>, Vec<String>), String> {
    Ok((
        strings(
            v,
            "oauth2AuthorizedCallbackUrls",
            absolute_url,
            "a fully qualified URL",
        )?,
        strings(
            v,
            "validJsSdkDomains",
            origin_only,
            "a fully qualified domain with its protocol and no trailing '/'",
        )?,
    ))
}

impl Linkedin {
    fn parent_only(&self, app: &str) -> Result<(), Response> {
        if self.apps.get(app).is_some_and(|a| a.parent) {
            Ok(())
        } else {
            Err(li_error(
                StatusCode::FORBIDDEN,
                "only the partner's parent application may call this",
            ))
        }
    }

    fn child_json(&self, id: &str) -> Value {
        let a = self.apps.get(id);
        let r = self
            .onboarding
            .children
            .get(id)
            .cloned()
            .unwrap_or_default();
        json!({"key": r.urn, "uniqueForeignId": a.and_then(|a| a.unique_foreign_id.clone()),
            "name": r.name, "oauth2AuthorizedCallbackUrls": r.redirect_urls,
            "validJsSdkDomains": r.js_sdk_domains,
            "credentials": {"client_id": id, "client_secret": a.map(|a| a.secret.clone())}})
    }

    pub(super) fn find_children(&self, app: &str, ufid: &str) -> Response {
        if let Err(r) = self.parent_only(app) {
            return r;
        }
        let elements: Vec<Value> = self
            .apps
            .iter()
            .filter(|(_, a)| a.unique_foreign_id.as_deref() == Some(ufid))
            .map(|(id, _)| self.child_json(id))
            .collect();
        Json(json!({"elements": elements})).into_response()
    }

    pub(super) fn provision(&mut self, app: &str, body: &Value) -> Response {
        if let Err(r) = self.parent_only(app) {
            return r;
        }
        let text = |f: &str| body[f].as_str().map(str::trim).filter(|s| !s.is_empty());
        let Some(ufid) = text("uniqueForeignId") else {
            return li_error(StatusCode::BAD_REQUEST, "uniqueForeignId is required");
        };
        let Some(name) = text("name") else {
            return li_error(StatusCode::BAD_REQUEST, "name is required");
        };
        if name.chars().count() > 50 {
            return li_error(StatusCode::BAD_REQUEST, "name: at most 50 characters");
        }
        if name.to_lowercase().contains("linkedin") {
            return li_error(
                StatusCode::BAD_REQUEST,
                "name: usage of \"LinkedIn\" in the name is not supported",
            );
        }
        if text("description").is_none() {
            return li_error(StatusCode::BAD_REQUEST, "description is required");
        }
        let (redirect_urls, js_sdk_domains) = match urls(body) {
            Ok(u) => u,
            Err(e) => return li_error(StatusCode::BAD_REQUEST, e),
        };
        if self
            .apps
            .values()
            .any(|a| a.unique_foreign_id.as_deref() == Some(ufid))
        {
            return li_error(
                StatusCode::CONFLICT,
                format!("an application with uniqueForeignId {ufid} exists already"),
            );
        }
        let n = self.next();
        let id = format!("child-{n}");
        self.apps.insert(
            id.clone(),
            App {
                secret: format!("secret-{}", fastrand::u64(..)),
                unique_foreign_id: Some(ufid.to_string()),
                ..App::default()
            },
        );
        self.onboarding.children.insert(
            id.clone(),
            Registration {
                urn: format!("urn:li:developerApplication:{}", 700_000 + n),
                name: name.to_string(),
                redirect_urls,
                js_sdk_domains,
            },
        );
        if self.lose_answers > 0 {
            // Created, but the answer never arrives.
            self.lose_answers -= 1;
            return li_error(StatusCode::GATEWAY_TIMEOUT, "upstream request timeout");
        }
        (StatusCode::CREATED, Json(self.child_json(&id))).into_response()
    }

    /// `POST provisionedApplications/{urn}` `{"patch":{"$set":{…}}}`: a parent changes its
    /// own child's redirect URLs and widget origins.
    pub(super) fn update_child(&mut self, app: &str, urn: &str, body: &Value) -> Response {
        if let Err(r) = self.parent_only(app) {
            return r;
        }
        let Some(set) = body["patch"]["$set"].as_object() else {
            return li_error(
                StatusCode::BAD_REQUEST,
                "the body is a partial update: {\"patch\":{\"$set\":{…}}}",
            );
        };
        if let Some(other) = set.keys().find(|k| {
            !matches!(
                k.as_str(),
                "oauth2AuthorizedCallbackUrls" | "validJsSdkDomains"
            )
        }) {
            return li_error(
                StatusCode::BAD_REQUEST,
                format!("{other} cannot be changed here"),
            );
        }
        let (redirects, domains) = match urls(&Value::Object(set.clone())) {
            Ok(u) => u,
            Err(e) => return li_error(StatusCode::BAD_REQUEST, e),
        };
        let Some(r) = self.onboarding.children.values_mut().find(|r| r.urn == urn) else {
            return li_error(StatusCode::NOT_FOUND, format!("no application {urn}"));
        };
        if set.contains_key("oauth2AuthorizedCallbackUrls") {
            r.redirect_urls = redirects;
        }
        if set.contains_key("validJsSdkDomains") {
            r.js_sdk_domains = domains;
        }
        StatusCode::NO_CONTENT.into_response()
    }

    pub(super) fn contracts(&self, app: &str, organization: &str) -> Response {
        if let Err(r) = self.parent_only(app) {
            return r;
        }
        let org = organization.trim_start_matches("urn:li:organization:");
        let list = self
            .organizations
            .get(org)
            .map(|o| o.contracts.clone())
            .unwrap_or_default();
        Json(json!({"elements": list})).into_response()
    }

    /// Why LinkedIn would not start a member's sign-in to `client_id` at `redirect_uri`
    /// with `scope`, if it would not: the redirect must be one the child registered, and a
    /// new application gets Sign In with LinkedIn using OpenID Connect only (`openid`,
    /// `profile`, `email`).
    pub(crate) fn sign_in_refusal(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scope: &str,
    ) -> Option<String> {
        if let Some(r) = self.onboarding.children.get(client_id)
            && !r.redirect_urls.iter().any(|u| u == redirect_uri)
        {
            return Some(format!(
                "The redirect_uri does not match the registered value ({redirect_uri})"
            ));
        }
        let scopes: Vec<&str> = scope.split([' ', ',']).filter(|s| !s.is_empty()).collect();
        if let Some(old) = scopes.iter().find(|s| DEPRECATED_SCOPES.contains(s)) {
            return Some(format!(
                "unauthorized_scope_error: Scope \"{old}\" is not authorized for your application"
            ));
        }
        if !scopes.contains(&"openid") {
            return Some("unauthorized_scope_error: the scope must include openid".into());
        }
        None
    }

    /// Whether `origin` may embed LinkedIn's widgets with `client_id` (its validJsSdkDomains).
    pub(super) fn widget_origin_allowed(&self, client_id: &str, origin: &str) -> bool {
        self.onboarding
            .children
            .get(client_id)
            .is_some_and(|r| r.js_sdk_domains.iter().any(|d| d == origin))
    }
}
