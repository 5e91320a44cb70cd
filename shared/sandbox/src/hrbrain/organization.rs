//! `GET /members/v1.1/organization/{organizationId}/items`: the organization as loaded, a
//! list or a nested tree.
//!
//! An `items` of a single item is served as a list by default. Switched to
//! [`OneItem::Object`] (`PUT /_control/hrbrain/companies/{subdomain}/organization/one-item`),
//! every such `items`, at the top and at any depth, is served as that one object instead:
//! the variant a public HRBrain client is written to accept (docs/contracts/hrbrain.md,
//! "Organization items"), so a client that reads only lists is caught here.

use super::{ORGANIZATION_ID, Recorded, authorized};
use crate::Sandbox;
use crate::common::api_error;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// How an `items` holding exactly one item is served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OneItem {
    /// `"items": [{…}]`.
    #[default]
    List,
    /// `"items": {…}`.
    Object,
}

/// The organization answer in the company's shape.
fn shaped(organization: &Value, one_item: OneItem) -> Value {
    let mut out = organization.clone();
    if one_item == OneItem::Object {
        // An explicit stack: a deep tree loaded through the control API cannot exhaust ours.
        let mut stack = vec![&mut out];
        while let Some(node) = stack.pop() {
            let Some(items) = node.get_mut("items") else {
                continue;
            };
            if let Value::Array(list) = items
                && list.len() == 1
                && let Some(one) = list.pop()
            {
                *items = one;
            }
            match items {
                Value::Array(list) => stack.extend(list.iter_mut()),
                one @ Value::Object(_) => stack.push(one),
                _ => {}
            }
        }
    }
    out
}

/// Whether `tree` is an organization the simulator can serve:
/// `{"type":"tree"|"list","items":[…]|{…}}`.
pub(super) fn check(tree: &Value) -> Result<(), String> {
    let kind = tree.get("type").and_then(Value::as_str);
    let items = tree.get("items");
    if matches!(kind, Some("tree" | "list")) && items.is_some_and(|i| i.is_array() || i.is_object())
    {
        Ok(())
    } else {
        Err("the organization is {\"type\":\"tree\"|\"list\",\"items\":[…] or {…}}".into())
    }
}

pub(super) async fn items(
    State(sb): State<Sandbox>,
    Path((sub, org)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/members/v1.1/organization/{org}/items");
    let call = Recorded::new("GET", path, &headers);
    authorized(&sb, &sub, &headers, call, "organization:read", |c| {
        if org == ORGANIZATION_ID {
            Json(shaped(&c.organization, c.one_item)).into_response()
        } else {
            api_error(
                StatusCode::NOT_FOUND,
                json!({"message": "organization not found"}),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s29_5_one_item_lists_become_objects_at_every_depth_and_longer_lists_stay() {
        let tree = json!({"type": "tree", "items": [
            {"id": "hq", "value": "本社", "items": [
                {"id": "s", "value": "営業部", "items": [{"id": "s1", "value": "第1課"}]},
                {"id": "d", "value": "開発部", "items": []}
            ]}
        ]});
        assert_eq!(shaped(&tree, OneItem::List), tree);
        assert_eq!(
            shaped(&tree, OneItem::Object),
            json!({"type": "tree", "items":
                {"id": "hq", "value": "本社", "items": [
                    {"id": "s", "value": "営業部", "items": {"id": "s1", "value": "第1課"}},
                    {"id": "d", "value": "開発部", "items": []}
                ]}
            })
        );
    }
}
