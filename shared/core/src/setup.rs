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
