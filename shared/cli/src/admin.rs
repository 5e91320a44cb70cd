//! `renkei admin serve`: the admin HTTP API of docs/openapi.yaml served on 127.0.0.1 by
//! this process, on either backend, so every operation can be tried with curl. The deployed
//! API authorises callers with IAM or JWTs at API Gateway; here nothing sits in front, so
//! every request acts as the stack's operator — which is why it binds to loopback only —
//! or, with `--as-tenant`, as a user of that one tenant (the JWT path's rules).
//! On the embedded backend, "run now" runs here: the bus is delivered every second.

use crate::backend::Backend;
use renkei_admin::{AdminState, Caller, ConsoleConfig, router};
use renkei_core::engine::Outcome;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub async fn serve(b: Backend, port: u16, as_tenant: Option<String>) -> Result<(), String> {
    let mut state = state(&b);
    // Every request here already acts as one caller: there is nobody to sign in, and the
    // console belongs to `renkei sandbox`, which has a sign-in.
    state.console = Arc::new(ConsoleConfig::unavailable(
        "renkei admin serve answers every request as one caller, without sign-in: start \
         `renkei sandbox` for the console (it prints the console's URL).",
    ));
    let (caller, who) = match as_tenant {
        Some(t) => (
            Caller::Tenants(vec![t.clone()]),
            format!("a user of tenant {t}"),
        ),
        None => (Caller::Operator, "the stack's operator".to_string()),
    };
    let app = router(state).layer(axum::Extension(caller));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .map_err(|e| format!("binding 127.0.0.1:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "admin API on http://{addr}/ (docs/openapi.yaml) — local and unauthenticated: \
         every request acts as {who}"
    );
    deliver_runs(&b);
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

/// The admin API's ports on backend `b` (the console without sign-in until the caller
/// says otherwise).
pub fn state(b: &Backend) -> AdminState {
    AdminState {
        store: b.store.clone(),
        secrets: b.secrets.clone(),
        bus: b.bus(),
        clock: b.clock.clone(),
        recovery: renkei_core::ports::RecoveryWindow::DEFAULT,
        outbound: b.outbound.clone(),
        console: Arc::new(ConsoleConfig::iam()),
    }
}

/// On the embedded backend, "run now" runs here: the bus is delivered every second, as
/// EventBridge would deliver it to the connector functions.
pub fn deliver_runs(b: &Backend) {
    let Ok(local) = b.embedded("delivering run requests") else {
        return;
    };
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            match local.deliver().await {
                Ok(outcomes) => {
                    for o in outcomes {
                        eprintln!("{}", ran(&o));
                    }
                }
                Err(e) => eprintln!("delivering run requests: {e}"),
            }
        }
    });
}

/// One line for what a delivered run request did.
fn ran(o: &Outcome) -> String {
    match o {
        Outcome::Ran(r) => format!(
            "run {} of {}/{}: {}",
            r.run_id,
            r.tenant_id,
            r.connection_id,
            r.status.as_str()
        ),
        Outcome::Skipped(why) => format!("nothing ran: {why}"),
        Outcome::Fenced(r) => format!("run {} lost its lease and stopped", r.run_id),
    }
}
