//! The admin API's request decoding, through its router on the embedded backend with one
//! seeded tenant (`acme`), as the operator: path, query and JSON body from the input. No
//! request, however malformed, may answer 5xx (a 500 is a panic or an unhandled case).
//!
//! Input: `METHOD-BYTE path?query \n body`. A few routes call vendors (connect, LinkedIn,
//! HRBrain jobs); a request that takes longer than the timeout is dropped, so the target
//! never waits on the network.
#![no_main]

use axum::body::Body;
use axum::http::{Method, Request};
use libfuzzer_sys::fuzz_target;
use renkei_admin::{AdminState, Caller, router};
use renkei_core::repo::{Repo, Role, TenantUser};
use renkei_core::{SystemClock, TenantId};
use renkei_local::{FileStore, InProcessBus};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower::ServiceExt;

struct World {
    rt: tokio::runtime::Runtime,
    app: axum::Router,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = FileStore::open(&dir.path().join("state.redb")).expect("store");
        let secrets = store.secrets();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let user = TenantUser {
                email: "admin@acme.example".into(),
                roles: vec![Role::Admin],
            };
            let acme = TenantId::new("acme").expect("tenant id");
            Repo::new(&store)
                .put_user(&acme, &user)
                .await
                .expect("seed");
        });
        let state = AdminState {
            store: Arc::new(store),
            secrets: Arc::new(secrets),
            bus: Arc::new(InProcessBus::default()),
            clock: Arc::new(SystemClock),
            recovery: renkei_core::ports::RecoveryWindow::DEFAULT,
            // As a deployed stack: no fuzzed URL may make the admin function call out.
            outbound: renkei_core::outbound::OutboundPolicy::default(),
            console: Arc::new(renkei_admin::ConsoleConfig::iam()),
        };
        let app = router(state).layer(axum::Extension(Caller::Operator));
        World { rt, app, _dir: dir }
    })
}

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else {
        return;
    };
    let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let Ok(target) = std::str::from_utf8(&rest[..split]) else {
        return;
    };
    let body = rest.get(split + 1..).unwrap_or_default().to_vec();
    let Ok(req) = Request::builder()
        .method(METHODS[usize::from(m) % METHODS.len()].clone())
        .uri(format!("/v1/tenants/{target}"))
        .header("content-type", "application/json")
        .body(Body::from(body))
    else {
        return;
    };
    let w = world();
    let answer = w.rt.block_on(async {
        tokio::time::timeout(Duration::from_millis(250), w.app.clone().oneshot(req)).await
    });
    if let Ok(Ok(resp)) = answer {
        assert!(
            !resp.status().is_server_error(),
            "{} answered {}",
            target,
            resp.status()
        );
    }
});
