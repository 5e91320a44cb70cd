//! A connector's own operations (C5's link, unlink, exports, …): what the connector
//! declares ([`Actions`]) and the one error type every one of them answers with, so that the
//! admin API, the CLI and the sandbox reach any connector's operations the same way
//! ([`crate::engine::ConnectorFactory::act`]).

/// The operations a connector offers beside syncing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actions {
    /// The path segment the admin API serves them under:
    /// `POST /v1/tenants/{tenant}/connections/{connection}/{segment}/{action}` (C5:
    /// `linkedin`, the vendor people act on).
    pub segment: &'static str,
    /// Every action's name, in the order help texts list them.
    pub names: &'static [&'static str],
}

/// Why an action was not done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The connector has no action of this name.
    #[error("no action {action} (one of {})", known.join(", "))]
    Unknown {
        /// The name asked for.
        action: String,
        /// The names there are.
        known: &'static [&'static str],
    },
    /// The action's inputs are not its shape (a missing, unknown or mistyped field): the
    /// request must change.
    #[error("{}{message}", field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Malformed {
        /// The field at fault, as a path, where one is.
        field: Option<String>,
        /// What serde or the connector said about it.
        message: String,
    },
    /// The action ran and failed: refused by a vendor or by the connection's state, or
    /// (when `retryable`) worth asking again later unchanged.
    #[error("{message}")]
    Failed {
        /// What went wrong, naming the record and the reason.
        message: String,
        /// Whether the same request may succeed later.
        retryable: bool,
    },
}

/// The field a JSON deserialisation error is about and serde's message: the path to the
/// value at fault, or — for a missing or unknown field, which serde reports at the object
/// that lacks or has it — the field serde names in backticks (`missing field
/// \`hrmos_url\``). One rule for every request body renkei reads, so the admin API, setup
/// and actions name fields alike.
pub fn field_at_fault(
    e: &serde_path_to_error::Error<serde_json::Error>,
) -> (Option<String>, String) {
    let message = e.inner().to_string();
    let path = e.path().to_string();
    let field = if path == "." {
        message.split('`').nth(1).map(str::to_string)
    } else {
        Some(path)
    };
    (field, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        team_member: u64,
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        ttl: u32,
    }

    fn fault(json: &str) -> (Option<String>, String) {
        let mut de = serde_json::Deserializer::from_str(json);
        let e = serde_path_to_error::deserialize::<_, Body>(&mut de).unwrap_err();
        field_at_fault(&e)
    }

    #[test]
    fn s30_1_a_missing_field_is_named_at_its_object_and_a_wrong_one_by_its_path() {
        assert_eq!(
            fault(r#"{"inner":{"ttl":1}}"#).0.as_deref(),
            Some("team_member")
        );
        assert_eq!(
            fault(r#"{"team_member":1,"inner":{"ttl":"x"}}"#)
                .0
                .as_deref(),
            Some("inner.ttl")
        );
    }
}
