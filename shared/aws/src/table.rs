//! The state table exactly as infra/template.yaml declares it: keys, the sparse `due` index
//! and the TTL attribute are read from the template's `StateTable` resource, so tests and
//! local stacks (moto) never run on a second, hand-written definition that could drift.

use crate::dynamo::unavailable;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use renkei_core::ports::StoreError;
use serde_yaml::Value;

/// The SAM template the stack is deployed from.
pub const TEMPLATE: &str = include_str!("../../../infra/template.yaml");

fn bad(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("infra/template.yaml StateTable: {what}"))
}

fn text<'a>(v: &'a Value, field: &str) -> Result<&'a str, StoreError> {
    v.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format_args!("{field} is missing")))
}

fn list<'a>(v: &'a Value, field: &str) -> Result<&'a [Value], StoreError> {
    Ok(v.get(field)
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or_default())
}

fn key_schema(v: &Value) -> Result<Vec<KeySchemaElement>, StoreError> {
    list(v, "KeySchema")?
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(text(k, "AttributeName")?)
                .key_type(KeyType::from(text(k, "KeyType")?))
                .build()
                .map_err(bad)
        })
        .collect()
}

/// The `Properties` of the template's `StateTable`.
pub fn state_table_properties(template: &str) -> Result<Value, StoreError> {
    let doc: Value = serde_yaml::from_str(template).map_err(bad)?;
    doc.get("Resources")
        .and_then(|r| r.get("StateTable"))
        .and_then(|t| t.get("Properties"))
        .cloned()
        .ok_or_else(|| bad("no Resources.StateTable.Properties"))
}

/// Creates `table` as `template`'s StateTable declares it.
pub async fn create_table_from(
    client: &Client,
    table: &str,
    template: &str,
) -> Result<(), StoreError> {
    let p = state_table_properties(template)?;
    let mut create = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::from(text(&p, "BillingMode")?))
        .set_key_schema(Some(key_schema(&p)?));
    for a in list(&p, "AttributeDefinitions")? {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(a, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(text(a, "AttributeType")?))
                .build()
                .map_err(bad)?,
        );
    }
    for g in list(&p, "GlobalSecondaryIndexes")? {
        let projection = g
            .get("Projection")
            .ok_or_else(|| bad("an index without Projection"))?;
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(g, "IndexName")?)
                .set_key_schema(Some(key_schema(g)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(text(projection, "ProjectionType")?))
                        .build(),
                )
                .build()
                .map_err(bad)?,
        );
    }
    create.send().await.map_err(|e| unavailable(table, e))?;
    if let Some(ttl) = p.get("TimeToLiveSpecification") {
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(text(ttl, "AttributeName")?)
                    .enabled(ttl.get("Enabled").and_then(Value::as_bool).unwrap_or(false))
                    .build()
                    .map_err(bad)?,
            )
            .send()
            .await
            .map_err(|e| unavailable(table, e))?;
    }
    Ok(())
}

/// Creates `table` as the deployed stack's template declares it (tests, local stacks).
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    create_table_from(client, table, TEMPLATE).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_declares_the_keys_the_due_index_and_the_ttl_the_store_relies_on() {
        let p = state_table_properties(TEMPLATE).unwrap();
        let keys: Vec<_> = key_schema(&p)
            .unwrap()
            .into_iter()
            .map(|k| (k.attribute_name, k.key_type))
            .collect();
        assert_eq!(
            keys,
            [
                ("pk".to_string(), KeyType::Hash),
                ("sk".to_string(), KeyType::Range)
            ]
        );
        let due = &list(&p, "GlobalSecondaryIndexes").unwrap()[0];
        assert_eq!(text(due, "IndexName").unwrap(), crate::dynamo::DUE_INDEX);
        assert_eq!(
            text(&p["TimeToLiveSpecification"], "AttributeName").unwrap(),
            "expires_at"
        );
    }
}
