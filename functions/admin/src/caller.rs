//! Who the caller is, from API Gateway's request context — once the request is known to
//! have come through the stack's own API.
//!
//! The request context is whatever the invoker put in the event: anyone in the account
//! allowed to invoke the function directly could write `"authorizer": {"iam": …}` and pass
//! as an operator. So the context's API id and stage must be the stack's AdminApi and its
//! stage (`RENKEI_ADMIN_API_ID`, `RENKEI_ADMIN_API_STAGE`, set by both templates from the
//! API resource) before the authoriser's verdict is believed; a direct invocation copying a
//! real event still cannot forge the id without knowing it, and the function's resource
//! policy (AdminInvokePermission) admits API Gateway only for that API.
//!
//! Then: a JWT authoriser's claims name the tenants the caller may act on, or an operator (renkei_admin::claim);
//! otherwise the route is IAM-authorised and the caller is an operator of the stack. A
//! request with neither gets no identity (401 from the router).

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use renkei_admin::claim::TenantClaim;
use renkei_admin::{Caller, Problem};

/// The stage the templates create (`AdminStage`).
pub const DEFAULT_STAGE: &str = "$default";

/// What a request must show to be believed, and how its tenants are read.
#[derive(Debug, Clone)]
pub struct Gate {
    /// The stack's AdminApi id.
    pub api_id: String,
    /// The AdminApi stage.
    pub stage: String,
    /// The JWT claim naming tenants.
    pub claim: TenantClaim,
}

/// The function's configuration is missing or wrong: it cannot tell its own API from a
/// forgery, or who is an operator (Permanent: the templates set it).
#[derive(Debug, thiserror::Error)]
pub enum MissingConfig {
    /// A variable the template sets from the AdminApi resource is not set.
    #[error("{0} is not set (Permanent: the template sets it from the AdminApi resource)")]
    Unset(&'static str),
    /// A variable's value cannot be used.
    #[error("{0} (Permanent: a stack parameter is wrong)")]
    Bad(String),
}

impl Gate {
    /// From `get` (an environment).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, MissingConfig> {
        let var = |name| get(name).filter(|v| !v.is_empty());
        Ok(Self {
            api_id: var("RENKEI_ADMIN_API_ID")
                .ok_or(MissingConfig::Unset("RENKEI_ADMIN_API_ID"))?,
            stage: var("RENKEI_ADMIN_API_STAGE").unwrap_or_else(|| DEFAULT_STAGE.into()),
            claim: TenantClaim::new(&var("RENKEI_TENANT_CLAIM").unwrap_or_default())
                .with_operator_group(&var("RENKEI_OPERATOR_GROUP").unwrap_or_default())
                .map_err(|e| MissingConfig::Bad(e.to_string()))?,
        })
    }

