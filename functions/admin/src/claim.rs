//! Which tenants a JWT names. The claim is configured (`RENKEI_TENANT_CLAIM`, the stack's
//! TenantClaim parameter); its default, `cognito:groups`, is one a user cannot set for
//! themselves: only a pool administrator adds a user to a group, whereas a custom attribute
//! such as `custom:tenant` is writable by the user unless the app client's write attributes
//! leave it out. docs/operations.md says what any other issuer must guarantee.

/// The claim the stack reads when TenantClaim is not given.
pub const DEFAULT_CLAIM: &str = "cognito:groups";

/// The prefix that marks a value as a tenant grant (`tenant:demo-co`). A group claim
/// carries other groups too; only these name tenants.
pub const TENANT_PREFIX: &str = "tenant:";

/// The configured tenant claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantClaim {
    name: String,
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
        }
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

    /// The tenants `value` (the claim as API Gateway passes it) names. A list claim arrives
    /// as one string, `[a b]`: the brackets go and the items are split on spaces or commas,
    /// never taken as one tenant called `[a`.
    pub fn tenants(&self, value: &str) -> Vec<String> {
        let inner = value
            .trim()
            .strip_prefix('[')
            .and_then(|v| v.strip_suffix(']'))
            .unwrap_or(value);
        inner
            .split([',', ' '])
            .map(|v| v.trim().trim_matches('"'))
            .filter(|v| !v.is_empty())
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
    fn s28_6_a_dedicated_claim_takes_plain_ids_separated_by_commas_or_spaces() {
        let custom = TenantClaim::new("custom:tenant");
        assert_eq!(
            custom.tenants("demo-co, tenant:other-co"),
            vec!["demo-co".to_string(), "other-co".to_string()]
        );
    }
}
