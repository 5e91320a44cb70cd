//! Onboarding as LinkedIn documents it (customer-configuration, integration-types; Postman
//! module 1), on the simulator's side:
//!
//! - a customer's admin pre-authorizes integrations in the ATS Integration Configuration
//!   Plugin (widget.rs: only for an eligible contract, by a member with admin or
//!   product-settings permission, on a page whose origin the child registered); they stay
//!   PENDING for `activation_checks` reads, then turn ENABLED (FAILED with
//!   `fail_activation`) — the status field is assumed, LinkedIn names none;
//! - the child reads them with a batch GET (`ids[i].integrationContext…`) or by the request
//!   id of an INTEGRATION_STATUS_CHANGE notification (`q=request`), names them
//!   (`batch_partial_update` of `integrationName`) and sets CALLBACK_URL on ONE_CLICK_EXPORT
//!   (`atsIntegrations/{key}/configurations`, `batch_update`; https on port 80/443, one per
//!   customer; plain http on loopback for the sandbox);
//! - the calls renkei once invented are refused with LinkedIn's error shape.
//!
//! What the customer does (the widget's save, a switch in Recruiter) and the notice it posts
//! are in onboarding/customer.rs; this file answers the child application's calls.

mod customer;

// widget.rs names these here.
pub(super) use customer::{BUNDLES, post};

use super::*;

/// The simulator's onboarding state.
#[derive(Default)]
pub(crate) struct State {
    /// Child application id → its registration (partner.rs).
    pub(super) children: HashMap<String, partner::Registration>,
    /// Notification request id → the integration keys it was about.
    requests: HashMap<String, Vec<(String, String)>>,
    /// Widget session → (child application, page origin, expiry) (widget.rs).
    pub(super) sessions: HashMap<String, (String, String, DateTime<Utc>)>,
}

fn key_string(ctx: &str, kind: &str) -> String {
    format!("integrationContext={ctx}&integrationType={kind}&tenantType=RECRUITER&dataProvider=ATS")
}

/// `(context, type)` of a key however it is spelled, if it is an RSC key.
fn parse_key(s: &str) -> Option<(String, String)> {
    let f: HashMap<String, String> = url::form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    (f.get("tenantType")? == "RECRUITER" && f.get("dataProvider")? == "ATS")
        .then(|| {
            Some((
                f.get("integrationContext")?.clone(),
                f.get("integrationType")?.clone(),
            ))
        })
        .flatten()
}

/// The batch keys of a query (`ids[i].…`), or why they are not keys.
fn query_keys(query: &[(String, String)]) -> Result<Vec<(String, String)>, String> {
    let get = |k: String| query.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
    let mut keys = Vec::new();
    for i in 0.. {
        let field = |f: &str| get(format!("ids[{i}].{f}"));
        let Some(ctx) = field("integrationContext") else {
            break;
        };
        match (
            field("integrationType"),
            field("tenantType"),
            field("dataProvider"),
        ) {
            (Some(t), Some("RECRUITER"), Some("ATS")) => {
                keys.push((ctx.to_string(), t.to_string()));
            }
            _ => {
                return Err(format!(
                    "ids[{i}] needs integrationType, tenantType=RECRUITER and dataProvider=ATS"
                ));
            }
        }
    }
    if keys.is_empty() {
        return Err("ids[0].integrationContext… is required".into());
    }
    Ok(keys)
}

/// An entity as LinkedIn answers it (without the simulator's bookkeeping).
fn public(e: &Value) -> Value {
    let mut e = e.clone();
    if let Some(o) = e.as_object_mut() {
        o.remove("application");
    }
    e
}