    /// `req` with its [`Caller`] set, or a 403 when it did not come through the stack's
    /// API (logged: someone invoked the function directly).
    pub fn admit(&self, mut req: Request) -> Result<Request, Problem> {
        let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref() else {
            tracing::warn!("refused: the request has no HTTP API request context");
            return Err(Problem::forbidden(
                "the request did not come through the admin API",
            ));
        };
        let (api, stage) = (ctx.apiid.as_deref(), ctx.stage.as_deref());
        if api != Some(self.api_id.as_str()) || stage != Some(self.stage.as_str()) {
            tracing::warn!(
                api_id = api.unwrap_or_default(),
                stage = stage.unwrap_or_default(),
                request_id = ctx.request_id.as_deref().unwrap_or_default(),
                "refused: a request that did not come through the stack's admin API"
            );
            return Err(Problem::forbidden(
                "the request did not come through the admin API",
            ));
        }
        let caller = ctx.authorizer.as_ref().and_then(|a| {
            if let Some(jwt) = &a.jwt {
                let value = jwt.claims.get(self.claim.name()).map(String::as_str);
                Some(self.claim.caller(value))
            } else {
                a.iam.as_ref().map(|_| Caller::Operator)
            }
        });
        if let Some(caller) = caller {
            req.extensions_mut().insert(caller);
        }
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IAM: &str = r#"{"iam":{"accessKey":"AKIA","accountId":"123456789012","callerId":"c","principalOrgId":null,"userArn":"arn:aws:iam::123456789012:user/ops","userId":"u"}}"#;

    /// An HTTP API (payload 2.0) event as API Gateway sends it, from API `api_id`.
    fn event_from(api_id: &str, stage: &str, authorizer: &str) -> Request {
        let json = format!(
            r#"{{"version":"2.0","routeKey":"ANY /v1/{{proxy+}}","rawPath":"/v1/tenants/demo-co/connections",
            "rawQueryString":"","headers":{{"host":"x"}},
            "requestContext":{{"accountId":"123456789012","apiId":"{api_id}","domainName":"x","domainPrefix":"x",
            "http":{{"method":"GET","path":"/v1/tenants/demo-co/connections","protocol":"HTTP/1.1","sourceIp":"1.2.3.4","userAgent":"t"}},
            "requestId":"r","routeKey":"ANY /v1/{{proxy+}}","stage":"{stage}","time":"22/Nov/2026:10:00:00 +0000","timeEpoch":0,
            "authorizer":{authorizer}}},"isBase64Encoded":false}}"#
        );
        lambda_http::request::from_str(&json).expect("an HTTP API event")
    }

    fn event(authorizer: &str) -> Request {
        event_from("api", "$default", authorizer)
    }

    fn gate(claim: &str) -> Gate {
        Gate {
            api_id: "api".into(),
            stage: DEFAULT_STAGE.into(),
            claim: TenantClaim::new(claim),
        }
    }

    fn caller(req: &Request) -> Option<Caller> {
        req.extensions().get::<Caller>().cloned()
    }

    #[test]
    fn a_jwt_caller_may_act_on_the_tenants_its_claim_names_only() {
        let req = gate("custom:tenant")
            .admit(event(
                r#"{"jwt":{"claims":{"custom:tenant":"demo-co, other-co"},"scopes":null}}"#,
            ))
            .unwrap();
        assert_eq!(
            caller(&req),
            Some(Caller::Tenants(vec!["demo-co".into(), "other-co".into()]))
        );
        let no_claim = gate("custom:tenant")
            .admit(event(r#"{"jwt":{"claims":{"sub":"u"},"scopes":null}}"#))
            .unwrap();
        assert_eq!(caller(&no_claim), Some(Caller::Tenants(vec![])));
    }

    #[test]
    fn s28_6_by_default_tenants_come_from_cognito_groups_sent_as_a_list() {
        let req = gate("")
            .admit(event(
                r#"{"jwt":{"claims":{"cognito:groups":"[tenant:demo-co admins]","custom:tenant":"other-co"},"scopes":null}}"#,
            ))
            .unwrap();
        assert_eq!(
            caller(&req),
            Some(Caller::Tenants(vec!["demo-co".into()])),
            "the user-writable custom:tenant grants nothing by default"
        );
    }

    #[test]
    fn an_iam_caller_is_an_operator_and_no_authoriser_is_no_identity() {
        let iam = gate("").admit(event(IAM)).unwrap();
        assert_eq!(caller(&iam), Some(Caller::Operator));
        let none = gate("").admit(event("null")).unwrap();
        assert_eq!(caller(&none), None, "the router answers 401");
    }

    #[test]
    fn s28_7_a_request_from_another_api_or_stage_is_refused_403() {
        for (api, stage) in [("other", "$default"), ("api", "test"), ("", "$default")] {
            let refused = gate("").admit(event_from(api, stage, IAM)).unwrap_err();
            assert_eq!(refused.status, 403, "api {api:?} stage {stage:?}");
        }
    }

    #[test]
    fn s28_7_a_direct_invocation_without_an_http_api_context_is_refused_403() {
        let direct = Request::new(lambda_http::Body::Empty);
        assert_eq!(gate("").admit(direct).unwrap_err().status, 403);
    }

    #[test]
    fn s28_7_the_api_id_is_required_configuration() {
        assert!(Gate::from_vars(|_| None).is_err());
        let set = Gate::from_vars(|n| (n == "RENKEI_ADMIN_API_ID").then(|| "abc123".into()));
        let set = set.unwrap();
        assert_eq!(
            (set.api_id.as_str(), set.stage.as_str()),
            ("abc123", "$default")
        );
        assert_eq!(set.claim.name(), "cognito:groups");
    }
}
