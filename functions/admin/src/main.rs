//! admin Lambda: the admin HTTP API behind API Gateway's HTTP API (IAM-authorised by default,
//! a JWT authoriser optional). The routes are renkei_admin's; this file wires the stack's
//! ports, refuses requests that did not come through the stack's own API and tells the
//! router who the caller is (see caller.rs).

mod caller;

use axum::response::IntoResponse;
use lambda_http::tower::{ServiceExt, service_fn};
use lambda_http::{Error, Request, run};
use renkei_admin::{AdminState, ConsoleConfig, router};
use renkei_aws::config::{AdminConfig, process_env};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    // All read once here, from the one environment getter: the stack's part by the shared
    // loader, who may call and how the console signs in by their own types (their rules are
    // the admin API's), so a missing variable stops the function before it serves anything.
    let config = AdminConfig::from_vars(process_env)?;
    let gate = Arc::new(caller::Gate::from_vars(process_env)?);
    let console = Arc::new(ConsoleConfig::from_vars(process_env)?);
    let aws = renkei_aws::AwsPorts::from_config(&config.stack, &config.mail_from).await;
    let state = AdminState {
        store: Arc::new(aws.store.clone()),
        secrets: Arc::new(aws.secrets.clone()),
        bus: Arc::new(aws.bus.clone()),
        clock: Arc::new(renkei_core::SystemClock),
        recovery: config.recovery,
        outbound: config.outbound,
        console,
    };
    let app = router(state);
    run(service_fn(move |req: Request| {
        let (gate, app) = (gate.clone(), app.clone());
        async move {
            match gate.admit(req) {
                Ok(req) => app.oneshot(req).await,
                Err(refused) => Ok(refused.into_response()),
            }
        }
    }))
    .await
}
