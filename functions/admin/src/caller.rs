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
