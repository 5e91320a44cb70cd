//! The deployed stack's shape on any AWS endpoint — moto server on one machine — for
//! `renkei stack create` and `renkei stack deliver`: the state table as infra/template.yaml
//! declares it, the bus with each connector's SyncRequested rule (the template's own event
//! pattern), the SES identity of the sender; and, since there is no Lambda to invoke
//! locally, an SQS queue as each rule's target that [`deliver`] drains into the connector's
//! handler in this process — the same `answer_sync_event` the connector's Lambda runs.

use crate::lambda::answer_sync_event;
use crate::{AwsPorts, TEMPLATE};
use aws_sdk_sqs::types::QueueAttributeName;
use renkei_core::Registry;
use renkei_core::clock::Clock;
use renkei_core::engine::EngineConfig;
use renkei_core::outbound::OutboundPolicy;
use serde_json::Value;

/// Why the stack could not be created or its events delivered.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// infra/template.yaml does not say what the stack needs (a packaging defect).
    #[error("infra/template.yaml: {0}")]
    Template(String),
    /// The endpoint refused or failed a call (named with the resource).
    #[error("{what}: {message}")]
    Aws {
        /// The call and resource.
        what: String,
        /// The service's answer, in one line.
        message: String,
    },
}

fn aws_error<E: std::error::Error>(what: impl Into<String>) -> impl FnOnce(E) -> StackError {
    move |e| StackError::Aws {
        what: what.into(),
        message: aws_smithy_error(&e),
    }
}

/// One line for an SDK error: its code and message where the service sent them, never the
/// multi-kilobyte debug dump of the request.
fn aws_smithy_error(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.dedup();
    parts.join(": ")
}

/// A connector function of the template with its SyncRequested rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorRule {
    /// The function's logical ID in the template.
    pub function: String,
    /// Its binary, which is the connector's name (`detail.connector`).
    pub connector: String,
    /// The rule's event pattern, as JSON.
    pub pattern: String,
}

/// Every function of `template` with an EventBridge rule named `SyncRequested`.
pub fn connector_rules(template: &str) -> Result<Vec<ConnectorRule>, StackError> {
    let doc: serde_yaml::Value =
        serde_yaml::from_str(template).map_err(|e| StackError::Template(e.to_string()))?;
    let resources = doc
        .get("Resources")
        .and_then(serde_yaml::Value::as_mapping)
        .ok_or_else(|| StackError::Template("no Resources".into()))?;
    let mut rules = Vec::new();
    for (id, r) in resources {
        let rule = &r["Properties"]["Events"]["SyncRequested"];
        if rule.is_null() {
            continue;
        }
        let function = id.as_str().unwrap_or_default().to_string();
        let connector = r["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .ok_or_else(|| StackError::Template(format!("{function} names no Binary")))?
            .to_string();
        let pattern = serde_json::to_value(&rule["Properties"]["Pattern"])
            .map_err(|e| StackError::Template(format!("{function}'s pattern: {e}")))?;
        rules.push(ConnectorRule {
            function,
            connector,
            pattern: pattern.to_string(),
        });
    }
    Ok(rules)
}

/// What a local stack is called by: the names the CLI and the functions are given.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LocalStack {
    /// `RENKEI_TABLE`.
    pub table: String,
    /// `RENKEI_BUS`.
    pub bus: String,
    /// `RENKEI_MAIL_FROM` (an SES identity of the endpoint).
    pub mail_from: String,
    /// Each connector rule's target queue: (connector, queue URL).
    pub queues: Vec<(String, String)>,
}

impl LocalStack {
    /// The names `renkei stack create` gives the resources of stack `name`.
    pub fn named(name: &str, mail_from: &str, rules: &[ConnectorRule]) -> Self {
        Self {
            table: format!("{name}-state"),
            bus: format!("{name}-bus"),
            mail_from: mail_from.to_string(),
            queues: rules
                .iter()
                .map(|r| (r.connector.clone(), String::new()))
                .collect(),
        }
    }
}

