//! admin Lambda: the admin HTTP API behind API Gateway's HTTP API (IAM-authorised by default,
//! a JWT authoriser optional). The routes are renkei_admin's; this file wires the stack's
//! ports, refuses requests that did not come through the stack's own API and tells the
//! router who the caller is (see caller.rs).

mod caller;

use axum::response::IntoResponse;
use lambda_http::tower::{ServiceExt, service_fn};
use lambda_http::{Error, Request, run};
use renkei_admin::{AdminState, ConsoleConfig, router};
use renkei_core::ports::RecoveryWindow;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let gate = Arc::new(caller::Gate::from_env()?);
    let aws = renkei_aws::AwsPorts::from_env().await?;
    let state = AdminState {
        store: Arc::new(aws.store.clone()),
        secrets: Arc::new(aws.secrets.clone()),
        bus: Arc::new(aws.bus.clone()),
        clock: Arc::new(renkei_core::SystemClock),
        recovery: recovery_window()?,
        outbound: renkei_aws::lambda::outbound_policy(),
        console: Arc::new(ConsoleConfig::from_env()?),
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

/// The stack's SecretRecoveryDays (default 7): how long a disconnected secret stays
/// restorable.
fn recovery_window() -> Result<RecoveryWindow, Error> {
    match std::env::var("RENKEI_SECRET_RECOVERY_DAYS") {
        Err(_) => Ok(RecoveryWindow::DEFAULT),
        Ok(days) => {
            let days = days
                .parse()
                .map_err(|_| format!("RENKEI_SECRET_RECOVERY_DAYS: {days:?} is not a number"))?;
            Ok(RecoveryWindow::days(days)?)
        }
    }
}
