//! The connection's secret (one Secrets Manager secret, JSON): Personio's credentials — v2
//! OAuth client credentials for new connections, or the v1 (legacy) Recruiting API token of
//! a connection made before — and the secret Talentwunder signs uploads with.
//!
//! Stored as flat fields (`client_id`, `client_secret` | `access_token`, `upload_secret`), so
//! that `renkei credentials set … client_id=… client_secret=…` moves a v1 connection to v2
//! by a merge (docs/operations.md): where both are stored, the v2 credentials are used.

use renkei_vendors::personio::Credentials;
use serde::{Deserialize, Serialize};

/// The connection's secret, typed: which credentials, and the upload signing secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "Stored", into = "Stored")]
pub struct ConnectionSecret {
    /// Personio's credentials.
    pub credentials: Credentials,
    /// The secret Talentwunder signs uploads with.
    pub upload_secret: String,
}

/// Values stay out of logs (the credentials redact themselves).
impl std::fmt::Debug for ConnectionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionSecret")
            .field("credentials", &self.credentials)
            .field("upload_secret", &"<redacted>")
            .finish()
    }
}

impl ConnectionSecret {
    /// New credentials (v2): client ID and secret.
    pub fn oauth(client_id: &str, client_secret: &str, upload_secret: &str) -> Self {
        Self {
            credentials: Credentials::OAuth {
                client_id: client_id.into(),
                client_secret: client_secret.into(),
            },
            upload_secret: upload_secret.into(),
        }
    }
}

impl ConnectionSecret {
    /// A connection's v1 (legacy) Recruiting API token, as connections were made before v2.
    pub fn legacy(access_token: &str, upload_secret: &str) -> Self {
        Self {
            credentials: Credentials::Legacy {
                access_token: access_token.into(),
            },
            upload_secret: upload_secret.into(),
        }
    }
}

/// The secret as stored: every field either form may have (its schema is the secret's:
/// client_id + client_secret for v2, or access_token for v1).
#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Stored {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    upload_secret: String,
}

impl TryFrom<Stored> for ConnectionSecret {
    type Error = String;

    fn try_from(s: Stored) -> Result<Self, String> {
        let credentials = match (s.client_id, s.client_secret, s.access_token) {
            (Some(client_id), Some(client_secret), _) => Credentials::OAuth {
                client_id,
                client_secret,
            },
            (Some(_), None, _) => return Err("client_secret is missing (client_id is set)".into()),
            (None, Some(_), _) => return Err("client_id is missing (client_secret is set)".into()),
            (None, None, Some(access_token)) => Credentials::Legacy { access_token },
            (None, None, None) => {
                return Err(
                    "Personio's credentials are missing: client_id and client_secret (v2), or access_token (legacy v1)"
                        .into(),
                );
            }
        };
        Ok(Self {
            credentials,
            upload_secret: s.upload_secret,
        })
    }
}

impl From<ConnectionSecret> for Stored {
    fn from(s: ConnectionSecret) -> Self {
        let (client_id, client_secret, access_token) = match s.credentials {
            Credentials::OAuth {
                client_id,
                client_secret,
            } => (Some(client_id), Some(client_secret), None),
            Credentials::Legacy { access_token } => (None, None, Some(access_token)),
        };
        Self {
            client_id,
            client_secret,
            access_token,
            upload_secret: s.upload_secret,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn s29_1_a_secret_is_v2_client_credentials_or_the_legacy_token() {
        let read = |v: serde_json::Value| serde_json::from_value::<ConnectionSecret>(v);
        let legacy = read(json!({"access_token": "t", "upload_secret": "u"})).unwrap();
        assert!(matches!(legacy.credentials, Credentials::Legacy { .. }));
        let v2 =
            read(json!({"client_id": "i", "client_secret": "s", "upload_secret": "u"})).unwrap();
        assert!(matches!(v2.credentials, Credentials::OAuth { .. }));
        // Migrated by a merge: both stored, v2 used.
        let both = read(json!({"access_token": "t", "client_id": "i", "client_secret": "s", "upload_secret": "u"}))
            .unwrap();
        assert_eq!(both, v2);
        assert!(read(json!({"client_id": "i", "upload_secret": "u"})).is_err());
        assert!(read(json!({"upload_secret": "u"})).is_err());
        // Written back in the form it has, nothing else.
        assert_eq!(
            serde_json::to_value(&v2).unwrap(),
            json!({"client_id": "i", "client_secret": "s", "upload_secret": "u"})
        );
        assert!(
            !format!("{v2:?}").contains("\"s\""),
            "the client secret is never shown"
        );
    }
}
