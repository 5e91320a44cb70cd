//! The Lambda loops: every connector's `main.rs` is one call to [`serve_connector`] with its
//! factory, and functions/webhooks one call to [`serve_webhooks`]. Events are decoded with
//! aws_lambda_events' types here; what happens with them is renkei-core's (handler, webhook).

use crate::AwsPorts;
use crate::config::{ConnectorConfig, WebhooksConfig};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::http::{HeaderMap, HeaderValue, header::CONTENT_TYPE};
use aws_lambda_events::lambda_function_urls::{
    LambdaFunctionUrlRequest, LambdaFunctionUrlResponse,
};
use base64::Engine as _;
use lambda_runtime::{Diagnostic, Error, LambdaEvent, run, service_fn};
use renkei_core::connector::SyncRequested;
use renkei_core::engine::{ConnectorFactory, EngineConfig};
use renkei_core::handler::{HandlerError, answer_sync_request};
use renkei_core::outbound::OutboundPolicy;
use renkei_core::webhook::{Ingress, IngressConfig, IngressPorts, WebhookRequest, WebhookResponse};
use renkei_core::{Registry, SystemClock};
use serde::Serialize;
use serde_json::Value;

/// The SyncRequested an EventBridge event carries, or why it carries none. The payload is
/// taken as JSON first so that a malformed event is acknowledged (and logged) rather than
/// retried by Lambda forever.
pub fn sync_request(payload: Value) -> Result<SyncRequested, String> {
    serde_json::from_value::<EventBridgeEvent<SyncRequested>>(payload)
        .map(|event| event.detail)
        .map_err(|e| e.to_string())
}

/// Answers one EventBridge event for `factory`'s connector (what [`serve_connector`] does
/// per invocation; tests call it with the samples of events/).
pub async fn answer_sync_event(
    payload: Value,
    deadline: Option<chrono::DateTime<chrono::Utc>>,
    ports: renkei_core::engine::Ports<'_>,
    config: EngineConfig,
    factory: &dyn ConnectorFactory,
) -> Result<Value, HandlerError> {
    answer_sync_request(sync_request(payload), deadline, ports, config, factory).await
}

/// A deployed stack's outbound policy as the CLI's `--vendors deployed` takes it: strict,
/// with the hosts the operator allowed (`RENKEI_ALLOWED_VENDOR_HOSTS`), entries that are no
/// host dropped. The functions read the same variable through their configuration
/// (config.rs), which refuses such entries at start instead.
pub fn outbound_policy() -> OutboundPolicy {
    OutboundPolicy::deployed(
        &crate::config::process_env(crate::config::ALLOWED_VENDOR_HOSTS).unwrap_or_default(),
    )
}

/// Serves SyncRequested events for `factory`'s connector until Lambda stops the process.
/// Its configuration ([`ConnectorConfig`]: table, bus, sender, allowed hosts, lease) is read
/// once, before the first event.
pub async fn serve_connector(factory: &dyn ConnectorFactory) -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = ConnectorConfig::from_env()?;
    let aws = AwsPorts::from_config(&config.stack, &config.mail_from).await;
    let aws = &aws;
    let engine = &config.engine();
    run(service_fn(|event: LambdaEvent<Value>| async move {
        // Leave time to save and hand over before Lambda's own limit.
        let deadline = event.context.deadline().into();
        answer_sync_event(
            event.payload,
            Some(deadline),
            aws.ports(&SystemClock),
            engine.clone(),
            factory,
        )
        .await
        .map_err(|e| Diagnostic {
            // Only errors a retry can cure reach Lambda (answer_sync_request acknowledges the rest).
            error_type: "Retryable".into(),
            error_message: e.to_string(),
        })
    }))
    .await
}

/// The ingress's view of a Function URL request (the body decoded if Lambda base64-encoded it).
pub fn webhook_request(req: &LambdaFunctionUrlRequest) -> Result<WebhookRequest, String> {
    let body = match (&req.body, req.is_base64_encoded) {
        (None, _) => Vec::new(),
        (Some(b), false) => b.as_bytes().to_vec(),
        (Some(b), true) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .map_err(|_| "body is not valid base64".to_string())?,
    };
    Ok(WebhookRequest {
        method: req.request_context.http.method.clone().unwrap_or_default(),
        path: req.raw_path.clone().unwrap_or_default(),
        query: req
            .query_string_parameters
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        headers: req
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body,
    })
}

/// A Function URL response with a JSON body.
pub fn webhook_response(answer: &WebhookResponse) -> LambdaFunctionUrlResponse {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut resp = LambdaFunctionUrlResponse::default();
    resp.status_code = i64::from(answer.status);
    resp.headers = headers;
    resp.body = Some(answer.body.to_string());
    resp
}

