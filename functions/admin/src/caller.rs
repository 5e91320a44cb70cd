//! Who the caller is, from API Gateway's request context: a JWT authoriser's claims name the
//! tenants the caller may act on (claim `RENKEI_TENANT_CLAIM`, default `custom:tenant`,
//! several separated by commas or spaces); otherwise the route is IAM-authorised and the
//! caller is an operator of the stack. A request with neither gets no identity (401).

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use renkei_admin::Caller;

/// Sets the [`Caller`] on `req` for the router.
pub fn identify(mut req: Request, claim: &str) -> Request {
    let caller = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref().and_then(|a| {
            if let Some(jwt) = &a.jwt {
                let tenants = jwt
                    .claims
                    .get(claim)
                    .map(|v| {
                        v.split([',', ' '])
                            .filter(|t| !t.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                Some(Caller::Tenants(tenants))
            } else {
                a.iam.as_ref().map(|_| Caller::Operator)
            }
        }),
        _ => None,
    };
    if let Some(caller) = caller {
        req.extensions_mut().insert(caller);
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An HTTP API (payload 2.0) event as API Gateway sends it, with `authorizer`.
    fn event(authorizer: &str) -> Request {
        let json = format!(
            r#"{{"version":"2.0","routeKey":"ANY /v1/{{proxy+}}","rawPath":"/v1/tenants/demo-co/connections",
            "rawQueryString":"","headers":{{"host":"x"}},
            "requestContext":{{"accountId":"123456789012","apiId":"api","domainName":"x","domainPrefix":"x",
            "http":{{"method":"GET","path":"/v1/tenants/demo-co/connections","protocol":"HTTP/1.1","sourceIp":"1.2.3.4","userAgent":"t"}},
            "requestId":"r","routeKey":"ANY /v1/{{proxy+}}","stage":"$default","time":"22/Nov/2026:10:00:00 +0000","timeEpoch":0,
            "authorizer":{authorizer}}},"isBase64Encoded":false}}"#
        );
        lambda_http::request::from_str(&json).expect("an HTTP API event")
    }

    fn caller(req: &Request) -> Option<Caller> {
        req.extensions().get::<Caller>().cloned()
    }

    #[test]
    fn a_jwt_caller_may_act_on_the_tenants_its_claim_names_only() {
        let req = identify(
            event(r#"{"jwt":{"claims":{"custom:tenant":"demo-co, other-co"},"scopes":null}}"#),
            "custom:tenant",
        );
        assert_eq!(
            caller(&req),
            Some(Caller::Tenants(vec!["demo-co".into(), "other-co".into()]))
        );
        let no_claim = identify(
            event(r#"{"jwt":{"claims":{"sub":"u"},"scopes":null}}"#),
            "custom:tenant",
        );
        assert_eq!(caller(&no_claim), Some(Caller::Tenants(vec![])));
    }

    #[test]
    fn an_iam_caller_is_an_operator_and_no_authoriser_is_no_identity() {
        let iam = identify(
            event(
                r#"{"iam":{"accessKey":"AKIA","accountId":"123456789012","callerId":"c","principalOrgId":null,"userArn":"arn:aws:iam::123456789012:user/ops","userId":"u"}}"#,
            ),
            "custom:tenant",
        );
        assert_eq!(caller(&iam), Some(Caller::Operator));
        let none = identify(event("null"), "custom:tenant");
        assert_eq!(caller(&none), None, "the router answers 401");
    }
}
