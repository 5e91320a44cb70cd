//! How an [`Item`] is stored as DynamoDB attributes and read back, and the condition
//! expressions that guard its writes.

use super::{Attrs, due_shard};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use renkei_core::ports::{Condition, Item, Key, StoreError};

pub(super) fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}
pub(super) fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(super) fn to_attrs(item: &Item) -> Attrs {
    let mut a = Attrs::new();
    a.insert("pk".into(), s(&item.key.pk));
    a.insert("sk".into(), s(&item.key.sk));
    a.insert("body".into(), s(&item.body.to_string()));
    a.insert("version".into(), n(item.version as i64));
    if let Some(e) = item.expires_at {
        a.insert("expires_at".into(), n(e));
    }
    if let Some(d) = item.due_at {
        a.insert("due_shard".into(), s(&due_shard(&item.key)));
        a.insert("due_at".into(), n(d));
    }
    if let Some(o) = &item.owner {
        a.insert("owner".into(), s(o));
    }
    if let Some(u) = item.lease_until {
        a.insert("lease_until".into(), n(u));
    }
    a
}

/// The condition expression (with its names and values) for a [`Condition`].
pub(super) struct Expr {
    pub(super) text: &'static str,
    pub(super) names: Vec<(&'static str, &'static str)>,
    pub(super) values: Vec<(&'static str, AttributeValue)>,
}

pub(super) fn expression(condition: &Condition) -> Option<Expr> {
    let e = |text, names, values| {
        Some(Expr {
            text,
            names,
            values,
        })
    };
    match condition {
        Condition::Always => None,
        Condition::NotExists => e("attribute_not_exists(pk)", vec![], vec![]),
        Condition::VersionIs(v) => e("version = :v", vec![], vec![(":v", n(*v as i64))]),
        Condition::LeaseExpired { version, now } => e(
            "version = :v AND (attribute_not_exists(lease_until) OR lease_until <= :now)",
            vec![],
            vec![(":v", n(*version as i64)), (":now", n(*now))],
        ),
        Condition::Held(fence) => e(
            "#owner = :owner AND version = :gen",
            vec![("#owner", "owner")],
            vec![
                (":owner", s(&fence.owner)),
                (":gen", n(fence.generation as i64)),
            ],
        ),
    }
}

pub(super) fn is_condition_failure<E: ProvideErrorMetadata>(e: &SdkError<E>) -> bool {
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

/// A cancelled transaction is a broken fence only when a condition failed; a transaction
/// conflict or throttling cancels it too, and those are worth retrying.
pub(super) fn is_fence_failure(
    e: &SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError>,
) -> bool {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    match e.as_service_error() {
        Some(E::TransactionCanceledException(ex)) => ex
            .cancellation_reasons()
            .iter()
            .any(|r| r.code() == Some("ConditionalCheckFailed")),
        _ => false,
    }
}

/// Keeps the last of several items with one key: DynamoDB refuses a batch (or a transaction)
/// that names one key twice, and the last write is the one a sequence of puts would leave.
pub(super) fn last_per_key(items: Vec<Item>) -> Vec<Item> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Item> = items
        .into_iter()
        .rev()
        .filter(|i| seen.insert(i.key.clone()))
        .collect();
    out.reverse();
    out
}

pub(super) fn from_attrs(a: &Attrs) -> Result<Item, StoreError> {
    let text = |k: &str| a.get(k).and_then(|v| v.as_s().ok()).cloned();
    let num = |k: &str| {
        a.get(k)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<i64>().ok())
    };
    let corrupt = |what: &str| StoreError::Corrupt(format!("item without {what}"));
    let body = text("body").ok_or_else(|| corrupt("body"))?;
    Ok(Item {
        key: Key::new(
            text("pk").ok_or_else(|| corrupt("pk"))?,
            text("sk").ok_or_else(|| corrupt("sk"))?,
        ),
        body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        version: num("version").unwrap_or(0) as u64,
        expires_at: num("expires_at"),
        due_at: num("due_at"),
        owner: text("owner"),
        lease_until: num("lease_until"),
    })
}