/// The body of a Function URL answer to a payload the ingress never saw: `{"error": why}`.
#[derive(Serialize)]
struct NotARequest {
    /// Why the payload is no request (shown to the caller).
    error: String,
}

/// Answers one Function URL invocation (what [`serve_webhooks`] does per request; tests
/// call it with the samples of events/). A payload that is no Function URL request is 400.
pub async fn answer_webhook_event(
    payload: Value,
    ingress: &Ingress<'_>,
) -> LambdaFunctionUrlResponse {
    let decoded = serde_json::from_value::<LambdaFunctionUrlRequest>(payload)
        .map_err(|_| "not a Function URL request".to_string())
        .and_then(|r| webhook_request(&r));
    let answer = match decoded {
        Ok(req) => ingress.handle(&req).await,
        Err(why) => WebhookResponse {
            status: 400,
            // One string field: nothing in it can fail to become JSON.
            body: serde_json::to_value(NotARequest { error: why }).expect("an error body is JSON"),
        },
    };
    webhook_response(&answer)
}

/// The environment the webhooks function reads (both templates set each): its table and
/// bus, and the ARN of the stack's generated decoy key ([`WebhooksConfig::VARS`]).
pub const WEBHOOKS_ENV: [&str; 3] = WebhooksConfig::VARS;

/// The ingress's settings in a stack: the decoy key is the stack's generated secret (so that
/// every instance answers a missing address alike), read once per instance.
pub async fn webhooks_config(
    secrets: &dyn renkei_core::ports::SecretStore,
    decoy_secret: &str,
) -> Result<IngressConfig, String> {
    let value = secrets
        .get(decoy_secret)
        .await
        .map_err(|e| format!("the webhook decoy key {decoy_secret}: {e}"))?
        .ok_or_else(|| format!("the webhook decoy key {decoy_secret} does not exist"))?;
    Ok(IngressConfig {
        decoy: renkei_core::webhook::DecoyKey::from_secret(&value),
        ..IngressConfig::default()
    })
}

/// Serves the webhook ingress behind a Lambda Function URL until Lambda stops the process.
/// The function may read endpoint secrets (`renkei-webhook/…`) and the decoy key only.
pub async fn serve_webhooks(registry: Registry) -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let env = WebhooksConfig::from_env()?;
    let sdk = crate::sdk_config().await;
    let store = crate::DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), env.stack.table);
    let secrets = crate::SecretsManager::new(aws_sdk_secretsmanager::Client::new(&sdk));
    let bus = crate::EventBridgeBus::new(aws_sdk_eventbridge::Client::new(&sdk), env.stack.bus);
    let config = webhooks_config(&secrets, &env.decoy_key).await?;
    let ports = IngressPorts {
        store: &store,
        secrets: &secrets,
        bus: &bus,
        clock: &SystemClock,
    };
    let ingress = Ingress::new(ports, &registry, config);
    let ingress = &ingress;
    run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(answer_webhook_event(event.payload, ingress).await)
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url_event(body: &str, base64: bool) -> LambdaFunctionUrlRequest {
        serde_json::from_value(json!({
            "rawPath": "/webhooks/recruitee/acme/rc-1",
            "rawQueryString": "",
            "headers": {"x-recruitee-signature": "ab"},
            "requestContext": {"http": {"method": "POST"}, "timeEpoch": 0},
            "body": body,
            "isBase64Encoded": base64
        }))
        .expect("a Function URL request")
    }

    #[test]
    fn p9_function_url_bodies_are_taken_as_sent_or_base64_decoded() {
        let plain = webhook_request(&url_event(r#"{"id":1}"#, false)).unwrap();
        assert_eq!(plain.body, br#"{"id":1}"#);
        assert_eq!(plain.method, "POST");
        assert_eq!(plain.header("X-Recruitee-Signature"), Some("ab"));
        let encoded = webhook_request(&url_event("eyJpZCI6MX0=", true)).unwrap();
        assert_eq!(encoded.body, br#"{"id":1}"#);
        assert!(webhook_request(&url_event("***", true)).is_err());
    }

    #[test]
    fn p9_a_payload_that_is_no_request_is_answered_with_its_error() {
        let body = serde_json::to_value(NotARequest {
            error: "not a Function URL request".into(),
        })
        .unwrap();
        assert_eq!(body, json!({ "error": "not a Function URL request" }));
    }

    #[test]
    fn p9_a_sync_event_is_decoded_from_its_eventbridge_envelope() {
        let req = sync_request(json!({
            "detail-type": "SyncRequested", "source": "renkei",
            "detail": {"tenant_id": "acme", "connection_id": "c1", "connector": "x", "webhook": true}
        }))
        .unwrap();
        assert_eq!(req.trigger, renkei_core::engine::Trigger::Webhook);
        assert!(sync_request(json!({"detail": {}})).is_err());
    }
}
