//! `GET /v1/connectors`: every connector of the stack with the JSON Schemas of its settings
//! and secret, generated from the connector's own types — what a form to connect or to change
//! a connection is made from (issue 30 item 1, the console of issue 31). Not tenant data: any
//! authenticated caller may read it.

use crate::{AdminState, Caller};
use axum::Json;
use axum::Router;
use axum::routing::get;
use serde::Serialize;
use serde_json::Value;

pub(crate) fn routes() -> Router<AdminState> {
    Router::new().route("/v1/connectors", get(connectors))
}

/// One connector as forms see it.
#[derive(Debug, Serialize)]
struct ConnectorView {
    /// Its name (`roumumate-kaonavi`).
    name: &'static str,
    /// The vendors it connects.
    vendors: &'static [&'static str],
    /// JSON Schema of its settings; absent for a connector whose connections are not
    /// changed by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    settings_schema: Option<Value>,
    /// JSON Schema of its secret (write-only: never answered back).
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_schema: Option<Value>,
    /// Settings renkei keeps itself, each with why: shown, never asked for.
    managed_settings: Vec<Managed>,
}

#[derive(Debug, Serialize)]
struct Managed {
    key: &'static str,
    why: &'static str,
}

#[derive(Debug, Serialize)]
struct Connectors {
    items: Vec<ConnectorView>,
}

async fn connectors(_caller: Caller) -> Json<Connectors> {
    let items = renkei_connectors::registry()
        .iter()
        .map(|f| {
            let schema = f.schema();
            ConnectorView {
                name: f.name(),
                vendors: f.vendors(),
                settings_schema: schema.as_ref().map(|s| s.settings_json_schema()),
                secret_schema: schema.as_ref().map(|s| s.secret_json_schema()),
                managed_settings: schema
                    .as_ref()
                    .map(|s| {
                        s.managed_with_why()
                            .iter()
                            .map(|&(key, why)| Managed { key, why })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    Json(Connectors { items })
}