/// Creates stack `name`'s resources where `config` points (idempotent: what exists is kept,
/// so running it twice, or after a restart of the endpoint, is safe).
pub async fn create(
    config: &aws_config::SdkConfig,
    name: &str,
    mail_from: &str,
) -> Result<LocalStack, StackError> {
    let rules = connector_rules(TEMPLATE)?;
    let mut stack = LocalStack::named(name, mail_from, &rules);

    let dynamo = aws_sdk_dynamodb::Client::new(config);
    let exists = dynamo
        .describe_table()
        .table_name(&stack.table)
        .send()
        .await
        .is_ok();
    if !exists {
        crate::create_table(&dynamo, &stack.table)
            .await
            .map_err(|e| StackError::Aws {
                what: format!("creating table {}", stack.table),
                message: e.to_string(),
            })?;
    }

    let events = aws_sdk_eventbridge::Client::new(config);
    if events
        .describe_event_bus()
        .name(&stack.bus)
        .send()
        .await
        .is_err()
    {
        events
            .create_event_bus()
            .name(&stack.bus)
            .send()
            .await
            .map_err(aws_error(format!("creating bus {}", stack.bus)))?;
    }

    let sqs = aws_sdk_sqs::Client::new(config);
    for (rule, queue) in rules.iter().zip(stack.queues.iter_mut()) {
        let queue_name = format!("{name}-{}", rule.connector);
        let url = sqs
            .create_queue()
            .queue_name(&queue_name)
            .send()
            .await
            .map_err(aws_error(format!("creating queue {queue_name}")))?
            .queue_url
            .unwrap_or_default();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(aws_error(format!("reading queue {queue_name}")))?
            .attributes
            .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
            .unwrap_or_default();
        let rule_name = format!("{name}-{}-sync-requested", rule.connector);
        events
            .put_rule()
            .name(&rule_name)
            .event_bus_name(&stack.bus)
            .event_pattern(&rule.pattern)
            .send()
            .await
            .map_err(aws_error(format!("creating rule {rule_name}")))?;
        events
            .put_targets()
            .rule(&rule_name)
            .event_bus_name(&stack.bus)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id(&rule.function)
                    .arn(arn)
                    .build()
                    .map_err(aws_error(format!("target of {rule_name}")))?,
            )
            .send()
            .await
            .map_err(aws_error(format!("targeting rule {rule_name}")))?;
        queue.1 = url;
    }

    let ses = aws_sdk_sesv2::Client::new(config);
    if ses
        .get_email_identity()
        .email_identity(mail_from)
        .send()
        .await
        .is_err()
    {
        ses.create_email_identity()
            .email_identity(mail_from)
            .send()
            .await
            .map_err(aws_error(format!("creating SES identity {mail_from}")))?;
    }
    Ok(stack)
}

/// What one delivered event did: what the handler answered (as the Lambda would), or why it
/// failed (Lambda would retry such an event; here it stays queued for the next pass).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Delivery {
    /// The connector whose handler took the event.
    pub connector: String,
    /// The handler's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<Value>,
    /// Why the handler failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Hands every event waiting on the stack's queues to its connector's handler in this
/// process, once each (a handler error leaves the event queued, as Lambda would retry it),
/// calling out as `outbound` allows: the stack's functions' policy, or anywhere when the
/// vendors are the sandbox on this machine (the caller's choice, `renkei --vendors`).
pub async fn deliver(
    config: &aws_config::SdkConfig,
    stack: &LocalStack,
    registry: &Registry,
    clock: &dyn Clock,
    outbound: &OutboundPolicy,
) -> Result<Vec<Delivery>, StackError> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let ports = AwsPorts::new(config, &stack.table, &stack.bus, &stack.mail_from);
    let mut delivered = Vec::new();
    for (connector, url) in &stack.queues {
        let factory = registry.get(connector).ok_or_else(|| {
            StackError::Template(format!("a rule targets {connector}, which renkei lacks"))
        })?;
        loop {
            let messages = sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .send()
                .await
                .map_err(aws_error(format!("reading queue of {connector}")))?
                .messages
                .unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for m in messages {
                let payload: Value = serde_json::from_str(m.body().unwrap_or_default())
                    .unwrap_or_else(|e| Value::String(format!("not JSON: {e}")));
                let answer = answer_sync_event(
                    payload,
                    None,
                    ports.ports(clock),
                    EngineConfig {
                        outbound: outbound.clone(),
                        ..EngineConfig::default()
                    },
                    factory.as_ref(),
                )
                .await;
                if answer.is_ok() {
                    sqs.delete_message()
                        .queue_url(url)
                        .set_receipt_handle(m.receipt_handle)
                        .send()
                        .await
                        .map_err(aws_error(format!("acknowledging on queue of {connector}")))?;
                }
                let failed = answer.is_err();
                let (answer, error) = match answer {
                    Ok(a) => (Some(a), None),
                    Err(e) => (None, Some(e.to_string())),
                };
                delivered.push(Delivery {
                    connector: connector.clone(),
                    answer,
                    error,
                });
                if failed {
                    // Leave it for the next pass rather than spin on a store that is down.
                    return Ok(delivered);
                }
            }
        }
    }
    Ok(delivered)
}

/// Finds stack `name`'s queues where `config` points (`renkei stack deliver` in a later
/// process than `create`).
pub async fn open(
    config: &aws_config::SdkConfig,
    name: &str,
    mail_from: &str,
) -> Result<LocalStack, StackError> {
    let rules = connector_rules(TEMPLATE)?;
    let mut stack = LocalStack::named(name, mail_from, &rules);
    let sqs = aws_sdk_sqs::Client::new(config);
    for (connector, url) in &mut stack.queues {
        let queue_name = format!("{name}-{connector}");
        *url = sqs
            .get_queue_url()
            .queue_name(&queue_name)
            .send()
            .await
            .map_err(aws_error(format!(
                "queue {queue_name} (run `renkei stack create` first)"
            )))?
            .queue_url
            .unwrap_or_default();
    }
    Ok(stack)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_connector_function_of_the_template_has_a_rule_on_its_own_name() {
        let rules = connector_rules(TEMPLATE).unwrap();
        let names: Vec<&str> = rules.iter().map(|r| r.connector.as_str()).collect();
        for c in [
            "mynavi-hrmos",
            "roumumate-kaonavi",
            "hrbrain-mikiwame",
            "talentwunder-personio",
            "recruitee-linkedin",
        ] {
            assert!(names.contains(&c), "{c} in {names:?}");
        }
        for r in &rules {
            assert!(r.pattern.contains(&r.connector), "{r:?}");
        }
    }
}
