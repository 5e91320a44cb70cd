//! The tenant's 振り分けルール as stored: one item per rule, `RULE#<rule id>` under the
//! tenant (docs/state-store.md), shared by all of its Mynavi accounts. The key and the JSON
//! body are what earlier releases wrote, so rules stored by them are read as they are.

use chrono::{DateTime, Utc};
use renkei_core::TenantId;
use renkei_core::ports::{Condition, StateStore, StoreError};
use renkei_core::repo::Repo;
use serde::{Deserialize, Serialize};

/// The tag of a rule's key.
const TAG: &str = "RULE#";

/// Routing rules a tenant may have: each Mynavi import reads them all to route applicants.
pub const MAX_RULES_PER_TENANT: usize = 1_000;

/// 媒体: the job board an applicant came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Medium {
    /// マイナビ転職 (Mynavi Tenshoku), whose applicants the mynavi-hrmos connector imports.
    MynaviTenshoku,
}

impl Medium {
    /// The board's name as recruiters know it (Japanese), for screens and messages; never
    /// stored or compared (see [`Medium::code`]).
    pub fn label(self) -> &'static str {
        match self {
            Medium::MynaviTenshoku => "マイナビ転職",
        }
    }
    /// The stable code (`mynavi_tenshoku`, as stored rules spell the medium too), part of the
    /// source keys of imported records: it must never change.
    pub fn code(self) -> &'static str {
        match self {
            Medium::MynaviTenshoku => "mynavi_tenshoku",
        }
    }
}

/// 振り分けルール: applicants of `medium` whose position name is exactly `position_name`
/// go into selection for the ATS job `job_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    /// Assigned by renkei when the rule is created, unique within the tenant and starting
    /// with the creation time; people name the rule by it to change or delete it.
    pub id: String,
    /// 求人媒体: the job board whose applicants this rule routes (a rule applies to its own
    /// board's applicants only).
    pub medium: Medium,
    /// 募集ポジション名: compared byte for byte with the job board's 職種名.
    pub position_name: String,
    /// 振り分け先の求人: the HRMOS job whose selection matching applicants go into (its id,
    /// checked against HRMOS's jobs when applied).
    pub job_id: String,
    /// When the rule was created or last replaced.
    pub updated_at: DateTime<Utc>,
}

/// All of the tenant's routing rules, by id (creating one stops at
/// [`MAX_RULES_PER_TENANT`], so a Mynavi import can read them whole).
pub async fn rules(store: &dyn StateStore, t: &TenantId) -> Result<Vec<RoutingRule>, StoreError> {
    Repo::new(store).tenant_own_query(t, TAG).await
}

/// At most `limit` of the tenant's routing rules whose id comes after `after`, by id
/// (ids start with their creation time, so this is creation order).
pub async fn rules_page(
    store: &dyn StateStore,
    t: &TenantId,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<RoutingRule>, StoreError> {
    Repo::new(store)
        .tenant_own_query_page(t, TAG, after, limit)
        .await
}

/// Creates (`create`: fails if the id exists) or replaces a routing rule.
pub async fn put_rule(
    store: &dyn StateStore,
    t: &TenantId,
    rule: &RoutingRule,
    create: bool,
) -> Result<(), StoreError> {
    let condition = if create {
        Condition::NotExists
    } else {
        Condition::Always
    };
    Repo::new(store)
        .tenant_own_put(t, TAG, &rule.id, rule, condition)
        .await
}

/// Deletes a routing rule (no error when it is already gone).
pub async fn delete_rule(store: &dyn StateStore, t: &TenantId, id: &str) -> Result<(), StoreError> {
    Repo::new(store).tenant_own_delete(t, TAG, id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use renkei_core::ports::Key;

    /// What earlier releases stored, read back unchanged: the key is `RULE#<id>` under
    /// `T#<tenant>` and the body the rule's JSON with the medium's code.
    #[tokio::test]
    async fn c1_7_rules_keep_the_layout_earlier_releases_stored() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = renkei_local::FileStore::open(&dir.path().join("s.redb")).expect("store");
        let t = TenantId::new("acme").unwrap();
        let at: DateTime<Utc> = "2026-01-02T03:04:05Z".parse().unwrap();
        let rule = RoutingRule {
            id: "r19a0000abcd".into(),
            medium: Medium::MynaviTenshoku,
            position_name: "営業職".into(),
            job_id: "J-1".into(),
            updated_at: at,
        };
        put_rule(&store, &t, &rule, true).await.unwrap();
        let item = store
            .get(&Key::new("T#acme", "RULE#r19a0000abcd"))
            .await
            .unwrap()
            .expect("stored under its old key");
        assert_eq!(
            item.body,
            serde_json::json!({
                "id": "r19a0000abcd", "medium": "mynavi_tenshoku", "position_name": "営業職",
                "job_id": "J-1", "updated_at": "2026-01-02T03:04:05Z"
            })
        );
        assert_eq!(item.version, 1);
        assert!(put_rule(&store, &t, &rule, true).await.is_err());
        assert_eq!(rules(&store, &t).await.unwrap(), vec![rule.clone()]);
        assert!(
            rules_page(&store, &t, Some("r19a0000abcd"), 10)
                .await
                .unwrap()
                .is_empty()
        );
        delete_rule(&store, &t, &rule.id).await.unwrap();
        assert!(rules(&store, &t).await.unwrap().is_empty());
    }
}
