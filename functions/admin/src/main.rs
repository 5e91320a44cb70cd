//! admin Lambda: the admin HTTP API behind API Gateway's HTTP API (IAM-authorised by default,
//! a JWT authoriser optional). The routes are renkei_admin's; this file wires the stack's
//! ports and tells the router who the caller is (see caller.rs).

mod caller;

use lambda_http::{Error, run, tower::ServiceBuilder};
use renkei_admin::{AdminState, router};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let aws = renkei_aws::AwsPorts::from_env().await?;
    let state = AdminState {
        store: Arc::new(aws.store.clone()),
        secrets: Arc::new(aws.secrets.clone()),
        bus: Arc::new(aws.bus.clone()),
        clock: Arc::new(renkei_core::SystemClock),
    };
    let claim = std::env::var("RENKEI_TENANT_CLAIM").unwrap_or_else(|_| "custom:tenant".into());
    let app = ServiceBuilder::new()
        .map_request(move |req| caller::identify(req, &claim))
        .service(router(state));
    run(app).await
}