fn loopback(u: &url::Url) -> bool {
    matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

impl Linkedin {
    /// The onboarding calls (`atsIntegrations` and its configurations, a child's update);
    /// None: not one of them.
    pub(super) fn onboarding(
        &mut self,
        app: &str,
        call: &Call<'_>,
        now: DateTime<Utc>,
    ) -> Option<Response> {
        let q = |k: &str| {
            call.query
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        Some(match (call.method, call.resource, call.sub) {
            (&Method::POST, "provisionedApplications", Some(urn)) => {
                self.update_child(app, urn, call.body)
            }
            (_, "atsIntegrationConfigurations", _) => li_error(
                StatusCode::NOT_FOUND,
                "atsIntegrationConfigurations is not a resource: configurations are a sub-resource of atsIntegrations ({key}/configurations)",
            ),
            (&Method::GET, "atsIntegrations", None) => match q("q").as_deref() {
                Some("request") => self.by_request(app, &q("requestId").unwrap_or_default()),
                Some(other) => li_error(
                    StatusCode::BAD_REQUEST,
                    format!("q={other} is not a finder of atsIntegrations (its finder: request)"),
                ),
                None => self.batch_get(app, call.query, now),
            },
            (&Method::POST, "atsIntegrations", None) if call.restli == "batch_partial_update" => {
                self.name(app, call)
            }
            (_, "atsIntegrations", None) => li_error(
                StatusCode::BAD_REQUEST,
                format!(
                    "{} atsIntegrations ({:?}) is not a method of atsIntegrations: customers pre-authorize integrations in LinkedIn's ATS Integration Configuration Plugin; partners name them with POST batch_partial_update",
                    call.method, call.restli
                ),
            ),
            (_, "atsIntegrations", Some(sub)) => self.configurations(app, call, sub),
            _ => return None,
        })
    }

    /// The caller's integration of `(context, type)`, if the customer pre-authorized it.
    fn integration_mut(&mut self, app: &str, ctx: &str, kind: &str) -> Option<&mut Value> {
        self.contexts
            .values_mut()
            .flat_map(|c| c.integrations.iter_mut())
            .find(|e| {
                e["integrationContext"] == ctx
                    && e["integrationType"] == kind
                    && e["application"] == app
            })
    }

    /// A read moves the caller's pending integrations on (`activation_checks`).
    fn progress(&mut self, app: &str) {
        let fail = self.limits.fail_activation;
        let Some(c) = self
            .context_of(app)
            .and_then(|ctx| self.contexts.get_mut(&ctx))
        else {
            return;
        };
        if c.checks_left > 0 {
            c.checks_left -= 1;
            return;
        }
        for e in c
            .integrations
            .iter_mut()
            .filter(|e| e["status"] == "PENDING")
        {
            e["status"] = json!(if fail { "FAILED" } else { "ENABLED" });
            if fail {
                e["message"] =
                    json!("LinkedIn could not enable this integration; contact LinkedIn support");
            }
        }
    }

    fn batch_get(
        &mut self,
        app: &str,
        query: &[(String, String)],
        _now: DateTime<Utc>,
    ) -> Response {
        let keys = match query_keys(query) {
            Ok(k) => k,
            Err(e) => return li_error(StatusCode::BAD_REQUEST, e),
        };
        self.progress(app);
        let (mut results, mut statuses, mut errors) = (Map::new(), Map::new(), Map::new());
        for (ctx, kind) in keys {
            let key = key_string(&ctx, &kind);
            match self.integration_mut(app, &ctx, &kind) {
                Some(e) => {
                    results.insert(key.clone(), public(e));
                    statuses.insert(key, json!(200));
                }
                None => {
                    errors.insert(
                        key,
                        json!({"status": 404, "serviceErrorCode": 100,
                            "message": "the customer has not pre-authorized this integration for your application"}),
                    );
                }
            }
        }
        Json(json!({"results": results, "statuses": statuses, "errors": errors})).into_response()
    }

    fn by_request(&mut self, app: &str, request: &str) -> Response {
        self.progress(app);
        let keys = self
            .onboarding
            .requests
            .get(request)
            .cloned()
            .unwrap_or_default();
        let elements: Vec<Value> = keys
            .iter()
            .filter_map(|(ctx, kind)| self.integration_mut(app, ctx, kind).map(|e| public(e)))
            .collect();
        Json(json!({"elements": elements})).into_response()
    }

    fn name(&mut self, app: &str, call: &Call<'_>) -> Response {
        let keys = match query_keys(call.query) {
            Ok(k) => k,
            Err(e) => return li_error(StatusCode::BAD_REQUEST, e),
        };
        let Some(entities) = call.body["entities"].as_object() else {
            return li_error(StatusCode::BAD_REQUEST, "the body is {\"entities\":{…}}");
        };
        let (mut results, mut errors) = (Map::new(), Map::new());
        for (answered, patch) in entities {
            let Some((ctx, kind)) = parse_key(answered).filter(|k| keys.contains(k)) else {
                errors.insert(
                    answered.clone(),
                    json!({"status": 400, "message": "the entity's key is not one of the ids"}),
                );
                continue;
            };
            let set = &patch["patch"]["$set"];
            let name = set["integrationName"].as_str().map_or("", str::trim);
            if set.as_object().is_none_or(|o| o.len() != 1) || name.is_empty() {
                errors.insert(
                    answered.clone(),
                    json!({"status": 400, "message": "partners may set integrationName (text) only: {\"patch\":{\"$set\":{\"integrationName\":…}}}"}),
                );
                continue;
            }
            match self.integration_mut(app, &ctx, &kind) {
                Some(e) => {
                    e["integrationName"] = json!(name);
                    results.insert(answered.clone(), json!({"status": 204}));
                }
                None => {
                    errors.insert(
                        answered.clone(),
                        json!({"status": 404, "message": "the customer has not pre-authorized this integration"}),
                    );
                }
            }
        }
        Json(json!({"results": results, "errors": errors})).into_response()
    }

    /// `atsIntegrations/{key}/configurations`: CALLBACK_URL (and the viewers' settings).
    fn configurations(&mut self, app: &str, call: &Call<'_>, sub: &str) -> Response {
        let Some((key, "configurations")) = sub.rsplit_once('/') else {
            return li_error(
                StatusCode::NOT_FOUND,
                format!("atsIntegrations/{sub} is not a sub-resource"),
            );
        };
        let Some((ctx, kind)) = parse_key(key) else {
            return li_error(
                StatusCode::BAD_REQUEST,
                format!("{key} is not an integration key"),
            );
        };
        if self.integration_mut(app, &ctx, &kind).is_none() {
            return li_error(
                StatusCode::NOT_FOUND,
                "the customer has not pre-authorized this integration for your application",
            );
        }
        let ids: Vec<String> = call
            .query
            .iter()
            .filter(|(n, _)| n == "ids")
            .map(|(_, v)| v.clone())
            .collect();
        let org = self.context_of(app).unwrap_or_default();
        match (call.method, call.restli) {
            (&Method::GET, _) => {
                let url = self.contexts.get(&org).and_then(|c| c.callback_url.clone());
                let mut results = Map::new();
                if let Some(u) = url.filter(|_| ids.iter().any(|i| i == "CALLBACK_URL")) {
                    results.insert(
                        "CALLBACK_URL".into(),
                        json!({"configurationValue": {"string": u}}),
                    );
                }
                Json(json!({"results": results})).into_response()
            }
            (&Method::PUT, "batch_update") => self.configure(&org, &kind, &ids, call.body),
            _ => li_error(
                StatusCode::BAD_REQUEST,
                format!(
                    "{} configurations with x-restli-method {:?} is not a method of it (batch_update)",
                    call.method, call.restli
                ),
            ),
        }
    }

    fn configure(&mut self, org: &str, kind: &str, ids: &[String], body: &Value) -> Response {
        let Some(entities) = body["entities"].as_object() else {
            return li_error(StatusCode::BAD_REQUEST, "the body is {\"entities\":{…}}");
        };
        let (mut results, mut errors) = (Map::new(), Map::new());
        for (id, e) in entities {
            let value = e["configurationValue"]["string"].as_str().unwrap_or("");
            let refused = if !ids.contains(id) {
                Some("the entity is not one of the ids".to_string())
            } else {
                match id.as_str() {
                    "CALLBACK_URL" if kind != "ONE_CLICK_EXPORT" => {
                        Some("CALLBACK_URL belongs to the ONE_CLICK_EXPORT integration".into())
                    }
                    "CALLBACK_URL" => self.callback_refusal(org, value),
                    "JOB_POSTING_VIEWERS" | "APPLICATION_VIEWERS"
                        if value == "ALL_PRODUCT_USERS" =>
                    {
                        None
                    }
                    other => Some(format!("{other}: not a configuration LinkedIn takes here")),
                }
            };
            match refused {
                Some(m) => {
                    errors.insert(id.clone(), json!({"status": 400, "message": m}));
                }
                None => {
                    if id == "CALLBACK_URL" {
                        self.contexts
                            .entry(org.to_string())
                            .or_default()
                            .callback_url = Some(value.to_string());
                    }
                    results.insert(id.clone(), json!({"status": 204}));
                }
            }
        }
        Json(json!({"results": results, "errors": errors})).into_response()
    }

    /// Why LinkedIn would refuse `url` as `org`'s CALLBACK_URL: https on port 80 or 443,
    /// never another customer's (integration-types; the sandbox takes http on loopback).
    fn callback_refusal(&self, org: &str, url: &str) -> Option<String> {
        let Ok(u) = url::Url::parse(url) else {
            return Some(format!("{url:?} is not a URL"));
        };
        let secure = u.scheme() == "https" && matches!(u.port_or_known_default(), Some(443 | 80));
        if !(secure || u.scheme() == "http" && loopback(&u)) {
            return Some("the callback URL must be secure https with port 80 or 443".into());
        }
        self.contexts
            .iter()
            .any(|(ctx, c)| ctx != org && c.callback_url.as_deref() == Some(url))
            .then(|| {
                "LinkedIn does not support re-using the same callback URL for multiple customers"
                    .into()
            })
    }
}
