//! The one shape of a setup check's answer, for every connector: connecting (or re-entering
//! credentials) checks everything a person entered and answers every problem found, each
//! typed, so that the CLI and the admin API show them the same way.

use serde::Serialize;

/// What kind of problem a person must fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A credential was refused (wrong token, ID or password).
    Credentials,
    /// The credential works but lacks a permission or scope.
    Permissions,
    /// A setting is missing, malformed or names something that does not exist.
    Setting,
    /// The connection exists already.
    Exists,
    /// What the request names does not exist.
    NotFound,
    /// A vendor or renkei's own store could not be reached: try again later.
    Unavailable,
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupProblem {
    /// Its kind.
    pub kind: ProblemKind,
    /// The field the person entered it in, where one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong and what to do, in the customer's language.
    pub message: String,
}

impl SetupProblem {
    /// A problem of `kind`, not tied to one field.
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            field: None,
            message: message.into(),
        }
    }

    /// The same problem, blamed on `field`.
    #[must_use]
    pub fn at(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
}

/// Every problem a setup check found (never empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct SetupProblems(pub Vec<SetupProblem>);

impl std::fmt::Display for SetupProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match &p.field {
                Some(field) => write!(f, "{field}: {}", p.message)?,
                None => write!(f, "{}", p.message)?,
            }
        }
        Ok(())
    }
}

impl SetupProblems {
    /// Whether a retry later may succeed without a person changing anything.
    pub fn retryable(&self) -> bool {
        self.0.iter().all(|p| p.kind == ProblemKind::Unavailable)
    }
}

impl From<SetupProblem> for SetupProblems {
    fn from(p: SetupProblem) -> Self {
        Self(vec![p])
    }
}

/// A person's request to connect, whichever connector: the connection to make and what they
/// entered, as it arrived. Each connector reads `settings` and `secret` into its own types
/// ([`SetupRequest::part`]), so that the admin API, the CLI and the sandbox connect every
/// connector through the same [`crate::engine::ConnectorFactory::setup`].
#[derive(Debug, Clone)]
pub struct SetupRequest {
    /// The tenant the connection will belong to (already known to exist and to be the
    /// caller's).
    pub tenant: crate::TenantId,
    /// The id the new connection gets, unique within the tenant.
    pub connection: crate::ConnectionId,
    /// The connector's settings as entered (a JSON object of its `Settings` type).
    pub settings: serde_json::Value,
    /// The connector's credentials as entered (a JSON object of its `Secret` type); written
    /// to the secret store only, never to the state store.
    pub secret: serde_json::Value,
    /// Where the stack receives webhooks (`https://…/webhooks`), for a connector whose
    /// vendor calls back to an address set up when connecting (C5's LinkedIn callback).
    pub webhook_base: Option<String>,
    /// Where the admin API that took the request is reached (`https://{host}`), for a
    /// connector that serves a page to the customer from there (C5's onboarding page).
    pub own_url: Option<String>,
}

impl SetupRequest {
    /// `part` (`"settings"` or `"secret"`) read as `T`, or a [`SetupError::Malformed`]
    /// naming the field at fault as `settings.kaonavi_url` (a missing or unknown field is
    /// named at the object that lacks or has it).
    pub fn part<T: serde::de::DeserializeOwned>(&self, part: Part) -> Result<T, SetupError> {
        let value = match part {
            Part::Settings => &self.settings,
            Part::Secret => &self.secret,
        };
        serde_path_to_error::deserialize(value).map_err(|e| {
            let (inner, message) = crate::action::field_at_fault(&e);
            let at = part.name();
            SetupError::Malformed {
                field: Some(match inner {
                    Some(f) => format!("{at}.{f}"),
                    None => at.to_string(),
                }),
                message,
            }
        })
    }

    /// The connector's settings and secret, read as its types.
    pub fn parts<S, K>(&self) -> Result<(S, K), SetupError>
    where
        S: serde::de::DeserializeOwned,
        K: serde::de::DeserializeOwned,
    {
        Ok((self.part(Part::Settings)?, self.part(Part::Secret)?))
    }

    /// A text field of the request that this connector needs (e.g. `webhook_base`).
    pub fn required(value: Option<&str>, field: &str) -> Result<String, SetupError> {
        value
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| SetupError::Malformed {
                field: Some(field.to_string()),
                message: format!("{field} is required"),
            })
    }
}

/// The two parts of a [`SetupRequest`] a connector reads into its own types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `settings`: what the connection does (addresses, mappings, cadence).
    Settings,
    /// `secret`: the credentials.
    Secret,
}

impl Part {
    /// The part's name in a request, which field paths start with.
    pub fn name(self) -> &'static str {
        match self {
            Part::Settings => "settings",
            Part::Secret => "secret",
        }
    }
}

/// Where a setup stores what it made and what time it is.
#[derive(Clone, Copy)]
pub struct SetupEnv<'a> {
    /// The state store: the connection and the connector's own records.
    pub store: &'a dyn crate::ports::StateStore,
    /// The secret store: the connection's credentials (and webhook endpoints' own copies
    /// of their signing secrets).
    pub secrets: &'a dyn crate::ports::SecretStore,
    /// Now: the connection's first run is scheduled from here.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// A connection that setup made.
#[derive(Debug, Clone)]
pub struct Connected {
    /// The stored connection.
    pub connection: crate::repo::Connection,
    /// Whether the connection needs work before its first sync that only the connector's
    /// own function may do in a deployment (it reads the deployment's secrets): the admin
    /// API and `renkei connect` then ask for a run at once, and the sandbox has
    /// [`crate::engine::ConnectorFactory::prepare`] do it right after connecting.
    pub run_at_once: bool,
}

impl From<crate::repo::Connection> for Connected {
    fn from(connection: crate::repo::Connection) -> Self {
        Self {
            connection,
            run_at_once: false,
        }
    }
}

/// Why connecting did not happen: the one problem type of every connector's setup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// What was entered is not the connector's shape (a missing, unknown or mistyped
    /// field): the request must change before anything is checked with a vendor.
    #[error("{}{message}", field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Malformed {
        /// The field at fault, as a path (`settings.kaonavi_url`), where one is.
        field: Option<String>,
        /// What serde or the connector said about it.
        message: String,
    },
    /// Checked with the vendors and refused, or not reachable now: every problem found.
    #[error(transparent)]
    Problems(#[from] SetupProblems),
    /// This connector is not connected this way (C1's Mynavi accounts are registered one
    /// by one); the message says how it is.
    #[error("{0}")]
    NotHere(String),
}
