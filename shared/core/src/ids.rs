//! Typed identifiers. They never contain `#`, which the state store uses as a key separator,
//! so one tenant's keys can never be confused with another's.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid {kind} {value:?}: use 1-64 characters of letters, digits, '-', '_' or '.', and not a connector's name"
)]
pub struct InvalidId {
    kind: &'static str,
    value: String,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an identifier, refusing empty, over-long or separator-bearing values.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                let ok = !value.is_empty()
                    && value.len() <= 64
                    && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    && !Self::RESERVED.contains(&value.as_str());
                if ok { Ok(Self(value)) } else { Err(InvalidId { kind: $kind, value }) }
            }
            /// The identifier as it was given and as it appears in stored keys and URLs
            /// (1-64 characters of `[A-Za-z0-9._-]`, never `#`).
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(value: String) -> Result<Self, InvalidId> {
                Self::new(value)
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_type!(
    /// A customer company. Every stored key starts with it.
    TenantId,
    "tenant id"
);
id_type!(
    /// One configured integration of a tenant (for example its Roumumate → Kaonavi link).
    ConnectionId,
    "connection id"
);
id_type!(
    /// One run of a connection's sync, across all its segments: generated at its start,
    /// sorting by start time.
    RunId,
    "run id"
);

impl TenantId {
    /// Names no tenant may have: the connectors'. A connector's function may read the
    /// secrets `renkei/<connector>/*`, and the secret names of an earlier release were
    /// `renkei/<tenant>/<connection>`: a tenant named like a connector would have put its
    /// secrets under that connector's grant (issue 28 item 14). tests/consistency.rs checks
    /// that every registered connector is listed.
    pub const RESERVED: &'static [&'static str] = &[
        "mynavi-hrmos",
        "roumumate-kaonavi",
        "hrbrain-mikiwame",
        "talentwunder-personio",
        "recruitee-linkedin",
    ];
}

impl ConnectionId {
    /// Names no connection may have: none. A connection's secret lives under its
    /// connector's and tenant's names, so a connection named like a connector reaches no
    /// other connector's grant (the [`TenantId::RESERVED`] problem does not arise).
    pub const RESERVED: &'static [&'static str] = &[];
}

impl RunId {
    /// Names no run id may have: none. Run ids are generated ([`RunId::generate`]), never
    /// chosen by people; the list exists because every id type has one.
    pub const RESERVED: &'static [&'static str] = &[];

    /// A fresh, time-ordered run id: sortable by start time, unique by a random suffix.
    pub fn generate(now: chrono::DateTime<chrono::Utc>) -> Self {
        Self(format!(
            "{}-{:08x}",
            now.format("%Y%m%dT%H%M%S%3fZ"),
            fastrand::u32(..)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p1_ids_refuse_key_separators() {
        assert!(TenantId::new("acme#other").is_err());
        assert!(TenantId::new("").is_err());
        assert!(TenantId::new("acme-01").is_ok());
    }

    /// Issue 28 item 14: a tenant named like a connector would fall under its secret grant.
    #[test]
    fn s28_14_a_tenant_may_not_be_named_like_a_connector() {
        for name in TenantId::RESERVED {
            let e = TenantId::new(*name).expect_err(name);
            assert!(e.to_string().contains("connector"), "{e}");
            assert!(ConnectionId::new(*name).is_ok(), "connections may be");
        }
    }
}
