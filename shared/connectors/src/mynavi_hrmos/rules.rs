//! 振り分けルール management (C1.7): list, create, update, delete, per tenant.
//!
//! A position name is kept exactly as typed — no trimming, no width folding — because the
//! import compares it character for character with Mynavi's 職種名. Two rules for the same
//! medium and position name would make routing ambiguous, so that is refused.

use super::AccountError;
use super::store::{self as stored, MAX_RULES_PER_TENANT, Medium, RoutingRule};
use chrono::{DateTime, Utc};
use renkei_core::TenantId;
use renkei_core::ports::StateStore;

/// What a rule says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInput {
    /// 求人媒体.
    pub medium: Medium,
    /// 募集ポジション名 (exact).
    pub position_name: String,
    /// 振り分け先の求人 (HRMOS job id).
    pub job_id: String,
}

fn check(input: &RuleInput, others: &[RoutingRule]) -> Result<(), AccountError> {
    if input.position_name.is_empty() {
        return Err(AccountError::Invalid(
            "募集ポジション名を入力してください (position name is required)".into(),
        ));
    }
    if input.job_id.trim().is_empty() {
        return Err(AccountError::Invalid(
            "振り分け先の求人を選択してください (job id is required)".into(),
        ));
    }
    if let Some(dup) = others
        .iter()
        .find(|r| r.medium == input.medium && r.position_name == input.position_name)
    {
        return Err(AccountError::Invalid(format!(
            "{}「{}」のルールは既にあります (rule {} exists for this position name)",
            input.medium.label(),
            input.position_name,
            dup.id
        )));
    }
    Ok(())
}

/// The tenant's rules, by medium and position name.
pub async fn list(store: &dyn StateStore, t: &TenantId) -> Result<Vec<RoutingRule>, AccountError> {
    let mut rules = stored::rules(store, t).await?;
    rules.sort_by(|a, b| {
        (a.medium.code(), &a.position_name).cmp(&(b.medium.code(), &b.position_name))
    });
    Ok(rules)
}

/// Creates a rule.
pub async fn create(
    store: &dyn StateStore,
    t: &TenantId,
    input: RuleInput,
    now: DateTime<Utc>,
) -> Result<RoutingRule, AccountError> {
    let all = stored::rules(store, t).await?;
    if all.len() >= MAX_RULES_PER_TENANT {
        return Err(AccountError::Invalid(format!(
            "ルールは{MAX_RULES_PER_TENANT}件までです (a tenant has at most {MAX_RULES_PER_TENANT} rules; delete one first)"
        )));
    }
    check(&input, &all)?;
    let rule = RoutingRule {
        id: format!("r{:x}{:04x}", now.timestamp_millis(), fastrand::u16(..)),
        medium: input.medium,
        position_name: input.position_name,
        job_id: input.job_id.trim().to_string(),
        updated_at: now,
    };
    stored::put_rule(store, t, &rule, true).await?;
    Ok(rule)
}

/// Replaces a rule's position name and target job.
pub async fn update(
    store: &dyn StateStore,
    t: &TenantId,
    id: &str,
    input: RuleInput,
    now: DateTime<Utc>,
) -> Result<RoutingRule, AccountError> {
    let all = stored::rules(store, t).await?;
    if !all.iter().any(|r| r.id == id) {
        return Err(AccountError::NotFound(format!("rule {id}")));
    }
    let others: Vec<RoutingRule> = all.into_iter().filter(|r| r.id != id).collect();
    check(&input, &others)?;
    let rule = RoutingRule {
        id: id.to_string(),
        medium: input.medium,
        position_name: input.position_name,
        job_id: input.job_id.trim().to_string(),
        updated_at: now,
    };
    stored::put_rule(store, t, &rule, false).await?;
    Ok(rule)
}

/// Deletes a rule.
pub async fn delete(store: &dyn StateStore, t: &TenantId, id: &str) -> Result<(), AccountError> {
    if !stored::rules(store, t).await?.iter().any(|r| r.id == id) {
        return Err(AccountError::NotFound(format!("rule {id}")));
    }
    stored::delete_rule(store, t, id).await?;
    Ok(())
}
