//! Personio's published OpenAPI spec (docs/specs/personio-recruiting-api.yaml, a copy of
//! ../shared/specs/), compiled once: the simulator validates every request body against
//! it, and tests validate the simulator's answers with the same validators. A request
//! that does not conform is answered 400 and recorded, so no test can pass with a request
//! Personio would not take.

use serde_json::{Value, json};
use std::sync::OnceLock;

/// The spec as published.
pub const SPEC_YAML: &str = include_str!("../../../../docs/specs/personio-recruiting-api.yaml");

/// The spec as JSON.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_yaml::from_str(SPEC_YAML).unwrap_or(Value::Null))
}

/// A validator for one of the spec's component schemas (`submit_application`,
/// `uploaded_document`, `error_response`), resolving its `$ref`s within the spec.
pub fn validator(schema: &str) -> Result<jsonschema::Validator, String> {
    let mut root = spec().clone();
    let Value::Object(map) = &mut root else {
        return Err("the spec did not load".into());
    };
    map.remove("paths");
    map.insert(
        "$ref".into(),
        json!(format!("#/components/schemas/{schema}")),
    );
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| format!("schema {schema}: {e}"))
}

/// Where `value` breaks `schema`: each violation as (instance path, message); empty when it
/// conforms.
pub fn violations(schema: &str, value: &Value) -> Vec<(String, String)> {
    static CACHE: OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
    > = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let v = {
        let mut c = cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = c.get(schema) {
            v.clone()
        } else {
            match validator(schema) {
                Ok(v) => {
                    let v = std::sync::Arc::new(v);
                    c.insert(schema.to_string(), v.clone());
                    v
                }
                Err(e) => return vec![(String::new(), e)],
            }
        }
    };
    v.iter_errors(value)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect()
}

/// The error codes of the spec's `error_response` table.
pub fn error_codes() -> Vec<String> {
    let text = spec()["components"]["schemas"]["error_response"]["description"]
        .as_str()
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let cell = l.split('|').nth(1)?.trim();
            (cell.starts_with("errors.") || cell.starts_with("feature.")).then(|| cell.to_string())
        })
        .collect()
}
