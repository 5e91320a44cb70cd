//! Which tenants a JWT names, and whether it names the stack's operators. The claim is
//! configured (`RENKEI_TENANT_CLAIM`, the stack's TenantClaim parameter); its default, `cognito:groups`, is one a user cannot set for
//! themselves: only a pool administrator adds a user to a group, whereas a custom attribute
//! such as `custom:tenant` is writable by the user unless the app client's write attributes
//! leave it out. docs/operations.md says what any other issuer must guarantee.

use crate::Caller;

/// The claim the stack reads when TenantClaim is not given.
pub const DEFAULT_CLAIM: &str = "cognito:groups";

/// The prefix that marks a value as a tenant grant (`tenant:demo-co`). A group claim
/// carries other groups too; only these name tenants.
pub const TENANT_PREFIX: &str = "tenant:";

/// An OperatorGroup that could be confused with a tenant grant (Permanent: the stack's
/// parameters are wrong).
#[derive(Debug, thiserror::Error)]
#[error("RENKEI_OPERATOR_GROUP: {0}")]
pub struct BadOperatorGroup(String);

/// The configured tenant claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantClaim {
    name: String,
    /// The value (a group, unprefixed) that makes a signed-in user an operator of the whole
    /// stack (`RENKEI_OPERATOR_GROUP`, the stack's OperatorGroup; the user pool the stack can
    /// create has it as a group). None: only IAM callers are operators.
    operator: Option<String>,
}

impl TenantClaim {
    /// The claim called `name` (empty: [`DEFAULT_CLAIM`]).
    pub fn new(name: &str) -> Self {
        let name = if name.trim().is_empty() {
            DEFAULT_CLAIM
        } else {
            name.trim()
        };
        Self {
            name: name.to_string(),
            operator: None,
        }
    }

    /// This claim, where `group` (if not empty) makes a user an operator. Only with the
    /// default claim, `cognito:groups`, where tenants are `tenant:<id>` groups: in a
    /// dedicated claim a plain value is a tenant id, and a tenant named like the group would
    /// make its users operators of every tenant.
    pub fn with_operator_group(mut self, group: &str) -> Result<Self, BadOperatorGroup> {
        let group = group.trim();
        if group.is_empty() {
            self.operator = None;
            return Ok(self);
        }
        if !self.prefix_required() {
            return Err(BadOperatorGroup(format!(
                "an operator group needs the claim {DEFAULT_CLAIM}, not {}",
                self.name
            )));
        }
        if group.starts_with(TENANT_PREFIX) || group.contains(char::is_whitespace) {
            return Err(BadOperatorGroup(format!(
                "{group:?} is not a group name that cannot grant a tenant"
            )));
        }
        self.operator = Some(group.to_string());
        Ok(self)
    }

    /// Who a token whose claim has `value` (None: the token lacks the claim) is: an
    /// operator when the value lists the operator group, else a user of the tenants it names
    /// (none: every tenant route answers 403).
    pub fn caller(&self, value: Option<&str>) -> Caller {
        let Some(value) = value else {
            return Caller::Tenants(vec![]);
        };
        // Compared whole, split on whitespace only: a Cognito group name may hold commas
        // and quotes but no whitespace, so `tenant:x,renkei-operators` is not the group.
        if let Some(op) = &self.operator
            && Self::list(value).split_whitespace().any(|v| v == op)
        {
            return Caller::TokenOperator;
        }
        Caller::Tenants(self.tenants(value))
    }

    /// A claim's items: a list claim arrives as one string, `[a b]`; the brackets go and
    /// the items are split on spaces or commas, never taken as one item called `[a`.
    fn items(value: &str) -> impl Iterator<Item = &str> {
        Self::list(value)
            .split([',', ' '])
            .map(|v| v.trim().trim_matches('"'))
            .filter(|v| !v.is_empty())
    }

    /// The claim's value without the brackets of API Gateway's list form.
    fn list(value: &str) -> &str {
        value
            .trim()
            .strip_prefix('[')
            .and_then(|v| v.strip_suffix(']'))
            .unwrap_or(value)
    }

