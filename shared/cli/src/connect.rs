//! `renkei connect <connector> <tenant> <connection> --set key=value --secret field=value`:
//! connecting any registered connector through its own setup
//! ([`renkei_core::engine::ConnectorFactory::setup`]), the values typed by the connector's
//! settings schema. The connector-specific verbs (`hrbrain connect`, `linkedin connect`, …)
//! remain where their flags say more than the schema does.

use crate::backend::{Backend, Requested};
use crate::settings::{insert, secret_values, split};
use renkei_core::engine::{SyncRequested, Trigger};
use renkei_core::setup::{SetupEnv, SetupError, SetupRequest};
use serde_json::{Map, Value};

/// What `renkei connect` takes.
#[derive(clap::Args)]
pub struct ConnectArgs {
    /// The connector (`renkei connectors` lists them with their settings).
    pub connector: String,
    /// Tenant id.
    #[arg(value_parser = crate::args::tenant)]
    pub tenant: String,
    /// The new connection's id.
    #[arg(value_parser = crate::args::connection)]
    pub connection: String,
    /// A setting, `key=value` (a dotted key reaches into an object: `gender_map.male=男性`);
    /// a value is text where the connector's schema takes text, JSON otherwise.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub settings: Vec<String>,
    /// A credential field, `field=value` (`@-` reads it from stdin, `@env:NAME` from the
    /// environment).
    #[arg(long = "secret", value_name = "FIELD=VALUE")]
    pub secret: Vec<String>,
    /// Where the stack receives webhooks (output WebhooksUrl), for a connector whose vendor
    /// calls back to an address made when connecting.
    #[arg(long)]
    pub webhook_base: Option<String>,
}

/// Connects, prints the connection, and asks for a run at once when the connector needs
/// one before its first sync.
pub async fn connect(b: &Backend, args: ConnectArgs, json: bool) -> Result<(), String> {
    let (t, c) = crate::ids(&args.tenant, &args.connection)?;
    let factory = b.registry.get(&args.connector).ok_or_else(|| {
        format!(
            "no connector {:?}; one of {}",
            args.connector,
            b.registry.names().join(", ")
        )
    })?;
    let schema = factory.schema().map(|s| s.settings_json_schema());
    let settings = settings_values(&args.settings, schema.as_ref())?;
    let secret = Value::Object(secret_values(&args.secret, &mut std::io::stdin())?);
    if let Some(schema) = factory.schema() {
        let refused = b.outbound.problems(&schema.endpoints(&settings));
        if !refused.is_empty() {
            return Err(crate::problems(renkei_core::setup::SetupProblems(refused)));
        }
    }
    let env = SetupEnv {
        store: b.store.as_ref(),
        secrets: b.secrets.as_ref(),
        now: b.clock.now(),
    };
    let request = SetupRequest {
        tenant: t.clone(),
        connection: c.clone(),
        settings,
        secret,
        webhook_base: args.webhook_base,
        own_url: None,
    };
    let connected = factory.setup(env, request).await.map_err(|e| match e {
        SetupError::Problems(p) => crate::problems(p),
        other => other.to_string(),
    })?;
    let conn = &connected.connection;
    let ran = if connected.run_at_once {
        let event = SyncRequested {
            trigger: Trigger::Person,
            ..SyncRequested::new(t, c, factory.name())
        };
        Some(b.request(event).await?)
    } else {
        None
    };
    if json {
        println!(
            "{:#}",
            serde_json::json!({
                "tenant_id": conn.tenant_id,
                "connection_id": conn.connection_id,
                "connector": conn.connector,
                "next_run_at": conn.next_run_at.to_rfc3339(),
            })
        );
    } else {
        println!(
            "connected: {} ({}), next run at {}",
            conn.connection_id, conn.connector, conn.next_run_at
        );
        match ran {
            Some(Requested::Ran(_)) => println!("its first run is done"),
            Some(Requested::Queued) => println!("its first run is requested"),
            None => {}
        }
    }
    Ok(())
}

/// `key=value` pairs as the settings object, each value typed by `schema` (the connector's
/// settings JSON Schema): text where the key takes text (a company id `12345` stays text),
/// JSON where it takes a number, a flag, a list or an object, JSON-or-text where the
/// schema does not say.
fn settings_values(pairs: &[String], schema: Option<&Value>) -> Result<Value, String> {
    let mut settings = Value::Object(Map::new());
    for pair in pairs {
        let (key, raw) = split(pair)?;
        let value = match schema.map(|s| takes_text(s, key)) {
            Some(Some(true)) => Value::String(raw.to_string()),
            _ => serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string())),
        };
        insert(&mut settings, key, value)?;
    }
    Ok(settings)
}

/// Whether the dotted `key` of an object that `schema` describes takes text only; None when
/// the schema does not say.
fn takes_text(schema: &Value, key: &str) -> Option<bool> {
    let mut node = schema;
    for part in key.split('.') {
        let here = resolve(schema, node);
        node = here
            .get("properties")
            .and_then(|p| p.get(part))
            .or_else(|| here.get("additionalProperties").filter(|a| a.is_object()))?;
    }
    let mut types = Vec::new();
    collect_types(schema, node, &mut types);
    let typed: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    (!typed.is_empty()).then(|| typed.iter().all(|t| *t == "string"))
}

/// `node` with a `$ref` followed to the schema's definitions.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| root.pointer(pointer))
        .unwrap_or(node)
}

fn collect_types<'a>(root: &'a Value, node: &'a Value, out: &mut Vec<&'a str>) {
    let node = resolve(root, node);
    match node.get("type") {
        Some(Value::String(t)) => out.push(t),
        Some(Value::Array(ts)) => out.extend(ts.iter().filter_map(Value::as_str)),
        _ => {}
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for branch in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_types(root, branch, out);
        }
    }
    if node.get("enum").is_some() && node.get("type").is_none() {
        out.push("string");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        renkei_connectors::factory("roumumate-kaonavi")
            .and_then(|f| f.schema())
            .map(|s| s.settings_json_schema())
            .expect("C2 has a schema")
    }

    #[test]
    fn s30_2_a_setting_is_typed_by_the_connectors_schema() {
        let s = schema();
        let v = settings_values(
            &[
                "kaonavi_url=http://127.0.0.1:1/kaonavi".into(),
                "gender_map.male=男性".into(),
            ],
            Some(&s),
        )
        .unwrap();
        assert_eq!(v["kaonavi_url"], "http://127.0.0.1:1/kaonavi");
        assert_eq!(v["gender_map"]["male"], "男性");
    }

    #[test]
    fn s30_2_a_value_of_an_unknown_key_is_json_or_text() {
        let v = settings_values(&["n=3".into(), "t=three".into()], None).unwrap();
        assert_eq!(v["n"], 3);
        assert_eq!(v["t"], "three");
    }
}
