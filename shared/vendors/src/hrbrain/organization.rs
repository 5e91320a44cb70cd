//! The organization (`GET /members/v1.1/organization/{organizationId}/items`) as HRBrain
//! answers it, and its departments with their parents.
//!
//! `items` — at the top and inside every item of a tree — may arrive as a list or as one
//! object: a public HRBrain client walks both (`Array.isArray(node.items)` else
//! `typeof node.items === 'object'`, docs/contracts/hrbrain.md, "Organization items").
//! Both decode to the same list, so one department with one sub-department is never lost.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// An item of the organization (a department), as HRBrain answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgItem {
    /// Item id (what a member's 主部署 holds).
    pub id: String,
    /// The department's name (部署項目名).
    pub value: String,
    /// 組織情報コード (assumed field, docs/contracts/hrbrain.md); None when not entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// In the list form: the parent item's id (assumed); the tree form nests instead.
    #[serde(default, rename = "parentId", skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// In the tree form: the children (a list, or one object).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub items: Vec<OrgItem>,
}

/// The organization as answered: `{"type":"list|tree","items":[…] | {…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrgTree {
    /// `list` or `tree`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Top-level items (a list, or one object; never null: an organization that says
    /// nothing is not read as one without departments).
    #[serde(deserialize_with = "one_or_many_present")]
    pub items: Vec<OrgItem>,
}

/// A department with its parent by item id, the same for both forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    /// Item id.
    pub id: String,
    /// 部署名.
    pub name: String,
    /// 組織情報コード (trimmed; None when blank).
    pub code: Option<String>,
    /// The item one level up (None at the top).
    pub parent_id: Option<String>,
}

impl OrgTree {
    /// Every department with its parent: the tree form's nesting becomes parent ids. An id
    /// may appear twice (HRBrain data is not trusted); callers decide what that means.
    pub fn departments(&self) -> Vec<Department> {
        let mut out = Vec::new();
        // An explicit stack: a hostile tree cannot exhaust ours.
        let mut stack: Vec<(&OrgItem, Option<&str>)> =
            self.items.iter().rev().map(|i| (i, None)).collect();
        while let Some((item, parent)) = stack.pop() {
            out.push(Department {
                id: item.id.clone(),
                name: item.value.trim().to_string(),
                code: item
                    .code
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
                parent_id: parent
                    .map(str::to_string)
                    .or_else(|| item.parent_id.clone()),
            });
            stack.extend(item.items.iter().rev().map(|c| (c, Some(item.id.as_str()))));
        }
        out
    }
}

/// An item's `items`: a list, one object (a list of one), or null / absent (none).
fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_any(OneOrMany(Nulls::AreEmpty, PhantomData))
}

/// The organization's own `items`: a list or one object; null is refused.
fn one_or_many_present<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_any(OneOrMany(Nulls::Refused, PhantomData))
}

/// What a null `items` means where it is found.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nulls {
    /// No children (a client's `if (node.items)`).
    AreEmpty,
    /// Not an answer: the organization itself must say what it holds.
    Refused,
}

struct OneOrMany<T>(Nulls, PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrMany<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of items or one item")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
        Vec::deserialize(de::value::SeqAccessDeserializer::new(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|one| vec![one])
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        match self.0 {
            Nulls::AreEmpty => Ok(Vec::new()),
            Nulls::Refused => Err(E::invalid_type(de::Unexpected::Unit, &self)),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        self.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(v: serde_json::Value) -> OrgTree {
        serde_json::from_value(v).expect("decodes")
    }

    #[test]
    fn c3_2_a_nested_tree_and_a_list_give_the_same_parents() {
        let tree = decode(json!({"type": "tree", "items": [
            {"id": "a", "value": "本社", "code": "100", "items": [
                {"id": "b", "value": "営業部", "code": " 110 ", "items": [
                    {"id": "c", "value": "第一課", "code": ""}
                ]}
            ]}
        ]}));
        let list = decode(json!({"type": "list", "items": [
            {"id": "a", "value": "本社", "code": "100"},
            {"id": "b", "value": "営業部", "code": " 110 ", "parentId": "a"},
            {"id": "c", "value": "第一課", "code": "", "parentId": "b"}
        ]}));
        assert_eq!(tree.departments(), list.departments());
        let d = tree.departments();
        assert_eq!(d[1].code.as_deref(), Some("110"), "trimmed");
        assert_eq!(d[2].code, None, "blank is no code");
        assert_eq!(d[2].parent_id.as_deref(), Some("b"));
    }

    #[test]
    fn s29_5_items_as_one_object_at_every_level_decode_as_a_list_of_one() {
        let as_lists = decode(json!({"type": "tree", "items": [
            {"id": "a", "value": "本社", "code": "HQ", "items": [
                {"id": "b", "value": "営業部", "code": "S", "items": [
                    {"id": "c", "value": "第一課", "code": "S1"}
                ]},
                {"id": "d", "value": "開発部", "code": "D", "items": [
                    {"id": "e", "value": "基盤課", "code": "D1"}
                ]}
            ]}
        ]}));
        // The top level, a middle level and a leaf's parent each send their one item as an
        // object; a level with two items stays a list.
        let as_objects = decode(json!({"type": "tree", "items":
            {"id": "a", "value": "本社", "code": "HQ", "items": [
                {"id": "b", "value": "営業部", "code": "S", "items":
                    {"id": "c", "value": "第一課", "code": "S1"}
                },
                {"id": "d", "value": "開発部", "code": "D", "items":
                    {"id": "e", "value": "基盤課", "code": "D1", "items": null}
                }
            ]}
        }));
        assert_eq!(as_objects, as_lists);
        assert_eq!(as_objects.departments().len(), 5);
        assert_eq!(
            as_objects.departments()[2].parent_id.as_deref(),
            Some("b"),
            "the one child keeps its parent"
        );
    }

    /// Decoded as the client decodes an answer: a refusal names where it went wrong.
    fn refusal(v: serde_json::Value) -> String {
        let e = crate::http::parse_json::<OrgTree>("hrbrain", &v.to_string(), "organization")
            .expect_err("refused");
        e.to_string()
    }

    #[test]
    fn s29_5_items_that_are_neither_a_list_nor_an_object_are_refused() {
        let message = refusal(json!({"type": "tree", "items": "a"}));
        assert!(message.contains("at items"), "{message}");
        assert!(message.contains("a list of items or one item"), "{message}");
        let nested = json!({"type": "tree", "items": [{"id": "a", "value": "本社", "items": 3}]});
        let message = refusal(nested);
        assert!(message.contains("at items[0].items"), "{message}");
    }

    #[test]
    fn s29_5_an_organization_whose_items_are_null_is_refused_not_read_as_empty() {
        let message = refusal(json!({"type": "tree", "items": null}));
        assert!(message.contains("at items"), "{message}");
        // Inside an item, null stays "no children", as public clients read it.
        let leaf = json!({"type": "tree", "items": [{"id": "a", "value": "本社", "items": null}]});
        assert_eq!(decode(leaf).departments().len(), 1);
    }
}