    /// The claim's name, as the authoriser's claims map keys it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether every value must carry [`TENANT_PREFIX`]. Cognito groups name roles and
    /// teams as well as tenants, so a group called `demo-co` must not grant tenant demo-co;
    /// a dedicated claim (`custom:tenant`) holds tenant ids only, prefixed or not.
    fn prefix_required(&self) -> bool {
        self.name == DEFAULT_CLAIM
    }

    /// The tenants `value` (the claim as API Gateway passes it) names.
    pub fn tenants(&self, value: &str) -> Vec<String> {
        Self::items(value)
            .filter_map(|v| match v.strip_prefix(TENANT_PREFIX) {
                Some(t) => Some(t),
                None if self.prefix_required() => None,
                None => Some(v),
            })
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s28_6_the_default_claim_is_cognito_groups_which_users_cannot_set() {
        assert_eq!(TenantClaim::new("").name(), "cognito:groups");
        assert_ne!(DEFAULT_CLAIM, "custom:tenant");
    }

    #[test]
    fn s28_6_a_list_claim_is_parsed_as_a_list_of_tenant_groups() {
        let groups = TenantClaim::new(DEFAULT_CLAIM);
        assert_eq!(
            groups.tenants("[tenant:demo-co admins tenant:other-co]"),
            vec!["demo-co".to_string(), "other-co".to_string()]
        );
        assert_eq!(
            groups.tenants("[tenant:demo-co]"),
            vec!["demo-co".to_string()]
        );
        assert_eq!(groups.tenants("[]"), Vec::<String>::new());
    }

    #[test]
    fn s28_6_a_group_without_the_tenant_prefix_grants_nothing() {
        let groups = TenantClaim::new(DEFAULT_CLAIM);
        assert!(groups.tenants("[demo-co admins]").is_empty());
        assert!(groups.tenants("tenant:").is_empty());
    }

    #[test]
    fn s31_2_the_operator_group_makes_an_operator_and_nothing_else_does() {
        let groups = TenantClaim::new(DEFAULT_CLAIM)
            .with_operator_group("renkei-operators")
            .unwrap();
        assert_eq!(
            groups.caller(Some("[tenant:demo-co renkei-operators]")),
            Caller::TokenOperator
        );
        for not_the_group in [
            "[tenant:demo-co renkei-operators-x]",
            "[tenant:demo-co,renkei-operators]",
            "[tenant:demo-co \"renkei-operators\"]",
        ] {
            assert_ne!(
                groups.caller(Some(not_the_group)),
                Caller::TokenOperator,
                "{not_the_group}"
            );
        }
        assert_eq!(groups.caller(None), Caller::Tenants(vec![]));
        let no_group = TenantClaim::new(DEFAULT_CLAIM)
            .with_operator_group(" ")
            .unwrap();
        assert_eq!(
            no_group.caller(Some("[renkei-operators]")),
            Caller::Tenants(vec![]),
            "without OperatorGroup only IAM callers are operators"
        );
    }

    #[test]
    fn s31_2_an_operator_group_that_could_be_a_tenant_grant_is_refused() {
        let custom = TenantClaim::new("custom:tenant");
        assert!(
            custom.with_operator_group("renkei-operators").is_err(),
            "in a dedicated claim a plain value is a tenant id"
        );
        let groups = TenantClaim::new(DEFAULT_CLAIM);
        assert!(groups.clone().with_operator_group("tenant:ops").is_err());
        assert!(groups.with_operator_group("ops team").is_err());
    }

    #[test]
    fn s28_6_a_dedicated_claim_takes_plain_ids_separated_by_commas_or_spaces() {
        let custom = TenantClaim::new("custom:tenant");
        assert_eq!(
            custom.tenants("demo-co, tenant:other-co"),
            vec!["demo-co".to_string(), "other-co".to_string()]
        );
    }
}
